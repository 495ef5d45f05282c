#!/usr/bin/env bash
# The whole test suite: `bash scripts/test.sh` (the README's test command).
#
# Tests that need PostgreSQL read WEIR_TEST_DATABASE_URL. If it is unset this script uses the
# server on 127.0.0.1:5432, starts the machine's cluster if it is installed but down, and
# otherwise says loudly what it did not test. Under CI=true a missing PostgreSQL is a failure.
#
# The dashboard's browser test drives Debian's chromium through chromedriver; this script
# installs them (apt-get) when they are missing. Under CI=true a missing browser is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

loud() { printf '\n\033[1;33m*** %s ***\033[0m\n\n' "$*" >&2; }

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  if [[ -n "${WEIR_TEST_DATABASE_URL:-}" ]]; then
    return 0
  fi
  if ! command -v pg_isready >/dev/null; then
    if [[ "${CI:-}" == "true" ]]; then
      echo "error: PostgreSQL is not installed, and CI never skips the PostgreSQL tests" >&2
      exit 1
    fi
    loud "PostgreSQL is not installed: the PostgreSQL half of the store tests is NOT run"
    export WEIR_TEST_SKIP_POSTGRES=1
    return 0
  fi
  if ! pg_up && command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "starting the local PostgreSQL cluster" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 50); do pg_up && break; sleep 0.2; done
  fi
  if ! pg_up; then
    if [[ "${CI:-}" == "true" ]]; then
      echo "error: PostgreSQL on 127.0.0.1:5432 is not running and could not be started" >&2
      exit 1
    fi
    loud "PostgreSQL is not running on 127.0.0.1:5432: the PostgreSQL half of the store tests is NOT run"
    export WEIR_TEST_SKIP_POSTGRES=1
    return 0
  fi
  export WEIR_TEST_DATABASE_URL="postgres://root@127.0.0.1:5432/postgres"
}

browser_here() { [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; }

ensure_browser() {
  if browser_here; then
    return 0
  fi
  local sudo=""
  [[ "$(id -u)" != "0" ]] && command -v sudo >/dev/null && sudo="sudo -n"
  if command -v apt-get >/dev/null; then
    echo "installing chromium and chromedriver for the dashboard's browser test" >&2
    { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >&2 || true
  fi
  if browser_here; then
    return 0
  fi
  if [[ "${CI:-}" == "true" ]]; then
    echo "error: chromium and chromedriver are not installed and could not be, and CI never skips the browser test" >&2
    exit 1
  fi
  loud "chromium / chromedriver are missing: the dashboard's browser test is NOT run"
  export WEIR_TEST_SKIP_BROWSER=1
}

ensure_postgres
ensure_browser
cargo test --workspace --all-targets --locked "$@"
