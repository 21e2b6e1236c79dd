//! OpenShift kinds fedrun uses: `Route` (`route.openshift.io/v1`), `Project` and
//! `ProjectRequest` (`project.openshift.io/v1`).
//!
//! Written from openshift/api: `route/v1/types.go`, checked against the CRD generated from it
//! (`route/v1/zz_generated.crd-manifests/routes.crd.yaml`), and `project/v1/types.go`.
//!
//! OpenShift serves projects from its own API server (openshift-apiserver), not through CRDs, so
//! [`crds`] has only the Route CRD. `Project` and `ProjectRequest` still derive `CustomResource`,
//! which gives them API metadata and a schema (`Project::crd()`), without a CRD on any real
//! cluster to match.
//!
//! The Route CRD's validation is reproduced: patterns, lengths, enums, defaults, CEL rules (their
//! text and messages are the API's, as a cluster reports them) and the `allOf`/`anyOf`/`not`
//! constraints, which [`crds`] adds after kube's schema rewriting (that rewriting would merge the
//! branches' properties).

// kube's `printcolumn(name = …, type_ = …)` repeats the same keys once per column.
#![allow(clippy::duplicated_attributes)]

use k8s_openapi::api::core::v1::NamespaceCondition;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::{CustomResource, CustomResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::crd_support::{at, finish};

/// The group of Routes.
pub const ROUTE_GROUP: &str = "route.openshift.io";
/// The group of Projects and ProjectRequests.
pub const PROJECT_GROUP: &str = "project.openshift.io";

/// The CRDs an OpenShift cluster has for these kinds: routes only.
pub fn crds() -> Vec<CustomResourceDefinition> {
    let mut route = finish(Route::crd(), &["spec"], &[]);
    for version in &mut route.spec.versions {
        let Some(root) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        else {
            continue;
        };
        // Passthrough routes take no path; a wildcard policy of Subdomain needs a host.
        if let Some(spec) = at(root, "spec") {
            spec.all_of = Some(vec![
                schema(json!({"anyOf": [
                    {"properties": {"path": {"maxLength": 0}}},
                    {"properties": {"tls": {"enum": [null]}}},
                    {"not": {"properties": {"tls": {"properties": {"termination": {"enum": ["passthrough"]}}}}}}
                ]})),
                schema(json!({"anyOf": [
                    {"not": {"properties": {"host": {"maxLength": 0}}}},
                    {"not": {"properties": {"wildcardPolicy": {"enum": ["Subdomain"]}}}}
                ]})),
            ]);
        }
        // Passthrough carries no certificates; edge no destination CA.
        if let Some(tls) = at(root, "spec.tls") {
            tls.all_of = Some(vec![
                schema(json!({"anyOf": [
                    {"properties": {"caCertificate": {"maxLength": 0}, "certificate": {"maxLength": 0},
                        "destinationCACertificate": {"maxLength": 0}, "key": {"maxLength": 0}}},
                    {"not": {"properties": {"termination": {"enum": ["passthrough"]}}}}
                ]})),
                schema(json!({"anyOf": [
                    {"properties": {"destinationCACertificate": {"maxLength": 0}}},
                    {"not": {"properties": {"termination": {"enum": ["edge"]}}}}
                ]})),
            ]);
        }
        // The target port is neither 0 nor "" (and, unlike other int-or-strings, has no anyOf).
        if let Some(port) = at(root, "spec.port.targetPort") {
            port.any_of = None;
            port.all_of = Some(vec![
                schema(json!({"not": {"enum": [0]}})),
                schema(json!({"not": {"enum": [""]}})),
            ]);
        }
    }
    vec![route]
}

fn schema(v: serde_json::Value) -> JSONSchemaProps {
    serde_json::from_value(v).expect("a valid JSONSchemaProps")
}

// ---------------------------------------------------------------------------------------------
// Route

/// DNS-1123-style host names: dot-separated labels of letters, digits and inner hyphens.
const HOST_PATTERN: &str = r"^([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])(\.([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]{0,61}[a-zA-Z0-9]))*$";

/// Exposes a Service through the cluster's routers (HAProxy) under a host name, optionally
/// with TLS.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "route.openshift.io",
    version = "v1",
    kind = "Route",
    plural = "routes",
    namespaced,
    status = "RouteStatus",
    printcolumn(name = "Host", type_ = "string", json_path = ".status.ingress[0].host"),
    printcolumn(
        name = "Admitted",
        type_ = "string",
        json_path = r#".status.ingress[0].conditions[?(@.type=="Admitted")].status"#
    ),
    printcolumn(name = "Service", type_ = "string", json_path = ".spec.to.name"),
    printcolumn(name = "TLS", type_ = "string", json_path = ".spec.tls.type"),
    derive = "PartialEq",
    doc = "Exposes a Service outside the cluster through the ingress routers, under a host name \
           and optional path, with optional TLS (edge, passthrough or reencrypt) and weighted \
           alternate backends. Each router that admits it reports so in the status. The host \
           cannot change once set; of routes claiming the same host, the oldest wins."
)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "!has(self.tls) || self.tls.termination != 'passthrough' || !has(self.httpHeaders)",
    "message": "header actions are not permitted when tls termination is passthrough."
}]))]
pub struct RouteSpec {
    /// Host name the route answers for; a router picks one (from the route's name and
    /// namespace) when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253), regex(pattern = HOST_PATTERN))]
    pub host: Option<String>,
    /// A label requested within the router's domain (`frontend` → `frontend.apps.<domain>`);
    /// ignored when `host` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 253), regex(pattern = HOST_PATTERN))]
    pub subdomain: Option<String>,
    /// Path prefix the route matches (not allowed with passthrough TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = "^/"))]
    pub path: Option<String>,
    /// The Service receiving the traffic (with weight, when there are alternates).
    pub to: RouteTargetReference,
    /// Up to three more Services sharing the traffic by weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 3), extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name", "kind"]))]
    pub alternate_backends: Option<Vec<RouteTargetReference>>,
    /// The Service port to send traffic to; all its ports when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<RoutePort>,
    /// TLS termination and certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsConfig>,
    /// `None`, or `Subdomain` to also serve every host of the route host's domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "None"))]
    pub wildcard_policy: Option<WildcardPolicy>,
    /// Changes to HTTP headers (not with passthrough TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_headers: Option<RouteHttpHeaders>,
}

