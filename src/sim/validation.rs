//! Field validation as kube-apiserver does it: unknown fields under the request's
//! `fieldValidation` directive, wrong types, missing required fields, enums and ranges, checked
//! against the kind's schema — the CRD's structural schema for custom resources, k8s-openapi's
//! for built-in kinds.
//!
//! Sources: kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/`
//! (`create.go`, `update.go`, `patch.go`: the directive, `Warn` when absent, strict decoding
//! errors as 400 and warnings as `299` headers; apply builds a typed patch first, so an unknown
//! field fails it whatever the directive), `staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/
//! schema/` and kube-openapi `pkg/validation/` (the 422 causes of custom resources), and
//! `staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go` (their wording).
//!
//! Approximated, and said here: a wrong type in a built-in kind is reported as Go's decoder
//! words it, with the struct name k8s-openapi's schema gives; in an apply request, as
//! structured-merge-diff words it but without Go's value dump; `oneOf`/`anyOf` constraints and
//! string formats are not checked (they constrain no field the walkthrough writes).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use serde_json::{Map, Value, json};

use super::resources::ResourceType;
use super::status::ApiError;

/// What the server does with fields the schema does not declare (`fieldValidation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directive {
    /// Refuse the request (400).
    Strict,
    /// Drop them and say so in `Warning` headers: the server's default when the client says
    /// nothing (kubectl sends `Strict`, kube-rs nothing).
    Warn,
    /// Drop them silently.
    Ignore,
}

impl Directive {
    /// Reads `fieldValidation`; an unknown value is refused as the options' validation refuses it.
    pub fn from_query(value: Option<&str>, options_kind: &str) -> Result<Directive, ApiError> {
        match value.unwrap_or("") {
            "" | "Warn" => Ok(Directive::Warn),
            "Strict" => Ok(Directive::Strict),
            "Ignore" => Ok(Directive::Ignore),
            other => Err(ApiError::invalid_causes(
                &format!("{options_kind}.meta.k8s.io"),
                "",
                None,
                vec![Cause::not_supported(
                    "fieldValidation",
                    other,
                    &["", "Ignore", "Strict", "Warn"],
                )],
            )),
        }
    }
}

/// One step of a field path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Field(String),
    /// An item by position, with its key when the list is associative (`name="web"`), as
    /// structured-merge-diff names items.
    Index(usize, Option<String>),
}

/// A field path, rendered `spec.rules[0].type` as field errors write it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Step>);

