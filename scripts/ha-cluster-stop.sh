#!/usr/bin/env bash
# Stops the cluster that scripts/ha-cluster-start.sh started in <folder> (default /tmp/loyalty-ha) and removes it.
set -uo pipefail
dir=${1:-${LOYALTY_HA_DIR:-/tmp/loyalty-ha}}
[ -d "$dir" ] || exit 0
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
autoctl=$(command -v pg_autoctl || echo "$bin/pg_autoctl")
run_as=()
[ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
as_postgres() {
  "${run_as[@]}" env PATH="$bin:$PATH" XDG_CONFIG_HOME="$dir/xdg/config" XDG_DATA_HOME="$dir/xdg/data" \
    XDG_RUNTIME_DIR="$dir/xdg/run" "$@"
}
for node in node1 node2 monitor; do
  [ -d "$dir/$node" ] || continue
  # The service first (so it does not restart Postgres), then Postgres itself in case the service was gone.
  as_postgres timeout 20 "$autoctl" stop --pgdata "$dir/$node" --immediate >/dev/null 2>&1 || true
  as_postgres "$bin/pg_ctl" -D "$dir/$node" -m immediate stop >/dev/null 2>&1 || true
done
rm -rf "$dir"