/// Kind of a route backend: only Services.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum RouteTargetKind {
    /// A Service.
    #[default]
    Service,
    /// Unset; the API server defaults it to `Service`.
    #[serde(rename = "")]
    Unset,
}

/// A Service the route sends traffic to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = kind_is_required)]
pub struct RouteTargetReference {
    /// `Service` (the default). Required by the schema, though the API server fills it in when
    /// missing (and so does deserializing).
    #[serde(default)]
    #[schemars(extend("default" = "Service"))]
    pub kind: RouteTargetKind,
    /// The Service's name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Relative share of the traffic, 0 to 256 (100 when unset); 0 sends it none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 256), extend("default" = 100))]
    pub weight: Option<i32>,
}

/// The schema requires `kind`, which has a default: serde's `default` alone would make it
/// optional.
fn kind_is_required(schema: &mut schemars::Schema) {
    let required = schema
        .ensure_object()
        .entry("required")
        .or_insert_with(|| json!([]));
    if let Some(list) = required.as_array_mut() {
        list.insert(0, json!("kind"));
    }
}

/// The Service port a route targets.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoutePort {
    /// The port, by number or by name; a name is looked up among the endpoints' ports.
    pub target_port: IntOrString,
}

/// Whether a route also serves the other hosts of its host's domain.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum WildcardPolicy {
    /// Only the route's host.
    #[default]
    None,
    /// Every host of the domain (`*.example.com` for `www.example.com`).
    Subdomain,
    /// Unset (treated as `None`).
    #[serde(rename = "")]
    Unset,
}

/// Where TLS ends.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TlsTermination {
    /// At the router; plain HTTP to the backend.
    Edge,
    /// At the router, which opens a new TLS connection to the backend.
    Reencrypt,
    /// At the backend; the router passes the connection through by SNI.
    Passthrough,
}

/// What to do with plain HTTP requests to a TLS route.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
pub enum InsecureEdgeTerminationPolicy {
    /// Serve them (edge and reencrypt only).
    Allow,
    /// Refuse them (the default).
    None,
    /// Redirect them to HTTPS.
    Redirect,
    /// Unset.
    #[serde(rename = "")]
    Unset,
}

