//! The simulated data plane: what Envoy, the gateways and the applications would do with a request
//! sent to a mesh's `istio-ingressgateway` Route.
//!
//! A request is walked through the declared configuration, never through code that knows
//! bookinfo: the Route (OpenShift router) → the mesh's ingress gateway → the Gateway and the
//! VirtualService bound to it → a workload (a Deployment with available replicas behind the
//! Service), whose outbound calls are listed in its pod template's `fedrun.io/calls` annotation
//! (real clusters ignore it). Each outbound call follows the mesh's VirtualServices (weights,
//! mirrors), DestinationRule subsets (by labels) and, for imported hosts, federation: out through
//! the egress gateway the ServiceMeshPeer names, to the peer's federation ingress (found in the
//! simulated network by the peer's address) and on to the workloads of the service the peer
//! exports under that name. A call with nowhere to go fails with 503, as Envoy answers "no healthy
//! upstream", and the failure shows in the response body and in the metrics.
//!
//! Weighted choices use smooth weighted round-robin: deterministic, and exact over any run (2,000
//! requests split 60/20/20 give exactly 1,200/400/400), whatever the concurrency. Every hop is
//! counted in `istio_requests_total` of the source's mesh (`reporter="source"`) and, when it
//! crosses into another mesh, of the destination's mesh too (`reporter="destination"`).
//!
//! Not simulated: header matches, retries, timeouts, fault injection, TLS origination, and
//! `importAsLocal` endpoint merging (a local Service wins over an imported one of the same name).

pub mod promql;
pub mod server;
pub mod telemetry;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::cluster::SimCluster;
use super::controllers::Objects;
use super::controllers::openshift::{ROUTE_GROUP, selects};
use super::store::text;
use super::world::World;
use telemetry::Labels;

/// The annotation on a pod template that lists a workload's outbound calls: `host:port,...`.
pub const CALLS: &str = "fedrun.io/calls";
const MEMBER_OF: &str = "maistra.io/member-of";
const MAISTRA: &str = "maistra.io";
const NETWORKING: &str = "networking.istio.io";
const FEDERATION: &str = "federation.maistra.io";
const LOCAL_DOMAIN: &str = "svc.cluster.local";
/// Deeper call chains are taken for a loop in the annotations.
const MAX_DEPTH: usize = 10;

/// What a hop answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub code: u16,
    /// First line: who answered (or why not); then the lines of the calls it made.
    pub body: String,
}

impl Reply {
    fn unavailable(why: impl std::fmt::Display) -> Reply {
        Reply {
            code: 503,
            body: format!("503 no healthy upstream: {why}"),
        }
    }
}

/// Where a workload runs: its cluster and the mesh its namespace is a member of.
#[derive(Clone)]
struct Site {
    cluster: Arc<SimCluster>,
    /// The control plane namespace, or `None` outside any mesh (no sidecar: nothing counted).
    mesh_ns: Option<String>,
    mesh_name: String,
}

impl Site {
    fn of(cluster: &Arc<SimCluster>, namespace: &str) -> Site {
        let o = Objects::of(cluster);
        let smcp = |ns: &str| {
            o.list(MAISTRA, "servicemeshcontrolplanes", Some(ns))
                .first()
                .map(|s| text(s, "/metadata/name").to_string())
        };
        let (mesh_ns, mesh_name) = match smcp(namespace) {
            Some(name) => (Some(namespace.to_string()), name),
            None => {
                let member_of = o.get("", "namespaces", "", namespace).and_then(|n| {
                    n.pointer(&format!(
                        "/metadata/labels/{}",
                        MEMBER_OF.replace('/', "~1")
                    ))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                });
                match member_of {
                    Some(ns) => {
                        let name = smcp(&ns).unwrap_or_else(|| ns.clone());
                        (Some(ns), name)
                    }
                    None => (None, "-".to_string()),
                }
            }
        };
        Site {
            cluster: cluster.clone(),
            mesh_ns,
            mesh_name,
        }
    }

