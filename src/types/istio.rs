//! The Istio kinds a federation touches: `networking.istio.io` (Gateway, VirtualService,
//! DestinationRule, ServiceEntry, Sidecar) and `security.istio.io` (PeerAuthentication,
//! AuthorizationPolicy, RequestAuthentication).
//!
//! Written from github.com/istio/api at tag `1.20.2` — the istio/api commit that Maistra 2.6
//! (OpenShift Service Mesh 2.6, Istio 1.20) pins, whose generated CRDs Maistra ships unchanged;
//! the files used are identical at `1.20.8`. Field types follow the protos
//! (`networking/v1alpha3/{virtual_service,destination_rule,gateway,service_entry,sidecar,
//! workload_entry}.proto`, `security/v1beta1/{peer_authentication,authorization_policy,
//! request_authentication,jwt}.proto`, `type/v1beta1/selector.proto`); the schemas match
//! `kubernetes/customresourcedefinitions.gen.yaml` at that tag (paths, types, formats, required
//! fields, enums, the at-most-one-of spots of proto `oneof`s, nullable wrapper values, the
//! alternative names `mirror_percent` and `jwks_uri`, the open `status`).
//!
//! Encoding as Istio's CRDs have it: `google.protobuf.Duration` is a string (`"5s"`), `uint32`
//! and `uint64` are plain integers, `int32` has format `int32`, `double` format `double`,
//! wrapper values (`BoolValue`, `UInt32Value`) are nullable, proto enums are their names.
//!
//! The Rust types are at `v1beta1` (the version fedrun writes, served by every kind). Install
//! [`crds`], not `K::crd()`: it serves the one schema at every version Istio 1.20 serves
//! (networking `v1alpha3` stored + `v1beta1`; security `v1beta1` stored + `v1`, PeerAuthentication
//! `v1beta1` only), and fixes the top level as Istio has it (no required `spec`, a non-nullable
//! `status`, `listKind`). Not copied: the Helm labels and `helm.sh/resource-policy` annotation
//! of Istio's chart.

mod destination_rule;
mod gateway;
mod security;
mod service_entry;
mod sidecar;
#[cfg(test)]
mod tests;
mod virtual_service;

pub use destination_rule::*;
pub use gateway::*;
pub use security::*;
pub use service_entry::*;
pub use sidecar::*;
pub use virtual_service::*;

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps,
};
use kube::CustomResourceExt;
use kube::core::crd::merge_crds;
use schemars::generate::SchemaGenerator;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema, json_schema};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Every Istio CRD fedrun knows, each with all the versions Istio 1.20 serves.
pub fn crds() -> Vec<CustomResourceDefinition> {
    const NETWORKING: (&[&str], &str) = (&["v1alpha3", "v1beta1"], "v1alpha3");
    const SECURITY: (&[&str], &str) = (&["v1", "v1beta1"], "v1beta1");
    vec![
        served::<Gateway>(NETWORKING),
        served::<VirtualService>(NETWORKING),
        served::<DestinationRule>(NETWORKING),
        served::<ServiceEntry>(NETWORKING),
        served::<Sidecar>(NETWORKING),
        served::<PeerAuthentication>((&["v1beta1"], "v1beta1")),
        served::<AuthorizationPolicy>(SECURITY),
        served::<RequestAuthentication>(SECURITY),
    ]
}

/// `K`'s CRD, its one derived schema served at each of `versions`, `storage` the stored one.
fn served<K: CustomResourceExt>((versions, storage): (&[&str], &str)) -> CustomResourceDefinition {
    let mut derived = K::crd();
    derived.spec.names.list_kind = Some(format!("{}List", derived.spec.names.kind));
    for version in &mut derived.spec.versions {
        if let Some(root) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        {
            istio_root(root);
        }
    }
    let copies = versions
        .iter()
        .map(|name| {
            let mut crd = derived.clone();
            crd.spec.versions[0].name = (*name).to_string();
            crd
        })
        .collect();
    let mut crd = merge_crds(copies, storage).expect("copies of one derived CRD merge");
    crd.spec.versions.sort_by(|a, b| a.name.cmp(&b.name));
    crd
}

/// The top level as Istio's CRDs have it: `spec` optional, `status` not nullable, no title.
fn istio_root(root: &mut JSONSchemaProps) {
    root.title = None;
    root.required = None;
    if let Some(status) = root.properties.as_mut().and_then(|p| p.get_mut("status")) {
        status.nullable = None;
    }
}