/// TLS settings of a route.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [
    {
        "rule": "has(self.termination) && has(self.insecureEdgeTerminationPolicy) ? !((self.termination=='passthrough') && (self.insecureEdgeTerminationPolicy=='Allow')) : true",
        "message": "cannot have both spec.tls.termination: passthrough and spec.tls.insecureEdgeTerminationPolicy: Allow"
    },
    {
        "rule": "!(has(self.certificate) && has(self.externalCertificate))",
        "message": "cannot have both spec.tls.certificate and spec.tls.externalCertificate"
    }
]))]
pub struct TlsConfig {
    /// `edge`, `reencrypt` or `passthrough`.
    pub termination: TlsTermination,
    /// Server certificate (PEM); the router's default certificate when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    /// Its private key (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// CA chain of the certificate (PEM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    /// CA that signs the backend's certificate (reencrypt); the service-serving CA when unset.
    #[serde(
        rename = "destinationCACertificate",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub destination_ca_certificate: Option<String>,
    /// `Allow`, `None` or `Redirect` plain HTTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_edge_termination_policy: Option<InsecureEdgeTerminationPolicy>,
    /// A `kubernetes.io/tls` Secret in the route's namespace to take the certificate and key
    /// from, instead of `certificate`/`key`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub external_certificate: Option<LocalObjectReference>,
}

/// An object in the route's namespace, by name.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalObjectReference {
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// HTTP header policy of a route.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteHttpHeaders {
    /// Headers to set or delete, on requests and responses (cleartext and router-terminated
    /// TLS only). `Strict-Transport-Security`, `Proxy`, `Cookie` and `Set-Cookie` cannot be
    /// changed here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<RouteHttpHeaderActions>,
}

/// Header changes, in order.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteHttpHeaderActions {
    /// Changes to response headers (applied before the IngressController's), at most 20.
    /// Values may use HAProxy's `%[...]` with `res.hdr` or `ssl_c_der`, converted by `lower`
    /// or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 20), extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["name"],
        "x-kubernetes-validations" = [{
            "rule": r#"self.all(key, key.action.type == "Delete" || (has(key.action.set) && key.action.set.value.matches('^(?:%(?:%|(?:\\{[-+]?[QXE](?:,[-+]?[QXE])*\\})?\\[(?:res\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(?:,(?:lower|base64))*\\])|[^%[:cntrl:]])+$')))"#,
            "message": "Either the header value provided is not in correct format or the sample fetcher/converter specified is not allowed. The dynamic header value will be interpreted as an HAProxy format string as defined in http://cbonte.github.io/haproxy-dconv/2.6/configuration.html#8.2.6 and may use HAProxy's %[] syntax and otherwise must be a valid HTTP header value as defined in https://datatracker.ietf.org/doc/html/rfc7230#section-3.2. Sample fetchers allowed are res.hdr, ssl_c_der. Converters allowed are lower, base64."
        }]
    ))]
    pub response: Option<Vec<RouteHttpHeader>>,
    /// Changes to request headers (applied after the IngressController's), at most 20. Values
    /// may use HAProxy's `%[...]` with `req.hdr` or `ssl_c_der`, converted by `lower` or
    /// `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 20), extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["name"],
        "x-kubernetes-validations" = [{
            "rule": r#"self.all(key, key.action.type == "Delete" || (has(key.action.set) && key.action.set.value.matches('^(?:%(?:%|(?:\\{[-+]?[QXE](?:,[-+]?[QXE])*\\})?\\[(?:req\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(?:,(?:lower|base64))*\\])|[^%[:cntrl:]])+$')))"#,
            "message": "Either the header value provided is not in correct format or the sample fetcher/converter specified is not allowed. The dynamic header value will be interpreted as an HAProxy format string as defined in http://cbonte.github.io/haproxy-dconv/2.6/configuration.html#8.2.6 and may use HAProxy's %[] syntax and otherwise must be a valid HTTP header value as defined in https://datatracker.ietf.org/doc/html/rfc7230#section-3.2. Sample fetchers allowed are req.hdr, ssl_c_der. Converters allowed are lower, base64."
        }]
    ))]
    pub request: Option<Vec<RouteHttpHeader>>,
}

