#!/usr/bin/env bash
# Federation at scale (issue 8, part 3): playbooks/full-mesh.rhai federating N simulated meshes
# pairwise (N×(N−1) peer links, every mesh exporting one service to all others), for N = 2 4 8 16
# (or the sizes given as arguments), each on a fresh `fedrun sim serve --time-scale 0` with N
# clusters (providers alternating aws, azure, gcp). Prints wall time, API requests, the CPU time
# fedrun and the simulator used (they share the machine's cores), peak RSS of fedrun and of the
# simulator, and the growth exponents of wall time and requests against N and
# against the links per cluster (N−1).
#
#     bench/scale.sh            # N = 2 4 8 16
#     bench/scale.sh 4 16       # chosen sizes

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SIZES=("$@")
[[ ${#SIZES[@]} -gt 0 ]] || SIZES=(2 4 8 16)
LATENCY=${LATENCY:-0}
providers=(aws azure gcp)

build
printf '%4s %6s %10s %10s %14s %14s %12s %14s\n' N links "wall ms" requests "fedrun cpu ms" "sim cpu ms" "fedrun KiB" "simulator KiB"
declare -a ns ms rq
for n in "${SIZES[@]}"; do
    list=
    for i in $(seq 1 "$n"); do list+="${list:+,}c$i:${providers[$(((i - 1) % 3))]}"; done
    start_server "scale$n" --clusters "$list" --latency "$LATENCY"
    before=$(requests)
    cpu0=$(server_cpu_ms)
    t0=$(now_ms)
    /usr/bin/time -f '%M %U %S' -o "$WORK/rss" "$FEDRUN" --sim --state "$STATE" "$ROOT/playbooks/full-mesh.rhai" --set clusters="$n" >"$WORK/scale-$n.log" 2>&1 ||
        { cat "$WORK/scale-$n.log" >&2; exit 1; }
    t1=$(now_ms)
    cpu1=$(server_cpu_ms)
    after=$(requests)
    read -r rss user sys <"$WORK/rss"
    fedrun_cpu=$(echo "($user + $sys) * 1000 / 1" | bc)
    printf '%4s %6s %10s %10s %14s %14s %12s %14s\n' "$n" $((n * (n - 1))) $((t1 - t0)) $((after - before)) "$fedrun_cpu" $((cpu1 - cpu0)) "$rss" "$(server_peak_kb)"
    ns+=("$n") ms+=($((t1 - t0))) rq+=($((after - before)))
    stop_server
done

# Growth exponents between the smallest and the largest size: t ∝ N^k and t ∝ (N−1)^k.
last=$((${#ns[@]} - 1))
if [[ $last -gt 0 ]]; then
    exp() { echo "l($2 / $1) / l($4 / $3)" | bc -l; }
    n0=${ns[0]} n1=${ns[$last]}
    printf 'growth N=%s→%s: wall time ∝ N^%.2f = (links per cluster)^%.2f; requests ∝ N^%.2f = (links per cluster)^%.2f\n' \
        "$n0" "$n1" "$(exp "${ms[0]}" "${ms[$last]}" "$n0" "$n1")" "$(exp "${ms[0]}" "${ms[$last]}" $((n0 - 1)) $((n1 - 1)))" \
        "$(exp "${rq[0]}" "${rq[$last]}" "$n0" "$n1")" "$(exp "${rq[0]}" "${rq[$last]}" $((n0 - 1)) $((n1 - 1)))"
    if [[ $last -gt 1 ]]; then
        p=$((last - 1))
        printf 'growth N=%s→%s: wall time ∝ N^%.2f\n' "${ns[$p]}" "$n1" "$(exp "${ms[$p]}" "${ms[$last]}" "${ns[$p]}" "$n1")"
    fi
fi
echo "targets: 16 meshes (240 peer links) in under 10 s; wall time close to linear in links per cluster"
