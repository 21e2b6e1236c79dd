//! Pieces the type modules share: an "open" string enum for Go string types whose CRD field
//! carries no `enum` (the API server accepts any string there), and the finishing touches that
//! make a kube-derived CRD look like the one the real project generates with controller-gen.

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
    CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
};
use serde_json::{Map, Value, json};

/// A Go string type with well-known values but no `enum` validation in its CRD: the known
/// values are variants, anything else is kept verbatim in `Other`. The schema is a plain
/// string, as the real CRD has it.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value without a variant of its own, kept as written.
            Other(String),
        }

        impl $name {
            /// The string the API carries.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $value, )+
                    Self::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $value => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match Self::from(s.as_str()) {
                    Self::Other(_) => Self::Other(s),
                    known => known,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(d).map(Self::from)
            }
        }

        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({"type": "string"})
            }
        }
    };
}
pub(crate) use open_enum;

/// A Go `int` (no format in the CRD, unlike `int32`/`int64`).
pub(crate) fn go_int(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "integer"})
}

/// `{"type": "string", "format": "byte"}`: base64 bytes (a Go `[]byte` or `json.RawMessage`).
pub(crate) fn byte_string(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "format": "byte"})
}

/// What controller-gen writes for a field of a Kubernetes type that k8s-openapi's schemas
/// leave out.
enum Mark {
    /// `x-kubernetes-list-type: atomic` (on arrays only).
    ListAtomic,
    /// `x-kubernetes-list-type: set`.
    ListSet,
    /// `x-kubernetes-list-type: map` with these keys.
    ListMap(&'static [&'static str]),
    /// `x-kubernetes-map-type: atomic` (on objects only).
    MapAtomic,
    /// A `default` value.
    Default(fn() -> Value),
    /// The pattern of a `resource.Quantity`.
    Quantity,
    /// The schema of an embedded `ObjectMeta` that controller-gen does not expand.
    OpaqueMeta { preserve: bool },
    /// A field newer than the Kubernetes API the real CRD was built with; left out.
    Absent,
}

pub(crate) const QUANTITY_PATTERN: &str = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

