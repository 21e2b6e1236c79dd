//! OpenShift itself: the kinds its API servers serve without CRDs, its platform namespaces, and
//! the controllers that make Services, Routes and Deployments come alive.
//!
//! Imitates: openshift-apiserver (Route, Project/ProjectRequest — the latter answered by
//! `sim::api::projects`), OLM's API (Subscription, ClusterServiceVersion, InstallPlan,
//! CatalogSource, OperatorGroup — CRDs present from install time — and the package server's
//! PackageManifests),
//! the cloud controller manager (LoadBalancer addresses: ELB hostnames on AWS, IPs on Azure/GCP,
//! registered in the world's network), the ingress operator (Route hosts under
//! `apps.<cluster>.example.com`, admitted by the `default` router) and the endpoints controller
//! (Endpoints list the selected Pods; Deployments, ReplicaSets and Pods live in `workloads`).
//!
//! Approximated: addresses are derived from a hash of cluster/namespace/name (stable across
//! restarts) rather than allocated.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Value, json};

use super::delays::Timers;
use super::{Changes, Controller, Next, Objects, olm};
use kube::CustomResourceExt;

use crate::sim::cluster::{Provider, SimCluster};
use crate::sim::resources::ResourceType;
use crate::sim::store::{Part, text};
use crate::sim::world::{Endpoint, World};

pub const OPERATORS_NAMESPACE: &str = "openshift-operators";
pub const MARKETPLACE_NAMESPACE: &str = "openshift-marketplace";
pub const OLM_GROUP: &str = "operators.coreos.com";
pub const ROUTE_GROUP: &str = "route.openshift.io";
pub const PROJECT_GROUP: &str = "project.openshift.io";
pub const CONFIG_GROUP: &str = "config.openshift.io";
pub const PACKAGES_GROUP: &str = "packages.operators.coreos.com";

/// Namespaces every OpenShift 4 cluster has.
const PLATFORM_NAMESPACES: &[&str] = &[
    "default",
    "kube-public",
    "kube-system",
    "openshift",
    "openshift-config",
    "openshift-config-managed",
    "openshift-ingress",
    "openshift-marketplace",
    "openshift-monitoring",
    "openshift-operator-lifecycle-manager",
    "openshift-operators",
    "openshift-service-ca",
];

/// The default catalogs of OpenShift 4.
const CATALOGS: &[(&str, &str, &str)] = &[
    (
        "redhat-operators",
        "Red Hat Operators",
        "redhat-operator-index",
    ),
    (
        "certified-operators",
        "Certified Operators",
        "certified-operator-index",
    ),
    (
        "community-operators",
        "Community Operators",
        "community-operator-index",
    ),
];

/// How long the cloud takes to give a LoadBalancer Service its address. The cloud controller
/// writes `status.loadBalancer.ingress` once the cloud API has created the load balancer
/// (kubernetes/cloud-provider-aws `pkg/providers/v1/aws_loadbalancer.go` writes the NLB's DNS
/// name as soon as `CreateLoadBalancer` returns; Azure and GCP wait for a public IP and the
/// forwarding rule). No source gives figures: these are what such clusters typically show
/// (an address "within a minute"), AWS being the quickest because a hostname needs no IP.
fn lb_delay(provider: Provider) -> Duration {
    match provider {
        Provider::Aws => Duration::from_secs(20),
        Provider::Azure => Duration::from_secs(40),
        Provider::Gcp => Duration::from_secs(45),
    }
}
/// The label kube-controller-manager (1.33+) puts on the Endpoints it manages.
const EP_MANAGED_BY: &str = "endpoints.kubernetes.io/managed-by";

/// A kind an OpenShift cluster serves without a CRD.
pub fn platform_type(
    group: &str,
    versions: &[&str],
    kind: &str,
    plural: &str,
    namespaced: bool,
    short_names: &[&str],
    categories: &[&str],
) -> ResourceType {
    ResourceType {
        group: group.into(),
        versions: versions.iter().map(|v| v.to_string()).collect(),
        kind: kind.into(),
        plural: plural.into(),
        singular: kind.to_ascii_lowercase(),
        short_names: short_names.iter().map(|s| s.to_string()).collect(),
        categories: categories.iter().map(|s| s.to_string()).collect(),
        namespaced,
        status_subresource: plural != "projects" && plural != "projectrequests",
        strategic_merge: true,
        schema: None,
        printer_columns: None,
    }
}

