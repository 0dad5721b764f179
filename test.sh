#!/usr/bin/env bash
# Runs every test of Siyu. On a fresh Debian machine it first installs what the browser tests need.
set -euo pipefail
cd "$(dirname "$0")"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing ${need[*]} ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "Missing ${need[*]}: run 'sudo apt-get install ${need[*]}' (browser tests need Debian's chromium)." >&2
    exit 2
  fi
fi

# PostgreSQL for tests/Siyu.Server.Tests/Postgres: install (root, if missing), start the cluster, make sure the siyu
# role exists. Without root, a PostgreSQL already running (or SIYU_TEST_POSTGRES) is used; the tests skip when there is
# none, and fail under CI=true.
if [ "$(id -u)" = "0" ]; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "Installing postgresql ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if command -v pg_lsclusters >/dev/null 2>&1; then
    read -r pg_version pg_cluster pg_status < <(pg_lsclusters --no-header | awk 'NR == 1 { print $1, $2, $4 }') || true
    if [ -n "${pg_version:-}" ]; then
      [ "${pg_status:-}" = "online" ] || pg_ctlcluster "$pg_version" "$pg_cluster" start
      su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'siyu'\"" | grep -q 1 \
        || su postgres -c "psql -qc \"CREATE ROLE siyu LOGIN SUPERUSER PASSWORD 'siyu'\"" >/dev/null
    fi
  fi
fi
export SIYU_TEST_POSTGRES="${SIYU_TEST_POSTGRES:-Host=127.0.0.1;Port=5432;Username=siyu;Password=siyu}"

log=$(mktemp)
set +e
# One test assembly at a time (-m:1): the browser tests and the cluster tests each need the two cores to themselves to
# keep their timing honest, and running them side by side made both flaky in CI.
dotnet test Siyu.slnx --nologo -m:1 "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole run, summed over the test assemblies.
awk '/(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# Failures again by name and first message line, so the end of a long log (all a CI page may show) still says what failed.
grep -A3 -E '^  Failed [A-Za-z]' "$log" | grep -vE '^(--|  Error Message:)$' | cut -c1-300 || true
rm -f "$log"
exit "$status"
