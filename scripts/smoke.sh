#!/usr/bin/env bash
# smoke.sh - prove that a running AgroBridge API works end to end: it answers, registers a
# user, logs them in, and creates and reads back a batch in PostgreSQL through the API.
set -euo pipefail

usage() {
  cat <<EOF
Usage: ${0##*/} [-h] BASE_URL

Smoke-test the AgroBridge API served at BASE_URL (e.g. http://127.0.0.1:8000 or
https://api.example.com; the API lives under BASE_URL/api/v1):
  1. wait until GET /api/v1/health answers 200 (at most SMOKE_WAIT_SECONDS, default 30)
  2. GET /api/v1/health/ready: PostgreSQL and Redis answer
  3. register a new producer with a random email and password
  4. log in as that producer
  5. create a batch, then read it back and compare
Each request is bounded by SMOKE_TIMEOUT_SECONDS (default 10). Exits non-zero and says which
step failed, with the response, on any failure. Every run leaves one user
(smoke-<random>@example.com) and one batch (product 'smoke-test') behind.
Needs curl and python3; curl honours CURL_CA_BUNDLE for a private CA.
EOF
}

die() { printf 'smoke: FAILED: %s\n' "$*" >&2; exit 1; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then usage; exit 0; fi
(($# == 1)) || { usage >&2; exit 2; }
[[ $1 =~ ^https?://[^/] ]] || die "BASE_URL must start with http:// or https://, not '$1'"
for tool in curl python3; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

readonly api=${1%/}/api/v1
readonly wait_seconds=${SMOKE_WAIT_SECONDS:-30} timeout=${SMOKE_TIMEOUT_SECONDS:-10}
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

# call METHOD PATH EXPECTED_STATUS [JSON_BODY [TOKEN]]: the response body lands in $work/body.
call() {
  local method=$1 path=$2 expected=$3 body=${4:-} token=${5:-} status
  local args=(-sS --max-time "$timeout" -X "$method" -o "$work/body" -w '%{http_code}'
    -H 'Accept: application/json' -H 'User-Agent: agrobridge-smoke')
  [[ -z $body ]] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
  # The token goes through a header file so that it never shows in the process list.
  if [[ -n $token ]]; then
    printf 'Authorization: Bearer %s\n' "$token" >"$work/auth"
    args+=(-H "@$work/auth")
  fi
  status=$(curl "${args[@]}" "$api$path") || die "$method $path: no answer"
  [[ $status == "$expected" ]] ||
    die "$method $path answered $status, expected $expected: $(head -c 2000 "$work/body")"
}

# field KEY: print the last response's top-level KEY (objects as compact JSON). Use it as
# `var=$(field KEY)`, so that a failure stops the script.
field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))[sys.argv[2]]
print(value if isinstance(value, str) else json.dumps(value, separators=(",", ":")))' \
    "$work/body" "$1" 2>/dev/null || die "no '$1' in: $(head -c 2000 "$work/body")"
}

deadline=$((SECONDS + wait_seconds))
until curl -fsS --max-time 3 -o /dev/null "$api/health" 2>"$work/wait"; do
  ((SECONDS < deadline)) ||
    die "GET $api/health did not answer 200 within ${wait_seconds}s: $(<"$work/wait")"
  sleep 1
done
echo "ok: $api/health answers"

call GET /health/ready 200
checks=$(field checks)
echo "ok: ready $checks"

random=$(python3 -c 'import secrets; print(secrets.token_hex(6))')
email=smoke-$random@example.com
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')
call POST /auth/register 201 \
  "{\"email\": \"$email\", \"password\": \"$password\", \"full_name\": \"Smoke Test\"}"
registered=$(field email)
[[ $registered == "$email" ]] || die "registered $email, but the answer says $registered"
echo "ok: registered $email"

call POST /auth/login 200 "{\"email\": \"$email\", \"password\": \"$password\"}"
token=$(field access_token)
echo "ok: logged in"

call POST /batches 201 '{"product": "smoke-test", "variety": "Hass",
  "harvest_date": "2026-10-02", "origin": {"farm": "Smoke", "region": "Test", "country": "MX"},
  "quantity": "12.500", "unit": "kg"}' "$token"
batch=$(field id)
echo "ok: created batch $batch"

call GET "/batches/$batch" 200 '' "$token"
read_id=$(field id)
product=$(field product)
batch_status=$(field status)
quantity=$(field quantity)
[[ $read_id == "$batch" && $product == smoke-test && $batch_status == registered ]] ||
  die "batch read back differs: $(head -c 2000 "$work/body")"
echo "ok: read batch $batch back (status $batch_status, quantity $quantity)"
echo "smoke: passed against ${1%/}"
