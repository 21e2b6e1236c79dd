//! Federation on the simulator: ServiceMeshPeer links between meshes on different clusters,
//! what breaks them (each cause with the status line a real istiod records) and how they
//! recover, and ExportedServiceSet / ImportedServiceSet status — only the fields Maistra writes
//! (maistra/istio `pkg/servicemesh/federation/status/handler.go`). Driven through kube-rs
//! in-process, as a user's tooling would; waits follow the stores' events (no fixed sleeps).

mod common;
mod support_federation;

use fedrun::sim::cluster::SimCluster;
use serde_json::{Value, json};

use support_federation::*;

const PEERS: &str = "servicemeshpeers";
/// aro-stg-mesh exports details to rosa-prod-mesh: named after the peer it is exported to.
const DETAILS_EXPORTED: &str = "details.stg-bookinfo.svc.rosa-prod-mesh-exports.local";
const DETAILS_IMPORTED: &str = "details.stg-bookinfo.svc.aro-stg-mesh-imports.local";
const UNAVAILABLE: &str = "503 Service Unavailable";
const FORBIDDEN: &str = "403 Forbidden";

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Breaks the link with `breaking` (a merge patch on `kind`/`name` in `cluster`), checks the
/// status line that rosa-prod-mesh's peer for aro-stg-mesh records and that istiod keeps what it
/// imported, then applies `fixing` and checks it reconnects.
async fn break_and_fix(
    w: &Walkthrough,
    on_aro: bool,
    kind: &str,
    name: &str,
    breaking: Value,
    fixing: Value,
    expected: &str,
) -> Value {
    let (kube, mesh) = if on_aro {
        (&w.k_aro, &w.aro)
    } else {
        (&w.k_rosa, &w.rosa)
    };
    let rosa = w.rosa_cluster();
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    kube.merge(kind, &mesh.namespace, name, breaking).await;
    let broken = wait_disconnected(&rosa, "rosa-prod-mesh", "aro-stg-mesh", expected).await;
    assert_disconnected(&broken, expected);
    assert_imports_kept(&rosa);
    kube.merge(kind, &mesh.namespace, name, fixing).await;
    let fixed = wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    assert_connected(&fixed);
    broken
}

/// istiod keeps the services it imported while its watch is down.
fn assert_imports_kept(rosa: &SimCluster) {
    let iss = get(
        rosa,
        FED,
        "importedservicesets",
        "rosa-prod-mesh",
        "aro-stg-mesh",
    )
    .unwrap();
    assert_eq!(
        imported_hostnames(&iss),
        [DETAILS_IMPORTED],
        "kept while down"
    );
}

/// The shape of a connected peer's status: `discoveryStatus.active` only, nothing invented.
fn assert_connected(peer: &Value) {
    let status = peer["status"].as_object().unwrap();
    assert_eq!(
        status.keys().collect::<Vec<_>>(),
        ["discoveryStatus"],
        "{peer:#}"
    );
    let active = &peer["status"]["discoveryStatus"]["active"][0];
    assert!(
        text(active, "/pod").starts_with("istiod-"),
        "istiod pod: {active}"
    );
    assert_eq!(active["watch"]["connected"], true);
    for field in ["lastConnected", "lastFullSync"] {
        assert!(
            !text(active, &format!("/watch/{field}")).is_empty(),
            "{field}: {active}"
        );
    }
    assert_eq!(active["remotes"][0]["connected"], true);
    assert!(!text(active, "/remotes/0/source").is_empty());
    assert!(peer.pointer("/status/discoveryStatus/inactive").is_none());
}

