//! PeerAuthentication, AuthorizationPolicy, RequestAuthentication
//! (`security/v1beta1/{peer_authentication,authorization_policy,request_authentication,jwt}.proto`).

use std::collections::BTreeMap;

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{IstioStatus, PolicyTargetReference, WorkloadSelector, alt_name, istio_spec, one_of};

/// Whether workloads accept plain text or require mutual TLS from their peers.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "security.istio.io",
    version = "v1beta1",
    kind = "PeerAuthentication",
    plural = "peerauthentications",
    namespaced,
    shortname = "pa",
    category = "istio-io",
    category = "security-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio PeerAuthentication: the mutual TLS mode of workloads.",
    printcolumn = r#"{"name":"Mode","type":"string","description":"Mutual TLS mode","jsonPath":".spec.mtls.mode"}"#,
    printcolumn = r#"{"name":"Age","type":"date","description":"Time since creation","jsonPath":".metadata.creationTimestamp"}"#
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct PeerAuthenticationSpec {
    /// Workloads it applies to; none means the namespace (or the mesh, in the root namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Mode for all ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls: Option<MutualTls>,
    /// Mode per port number (needs a selector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port_level_mtls: Option<BTreeMap<String, MutualTls>>,
}

/// A mutual TLS setting.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MutualTls {
    /// The mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MutualTlsMode>,
}

/// Mutual TLS mode.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MutualTlsMode {
    /// Inherit from the parent scope (`PERMISSIVE` at the top).
    Unset,
    /// Plain text only.
    Disable,
    /// Plain text and mutual TLS.
    Permissive,
    /// Mutual TLS only.
    Strict,
}

/// Access control for workloads: requests matching the rules are allowed, denied, audited or
/// handed to an external authorizer.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "security.istio.io",
    version = "v1beta1",
    kind = "AuthorizationPolicy",
    plural = "authorizationpolicies",
    namespaced,
    category = "istio-io",
    category = "security-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio AuthorizationPolicy: access control for workloads."
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
#[schemars(transform = one_of(&["provider"]))]
pub struct AuthorizationPolicySpec {
    /// Workloads it applies to; none means the namespace (or the mesh, in the root namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Resource it applies to instead of a selector (such as a gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Rules; a request matches when any rule matches. No rules match nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<Rule>>,
    /// What happens to matching requests; default `ALLOW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<AuthorizationAction>,
    /// External authorizer for `CUSTOM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ExtensionProvider>,
}

/// What an AuthorizationPolicy does with matching requests.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationAction {
    /// Allow them (and, once any ALLOW policy applies, deny what no ALLOW policy matches).
    Allow,
    /// Deny them.
    Deny,
    /// Log them for auditing.
    Audit,
    /// Ask the external authorizer in `provider`.
    Custom,
}

/// An extension provider declared in the mesh config.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionProvider {
    /// Provider name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A rule: sources, operations and conditions, all of which must match (missing ones match
/// anything).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Sources; any one matching suffices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Vec<RuleFrom>>,
    /// Operations; any one matching suffices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Vec<RuleTo>>,
    /// Further conditions; all must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Vec<Condition>>,
}

/// A source of requests.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleFrom {
    /// The source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// An operation requested.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleTo {
    /// The operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// Who sends a request; the set fields must all match, each a list of alternatives (`*`
/// prefix or suffix wildcards allowed), `not…` lists must not match.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Peer identities from mutual TLS (`<trust domain>/ns/<namespace>/sa/<service account>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principals: Option<Vec<String>>,
    /// Peer identities that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_principals: Option<Vec<String>>,
    /// Request identities from JWTs (`<issuer>/<subject>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_principals: Option<Vec<String>>,
    /// Request identities that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_request_principals: Option<Vec<String>>,
    /// Namespaces of the peer (from its mutual TLS identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<Vec<String>>,
    /// Namespaces that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_namespaces: Option<Vec<String>>,
    /// Peer IPs or CIDR ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_blocks: Option<Vec<String>>,
    /// Peer IPs that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_ip_blocks: Option<Vec<String>>,
    /// Original client IPs (from `X-Forwarded-For` or the proxy protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_ip_blocks: Option<Vec<String>>,
    /// Original client IPs that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_remote_ip_blocks: Option<Vec<String>>,
}

/// What a request asks for; set fields must all match, `not…` lists must not match.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Hosts (Host header), HTTP only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<String>>,
    /// Hosts that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_hosts: Option<Vec<String>>,
    /// Destination ports, as strings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<String>>,
    /// Ports that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_ports: Option<Vec<String>>,
    /// HTTP methods (gRPC: always `POST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methods: Option<Vec<String>>,
    /// Methods that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_methods: Option<Vec<String>>,
    /// Paths (gRPC: `/package.Service/Method`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paths: Option<Vec<String>>,
    /// Paths that must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_paths: Option<Vec<String>>,
}

/// A condition on a request attribute (such as `request.headers[x]` or `source.ip`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Attribute name.
    pub key: String,
    /// Values of which one must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    /// Values none of which may match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_values: Option<Vec<String>>,
}

/// Which JWTs workloads accept; requests with an invalid token are refused, requests without
/// one pass (an AuthorizationPolicy can require it).
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "security.istio.io",
    version = "v1beta1",
    kind = "RequestAuthentication",
    plural = "requestauthentications",
    namespaced,
    shortname = "ra",
    category = "istio-io",
    category = "security-istio-io",
    status = "IstioStatus",
    derive = "PartialEq",
    doc = "Istio RequestAuthentication: the JWTs workloads accept."
)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = istio_spec)]
pub struct RequestAuthenticationSpec {
    /// Workloads it applies to; none means the namespace (or the mesh, in the root namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// Resource it applies to instead of a selector (such as a gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Accepted issuers and how their tokens are found and checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_rules: Option<Vec<JwtRule>>,
}

/// One accepted JWT issuer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = alt_name("jwksUri", "jwks_uri"))]
pub struct JwtRule {
    /// Issuer (`iss` claim).
    pub issuer: String,
    /// Accepted audiences (`aud` claim); none means any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audiences: Option<Vec<String>>,
    /// URL of the issuer's public key set.
    #[serde(default, alias = "jwks_uri", skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The public key set itself, as JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    /// Headers the token is read from; default `Authorization: Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_headers: Option<Vec<JwtHeader>>,
    /// Query parameters the token is read from; default `access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_params: Option<Vec<String>>,
    /// Header that receives the verified payload, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_payload_to_header: Option<String>,
    /// Keep the token in the forwarded request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_original_token: Option<bool>,
    /// Claims copied into request headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_claim_to_headers: Option<Vec<ClaimToHeader>>,
}

/// A header a token is read from.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JwtHeader {
    /// Header name.
    pub name: String,
    /// Prefix stripped before the token (such as `Bearer `).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// A claim copied into a header.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimToHeader {
    /// Header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Claim name (a top-level string, number or boolean claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
}
