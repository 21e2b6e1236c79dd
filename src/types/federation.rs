//! Service mesh federation kinds of Maistra 2.x (`federation.maistra.io/v1`): `ServiceMeshPeer`,
//! `ExportedServiceSet` and `ImportedServiceSet`.
//!
//! Written from maistra/api, branch maistra-2.5: `federation/v1/servicemeshpeer_types.go`,
//! `exportedserviceset_types.go`, `importedserviceset_types.go` and `import_export_mapping.go`,
//! and checked against the CRDs generated from them, `manifests/federation.maistra.io_*.yaml`
//! (the same files the operator ships in `maistra/istio` `manifests/charts/base/crds/`).
//!
//! What the real CRDs say, and so what these types say:
//! - status is only what Maistra's controllers write: a peer's `discoveryStatus`, a service
//!   set's `exportedServices` / `importedServices`. There are no conditions anywhere.
//! - almost nothing is required: a rule's `type`, the status lists, the keys of list entries.
//! - a rule's `type` is a plain string in the schema (no `enum`), so `SelectorType` keeps
//!   unknown values instead of failing.
//! - no short names, no printer columns; only `ServiceMeshPeer` has a category (`maistra-io`).

use k8s_openapi::api::core::v1::TypedLocalObjectReference;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, Time};
use kube::{CustomResource, CustomResourceExt};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::crd_support::{finish, open_enum};

/// The group of the federation kinds.
pub const GROUP: &str = "federation.maistra.io";

/// The CRDs a cluster running the Service Mesh 2.x operator has for these kinds.
pub fn crds() -> Vec<CustomResourceDefinition> {
    vec![
        finish(
            ServiceMeshPeer::crd(),
            &[],
            &[
                "status.discoveryStatus.active",
                "status.discoveryStatus.inactive",
            ],
        ),
        finish(ExportedServiceSet::crd(), &[], &[]),
        finish(ImportedServiceSet::crd(), &[], &[]),
    ]
}

// ---------------------------------------------------------------------------------------------
// ServiceMeshPeer

/// Where and how to reach another mesh to federate with.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "federation.maistra.io",
    version = "v1",
    kind = "ServiceMeshPeer",
    plural = "servicemeshpeers",
    namespaced,
    status = "ServiceMeshPeerStatus",
    category = "maistra-io",
    derive = "PartialEq",
    derive = "Default",
    doc = "Joins this mesh with another one. The peer's name identifies the remote mesh (the \
           'cluster' its imported services belong to); it is created in the control plane's \
           namespace."
)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMeshPeerSpec {
    /// How to reach the remote mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<ServiceMeshPeerRemote>,
    /// The local gateways that carry federation traffic to and from the remote mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateways: Option<ServiceMeshPeerGateways>,
    /// How the two meshes authenticate each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<ServiceMeshPeerSecurity>,
}

/// The remote mesh's federation ingress.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMeshPeerRemote {
    /// Addresses (DNS names or IPs) of the remote mesh's federation ingress gateway, used for
    /// both discovery and service traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<Vec<String>>,
    /// Port serving discovery on those addresses; 8188 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_port: Option<i32>,
    /// Port serving service traffic on those addresses; 15443 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_port: Option<i32>,
}

/// The local gateways dedicated to this peer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMeshPeerGateways {
    /// Gateway that receives the peer's inbound federated traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<GatewayReference>,
    /// Gateway that sends federated traffic out to the peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<GatewayReference>,
}

/// A gateway named in the peer's namespace (a core `LocalObjectReference` of the API version
/// Maistra builds against, where `name` is optional).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayReference {
    /// Name of the gateway's Service/Deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Trust settings for the remote mesh.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMeshPeerSecurity {
    /// The identity the remote mesh's discovery client presents; used to authenticate its
    /// requests (a SPIFFE-style service account name).
    #[serde(rename = "clientID", default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Trust domain of the remote mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_domain: Option<String>,
    /// ConfigMap holding the remote mesh's root certificate (key `root-cert.pem`), used to
    /// verify its discovery server and its services. Defaults to a ConfigMap named
    /// `<peer name>-ca-root-cert`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_chain: Option<TypedLocalObjectReference>,
}

/// What the control plane reports about its connections with the peer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMeshPeerStatus {
    /// Discovery connection state, per istiod pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_status: Option<ServiceMeshPeerDiscoveryStatus>,
}

/// The istiod pods, split by whether they are watching the peer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceMeshPeerDiscoveryStatus {
    /// Pods with a live watch on the peer (their `watch.connected` is true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["pod"]))]
    pub active: Option<Vec<PodPeerDiscoveryStatus>>,
    /// Pods not watching the peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["pod"]))]
    pub inactive: Option<Vec<PodPeerDiscoveryStatus>>,
}

