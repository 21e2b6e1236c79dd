# Shared helpers of the benchmark scripts (sourced, not run).
#
# Each measured run gets a fresh `fedrun sim serve` on a fresh state directory (started before the
# clock starts, stopped after it stops), so every run begins from the same reset state and the
# request counters of the server (`GET /metrics`, read by `fedrun sim status`) count that run only.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FEDRUN=${FEDRUN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/fedrun}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedrun-bench.XXXXXX")
SERVER_PID=
STATE=

build() {
    if [[ -z "${NO_BUILD:-}" ]]; then
        (cd "$ROOT" && cargo build --release --quiet)
    fi
    [[ -x "$FEDRUN" ]] || { echo "no fedrun binary at $FEDRUN" >&2; exit 2; }
}

cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start_server NAME [serve flags...]: a fresh simulator on a fresh state directory.
start_server() {
    local name=$1
    shift
    STATE=$WORK/$name
    rm -rf "$STATE"
    "$FEDRUN" sim serve --state "$STATE" --time-scale 0 "$@" >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    local i
    for i in $(seq 1 200); do
        [[ -s "$STATE/server.json" ]] && return 0
        sleep 0.05
    done
    echo "the simulator did not start; its log:" >&2
    cat "$WORK/$name.log" >&2
    exit 1
}

stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}

# requests: API requests served so far by all clusters of the running server.
requests() {
    "$FEDRUN" sim status --state "$STATE" | awk '/ requests /{ for (i = 1; i < NF; i++) if ($(i+1) == "requests") n += $i } END { print n + 0 }'
}

# server_peak_kb: peak resident memory of the running server, in KiB.
server_peak_kb() {
    awk '/^VmHWM:/{print $2}' "/proc/$SERVER_PID/status"
}

# server_cpu_ms: CPU time (user + system) the running server has used so far, in ms.
server_cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$SERVER_PID/stat"
}

# median of the arguments (numbers).
median() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
