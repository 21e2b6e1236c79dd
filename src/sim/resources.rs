//! The kinds a simulated cluster serves: the built-in ones and those added by CustomResourceDefinitions.
//!
//! A kind is served (and discoverable) only while it is registered here, so a client asking for a
//! custom kind before its CRD exists gets the same 404 and "no matches for kind" as on a real cluster.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One resource type as discovery and the API handlers see it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourceType {
    /// API group; empty for the core group.
    pub group: String,
    /// Served versions; the first one is the storage (and preferred) version.
    pub versions: Vec<String>,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    pub namespaced: bool,
    /// Whether `/status` is a subresource: then the main endpoint ignores status changes and the
    /// status endpoint ignores everything else, as kube-apiserver does.
    pub status_subresource: bool,
    /// Whether strategic merge patch is accepted (built-in kinds only, as on a real server).
    pub strategic_merge: bool,
    /// The structural schema used to prune unknown fields (custom resources only).
    pub schema: Option<Value>,
    /// Custom resources only: each served version's `additionalPrinterColumns` (empty when the
    /// version declares none), from which the server prints Tables (see `api::table`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_columns: Option<BTreeMap<String, Vec<PrinterColumn>>>,
}

/// One `additionalPrinterColumns` entry of a CRD version (apiextensions.k8s.io/v1
/// `CustomResourceColumnDefinition`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrinterColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub format: String,
    pub description: String,
    pub priority: i64,
    pub json_path: String,
}

impl ResourceType {
    fn builtin(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        ResourceType {
            group: group.into(),
            versions: vec![version.into()],
            kind: kind.into(),
            plural: plural.into(),
            singular: kind.to_ascii_lowercase(),
            short_names: Vec::new(),
            categories: Vec::new(),
            namespaced,
            status_subresource: false,
            strategic_merge: true,
            schema: None,
            printer_columns: None,
        }
    }

    fn short(mut self, names: &[&str]) -> Self {
        self.short_names = names.iter().map(|s| s.to_string()).collect();
        self
    }

    fn with_status(mut self) -> Self {
        self.status_subresource = true;
        self
    }

    fn all_category(mut self) -> Self {
        self.categories = vec!["all".into()];
        self
    }

    /// `v1` for the core group, `group/version` otherwise.
    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{}", self.group, version)
        }
    }

    pub fn storage_version(&self) -> &str {
        &self.versions[0]
    }

    /// `configmaps` or `deployments.apps`, as kube-apiserver names a resource in messages.
    pub fn qualified_plural(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `Deployment.apps` or `ConfigMap`, as `apierrors.NewInvalid` names a kind.
    pub fn qualified_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }

    /// Whether `<name>/scale` is a subresource answering an autoscaling/v1 `Scale`: built-in
    /// Deployments, whose storage has a `ScaleREST` (kubernetes/kubernetes
    /// `pkg/registry/apps/deployment/storage/storage.go`). A CRD's `subresources.scale` is not
    /// simulated.
    pub fn scale_subresource(&self) -> bool {
        self.group == "apps" && self.plural == "deployments" && self.schema.is_none()
    }

    pub fn serves(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }

    /// Builds the type a CustomResourceDefinition (apiextensions.k8s.io/v1) declares.
    pub fn from_crd(crd: &Value) -> Result<ResourceType, String> {
        let spec = crd.get("spec").ok_or("spec is required")?;
        let text = |v: Option<&Value>, what: &str| -> Result<String, String> {
            v.and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| format!("{what} is required"))
        };
        let group = text(spec.get("group"), "spec.group")?;
        let names = spec.get("names").ok_or("spec.names is required")?;
        let plural = text(names.get("plural"), "spec.names.plural")?;
        let kind = text(names.get("kind"), "spec.names.kind")?;
        let singular = names
            .get("singular")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| kind.to_ascii_lowercase());
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let scope = text(spec.get("scope"), "spec.scope")?;
        let namespaced = match scope.as_str() {
            "Namespaced" => true,
            "Cluster" => false,
            other => {
                return Err(format!(
                    "spec.scope: Unsupported value: \"{other}\": supported values: \"Cluster\", \"Namespaced\""
                ));
            }
        };
        let expected = format!("{plural}.{group}");
        let name = crd
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        if name != expected {
            return Err(format!(
                "metadata.name: Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group (\"{expected}\")"
            ));
        }
        let mut versions = Vec::new();
        let mut status_subresource = false;
        let mut schema = None;
        let mut printer_columns = BTreeMap::new();
        for v in spec
            .get("versions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if v.get("served").and_then(Value::as_bool) == Some(false) {
                continue;
            }
            let vname = text(v.get("name"), "spec.versions[].name")?;
            let storage = v.get("storage").and_then(Value::as_bool) == Some(true);
            if v.pointer("/subresources/status").is_some() {
                status_subresource = true;
            }
            if schema.is_none() || storage {
                schema = v.pointer("/schema/openAPIV3Schema").cloned();
            }
            printer_columns.insert(vname.clone(), columns(v.get("additionalPrinterColumns")));
            if storage {
                versions.insert(0, vname);
            } else {
                versions.push(vname);
            }
        }
        if versions.is_empty() {
            return Err("spec.versions: must have at least one served version".into());
        }
        // `preserveUnknownFields: true` (the v1beta1 default) turns pruning off.
        if spec.get("preserveUnknownFields").and_then(Value::as_bool) == Some(true) {
            schema = None;
        }
        Ok(ResourceType {
            group,
            versions,
            kind,
            plural,
            singular,
            short_names: strings(names.get("shortNames")),
            categories: strings(names.get("categories")),
            namespaced,
            status_subresource,
            strategic_merge: false,
            schema,
            printer_columns: Some(printer_columns),
        })
    }
}