/// One istiod pod's discovery connections with the peer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PodPeerDiscoveryStatus {
    /// The istiod pod's name.
    pub pod: String,
    /// Inbound watches opened by the remote mesh on this pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["source"]))]
    pub remotes: Option<Vec<DiscoveryRemoteStatus>>,
    /// This pod's outbound watch on the remote mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<DiscoveryWatchStatus>,
}

/// State of one discovery connection.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryWatchStatus {
    /// Whether the connection is up.
    pub connected: bool,
    /// When the connection last succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_connected: Option<Time>,
    /// When the last event arrived over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_event: Option<Time>,
    /// When the last full resync happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_full_sync: Option<Time>,
    /// When it was last lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_disconnect: Option<Time>,
    /// The status the last disconnection ended with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_disconnect_status: Option<String>,
}

/// An inbound discovery connection from the remote mesh.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscoveryRemoteStatus {
    /// Where the watch comes from.
    pub source: String,
    /// The connection's state.
    #[serde(flatten)]
    pub connection: DiscoveryWatchStatus,
}

// ---------------------------------------------------------------------------------------------
// Rules shared by both service sets

open_enum! {
    /// How a rule picks services.
    pub enum SelectorType {
        /// By namespace and name (`nameSelector`).
        NameSelector = "NameSelector",
        /// By labels on the Service (`labelSelector`; exports only).
        LabelSelector = "LabelSelector",
    }
}

/// A namespace/name pair; `*` in either part matches anything.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceName {
    /// Namespace, or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name, or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Matches a service by namespace/name and optionally renames it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceNameMapping {
    /// Namespace to match, or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name to match, or `*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The namespace/name the matched service takes across the federation; `*` keeps the
    /// original part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<ServiceName>,
}

/// Selects Services by label, optionally within one namespace, with optional renames.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceImportExportLabelSelector {
    /// Namespace the selector applies to; every namespace of the mesh when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels the Services must carry; an empty selector matches all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Renames, tried in order; the first whose namespace/name matches applies, and a service
    /// no alias matches keeps its name. `*` matches any namespace or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<ServiceNameMapping>>,
}

/// A service as known in this mesh.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceKey {
    /// The Service's name.
    pub name: String,
    /// The Service's namespace.
    pub namespace: String,
    /// Its fully qualified host name.
    pub hostname: String,
}

/// Pairs a service's federated name with its local counterpart.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeerServiceMapping {
    /// The local service: the one exported, or the one created for an import.
    pub local_service: ServiceKey,
    /// The FQDN the service carries across the federation.
    pub exported_name: String,
}

// ---------------------------------------------------------------------------------------------
// ExportedServiceSet

/// Which services this mesh exports to one peer.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "federation.maistra.io",
    version = "v1",
    kind = "ExportedServiceSet",
    plural = "exportedservicesets",
    namespaced,
    status = "ExportedServiceSetStatus",
    derive = "PartialEq",
    derive = "Default",
    doc = "The services this mesh exports to one peer. It lives in the control plane's namespace \
           and is named after the ServiceMeshPeer it exports to, so there is at most one per \
           peer."
)]
#[serde(rename_all = "camelCase")]
pub struct ExportedServiceSetSpec {
    /// Rules, tried in order; the first that matches a service decides how it is exported, so
    /// put specific rules before general ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_rules: Option<Vec<ExportedServiceRule>>,
}

/// Selects services to export.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedServiceRule {
    /// Which selector this rule uses: `NameSelector` or `LabelSelector`.
    #[serde(rename = "type")]
    pub type_: SelectorType,
    /// Selects by label (with `type: LabelSelector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<ServiceImportExportLabelSelector>,
    /// Selects by namespace/name (with `type: NameSelector`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_selector: Option<ServiceNameMapping>,
}

/// The services actually exported.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExportedServiceSetStatus {
    /// One entry per exported service, keyed by its exported name.
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["exportedName"]))]
    pub exported_services: Vec<PeerServiceMapping>,
}

// ---------------------------------------------------------------------------------------------
// ImportedServiceSet

