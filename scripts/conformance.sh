#!/usr/bin/env bash
# Checks a live `scim serve --memory` with scim2-tester (PyPI), a conformance checker nobody
# here wrote. Installs it into a virtual environment under target/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/conformance-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import scim2_tester, httpx2' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check scim2-tester==0.5.2 httpx2==2.16.2
fi

cargo build --quiet -p scim-cli
log=$(mktemp)
./target/debug/scim serve --memory --addr 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://[^ ]*' "$log" | head -n 1 || true)
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "scim serve exited"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "scim serve did not start"; exit 1; }
"$venv/bin/python" scripts/conformance.py "$url"