impl FieldPath {
    /// As structured-merge-diff writes it: `.spec.containers[name="web"].image`.
    pub fn typed(&self) -> String {
        self.0
            .iter()
            .map(|step| match step {
                Step::Field(name) => format!(".{name}"),
                Step::Index(_, Some(key)) => format!("[{key}]"),
                Step::Index(n, None) => format!("[{n}]"),
            })
            .collect()
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Field(name) if i == 0 => write!(f, "{name}")?,
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Index(n, _) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One entry of a 422's `details.causes`.
#[derive(Clone, Debug, PartialEq)]
pub struct Cause {
    pub reason: &'static str,
    pub field: String,
    /// The message without the field (`Required value`, `Invalid value: …`).
    pub message: String,
}

impl Cause {
    pub fn required(field: &str) -> Cause {
        Cause {
            reason: "FieldValueRequired",
            field: field.to_string(),
            message: "Required value".into(),
        }
    }

    pub fn invalid(field: &str, value: &str, detail: &str) -> Cause {
        Cause {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            message: format!("Invalid value: {value}: {detail}"),
        }
    }

    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Cause {
        let list: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        Cause {
            reason: "FieldValueNotSupported",
            field: field.to_string(),
            message: format!(
                "Unsupported value: {value:?}: supported values: {}",
                list.join(", ")
            ),
        }
    }

    fn type_invalid(field: &str, found: &str, expected: &str) -> Cause {
        Cause {
            reason: "FieldValueTypeInvalid",
            field: field.to_string(),
            message: format!(
                "Invalid value: {found:?}: {field} in body must be of type {expected}: {found:?}"
            ),
        }
    }

    /// As `field/errors.go` prints one error: `spec.x: Required value`.
    pub fn text(&self) -> String {
        format!("{}: {}", self.field, self.message)
    }

    pub fn to_json(&self) -> Value {
        json!({"reason": self.reason, "message": self.message, "field": self.field})
    }
}

/// A value whose JSON type is not the schema's.
#[derive(Clone, Debug, PartialEq)]
pub struct WrongType {
    pub path: FieldPath,
    /// The JSON type found: `string`, `number`, `bool`, `object`, `array`.
    pub found: &'static str,
    /// The schema's type (`integer`, `string`, …) and format (`int32`…).
    pub expected: String,
    pub format: Option<String>,
    /// The Go struct holding the field, for built-in kinds (from the schema's definition name).
    pub go_struct: Option<String>,
}

/// What one walk over an object found.
#[derive(Debug, Default)]
pub struct Findings {
    pub unknown: Vec<FieldPath>,
    pub wrong_types: Vec<WrongType>,
    pub causes: Vec<Cause>,
}

/// A schema to walk: a node, and the definitions its `$ref`s point into.
#[derive(Clone, Copy)]
struct Node<'a> {
    schema: &'a Value,
    definitions: Option<&'a Map<String, Value>>,
    go_struct: Option<&'a str>,
}

impl<'a> Node<'a> {
    /// Follows a `$ref` (k8s-openapi's schemas name their definitions as the real OpenAPI does,
    /// `io.k8s.api.apps.v1.DeploymentSpec`, whose last segment is the Go struct).
    fn resolve(self) -> Node<'a> {
        // schemars writes a described reference as `allOf: [{$ref}]`.
        if let Some([only]) = self
            .schema
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            return Node {
                schema: only,
                ..self
            }
            .resolve();
        }
        let Some(target) = self.schema.get("$ref").and_then(Value::as_str) else {
            return self;
        };
        let name = target.rsplit('/').next().unwrap_or(target);
        match self.definitions.and_then(|d| d.get(name)) {
            Some(schema) => Node {
                schema,
                definitions: self.definitions,
                go_struct: Some(name.rsplit('.').next().unwrap_or(name)),
            }
            .resolve(),
            None => self,
        }
    }

    fn child(self, schema: &'a Value) -> Node<'a> {
        Node { schema, ..self }.resolve()
    }

    fn flag(&self, name: &str) -> bool {
        self.schema.get(name).and_then(Value::as_bool) == Some(true)
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// kube-openapi's name of a JSON value's type, as its type errors print it.
fn openapi_type(v: &Value) -> &'static str {
    match v {
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        other => json_type(other),
    }
}

fn type_matches(expected: &str, v: &Value) -> bool {
    match expected {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

/// The value as field errors print it: strings quoted, numbers bare.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

struct Walk<'f> {
    findings: &'f mut Findings,
    path: FieldPath,
    /// Whether this is a custom resource, whose `apiVersion`, `kind` and `metadata` the server
    /// checks itself whatever the CRD's schema says of them.
    custom: bool,
}

impl Walk<'_> {
    fn at(&mut self, step: Step, f: impl FnOnce(&mut Self)) {
        self.path.0.push(step);
        f(self);
        self.path.0.pop();
    }

    fn node(&mut self, value: &Value, node: Node) {
        // Nulls decode as "unset" (built-ins) or are pruned (custom resources).
        if value.is_null() {
            return;
        }
        let schema = node.schema;
        if node.flag("x-kubernetes-int-or-string") {
            if !(value.is_string() || value.is_i64() || value.is_u64()) {
                self.wrong(value, "integer-or-string", None, node);
            }
            return;
        }
        let expected = schema.get("type").and_then(Value::as_str);
        if let Some(expected) = expected
            && !type_matches(expected, value)
        {
            let format = schema.get("format").and_then(Value::as_str);
            self.wrong(value, expected, format, node);
            return;
        }
        self.enum_and_range(value, schema);
        match value {
            Value::Object(map) => self.object(map, node),
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    let keys = self.list_keys(schema);
                    let item = node.child(item);
                    for (i, v) in items.iter().enumerate() {
                        let key = item_key(&keys, v);
                        self.at(Step::Index(i, key), |w| w.node(v, item));
                    }
                }
            }
            _ => {}
        }
    }

    fn object(&mut self, map: &Map<String, Value>, node: Node) {
        let schema = node.schema;
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        let preserve = node.flag("x-kubernetes-preserve-unknown-fields");
        // A bare object is free-form in k8s-openapi's schemas (FieldsV1, RawExtension: those
        // carry definitions), and declares no field at all in a CRD's structural schema.
        let free_form = node.definitions.is_some() || schema.get("type").is_none();
        if properties.is_none() && additional.is_none() && (preserve || free_form) {
            return;
        }
        let implicit = |key: &str| matches!(key, "apiVersion" | "kind" | "metadata");
        let at_root = self.custom && self.path.0.is_empty();
        for (key, v) in map.iter().filter(|(k, _)| !(at_root && implicit(k))) {
            let sub = properties.and_then(|p| p.get(key)).or(match additional {
                Some(a) if a.is_object() => Some(a),
                _ => None,
            });
            match sub {
                Some(sub) => {
                    let sub = node.child(sub);
                    self.at(Step::Field(key.clone()), |w| w.node(v, sub));
                }
                None if preserve || additional == Some(&Value::Bool(true)) => {}
                None => {
                    self.path.0.push(Step::Field(key.clone()));
                    self.findings.unknown.push(self.path.clone());
                    self.path.0.pop();
                }
            }
        }
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if map.get(name).is_none_or(Value::is_null) {
                    self.path.0.push(Step::Field(name.to_string()));
                    let field = self.path.to_string();
                    self.path.0.pop();
                    self.findings.causes.push(Cause::required(&field));
                }
            }
        }
    }

    fn list_keys(&self, schema: &Value) -> Vec<String> {
        list_keys(&self.path.0, self.custom, schema)
    }

    fn enum_and_range(&mut self, value: &Value, schema: &Value) {
        let field = self.path.to_string();
        if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
            && !allowed.contains(value)
        {
            let names: Vec<&str> = allowed.iter().filter_map(Value::as_str).collect();
            let shown = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            self.findings
                .causes
                .push(Cause::not_supported(&field, &shown, &names));
        }
        if let Some(n) = value.as_f64() {
            let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
            let number = |f: f64| {
                Value::from(f)
                    .to_string()
                    .trim_end_matches(".0")
                    .to_string()
            };
            if let Some(max) = bound("maximum")
                && n > max
            {
                let detail = format!(
                    "{field} in body should be less than or equal to {}",
                    number(max)
                );
                self.findings
                    .causes
                    .push(Cause::invalid(&field, &shown(value), &detail));
            }
            if let Some(min) = bound("minimum")
                && n < min
            {
                let detail = format!(
                    "{field} in body should be greater than or equal to {}",
                    number(min)
                );
                self.findings
                    .causes
                    .push(Cause::invalid(&field, &shown(value), &detail));
            }
        }
    }

    fn wrong(&mut self, value: &Value, expected: &str, format: Option<&str>, node: Node) {
        self.findings.wrong_types.push(WrongType {
            path: self.path.clone(),
            found: json_type(value),
            expected: expected.to_string(),
            format: format.map(str::to_string),
            go_struct: node.go_struct.map(str::to_string),
        });
        let field = self.path.to_string();
        self.findings
            .causes
            .push(Cause::type_invalid(&field, openapi_type(value), expected));
    }
}