/// A CRD version's `additionalPrinterColumns`; entries without a name or JSONPath (which
/// kube-apiserver's CRD validation refuses) are skipped.
fn columns(list: Option<&Value>) -> Vec<PrinterColumn> {
    let text = |c: &Value, key: &str| c.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| !text(c, "name").is_empty() && !text(c, "jsonPath").is_empty())
        .map(|c| PrinterColumn {
            name: text(c, "name"),
            type_: text(c, "type"),
            format: text(c, "format"),
            description: text(c, "description"),
            priority: c.get("priority").and_then(Value::as_i64).unwrap_or(0),
            json_path: text(c, "jsonPath"),
        })
        .collect()
}

/// The kinds every simulated cluster serves from the start.
pub fn builtin_types() -> Vec<ResourceType> {
    vec![
        ResourceType::builtin("", "v1", "Namespace", "namespaces", false)
            .short(&["ns"])
            .with_status(),
        ResourceType::builtin("", "v1", "ConfigMap", "configmaps", true).short(&["cm"]),
        ResourceType::builtin("", "v1", "Secret", "secrets", true),
        ResourceType::builtin("", "v1", "Service", "services", true)
            .short(&["svc"])
            .with_status()
            .all_category(),
        ResourceType::builtin("", "v1", "ServiceAccount", "serviceaccounts", true).short(&["sa"]),
        ResourceType::builtin("", "v1", "Pod", "pods", true)
            .short(&["po"])
            .with_status()
            .all_category(),
        ResourceType::builtin("", "v1", "Endpoints", "endpoints", true).short(&["ep"]),
        ResourceType::builtin("", "v1", "Event", "events", true).short(&["ev"]),
        ResourceType::builtin("apps", "v1", "Deployment", "deployments", true)
            .short(&["deploy"])
            .with_status()
            .all_category(),
        ResourceType::builtin("apps", "v1", "ReplicaSet", "replicasets", true)
            .short(&["rs"])
            .with_status()
            .all_category(),
        ResourceType {
            strategic_merge: false,
            ..ResourceType::builtin(
                "apiextensions.k8s.io",
                "v1",
                "CustomResourceDefinition",
                "customresourcedefinitions",
                false,
            )
            .short(&["crd", "crds"])
            .with_status()
        },
    ]
}

/// The set of served types of one cluster.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    // Arc: handlers look a type up on every request and keep it for the request's duration.
    types: Vec<Arc<ResourceType>>,
}

impl Registry {
    pub fn with_builtins() -> Self {
        Registry {
            types: builtin_types().into_iter().map(Arc::new).collect(),
        }
    }

    /// Adds or replaces the type with the same group and plural.
    pub fn register(&mut self, rt: ResourceType) {
        match self
            .types
            .iter_mut()
            .find(|t| t.group == rt.group && t.plural == rt.plural)
        {
            Some(existing) => *existing = Arc::new(rt),
            None => self.types.push(Arc::new(rt)),
        }
    }

    pub fn unregister(&mut self, group: &str, plural: &str) {
        self.types
            .retain(|t| !(t.group == group && t.plural == plural));
    }

