//! The Red Hat OpenShift Service Mesh 2.x operator (Maistra istio-operator) and istiod's CA.
//!
//! Imitates: the operator's admission webhook (`smcp.mutation.maistra.io`,
//! `smcp.validation.maistra.io`, `smmr.validation.maistra.io`), which serves one delay after the
//! operator's CSV succeeds — before that, SMCP/SMMR writes fail with the API server's real
//! "failed calling webhook ... connection refused" error; the ServiceMeshControlPlane controller
//! (istiod, the default ingress/egress gateways with the `istio-ingressgateway` Route, every
//! `additionalIngress`/`additionalEgress` gateway with its Service, labels, ports, type and
//! `<gateway>-service-account`, Prometheus, the mesh ConfigMap, status conditions
//! Installed/Reconciled/Ready and `readiness.components`); istiod's self-signed root CA (a real
//! X.509 CA with `O=<trust domain>`, kept in Secret `istio-ca-secret` like istiod's, published as
//! ConfigMap `istio-ca-root-cert` in the mesh and member namespaces); and the
//! ServiceMeshMemberRoll controller (member labels, configured/pending members, reasons as
//! maistra's `memberroll_controller.go`).
//!
//! Approximated: no Pods, no sidecar injection, no Kiali/Grafana/Jaeger instances; readiness is
//! grouped by chart (`istio-discovery`, `istio-ingress`, `istio-egress`, `prometheus`); the SMMR is
//! Ready only once the SMCP is Ready (the walkthrough waits on it as "mesh installed"); the webhook
//! cannot check what needs the store (one SMCP per namespace, the operator namespace).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::delays::Timers;
use super::olm::{SERVICE_MESH_CSV, WEBHOOK_CLUSTER_IP, WEBHOOK_SERVICE};
use super::openshift::{OLM_GROUP, ROUTE_GROUP, create_if_absent, pod_ip};
use super::{Changes, Controller, Next, Objects, condition};
use crate::sim::cluster::{Admission, Operation, SimCluster};
use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;
use crate::sim::store::{Part, text};
use crate::sim::world::World;

pub const GROUP: &str = "maistra.io";
/// The cluster flag the webhook admission reads and this controller sets.
pub const WEBHOOK_FLAG: &str = "maistra-admission-webhook";
pub const OPERATOR_VERSION: &str = "2.6.4-1";
pub const SUPPORTED_VERSIONS: &[&str] = &["v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6"];
pub const DEFAULT_VERSION: &str = "v2.6";
const MANAGED_BY: &str = "maistra-istio-operator";
const MEMBER_OF: &str = "maistra.io/member-of";
const CA_SECRET: &str = "istio-ca-secret";
const CA_CONFIGMAP: &str = "istio-ca-root-cert";

const WEBHOOK_DELAY: Duration = Duration::from_secs(5);
const INSTALL_DELAY: Duration = Duration::from_secs(5);

/// Registers the operator's admission webhook (off until the controller turns it on).
pub fn register(cluster: &SimCluster) {
    cluster.add_admission(Arc::new(Webhook {
        serving: cluster.flag(WEBHOOK_FLAG),
    }));
}

/// The operator's webhooks, as the API server calls them.
pub struct Webhook {
    pub serving: Arc<AtomicBool>,
}

fn denied(hook: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError {
        code: 400,
        reason: "BadRequest",
        message: format!("admission webhook \"{hook}\" denied the request: {message}"),
        details: None,
    }
}

/// The API server's error when the webhook's Service has no endpoints yet.
pub fn unreachable(hook: &str, path: &str) -> ApiError {
    ApiError::webhook_failed(format!(
        "Internal error occurred: failed calling webhook \"{hook}\": failed to call webhook: Post \"https://{WEBHOOK_SERVICE}.openshift-operators.svc:443/{path}?timeout=10s\": dial tcp {WEBHOOK_CLUSTER_IP}:443: connect: connection refused"
    ))
}