/// The key fields of the list at `path`: a CRD declares them (`x-kubernetes-list-map-keys`); for
/// built-ins (and every kind's `metadata`) they are those of Kubernetes' own OpenAPI
/// (`listType: map` / `patchMergeKey` in k8s.io/api), which k8s-openapi's schemas lack.
fn list_keys(path: &[Step], custom: bool, schema: &Value) -> Vec<String> {
    if let Some(keys) = schema
        .get("x-kubernetes-list-map-keys")
        .and_then(Value::as_array)
    {
        return keys
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    if custom && !matches!(path.first(), Some(Step::Field(f)) if f == "metadata") {
        return Vec::new();
    }
    let in_container = path.len() >= 2
        && matches!(&path[path.len() - 2], Step::Index(..))
        && matches!(path.iter().rev().nth(2), Some(Step::Field(f)) if f.ends_with("ontainers"));
    let keys: &[&str] = match path.last() {
        Some(Step::Field(f)) => match f.as_str() {
            "containers"
            | "initContainers"
            | "ephemeralContainers"
            | "env"
            | "volumes"
            | "imagePullSecrets" => &["name"],
            "volumeMounts" => &["mountPath"],
            "ownerReferences" => &["uid"],
            "ports" if in_container => &["containerPort", "protocol"],
            "ports" => &["port", "protocol"],
            _ => &[],
        },
        _ => &[],
    };
    keys.iter().map(|k| k.to_string()).collect()
}

/// How server-side apply merges and tracks a list: structured-merge-diff's element
/// relationship (kubernetes-sigs/structured-merge-diff `schema/elements.go`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListType {
    /// Replaced and owned as a whole (a CRD's default, and built-in lists without a merge key).
    Atomic,
    /// Items are scalars owned one by one (`x-kubernetes-list-type: set`, `metadata.finalizers`).
    Set,
    /// Items are owned one by one, named by their key fields.
    Map(Vec<String>),
}

