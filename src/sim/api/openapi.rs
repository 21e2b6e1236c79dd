//! OpenAPI v3 as kube-apiserver publishes it: an index of group/versions and, per group/version,
//! a document whose `components.schemas` hold the served kinds' schemas under their real
//! definition names, and whose `paths` hold the kinds' operations. kubectl reads it for
//! `explain` and, before `apply`/`create -f` with its default `--validate=strict`, to check that
//! the kind's PATCH operation declares the `fieldValidation` query parameter (then it leaves
//! validation to the server).
//!
//! Sources:
//! * kubernetes/kube-openapi `pkg/handler3/handler.go`: the index (`paths` →
//!   `serverRelativeURL` with `?hash=`, the upper-case hex SHA-512 of the document), the
//!   document's `ETag`, and `Cache-Control: public, immutable` with a one-year `Expires`.
//! * kubernetes/kube-openapi `pkg/builder3/openapi.go`: a `$ref` with siblings (a description)
//!   is wrapped as `allOf: [{$ref}]` (`wrapRefs`) — schemars' `openapi3()` settings do it for a
//!   root schema only, so the definitions are wrapped here; path-level `name`/`namespace`/
//!   `pretty` parameters.
//! * kubernetes/kubernetes `staging/src/k8s.io/apiextensions-apiserver/pkg/controller/openapi/
//!   builder/builder.go`: how a CRD version becomes a definition — named from
//!   `<group>/<version>.<kind>` with the group reversed (`io.maistra.v2.ServiceMeshControlPlane`),
//!   the version's `openAPIV3Schema` (int-or-string unfolded) with `metadata` a reference to
//!   ObjectMeta, `apiVersion`/`kind` from TypeMeta, embedded resources given the same three,
//!   `x-kubernetes-group-version-kind`; the operations' descriptions and parameters; PATCH
//!   consumes JSON patch, merge patch and apply patch. Without a schema the definition is
//!   `{type: object}` plus the GVK.
//! * kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/endpoints/openapi/openapi.go`:
//!   operation IDs and tags (`patchCoreV1NamespacedConfigMap`, `core_v1`) and definition names
//!   (`friendlyName`).
//! * kubernetes/kubernetes `staging/src/k8s.io/kubectl/pkg/explain/v2/templates/plaintext.tmpl`
//!   and `funcs.go` (what `kubectl explain` reads: the GVK of an operation on the kind's path,
//!   then the schema whose `x-kubernetes-group-version-kind` list contains it, following
//!   `$ref`/`allOf`/`items`/`additionalProperties`), `staging/src/k8s.io/cli-runtime/pkg/resource/
//!   query_param_verifier_v3.go` (the `fieldValidation` check) and `staging/src/k8s.io/kubectl/pkg/
//!   cmd/apply/patcher.go` (client-side apply computes a strategic merge patch from these schemas
//!   only when the PATCH request body lists `application/strategic-merge-patch+json`).
//!
//! Built-in kinds' schemas come from k8s-openapi through schemars (`sim::validation` generates
//! them once, with the definitions kube-apiserver names `io.k8s.api.apps.v1.DeploymentSpec`…);
//! custom resources' from their CRD's `openAPIV3Schema` for the version asked.
//!
//! Documents are built once per served set of kinds and cached (keyed by the registry's kinds
//! and their CRDs, shared by clusters serving the same ones): the built-in documents are large.
//! The first index request of a process builds every group/version's (its hashes need them).
//!
//! Approximated, and said here:
//! * PATCH of a built-in kind does not list `application/strategic-merge-patch+json`:
//!   k8s-openapi's schemas carry no `x-kubernetes-patch-strategy`/`-merge-key`, and kubectl
//!   would compute its apply patches from them and replace every list; without it kubectl uses
//!   its compiled-in types, which carry exactly the metadata the real schemas publish.
//! * The handler sees neither the query nor the headers: the caching headers are sent whatever
//!   the `hash` (kubectl always asks with the index's), a stale hash is not redirected (301) and
//!   `If-None-Match` is not answered with 304; the document is always JSON.
//! * `paths` hold, per kind, the object path (`…/{name}`) with its read and patch operations
//!   only — what kubectl reads (`explain` takes the kind from an operation there, the
//!   `fieldValidation` check and client-side apply read the PATCH) — with parameters without
//!   their descriptions and JSON responses: kube-apiserver also lists the collection, status,
//!   watch and other operations, but kubectl parses the whole document before every `apply`
//!   (twice for an update), and those paths would double what it parses for nothing it reads.
//! * OpenShift's own kinds the simulator serves without a schema (Infrastructure, Project,
//!   ProjectRequest) are published as `{type: object}` with `apiVersion`, `kind` and `metadata`
//!   and unknown fields preserved; a platform kind with a schema (Route) as a CRD's would be.
//!   Route and Project are named as openshift-apiserver names them
//!   (`com.github.openshift.api.route.v1.Route`), the others with the CRD naming.
//! * k8s-openapi's schemas are those of its newest Kubernetes (the `latest` feature), which may
//!   differ in details from the v1.32 the simulator reports (e.g. Deployment's `spec` is
//!   required there).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::sim::cluster::SimCluster;
use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;
use crate::sim::validation;

