//! Federation, as the istiod of each mesh runs it: the discovery watches between meshes on
//! different clusters, and what Maistra writes of them — a ServiceMeshPeer's `discoveryStatus`,
//! an ExportedServiceSet's `exportedServices`, an ImportedServiceSet's `importedServices`, and
//! nothing else (no conditions, no explanations: explaining a broken link is fedrun's job).
//!
//! Sources (maistra/istio, branch maistra-2.5):
//! - `pilot/pkg/serviceregistry/federation/controller.go`: istiod watches a peer at
//!   `http://<spec.gateways.egress.name>.<ns>.svc.cluster.local:8188/v1/watch`, through its local
//!   egress gateway, and when the watch ends records the HTTP status line it got back, or the Go
//!   error when no response came at all.
//! - `pkg/servicemesh/federation/discovery/discovery.go`: the egress gateway forwards to
//!   `spec.remote.addresses` on the discovery port with mutual TLS; on the peer, the ingress
//!   gateway its ServiceMeshPeer names in `spec.gateways.ingress.name` (Gateways select pods by
//!   `service.istio.io/canonical-name`) serves discovery, and an AuthorizationPolicy denies every
//!   principal but that ServiceMeshPeer's `spec.security.clientID`.
//! - `pkg/servicemesh/federation/server/server.go`: the peer's istiod answers the watch for that
//!   ServiceMeshPeer, records the caller in its `remotes`, and exports services as
//!   `<name>.<namespace>.svc.<ServiceMeshPeer name>-exports.local`.
//! - `pkg/servicemesh/federation/status/handler.go`: the status shapes and their timestamps.
//!
//! A watch from mesh A through A's ServiceMeshPeer P goes through, in this order:
//! 1. A's egress gateway Service `P.spec.gateways.egress.name` (missing: the Go DNS error);
//! 2. an address of `P.spec.remote.addresses` reaching a gateway of a mesh B, on ports
//!    `discoveryPort` and `servicePort` of that gateway's Service;
//! 3. a ServiceMeshPeer Q of B whose `spec.gateways.ingress.name` is that gateway;
//! 4. mutual TLS: P's `certificateChain` holds B's root and P's `trustDomain` is B's, Q's
//!    `certificateChain` holds A's root and Q's `trustDomain` is A's;
//! 5. Q's `clientID` is A's egress identity (else `403 Forbidden`).
//!
//! Failures before 5 are recorded as `503 Service Unavailable`, what the egress gateway answers
//! when it cannot reach a healthy upstream. Where no source says what a real mesh records (a
//! wrong servicePort, which breaks only service traffic; an egress name that is a Service but
//! not an egress gateway), the simulator refuses the link: the conservative choice.
//!
//! A reconcile looks at the links a change may affect (level-triggered): those of a changed
//! cluster and those whose addresses reach one. Timestamps are carried over while nothing changes,
//! so reconciles converge.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Changes, Controller, Next, Objects};
use crate::sim::cluster::SimCluster;
use crate::sim::selector::LabelSelector;
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
/// How often istiod retries a failed link (realistic duration, scaled by the time scale). istiod
/// backs off exponentially (maistra/istio `pilot/pkg/serviceregistry/federation/controller.go`:
/// cenkalti/backoff's defaults, 0.5 s growing ×1.5 up to 60 s, never giving up); 10 s is about
/// its interval after the first half-minute of failures, when a peer's gateway usually appears.
const RETRY: Duration = Duration::from_secs(10);
/// A floor for the retry at time scale 0, so a broken link does not spin.
const MIN_RETRY: Duration = Duration::from_millis(200);
/// How long a disconnected remote stays listed (`staleRemoteStatusDuration` in handler.go).
const STALE_REMOTE: Duration = Duration::from_secs(300);
/// What an Envoy egress gateway answers when it cannot reach a healthy upstream.
const UNAVAILABLE: &str = "503 Service Unavailable";
/// What the peer's ingress answers when its AuthorizationPolicy denies our principal.
const FORBIDDEN: &str = "403 Forbidden";

/// A ServiceMeshPeer: (cluster, namespace, name).
type PeerKey = (String, String, String);

