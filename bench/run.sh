#!/usr/bin/env bash
# `npm run bench`: builds, brings up the local PostgreSQL (and Kafka, for the relay figures) where this
# machine has them, and runs every benchmark. BENCH_SECONDS sets seconds per scenario, BENCH_ONLY a
# comma-separated subset (store, api, projector, relay).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
if [[ -z "${DATABASE_URL:-}" ]] && command -v pg_ctlcluster >/dev/null && [[ $(id -u) -eq 0 ]]; then
  # A fresh database every run: figures stay comparable (the catch-up read covers what this run wrote)
  # and repeated runs do not pile up millions of events.
  deploy/local/postgres.sh start >/dev/null
  (cd / && su postgres -c "dropdb --if-exists gesture_ledger_bench && createdb -O root gesture_ledger_bench")
  export DATABASE_URL='postgresql://root@localhost/gesture_ledger_bench?host=/var/run/postgresql'
fi
export KAFKAJS_NO_PARTITIONER_WARNING=1
# The relay throughput scenario runs a CrmRelay in this process: with the nursery the services run with.
exec node --max-semi-space-size=32 --initial-old-space-size=96 dist/bench/run.js
