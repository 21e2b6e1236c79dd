//! The Red Hat OpenShift Service Mesh 2.x operator (Maistra istio-operator) and istiod's CA.
//!
//! Imitates (maistra/istio-operator, branch maistra-2.5, the newest public one; status types
//! from maistra/api maistra-2.6 `core/v1/status.go`, `core/v2/controlplane_types.go`):
//! - the admission webhooks (`pkg/controller/servicemesh/webhooks`), serving one delay after the
//!   operator's CSV succeeds — before that, writes fail with the API server's real "failed
//!   calling webhook ... connection refused". The mutating ones default an SMCP's `version` and
//!   `profiles` and drop the mesh namespace from an SMMR's members; the validating ones refuse a
//!   second SMCP in a namespace, one in the operator's namespace, unknown and unsupported
//!   versions, and the SMMR checks of `memberroll.go`, reading the operator's cache;
//! - the SMCP controller: finalizer `maistra.io/istio-operator`, "installing" status, then the
//!   charts' objects (istiod, the default and additional gateways with their Services, labels,
//!   ports and `<gateway>-service-account`, the `istio-ingressgateway` Route, Prometheus,
//!   Grafana with its Route, the `Kiali` and `Jaeger` resources, the mesh ConfigMap) and the
//!   status the operator writes (conditions, `components`, `readiness`, `appliedSpec`,
//!   `appliedValues`, versions, `readyComponentCount`); a later SMCP of a namespace is skipped;
//! - istiod's self-signed root CA (a real X.509 CA with `O=<trust domain>`, kept in Secret
//!   `istio-ca-secret` like istiod's, published as ConfigMap `istio-ca-root-cert` in the mesh and
//!   member namespaces);
//! - the member roll and member controllers: a ServiceMeshMember `default` per existing member
//!   namespace, the `maistra.io/member-of` label, the roll's member lists and reasons.
//!
//! Approximated: profiles are not applied (only what the spec says is on counts, so
//! `appliedSpec` is the spec with its defaults and `appliedValues` a small part of the real
//! values); no sidecar injection; the Kiali and Jaeger operators are not simulated, so this
//! controller writes their Deployment, Service and Route; a member counts as up to date (and
//! the roll Ready) only once the SMCP is Ready, as the walkthrough's wait on the roll means
//! "mesh installed"; the webhook's permission checks always pass; its upgrade/downgrade rules
//! are not simulated.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::delays::Timers;
use super::olm::{self, SERVICE_MESH_CSV, WEBHOOK_CLUSTER_IP, WEBHOOK_SERVICE};
use super::openshift::{OLM_GROUP, ROUTE_GROUP, create_if_absent, pod_ip};
use super::{Changes, Controller, Next, Objects, condition};
use crate::sim::cluster::{Admission, Operation, Request, SimCluster};
use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;
use crate::sim::store::{Part, text};
use crate::sim::world::World;

pub const GROUP: &str = "maistra.io";
/// The cluster flag the webhook admission reads and this controller sets.
pub const WEBHOOK_FLAG: &str = "maistra-admission-webhook";
pub const OPERATOR_VERSION: &str = "2.6.4-1";
/// The namespace OLM installs the operator in (AllNamespaces mode, as the walkthrough does).
pub const OPERATOR_NAMESPACE: &str = "openshift-operators";
/// Every control plane version the operator knows (maistra/istio-operator
/// `pkg/controller/versions/versions.go`, `versionToString`; 2.6 adds v2.6).
const KNOWN_VERSIONS: &[&str] = &[
    "v1.1", "v2.0", "v2.1", "v2.2", "v2.3", "v2.4", "v2.5", "v2.6",
];
/// The versions it supports: from its build's minimum (`build/build.sh`
/// `MINIMUM_SUPPORTED_VERSION`: v2.2 on the maistra-2.5 branch, whose operator supports four
/// versions; the maistra-2.6 branch is not public, so 2.6 is taken to move the window by one,
/// keeping four). The real list comes from a Go map and prints in random order; sorted here.
pub const SUPPORTED_VERSIONS: &[&str] = &["v2.3", "v2.4", "v2.5", "v2.6"];
/// `versions.DefaultVersion`: the newest the operator knows.
pub const DEFAULT_VERSION: &str = "v2.6";
/// Finalizer the operator puts on SMCPs and SMMRs (`pkg/controller/common/metadata.go`).
pub const FINALIZER: &str = "maistra.io/istio-operator";
const MANAGED_BY: &str = "maistra-istio-operator";
const MEMBER_OF: &str = "maistra.io/member-of";
/// Annotation naming the controller that created an object (`common.CreatedByKey`).
const CREATED_BY: &str = "maistra.io/created-by";
const MEMBER_ROLL_CONTROLLER: &str = "servicemeshmemberroll-controller";
const CA_SECRET: &str = "istio-ca-secret";
const CA_CONFIGMAP: &str = "istio-ca-root-cert";

/// From the CSV's Succeeded to the webhook serving: the operator registers its webhook
/// configurations and its Service gets endpoints once its pod is ready. No published figure;
/// a few seconds, as the "connection refused" window users report is short.
const WEBHOOK_DELAY: Duration = Duration::from_secs(5);
/// From a generation's first sight to its rendering. The operator installs its charts in
/// groups, waiting for each group's Deployments before the next (`reconciler.go`,
/// pauseReconciliation), so a first install takes about a minute before the last group's
/// Deployments start; the Deployments' own readiness (image pulls) comes on top, for the
/// 1–3 minutes an SMCP usually takes to be Ready. No published figure: Red Hat's docs only say
/// to wait for `ComponentsReady`; this is the usual observation, not a measurement.
const INSTALL_DELAY: Duration = Duration::from_secs(45);
/// A later generation re-renders every chart but finds most objects unchanged (no source).
const UPDATE_DELAY: Duration = Duration::from_secs(15);

/// Registers the operator's admission webhook (off until the controller turns it on).
pub fn register(cluster: &SimCluster) {
    cluster.add_admission(Arc::new(Webhook {
        serving: cluster.flag(WEBHOOK_FLAG),
    }));
}

/// The operator's webhooks, as the API server calls them: the mutating and validating
/// configurations of `pkg/controller/servicemesh/webhooks/hacks.go` (CREATE and UPDATE of
/// SMCPs and SMMRs, validation of SMMs; not their `/status`), failure policy Fail.
pub struct Webhook {
    pub serving: Arc<AtomicBool>,
}

/// A `badRequest` answer (`webhooks/validation/common.go`) as the API server reports it.
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
        "Internal error occurred: failed calling webhook \"{hook}\": failed to call webhook: Post \"https://{WEBHOOK_SERVICE}.{OPERATOR_NAMESPACE}.svc:443/{path}?timeout=10s\": dial tcp {WEBHOOK_CLUSTER_IP}:443: connect: connection refused"
    ))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    ControlPlane,
    MemberRoll,
    Member,
}

