#!/usr/bin/env bash
# The whole test suite: `bash scripts/test.sh` (the README's test command).
#
# Tests that need PostgreSQL read WEIR_TEST_DATABASE_URL. If it is unset this script uses the
# server on 127.0.0.1:5432, starts the machine's cluster if it is installed but down, and
# otherwise says loudly what it did not test. Under CI=true a missing PostgreSQL is a failure.
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

ensure_postgres
cargo test --workspace --all-targets --locked "$@"