pub fn platform_types() -> Vec<ResourceType> {
    vec![
        platform_type(
            CONFIG_GROUP,
            &["v1"],
            "Infrastructure",
            "infrastructures",
            false,
            &[],
            &[],
        ),
        // openshift-apiserver serves routes (no CRD on OpenShift); its checks are those of the
        // CRD openshift/api generates from the same type (route/v1/zz_generated.crd-manifests).
        ResourceType {
            schema: crate::types::openshift::crds().into_iter().find_map(|c| {
                let c = serde_json::to_value(c).ok()?;
                ResourceType::from_crd(&c).ok()?.schema
            }),
            ..platform_type(ROUTE_GROUP, &["v1"], "Route", "routes", true, &[], &[])
        },
        platform_type(
            PROJECT_GROUP,
            &["v1"],
            "Project",
            "projects",
            false,
            &[],
            &[],
        ),
        platform_type(
            PROJECT_GROUP,
            &["v1"],
            "ProjectRequest",
            "projectrequests",
            false,
            &[],
            &[],
        ),
        // OLM's package server (an aggregated API, no CRD) serves packagemanifests; the type's
        // schema and printer columns come from the same Go type (`crate::types::olm`).
        ResourceType {
            status_subresource: false,
            ..serde_json::to_value(crate::types::olm::PackageManifest::crd())
                .ok()
                .and_then(|c| ResourceType::from_crd(&c).ok())
                .unwrap_or_else(|| {
                    platform_type(
                        PACKAGES_GROUP,
                        &["v1"],
                        "PackageManifest",
                        "packagemanifests",
                        true,
                        &[],
                        &[],
                    )
                })
        },
    ]
}

/// OLM's CRDs, generated once from `crate::types::olm`.
fn olm_crds() -> &'static [Value] {
    static CRDS: std::sync::LazyLock<Vec<Value>> = std::sync::LazyLock::new(|| {
        crate::types::olm::crds()
            .into_iter()
            .filter_map(|c| serde_json::to_value(c).ok())
            .collect()
    });
    &CRDS
}

/// Registers OpenShift's kinds and creates what a fresh cluster has (kept if already there).
pub fn register(cluster: &SimCluster) {
    for rt in platform_types() {
        cluster.store.register_type(rt);
    }
    let o = Objects::of(cluster);
    // OLM's kinds are CustomResourceDefinitions on OpenShift (operator-framework/api `crds/`).
    for crd in olm_crds() {
        create_if_absent(
            &o,
            "apiextensions.k8s.io",
            "customresourcedefinitions",
            crd.clone(),
        );
    }
    for ns in PLATFORM_NAMESPACES {
        create_if_absent(
            &o,
            "",
            "namespaces",
            json!({"metadata": {"name": ns, "annotations": {"openshift.io/node-selector": ""}}}),
        );
    }
    for (name, display, image) in CATALOGS {
        create_if_absent(
            &o,
            OLM_GROUP,
            "catalogsources",
            json!({
                "metadata": {"name": name, "namespace": MARKETPLACE_NAMESPACE},
                "spec": {"sourceType": "grpc", "displayName": display, "publisher": "Red Hat",
                    "image": format!("registry.redhat.io/redhat/{image}:v4.16"),
                    "updateStrategy": {"registryPoll": {"interval": "10m"}}},
                "status": {"connectionState": {"address": format!("{name}.{MARKETPLACE_NAMESPACE}.svc:50051"),
                    "lastObservedState": "READY", "lastConnect": crate::sim::store::now()}},
            }),
        );
    }
    // What the package server lists from the catalog (see `olm::package_manifest`).
    if let Some(catalog) = o.get(
        OLM_GROUP,
        "catalogsources",
        MARKETPLACE_NAMESPACE,
        olm::CATALOG,
    ) {
        for pkg in olm::PACKAGES {
            create_if_absent(
                &o,
                PACKAGES_GROUP,
                "packagemanifests",
                olm::package_manifest(pkg, &catalog),
            );
        }
    }
    // The cluster's platform, as the installer records it (openshift/api
    // config/v1/types_infrastructure.go: `status.platformStatus.type` is AWS, Azure, GCP...).
    let (platform, details) = match cluster.provider {
        Provider::Aws => ("AWS", json!({"aws": {"region": "us-east-1"}})),
        Provider::Azure => ("Azure", json!({"azure": {"cloudName": "AzurePublicCloud"}})),
        Provider::Gcp => (
            "GCP",
            json!({"gcp": {"projectID": cluster.name, "region": "us-central1"}}),
        ),
    };
    let mut platform_status = json!({"type": platform});
    if let (Some(s), Some(d)) = (platform_status.as_object_mut(), details.as_object()) {
        s.extend(d.clone());
    }
    create_if_absent(
        &o,
        CONFIG_GROUP,
        "infrastructures",
        json!({
            "apiVersion": "config.openshift.io/v1", "kind": "Infrastructure",
            "metadata": {"name": "cluster"},
            "spec": {"platformSpec": {"type": platform}},
            "status": {"platform": platform, "platformStatus": platform_status,
                "infrastructureName": format!("{}-x7k2p", cluster.name),
                "controlPlaneTopology": "HighlyAvailable", "infrastructureTopology": "HighlyAvailable"},
        }),
    );
    // OpenShift's global OperatorGroup: no target namespaces, so all of them (its status is
    // written by the OLM controller, as OLM does).
    create_if_absent(
        &o,
        OLM_GROUP,
        "operatorgroups",
        json!({
            "metadata": {"name": "global-operators", "namespace": OPERATORS_NAMESPACE},
            "spec": {"upgradeStrategy": "Default"},
        }),
    );
}

