#!/usr/bin/env bash
# Fuzzes the JSON API with schemathesis, from the OpenAPI document the server
# itself serves: a debug build on a fresh SQLite database filled by
# `hrms demo`, signed in as the demo HR account. Fails on a server error, a
# status code the document does not list, a response that does not match its
# schema (body, content type, headers), and the other checks of
# `--checks all` but one (see below). Called by .ci/run after `cargo test`;
# runs by hand too:
#
#   .ci/api-fuzz.sh                        # 100 examples per operation
#   API_FUZZ_MAX_EXAMPLES=500 API_FUZZ_SEED=1234 .ci/api-fuzz.sh
#   .ci/api-fuzz.sh --include-path-regex '^/api/v1/leave'   # more schemathesis flags
#
# Needs Python >= 3.11 with venv (Debian: python3-venv) and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
target="${CARGO_TARGET_DIR:-target}"
# The virtualenv, and schemathesis's cache of failures to try first next time.
fuzz_dir="$target/api-fuzz"
venv="$fuzz_dir/venv"
max_examples="${API_FUZZ_MAX_EXAMPLES:-100}"
password="fuzz password 2026"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "schemathesis $version needs Python >= 3.11; python3 is $(python3 --version 2>&1)"; exit 1; }
if [ "$("$venv/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $version" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

cargo build --quiet --bin hrms
hrms="$target/debug/hrms"

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$hrms" demo --database-url "$work/fuzz.db" --password "$password" --bcrypt-cost 4 > "$work/demo.txt"
hr=$(awk '/^  HR /{print $2}' "$work/demo.txt")
[ -n "$hr" ] || { echo "hrms demo printed no HR account"; cat "$work/demo.txt"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The limits that would turn the fuzzer's requests into 429s are lifted, so
# that what sits behind them is tested: the per-session API budget, sign-in
# throttling (it generates the same example email again and again) and
# sign-ups per address.
RUST_LOG=warn "$hrms" serve --bind "127.0.0.1:$port" --public-url "$base" --database-url "$work/fuzz.db" \
  --bcrypt-cost 4 --api-requests-per-minute 1000000 --login-max-failures-per-ip 1000000 \
  --login-max-failures-per-account 1000000 --sign-ups-per-ip-per-hour 1000000 > "$work/server.log" 2>&1 &
server_pid=$!
until curl -fs "$base/healthz" > /dev/null 2>&1; do
  kill -0 "$server_pid" 2>/dev/null || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
  sleep 0.1
done

login=$(python3 -c 'import json, sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2], "client_name": "schemathesis"}))' "$hr" "$password")
token=$(curl -fsS -X POST "$base/api/v1/auth/login" -H 'Content-Type: application/json' -d "$login" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

seed=()
[ -n "${API_FUZZ_SEED:-}" ] && seed=(--seed "$API_FUZZ_SEED")
status=0
# --exclude-operation-id logout: it would end the session whose token every
#   other request carries.
# --exclude-checks positive_data_acceptance: that check wants every body and
#   query that fits the schema answered 2xx (or 401/403/404/409). This API
#   documents 422 for values that break a rule, and most of its rules are not
#   expressible in JSON Schema: an id must name an existing record
#   (head_employee_id, manager_id, leave_type_id), fields depend on each other
#   (a rejected leave request needs a comment; last_day not before first_day;
#   the request must fit the balance) or on state (DELETE /api/v1/sessions/{id}
#   of the session in use answers 400). Its failures would be those designed
#   answers, each a documented status. (Some of what it reports could be
#   written into the document, such as bounds on per_page or year, or
#   minLength 1 on required names: worth doing, but a looser document is not
#   a wrong answer.) Its counterpart negative_data_rejection (data that breaks
#   the schema must be refused) stays on.
(cd "$fuzz_dir" && venv/bin/schemathesis run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --exclude-operation-id logout \
  --max-examples "$max_examples" \
  "${seed[@]}" \
  --generation-database none \
  --no-color "$@") || status=$?

# A request the fuzzer made may have ended the session its token belongs to:
# everything after that was a 401 and tested nothing. Say so, so that a green
# run is not taken for more than it was.
if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/api/v1/me")" != 200 ]; then
  echo "warning: the fuzzer's session had ended by the end of the run; later operations saw only 401s"
fi
if grep -qE ' (ERROR|panicked)' "$work/server.log"; then
  echo "== server errors logged during the run:"
  grep -E ' (ERROR|panicked)' "$work/server.log" | head -n 50
fi
exit "$status"