/// A change to one header.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteHttpHeader {
    /// Header name (an HTTP token, at most 255 characters).
    #[schemars(length(min = 1, max = 255), regex(pattern = r"^[-!#$%&'*+.0-9A-Z^_`a-z|~]+$"), extend(
        "x-kubernetes-validations" = [
            {"rule": "self.lowerAscii() != 'strict-transport-security'",
                "message": "strict-transport-security header may not be modified via header actions"},
            {"rule": "self.lowerAscii() != 'proxy'",
                "message": "proxy header may not be modified via header actions"},
            {"rule": "self.lowerAscii() != 'cookie'",
                "message": "cookie header may not be modified via header actions"},
            {"rule": "self.lowerAscii() != 'set-cookie'",
                "message": "set-cookie header may not be modified via header actions"}
        ]
    ))]
    pub name: String,
    /// What to do with it.
    pub action: RouteHttpHeaderActionUnion,
}

/// Set or delete a header.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
pub enum RouteHttpHeaderActionType {
    /// Set it (to `set.value`).
    #[default]
    Set,
    /// Remove it.
    Delete,
}

/// A header action: `Set` with a value, or `Delete`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("x-kubernetes-validations" = [{
    "rule": "has(self.type) && self.type == 'Set' ?  has(self.set) : !has(self.set)",
    "message": "set is required when type is Set, and forbidden otherwise"
}]))]
pub struct RouteHttpHeaderActionUnion {
    /// `Set` or `Delete`.
    #[serde(rename = "type")]
    pub type_: RouteHttpHeaderActionType,
    /// The value to set (with `Set` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<RouteSetHttpHeader>,
}

/// The value a header is set to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteSetHttpHeader {
    /// The value: literal text or an HAProxy format string, at most 16384 characters.
    #[schemars(length(min = 1, max = 16384))]
    pub value: String,
}

/// What the routers report about a route.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteStatus {
    /// One entry per router that considered the route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "atomic"))]
    pub ingress: Option<Vec<RouteIngress>>,
}

/// One router's view of a route.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteIngress {
    /// The host the router serves the route under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The router's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router_name: Option<String>,
    /// Whether the router admitted the route (`Admitted`), and why not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Option<Vec<RouteIngressCondition>>,
    /// The wildcard policy the router applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wildcard_policy: Option<String>,
    /// The router's external host name, for CNAME records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router_canonical_hostname: Option<String>,
}

/// A router's condition about a route.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteIngressCondition {
    /// `Admitted` (or `UnservableInFutureVersions`).
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// Machine-readable reason (e.g. `HostAlreadyClaimed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the condition last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<Time>,
}

impl Route {
    /// The host the first admitting router serves the route under.
    pub fn admitted_host(&self) -> Option<&str> {
        self.status
            .as_ref()?
            .ingress
            .as_ref()?
            .iter()
            .find_map(|i| {
                let admitted = i
                    .conditions
                    .as_ref()?
                    .iter()
                    .any(|c| c.type_ == "Admitted" && c.status == "True");
                if admitted { i.host.as_deref() } else { None }
            })
    }
}

// ---------------------------------------------------------------------------------------------
// Project and ProjectRequest

/// OpenShift's view of a namespace. Not a CRD: served by openshift-apiserver.
#[derive(
    CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema,
)]
#[kube(
    group = "project.openshift.io",
    version = "v1",
    kind = "Project",
    plural = "projects",
    status = "ProjectStatus",
    printcolumn(
        name = "Display Name",
        type_ = "string",
        json_path = r".metadata.annotations.openshift\.io/display-name"
    ),
    printcolumn(name = "Status", type_ = "string", json_path = ".status.phase"),
    derive = "PartialEq",
    derive = "Default",
    doc = "A namespace as OpenShift presents it to users: the unit of isolation and \
           collaboration. Listing returns only the projects the user may see; users create \
           them through ProjectRequests."
)]
#[serde(rename_all = "camelCase")]
pub struct ProjectSpec {
    /// Finalizers that must be gone before the namespace is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finalizers: Option<Vec<String>>,
}

/// State of a project.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectStatus {
    /// `Active` or `Terminating`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Observations about the namespace (e.g. why deletion is stuck).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<NamespaceCondition>>,
}