/// Creates an object as the platform unless it exists (status included).
pub fn create_if_absent(o: &Objects, group: &str, plural: &str, object: Value) {
    let Some(rt) = o.cluster.store.find(group, plural) else {
        return;
    };
    let ns = text(&object, "/metadata/namespace").to_string();
    let name = text(&object, "/metadata/name").to_string();
    let _ = o
        .cluster
        .store
        .modify(&rt, &ns, &name, Part::Whole, true, |current| {
            Ok(current.cloned().unwrap_or(object))
        });
}

/// A stable digest of some names.
pub fn digest(parts: &[&str]) -> [u8; 32] {
    let joined = parts.join("/");
    let d = ring::digest::digest(&ring::digest::SHA256, joined.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The address a cloud gives a LoadBalancer Service (`attempt` > 0 after a collision).
pub fn lb_address(
    provider: Provider,
    cluster: &str,
    ns: &str,
    name: &str,
    nlb: bool,
    attempt: u32,
) -> String {
    let salt = attempt.to_string();
    let d = digest(&[cluster, ns, name, &salt]);
    match provider {
        Provider::Aws if nlb => format!(
            "a{}-{}.elb.us-east-1.amazonaws.com",
            hex(&d[..16]),
            hex(&d[16..24])
        ),
        Provider::Aws => {
            let n = u64::from_be_bytes([d[16], d[17], d[18], d[19], d[20], d[21], d[22], d[23]]);
            format!(
                "a{}-{:010}.us-east-1.elb.amazonaws.com",
                hex(&d[..16]),
                n % 10_000_000_000
            )
        }
        Provider::Azure => format!("20.{}.{}.{}", d[0], d[1], 1 + d[2] % 254),
        Provider::Gcp => format!("34.{}.{}.{}", d[0], d[1], 1 + d[2] % 254),
    }
}

/// A plausible pod IP on OpenShift's default cluster network (10.128.0.0/14).
pub fn pod_ip(parts: &[&str]) -> String {
    let d = digest(parts);
    format!("10.{}.{}.{}", 128 + d[0] % 4, d[1], 2 + d[2] % 250)
}

/// Whether every `selector` label is among `labels`.
pub fn selects(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|sel| !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// Registers the load balancer addresses already in the stores, so that after a restart peers
/// find them before any controller has run (a restart must not disconnect a federation).
pub fn restore_network(world: &World) {
    for cluster in &world.clusters {
        for svc in Objects::of(cluster).list("", "services", None) {
            let address = svc
                .pointer("/status/loadBalancer/ingress/0")
                .and_then(|i| i.get("hostname").or(i.get("ip")))
                .and_then(Value::as_str);
            if let Some(address) = address.filter(|_| text(&svc, "/spec/type") == "LoadBalancer") {
                let endpoint = Endpoint {
                    cluster: cluster.name.clone(),
                    namespace: text(&svc, "/metadata/namespace").to_string(),
                    service: text(&svc, "/metadata/name").to_string(),
                };
                world.network.register(address, endpoint);
            }
        }
    }
}

/// The OpenShift platform controller: LoadBalancers, Routes, Endpoints.
#[derive(Default)]
pub struct OpenShift {
    timers: Timers,
    /// Addresses this controller registered: (cluster, namespace, service) → address.
    registered: Mutex<BTreeMap<(String, String, String), String>>,
}

impl OpenShift {
    pub fn new() -> Self {
        Self::default()
    }

    fn load_balancers(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        let Some(rt) = cluster.store.find("", "services") else {
            return;
        };
        let mut seen = BTreeSet::new();
        for svc in o.list("", "services", None) {
            let ns = text(&svc, "/metadata/namespace").to_string();
            let name = text(&svc, "/metadata/name").to_string();
            let key = format!("lb/{}/{ns}/{name}", cluster.name);
            let is_lb = text(&svc, "/spec/type") == "LoadBalancer";
            let current = svc
                .pointer("/status/loadBalancer/ingress/0")
                .and_then(|i| i.get("hostname").or(i.get("ip")))
                .and_then(Value::as_str)
                .map(str::to_string);
            if !is_lb {
                self.timers.forget(&key);
                if current.is_some() {
                    let _ = cluster
                        .store
                        .modify(&rt, &ns, &name, Part::Whole, false, |c| {
                            let mut v = c.cloned().unwrap_or_default();
                            v["status"] = json!({"loadBalancer": {}});
                            Ok(v)
                        });
                }
                continue;
            }
            let endpoint = Endpoint {
                cluster: cluster.name.clone(),
                namespace: ns.clone(),
                service: name.clone(),
            };
            let address = match current {
                Some(a) => a,
                None => {
                    if !self
                        .timers
                        .due(&key, world.delay(lb_delay(cluster.provider)), next)
                    {
                        continue;
                    }
                    let nlb = svc
                        .pointer("/metadata/annotations/service.beta.kubernetes.io~1aws-load-balancer-type")
                        .and_then(Value::as_str)
                        == Some("nlb");
                    let address = (0..)
                        .map(|i| lb_address(cluster.provider, &cluster.name, &ns, &name, nlb, i))
                        .find(|a| world.network.resolve(a).is_none_or(|e| e == endpoint))
                        .unwrap_or_default();
                    let field = if cluster.provider == Provider::Aws {
                        "hostname"
                    } else {
                        "ip"
                    };
                    let mut ingress = json!({ field: address });
                    if cluster.provider != Provider::Aws {
                        ingress["ipMode"] = json!("VIP");
                    }
                    let _ = cluster
                        .store
                        .modify(&rt, &ns, &name, Part::Whole, false, |c| {
                            let mut v = c.cloned().unwrap_or_default();
                            v["status"] = json!({"loadBalancer": {"ingress": [ingress]}});
                            Ok(v)
                        });
                    address
                }
            };
            world.network.register(&address, endpoint);
            let id = (cluster.name.clone(), ns, name);
            seen.insert(id.clone());
            self.registered
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, address);
        }
        let mut registered = self.registered.lock().unwrap_or_else(|e| e.into_inner());
        registered.retain(|id, address| {
            let keep = id.0 != cluster.name || seen.contains(id);
            if !keep {
                world.network.unregister(address);
            }
            keep
        });
    }

    fn routes(&self, cluster: &SimCluster) {
        let Some(rt) = cluster.store.find(ROUTE_GROUP, "routes") else {
            return;
        };
        for route in Objects::of(cluster).list(ROUTE_GROUP, "routes", None) {
            let ns = text(&route, "/metadata/namespace").to_string();
            let name = text(&route, "/metadata/name").to_string();
            let _ = cluster.store.modify(&rt, &ns, &name, Part::Whole, false, |c| {
                let mut v = c.cloned().unwrap_or_default();
                let mut host = text(&v, "/spec/host").to_string();
                if host.is_empty() {
                    host = format!("{name}-{ns}.apps.{}.example.com", cluster.name);
                    v["spec"]["host"] = json!(host);
                }
                let since = v
                    .pointer("/status/ingress/0/conditions/0/lastTransitionTime")
                    .cloned()
                    .unwrap_or_else(|| json!(crate::sim::store::now()));
                v["status"] = json!({"ingress": [{
                    "host": host, "routerName": "default", "wildcardPolicy": "None",
                    "routerCanonicalHostname": format!("router-default.apps.{}.example.com", cluster.name),
                    "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": since}],
                }]});
                Ok(v)
            });
        }
    }

    fn endpoints(&self, cluster: &SimCluster) {
        let o = Objects::of(cluster);
        let pods = o.list("", "pods", None);
        let mut wanted = BTreeSet::new();
        for svc in o.list("", "services", None) {
            let selector = svc.pointer("/spec/selector").unwrap_or(&Value::Null);
            if selector.as_object().is_none_or(|s| s.is_empty()) {
                continue;
            }
            let ns = text(&svc, "/metadata/namespace").to_string();
            let name = text(&svc, "/metadata/name").to_string();
            // endpoints_controller.go: every selected Pod with an IP, ready ones as addresses,
            // the others as notReadyAddresses; Pods being deleted are left out.
            let (mut addresses, mut not_ready) = (Vec::new(), Vec::new());
            for pod in pods.iter().filter(|p| {
                text(p, "/metadata/namespace") == ns
                    && p.pointer("/metadata/deletionTimestamp")
                        .is_none_or(Value::is_null)
                    && !text(p, "/status/podIP").is_empty()
                    && selects(
                        selector,
                        p.pointer("/metadata/labels").unwrap_or(&Value::Null),
                    )
            }) {
                let address = json!({
                    "ip": text(pod, "/status/podIP"),
                    "nodeName": text(pod, "/spec/nodeName"),
                    "targetRef": {"kind": "Pod", "name": text(pod, "/metadata/name"),
                        "namespace": ns, "uid": text(pod, "/metadata/uid")},
                });
                let ready = pod
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|c| text(c, "/type") == "Ready" && text(c, "/status") == "True");
                if ready {
                    addresses.push(address);
                } else {
                    not_ready.push(address);
                }
            }
            let ports: Vec<Value> = svc
                .pointer("/spec/ports")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|p| {
                    let port = p
                        .get("targetPort")
                        .and_then(Value::as_i64)
                        .or(p.get("port").and_then(Value::as_i64))
                        .unwrap_or(0);
                    let mut e = json!({"port": port, "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))});
                    if let Some(n) = p.get("name") {
                        e["name"] = n.clone();
                    }
                    e
                })
                .collect();
            let subsets = match (addresses.is_empty(), not_ready.is_empty()) {
                (true, true) => json!([]),
                (false, true) => json!([{"addresses": addresses, "ports": ports}]),
                (true, false) => json!([{"notReadyAddresses": not_ready, "ports": ports}]),
                (false, false) => json!([{"addresses": addresses,
                    "notReadyAddresses": not_ready, "ports": ports}]),
            };
            let mut labels = svc
                .pointer("/metadata/labels")
                .cloned()
                .unwrap_or(json!({}));
            labels[EP_MANAGED_BY] = json!("endpoint-controller");
            let _ = o.ensure(
                "",
                "endpoints",
                json!({"metadata": {"name": name, "namespace": ns, "labels": labels}, "subsets": subsets}),
            );
            wanted.insert((ns, name));
        }
        for ep in o.list("", "endpoints", None) {
            if ep
                .pointer(&format!(
                    "/metadata/labels/{}",
                    EP_MANAGED_BY.replace('/', "~1")
                ))
                .is_none()
            {
                continue;
            }
            let ns = text(&ep, "/metadata/namespace").to_string();
            let name = text(&ep, "/metadata/name").to_string();
            if !wanted.contains(&(ns.clone(), name.clone())) {
                o.delete("", "endpoints", &ns, &name);
            }
        }
    }
}