/// Marks by field path, matched as a suffix of the path from the embedded type's root
/// (`[]` steps into list items, `{}` into map values). From the `+listType`, `+listMapKey`,
/// `+mapType`, `+structType` and `+default` markers of k8s.io/api (core, apps, rbac,
/// admissionregistration) as controller-gen renders them; the embedded-type root itself is
/// never matched, so an OLM field holding e.g. a list of `EnvVar` stays unmarked, as in the
/// real CRDs.
#[rustfmt::skip]
const MARKS: &[(&str, Mark)] = &[
    // Selectors and affinity.
    ("matchExpressions", Mark::ListAtomic),
    ("matchExpressions[].values", Mark::ListAtomic),
    ("matchFields", Mark::ListAtomic),
    ("matchFields[].values", Mark::ListAtomic),
    ("nodeSelectorTerms", Mark::ListAtomic),
    ("requiredDuringSchedulingIgnoredDuringExecution", Mark::ListAtomic),
    ("preferredDuringSchedulingIgnoredDuringExecution", Mark::ListAtomic),
    ("namespaces", Mark::ListAtomic),
    ("matchLabelKeys", Mark::ListAtomic),
    ("mismatchLabelKeys", Mark::ListAtomic),
    ("nodeSelector", Mark::MapAtomic),
    ("tolerations", Mark::ListAtomic),
    // Pod spec.
    ("containers", Mark::ListMap(&["name"])),
    ("initContainers", Mark::ListMap(&["name"])),
    ("ephemeralContainers", Mark::ListMap(&["name"])),
    ("volumes", Mark::ListMap(&["name"])),
    ("imagePullSecrets", Mark::ListMap(&["name"])),
    ("hostAliases", Mark::ListMap(&["ip"])),
    ("hostAliases[].ip", Mark::Default(|| json!(""))),
    ("hostAliases[].hostnames", Mark::ListAtomic),
    ("resourceClaims", Mark::ListMap(&["name"])),
    ("schedulingGates", Mark::ListMap(&["name"])),
    ("topologySpreadConstraints", Mark::ListMap(&["topologyKey", "whenUnsatisfiable"])),
    ("readinessGates", Mark::ListAtomic),
    ("dnsConfig.nameservers", Mark::ListAtomic),
    ("dnsConfig.options", Mark::ListAtomic),
    ("dnsConfig.searches", Mark::ListAtomic),
    ("securityContext.supplementalGroups", Mark::ListAtomic),
    ("securityContext.sysctls", Mark::ListAtomic),
    ("overhead{}", Mark::Quantity),
    ("evictionResponders", Mark::Absent),
    ("template.metadata", Mark::OpaqueMeta { preserve: true }),
    // Containers.
    ("args", Mark::ListAtomic),
    ("command", Mark::ListAtomic),
    ("env", Mark::ListMap(&["name"])),
    ("envFrom", Mark::ListAtomic),
    ("ports", Mark::ListMap(&["containerPort", "protocol"])),
    ("ports[].protocol", Mark::Default(|| json!("TCP"))),
    ("volumeMounts", Mark::ListMap(&["mountPath"])),
    ("bindMountOptions", Mark::Absent),
    ("volumeDevices", Mark::ListMap(&["devicePath"])),
    ("resizePolicy", Mark::ListAtomic),
    ("restartPolicyRules", Mark::ListAtomic),
    ("exitCodes.values", Mark::ListSet),
    ("capabilities.add", Mark::ListAtomic),
    ("capabilities.drop", Mark::ListAtomic),
    ("httpGet.httpHeaders", Mark::ListAtomic),
    ("httpGet.protocol", Mark::Absent),
    ("grpc.service", Mark::Default(|| json!(""))),
    ("grpc.mode", Mark::Absent),
    ("fieldRef", Mark::MapAtomic),
    ("resourceFieldRef", Mark::MapAtomic),
    ("divisor", Mark::Quantity),
    ("fileKeyRef", Mark::MapAtomic),
    ("fileKeyRef.optional", Mark::Default(|| json!(false))),
    ("claims", Mark::ListMap(&["name"])),
    ("limits{}", Mark::Quantity),
    ("requests{}", Mark::Quantity),
    // Volumes.
    ("items", Mark::ListAtomic),
    ("items[].user", Mark::Absent),
    ("defaultUser", Mark::Absent),
    ("sources", Mark::ListAtomic),
    ("clusterTrustBundle.user", Mark::Absent),
    ("podCertificate.user", Mark::Absent),
    ("serviceAccountToken.user", Mark::Absent),
    ("emptyDir.sizeLimit", Mark::Quantity),
    ("emptyDir.mode", Mark::Absent),
    ("accessModes", Mark::ListAtomic),
    ("dataSource", Mark::MapAtomic),
    ("volumeClaimTemplate.metadata", Mark::OpaqueMeta { preserve: false }),
    ("monitors", Mark::ListAtomic),
    ("portals", Mark::ListAtomic),
    ("targetWWNs", Mark::ListAtomic),
    ("wwids", Mark::ListAtomic),
    ("azureDisk.fsType", Mark::Default(|| json!("ext4"))),
    ("azureDisk.readOnly", Mark::Default(|| json!(false))),
    ("iscsi.iscsiInterface", Mark::Default(|| json!("default"))),
    ("rbd.keyring", Mark::Default(|| json!("/etc/ceph/keyring"))),
    ("rbd.pool", Mark::Default(|| json!("rbd"))),
    ("rbd.user", Mark::Default(|| json!("admin"))),
    ("scaleIO.fsType", Mark::Default(|| json!("xfs"))),
    ("scaleIO.storageMode", Mark::Default(|| json!("ThinProvisioned"))),
    // Deployment strategy, RBAC, admission rules.
    ("apiGroups", Mark::ListAtomic),
    ("apiVersions", Mark::ListAtomic),
    ("operations", Mark::ListAtomic),
    ("resources", Mark::ListAtomic),
    ("resourceNames", Mark::ListAtomic),
    ("nonResourceURLs", Mark::ListAtomic),
    ("verbs", Mark::ListAtomic),
];

fn has_type(node: &Map<String, Value>, ty: &str) -> bool {
    match node.get("type") {
        Some(Value::String(t)) => t == ty,
        Some(Value::Array(ts)) => ts.iter().any(|t| t == ty),
        _ => false,
    }
}

fn property_names(node: &Map<String, Value>) -> Vec<&str> {
    let mut names: Vec<&str> = node
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    names
}

