# A throwaway PostgreSQL cluster for the tests, sourced by .ci/run (or by hand:
# `source .ci/postgres.sh && postgres_start`, then `postgres_stop` when done).
#
# postgres_start installs PostgreSQL where it is missing (Debian's package), creates a cluster
# in a temporary folder, starts it on 127.0.0.1 only, with trust authentication for the role
# `browser_tasks` (allowed to create the databases the tests use), and exports
# BROWSER_TASKS_TEST_POSTGRES: the one place every test that needs PostgreSQL reads its URL
# from. postgres_stop stops the cluster and removes its folder.
#
# The cluster is for tests only: no fsync, trust authentication, everything thrown away.

postgres_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Run a PostgreSQL program as the `postgres` system user when we are root (initdb and the
# server refuse to run as root), as ourselves otherwise.
postgres_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_start() {
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    echo "installing PostgreSQL (Debian's package) for the catalog's tests" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  POSTGRES_BIN=$bin

  # A fixed port, so a failed run's messages name the same URL every time; the next ones only
  # when it is taken (another cluster of a run still going).
  local port=55432
  while ! postgres_port_free "$port"; do
    port=$((port + 1))
    if [ "$port" -gt 55452 ]; then
      echo "no free port for PostgreSQL in 55432-55452" >&2
      return 1
    fi
  done

  POSTGRES_DIR=$(mktemp -d /tmp/browser-tasks-postgres.XXXXXX)
  [ "$(id -u)" -ne 0 ] || chown postgres: "$POSTGRES_DIR"
  postgres_as_owner "$bin/initdb" --pgdata="$POSTGRES_DIR/data" --username=postgres \
    --auth=trust --encoding=UTF8 --no-sync >"$POSTGRES_DIR/initdb.log" 2>&1 || {
    cat "$POSTGRES_DIR/initdb.log" >&2
    return 1
  }
  # Tests run in parallel, each with a database and a small pool of its own: room for them.
  postgres_as_owner "$bin/pg_ctl" --pgdata="$POSTGRES_DIR/data" --log="$POSTGRES_DIR/server.log" \
    --wait --silent start \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $POSTGRES_DIR -c max_connections=300 \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off" || {
    cat "$POSTGRES_DIR/server.log" >&2
    return 1
  }
  "$bin/psql" --quiet --no-psqlrc -h 127.0.0.1 -p "$port" -U postgres -d postgres \
    -c "CREATE ROLE browser_tasks LOGIN CREATEDB" >/dev/null
  export BROWSER_TASKS_TEST_POSTGRES="postgres://browser_tasks@127.0.0.1:$port/postgres"
  echo "PostgreSQL for the tests: $BROWSER_TASKS_TEST_POSTGRES" >&2
}

postgres_stop() {
  [ -n "${POSTGRES_DIR:-}" ] || return 0
  postgres_as_owner "$POSTGRES_BIN/pg_ctl" --pgdata="$POSTGRES_DIR/data" --mode=immediate \
    --silent stop || true
  rm -rf "$POSTGRES_DIR"
  POSTGRES_DIR=
}
