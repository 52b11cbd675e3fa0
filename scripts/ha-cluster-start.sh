#!/usr/bin/env bash
# Starts a local highly available PostgreSQL: a pg_auto_failover monitor, a primary and a synchronous standby,
# each on a free 127.0.0.1 port, run as the postgres user, everything under one folder (default /tmp/loyalty-ha).
# Prints the multi-host LOYALTY_DATABASE_URL and writes it, with the ports and paths, to <folder>/cluster.env.
# Stop it with scripts/ha-cluster-stop.sh <folder>.
#
# Failover is tuned to take seconds: the monitor checks every second and calls a node unhealthy after 4 s without
# a report; the standby is promoted 3 s after the primary is given up on (the primary's keeper demotes itself
# after 2 s without the monitor and the standby, so two primaries never accept writes at the same time).
set -euo pipefail
dir=${1:-${LOYALTY_HA_DIR:-/tmp/loyalty-ha}}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
autoctl=$(command -v pg_autoctl || echo "$bin/pg_autoctl")
[ -x "$autoctl" ] || { echo "pg_autoctl is missing: apt-get install pg-auto-failover-cli postgresql-15-auto-failover" >&2; exit 1; }
if [ -e "$dir/cluster.env" ]; then
  echo "a cluster already runs in $dir (scripts/ha-cluster-stop.sh $dir first)" >&2
  exit 1
fi
mkdir -p "$dir"
chmod 755 "$dir"
run_as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  run_as=(runuser -u postgres --)
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
monitor_port=$(free_port)
node1_port=$(free_port)
node2_port=$(free_port)
while [ "$node1_port" = "$monitor_port" ]; do node1_port=$(free_port); done
while [ "$node2_port" = "$monitor_port" ] || [ "$node2_port" = "$node1_port" ]; do node2_port=$(free_port); done

# pg_autoctl keeps its configuration and state under XDG_*: a private folder keeps this cluster apart from others.
as_postgres() {
  "${run_as[@]}" env PATH="$bin:$PATH" XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" \
    XDG_RUNTIME_DIR="$dir/xdg/run" PGHOST=127.0.0.1 "$@"
}
as_postgres mkdir -p "$dir/xdg/config" "$dir/xdg/data" "$dir/xdg/run"
monitor_uri="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable"

state_of() {  # the reported state of node $1 on the monitor, or nothing
  as_postgres psql -qAt -h 127.0.0.1 -p "$monitor_port" -d pg_auto_failover -U autoctl_node \
    -c "select reportedstate from pgautofailover.node where nodename = '$1'" 2>/dev/null || true
}
wait_for() {  # node, state, seconds
  local waited=0
  until [ "$(state_of "$1")" = "$2" ]; do
    sleep 1
    waited=$((waited + 1))
    if [ "$waited" -ge "$3" ]; then
      echo "$1 did not reach $2 in $3 s (it is $(state_of "$1")); logs in $dir/*.log" >&2
      exit 1
    fi
  done
}
start_service() {  # pgdata, log: `pg_autoctl run` in the background, its own session, as postgres
  as_postgres setsid nohup "$autoctl" run --pgdata "$1" >"$2" 2>&1 </dev/null &
}

as_postgres "$autoctl" create monitor --pgdata "$dir/monitor" --pgport "$monitor_port" --hostname 127.0.0.1 \
  --auth trust --no-ssl >"$dir/create-monitor.log" 2>&1
start_service "$dir/monitor" "$dir/monitor.log"
for _ in $(seq 60); do
  as_postgres "$bin/pg_isready" -q -h 127.0.0.1 -p "$monitor_port" && break
  sleep 0.5
done
as_postgres psql -qAt -h 127.0.0.1 -p "$monitor_port" -d pg_auto_failover >/dev/null <<'SQL'
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 4000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 3000;
SELECT pg_reload_conf();
SQL

create_node() {  # name, port
  as_postgres "$autoctl" create postgres --pgdata "$dir/$1" --pgport "$2" --hostname 127.0.0.1 --name "$1" \
    --dbname loyalty --monitor "$monitor_uri" --auth trust --no-ssl --pgctl "$bin/pg_ctl" >"$dir/create-$1.log" 2>&1
  as_postgres "$autoctl" config set --pgdata "$dir/$1" timeout.network_partition_timeout 2 >/dev/null
  start_service "$dir/$1" "$dir/$1.log"
}
create_node node1 "$node1_port"
wait_for node1 single 90
create_node node2 "$node2_port"
wait_for node2 secondary 120
wait_for node1 primary 60

url="postgresql+psycopg://postgres@/loyalty?host=127.0.0.1:$node1_port&host=127.0.0.1:$node2_port"
url="$url&target_session_attrs=read-write&connect_timeout=2"
cat >"$dir/cluster.env" <<ENV
LOYALTY_DATABASE_URL='$url'
LOYALTY_HA_DIR='$dir'
LOYALTY_HA_MONITOR='$monitor_uri'
LOYALTY_HA_MONITOR_PORT=$monitor_port
LOYALTY_HA_NODE1_PORT=$node1_port
LOYALTY_HA_NODE2_PORT=$node2_port
ENV
echo "$url"
