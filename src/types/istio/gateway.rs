//! Gateway (`networking/v1alpha3/gateway.proto`).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{IstioStatus, istio_spec};

/// A load balancer at the edge of the mesh: the ports, protocols, hosts and TLS settings the
/// selected gateway pods listen with.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "networking.istio.io",
    version = "v1beta1",
    kind = "Gateway",
    plural = "gateways",
    namespaced,
    shortname = "gw",
    category = "istio-io",
    category = "networking-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio Gateway: listeners of ingress or egress gateway pods."
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct GatewaySpec {
    /// Listeners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<Server>>,
    /// Labels of the gateway pods that take this configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<BTreeMap<String, String>>,
}

/// One listener: a port and the hosts served on it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// Port listened on.
    pub port: Port,
    /// Address or Unix socket to bind to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<String>,
    /// Hosts exposed, optionally `namespace/host` to limit which VirtualServices may bind.
    pub hosts: Vec<String>,
    /// TLS settings of the listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ServerTlsSettings>,
    /// Where traffic goes by default (`127.0.0.1:PORT` or a Unix socket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_endpoint: Option<String>,
    /// Listener name, unique in the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A gateway port.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    /// Port number.
    pub number: u32,
    /// `HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP` or `TLS`.
    pub protocol: String,
    /// Port name.
    pub name: String,
    /// Deprecated: port on the endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// TLS on the server side of a listener.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServerTlsSettings {
    /// Redirect plain HTTP requests to HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_redirect: Option<bool>,
    /// How TLS is handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ServerTlsMode>,
    /// Server certificate file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_certificate: Option<String>,
    /// Server key file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// CA certificates file to verify clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Secret holding the server certificate, key and CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Names a client certificate must carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_alt_names: Option<Vec<String>>,
    /// Base64 SHA-256 hashes of allowed client public keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_certificate_spki: Option<Vec<String>>,
    /// Hex SHA-256 hashes of allowed client certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_certificate_hash: Option<Vec<String>>,
    /// Lowest TLS version accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<TlsProtocolVersion>,
    /// Highest TLS version accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_protocol_version: Option<TlsProtocolVersion>,
    /// Cipher suites accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cipher_suites: Option<Vec<String>>,
}

/// How a listener handles TLS.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServerTlsMode {
    /// Forward the TLS connection as is, routed by SNI.
    Passthrough,
    /// Terminate TLS.
    Simple,
    /// Terminate TLS, requiring a client certificate.
    Mutual,
    /// Forward as is, routed by SNI to the service the SNI names (no VirtualService needed);
    /// what federation and multi-network gateways use.
    AutoPassthrough,
    /// Terminate mutual TLS with the mesh's own certificates.
    IstioMutual,
    /// Terminate TLS, verifying a client certificate when one is offered.
    OptionalMutual,
}

/// A TLS protocol version.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum TlsProtocolVersion {
    /// Envoy's default.
    #[serde(rename = "TLS_AUTO")]
    TlsAuto,
    /// TLS 1.0.
    #[serde(rename = "TLSV1_0")]
    Tlsv1_0,
    /// TLS 1.1.
    #[serde(rename = "TLSV1_1")]
    Tlsv1_1,
    /// TLS 1.2.
    #[serde(rename = "TLSV1_2")]
    Tlsv1_2,
    /// TLS 1.3.
    #[serde(rename = "TLSV1_3")]
    Tlsv1_3,
}
