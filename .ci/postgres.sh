# shellcheck shell=bash
# Helpers for .ci/run: make a PostgreSQL server reachable on 127.0.0.1 with trust auth for user postgres.
# Sourced, not executed. Public entry point: ci_ensure_postgres (sets CI_PG_PORT).

ci_log() { printf '[ci] %s\n' "$*"; }

ci_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

CI_APT_UPDATED=${CI_APT_UPDATED:-}
ci_apt_install() {
  local log
  log=$(mktemp /tmp/sva-ci-apt.XXXXXX)
  if [ -z "$CI_APT_UPDATED" ]; then
    ci_log "apt-get update"
    if ! ci_as_root apt-get update -q >"$log" 2>&1; then tail -n 20 "$log" >&2; rm -f "$log"; return 1; fi
    CI_APT_UPDATED=1
  fi
  ci_log "apt-get install -y $*"
  if ! ci_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 "$@" >"$log" 2>&1; then
    tail -n 40 "$log" >&2; rm -f "$log"; return 1
  fi
  rm -f "$log"
}

# Does a server answer on 127.0.0.1:$1?
ci_pg_answers() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$1" -t 3
}

# Can user postgres log in without a password (trust) on 127.0.0.1:$1?
ci_pg_usable() {
  command -v psql >/dev/null 2>&1 &&
    PGCONNECT_TIMEOUT=5 psql -w -X -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -Atc 'select 1' 2>/dev/null | grep -qx 1
}

# Newest PostgreSQL server bin directory (Debian layout), empty if none.
ci_pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then printf '%s\n' "$d"; fi
  done | sort -V | tail -n 1
}

# Runs a command as the postgres OS user (initdb refuses root).
ci_as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  elif [ "$(id -un)" = postgres ]; then
    "$@"
  else
    sudo -u postgres -- "$@"
  fi
}

CI_PG_STARTED_DIR=""
CI_PG_BINDIR=""

ci_stop_own_postgres() {
  if [ -n "$CI_PG_STARTED_DIR" ] && [ -d "$CI_PG_STARTED_DIR" ]; then
    if [ "${SVA_CI_KEEP_PG:-0}" = 1 ]; then
      ci_log "leaving PostgreSQL running in $CI_PG_STARTED_DIR (SVA_CI_KEEP_PG=1)"
      return 0
    fi
    ci_log "stopping the PostgreSQL started for this run ($CI_PG_STARTED_DIR)"
    ci_as_postgres "$CI_PG_BINDIR/pg_ctl" -D "$CI_PG_STARTED_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$CI_PG_STARTED_DIR"
    CI_PG_STARTED_DIR=""
  fi
}

# Starts a throw-away cluster on 127.0.0.1:$1 (trust auth) in a temp dir.
ci_start_own_postgres() {
  local port=$1 dir
  CI_PG_BINDIR=$(ci_pg_bindir)
  [ -n "$CI_PG_BINDIR" ] || { ci_log "no initdb/pg_ctl found" >&2; return 1; }
  id postgres >/dev/null 2>&1 || { ci_log "OS user postgres is missing" >&2; return 1; }
  dir=$(mktemp -d /tmp/sva-ci-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  CI_PG_STARTED_DIR=$dir
  ci_log "initdb in $dir ($("$CI_PG_BINDIR/postgres" --version))"
  if ! ci_as_postgres "$CI_PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale \
        >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2; return 1
  fi
  ci_log "starting PostgreSQL on 127.0.0.1:$port"
  if ! ci_as_postgres "$CI_PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" \
        start >/dev/null 2>&1; then
    tail -n 30 "$dir/server.log" >&2 || true; return 1
  fi
}

ci_wait_for_postgres() {
  local port=$1
  for _ in $(seq 1 60); do
    ci_pg_usable "$port" && return 0
    sleep 1
  done
  ci_log "PostgreSQL on 127.0.0.1:$port did not answer within 60 s" >&2
  return 1
}

# Makes database $2 exist on 127.0.0.1:$1.
ci_ensure_database() {
  local port=$1 db=$2
  if ! psql -w -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc \
        "select 1 from pg_database where datname = '$db'" | grep -qx 1; then
    ci_log "creating database $db"
    psql -w -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "create database \"$db\"" >/dev/null
  fi
}

# Uses the server on SVA_CI_PG_PORT (default 5432) when it answers with trust auth for postgres;
# otherwise starts a cluster of its own there (installing Debian's postgresql if needed), or on
# SVA_CI_PG_FALLBACK_PORT (default 55432) when the port is held by a server it cannot log in to.
ci_ensure_postgres() {
  local port=${SVA_CI_PG_PORT:-5432} fallback=${SVA_CI_PG_FALLBACK_PORT:-55432}
  if ci_pg_answers "$port" && ci_pg_usable "$port"; then
    ci_log "PostgreSQL answers on 127.0.0.1:$port: using it"
  else
    if ci_pg_answers "$port"; then
      ci_log "a PostgreSQL on 127.0.0.1:$port refuses user postgres without a password: using port $fallback"
      port=$fallback
    else
      ci_log "no PostgreSQL answers on 127.0.0.1:$port"
    fi
    if [ -z "$(ci_pg_bindir)" ] || ! command -v psql >/dev/null 2>&1; then
      ci_apt_install postgresql
      # Debian's package may have created and started a cluster of its own on that port.
      if ci_pg_answers "$port" && ! ci_pg_usable "$port"; then
        ci_log "the packaged cluster holds 127.0.0.1:$port with password auth: using port $fallback"
        port=$fallback
      fi
    fi
    if ci_pg_answers "$port" && ci_pg_usable "$port"; then
      ci_log "PostgreSQL answers on 127.0.0.1:$port: using it"
    else
      ci_start_own_postgres "$port"
    fi
  fi
  ci_wait_for_postgres "$port"
  ci_ensure_database "$port" test
  # shellcheck disable=SC2034 # read by .ci/run
  CI_PG_PORT=$port
}
