#!/usr/bin/env bash
# test-in-container.sh - run the test suite inside the test image (containers/Containerfile,
# target `test`) against PostgreSQL and Redis containers, as a hosted CI runner does with
# service containers. Everything it starts is named agrobridge-tic-<random> and removed on exit.
set -euo pipefail

usage() {
  cat <<EOF
Usage: ${0##*/} [-h] [PYTEST_ARGS...]

Build the test image with scripts/build-image.sh --target test (unless TEST_IMAGE names one),
start PostgreSQL and Redis on a private container network, and run pytest in the test image
with AGROBRIDGE_TEST_DATABASE_URL / AGROBRIDGE_TEST_REDIS_URL pointing at them. PYTEST_ARGS
default to the tiers that need only those two: tests/unit tests/integration tests/e2e.

Environment: CONTAINER_ENGINE (podman or docker; default podman if installed), BASE_IMAGE
(see scripts/build-image.sh -h), TEST_IMAGE (skip the build), AGROBRIDGE_TEST_POSTGRES_IMAGE
(default docker.io/library/postgres:16-alpine), AGROBRIDGE_TEST_REDIS_IMAGE (default
docker.io/library/redis:7-alpine), TEST_TIMEOUT_SECONDS (default 1800).
EOF
}

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
log() { printf '[test-in-container %4ss] %s\n' "$SECONDS" "$*" >&2; }

if [[ ${1:-} == -h || ${1:-} == --help ]]; then usage; exit 0; fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
engine=${CONTAINER_ENGINE:-}
if [[ -z $engine ]]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi
command -v "$engine" >/dev/null || die "$engine is not installed"
postgres_image=${AGROBRIDGE_TEST_POSTGRES_IMAGE:-docker.io/library/postgres:16-alpine}
redis_image=${AGROBRIDGE_TEST_REDIS_IMAGE:-docker.io/library/redis:7-alpine}

if [[ -n ${TEST_IMAGE:-} ]]; then
  image=$TEST_IMAGE
else
  image=agrobridge-api:test-in-container
  CONTAINER_ENGINE=$engine "$root/scripts/build-image.sh" --target test --tag "$image" >&2
fi

suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
network=agrobridge-tic-$suffix postgres=agrobridge-tic-pg-$suffix redis=agrobridge-tic-redis-$suffix
tests=agrobridge-tic-tests-$suffix
cleanup() {
  local container
  # One at a time: podman removes none of them when one of the names is already gone.
  for container in "$tests" "$postgres" "$redis"; do
    "$engine" rm -f "$container" >/dev/null 2>&1 || true
  done
  "$engine" network rm "$network" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# wait_for CONTAINER WHAT COMMAND...: exec COMMAND in CONTAINER until it succeeds (60 s at most).
wait_for() {
  local container=$1 what=$2 i
  shift 2
  for ((i = 0; i < 120; i++)); do
    "$engine" exec "$container" "$@" >/dev/null 2>&1 && return
    sleep 0.5
  done
  "$engine" logs "$container" 2>&1 | tail -n 30 >&2
  die "$container: not $what after 60 s"
}

ip_of() { # CONTAINER
  "$engine" inspect --format "{{(index .NetworkSettings.Networks \"$network\").IPAddress}}" "$1"
}

log "starting PostgreSQL ($postgres_image) and Redis ($redis_image) on network $network"
"$engine" network create "$network" >/dev/null
password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
"$engine" run -d --name "$postgres" --network "$network" -e POSTGRES_USER=postgres \
  -e POSTGRES_PASSWORD="$password" -e POSTGRES_DB=postgres "$postgres_image" >/dev/null
"$engine" run -d --name "$redis" --network "$network" "$redis_image" >/dev/null
wait_for "$postgres" "accepting connections" pg_isready -q -h 127.0.0.1 -U postgres
wait_for "$redis" "answering" redis-cli ping

log "running pytest ${*:-with the default tiers} in $image"
# Bounded: a test that leaves a child process behind could otherwise keep pytest from exiting.
timeout "${TEST_TIMEOUT_SECONDS:-1800}" "$engine" run --rm --name "$tests" \
  --network "$network" \
  -e AGROBRIDGE_TEST_DATABASE_URL="postgres://postgres:$password@$(ip_of "$postgres"):5432/postgres" \
  -e AGROBRIDGE_TEST_REDIS_URL="redis://$(ip_of "$redis"):6379/0" \
  "$image" "$@"
