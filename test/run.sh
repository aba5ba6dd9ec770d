#!/usr/bin/env bash
# The project's one test command (`npm test`): brings up the local PostgreSQL cluster and the
# Maven-fetched Kafka broker where this machine has them, then runs every Jest project once.
#
# REQUIRE_INFRA=1 (CI) turns a backend that cannot be brought up into a failure instead of a
# suite that reports itself "not exercised".
# EVENTSTORE_URL=esdb://... runs the EventStoreDB contract suite too (no server runs here).
set -uo pipefail
cd "$(dirname "$0")/.."

note() { echo "test/run.sh: $*" >&2; }
require_infra=${REQUIRE_INFRA:-0}
missing=()

if [[ -z "${DATABASE_URL:-}" ]]; then
  if command -v pg_ctlcluster >/dev/null && [[ $(id -u) -eq 0 ]]; then
    url=$(deploy/local/postgres.sh start | sed -n 's/^DATABASE_URL=//p')
    [[ -n "$url" ]] && export DATABASE_URL="$url"
  fi
fi
[[ -n "${DATABASE_URL:-}" ]] || missing+=("PostgreSQL (DATABASE_URL)")

if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  if command -v java >/dev/null && command -v mvn >/dev/null; then
    brokers=$(deploy/local/kafka.sh start | sed -n 's/^KAFKA_BROKERS=//p')
    [[ -n "$brokers" ]] && export KAFKA_BROKERS="$brokers"
  fi
fi
[[ -n "${KAFKA_BROKERS:-}" ]] || missing+=("Kafka (KAFKA_BROKERS)")

if (( ${#missing[@]} > 0 )); then
  if [[ "$require_infra" == 1 ]]; then
    note "REQUIRE_INFRA=1 but these backends are not available: ${missing[*]}"
    exit 1
  fi
  note "not available, their suites will report 'not exercised': ${missing[*]}"
fi
note "DATABASE_URL=${DATABASE_URL:-<unset>} KAFKA_BROKERS=${KAFKA_BROKERS:-<unset>} EVENTSTORE_URL=${EVENTSTORE_URL:-<unset>}"

export KAFKAJS_NO_PARTITIONER_WARNING=1
# Suites that spawn the deployed services run dist/: build it once here rather than in each of them.
npm run build --silent || { note "npm run build failed"; exit 1; }
export GESTURE_LEDGER_DIST_BUILT=1
report=$(mktemp)
NODE_OPTIONS=--experimental-vm-modules npx jest --ci --maxWorkers=2 --json --outputFile="$report" "$@"
status=$?

# One plain closing line, whatever the runner printed above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  if (r.numTotalTests === 0) process.exitCode = 1;
' "$report" || status=1
rm -f "$report"
exit $status
