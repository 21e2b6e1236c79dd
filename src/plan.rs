//! `fedrun plan`: what a playbook would do, recorded while it runs with every write sent as a
//! server-side dry run (`dryRun=All`), and rendered per cluster like `terraform plan`.
//!
//! The kube layer records into a [`Recorder`] shared by every cluster of the run (see
//! `Clusters::with_plan`); nothing here talks to a cluster.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;
use serde_json::Value;

/// What the plan says of one object, or of one wait or read it could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The object does not exist and would be created.
    Create,
    /// The object exists and the write would change the fields listed.
    Change,
    /// The object exists and the write would leave it as it is.
    Unchanged,
    /// The playbook deletes the object.
    Delete,
    /// The object's kind is not served yet: the operator the same run installs brings it. The
    /// object was checked client-side against fedrun's types, not sent.
    AfterOperator,
    /// A wait that depends on what the plan did not really create: not run.
    Wait,
    /// A value the playbook reads that only exists once applied (a load balancer's address).
    Unknown,
    /// An action that is neither a read nor a write (traffic::load): not run in a plan.
    Skipped,
}

impl Action {
    /// Whether the entry means the clusters would change.
    pub fn changes(self) -> bool {
        matches!(
            self,
            Action::Create | Action::Change | Action::Delete | Action::AfterOperator
        )
    }
}

/// One field of a change: its path and its values before and after (masked for secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub path: String,
    /// `None`: the field is added.
    pub old: Option<String>,
    /// `None`: the field is removed.
    pub new: Option<String>,
}

/// One entry of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub cluster: String,
    pub action: Action,
    /// `Kind` of the object (empty for waits and reads).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// What was awaited, or why the object was not sent, or what its client-side check found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Entry {
    /// An entry about an object.
    pub fn object(cluster: &str, action: Action, kind: &str, namespace: &str, name: &str) -> Self {
        Entry {
            cluster: cluster.to_string(),
            action,
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            changes: Vec::new(),
            note: None,
        }
    }

    /// An entry about a wait or a read that was not run.
    pub fn note(cluster: &str, action: Action, note: String) -> Self {
        Entry {
            note: Some(note),
            ..Entry::object(cluster, action, "", "", "")
        }
    }

    fn object_label(&self) -> String {
        match self.namespace.as_str() {
            "" => format!("{} {}", self.kind, self.name),
            ns => format!("{} {ns}/{}", self.kind, self.name),
        }
    }
}

/// The entries of a run, in the order they were recorded. Shared by every cluster client.
#[derive(Debug, Default)]
pub struct Recorder {
    entries: Mutex<Vec<Entry>>,
}

impl Recorder {
    pub fn record(&self, entry: Entry) {
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A playbook applying one object twice (a retried step, two calls converging on it)
        // plans it once: the last answer wins for writes, the first note for waits.
        if !entry.kind.is_empty()
            && let Some(old) = entries.iter_mut().find(|e| {
                e.cluster == entry.cluster
                    && e.kind == entry.kind
                    && e.namespace == entry.namespace
                    && e.name == entry.name
            })
        {
            // A create followed by a re-apply of the dry-run object is still a create.
            if old.action == Action::Create || old.action == Action::AfterOperator {
                return;
            }
            *old = entry;
            return;
        }
        if entry.kind.is_empty()
            && entries
                .iter()
                .any(|e| e.kind.is_empty() && e.note == entry.note && e.cluster == entry.cluster)
        {
            return;
        }
        entries.push(entry);
    }

    /// The plan as it stands.
    pub fn plan(&self) -> Plan {
        Plan {
            entries: self
                .entries
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}

/// A finished plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub entries: Vec<Entry>,
}

impl Plan {
    /// Whether applying the playbook would change anything.
    pub fn has_changes(&self) -> bool {
        self.entries.iter().any(|e| e.action.changes())
    }

    fn count(&self, action: Action) -> usize {
        self.entries.iter().filter(|e| e.action == action).count()
    }

