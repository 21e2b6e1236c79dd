//! Federation, as the istiod of each mesh does it: ServiceMeshPeer links between meshes on
//! different clusters, ExportedServiceSet and ImportedServiceSet status.
//!
//! A peer P (named B) in namespace N_A of cluster A connects only when every check a real link
//! goes through passes, in the order a real connection meets them:
//! 1. `spec.gateways.{ingress,egress}.name` are gateways of A's SMCP (else istiod has no gateway to
//!    route through: "gateway not found");
//! 2. some `spec.remote.addresses` entry reaches, in the simulated network, a federation ingress
//!    gateway (label `federation.maistra.io/ingress-for`) of a mesh B (else DNS or TCP failure);
//! 3. `spec.remote.discoveryPort` / `servicePort` are ports of that gateway (else refused);
//! 4. the ConfigMap of `spec.security.certificateChain` holds B's actual CA (else x509 unknown
//!    authority);
//! 5. `spec.security.trustDomain` is B's trust domain (else CERTIFICATE_UNKNOWN);
//! 6. B has a ServiceMeshPeer for A (the one its gateway's `ingress-for` label names) whose
//!    `clientID` is A's egress identity and whose `trustDomain` is A's (else 403).
//!
//! The first failing check is the reason shown in the conditions and in
//! `discoveryStatus.inactive[].watch.lastDisconnectStatus`. Exports are computed from B's
//! ExportedServiceSet rules over B's member namespaces; imports only over a connected peer.
//! A reconcile recomputes, from the state of the world, everything a change in the clusters it is
//! told about may affect (level-triggered): a peer's link depends on its own cluster and on the
//! clusters its addresses reach, an import on its peer's link, an export on its own cluster.
//! Timestamps are carried over from the previous status when nothing changed, so reconciles
//! converge.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::{Changes, Controller, Next, Objects, condition};
use crate::selector::LabelSelector;
use crate::sim::cluster::SimCluster;
use crate::sim::store::now;
use crate::sim::world::World;

pub const GROUP: &str = "federation.maistra.io";
const MAISTRA: &str = "maistra.io";
const PEERS: &str = "servicemeshpeers";
const EXPORTS: &str = "exportedservicesets";
const IMPORTS: &str = "importedservicesets";
const SMCPS: &str = "servicemeshcontrolplanes";
const SMMRS: &str = "servicemeshmemberrolls";
pub const INGRESS_FOR: &str = "federation.maistra.io/ingress-for";
pub const EGRESS_FOR: &str = "federation.maistra.io/egress-for";
const CA_CONFIGMAP: &str = "istio-ca-root-cert";
const ROOT_CERT: &str = "root-cert.pem";
pub const DEFAULT_DISCOVERY_PORT: i64 = 8188;
pub const DEFAULT_SERVICE_PORT: i64 = 15443;
const LOCAL_DOMAIN: &str = "svc.cluster.local";
/// How often istiod retries a failed link (realistic duration, scaled by the time scale).
const RETRY: Duration = Duration::from_secs(10);
/// A floor for the retry at time scale 0, so a broken link does not spin.
const MIN_RETRY: Duration = Duration::from_millis(200);

/// A ServiceMeshPeer: (cluster, namespace, name).
type PeerKey = (String, String, String);

/// The federation controller: one for the whole world, since links span clusters.
#[derive(Default)]
pub struct Federation {
    /// Peers whose last evaluation read every cluster (to name the mesh whose CA a certificate
    /// chain holds instead), so that a change anywhere may change their status.
    everywhere: Mutex<BTreeSet<PeerKey>>,
}

impl Controller for Federation {
    fn name(&self) -> &'static str {
        "federation"
    }

    fn interested(&self, _cluster: &str, group: &str, plural: &str) -> bool {
        match group {
            "" => matches!(
                plural,
                "configmaps" | "services" | "pods" | "namespaces" | "serviceaccounts"
            ),
            MAISTRA => matches!(plural, SMCPS | SMMRS),
            GROUP => true,
            _ => false,
        }
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let links = self.evaluate_peers(world, changes);
        let mut any_down = false;
        for link in &links {
            any_down |= link.outcome.is_err();
            write_peer_status(link);
        }
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            reconcile_exports(cluster);
        }
        for cluster in &world.clusters {
            reconcile_imports(cluster, &links, changes.touches(&cluster.name));
        }
        if any_down {
            // istiod keeps retrying a broken link; also covers network registrations, which
            // produce no store event.
            Next::After(world.delay(RETRY).max(MIN_RETRY))
        } else {
            Next::Idle
        }
    }
}