const REF_PREFIX: &str = "#/components/schemas/";
const META: &str = "io.k8s.apimachinery.pkg.apis.meta.v1";
const CRD_GROUP: &str = "apiextensions.k8s.io";
const CRD_NAME: &str =
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition";
/// The server's version, as `/version` reports it (kube-apiserver's `info.version`).
const SERVER_VERSION: &str = "v1.32.4+fedrun-sim";

/// `GET /openapi/v3`: one entry per served group/version.
pub fn root(cluster: &SimCluster) -> Response {
    let registry = cluster.store.registry();
    let mut paths = Map::new();
    for (group, versions) in registry.groups() {
        for v in versions {
            let Some(doc) = document(cluster, &group, &v) else {
                continue;
            };
            let key = gv_path(&group, &v);
            paths.insert(
                key.clone(),
                json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", doc.hash)}),
            );
        }
    }
    let body = json!({"paths": paths}).to_string();
    let etag = format!("\"{}\"", sha512_hex(body.as_bytes()));
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ETAG, etag)
        .body(Body::from(body))
        .unwrap_or_else(|_| ApiError::internal("failed to build response").into_response())
}

/// `GET /openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`.
pub fn group_version(cluster: &SimCluster, rest: &[&str]) -> Response {
    let (group, version) = match rest {
        ["api", v] => ("", *v),
        ["apis", g, v] => (*g, *v),
        _ => {
            return ApiError::no_such_path(&format!("/openapi/v3/{}", rest.join("/")))
                .into_response();
        }
    };
    let Some(doc) = document(cluster, group, version) else {
        return ApiError::no_such_path(&format!("/openapi/v3/{}", rest.join("/"))).into_response();
    };
    Response::builder()
        .status(200)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ETAG, format!("\"{}\"", doc.hash))
        .header(header::VARY, "Accept")
        .header(header::CACHE_CONTROL, "public, immutable")
        .header(header::EXPIRES, a_year_from_now())
        .body(Body::from(doc.body.clone()))
        .unwrap_or_else(|_| ApiError::internal("failed to build response").into_response())
}

fn gv_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `Expires` as Go's `time.RFC1123` writes it for UTC.
fn a_year_from_now() -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] UTC"
    );
    (time::OffsetDateTime::now_utc() + time::Duration::days(365))
        .format(&format)
        .unwrap_or_default()
}

/// The upper-case hex SHA-512 that kube-openapi uses as ETag and `hash`.
fn sha512_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA512, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The cache

/// One rendered group/version document.
struct Doc {
    body: Bytes,
    hash: String,
}

/// What a group/version document is built from: each served kind and, for a custom resource,
/// its CRD object (the schema of every version).
#[derive(Clone)]
struct Input {
    rt: Arc<ResourceType>,
    crd: Option<Arc<Value>>,
}

impl Input {
    /// The same registry entries and CRD objects: a type or CRD change replaces its `Arc`.
    fn same_objects(&self, other: &Input) -> bool {
        Arc::ptr_eq(&self.rt, &other.rt)
            && match (&self.crd, &other.crd) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => false,
            }
    }

    /// The same content (another cluster serving the same kinds): everything the document
    /// reads — the type and its CRD's spec.
    fn same_content(&self, other: &Input) -> bool {
        *self.rt == *other.rt
            && match (&self.crd, &other.crd) {
                (None, None) => true,
                (Some(a), Some(b)) => a.get("spec") == b.get("spec"),
                _ => false,
            }
    }
}

struct Entry {
    inputs: Vec<Input>,
    doc: Arc<Doc>,
}

/// Documents per group/version, most recently used first.
static DOCS: LazyLock<Mutex<HashMap<String, Vec<Entry>>>> = LazyLock::new(Default::default);
/// Sets of kinds remembered per group/version (clusters of one process, recent CRD states).
const KEEP: usize = 8;

fn all(a: &[Input], b: &[Input], same: impl Fn(&Input, &Input) -> bool) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
}

