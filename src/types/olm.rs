//! Operator Lifecycle Manager kinds (work in progress).

/// Pieces the type modules share: an "open" string enum for Go string types whose CRD field
/// carries no `enum` (the API server accepts any string there), and the finishing touches that
/// make a kube-derived CRD look like the one the real project generates with controller-gen.
///
/// Used by `federation` and `openshift` too; it would sit better in `types/mod.rs`.
pub(crate) mod crd_support {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::{
        CustomResourceDefinition, JSONSchemaProps, JSONSchemaPropsOrArray, JSONSchemaPropsOrBool,
    };

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
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

    /// `{"type": "object", "x-kubernetes-preserve-unknown-fields": true}`: for fields the real
    /// CRD leaves untyped.
    pub(crate) fn open_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "object", "x-kubernetes-preserve-unknown-fields": true})
    }

    /// A Go `int` (no format in the CRD, unlike `int32`/`int64`).
    pub(crate) fn go_int(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({"type": "integer"})
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
    /// `title`s (schemars names the root after the Rust type).
    pub(crate) fn finish(
        mut crd: CustomResourceDefinition,
        root_required: &[&str],
        nullable: &[&str],
    ) -> CustomResourceDefinition {
        crd.spec.names.list_kind = Some(format!("{}List", crd.spec.names.kind));
        for version in &mut crd.spec.versions {
            let Some(root) = version.schema.as_mut().and_then(|s| s.open_api_v3_schema.as_mut()) else {
                continue;
            };
            walk(root, &mut |s| {
                s.nullable = None;
                s.title = None;
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
                JSONSchemaProps { type_: Some("object".into()), ..Default::default() },
            );
            root.required = (!root_required.is_empty())
                .then(|| root_required.iter().map(|s| s.to_string()).collect());
        }
        crd
    }
}
