#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller in one JVM) for
# development and CI, on a machine without Docker: the broker's jars come from
# Maven Central through kafka/pom.xml and are cached outside the repository.
#
#   deploy/local/kafka.sh start             fetch (once), format (once), start, wait until ready
#   deploy/local/kafka.sh stop              SIGTERM, then SIGKILL after 30 s
#   deploy/local/kafka.sh status            exit 0 when running and ready
#   deploy/local/kafka.sh topics ARGS...    TopicCommand against this broker
#   deploy/local/kafka.sh perf              ProducerPerformance: the producer-side ceiling
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1),
# KAFKA_CACHE_DIR, KAFKA_RUN_DIR, KAFKA_DATA_DIR (KAFKA_RUN_DIR/data),
# KAFKA_START_TIMEOUT (90 s), KAFKA_HEAP_OPTS, PERF_TOPIC, PERF_RECORDS, PERF_RECORD_SIZE.
#
# A second, disposable broker beside the shared one (fault tests stop and start it):
#   KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 KAFKA_RUN_DIR=/tmp/kafka-b deploy/local/kafka.sh start
# Every start/stop/status acts on the broker of its own KAFKA_RUN_DIR only.
set -euo pipefail

KAFKA_VERSION=4.3.1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
POM="$HERE/kafka/pom.xml"
LOG4J_CONFIG="$HERE/kafka/log4j2.properties"

CACHE_DIR=${KAFKA_CACHE_DIR:-$HOME/.cache/gesture-ledger/kafka-$KAFKA_VERSION}
LIB_DIR="$CACHE_DIR/lib"
RUN_DIR=${KAFKA_RUN_DIR:-$HERE/.run/kafka}
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((PORT + 1))}
HOST=127.0.0.1
BROKERS="$HOST:$PORT"
START_TIMEOUT_S=${KAFKA_START_TIMEOUT:-90}
STOP_TIMEOUT_S=30

PID_FILE="$RUN_DIR/kafka.pid"
LOG_DIR="$RUN_DIR/logs"          # the broker's own log4j output
LOG_FILE="$LOG_DIR/server.log"
OUT_FILE="$LOG_DIR/kafka.out"    # JVM stdout/stderr: WARN+ and anything said before log4j starts
DATA_DIR=${KAFKA_DATA_DIR:-$RUN_DIR/data}  # log.dirs: the topic partitions and the KRaft metadata log
READY_LINE='Kafka Server started'

die() { echo "kafka.sh: $*" >&2; exit 1; }
log() { echo "kafka.sh: $*" >&2; }

require_java() {
  command -v java >/dev/null || die "java not found on PATH (Java 17+ is needed)"
}

# --- jars ------------------------------------------------------------------

# The cache is keyed by the pom's content, so bumping a version in the pom
# refetches, and an interrupted download (no stamp) is never mistaken for a
# complete one.
fetch_jars() {
  local want stamp="$CACHE_DIR/pom.sha256"
  want=$(sha256sum "$POM" | cut -d' ' -f1)
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && compgen -G "$LIB_DIR/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found on PATH; it is needed once, to fetch Kafka $KAFKA_VERSION"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $CACHE_DIR (once)"
  mkdir -p "$(dirname "$CACHE_DIR")"
  # Download beside the cache and swap it in whole, so a concurrent or killed
  # run never sees half a classpath.
  local tmp
  tmp=$(mktemp -d "$CACHE_DIR.tmp.XXXXXX")
  chmod 755 "$tmp"   # mktemp makes it 0700; the cache may be shared
  # stdout stays reserved for KAFKA_BROKERS=...; the sed drops the bare colour
  # resets Debian's Maven 3.8.7 prints even with -q -B (pipefail keeps mvn's status).
  if ! timeout 600 mvn -q -B -f "$POM" dependency:copy-dependencies -DoutputDirectory="$tmp/lib" 2>&1 \
        | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    die "mvn dependency:copy-dependencies failed"
  fi
  echo "$want" >"$tmp/pom.sha256"
  rm -rf "$CACHE_DIR"
  mv "$tmp" "$CACHE_DIR"
}

classpath() { echo "$LIB_DIR/*"; }

# Tools (TopicCommand, ProducerPerformance) run without a log4j config on
# purpose: log4j's default then prints only ERRORs, which keeps their output
# parseable.
run_tool() {
  [[ -d "$LIB_DIR" ]] || die "no Kafka jars in $LIB_DIR; run '$0 start' first"
  timeout 300 java -Xmx512m -Djava.awt.headless=true -cp "$(classpath)" "$@"
}

# --- process state ---------------------------------------------------------

broker_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid=$(cat "$PID_FILE")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  # The command line check guards against a stale pid file whose number has
  # been reused by an unrelated process.
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_open() { timeout 2 bash -c ": </dev/tcp/$HOST/$1" 2>/dev/null; }

