#!/usr/bin/env bash
# Throughput on loopback: `scim serve --memory` (release) against scim2-server (Python, PyPI),
# each seeded with the same users, measured with wrk for DURATION seconds per scenario:
#   by-id:  GET /Users/{id}                         (a random seeded id per request)
#   filter: GET /Users?filter=userName eq "userNNNNN" (a random seeded name per request)
# Not run in CI. Needs wrk (`apt-get install -y wrk`) and python3 with venv; installs
# scim2-server into $VENV. Prints a markdown table (and the load average) on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS=${USERS:-10000}
DURATION=${DURATION:-10}
CONNS=${CONNS:-16}
THREADS=${THREADS:-2}
VENV=${VENV:-/tmp/scim2-server-venv}

command -v wrk >/dev/null || { echo "throughput: needs wrk (apt-get install -y wrk)" >&2; exit 1; }
if [ ! -x "$VENV/bin/scim2-server" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q scim2-server
fi
cargo build --release -q -p scim-cli

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Seeds $USERS users (userName user00000…) through POST /Users with 8 client threads and
# writes their ids and names, one a line.
cat >"$work/seed.py" <<'PY'
import http.client, json, sys, threading, urllib.parse
base, users, ids_file, names_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
url = urllib.parse.urlsplit(base)
ids = [None] * users
def worker(k):
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    for i in range(k, users, 8):
        body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                           "userName": f"user{i:05d}", "displayName": f"User {i}",
                           "emails": [{"value": f"user{i:05d}@example.com", "type": "work"}]})
        conn.request("POST", url.path + "/Users", body, {"Content-Type": "application/scim+json"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 201:
            sys.exit(f"seed: {resp.status} {data[:200]!r}")
        ids[i] = json.loads(data)["id"]
        if resp.will_close:
            conn.close()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
for t in threads: t.start()
for t in threads: t.join()
if None in ids:
    sys.exit("seed: some users were not created")
with open(ids_file, "w") as f: f.write("\n".join(ids) + "\n")
with open(names_file, "w") as f: f.write("\n".join(f"user{i:05d}" for i in range(users)) + "\n")
PY

# wrk script: each request takes a random line of args[1], between args[2] and args[3].
cat >"$work/pick.lua" <<'LUA'
local values = {}
local prefix, suffix
function init(args)
  for line in io.lines(args[1]) do values[#values + 1] = line end
  prefix, suffix = args[2], args[3] or ""
  math.randomseed(os.time() + #tostring({}))
end
function request()
  return wrk.format("GET", prefix .. values[math.random(#values)] .. suffix)
end
LUA

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_up() { for _ in $(seq 100); do curl -sf -o /dev/null "$1/ServiceProviderConfig" && return; sleep 0.1; done; echo "throughput: $1 did not come up" >&2; exit 1; }

# run NAME BASE_URL: seeds, then both scenarios; prints table rows.
run() {
    local name=$1 base=$2 path
    path=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).path)' "$base")
    local t0=$SECONDS
    python3 "$work/seed.py" "$base" "$USERS" "$work/ids" "$work/names"
    echo "throughput: $name seeded $USERS users in $((SECONDS - t0)) s" >&2
    # Both scenarios must find what they ask for, or the numbers measure 404s.
    curl -sf -o /dev/null "$base/Users/$(head -1 "$work/ids")"
    curl -sf "$base/Users?filter=userName%20eq%20%22user00000%22" |
        python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["totalResults"] == 1, d'
    for scenario in by-id filter; do
        local args
        if [ "$scenario" = by-id ]; then
            args=("$work/ids" "$path/Users/")
        else
            args=("$work/names" "$path/Users?filter=userName%20eq%20%22" "%22")
        fi
        local load out
        load=$(uptime | sed 's/.*load average: //')
        out=$(timeout $((DURATION + 20)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 5s \
            --latency -s "$work/pick.lua" "$base" -- "${args[@]}")
        echo "$out" >&2
        local rps p99 errs
        rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
        p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
        errs=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' <<<"$out")
        echo "| $name | $scenario | $rps | $p99 | $errs | $load |"
    done
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $USERS users, wrk -t$THREADS -c$CONNS -d${DURATION}s"
echo
echo "| server | scenario | requests/s | p99 latency | errors | load average before (1, 5, 15 min) |"
echo "| --- | --- | ---: | ---: | ---: | --- |"

fifo="$work/scim.out"
./target/release/scim serve --memory --addr 127.0.0.1:0 >"$fifo" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q http:// "$fifo" && break; sleep 0.1; done
scim_base=$(grep -o 'http://[^ ]*' "$fifo" | head -1)
wait_up "$scim_base"
run "scim serve --memory" "$scim_base"
kill "${pids[0]}"

port=$(free_port)
"$VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$port" >/dev/null 2>&1 &
pids+=($!)
wait_up "http://127.0.0.1:$port/v2"
run "scim2-server $("$VENV/bin/pip" show scim2-server | awk '/^Version/ {print $2}')" "http://127.0.0.1:$port/v2"