    /// The plan as data: `{"changes": bool, "counts": {...}, "clusters": {name: [entries]}}`.
    pub fn to_json(&self) -> Value {
        let mut clusters: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for e in &self.entries {
            clusters.entry(&e.cluster).or_default().push(e);
        }
        serde_json::json!({
            "changes": self.has_changes(),
            "counts": {
                "create": self.count(Action::Create),
                "change": self.count(Action::Change),
                "unchanged": self.count(Action::Unchanged),
                "delete": self.count(Action::Delete),
                "after_operator": self.count(Action::AfterOperator),
            },
            "clusters": clusters,
        })
    }

    /// The plan as text, per cluster: `+ create`, `~ change` with its fields, `- delete`,
    /// `= N unchanged`, then what would be created once an operator installs and what would be
    /// waited for.
    pub fn render(&self) -> String {
        let mut clusters: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for e in &self.entries {
            clusters.entry(&e.cluster).or_default().push(e);
        }
        let mut out = String::new();
        for (cluster, entries) in clusters {
            out.push_str(&format!("cluster {cluster}:\n"));
            for e in &entries {
                match e.action {
                    Action::Create => out.push_str(&format!("  + create {}\n", e.object_label())),
                    Action::Change => {
                        out.push_str(&format!("  ~ change {}\n", e.object_label()));
                        for c in &e.changes {
                            let show =
                                |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
                            out.push_str(&format!(
                                "      {}: {} → {}\n",
                                c.path,
                                show(&c.old),
                                show(&c.new)
                            ));
                        }
                    }
                    Action::Delete => out.push_str(&format!("  - delete {}\n", e.object_label())),
                    Action::Unchanged
                    | Action::AfterOperator
                    | Action::Wait
                    | Action::Unknown
                    | Action::Skipped => {}
                }
            }
            let after: Vec<&&Entry> = entries
                .iter()
                .filter(|e| e.action == Action::AfterOperator)
                .collect();
            if !after.is_empty() {
                out.push_str("  after the operator installs (kind not served yet; checked against fedrun's types, not sent):\n");
                for e in after {
                    out.push_str(&format!("    + create {}", e.object_label()));
                    if let Some(note) = &e.note {
                        out.push_str(&format!(" ({note})"));
                    }
                    out.push('\n');
                }
            }
            for e in entries
                .iter()
                .filter(|e| matches!(e.action, Action::Wait | Action::Unknown | Action::Skipped))
            {
                let prefix = match e.action {
                    Action::Wait => "would wait for",
                    Action::Unknown => "unknown until applied:",
                    _ => "not run in a plan:",
                };
                out.push_str(&format!(
                    "  … {prefix} {}\n",
                    e.note.as_deref().unwrap_or("")
                ));
            }
            let unchanged = entries
                .iter()
                .filter(|e| e.action == Action::Unchanged)
                .count();
            out.push_str(&format!("  = {unchanged} unchanged\n"));
        }
        out.push_str(&format!(
            "Plan: {} to create, {} to change, {} to delete, {} after an operator installs, {} unchanged.\n",
            self.count(Action::Create),
            self.count(Action::Change),
            self.count(Action::Delete),
            self.count(Action::AfterOperator),
            self.count(Action::Unchanged),
        ));
        if !self.has_changes() {
            out.push_str("No changes: the clusters are as the playbook declares.\n");
        }
        out
    }
}

/// Server bookkeeping a diff ignores: it changes on every write and says nothing of intent.
const IGNORED: &[&str] = &[
    "/status",
    "/metadata/resourceVersion",
    "/metadata/managedFields",
    "/metadata/generation",
    "/metadata/creationTimestamp",
    "/metadata/deletionTimestamp",
    "/metadata/uid",
    "/metadata/selfLink",
];

/// The fields that differ between the live object and the dry-run answer, by path
/// (`spec.http[0].route[1].weight`). A Secret's `data` and `stringData` values are never shown.
pub fn diff(kind: &str, before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut old = BTreeMap::new();
    let mut new = BTreeMap::new();
    flatten(before, "", &mut old);
    flatten(after, "", &mut new);
    let secret = kind == "Secret";
    let shown = |path: &str, v: &Value| -> String {
        if secret && (path.starts_with("/data/") || path.starts_with("/stringData/")) {
            "(sensitive value)".to_string()
        } else {
            match v {
                Value::String(s) => format!("{s:?}"),
                other => other.to_string(),
            }
        }
    };
    let mut paths: Vec<&String> = old.keys().chain(new.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| {
            !IGNORED
                .iter()
                .any(|i| p.as_str() == *i || p.starts_with(&format!("{i}/")))
        })
        .filter(|p| old.get(*p) != new.get(*p))
        .map(|p| FieldChange {
            path: dotted(p),
            old: old.get(p).map(|v| shown(p, v)),
            new: new.get(p).map(|v| shown(p, v)),
        })
        .collect()
}

/// Leaves of a JSON value by JSON pointer; empty maps and lists are leaves too.
fn flatten(v: &Value, path: &str, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                flatten(
                    v,
                    &format!("{path}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten(v, &format!("{path}/{i}"), out);
            }
        }
        other => {
            out.insert(path.to_string(), other.clone());
        }
    }
}