# Ready means: our process is alive, it logged the line Kafka prints once
# every listener is up (an open port alone comes earlier), and it answers.
# server.log is moved aside on every start, so the line belongs to this process.
is_ready() {
  broker_pid >/dev/null && grep -qF "$READY_LINE" "$LOG_FILE" 2>/dev/null && port_open "$PORT"
}

print_log_tail() {
  log "last 50 lines of $LOG_FILE:"
  tail -n 50 "$LOG_FILE" 2>/dev/null >&2 || true
  if [[ -s "$OUT_FILE" ]]; then
    log "last 20 lines of $OUT_FILE:"
    tail -n 20 "$OUT_FILE" >&2
  fi
}

# start and stop must not interleave (two CI steps, or a developer and a test
# script); the lock lives in the run dir so separate brokers don't contend.
take_lock() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock -w 120 9 || die "another kafka.sh start/stop holds $RUN_DIR/.lock"
}

# --- configuration ---------------------------------------------------------

write_server_properties() {
  # Rewritten on every start so that KAFKA_PORT and edits below always apply.
  cat >"$RUN_DIR/server.properties" <<EOF
# Written by deploy/local/kafka.sh on every start; edit the script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA_DIR

# One node: every internal topic must fit on one replica, or group commits,
# transactions and share groups fail when first used.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests start consumer groups constantly; the default 3 s delay would be paid each time.
group.initial.rebalance.delay.ms=0
num.partitions=6
# The application creates its own topics; a typo must fail rather than create one.
auto.create.topics.enable=false
EOF
}

# Formatting writes meta.properties with the cluster id into log.dirs. It is
# done once; the id is kept in the run dir so a re-format (after deleting the
# data dir) still names the same cluster.
format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  local id_file="$RUN_DIR/cluster.id" id
  if [[ ! -s "$id_file" ]]; then
    # A Kafka cluster id is 16 random bytes in unpadded base64url (22 chars).
    # Kafka's own generator avoids a leading '-' because command-line parsers
    # take it for an option; do the same.
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ "$id" == -* ]] && id="A${id:1}"
    echo "$id" >"$id_file"
  fi
  id=$(cat "$id_file")
  log "formatting $DATA_DIR for cluster $id"
  # No --standalone: controller.quorum.voters already declares the quorum.
  java -Xmx256m -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$(classpath)" kafka.tools.StorageTool format \
    -t "$id" -c "$RUN_DIR/server.properties" --ignore-formatted >&2
}

# --- subcommands -----------------------------------------------------------

cmd_start() {
  require_java
  take_lock
  if is_ready; then
    log "already running (pid $(broker_pid)), ready on $BROKERS"
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  if broker_pid >/dev/null; then
    # Alive but not ready: a start still in progress elsewhere, or a broker
    # stuck in log recovery. Waiting is better than starting a second JVM on
    # the same data dir (it would fail on the lock anyway).
    log "broker pid $(broker_pid) is running but not ready yet; waiting"
    wait_ready || { print_log_tail; die "broker failed to become ready (limit ${START_TIMEOUT_S}s)"; }
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  rm -f "$PID_FILE"
  fetch_jars
  # A broker started from another checkout (its own run dir) may already serve this port: use it
  # rather than fail, since all the tests need is a broker that answers.
  if port_open "$PORT" && timeout 30 java -cp "$LIB_DIR/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BROKERS" --list >/dev/null 2>&1; then
    log "a Kafka broker started elsewhere already answers on $BROKERS; using it"
    echo "KAFKA_BROKERS=$BROKERS"
    return 0
  fi
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on $HOST is already taken by another process (not this run dir's broker); set KAFKA_PORT"
  done

  mkdir -p "$LOG_DIR" "$DATA_DIR"
  write_server_properties
  format_storage
  # Keep one previous log for post-mortems; the fresh file is what readiness reads.
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
  [[ -f "$OUT_FILE" ]] && mv -f "$OUT_FILE" "$OUT_FILE.prev"

  # setsid: the broker must outlive this script and not die with the caller's
  # process group (Ctrl-C, a CI step ending). The inner sh writes its own pid
  # and then execs java, so the pid file is exact whether or not setsid forks.
  # 9>&- : the broker must not inherit the start/stop lock.
  # G1 settings are those of Kafka's own kafka-run-class.sh.
  # shellcheck disable=SC2086
  setsid -f sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$PID_FILE" \
    java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$LOG4J_CONFIG" -Dkafka.logs.dir="$LOG_DIR" \
    -cp "$(classpath)" kafka.Kafka "$RUN_DIR/server.properties" \
    </dev/null >"$OUT_FILE" 2>&1 9>&-
  local i
  for ((i = 0; i < 50; i++)); do [[ -s "$PID_FILE" ]] && break; sleep 0.1; done

  if ! wait_ready; then
    print_log_tail
    # Don't leave a half-started broker holding the ports and the data dir.
    stop_broker || true
    die "broker failed to become ready (limit ${START_TIMEOUT_S}s, KAFKA_START_TIMEOUT)"
  fi
  log "started (pid $(broker_pid)), ready on $BROKERS; logs in $LOG_DIR"
  echo "KAFKA_BROKERS=$BROKERS"
}

wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT_S))
  while ((SECONDS < deadline)); do
    if ! broker_pid >/dev/null; then
      # The JVM exited (bad config, port taken, locked data dir): no point waiting.
      log "broker process exited during start-up"
      return 1
    fi
    is_ready && return 0
    sleep 0.5
  done
  return 1
}

