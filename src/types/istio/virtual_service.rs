//! VirtualService (`networking/v1alpha3/virtual_service.proto`).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{IstioStatus, alt_name, istio_spec, nullable_bool, nullable_uint, one_of};

/// Routing for traffic addressed to some hosts: which requests go to which destinations, with
/// what retries, timeouts, faults, mirroring and header changes.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1beta1",
    kind = "VirtualService",
    plural = "virtualservices",
    namespaced,
    shortname = "vs",
    category = "istio-io",
    category = "networking-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio VirtualService: traffic routing for a set of hosts.",
    printcolumn = r#"{"name":"Gateways","type":"string","description":"Gateways and sidecars the routes apply to","jsonPath":".spec.gateways"}"#,
    printcolumn = r#"{"name":"Hosts","type":"string","description":"Hosts the routes are for","jsonPath":".spec.hosts"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"Time since creation","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct VirtualServiceSpec {
    /// Hosts these routes apply to: DNS names (wildcards allowed), short service names
    /// (qualified with this namespace), or IP addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
    /// Gateways (`namespace/name`) that apply these routes; the reserved `mesh` means every
    /// sidecar. Without it, the routes apply to sidecars only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<Vec<String>>,
    /// HTTP routes (HTTP/1.1, HTTP/2, gRPC), first match wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Vec<HttpRoute>>,
    /// Routes for unterminated TLS and HTTPS traffic, chosen by SNI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Vec<TlsRoute>>,
    /// Routes for opaque TCP traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<Vec<TcpRoute>>,
    /// Namespaces that can see this VirtualService (`.` this one, `*` all); default all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_to: Option<Vec<String>>,
}

/// A service (and optionally a subset and port of it) traffic is sent to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// Service host from the registry: a Kubernetes service name (short or fully qualified), a
    /// ServiceEntry host, or a federation-imported host.
    pub host: String,
    /// Named subset from the host's DestinationRule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port of the host, needed when the service exposes several.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

impl Destination {
    /// All of `host`, no subset or port.
    pub fn new(host: impl Into<String>) -> Self {
        Destination {
            host: host.into(),
            ..Default::default()
        }
    }
}

/// A port by number.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortSelector {
    /// Port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
}

/// Conditions and actions for HTTP traffic.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = alt_name("mirrorPercent", "mirror_percent"))]
pub struct HttpRoute {
    /// Route name, used in access logs and the route's statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Conditions; the route applies when any one matches (all when none are given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<Vec<HttpMatchRequest>>,
    /// Weighted destinations for the traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Vec<HttpRouteDestination>>,
    /// Answer with a redirect instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<HttpRedirect>,
    /// Answer with a fixed response instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<HttpDirectResponse>,
    /// Hand the routing over to another VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<Delegate>,
    /// Rewrite the path or authority before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<HttpRewrite>,
    /// Request timeout, a duration such as `5s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    /// Retry policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
    /// Delays and aborts injected for testing resilience.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<HttpFaultInjection>,
    /// Also send a copy of the traffic here (responses to the copies are dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Destination>,
    /// Several mirror destinations, each with its own share of traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirrors: Option<Vec<HttpMirrorPolicy>>,
    /// Deprecated whole-number share of traffic mirrored; use `mirrorPercentage`.
    #[serde(
        default,
        alias = "mirror_percent",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(schema_with = "nullable_uint")]
    pub mirror_percent: Option<u32>,
    /// Share of traffic sent to `mirror` (fractions allowed; default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percentage: Option<Percent>,
    /// Cross-origin resource sharing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_policy: Option<CorsPolicy>,
    /// Header changes for requests and responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// The VirtualService a route delegates to.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delegate {
    /// Name of the delegate VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its namespace; default this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Header changes for requests and responses.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Headers {
    /// Changes to the request before it is forwarded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// Changes to the response before it is returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// Set, add and remove headers.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeaderOperations {
    /// Headers to overwrite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<BTreeMap<String, String>>,
    /// Headers to append.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<BTreeMap<String, String>>,
    /// Headers to drop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remove: Option<Vec<String>>,
}

/// A route for unterminated TLS traffic.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsRoute {
    /// Conditions; the route applies when any one matches.
    pub r#match: Vec<TlsMatchAttributes>,
    /// Weighted destinations for the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Vec<RouteDestination>>,
}

/// A route for TCP traffic.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpRoute {
    /// Conditions; the route applies when any one matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<Vec<L4MatchAttributes>>,
    /// Weighted destinations for the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Vec<RouteDestination>>,
}

/// Conditions on an HTTP request, all of which must hold.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatchRequest {
    /// Name of the condition, appended to the route name in logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Request path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// URI scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<StringMatch>,
    /// HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// Authority (Host header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Request headers by lower-case name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, StringMatch>>,
    /// Port the request arrived on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways this condition is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<Vec<String>>,
    /// Query parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_params: Option<BTreeMap<String, StringMatch>>,
    /// Compare the URI case-insensitively.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_uri_case: Option<bool>,
    /// Headers that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_headers: Option<BTreeMap<String, StringMatch>>,
    /// Namespace of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// Prefix for the statistics of this match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_prefix: Option<String>,
}

