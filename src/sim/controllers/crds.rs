//! The CustomResourceDefinitions the simulated operators install, as real
//! `apiextensions.k8s.io/v1` objects (discoverable, listed by `kubectl get crd`, pruning by their
//! structural schemas).
//!
//! Imitates the CRDs shipped in the bundles of the Service Mesh 2.x operator (maistra.io,
//! federation.maistra.io, networking.istio.io, security.istio.io), Kiali, Jaeger and the
//! Elasticsearch operator. The federation kinds' schemas follow maistra/api's
//! `federation/v1/*_types.go` field by field, so a misplaced field (e.g. `labelSelector.alias`
//! instead of `labelSelector.aliases`) is pruned exactly as OpenShift prunes it.
//!
//! Approximated: the other kinds keep unknown fields in `spec` (their real schemas are large and
//! pruning there matters to no walkthrough step); every `status` preserves unknown fields.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::types::{istio, maistra};

fn s() -> Value {
    json!({"type": "string"})
}
fn int() -> Value {
    json!({"type": "integer", "format": "int32"})
}
fn boolean() -> Value {
    json!({"type": "boolean"})
}
fn obj(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}
fn list(items: Value) -> Value {
    json!({"type": "array", "items": items})
}
fn string_map() -> Value {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}
fn open() -> Value {
    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

/// A top-level schema with this `spec` and an open `status`.
fn root(spec: Value) -> Value {
    typed(spec, open())
}

/// A top-level schema with this `spec` and `status`.
fn typed(spec: Value, status: Value) -> Value {
    obj(
        json!({"apiVersion": s(), "kind": s(), "metadata": {"type": "object"}, "spec": spec, "status": status}),
    )
}

fn time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// `PeerServiceMapping` (maistra/api federation/v1 import_export_mapping.go).
fn service_mappings() -> Value {
    list(obj(json!({
        "exportedName": s(),
        "localService": obj(json!({"name": s(), "namespace": s(), "hostname": s()})),
    })))
}

/// Names a CRD declares.
pub struct Kind {
    pub group: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub short: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Served versions, the storage version first.
    pub versions: &'static [&'static str],
    pub namespaced: bool,
}

/// The CRD object for `k` with `schema` on every version.
pub fn crd(k: &Kind, schema: Value) -> Value {
    let versions: Vec<Value> = k
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            json!({"name": v, "served": true, "storage": i == 0,
                "subresources": {"status": {}}, "schema": {"openAPIV3Schema": schema}})
        })
        .collect();
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("{}.{}", k.plural, k.group),
            "labels": {"operators.coreos.com/managed-by": "olm"}},
        "spec": {
            "group": k.group,
            "names": {"kind": k.kind, "listKind": format!("{}List", k.kind), "plural": k.plural,
                "singular": k.kind.to_ascii_lowercase(), "shortNames": k.short, "categories": k.categories},
            "scope": if k.namespaced { "Namespaced" } else { "Cluster" },
            "preserveUnknownFields": false,
            "versions": versions,
        },
    })
}

fn local_ref() -> Value {
    obj(json!({"name": s()}))
}

fn alias() -> Value {
    obj(json!({"namespace": s(), "name": s()}))
}

/// ServiceMeshPeer (maistra/api federation/v1 servicemeshpeer_types.go): its status is
/// `discoveryStatus` only, so that nothing else can be written there or served.
pub fn peer_schema() -> Value {
    let connection = |extra: Value| {
        let mut fields = json!({
            "connected": boolean(), "lastConnected": time(), "lastEvent": time(),
            "lastFullSync": time(), "lastDisconnect": time(), "lastDisconnectStatus": s(),
        });
        if let (Some(f), Value::Object(extra)) = (fields.as_object_mut(), extra) {
            f.extend(extra);
        }
        obj(fields)
    };
    let pod = obj(json!({
        "pod": s(),
        "watch": connection(json!({})),
        "remotes": list(connection(json!({"source": s()}))),
    }));
    let status = obj(
        json!({"discoveryStatus": obj(json!({"active": list(pod.clone()), "inactive": list(pod)}))}),
    );
    typed(
        obj(json!({
            "remote": obj(json!({"addresses": list(s()), "discoveryPort": int(), "servicePort": int()})),
            "gateways": obj(json!({"ingress": local_ref(), "egress": local_ref()})),
            "security": obj(json!({
                "clientID": s(), "trustDomain": s(),
                "certificateChain": obj(json!({"apiGroup": s(), "kind": s(), "name": s()})),
                "allowDirectInbound": boolean(), "allowDirectOutbound": boolean(),
            })),
        })),
        status,
    )
}

/// ExportedServiceSet (exportedserviceset_types.go): status `exportedServices` only.
pub fn exported_schema() -> Value {
    let requirement = obj(json!({"key": s(), "operator": s(), "values": list(s())}));
    typed(
        obj(json!({
            "exportRules": list(obj(json!({
                "type": s(),
                "nameSelector": obj(json!({"namespace": s(), "name": s(), "alias": alias()})),
                "labelSelector": obj(json!({
                    "namespace": s(),
                    "selector": obj(json!({"matchLabels": string_map(), "matchExpressions": list(requirement)})),
                    "aliases": list(obj(json!({"namespace": s(), "name": s(), "alias": alias()}))),
                })),
            }))),
        })),
        obj(json!({"exportedServices": service_mappings()})),
    )
}