/// Which of a peer's exported services this mesh imports.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "federation.maistra.io",
    version = "v1",
    kind = "ImportedServiceSet",
    plural = "importedservicesets",
    namespaced,
    status = "ImportedServiceSetStatus",
    derive = "PartialEq",
    derive = "Default",
    doc = "The services this mesh imports from one peer. It lives in the control plane's \
           namespace and is named after the ServiceMeshPeer it imports from, so there is at \
           most one per peer."
)]
#[serde(rename_all = "camelCase")]
pub struct ImportedServiceSetSpec {
    /// Domain suffix for imported services: `<name>.<namespace>.<domainSuffix>`. Unset, they
    /// are named `<name>.<namespace>.svc.<peer name>-imports.local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_suffix: Option<String>,
    /// Locality the imported endpoints are placed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<ImportedServiceLocality>,
    /// Rules, tried in order; the first that matches a service decides how it is imported, so
    /// put specific rules before general ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_rules: Option<Vec<ImportedServiceRule>>,
}

/// Selects services to import.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportedServiceRule {
    /// Domain suffix for the services this rule imports (as the spec's `domainSuffix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_suffix: Option<String>,
    /// Import as a local service (`<name>.<namespace>.svc.cluster.local`), its endpoints
    /// joining those of a local Service of that name if one exists. Overrides `domainSuffix`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_as_local: Option<bool>,
    /// Which selector this rule uses; only `NameSelector` is supported for imports.
    #[serde(rename = "type")]
    pub type_: SelectorType,
    /// Selects by namespace/name, as exported by the peer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_selector: Option<ServiceNameMapping>,
}

/// Locality of imported services; each level needs the one above it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportedServiceLocality {
    /// Region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Zone (requires `region`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// Subzone (requires `zone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subzone: Option<String>,
}