/// The document of one group/version, from the cache when the kinds it is built from are
/// unchanged; `None` when nothing is served there.
fn document(cluster: &SimCluster, group: &str, version: &str) -> Option<Arc<Doc>> {
    let inputs = inputs(cluster, group, version);
    if inputs.is_empty() {
        return None;
    }
    let key = gv_path(group, version);
    {
        let mut cache = DOCS.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entries) = cache.get_mut(&key) {
            if let Some(i) = entries
                .iter()
                .position(|e| all(&e.inputs, &inputs, Input::same_objects))
            {
                let entry = entries.remove(i);
                let doc = entry.doc.clone();
                entries.insert(0, entry);
                return Some(doc);
            }
            if let Some(doc) = entries
                .iter()
                .find(|e| all(&e.inputs, &inputs, Input::same_content))
                .map(|e| e.doc.clone())
            {
                entries.insert(
                    0,
                    Entry {
                        inputs,
                        doc: doc.clone(),
                    },
                );
                entries.truncate(KEEP);
                return Some(doc);
            }
        }
    }
    // Built outside the lock: other group/versions keep being served meanwhile.
    let body = serde_json::to_vec(&build(group, version, &inputs)).unwrap_or_default();
    let doc = Arc::new(Doc {
        hash: sha512_hex(&body),
        body: Bytes::from(body),
    });
    let mut cache = DOCS.lock().unwrap_or_else(|e| e.into_inner());
    let entries = cache.entry(key).or_default();
    entries.insert(
        0,
        Entry {
            inputs,
            doc: doc.clone(),
        },
    );
    entries.truncate(KEEP);
    Some(doc)
}

/// The kinds served at a group/version (sorted, so that clusters registering them in another
/// order share a document) with their CRD objects.
fn inputs(cluster: &SimCluster, group: &str, version: &str) -> Vec<Input> {
    let registry = cluster.store.registry();
    let crd_type = registry
        .find(CRD_GROUP, "customresourcedefinitions")
        .cloned();
    let mut inputs: Vec<Input> = registry
        .types()
        .iter()
        .filter(|t| t.group == group && t.serves(version))
        .map(|t| {
            let crd = match &crd_type {
                Some(crd_type) if !is_builtin(&t.group, &t.kind) => cluster
                    .store
                    .get(crd_type, "", &format!("{}.{}", t.plural, t.group))
                    .ok(),
                _ => None,
            };
            Input { rt: t.clone(), crd }
        })
        .collect();
    inputs.sort_by(|a, b| a.rt.plural.cmp(&b.rt.plural));
    inputs
}

// ---------------------------------------------------------------------------------------------
// Definitions

/// A schemars root schema as OpenAPI definitions: its own schema under `name`, and the
/// definitions it references (schemars' `openapi3()` settings keep them in `components.schemas`
/// and refer to them there).
fn definitions_of(root: &Value, name: &str) -> Map<String, Value> {
    let mut defs = root
        .pointer("/components/schemas")
        .or_else(|| root.get("$defs"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut own = root.as_object().cloned().unwrap_or_default();
    for key in ["$schema", "components", "$defs", "title"] {
        own.remove(key);
    }
    defs.insert(name.to_string(), Value::Object(own));
    for def in defs.values_mut() {
        wrap_refs(def);
    }
    defs
}

/// kube-openapi's `wrapRefs`: a `$ref` with siblings (a description) becomes
/// `allOf: [{$ref}]` with the siblings, as OpenAPI 3.0 ignores a reference's siblings.
/// schemars' `openapi3()` settings do it for the root schema only, not for the definitions.
fn wrap_refs(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj.len() > 1
        && let Some(target) = obj.get("$ref").filter(|r| r.is_string()).cloned()
    {
        obj.remove("$ref");
        obj.insert("allOf".into(), json!([{"$ref": target}]));
    }
    for (key, value) in obj.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "definitions" => {
                if let Some(map) = value.as_object_mut() {
                    map.values_mut().for_each(wrap_refs);
                }
            }
            "items" | "allOf" | "anyOf" | "oneOf" => match value {
                Value::Array(list) => list.iter_mut().for_each(wrap_refs),
                other => wrap_refs(other),
            },
            "additionalProperties" | "not" => wrap_refs(value),
            _ => {}
        }
    }
}

fn generated<T: schemars::JsonSchema>() -> Map<String, Value> {
    let root = schemars::generate::SchemaSettings::openapi3()
        .into_generator()
        .into_root_schema_for::<T>();
    definitions_of(
        &serde_json::to_value(root).unwrap_or(Value::Null),
        &T::schema_name(),
    )
}