    fn same_mesh(&self, other: &Site) -> bool {
        self.cluster.name == other.cluster.name && self.mesh_ns == other.mesh_ns
    }

    /// The namespaces whose configuration the mesh's proxies see.
    fn namespaces(&self) -> Vec<String> {
        let Some(mesh_ns) = &self.mesh_ns else {
            return Vec::new();
        };
        let mut out = vec![mesh_ns.clone()];
        for ns in Objects::of(&self.cluster).list("", "namespaces", None) {
            let labels = ns.pointer("/metadata/labels");
            if labels
                .and_then(|l| l.get(MEMBER_OF))
                .and_then(Value::as_str)
                == Some(mesh_ns.as_str())
            {
                out.push(text(&ns, "/metadata/name").to_string());
            }
        }
        out
    }

    /// Objects of a kind in the mesh's namespaces.
    fn config(&self, group: &str, plural: &str) -> Vec<Arc<Value>> {
        let namespaces = self.namespaces();
        Objects::of(&self.cluster)
            .list(group, plural, None)
            .into_iter()
            .filter(|o| {
                namespaces
                    .iter()
                    .any(|n| n == text(o, "/metadata/namespace"))
            })
            .collect()
    }
}

/// A Deployment as the mesh sees it.
#[derive(Clone)]
struct Workload {
    site: Site,
    namespace: String,
    name: String,
    calls: Vec<String>,
}

impl Workload {
    fn of(site: Site, deployment: &Value) -> Workload {
        let calls = deployment
            .pointer("/spec/template/metadata/annotations")
            .and_then(|a| a.get(CALLS))
            .and_then(Value::as_str)
            .map(parse_calls)
            .unwrap_or_default();
        Workload {
            site,
            namespace: text(deployment, "/metadata/namespace").to_string(),
            name: text(deployment, "/metadata/name").to_string(),
            calls,
        }
    }

    /// How responses name the instance that served them: `details-v2 (aro/aro-stg-mesh)`.
    fn describe(&self) -> String {
        format!(
            "{} ({}/{})",
            self.name, self.site.cluster.name, self.site.mesh_name
        )
    }
}