/// The open `status` of every Istio kind (`conditions`, `validationMessages`,
/// `observedGeneration` and whatever else istiod writes), kept as JSON.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(transparent)]
pub struct IstioStatus(pub Map<String, Value>);

impl JsonSchema for IstioStatus {
    fn schema_name() -> Cow<'static, str> {
        "IstioStatus".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    }
}

/// Selects workloads (pods, VMs) by their labels (`istio.type.v1beta1.WorkloadSelector`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Labels a workload must all carry to be selected; empty selects every workload of the
    /// namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_labels: Option<BTreeMap<String, String>>,
}

/// A resource a policy attaches to instead of selecting workloads (for example a gateway).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTargetReference {
    /// API group of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Name of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

// --- Schema helpers: how Istio's CRD generator renders what schemars renders differently. ---

/// Applied to each kind's spec: optional fields are absent, not `null` (only wrapper values are
/// nullable, and those say so with [`nullable_bool`] / [`nullable_uint`]); unsigned integers are
/// plain `integer`s; no titles.
pub(crate) fn istio_spec(schema: &mut Schema) {
    IstioSpec.transform(schema);
}

struct IstioSpec;

impl Transform for IstioSpec {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            let is_null = |v: &Value| v.get("type") == Some(&Value::from("null"));
            let some = obj
                .get("anyOf")
                .and_then(Value::as_array)
                .filter(|a| a.len() == 2 && a.iter().any(is_null))
                .and_then(|a| a.iter().find(|v| !is_null(v)).cloned());
            if let Some(Value::Object(some)) = some {
                obj.remove("anyOf");
                for (k, v) in some {
                    obj.entry(k).or_insert(v);
                }
            }
            if let Some(Value::Array(types)) = obj.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    obj.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(values)) = obj.get_mut("enum") {
                values.retain(|v| !v.is_null());
            }
            let unsigned = obj
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint"));
            if unsigned {
                obj.remove("format");
                if obj.get("minimum").and_then(Value::as_u64) == Some(0) {
                    obj.remove("minimum");
                }
            }
            obj.remove("title");
            if let Some(Value::String(text)) = obj.get_mut("description") {
                *text = unwrap_lines(text);
            }
        }
        transform_subschemas(self, schema);
    }
}

/// Doc comments are wrapped at the source's width; `kubectl explain` wraps on its own.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A `google.protobuf.BoolValue`: a boolean that may be `null`.
pub(crate) fn nullable_bool(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "boolean", "nullable": true})
}

/// A `google.protobuf.UInt32Value`: an integer that may be `null`.
pub(crate) fn nullable_uint(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "integer", "nullable": true})
}

/// A proto `oneof` over optional fields: at most one of `fields` is set.
pub(crate) fn one_of(fields: &'static [&'static str]) -> impl FnMut(&mut Schema) {
    move |schema| {
        schema.insert("oneOf".into(), at_most_one(fields));
    }
}

/// Several proto `oneof`s in one message: at most one of each group is set.
pub(crate) fn one_of_each(groups: &'static [&'static [&'static str]]) -> impl FnMut(&mut Schema) {
    move |schema| {
        let each = groups
            .iter()
            .map(|fields| serde_json::json!({"oneOf": at_most_one(fields)}))
            .collect();
        schema.insert("allOf".into(), Value::Array(each));
    }
}

fn at_most_one(fields: &[&str]) -> Value {
    let each: Vec<Value> = fields
        .iter()
        .map(|f| serde_json::json!({"required": [f]}))
        .collect();
    let mut branches = vec![serde_json::json!({"not": {"anyOf": each.clone()}})];
    branches.extend(each);
    Value::Array(branches)
}

/// The proto field name Istio also accepts next to the JSON name (`+kubebuilder:altName`): the
/// schema has both; the Rust field takes `alt` as a serde alias.
pub(crate) fn alt_name(name: &'static str, alt: &'static str) -> impl FnMut(&mut Schema) {
    move |schema| {
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(property) = properties.and_then(|p| p.get(name)).cloned()
            && let Some(Value::Object(properties)) = schema.get_mut("properties")
        {
            properties.insert(alt.to_string(), property);
        }
    }
}