/// The definitions every document refers to: ObjectMeta (custom resources' `metadata`) and
/// Patch (PATCH bodies).
static COMMON: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
    let mut defs = generated::<meta::ObjectMeta>();
    // As generated from apimachinery's `metav1.Patch`.
    defs.insert(
        format!("{META}.Patch"),
        json!({"description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
               "type": "object"}),
    );
    defs
});

/// CustomResourceDefinition's definitions: not in the validation table (CRDs are validated by
/// their own rules), generated once. JSONSchemaProps refers to itself; schemars refers to a
/// definition being generated instead of expanding it again.
static CRD_DEFINITIONS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    generated::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>()
});

/// Whether k8s-openapi gives the simulator this kind's schema.
fn is_builtin(group: &str, kind: &str) -> bool {
    (group == CRD_GROUP && kind == "CustomResourceDefinition")
        || validation::builtin_schema(group, kind).is_some()
}

/// A built-in kind's definition name and definitions (its own and those it refers to).
fn builtin_definitions(group: &str, kind: &str) -> Option<(String, Map<String, Value>)> {
    if group == CRD_GROUP && kind == "CustomResourceDefinition" {
        return Some((CRD_NAME.to_string(), CRD_DEFINITIONS.clone()));
    }
    let schema = validation::builtin_schema(group, kind)?;
    // k8s-openapi names the root after its Go package (`io.k8s.api.apps.v1.Deployment`);
    // schemars writes it as the root's title.
    let name = schema
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let package = if group.is_empty() { "core" } else { group };
            format!("io.k8s.api.{package}.v1.{kind}")
        });
    let definitions = definitions_of(&schema, &name);
    Some((name, definitions))
}

fn gvk(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "kind": kind, "version": version})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("{REF_PREFIX}{name}")})
}

/// A described reference, as kube-openapi's `wrapRefs` writes it.
fn described_reference(name: &str, description: &str) -> Value {
    json!({"allOf": [reference(name)], "description": description})
}

/// TypeMeta's fields (apimachinery `meta/v1` TypeMeta, as generated for OpenAPI).
fn api_version_property() -> Value {
    json!({"description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
           "type": "string"})
}

fn kind_property() -> Value {
    json!({"description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
           "type": "string"})
}

/// `metadata` as builder.go sets it (PartialObjectMetadata's description of the field).
fn metadata_property() -> Value {
    described_reference(
        &format!("{META}.ObjectMeta"),
        "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    )
}

/// The name builder.go gives a CRD's kind: `<group>/<version>.<kind>` with the group's labels
/// reversed (`friendlyName`). OpenShift's aggregated kinds are named after their Go packages.
fn custom_name(group: &str, version: &str, kind: &str) -> String {
    match group {
        "route.openshift.io" | "project.openshift.io" => {
            let short = group.split('.').next().unwrap_or(group);
            format!("com.github.openshift.api.{short}.{version}.{kind}")
        }
        _ => {
            let reversed: Vec<&str> = group.split('.').rev().collect();
            format!("{}.{version}.{kind}", reversed.join("."))
        }
    }
}

/// The version's entry of a CRD's `spec.versions`.
fn crd_version<'a>(crd: &'a Value, version: &str) -> Option<&'a Value> {
    crd.pointer("/spec/versions")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(Value::as_str) == Some(version))
}

/// A custom resource's definition from its structural schema (builder.go `buildKubeNative`).
fn custom_definition(schema: Option<&Value>, group: &str, version: &str, kind: &str) -> Value {
    let mut def = match schema {
        Some(schema) if schema.is_object() => {
            let mut def = schema.clone();
            unfold(&mut def);
            if let Some(obj) = def.as_object_mut() {
                let props = obj
                    .entry("properties")
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Some(props) = props.as_object_mut() {
                    props.insert("metadata".into(), metadata_property());
                    props.insert("apiVersion".into(), api_version_property());
                    props.insert("kind".into(), kind_property());
                }
            }
            add_embedded_properties(&mut def);
            def
        }
        _ => json!({"type": "object"}),
    };
    def["x-kubernetes-group-version-kind"] = json!([gvk(group, version, kind)]);
    def
}

/// A kind the simulated platform serves with no schema at all (OpenShift's Route, Project…).
fn schemaless_definition(group: &str, version: &str, kind: &str) -> Value {
    json!({
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": true,
        "properties": {"apiVersion": api_version_property(), "kind": kind_property(),
                       "metadata": metadata_property()},
        "x-kubernetes-group-version-kind": [gvk(group, version, kind)],
    })
}

