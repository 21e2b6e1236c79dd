//! The CustomResourceDefinitions the simulated operators install, as real
//! `apiextensions.k8s.io/v1` objects (discoverable, listed by `kubectl get crd`, pruning by their
//! structural schemas).
//!
//! The Service Mesh bundle's CRDs (maistra.io, federation.maistra.io, networking.istio.io,
//! security.istio.io) are generated from `crate::types`, written from maistra/api, the Maistra
//! operator and istio/api: their schemas, printer columns and names are the real ones, so a
//! misplaced field (e.g. `labelSelector.alias` for `labelSelector.aliases`) is refused or pruned
//! as OpenShift does, and a status holds only what the real controllers write.
//!
//! Approximated: the Kiali, Jaeger and Elasticsearch CRDs (which no walkthrough step writes)
//! keep unknown fields in `spec` and `status`.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::types::{federation, istio, maistra};

fn s() -> Value {
    json!({"type": "string"})
}

/// An open-ended schema: every field is kept.
fn open() -> Value {
    json!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
}

/// A top-level schema with an open `spec` and `status`.
fn open_schema() -> Value {
    json!({"type": "object", "properties": {"apiVersion": s(), "kind": s(),
        "metadata": {"type": "object"}, "spec": open(), "status": open()}})
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
        out.extend(federation::crds().into_iter().map(installed));
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
            .iter()
            .chain(kiali())
            .chain(jaeger())
            .chain(elasticsearch())
        {
            let rt = ResourceType::from_crd(c).unwrap();
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
