#!/usr/bin/env bash
# Install Zhurnal into .venv, build the demo school on SQLite and serve it, with the notification worker.
# The database is the default one, ./zhurnal.db (unless ZHURNAL_DATABASE_URL says otherwise),
# so a later plain `zhurnal serve` in this directory serves the same demo.
#   bash scripts/demo.sh            -> http://127.0.0.1:5000/
#   HOST=0.0.0.0 PORT=8080 bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
apt_install fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # PDF documents (paper_export)
ensure_venv
"$VENV/bin/pip" install -q -e .
"$VENV/bin/zhurnal" demo --reset
# the notification worker beside the server: with no mail server configured, e-mail goes to the
# «Исходящие» page (profile -> Исходящие; the administrator sees all)
"$VENV/bin/zhurnal" worker --workers 1 &
WORKER=$!
trap 'kill "$WORKER" 2>/dev/null || true' EXIT INT TERM
"$VENV/bin/zhurnal" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