/// The federation controller: one for the whole world, since links span clusters.
#[derive(Default)]
pub struct Federation {
    /// Working watches: the watching peer → the peer that serves it and the caller's address,
    /// as the serving istiod knows them (its `remotes`). Rebuilt by every full reconcile.
    inbound: Mutex<BTreeMap<PeerKey, (PeerKey, String)>>,
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
        let links = evaluate_peers(world, changes);
        let mut next = if links.iter().any(|l| l.outcome.is_err()) {
            // istiod keeps retrying a broken link; also covers network registrations, which
            // produce no store event.
            Next::After(world.delay(RETRY).max(MIN_RETRY))
        } else {
            Next::Idle
        };
        // The peers whose status may change: those evaluated, and those their watches reach.
        let mut touched: BTreeSet<PeerKey> = links.iter().map(|l| l.key.clone()).collect();
        let inbound = {
            let mut inbound = self.inbound.lock().unwrap_or_else(|e| e.into_inner());
            // A watching peer of a changed cluster that was not evaluated no longer exists.
            inbound.retain(|source, (target, _)| {
                let keep = !changes.touches(&source.0) || touched.contains(source);
                if !keep {
                    touched.insert(target.clone());
                }
                keep
            });
            for link in &links {
                if let Some((target, _)) = inbound.remove(&link.key) {
                    touched.insert(target);
                }
                if let Ok(t) = &link.outcome {
                    let target = t.peer_key();
                    touched.insert(target.clone());
                    inbound.insert(link.key.clone(), (target, t.source.clone()));
                }
            }
            inbound.clone()
        };
        for key in &touched {
            let watch = links.iter().find(|l| &l.key == key).map(|l| &l.outcome);
            let sources: Vec<&str> = inbound
                .values()
                .filter(|(target, _)| target == key)
                .map(|(_, source)| source.as_str())
                .collect();
            next = next.min(write_peer_status(world, key, watch, &sources));
        }
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            reconcile_exports(cluster);
        }
        for cluster in &world.clusters {
            reconcile_imports(cluster, &links, changes.touches(&cluster.name));
        }
        next
    }
}

/// Evaluates the links that `changes` may affect: those of a changed cluster, and those whose
/// addresses reach one.
fn evaluate_peers(world: &World, changes: &Changes) -> Vec<Link> {
    let mut links = Vec::new();
    for cluster in &world.clusters {
        let local = changes.touches(&cluster.name);
        for peer in Objects::of(cluster).list(GROUP, PEERS, None) {
            if !local && !reaches(world, changes, &peer) {
                continue;
            }
            let key = (
                cluster.name.clone(),
                text(&peer, "/metadata/namespace").to_string(),
                text(&peer, "/metadata/name").to_string(),
            );
            // Without a control plane there is no istiod: nothing watches, nothing writes.
            let Some(mesh) = Mesh::of(cluster, &key.1) else {
                continue;
            };
            let outcome = watch(world, &mesh, &peer);
            links.push(Link { key, outcome });
        }
    }
    links
}

/// Whether one of a peer's addresses reaches a Service of a cluster in `changes`.
fn reaches(world: &World, changes: &Changes, peer: &Value) -> bool {
    strings(peer, "/spec/remote/addresses")
        .iter()
        .filter_map(|address| world.network.resolve(address))
        .any(|endpoint| changes.touches(&endpoint.cluster))
}

// ---------------------------------------------------------------------------------------------
// Reading the world

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn strings(v: &Value, pointer: &str) -> Vec<String> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
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
        _ => default,
    }
}

