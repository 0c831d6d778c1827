#!/usr/bin/env bash
# The load benchmark: builds the release binary, fills a fresh database with
# the demo organisation, and prints one line per scenario (requests/s, p50,
# p99, the servers' peak RSS), plus start-up time and memory under 1,000 open
# connections. Everything runs on this machine, on loopback.
#
#   bench/run.sh                                   # 200 people, SQLite, 10 s per scenario
#   bench/run.sh --people 50000 --database postgres --instances 2
#   SECONDS_PER_SCENARIO=30 bench/run.sh
#   CARGO_TARGET_DIR=/tmp/t bench/run.sh          # binaries built and run from there
#
# EXPORT_REPEAT (3): downloads of /employees.csv in the export scenario;
# IMPORT_ROWS (10000): rows of the file the import scenario uploads.
#
# --database postgres makes a fresh database on $BENCH_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432) and drops it afterwards; --instances K
# starts K servers on it and the load generator spreads its connections over
# them in turn.
set -euo pipefail
cd "$(dirname "$0")/.."

people=200
database=sqlite
instances=1
while [ $# -gt 0 ]; do
  case "$1" in
    --people) people="$2"; shift 2 ;;
    --database) database="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    *) echo "usage: bench/run.sh [--people N] [--database sqlite|postgres] [--instances K]" >&2; exit 2 ;;
  esac
done
case "$database" in sqlite|postgres) ;; *) echo "--database is sqlite or postgres" >&2; exit 2 ;; esac
if [ "$database" = sqlite ] && [ "$instances" -gt 1 ]; then
  echo "several instances share one database: use --database postgres" >&2; exit 2
fi

secs="${SECONDS_PER_SCENARIO:-10}"
conns="${CONNECTIONS:-64}"
cost="${BCRYPT_COST:-12}"
password="demo password 2026"

cargo build --release --quiet --bin hrms --example loadgen
target="${CARGO_TARGET_DIR:-target}"
hrms="$target/release/hrms"
load="$target/release/examples/loadgen"
ulimit -n 8192 2>/dev/null || true

work=$(mktemp -d)
pg_base="${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}"
pg_name="hrms_bench_$$"
if [ "$database" = postgres ]; then
  psql -q "$pg_base/postgres" -c "CREATE DATABASE $pg_name"
  db="$pg_base/$pg_name"
else
  db="$work/bench.db"
fi
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$database" = postgres ] && psql -q "$pg_base/postgres" -c "DROP DATABASE IF EXISTS $pg_name" || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$hrms" demo --database-url "$db" --people "$people" --password "$password" --bcrypt-cost "$cost" > "$work/demo.txt"
head -n 1 "$work/demo.txt"
employee=$(awk '/  Employee /{print $2}' "$work/demo.txt")
[ -n "$employee" ] || { echo "demo printed no Employee account"; cat "$work/demo.txt"; exit 1; }
hr=$(awk '$1 == "HR" {print $2}' "$work/demo.txt")
[ -n "$hr" ] || { echo "demo printed no HR account"; cat "$work/demo.txt"; exit 1; }

# start <extra flags...>: starts $instances servers, sets $addr and $pids
# (comma-separated, for the load generator) and $startup_ms (the first's).
# Every scenario signs the one demo Employee in, the login and refresh ones
# hundreds of times, 8 or 64 at once: the limits are lifted so that they measure
# work, not refusals. Else sign-ins in flight beyond the per-account budget
# (an attempt holds its slot while bcrypt runs) answer 429, and beyond
# --max-sessions-per-account each new session ends the oldest, which other
# connections are still using.
start() {
  local addrs=() i
  server_pids=()
  for i in $(seq 1 "$instances"); do
    local port; port=$(free_port); local at="127.0.0.1:$port"
    local t0; t0=$(date +%s%N)
    RUST_LOG=warn "$hrms" serve --bind "$at" --public-url "http://$at" --database-url "$db" \
      --bcrypt-cost "$cost" --login-max-failures-per-ip 1000000 --login-max-failures-per-account 1000000 \
      --max-sessions-per-account 1000000 --mail-dir "$work/mail" "$@" > "$work/server-$i.log" 2>&1 &
    server_pids+=($!)
    until curl -fs "http://$at/healthz" > /dev/null 2>&1; do
      kill -0 "${server_pids[-1]}" 2>/dev/null || { cat "$work/server-$i.log"; exit 1; }
      sleep 0.01
    done
    [ "$i" = 1 ] && startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    addrs+=("$at")
  done
  addr=$(IFS=,; echo "${addrs[*]}")
  pids=$(IFS=,; echo "${server_pids[*]}")
  server_pid="${server_pids[0]}"
}
stop() {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  server_pids=()
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); ${secs}s per scenario, $conns connections; $people people, $database, $instances instance(s)"
# The api-* scenarios share one session across every connection: lift its
# per-session budget (600 requests a minute by default) out of the way.
start --jwt-secret "bench-secret-bench-secret-bench-secret-0123" --api-requests-per-minute 1000000000
echo "startup    serving ${startup_ms} ms after launch (existing database, demo organisation)"
args=(--addr "$addr" --pid "$pids" --seconds "$secs" --connections "$conns" --email "$employee" --password "$password")
"$load" baseline "${args[@]}"
"$load" dashboard "${args[@]}" --path /dashboard
"$load" directory "${args[@]}" --path "/employees?q=a&sort=name"
"$load" api-me "${args[@]}" --path /api/v1/me
"$load" api-list "${args[@]}" --path /api/v1/employees
# As the demo HR account: the company-wide pages, the calendar of one
# department (closest to 300 people), and the directory's CSV export (a few
# downloads one after another on one connection, not load).
hr_args=(--addr "$addr" --pid "$pids" --seconds "$secs" --connections "$conns" --email "$hr" --password "$password")
"$load" hr-dashboard "${hr_args[@]}" --path /dashboard
"$load" hr-queue "${hr_args[@]}" --path /leave/approvals
"$load" calendar-dept "${hr_args[@]}" --path "/leave/calendar?month=$(date -u +%Y-%m)"
"$load" export "${hr_args[@]}" --path /employees.csv --repeat "${EXPORT_REPEAT:-3}"
"$load" login "${args[@]}" --bcrypt-cost "$cost"
"$load" idle --addr "${addr%%,*}" --pid "$server_pid" --connections 1000
stop

# Rotation on every request: a 1 s access TTL, so each request's access token has expired.
start --jwt-secret "bench-secret-bench-secret-bench-secret-0123" --access-ttl 1s
args=(--addr "$addr" --pid "$pids" --seconds "$secs" --connections "$conns" --email "$employee" --password "$password")
"$load" refresh "${args[@]}"
stop

# Last, as it adds people to the company: one import of a 10,000-row file as
# HR, preview and confirmation timed apart, on a server of its own.
start --jwt-secret "bench-secret-bench-secret-bench-secret-0123"
"$load" import --addr "$addr" --pid "$pids" --email "$hr" --password "$password" --rows "${IMPORT_ROWS:-10000}"
stop