/// Markers a Kubernetes type carries wherever it appears, recognized by its fields.
fn mark_by_shape(node: &mut Map<String, Value>) {
    let names = property_names(node);
    let atomic = match names.as_slice() {
        // LabelSelector, NodeSelectorTerm, NodeSelector, ObjectReference.
        ["matchExpressions", "matchLabels"]
        | ["matchExpressions", "matchFields"]
        | ["nodeSelectorTerms"] => true,
        [
            "apiVersion",
            "fieldPath",
            "kind",
            "name",
            "namespace",
            "resourceVersion",
            "uid",
        ] => true,
        [
            "lastTransitionTime",
            "message",
            "observedGeneration",
            "reason",
            "status",
            "type",
        ] => {
            condition_validation(node);
            false
        }
        _ => false,
    };
    // Types embedding a LocalObjectReference: the name is optional (defaulting to ""), and
    // the reference is atomic.
    let local_ref = node
        .get("properties")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.get("description"))
        .and_then(Value::as_str)
        .is_some_and(|d| d.contains("This field is effectively required"));
    if local_ref {
        if let Some(Value::Array(required)) = node.get_mut("required") {
            required.retain(|r| r != "name");
            if required.is_empty() {
                node.remove("required");
            }
        }
        if let Some(Value::Object(name)) =
            node.get_mut("properties").and_then(|p| p.get_mut("name"))
        {
            name.insert("default".into(), json!(""));
        }
    }
    if (atomic || local_ref) && has_type(node, "object") {
        node.insert("x-kubernetes-map-type".into(), json!("atomic"));
    }
}

/// The validation `metav1.Condition` declares for its fields.
fn condition_validation(node: &mut Map<String, Value>) {
    let Some(Value::Object(props)) = node.get_mut("properties") else {
        return;
    };
    let extra = [
        ("message", json!({"maxLength": 32768})),
        ("observedGeneration", json!({"minimum": 0})),
        (
            "reason",
            json!({"maxLength": 1024, "minLength": 1,
            "pattern": "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"}),
        ),
        ("status", json!({"enum": ["True", "False", "Unknown"]})),
        (
            "type",
            json!({"maxLength": 316,
            "pattern": r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"}),
        ),
    ];
    for (name, keys) in extra {
        if let (Some(Value::Object(p)), Value::Object(keys)) = (props.get_mut(name), keys) {
            p.extend(keys);
        }
    }
}

fn apply(mark: &Mark, node: &mut Map<String, Value>) {
    match mark {
        Mark::ListAtomic if has_type(node, "array") => {
            node.insert("x-kubernetes-list-type".into(), json!("atomic"));
        }
        Mark::ListSet => {
            node.insert("x-kubernetes-list-type".into(), json!("set"));
        }
        Mark::ListMap(keys) => {
            node.insert("x-kubernetes-list-type".into(), json!("map"));
            node.insert("x-kubernetes-list-map-keys".into(), json!(keys));
        }
        Mark::MapAtomic if has_type(node, "object") => {
            node.insert("x-kubernetes-map-type".into(), json!("atomic"));
        }
        Mark::Default(value) => {
            node.insert("default".into(), value());
        }
        Mark::Quantity => {
            node.insert("pattern".into(), json!(QUANTITY_PATTERN));
        }
        Mark::OpaqueMeta { preserve } => {
            node.retain(|k, _| k == "description" || k == "type");
            if *preserve {
                node.insert("x-kubernetes-preserve-unknown-fields".into(), json!(true));
            }
        }
        _ => {}
    }
}

fn mark_at(node: &mut Map<String, Value>, path: &mut String) {
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(Value::Array(branches)) = node.get_mut(key) {
            for branch in branches.iter_mut().filter_map(Value::as_object_mut) {
                mark_at(branch, path);
            }
        }
    }
    mark_by_shape(node);
    let marks = MARKS.iter().filter(|(suffix, _)| {
        path.strip_suffix(suffix)
            .is_some_and(|rest| rest.ends_with('.'))
    });
    for (_, mark) in marks {
        apply(mark, node);
    }
    let len = path.len();
    if let Some(Value::Object(props)) = node.get_mut("properties") {
        let mut absent = Vec::new();
        for (name, child) in props.iter_mut() {
            path.push('.');
            path.push_str(name);
            let gone = MARKS.iter().any(|(suffix, mark)| {
                matches!(mark, Mark::Absent)
                    && path
                        .strip_suffix(suffix)
                        .is_some_and(|rest| rest.ends_with('.'))
            });
            if gone {
                absent.push(name.clone());
            } else if let Some(child) = child.as_object_mut() {
                mark_at(child, path);
            }
            path.truncate(len);
        }
        for name in absent {
            props.remove(&name);
        }
    }
    for (key, step) in [("items", "[]"), ("additionalProperties", "{}")] {
        if let Some(Value::Object(child)) = node.get_mut(key) {
            path.push_str(step);
            mark_at(child, path);
            path.truncate(len);
        }
    }
}

/// Adds to the schema of an embedded Kubernetes type (k8s-openapi's, which lack them) the
/// markers controller-gen writes for it: list and map types, defaults, `metav1.Condition`'s
/// validation, the pattern of quantities; and leaves out what the real CRD has no room
/// for (fields newer than the Kubernetes version it was built with, expanded `ObjectMeta`).
/// A `schemars(transform = ...)` for fields holding such types.
pub(crate) fn core_markers(schema: &mut schemars::Schema) {
    if let Some(node) = schema.as_object_mut() {
        mark_at(node, &mut String::new());
    }
}

/// The `x-kubernetes-int-or-string` schemas of controller-gen also say `anyOf: [integer,
/// string]`; added after kube's rewriting of `anyOf`.
fn int_or_string_any_of(s: &mut JSONSchemaProps) {
    if s.x_kubernetes_int_or_string == Some(true) && s.any_of.is_none() {
        s.any_of = Some(
            ["integer", "string"]
                .map(|t| JSONSchemaProps {
                    type_: Some(t.into()),
                    ..Default::default()
                })
                .into(),
        );
    }
}

/// Calls `f` on `s` and on every schema below it.
pub(crate) fn walk(s: &mut JSONSchemaProps, f: &mut dyn FnMut(&mut JSONSchemaProps)) {
    f(s);
    for p in s.properties.iter_mut().flat_map(|m| m.values_mut()) {
        walk(p, f);
    }
    match &mut s.items {
        Some(JSONSchemaPropsOrArray::Schema(i)) => walk(i, f),
        Some(JSONSchemaPropsOrArray::Schemas(v)) => v.iter_mut().for_each(|i| walk(i, f)),
        None => {}
    }
    if let Some(JSONSchemaPropsOrBool::Schema(a)) = &mut s.additional_properties {
        walk(a, f);
    }
    for list in [&mut s.all_of, &mut s.any_of, &mut s.one_of] {
        list.iter_mut().flatten().for_each(|x| walk(x, f));
    }
    if let Some(n) = &mut s.not {
        walk(n, f);
    }
}

/// The schema at a dotted path below `root` (`status.items[].name`), if there is one.
pub(crate) fn at<'a>(root: &'a mut JSONSchemaProps, path: &str) -> Option<&'a mut JSONSchemaProps> {
    let mut s = root;
    for part in path.split('.') {
        let (name, items) = match part.strip_suffix("[]") {
            Some(n) => (n, true),
            None => (part, false),
        };
        s = s.properties.as_mut()?.get_mut(name)?;
        if items {
            s = match s.items.as_mut()? {
                JSONSchemaPropsOrArray::Schema(i) => i,
                JSONSchemaPropsOrArray::Schemas(_) => return None,
            };
        }
    }
    Some(s)
}