fn assert_disconnected(peer: &Value, line: &str) {
    assert!(peer.pointer("/status/conditions").is_none(), "{peer:#}");
    assert!(peer.pointer("/status/discoveryStatus/active").is_none());
    let inactive = &peer["status"]["discoveryStatus"]["inactive"][0];
    assert!(text(inactive, "/pod").starts_with("istiod-rosa-prod-mesh-"));
    assert_eq!(inactive["watch"]["connected"], false);
    assert_eq!(text(inactive, "/watch/lastDisconnectStatus"), line);
    // It was connected before: the disconnect has a time.
    assert!(!text(inactive, "/watch/lastDisconnect").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rosa_and_aro_connect_and_details_is_imported() {
    let w = rosa_aro().await;
    let (rosa, aro) = (w.rosa_cluster(), w.aro_cluster());

    let rosa_peer = wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    assert_connected(&rosa_peer);
    assert!(
        text(&rosa_peer, "/status/discoveryStatus/active/0/pod")
            .starts_with("istiod-rosa-prod-mesh-")
    );
    let aro_peer = wait_connected(&aro, "aro-stg-mesh", "rosa-prod-mesh").await;
    assert_connected(&aro_peer);
    // ROSA's ingress address is an ELB hostname, ARO's an IP, as the walkthrough reads them.
    assert!(
        w.rosa
            .ingress_address("aro-stg-mesh")
            .ends_with(".elb.amazonaws.com")
    );
    assert!(
        w.aro
            .ingress_address("rosa-prod-mesh")
            .parse::<std::net::IpAddr>()
            .is_ok()
    );

    let exported = wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[DETAILS_EXPORTED]).await;
    assert_eq!(
        exported["status"],
        json!({"exportedServices": [{"exportedName": DETAILS_EXPORTED, "localService": {
            "hostname": "details.stg-bookinfo.svc.cluster.local", "name": "details", "namespace": "stg-bookinfo"}}]})
    );
    let iss = wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    // The importing side lists the same exported name; no conditions on either set.
    assert_eq!(
        iss["status"],
        json!({"importedServices": [{"exportedName": DETAILS_EXPORTED, "localService": {
            "hostname": DETAILS_IMPORTED, "name": "details", "namespace": "stg-bookinfo"}}]})
    );

    // Imported under an alias, as the walkthrough's details-v2.
    w.k_rosa
        .apply(iss_with_rules(
            json!([{"type": "NameSelector", "importAsLocal": false,
            "nameSelector": {"namespace": "stg-bookinfo", "name": "details",
                             "alias": {"namespace": "prod-bookinfo", "name": "details-v2"}}}]),
        ))
        .await;
    let iss = wait_imports(
        &rosa,
        "rosa-prod-mesh",
        "aro-stg-mesh",
        &["details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local"],
    )
    .await;
    assert_eq!(
        iss["status"]["importedServices"][0]["localService"],
        json!({"hostname": "details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local",
               "name": "details-v2", "namespace": "prod-bookinfo"})
    );
    assert_eq!(
        iss["status"]["importedServices"][0]["exportedName"],
        DETAILS_EXPORTED
    );

    // Status fields Maistra does not define cannot be written: the schema prunes them.
    let written = w
        .k_rosa
        .merge_status(
            "ServiceMeshPeer",
            "rosa-prod-mesh",
            "aro-stg-mesh",
            json!({"status": {"conditions": [{"type": "Connected", "status": "True"}]}}),
        )
        .await;
    assert!(
        written.pointer("/status/conditions").is_none(),
        "{written:#}"
    );

    // Reconciles that change nothing write nothing: the peer keeps its resourceVersion and
    // timestamps while the controller handles an unrelated change (rosa's own ESS for aro).
    let before = wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    w.k_rosa
        .apply(ess("rosa-prod-mesh", "aro-stg-mesh", json!([])))
        .await;
    wait_for(&rosa, "the ESS's status", || {
        get(
            &rosa,
            FED,
            "exportedservicesets",
            "rosa-prod-mesh",
            "aro-stg-mesh",
        )
        .filter(|e| e["status"] == json!({"exportedServices": []}))
    })
    .await;
    let after = get(&rosa, FED, PEERS, "rosa-prod-mesh", "aro-stg-mesh").unwrap();
    assert_eq!(
        before["metadata"]["resourceVersion"], after["metadata"]["resourceVersion"],
        "no write loop"
    );
    assert_eq!(before["status"], after["status"]);
    w.env.shutdown().await;
}

fn iss_with_rules(rules: Value) -> Value {
    iss(
        "rosa-prod-mesh",
        "aro-stg-mesh",
        json!({ "importRules": rules }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_ca_configmap_disconnects_and_imports_are_kept() {
    let w = rosa_aro().await;
    let rosa = w.rosa_cluster();
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;

    w.k_rosa
        .delete("ConfigMap", "rosa-prod-mesh", "aro-stg-mesh-ca-root-cert")
        .await;
    let broken = wait_disconnected(&rosa, "rosa-prod-mesh", "aro-stg-mesh", UNAVAILABLE).await;
    assert_disconnected(&broken, UNAVAILABLE);
    assert_imports_kept(&rosa);
    // While disconnected, retries rewrite nothing (same failure, same timestamps).
    w.k_rosa
        .apply(ess("rosa-prod-mesh", "aro-stg-mesh", json!([])))
        .await;
    wait_for(&rosa, "the ESS's status", || {
        get(
            &rosa,
            FED,
            "exportedservicesets",
            "rosa-prod-mesh",
            "aro-stg-mesh",
        )
        .filter(|e| e.get("status").is_some())
    })
    .await;
    let still = get(&rosa, FED, PEERS, "rosa-prod-mesh", "aro-stg-mesh").unwrap();
    assert_eq!(
        broken["metadata"]["resourceVersion"],
        still["metadata"]["resourceVersion"]
    );

    // The CA back: reconnected.
    w.k_rosa
        .apply(ca_configmap(&w.rosa, "aro-stg-mesh", &w.aro.ca_pem))
        .await;
    assert_connected(&wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await);
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_ca_or_trust_domain_fails_tls_with_503() {
    let w = rosa_aro().await;
    let aro_ca = json!({"data": {"root-cert.pem": w.aro.ca_pem}});
    // Another mesh's root.
    break_and_fix(
        &w,
        false,
        "ConfigMap",
        "aro-stg-mesh-ca-root-cert",
        json!({"data": {"root-cert.pem": w.rog.ca_pem}}),
        aro_ca.clone(),
        UNAVAILABLE,
    )
    .await;
    // No root under the key istiod reads.
    break_and_fix(
        &w,
        false,
        "ConfigMap",
        "aro-stg-mesh-ca-root-cert",
        json!({"data": {"root-cert.pem": null, "ca.crt": w.aro.ca_pem}}),
        aro_ca,
        UNAVAILABLE,
    )
    .await;
    // The peer's trust domain, on our side and on its side for us.
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"security": {"trustDomain": "cluster.local"}}}),
        json!({"spec": {"security": {"trustDomain": "aro-stg-mesh.local"}}}),
        UNAVAILABLE,
    )
    .await;
    break_and_fix(
        &w,
        true,
        "ServiceMeshPeer",
        "rosa-prod-mesh",
        json!({"spec": {"security": {"trustDomain": "rosa-prod.local"}}}),
        json!({"spec": {"security": {"trustDomain": "rosa-prod-mesh.local"}}}),
        UNAVAILABLE,
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_addresses_and_ports_are_503_from_the_egress_gateway() {
    let w = rosa_aro().await;
    let real = w.aro.ingress_address("rosa-prod-mesh").to_string();
    let fix = json!({"spec": {"remote": {"addresses": [real], "discoveryPort": null, "servicePort": null}}});
    // The walkthrough's placeholder, an IP where nothing listens, another mesh's ingress.
    for addresses in [
        json!(["aro-stg-ingress-url"]),
        json!(["20.99.99.99"]),
        json!([w.rog.ingress_address("rosa-prod-mesh")]),
    ] {
        break_and_fix(
            &w,
            false,
            "ServiceMeshPeer",
            "aro-stg-mesh",
            json!({"spec": {"remote": {"addresses": addresses}}}),
            fix.clone(),
            UNAVAILABLE,
        )
        .await;
    }
    // One good address among several is enough.
    w.k_rosa
        .merge(
            "ServiceMeshPeer",
            "rosa-prod-mesh",
            "aro-stg-mesh",
            json!({"spec": {"remote": {"addresses": ["20.99.99.99", real]}}}),
        )
        .await;
    wait_connected(&w.rosa_cluster(), "rosa-prod-mesh", "aro-stg-mesh").await;
    for remote in [json!({"discoveryPort": 8189}), json!({"servicePort": 443})] {
        break_and_fix(
            &w,
            false,
            "ServiceMeshPeer",
            "aro-stg-mesh",
            json!({"spec": {"remote": remote}}),
            fix.clone(),
            UNAVAILABLE,
        )
        .await;
    }
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_id_the_peer_does_not_admit_is_forbidden() {
    let w = rosa_aro().await;
    // A classic slip: the peer names its own egress gateway instead of ours.
    break_and_fix(&w, true, "ServiceMeshPeer", "rosa-prod-mesh",
        json!({"spec": {"security": {"clientID": "rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/rosa-prod-egress-service-account"}}}),
        json!({"spec": {"security": {"clientID": "rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/aro-stg-egress-service-account"}}}),
        FORBIDDEN).await;

    // No peer at all on the other side: its ingress gateway has no discovery listener.
    let rosa = w.rosa_cluster();
    w.k_aro
        .delete("ServiceMeshPeer", "aro-stg-mesh", "rosa-prod-mesh")
        .await;
    assert_disconnected(
        &wait_disconnected(&rosa, "rosa-prod-mesh", "aro-stg-mesh", UNAVAILABLE).await,
        UNAVAILABLE,
    );
    w.k_aro.apply(peer_manifest(&w.aro, &w.rosa)).await;
    assert_connected(&wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await);
    wait_connected(&w.aro_cluster(), "aro-stg-mesh", "rosa-prod-mesh").await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_names_the_control_plane_does_not_define() {
    let w = rosa_aro().await;
    let (rosa, aro) = (w.rosa_cluster(), w.aro_cluster());
    // istiod dials its egress gateway by DNS name: the Go error, not an HTTP status.
    break_and_fix(&w, false, "ServiceMeshPeer", "aro-stg-mesh",
        json!({"spec": {"gateways": {"egress": {"name": "aro-egress"}}}}),
        json!({"spec": {"gateways": {"egress": {"name": "aro-stg-egress"}}}}),
        "Get \"http://aro-egress.rosa-prod-mesh.svc.cluster.local:8188/v1/watch\": dial tcp: lookup aro-egress.rosa-prod-mesh.svc.cluster.local: no such host",
    ).await;
    // A wrong ingress name on rosa's side breaks aro's watch of rosa: rosa's watch stays up,
    // its remote goes, and aro's peer records the 503.
    w.k_rosa
        .merge(
            "ServiceMeshPeer",
            "rosa-prod-mesh",
            "aro-stg-mesh",
            json!({"spec": {"gateways": {"ingress": {"name": "aro-stg-ingress-gw"}}}}),
        )
        .await;
    wait_disconnected(&aro, "aro-stg-mesh", "rosa-prod-mesh", UNAVAILABLE).await;
    let one_way = wait_peer(
        &rosa,
        "rosa-prod-mesh",
        "aro-stg-mesh",
        "to lose its remote",
        |p| {
            p.pointer("/status/discoveryStatus/active/0/watch/connected") == Some(&json!(true))
                && !link_up(p)
        },
    )
    .await;
    assert!(!link_up(&one_way));
    w.k_rosa
        .merge(
            "ServiceMeshPeer",
            "rosa-prod-mesh",
            "aro-stg-mesh",
            json!({"spec": {"gateways": {"ingress": {"name": "aro-stg-ingress"}}}}),
        )
        .await;
    wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    wait_connected(&aro, "aro-stg-mesh", "rosa-prod-mesh").await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_selector_alias_is_pruned_and_unmatched_exports_are_listed_empty() {
    let w = rosa_aro().await;
    let (rosa, aro) = (w.rosa_cluster(), w.aro_cluster());
    // `labelSelector.alias` is not in the schema. A server-side apply cannot even build its
    // typed patch; kubectl's default (Strict) is refused; without a directive (Warn) the server
    // drops the field, and details is exported under its own name.
    let misplaced = ess(
        "aro-stg-mesh",
        "rosa-prod-mesh",
        json!([{"type": "LabelSelector", "labelSelector": {
        "namespace": "stg-bookinfo",
        "selector": {"matchLabels": {"app": "details"}},
        "alias": {"namespace": "stg-bookinfo", "name": "details-v2"}}}]),
    );
    let api = w.k_aro.api("ExportedServiceSet", "aro-stg-mesh");
    let object: kube::api::DynamicObject = serde_json::from_value(misplaced.clone()).unwrap();
    let apply = api
        .patch(
            "rosa-prod-mesh",
            &kube::api::PatchParams::apply("fedrun-test"),
            &kube::api::Patch::Apply(&misplaced),
        )
        .await
        .unwrap_err();
    assert!(
        apply.to_string().contains(
            "failed to create typed patch object (aro-stg-mesh/rosa-prod-mesh; \
             federation.maistra.io/v1, Kind=ExportedServiceSet): \
             .spec.exportRules[0].labelSelector.alias: field not declared in schema"
        ),
        "{apply}"
    );
    w.k_aro
        .delete("ExportedServiceSet", "aro-stg-mesh", "rosa-prod-mesh")
        .await;
    let stored = api
        .create(&kube::api::PostParams::default(), &object)
        .await
        .unwrap();
    let stored = serde_json::to_value(stored).unwrap();
    assert!(
        stored
            .pointer("/spec/exportRules/0/labelSelector/alias")
            .is_none(),
        "pruned: {stored:#}"
    );
    wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[DETAILS_EXPORTED]).await;

    // `aliases` is the real field.
    w.k_aro
        .apply(ess(
            "aro-stg-mesh",
            "rosa-prod-mesh",
            json!([{"type": "LabelSelector", "labelSelector": {
            "namespace": "stg-bookinfo",
            "selector": {"matchLabels": {"app": "details"}},
            "aliases": [{"namespace": "stg-bookinfo", "name": "details",
                         "alias": {"namespace": "stg-bookinfo", "name": "details-v2"}}]}}]),
        ))
        .await;
    let renamed = "details-v2.stg-bookinfo.svc.rosa-prod-mesh-exports.local";
    let ess = wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[renamed]).await;
    assert_eq!(
        ess["status"]["exportedServices"][0]["localService"]["hostname"],
        "details.stg-bookinfo.svc.cluster.local"
    );
    // ROSA's import rule still names `details`: the export is listed, with empty local fields.
    let iss = wait_for(&rosa, "the unmatched export", || {
        get(
            &rosa,
            FED,
            "importedservicesets",
            "rosa-prod-mesh",
            "aro-stg-mesh",
        )
        .filter(|i| i["status"]["importedServices"][0]["exportedName"] == renamed)
    })
    .await;
    assert_eq!(
        iss["status"],
        json!({"importedServices": [{"exportedName": renamed,
        "localService": {"hostname": "", "name": "", "namespace": ""}}]})
    );
    w.k_rosa
        .apply(iss_with_rules(json!([{"type": "NameSelector",
        "nameSelector": {"namespace": "stg-bookinfo", "name": "details-v2"}}])))
        .await;
    wait_imports(
        &rosa,
        "rosa-prod-mesh",
        "aro-stg-mesh",
        &["details-v2.stg-bookinfo.svc.aro-stg-mesh-imports.local"],
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_exports_and_local_imports_over_a_third_mesh() {
    let w = rosa_aro().await;
    let (rosa, aro, rog) = (w.rosa_cluster(), w.aro_cluster(), w.rog_cluster());

    // No rules, or rules that match nothing: an empty list, and nothing to import.
    w.k_aro
        .apply(ess("aro-stg-mesh", "rosa-prod-mesh", json!([])))
        .await;
    let e = wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[]).await;
    assert_eq!(e["status"], json!({"exportedServices": []}));
    wait_for(&rosa, "nothing imported", || {
        get(
            &rosa,
            FED,
            "importedservicesets",
            "rosa-prod-mesh",
            "aro-stg-mesh",
        )
        .filter(|i| i["status"] == json!({"importedServices": []}))
    })
    .await;
    w.k_aro.apply(ess("aro-stg-mesh", "rosa-prod-mesh",
        json!([{"type": "NameSelector", "nameSelector": {"namespace": "*", "name": "ratings"}}]))).await;
    wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[]).await;

    // An ESS with no ServiceMeshPeer of its name has no status handler: no status at all.
    w.k_aro
        .apply(ess("aro-stg-mesh", "nobody-mesh", json!([])))
        .await;
    w.k_aro
        .apply(ess("aro-stg-mesh", "rosa-prod-mesh", json!([])))
        .await;
    wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[]).await;
    assert!(
        get(
            &aro,
            FED,
            "exportedservicesets",
            "aro-stg-mesh",
            "nobody-mesh"
        )
        .unwrap()
        .get("status")
        .is_none()
    );

    // ROSA ↔ GCP: details v3 imported as a local service of prod-bookinfo.
    federate((&w.k_rosa, &w.rosa), (&w.k_rog, &w.rog)).await;
    w.k_rosa
        .apply(iss(
            "rosa-prod-mesh",
            "gcp-dev-mesh",
            json!({"importRules": [{"type": "NameSelector", "importAsLocal": true,
            "nameSelector": {"namespace": "prod-bookinfo", "name": "details-v3",
                             "alias": {"namespace": "prod-bookinfo", "name": "details-v3"}}}]}),
        ))
        .await;
    wait_connected(&rosa, "rosa-prod-mesh", "gcp-dev-mesh").await;
    wait_connected(&rog, "gcp-dev-mesh", "rosa-prod-mesh").await;
    w.k_rog.apply(ess("gcp-dev-mesh", "rosa-prod-mesh",
        json!([{"type": "NameSelector", "nameSelector": {"namespace": "dev-bookinfo", "name": "details",
                "alias": {"namespace": "prod-bookinfo", "name": "details-v3"}}}]))).await;
    wait_exports(
        &rog,
        "gcp-dev-mesh",
        "rosa-prod-mesh",
        &["details-v3.prod-bookinfo.svc.rosa-prod-mesh-exports.local"],
    )
    .await;
    wait_imports(
        &rosa,
        "rosa-prod-mesh",
        "gcp-dev-mesh",
        &["details-v3.prod-bookinfo.svc.cluster.local"],
    )
    .await;
    // importAsLocal without a fixed alias namespace: Maistra skips the rule.
    w.k_rosa
        .apply(iss(
            "rosa-prod-mesh",
            "gcp-dev-mesh",
            json!({"importRules": [{"type": "NameSelector", "importAsLocal": true,
            "nameSelector": {"name": "details-v3"}}]}),
        ))
        .await;
    wait_imports(&rosa, "rosa-prod-mesh", "gcp-dev-mesh", &[]).await;
    // A domain suffix instead.
    w.k_rosa
        .apply(iss(
            "rosa-prod-mesh",
            "gcp-dev-mesh",
            json!({"importRules": [{"type": "NameSelector", "domainSuffix": "gcp.remote",
            "nameSelector": {"name": "details-v3"}}]}),
        ))
        .await;
    wait_imports(
        &rosa,
        "rosa-prod-mesh",
        "gcp-dev-mesh",
        &["details-v3.prod-bookinfo.gcp.remote"],
    )
    .await;
    // The ARO link is untouched by the GCP one.
    wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    w.env.shutdown().await;
}
