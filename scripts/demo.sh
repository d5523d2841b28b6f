#!/usr/bin/env bash
# Install Zhurnal into .venv, build the demo school on SQLite and serve it, with the notification worker.
#   bash scripts/demo.sh            -> http://127.0.0.1:5000/
#   HOST=0.0.0.0 PORT=8080 bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv
"$VENV/bin/pip" install -q -e .
export ZHURNAL_DATABASE_URL="${ZHURNAL_DATABASE_URL:-sqlite:///$PWD/demo.db}"
"$VENV/bin/zhurnal" demo --reset
# the notification worker beside the server: with no mail server configured, e-mail goes to the
# «Исходящие» page (profile -> Исходящие; the administrator sees all)
"$VENV/bin/zhurnal" worker --workers 1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT INT TERM
"$VENV/bin/zhurnal" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