/// A weighted HTTP destination.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteDestination {
    /// Where the traffic goes.
    pub destination: Destination,
    /// Relative share of the route's traffic; the weights of a route add up to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// Header changes for traffic to this destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// A weighted TLS or TCP destination.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteDestination {
    /// Where the connection goes.
    pub destination: Destination,
    /// Relative share of the route's connections; the weights of a route add up to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// Conditions on a TCP connection.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct L4MatchAttributes {
    /// Destination IPs or CIDR ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_subnets: Option<Vec<String>>,
    /// Destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Source IP or CIDR range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_subnet: Option<String>,
    /// Labels of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways this condition is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<Vec<String>>,
    /// Namespace of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// Conditions on a TLS connection.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsMatchAttributes {
    /// Server names (SNI) to match; wildcards allowed.
    pub sni_hosts: Vec<String>,
    /// Destination IPs or CIDR ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_subnets: Option<Vec<String>>,
    /// Destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_labels: Option<BTreeMap<String, String>>,
    /// Gateways this condition is limited to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<Vec<String>>,
    /// Namespace of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// A redirect response; at most one of `port` and `derivePort`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of(&["port", "derivePort"]))]
pub struct HttpRedirect {
    /// Path for the redirect location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Authority for the redirect location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Port for the redirect location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Take the redirect port from the scheme's default or from the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derive_port: Option<RedirectPortSelection>,
    /// Scheme for the redirect location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Status code of the redirect; default 301.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_code: Option<u32>,
}

/// Where a redirect's port comes from.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RedirectPortSelection {
    /// 80 for HTTP, 443 for HTTPS.
    FromProtocolDefault,
    /// The port the request came in on.
    FromRequestPort,
}

/// A fixed response.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpDirectResponse {
    /// HTTP status code.
    pub status: u32,
    /// Response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<HttpBody>,
}

/// A response body, as text or as base64 bytes (at most one).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of(&["string", "bytes"]))]
pub struct HttpBody {
    /// Body text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<String>,
    /// Body bytes, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "binary"))]
    pub bytes: Option<String>,
}

/// Path and authority rewrites.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRewrite {
    /// Replaces the matched path or prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Replaces the authority (Host header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Rewrites the path with a regular expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_regex_rewrite: Option<RegexRewrite>,
}

/// A regular-expression rewrite.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegexRewrite {
    /// RE2 expression to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<String>,
    /// Replacement, with `\1`-style group references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
}

/// A string comparison: exact, prefix or RE2 regular expression (at most one).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of(&["exact", "prefix", "regex"]))]
pub struct StringMatch {
    /// The whole string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
    /// A prefix of the string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// An RE2 expression the string matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
}

impl StringMatch {
    /// Matches exactly `s`.
    pub fn exact(s: impl Into<String>) -> Self {
        StringMatch {
            exact: Some(s.into()),
            ..Default::default()
        }
    }

    /// Matches strings starting with `s`.
    pub fn prefix(s: impl Into<String>) -> Self {
        StringMatch {
            prefix: Some(s.into()),
            ..Default::default()
        }
    }

    /// Matches strings matching the RE2 expression `s`.
    pub fn regex(s: impl Into<String>) -> Self {
        StringMatch {
            regex: Some(s.into()),
            ..Default::default()
        }
    }
}

/// Retries of a failed request.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    /// Number of retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i32>,
    /// Timeout of each attempt, a duration such as `2s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<String>,
    /// Comma-separated conditions that trigger a retry (Envoy `x-envoy-retry-on` policies,
    /// gRPC status names, status codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    /// Retry on endpoints in other localities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_bool")]
    pub retry_remote_localities: Option<bool>,
}

/// Cross-origin resource sharing policy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CorsPolicy {
    /// Deprecated exact origins; use `allowOrigins`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_origin: Option<Vec<String>>,
    /// Origins allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_origins: Option<Vec<StringMatch>>,
    /// Methods allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_methods: Option<Vec<String>>,
    /// Request headers allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_headers: Option<Vec<String>>,
    /// Response headers browsers may read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose_headers: Option<Vec<String>>,
    /// How long a preflight answer may be cached, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<String>,
    /// Whether credentials may be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_bool")]
    pub allow_credentials: Option<bool>,
}

/// Faults injected into requests.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpFaultInjection {
    /// Delay before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<FaultDelay>,
    /// Fail the request instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<FaultAbort>,
}

/// An injected delay; at most one of `fixedDelay` and `exponentialDelay`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of(&["fixedDelay", "exponentialDelay"]))]
pub struct FaultDelay {
    /// Deprecated whole-number share of delayed requests; use `percentage`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<i32>,
    /// Delay, a duration such as `5s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_delay: Option<String>,
    /// Exponential delay (not supported by Istio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exponential_delay: Option<String>,
    /// Share of requests delayed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// An injected failure; at most one of `httpStatus`, `grpcStatus`, `http2Error`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of(&["httpStatus", "grpcStatus", "http2Error"]))]
pub struct FaultAbort {
    /// HTTP status code returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<i32>,
    /// gRPC status returned (such as `UNAVAILABLE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc_status: Option<String>,
    /// HTTP/2 error (not supported by Istio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_error: Option<String>,
    /// Share of requests aborted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// A mirror destination with its share of traffic.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpMirrorPolicy {
    /// Where the copies go.
    pub destination: Destination,
    /// Share of traffic copied; default 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

/// A percentage from 0.0 to 100.0.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Percent {
    /// The percentage; fractions allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl Percent {
    /// `value` percent.
    pub fn new(value: f64) -> Self {
        Percent { value: Some(value) }
    }
}
