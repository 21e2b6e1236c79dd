#!/usr/bin/env bash
# Memory (issue 8, part 4): peak RSS of `fedrun --sim playbooks/rosa-aro.rhai` and of the
# simulator, over RUNS repeated runs against one `fedrun sim serve` (the first run creates, the
# others converge: no unbounded growth may show), then the simulator's peak RSS with 16 clusters
# after a 16-mesh full-mesh run.
#
#     bench/memory.sh [RUNS]     # default 10

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS=${1:-10}
build
start_server memory
echo "run  fedrun peak KiB  simulator RSS KiB  requests"
for run in $(seq 1 "$RUNS"); do
    before=$(requests)
    /usr/bin/time -f %M -o "$WORK/rss" "$FEDRUN" --sim --state "$STATE" "$ROOT/playbooks/rosa-aro.rhai" >/dev/null
    after=$(requests)
    printf '%3s %17s %18s %9s\n' "$run" "$(cat "$WORK/rss")" "$(awk '/^VmRSS:/{print $2}' "/proc/$SERVER_PID/status")" $((after - before))
done
echo "simulator peak RSS (3 clusters, $RUNS runs): $(server_peak_kb) KiB"
stop_server

list=
for i in $(seq 1 16); do list+="${list:+,}c$i:aws"; done
start_server memory16 --clusters "$list"
echo "simulator with 16 clusters, idle: $(awk '/^VmRSS:/{print $2}' "/proc/$SERVER_PID/status") KiB"
/usr/bin/time -f %M -o "$WORK/rss" "$FEDRUN" --sim --state "$STATE" "$ROOT/playbooks/full-mesh.rhai" --set clusters=16 >/dev/null
echo "after full-mesh with 16 meshes: simulator peak $(server_peak_kb) KiB, fedrun peak $(cat "$WORK/rss") KiB"
