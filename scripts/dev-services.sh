#!/usr/bin/env bash
# dev-services.sh - throwaway PostgreSQL and Redis for local runs and tests, from the
# binaries already on this machine, kept under one git-ignored folder.
set -euo pipefail

usage() {
  cat <<EOF2
Usage: ${0##*/} {start|stop|env|check} DIR [PG_PORT REDIS_PORT]

  start  Create (first time) and start PostgreSQL and Redis under DIR.
  stop   Stop both.
  env    Print 'export ...' lines: DATABASE_URL (the cluster's admin, which owns the tables and
         runs migrations), API_DATABASE_URL (the API's own role, agrobridge_api), REDIS_URL.
  check  Exit 0 when the PostgreSQL and Redis server binaries are installed.

Without PG_PORT and REDIS_PORT, the first start picks free ports (from 55432 and 56379 up) and
records them in DIR/ports, so each checkout keeps its own; a recorded port that another program
has taken since is replaced by a free one. Given ports are used as given, or refused with the
program that holds them. A server this script did not start under DIR is never used. When run
as root, the servers run as the 'postgres' user (PostgreSQL refuses root).
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
pgdata=$dir/postgres
given_ports=$(($# >= 4))
pg_port=55432 redis_port=56379
if ((given_ports)); then
  pg_port=$3 redis_port=$4
elif [[ -s $dir/ports ]]; then
  # shellcheck source=/dev/null
  source "$dir/ports"
fi
as_user=()
if [[ $EUID == 0 ]]; then
  id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to run the servers"
  as_user=(runuser -u postgres --)
fi

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

holder() { # PORT: who listens there, as ss tells (needs root for other users' processes)
  local who
  who=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n1) || true
  printf '%s' "${who:-another program}"
}

free_port() { # FROM: the first port from FROM up that nothing listens on
  local port=$1
  while in_use "$port"; do port=$((port + 1)); done
  printf '%s' "$port"
}

pg_running() { "${as_user[@]}" "$(pg_bin pg_ctl)" -D "$pgdata" status >/dev/null 2>&1; }

redis_running() { [[ -s $dir/redis/redis.pid ]] && kill -0 "$(cat "$dir/redis/redis.pid")" 2>/dev/null; }

# PORT NAME: a port for a server of ours that is not running: free, or another if we may choose.
claim() {
  local port=$1 name=$2
  in_use "$port" || { printf '%s' "$port"; return; }
  ((!given_ports)) || die "port $port for $name is taken by $(holder "$port"): stop it or give other ports"
  free_port "$((port + 1))"
}

fail_log() { # WHAT LOG
  echo "dev-services: $1 did not start; the end of $2:" >&2
  tail -n 20 "$2" >&2 2>/dev/null || true
  exit 1
}

# A free port can be taken between our look and the server's bind (another checkout starting
# at the same moment): when we chose the port, lose that race by moving on to the next one.
lost_race() { # LOG OFFSET: whether what LOG gained past OFFSET says the port was taken
  ((!given_ports)) && tail -c +"$(($2 + 1))" "$1" 2>/dev/null | grep -q "Address already in use"
}

log_size() { stat -c %s "$1" 2>/dev/null || echo 0; }

start_postgres() {
  local attempt offset
  for attempt in 1 2 3 4 5; do
    pg_port=$(claim "$pg_port" PostgreSQL)
    offset=$(log_size "$dir/postgres.log")
    "${as_user[@]}" "$(pg_bin pg_ctl)" -D "$pgdata" -w -l "$dir/postgres.log" \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir -c fsync=off" start >/dev/null &&
      return
    lost_race "$dir/postgres.log" "$offset" || break
    pg_port=$((pg_port + 1))
  done
  fail_log "PostgreSQL on port $pg_port (attempt $attempt)" "$dir/postgres.log"
}

start_redis() {
  local attempt offset
  mkdir -p "$dir/redis"
  [[ ${#as_user[@]} -eq 0 ]] || chown postgres: "$dir/redis"
  for attempt in 1 2 3 4 5; do
    redis_port=$(claim "$redis_port" Redis)
    rm -f "$dir/redis/redis.pid"
    offset=$(log_size "$dir/redis/redis.log")
    "${as_user[@]}" redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly yes \
      --appendfsync everysec \
      --dir "$dir/redis" --daemonize yes --pidfile "$dir/redis/redis.pid" \
      --logfile "$dir/redis/redis.log" || break
    for _ in $(seq 100); do
      redis_running && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return
      lost_race "$dir/redis/redis.log" "$offset" && break
      sleep 0.1
    done
    lost_race "$dir/redis/redis.log" "$offset" || break
    redis_port=$((redis_port + 1))
  done
  fail_log "Redis on port $redis_port (attempt $attempt)" "$dir/redis/redis.log"
}

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
  if pg_running; then
    pg_port=$(sed -n 4p "$pgdata/postmaster.pid")
  else
    start_postgres
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
  redis_running || start_redis
  printf 'pg_port=%s\nredis_port=%s\n' "$pg_port" "$redis_port" >"$dir/ports"
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
  [[ -s $dir/db-password && -s $dir/ports ]] || die "not started: run '${0##*/} start $dir' first"
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
