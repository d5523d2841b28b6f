#!/usr/bin/env bash
# Install everything the tests need (system packages, Python packages, services) and run the whole suite:
# once on SQLite (with the browser tests) and once on PostgreSQL.
#   bash scripts/test.sh              extra pytest arguments are passed on: bash scripts/test.sh -k audit
# ZHURNAL_REQUIRE_SERVICES=1 turns "PostgreSQL/Redis/chromium not reachable" from a skip into a failure (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh

# --- system packages: the browser, fonts and PDF tools, nginx for the deployment test -------------------
apt_install chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils nginx openssl

# --- services: PostgreSQL and Redis on 127.0.0.1 -----------------------------------------------------
PG_URL="${ZHURNAL_TEST_PG_URL:-postgresql://postgres@127.0.0.1:5432/test}"
pg_up() { python3 - "$PG_URL" <<'PY' 2>/dev/null
import socket, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1]); s = socket.create_connection((u.hostname, u.port or 5432), 2); s.close()
PY
}
redis_up() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    ver=$(ls /etc/postgresql | head -1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    as_root sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$hba"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 30); do pg_up && break; sleep 1; done
  as_root su postgres -c "psql -qc 'CREATE DATABASE test'" >/dev/null 2>&1 || true
fi
if ! redis_up; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 20); do redis_up && break; sleep 0.5; done
fi

# --- Python packages ----------------------------------------------------------------------------------------
ensure_venv
"$VENV/bin/pip" install -q -e ".[test]"
export PATH="$VENV/bin:$PATH"

# --- the suite -------------------------------------------------------------------------------------------------
workers="${ZHURNAL_TEST_WORKERS:-2}"
echo "== tests on SQLite (with browser tests) =="
python -m pytest -q -n "$workers" -p no:cacheprovider "$@"
echo "== tests on PostgreSQL ($PG_URL) =="
ZHURNAL_TEST_DATABASE_URL="$PG_URL" python -m pytest -q -n "$workers" -p no:cacheprovider -m "not browser" "$@"
if [ -d test-artifacts/screenshots ]; then
  echo "== screenshots of every role's home page (desktop and phone): $PWD/test-artifacts/screenshots =="
fi
