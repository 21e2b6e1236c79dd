//! Test support for federation: simulated clusters with service meshes as the OSSM operator
//! leaves them, the federation CRDs, and the walkthrough's ROSA ↔ ARO (and GCP) shape.
//!
//! Meshes are built by writing what the operator produces (SMCP with its gateways, gateway
//! Services with LoadBalancer addresses registered in the simulated network, ServiceAccounts,
//! `istio-ca-root-cert`, SMCP Ready). When the simulator runs a controller for SMCPs (the OSSM
//! operator), only the SMCP and SMMR are written and the operator's objects are awaited instead.
//! Tests read the CA and addresses back from the store, as the walkthrough reads them with `oc`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
use serde_json::{Value, json};

use fedrun::sim::api::router;
use fedrun::sim::cluster::{Provider, SimCluster};
use fedrun::sim::controllers::{self, Objects};
use fedrun::sim::simulator::{SimOptions, Simulator, parse_clusters};
use fedrun::sim::world::{Endpoint, World};

pub const FED: &str = "federation.maistra.io";
pub const MAISTRA: &str = "maistra.io";
const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// CRDs

/// The maistra.io and federation.maistra.io CRDs of the simulated operator's bundle (one
/// definition of their schemas, the simulator's), so that misplaced fields and status fields
/// Maistra does not define are pruned as on a real cluster.
pub fn crds() -> Vec<Value> {
    fedrun::sim::controllers::crds::service_mesh()
        .iter()
        .filter(|c| matches!(c["spec"]["group"].as_str(), Some(MAISTRA | FED)))
        .cloned()
        .collect()
}