/// The structural schema's `Unfold`: `x-kubernetes-int-or-string` gains
/// `anyOf: [{type: integer}, {type: string}]` (apiextensions-apiserver `schema/unfold.go`).
fn unfold(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    if obj
        .get("x-kubernetes-int-or-string")
        .and_then(Value::as_bool)
        == Some(true)
        && !obj.contains_key("anyOf")
        && !obj.contains_key("allOf")
    {
        obj.insert(
            "anyOf".into(),
            json!([{"type": "integer"}, {"type": "string"}]),
        );
    }
    for child in children(obj) {
        unfold(child);
    }
}

/// The nested schemas builder.go walks: properties, items and additionalProperties.
fn children(obj: &mut Map<String, Value>) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for (key, value) in obj.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Some(props) = value.as_object_mut() {
                    out.extend(props.values_mut());
                }
            }
            "items" | "additionalProperties" if value.is_object() => out.push(value),
            _ => {}
        }
    }
    out
}

/// builder.go `addEmbeddedProperties`: an embedded resource gets `apiVersion`, `kind` and
/// `metadata`, and requires the first two.
fn add_embedded_properties(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else {
        return;
    };
    for child in children(obj) {
        add_embedded_properties(child);
    }
    if obj
        .get("x-kubernetes-embedded-resource")
        .and_then(Value::as_bool)
        != Some(true)
    {
        return;
    }
    let props = obj
        .entry("properties")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(props) = props.as_object_mut() {
        props.insert(
            "apiVersion".into(),
            json!({"description": "apiVersion defines the versioned schema of this representation of an object. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
                   "type": "string"}),
        );
        props.insert(
            "kind".into(),
            json!({"description": "kind is a string value representing the type of this object. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
                   "type": "string"}),
        );
        props.insert("metadata".into(), metadata_property());
    }
    let required = obj.entry("required").or_insert_with(|| json!([]));
    if let Some(required) = required.as_array_mut() {
        for field in ["kind", "apiVersion"] {
            if !required.iter().any(|r| r == field) {
                required.push(json!(field));
            }
        }
    }
}

/// What the paths of one kind need to know.
struct KindPaths<'a> {
    rt: &'a ResourceType,
    group: &'a str,
    version: &'a str,
    definition: String,
    builtin: bool,
}

/// Adds one kind's definitions to `schemas` and describes its paths.
fn add_kind<'a>(
    input: &'a Input,
    group: &'a str,
    version: &'a str,
    schemas: &mut Map<String, Value>,
) -> KindPaths<'a> {
    let rt = &*input.rt;
    let (definition, builtin) = match builtin_definitions(&rt.group, &rt.kind) {
        Some((name, mut defs)) => {
            if let Some(def) = defs.get_mut(&name) {
                def["x-kubernetes-group-version-kind"] = json!([gvk(group, version, &rt.kind)]);
                // k8s-openapi requires `metadata` of every resource (its Rust types do); the
                // API's definitions do not.
                let emptied = match def.get_mut("required").and_then(Value::as_array_mut) {
                    Some(required) => {
                        required.retain(|r| r != "metadata");
                        required.is_empty()
                    }
                    None => false,
                };
                if emptied && let Some(def) = def.as_object_mut() {
                    def.remove("required");
                }
            }
            // A dependency never replaces a kind's own definition (and its GVK).
            for (key, def) in defs {
                if key == name {
                    schemas.insert(key, def);
                } else {
                    schemas.entry(key).or_insert(def);
                }
            }
            (name, true)
        }
        None => {
            let name = custom_name(group, version, &rt.kind);
            let def = match &input.crd {
                Some(crd) => {
                    let schema = crd_version(crd, version)
                        .and_then(|e| e.pointer("/schema/openAPIV3Schema"));
                    custom_definition(schema, group, version, &rt.kind)
                }
                None => match &rt.schema {
                    Some(schema) => custom_definition(Some(schema), group, version, &rt.kind),
                    None => schemaless_definition(group, version, &rt.kind),
                },
            };
            schemas.insert(name.clone(), def);
            (name, false)
        }
    };
    KindPaths {
        rt,
        group,
        version,
        definition,
        builtin,
    }
}

// ---------------------------------------------------------------------------------------------
// Paths

fn query(name: &str, ty: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": ty, "uniqueItems": true}})
}

fn path_parameter(name: &str, description: String) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description,
           "schema": {"type": "string", "uniqueItems": true}})
}

