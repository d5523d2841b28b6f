#!/usr/bin/env bash
# Install Zhurnal into .venv, build the demo school on SQLite and serve it.
#   bash scripts/demo.sh            -> http://127.0.0.1:5000/
#   HOST=0.0.0.0 PORT=8080 bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
apt_install fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # PDF documents (paper_export)
ensure_venv
"$VENV/bin/pip" install -q -e .
export ZHURNAL_DATABASE_URL="${ZHURNAL_DATABASE_URL:-sqlite:///$PWD/demo.db}"
"$VENV/bin/zhurnal" demo --reset
exec "$VENV/bin/zhurnal" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