/// `/spec/http/0/route/1/weight` → `spec.http[0].route[1].weight`.
fn dotted(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.trim_start_matches('/').split('/') {
        let part = part.replace("~1", "/").replace("~0", "~");
        if !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{part}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&part);
        }
    }
    out
}

/// Checks an object whose kind is not served yet against fedrun's type for it, when there is
/// one: `Ok(None)` when fedrun has no type for the kind.
pub fn check_typed(doc: &Value) -> Result<Option<()>, String> {
    let api_version = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
    let spec = doc
        .get("spec")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    fn typed<T: serde::de::DeserializeOwned>(spec: &Value) -> Result<Option<()>, String> {
        serde_path_to_error::deserialize::<_, T>(spec)
            .map(|_| Some(()))
            .map_err(|e| format!("spec.{}: {}", e.path(), e.inner()))
    }
    use crate::types::federation as fed;
    match (api_version, kind) {
        ("maistra.io/v2", "ServiceMeshControlPlane") => {
            crate::prims::mesh::checked_spec(&spec).map(Some)
        }
        ("federation.maistra.io/v1", "ServiceMeshPeer") => typed::<fed::ServiceMeshPeerSpec>(&spec),
        ("federation.maistra.io/v1", "ExportedServiceSet") => {
            typed::<fed::ExportedServiceSetSpec>(&spec)
        }
        ("federation.maistra.io/v1", "ImportedServiceSet") => {
            typed::<fed::ImportedServiceSetSpec>(&spec)
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_fields_and_ignores_bookkeeping() {
        let before = json!({"metadata": {"resourceVersion": "1", "labels": {"a": "x"}},
            "spec": {"http": [{"route": [{"weight": 80}, {"weight": 20}]}]}, "status": {"x": 1}});
        let after = json!({"metadata": {"resourceVersion": "2", "labels": {"a": "x"}},
            "spec": {"http": [{"route": [{"weight": 70}, {"weight": 30}]}]}, "status": {"x": 2}});
        let changes = diff("VirtualService", &before, &after);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(changes[0].path, "spec.http[0].route[0].weight");
        assert_eq!(changes[0].old.as_deref(), Some("80"));
        assert_eq!(changes[0].new.as_deref(), Some("70"));
    }

    #[test]
    fn secret_values_are_masked() {
        let before = json!({"data": {"key": "c2VjcmV0"}});
        let after = json!({"data": {"key": "b3RoZXI="}});
        let changes = diff("Secret", &before, &after);
        let text = format!("{changes:?}");
        assert!(
            !text.contains("c2VjcmV0") && !text.contains("b3RoZXI="),
            "{text}"
        );
        assert_eq!(changes[0].path, "data.key");
    }

    #[test]
    fn typed_check_names_the_field() {
        let bad = json!({"apiVersion": "maistra.io/v2", "kind": "ServiceMeshControlPlane",
            "spec": {"tracing": {"sampling": "high"}}});
        assert!(check_typed(&bad).unwrap_err().contains("tracing.sampling"));
        let other = json!({"apiVersion": "v1", "kind": "ConfigMap"});
        assert_eq!(check_typed(&other), Ok(None));
    }
}