/// A service mesh: the SMCP of a namespace.
#[derive(Clone)]
struct Mesh {
    cluster: Arc<SimCluster>,
    namespace: String,
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
            trust_domain,
            smcp,
        })
    }

    fn objects(&self) -> Objects<'_> {
        Objects::of(&self.cluster)
    }

    fn is_gateway(&self, kind: &str, name: &str) -> bool {
        self.smcp
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(|g| g.get(name))
            .is_some()
    }

    fn gateway_names(&self, kind: &str) -> Vec<String> {
        self.smcp
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    fn ca(&self) -> Option<String> {
        self.objects()
            .get("", "configmaps", &self.namespace, CA_CONFIGMAP)
            .map(|cm| text(&cm, &format!("/data/{ROOT_CERT}")).to_string())
            .filter(|pem| !pem.trim().is_empty())
    }

    /// Whether the ConfigMap a ServiceMeshPeer names in `certificateChain` holds `root`.
    fn trusts(&self, peer: &Value, root: &str) -> bool {
        let kind = text(peer, "/spec/security/certificateChain/kind");
        let name = text(peer, "/spec/security/certificateChain/name");
        if !matches!(kind, "" | "ConfigMap") || name.is_empty() {
            return false;
        }
        self.objects()
            .get("", "configmaps", &self.namespace, name)
            .is_some_and(|cm| pem_holds(text(&cm, &format!("/data/{ROOT_CERT}")), root))
    }

    /// The SPIFFE identity (without `spiffe://`) of this mesh's egress gateway `egress`.
    fn egress_identity(&self, egress: &str) -> String {
        format!(
            "{}/ns/{}/sa/{egress}-service-account",
            self.trust_domain, self.namespace
        )
    }

    /// The namespaces of the mesh's member roll.
    fn members(&self) -> Vec<String> {
        let roll = self
            .objects()
            .get(MAISTRA, SMMRS, &self.namespace, "default");
        let mut members = roll
            .as_deref()
            .map(|r| strings(r, "/spec/members"))
            .unwrap_or_default();
        members.sort();
        members.dedup();
        members
    }

    /// The istiod pod's name: the real one when a Pod exists, else a stable made-up one.
    fn istiod_pod(&self) -> String {
        let pods = self.objects().list("", "pods", Some(&self.namespace));
        if let Some(pod) = pods.iter().find(|p| label(p, "app") == "istiod") {
            return text(pod, "/metadata/name").to_string();
        }
        let name = text(&self.smcp, "/metadata/name");
        let h = fnv(&format!("{}/{}/{name}", self.cluster.name, self.namespace));
        format!(
            "istiod-{name}-{}-{}",
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
// Discovery watches

/// Where a working watch goes.
struct Target {
    mesh: Mesh,
    /// The remote ServiceMeshPeer that serves the watch.
    peer: String,
    /// The caller as the remote istiod records it in `remotes`: our egress gateway's address.
    source: String,
}

impl Target {
    fn peer_key(&self) -> PeerKey {
        (
            self.mesh.cluster.name.clone(),
            self.mesh.namespace.clone(),
            self.peer.clone(),
        )
    }
}

/// One ServiceMeshPeer's outbound watch: where it goes, or the status line istiod records.
struct Link {
    key: PeerKey,
    outcome: Result<Target, String>,
}

/// How the outbound watch of `peer` (of `mesh`) fares.
fn watch(world: &World, mesh: &Mesh, peer: &Value) -> Result<Target, String> {
    // 1. istiod dials its local egress gateway by its Service's DNS name.
    let egress = text(peer, "/spec/gateways/egress/name");
    let host = format!("{egress}.{}.{LOCAL_DOMAIN}", mesh.namespace);
    let get = format!("Get \"http://{host}:{DEFAULT_DISCOVERY_PORT}/v1/watch\"");
    let Some(egress_svc) = mesh
        .objects()
        .get("", "services", &mesh.namespace, egress)
        .filter(|_| !egress.is_empty())
    else {
        return Err(format!("{get}: dial tcp: lookup {host}: no such host"));
    };
    if !mesh.is_gateway("additionalEgress", egress) && egress != "istio-egressgateway" {
        // Not configured as the peer's egress: nothing listens on the discovery port.
        return Err(format!(
            "{get}: dial tcp {}:{DEFAULT_DISCOVERY_PORT}: connect: connection refused",
            text(&egress_svc, "/spec/clusterIP")
        ));
    }

    // 2. The egress gateway reaches the peer's ingress gateway.
    let discovery_port = port_of(peer, "/spec/remote/discoveryPort", DEFAULT_DISCOVERY_PORT);
    let service_port = port_of(peer, "/spec/remote/servicePort", DEFAULT_SERVICE_PORT);
    let Some((remote, gateway)) = strings(peer, "/spec/remote/addresses")
        .iter()
        .find_map(|a| reach(world, a, &[discovery_port, service_port]))
    else {
        return Err(UNAVAILABLE.into());
    };

    // 3. A ServiceMeshPeer of the remote mesh configures that gateway for discovery.
    let Some(back) = remote
        .objects()
        .list(GROUP, PEERS, Some(&remote.namespace))
        .into_iter()
        .find(|q| text(q, "/spec/gateways/ingress/name") == gateway)
    else {
        return Err(UNAVAILABLE.into());
    };

    // 4. Mutual TLS, each side verifying the other with the roots and trust domain it was given.
    let (Some(local_ca), Some(remote_ca)) = (mesh.ca(), remote.ca()) else {
        return Err(UNAVAILABLE.into());
    };
    if !mesh.trusts(peer, &remote_ca)
        || text(peer, "/spec/security/trustDomain") != remote.trust_domain
        || !remote.trusts(&back, &local_ca)
        || text(&back, "/spec/security/trustDomain") != mesh.trust_domain
    {
        return Err(UNAVAILABLE.into());
    }

    // 5. The remote ingress lets only its peer's clientID in.
    if text(&back, "/spec/security/clientID") != mesh.egress_identity(egress) {
        return Err(FORBIDDEN.into());
    }
    Ok(Target {
        source: egress_source(world, mesh, egress),
        peer: text(&back, "/metadata/name").to_string(),
        mesh: remote,
    })
}

/// The mesh and gateway Service an address reaches, when that Service is a gateway of a control
/// plane and serves `ports`.
fn reach(world: &World, address: &str, ports: &[i64]) -> Option<(Mesh, String)> {
    let endpoint = world.network.resolve(address)?;
    let cluster = world.cluster(&endpoint.cluster)?;
    let svc = Objects::of(cluster).get("", "services", &endpoint.namespace, &endpoint.service)?;
    let mesh = Mesh::of(cluster, &endpoint.namespace)?;
    let is_gateway = mesh.is_gateway("additionalIngress", &endpoint.service)
        || endpoint.service == "istio-ingressgateway";
    let served: Vec<i64> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("port").and_then(Value::as_i64))
        .collect();
    (is_gateway && ports.iter().all(|p| served.contains(p))).then_some((mesh, endpoint.service))
}

/// The address a mesh's egress gateway calls from: its external address, or a stable pod IP.
fn egress_source(world: &World, mesh: &Mesh, egress: &str) -> String {
    if let Some(svc) = mesh.objects().get("", "services", &mesh.namespace, egress) {
        for field in ["ip", "hostname"] {
            let a = text(&svc, &format!("/status/loadBalancer/ingress/0/{field}"));
            if !a.is_empty() {
                return a.to_string();
            }
        }
        let ep = crate::sim::world::Endpoint {
            cluster: mesh.cluster.name.clone(),
            namespace: mesh.namespace.clone(),
            service: egress.to_string(),
        };
        if let Some(a) = world.network.address_of(&ep) {
            return a;
        }
    }
    let h = fnv(&format!(
        "{}/{}/{egress}",
        mesh.cluster.name, mesh.namespace
    ));
    let ip = IpAddr::from([
        10,
        128 + (h % 4) as u8,
        (h >> 8) as u8,
        ((h >> 16) as u8 & 0xfd).max(2),
    ]);
    ip.to_string()
}

// ---------------------------------------------------------------------------------------------
// ServiceMeshPeer status

/// Writes a peer's status: its watch as evaluated now (`None`: as it was) and the remote watches
/// that reach it from `sources`. Returns when a disconnected remote is due to be pruned.
fn write_peer_status(
    world: &World,
    key: &PeerKey,
    watch: Option<&Result<Target, String>>,
    sources: &[&str],
) -> Next {
    let Some(cluster) = world.cluster(&key.0) else {
        return Next::Idle;
    };
    let objects = Objects::of(cluster);
    let (Some(peer), Some(mesh)) = (
        objects.get(GROUP, PEERS, &key.1, &key.2),
        Mesh::of(cluster, &key.1),
    ) else {
        return Next::Idle;
    };
    let previous = peer.get("status").unwrap_or(&Value::Null);
    let stale = world.delay(STALE_REMOTE);
    let (status, prune) = peer_status(
        previous,
        &mesh.istiod_pod(),
        watch.map(|w| w.as_ref().map(|_| ())),
        sources,
        &now(),
        stale,
    );
    objects.set_status(GROUP, PEERS, &key.1, &key.2, status);
    match prune {
        Some(after) => Next::After(after.max(MIN_RETRY)),
        None => Next::Idle,
    }
}

/// Seconds since an RFC 3339 time, as the handler's `metav1.Now().Sub(...)`.
fn age(stamp: &str, now: &str) -> Option<Duration> {
    use time::format_description::well_known::Rfc3339;
    let then = time::OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    let now = time::OffsetDateTime::parse(now, &Rfc3339).ok()?;
    (now - then).try_into().ok()
}

/// A ServiceMeshPeer's status as maistra's status handler writes it (handler.go): one entry for
/// the istiod pod, under `active` while its watch is connected and `inactive` otherwise, with the
/// outbound `watch` and the inbound `remotes`. Times unset in Go are `null`, which the CRD's
/// structural schema prunes, so they are left out here. Returns the status and, when a
/// disconnected remote is listed, how long until it is pruned.
fn peer_status(
    previous: &Value,
    pod: &str,
    watch: Option<Result<(), &String>>,
    sources: &[&str],
    now: &str,
    stale: Duration,
) -> (Value, Option<Duration>) {
    let entry = ["active", "inactive"].iter().find_map(|list| {
        previous
            .pointer(&format!("/discoveryStatus/{list}"))
            .and_then(Value::as_array)?
            .iter()
            .find(|e| e["pod"] == pod)
    });
    let mut watched = entry
        .and_then(|e| e.get("watch"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let was_connected = watched.get("connected") == Some(&json!(true));
    let stamp = |m: &mut Map<String, Value>, field: &str| {
        m.insert(field.into(), json!(now));
    };
    match watch {
        // WatchInitiated stamps lastConnected, Watching sets connected, the resync FullSyncComplete.
        Some(Ok(())) if !was_connected => {
            watched.insert("connected".into(), json!(true));
            stamp(&mut watched, "lastConnected");
            stamp(&mut watched, "lastFullSync");
        }
        Some(Err(line)) => {
            let same = !was_connected && watched.get("lastDisconnectStatus") == Some(&json!(line));
            // An attempt that fails as the previous one did is not recorded again: real istiod
            // re-stamps lastConnected on each retry, which would make a status write per retry.
            if !same {
                stamp(&mut watched, "lastConnected");
                if was_connected {
                    // Only a watch that was connected has a disconnect time (WatchTerminated).
                    stamp(&mut watched, "lastDisconnect");
                }
                watched.insert("connected".into(), json!(false));
                watched.insert("lastDisconnectStatus".into(), json!(line));
            }
        }
        Some(Ok(())) => {}
        None => {
            watched.entry("connected").or_insert(json!(false));
        }
    }
    let connected = watched.get("connected") == Some(&json!(true));

    // Remotes: RemoteWatchAccepted / FullSyncSent / RemoteWatchTerminated, pruned when stale.
    let mut remotes: BTreeMap<String, Map<String, Value>> = entry
        .and_then(|e| e.get("remotes"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["source"].as_str()?.to_string(), r.as_object()?.clone())))
        .collect();
    for (source, remote) in remotes.iter_mut() {
        if !sources.contains(&source.as_str()) && remote.get("connected") == Some(&json!(true)) {
            remote.insert("connected".into(), json!(false));
            stamp(remote, "lastDisconnect");
        }
    }
    for source in sources {
        let remote = remotes.entry(source.to_string()).or_default();
        if remote.get("connected") != Some(&json!(true)) {
            remote.insert("source".into(), json!(source));
            remote.insert("connected".into(), json!(true));
            stamp(remote, "lastConnected");
            stamp(remote, "lastFullSync");
        }
    }
    let mut prune: Option<Duration> = None;
    remotes.retain(|_, remote| {
        if remote.get("connected") == Some(&json!(true)) {
            return true;
        }
        let disconnected = remote
            .get("lastDisconnect")
            .and_then(Value::as_str)
            .and_then(|t| age(t, now))
            .unwrap_or(Duration::MAX);
        if disconnected >= stale {
            return false;
        }
        let left = stale - disconnected;
        prune = Some(prune.map_or(left, |p| p.min(left)));
        true
    });

    let mut entry = json!({"pod": pod, "watch": watched});
    if !remotes.is_empty() {
        entry["remotes"] = json!(remotes.into_values().collect::<Vec<_>>());
    }
    let list = if connected { "active" } else { "inactive" };
    // One istiod is simulated: entries of other pods are those of pods that are gone, which the
    // leader removes (removeDeadPods).
    (json!({"discoveryStatus": {list: [entry]}}), prune)
}

// ---------------------------------------------------------------------------------------------
// Export and import rules

/// `*` or empty matches anything; otherwise the exact value.
fn matches(pattern: &str, value: &str) -> bool {
    pattern.is_empty() || pattern == "*" || pattern == value
}

/// A name selector `{namespace, name, alias: {namespace, name}}`: the (name, namespace) it maps
/// a service to, if it matches (maistra/istio `pkg/servicemesh/federation/common/namemapping.go`).
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

/// One service as a mesh exports it to a peer.
#[derive(Clone, Debug, PartialEq)]
struct Export {
    exported_name: String,
    /// The (possibly aliased) name and namespace the peer sees.
    name: String,
    namespace: String,
    local_name: String,
    local_namespace: String,
}

/// What the ExportedServiceSet `ess` (named after the peer) exports from `mesh`, in the order
/// the status handler sorts them: by local namespace, then name.
fn exports_of(mesh: &Mesh, ess: &Value) -> Vec<Export> {
    let peer = text(ess, "/metadata/name");
    let rules: &[Value] = ess
        .pointer("/spec/exportRules")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let gateways: Vec<String> = ["additionalIngress", "additionalEgress"]
        .iter()
        .flat_map(|k| mesh.gateway_names(k))
        .chain(["istio-ingressgateway".into(), "istio-egressgateway".into()])
        .collect();
    let mut out: Vec<Export> = Vec::new();
    for namespace in mesh.members() {
        for svc in mesh.objects().list("", "services", Some(&namespace)) {
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
            out.push(Export {
                exported_name: format!("{alias_name}.{alias_ns}.svc.{peer}-exports.local"),
                name: alias_name,
                namespace: alias_ns,
                local_name: name.to_string(),
                local_namespace: namespace.clone(),
            });
        }
    }
    out.sort_by(|a, b| {
        (&a.local_namespace, &a.local_name).cmp(&(&b.local_namespace, &b.local_name))
    });
    out
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

/// The ServiceMeshPeer a service set belongs to, and its mesh: the status handler exists only
/// for a ServiceMeshPeer of the set's name, in a namespace with a control plane.
fn owner(cluster: &Arc<SimCluster>, set: &Value) -> Option<Mesh> {
    let namespace = text(set, "/metadata/namespace");
    Objects::of(cluster).get(GROUP, PEERS, namespace, text(set, "/metadata/name"))?;
    Mesh::of(cluster, namespace)
}

/// ExportedServiceSet status: `exportedServices` only (handler.go `patchExports`), computed by
/// the server whether or not the peer is connected.
fn reconcile_exports(cluster: &Arc<SimCluster>) {
    let objects = Objects::of(cluster);
    for ess in objects.list(GROUP, EXPORTS, None) {
        let Some(mesh) = owner(cluster, &ess) else {
            continue;
        };
        let services: Vec<Value> = exports_of(&mesh, &ess)
            .iter()
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
            .collect();
        objects.set_status(
            GROUP,
            EXPORTS,
            text(&ess, "/metadata/namespace"),
            text(&ess, "/metadata/name"),
            json!({ "exportedServices": services }),
        );
    }
}

/// The (name, namespace, hostname) an ImportedServiceSet gives an exported service, if a rule
/// imports it (maistra/istio `pkg/servicemesh/federation/common/imports.go`: rules are skipped
/// when `importAsLocal` has no fixed alias namespace, or a domainSuffix equals the cluster's).
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

/// ImportedServiceSet status: `importedServices` only (handler.go `patchImports`), sorted by
/// exported name. Every service the peer exports to us is listed; one no rule imports has empty
/// `localService` fields (pilot/pkg/serviceregistry/federation/controller.go `addService`).
/// Services come over the watch: while it is down, istiod keeps what it imported last.
fn reconcile_imports(cluster: &Arc<SimCluster>, links: &[Link], changed: bool) {
    let objects = Objects::of(cluster);
    for iss in objects.list(GROUP, IMPORTS, None) {
        let namespace = text(&iss, "/metadata/namespace");
        let name = text(&iss, "/metadata/name");
        let link = links
            .iter()
            .find(|l| l.key.0 == cluster.name && l.key.1 == namespace && l.key.2 == name);
        if (link.is_none() && !changed) || owner(cluster, &iss).is_none() {
            continue;
        }
        let services = match link.map(|l| &l.outcome) {
            Some(Ok(target)) => {
                let ess =
                    target
                        .mesh
                        .objects()
                        .get(GROUP, EXPORTS, &target.mesh.namespace, &target.peer);
                let mut listed: Vec<Value> = ess
                    .map(|ess| exports_of(&target.mesh, &ess))
                    .unwrap_or_default()
                    .iter()
                    .map(|e| {
                        let (n, ns, host) = import_mapping(&iss, name, e).unwrap_or_default();
                        json!({
                            "exportedName": e.exported_name,
                            "localService": {"hostname": host, "name": n, "namespace": ns},
                        })
                    })
                    .collect();
                listed.sort_by(|a, b| text(a, "/exportedName").cmp(text(b, "/exportedName")));
                Value::Array(listed)
            }
            _ => iss
                .pointer("/status/importedServices")
                .cloned()
                .unwrap_or_else(|| json!([])),
        };
        objects.set_status(
            GROUP,
            IMPORTS,
            namespace,
            name,
            json!({ "importedServices": services }),
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
            exported_name: "details.stg-bookinfo.svc.rosa-prod-mesh-exports.local".into(),
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

    const T0: &str = "2026-11-29T10:00:00Z";
    const T1: &str = "2026-11-29T10:01:00Z";

    #[test]
    fn a_connected_peer_has_an_active_entry_with_watch_and_remotes_and_no_conditions() {
        let (status, prune) = peer_status(
            &Value::Null,
            "istiod-a",
            Some(Ok(())),
            &["1.2.3.4"],
            T0,
            STALE_REMOTE,
        );
        assert_eq!(prune, None);
        assert_eq!(
            status,
            json!({"discoveryStatus": {"active": [{"pod": "istiod-a",
                "watch": {"connected": true, "lastConnected": T0, "lastFullSync": T0},
                "remotes": [{"source": "1.2.3.4", "connected": true, "lastConnected": T0, "lastFullSync": T0}]}]}})
        );
        // Unchanged on the next reconcile: timestamps are kept, so the controller converges.
        let (again, _) = peer_status(
            &status,
            "istiod-a",
            Some(Ok(())),
            &["1.2.3.4"],
            T1,
            STALE_REMOTE,
        );
        assert_eq!(again, status);
    }

    #[test]
    fn a_failing_watch_is_inactive_with_the_status_line_and_a_disconnect_time_only_after_a_connection()
     {
        let fail = "503 Service Unavailable".to_string();
        let (never, _) = peer_status(&Value::Null, "p", Some(Err(&fail)), &[], T0, STALE_REMOTE);
        assert_eq!(
            never,
            json!({"discoveryStatus": {"inactive": [{"pod": "p",
                "watch": {"connected": false, "lastConnected": T0, "lastDisconnectStatus": fail}}]}})
        );
        let (up, _) = peer_status(&never, "p", Some(Ok(())), &[], T0, STALE_REMOTE);
        // Watching() leaves the last disconnect status in place.
        assert_eq!(
            up["discoveryStatus"]["active"][0]["watch"]["lastDisconnectStatus"],
            json!(fail)
        );
        let forbidden = "403 Forbidden".to_string();
        let (down, _) = peer_status(&up, "p", Some(Err(&forbidden)), &[], T1, STALE_REMOTE);
        let watch = &down["discoveryStatus"]["inactive"][0]["watch"];
        assert_eq!(watch["lastDisconnect"], T1);
        assert_eq!(watch["lastDisconnectStatus"], "403 Forbidden");
        assert!(down["discoveryStatus"].get("active").is_none());
    }

    #[test]
    fn a_remote_that_stops_watching_is_kept_disconnected_until_stale() {
        let (up, _) = peer_status(&Value::Null, "p", Some(Ok(())), &["src"], T0, STALE_REMOTE);
        let (gone, prune) = peer_status(&up, "p", Some(Ok(())), &[], T1, STALE_REMOTE);
        let remote = &gone["discoveryStatus"]["active"][0]["remotes"][0];
        assert_eq!(
            (
                remote["connected"].clone(),
                remote["lastDisconnect"].clone()
            ),
            (json!(false), json!(T1))
        );
        assert_eq!(prune, Some(STALE_REMOTE));
        let later = "2026-11-29T10:07:00Z";
        let (pruned, prune) = peer_status(&gone, "p", Some(Ok(())), &[], later, STALE_REMOTE);
        assert!(
            pruned["discoveryStatus"]["active"][0]
                .get("remotes")
                .is_none()
        );
        assert_eq!(prune, None);
    }
}
