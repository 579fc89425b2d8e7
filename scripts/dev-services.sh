#!/usr/bin/env bash
# dev-services.sh - throwaway PostgreSQL and Redis for local runs and tests, from the
# binaries already on this machine, kept under one git-ignored folder.
set -euo pipefail

usage() {
  cat <<EOF2
Usage: ${0##*/} {start|stop|env|check} DIR [PG_PORT REDIS_PORT]

  start  Create (first time) and start PostgreSQL and Redis under DIR, and a JWT signing key.
  stop   Stop both.
  env    Print 'export ...' lines: DATABASE_URL (the cluster's admin, which owns the tables and
         runs migrations), API_DATABASE_URL (the API's own role, agrobridge_api), REDIS_URL.
  check  Exit 0 when the PostgreSQL and Redis server binaries are installed.

Ports default to 55432 (PostgreSQL) and 56379 (Redis). When run as root, the servers run as
the 'postgres' user (PostgreSQL refuses root).
EOF2
}

die() { echo "dev-services: $*" >&2; exit 1; }

pg_bin() {
  local bindir
  if command -v pg_config >/dev/null && [[ -x $(pg_config --bindir)/initdb ]]; then
    bindir=$(pg_config --bindir)
  else
    bindir=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)
  fi
  [[ -n $bindir && -x $bindir/initdb ]] ||
    die "PostgreSQL server binaries not found: install them (apt-get install postgresql) or set DATABASE_URL"
  printf '%s/%s' "$bindir" "$1"
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
if [[ ${1:-} == check ]]; then
  command -v redis-server >/dev/null && (pg_bin initdb) >/dev/null 2>&1
  exit
fi
[[ $# -ge 2 ]] || { usage >&2; exit 2; }
cmd=$1
mkdir -p "$2"
dir=$(cd "$2" && pwd)
pg_port=${3:-55432}
redis_port=${4:-56379}
pgdata=$dir/postgres
as_user=()
if [[ $EUID == 0 ]]; then
  id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to run the servers"
  as_user=(runuser -u postgres --)
fi


start() {
  command -v redis-server >/dev/null ||
    die "redis-server not found: install it (apt-get install redis-server) or set REDIS_URL"
  [[ -s $dir/db-password ]] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/db-password")
  if [[ ${#as_user[@]} -gt 0 ]]; then
    chown postgres: "$dir" && chmod 0700 "$dir"
    chown postgres: "$dir/db-password"
  fi
  if [[ ! -s $pgdata/PG_VERSION ]]; then
    # The socket lives in DIR (mode 0700): local connections may trust; TCP needs the password.
    "${as_user[@]}" "$(pg_bin initdb)" -D "$pgdata" -U agrobridge --auth-local=trust \
      --auth-host=scram-sha-256 --pwfile="$dir/db-password" -E UTF8 --no-sync >"$dir/initdb.log"
  fi
  if ! "${as_user[@]}" "$(pg_bin pg_ctl)" -D "$pgdata" status >/dev/null 2>&1; then
    "${as_user[@]}" "$(pg_bin pg_ctl)" -D "$pgdata" -w -l "$dir/postgres.log" \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=off" start >/dev/null
  fi
  if ! "${as_user[@]}" "$(pg_bin psql)" -w -h "$dir" -p "$pg_port" -U agrobridge -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'agrobridge'" | grep -q 1; then
    "${as_user[@]}" "$(pg_bin createdb)" -w -h "$dir" -p "$pg_port" -U agrobridge agrobridge
  fi
  # The API's own role: it owns nothing; `python -m api migrate` grants it what it needs.
  [[ -s $dir/api-password ]] || (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/api-password")
  [[ ${#as_user[@]} -eq 0 ]] || chown postgres: "$dir/api-password"
  "${as_user[@]}" "$(pg_bin psql)" -w -q -h "$dir" -p "$pg_port" -U agrobridge -d postgres \
    -v ON_ERROR_STOP=1 -v pw="$(cat "$dir/api-password")" >/dev/null <<'SQL'
SELECT 'CREATE ROLE agrobridge_api LOGIN' WHERE NOT EXISTS
  (SELECT 1 FROM pg_roles WHERE rolname = 'agrobridge_api') \gexec
ALTER ROLE agrobridge_api LOGIN NOSUPERUSER PASSWORD :'pw';
SQL
  if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    mkdir -p "$dir/redis"
    [[ ${#as_user[@]} -eq 0 ]] || chown postgres: "$dir/redis"
    "${as_user[@]}" redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly yes \
      --appendfsync everysec \
      --dir "$dir/redis" --daemonize yes --pidfile "$dir/redis/redis.pid" \
      --logfile "$dir/redis/redis.log"
    for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "dev-services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port ($dir)" >&2
}

stop() {
  if [[ -s $pgdata/PG_VERSION ]]; then
    "${as_user[@]}" "$(pg_bin pg_ctl)" -D "$pgdata" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [[ -s $dir/redis/redis.pid ]]; then
    kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
  fi
}

print_env() {
  [[ -s $dir/db-password ]] || die "not started: run '${0##*/} start $dir' first"
  printf 'export DATABASE_URL=%q\n' "postgres://agrobridge:$(cat "$dir/db-password")@127.0.0.1:$pg_port/agrobridge"
  printf 'export API_DATABASE_URL=%q\n' "postgres://agrobridge_api:$(cat "$dir/api-password")@127.0.0.1:$pg_port/agrobridge"
  printf 'export REDIS_URL=%q\n' "redis://127.0.0.1:$redis_port/0"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  *) usage >&2; exit 2 ;;
esac