/// `ToValidOperationID`: drops punctuation, capitalising what follows it.
fn operation_id_part(s: &str, capitalize_first: bool) -> String {
    let mut out = String::new();
    let mut capitalize = capitalize_first;
    for (i, c) in s.chars().enumerate() {
        if c.is_alphabetic() || c == '_' || (i != 0 && c.is_ascii_digit()) {
            if capitalize {
                out.extend(c.to_uppercase());
                capitalize = false;
            } else {
                out.push(c);
            }
        } else {
            capitalize = true;
        }
    }
    out
}

impl KindPaths<'_> {
    /// One operation on the object path, as builder.go's `buildRoute` and kube-openapi
    /// describe it: `GetOperationIDAndTags` builds its ID from the verb, the group (core for
    /// `/api`, `.k8s.io` trimmed), the version and the rest of the route's operation name.
    fn operation(&self, verb: &str, action: &str, description: String) -> Value {
        let kind = &self.rt.kind;
        let group = if self.group.is_empty() {
            "core"
        } else {
            self.group.strip_suffix(".k8s.io").unwrap_or(self.group)
        };
        let namespaced = if self.rt.namespaced { "Namespaced" } else { "" };
        let id = format!(
            "{verb}{}{}{namespaced}{kind}",
            operation_id_part(group, true),
            operation_id_part(self.version, true),
        );
        let tag = format!(
            "{}_{}",
            operation_id_part(group, false),
            operation_id_part(self.version, false)
        );
        json!({
            "description": description,
            "operationId": id,
            "tags": [tag],
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk(self.group, self.version, kind),
            "responses": {"200": {"description": "OK",
                "content": {"application/json": {"schema": reference(&self.definition)}}}},
        })
    }

    /// Adds the kind's object path with its read and patch operations.
    fn add_to(&self, paths: &mut Map<String, Value>) {
        let prefix = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        let (kind, plural) = (&self.rt.kind, &self.rt.plural);
        let mut parameters = vec![path_parameter("name", format!("name of the {kind}"))];
        let path = if self.rt.namespaced {
            parameters.push(path_parameter(
                "namespace",
                "object name and auth scope, such as for teams and projects".into(),
            ));
            format!("{prefix}/namespaces/{{namespace}}/{plural}/{{name}}")
        } else {
            format!("{prefix}/{plural}/{{name}}")
        };
        parameters.push(query("pretty", "string"));
        let mut patch = self.operation(
            "patch",
            "patch",
            format!("partially update the specified {kind}"),
        );
        patch["parameters"] = json!([
            query("dryRun", "string"),
            query("force", "boolean"),
            query("fieldManager", "string"),
            query("fieldValidation", "string"),
        ]);
        // What the server accepts as PATCH bodies (see the module doc for why a built-in
        // kind's list leaves strategic merge patch out).
        let body = json!({"schema": reference(&format!("{META}.Patch"))});
        patch["requestBody"] = json!({"required": true, "content": {
            "application/apply-patch+yaml": body,
            "application/json-patch+json": body,
            "application/merge-patch+json": body,
        }});
        paths.insert(
            path,
            json!({
                "get": self.operation("read", "get", format!("read the specified {kind}")),
                "patch": patch,
                "parameters": parameters,
            }),
        );
    }
}

