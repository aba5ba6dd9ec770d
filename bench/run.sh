#!/usr/bin/env bash
# `npm run bench`: builds, brings up the local PostgreSQL (and Kafka, for the relay figures) where this
# machine has them, and runs every benchmark. BENCH_SECONDS sets seconds per scenario, BENCH_ONLY a
# comma-separated subset (store, api, projector, relay).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
if [[ -z "${DATABASE_URL:-}" ]] && command -v pg_ctlcluster >/dev/null && [[ $(id -u) -eq 0 ]]; then
  export DATABASE_URL=$(deploy/local/postgres.sh start | sed -n 's/^DATABASE_URL=//p' | sed 's/gesture_ledger_test/gesture_ledger/')
fi
export KAFKAJS_NO_PARTITIONER_WARNING=1
exec node dist/bench/run.js