    /// The type served at `group/version/plural`, if any.
    pub fn lookup(&self, group: &str, version: &str, plural: &str) -> Option<&Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| t.group == group && t.plural == plural && t.serves(version))
    }

    pub fn find(&self, group: &str, plural: &str) -> Option<&Arc<ResourceType>> {
        self.types
            .iter()
            .find(|t| t.group == group && t.plural == plural)
    }

    pub fn types(&self) -> &[Arc<ResourceType>] {
        &self.types
    }

    /// Groups with their versions, the preferred version first; the core group comes first.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for t in &self.types {
            let entry = match groups.iter_mut().position(|(g, _)| *g == t.group) {
                Some(i) => &mut groups[i].1,
                None => {
                    groups.push((t.group.clone(), Vec::new()));
                    &mut groups.last_mut().expect("just pushed").1
                }
            };
            for v in &t.versions {
                if !entry.contains(v) {
                    entry.push(v.clone());
                }
            }
        }
        groups
    }

    /// Types served at one group/version, for `APIResourceList`s.
    pub fn in_group_version<'a>(
        &'a self,
        group: &'a str,
        version: &'a str,
    ) -> impl Iterator<Item = &'a ResourceType> {
        self.types
            .iter()
            .map(|t| t.as_ref())
            .filter(move |t| t.group == group && t.serves(version))
    }
}

/// Drops fields the structural schema does not declare, as kube-apiserver prunes custom resources
/// (so a misplaced field such as `labelSelector.alias` silently disappears, exactly as on OpenShift).
pub fn prune(value: &mut Value, schema: &Value) {
    prune_at(value, schema, true);
}

fn prune_at(value: &mut Value, schema: &Value, root: bool) {
    if schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true)
        && schema.get("properties").is_none()
    {
        return;
    }
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            let preserve = schema
                .get("x-kubernetes-preserve-unknown-fields")
                .and_then(Value::as_bool)
                == Some(true);
            map.retain(|key, child| {
                if root && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    return true;
                }
                if let Some(sub) = props.and_then(|p| p.get(key)) {
                    prune_at(child, sub, false);
                    true
                } else if let Some(sub) = additional.filter(|a| a.is_object()) {
                    prune_at(child, sub, false);
                    true
                } else {
                    preserve || additional.and_then(Value::as_bool) == Some(true)
                }
            });
        }
        Value::Array(items) => {
            if let Some(sub) = schema.get("items") {
                for item in items {
                    prune_at(item, sub, false);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [
                    {"name": "v1alpha1", "served": true, "storage": false},
                    {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
                     "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size", "priority": 1},
                        {"name": "Broken", "type": "string"}],
                     "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                        "spec": {"type": "object", "properties": {"size": {"type": "integer"},
                            "labels": {"type": "object", "additionalProperties": {"type": "string"}}}},
                        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}
        })
    }

    #[test]
    fn crd_declares_a_namespaced_type_with_storage_version_first() {
        let rt = ResourceType::from_crd(&crd()).unwrap();
        assert_eq!(rt.versions, vec!["v1", "v1alpha1"]);
        assert!(rt.namespaced && rt.status_subresource && !rt.strategic_merge);
        assert_eq!(rt.short_names, vec!["wd"]);
        assert_eq!(rt.singular, "widget");
        let columns = rt.printer_columns.as_ref().unwrap();
        assert!(columns["v1alpha1"].is_empty());
        assert_eq!(columns["v1"].len(), 1);
        assert_eq!(
            (
                columns["v1"][0].name.as_str(),
                columns["v1"][0].json_path.as_str(),
                columns["v1"][0].priority
            ),
            ("Size", ".spec.size", 1)
        );
        assert!(builtin_types().iter().all(|t| t.printer_columns.is_none()));
    }

    #[test]
    fn crd_with_a_mismatched_name_is_rejected() {
        let mut bad = crd();
        bad["metadata"]["name"] = json!("widgets");
        let err = ResourceType::from_crd(&bad).unwrap_err();
        assert!(err.contains("spec.names.plural"), "{err}");
    }

    #[test]
    fn pruning_drops_undeclared_fields_and_keeps_preserved_ones() {
        let rt = ResourceType::from_crd(&crd()).unwrap();
        let mut obj = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "a"},
            "spec": {"size": 3, "colour": "red", "labels": {"x": "y"}}, "status": {"anything": [1]}, "extra": 1});
        prune(&mut obj, rt.schema.as_ref().unwrap());
        assert_eq!(obj["spec"], json!({"size": 3, "labels": {"x": "y"}}));
        assert_eq!(obj["status"], json!({"anything": [1]}));
        assert!(obj.get("extra").is_none());
        assert_eq!(obj["metadata"]["name"], "a");
    }

    #[test]
    fn registry_lists_groups_with_core_first() {
        let mut reg = Registry::with_builtins();
        reg.register(ResourceType::from_crd(&crd()).unwrap());
        let groups = reg.groups();
        assert_eq!(groups[0].0, "");
        assert!(
            groups
                .iter()
                .any(|(g, v)| g == "example.com" && v == &vec!["v1", "v1alpha1"])
        );
        assert!(reg.lookup("example.com", "v1alpha1", "widgets").is_some());
        reg.unregister("example.com", "widgets");
        assert!(reg.lookup("example.com", "v1", "widgets").is_none());
    }
}
