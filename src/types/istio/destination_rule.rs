//! DestinationRule (`networking/v1alpha3/destination_rule.proto`).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    IstioStatus, PortSelector, WorkloadSelector, istio_spec, nullable_bool, nullable_uint, one_of,
    one_of_each,
};

/// Policies for traffic to a service once routing has chosen it: load balancing, connection
/// limits, outlier ejection, client TLS, and the named subsets routes can pick.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1beta1",
    kind = "DestinationRule",
    plural = "destinationrules",
    namespaced,
    shortname = "dr",
    category = "istio-io",
    category = "networking-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio DestinationRule: traffic policy and subsets of a service.",
    printcolumn = r#"{"name":"Host","type":"string","description":"Service the rule applies to","jsonPath":".spec.host"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"Time since creation","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct DestinationRuleSpec {
    /// Service the rule applies to: a registry host, short names qualified with this namespace.
    pub host: String,
    /// Policy for all traffic to the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Named versions of the service, by endpoint labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subsets: Option<Vec<Subset>>,
    /// Namespaces that can see this rule (`.` this one, `*` all); default all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_to: Option<Vec<String>>,
    /// Workloads the rule applies to; default all in the namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
}

/// Load balancing, connection pool, outlier detection and TLS for traffic to a service.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// How endpoints are chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection and request limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of failing endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS towards the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
    /// Overrides for single ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_level_settings: Option<Vec<PortTrafficPolicy>>,
    /// Tunnel the traffic through a proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelSettings>,
}

/// Policy for one port of the service.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    /// The port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
    /// How endpoints are chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection and request limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of failing endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS towards the port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
}

/// Tunnelling through a proxy (HTTP CONNECT or POST).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TunnelSettings {
    /// `CONNECT` (default) or `POST`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Host the proxy tunnels to.
    pub target_host: String,
    /// Port the proxy tunnels to.
    pub target_port: u32,
}

/// A named version of a service: the endpoints with some labels, with its own policy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    /// Subset name, as routes refer to it.
    pub name: String,
    /// Labels the subset's endpoints carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Overrides of the rule's policy for this subset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
}

/// Load balancing: a simple algorithm or consistent hashing (at most one).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of(&["simple", "consistentHash"]))]
pub struct LoadBalancerSettings {
    /// A simple algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub simple: Option<SimpleLb>,
    /// Session affinity by hashing a request property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consistent_hash: Option<ConsistentHashLb>,
    /// Locality-aware distribution and failover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    /// Ramp-up time for new endpoints, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_duration_secs: Option<String>,
}

/// A simple load balancing algorithm.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleLb {
    /// Istio picks.
    Unspecified,
    /// Deprecated; same as `LEAST_REQUEST`.
    LeastConn,
    /// A random endpoint.
    Random,
    /// The address the caller asked for.
    Passthrough,
    /// Round robin.
    RoundRobin,
    /// The less loaded of two random endpoints.
    LeastRequest,
}

/// Consistent hashing: at most one hash key and at most one of `ringHash` and `maglev`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = one_of_each(&[
    &["httpHeaderName", "httpCookie", "useSourceIp", "httpQueryParameterName"],
    &["ringHash", "maglev"],
]))]
pub struct ConsistentHashLb {
    /// Hash this request header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_header_name: Option<String>,
    /// Hash this cookie, created when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_cookie: Option<HttpCookie>,
    /// Hash the source IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_source_ip: Option<bool>,
    /// Hash this query parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_query_parameter_name: Option<String>,
    /// Ring hash algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_hash: Option<RingHash>,
    /// Maglev algorithm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maglev: Option<MagLev>,
    /// Deprecated; use `ringHash.minimumRingSize`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// Ring hash settings.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RingHash {
    /// Minimum number of ring entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// Maglev settings.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MagLev {
    /// Lookup table size (a prime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_size: Option<u64>,
}

/// The cookie a consistent hash uses.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpCookie {
    /// Cookie name.
    pub name: String,
    /// Cookie path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lifetime of a generated cookie, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<String>,
}

/// Locality-aware load balancing.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalityLoadBalancerSetting {
    /// Shares of traffic from a locality to others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribute: Option<Vec<LocalityDistribute>>,
    /// Region to fail over to when a region's endpoints are unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover: Option<Vec<LocalityFailover>>,
    /// Labels ordering endpoints for failover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failover_priority: Option<Vec<String>>,
    /// Turns locality load balancing on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_bool")]
    pub enabled: Option<bool>,
}

/// Traffic shares from one locality.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalityDistribute {
    /// Origin locality (`region/zone/subzone`, wildcards allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Weight per destination locality; the weights add up to 100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<BTreeMap<String, u32>>,
}

/// Failover from one region to another.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalityFailover {
    /// Region that fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Region that takes over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Connection and request limits.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionPoolSettings {
    /// For TCP and HTTP connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpSettings>,
    /// For HTTP requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// TCP connection limits.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpSettings {
    /// Most connections to one destination host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i32>,
    /// Connect timeout, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<String>,
    /// TCP keepalive probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Longest a connection may live, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connection_duration: Option<String>,
}

/// TCP keepalive settings.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpKeepalive {
    /// Unanswered probes before the connection is dropped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<u32>,
    /// Idle time before probing, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Time between probes, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
}

/// HTTP request limits.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    /// Most requests queued waiting for a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<i32>,
    /// Most active requests to a destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<i32>,
    /// Most requests per connection (1 turns keep-alive off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i32>,
    /// Most retries outstanding to all hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// Idle time before an upstream connection is closed, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<String>,
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Use the caller's HTTP version towards the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_client_protocol: Option<bool>,
}

/// Upgrading HTTP/1.1 connections to HTTP/2.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum H2UpgradePolicy {
    /// The mesh-wide default.
    Default,
    /// Never upgrade.
    DoNotUpgrade,
    /// Upgrade.
    Upgrade,
}

/// Ejecting endpoints that keep failing.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    /// Deprecated; use `consecutiveGatewayErrors` and `consecutive5xxErrors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_errors: Option<i32>,
    /// Count local-origin failures (timeouts, resets) apart from upstream errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_external_local_origin_errors: Option<bool>,
    /// Local-origin failures in a row before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_uint")]
    pub consecutive_local_origin_failures: Option<u32>,
    /// 502, 503 and 504 responses in a row before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_uint")]
    pub consecutive_gateway_errors: Option<u32>,
    /// 5xx responses in a row before ejection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_uint")]
    pub consecutive_5xx_errors: Option<u32>,
    /// Time between ejection sweeps, a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// Minimum ejection time, a duration (grows with each ejection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<String>,
    /// Most endpoints ejected, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<i32>,
    /// Healthy share of endpoints below which ejection stops, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_health_percent: Option<i32>,
}

/// TLS from the client side.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientTlsSettings {
    /// Whether and how TLS is originated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ClientTlsMode>,
    /// Client certificate file (`MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// Client key file (`MUTUAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// CA certificates file to verify the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Secret holding the client certificate, key and CA (gateways only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Names the server certificate must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_alt_names: Option<Vec<String>>,
    /// Server name sent in the handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Skip verifying the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "nullable_bool")]
    pub insecure_skip_verify: Option<bool>,
}

/// Whether and how a client originates TLS.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientTlsMode {
    /// Plain text.
    Disable,
    /// TLS, verifying the server.
    Simple,
    /// Mutual TLS with the given certificates.
    Mutual,
    /// Mutual TLS with the mesh's own certificates.
    IstioMutual,
}
