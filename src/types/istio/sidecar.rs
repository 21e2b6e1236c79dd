//! Sidecar (`networking/v1alpha3/sidecar.proto`).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ConnectionPoolSettings, Destination, IstioStatus, ServerTlsSettings, istio_spec};

/// Narrows what the proxies of some workloads accept and reach: inbound listeners, the hosts
/// they can call, and the policy for unknown destinations.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1beta1",
    kind = "Sidecar",
    plural = "sidecars",
    namespaced,
    category = "istio-io",
    category = "networking-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio Sidecar: the scope of some workloads' proxies."
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct SidecarSpec {
    /// Workloads it applies to; none means every workload of the namespace without a more
    /// specific Sidecar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadLabelSelector>,
    /// Inbound listeners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<IstioIngressListener>>,
    /// Outbound listeners and the hosts they can reach.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<IstioEgressListener>>,
    /// Connection limits for inbound traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_connection_pool: Option<ConnectionPoolSettings>,
    /// What happens to traffic for hosts the registry does not know.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
}

/// Selects workloads by labels (the networking API's selector, with `labels`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadLabelSelector {
    /// Labels a workload must all carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// An inbound listener.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IstioIngressListener {
    /// Port listened on.
    pub port: SidecarPort,
    /// Address to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How traffic reaches the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// Where the traffic is forwarded (`127.0.0.1:PORT`, `0.0.0.0:PORT` or a Unix socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// TLS terminated by the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
    /// Connection limits of the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
}

/// An outbound listener.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IstioEgressListener {
    /// Port listened on; none means every port of the hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<SidecarPort>,
    /// Address to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// How traffic reaches the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_mode: Option<CaptureMode>,
    /// Reachable hosts as `namespace/dnsName` (`*`, `.` and `~` allowed for the namespace).
    pub hosts: Vec<String>,
}

/// A port of a Sidecar listener.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SidecarPort {
    /// Port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
    /// `HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP` or `TLS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// How traffic reaches a listener.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CaptureMode {
    /// As the environment decides.
    Default,
    /// Redirected by iptables.
    Iptables,
    /// Addressed to the listener directly.
    None,
}

/// Handling of traffic for unknown hosts.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutboundTrafficPolicy {
    /// Allow or block it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundTrafficPolicyMode>,
    /// Send it through this proxy (with `ALLOW_ANY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress_proxy: Option<Destination>,
}

/// Whether traffic for unknown hosts passes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundTrafficPolicyMode {
    /// Only hosts in the registry are reachable.
    RegistryOnly,
    /// Unknown hosts are reached directly.
    AllowAny,
}
