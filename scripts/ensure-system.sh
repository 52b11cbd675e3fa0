#!/usr/bin/env bash
# Installs the system packages the tests need when they are missing: PostgreSQL server, pg_auto_failover,
# Chromium, PHP's command line (and wrk and valgrind for the benchmarks when LOYALTY_BENCH=1).
set -euo pipefail
want=()
[ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || want+=(postgresql)
command -v pgbench >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1 || want+=(postgresql-contrib)
# pg_auto_failover for the failover tests: the command and the monitor's extension for the installed PostgreSQL.
command -v pg_autoctl >/dev/null 2>&1 || want+=(pg-auto-failover-cli)
major=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 | cut -d/ -f5)
major=${major:-15}
ls /usr/share/postgresql/"$major"/extension/pgautofailover.control >/dev/null 2>&1 || want+=("postgresql-$major-auto-failover")
[ "${LOYALTY_SKIP_BROWSER:-0}" = 1 ] || command -v chromium >/dev/null 2>&1 || want+=(chromium)
# PHP, to run the integration guide's webhook signature check as written.
command -v php >/dev/null 2>&1 || want+=(php-cli)
# The benchmarks' load generator, and valgrind, which counts their instructions.
[ "${LOYALTY_BENCH:-0}" != 1 ] || command -v wrk >/dev/null 2>&1 || want+=(wrk)
[ "${LOYALTY_BENCH:-0}" != 1 ] || command -v valgrind >/dev/null 2>&1 || want+=(valgrind)
if [ ${#want[@]} -gt 0 ]; then
  echo "installing system packages: ${want[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  # Another apt run (an unattended upgrade, a second shell) may hold the lock: wait for it rather than fail.
  wait_for_lock=(-o DPkg::Lock::Timeout=600)
  $sudo_cmd apt-get "${wait_for_lock[@]}" update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get "${wait_for_lock[@]}" install -y -qq --no-install-recommends "${want[@]}" >/dev/null
fi