/// The services actually imported.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportedServiceSetStatus {
    /// One entry per imported service, keyed by the name the peer exports it under.
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["exportedName"]))]
    pub imported_services: Vec<PeerServiceMapping>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaProps;
    use serde_json::{Value, json};

    fn crd(plural: &str) -> CustomResourceDefinition {
        crds()
            .into_iter()
            .find(|c| c.spec.names.plural == plural)
            .unwrap_or_else(|| panic!("no CRD for {plural}"))
    }

    fn schema(plural: &str) -> JSONSchemaProps {
        let c = crd(plural);
        let v = &c.spec.versions[0];
        v.schema.clone().unwrap().open_api_v3_schema.unwrap()
    }

    fn prop<'a>(s: &'a JSONSchemaProps, path: &str) -> &'a JSONSchemaProps {
        let mut s = s;
        for part in path.split('.') {
            let (name, items) = match part.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (part, false),
            };
            s = s
                .properties
                .as_ref()
                .and_then(|p| p.get(name))
                .unwrap_or_else(|| panic!("no {path}"));
            if items {
                s = match s.items.as_ref().unwrap() {
                    k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::JSONSchemaPropsOrArray::Schema(i) => i,
                    _ => panic!("tuple items at {path}"),
                };
            }
        }
        s
    }

    fn keys(s: &JSONSchemaProps) -> Vec<&str> {
        s.properties
            .iter()
            .flat_map(|p| p.keys())
            .map(String::as_str)
            .collect()
    }

    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(yaml: &str) -> (Value, T) {
        let original: Value = serde_yaml::from_str(yaml).unwrap();
        let typed: T = serde_json::from_value(original.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), original);
        (original, typed)
    }

    #[test]
    fn names_match_the_real_crds() {
        let all = crds();
        let names: Vec<_> = all
            .iter()
            .map(|c| c.metadata.name.clone().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "servicemeshpeers.federation.maistra.io",
                "exportedservicesets.federation.maistra.io",
                "importedservicesets.federation.maistra.io"
            ]
        );
        for c in &all {
            let n = &c.spec.names;
            assert_eq!(c.spec.group, GROUP);
            assert_eq!(c.spec.scope, "Namespaced");
            assert_eq!(
                n.list_kind.as_deref(),
                Some(format!("{}List", n.kind).as_str())
            );
            assert_eq!(n.singular.as_deref(), Some(n.kind.to_lowercase().as_str()));
            assert_eq!(n.short_names, None);
            let v = &c.spec.versions[0];
            assert_eq!((v.name.as_str(), v.served, v.storage), ("v1", true, true));
            assert!(v.subresources.as_ref().unwrap().status.is_some());
            assert_eq!(v.additional_printer_columns, None);
            let root = v
                .schema
                .as_ref()
                .unwrap()
                .open_api_v3_schema
                .as_ref()
                .unwrap();
            assert_eq!(
                keys(root),
                ["apiVersion", "kind", "metadata", "spec", "status"]
            );
            assert_eq!(root.required, None, "{}: spec is optional", n.kind);
        }
        assert_eq!(
            all[0].spec.names.categories,
            Some(vec!["maistra-io".to_string()])
        );
        assert_eq!(all[1].spec.names.categories, None);
        assert_eq!(all[2].spec.names.categories, None);
    }

    #[test]
    fn walkthrough_peer_round_trips() {
        let (_, peer) =
            round_trip::<ServiceMeshPeer>(include_str!("../../tests/walkthrough/smp-aro.yaml"));
        let remote = peer.spec.remote.as_ref().unwrap();
        assert_eq!(
            remote.addresses.as_deref(),
            Some(&["aro-stg-ingress-url".to_string()][..])
        );
        assert_eq!(
            (remote.discovery_port, remote.service_port),
            (Some(8188), Some(15443))
        );
        let gateways = peer.spec.gateways.as_ref().unwrap();
        assert_eq!(
            gateways.ingress.as_ref().unwrap().name.as_deref(),
            Some("aro-stg-ingress")
        );
        assert_eq!(
            gateways.egress.as_ref().unwrap().name.as_deref(),
            Some("aro-stg-egress")
        );
        let security = peer.spec.security.as_ref().unwrap();
        assert_eq!(security.trust_domain.as_deref(), Some("aro-stg-mesh.local"));
        assert_eq!(
            security.client_id.as_deref(),
            Some("aro-stg-mesh.local/ns/aro-stg-mesh/sa/rosa-prod-egress-service-account")
        );
        let chain = security.certificate_chain.as_ref().unwrap();
        assert_eq!(
            (chain.kind.as_str(), chain.name.as_str()),
            ("ConfigMap", "aro-stg-mesh-ca-root-cert")
        );
        assert_eq!(chain.api_group, None);
        round_trip::<ServiceMeshPeer>(include_str!("../../tests/walkthrough/smp-rosa.yaml"));
    }

    #[test]
    fn peer_status_is_discovery_status_only() {
        let s = schema("servicemeshpeers");
        assert_eq!(keys(prop(&s, "status")), ["discoveryStatus"]);
        for list in ["active", "inactive"] {
            let l = prop(&s, &format!("status.discoveryStatus.{list}"));
            assert_eq!(l.nullable, Some(true));
            assert_eq!(l.x_kubernetes_list_type.as_deref(), Some("map"));
            assert_eq!(l.x_kubernetes_list_map_keys, Some(vec!["pod".to_string()]));
            let pod = prop(&s, &format!("status.discoveryStatus.{list}[]"));
            assert_eq!(keys(pod), ["pod", "remotes", "watch"]);
            assert_eq!(pod.required, Some(vec!["pod".to_string()]));
        }
        let watch = prop(&s, "status.discoveryStatus.active[].watch");
        assert_eq!(
            keys(watch),
            [
                "connected",
                "lastConnected",
                "lastDisconnect",
                "lastDisconnectStatus",
                "lastEvent",
                "lastFullSync"
            ]
        );
        assert_eq!(watch.required, Some(vec!["connected".to_string()]));
        let remote = prop(&s, "status.discoveryStatus.active[].remotes[]");
        assert_eq!(
            remote.required,
            Some(vec!["connected".to_string(), "source".to_string()])
        );
        assert_eq!(
            prop(&s, "spec.remote.discoveryPort").format.as_deref(),
            Some("int32")
        );
        // Only the two lists the real CRD marks are nullable.
        assert_eq!(prop(&s, "spec.remote").nullable, None);

        let status: ServiceMeshPeerStatus = serde_json::from_value(json!({"discoveryStatus": {
            "active": [{"pod": "istiod-basic-6d8f7b9c5-x2x4z",
                "watch": {"connected": true, "lastConnected": "2024-05-01T10:00:00Z",
                    "lastFullSync": "2024-05-01T10:00:05Z"},
                "remotes": [{"source": "10.128.2.15", "connected": true,
                    "lastConnected": "2024-05-01T10:00:01Z", "lastFullSync": "2024-05-01T10:00:06Z"}]}],
            "inactive": []}}))
        .unwrap();
        let active = &status
            .discovery_status
            .as_ref()
            .unwrap()
            .active
            .as_ref()
            .unwrap()[0];
        assert!(active.watch.as_ref().unwrap().connected);
        let remote = &active.remotes.as_ref().unwrap()[0];
        assert_eq!(remote.source, "10.128.2.15");
        assert!(remote.connection.connected);
        let back = serde_json::to_value(&status).unwrap();
        assert_eq!(
            back["discoveryStatus"]["active"][0]["remotes"][0]["source"],
            "10.128.2.15"
        );
        assert_eq!(
            back["discoveryStatus"]["active"][0]["remotes"][0]["connected"],
            true
        );
    }

    #[test]
    fn walkthrough_service_sets_round_trip() {
        let (_, ess) =
            round_trip::<ExportedServiceSet>(include_str!("../../tests/walkthrough/ess-rosa.yaml"));
        let rule = &ess.spec.export_rules.as_ref().unwrap()[0];
        assert_eq!(rule.type_, SelectorType::LabelSelector);
        let sel = rule.label_selector.as_ref().unwrap();
        assert_eq!(sel.namespace.as_deref(), Some("stg-bookinfo"));
        let alias = sel.aliases.as_ref().unwrap()[0].alias.as_ref().unwrap();
        assert_eq!(alias.namespace.as_deref(), Some("prod-bookinfo"));
        assert_eq!(alias.name.as_deref(), Some("details-v2"));

        let (_, iss) =
            round_trip::<ImportedServiceSet>(include_str!("../../tests/walkthrough/iss-aro.yaml"));
        let rule = &iss.spec.import_rules.as_ref().unwrap()[0];
        assert_eq!(rule.type_, SelectorType::NameSelector);
        assert_eq!(rule.import_as_local, Some(false));
        assert_eq!(
            rule.name_selector.as_ref().unwrap().name.as_deref(),
            Some("details-v2")
        );
    }

    #[test]
    fn export_rules_have_aliases_not_alias_and_require_type() {
        let s = schema("exportedservicesets");
        let rule = prop(&s, "spec.exportRules[]");
        assert_eq!(rule.required, Some(vec!["type".to_string()]));
        assert_eq!(keys(rule), ["labelSelector", "nameSelector", "type"]);
        // A plain string, as in the real CRD: no enum validation.
        assert_eq!(
            prop(&s, "spec.exportRules[].type").type_.as_deref(),
            Some("string")
        );
        assert_eq!(prop(&s, "spec.exportRules[].type").enum_, None);
        let sel = prop(&s, "spec.exportRules[].labelSelector");
        assert_eq!(keys(sel), ["aliases", "namespace", "selector"]);
        assert_eq!(
            keys(prop(&s, "spec.exportRules[].labelSelector.aliases[]")),
            ["alias", "name", "namespace"]
        );
        assert_eq!(
            keys(prop(&s, "spec.exportRules[].nameSelector")),
            ["alias", "name", "namespace"]
        );

        let i = schema("importedservicesets");
        assert_eq!(
            prop(&i, "spec.importRules[]").required,
            Some(vec!["type".to_string()])
        );
        assert_eq!(
            keys(prop(&i, "spec")),
            ["domainSuffix", "importRules", "locality"]
        );

        // Rules without a type do not deserialize either.
        let missing = json!({"exportRules": [{"nameSelector": {"name": "details"}}]});
        assert!(serde_json::from_value::<ExportedServiceSetSpec>(missing).is_err());
    }

    #[test]
    fn service_set_status_is_the_service_list_only() {
        for (plural, list) in [
            ("exportedservicesets", "exportedServices"),
            ("importedservicesets", "importedServices"),
        ] {
            let s = schema(plural);
            let status = prop(&s, "status");
            assert_eq!(keys(status), [list]);
            assert_eq!(status.required, Some(vec![list.to_string()]));
            let l = prop(&s, &format!("status.{list}"));
            assert_eq!(
                l.x_kubernetes_list_map_keys,
                Some(vec!["exportedName".to_string()])
            );
            let item = prop(&s, &format!("status.{list}[]"));
            assert_eq!(
                item.required,
                Some(vec!["exportedName".to_string(), "localService".to_string()])
            );
            let local = prop(&s, &format!("status.{list}[].localService"));
            assert_eq!(
                local.required,
                Some(vec![
                    "hostname".to_string(),
                    "name".to_string(),
                    "namespace".to_string()
                ])
            );
        }
        let status: ExportedServiceSetStatus =
            serde_json::from_value(json!({"exportedServices": [{
            "exportedName": "details-v2.prod-bookinfo.svc.rosa-prod-mesh-exports.local",
            "localService": {"name": "details", "namespace": "stg-bookinfo",
                "hostname": "details.stg-bookinfo.svc.cluster.local"}}]}))
            .unwrap();
        assert_eq!(status.exported_services[0].local_service.name, "details");
    }

    #[test]
    fn unknown_selector_types_are_kept() {
        let t: SelectorType = serde_json::from_value(json!("nameSelector")).unwrap();
        assert_eq!(t, SelectorType::Other("nameSelector".into()));
        assert_eq!(serde_json::to_value(&t).unwrap(), json!("nameSelector"));
        assert_eq!(
            SelectorType::from("NameSelector"),
            SelectorType::NameSelector
        );
        assert_eq!(SelectorType::LabelSelector.to_string(), "LabelSelector");
    }
}