/// Asks OpenShift to create a project from the cluster's project template, as the requesting
/// user's. Only `create` is served; the response is the Project.
#[derive(
    CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema,
)]
#[kube(
    group = "project.openshift.io",
    version = "v1",
    kind = "ProjectRequest",
    plural = "projectrequests",
    no_spec,
    derive = "PartialEq",
    derive = "Default",
    doc = "A request to create a project (as `oc new-project` sends): its name in metadata, \
           with an optional display name and description."
)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRequestSpec {
    /// Display name for the project (the `openshift.io/display-name` annotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Description of the project (the `openshift.io/description` annotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn route_schema() -> JSONSchemaProps {
        let c = crds().remove(0);
        c.spec.versions[0]
            .schema
            .clone()
            .unwrap()
            .open_api_v3_schema
            .unwrap()
    }

    fn prop(root: &JSONSchemaProps, path: &str) -> JSONSchemaProps {
        let mut root = root.clone();
        at(&mut root, path)
            .unwrap_or_else(|| panic!("no {path}"))
            .clone()
    }

    fn strings(v: &[&str]) -> Option<Vec<String>> {
        Some(v.iter().map(|s| s.to_string()).collect())
    }

    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(original: Value) -> T {
        let typed: T = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), original);
        typed
    }

    #[test]
    fn only_routes_have_a_crd() {
        let all = crds();
        assert_eq!(all.len(), 1);
        let c = &all[0];
        assert_eq!(
            c.metadata.name.as_deref(),
            Some("routes.route.openshift.io")
        );
        assert_eq!(
            (c.spec.group.as_str(), c.spec.scope.as_str()),
            (ROUTE_GROUP, "Namespaced")
        );
        let n = &c.spec.names;
        assert_eq!(
            (n.kind.as_str(), n.list_kind.as_deref()),
            ("Route", Some("RouteList"))
        );
        assert_eq!((n.short_names.clone(), n.categories.clone()), (None, None));
        let v = &c.spec.versions[0];
        assert_eq!((v.name.as_str(), v.served, v.storage), ("v1", true, true));
        let columns: Vec<_> = v
            .additional_printer_columns
            .iter()
            .flatten()
            .map(|c| (c.name.as_str(), c.json_path.as_str()))
            .collect();
        assert_eq!(
            columns,
            [
                ("Host", ".status.ingress[0].host"),
                (
                    "Admitted",
                    r#".status.ingress[0].conditions[?(@.type=="Admitted")].status"#
                ),
                ("Service", ".spec.to.name"),
                ("TLS", ".spec.tls.type"),
            ]
        );
        assert_eq!(route_schema().required, strings(&["spec"]));

        let p = Project::crd();
        assert_eq!(
            p.metadata.name.as_deref(),
            Some("projects.project.openshift.io")
        );
        assert_eq!(p.spec.scope, "Cluster");
        let r = ProjectRequest::crd();
        assert_eq!(r.spec.scope, "Cluster");
        assert_eq!(r.spec.versions[0].subresources, None);
    }

    #[test]
    fn route_schema_validates_like_openshift() {
        let s = route_schema();
        assert_eq!(prop(&s, "spec").required, strings(&["to"]));
        assert_eq!(prop(&s, "spec").all_of.map(|a| a.len()), Some(2));
        assert_eq!(
            prop(&s, "spec").x_kubernetes_validations.map(|v| v.len()),
            Some(1)
        );
        let to = prop(&s, "spec.to");
        assert_eq!(to.required, strings(&["kind", "name"]));
        let kind = prop(&s, "spec.to.kind");
        assert_eq!(kind.default.map(|d| d.0), Some(json!("Service")));
        assert_eq!(
            kind.enum_
                .map(|e| e.into_iter().map(|j| j.0).collect::<Vec<_>>()),
            Some(vec![json!("Service"), json!("")])
        );
        let weight = prop(&s, "spec.to.weight");
        assert_eq!(
            (weight.minimum, weight.maximum, weight.format.as_deref()),
            (Some(0.0), Some(256.0), Some("int32"))
        );
        assert_eq!(prop(&s, "spec.alternateBackends").max_items, Some(3));
        assert_eq!(prop(&s, "spec.host").max_length, Some(253));
        assert_eq!(prop(&s, "spec.path").pattern.as_deref(), Some("^/"));
        let tls = prop(&s, "spec.tls");
        assert_eq!(tls.required, strings(&["termination"]));
        assert_eq!(tls.x_kubernetes_validations.map(|v| v.len()), Some(2));
        let port = prop(&s, "spec.port.targetPort");
        assert_eq!(
            (port.x_kubernetes_int_or_string, port.any_of.is_none()),
            (Some(true), true)
        );
        assert_eq!(port.all_of.map(|a| a.len()), Some(2));
        let name = prop(&s, "spec.httpHeaders.actions.request[].name");
        assert_eq!(name.x_kubernetes_validations.map(|v| v.len()), Some(4));
        assert_eq!(
            prop(&s, "status.ingress").x_kubernetes_list_type.as_deref(),
            Some("atomic")
        );
    }

    #[test]
    fn an_admitted_edge_route_round_trips() {
        let route: Route = round_trip(json!({
            "apiVersion": "route.openshift.io/v1", "kind": "Route",
            "metadata": {"name": "productpage", "namespace": "prod-bookinfo"},
            "spec": {
                "host": "productpage-prod-bookinfo.apps.rosa-prod.example.com",
                "to": {"kind": "Service", "name": "istio-ingressgateway", "weight": 100},
                "port": {"targetPort": "http2"},
                "tls": {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"},
                "wildcardPolicy": "None",
                "httpHeaders": {"actions": {"response": [
                    {"name": "X-Frame-Options", "action": {"type": "Set", "set": {"value": "DENY"}}},
                    {"name": "X-Powered-By", "action": {"type": "Delete"}}
                ]}}
            },
            "status": {"ingress": [{
                "host": "productpage-prod-bookinfo.apps.rosa-prod.example.com",
                "routerName": "default", "wildcardPolicy": "None",
                "routerCanonicalHostname": "router-default.apps.rosa-prod.example.com",
                "conditions": [{"type": "Admitted", "status": "True", "lastTransitionTime": "2024-05-01T10:00:00Z"}]
            }]}
        }));
        let tls = route.spec.tls.as_ref().unwrap();
        assert_eq!(tls.termination, TlsTermination::Edge);
        assert_eq!(
            tls.insecure_edge_termination_policy,
            Some(InsecureEdgeTerminationPolicy::Redirect)
        );
        assert_eq!(
            route.spec.port.as_ref().unwrap().target_port,
            IntOrString::String("http2".into())
        );
        let response = route
            .spec
            .http_headers
            .as_ref()
            .unwrap()
            .actions
            .as_ref()
            .unwrap()
            .response
            .as_ref()
            .unwrap();
        assert_eq!(response[1].action.type_, RouteHttpHeaderActionType::Delete);
        assert_eq!(
            route.admitted_host(),
            Some("productpage-prod-bookinfo.apps.rosa-prod.example.com")
        );

        // `oc expose` leaves the kind out; the API server (and deserializing) fills in Service.
        let spec: RouteSpec = serde_json::from_value(json!({"to": {"name": "details"}})).unwrap();
        assert_eq!(spec.to.kind, RouteTargetKind::Service);
        assert!(serde_json::from_value::<RouteSpec>(json!({"host": "x.example.com"})).is_err());
    }

    #[test]
    fn projects_and_project_requests_round_trip() {
        let project: Project = round_trip(json!({
            "apiVersion": "project.openshift.io/v1", "kind": "Project",
            "metadata": {"name": "prod-bookinfo", "annotations": {"openshift.io/display-name": "Bookinfo"}},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"}
        }));
        assert_eq!(project.status.unwrap().phase.as_deref(), Some("Active"));
        let request: ProjectRequest = round_trip(json!({
            "apiVersion": "project.openshift.io/v1", "kind": "ProjectRequest",
            "metadata": {"name": "prod-bookinfo"},
            "displayName": "Bookinfo", "description": "The bookinfo sample, federated"
        }));
        assert_eq!(request.spec.display_name.as_deref(), Some("Bookinfo"));
        let c = ProjectRequest::crd();
        let root = c.spec.versions[0]
            .schema
            .clone()
            .unwrap()
            .open_api_v3_schema
            .unwrap();
        let keys: Vec<_> = root.properties.unwrap().into_keys().collect();
        assert_eq!(keys, ["description", "displayName"]);
    }
}