/// `details:9080, reviews:9080` → the hosts called, in order.
pub fn parse_calls(annotation: &str) -> Vec<String> {
    annotation
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A host as written in `namespace` (`details`, `details.ns`, `details.ns.svc`, a FQDN, with or
/// without a port) → its fully qualified name.
fn qualify(host: &str, namespace: &str) -> String {
    let host = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "*" || host.starts_with("*.") {
        return host;
    }
    match host.matches('.').count() {
        0 => format!("{host}.{namespace}.{LOCAL_DOMAIN}"),
        1 => format!("{host}.{LOCAL_DOMAIN}"),
        _ if host.ends_with(".svc") => format!("{host}.cluster.local"),
        _ => host,
    }
}

/// `name.namespace.rest` → (name, namespace).
fn split_host(host: &str) -> (&str, &str) {
    let mut parts = host.splitn(3, '.');
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

/// Whether a Gateway or VirtualService host pattern (`*`, `*.example.com`, exact; `ns/` prefix
/// allowed on Gateway servers) covers `host`.
fn host_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.rsplit('/').next().unwrap_or(pattern);
    pattern == "*"
        || pattern.eq_ignore_ascii_case(host)
        || pattern
            .strip_prefix('*')
            .is_some_and(|suffix| host.ends_with(suffix))
}

/// Whether an HTTP route rule's `match` accepts `path` (no match list: everything). Matches on
/// anything but the URI (headers, query parameters…) are not simulated and never match.
fn rule_matches(rule: &Value, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let Some(matches) = rule.get("match").and_then(Value::as_array) else {
        return true;
    };
    matches.is_empty()
        || matches.iter().any(|m| {
            let Some(obj) = m.as_object() else {
                return false;
            };
            if obj.keys().any(|k| !["uri", "name"].contains(&k.as_str())) {
                return false;
            }
            let Some(uri) = obj.get("uri") else {
                return true;
            };
            if let Some(exact) = uri.get("exact").and_then(Value::as_str) {
                path == exact
            } else if let Some(prefix) = uri.get("prefix").and_then(Value::as_str) {
                path.starts_with(prefix)
            } else if let Some(re) = uri.get("regex").and_then(Value::as_str) {
                regex::Regex::new(&format!("^(?:{re})$")).is_ok_and(|r| r.is_match(path))
            } else {
                false
            }
        })
}

fn contains_labels(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_none_or(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// A chosen destination: host (qualified) and subset.
struct Choice {
    host: String,
    subset: Option<String>,
}

fn destination_of(route: &Value, namespace: &str) -> Option<Choice> {
    let d = route.get("destination").unwrap_or(route);
    let host = d.get("host").and_then(Value::as_str)?;
    Some(Choice {
        host: qualify(host, namespace),
        subset: d.get("subset").and_then(Value::as_str).map(str::to_string),
    })
}

/// The simulated data plane of a whole world.
pub struct DataPlane {
    world: Arc<World>,
    /// Smooth weighted round-robin state, by decision point (and weights, so edits start afresh).
    rr: Mutex<HashMap<String, Vec<i64>>>,
    /// Mirror accumulators in hundredths of a percent, by route rule.
    mirrors: Mutex<HashMap<String, i64>>,
}

impl DataPlane {
    pub fn new(world: Arc<World>) -> DataPlane {
        DataPlane {
            world,
            rr: Mutex::new(HashMap::new()),
            mirrors: Mutex::new(HashMap::new()),
        }
    }

    /// The index chosen among `weights` (smooth weighted round-robin), `None` if all are 0.
    fn pick(&self, key: &str, weights: &[i64]) -> Option<usize> {
        let total: i64 = weights.iter().map(|w| (*w).max(0)).sum();
        if total <= 0 {
            return None;
        }
        let key = format!("{key}|{weights:?}");
        let mut rr = self.rr.lock().unwrap_or_else(|e| e.into_inner());
        let current = rr.entry(key).or_insert_with(|| vec![0; weights.len()]);
        let mut best = 0;
        for (i, w) in weights.iter().enumerate() {
            current[i] += (*w).max(0);
            if current[i] > current[best] {
                best = i;
            }
        }
        current[best] -= total;
        Some(best)
    }

    /// Whether this request is mirrored, for a rule mirroring `percent` %.
    fn mirrored(&self, key: &str, percent: f64) -> bool {
        let step = (percent.clamp(0.0, 100.0) * 100.0).round() as i64;
        let mut mirrors = self.mirrors.lock().unwrap_or_else(|e| e.into_inner());
        let acc = mirrors.entry(key.to_string()).or_insert(0);
        *acc += step;
        if *acc >= 10_000 {
            *acc -= 10_000;
            true
        } else {
            false
        }
    }

    /// Serves a request that reached the simulator's HTTP listener for `host` (the Host header).
    pub fn handle(&self, host: &str, path: &str) -> Reply {
        let host = host
            .rsplit_once(':')
            .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
            .map_or(host, |(h, _)| h)
            .to_ascii_lowercase();
        let found = self.world.clusters.iter().find_map(|c| {
            Objects::of(c)
                .list(ROUTE_GROUP, "routes", None)
                .into_iter()
                .find(|r| text(r, "/spec/host").eq_ignore_ascii_case(&host))
                .map(|r| (c.clone(), r))
        });
        let Some((cluster, route)) = found else {
            return Reply {
                code: 503,
                body: format!("Application is not available: no Route serves host {host}"),
            };
        };
        let namespace = text(&route, "/metadata/namespace").to_string();
        let service = text(&route, "/spec/to/name").to_string();
        let site = Site::of(&cluster, &namespace);
        if site.mesh_ns.as_deref() != Some(namespace.as_str()) {
            // A plain Route to an application: the router calls it directly, outside any mesh.
            return match self.endpoint(&cluster, &namespace, &service, None, "route") {
                Ok(w) => self.serve(&w, 0),
                Err(why) => Reply::unavailable(why),
            };
        }
        self.ingress(&site, &namespace, &service, &host, path)
    }

    /// The mesh's ingress gateway: Gateway servers for the host, then the VirtualService bound to
    /// them whose rule matches the path.
    fn ingress(
        &self,
        site: &Site,
        namespace: &str,
        service: &str,
        host: &str,
        path: &str,
    ) -> Reply {
        let gateway = match self.endpoint(&site.cluster, namespace, service, None, "ingress") {
            Ok(w) => w,
            Err(why) => return Reply::unavailable(format!("the ingress gateway: {why}")),
        };
        let pod_labels = Objects::of(&site.cluster)
            .get("apps", "deployments", namespace, &gateway.name)
            .and_then(|d| d.pointer("/spec/template/metadata/labels").cloned())
            .unwrap_or(Value::Null);
        let gateways: Vec<(String, String)> = site
            .config(NETWORKING, "gateways")
            .iter()
            .filter(|g| {
                let selector = g.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
                selects(&selector, &pod_labels)
                    && g.pointer("/spec/servers")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .flat_map(|s| {
                            s.get("hosts")
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                        })
                        .filter_map(Value::as_str)
                        .any(|p| host_matches(p, host))
            })
            .map(|g| {
                (
                    text(g, "/metadata/namespace").to_string(),
                    text(g, "/metadata/name").to_string(),
                )
            })
            .collect();
        for vs in site.config(NETWORKING, "virtualservices") {
            let vs_ns = text(&vs, "/metadata/namespace");
            let bound = vs
                .pointer("/spec/gateways")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|name| {
                    gateways.iter().any(|(gns, gname)| {
                        name == format!("{gns}/{gname}") || (name == gname && gns == vs_ns)
                    })
                });
            let hosts_ok = vs
                .pointer("/spec/hosts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|p| host_matches(p, host));
            if !bound || !hosts_ok {
                continue;
            }
            let rules = vs.pointer("/spec/http").and_then(Value::as_array);
            for (i, rule) in rules.into_iter().flatten().enumerate() {
                if !rule_matches(rule, path) {
                    continue;
                }
                let key = format!(
                    "{}/{vs_ns}/{}#{i}",
                    site.cluster.name,
                    text(&vs, "/metadata/name")
                );
                return self.route(&gateway, &key, rule, vs_ns, 0);
            }
        }
        Reply {
            code: 404,
            body: format!(
                "404 no route: no VirtualService bound to a Gateway of {} routes http://{host}{path}",
                gateway.describe()
            ),
        }
    }

    /// Follows one HTTP route rule: mirror, then the weighted choice among its destinations.
    fn route(
        &self,
        from: &Workload,
        key: &str,
        rule: &Value,
        namespace: &str,
        depth: usize,
    ) -> Reply {
        if let Some(mirror) = rule
            .get("mirror")
            .and_then(|m| destination_of(m, namespace))
        {
            let percent = rule
                .pointer("/mirrorPercentage/value")
                .and_then(Value::as_f64)
                .or_else(|| rule.get("mirrorPercent").and_then(Value::as_f64))
                .unwrap_or(100.0);
            if self.mirrored(key, percent) {
                // The copy is sent and counted; its response is discarded.
                let _ = self.forward(from, &mirror.host, mirror.subset.as_deref(), depth);
            }
        }
        let routes: Vec<Value> = rule
            .get("route")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let weights: Vec<i64> = if routes.iter().all(|r| r.get("weight").is_none()) {
            vec![1; routes.len()]
        } else {
            routes
                .iter()
                .map(|r| r.get("weight").and_then(Value::as_i64).unwrap_or(0))
                .collect()
        };
        let Some(choice) = self
            .pick(key, &weights)
            .and_then(|i| destination_of(&routes[i], namespace))
        else {
            return Reply::unavailable(format!(
                "route rule {key} has no destination with a weight"
            ));
        };
        self.forward(from, &choice.host, choice.subset.as_deref(), depth)
    }

    /// An outbound call of `from` to `target` (as written in its annotation): the mesh's
    /// VirtualService for the host if any, else the host itself.
    fn call(&self, from: &Workload, target: &str, depth: usize) -> Reply {
        let host = qualify(target, &from.namespace);
        for vs in from.site.config(NETWORKING, "virtualservices") {
            let vs_ns = text(&vs, "/metadata/namespace");
            let for_mesh = vs
                .pointer("/spec/gateways")
                .and_then(Value::as_array)
                .is_none_or(|g| g.is_empty() || g.iter().any(|g| g == "mesh"));
            let serves = vs
                .pointer("/spec/hosts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|h| qualify(h, vs_ns) == host);
            if !for_mesh || !serves {
                continue;
            }
            let rules = vs.pointer("/spec/http").and_then(Value::as_array);
            for (i, rule) in rules.into_iter().flatten().enumerate() {
                if rule_matches(rule, "/") {
                    let key = format!(
                        "{}/{vs_ns}/{}#{i}",
                        from.site.cluster.name,
                        text(&vs, "/metadata/name")
                    );
                    return self.route(from, &key, rule, vs_ns, depth);
                }
            }
        }
        self.forward(from, &host, None, depth)
    }

    /// Sends a request from `from` to a destination host (and subset): a local Service's
    /// workloads, or an imported service's across the federation link.
    fn forward(&self, from: &Workload, host: &str, subset: Option<&str>, depth: usize) -> Reply {
        if let Some(mesh_ns) = from.site.mesh_ns.clone()
            && let Some((peer, exported)) = self.imported(&from.site, &mesh_ns, host)
        {
            let local = format!(".{LOCAL_DOMAIN}");
            let (name, ns) = split_host(host);
            let has_local = host.ends_with(&local)
                && Objects::of(&from.site.cluster)
                    .get("", "services", ns, name)
                    .is_some();
            if !has_local {
                return self.remote(from, &mesh_ns, host, &peer, &exported, depth);
            }
        }
        if !host.ends_with(&format!(".{LOCAL_DOMAIN}")) {
            let why = match peer_of_import_host(host) {
                Some(peer) => match from.site.mesh_ns.as_deref() {
                    Some(mesh_ns) => match self.peer_problem(&from.site, mesh_ns, &peer) {
                        Some(problem) => problem,
                        None => format!("{host} is not imported into this mesh"),
                    },
                    None => format!("{host}: the caller is outside any mesh"),
                },
                None => format!("{host} is neither a service of this cluster nor imported"),
            };
            let reply = Reply::unavailable(&why);
            self.record(
                from,
                None,
                host,
                None,
                reply.code,
                peer_of_import_host(host).as_deref(),
            );
            return reply;
        }
        let (name, ns) = split_host(host);
        let subset_labels = match subset {
            None => None,
            Some(s) => match self.subset_labels(&from.site, host, s) {
                Some(labels) => Some(labels),
                None => {
                    let reply = Reply::unavailable(format!(
                        "no DestinationRule defines subset {s:?} of {host}"
                    ));
                    self.record(from, None, host, None, reply.code, None);
                    return reply;
                }
            },
        };
        match self.endpoint(
            &from.site.cluster,
            ns,
            name,
            subset_labels.as_ref(),
            &from.name,
        ) {
            Ok(to) => {
                let reply = self.serve(&to, depth + 1);
                self.record(from, Some(&to), host, None, reply.code, None);
                reply
            }
            Err(why) => {
                let reply = Reply::unavailable(why);
                self.record(from, None, host, None, reply.code, None);
                reply
            }
        }
    }

    /// Across a federation link: the local egress gateway for the peer, the peer's federation
    /// ingress, and the workloads of the service the peer exports as `exported`.
    fn remote(
        &self,
        from: &Workload,
        mesh_ns: &str,
        host: &str,
        peer: &str,
        exported: &str,
        depth: usize,
    ) -> Reply {
        let fail = |why: String| {
            let reply = Reply::unavailable(why);
            self.record(from, None, host, None, reply.code, Some(peer));
            reply
        };
        if let Some(problem) = self.peer_problem(&from.site, mesh_ns, peer) {
            return fail(problem);
        }
        let o = Objects::of(&from.site.cluster);
        let Some(smp) = o.get(FEDERATION, "servicemeshpeers", mesh_ns, peer) else {
            return fail(format!("no ServiceMeshPeer {peer}"));
        };
        let egress = text(&smp, "/spec/gateways/egress/name");
        if let Err(why) = self.endpoint(&from.site.cluster, mesh_ns, egress, None, "egress") {
            return fail(format!("egress gateway for {peer}: {why}"));
        }
        let target = smp
            .pointer("/spec/remote/addresses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .find_map(|a| self.world.network.resolve(a));
        let Some(target) = target else {
            return fail(format!("no address of peer {peer} answers"));
        };
        let Some(remote) = self.world.cluster(&target.cluster).cloned() else {
            return fail(format!("peer {peer}'s cluster {} is gone", target.cluster));
        };
        if let Err(why) =
            self.endpoint(&remote, &target.namespace, &target.service, None, "ingress")
        {
            return fail(format!("{peer}'s federation ingress: {why}"));
        }
        let local = Objects::of(&remote)
            .list(FEDERATION, "exportedservicesets", Some(&target.namespace))
            .iter()
            .flat_map(|ess| {
                ess.pointer("/status/exportedServices")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|s| s.get("exportedName").and_then(Value::as_str) == Some(exported))
            .map(|s| {
                (
                    text(&s, "/localService/name").to_string(),
                    text(&s, "/localService/namespace").to_string(),
                )
            });
        let Some((name, ns)) = local else {
            return fail(format!("{peer} no longer exports {exported}"));
        };
        let local_host = format!("{name}.{ns}.{LOCAL_DOMAIN}");
        match self.endpoint(&remote, &ns, &name, None, &target.service) {
            Ok(to) => {
                let reply = self.serve(&to, depth + 1);
                self.record(from, Some(&to), host, Some(&local_host), reply.code, None);
                reply
            }
            Err(why) => fail(format!("{local_host} in {peer}: {why}")),
        }
    }

    /// Why the link to `peer` does not carry traffic, if it does not: read from the
    /// ServiceMeshPeer's `discoveryStatus` as Maistra writes it (an active entry whose watch is
    /// connected), so traffic follows the same state a user sees.
    fn peer_problem(&self, site: &Site, mesh_ns: &str, peer: &str) -> Option<String> {
        let smp = Objects::of(&site.cluster).get(FEDERATION, "servicemeshpeers", mesh_ns, peer);
        let Some(smp) = smp else {
            return Some(format!("no ServiceMeshPeer {peer} in {mesh_ns}"));
        };
        let watching = smp
            .pointer("/status/discoveryStatus/active")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|e| e.pointer("/watch/connected") == Some(&Value::Bool(true)));
        if watching {
            return None;
        }
        let last = smp
            .pointer("/status/discoveryStatus/inactive/0/watch/lastDisconnectStatus")
            .and_then(Value::as_str);
        Some(match last {
            Some(line) => format!("the link to peer {peer} is not connected ({line})"),
            None => format!("the link to peer {peer} is not connected yet"),
        })
    }

    /// `(peer, exportedName)` when `host` is imported into the mesh `mesh_ns`.
    fn imported(&self, site: &Site, mesh_ns: &str, host: &str) -> Option<(String, String)> {
        Objects::of(&site.cluster)
            .list(FEDERATION, "importedservicesets", Some(mesh_ns))
            .iter()
            .find_map(|iss| {
                iss.pointer("/status/importedServices")
                    .and_then(Value::as_array)?
                    .iter()
                    .find(|s| {
                        s.pointer("/localService/hostname").and_then(Value::as_str) == Some(host)
                    })
                    .map(|s| {
                        (
                            text(iss, "/metadata/name").to_string(),
                            text(s, "/exportedName").to_string(),
                        )
                    })
            })
    }

    /// The labels of subset `subset` of `host` in the DestinationRules the mesh sees.
    fn subset_labels(&self, site: &Site, host: &str, subset: &str) -> Option<Value> {
        site.config(NETWORKING, "destinationrules")
            .iter()
            .filter(|dr| qualify(text(dr, "/spec/host"), text(dr, "/metadata/namespace")) == host)
            .flat_map(|dr| {
                dr.pointer("/spec/subsets")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            })
            .find(|s| s.get("name").and_then(Value::as_str) == Some(subset))
            .map(|s| s.get("labels").cloned().unwrap_or(Value::Null))
    }

    /// One available workload behind Service `namespace/service` (restricted to `subset` labels),
    /// chosen by round-robin weighted by available replicas; or why there is none.
    fn endpoint(
        &self,
        cluster: &Arc<SimCluster>,
        namespace: &str,
        service: &str,
        subset: Option<&Value>,
        caller: &str,
    ) -> Result<Workload, String> {
        let o = Objects::of(cluster);
        let Some(svc) = o.get("", "services", namespace, service) else {
            return Err(format!(
                "no Service {namespace}/{service} on cluster {}",
                cluster.name
            ));
        };
        let selector = svc
            .pointer("/spec/selector")
            .cloned()
            .unwrap_or(Value::Null);
        let mut candidates: Vec<(Arc<Value>, i64)> = o
            .list("apps", "deployments", Some(namespace))
            .into_iter()
            .filter(|d| {
                let labels = d
                    .pointer("/spec/template/metadata/labels")
                    .cloned()
                    .unwrap_or(Value::Null);
                selects(&selector, &labels) && subset.is_none_or(|s| contains_labels(s, &labels))
            })
            .map(|d| {
                let n = d
                    .pointer("/status/availableReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                (d, n)
            })
            .collect();
        candidates.sort_by(|a, b| text(&a.0, "/metadata/name").cmp(text(&b.0, "/metadata/name")));
        let weights: Vec<i64> = candidates.iter().map(|(_, n)| *n).collect();
        let key = format!(
            "ep/{}/{namespace}/{service}/{subset:?}/{caller}",
            cluster.name
        );
        match self.pick(&key, &weights) {
            Some(i) => Ok(Workload::of(Site::of(cluster, namespace), &candidates[i].0)),
            None if candidates.is_empty() => Err(format!(
                "no workload matches Service {namespace}/{service} on cluster {}{}",
                cluster.name,
                if subset.is_some() {
                    " and the subset"
                } else {
                    ""
                }
            )),
            None => Err(format!(
                "Service {namespace}/{service} on cluster {} has no available endpoints",
                cluster.name
            )),
        }
    }

    /// A workload answers: itself, then each of its outbound calls in order.
    fn serve(&self, workload: &Workload, depth: usize) -> Reply {
        if depth > MAX_DEPTH {
            return Reply {
                code: 508,
                body: format!(
                    "508 loop detected: calls nested deeper than {MAX_DEPTH} at {} (check {CALLS})",
                    workload.describe()
                ),
            };
        }
        let mut lines = vec![workload.describe()];
        for target in &workload.calls {
            let reply = self.call(workload, target, depth);
            let name = target.split([':', '.']).next().unwrap_or(target);
            let mut reply_lines = reply.body.lines();
            lines.push(format!("{name}: {}", reply_lines.next().unwrap_or("")));
            lines.extend(reply_lines.map(|l| format!("  {l}")));
        }
        Reply {
            code: 200,
            body: lines.join("\n"),
        }
    }

    /// Counts one hop in the source's mesh and, across meshes, in the destination's.
    fn record(
        &self,
        from: &Workload,
        to: Option<&Workload>,
        host: &str,
        local_host: Option<&str>,
        code: u16,
        peer: Option<&str>,
    ) {
        let labels = |reporter: &str, host: &str| -> Labels {
            let (service, service_ns) = split_host(host);
            let unknown = "unknown".to_string();
            let mut l = Labels::new();
            let mut put = |k: &str, v: String| {
                l.insert(k.to_string(), v);
            };
            put("reporter", reporter.into());
            put("request_protocol", "http".into());
            put("response_code", code.to_string());
            put("source_workload", from.name.clone());
            put("source_workload_namespace", from.namespace.clone());
            put("source_cluster", from.site.cluster.name.clone());
            put("source_mesh", from.site.mesh_name.clone());
            put("destination_service", host.to_string());
            put("destination_service_name", service.to_string());
            put("destination_service_namespace", service_ns.to_string());
            put(
                "destination_workload",
                to.map_or(unknown.clone(), |t| t.name.clone()),
            );
            put(
                "destination_workload_namespace",
                to.map_or(unknown.clone(), |t| t.namespace.clone()),
            );
            put(
                "destination_cluster",
                to.map_or(unknown.clone(), |t| t.site.cluster.name.clone()),
            );
            put(
                "destination_mesh",
                to.map(|t| t.site.mesh_name.clone())
                    .or(peer.map(str::to_string))
                    .unwrap_or(unknown),
            );
            l
        };
        if let Some(mesh_ns) = &from.site.mesh_ns {
            from.site
                .cluster
                .telemetry
                .count(mesh_ns, labels("source", host));
        }
        if let Some(to) = to
            && !to.site.same_mesh(&from.site)
            && let Some(mesh_ns) = &to.site.mesh_ns
        {
            to.site
                .cluster
                .telemetry
                .count(mesh_ns, labels("destination", local_host.unwrap_or(host)));
        }
    }
}

/// `details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local` → `aro-stg-mesh`.
fn peer_of_import_host(host: &str) -> Option<String> {
    let rest = host.strip_suffix("-imports.local")?;
    let (_, peer) = rest.rsplit_once(".svc.")?;
    Some(peer.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_qualified_relative_to_their_namespace() {
        assert_eq!(qualify("details", "p"), "details.p.svc.cluster.local");
        assert_eq!(qualify("details:9080", "p"), "details.p.svc.cluster.local");
        assert_eq!(qualify("details.q", "p"), "details.q.svc.cluster.local");
        assert_eq!(qualify("details.q.svc", "p"), "details.q.svc.cluster.local");
        assert_eq!(
            qualify("d.p.svc.aro-imports.local", "x"),
            "d.p.svc.aro-imports.local"
        );
        assert_eq!(
            peer_of_import_host("d.p.svc.aro-stg-mesh-imports.local").as_deref(),
            Some("aro-stg-mesh")
        );
        assert_eq!(
            parse_calls("details:9080, reviews:9080"),
            ["details:9080", "reviews:9080"]
        );
    }

    #[test]
    fn uri_matches_follow_istio() {
        let rule = serde_json::json!({"match": [{"uri": {"exact": "/productpage"}}, {"uri": {"prefix": "/static"}}]});
        assert!(rule_matches(&rule, "/productpage?u=1"));
        assert!(rule_matches(&rule, "/static/x.css"));
        assert!(!rule_matches(&rule, "/other"));
        let headers = serde_json::json!({"match": [{"headers": {"end-user": {"exact": "jason"}}}]});
        assert!(!rule_matches(&headers, "/"));
        assert!(rule_matches(&serde_json::json!({}), "/"));
        assert!(host_matches("*", "a.b"));
        assert!(host_matches("ns/*.example.com", "a.example.com"));
        assert!(!host_matches("x.example.com", "a.example.com"));
    }
}