fn kind(rt: &ResourceType) -> Option<Kind> {
    if rt.group != GROUP {
        return None;
    }
    match rt.plural.as_str() {
        "servicemeshcontrolplanes" => Some(Kind::ControlPlane),
        "servicemeshmemberrolls" => Some(Kind::MemberRoll),
        "servicemeshmembers" => Some(Kind::Member),
        _ => None,
    }
}

fn deleting(object: &Value) -> bool {
    object.pointer("/metadata/deletionTimestamp").is_some()
}

/// The minor version of a `v2.N` control plane version.
fn minor_version(version: &str) -> Option<u32> {
    version.strip_prefix("v2.")?.parse().ok()
}

fn supported_list() -> String {
    format!("[{}]", SUPPORTED_VERSIONS.join(" "))
}

/// The SMCP mutator (`webhooks/mutation/controlplane.go`): a missing `spec.version` becomes the
/// default on create and the stored one on update; a control plane of v2.5 or later created
/// without a word on IOR (automatic Routes for Istio Gateways, deprecated) gets it turned off;
/// missing profiles become `[default]`. The `istio-ingressgateway` Route is not IOR's: the
/// ingress chart makes it (`gateways.ingress.routeConfig`), so it stays.
fn mutate_control_plane(req: &Request, smcp: &mut Value) {
    if text(smcp, "/spec/version").is_empty() {
        let version = match req.operation {
            Operation::Create => DEFAULT_VERSION,
            Operation::Update => req.old.map_or("", |o| text(o, "/spec/version")),
        };
        if !version.is_empty() {
            spec_of(smcp)["version"] = json!(version);
        }
    }
    if req.operation == Operation::Create
        && smcp
            .pointer("/spec/gateways/openshiftRoute/enabled")
            .is_none()
        && minor_version(text(smcp, "/spec/version")).is_some_and(|minor| minor >= 5)
    {
        let gateways = &mut spec_of(smcp)["gateways"];
        if !gateways.is_object() {
            *gateways = json!({});
        }
        let route = &mut gateways["openshiftRoute"];
        if !route.is_object() {
            *route = json!({});
        }
        route["enabled"] = json!(false);
    }
    let profiles = smcp.pointer("/spec/profiles").and_then(Value::as_array);
    if profiles.is_none_or(Vec::is_empty) {
        spec_of(smcp)["profiles"] = json!(["default"]);
    }
}

/// The object's `spec`, created empty when absent.
fn spec_of(object: &mut Value) -> &mut Value {
    if !object.get("spec").is_some_and(Value::is_object) {
        object["spec"] = json!({});
    }
    &mut object["spec"]
}