stop_broker() {
  local pid
  if ! pid=$(broker_pid); then
    rm -f "$PID_FILE"
    return 0
  fi
  # SIGTERM is a clean shutdown: no log recovery on the next start.
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT_S))
  while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid still alive after ${STOP_TIMEOUT_S}s; sending SIGKILL (next start will recover its logs)"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)) && kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  kill -0 "$pid" 2>/dev/null && { log "pid $pid would not die"; return 1; }
  rm -f "$PID_FILE"
  log "stopped (pid $pid)"
}

cmd_stop() {
  take_lock
  if ! broker_pid >/dev/null; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  stop_broker
}

cmd_status() {
  if is_ready; then
    echo "running (pid $(broker_pid)), ready on $BROKERS"
    return 0
  elif broker_pid >/dev/null; then
    echo "running (pid $(broker_pid)) but not ready"
  else
    echo "not running"
  fi
  return 1
}

cmd_topics() {
  require_java
  run_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BROKERS" "$@"
}

# The producer-side ceiling for the project's benchmark: how fast a tuned Java
# producer with the same durability settings (acks=all, idempotence) writes to
# this very broker. The JSON line is what the benchmark reads.
cmd_perf() {
  require_java
  is_ready || die "broker not ready on $BROKERS; run '$0 start' first"
  local topic=${PERF_TOPIC:-perf-ceiling} records=${PERF_RECORDS:-200000} size=${PERF_RECORD_SIZE:-512}
  # retention.bytes (per partition) bounds disk use across repeated runs.
  cmd_topics --create --if-not-exists --topic "$topic" --partitions 6 --replication-factor 1 \
    --config retention.bytes=67108864 --config segment.bytes=33554432 >/dev/null

  local out summary
  # --command-property takes all k=v pairs after ONE flag (repeating the flag
  # keeps only the last). --producer-props is its deprecated predecessor.
  out=$(timeout 900 java -Xmx512m -Djava.awt.headless=true -cp "$(classpath)" \
    org.apache.kafka.tools.ProducerPerformance \
    --bootstrap-server "$BROKERS" --topic "$topic" \
    --num-records "$records" --record-size "$size" --throughput -1 \
    --command-property acks=all enable.idempotence=true linger.ms=5 batch.size=65536) \
    || { echo "$out" >&2; die "ProducerPerformance failed"; }
  # Progress lines come every 5 s; only the final summary has percentiles.
  summary=$(grep -E 'records sent.*99th' <<<"$out" | tail -n 1) \
    || { echo "$out" >&2; die "no summary line in ProducerPerformance output"; }
  echo "$summary"
  # e.g. "50000 records sent, 41152.263374 records/sec (20.09 MB/sec), 317.15 ms avg latency,
  #       588.00 ms max latency, 329 ms 50th, 541 ms 95th, 570 ms 99th, 585 ms 99.9th."
  awk -v size="$size" '{
    for (i = 1; i <= NF; i++) {
      if ($(i+1) == "records/sec") rps = $i
      if ($(i+1) == "MB/sec),")    { mb = $i; sub(/^\(/, "", mb) }
      if ($(i+1) == "ms" && $(i+2) == "avg") avg = $i
      if ($(i+1) == "ms" && $(i+2) ~ /^99th/) p99 = $i
    }
    printf "{\"tool\":\"ProducerPerformance\",\"records_per_s\":%d,\"mb_per_s\":%.2f,\"avg_latency_ms\":%.2f,\"p99_ms\":%d,\"record_size\":%d}\n", rps, mb, avg, p99, size
  }' <<<"$summary"
}

case "${1:-}" in
  start)  cmd_start ;;
  stop)   cmd_stop ;;
  status) cmd_status ;;
  topics) shift; cmd_topics "$@" ;;
  perf)   cmd_perf ;;
  *) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 2 ;;
esac
