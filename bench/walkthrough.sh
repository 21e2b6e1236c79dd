#!/usr/bin/env bash
# fedrun against the walkthrough's own commands (issue 8, parts 1 and 2).
#
#     bench/walkthrough.sh [ROUNDS]            # default 5 rounds, no injected latency
#     LATENCY=50 bench/walkthrough.sh 3        # every API request delayed by 50 ms
#
# Alternately, ROUNDS times: (a) the walkthrough's ROSA ↔ ARO command sequence with kubectl
# (`oc` → `kubectl`, `oc new-project` → `kubectl create namespace`, the manifests of
# bench/manifests/ and playbooks/manifests/), and (b) `fedrun --sim playbooks/rosa-aro.rhai`
# connecting to the running server. Each run starts on a fresh `fedrun sim serve --time-scale 0`
# (reset state). kubectl gets a fresh `--cache-dir` per round, so each round pays its discovery
# once, as on a first contact with new clusters. Prints median wall times, their ratio and the
# API requests each made (counted by the simulator), and fedrun's peak RSS.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROUNDS=${1:-5}
LATENCY=${LATENCY:-0}
M=$ROOT/bench/manifests
APPS=$ROOT/playbooks/manifests

# The walkthrough, ROSA ↔ ARO, with kubectl. $KUBECONFIG is a copy of the server's kubeconfig,
# since `config use-context` writes to it.
walkthrough() {
    local k="kubectl --cache-dir $CACHE"
    # 2. Service Mesh operators on each cluster.
    for ctx in rosa aro; do
        $k config use-context $ctx >/dev/null
        $k apply -f "$M/ossm-operator/subscriptions.yaml" >/dev/null
    done
    # 3. Check the operators on each cluster (check-ossm.sh), then wait until they are installed
    #    and the Service Mesh webhook serves: the user re-runs the checks until they are.
    for ctx in rosa aro; do
        $k config use-context $ctx >/dev/null
        for sub in elasticsearch-operator jaeger-product kiali-ossm servicemeshoperator; do
            $k get sub $sub -n openshift-operators --output jsonpath='{.status.conditions[*].message}' >/dev/null
        done
        $k wait --for=jsonpath='{.status.state}'=AtLatestKnown sub --all -n openshift-operators --timeout 300s >/dev/null
        until $k wait --for=jsonpath='{.status.phase}'=Succeeded csv --all -n openshift-operators --timeout 300s >/dev/null 2>&1; do sleep 0.05; done
        until $k wait --for=jsonpath='{.subsets[0].addresses[0].ip}' -n openshift-operators endpoints/maistra-admission-controller --timeout 300s >/dev/null 2>&1; do sleep 0.05; done
    done
    # 4. A service mesh instance in each cluster.
    $k config use-context rosa >/dev/null
    $k create namespace rosa-prod-mesh >/dev/null
    $k create namespace prod-bookinfo >/dev/null
    $k apply -f "$M/rosa-prod/smcp.yaml" >/dev/null
    $k apply -f "$M/rosa-prod/smmr.yaml" >/dev/null
    $k config use-context aro >/dev/null
    $k create namespace aro-stg-mesh >/dev/null
    $k create namespace stg-bookinfo >/dev/null
    $k apply -f "$M/aro-stg/smcp.yaml" >/dev/null
    $k apply -f "$M/aro-stg/smmr.yaml" >/dev/null
    $k config use-context rosa >/dev/null
    $k wait --for condition=Ready -n rosa-prod-mesh smmr/default --timeout 300s >/dev/null
    $k config use-context aro >/dev/null
    $k wait --for condition=Ready -n aro-stg-mesh smmr/default --timeout 300s >/dev/null
    # Applications.
    $k config use-context rosa >/dev/null
    $k apply -n prod-bookinfo -f "$APPS/bookinfo.yaml" >/dev/null
    $k apply -n prod-bookinfo -f "$APPS/bookinfo-gateway.yaml" >/dev/null
    $k apply -n prod-bookinfo -f "$APPS/destination-rule-all.yaml" >/dev/null
    $k config use-context aro >/dev/null
    $k apply -f "$M/aro-stg/stage-detail-v2-deployment.yaml" >/dev/null
    $k apply -f "$M/aro-stg/stage-detail-v2-service.yaml" >/dev/null
    # Federation: CA roots.
    $k config use-context rosa >/dev/null
    ROSA_PROD_MESH_CERT=$($k get configmap -n rosa-prod-mesh istio-ca-root-cert -o jsonpath='{.data.root-cert\.pem}')
    echo "$ROSA_PROD_MESH_CERT" | openssl x509 -subject -noout >/dev/null
    $k config use-context aro >/dev/null
    ARO_STG_MESH_CERT=$($k get configmap -n aro-stg-mesh istio-ca-root-cert -o jsonpath='{.data.root-cert\.pem}')
    echo "$ARO_STG_MESH_CERT" | openssl x509 -subject -noout >/dev/null
    # Enabling federation for rosa-prod-mesh.
    $k config use-context rosa >/dev/null
    $k create configmap aro-stg-mesh-ca-root-cert --from-literal=root-cert.pem="$ARO_STG_MESH_CERT" -n rosa-prod-mesh >/dev/null
    $k config use-context aro >/dev/null
    ARO_STG_INGRESS=$($k get svc rosa-prod-ingress -n aro-stg-mesh -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
    $k config use-context rosa >/dev/null
    SMP_ARO_YAML=$(cat "$M/rosa-prod/smp-aro.yaml" | sed "s/aro-stg-ingress-url/$ARO_STG_INGRESS/g")
    echo "$SMP_ARO_YAML" | $k apply -f - >/dev/null
    $k apply -f "$M/rosa-prod/iss-aro.yaml" >/dev/null
    # Enabling federation for aro-stg-mesh.
    $k config use-context aro >/dev/null
    $k create configmap rosa-prod-mesh-ca-root-cert --from-literal=root-cert.pem="$ROSA_PROD_MESH_CERT" -n aro-stg-mesh >/dev/null
    $k config use-context rosa >/dev/null
    ROSA_PROD_INGRESS=$($k get svc aro-stg-ingress -n rosa-prod-mesh -o jsonpath='{.status.loadBalancer.ingress[0].hostname}')
    $k config use-context aro >/dev/null
    SMP_PROD_YAML=$(cat "$M/aro-stg/smp.yaml" | sed "s/rosa-prod-ingress-url/$ROSA_PROD_INGRESS/g")
    echo "$SMP_PROD_YAML" | $k apply -f - >/dev/null
    $k apply -f "$M/aro-stg/ess.yaml" >/dev/null
    # Check federation, import and export status. The user re-runs these checks until the peers
    # are connected and details-v2 is imported, as fedrun's run waits for: `kubectl wait` does that.
    # A ServiceMeshPeer has no conditions: connected both ways is an active watch with a
    # connected remote in discoveryStatus.
    $k config use-context rosa >/dev/null
    $k wait --for=jsonpath='{.status.discoveryStatus.active[0].remotes[0].connected}'=true -n rosa-prod-mesh servicemeshpeer/aro-stg-mesh --timeout 300s >/dev/null
    $k wait --for=jsonpath='{.status.importedServices[0].localService.hostname}' -n rosa-prod-mesh importedservicesets/aro-stg-mesh --timeout 300s >/dev/null
    $k config use-context aro >/dev/null
    $k wait --for=jsonpath='{.status.discoveryStatus.active[0].remotes[0].connected}'=true -n aro-stg-mesh servicemeshpeer/rosa-prod-mesh --timeout 300s >/dev/null
    $k config use-context rosa >/dev/null
    $k -n rosa-prod-mesh get servicemeshpeer aro-stg-mesh -o jsonpath='{.status}' >/dev/null
    $k -n rosa-prod-mesh get importedservicesets aro-stg-mesh -o jsonpath='{.status}' >/dev/null
    $k config use-context aro >/dev/null
    $k -n aro-stg-mesh get servicemeshpeer rosa-prod-mesh -o jsonpath='{.status}' >/dev/null
    $k -n aro-stg-mesh get exportedservicesets rosa-prod-mesh -o jsonpath='{.status}' >/dev/null
    # VirtualService for rosa-prod-mesh.
    $k config use-context rosa >/dev/null
    $k apply -n prod-bookinfo -f "$M/rosa-prod/vs-split-details.yaml" >/dev/null
}

# After the clock: both tools must have reached the same end state (peers connected, details-v2
# imported); a run that did not is a benchmark failure, not a figure.
verify() {
    local k="kubectl --kubeconfig $STATE/kubeconfig --cache-dir $WORK/verify-cache"
    $k --context rosa wait --for=jsonpath='{.status.discoveryStatus.active[0].remotes[0].connected}'=true -n rosa-prod-mesh servicemeshpeer/aro-stg-mesh --timeout 20s >/dev/null
    $k --context aro wait --for=jsonpath='{.status.discoveryStatus.active[0].remotes[0].connected}'=true -n aro-stg-mesh servicemeshpeer/rosa-prod-mesh --timeout 20s >/dev/null
    $k --context rosa wait --for=jsonpath='{.status.importedServices[0].localService.hostname}'=details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local \
        -n rosa-prod-mesh importedservicesets/aro-stg-mesh --timeout 20s >/dev/null
    $k --context rosa get virtualservice details -n prod-bookinfo >/dev/null
}

build
echo "fedrun vs the walkthrough's kubectl commands: $ROUNDS rounds, latency ${LATENCY} ms, $(kubectl version --client 2>/dev/null | head -1)"
k_ms=() f_ms=() k_req=() f_req=() f_rss=() s_rss=()
for round in $(seq 1 "$ROUNDS"); do
    start_server "k$round" --latency "$LATENCY"
    cp "$STATE/kubeconfig" "$WORK/kubeconfig-$round"
    export KUBECONFIG=$WORK/kubeconfig-$round
    CACHE=$WORK/cache-$round # fresh discovery cache per round
    before=$(requests)
    t0=$(now_ms)
    walkthrough
    t1=$(now_ms)
    after=$(requests)
    unset KUBECONFIG
    verify
    k_ms+=($((t1 - t0))) k_req+=($((after - before)))
    stop_server

    start_server "f$round" --latency "$LATENCY"
    before=$(requests)
    t0=$(now_ms)
    # `load=0`: the same work as the kubectl sequence, which generates no load.
    /usr/bin/time -f %M -o "$WORK/rss" "$FEDRUN" --sim --state "$STATE" "$ROOT/playbooks/rosa-aro.rhai" --set load=0 >"$WORK/fedrun-$round.log"
    t1=$(now_ms)
    after=$(requests)
    verify
    f_ms+=($((t1 - t0))) f_req+=($((after - before))) f_rss+=($(cat "$WORK/rss")) s_rss+=($(server_peak_kb))
    stop_server
    echo "round $round: kubectl ${k_ms[-1]} ms, ${k_req[-1]} requests; fedrun ${f_ms[-1]} ms, ${f_req[-1]} requests, peak RSS ${f_rss[-1]} KiB"
done

km=$(median "${k_ms[@]}") fm=$(median "${f_ms[@]}")
kr=$(median "${k_req[@]}") fr=$(median "${f_req[@]}")
echo
printf '%-26s %12s %12s %10s\n' "" "kubectl" "fedrun" "ratio"
printf '%-26s %12s %12s %9.1fx\n' "median wall time (ms)" "$km" "$fm" "$(echo "$km / $fm" | bc -l)"
printf '%-26s %12s %12s %10.2f\n' "median API requests" "$kr" "$fr" "$(echo "$fr / $kr" | bc -l)"
echo "fedrun peak RSS (median): $(median "${f_rss[@]}") KiB; simulator peak RSS after the fedrun run (median): $(median "${s_rss[@]}") KiB"
echo "targets: fedrun >= 20x faster, <= 1/3 of the requests (ratio <= 0.33)"