impl Controller for OpenShift {
    fn name(&self) -> &'static str {
        "openshift"
    }

    fn interested(&self, _cluster: &str, group: &str, plural: &str) -> bool {
        matches!(
            (group, plural),
            ("", "services" | "pods") | (ROUTE_GROUP, "routes")
        )
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let mut next = Next::Idle;
        // Each cluster's platform is its own: only where something changed needs a look.
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            self.load_balancers(world, cluster, &mut next);
            self.routes(cluster);
            self.endpoints(cluster);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_look_like_the_clouds_and_are_stable() {
        let a = lb_address(Provider::Aws, "rosa", "m", "gw", false, 0);
        assert!(
            a.starts_with('a') && a.ends_with(".us-east-1.elb.amazonaws.com"),
            "{a}"
        );
        let (head, _) = a.split_once('.').unwrap();
        let (id, num) = head[1..].split_once('-').unwrap();
        assert_eq!((id.len(), num.len()), (32, 10));
        assert_eq!(a, lb_address(Provider::Aws, "rosa", "m", "gw", false, 0));
        assert!(lb_address(Provider::Aws, "rosa", "m", "gw", true, 0).contains(".elb.us-east-1."));
        let ip = lb_address(Provider::Azure, "aro", "m", "gw", false, 0);
        assert!(ip.starts_with("20."), "{ip}");
        assert!(lb_address(Provider::Gcp, "rog", "m", "gw", false, 0).starts_with("34."));
        assert_ne!(ip, lb_address(Provider::Azure, "aro", "m", "gw2", false, 0));
    }
}
