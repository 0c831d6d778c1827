#!/usr/bin/env bash
# The load benchmark: builds the release binary, fills a fresh SQLite database
# with the demo organisation, and prints one line per scenario (requests/s,
# p50, p99, the server's peak RSS), plus start-up time and memory under 1,000
# open connections. Everything runs on this machine, on loopback.
#
#   bench/run.sh                 # 10 s per scenario
#   SECONDS_PER_SCENARIO=30 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${SECONDS_PER_SCENARIO:-10}"
conns="${CONNECTIONS:-64}"
cost="${BCRYPT_COST:-12}"
password="demo password 2026"

cargo build --release --quiet --bin hrms --example loadgen
hrms=target/release/hrms
load=target/release/examples/loadgen
ulimit -n 8192 2>/dev/null || true

work=$(mktemp -d)
db="$work/bench.db"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

"$hrms" demo --database-url "$db" --password "$password" --bcrypt-cost "$cost" > "$work/demo.txt"
employee=$(awk '/  Employee /{print $2}' "$work/demo.txt")
[ -n "$employee" ] || { echo "demo printed no Employee account"; cat "$work/demo.txt"; exit 1; }

# start <extra flags...>: starts the server, sets $server_pid and $addr, prints start-up time.
# Every scenario signs the one demo Employee in, the login and refresh ones
# hundreds of times, 8 or 64 at once: the limits are lifted so that they measure
# work, not refusals. Else sign-ins in flight beyond the per-account budget
# (an attempt holds its slot while bcrypt runs) answer 429, and beyond
# --max-sessions-per-account each new session ends the oldest, which other
# connections are still using.
start() {
  local port; port=$(free_port); addr="127.0.0.1:$port"
  local t0; t0=$(date +%s%N)
  RUST_LOG=warn "$hrms" serve --bind "$addr" --public-url "http://$addr" --database-url "$db" \
    --bcrypt-cost "$cost" --login-max-failures-per-ip 1000000 --login-max-failures-per-account 1000000 \
    --max-sessions-per-account 1000000 "$@" > "$work/server.log" 2>&1 &
  server_pid=$!
  until curl -fs "http://$addr/healthz" > /dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
    sleep 0.01
  done
  startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr); ${secs}s per scenario, $conns connections"
# The api-* scenarios share one session across every connection: lift its
# per-session budget (600 requests a minute by default) out of the way.
start --jwt-secret "bench-secret-bench-secret-bench-secret-0123" --api-requests-per-minute 1000000000
echo "startup    serving ${startup_ms} ms after launch (existing database, demo organisation)"
args=(--addr "$addr" --pid "$server_pid" --seconds "$secs" --connections "$conns" --email "$employee" --password "$password")
"$load" baseline "${args[@]}"
"$load" dashboard "${args[@]}" --path /dashboard
"$load" directory "${args[@]}" --path "/employees?q=a&sort=name"
"$load" api-me "${args[@]}" --path /api/v1/me
"$load" api-list "${args[@]}" --path /api/v1/employees
"$load" login "${args[@]}" --bcrypt-cost "$cost"
"$load" idle --addr "$addr" --pid "$server_pid" --connections 1000
stop

# Rotation on every request: a 1 s access TTL, so each request's access token has expired.
start --jwt-secret "bench-secret-bench-secret-bench-secret-0123" --access-ttl 1s
args=(--addr "$addr" --pid "$server_pid" --seconds "$secs" --connections "$conns" --email "$employee" --password "$password")
"$load" refresh "${args[@]}"
stop