/// A position in a kind's schema, as server-side apply reads it: which fields a map declares
/// and how its lists and maps merge. Kinds without a schema are deduced as structured-merge-diff
/// deduces them (maps field by field, lists atomic).
#[derive(Clone)]
pub struct Shape<'a> {
    node: Option<Node<'a>>,
    path: Vec<Step>,
    custom: bool,
}

/// Calls `f` with the shape of `rt`'s objects at their root.
pub fn with_shape<R>(rt: &ResourceType, f: impl FnOnce(Shape) -> R) -> R {
    let builtin = builtin_schema(&rt.group, &rt.kind);
    let (root, custom) = match (&rt.schema, &builtin) {
        (Some(schema), _) => (Some(schema), true),
        (None, Some(schema)) => (Some(&**schema), false),
        (None, None) => (None, true),
    };
    let node = root.map(|schema| {
        Node {
            schema,
            definitions: definitions(schema),
            go_struct: None,
        }
        .resolve()
    });
    f(Shape {
        node,
        path: Vec::new(),
        custom,
    })
}

impl<'a> Shape<'a> {
    /// The shape of a map's field (or of a value of a map without declared fields).
    pub fn field(&self, name: &str) -> Shape<'a> {
        let mut path = self.path.clone();
        path.push(Step::Field(name.to_string()));
        // A CRD's schema declares `metadata` as a bare object; the server reads it as ObjectMeta.
        if self.custom && self.path.is_empty() && name == "metadata" {
            let node = Node {
                schema: &OBJECT_META,
                definitions: definitions(&OBJECT_META),
                go_struct: Some("ObjectMeta"),
            };
            return Shape {
                node: Some(node.resolve()),
                path,
                custom: self.custom,
            };
        }
        let node = self.node.and_then(|node| {
            let schema = node.schema;
            let sub = schema
                .get("properties")
                .and_then(|p| p.get(name))
                .or_else(|| schema.get("additionalProperties").filter(|a| a.is_object()))?;
            Some(node.child(sub))
        });
        Shape {
            node,
            path,
            custom: self.custom,
        }
    }

    /// The shape of a list's items.
    pub fn item(&self) -> Shape<'a> {
        let mut path = self.path.clone();
        path.push(Step::Index(0, None));
        let node = self
            .node
            .and_then(|node| node.schema.get("items").map(|items| node.child(items)));
        Shape {
            node,
            path,
            custom: self.custom,
        }
    }

    /// Whether `name` is a declared field of this map (a struct field, not a map key): only
    /// undeclared keys are owned as items in their own right.
    pub fn declares(&self, name: &str) -> bool {
        self.node.is_some_and(|node| {
            node.schema
                .get("properties")
                .is_some_and(|p| p.get(name).is_some())
        })
    }

    /// Whether this is a k8s.io/api struct (declared fields): such a field exists, zero-valued,
    /// even when a request leaves it out, so adding it adds only its fields.
    pub fn is_struct(&self) -> bool {
        !self.custom
            && self
                .node
                .is_some_and(|node| node.schema.get("properties").is_some())
    }

    /// How the list here merges.
    pub fn list_type(&self) -> ListType {
        let schema = self.node.map_or(&Value::Null, |n| n.schema);
        let keys = list_keys(&self.path, self.custom, schema);
        if !keys.is_empty() {
            return ListType::Map(keys);
        }
        let builtin_set = (!self.custom
            || matches!(self.path.first(), Some(Step::Field(f)) if f == "metadata"))
            && matches!(self.path.last(), Some(Step::Field(f)) if f == "finalizers");
        match schema.get("x-kubernetes-list-type").and_then(Value::as_str) {
            Some("set") => ListType::Set,
            _ if builtin_set => ListType::Set,
            _ => ListType::Atomic,
        }
    }

    /// Whether the map here is replaced and owned as a whole (`x-kubernetes-map-type: atomic`;
    /// among built-ins, the label selectors: `+structType=atomic` LabelSelector and the
    /// Service's `+mapType=atomic` selector in k8s.io/api).
    pub fn atomic_map(&self) -> bool {
        let declared = self.node.is_some_and(|n| {
            n.schema
                .get("x-kubernetes-map-type")
                .and_then(Value::as_str)
                == Some("atomic")
        });
        declared
            || (!self.custom
                && matches!(self.path.as_slice(), [Step::Field(s), Step::Field(f)] if s == "spec" && f == "selector"))
    }
}

