#!/usr/bin/env bash
# Starts the backend and a production build of the web client together, prints both URLs,
# and stops both on Ctrl-C. Meant for `make run` once the Python venv exists.
#
#   BACKEND_PORT (8000)  WEB_PORT (3000)  WEB_HOST (127.0.0.1)  PYTHON (.venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND_PORT="${BACKEND_PORT:-8000}"
WEB_PORT="${WEB_PORT:-3000}"
WEB_HOST="${WEB_HOST:-127.0.0.1}"
PYTHON="${PYTHON:-.venv/bin/python}"
case "$PYTHON" in /*) ;; *) PYTHON="$PWD/$PYTHON" ;; esac

if [ ! -d node_modules ]; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci
fi

# The client reaches the backend through its own /api rewrite, fixed at build time. A build
# takes most of a minute: it is made again only when its fingerprint changed.
export BACKEND_URL="http://127.0.0.1:${BACKEND_PORT}"
stamp_file=.next/build-stamp
stamp=$(scripts/client-build-stamp.sh)
if [ -f .next/BUILD_ID ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
  echo "The web client is built already (nothing changed since): starting it."
else
  NEXT_TELEMETRY_DISABLED=1 npm run build
  echo "$stamp" >"$stamp_file"
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

(cd backend && exec "$PYTHON" -m uvicorn main:app --host 127.0.0.1 --port "$BACKEND_PORT") &
pids+=($!)
PORT="$WEB_PORT" HOSTNAME="$WEB_HOST" NEXT_TELEMETRY_DISABLED=1 node server.mjs &
pids+=($!)

# The URLs once the backend answers: the client is ready first, and its /api calls fail until then.
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "http://127.0.0.1:${BACKEND_PORT}/api/health" 2>/dev/null && break
  sleep 0.5
done

echo
echo "  Backend:    http://127.0.0.1:${BACKEND_PORT}"
echo "  Web client: http://localhost:${WEB_PORT}"
echo "  Ctrl-C stops both."
echo

# Whichever ends first (a crash, or Ctrl-C) ends the other.
wait -n || true
