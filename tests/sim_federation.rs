//! Federation on the simulator: ServiceMeshPeer links between meshes on different clusters,
//! what breaks them (each cause with the reason a real istiod reports) and how they recover, and
//! ExportedServiceSet / ImportedServiceSet status. Driven through kube-rs in-process, as a user's
//! tooling would; waits follow the stores' events (no fixed sleeps).

mod support_federation;

use serde_json::{Value, json};

use support_federation::*;

const PEERS: &str = "servicemeshpeers";
const DETAILS_EXPORTED: &str = "details.stg-bookinfo.svc.aro-stg-mesh-exports.local";
const DETAILS_IMPORTED: &str = "details.stg-bookinfo.svc.aro-stg-mesh-imports.local";

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Breaks a peer with `breaking` (a merge patch on `kind`/`name` in `cluster`), checks the reason
/// that rosa-prod-mesh's peer for aro-stg-mesh shows, then applies `fixing` and checks it
/// reconnects and imports again.
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
    kube.merge(kind, &mesh.namespace, name, breaking).await;
    let broken = wait_disconnected(&rosa, "rosa-prod-mesh", "aro-stg-mesh", expected).await;
    assert_disconnected(&broken, expected);
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[]).await;
    kube.merge(kind, &mesh.namespace, name, fixing).await;
    let fixed = wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    assert_connected(&fixed);
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    broken
}

fn assert_connected(peer: &Value) {
    let c = |t| condition_of(peer, t);
    assert_eq!(
        (c("Connected").0.as_str(), c("Connected").1.as_str()),
        ("True", "Connected")
    );
    assert_eq!(
        (c("Degraded").0.as_str(), c("Degraded").1.as_str()),
        ("False", "NotDegraded")
    );
    assert_eq!(
        (c("Ready").0.as_str(), c("Ready").1.as_str()),
        ("True", "Ready")
    );
    let active = &peer["status"]["discoveryStatus"]["active"][0];
    assert!(
        text(active, "/pod").starts_with("istiod-"),
        "istiod pod: {active}"
    );
    assert_eq!(active["watch"]["connected"], true);
    for field in ["lastConnected", "lastFullSync", "lastEvent"] {
        assert!(
            !text(active, &format!("/watch/{field}")).is_empty(),
            "{field}: {active}"
        );
    }
    assert_eq!(active["remotes"][0]["connected"], true);
    assert!(!text(active, "/remotes/0/source").is_empty());
    assert!(peer.pointer("/status/discoveryStatus/inactive").is_none());
}

