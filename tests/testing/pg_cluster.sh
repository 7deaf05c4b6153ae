#!/usr/bin/env bash
# pg_cluster.sh: a throwaway PostgreSQL cluster for tests (docs/architecture.md §5: real
# components, really started). No system service, no TCP: a unix socket in
# the cluster's own directory.
#
#   pg_cluster.sh start DIR [PORT]   initdb DIR/data and start it; prints the
#                                    libpq connection string (dbname=postgres)
#   pg_cluster.sh standby DIR PRIMARY_DIR [PORT]
#                                    a streaming standby of the cluster in
#                                    PRIMARY_DIR (pg_basebackup), started
#   pg_cluster.sh stop DIR [MODE]    pg_ctl stop (MODE fast by default)
#   pg_cluster.sh promote DIR        pg_ctl promote
#
# PostgreSQL refuses to run as root: as root, the cluster runs as `nobody`
# (DIR is made traversable for it).
set -euo pipefail

cmd=${1:?usage: pg_cluster.sh start|standby|stop|promote DIR ...}
dir=${2:?usage: pg_cluster.sh $cmd DIR ...}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg_cluster.sh: PostgreSQL server binaries not found under /usr/lib/postgresql; install the postgresql package (tests/run.sh does)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
  else
    "$@"
  fi
}

prepare() {
  mkdir -p "$dir"
  chmod 0711 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown nobody:nogroup "$dir"
    # Every parent must be traversable by nobody (TMPDIR's test dirs are 0700).
    local p
    p=$(dirname "$(readlink -f "$dir")")
    while [ "$p" != "/" ]; do
      chmod o+x "$p" 2>/dev/null || true
      p=$(dirname "$p")
    done
  fi
}

configure() {  # DIR PORT
  cat >>"$1/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$1'
port = $2
max_connections = 200
wal_level = replica
max_wal_senders = 4
shared_buffers = 32MB
CONF
}

start_server() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null || {
    echo "pg_cluster.sh: the server in $dir did not start; its log:" >&2
    tail -20 "$dir/server.log" >&2
    exit 1
  }
}

case "$cmd" in
  start)
    port=${3:-5432}
    prepare
    as_owner "$bin/initdb" -D "$dir/data" -U authnet --auth=trust -E UTF8 --no-locale \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    configure "$dir" "$port"
    echo "local replication authnet trust" >>"$dir/data/pg_hba.conf"
    start_server
    echo "host=$dir port=$port user=authnet dbname=postgres"
    ;;
  standby)
    primary=${3:?usage: pg_cluster.sh standby DIR PRIMARY_DIR [PORT]}
    port=${4:-5433}
    primary_port=$(sed -n "s/^port = //p" "$primary/data/postgresql.conf" | tail -1)
    prepare
    as_owner "$bin/pg_basebackup" -h "$primary" -p "$primary_port" -U authnet -D "$dir/data" \
      -R -X stream >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    # The copy carries the primary's settings: point it at its own socket.
    configure "$dir" "$port"
    echo "primary_conninfo = 'host=$primary port=$primary_port user=authnet application_name=standby'" \
      >>"$dir/data/postgresql.auto.conf"
    start_server
    echo "host=$dir port=$port user=authnet dbname=postgres"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m "${3:-fast}" -w stop >/dev/null 2>&1 || true
    ;;
  promote)
    as_owner "$bin/pg_ctl" -D "$dir/data" -w promote >/dev/null
    ;;
  *)
    echo "pg_cluster.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