/// `name="web"` or `containerPort=80,protocol="TCP"`: an associative list item's key as
/// structured-merge-diff writes it (a port's protocol defaults to TCP).
fn item_key(keys: &[String], item: &Value) -> Option<String> {
    if keys.is_empty() {
        return None;
    }
    let parts: Vec<String> = keys
        .iter()
        .map(|k| match item.get(k) {
            Some(Value::String(s)) => Some(format!("{k}={s:?}")),
            Some(Value::Number(n)) => Some(format!("{k}={n}")),
            None if k == "protocol" => Some(format!("{k}=\"TCP\"")),
            _ => None,
        })
        .collect::<Option<_>>()?;
    Some(parts.join(","))
}

/// The schemas of the built-in kinds, generated once from k8s-openapi (the same definitions,
/// under the same names, as kube-apiserver's OpenAPI).
static BUILTIN: LazyLock<HashMap<(&'static str, &'static str), Arc<Value>>> = LazyLock::new(|| {
    use k8s_openapi::api::{apps::v1 as apps, core::v1 as core};
    fn of<T: schemars::JsonSchema>() -> Arc<Value> {
        let schema = schemars::generate::SchemaSettings::openapi3()
            .into_generator()
            .into_root_schema_for::<T>();
        Arc::new(serde_json::to_value(schema).unwrap_or(Value::Null))
    }
    HashMap::from([
        (("", "Namespace"), of::<core::Namespace>()),
        (("", "ConfigMap"), of::<core::ConfigMap>()),
        (("", "Secret"), of::<core::Secret>()),
        (("", "Service"), of::<core::Service>()),
        (("", "ServiceAccount"), of::<core::ServiceAccount>()),
        (("", "Pod"), of::<core::Pod>()),
        (("", "Endpoints"), of::<core::Endpoints>()),
        (("", "Event"), of::<core::Event>()),
        (("apps", "Deployment"), of::<apps::Deployment>()),
        (("apps", "ReplicaSet"), of::<apps::ReplicaSet>()),
    ])
});

/// ObjectMeta's schema: a custom resource's `metadata` is checked against it too.
static OBJECT_META: LazyLock<Value> = LazyLock::new(|| {
    let schema = schemars::generate::SchemaSettings::openapi3()
        .into_generator()
        .into_root_schema_for::<k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta>();
    serde_json::to_value(schema).unwrap_or(Value::Null)
});

/// The schema of a built-in kind, if the simulator knows it.
pub fn builtin_schema(group: &str, kind: &str) -> Option<Arc<Value>> {
    BUILTIN.get(&(group, kind)).cloned()
}

fn definitions(root: &Value) -> Option<&Map<String, Value>> {
    root.pointer("/components/schemas")
        .or_else(|| root.get("$defs"))
        .and_then(Value::as_object)
}

/// Walks `object` against its kind's schema. Nothing is found for a kind without one.
pub fn check(rt: &ResourceType, object: &Value) -> Findings {
    let mut findings = Findings::default();
    let builtin;
    let (root, custom) = match (&rt.schema, builtin_schema(&rt.group, &rt.kind)) {
        (Some(schema), _) => (schema, true),
        (None, Some(schema)) => {
            builtin = schema;
            (&*builtin, false)
        }
        (None, None) => return findings,
    };
    let node = Node {
        schema: root,
        definitions: definitions(root),
        go_struct: None,
    }
    .resolve();
    let mut walk = Walk {
        findings: &mut findings,
        path: FieldPath::default(),
        custom,
    };
    walk.node(object, node);
    // A CRD's schema declares `metadata` as a bare object; the server checks it as ObjectMeta.
    if custom && let Some(meta) = object.get("metadata") {
        let meta_node = Node {
            schema: &OBJECT_META,
            definitions: definitions(&OBJECT_META),
            go_struct: Some("ObjectMeta"),
        };
        walk.at(Step::Field("metadata".into()), |w| w.node(meta, meta_node));
    }
    findings
}

