//! ServiceEntry (`networking/v1alpha3/service_entry.proto`, its endpoints from
//! `workload_entry.proto`).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{IstioStatus, WorkloadLabelSelector, istio_spec};

/// Adds services to the mesh's registry: external services, or services whose endpoints the
/// mesh does not discover by itself (such as those of a federated peer).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1beta1",
    kind = "ServiceEntry",
    plural = "serviceentries",
    namespaced,
    shortname = "se",
    category = "istio-io",
    category = "networking-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio ServiceEntry: a service added to the mesh's registry.",
    printcolumn = r#"{"name":"Hosts","type":"string","description":"Hosts of the entry","jsonPath":".spec.hosts"}"#,
    printcolumn = r#"{"name":"Location","type":"string","description":"MESH_EXTERNAL or MESH_INTERNAL","jsonPath":".spec.location"}"#,
    printcolumn = r#"{"name":"Resolution","type":"string","description":"How endpoints are resolved (NONE, STATIC, DNS)","jsonPath":".spec.resolution"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"Time since creation","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct ServiceEntrySpec {
    /// Host names of the service (wildcards allowed).
    pub hosts: Vec<String>,
    /// Virtual IPs or CIDR ranges of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<String>>,
    /// Ports of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<ServicePort>>,
    /// Whether the service is outside or inside the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ServiceEntryLocation>,
    /// How the service's endpoints are found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<ServiceEntryResolution>,
    /// Endpoints of the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Vec<ServiceEntryEndpoint>>,
    /// Takes the endpoints from pods and WorkloadEntries with these labels instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadLabelSelector>,
    /// Namespaces that can see this entry (`.` this one, `*` all); default all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_to: Option<Vec<String>>,
    /// Names the endpoints' certificates may carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_alt_names: Option<Vec<String>>,
}

/// A port of a ServiceEntry.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// Port number.
    pub number: u32,
    /// `HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP` or `TLS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Port name.
    pub name: String,
    /// Port on the endpoints, when it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// Whether a ServiceEntry's service is part of the mesh.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceEntryLocation {
    /// Outside the mesh: no mutual TLS, other metrics.
    MeshExternal,
    /// Part of the mesh (for example workloads the mesh does not discover by itself).
    MeshInternal,
}

/// How a ServiceEntry's endpoints are found.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceEntryResolution {
    /// Connect to the address the caller asked for.
    None,
    /// The addresses listed in `endpoints`.
    Static,
    /// Resolve the hosts (or endpoint names) in DNS, all answers used.
    Dns,
    /// Resolve in DNS, first answer used.
    DnsRoundRobin,
}

/// An endpoint of a ServiceEntry (the `WorkloadEntry` message).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntryEndpoint {
    /// IP address, DNS name, or `unix://` socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Endpoint port per service port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<BTreeMap<String, u32>>,
    /// Labels of the endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// Network the endpoint is on (endpoints on other networks are reached through their
    /// network's gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Locality (`region/zone/subzone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Load balancing weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// Service account of the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}
