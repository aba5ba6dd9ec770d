#!/usr/bin/env bash
# The Debian-packaged PostgreSQL cluster used for development and CI, with the
# project's role and databases. Must run as root: starting the cluster and
# creating roles both need it.
#
#   deploy/local/postgres.sh start   start the cluster if down, create role + databases if missing,
#                                    print DATABASE_URL=... (the test database)
#   deploy/local/postgres.sh stop    stop the cluster if up
#
# Environment: PG_VERSION (15), PG_CLUSTER (main). Both subcommands are idempotent.
set -euo pipefail

PG_VERSION=${PG_VERSION:-15}
PG_CLUSTER=${PG_CLUSTER:-main}
SOCKET_DIR=/var/run/postgresql
# Peer authentication over the Unix socket maps an OS user to the role of the
# same name, so the role is named after the user running the app and tests.
ROLE=root
DATABASES=(gesture_ledger gesture_ledger_test)

die() { echo "postgres.sh: $*" >&2; exit 1; }
log() { echo "postgres.sh: $*" >&2; }

[[ $(id -u) -eq 0 ]] || die "run as root (pg_ctlcluster and role creation need it)"
command -v pg_ctlcluster >/dev/null || die "pg_ctlcluster not found; is the postgresql-$PG_VERSION package installed?"

# Fields of `pg_lsclusters -h`: version cluster port status owner datadir logfile.
cluster_field() {
  pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" -v f="$1" '$1 == v && $2 == c { print $f }'
}
cluster_status() { cluster_field 4; }

# --skip-systemctl-redirect: there is no systemd here, and pg_ctlcluster would
# otherwise hand the request to systemctl.
pg_ctl_cluster() { timeout 90 pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" "$PG_CLUSTER" "$1"; }

# As the postgres superuser; cd / because su keeps root's cwd, which the
# postgres user cannot read (psql then warns on every call).
psql_admin() {
  (cd / && su postgres -c "psql -X -q -v ON_ERROR_STOP=1 -p $PORT -d postgres")
}

cmd_start() {
  [[ -n "$(cluster_status)" ]] || die "no cluster $PG_VERSION/$PG_CLUSTER (see pg_lsclusters)"
  PORT=$(cluster_field 3)
  if [[ "$(cluster_status)" != online* ]]; then
    log "starting cluster $PG_VERSION/$PG_CLUSTER"
    pg_ctl_cluster start
  fi
  # pg_ctlcluster returns once the postmaster is up, which can precede
  # accepting connections (e.g. after crash recovery).
  timeout 60 bash -c "until pg_isready -q -h $SOCKET_DIR -p $PORT; do sleep 0.5; done" \
    || die "cluster $PG_VERSION/$PG_CLUSTER not accepting connections after 60 s"

  # Role: CREATE ROLE has no IF NOT EXISTS, hence the DO block.
  # Databases: CREATE DATABASE cannot run inside DO (it refuses a transaction
  # block), hence the generated statements run by \gexec.
  {
    cat <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE "$ROLE" SUPERUSER LOGIN;
  END IF;
END \$\$;
SQL
    for db in "${DATABASES[@]}"; do
      echo "SELECT format('CREATE DATABASE %I OWNER %I', '$db', '$ROLE')
              WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \\gexec"
    done
  } | psql_admin

  local url="postgresql://$ROLE@localhost/gesture_ledger_test?host=$SOCKET_DIR"
  [[ "$PORT" == 5432 ]] || url+="&port=$PORT"
  echo "DATABASE_URL=$url"
}

cmd_stop() {
  local status
  status=$(cluster_status)
  [[ -n "$status" ]] || die "no cluster $PG_VERSION/$PG_CLUSTER (see pg_lsclusters)"
  if [[ "$status" != online* ]]; then
    log "cluster $PG_VERSION/$PG_CLUSTER not running"
    return 0
  fi
  # pg_ctlcluster stops in "fast" mode: open sessions are disconnected rather
  # than waited for, so a forgotten psql cannot hang this.
  pg_ctl_cluster stop
  log "stopped cluster $PG_VERSION/$PG_CLUSTER"
}

case "${1:-}" in
  start) cmd_start ;;
  stop)  cmd_stop ;;
  *) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