/// Removes the unknown fields `check` found, as the server drops them under Warn and Ignore.
pub fn drop_unknown(object: &mut Value, unknown: &[FieldPath]) {
    for path in unknown {
        let Some((Step::Field(last), parent)) = path.0.split_last() else {
            continue;
        };
        if let Some(map) = parent
            .iter()
            .try_fold(&mut *object, |at, step| match step {
                Step::Field(f) => at.get_mut(f.as_str()),
                Step::Index(i, _) => at.get_mut(*i),
            })
            .and_then(Value::as_object_mut)
        {
            map.remove(last);
        }
    }
}

/// `unknown field "spec.bogus", unknown field "spec.x"`, as the strict decoder lists them.
fn unknown_list(unknown: &[FieldPath]) -> String {
    unknown
        .iter()
        .map(|p| format!("unknown field \"{p}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `Warning` header values for dropped fields (`299 - "unknown field \"spec.x\""`).
pub fn warnings(unknown: &[FieldPath]) -> Vec<String> {
    unknown
        .iter()
        .map(|p| format!("299 - {:?}", format!("unknown field \"{p}\"")))
        .collect()
}

/// `Deployment in version "v1" cannot be handled as a Deployment: …`: the decoder's 400.
fn cannot_handle(rt: &ResourceType, version: &str, detail: &str) -> ApiError {
    let kind = &rt.kind;
    ApiError::bad_request(format!(
        "{kind} in version {version:?} cannot be handled as a {kind}: {detail}"
    ))
}

/// Go's name of the type a built-in field decodes into.
fn go_type(w: &WrongType) -> String {
    match (w.expected.as_str(), w.format.as_deref()) {
        ("integer", Some(f)) => f.to_string(),
        ("integer", None) => "int64".into(),
        ("number", _) => "float64".into(),
        ("boolean", _) => "bool".into(),
        ("array", _) => "[]interface {}".into(),
        ("object", _) => "map[string]interface {}".into(),
        ("integer-or-string", _) => "intstr.IntOrString".into(),
        (other, _) => other.to_string(),
    }
}

/// A create, update or (non-apply) patch's answer to what `check` found: `Ok` with the
/// warnings to send, or the error kube-apiserver gives. Unknown fields are dropped from
/// `object` when the request goes through.
pub fn admit_request(
    rt: &ResourceType,
    version: &str,
    directive: Directive,
    object: &mut Value,
) -> Result<Vec<String>, ApiError> {
    let findings = check(rt, object);
    let name = object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let custom = rt.schema.is_some();
    if !custom && let Some(w) = findings.wrong_types.first() {
        // Built-ins are decoded into Go structs: the first type error ends the decoding.
        let field = w.path.to_string();
        let holder = w.go_struct.as_deref().unwrap_or(&rt.kind);
        return Err(cannot_handle(
            rt,
            version,
            &format!(
                "json: cannot unmarshal {} into Go struct field {holder}.{field} of type {}",
                w.found,
                go_type(w)
            ),
        ));
    }
    if directive == Directive::Strict && !findings.unknown.is_empty() {
        return Err(cannot_handle(
            rt,
            version,
            &format!("strict decoding error: {}", unknown_list(&findings.unknown)),
        ));
    }
    if !findings.causes.is_empty() {
        return Err(ApiError::invalid_fields(rt, &name, findings.causes));
    }
    drop_unknown(object, &findings.unknown);
    Ok(match directive {
        Directive::Warn => warnings(&findings.unknown),
        _ => Vec::new(),
    })
}

/// A server-side apply's body must convert to a typed patch before anything else: unknown
/// fields and wrong types fail it whatever the directive (500, as structured-merge-diff's
/// plain error reaches the client).
pub fn admit_apply_body(rt: &ResourceType, applied: &Value) -> Result<(), ApiError> {
    let findings = check(rt, applied);
    let mut errors: Vec<String> = findings
        .unknown
        .iter()
        .map(|p| format!("{}: field not declared in schema", p.typed()))
        .collect();
    errors.extend(findings.wrong_types.iter().map(|w| {
        let expected = match w.expected.as_str() {
            "integer" | "number" => "numeric (int or float)",
            "boolean" => "bool",
            "object" => "map",
            "array" => "list",
            other => other,
        };
        format!("{}: expected {expected}, got {}", w.path.typed(), w.found)
    }));
    if errors.is_empty() {
        return Ok(());
    }
    let text = |p: &str| applied.pointer(p).and_then(Value::as_str).unwrap_or("");
    let gvk = format!(
        "{}, Kind={}",
        text("/apiVersion").rsplit_once('/').map_or_else(
            || format!("/{}", text("/apiVersion")),
            |_| text("/apiVersion").to_string()
        ),
        rt.kind
    );
    let detail = if errors.len() == 1 {
        errors.remove(0)
    } else {
        format!("errors:\n  {}", errors.join("\n  "))
    };
    Err(ApiError::unknown(format!(
        "failed to create typed patch object ({}/{}; {gvk}): {detail}",
        text("/metadata/namespace"),
        text("/metadata/name"),
    )))
}

/// The 422 causes of the merged object of an apply (required fields, enums, ranges).
pub fn admit_merged(rt: &ResourceType, object: &mut Value) -> Result<(), ApiError> {
    let findings = check(rt, object);
    if !findings.causes.is_empty() {
        let name = object.pointer("/metadata/name").and_then(Value::as_str);
        return Err(ApiError::invalid_fields(
            rt,
            name.unwrap_or(""),
            findings.causes,
        ));
    }
    drop_unknown(object, &findings.unknown);
    Ok(())
}

/// Go's `%v` of a label map, as validation messages print it: `map[app:web]`.
fn go_labels(labels: Option<&Value>) -> String {
    let pairs: Vec<String> = labels
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}:{}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    format!("map[{}]", pairs.join(" "))
}

/// The built-in kinds' own checks that no schema expresses: a Deployment's selector must match
/// its template and may not change (kubernetes/kubernetes `pkg/apis/apps/validation/
/// validation.go`, ValidateDeploymentSpec / ValidateDeploymentUpdate), and a Service's cluster
/// IP may not change once set (`pkg/apis/core/validation/validation.go`, ValidateServiceUpdate).
/// Approximated: values print as JSON where Go prints its structs with `%#v`.
pub fn semantic(rt: &ResourceType, old: Option<&Value>, new: &Value) -> Vec<Cause> {
    let mut causes = Vec::new();
    match (rt.group.as_str(), rt.kind.as_str()) {
        ("apps", "Deployment") => {
            let selector = new
                .pointer("/spec/selector/matchLabels")
                .and_then(Value::as_object);
            let labels = new.pointer("/spec/template/metadata/labels");
            if let Some(selector) = selector {
                let matches = selector
                    .iter()
                    .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v));
                if !matches {
                    causes.push(Cause::invalid(
                        "spec.template.metadata.labels",
                        &go_labels(labels),
                        "`selector` does not match template `labels`",
                    ));
                }
            }
            if let Some(old) = old
                && old.pointer("/spec/selector") != new.pointer("/spec/selector")
            {
                let shown = new
                    .pointer("/spec/selector")
                    .map(Value::to_string)
                    .unwrap_or_default();
                causes.push(Cause::invalid(
                    "spec.selector",
                    &shown,
                    "field is immutable",
                ));
            }
        }
        ("", "Service") => {
            let ip = |o: &Value| {
                o.pointer("/spec/clusterIP")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            if let Some(old) = old
                && let (Some(before), Some(after)) = (ip(old), ip(new))
                && before != after
                && !before.is_empty()
            {
                causes.push(Cause::invalid(
                    "spec.clusterIPs[0]",
                    &format!("[]string{{{after:?}}}"),
                    "may not change once set",
                ));
            }
        }
        _ => {}
    }
    causes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::builtin_types;

    fn builtin(kind: &str) -> ResourceType {
        builtin_types()
            .into_iter()
            .find(|t| t.kind == kind)
            .unwrap()
    }

    #[test]
    fn a_deployment_with_a_string_replica_count_fails_decoding_as_go_reports_it() {
        let rt = builtin("Deployment");
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
            "spec": {"replicas": "x"}});
        let e = admit_request(&rt, "v1", Directive::Strict, &mut d).unwrap_err();
        assert_eq!(e.code, 400);
        assert_eq!(
            e.message,
            "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot \
             unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
        );
    }

    #[test]
    fn unknown_built_in_fields_follow_the_directive() {
        let rt = builtin("ConfigMap");
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "bogus": 1},
            "data": {"a": "b"}, "spec": {"x": 1}});
        let e = admit_request(&rt, "v1", Directive::Strict, &mut cm.clone()).unwrap_err();
        assert_eq!(e.code, 400);
        assert!(
            e.message.ends_with(
                "strict decoding error: unknown field \"metadata.bogus\", unknown field \"spec\""
            ),
            "{}",
            e.message
        );
        let mut warned = cm.clone();
        let w = admit_request(&rt, "v1", Directive::Warn, &mut warned).unwrap();
        assert_eq!(
            w,
            [
                r#"299 - "unknown field \"metadata.bogus\"""#,
                r#"299 - "unknown field \"spec\"""#
            ]
        );
        assert_eq!(
            warned,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}})
        );
        let mut ignored = cm;
        assert!(
            admit_request(&rt, "v1", Directive::Ignore, &mut ignored)
                .unwrap()
                .is_empty()
        );
        assert_eq!(ignored, warned);
    }

    #[test]
    fn a_deployment_without_selector_is_invalid() {
        let rt = builtin("Deployment");
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        let e = admit_request(&rt, "v1", Directive::Strict, &mut d).unwrap_err();
        assert_eq!(e.code, 422);
        assert_eq!(
            e.message,
            "Deployment.apps \"x\" is invalid: spec.selector: Required value"
        );
        assert_eq!(e.causes()[0]["field"], "spec.selector");
    }

    #[test]
    fn an_unknown_field_in_an_apply_fails_the_typed_patch() {
        let rt = builtin("Deployment");
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x", "namespace": "n"}, "spec": {"bogus": true}});
        let e = admit_apply_body(&rt, &d).unwrap_err();
        assert_eq!(e.code, 500);
        assert_eq!(
            e.message,
            "failed to create typed patch object (n/x; apps/v1, Kind=Deployment): .spec.bogus: field not declared in schema"
        );
        let cm =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "dta": {}});
        let e = admit_apply_body(&builtin("ConfigMap"), &cm).unwrap_err();
        assert!(e.message.contains("(/c; /v1, Kind=ConfigMap): .dta: field"));
    }

    #[test]
    fn custom_resource_values_give_causes_with_field_paths() {
        let mut rt = builtin("ConfigMap");
        rt.kind = "Thing".into();
        rt.group = "example.io".into();
        rt.schema = Some(json!({"type": "object", "properties": {
            "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
            "spec": {"type": "object", "properties": {
                "sampling": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 10000},
                "rules": {"type": "array", "items": {"type": "object", "required": ["type"],
                    "properties": {"type": {"type": "string", "enum": ["A", "B"]}}}}}}}}));
        let mut t = json!({"apiVersion": "example.io/v1", "kind": "Thing", "metadata": {"name": "t"},
            "spec": {"sampling": "high", "rules": [{}, {"type": "C"}]}});
        let e = admit_request(&rt, "v1", Directive::Strict, &mut t).unwrap_err();
        assert_eq!(e.code, 422);
        let fields: Vec<&str> = e
            .causes()
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            ["spec.rules[0].type", "spec.rules[1].type", "spec.sampling"]
        );
        assert_eq!(
            e.message,
            "Thing.example.io \"t\" is invalid: [spec.rules[0].type: Required value, \
             spec.rules[1].type: Unsupported value: \"C\": supported values: \"A\", \"B\", \
             spec.sampling: Invalid value: \"string\": spec.sampling in body must be of type \
             integer: \"string\"]"
        );
        let mut t = json!({"apiVersion": "example.io/v1", "kind": "Thing", "metadata": {"name": "t"},
            "spec": {"sampling": 20000}});
        let e = admit_request(&rt, "v1", Directive::Strict, &mut t).unwrap_err();
        assert_eq!(
            e.causes()[0]["message"],
            "Invalid value: 20000: spec.sampling in body should be less than or equal to 10000"
        );
    }

    #[test]
    fn free_form_fields_of_built_in_schemas_are_kept() {
        // managedFields' fieldsV1 is a bare object in k8s-openapi's schema: dropping its content
        // would lose every field manager's ownership.
        let rt = builtin("ConfigMap");
        let mut cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c",
            "managedFields": [{"manager": "m", "operation": "Apply", "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {"f:a": {}}}}]}, "data": {"a": "b"}});
        let before = cm.clone();
        assert!(
            admit_request(&rt, "v1", Directive::Strict, &mut cm)
                .unwrap()
                .is_empty()
        );
        assert_eq!(cm, before);
    }

    #[test]
    fn an_unknown_directive_is_refused() {
        let e = Directive::from_query(Some("Loose"), "CreateOptions").unwrap_err();
        assert_eq!(e.code, 422);
        assert!(
            e.message
                .contains("fieldValidation: Unsupported value: \"Loose\"")
        );
    }
}