/// Installs the maistra.io and federation.maistra.io CRDs on a cluster (as the operator's CSV
/// does); kinds already served are left alone.
pub fn register_crds(cluster: &SimCluster) {
    let store = &cluster.store;
    let rt = store
        .find("apiextensions.k8s.io", "customresourcedefinitions")
        .expect("CRDs are built in");
    for crd in crds() {
        let group = crd["spec"]["group"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let plural = crd["spec"]["names"]["plural"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if store.find(&group, &plural).is_none() {
            store.create(&rt, "", crd).expect("CRD is valid");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The simulator

pub struct Env {
    pub sim: Simulator,
    _dir: tempfile::TempDir,
}

impl Env {
    /// The walkthrough's three clusters at time scale 0.
    pub async fn start() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut options = SimOptions::new(dir.path().join("state"));
        options.clusters = Some(parse_clusters("rosa:aws,aro:azure,rog:gcp").expect("clusters"));
        options.time_scale = 0.0;
        let sim = Simulator::start(options).await.expect("simulator starts");
        Env { sim, _dir: dir }
    }

    pub fn world(&self) -> &Arc<World> {
        self.sim.world()
    }

    pub fn cluster(&self, name: &str) -> Arc<SimCluster> {
        self.world().cluster(name).expect("known cluster").clone()
    }

    /// A kube-rs client talking to the cluster's API in-process.
    pub fn kube(&self, name: &str) -> Kube {
        Kube {
            client: Client::new(router(self.cluster(name)), "default"),
        }
    }

    pub async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

/// Whether the simulator runs an OSSM operator (a controller other than federation that reacts to
/// SMCPs): then meshes are left to it.
pub fn operator_present(world: &Arc<World>, cluster: &str) -> bool {
    controllers::all(world).iter().any(|c| {
        c.name() != "federation" && c.interested(cluster, MAISTRA, "servicemeshcontrolplanes")
    })
}

// ---------------------------------------------------------------------------------------------
// kube-rs access, as a user would write

pub struct Kube {
    pub client: Client,
}

fn resource(kind: &str) -> (&'static str, &'static str, &'static str) {
    match kind {
        "ConfigMap" => ("", "v1", "configmaps"),
        "Service" => ("", "v1", "services"),
        "Namespace" => ("", "v1", "namespaces"),
        "ServiceMeshPeer" => (FED, "v1", "servicemeshpeers"),
        "ExportedServiceSet" => (FED, "v1", "exportedservicesets"),
        "ImportedServiceSet" => (FED, "v1", "importedservicesets"),
        other => panic!("no test mapping for kind {other}"),
    }
}

impl Kube {
    pub fn api(&self, kind: &str, namespace: &str) -> Api<DynamicObject> {
        let (group, version, plural) = resource(kind);
        let ar =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
        Api::namespaced_with(self.client.clone(), namespace, &ar)
    }

    /// Server-side apply of one object (kind and namespace taken from it); returns what the server stored.
    pub async fn apply(&self, object: Value) -> Value {
        let kind = object["kind"].as_str().expect("kind").to_string();
        let ns = object["metadata"]["namespace"]
            .as_str()
            .expect("namespace")
            .to_string();
        let name = object["metadata"]["name"]
            .as_str()
            .expect("name")
            .to_string();
        let stored = self
            .api(&kind, &ns)
            .patch(
                &name,
                &PatchParams::apply("fedrun-test").force(),
                &Patch::Apply(&object),
            )
            .await
            .unwrap_or_else(|e| panic!("apply {kind} {ns}/{name}: {e}"));
        serde_json::to_value(stored).expect("json")
    }

    /// JSON merge patch (`null` removes a field).
    pub async fn merge(&self, kind: &str, namespace: &str, name: &str, patch: Value) -> Value {
        let stored = self
            .api(kind, namespace)
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap_or_else(|e| panic!("patch {kind} {namespace}/{name}: {e}"));
        serde_json::to_value(stored).expect("json")
    }

    /// A merge patch of the status subresource, as a controller would write it.
    pub async fn merge_status(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        patch: Value,
    ) -> Value {
        let stored = self
            .api(kind, namespace)
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .unwrap_or_else(|e| panic!("patch status {kind} {namespace}/{name}: {e}"));
        serde_json::to_value(stored).expect("json")
    }

    pub async fn delete(&self, kind: &str, namespace: &str, name: &str) {
        self.api(kind, namespace)
            .delete(name, &DeleteParams::default())
            .await
            .unwrap_or_else(|e| panic!("delete {kind} {namespace}/{name}: {e}"));
    }
}

// ---------------------------------------------------------------------------------------------
// Meshes, as the operator leaves them

/// A mesh to build: SMCP `name` in namespace `name` (as in the walkthrough).
pub struct MeshPlan {
    pub cluster: &'static str,
    pub name: &'static str,
    pub trust_domain: &'static str,
    pub members: Vec<&'static str>,
    /// The meshes this one federates with: one ingress and one egress gateway each.
    pub peers: Vec<&'static str>,
}

/// A built mesh, read back from the cluster.
#[derive(Clone, Debug)]
pub struct MeshInfo {
    pub cluster: String,
    pub name: String,
    pub namespace: String,
    pub trust_domain: String,
    pub ca_pem: String,
    /// Peer mesh name → (ingress gateway, its LoadBalancer address).
    pub ingress: BTreeMap<String, (String, String)>,
    /// Peer mesh name → egress gateway.
    pub egress: BTreeMap<String, String>,
}

impl MeshInfo {
    pub fn ingress_gateway(&self, peer: &str) -> &str {
        &self.ingress[peer].0
    }
    pub fn ingress_address(&self, peer: &str) -> &str {
        &self.ingress[peer].1
    }
    pub fn egress_gateway(&self, peer: &str) -> &str {
        &self.egress[peer]
    }
}

/// `aro-stg-mesh` → `aro-stg`, the walkthrough's gateway prefix.
pub fn gateway_prefix(mesh: &str) -> &str {
    mesh.strip_suffix("-mesh").unwrap_or(mesh)
}

fn ensure(cluster: &SimCluster, group: &str, plural: &str, object: Value) -> Arc<Value> {
    Objects::of(cluster)
        .ensure(group, plural, object)
        .unwrap_or_else(|e| panic!("ensure {plural}: {e:?}"))
}

pub fn namespace(cluster: &SimCluster, name: &str) {
    ensure(
        cluster,
        "",
        "namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
    );
}

/// A self-signed mesh CA like istiod's: O=<trust domain>, CA:TRUE.
pub fn mesh_ca(trust_domain: &str) -> String {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, trust_domain);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.self_signed(&key).expect("self-signed").pem()
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// A LoadBalancer address as the cloud would give: an ELB hostname on AWS, an IP elsewhere.
pub fn lb_address(provider: Provider, key: &str) -> String {
    let h = fnv(key);
    match provider {
        Provider::Aws => format!(
            "a{:016x}{:08x}-{}.us-east-1.elb.amazonaws.com",
            h,
            h >> 32,
            h % 1_000_000_000
        ),
        Provider::Azure => format!(
            "20.{}.{}.{}",
            (h >> 8) & 0xff,
            (h >> 16) & 0xff,
            (h & 0xfd).max(2)
        ),
        Provider::Gcp => format!(
            "34.{}.{}.{}",
            (h >> 8) & 0xff,
            (h >> 16) & 0xff,
            (h & 0xfd).max(2)
        ),
    }
}

fn smcp(plan: &MeshPlan) -> Value {
    let mut ingress = serde_json::Map::new();
    let mut egress = serde_json::Map::new();
    for peer in &plan.peers {
        let prefix = gateway_prefix(peer);
        ingress.insert(
            format!("{prefix}-ingress"),
            json!({
                "enabled": true,
                "routerMode": "sni-dnat",
                "service": {
                    "type": "LoadBalancer",
                    "metadata": {"labels": {"federation.maistra.io/ingress-for": peer}},
                    "ports": [
                        {"name": "tls", "port": 15443, "targetPort": 8443},
                        {"name": "https-discovery", "port": 8188},
                    ],
                },
            }),
        );
        egress.insert(
            format!("{prefix}-egress"),
            json!({
                "enabled": true,
                "requestedNetworkView": [format!("network-{peer}")],
                "routerMode": "sni-dnat",
                "service": {
                    "metadata": {"labels": {"federation.maistra.io/egress-for": peer}},
                    "ports": [
                        {"name": "tls", "port": 15443},
                        {"name": "http-discovery", "port": 8188},
                    ],
                },
            }),
        );
    }
    json!({
        "apiVersion": "maistra.io/v2",
        "kind": "ServiceMeshControlPlane",
        "metadata": {"name": plan.name, "namespace": plan.name},
        "spec": {
            "version": "v2.3",
            "security": {"trust": {"domain": plan.trust_domain}},
            "gateways": {"additionalIngress": ingress, "additionalEgress": egress},
        },
    })
}

/// What the operator creates for one SMCP (gateway Services with addresses, ServiceAccounts, the
/// mesh CA, SMCP Ready).
fn operator_objects(world: &World, cluster: &SimCluster, smcp: &Value) {
    let ns = smcp["metadata"]["namespace"].as_str().unwrap_or_default();
    let name = smcp["metadata"]["name"].as_str().unwrap_or_default();
    let trust_domain = smcp
        .pointer("/spec/security/trust/domain")
        .and_then(Value::as_str)
        .unwrap_or("cluster.local");
    for kind in ["additionalIngress", "additionalEgress"] {
        let gateways = smcp
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (gw, spec) in gateways {
            let mut labels = spec
                .pointer("/service/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            labels["app"] = json!(gw);
            labels["istio"] = json!(if kind == "additionalIngress" {
                "ingressgateway"
            } else {
                "egressgateway"
            });
            let service_type = spec
                .pointer("/service/type")
                .and_then(Value::as_str)
                .unwrap_or("ClusterIP");
            ensure(
                cluster,
                "",
                "services",
                json!({
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": gw, "namespace": ns, "labels": labels},
                    "spec": {
                        "type": service_type,
                        "selector": {"app": gw},
                        "ports": spec.pointer("/service/ports").cloned().unwrap_or(json!([])),
                    },
                }),
            );
            ensure(
                cluster,
                "",
                "serviceaccounts",
                json!({"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": format!("{gw}-service-account"), "namespace": ns}}),
            );
            if service_type == "LoadBalancer" {
                let address = lb_address(cluster.provider, &format!("{}/{ns}/{gw}", cluster.name));
                // Reachable first, then published, as a cloud LB does.
                world.network.register(
                    &address,
                    Endpoint {
                        cluster: cluster.name.clone(),
                        namespace: ns.to_string(),
                        service: gw.clone(),
                    },
                );
                let field = if cluster.provider == Provider::Aws {
                    "hostname"
                } else {
                    "ip"
                };
                Objects::of(cluster).set_status(
                    "",
                    "services",
                    ns,
                    &gw,
                    json!({"loadBalancer": {"ingress": [{ field: address }]}}),
                );
            }
        }
    }
    if Objects::of(cluster)
        .get("", "configmaps", ns, "istio-ca-root-cert")
        .is_none()
    {
        ensure(
            cluster,
            "",
            "configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": "istio-ca-root-cert", "namespace": ns},
                   "data": {"root-cert.pem": mesh_ca(trust_domain)}}),
        );
    }
    Objects::of(cluster).set_status(
        MAISTRA,
        "servicemeshcontrolplanes",
        ns,
        name,
        json!({"conditions": [
            {"type": "Installed", "status": "True", "reason": "InstallSuccessful"},
            {"type": "Reconciled", "status": "True", "reason": "InstallSuccessful"},
            {"type": "Ready", "status": "True", "reason": "ComponentsReady"},
        ]}),
    );
}

fn lb_of(svc: &Value) -> Option<String> {
    ["ip", "hostname"].iter().find_map(|f| {
        svc.pointer(&format!("/status/loadBalancer/ingress/0/{f}"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    })
}

/// Builds a mesh (namespaces, SMCP, SMMR and what the operator makes of them) and reads it back.
pub async fn install_mesh(env: &Env, plan: MeshPlan) -> MeshInfo {
    let cluster = env.cluster(plan.cluster);
    register_crds(&cluster);
    namespace(&cluster, plan.name);
    for m in &plan.members {
        namespace(&cluster, m);
    }
    let smcp = smcp(&plan);
    let stored = ensure(&cluster, MAISTRA, "servicemeshcontrolplanes", smcp);
    ensure(
        &cluster,
        MAISTRA,
        "servicemeshmemberrolls",
        json!({"apiVersion": "maistra.io/v1", "kind": "ServiceMeshMemberRoll",
               "metadata": {"name": "default", "namespace": plan.name},
               "spec": {"members": plan.members}}),
    );
    if !operator_present(env.world(), plan.cluster) {
        operator_objects(env.world(), &cluster, &stored);
    }
    let ns = plan.name.to_string();
    let objects = Objects::of(&cluster);
    let ca_pem = wait_for(&cluster, "the mesh CA", || {
        let ready = objects
            .get(MAISTRA, "servicemeshcontrolplanes", &ns, plan.name)
            .is_some_and(|s| condition_of(&s, "Ready").0 == "True");
        let ca = objects
            .get("", "configmaps", &ns, "istio-ca-root-cert")
            .and_then(|cm| {
                cm.pointer("/data/root-cert.pem")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            });
        ca.filter(|_| ready)
    })
    .await;
    let mut ingress = BTreeMap::new();
    let mut egress = BTreeMap::new();
    for peer in &plan.peers {
        let gw = format!("{}-ingress", gateway_prefix(peer));
        let address = wait_for(&cluster, "the ingress address", || {
            objects
                .get("", "services", &ns, &gw)
                .and_then(|s| lb_of(&s))
                .filter(|a| env.world().network.resolve(a).is_some())
        })
        .await;
        ingress.insert(peer.to_string(), (gw, address));
        egress.insert(peer.to_string(), format!("{}-egress", gateway_prefix(peer)));
    }
    MeshInfo {
        cluster: plan.cluster.to_string(),
        name: plan.name.to_string(),
        namespace: ns,
        trust_domain: plan.trust_domain.to_string(),
        ca_pem,
        ingress,
        egress,
    }
}

/// An application Service (as `oc apply` of bookinfo would make it).
pub fn app_service(cluster: &SimCluster, namespace: &str, name: &str, labels: Value) {
    let mut l = labels;
    l["app"] = json!(name);
    l["service"] = json!(name);
    ensure(
        cluster,
        "",
        "services",
        json!({"apiVersion": "v1", "kind": "Service",
               "metadata": {"name": name, "namespace": namespace, "labels": l},
               "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 9080}]}}),
    );
}

// ---------------------------------------------------------------------------------------------
// Federation objects, as the walkthrough writes them

/// The CA ConfigMap `<peer>-ca-root-cert` in `local`'s namespace, holding `pem`.
pub fn ca_configmap(local: &MeshInfo, peer: &str, pem: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": format!("{peer}-ca-root-cert"), "namespace": local.namespace},
           "data": {"root-cert.pem": pem}})
}

/// `local`'s ServiceMeshPeer for `remote`, right in every field.
pub fn peer_manifest(local: &MeshInfo, remote: &MeshInfo) -> Value {
    json!({
        "apiVersion": "federation.maistra.io/v1", "kind": "ServiceMeshPeer",
        "metadata": {"name": remote.name, "namespace": local.namespace},
        "spec": {
            "remote": {"addresses": [remote.ingress_address(&local.name)], "discoveryPort": 8188, "servicePort": 15443},
            "gateways": {
                "ingress": {"name": local.ingress_gateway(&remote.name)},
                "egress": {"name": local.egress_gateway(&remote.name)},
            },
            "security": {
                "trustDomain": remote.trust_domain,
                "clientID": format!("{}/ns/{}/sa/{}-service-account", remote.trust_domain, remote.namespace, remote.egress_gateway(&local.name)),
                "certificateChain": {"kind": "ConfigMap", "name": format!("{}-ca-root-cert", remote.name)},
            },
        },
    })
}

/// Exchanges CAs and creates both peers (steps 4–6 of the walkthrough).
pub async fn federate(a: (&Kube, &MeshInfo), b: (&Kube, &MeshInfo)) {
    let ((ka, ma), (kb, mb)) = (a, b);
    ka.apply(ca_configmap(ma, &mb.name, &mb.ca_pem)).await;
    kb.apply(ca_configmap(mb, &ma.name, &ma.ca_pem)).await;
    ka.apply(peer_manifest(ma, mb)).await;
    kb.apply(peer_manifest(mb, ma)).await;
}

pub fn ess(namespace: &str, name: &str, rules: Value) -> Value {
    json!({"apiVersion": "federation.maistra.io/v1", "kind": "ExportedServiceSet",
           "metadata": {"name": name, "namespace": namespace},
           "spec": {"exportRules": rules}})
}

pub fn iss(namespace: &str, name: &str, spec: Value) -> Value {
    json!({"apiVersion": "federation.maistra.io/v1", "kind": "ImportedServiceSet",
           "metadata": {"name": name, "namespace": namespace},
           "spec": spec})
}

// ---------------------------------------------------------------------------------------------
// Reading and waiting

/// (status, reason, message) of a condition; empty strings when absent.
pub fn condition_of(object: &Value, kind: &str) -> (String, String, String) {
    let c = object
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|l| l.iter().find(|c| c["type"] == kind))
        .cloned()
        .unwrap_or(Value::Null);
    let s = |f: &str| c.get(f).and_then(Value::as_str).unwrap_or("").to_string();
    (s("status"), s("reason"), s("message"))
}

pub fn get(cluster: &SimCluster, group: &str, plural: &str, ns: &str, name: &str) -> Option<Value> {
    Objects::of(cluster)
        .get(group, plural, ns, name)
        .map(|v| (*v).clone())
}

/// Waits, on the cluster's events, until `check` gives a value; panics after a few seconds with
/// what was awaited.
pub async fn wait_for<T>(
    cluster: &SimCluster,
    what: &str,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = Instant::now() + WAIT;
    let mut events = cluster.store.subscribe();
    loop {
        if let Some(v) = check() {
            return v;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            panic!("timed out waiting for {what} on cluster {}", cluster.name);
        }
        // Events drive the loop; the cap only bounds a missed wake-up (e.g. a lagged receiver).
        let _ = tokio::time::timeout(left.min(Duration::from_millis(250)), events.recv()).await;
    }
}

pub use crate::common::link_up;

/// The `lastDisconnectStatus` of a ServiceMeshPeer's inactive watch ("" when active or unset).
pub fn disconnect_status(peer: &Value) -> String {
    peer.pointer("/status/discoveryStatus/inactive/0/watch/lastDisconnectStatus")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// Waits until a ServiceMeshPeer's link is up both ways; returns it.
pub async fn wait_connected(cluster: &SimCluster, ns: &str, name: &str) -> Value {
    wait_peer(cluster, ns, name, "to connect", link_up).await
}

/// Waits until a ServiceMeshPeer's watch is inactive with `line` as its last disconnect status.
pub async fn wait_disconnected(cluster: &SimCluster, ns: &str, name: &str, line: &str) -> Value {
    let what = format!("to disconnect with {line:?}");
    wait_peer(cluster, ns, name, &what, |p| disconnect_status(p) == line).await
}

/// Waits until a ServiceMeshPeer meets `check`; panics showing the last state seen.
pub async fn wait_peer(
    cluster: &SimCluster,
    ns: &str,
    name: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = None;
    let what = format!("ServiceMeshPeer {ns}/{name} {what}");
    let found = wait_for_or(cluster, &what, || {
        let p = get(cluster, FED, "servicemeshpeers", ns, name)?;
        last = Some(p.clone());
        check(&p).then_some(p)
    })
    .await;
    found.unwrap_or_else(|| panic!("{what}: last seen {:#}", last.unwrap_or(Value::Null)))
}

/// Like [`wait_for`] but gives `None` on timeout, so the caller can show what it saw.
pub async fn wait_for_or<T>(
    cluster: &SimCluster,
    _what: &str,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + WAIT;
    let mut events = cluster.store.subscribe();
    loop {
        if let Some(v) = check() {
            return Some(v);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        let _ = tokio::time::timeout(left.min(Duration::from_millis(250)), events.recv()).await;
    }
}

/// The `localService.hostname`s of an ImportedServiceSet's status; entries without one (an
/// export no import rule matched) are left out.
pub fn imported_hostnames(iss: &Value) -> Vec<String> {
    iss.pointer("/status/importedServices")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.pointer("/localService/hostname").and_then(Value::as_str))
                .filter(|h| !h.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The `exportedName`s of an ExportedServiceSet's status.
pub fn exported_names(ess: &Value) -> Vec<String> {
    ess.pointer("/status/exportedServices")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.get("exportedName").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until an ImportedServiceSet imports exactly `hostnames`; returns it.
pub async fn wait_imports(cluster: &SimCluster, ns: &str, name: &str, hostnames: &[&str]) -> Value {
    let mut last = None;
    let what = format!("ImportedServiceSet {ns}/{name} to import {hostnames:?}");
    let found = wait_for_or(cluster, &what, || {
        let iss = get(cluster, FED, "importedservicesets", ns, name)?;
        let ok = iss.get("status").is_some() && imported_hostnames(&iss) == hostnames;
        last = Some(iss.clone());
        ok.then_some(iss)
    })
    .await;
    found.unwrap_or_else(|| panic!("{what}: last seen {:#}", last.unwrap_or(Value::Null)))
}

/// Waits until an ExportedServiceSet exports exactly `names`; returns it.
pub async fn wait_exports(cluster: &SimCluster, ns: &str, name: &str, names: &[&str]) -> Value {
    let mut last = None;
    let what = format!("ExportedServiceSet {ns}/{name} to export {names:?}");
    let found = wait_for_or(cluster, &what, || {
        let ess = get(cluster, FED, "exportedservicesets", ns, name)?;
        let ok = ess.get("status").is_some() && exported_names(&ess) == names;
        last = Some(ess.clone());
        ok.then_some(ess)
    })
    .await;
    found.unwrap_or_else(|| panic!("{what}: last seen {:#}", last.unwrap_or(Value::Null)))
}

// ---------------------------------------------------------------------------------------------
// The walkthrough's shape

pub struct Walkthrough {
    pub env: Env,
    pub rosa: MeshInfo,
    pub aro: MeshInfo,
    pub rog: MeshInfo,
    pub k_rosa: Kube,
    pub k_aro: Kube,
    pub k_rog: Kube,
}

impl Walkthrough {
    pub fn rosa_cluster(&self) -> Arc<SimCluster> {
        self.env.cluster("rosa")
    }
    pub fn aro_cluster(&self) -> Arc<SimCluster> {
        self.env.cluster("aro")
    }
    pub fn rog_cluster(&self) -> Arc<SimCluster> {
        self.env.cluster("rog")
    }
}

/// Three meshes (rosa-prod-mesh on aws, aro-stg-mesh on azure, gcp-dev-mesh on gcp), bookinfo
/// Services, and ROSA ↔ ARO federated as in the walkthrough: CAs exchanged, both peers, the ESS on
/// ARO exporting `details` from stg-bookinfo and the ISS on ROSA importing it. Both peers are
/// Connected when this returns.
pub async fn rosa_aro() -> Walkthrough {
    let env = Env::start().await;
    let rosa = install_mesh(
        &env,
        MeshPlan {
            cluster: "rosa",
            name: "rosa-prod-mesh",
            trust_domain: "rosa-prod-mesh.local",
            members: vec!["prod-bookinfo"],
            peers: vec!["aro-stg-mesh", "gcp-dev-mesh"],
        },
    )
    .await;
    let aro = install_mesh(
        &env,
        MeshPlan {
            cluster: "aro",
            name: "aro-stg-mesh",
            trust_domain: "aro-stg-mesh.local",
            members: vec!["stg-bookinfo"],
            peers: vec!["rosa-prod-mesh"],
        },
    )
    .await;
    let rog = install_mesh(
        &env,
        MeshPlan {
            cluster: "rog",
            name: "gcp-dev-mesh",
            trust_domain: "gcp-dev-mesh.local",
            members: vec!["dev-bookinfo"],
            peers: vec!["rosa-prod-mesh"],
        },
    )
    .await;
    let rosa_c = env.cluster("rosa");
    for app in ["productpage", "details", "reviews", "ratings"] {
        app_service(&rosa_c, "prod-bookinfo", app, json!({}));
    }
    app_service(
        &env.cluster("aro"),
        "stg-bookinfo",
        "details",
        json!({"version": "v2"}),
    );
    app_service(
        &env.cluster("rog"),
        "dev-bookinfo",
        "details",
        json!({"version": "v3"}),
    );

    let k_rosa = env.kube("rosa");
    let k_aro = env.kube("aro");
    let k_rog = env.kube("rog");
    federate((&k_rosa, &rosa), (&k_aro, &aro)).await;
    k_aro
        .apply(ess(
            &aro.namespace,
            &rosa.name,
            json!([{"type": "NameSelector", "nameSelector": {"namespace": "stg-bookinfo", "name": "details"}}]),
        ))
        .await;
    k_rosa
        .apply(iss(
            &rosa.namespace,
            &aro.name,
            json!({"importRules": [{"type": "NameSelector", "importAsLocal": false,
                                     "nameSelector": {"namespace": "stg-bookinfo", "name": "details"}}]}),
        ))
        .await;
    wait_connected(&rosa_c, &rosa.namespace, &aro.name).await;
    wait_connected(&env.cluster("aro"), &aro.namespace, &rosa.name).await;
    Walkthrough {
        env,
        rosa,
        aro,
        rog,
        k_rosa,
        k_aro,
        k_rog,
    }
}