fn assert_disconnected(peer: &Value, message: &str) {
    let c = |t| condition_of(peer, t);
    assert_eq!(
        c("Connected"),
        ("False".into(), "NotConnected".into(), message.into())
    );
    assert_eq!(
        c("Degraded"),
        ("True".into(), "Degraded".into(), message.into())
    );
    assert_eq!(c("Ready").0, "False");
    assert!(peer.pointer("/status/discoveryStatus/active").is_none());
    let inactive = &peer["status"]["discoveryStatus"]["inactive"][0];
    assert!(text(inactive, "/pod").starts_with("istiod-rosa-prod-mesh-"));
    assert_eq!(inactive["watch"]["connected"], false);
    assert_eq!(text(inactive, "/watch/lastDisconnectStatus"), message);
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
    assert!(
        condition_of(&aro_peer, "Connected")
            .2
            .contains(w.rosa.ingress_address("aro-stg-mesh")),
        "the message names the address dialled: {aro_peer:#}"
    );
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
        exported["status"]["exportedServices"],
        json!([{"exportedName": DETAILS_EXPORTED, "localService": {
            "hostname": "details.stg-bookinfo.svc.cluster.local", "name": "details", "namespace": "stg-bookinfo"}}])
    );
    assert_eq!(condition_of(&exported, "Exporting").0, "True");
    assert_eq!(condition_of(&exported, "Exporting").1, "Exporting");

    let iss = wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    assert_eq!(
        iss["status"]["importedServices"],
        json!([{"exportedName": DETAILS_EXPORTED, "localService": {
            "hostname": DETAILS_IMPORTED, "name": "details", "namespace": "stg-bookinfo"}}])
    );
    assert_eq!(
        (
            condition_of(&iss, "Importing").0,
            condition_of(&iss, "Importing").1
        ),
        ("True".into(), "Importing".into())
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

    // Reconciles that change nothing write nothing: the peer keeps its resourceVersion and
    // timestamps while the controller handles an unrelated change (a probe ESS getting status).
    let before = wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    w.k_rosa
        .apply(ess("rosa-prod-mesh", "probe", json!([])))
        .await;
    wait_for(&rosa, "the probe's status", || {
        get(&rosa, FED, "exportedservicesets", "rosa-prod-mesh", "probe")
            .filter(|e| condition_of(e, "Exporting").1 == "NoRulesDefined")
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
async fn deleting_the_ca_configmap_disconnects_and_imports_vanish() {
    let w = rosa_aro().await;
    let rosa = w.rosa_cluster();
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    let connected = wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await;
    let first_connected = text(
        &connected,
        "/status/discoveryStatus/active/0/watch/lastConnected",
    )
    .to_string();

    w.k_rosa
        .delete("ConfigMap", "rosa-prod-mesh", "aro-stg-mesh-ca-root-cert")
        .await;
    let message = "x509: certificate signed by unknown authority (configmap rosa-prod-mesh/aro-stg-mesh-ca-root-cert not found)";
    let broken = wait_disconnected(&rosa, "rosa-prod-mesh", "aro-stg-mesh", message).await;
    assert_disconnected(&broken, message);
    assert_eq!(
        text(
            &broken,
            "/status/discoveryStatus/inactive/0/watch/lastConnected"
        ),
        first_connected,
        "the last connection is remembered"
    );
    let iss = wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[]).await;
    // While disconnected, istiod's retries rewrite nothing (same failure, same timestamps).
    let broken = get(&rosa, FED, PEERS, "rosa-prod-mesh", "aro-stg-mesh").unwrap();
    w.k_rosa
        .apply(ess("rosa-prod-mesh", "probe", json!([])))
        .await;
    wait_for(&rosa, "the probe's status", || {
        get(&rosa, FED, "exportedservicesets", "rosa-prod-mesh", "probe")
            .filter(|e| condition_of(e, "Exporting").1 == "NoRulesDefined")
    })
    .await;
    let still = get(&rosa, FED, PEERS, "rosa-prod-mesh", "aro-stg-mesh").unwrap();
    assert_eq!(
        broken["metadata"]["resourceVersion"],
        still["metadata"]["resourceVersion"]
    );
    let (status, reason, msg) = condition_of(&iss, "Importing");
    assert_eq!(
        (status.as_str(), reason.as_str()),
        ("False", "NoExportedServices")
    );
    assert!(msg.contains("is not connected"), "{msg}");
    assert!(
        msg.contains("configmap rosa-prod-mesh/aro-stg-mesh-ca-root-cert not found"),
        "{msg}"
    );

    // The CA back: reconnected, imports back.
    w.k_rosa
        .apply(ca_configmap(&w.rosa, "aro-stg-mesh", &w.aro.ca_pem))
        .await;
    assert_connected(&wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await);
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[DETAILS_IMPORTED]).await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_of_another_mesh_is_an_unknown_authority() {
    let w = rosa_aro().await;
    let breaking = json!({"data": {"root-cert.pem": w.rog.ca_pem}});
    let fixing = json!({"data": {"root-cert.pem": w.aro.ca_pem}});
    break_and_fix(
        &w,
        false,
        "ConfigMap",
        "aro-stg-mesh-ca-root-cert",
        breaking,
        fixing,
        "x509: certificate signed by unknown authority (spec.security.certificateChain aro-stg-mesh-ca-root-cert holds the CA of another mesh, gcp-dev-mesh/gcp-dev-mesh on cluster rog, not that of the peer aro-stg-mesh/aro-stg-mesh)",
    )
    .await;
    // A ConfigMap without the key is also an unknown authority, naming the key.
    break_and_fix(
        &w,
        false,
        "ConfigMap",
        "aro-stg-mesh-ca-root-cert",
        json!({"data": {"root-cert.pem": null, "ca.crt": w.aro.ca_pem}}),
        json!({"data": {"root-cert.pem": w.aro.ca_pem}}),
        "x509: certificate signed by unknown authority (configmap rosa-prod-mesh/aro-stg-mesh-ca-root-cert has no root-cert.pem)",
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn placeholder_address_is_no_such_host() {
    let w = rosa_aro().await;
    let real = w.aro.ingress_address("rosa-prod-mesh").to_string();
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"remote": {"addresses": ["aro-stg-ingress-url"]}}}),
        json!({"spec": {"remote": {"addresses": [real]}}}),
        "dial tcp: lookup aro-stg-ingress-url: no such host (spec.remote.addresses: [aro-stg-ingress-url])",
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_ip_is_connection_refused() {
    let w = rosa_aro().await;
    let real = w.aro.ingress_address("rosa-prod-mesh").to_string();
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"remote": {"addresses": ["20.99.99.99"]}}}),
        json!({"spec": {"remote": {"addresses": ["20.99.99.99", real]}}}),
        "dial tcp 20.99.99.99:8188: connect: connection refused (spec.remote.addresses: [20.99.99.99])",
    )
    .await;
    // An address that answers, but is another mesh's ingress (GCP's): the TLS handshake shows a
    // certificate from a CA that the ConfigMap does not hold.
    let rog_ingress = w.rog.ingress_address("rosa-prod-mesh").to_string();
    let real = w.aro.ingress_address("rosa-prod-mesh").to_string();
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"remote": {"addresses": [rog_ingress]}}}),
        json!({"spec": {"remote": {"addresses": [real]}}}),
        "x509: certificate signed by unknown authority (spec.security.certificateChain aro-stg-mesh-ca-root-cert holds the CA of another mesh, aro-stg-mesh/aro-stg-mesh on cluster aro, not that of the peer gcp-dev-mesh/gcp-dev-mesh)",
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_ports_are_refused_naming_the_field() {
    let w = rosa_aro().await;
    let addr = w.aro.ingress_address("rosa-prod-mesh").to_string();
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"remote": {"discoveryPort": 8189}}}),
        json!({"spec": {"remote": {"discoveryPort": null}}}),
        &format!(
            "dial tcp {addr}:8189: connect: connection refused (spec.remote.discoveryPort 8189 is not a port of the peer's ingress gateway aro-stg-mesh/rosa-prod-ingress, which serves 15443, 8188) (spec.remote.addresses: [{addr}])"
        ),
    )
    .await;
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"remote": {"servicePort": 443}}}),
        json!({"spec": {"remote": {"servicePort": 15443}}}),
        &format!(
            "dial tcp {addr}:443: connect: connection refused (spec.remote.servicePort 443 is not a port of the peer's ingress gateway aro-stg-mesh/rosa-prod-ingress, which serves 15443, 8188) (spec.remote.addresses: [{addr}])"
        ),
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_trust_domain_is_certificate_unknown() {
    let w = rosa_aro().await;
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"security": {"trustDomain": "cluster.local"}}}),
        json!({"spec": {"security": {"trustDomain": "aro-stg-mesh.local"}}}),
        "CERTIFICATE_UNKNOWN: spec.security.trustDomain \"cluster.local\" does not match the peer's trust domain \"aro-stg-mesh.local\"",
    )
    .await;
    // The other side trusting the wrong domain for us: 403 from the peer.
    break_and_fix(
        &w,
        true,
        "ServiceMeshPeer",
        "rosa-prod-mesh",
        json!({"spec": {"security": {"trustDomain": "rosa-prod.local"}}}),
        json!({"spec": {"security": {"trustDomain": "rosa-prod-mesh.local"}}}),
        "403 Forbidden: client ID rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/aro-stg-egress-service-account is not authorized by peer aro-stg-mesh/rosa-prod-mesh (its spec.security.trustDomain is \"rosa-prod.local\", not this mesh's \"rosa-prod-mesh.local\")",
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_id_on_the_other_side_is_forbidden() {
    let w = rosa_aro().await;
    // A classic slip: the peer names its own egress gateway instead of ours.
    break_and_fix(
        &w,
        true,
        "ServiceMeshPeer",
        "rosa-prod-mesh",
        json!({"spec": {"security": {"clientID": "rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/rosa-prod-egress-service-account"}}}),
        json!({"spec": {"security": {"clientID": "rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/aro-stg-egress-service-account"}}}),
        "403 Forbidden: client ID rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/aro-stg-egress-service-account is not authorized by peer aro-stg-mesh/rosa-prod-mesh (its spec.security.clientID is \"rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/rosa-prod-egress-service-account\")",
    )
    .await;

    // No peer at all on the other side.
    let rosa = w.rosa_cluster();
    w.k_aro
        .delete("ServiceMeshPeer", "aro-stg-mesh", "rosa-prod-mesh")
        .await;
    let message = "403 Forbidden: client ID rosa-prod-mesh.local/ns/rosa-prod-mesh/sa/aro-stg-egress-service-account is not authorized by peer aro-stg-mesh: no ServiceMeshPeer for this mesh (its gateway rosa-prod-ingress is the ingress for \"rosa-prod-mesh\", and there is no ServiceMeshPeer aro-stg-mesh/rosa-prod-mesh)";
    assert_disconnected(
        &wait_disconnected(&rosa, "rosa-prod-mesh", "aro-stg-mesh", message).await,
        message,
    );
    w.k_aro.apply(peer_manifest(&w.aro, &w.rosa)).await;
    assert_connected(&wait_connected(&rosa, "rosa-prod-mesh", "aro-stg-mesh").await);
    wait_connected(&w.aro_cluster(), "aro-stg-mesh", "rosa-prod-mesh").await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_gateway_name_is_gateway_not_found() {
    let w = rosa_aro().await;
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"gateways": {"egress": {"name": "aro-egress"}}}}),
        json!({"spec": {"gateways": {"egress": {"name": "aro-stg-egress"}}}}),
        "gateway not found: spec.gateways.egress.name \"aro-egress\" is not an additionalEgress gateway of SMCP rosa-prod-mesh/rosa-prod-mesh (it defines aro-stg-egress, gcp-dev-egress)",
    )
    .await;
    break_and_fix(
        &w,
        false,
        "ServiceMeshPeer",
        "aro-stg-mesh",
        json!({"spec": {"gateways": {"ingress": {"name": "aro-stg-ingress-gw"}}}}),
        json!({"spec": {"gateways": {"ingress": {"name": "aro-stg-ingress"}}}}),
        "gateway not found: spec.gateways.ingress.name \"aro-stg-ingress-gw\" is not an additionalIngress gateway of SMCP rosa-prod-mesh/rosa-prod-mesh (it defines aro-stg-ingress, gcp-dev-ingress)",
    )
    .await;
    w.env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_selector_alias_is_pruned_and_aliases_apply() {
    let w = rosa_aro().await;
    let (rosa, aro) = (w.rosa_cluster(), w.aro_cluster());
    // `labelSelector.alias` is not in the schema: the server drops it silently, and details is
    // exported under its own name.
    let stored = w
        .k_aro
        .apply(ess(
            "aro-stg-mesh",
            "rosa-prod-mesh",
            json!([{"type": "LabelSelector", "labelSelector": {
                "namespace": "stg-bookinfo",
                "selector": {"matchLabels": {"app": "details"}},
                "alias": {"namespace": "stg-bookinfo", "name": "details-v2"}}}]),
        ))
        .await;
    assert!(
        stored
            .pointer("/spec/exportRules/0/labelSelector/alias")
            .is_none(),
        "pruned: {stored:#}"
    );
    assert_eq!(
        stored["spec"]["exportRules"][0]["labelSelector"]["selector"],
        json!({"matchLabels": {"app": "details"}})
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
    let ess = wait_exports(
        &aro,
        "aro-stg-mesh",
        "rosa-prod-mesh",
        &["details-v2.stg-bookinfo.svc.aro-stg-mesh-exports.local"],
    )
    .await;
    assert_eq!(
        ess["status"]["exportedServices"][0]["localService"]["hostname"],
        "details.stg-bookinfo.svc.cluster.local"
    );
    // ROSA's import rule still names `details`: nothing matches any more.
    let iss = wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[]).await;
    assert_eq!(condition_of(&iss, "Importing").1, "NoRulesMatched");
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
async fn export_and_import_reasons_and_local_imports_over_a_third_mesh() {
    let w = rosa_aro().await;
    let (rosa, aro, rog) = (w.rosa_cluster(), w.aro_cluster(), w.rog_cluster());

    // Export reasons.
    w.k_aro
        .apply(ess("aro-stg-mesh", "rosa-prod-mesh", json!([])))
        .await;
    let e = wait_exports(&aro, "aro-stg-mesh", "rosa-prod-mesh", &[]).await;
    assert_eq!(condition_of(&e, "Exporting").1, "NoRulesDefined");
    // With nothing exported, the importing side says so.
    wait_imports(&rosa, "rosa-prod-mesh", "aro-stg-mesh", &[]).await;
    wait_for(&rosa, "NoExportedServices", || {
        get(
            &rosa,
            FED,
            "importedservicesets",
            "rosa-prod-mesh",
            "aro-stg-mesh",
        )
        .filter(|i| condition_of(i, "Importing").1 == "NoExportedServices")
    })
    .await;
    w.k_aro
        .apply(ess(
            "aro-stg-mesh",
            "rosa-prod-mesh",
            json!([{"type": "NameSelector", "nameSelector": {"namespace": "*", "name": "ratings"}}]),
        ))
        .await;
    let e = wait_for(&aro, "NoRulesMatched", || {
        get(
            &aro,
            FED,
            "exportedservicesets",
            "aro-stg-mesh",
            "rosa-prod-mesh",
        )
        .filter(|e| condition_of(e, "Exporting").1 == "NoRulesMatched")
    })
    .await;
    assert_eq!(condition_of(&e, "Exporting").0, "False");

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
    let i = wait_for(&rosa, "NoExportedServices from gcp", || {
        get(
            &rosa,
            FED,
            "importedservicesets",
            "rosa-prod-mesh",
            "gcp-dev-mesh",
        )
        .filter(|i| condition_of(i, "Importing").1 == "NoExportedServices")
    })
    .await;
    assert!(
        condition_of(&i, "Importing")
            .2
            .contains("ExportedServiceSet gcp-dev-mesh/rosa-prod-mesh"),
        "{i:#}"
    );
    w.k_rog
        .apply(ess(
            "gcp-dev-mesh",
            "rosa-prod-mesh",
            json!([{"type": "NameSelector", "nameSelector": {"namespace": "dev-bookinfo", "name": "details",
                    "alias": {"namespace": "prod-bookinfo", "name": "details-v3"}}}]),
        ))
        .await;
    wait_exports(
        &rog,
        "gcp-dev-mesh",
        "rosa-prod-mesh",
        &["details-v3.prod-bookinfo.svc.gcp-dev-mesh-exports.local"],
    )
    .await;
    let i = wait_imports(
        &rosa,
        "rosa-prod-mesh",
        "gcp-dev-mesh",
        &["details-v3.prod-bookinfo.svc.cluster.local"],
    )
    .await;
    assert_eq!(condition_of(&i, "Importing").0, "True");
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