impl Admission for Webhook {
    fn admit(&self, rt: &ResourceType, _op: Operation, object: &Value) -> Result<(), ApiError> {
        if rt.group != GROUP {
            return Ok(());
        }
        let smcp = match rt.plural.as_str() {
            "servicemeshcontrolplanes" => true,
            "servicemeshmemberrolls" => false,
            _ => return Ok(()),
        };
        if !self.serving.load(Ordering::SeqCst) {
            return Err(if smcp {
                unreachable("smcp.mutation.maistra.io", "mutate-smcp")
            } else {
                unreachable("smmr.validation.maistra.io", "validate-smmr")
            });
        }
        if !smcp {
            if text(object, "/metadata/name") != "default" {
                return Err(denied(
                    "smmr.validation.maistra.io",
                    "ServiceMeshMemberRoll must be named 'default'",
                ));
            }
            return Ok(());
        }
        let hook = "smcp.validation.maistra.io";
        let version = text(object, "/spec/version");
        if !version.is_empty() && !SUPPORTED_VERSIONS.contains(&version) {
            return Err(denied(
                hook,
                format!(
                    "invalid Version specified; supported versions are: [{}]",
                    SUPPORTED_VERSIONS.join(" ")
                ),
            ));
        }
        for kind in ["additionalIngress", "additionalEgress"] {
            let gateways = object
                .pointer(&format!("/spec/gateways/{kind}"))
                .and_then(Value::as_object);
            for name in gateways.into_iter().flat_map(|g| g.keys()) {
                if let Err(e) = crate::names::dns1123_label(name) {
                    return Err(denied(
                        hook,
                        format!("spec.gateways.{kind}.{name}: Invalid value: \"{name}\": {e}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// istiod's self-signed root: a CA certificate with the trust domain as its Organization.
pub fn generate_ca(trust_domain: &str) -> Result<(String, String), rcgen::Error> {
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::OrganizationName, trust_domain);
    let params = crate::sim::tls::ca_params(name, rcgen::BasicConstraints::Unconstrained)?;
    let key = rcgen::KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// One workload the control plane runs.
struct Workload {
    name: String,
    component: &'static str,
    labels: Map<String, Value>,
    annotations: Map<String, Value>,
    service_type: String,
    ports: Vec<Value>,
    service_account: String,
    env: Vec<Value>,
}

fn port(name: &str, port: i64, target: i64) -> Value {
    json!({"name": name, "port": port, "targetPort": target, "protocol": "TCP"})
}

fn labels(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect()
}

fn disabled(v: Option<&Value>) -> bool {
    v.and_then(|v| v.get("enabled")).and_then(Value::as_bool) == Some(false)
}

/// A gateway as declared under `spec.gateways` (defaults for the two built-in ones).
fn gateway(
    name: &str,
    component: &'static str,
    spec: Option<&Value>,
    default_ports: Vec<Value>,
) -> Workload {
    let svc = spec.and_then(|s| s.get("service"));
    let mut l = labels(&[("app", name), ("istio", name)]);
    if name == "istio-ingressgateway" {
        l.insert("istio".into(), json!("ingressgateway"));
    } else if name == "istio-egressgateway" {
        l.insert("istio".into(), json!("egressgateway"));
    }
    if let Some(extra) = svc
        .and_then(|s| s.pointer("/metadata/labels"))
        .and_then(Value::as_object)
    {
        for (k, v) in extra {
            if v.is_string() {
                l.insert(k.clone(), v.clone());
            }
        }
    }
    let annotations = svc
        .and_then(|s| s.pointer("/metadata/annotations"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.is_string())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    let ports = match svc.and_then(|s| s.get("ports")).and_then(Value::as_array) {
        Some(ports) if !ports.is_empty() => ports
            .iter()
            .map(|p| {
                let number = p.get("port").and_then(Value::as_i64).unwrap_or(0);
                let mut out = json!({"name": p.get("name").cloned().unwrap_or(json!(format!("port-{number}"))),
                    "port": number, "targetPort": p.get("targetPort").cloned().unwrap_or(json!(number)),
                    "protocol": p.get("protocol").cloned().unwrap_or(json!("TCP"))});
                if let Some(np) = p.get("nodePort") {
                    out["nodePort"] = np.clone();
                }
                out
            })
            .collect(),
        _ => default_ports,
    };
    let service_type = svc
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP")
        .to_string();
    let mut env = Vec::new();
    if let Some(views) = spec
        .and_then(|s| s.get("requestedNetworkView"))
        .and_then(Value::as_array)
    {
        let joined: Vec<&str> = views.iter().filter_map(Value::as_str).collect();
        env.push(json!({"name": "ISTIO_META_REQUESTED_NETWORK_VIEW", "value": joined.join(",")}));
    }
    if let Some(mode) = spec
        .and_then(|s| s.get("routerMode"))
        .and_then(Value::as_str)
    {
        env.push(json!({"name": "ISTIO_META_ROUTER_MODE", "value": mode}));
    }
    Workload {
        name: name.to_string(),
        component,
        labels: l,
        annotations,
        service_type,
        ports,
        service_account: format!("{name}-service-account"),
        env,
    }
}

/// Every workload an SMCP's spec asks for.
fn workloads(smcp_name: &str, spec: &Value) -> Vec<Workload> {
    let istiod = format!("istiod-{smcp_name}");
    let mut out = vec![Workload {
        name: istiod.clone(),
        component: "istio-discovery",
        labels: labels(&[
            ("app", "istiod"),
            ("istio", "pilot"),
            ("istio.io/rev", smcp_name),
        ]),
        annotations: Map::new(),
        service_type: "ClusterIP".into(),
        ports: vec![
            port("grpc-xds", 15010, 15010),
            port("https-dns", 15012, 15012),
            port("https-webhook", 443, 15017),
            port("http-monitoring", 15014, 15014),
        ],
        service_account: istiod,
        env: Vec::new(),
    }];
    let gateways = spec.get("gateways");
    let all_off = disabled(gateways);
    let ingress = gateways.and_then(|g| g.get("ingress"));
    if !all_off && !disabled(ingress) {
        out.push(gateway(
            "istio-ingressgateway",
            "istio-ingress",
            ingress,
            vec![
                port("status-port", 15021, 15021),
                port("http2", 80, 8080),
                port("https", 443, 8443),
            ],
        ));
    }
    let egress = gateways.and_then(|g| g.get("egress"));
    if !all_off && !disabled(egress) {
        out.push(gateway(
            "istio-egressgateway",
            "istio-egress",
            egress,
            vec![
                port("http2", 80, 8080),
                port("https", 443, 8443),
                port("tls", 15443, 15443),
            ],
        ));
    }
    for (field, component) in [
        ("additionalIngress", "istio-ingress"),
        ("additionalEgress", "istio-egress"),
    ] {
        let extra = gateways
            .and_then(|g| g.get(field))
            .and_then(Value::as_object);
        for (name, gw) in extra.into_iter().flatten() {
            if all_off || disabled(Some(gw)) || crate::names::dns1123_label(name).is_err() {
                continue;
            }
            out.push(gateway(
                name,
                component,
                Some(gw),
                vec![port("tls", 15443, 15443)],
            ));
        }
    }
    if !disabled(spec.pointer("/addons/prometheus")) {
        out.push(Workload {
            name: "prometheus".into(),
            component: "prometheus",
            labels: labels(&[("app", "prometheus")]),
            annotations: Map::new(),
            service_type: "ClusterIP".into(),
            ports: vec![port("http-prometheus", 9090, 9090)],
            service_account: "prometheus".into(),
            env: Vec::new(),
        });
    }
    out
}

fn trust_domain(spec: &Value) -> String {
    match text(spec, "/security/trust/domain") {
        "" => "cluster.local".to_string(),
        d => d.to_string(),
    }
}

#[derive(Default)]
pub struct Ossm {
    timers: Timers,
}

/// Objects the controller wants this reconcile, by (plural, namespace, name).
type Wanted = BTreeSet<(&'static str, String, String)>;

impl Ossm {
    pub fn new() -> Self {
        Self::default()
    }

    fn webhook(&self, world: &World, cluster: &SimCluster, next: &mut Next) {
        let o = Objects::of(cluster);
        let flag = cluster.flag(WEBHOOK_FLAG);
        let csv = o
            .list(OLM_GROUP, "clusterserviceversions", None)
            .into_iter()
            .find(|c| text(c, "/metadata/name") == SERVICE_MESH_CSV);
        let key = format!("webhook/{}", cluster.name);
        let Some(csv) = csv.filter(|c| text(c, "/status/phase") == "Succeeded") else {
            flag.store(false, Ordering::SeqCst);
            self.timers.forget(&key);
            for ep in o.list("", "endpoints", None) {
                if text(&ep, "/metadata/name") == WEBHOOK_SERVICE {
                    o.delete(
                        "",
                        "endpoints",
                        text(&ep, "/metadata/namespace"),
                        WEBHOOK_SERVICE,
                    );
                }
            }
            return;
        };
        let ns = text(&csv, "/metadata/namespace").to_string();
        let serving = flag.load(Ordering::SeqCst)
            || o.get("", "endpoints", &ns, WEBHOOK_SERVICE).is_some()
            || self.timers.due(&key, world.delay(WEBHOOK_DELAY), next);
        if !serving {
            return;
        }
        let pod = "istio-operator-6c7d8b9f5d-x7k2p";
        let _ = o.ensure(
            "",
            "endpoints",
            json!({"metadata": {"name": WEBHOOK_SERVICE, "namespace": ns},
                "subsets": [{"addresses": [{"ip": pod_ip(&[&cluster.name, &ns, "istio-operator"]),
                    "targetRef": {"kind": "Pod", "name": pod, "namespace": ns}}],
                    "ports": [{"port": 11999, "protocol": "TCP"}]}]}),
        );
        flag.store(true, Ordering::SeqCst);
    }

    /// The mesh CA (created once, then read back from its Secret) and its root PEM.
    fn ca(&self, o: &Objects, ns: &str, trust: &str) -> Option<String> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let read = |s: &Value| {
            let data = s.pointer("/data/ca-cert.pem")?.as_str()?;
            String::from_utf8(b64.decode(data).ok()?).ok()
        };
        if let Some(pem) = o.get("", "secrets", ns, CA_SECRET).and_then(|s| read(&s)) {
            return Some(pem);
        }
        let (cert, key) = generate_ca(trust).ok()?;
        create_if_absent(
            o,
            "",
            "secrets",
            json!({"metadata": {"name": CA_SECRET, "namespace": ns, "labels": {"istio.io/ca-root": "true"}},
                "type": "istio.io/ca-root",
                "data": {"ca-cert.pem": b64.encode(cert.as_bytes()), "ca-key.pem": b64.encode(key.as_bytes()),
                    "cert-chain.pem": "", "key.pem": "", "root-cert.pem": ""}}),
        );
        // Whoever created it first wins.
        o.get("", "secrets", ns, CA_SECRET).and_then(|s| read(&s))
    }

    fn control_plane(
        &self,
        world: &World,
        cluster: &SimCluster,
        smcp: &Value,
        wanted: &mut Wanted,
        next: &mut Next,
    ) {
        let o = Objects::of(cluster);
        let ns = text(smcp, "/metadata/namespace").to_string();
        let name = text(smcp, "/metadata/name").to_string();
        let generation = smcp
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let spec = smcp.get("spec").unwrap_or(&Value::Null);
        let installed = smcp.pointer("/status/observedGeneration").is_some();
        let key = format!("install/{}/{ns}/{name}", cluster.name);
        if !installed && !self.timers.due(&key, world.delay(INSTALL_DELAY), next) {
            return;
        }
        let trust = trust_domain(spec);
        let owner = json!([{"apiVersion": "maistra.io/v2", "kind": "ServiceMeshControlPlane",
            "name": name, "uid": text(smcp, "/metadata/uid"), "controller": true, "blockOwnerDeletion": true}]);
        let common = labels(&[
            ("maistra.io/owner", &ns),
            ("maistra.io/owner-name", &name),
            ("app.kubernetes.io/managed-by", MANAGED_BY),
            ("app.kubernetes.io/part-of", "istio"),
            ("maistra-version", "2.6.4"),
        ]);
        let meta = |obj_name: &str,
                    extra: &Map<String, Value>,
                    annotations: &Map<String, Value>| {
            let mut l = common.clone();
            l.extend(extra.clone());
            let mut m =
                json!({"name": obj_name, "namespace": ns, "labels": l, "ownerReferences": owner});
            // Annotations only when it sets some: others' (the deployment controller's
            // revision) stay, as with a real operator's merge.
            if !annotations.is_empty() {
                m["annotations"] = json!(annotations);
            }
            m
        };
        let mut want = |plural: &'static str, obj_name: &str| {
            wanted.insert((plural, ns.clone(), obj_name.to_string()));
        };

        let mut components: BTreeMap<&'static str, bool> = BTreeMap::new();
        for w in workloads(&name, spec) {
            let selector: Map<String, Value> = w
                .labels
                .iter()
                .filter(|(k, _)| matches!(k.as_str(), "app" | "istio" | "istio.io/rev"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut pod_labels = w.labels.clone();
            pod_labels.extend(selector.clone());
            let _ = o.ensure(
                "",
                "serviceaccounts",
                json!({"metadata": meta(&w.service_account, &w.labels, &Map::new())}),
            );
            want("serviceaccounts", &w.service_account);
            let mut container = json!({"name": if w.component == "istio-discovery" { "discovery" } else if w.name == "prometheus" { "prometheus" } else { "istio-proxy" },
                "image": format!("registry.redhat.io/openshift-service-mesh/{}:2.6.4",
                    match w.component { "istio-discovery" => "pilot-rhel8", "prometheus" => "prometheus-rhel8", _ => "proxyv2-rhel8" })});
            if !w.env.is_empty() {
                container["env"] = json!(w.env);
            }
            let _ = o.ensure(
                "apps",
                "deployments",
                json!({"metadata": meta(&w.name, &w.labels, &Map::new()),
                    "spec": {"replicas": 1, "selector": {"matchLabels": selector},
                        "template": {"metadata": {"labels": pod_labels, "annotations": {"sidecar.istio.io/inject": "false"}},
                            "spec": {"serviceAccountName": w.service_account, "containers": [container]}}}}),
            );
            want("deployments", &w.name);
            let _ = o.ensure(
                "",
                "services",
                json!({"metadata": meta(&w.name, &w.labels, &w.annotations),
                    "spec": {"type": w.service_type, "selector": selector, "ports": w.ports}}),
            );
            want("services", &w.name);
            let ready = o.get("apps", "deployments", &ns, &w.name).is_some_and(|d| {
                d.pointer("/status/observedGeneration") == d.pointer("/metadata/generation")
                    && d.pointer("/status/availableReplicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                        >= 1
            });
            let entry = components.entry(w.component).or_insert(true);
            *entry &= ready;
        }
        let ingress_enabled = !disabled(spec.get("gateways"))
            && !disabled(spec.pointer("/gateways/ingress"))
            && !disabled(spec.pointer("/gateways/openshiftRoute"));
        if ingress_enabled {
            let mut route_meta = meta(
                "istio-ingressgateway",
                &labels(&[("app", "istio-ingressgateway")]),
                &Map::new(),
            );
            route_meta["annotations"] = json!({"openshift.io/host.generated": "true"});
            create_if_absent(
                &o,
                ROUTE_GROUP,
                "routes",
                json!({"metadata": route_meta,
                    "spec": {"to": {"kind": "Service", "name": "istio-ingressgateway", "weight": 100},
                        "port": {"targetPort": 8080}, "wildcardPolicy": "None"}}),
            );
            want("routes", "istio-ingressgateway");
        }

        let version = match text(spec, "/version") {
            "" => DEFAULT_VERSION,
            v => v,
        };
        let mesh = format!(
            "defaultConfig:\n  discoveryAddress: istiod-{name}.{ns}.svc:15012\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: \"true\"\ntrustDomain: {trust}\nrootNamespace: {ns}\nenablePrometheusMerge: true\n"
        );
        let _ = o.ensure(
            "",
            "configmaps",
            json!({"metadata": meta(&format!("istio-{name}"), &labels(&[("istio.io/rev", &name)]), &Map::new()),
                "data": {"mesh": mesh, "meshNetworks": "networks: {}"}}),
        );
        want("configmaps", &format!("istio-{name}"));
        let root = self.ca(&o, &ns, &trust);
        if let Some(pem) = &root {
            let _ = o.ensure(
                "",
                "configmaps",
                json!({"metadata": meta(CA_CONFIGMAP, &labels(&[("istio.io/config", "true")]), &Map::new()),
                    "data": {"root-cert.pem": pem}}),
            );
            want("configmaps", CA_CONFIGMAP);
        }
        components.insert("mesh-config", root.is_some());

        let ready: Vec<&str> = components
            .iter()
            .filter(|(_, r)| **r)
            .map(|(c, _)| *c)
            .collect();
        let pending: Vec<&str> = components
            .iter()
            .filter(|(_, r)| !**r)
            .map(|(c, _)| *c)
            .collect();
        let all_ready = pending.is_empty();
        let previous = smcp.pointer("/status/conditions");
        let mut applied = spec.clone();
        applied["version"] = json!(version);
        let status = json!({
            "observedGeneration": generation,
            "operatorVersion": OPERATOR_VERSION,
            "chartVersion": "2.6.4",
            "appliedSpec": applied,
            "annotations": {"readyComponentCount": format!("{}/{}", ready.len(), components.len())},
            "readiness": {"components": {"ready": ready, "pending": pending, "unready": []}},
            "conditions": [
                condition(previous, "Installed", true, "InstallSuccessful", "Successfully installed all mesh components"),
                condition(previous, "Reconciled", true, "InstallSuccessful", &format!("Successfully installed version {OPERATOR_VERSION}")),
                if all_ready {
                    condition(previous, "Ready", true, "ComponentsReady", "All component deployments are Available")
                } else {
                    condition(previous, "Ready", false, "ComponentsNotReady", "Some components are not fully available")
                },
            ],
        });
        o.set_status(GROUP, "servicemeshcontrolplanes", &ns, &name, status);
    }

    fn member_roll(
        &self,
        cluster: &SimCluster,
        smmr: &Value,
        smcps: &[Arc<Value>],
        members_of: &mut BTreeMap<String, String>,
        wanted: &mut Wanted,
    ) {
        let o = Objects::of(cluster);
        let ns = text(smmr, "/metadata/namespace").to_string();
        let name = text(smmr, "/metadata/name").to_string();
        let previous = smmr.pointer("/status/conditions");
        let members: Vec<String> = smmr
            .pointer("/spec/members")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let mut status = json!({
            "observedGeneration": smmr.pointer("/metadata/generation").cloned().unwrap_or(json!(1)),
            "members": members,
        });
        let mesh: Vec<&Arc<Value>> = smcps
            .iter()
            .filter(|c| text(c, "/metadata/namespace") == ns)
            .collect();
        let blocked = if name != "default" {
            Some((
                "ErrInvalidName",
                "the ServiceMeshMemberRoll must be named 'default'",
            ))
        } else if mesh.is_empty() {
            Some((
                "ErrSMCPMissing",
                "No ServiceMeshControlPlane exists in the namespace",
            ))
        } else if mesh.len() > 1 {
            Some((
                "ErrMultipleSMCPs",
                "Multiple ServiceMeshControlPlane resources exist in the namespace",
            ))
        } else {
            let ready = mesh[0]
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                });
            (!ready).then_some((
                "SMCPReconciling",
                "Initial service mesh installation has not completed",
            ))
        };
        if let Some((reason, message)) = blocked {
            status["configuredMembers"] = json!(previous_list(smmr, "configuredMembers"));
            status["pendingMembers"] =
                json!(members.iter().filter(|m| **m != ns).collect::<Vec<_>>());
            status["conditions"] = json!([condition(previous, "Ready", false, reason, message)]);
            for m in previous_list(smmr, "configuredMembers") {
                members_of.entry(m).or_insert(ns.clone());
            }
            o.set_status(GROUP, "servicemeshmemberrolls", &ns, &name, status);
            return;
        }
        let smcp = mesh[0];
        let root = o
            .get("", "configmaps", &ns, CA_CONFIGMAP)
            .and_then(|c| c.pointer("/data/root-cert.pem").cloned());
        let mut configured = Vec::new();
        let mut pending = Vec::new();
        let mut statuses = Vec::new();
        let mut seen = BTreeSet::new();
        for m in &members {
            if *m == ns || !seen.insert(m.clone()) {
                continue;
            }
            let exists = o.get("", "namespaces", "", m).is_some();
            if exists {
                configured.push(m.clone());
                members_of.insert(m.clone(), ns.clone());
                if let Some(pem) = &root {
                    let _ = o.ensure(
                        "",
                        "configmaps",
                        json!({"metadata": {"name": CA_CONFIGMAP, "namespace": m,
                            "labels": {"istio.io/config": "true", "maistra.io/owner": ns,
                                "app.kubernetes.io/managed-by": MANAGED_BY}},
                            "data": {"root-cert.pem": pem}}),
                    );
                    wanted.insert(("configmaps", m.clone(), CA_CONFIGMAP.to_string()));
                }
                statuses.push(json!({"namespace": m, "conditions": [
                    condition(member_conditions(smmr, m).as_ref(), "Reconciled", true, "", "")]}));
            } else {
                pending.push(m.clone());
                statuses.push(json!({"namespace": m, "conditions": [
                    condition(member_conditions(smmr, m).as_ref(), "Reconciled", false, "ErrNamespaceMissing",
                        &format!("namespace \"{m}\" does not exist"))]}));
            }
        }
        configured.sort();
        let listed = members.iter().filter(|m| **m != ns).count();
        status["configuredMembers"] = json!(configured);
        status["pendingMembers"] = json!(pending);
        status["terminatingMembers"] = json!([]);
        status["memberStatuses"] = json!(statuses);
        status["meshGeneration"] = smcp
            .pointer("/metadata/generation")
            .cloned()
            .unwrap_or(json!(1));
        status["meshReconciledVersion"] = json!(format!(
            "{OPERATOR_VERSION}-{}",
            smcp.pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(1)
        ));
        status["annotations"] =
            json!({"configuredMemberCount": format!("{}/{}", configured.len(), listed)});
        status["conditions"] = json!([if pending.is_empty() {
            condition(
                previous,
                "Ready",
                true,
                "Configured",
                "All namespaces have been configured successfully",
            )
        } else {
            condition(
                previous,
                "Ready",
                false,
                "ErrNamespaceMissing",
                "A namespace listed in .spec.members does not exist",
            )
        }]);
        o.set_status(GROUP, "servicemeshmemberrolls", &ns, &name, status);
    }

    /// Member labels on namespaces: added for configured members, removed when dropped.
    fn label_members(&self, cluster: &SimCluster, members_of: &BTreeMap<String, String>) {
        let Some(rt) = cluster.store.find("", "namespaces") else {
            return;
        };
        for n in Objects::of(cluster).list("", "namespaces", None) {
            let name = text(&n, "/metadata/name").to_string();
            let current = n
                .pointer(&format!(
                    "/metadata/labels/{}",
                    MEMBER_OF.replace('/', "~1")
                ))
                .and_then(Value::as_str);
            let want = members_of.get(&name).map(String::as_str);
            if current == want {
                continue;
            }
            let _ = cluster
                .store
                .modify(&rt, "", &name, Part::Whole, false, |c| {
                    let mut v = c.cloned().unwrap_or_default();
                    let labels = v["metadata"]
                        .as_object_mut()
                        .map(|m| m.entry("labels").or_insert_with(|| json!({})));
                    if let Some(Value::Object(l)) = labels {
                        match want {
                            Some(mesh) => {
                                l.insert(MEMBER_OF.into(), json!(mesh));
                            }
                            None => {
                                l.remove(MEMBER_OF);
                            }
                        }
                    }
                    Ok(v)
                });
        }
    }

    /// Deletes what the operator created and no longer wants (removed gateways, deleted SMCPs).
    fn sweep(&self, cluster: &SimCluster, wanted: &Wanted) {
        let o = Objects::of(cluster);
        for (group, plural) in [
            ("apps", "deployments"),
            ("", "services"),
            ("", "serviceaccounts"),
            ("", "configmaps"),
            (ROUTE_GROUP, "routes"),
        ] {
            for obj in o.list(group, plural, None) {
                if text(&obj, "/metadata/labels/app.kubernetes.io~1managed-by") != MANAGED_BY {
                    continue;
                }
                let ns = text(&obj, "/metadata/namespace").to_string();
                let name = text(&obj, "/metadata/name").to_string();
                if !wanted.contains(&(plural, ns.clone(), name.clone())) {
                    o.delete(group, plural, &ns, &name);
                }
            }
        }
    }
}

fn previous_list(smmr: &Value, field: &str) -> Vec<String> {
    smmr.pointer(&format!("/status/{field}"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn member_conditions(smmr: &Value, member: &str) -> Option<Value> {
    smmr.pointer("/status/memberStatuses")
        .and_then(Value::as_array)?
        .iter()
        .find(|s| s["namespace"] == member)
        .and_then(|s| s.get("conditions").cloned())
}

impl Controller for Ossm {
    fn name(&self) -> &'static str {
        "ossm"
    }

    fn interested(&self, _cluster: &str, group: &str, plural: &str) -> bool {
        group == GROUP
            || matches!(
                (group, plural),
                ("", "namespaces")
                    | ("", "configmaps")
                    | ("", "secrets")
                    | ("", "services")
                    | ("apps", "deployments")
                    | (OLM_GROUP, "clusterserviceversions")
            )
    }

    fn reconcile(&self, world: &World, changes: &Changes) -> Next {
        let mut next = Next::Idle;
        // Each cluster's platform is its own: only where something changed needs a look.
        for cluster in world.clusters.iter().filter(|c| changes.touches(&c.name)) {
            self.webhook(world, cluster, &mut next);
            if cluster
                .store
                .find(GROUP, "servicemeshcontrolplanes")
                .is_none()
            {
                continue;
            }
            let o = Objects::of(cluster);
            let mut wanted = Wanted::new();
            let smcps = o.list(GROUP, "servicemeshcontrolplanes", None);
            for smcp in &smcps {
                self.control_plane(world, cluster, smcp, &mut wanted, &mut next);
            }
            // Re-read: the control planes' statuses just changed.
            let smcps = o.list(GROUP, "servicemeshcontrolplanes", None);
            let mut members_of = BTreeMap::new();
            for smmr in o.list(GROUP, "servicemeshmemberrolls", None) {
                self.member_roll(cluster, &smmr, &smcps, &mut members_of, &mut wanted);
            }
            self.label_members(cluster, &members_of);
            self.sweep(cluster, &wanted);
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smcp_type() -> ResourceType {
        ResourceType::from_crd(&super::super::crds::service_mesh()[0]).unwrap()
    }

    #[test]
    fn webhook_refuses_until_serving_then_validates() {
        let hook = Webhook {
            serving: Arc::new(AtomicBool::new(false)),
        };
        let rt = smcp_type();
        let smcp = json!({"metadata": {"name": "basic"}, "spec": {"version": "v2.6"}});
        let err = hook.admit(&rt, Operation::Create, &smcp).unwrap_err();
        assert_eq!((err.code, err.reason), (500, "InternalError"));
        assert!(err.message.starts_with("Internal error occurred: failed calling webhook \"smcp.mutation.maistra.io\": failed to call webhook: Post \"https://maistra-admission-controller.openshift-operators.svc:443/mutate-smcp?timeout=10s\": dial tcp 172.30."), "{}", err.message);
        assert!(err.message.ends_with(":443: connect: connection refused"));
        hook.serving.store(true, Ordering::SeqCst);
        hook.admit(&rt, Operation::Create, &smcp).unwrap();
        let bad = json!({"metadata": {"name": "basic"}, "spec": {"version": "v2.9"}});
        let err = hook.admit(&rt, Operation::Update, &bad).unwrap_err();
        assert_eq!(err.code, 400);
        assert_eq!(
            err.message,
            "admission webhook \"smcp.validation.maistra.io\" denied the request: invalid Version specified; supported versions are: [v2.0 v2.1 v2.2 v2.3 v2.4 v2.5 v2.6]"
        );
        let bad = json!({"metadata": {"name": "basic"}, "spec": {"gateways": {"additionalIngress": {"Bad_GW": {}}}}});
        let err = hook.admit(&rt, Operation::Create, &bad).unwrap_err();
        assert!(
            err.message
                .contains("spec.gateways.additionalIngress.Bad_GW"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_ca_is_a_ten_year_ca_named_after_the_trust_domain() {
        let (pem, _) = generate_ca("rosa-prod-mesh.local").unwrap();
        let (_, der) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
        let cert = der.parse_x509().unwrap();
        assert_eq!(cert.subject().to_string(), "O=rosa-prod-mesh.local");
        assert!(cert.is_ca());
        let days = (cert.validity().not_after.timestamp() - cert.validity().not_before.timestamp())
            / 86400;
        assert!((3649..=3651).contains(&days), "{days}");
    }

    #[test]
    fn workloads_follow_the_gateways_of_the_spec() {
        let spec = json!({"gateways": {"additionalIngress": {"aro-stg-ingress": {"service": {"type": "LoadBalancer",
            "metadata": {"labels": {"federation.maistra.io/ingress-for": "aro-stg-mesh"}},
            "ports": [{"port": 15443, "name": "tls"}, {"port": 8188, "name": "https-discovery"}]}}},
            "additionalEgress": {"aro-stg-egress": {"requestedNetworkView": ["network-aro-stg-mesh"]}}}});
        let w = workloads("basic", &spec);
        let names: Vec<&str> = w.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "istiod-basic",
                "istio-ingressgateway",
                "istio-egressgateway",
                "aro-stg-ingress",
                "aro-stg-egress",
                "prometheus"
            ]
        );
        let ingress = &w[3];
        assert_eq!(ingress.service_type, "LoadBalancer");
        assert_eq!(
            ingress.labels["federation.maistra.io/ingress-for"],
            "aro-stg-mesh"
        );
        assert_eq!(ingress.ports[1]["port"], 8188);
        assert_eq!(w[4].service_account, "aro-stg-egress-service-account");
    }
}