/// ImportedServiceSet (importedserviceset_types.go): status `importedServices` only.
pub fn imported_schema() -> Value {
    typed(
        obj(json!({
            "domainSuffix": s(),
            "locality": obj(json!({"region": s(), "zone": s(), "subzone": s()})),
            "importRules": list(obj(json!({
                "type": s(), "importAsLocal": boolean(), "domainSuffix": s(),
                "nameSelector": obj(json!({"namespace": s(), "name": s(), "alias": alias()})),
            }))),
        })),
        obj(json!({"importedServices": service_mappings()})),
    )
}

fn open_schema() -> Value {
    root(open())
}

const FEDERATION: &[&str] = &["maistra-io", "federation-maistra-io"];

fn k(
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    short: &'static [&'static str],
    categories: &'static [&'static str],
    versions: &'static [&'static str],
) -> Kind {
    Kind {
        group,
        kind,
        plural,
        short,
        categories,
        versions,
        namespaced: true,
    }
}

/// A CRD generated from fedrun's types, as OLM installs it.
fn installed(crd: CustomResourceDefinition) -> Value {
    let mut crd = serde_json::to_value(crd).unwrap_or(Value::Null);
    crd["metadata"]["labels"] = json!({"operators.coreos.com/managed-by": "olm"});
    crd
}

/// The CRDs of the Red Hat OpenShift Service Mesh 2.x operator bundle: Maistra's and Istio's,
/// generated from `crate::types` (the real CRDs' schemas, printer columns and names).
pub fn service_mesh() -> &'static [Value] {
    // Generated once: the schemas are large, and OLM's reconciles read them often.
    static CRDS: LazyLock<Vec<Value>> = LazyLock::new(|| {
        let mut out: Vec<Value> = maistra::crds().into_iter().map(installed).collect();
        out.extend([
            crd(
                &k(
                    "federation.maistra.io",
                    "ServiceMeshPeer",
                    "servicemeshpeers",
                    &[],
                    FEDERATION,
                    &["v1"],
                ),
                peer_schema(),
            ),
            crd(
                &k(
                    "federation.maistra.io",
                    "ExportedServiceSet",
                    "exportedservicesets",
                    &[],
                    FEDERATION,
                    &["v1"],
                ),
                exported_schema(),
            ),
            crd(
                &k(
                    "federation.maistra.io",
                    "ImportedServiceSet",
                    "importedservicesets",
                    &[],
                    FEDERATION,
                    &["v1"],
                ),
                imported_schema(),
            ),
        ]);
        out.extend(istio::crds().into_iter().map(installed));
        out
    });
    &CRDS
}

pub fn kiali() -> &'static [Value] {
    static CRDS: LazyLock<Vec<Value>> = LazyLock::new(|| {
        vec![crd(
            &k("kiali.io", "Kiali", "kialis", &[], &[], &["v1alpha1"]),
            open_schema(),
        )]
    });
    &CRDS
}

pub fn jaeger() -> &'static [Value] {
    static CRDS: LazyLock<Vec<Value>> = LazyLock::new(|| {
        vec![crd(
            &k(
                "jaegertracing.io",
                "Jaeger",
                "jaegers",
                &[],
                &["all"],
                &["v1"],
            ),
            open_schema(),
        )]
    });
    &CRDS
}

pub fn elasticsearch() -> &'static [Value] {
    static CRDS: LazyLock<Vec<Value>> = LazyLock::new(|| {
        vec![
            crd(
                &k(
                    "logging.openshift.io",
                    "Elasticsearch",
                    "elasticsearches",
                    &["es"],
                    &["logging"],
                    &["v1"],
                ),
                open_schema(),
            ),
            crd(
                &k(
                    "logging.openshift.io",
                    "Kibana",
                    "kibanas",
                    &["kibana"],
                    &["logging"],
                    &["v1"],
                ),
                open_schema(),
            ),
        ]
    });
    &CRDS
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::{ResourceType, prune};

    #[test]
    fn every_crd_declares_a_valid_type() {
        for c in service_mesh()
            .into_iter()
            .chain(kiali())
            .chain(jaeger())
            .chain(elasticsearch())
        {
            let rt = ResourceType::from_crd(&c).unwrap();
            assert!(rt.status_subresource, "{}", rt.plural);
        }
    }

    #[test]
    fn export_rules_prune_alias_but_keep_aliases() {
        let rt = ResourceType::from_crd(&service_mesh()[4]).unwrap();
        assert_eq!(rt.kind, "ExportedServiceSet");
        let mut o = json!({"spec": {"exportRules": [{"type": "LabelSelector", "labelSelector": {
            "namespace": "stg-bookinfo", "selector": {"matchLabels": {"export-service": "true"}},
            "alias": {"namespace": "x"},
            "aliases": [{"name": "details", "namespace": "stg-bookinfo", "alias": {"name": "details-v2", "namespace": "prod-bookinfo"}}]}}]},
            "status": {"conditions": [{"type": "Exporting"}], "exportedServices": []}});
        prune(&mut o, rt.schema.as_ref().unwrap());
        let sel = &o["spec"]["exportRules"][0]["labelSelector"];
        assert!(sel.get("alias").is_none());
        assert_eq!(sel["aliases"][0]["alias"]["name"], "details-v2");
        assert_eq!(sel["selector"]["matchLabels"]["export-service"], "true");
        // Maistra defines no conditions on a service set: a structural schema prunes them.
        assert_eq!(o["status"], json!({"exportedServices": []}));
    }
}