fn string(description: &str) -> JSONSchemaProps {
    JSONSchemaProps {
        type_: Some("string".into()),
        description: Some(description.into()),
        ..Default::default()
    }
}

/// Makes a CRD derived by kube look like the one controller-gen writes for the same Go type:
/// `listKind` set; `apiVersion`, `kind` and `metadata` declared at the root; the root's
/// `required` list as the real CRD has it (kube always requires `spec`); `nullable` only
/// where the real CRD has it (kube marks every `Option`), given as dotted paths; no
/// `title`s (schemars names the root after the Rust type); `anyOf: [integer, string]` on
/// int-or-string fields.
pub(crate) fn finish(
    mut crd: CustomResourceDefinition,
    root_required: &[&str],
    nullable: &[&str],
) -> CustomResourceDefinition {
    crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
    for version in &mut crd.spec.versions {
        let Some(root) = version
            .schema
            .as_mut()
            .and_then(|s| s.open_api_v3_schema.as_mut())
        else {
            continue;
        };
        walk(root, &mut |s| {
            s.nullable = None;
            s.title = None;
            int_or_string_any_of(s);
        });
        for path in nullable {
            if let Some(s) = at(root, path) {
                s.nullable = Some(true);
            }
        }
        let props = root.properties.get_or_insert_with(Default::default);
        props.insert(
            "apiVersion".into(),
            string("The versioned schema of this object (group/version); servers may convert it."),
        );
        props.insert(
            "kind".into(),
            string("The REST resource this object represents, in CamelCase; servers may infer it."),
        );
        props.insert(
            "metadata".into(),
            JSONSchemaProps {
                type_: Some("object".into()),
                ..Default::default()
            },
        );
        root.required = (!root_required.is_empty())
            .then(|| root_required.iter().map(|s| s.to_string()).collect());
    }
    crd
}