/// The OpenAPI v3 document of one group/version.
fn build(group: &str, version: &str, inputs: &[Input]) -> Value {
    let mut schemas = COMMON.clone();
    let mut paths = Map::new();
    let mut all_builtin = true;
    for input in inputs {
        let kind = add_kind(input, group, version, &mut schemas);
        all_builtin &= kind.builtin;
        kind.add_to(&mut paths);
    }
    // kube-apiserver's own documents, or apiextensions-apiserver's (builder.go's config).
    let info = if all_builtin {
        json!({"title": "Kubernetes", "version": SERVER_VERSION})
    } else {
        json!({"title": "Kubernetes CRD Swagger", "version": "v0.1.0"})
    };
    json!({
        "openapi": "3.0.0",
        "info": info,
        "paths": paths,
        "components": {"schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::cluster::Provider;
    use crate::sim::store::Store;

    fn cluster() -> SimCluster {
        SimCluster::new("t", Provider::Aws, Arc::new(Store::new()))
    }

    fn doc(c: &SimCluster, group: &str, version: &str) -> Value {
        serde_json::from_slice(&document(c, group, version).expect("served").body).unwrap()
    }

    /// Every `$ref` of a document names one of its definitions.
    fn refs_resolve(doc: &Value) {
        let schemas = &doc["components"]["schemas"];
        let text = doc.to_string();
        for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = &piece[..piece.find('"').unwrap()];
            assert!(schemas.get(name).is_some(), "dangling {name}");
        }
    }

    fn widget_crd(description: &str) -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget", "listKind": "WidgetList"},
                "versions": [
                    {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                     "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "description": description, "properties": {
                            "size": {"type": "integer", "description": "How big."},
                            "port": {"x-kubernetes-int-or-string": true},
                            "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                                         "x-kubernetes-preserve-unknown-fields": true}}}}}}},
                    {"name": "v1alpha1", "served": true, "storage": false,
                     "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "properties": {"legacy": {"type": "string"}}}}}}}]}
        })
    }

    fn crd_type(c: &SimCluster) -> Arc<ResourceType> {
        c.store
            .find(CRD_GROUP, "customresourcedefinitions")
            .unwrap()
    }

    #[test]
    fn built_in_kinds_are_published_under_their_real_names() {
        let c = cluster();
        let apps = doc(&c, "apps", "v1");
        let schemas = &apps["components"]["schemas"];
        let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
        assert_eq!(
            deployment["x-kubernetes-group-version-kind"],
            json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
        let spec = deployment["properties"]["spec"].to_string();
        assert!(
            spec.contains("#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"),
            "{spec}"
        );
        assert!(schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["replicas"].is_object());
        // Described references are wrapped in definitions too, as kube-openapi wraps them.
        let template = &schemas["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["template"];
        assert_eq!(
            template["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec"
        );
        assert!(template["description"].is_string() && template.get("$ref").is_none());
        assert!(
            deployment
                .get("required")
                .is_none_or(|r| !r.to_string().contains("metadata"))
        );
        assert!(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"].is_object());
        refs_resolve(&apps);
        let patch =
            &apps["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(patch["operationId"], "patchAppsV1NamespacedDeployment");
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        assert!(
            patch["requestBody"]["content"]
                .get("application/strategic-merge-patch+json")
                .is_none()
        );

        let core = doc(&c, "", "v1");
        refs_resolve(&core);
        let cm = &core["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"];
        assert_eq!(cm["patch"]["operationId"], "patchCoreV1NamespacedConfigMap");
        assert_eq!(cm["get"]["tags"], json!(["core_v1"]));
        assert!(core["components"]["schemas"]["io.k8s.api.core.v1.ConfigMap"]["x-kubernetes-group-version-kind"].is_array());
        assert_eq!(
            core["paths"]["/api/v1/namespaces/{name}"]["get"]["operationId"],
            "readCoreV1Namespace"
        );
        assert_eq!(
            core["paths"]["/api/v1/namespaces/{namespace}/endpoints/{name}"]["patch"]["description"],
            "partially update the specified Endpoints"
        );
    }

    #[test]
    fn the_crd_kind_is_recursive_but_finite() {
        let c = cluster();
        let d = doc(&c, CRD_GROUP, "v1");
        refs_resolve(&d);
        let schemas = d["components"]["schemas"].as_object().unwrap();
        let props =
            &schemas["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"];
        assert!(
            props["properties"]["properties"]["additionalProperties"]
                .to_string()
                .contains("JSONSchemaProps")
        );
        assert!(schemas[CRD_NAME]["x-kubernetes-group-version-kind"].is_array());
        assert_eq!(schemas[CRD_NAME]["required"], json!(["spec"]));
        let validation = &schemas["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceValidation"];
        assert!(validation["properties"]["openAPIV3Schema"]["allOf"].is_array());
        assert!(document(&c, CRD_GROUP, "v1").unwrap().body.len() < 2_000_000);
    }

    #[test]
    fn a_crd_version_becomes_a_definition_as_builder_go_builds_it() {
        let c = cluster();
        c.store
            .create(&crd_type(&c), "", widget_crd("The widget."))
            .unwrap();
        let d = doc(&c, "example.com", "v1");
        refs_resolve(&d);
        let widget = &d["components"]["schemas"]["com.example.v1.Widget"];
        assert_eq!(
            widget["x-kubernetes-group-version-kind"],
            json!([{"group": "example.com", "kind": "Widget", "version": "v1"}])
        );
        assert_eq!(
            widget["properties"]["metadata"]["allOf"][0]["$ref"],
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        );
        assert_eq!(widget["properties"]["apiVersion"]["type"], "string");
        assert_eq!(
            widget["properties"]["spec"]["properties"]["size"]["description"],
            "How big."
        );
        assert_eq!(
            widget["properties"]["spec"]["properties"]["port"]["anyOf"],
            json!([{"type": "integer"}, {"type": "string"}])
        );
        let template = &widget["properties"]["spec"]["properties"]["template"];
        assert_eq!(template["required"], json!(["kind", "apiVersion"]));
        assert!(template["properties"]["metadata"].is_object());
        let patch =
            &d["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"];
        assert_eq!(patch["operationId"], "patchExampleComV1NamespacedWidget");
        assert_eq!(patch["tags"], json!(["exampleCom_v1"]));
        assert!(patch["requestBody"]["content"]["application/merge-patch+json"].is_object());
        assert_eq!(d["info"]["title"], "Kubernetes CRD Swagger");
        assert!(
            d["components"]["schemas"]["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]
                .is_object()
        );

        // Each version its own schema.
        let old = doc(&c, "example.com", "v1alpha1");
        let widget = &old["components"]["schemas"]["com.example.v1alpha1.Widget"];
        assert!(widget["properties"]["spec"]["properties"]["legacy"].is_object());
        assert!(
            widget["properties"]["spec"]["properties"]
                .get("size")
                .is_none()
        );
    }

    #[test]
    fn documents_are_cached_until_a_crd_changes() {
        let c = cluster();
        let first = document(&c, "", "v1").unwrap();
        assert!(Arc::ptr_eq(&first, &document(&c, "", "v1").unwrap()));
        // Another cluster serving the same kinds shares it.
        let other = cluster();
        assert!(Arc::ptr_eq(&first, &document(&other, "", "v1").unwrap()));

        let crds = crd_type(&c);
        c.store
            .create(&crds, "", widget_crd("The widget."))
            .unwrap();
        let before = document(&c, "example.com", "v1").unwrap();
        assert!(Arc::ptr_eq(
            &before,
            &document(&c, "example.com", "v1").unwrap()
        ));
        let mut changed = widget_crd("A changed widget.");
        changed["metadata"]["resourceVersion"] = json!(
            c.store.get(&crds, "", "widgets.example.com").unwrap()["metadata"]["resourceVersion"]
        );
        c.store
            .update(
                &crds,
                "",
                "widgets.example.com",
                changed,
                crate::sim::store::Part::Main,
            )
            .unwrap();
        let after = document(&c, "example.com", "v1").unwrap();
        assert_ne!(before.hash, after.hash);
        assert!(String::from_utf8_lossy(&after.body).contains("A changed widget."));
        assert!(document(&c, "example.com", "v2").is_none());
    }

    #[test]
    fn the_operators_crds_are_published_as_builder_go_names_them() {
        let c = cluster();
        let crds = crd_type(&c);
        for crd in crate::sim::controllers::crds::service_mesh() {
            c.store.create(&crds, "", crd.clone()).unwrap();
        }
        let d = doc(&c, "maistra.io", "v2");
        let smcp = &d["components"]["schemas"]["io.maistra.v2.ServiceMeshControlPlane"];
        assert_eq!(
            smcp["x-kubernetes-group-version-kind"],
            json!([{"group": "maistra.io", "kind": "ServiceMeshControlPlane", "version": "v2"}])
        );
        let gateways = &smcp["properties"]["spec"]["properties"]["gateways"];
        assert!(gateways["properties"].is_object(), "{gateways}");
        assert!(smcp["properties"]["metadata"]["allOf"].is_array());
        assert!(
            d["paths"]["/apis/maistra.io/v2/namespaces/{namespace}/servicemeshcontrolplanes/{name}"]
                ["patch"]["parameters"]
                .to_string()
                .contains("fieldValidation")
        );
    }

    #[test]
    fn platform_kinds_without_schemas_still_explain() {
        let c = cluster();
        c.store
            .register_type(crate::sim::controllers::openshift::platform_type(
                "route.openshift.io",
                &["v1"],
                "Route",
                "routes",
                true,
                &[],
                &[],
            ));
        let d = doc(&c, "route.openshift.io", "v1");
        let route = &d["components"]["schemas"]["com.github.openshift.api.route.v1.Route"];
        assert_eq!(route["x-kubernetes-group-version-kind"][0]["kind"], "Route");
        assert!(route["properties"]["metadata"].is_object());
    }

    #[test]
    fn helpers_follow_their_go_originals() {
        assert_eq!(
            custom_name("maistra.io", "v2", "ServiceMeshControlPlane"),
            "io.maistra.v2.ServiceMeshControlPlane"
        );
        assert_eq!(operation_id_part("maistra.io", true), "MaistraIo");
        assert_eq!(operation_id_part("v1alpha1", true), "V1alpha1");
        assert_eq!(sha512_hex(b"").len(), 128);
    }
}