/// The SMCP validator (`webhooks/validation/controlplane.go`), in its order.
fn validate_control_plane(req: &Request, smcp: &Value) -> Result<(), ApiError> {
    let hook = "smcp.validation.maistra.io";
    if req.namespace == OPERATOR_NAMESPACE {
        return Err(denied(
            hook,
            "service mesh may not be installed in the same project/namespace as the operator",
        ));
    }
    let name = text(smcp, "/metadata/name");
    let others = req
        .cache
        .list(GROUP, "servicemeshcontrolplanes", Some(req.namespace))
        .filter(|c| text(c, "/metadata/name") != name)
        .count();
    if others > 0 {
        return Err(denied(
            hook,
            "only one service mesh may be installed per project/namespace",
        ));
    }
    if deleting(smcp) {
        return Ok(());
    }
    // decodeRequest: an unknown version (or a stored one, on update) fails the decoding.
    let known = |v: &str| KNOWN_VERSIONS.contains(&v);
    let version = text(smcp, "/spec/version");
    let old_version = req.old.map(|o| text(o, "/spec/version"));
    if !known(version) || old_version.is_some_and(|v| !known(v)) {
        return Err(denied(
            hook,
            format!(
                "invalid Version specified; supported versions are: {}",
                supported_list()
            ),
        ));
    }
    if !SUPPORTED_VERSIONS.contains(&version) {
        return Err(denied(
            hook,
            format!("Only '{}' versions are supported", supported_list()),
        ));
    }
    // Approximates the version strategy's ValidateV2: gateway names become object names.
    for kind in ["additionalIngress", "additionalEgress"] {
        let gateways = smcp
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

fn members(smmr: &Value) -> Vec<&str> {
    smmr.pointer("/spec/members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The SMMR mutator (`webhooks/mutation/memberroll.go`): the mesh's own namespace is dropped
/// from the members.
fn mutate_member_roll(req: &Request, smmr: &mut Value) {
    let ns = req.namespace;
    if let Some(list) = smmr
        .pointer_mut("/spec/members")
        .and_then(Value::as_array_mut)
        && list.iter().any(|m| m == ns)
    {
        list.retain(|m| m != ns);
    }
}

/// The SMMR validator (`webhooks/validation/memberroll.go`), in its order. Its permission
/// checks (SubjectAccessReviews) always pass: every simulator user is `system:admin`.
fn validate_member_roll(req: &Request, smmr: &Value) -> Result<(), ApiError> {
    let hook = "smmr.validation.maistra.io";
    if deleting(smmr) {
        return Ok(());
    }
    if text(smmr, "/metadata/name") != "default" {
        return Err(denied(
            hook,
            "ServiceMeshMemberRoll must be named 'default'",
        ));
    }
    if req.namespace == OPERATOR_NAMESPACE {
        return Err(denied(
            hook,
            "ServiceMeshMemberRoll may not be created in the same project/namespace as the operator",
        ));
    }
    let listed = members(smmr);
    let selectors = smmr
        .pointer("/spec/memberSelectors")
        .and_then(Value::as_array);
    if !listed.is_empty() && selectors.is_some_and(|s| !s.is_empty()) {
        return Err(denied(
            hook,
            "combining .spec.members and .spec.memberSelectors is not allowed",
        ));
    }
    let mut seen = BTreeSet::new();
    for m in &listed {
        if *m != "*" && crate::names::dns1123_label(m).is_err() {
            return Err(denied(
                hook,
                format!(
                    ".spec.members contains invalid value '{m}'. Must be a valid namespace name."
                ),
            ));
        }
        if !seen.insert(*m) {
            return Err(denied(
                hook,
                format!("duplicate namespace in .spec.members: {m}"),
            ));
        }
    }
    if seen.contains("*") && listed.len() > 1 {
        return Err(denied(
            hook,
            "when .spec.members contains an asterisk ('*'), it must contain no other entries",
        ));
    }
    let elsewhere: BTreeSet<&str> = req
        .cache
        .list(GROUP, "servicemeshmemberrolls", None)
        .filter(|r| {
            text(r, "/metadata/namespace") != req.namespace
                || text(r, "/metadata/name") != text(smmr, "/metadata/name")
        })
        .flat_map(members)
        .collect();
    for m in &listed {
        if (*m == "*" && !elsewhere.is_empty()) || elsewhere.contains(m) || elsewhere.contains("*")
        {
            return Err(denied(
                hook,
                "one or more members are already defined in another ServiceMeshMemberRoll",
            ));
        }
        if *m == req.namespace {
            return Err(denied(
                hook,
                "mesh project/namespace cannot be listed as a member",
            ));
        }
    }
    Ok(())
}

impl Admission for Webhook {
    fn handles(&self, rt: &ResourceType, subresource: Option<&str>) -> bool {
        subresource.is_none() && kind(rt).is_some()
    }

    fn reads(&self) -> &'static [(&'static str, &'static str)] {
        &[
            (GROUP, "servicemeshcontrolplanes"),
            (GROUP, "servicemeshmemberrolls"),
        ]
    }

    fn mutate(&self, req: &Request, object: &mut Value) -> Result<(), ApiError> {
        let (hook, path) = match kind(req.rt) {
            Some(Kind::ControlPlane) => ("smcp.mutation.maistra.io", "mutate-smcp"),
            Some(Kind::MemberRoll) => ("smmr.mutation.maistra.io", "mutate-smmr"),
            _ => return Ok(()),
        };
        if !self.serving.load(Ordering::SeqCst) {
            return Err(unreachable(hook, path));
        }
        if deleting(object) {
            return Ok(());
        }
        match kind(req.rt) {
            Some(Kind::ControlPlane) => mutate_control_plane(req, object),
            _ => mutate_member_roll(req, object),
        }
        Ok(())
    }

    fn validate(&self, req: &Request, object: &Value) -> Result<(), ApiError> {
        let kind = kind(req.rt);
        if !self.serving.load(Ordering::SeqCst) {
            // Only the member's webhook is reached first by validation: the others fail at
            // their mutating webhook.
            return Err(unreachable("smm.validation.maistra.io", "validate-smm"));
        }
        match kind {
            Some(Kind::ControlPlane) => validate_control_plane(req, object),
            Some(Kind::MemberRoll) => validate_member_roll(req, object),
            _ => Ok(()),
        }
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
    if addon_enabled(spec, "grafana") {
        out.push(Workload {
            name: "grafana".into(),
            component: "grafana",
            labels: labels(&[("app", "grafana")]),
            annotations: Map::new(),
            service_type: "ClusterIP".into(),
            ports: vec![port("http", 3000, 3000)],
            service_account: "grafana".into(),
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

/// What one reconcile of a cluster wants kept: objects by (plural, namespace, name), and the
/// control planes (namespace, name) whose objects stay as they are while an update waits.
#[derive(Default)]
struct Wanted {
    objects: BTreeSet<(&'static str, String, String)>,
    frozen: BTreeSet<(String, String)>,
}

/// The charts whose objects the operator's readiness check finds no Deployment in count as
/// ready (`readiness.go`, `alwaysReadyComponents`).
const ALWAYS_READY: &[&str] = &["mesh-config", "telemetry-common", "kiali", "tracing"];

/// The chart version the operator renders (its `chartVersion` status field).
const CHART_VERSION: &str = "2.6.4";

/// `status.ComposeReconciledVersion` (maistra/api `core/v1/status.go`).
fn reconciled_version(generation: i64) -> String {
    format!("{OPERATOR_VERSION}-{generation}")
}

fn int(v: &Value, pointer: &str) -> Option<i64> {
    v.pointer(pointer).and_then(Value::as_i64)
}

/// Whether `tracing.type: Jaeger` and each addon are on in the spec as written. The real
/// operator reads them after its profiles are applied (the `base` profile turns all of them
/// on); here only what the spec says counts.
fn addon_enabled(spec: &Value, addon: &str) -> bool {
    match addon {
        "tracing" => text(spec, "/tracing/type") == "Jaeger",
        _ => {
            spec.pointer(&format!("/addons/{addon}/enabled"))
                .and_then(Value::as_bool)
                == Some(true)
        }
    }
}

/// Adds or removes `FINALIZER` on an object (as `common.AddFinalizer` / `RemoveFinalizer`).
fn set_finalizer(o: &Objects, group: &str, plural: &str, object: &Value, present: bool) {
    let has = object
        .pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .is_some_and(|f| f.iter().any(|x| x == FINALIZER));
    if has == present {
        return;
    }
    let Some(rt) = o.cluster.store.find(group, plural) else {
        return;
    };
    let ns = text(object, "/metadata/namespace");
    let name = text(object, "/metadata/name");
    let _ = o
        .cluster
        .store
        .modify(&rt, ns, name, Part::Whole, false, |current| {
            let mut next = current.cloned().unwrap_or_default();
            let mut list: Vec<Value> = next
                .pointer("/metadata/finalizers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            list.retain(|x| x != FINALIZER);
            if present {
                list.push(json!(FINALIZER));
            }
            if list.is_empty() {
                if let Some(m) = next["metadata"].as_object_mut() {
                    m.remove("finalizers");
                }
            } else {
                next["metadata"]["finalizers"] = json!(list);
            }
            Ok(next)
        });
}

/// The first control plane of a namespace by creation time, then name: the only one the
/// operator reconciles (`reconciler.go`, getEarliestSMCPInNamespace).
fn earliest(smcps: &[Arc<Value>], ns: &str) -> Option<String> {
    smcps
        .iter()
        .filter(|c| text(c, "/metadata/namespace") == ns)
        .min_by(|a, b| {
            (
                text(a, "/metadata/creationTimestamp"),
                text(a, "/metadata/name"),
            )
                .cmp(&(
                    text(b, "/metadata/creationTimestamp"),
                    text(b, "/metadata/name"),
                ))
        })
        .map(|c| text(c, "/metadata/name").to_string())
}

fn conditions_of(status: &Value) -> Option<&Value> {
    status.get("conditions")
}

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
            .find(|c| text(c, "/metadata/name") == SERVICE_MESH_CSV && !olm::is_copy(c));
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

    /// One control plane, as the SMCP controller (`controlplane/controller.go`,
    /// `reconciler.go`) handles it: finalizer first; a later SMCP of a namespace is skipped;
    /// each new generation is "installing"/"updating" until its delay has passed, then its
    /// components are rendered and the status tells what they are and how ready.
    fn control_plane(
        &self,
        world: &World,
        cluster: &SimCluster,
        smcp: &Value,
        first: bool,
        wanted: &mut Wanted,
        next: &mut Next,
    ) {
        let o = Objects::of(cluster);
        let ns = text(smcp, "/metadata/namespace").to_string();
        let name = text(smcp, "/metadata/name").to_string();
        if deleting(smcp) {
            // Nothing of it is wanted: the sweep removes its components, then `finish` drops
            // the finalizer (`controlplane/deleter.go`).
            return;
        }
        set_finalizer(&o, GROUP, "servicemeshcontrolplanes", smcp, true);
        let previous = smcp.get("status").cloned().unwrap_or_else(|| json!({}));
        let generation = int(smcp, "/metadata/generation").unwrap_or(1);
        let observed = int(&previous, "/observedGeneration");
        if !first {
            let message = "reconciliation skipped: error: multiple ServiceMeshControlPlane resources exist in the namespace";
            let mut status = previous.clone();
            let c = conditions_of(&previous);
            status["conditions"] = json!([
                condition(c, "Reconciled", false, "ErrMultipleSMCPs", message),
                condition(c, "Ready", false, "ErrMultipleSMCPs", message),
            ]);
            if status.get("readiness").is_none() {
                status["readiness"] =
                    json!({"components": {"pending": [], "ready": [], "unready": []}});
            }
            o.set_status(GROUP, "servicemeshcontrolplanes", &ns, &name, status);
            return;
        }
        let key = format!("install/{}/{ns}/{name}/{generation}", cluster.name);
        if observed != Some(generation) {
            let delay = if observed.is_none() {
                INSTALL_DELAY
            } else {
                UPDATE_DELAY
            };
            if !self.timers.due(&key, world.delay(delay), next) {
                wanted.frozen.insert((ns.clone(), name.clone()));
                self.announce(&o, smcp, &previous, generation, observed);
                return;
            }
            self.timers.forget(&key);
        }
        self.install(&o, smcp, &previous, generation, observed, wanted);
    }

    /// `initializeReconcileStatus`: the status while a generation is being installed.
    fn announce(
        &self,
        o: &Objects,
        smcp: &Value,
        previous: &Value,
        generation: i64,
        observed: Option<i64>,
    ) {
        let c = conditions_of(previous);
        let mut status = previous.clone();
        let conditions = match observed {
            None => {
                let m = format!("Installing mesh generation {generation}");
                vec![
                    condition(c, "Installed", false, "ResourceCreated", &m),
                    condition(c, "Reconciled", false, "ResourceCreated", &m),
                    condition(c, "Ready", false, "ResourceCreated", &m),
                ]
            }
            Some(from) => {
                let m = format!("Updating mesh from generation {from} to generation {generation}");
                let mut out: Vec<Value> = c
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|x| x["type"] == "Installed")
                    .cloned()
                    .collect();
                out.push(condition(c, "Reconciled", false, "SpecUpdated", &m));
                out.push(condition(c, "Ready", false, "SpecUpdated", &m));
                out
            }
        };
        status["conditions"] = json!(conditions);
        if status.get("readiness").is_none() {
            status["readiness"] =
                json!({"components": {"pending": [], "ready": [], "unready": []}});
        }
        o.set_status(
            GROUP,
            "servicemeshcontrolplanes",
            text(smcp, "/metadata/namespace"),
            text(smcp, "/metadata/name"),
            status,
        );
    }

    /// Renders a generation's components and writes the status the operator posts after it.
    fn install(
        &self,
        o: &Objects,
        smcp: &Value,
        previous: &Value,
        generation: i64,
        observed: Option<i64>,
        wanted: &mut Wanted,
    ) {
        let ns = text(smcp, "/metadata/namespace").to_string();
        let name = text(smcp, "/metadata/name").to_string();
        let spec = smcp.get("spec").unwrap_or(&Value::Null);
        let trust = trust_domain(spec);
        let owner = json!([{"apiVersion": "maistra.io/v2", "kind": "ServiceMeshControlPlane",
            "name": name, "uid": text(smcp, "/metadata/uid"), "controller": true, "blockOwnerDeletion": true}]);
        let common = labels(&[
            ("maistra.io/owner", &ns),
            ("maistra.io/owner-name", &name),
            ("app.kubernetes.io/managed-by", MANAGED_BY),
            ("app.kubernetes.io/part-of", "istio"),
            ("maistra-version", CHART_VERSION),
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
            wanted
                .objects
                .insert((plural, ns.clone(), obj_name.to_string()));
        };
        let deployment_ready = |obj_name: &str| {
            o.get("apps", "deployments", &ns, obj_name)
                .is_some_and(|d| {
                    d.pointer("/status/observedGeneration") == d.pointer("/metadata/generation")
                        && int(&d, "/status/availableReplicas").unwrap_or(0) >= 1
                })
        };

        // Component (chart) -> whether all its Deployments are available.
        let mut components: BTreeMap<&'static str, bool> = BTreeMap::new();
        let mut errors: Vec<String> = Vec::new();
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
            let (container, image) = match w.component {
                "istio-discovery" => ("discovery", "pilot-rhel8"),
                "prometheus" => ("prometheus", "prometheus-rhel8"),
                "grafana" => ("grafana", "grafana-rhel8"),
                _ => ("istio-proxy", "proxyv2-rhel8"),
            };
            let mut container = json!({"name": container,
                "image": format!("registry.redhat.io/openshift-service-mesh/{image}:{CHART_VERSION}")});
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
            let entry = components.entry(w.component).or_insert(true);
            *entry &= deployment_ready(&w.name);
        }
        let route = |wanted: &mut Wanted,
                     route_name: &str,
                     service: &str,
                     target: Value,
                     tls: bool| {
            let mut route_meta = meta(route_name, &labels(&[("app", service)]), &Map::new());
            route_meta["annotations"] = json!({"openshift.io/host.generated": "true"});
            let mut spec = json!({"to": {"kind": "Service", "name": service, "weight": 100},
                "port": {"targetPort": target}, "wildcardPolicy": "None"});
            if tls {
                spec["tls"] = json!({"termination": "reencrypt", "insecureEdgeTerminationPolicy": "Redirect"});
            }
            create_if_absent(
                o,
                ROUTE_GROUP,
                "routes",
                json!({"metadata": route_meta, "spec": spec}),
            );
            wanted
                .objects
                .insert(("routes", ns.clone(), route_name.to_string()));
        };
        // The ingress chart's Route (maistra/istio-operator
        // `resources/helm/v2.5/gateways/istio-ingress/templates/istio-ingressgateway-route.yaml`:
        // the gateway and its `routeConfig` enabled); IOR (`gateways.openshiftRoute`) is another
        // matter, the Routes it makes for Gateway hosts.
        let ingress_enabled = !disabled(spec.get("gateways"))
            && !disabled(spec.pointer("/gateways/ingress"))
            && !disabled(spec.pointer("/gateways/ingress/routeConfig"));
        if ingress_enabled {
            route(
                wanted,
                "istio-ingressgateway",
                "istio-ingressgateway",
                json!(8080),
                false,
            );
        }
        if addon_enabled(spec, "grafana") {
            route(wanted, "grafana", "grafana", json!("http"), true);
        }
        // The kiali and tracing charts render one custom resource each, which the Kiali and
        // Jaeger operators turn into a Deployment, a Service and a Route. Their operators are
        // not simulated: this controller writes those three objects for them (approximation).
        for (addon, chart, group, plural, kind, version, cr) in [
            (
                "kiali", "kiali", "kiali.io", "kialis", "Kiali", "v1alpha1", "kiali",
            ),
            (
                "tracing",
                "tracing",
                "jaegertracing.io",
                "jaegers",
                "Jaeger",
                "v1",
                "jaeger",
            ),
        ] {
            if !addon_enabled(spec, addon) {
                continue;
            }
            components.insert(chart, true);
            if o.cluster.store.find(group, plural).is_none() {
                // `versions.NewDependencyMissingError`, wrapped by postReconciliationStatus.
                errors.push(format!(
                    "Dependency \"{kind} CRD\" is missing: error: no matches for kind \"{kind}\" in version \"{group}/{version}\""
                ));
                continue;
            }
            let cr_spec = if kind == "Kiali" {
                json!({"deployment": {"accessible_namespaces": ["**"]}, "version": "default"})
            } else {
                json!({"strategy": "allInOne"})
            };
            let _ = o.ensure(
                group,
                plural,
                json!({"apiVersion": format!("{group}/{version}"), "kind": kind,
                    "metadata": meta(cr, &labels(&[]), &Map::new()), "spec": cr_spec}),
            );
            wanted.objects.insert((plural, ns.clone(), cr.to_string()));
            let (service, port_name, port_number) = if kind == "Kiali" {
                ("kiali", "http", 20001)
            } else {
                ("jaeger-query", "http-query", 16686)
            };
            let app = labels(&[("app", cr)]);
            let _ = o.ensure(
                "apps",
                "deployments",
                json!({"metadata": meta(cr, &app, &Map::new()),
                    "spec": {"replicas": 1, "selector": {"matchLabels": app},
                        "template": {"metadata": {"labels": app},
                            "spec": {"containers": [{"name": cr, "image": format!("registry.redhat.io/openshift-service-mesh/{cr}-rhel8:{CHART_VERSION}")}]}}}}),
            );
            wanted
                .objects
                .insert(("deployments", ns.clone(), cr.to_string()));
            let _ = o.ensure(
                "",
                "services",
                json!({"metadata": meta(service, &app, &Map::new()),
                    "spec": {"type": "ClusterIP", "selector": app, "ports": [port(port_name, port_number, port_number)]}}),
            );
            wanted
                .objects
                .insert(("services", ns.clone(), service.to_string()));
            route(wanted, cr, service, json!(port_name), true);
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
        wanted
            .objects
            .insert(("configmaps", ns.clone(), format!("istio-{name}")));
        let root = self.ca(o, &ns, &trust);
        if let Some(pem) = &root {
            let _ = o.ensure(
                "",
                "configmaps",
                json!({"metadata": meta(CA_CONFIGMAP, &labels(&[("istio.io/config", "true")]), &Map::new()),
                    "data": {"root-cert.pem": pem}}),
            );
            wanted
                .objects
                .insert(("configmaps", ns.clone(), CA_CONFIGMAP.to_string()));
        }
        components.insert("mesh-config", root.is_some());
        components.insert("telemetry-common", true);

        let status = self.status(
            smcp,
            previous,
            generation,
            observed,
            version,
            &trust,
            &components,
            &errors,
        );
        o.set_status(GROUP, "servicemeshcontrolplanes", &ns, &name, status);
    }

    /// The status the operator posts after rendering a generation (`reconciler.go`,
    /// `status.go`, `readiness.go`).
    #[allow(clippy::too_many_arguments)]
    fn status(
        &self,
        smcp: &Value,
        previous: &Value,
        generation: i64,
        observed: Option<i64>,
        version: &str,
        trust: &str,
        components: &BTreeMap<&'static str, bool>,
        errors: &[String],
    ) -> Value {
        let spec = smcp.get("spec").unwrap_or(&Value::Null);
        let c = conditions_of(previous);
        let rendering = observed != Some(generation);
        // Per component: Installed/Reconciled as `updateComponentConditions` sets them when the
        // chart is rendered; kept as they were between renderings.
        let previous_components = previous.get("components").and_then(Value::as_array);
        let component_status: Vec<Value> = components
            .keys()
            .map(|chart| {
                let before = previous_components
                    .and_then(|l| l.iter().find(|x| x["resource"] == *chart))
                    .and_then(|x| x.get("conditions"));
                if !rendering && let Some(before) = before {
                    return json!({"resource": chart, "conditions": before});
                }
                let installed = before.and_then(Value::as_array).is_some_and(|l| {
                    l.iter()
                        .any(|x| x["type"] == "Installed" && x["status"] == "True")
                });
                let done = "Component installed successfully";
                let conditions = if installed {
                    vec![
                        condition(before, "Installed", true, "InstallSuccessful", done),
                        condition(
                            before,
                            "Reconciled",
                            true,
                            "ReconcileSuccessful",
                            "Successfully reconciled",
                        ),
                    ]
                } else {
                    vec![
                        condition(before, "Installed", true, "InstallSuccessful", done),
                        condition(before, "Reconciled", true, "InstallSuccessful", done),
                    ]
                };
                json!({"resource": chart, "conditions": conditions})
            })
            .collect();
        let ready: Vec<&str> = components
            .iter()
            .filter(|(_, r)| **r)
            .map(|(c, _)| *c)
            .collect();
        let unready: Vec<&str> = components
            .iter()
            .filter(|(_, r)| !**r)
            .map(|(c, _)| *c)
            .collect();
        let always: Vec<&str> = components
            .keys()
            .copied()
            .filter(|c| ALWAYS_READY.contains(c))
            .collect();

        let installed_before = c.and_then(Value::as_array).is_some_and(|l| {
            l.iter()
                .any(|x| x["type"] == "Installed" && x["status"] == "True")
        });
        let installed = condition(
            c,
            "Installed",
            true,
            "InstallSuccessful",
            "Successfully installed all mesh components",
        );
        let reconciled = if let Some(error) = errors.first() {
            condition(c, "Reconciled", false, "DependencyMissingError", error)
        } else if !rendering {
            // Unchanged since the rendering that wrote it.
            c.and_then(Value::as_array)
                .and_then(|l| l.iter().find(|x| x["type"] == "Reconciled"))
                .cloned()
                .unwrap_or_else(|| condition(c, "Reconciled", true, "InstallSuccessful", ""))
        } else if let (true, Some(from)) = (installed_before, observed) {
            condition(
                c,
                "Reconciled",
                true,
                "UpdateSuccessful",
                &format!(
                    "Successfully updated from version {} to version {}",
                    reconciled_version(from),
                    reconciled_version(generation)
                ),
            )
        } else {
            condition(
                c,
                "Reconciled",
                true,
                "InstallSuccessful",
                &format!(
                    "Successfully installed version {}",
                    reconciled_version(generation)
                ),
            )
        };
        let ready_condition = if reconciled["status"] != "True" {
            condition(
                c,
                "Ready",
                false,
                text(&reconciled, "/reason"),
                text(&reconciled, "/message"),
            )
        } else if unready.is_empty() {
            condition(
                c,
                "Ready",
                true,
                "ComponentsReady",
                "All component deployments are Available",
            )
        } else {
            condition(
                c,
                "Ready",
                false,
                "ComponentsNotReady",
                &format!(
                    "The following components are not fully available: [{}]",
                    unready.join(" ")
                ),
            )
        };
        let mut applied = spec.clone();
        if !applied.is_object() {
            applied = json!({});
        }
        applied["version"] = json!(version);
        if applied.get("profiles").is_none() {
            applied["profiles"] = json!(["default"]);
        }
        json!({
            "observedGeneration": generation,
            "operatorVersion": OPERATOR_VERSION,
            "chartVersion": CHART_VERSION,
            "annotations": {
                "alwaysReadyComponents": always.join(","),
                "readyComponentCount": format!("{}/{}", ready.len(), components.len()),
            },
            "conditions": [installed, reconciled, ready_condition],
            "components": component_status,
            "readiness": {"components": {"pending": [], "ready": ready, "unready": unready}},
            "appliedSpec": applied,
            "appliedValues": applied_values(spec, version, trust, smcp),
        })
    }

    /// One member roll, as `memberroll/controller.go` reconciles it: a ServiceMeshMember
    /// `default` in each existing member namespace, the members' states gathered from them.
    fn member_roll(
        &self,
        cluster: &SimCluster,
        smmr: &Value,
        smcps: &[Arc<Value>],
        wanted: &mut Wanted,
    ) {
        let o = Objects::of(cluster);
        let ns = text(smmr, "/metadata/namespace").to_string();
        let name = text(smmr, "/metadata/name").to_string();
        let previous = smmr.pointer("/status/conditions");
        if deleting(smmr) {
            // `finalizeObject`: the members it created go (sweep), then its finalizer (`finish`).
            return;
        }
        set_finalizer(&o, GROUP, "servicemeshmemberrolls", smmr, true);
        let listed: BTreeSet<String> = members(smmr)
            .into_iter()
            .filter(|m| *m != "*" && *m != OPERATOR_NAMESPACE)
            .map(str::to_string)
            .collect();
        let mut status = json!({
            "observedGeneration": int(smmr, "/metadata/generation").unwrap_or(1),
            "members": [], "configuredMembers": [], "pendingMembers": [], "terminatingMembers": [],
            "memberStatuses": [],
        });
        let mesh: Vec<&Arc<Value>> = smcps
            .iter()
            .filter(|c| text(c, "/metadata/namespace") == ns)
            .collect();
        let not_ready = |reason: &str, message: &str| {
            json!([condition(previous, "Ready", false, reason, message)])
        };
        if name != "default" {
            status["conditions"] = not_ready(
                "ErrInvalidName",
                "the ServiceMeshMemberRoll name is invalid; must be \"default\"",
            );
            o.set_status(
                GROUP,
                "servicemeshmemberrolls",
                &ns,
                &name,
                with_count(status),
            );
            return;
        }
        if mesh.len() > 1 {
            status["conditions"] = not_ready(
                "ErrMultipleSMCPs",
                "Multiple ServiceMeshControlPlane resources exist in the namespace",
            );
            o.set_status(
                GROUP,
                "servicemeshmemberrolls",
                &ns,
                &name,
                with_count(status),
            );
            return;
        }
        let smcp = mesh.first().filter(|c| !deleting(c));
        let previous_statuses = smmr
            .pointer("/status/memberStatuses")
            .and_then(Value::as_array);
        let member_conditions = |m: &str| {
            previous_statuses
                .and_then(|l| l.iter().find(|s| s["namespace"] == m))
                .and_then(|s| s.get("conditions"))
        };
        let mut configured = BTreeSet::new();
        let mut up_to_date = BTreeSet::new();
        let mut statuses = Vec::new();
        let reconciled =
            smcp.and_then(|c| int(c, "/status/observedGeneration").map(reconciled_version));
        let mesh_ready = smcp.is_some_and(|c| {
            c.pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|x| x["type"] == "Ready" && x["status"] == "True")
                })
        });
        for m in &listed {
            if let Some(smcp) = smcp {
                let exists = o
                    .get("", "namespaces", "", m)
                    .is_some_and(|n| !deleting(&n));
                if !exists {
                    statuses.push(json!({"namespace": m, "conditions": [condition(
                        member_conditions(m), "Reconciled", false, "NamespaceNotExists",
                        &format!("Namespace {m} does not exist"))]}));
                    continue;
                }
                create_if_absent(
                    &o,
                    GROUP,
                    "servicemeshmembers",
                    json!({"apiVersion": "maistra.io/v1", "kind": "ServiceMeshMember",
                        "metadata": {"name": "default", "namespace": m,
                            "annotations": {CREATED_BY: MEMBER_ROLL_CONTROLLER}},
                        "spec": {"controlPlaneRef": {"name": text(smcp, "/metadata/name"), "namespace": ns}}}),
                );
            }
        }
        // The members of this mesh, whoever created them.
        let mut all: BTreeSet<String> = listed.clone();
        let mut terminating = BTreeSet::new();
        for member in o.list(GROUP, "servicemeshmembers", None) {
            if text(&member, "/spec/controlPlaneRef/namespace") != ns {
                continue;
            }
            let m = text(&member, "/metadata/namespace").to_string();
            let created_here = text(&member, "/metadata/annotations/maistra.io~1created-by")
                == MEMBER_ROLL_CONTROLLER;
            if created_here && (smcp.is_none() || !listed.contains(&m)) {
                // Step 4: members it created that are no longer listed are not kept.
                continue;
            }
            wanted
                .objects
                .insert(("servicemeshmembers", m.clone(), "default".to_string()));
            all.insert(m.clone());
            if deleting(&member) {
                terminating.insert(m.clone());
            } else if smcp.is_some_and(|c| {
                text(&member, "/spec/controlPlaneRef/name") == text(c, "/metadata/name")
            }) && member
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|x| x["type"] == "Reconciled" && x["status"] == "True")
                })
            {
                configured.insert(m.clone());
                // Approximation: members count as up to date once the control plane is Ready
                // (the real check compares the member's meshReconciledVersion), so that the
                // walkthrough's wait on the SMMR means "mesh installed".
                if mesh_ready
                    && member
                        .pointer("/status/meshReconciledVersion")
                        .and_then(Value::as_str)
                        == reconciled.as_deref()
                {
                    up_to_date.insert(m.clone());
                }
            }
            if let Some(conditions) = member
                .pointer("/status/conditions")
                .and_then(Value::as_array)
            {
                let reconciled: Vec<&Value> = conditions
                    .iter()
                    .filter(|x| x["type"] == "Reconciled")
                    .collect();
                statuses.retain(|s| s["namespace"] != m.as_str());
                statuses.push(json!({"namespace": m, "conditions": reconciled}));
            }
        }
        all.remove(&ns);
        let pending: Vec<&String> = all
            .iter()
            .filter(|m| !up_to_date.contains(*m) && !terminating.contains(*m))
            .collect();
        let mut member_statuses = Vec::new();
        for m in &all {
            member_statuses.push(
                statuses
                    .iter()
                    .find(|s| s["namespace"] == m.as_str())
                    .cloned()
                    .unwrap_or_else(|| json!({"namespace": m, "conditions": []})),
            );
        }
        status["members"] = json!(all);
        status["configuredMembers"] = json!(configured);
        status["pendingMembers"] = json!(pending);
        status["terminatingMembers"] = json!(terminating);
        status["memberStatuses"] = json!(member_statuses);
        if let Some(c) = smcp {
            if let Some(g) = int(c, "/status/observedGeneration") {
                status["meshGeneration"] = json!(g);
            }
            if let Some(v) = &reconciled {
                status["meshReconciledVersion"] = json!(v);
            }
        }
        status["conditions"] = if smcp.is_none() {
            not_ready(
                "ErrSMCPMissing",
                "No ServiceMeshControlPlane exists in the namespace",
            )
        } else if !pending.is_empty() {
            let list: Vec<&str> = pending.iter().map(|s| s.as_str()).collect();
            not_ready(
                "ReconcileError",
                &format!(
                    "The following namespaces are not yet configured: [{}]",
                    list.join(" ")
                ),
            )
        } else {
            json!([condition(
                previous,
                "Ready",
                true,
                "Configured",
                "All namespaces have been configured successfully"
            )])
        };
        o.set_status(
            GROUP,
            "servicemeshmemberrolls",
            &ns,
            &name,
            with_count(status),
        );
    }

    /// The member controller (`member/controller.go`): finalizer, the namespace's member-of
    /// label, the status naming the control plane's reconciled version. Returns the member
    /// namespaces by mesh namespace, for the labels and CA copies.
    fn members(&self, cluster: &SimCluster, smcps: &[Arc<Value>]) -> BTreeMap<String, String> {
        let o = Objects::of(cluster);
        let mut members_of = BTreeMap::new();
        for member in o.list(GROUP, "servicemeshmembers", None) {
            let ns = text(&member, "/metadata/namespace").to_string();
            let name = text(&member, "/metadata/name").to_string();
            let mesh_ns = text(&member, "/spec/controlPlaneRef/namespace").to_string();
            let mesh_name = text(&member, "/spec/controlPlaneRef/name");
            if deleting(&member) || ns == mesh_ns {
                continue;
            }
            set_finalizer(&o, GROUP, "servicemeshmembers", &member, true);
            let previous = member.pointer("/status/conditions");
            let mut status = json!({
                "observedGeneration": int(&member, "/metadata/generation").unwrap_or(1),
                "annotations": {"controlPlaneRef": format!("{mesh_ns}/{mesh_name}")},
            });
            let smcp = smcps.iter().find(|c| {
                text(c, "/metadata/namespace") == mesh_ns && text(c, "/metadata/name") == mesh_name
            });
            let (ok, reason, message) = if name != "default" {
                (
                    false,
                    "InvalidName",
                    "the ServiceMeshMember name is invalid; must be \"default\"".to_string(),
                )
            } else if smcp.is_none() {
                (
                    false,
                    "ErrorControlPlaneMissing",
                    "the referenced ServiceMeshControlPlane object does not exist".to_string(),
                )
            } else {
                members_of.insert(ns.clone(), mesh_ns.clone());
                (true, "", String::new())
            };
            if let Some(g) = smcp.and_then(|c| int(c, "/status/observedGeneration")) {
                status["meshGeneration"] = json!(g);
                status["meshReconciledVersion"] = json!(reconciled_version(g));
            }
            status["conditions"] = json!([
                condition(previous, "Reconciled", ok, reason, &message),
                condition(previous, "Ready", ok, reason, &message),
            ]);
            o.set_status(GROUP, "servicemeshmembers", &ns, &name, status);
        }
        members_of
    }

    /// Member labels on namespaces and the mesh CA in each member namespace: added for
    /// members, removed when they leave.
    fn label_members(
        &self,
        cluster: &SimCluster,
        members_of: &BTreeMap<String, String>,
        wanted: &mut Wanted,
    ) {
        let o = Objects::of(cluster);
        let Some(rt) = cluster.store.find("", "namespaces") else {
            return;
        };
        for (member, mesh) in members_of {
            let root = o
                .get("", "configmaps", mesh, CA_CONFIGMAP)
                .and_then(|c| c.pointer("/data/root-cert.pem").cloned());
            if let Some(pem) = root {
                let _ = o.ensure(
                    "",
                    "configmaps",
                    json!({"metadata": {"name": CA_CONFIGMAP, "namespace": member,
                        "labels": {"istio.io/config": "true", "maistra.io/owner": mesh,
                            "app.kubernetes.io/managed-by": MANAGED_BY}},
                        "data": {"root-cert.pem": pem}}),
                );
                wanted
                    .objects
                    .insert(("configmaps", member.clone(), CA_CONFIGMAP.to_string()));
            }
        }
        for n in o.list("", "namespaces", None) {
            let name = text(&n, "/metadata/name").to_string();
            let current = n
                .pointer(&format!(
                    "/metadata/labels/{}",
                    MEMBER_OF.replace('/', "~1")
                ))
                .and_then(Value::as_str);
            let want = members_of.get(&name).map(String::as_str);
            if current == want || deleting(&n) {
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

    /// Deletes what the operator created and no longer wants (removed gateways, addons and
    /// members, deleted SMCPs and SMMRs).
    fn sweep(&self, cluster: &SimCluster, wanted: &Wanted) {
        let o = Objects::of(cluster);
        for (group, plural) in [
            ("apps", "deployments"),
            ("", "services"),
            ("", "serviceaccounts"),
            ("", "configmaps"),
            (ROUTE_GROUP, "routes"),
            ("kiali.io", "kialis"),
            ("jaegertracing.io", "jaegers"),
        ] {
            for obj in o.list(group, plural, None) {
                if text(&obj, "/metadata/labels/app.kubernetes.io~1managed-by") != MANAGED_BY {
                    continue;
                }
                let ns = text(&obj, "/metadata/namespace").to_string();
                let name = text(&obj, "/metadata/name").to_string();
                let owner = (
                    text(&obj, "/metadata/labels/maistra.io~1owner").to_string(),
                    text(&obj, "/metadata/labels/maistra.io~1owner-name").to_string(),
                );
                if !wanted.objects.contains(&(plural, ns.clone(), name.clone()))
                    && !wanted.frozen.contains(&owner)
                {
                    o.delete(group, plural, &ns, &name);
                }
            }
        }
        for member in o.list(GROUP, "servicemeshmembers", None) {
            let ns = text(&member, "/metadata/namespace").to_string();
            let created = text(&member, "/metadata/annotations/maistra.io~1created-by")
                == MEMBER_ROLL_CONTROLLER;
            if created
                && !deleting(&member)
                && !wanted
                    .objects
                    .contains(&("servicemeshmembers", ns.clone(), "default".into()))
            {
                o.delete(GROUP, "servicemeshmembers", &ns, "default");
            }
        }
    }

    /// Drops the finalizer of the objects being deleted once what they installed is gone
    /// (this reconcile's sweep removed it). The member controller's own clean-up of the
    /// namespace (its label) follows from the member no longer being counted.
    fn finish(&self, cluster: &SimCluster) {
        let o = Objects::of(cluster);
        for plural in [
            "servicemeshmembers",
            "servicemeshcontrolplanes",
            "servicemeshmemberrolls",
        ] {
            for obj in o.list(GROUP, plural, None) {
                if deleting(&obj) {
                    set_finalizer(&o, GROUP, plural, &obj, false);
                }
            }
        }
    }
}

/// `status.annotations.configuredMemberCount` (`updateStatus`).
fn with_count(mut status: Value) -> Value {
    let configured = status["configuredMembers"].as_array().map_or(0, Vec::len);
    let all = status["members"].as_array().map_or(0, Vec::len);
    status["annotations"] = json!({"configuredMemberCount": format!("{configured}/{all}")});
    status
}

/// The Helm values the charts were rendered with (`status.appliedValues`). The real ones are
/// the whole values tree after the profiles (hundreds of fields); these are the ones the
/// simulated components follow, in the same places (approximation).
fn applied_values(spec: &Value, version: &str, trust: &str, smcp: &Value) -> Value {
    let enabled = |addon: &str| addon_enabled(spec, addon);
    json!({
        "profiles": spec.get("profiles").cloned().unwrap_or(json!(["default"])),
        "version": version,
        "istio": {
            "global": {
                "hub": "registry.redhat.io/openshift-service-mesh",
                "tag": CHART_VERSION,
                "istioNamespace": text(smcp, "/metadata/namespace"),
            },
            "revision": text(smcp, "/metadata/name"),
            "meshConfig": {"trustDomain": trust},
            "gateways": {
                "istio-ingressgateway": {"enabled": !disabled(spec.pointer("/gateways/ingress"))},
                "istio-egressgateway": {"enabled": !disabled(spec.pointer("/gateways/egress"))},
            },
            "prometheus": {"enabled": !disabled(spec.pointer("/addons/prometheus"))},
            "grafana": {"enabled": enabled("grafana")},
            "kiali": {"enabled": enabled("kiali"), "resourceName": "kiali"},
            "tracing": {"enabled": enabled("tracing"), "provider": if enabled("tracing") { "jaeger" } else { "" },
                "jaeger": {"resourceName": "jaeger", "install": enabled("tracing")}},
        },
    })
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
                    | ("apiextensions.k8s.io", "customresourcedefinitions")
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
            let mut wanted = Wanted::default();
            let smcps = o.list(GROUP, "servicemeshcontrolplanes", None);
            for smcp in &smcps {
                let ns = text(smcp, "/metadata/namespace");
                let first = earliest(&smcps, ns).as_deref() == Some(text(smcp, "/metadata/name"));
                self.control_plane(world, cluster, smcp, first, &mut wanted, &mut next);
            }
            // Re-read: the control planes' statuses just changed.
            let smcps = o.list(GROUP, "servicemeshcontrolplanes", None);
            for smmr in o.list(GROUP, "servicemeshmemberrolls", None) {
                self.member_roll(cluster, &smmr, &smcps, &mut wanted);
            }
            let members_of = self.members(cluster, &smcps);
            self.label_members(cluster, &members_of, &mut wanted);
            self.sweep(cluster, &wanted);
            self.finish(cluster);
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

    fn admit(
        hook: &Webhook,
        operation: Operation,
        namespace: &str,
        object: &mut Value,
    ) -> Result<(), ApiError> {
        let rt = smcp_type();
        let cache = crate::sim::cluster::Cache::default();
        let req = Request {
            rt: &rt,
            operation,
            namespace,
            old: None,
            cache: &cache,
        };
        hook.mutate(&req, object)?;
        hook.validate(&req, object)
    }

    #[test]
    fn webhook_refuses_until_serving_then_defaults_and_validates() {
        let hook = Webhook {
            serving: Arc::new(AtomicBool::new(false)),
        };
        let mut smcp = json!({"metadata": {"name": "basic"}, "spec": {}});
        let err = admit(&hook, Operation::Create, "istio-system", &mut smcp).unwrap_err();
        assert_eq!((err.code, err.reason), (500, "InternalError"));
        assert!(err.message.starts_with("Internal error occurred: failed calling webhook \"smcp.mutation.maistra.io\": failed to call webhook: Post \"https://maistra-admission-controller.openshift-operators.svc:443/mutate-smcp?timeout=10s\": dial tcp 172.30."), "{}", err.message);
        assert!(err.message.ends_with(":443: connect: connection refused"));
        hook.serving.store(true, Ordering::SeqCst);
        admit(&hook, Operation::Create, "istio-system", &mut smcp).unwrap();
        assert_eq!(
            smcp["spec"],
            json!({"version": "v2.6", "profiles": ["default"],
                   "gateways": {"openshiftRoute": {"enabled": false}}})
        );
        // IOR is left alone when the spec says something, or before v2.5.
        for spec in [
            json!({"gateways": {"openshiftRoute": {"enabled": true}}}),
            json!({"version": "v2.4"}),
        ] {
            let mut smcp = json!({"metadata": {"name": "basic"}, "spec": spec});
            admit(&hook, Operation::Create, "istio-system", &mut smcp).unwrap();
            assert_ne!(
                smcp.pointer("/spec/gateways/openshiftRoute/enabled"),
                Some(&json!(false)),
                "{smcp}"
            );
        }
        let mut bad = json!({"metadata": {"name": "basic"}, "spec": {"version": "v2.9"}});
        let err = admit(&hook, Operation::Update, "istio-system", &mut bad).unwrap_err();
        assert_eq!(err.code, 400);
        assert_eq!(
            err.message,
            "admission webhook \"smcp.validation.maistra.io\" denied the request: invalid Version specified; supported versions are: [v2.3 v2.4 v2.5 v2.6]"
        );
        let mut old = json!({"metadata": {"name": "basic"}, "spec": {"version": "v2.1"}});
        let err = admit(&hook, Operation::Create, "istio-system", &mut old).unwrap_err();
        assert_eq!(
            err.message,
            "admission webhook \"smcp.validation.maistra.io\" denied the request: Only '[v2.3 v2.4 v2.5 v2.6]' versions are supported"
        );
        let mut here = json!({"metadata": {"name": "basic"}, "spec": {}});
        let err = admit(&hook, Operation::Create, OPERATOR_NAMESPACE, &mut here).unwrap_err();
        assert!(err.message.ends_with(
            "service mesh may not be installed in the same project/namespace as the operator"
        ));
        let mut bad = json!({"metadata": {"name": "basic"}, "spec": {"gateways": {"additionalIngress": {"Bad_GW": {}}}}});
        let err = admit(&hook, Operation::Create, "istio-system", &mut bad).unwrap_err();
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