impl Federation {
    /// Evaluates the links that `changes` may affect: those of a changed cluster, those whose
    /// addresses reach one, and those whose last evaluation read every cluster.
    fn evaluate_peers(&self, world: &World, changes: &Changes) -> Vec<Link> {
        let mut everywhere = self.everywhere.lock().unwrap_or_else(|e| e.into_inner());
        if changes.is_everything() {
            // Rebuilt below from every peer, which also drops deleted ones.
            everywhere.clear();
        }
        let mut links = Vec::new();
        for cluster in &world.clusters {
            let local = changes.touches(&cluster.name);
            for peer in Objects::of(cluster).list(GROUP, PEERS, None) {
                let namespace = text(&peer, "/metadata/namespace").to_string();
                let name = text(&peer, "/metadata/name").to_string();
                let key = (cluster.name.clone(), namespace, name);
                if !local && !everywhere.contains(&key) && !reaches(world, changes, &peer) {
                    continue;
                }
                let link = evaluate_link(world, cluster, key.1.clone(), key.2.clone(), peer);
                if link.read_everywhere {
                    everywhere.insert(key);
                } else {
                    everywhere.remove(&key);
                }
                links.push(link);
            }
        }
        links
    }
}

/// Whether one of a peer's addresses reaches a Service of a cluster in `changes`.
fn reaches(world: &World, changes: &Changes, peer: &Value) -> bool {
    peer.pointer("/spec/remote/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|address| world.network.resolve(address))
        .any(|endpoint| changes.touches(&endpoint.cluster))
}

// ---------------------------------------------------------------------------------------------
// Reading the world

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn label<'a>(v: &'a Value, key: &str) -> &'a str {
    v.pointer("/metadata/labels")
        .and_then(|l| l.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn labels_of(v: &Value) -> BTreeMap<String, String> {
    v.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn port_of(v: &Value, pointer: &str, default: i64) -> i64 {
    match v.pointer(pointer) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(default),
        Some(Value::String(s)) => s.parse().unwrap_or(default),
        _ => default,
    }
}

/// A service mesh: the SMCP of a namespace.
#[derive(Clone)]
struct Mesh {
    cluster: Arc<SimCluster>,
    namespace: String,
    name: String,
    trust_domain: String,
    smcp: Arc<Value>,
}

impl Mesh {
    fn of(cluster: &Arc<SimCluster>, namespace: &str) -> Option<Mesh> {
        let smcp = Objects::of(cluster)
            .list(MAISTRA, SMCPS, Some(namespace))
            .into_iter()
            .next()?;
        let trust_domain = match text(&smcp, "/spec/security/trust/domain") {
            "" => "cluster.local".to_string(),
            d => d.to_string(),
        };
        Some(Mesh {
            cluster: cluster.clone(),
            namespace: namespace.to_string(),
            name: text(&smcp, "/metadata/name").to_string(),
            trust_domain,
            smcp,
        })
    }

    /// `ns/name` of the SMCP, as messages name it.
    fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    fn gateway(&self, kind: &str, name: &str) -> Option<&Value> {
        self.smcp
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(|g| g.get(name))
    }

    fn gateway_names(&self, kind: &str) -> Vec<String> {
        self.smcp
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn ca(&self) -> Option<String> {
        Objects::of(&self.cluster)
            .get("", "configmaps", &self.namespace, CA_CONFIGMAP)
            .map(|cm| text(&cm, &format!("/data/{ROOT_CERT}")).to_string())
            .filter(|pem| !pem.trim().is_empty())
    }

    /// The namespaces of the mesh's member roll.
    fn members(&self) -> Vec<String> {
        let roll = Objects::of(&self.cluster).get(MAISTRA, SMMRS, &self.namespace, "default");
        let mut members: Vec<String> = roll
            .as_deref()
            .and_then(|r| r.pointer("/spec/members"))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        members.sort();
        members.dedup();
        members
    }

    /// The istiod pod's name: the real one when a Pod exists, else a stable made-up one.
    fn istiod_pod(&self) -> String {
        let pods = Objects::of(&self.cluster).list("", "pods", Some(&self.namespace));
        if let Some(pod) = pods.iter().find(|p| label(p, "app") == "istiod") {
            return text(pod, "/metadata/name").to_string();
        }
        let h = fnv(&format!(
            "{}/{}/{}",
            self.cluster.name, self.namespace, self.name
        ));
        format!(
            "istiod-{}-{}-{}",
            self.name,
            pod_chars(h, 10),
            pod_chars(h >> 20, 5)
        )
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Characters as Kubernetes uses them in generated names.
fn pod_chars(mut h: u64, n: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut out = String::new();
    for _ in 0..n {
        out.push(ALPHABET[(h % ALPHABET.len() as u64) as usize] as char);
        h = (h / ALPHABET.len() as u64) ^ h.rotate_left(17);
    }
    out
}

/// PEM text compared without its line breaks; a bundle matches when it contains the certificate.
fn pem_holds(bundle: &str, cert: &str) -> bool {
    let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let cert = squash(cert);
    !cert.is_empty() && squash(bundle).contains(&cert)
}

// ---------------------------------------------------------------------------------------------
// ServiceMeshPeer

/// Where a working link goes.
struct Target {
    mesh: Mesh,
    /// The peer's ingress gateway Service reached.
    service: String,
    address: String,
    /// The peer's name for this mesh (the gateway's `ingress-for` label).
    ingress_for: String,
    /// The remote istiod's connection source, for `remotes`.
    source: String,
}

/// One ServiceMeshPeer and how its link fares.
struct Link {
    cluster: Arc<SimCluster>,
    namespace: String,
    name: String,
    peer: Arc<Value>,
    pod: Option<String>,
    outcome: Result<Target, String>,
    /// Whether the evaluation read every cluster, not only the peer's and the one it reaches.
    read_everywhere: bool,
}

impl Link {
    fn previous(&self) -> &Value {
        self.peer.get("status").unwrap_or(&Value::Null)
    }
}

fn evaluate_link(
    world: &World,
    cluster: &Arc<SimCluster>,
    namespace: String,
    name: String,
    peer: Arc<Value>,
) -> Link {
    let mesh = Mesh::of(cluster, &namespace);
    let mut read_everywhere = false;
    let outcome = match &mesh {
        Some(mesh) => evaluate_peer(world, mesh, &peer, &mut read_everywhere),
        None => Err(format!(
            "no ServiceMeshControlPlane in namespace {namespace}: no istiod serves this ServiceMeshPeer"
        )),
    };
    Link {
        cluster: cluster.clone(),
        namespace,
        name,
        peer,
        pod: mesh.as_ref().map(Mesh::istiod_pod),
        outcome,
        read_everywhere,
    }
}

/// How a peer's link fares; `read_everywhere` is set when finding out read every cluster.
fn evaluate_peer(
    world: &World,
    mesh: &Mesh,
    peer: &Value,
    read_everywhere: &mut bool,
) -> Result<Target, String> {
    let spec = peer.get("spec").unwrap_or(&Value::Null);
    // 1. The local gateways the link goes through.
    for (field, kind) in [
        ("ingress", "additionalIngress"),
        ("egress", "additionalEgress"),
    ] {
        let name = text(spec, &format!("/gateways/{field}/name"));
        if name.is_empty() || mesh.gateway(kind, name).is_none() {
            let known = mesh.gateway_names(kind);
            let known = if known.is_empty() {
                "it defines none".to_string()
            } else {
                format!("it defines {}", known.join(", "))
            };
            return Err(if name.is_empty() {
                format!(
                    "gateway not found: spec.gateways.{field}.name is not set: it must name an {kind} gateway of SMCP {} ({known})",
                    mesh.id()
                )
            } else {
                format!(
                    "gateway not found: spec.gateways.{field}.name \"{name}\" is not an {kind} gateway of SMCP {} ({known})",
                    mesh.id()
                )
            });
        }
    }
    let egress = text(spec, "/gateways/egress/name").to_string();

    // 2, 3. Reaching the peer's ingress gateway on its discovery and service ports.
    let addresses: Vec<String> = spec
        .pointer("/remote/addresses")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if addresses.is_empty() {
        return Err(
            "spec.remote.addresses is empty: no address to dial for the peer's discovery service"
                .into(),
        );
    }
    let discovery_port = port_of(spec, "/remote/discoveryPort", DEFAULT_DISCOVERY_PORT);
    let service_port = port_of(spec, "/remote/servicePort", DEFAULT_SERVICE_PORT);
    let mut failures = Vec::new();
    let mut reached = None;
    for address in &addresses {
        match reach(world, address, discovery_port, service_port) {
            Ok(r) => {
                reached = Some(r);
                break;
            }
            Err(e) => failures.push(e),
        }
    }
    let Some((remote, service, address, ingress_for)) = reached else {
        return Err(format!(
            "{} (spec.remote.addresses: [{}])",
            failures.join("; "),
            addresses.join(", ")
        ));
    };

    // 4. The peer's CA, as configured here.
    let chain_kind = match text(spec, "/security/certificateChain/kind") {
        "" => "ConfigMap",
        k => k,
    };
    let chain_name = text(spec, "/security/certificateChain/name");
    let unknown = "x509: certificate signed by unknown authority";
    if chain_kind != "ConfigMap" {
        return Err(format!(
            "{unknown} (spec.security.certificateChain.kind \"{chain_kind}\" is not supported: use ConfigMap)"
        ));
    }
    if chain_name.is_empty() {
        return Err(format!(
            "{unknown} (spec.security.certificateChain.name is not set: name the ConfigMap holding the peer's root-cert.pem)"
        ));
    }
    let Some(cm) = Objects::of(&mesh.cluster).get("", "configmaps", &mesh.namespace, chain_name)
    else {
        return Err(format!(
            "{unknown} (configmap {}/{chain_name} not found)",
            mesh.namespace
        ));
    };
    let chain = text(&cm, &format!("/data/{ROOT_CERT}"));
    if chain.trim().is_empty() {
        return Err(format!(
            "{unknown} (configmap {}/{chain_name} has no {ROOT_CERT})",
            mesh.namespace
        ));
    }
    let Some(remote_ca) = remote.ca() else {
        return Err(format!(
            "{unknown} (the peer mesh {} has no CA yet: configmap {}/{CA_CONFIGMAP} not found on its cluster)",
            remote.id(),
            remote.namespace
        ));
    };
    if !pem_holds(chain, &remote_ca) {
        *read_everywhere = true;
        let owner = world
            .clusters
            .iter()
            .flat_map(|c| {
                Objects::of(c)
                    .list("", "configmaps", None)
                    .into_iter()
                    .filter(|cm| text(cm, "/metadata/name") == CA_CONFIGMAP)
                    .filter_map(|cm| {
                        let ns = text(&cm, "/metadata/namespace").to_string();
                        Mesh::of(c, &ns)
                    })
                    .collect::<Vec<_>>()
            })
            .find(|m| m.ca().is_some_and(|ca| pem_holds(chain, &ca)));
        return Err(match owner {
            Some(m) => format!(
                "{unknown} (spec.security.certificateChain {chain_name} holds the CA of another mesh, {} on cluster {}, not that of the peer {})",
                m.id(),
                m.cluster.name,
                remote.id()
            ),
            None => format!(
                "{unknown} (spec.security.certificateChain {chain_name} does not hold the CA of the peer {})",
                remote.id()
            ),
        });
    }

    // 5. The peer's identity.
    let trust_domain = text(spec, "/security/trustDomain");
    if trust_domain != remote.trust_domain {
        return Err(format!(
            "CERTIFICATE_UNKNOWN: spec.security.trustDomain \"{trust_domain}\" does not match the peer's trust domain \"{}\"",
            remote.trust_domain
        ));
    }

    // 6. Whether the peer lets this mesh in.
    let identity = format!(
        "{}/ns/{}/sa/{egress}-service-account",
        mesh.trust_domain, mesh.namespace
    );
    let Some(back) =
        Objects::of(&remote.cluster).get(GROUP, PEERS, &remote.namespace, &ingress_for)
    else {
        return Err(format!(
            "403 Forbidden: client ID {identity} is not authorized by peer {}: no ServiceMeshPeer for this mesh (its gateway {service} is the ingress for \"{ingress_for}\", and there is no ServiceMeshPeer {}/{ingress_for})",
            remote.namespace, remote.namespace
        ));
    };
    let client_id = text(&back, "/spec/security/clientID");
    if client_id != identity {
        return Err(format!(
            "403 Forbidden: client ID {identity} is not authorized by peer {}/{ingress_for} (its spec.security.clientID is \"{client_id}\")",
            remote.namespace
        ));
    }
    let back_domain = text(&back, "/spec/security/trustDomain");
    if back_domain != mesh.trust_domain {
        return Err(format!(
            "403 Forbidden: client ID {identity} is not authorized by peer {}/{ingress_for} (its spec.security.trustDomain is \"{back_domain}\", not this mesh's \"{}\")",
            remote.namespace, mesh.trust_domain
        ));
    }
    let source = egress_source(world, &remote, text(&back, "/spec/gateways/egress/name"));
    Ok(Target {
        mesh: remote,
        service,
        address,
        ingress_for,
        source,
    })
}

/// Dials an address: the mesh, ingress Service and `ingress-for` label behind it, or why not.
fn reach(
    world: &World,
    address: &str,
    discovery_port: i64,
    service_port: i64,
) -> Result<(Mesh, String, String, String), String> {
    let refused = |port: i64, why: String| {
        format!("dial tcp {address}:{port}: connect: connection refused{why}")
    };
    let Some(endpoint) = world.network.resolve(address) else {
        return Err(if address.parse::<IpAddr>().is_ok() {
            refused(discovery_port, String::new())
        } else {
            format!("dial tcp: lookup {address}: no such host")
        });
    };
    let where_ = format!(
        "{address} is service {}/{} on cluster {}",
        endpoint.namespace, endpoint.service, endpoint.cluster
    );
    let cluster = world.cluster(&endpoint.cluster).ok_or_else(|| {
        refused(
            discovery_port,
            format!(" ({where_}, which does not answer)"),
        )
    })?;
    let Some(svc) =
        Objects::of(cluster).get("", "services", &endpoint.namespace, &endpoint.service)
    else {
        return Err(refused(
            discovery_port,
            format!(" ({where_}, which no longer exists)"),
        ));
    };
    let Some(mesh) = Mesh::of(cluster, &endpoint.namespace) else {
        return Err(refused(
            discovery_port,
            format!(" ({where_}, which is not a gateway of a service mesh)"),
        ));
    };
    let ingress_for = label(&svc, INGRESS_FOR).to_string();
    if ingress_for.is_empty()
        || mesh
            .gateway("additionalIngress", &endpoint.service)
            .is_none()
    {
        return Err(refused(
            discovery_port,
            format!(
                " ({where_}, which is not a federation ingress gateway of SMCP {}: no additionalIngress gateway labelled {INGRESS_FOR})",
                mesh.id()
            ),
        ));
    }
    let ports: Vec<i64> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("port").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    let listed = ports
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    for (field, port) in [
        ("discoveryPort", discovery_port),
        ("servicePort", service_port),
    ] {
        if !ports.contains(&port) {
            return Err(refused(
                port,
                format!(
                    " (spec.remote.{field} {port} is not a port of the peer's ingress gateway {}/{}, which serves {listed})",
                    endpoint.namespace, endpoint.service
                ),
            ));
        }
    }
    Ok((mesh, endpoint.service, address.to_string(), ingress_for))
}

/// The address the peer's istiod connects from: its egress gateway's external address, or a
/// stable pod IP.
fn egress_source(world: &World, remote: &Mesh, egress: &str) -> String {
    let objects = Objects::of(&remote.cluster);
    if let Some(svc) = objects.get("", "services", &remote.namespace, egress) {
        for field in ["ip", "hostname"] {
            let a = text(&svc, &format!("/status/loadBalancer/ingress/0/{field}"));
            if !a.is_empty() {
                return a.to_string();
            }
        }
        let ep = crate::sim::world::Endpoint {
            cluster: remote.cluster.name.clone(),
            namespace: remote.namespace.clone(),
            service: egress.to_string(),
        };
        if let Some(a) = world.network.address_of(&ep) {
            return a;
        }
    }
    let h = fnv(&format!(
        "{}/{}/{egress}",
        remote.cluster.name, remote.namespace
    ));
    format!(
        "10.{}.{}.{}",
        128 + (h % 4),
        (h >> 8) & 0xff,
        ((h >> 16) & 0xfd).max(2)
    )
}

fn write_peer_status(link: &Link) {
    let Some(pod) = &link.pod else {
        // No istiod: conditions only.
        let message = link.outcome.as_ref().err().cloned().unwrap_or_default();
        let prev = link.previous().get("conditions");
        let status = json!({
            "conditions": [
                condition(prev, "Connected", false, "NotConnected", &message),
                condition(prev, "Degraded", true, "Degraded", &message),
                condition(prev, "Ready", false, "NotReady", &message),
            ],
            "discoveryStatus": {},
        });
        Objects::of(&link.cluster).set_status(GROUP, PEERS, &link.namespace, &link.name, status);
        return;
    };
    let status = peer_status(link.previous(), pod, &link.outcome);
    Objects::of(&link.cluster).set_status(GROUP, PEERS, &link.namespace, &link.name, status);
}

/// A ServiceMeshPeer's status, keeping timestamps from `previous` while nothing changed.
fn peer_status(previous: &Value, pod: &str, outcome: &Result<Target, String>) -> Value {
    let prev_conditions = previous.get("conditions");
    let prev_active = previous.pointer("/discoveryStatus/active/0");
    let prev_inactive = previous.pointer("/discoveryStatus/inactive/0");
    let was_connected = prev_active
        .and_then(|a| a.pointer("/watch/connected"))
        .and_then(Value::as_bool)
        == Some(true);
    let kept = |entry: Option<&Value>, pointer: &str| {
        entry
            .and_then(|e| e.pointer(pointer))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let t = now();
    match outcome {
        Ok(target) => {
            let since = kept(prev_active, "/watch/lastConnected")
                .filter(|_| was_connected)
                .unwrap_or_else(|| t.clone());
            let full_sync = kept(prev_active, "/watch/lastFullSync")
                .filter(|_| was_connected)
                .unwrap_or_else(|| since.clone());
            let last_event = kept(prev_active, "/watch/lastEvent")
                .filter(|_| was_connected)
                .unwrap_or_else(|| since.clone());
            let remote_since = prev_active
                .and_then(|a| a.pointer("/remotes/0"))
                .filter(|r| r["source"] == target.source.as_str() && was_connected)
                .and_then(|r| r.get("lastConnected"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| since.clone());
            let message = format!(
                "istiod {pod} is connected to the peer mesh {} (cluster {}) through {} ({})",
                target.mesh.id(),
                target.mesh.cluster.name,
                target.address,
                target.service
            );
            json!({
                "conditions": [
                    condition(prev_conditions, "Connected", true, "Connected", &message),
                    condition(prev_conditions, "Degraded", false, "NotDegraded",
                        "all istiod instances are connected to the remote mesh"),
                    condition(prev_conditions, "Ready", true, "Ready",
                        "all istiod instances are connected to the remote mesh"),
                ],
                "discoveryStatus": {
                    "active": [{
                        "pod": pod,
                        "watch": {
                            "connected": true,
                            "lastConnected": since,
                            "lastFullSync": full_sync,
                            "lastEvent": last_event,
                        },
                        "remotes": [{
                            "source": target.source,
                            "connected": true,
                            "lastConnected": remote_since,
                        }],
                    }],
                },
            })
        }
        Err(message) => {
            let last_connected = kept(prev_active, "/watch/lastConnected")
                .or_else(|| kept(prev_inactive, "/watch/lastConnected"));
            let same_failure = !was_connected
                && prev_inactive
                    .and_then(|i| i.pointer("/watch/lastDisconnectStatus"))
                    .and_then(Value::as_str)
                    == Some(message.as_str());
            let since = kept(prev_inactive, "/watch/lastDisconnect")
                .filter(|_| same_failure)
                .unwrap_or(t);
            let mut watch = json!({
                "connected": false,
                "lastDisconnect": since,
                "lastDisconnectStatus": message,
            });
            if let Some(lc) = last_connected {
                watch["lastConnected"] = json!(lc);
            }
            json!({
                "conditions": [
                    condition(prev_conditions, "Connected", false, "NotConnected", message),
                    condition(prev_conditions, "Degraded", true, "Degraded", message),
                    condition(prev_conditions, "Ready", false, "NotReady", message),
                ],
                "discoveryStatus": {
                    "inactive": [{
                        "pod": pod,
                        "watch": watch,
                        "remotes": [],
                    }],
                },
            })
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Export and import rules

/// `*` or empty matches anything; otherwise the exact value.
fn matches(pattern: &str, value: &str) -> bool {
    pattern.is_empty() || pattern == "*" || pattern == value
}

/// A name selector `{namespace, name, alias: {namespace, name}}`: the (name, namespace) it maps
/// a service to, if it matches.
fn name_mapping(selector: &Value, name: &str, namespace: &str) -> Option<(String, String)> {
    if !matches(text(selector, "/namespace"), namespace) || !matches(text(selector, "/name"), name)
    {
        return None;
    }
    let pick = |alias: &str, original: &str| {
        if alias.is_empty() || alias == "*" {
            original.to_string()
        } else {
            alias.to_string()
        }
    };
    Some((
        pick(text(selector, "/alias/name"), name),
        pick(text(selector, "/alias/namespace"), namespace),
    ))
}

/// One service as a mesh exports it.
#[derive(Clone, Debug, PartialEq)]
struct Export {
    exported_name: String,
    /// The (possibly aliased) name and namespace the peer sees.
    name: String,
    namespace: String,
    local_name: String,
    local_namespace: String,
}

enum ExportOutcome {
    NoRules,
    Exported(Vec<Export>),
}

/// What an ExportedServiceSet's rules export from a mesh.
fn exports_of(mesh: &Mesh, ess: &Value) -> ExportOutcome {
    let rules: &[Value] = ess
        .pointer("/spec/exportRules")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    if rules.is_empty() {
        return ExportOutcome::NoRules;
    }
    let objects = Objects::of(&mesh.cluster);
    let gateways: Vec<String> = ["additionalIngress", "additionalEgress"]
        .iter()
        .flat_map(|k| mesh.gateway_names(k))
        .chain(["istio-ingressgateway".into(), "istio-egressgateway".into()])
        .collect();
    let mut out: Vec<Export> = Vec::new();
    for namespace in mesh.members() {
        for svc in objects.list("", "services", Some(&namespace)) {
            let name = text(&svc, "/metadata/name");
            if namespace == mesh.namespace
                && (gateways.iter().any(|g| g == name) || name.starts_with("istiod"))
            {
                continue;
            }
            let Some((alias_name, alias_ns)) = rules
                .iter()
                .find_map(|rule| export_rule(rule, &svc, name, &namespace))
            else {
                continue;
            };
            let exported_name = format!("{alias_name}.{alias_ns}.svc.{}-exports.local", mesh.name);
            if out.iter().any(|e| e.exported_name == exported_name) {
                continue;
            }
            out.push(Export {
                exported_name,
                name: alias_name,
                namespace: alias_ns,
                local_name: name.to_string(),
                local_namespace: namespace.clone(),
            });
        }
    }
    out.sort_by(|a, b| a.exported_name.cmp(&b.exported_name));
    ExportOutcome::Exported(out)
}

fn export_rule(rule: &Value, svc: &Value, name: &str, namespace: &str) -> Option<(String, String)> {
    match text(rule, "/type") {
        "NameSelector" => name_mapping(rule.get("nameSelector")?, name, namespace),
        "LabelSelector" => {
            let ls = rule.get("labelSelector")?;
            if !matches(text(ls, "/namespace"), namespace) {
                return None;
            }
            let selector =
                LabelSelector::from_object(ls.get("selector").unwrap_or(&json!({}))).ok()?;
            if !selector.matches(&labels_of(svc)) {
                return None;
            }
            let aliased = ls
                .get("aliases")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find_map(|alias| name_mapping(alias, name, namespace));
            Some(aliased.unwrap_or_else(|| (name.to_string(), namespace.to_string())))
        }
        _ => None,
    }
}

fn reconcile_exports(cluster: &Arc<SimCluster>) {
    let objects = Objects::of(cluster);
    for ess in objects.list(GROUP, EXPORTS, None) {
        let namespace = text(&ess, "/metadata/namespace").to_string();
        let name = text(&ess, "/metadata/name").to_string();
        let prev = ess.pointer("/status/conditions");
        let (services, cond) = match Mesh::of(cluster, &namespace) {
            None => (
                Vec::new(),
                condition(
                    prev,
                    "Exporting",
                    false,
                    "NoRulesMatched",
                    &format!("no ServiceMeshControlPlane in namespace {namespace}"),
                ),
            ),
            Some(mesh) => match exports_of(&mesh, &ess) {
                ExportOutcome::NoRules => (
                    Vec::new(),
                    condition(
                        prev,
                        "Exporting",
                        false,
                        "NoRulesDefined",
                        "spec.exportRules is empty: no services are exported",
                    ),
                ),
                ExportOutcome::Exported(list) if list.is_empty() => (
                    Vec::new(),
                    condition(
                        prev,
                        "Exporting",
                        false,
                        "NoRulesMatched",
                        &format!(
                            "no service in the mesh's member namespaces ({}) matches spec.exportRules",
                            mesh.members().join(", ")
                        ),
                    ),
                ),
                ExportOutcome::Exported(list) => {
                    let message = format!("exporting {} service(s) to {name}", list.len());
                    (
                        list.iter()
                            .map(|e| {
                                json!({
                                    "exportedName": e.exported_name,
                                    "localService": {
                                        "hostname": format!("{}.{}.{LOCAL_DOMAIN}", e.local_name, e.local_namespace),
                                        "name": e.local_name,
                                        "namespace": e.local_namespace,
                                    },
                                })
                            })
                            .collect(),
                        condition(prev, "Exporting", true, "Exporting", &message),
                    )
                }
            },
        };
        objects.set_status(
            GROUP,
            EXPORTS,
            &namespace,
            &name,
            json!({"exportedServices": services, "conditions": [cond]}),
        );
    }
}

/// The (name, namespace, hostname) an ImportedServiceSet gives an exported service, if any rule
/// imports it.
fn import_mapping(iss: &Value, peer: &str, export: &Export) -> Option<(String, String, String)> {
    let default_suffix = match text(iss, "/spec/domainSuffix") {
        "" => format!("svc.{peer}-imports.local"),
        s => s.to_string(),
    };
    let rules = iss.pointer("/spec/importRules").and_then(Value::as_array)?;
    rules.iter().find_map(|rule| {
        if text(rule, "/type") != "NameSelector" {
            return None;
        }
        let selector = rule.get("nameSelector")?;
        let as_local = rule.get("importAsLocal").and_then(Value::as_bool) == Some(true);
        let suffix = if as_local {
            // A local import needs a fixed namespace to merge into (the real importer skips it).
            if matches!(text(selector, "/alias/namespace"), "" | "*") {
                return None;
            }
            LOCAL_DOMAIN.to_string()
        } else {
            let s = match text(rule, "/domainSuffix") {
                "" => default_suffix.clone(),
                s => s.to_string(),
            };
            if s == LOCAL_DOMAIN {
                return None;
            }
            s
        };
        let (name, namespace) = name_mapping(selector, &export.name, &export.namespace)?;
        let hostname = format!("{name}.{namespace}.{suffix}");
        Some((name, namespace, hostname))
    })
}

/// The ImportedServiceSets of a cluster: all when it `changed`, else those whose peer's link was
/// just evaluated (its remote side changed).
fn reconcile_imports(cluster: &Arc<SimCluster>, links: &[Link], changed: bool) {
    let objects = Objects::of(cluster);
    if !changed && !links.iter().any(|l| l.cluster.name == cluster.name) {
        return;
    }
    for iss in objects.list(GROUP, IMPORTS, None) {
        let namespace = text(&iss, "/metadata/namespace").to_string();
        let name = text(&iss, "/metadata/name").to_string();
        let prev = iss.pointer("/status/conditions");
        let link = links
            .iter()
            .find(|l| l.cluster.name == cluster.name && l.namespace == namespace && l.name == name);
        if link.is_none() && !changed {
            continue;
        }
        let not_importing = |reason: &str, message: String| {
            (
                Vec::<Value>::new(),
                condition(prev, "Importing", false, reason, &message),
            )
        };
        let (services, cond) = match link.map(|l| &l.outcome) {
            None => not_importing(
                "NoExportedServices",
                format!("no ServiceMeshPeer {namespace}/{name}: nothing to import from"),
            ),
            Some(Err(reason)) => not_importing(
                "NoExportedServices",
                format!("ServiceMeshPeer {namespace}/{name} is not connected: {reason}"),
            ),
            Some(Ok(target)) => {
                let ess = Objects::of(&target.mesh.cluster).get(
                    GROUP,
                    EXPORTS,
                    &target.mesh.namespace,
                    &target.ingress_for,
                );
                let exported = match ess.as_deref().map(|e| exports_of(&target.mesh, e)) {
                    Some(ExportOutcome::Exported(list)) => list,
                    _ => Vec::new(),
                };
                if exported.is_empty() {
                    not_importing(
                        "NoExportedServices",
                        format!(
                            "the peer {} exports no services to this mesh (ExportedServiceSet {}/{} on cluster {})",
                            target.mesh.id(),
                            target.mesh.namespace,
                            target.ingress_for,
                            target.mesh.cluster.name
                        ),
                    )
                } else {
                    let imported: Vec<Value> = exported
                        .iter()
                        .filter_map(|e| {
                            let (n, ns, host) = import_mapping(&iss, &name, e)?;
                            Some(json!({
                                "exportedName": e.exported_name,
                                "localService": {"hostname": host, "name": n, "namespace": ns},
                            }))
                        })
                        .collect();
                    if imported.is_empty() {
                        let reason = if iss
                            .pointer("/spec/importRules")
                            .and_then(Value::as_array)
                            .is_none_or(|r| r.is_empty())
                        {
                            "NoRulesDefined"
                        } else {
                            "NoRulesMatched"
                        };
                        not_importing(
                            reason,
                            format!(
                                "the peer exports {} but spec.importRules import none of them",
                                exported
                                    .iter()
                                    .map(|e| e.exported_name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    } else {
                        let message = format!(
                            "importing {} service(s) from {}",
                            imported.len(),
                            target.mesh.id()
                        );
                        (
                            imported,
                            condition(prev, "Importing", true, "Importing", &message),
                        )
                    }
                }
            }
        };
        objects.set_status(
            GROUP,
            IMPORTS,
            &namespace,
            &name,
            json!({"importedServices": services, "conditions": [cond]}),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_selectors_match_exactly_or_by_wildcard_and_alias() {
        let s = json!({"namespace": "stg-bookinfo", "name": "details"});
        assert_eq!(
            name_mapping(&s, "details", "stg-bookinfo"),
            Some(("details".into(), "stg-bookinfo".into()))
        );
        assert_eq!(name_mapping(&s, "details", "other"), None);
        let s = json!({"namespace": "*", "name": "details", "alias": {"namespace": "prod-bookinfo", "name": "details-v2"}});
        assert_eq!(
            name_mapping(&s, "details", "x"),
            Some(("details-v2".into(), "prod-bookinfo".into()))
        );
        let s = json!({"name": "*", "alias": {"namespace": "*", "name": "renamed"}});
        assert_eq!(
            name_mapping(&s, "a", "ns"),
            Some(("renamed".into(), "ns".into()))
        );
    }

    #[test]
    fn label_rules_apply_the_first_matching_alias() {
        let rule = json!({"type": "LabelSelector", "labelSelector": {
            "namespace": "stg-bookinfo",
            "selector": {"matchLabels": {"export": "true"}},
            "aliases": [{"namespace": "*", "name": "details", "alias": {"name": "details-v2"}}]}});
        let svc = json!({"metadata": {"labels": {"export": "true"}}});
        assert_eq!(
            export_rule(&rule, &svc, "details", "stg-bookinfo"),
            Some(("details-v2".into(), "stg-bookinfo".into()))
        );
        assert_eq!(
            export_rule(&rule, &svc, "reviews", "stg-bookinfo"),
            Some(("reviews".into(), "stg-bookinfo".into()))
        );
        let unlabelled = json!({"metadata": {}});
        assert_eq!(
            export_rule(&rule, &unlabelled, "details", "stg-bookinfo"),
            None
        );
    }

    #[test]
    fn import_hostnames_follow_suffix_rules() {
        let export = Export {
            exported_name: "details.stg-bookinfo.svc.aro-stg-mesh-exports.local".into(),
            name: "details".into(),
            namespace: "stg-bookinfo".into(),
            local_name: "details".into(),
            local_namespace: "stg-bookinfo".into(),
        };
        let plain = json!({"spec": {"importRules": [{"type": "NameSelector", "nameSelector": {"namespace": "stg-bookinfo", "name": "details"}}]}});
        assert_eq!(
            import_mapping(&plain, "aro-stg-mesh", &export).unwrap().2,
            "details.stg-bookinfo.svc.aro-stg-mesh-imports.local"
        );
        let suffixed = json!({"spec": {"importRules": [{"type": "NameSelector", "domainSuffix": "aro.remote", "nameSelector": {"name": "details"}}]}});
        assert_eq!(
            import_mapping(&suffixed, "aro-stg-mesh", &export)
                .unwrap()
                .2,
            "details.stg-bookinfo.aro.remote"
        );
        let local = json!({"spec": {"importRules": [{"type": "NameSelector", "importAsLocal": true, "nameSelector": {"name": "details", "alias": {"namespace": "prod-bookinfo"}}}]}});
        assert_eq!(
            import_mapping(&local, "aro-stg-mesh", &export).unwrap().2,
            "details.prod-bookinfo.svc.cluster.local"
        );
        let local_without_namespace = json!({"spec": {"importRules": [{"type": "NameSelector", "importAsLocal": true, "nameSelector": {"name": "details"}}]}});
        assert_eq!(
            import_mapping(&local_without_namespace, "aro-stg-mesh", &export),
            None
        );
    }

    #[test]
    fn pem_comparison_ignores_line_breaks_and_accepts_bundles() {
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\nBBBB\n-----END CERTIFICATE-----\n";
        assert!(pem_holds(
            "-----BEGIN CERTIFICATE-----\r\nAAAABBBB\r\n-----END CERTIFICATE-----",
            cert
        ));
        assert!(pem_holds(&format!("{cert}{cert}"), cert));
        assert!(!pem_holds("", cert));
        assert!(!pem_holds(cert, ""));
    }

    #[test]
    fn made_up_pod_names_are_stable() {
        assert_eq!(pod_chars(42, 10), pod_chars(42, 10));
        assert_eq!(pod_chars(42, 5).len(), 5);
    }
}
