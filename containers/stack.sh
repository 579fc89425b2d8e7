#!/usr/bin/env bash
# stack.sh - bring the local full stack (containers/compose.yaml) up or down, with Docker
# Compose or podman-compose.
set -euo pipefail

usage() {
  cat <<EOF
Usage: ${0##*/} [-h] up|down|ps|logs [COMPOSE_ARGS...]

  up    build the image (scripts/build-image.sh; skipped when AGROBRIDGE_IMAGE names another
        image), write containers/.secrets/ if missing (random passwords for the database's
        owner and for the API's own role agrobridge_api, and a JWT signing key made by the
        image's keygen), start PostgreSQL and Redis, make the API's role, run the one-shot
        migration as the owner, then start the API and wait until it answers; COMPOSE_ARGS go
        to 'up'
  down  stop and remove the containers (the database volume stays; 'down -v' removes it)
  ps, logs  what compose says

Environment:
  CONTAINER_ENGINE  podman or docker (default podman if installed)
  COMPOSE_PROJECT_NAME  the compose project (default agrobridge-HASH, one per checkout)
  COMPOSE           the compose command (default 'docker compose' with docker, else
                    podman-compose, run through uvx when it is not installed)
  AGROBRIDGE_IMAGE  the API image (default localhost/agrobridge-api:local, rebuilt by 'up')
  BASE_IMAGE        the base for that build (see scripts/build-image.sh -h)
  and the overrides listed at the top of containers/compose.yaml. The API is published on
  \${AGROBRIDGE_PUBLISH:-127.0.0.1:8000}.
EOF
}

die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }
log() { printf '[stack %4ss] %s\n' "$SECONDS" "$*" >&2; }

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
(($# >= 1)) || { usage >&2; exit 2; }
command=$1
shift

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
secrets=$here/.secrets
engine=${CONTAINER_ENGINE:-}
if [[ -z $engine ]]; then
  if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
fi
if [[ -n ${COMPOSE:-} ]]; then
  read -ra compose <<<"$COMPOSE"
elif [[ $engine == docker ]]; then
  compose=(docker compose)
elif command -v podman-compose >/dev/null || ! command -v uvx >/dev/null; then
  compose=(podman-compose)
else
  compose=(uvx --quiet --from podman-compose==1.6.0 podman-compose)
fi
command -v "${compose[0]}" >/dev/null ||
  die "${compose[0]} is not installed (pip install podman-compose, or Docker Compose; or set COMPOSE)"
export AGROBRIDGE_IMAGE=${AGROBRIDGE_IMAGE:-localhost/agrobridge-api:local}
# One compose project per checkout: two clones never share containers or the database volume.
project=${COMPOSE_PROJECT_NAME:-agrobridge-$(printf '%s' "$root" | sha256sum | cut -c1-8)}
run_compose() { "${compose[@]}" -p "$project" -f "$here/compose.yaml" "$@"; }

random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

write_secrets() {
  mkdir -p "$secrets"
  chmod 0700 "$secrets"
  if [[ ! -f $secrets/postgres.env ]]; then
    log "writing a new database password to $secrets"
    (umask 077 && printf 'POSTGRES_PASSWORD=%s\n' "$(random_hex 24)" >"$secrets/postgres.env")
  fi
  if [[ ! -f $secrets/migrate.env || ! -f $secrets/api-db-password ]]; then
    # Migrations connect as the tables' owner; the API as agrobridge_api, which owns nothing.
    local owner_password api_password
    owner_password=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$secrets/postgres.env")
    api_password=$(random_hex 24)
    (
      umask 077
      printf '%s\n' "$api_password" >"$secrets/api-db-password"
      printf 'DATABASE_URL=postgres://agrobridge:%s@postgres:5432/agrobridge\nAGROBRIDGE_DB_RUNTIME_ROLE=agrobridge_api\n' \
        "$owner_password" >"$secrets/migrate.env"
      printf 'DATABASE_URL=postgres://agrobridge_api:%s@postgres:5432/agrobridge\n' "$api_password" \
        >"$secrets/api.env"
    )
  fi
  if [[ ! -f $secrets/keys/jwt-signing.pem ]]; then
    log "making a JWT signing key with the image's keygen"
    mkdir -p "$secrets/keys"
    # Writable only while the image's user (uid 10001) writes its own 0600 key into it.
    chmod 0777 "$secrets/keys"
    "$engine" run --rm --user 10001:10001 -v "$secrets/keys:/keys" "$AGROBRIDGE_IMAGE" \
      keygen /keys/jwt-signing.pem || { chmod 0755 "$secrets/keys"; die "keygen failed"; }
    chmod 0755 "$secrets/keys"
  fi
}

# wait_for SERVICE COMMAND...: exec COMMAND in SERVICE until it succeeds (60 s at most).
wait_for() {
  local service=$1 i
  shift
  for ((i = 0; i < 60; i++)); do
    run_compose exec -T "$service" "$@" >/dev/null 2>&1 && return
    sleep 1
  done
  run_compose logs --tail 40 "$service" >&2 || true
  die "$service did not answer '$*' within 60 s"
}

# The database volume keeps the password it was made with; new secrets do not change it.
check_owner_password() {
  local password
  password=$(sed -n 's/^POSTGRES_PASSWORD=//p' "$secrets/postgres.env")
  run_compose exec -T -e PGPASSWORD="$password" postgres \
    psql -h 127.0.0.1 -U agrobridge -d agrobridge -tAc 'SELECT 1' >/dev/null 2>&1 ||
    die "the database volume of compose project '$project' was made with another password than \
$secrets/postgres.env holds: put the old secrets back, or delete the volume and its data with \
'just down -v' and run 'just up' again"
}

wait_for_api() {
  local url=http://${AGROBRIDGE_PUBLISH:-127.0.0.1:8000}/api/v1/health i
  for ((i = 0; i < 90; i++)); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$url" 2>/dev/null; then
      log "the API answers on ${url%/api/v1/health} (docs at /docs; 'just smoke ${url%/api/v1/health}')"
      return
    fi
    sleep 1
  done
  run_compose logs --tail 40 api migrate >&2 || true
  die "the API did not answer $url within 90 s"
}

case $command in
  up)
    if [[ $AGROBRIDGE_IMAGE == localhost/agrobridge-api:local ]]; then
      CONTAINER_ENGINE=$engine "$root/scripts/build-image.sh" --tag "$AGROBRIDGE_IMAGE" >&2
    fi
    "$engine" image inspect "$AGROBRIDGE_IMAGE" >/dev/null 2>&1 ||
      die "no image $AGROBRIDGE_IMAGE (build it with scripts/build-image.sh --tag $AGROBRIDGE_IMAGE)"
    write_secrets
    # Step by step rather than one `up`, so that the order holds with any compose tool
    # (podman-compose ignores health conditions before podman 4.6): databases, then the
    # one-shot migration, then the API.
    log "starting PostgreSQL and Redis with ${compose[*]}"
    run_compose up -d "$@" postgres redis
    wait_for postgres pg_isready -q -h 127.0.0.1 -U agrobridge -d agrobridge
    wait_for redis redis-cli ping
    log "ensuring the API's database role (agrobridge_api)"
    run_compose exec -T postgres psql -q -v ON_ERROR_STOP=1 -U agrobridge -d agrobridge \
      -v pw="$(cat "$secrets/api-db-password")" >/dev/null <<'SQL'
SELECT 'CREATE ROLE agrobridge_api LOGIN' WHERE NOT EXISTS
  (SELECT 1 FROM pg_roles WHERE rolname = 'agrobridge_api') \gexec
ALTER ROLE agrobridge_api LOGIN NOSUPERUSER PASSWORD :'pw';
SQL
    check_owner_password
    log "migrating (a one-shot run of the image, as the tables' owner)"
    run_compose run --rm --no-deps -T migrate
    log "starting the API"
    run_compose up -d --no-deps "$@" api
    wait_for_api
    ;;
  down | ps | logs) run_compose "$command" "$@" ;;
  *) usage >&2; exit 2 ;;
esac
