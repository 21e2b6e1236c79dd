//! Field ownership as kube-apiserver keeps it in `metadata.managedFields`, and server-side apply
//! on top of it: every write records its manager, an apply owns exactly the fields of its
//! configuration, and an apply that changes a field another manager owns is refused (409) unless
//! forced.
//!
//! Sources: kubernetes-sigs/structured-merge-diff `merge/update.go` (Update, Apply, prune),
//! `typed/tofieldset.go` (the fields an applied configuration owns), `typed/compare.go` (what a
//! write added, changed, removed), `fieldpath/serialize-pe.go` (FieldsV1's `f:`, `k:`, `v:`,
//! `i:`, `.`), `merge/conflict.go`; kubernetes/apimachinery `pkg/util/managedfields/internal/`
//! (`stripmeta.go`: identity fields are never owned; `managedfields.go`: manager identity and
//! entry order; `managedfieldsupdater.go`: when `time` moves; `skipnonapplied.go`:
//! `before-first-apply`; `conflict.go`: the 409's message and causes; `fieldmanager.go`: a
//! request's own managedFields), and kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/
//! endpoints/handlers/create.go` (`managerOrUserAgent`).
//!
//! Approximated, and said here: list items merge keeping the live order and appending new ones
//! (structured-merge-diff interleaves them by the applied order); for built-in kinds every struct
//! field counts as always present, so a write that adds one (a Deployment's `rollingUpdate`) owns
//! its fields but not the struct itself as the real server does for pointer fields; defaults the
//! store fills in are owned by no one; the last-applied annotation of client-side apply is not
//! upgraded, and the number of Update managers is not capped (`capmanagers.go`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;
use crate::sim::store::now;
use crate::sim::validation::{ListType, Shape, with_shape};

/// A set of field paths in FieldsV1's tree form: children by their serialized path element
/// (`f:data`, `k:{"name":"web"}`, `v:"x"`, `i:0`); `member` when the path itself is in the set
/// (FieldsV1's `.` when it has children too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldSet {
    member: bool,
    children: BTreeMap<String, FieldSet>,
}

impl FieldSet {
    fn leaf() -> FieldSet {
        FieldSet {
            member: true,
            children: BTreeMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.member && self.children.values().all(FieldSet::is_empty)
    }

    fn child(&self, pe: &str) -> Option<&FieldSet> {
        self.children.get(pe)
    }

    fn union(&self, other: &FieldSet) -> FieldSet {
        let mut out = self.clone();
        out.member |= other.member;
        for (pe, c) in &other.children {
            let merged = match out.children.get(pe) {
                Some(mine) => mine.union(c),
                None => c.clone(),
            };
            out.children.insert(pe.clone(), merged);
        }
        out
    }

    fn difference(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && !other.member,
            children: BTreeMap::new(),
        };
        for (pe, c) in &self.children {
            let rest = match other.children.get(pe) {
                Some(o) => c.difference(o),
                None => c.clone(),
            };
            if !rest.is_empty() {
                out.children.insert(pe.clone(), rest);
            }
        }
        out
    }

    fn intersection(&self, other: &FieldSet) -> FieldSet {
        let mut out = FieldSet {
            member: self.member && other.member,
            children: BTreeMap::new(),
        };
        for (pe, c) in &self.children {
            if let Some(o) = other.children.get(pe) {
                let both = c.intersection(o);
                if !both.is_empty() {
                    out.children.insert(pe.clone(), both);
                }
            }
        }
        out
    }

    /// The set without the paths of `fields` (top-level field names) or with only them.
    fn filter_top(&self, keep: impl Fn(&str) -> bool) -> FieldSet {
        FieldSet {
            member: self.member,
            children: self
                .children
                .iter()
                .filter(|(pe, _)| keep(pe))
                .map(|(pe, c)| (pe.clone(), c.clone()))
                .collect(),
        }
    }

    /// The member paths, in structured-merge-diff's order (a level's members, then its children).
    fn paths(&self) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut out);
        out
    }

    fn collect_paths(&self, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        for (pe, c) in &self.children {
            if c.member {
                let mut p = prefix.clone();
                p.push(pe.clone());
                out.push(p);
            }
        }
        for (pe, c) in &self.children {
            prefix.push(pe.clone());
            c.collect_paths(prefix, out);
            prefix.pop();
        }
    }

    /// FieldsV1 JSON.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".into(), json!({}));
        }
        for (pe, c) in &self.children {
            if !c.is_empty() {
                map.insert(pe.clone(), c.to_json());
            }
        }
        Value::Object(map)
    }

    /// Reads FieldsV1 JSON (the set of a path whose value this is; leaves are members).
    pub fn from_json(value: &Value) -> FieldSet {
        let Some(map) = value.as_object() else {
            return FieldSet::default();
        };
        let mut set = FieldSet {
            member: map.is_empty() || map.contains_key("."),
            children: BTreeMap::new(),
        };
        for (pe, c) in map.iter().filter(|(pe, _)| pe.as_str() != ".") {
            set.children.insert(pe.clone(), FieldSet::from_json(c));
        }
        set
    }

    fn root_from_json(value: &Value) -> FieldSet {
        let mut set = FieldSet::from_json(value);
        set.member = false;
        set
    }
}

/// A path as structured-merge-diff prints it: `.spec.containers[name="web"].image`.
fn path_text(path: &[String]) -> String {
    path.iter().map(|pe| pe_text(pe)).collect()
}

fn pe_text(pe: &str) -> String {
    let (kind, rest) = pe.split_at(pe.len().min(2));
    match kind {
        "f:" => format!(".{rest}"),
        "i:" => format!("[{rest}]"),
        "v:" => {
            let v = serde_json::from_str(rest).unwrap_or(Value::Null);
            format!("[={}]", value_text(&v))
        }
        "k:" => {
            let fields: Map<String, Value> = serde_json::from_str(rest).unwrap_or_default();
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{k}={}", value_text(v)))
                .collect();
            format!("[{}]", parts.join(","))
        }
        _ => pe.to_string(),
    }
}

/// structured-merge-diff's `value.ToString`: strings quoted, everything else bare.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// The path element naming a list item: its key fields (sorted, as `k:` sorts them), its value
/// in a set, its index otherwise.
fn item_pe(list: &ListType, index: usize, item: &Value) -> String {
    match list {
        ListType::Set => format!("v:{item}"),
        ListType::Map(keys) => {
            let mut fields = BTreeMap::new();
            for k in keys {
                match item.get(k) {
                    Some(v) => {
                        fields.insert(k.clone(), v.clone());
                    }
                    // A port's protocol is defaulted before the key is read.
                    None if k == "protocol" => {
                        fields.insert(k.clone(), json!("TCP"));
                    }
                    None => {}
                }
            }
            if fields.is_empty() {
                return format!("i:{index}");
            }
            format!("k:{}", serde_json::to_string(&fields).unwrap_or_default())
        }
        ListType::Atomic => format!("i:{index}"),
    }
}

/// The fields an applied configuration owns (`ToFieldSet`): scalars, atomic lists and maps, list
/// items, and map keys the schema does not declare or whose value is empty.
fn to_field_set(value: &Value, shape: &Shape) -> FieldSet {
    match value {
        Value::Array(items) => match shape.list_type() {
            ListType::Atomic => FieldSet::leaf(),
            list => {
                let item_shape = shape.item();
                let mut set = FieldSet::default();
                for (i, item) in items.iter().enumerate() {
                    let mut child = to_field_set(item, &item_shape);
                    child.member = true;
                    set.children.insert(item_pe(&list, i, item), child);
                }
                set
            }
        },
        Value::Object(map) if !shape.atomic_map() => {
            let mut set = FieldSet::default();
            for (k, v) in map {
                let mut child = to_field_set(v, &shape.field(k));
                let empty = v.is_null() || v.as_object().is_some_and(Map::is_empty);
                if empty || !shape.declares(k) {
                    child.member = true;
                }
                set.children.insert(format!("f:{k}"), child);
            }
            set
        }
        _ => FieldSet::leaf(),
    }
}

/// What a write changed (`typed.Comparison`): paths added, removed, and leaves modified.
#[derive(Default)]
struct Comparison {
    added: FieldSet,
    removed: FieldSet,
    modified: FieldSet,
}

impl Comparison {
    fn changed(&self) -> FieldSet {
        self.modified.union(&self.added)
    }
}

/// Compares `old` and `new` at one path: the (added, removed, modified) subtrees for it.
fn compare(
    old: Option<&Value>,
    new: Option<&Value>,
    shape: &Shape,
) -> (FieldSet, FieldSet, FieldSet) {
    let mut added = FieldSet::default();
    let mut removed = FieldSet::default();
    let mut modified = FieldSet::default();
    let leaf = |v: Option<&Value>| match v {
        Some(Value::Array(_)) => shape.list_type() == ListType::Atomic,
        Some(Value::Object(_)) => shape.atomic_map(),
        _ => true,
    };
    if leaf(old.or(new)) || leaf(new.or(old)) {
        match (old, new) {
            (None, Some(_)) => added.member = true,
            (Some(_), None) => removed.member = true,
            (Some(a), Some(b)) if a != b => modified.member = true,
            _ => {}
        }
        return (added, removed, modified);
    }
    let always_present = shape.is_struct();
    match (old, new) {
        (None, Some(_)) if !always_present => added.member = true,
        (Some(_), None) if !always_present => removed.member = true,
        _ => {}
    }
    let mut children: BTreeMap<String, (Option<&Value>, Option<&Value>, Shape)> = BTreeMap::new();
    match (old.or(new), new.or(old)) {
        (Some(Value::Object(_)), Some(Value::Object(_))) => {
            for (side, v) in [(0, old), (1, new)] {
                for (k, c) in v.and_then(Value::as_object).into_iter().flatten() {
                    let e = children
                        .entry(format!("f:{k}"))
                        .or_insert_with(|| (None, None, shape.field(k)));
                    if side == 0 {
                        e.0 = Some(c)
                    } else {
                        e.1 = Some(c)
                    }
                }
            }
        }
        (Some(Value::Array(_)), Some(Value::Array(_))) => {
            let list = shape.list_type();
            let item_shape = shape.item();
            for (side, v) in [(0, old), (1, new)] {
                for (i, c) in v
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    let e = children
                        .entry(item_pe(&list, i, c))
                        .or_insert_with(|| (None, None, item_shape.clone()));
                    if side == 0 {
                        e.0 = Some(c)
                    } else {
                        e.1 = Some(c)
                    }
                }
            }
        }
        // The type changed (a map became a list): the whole value was replaced.
        _ => {
            modified.member = old.is_some() && new.is_some();
            return (added, removed, modified);
        }
    }
    for (pe, (o, n, s)) in children {
        let (a, r, m) = compare(o, n, &s);
        for (set, sub) in [(&mut added, a), (&mut removed, r), (&mut modified, m)] {
            if !sub.is_empty() {
                set.children.insert(pe.clone(), sub);
            }
        }
    }
    (added, removed, modified)
}

/// Merges an applied configuration into the live object (`typed.Merge`): maps field by field,
/// associative lists item by item, sets by value, atomic values replaced; `null` removes.
fn merge(live: &mut Value, applied: &Value, shape: &Shape) {
    match (live, applied) {
        (Value::Object(l), Value::Object(a)) if !shape.atomic_map() => {
            for (k, v) in a {
                if v.is_null() {
                    l.remove(k);
                    continue;
                }
                match l.get_mut(k) {
                    Some(existing) => merge(existing, v, &shape.field(k)),
                    None => {
                        l.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(l), Value::Array(a)) if shape.list_type() != ListType::Atomic => {
            let list = shape.list_type();
            let item_shape = shape.item();
            for (i, item) in a.iter().enumerate() {
                let pe = item_pe(&list, i, item);
                let at = l
                    .iter()
                    .enumerate()
                    .position(|(j, existing)| item_pe(&list, j, existing) == pe);
                match at {
                    Some(j) => merge(&mut l[j], item, &item_shape),
                    None => l.push(item.clone()),
                }
            }
        }
        (l, a) => *l = a.clone(),
    }
}

/// Removes from `object` what `last` owned that no one owns any longer (`Updater.prune`): a
/// path goes when no manager, the applier's new configuration included, owns it or anything
/// below it.
fn prune(object: &mut Value, last: &FieldSet, owned: Option<&FieldSet>, shape: &Shape) {
    match object {
        Value::Object(map) => {
            for (pe, last_child) in &last.children {
                let Some(key) = pe.strip_prefix("f:") else {
                    continue;
                };
                let kept = owned.and_then(|o| o.child(pe));
                if kept.is_none_or(FieldSet::is_empty) {
                    map.remove(key);
                } else if let Some(child) = map.get_mut(key) {
                    prune(child, last_child, kept, &shape.field(key));
                }
            }
        }
        Value::Array(items) => {
            let list = shape.list_type();
            let item_shape = shape.item();
            let pes: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, item)| item_pe(&list, i, item))
                .collect();
            let mut keep = Vec::with_capacity(items.len());
            for (item, pe) in items.drain(..).zip(pes) {
                let kept = owned.and_then(|o| o.child(&pe));
                match last.child(&pe) {
                    Some(_) if kept.is_none_or(FieldSet::is_empty) => {}
                    Some(last_child) => {
                        let mut item = item;
                        prune(&mut item, last_child, kept, &item_shape);
                        keep.push(item);
                    }
                    None => keep.push(item),
                }
            }
            *items = keep;
        }
        _ => {}
    }
}

/// Who made a write: `fieldManager`, else the user agent's product (`kubectl/v1.32.4 (...)` →
/// `kubectl`), printable characters only and at most 128 bytes (`prefixFromUserAgent`).
pub fn manager_or_user_agent(field_manager: Option<&str>, user_agent: &str) -> String {
    if let Some(m) = field_manager.filter(|m| !m.is_empty()) {
        return m.to_string();
    }
    let mut out = String::new();
    for c in user_agent.split('/').next().unwrap_or("").chars() {
        if c.is_control() {
            continue;
        }
        if out.len() + c.len_utf8() > 128 {
            break;
        }
        out.push(c);
    }
    out
}

/// One entry of `managedFields`, decoded.
#[derive(Clone, Debug)]
struct Entry {
    manager: String,
    operation: String,
    api_version: String,
    subresource: String,
    time: Option<Value>,
    fields: FieldSet,
}

impl Entry {
    /// The manager identity (`BuildManagerIdentifier`): appliers are one manager whatever the
    /// version they apply.
    fn same_manager(&self, other: &Entry) -> bool {
        self.manager == other.manager
            && self.operation == other.operation
            && self.subresource == other.subresource
            && (self.operation == "Apply" || self.api_version == other.api_version)
    }

    /// `"mgr"`, or for an updater `"kubectl-edit" using v1` (`printManager`).
    fn printed(&self) -> String {
        let mut s = format!("{:?}", self.manager);
        if !self.subresource.is_empty() {
            s = format!("{s} with subresource {:?}", self.subresource);
        }
        if self.operation == "Update" {
            s = format!("{s} using {}", self.api_version);
        }
        s
    }

    fn to_json(&self) -> Value {
        let mut e = json!({
            "manager": self.manager, "operation": self.operation,
            "apiVersion": self.api_version,
        });
        if let Some(t) = &self.time {
            e["time"] = t.clone();
        }
        e["fieldsType"] = json!("FieldsV1");
        e["fieldsV1"] = self.fields.to_json();
        if !self.subresource.is_empty() {
            e["subresource"] = json!(self.subresource);
        }
        e
    }
}

fn decode(entries: &Value) -> Vec<Entry> {
    let text = |e: &Value, k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    entries
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e.get("manager").is_some() || e.get("operation").is_some())
        .map(|e| Entry {
            manager: text(e, "manager"),
            operation: text(e, "operation"),
            api_version: text(e, "apiVersion"),
            subresource: text(e, "subresource"),
            time: e.get("time").cloned(),
            fields: e
                .get("fieldsV1")
                .map(FieldSet::root_from_json)
                .unwrap_or_default(),
        })
        .collect()
}

/// Sorted as `sortEncodedManagedFields`: operation, time, manager, apiVersion, subresource.
fn encode(mut entries: Vec<Entry>) -> Value {
    entries.retain(|e| !e.fields.is_empty());
    entries.sort_by(|a, b| {
        let time = |e: &Entry| {
            e.time
                .as_ref()
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        (
            &a.operation,
            time(a),
            &a.manager,
            &a.api_version,
            &a.subresource,
        )
            .cmp(&(
                &b.operation,
                time(b),
                &b.manager,
                &b.api_version,
                &b.subresource,
            ))
    });
    Value::Array(entries.iter().map(Entry::to_json).collect())
}

fn managed_of(object: Option<&Value>) -> Vec<Entry> {
    object
        .and_then(|o| o.pointer("/metadata/managedFields"))
        .map(decode)
        .unwrap_or_default()
}

/// The object as the field manager compares it: without `metadata.managedFields`.
fn without_managed(object: &Value) -> Value {
    let mut o = object.clone();
    if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    o
}

fn set_managed(object: &mut Value, entries: Vec<Entry>) {
    let encoded = encode(entries);
    let Some(meta) = object
        .as_object_mut()
        .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
    else {
        return;
    };
    if let Some(meta) = meta.as_object_mut() {
        if encoded.as_array().is_some_and(Vec::is_empty) {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), encoded);
        }
    }
}

/// What part of an object a write may own: the strategy's reset fields (`GetResetFields`) keep
/// `status` out of main-endpoint writes of kinds with a status subresource, and everything
/// but `status` out of `/status` writes. Identity and server-set metadata are never owned
/// (`stripmeta.go`).
fn owned_part(set: &FieldSet, rt: &ResourceType, subresource: &str) -> FieldSet {
    let mut filtered = match subresource {
        "status" => set.filter_top(|pe| pe == "f:status"),
        _ if rt.status_subresource => set.filter_top(|pe| pe != "f:status"),
        _ => set.clone(),
    };
    let mut strip = FieldSet::default();
    for pe in ["f:apiVersion", "f:kind"] {
        strip.children.insert(pe.into(), FieldSet::leaf());
    }
    let mut meta = FieldSet::leaf();
    for f in [
        "name",
        "namespace",
        "creationTimestamp",
        "selfLink",
        "uid",
        "clusterName",
        "generation",
        "managedFields",
        "resourceVersion",
    ] {
        meta.children.insert(format!("f:{f}"), FieldSet::leaf());
    }
    strip.children.insert("f:metadata".into(), meta);
    // The object itself is never owned, only what it holds.
    filtered.member = false;
    filtered.difference(&strip)
}

/// A write that is not an apply (create, update, patch; `subresource` "status" for /status):
/// the fields it added or changed move to `manager` from whoever owned them, the fields it
/// removed leave every manager (`Updater.Update` as `managedFieldsUpdater` drives it). Sets
/// `metadata.managedFields` on `new`.
pub fn record_update(
    rt: &ResourceType,
    live: Option<&Value>,
    new: &mut Value,
    manager: &str,
    api_version: &str,
    subresource: &str,
) {
    // The request's own managedFields win, unless empty or on a subresource; `[]` or `[{}]`
    // resets them (`decodeLiveOrNew`).
    let requested = new.pointer("/metadata/managedFields").cloned();
    let reset = match requested.as_ref().and_then(Value::as_array) {
        Some(list) => list.is_empty() || (list.len() == 1 && list[0] == json!({})),
        None => false,
    };
    let mut entries = match requested.as_ref().map(decode) {
        _ if reset && subresource.is_empty() => Vec::new(),
        Some(e) if !e.is_empty() && subresource.is_empty() => e,
        _ => managed_of(live),
    };
    // Objects written before any manager was tracked stay untracked until an apply
    // (`skipnonapplied.go`): only creates start tracking.
    if live.is_some() && entries.is_empty() && !reset {
        set_managed(new, Vec::new());
        return;
    }
    let live = live.map(without_managed);
    let bare = without_managed(new);
    let comparison = with_shape(rt, |shape| {
        let (added, removed, modified) = compare(live.as_ref(), Some(&bare), &shape);
        Comparison {
            added: owned_part(&added, rt, subresource),
            removed: owned_part(&removed, rt, subresource),
            modified: owned_part(&modified, rt, subresource),
        }
    });
    let me = Entry {
        // `buildmanagerinfo.go`: a write without a manager or user agent.
        manager: if manager.is_empty() {
            "unknown"
        } else {
            manager
        }
        .to_string(),
        operation: "Update".into(),
        api_version: api_version.to_string(),
        subresource: subresource.to_string(),
        time: None,
        fields: FieldSet::default(),
    };
    let changed = comparison.changed();
    let mut mine = None;
    for e in &mut entries {
        if e.same_manager(&me) {
            mine = Some(e.clone());
            continue;
        }
        e.fields = e
            .fields
            .difference(&changed)
            .difference(&comparison.removed);
    }
    entries.retain(|e| !e.same_manager(&me));
    let previous = mine.unwrap_or(me);
    let fields = previous
        .fields
        .difference(&comparison.removed)
        .union(&changed);
    let time = if changed.is_empty() {
        previous.time.clone()
    } else {
        Some(json!(now()))
    };
    entries.push(Entry {
        fields,
        time,
        ..previous
    });
    set_managed(new, entries);
}

/// A server-side apply of `applied` by `manager` onto `live` (absent: a create), the object to
/// store or the 409 naming who owns the fields it would change (`Updater.Apply`).
pub fn apply(
    rt: &ResourceType,
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    api_version: &str,
    subresource: &str,
    force: bool,
) -> Result<Value, ApiError> {
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|m| !m.is_null())
    {
        return Err(ApiError::bad_request("metadata.managedFields must be nil"));
    }
    let mut entries = managed_of(live);
    let live_bare = live.map(without_managed);
    // An object no one manages yet is first owned by `before-first-apply` (`skipnonapplied.go`),
    // so that an apply does not silently take over fields another writer set.
    if let Some(live) = &live_bare
        && entries.is_empty()
    {
        let mut seeded = live.clone();
        record_update(rt, None, &mut seeded, "before-first-apply", api_version, "");
        entries = managed_of(Some(&seeded));
    }
    with_shape(rt, |shape| {
        let mut merged = live_bare.clone().unwrap_or_else(|| json!({}));
        merge(&mut merged, applied, &shape);
        let set = owned_part(&to_field_set(applied, &shape), rt, subresource);
        let me = Entry {
            manager: manager.to_string(),
            operation: "Apply".into(),
            api_version: api_version.to_string(),
            subresource: subresource.to_string(),
            time: None,
            fields: set.clone(),
        };
        let previous = entries.iter().find(|e| e.same_manager(&me)).cloned();
        entries.retain(|e| !e.same_manager(&me));
        if let Some(last) = &previous {
            let owned = entries
                .iter()
                .fold(set.clone(), |all, e| all.union(&e.fields));
            prune(&mut merged, &last.fields, Some(&owned), &shape);
        }
        let (added, removed, modified) = compare(live_bare.as_ref(), Some(&merged), &shape);
        let changed = owned_part(&modified.union(&added), rt, subresource);
        let removed = owned_part(&removed, rt, subresource);
        let conflicts: Vec<(String, Vec<String>)> = entries
            .iter()
            .filter_map(|e| {
                let clash = e.fields.intersection(&changed);
                (!clash.is_empty()).then(|| {
                    let paths = clash.paths().iter().map(|p| path_text(p)).collect();
                    (e.printed(), paths)
                })
            })
            .collect();
        if !conflicts.is_empty() && !force {
            return Err(conflict_error(conflicts));
        }
        for e in &mut entries {
            e.fields = e.fields.difference(&changed).difference(&removed);
        }
        let time = if live_bare.as_ref() == Some(&merged) {
            previous.and_then(|p| p.time)
        } else {
            Some(json!(now()))
        };
        entries.push(Entry { time, ..me });
        set_managed(&mut merged, entries);
        Ok(merged)
    })
}

/// The 409 of a conflicting apply (`NewConflictError`): one line for one conflict, else grouped
/// by manager in name order; one `FieldManagerConflict` cause per field.
fn conflict_error(mut conflicts: Vec<(String, Vec<String>)>) -> ApiError {
    conflicts.sort();
    let count: usize = conflicts.iter().map(|(_, p)| p.len()).sum();
    let message = match conflicts.as_slice() {
        [(manager, paths)] if paths.len() == 1 => {
            format!(
                "Apply failed with 1 conflict: conflict with {manager}: {}",
                paths[0]
            )
        }
        _ => {
            let lines: Vec<String> = conflicts
                .iter()
                .flat_map(|(manager, paths)| {
                    std::iter::once(format!("conflicts with {manager}:"))
                        .chain(paths.iter().map(|p| format!("- {p}")))
                })
                .collect();
            format!("Apply failed with {count} conflicts: {}", lines.join("\n"))
        }
    };
    let causes = conflicts
        .iter()
        .flat_map(|(manager, paths)| {
            paths.iter().map(move |p| {
                json!({"reason": "FieldManagerConflict", "message": format!("conflict with {manager}"), "field": p})
            })
        })
        .collect();
    ApiError {
        code: 409,
        reason: "Conflict",
        message,
        details: Some(Box::new((
            String::new(),
            String::new(),
            String::new(),
            causes,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::builtin_types;

    fn kind(plural: &str) -> ResourceType {
        builtin_types()
            .into_iter()
            .find(|t| t.plural == plural)
            .unwrap()
    }

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s"}, "data": data})
    }

    #[test]
    fn a_changed_field_of_another_applier_conflicts() {
        let rt = kind("configmaps");
        let first = apply(&rt, None, &cm(json!({"k": "1"})), "one", "v1", "", false).unwrap();
        let err = apply(
            &rt,
            Some(&first),
            &cm(json!({"k": "2"})),
            "two",
            "v1",
            "",
            false,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            "Apply failed with 1 conflict: conflict with \"one\": .data.k"
        );
        assert_eq!(err.code, 409);
    }

    #[test]
    fn an_update_takes_the_fields_it_changes_and_records_added_maps_whole() {
        let rt = kind("configmaps");
        let mut created = json!({"metadata": {"name": "s", "labels": {"app": "x"}}, "data": {"a": "1", "b": "2"}});
        record_update(&rt, None, &mut created, "kubectl-create", "v1", "");
        assert_eq!(
            created["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}})
        );
        let mut edited = created.clone();
        edited["data"]["a"] = json!("changed");
        record_update(&rt, Some(&created), &mut edited, "kubectl-edit", "v1", "");
        let owners: Vec<(&str, &Value)> = edited["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["manager"].as_str().unwrap(), &e["fieldsV1"]))
            .collect();
        assert_eq!(
            owners,
            vec![
                (
                    "kubectl-create",
                    &json!({"f:data": {".": {}, "f:b": {}}, "f:metadata": {"f:labels": {".": {}, "f:app": {}}}})
                ),
                ("kubectl-edit", &json!({"f:data": {"f:a": {}}})),
            ]
        );
    }

    #[test]
    fn set_items_are_owned_by_value_and_pruned_when_released() {
        let rt = kind("configmaps");
        let with = |f: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s", "finalizers": f}});
        let first = apply(&rt, None, &with(json!(["a", "b"])), "one", "v1", "", false).unwrap();
        assert_eq!(
            first["metadata"]["managedFields"][0]["fieldsV1"],
            json!({"f:metadata": {"f:finalizers": {"v:\"a\"": {}, "v:\"b\"": {}}}})
        );
        let second = apply(
            &rt,
            Some(&first),
            &with(json!(["b", "c"])),
            "two",
            "v1",
            "",
            false,
        )
        .unwrap();
        assert_eq!(second["metadata"]["finalizers"], json!(["a", "b", "c"]));
        // `one` releases both: `a` goes, `b` stays with `two`.
        let third = apply(&rt, Some(&second), &with(json!([])), "one", "v1", "", false).unwrap();
        assert_eq!(third["metadata"]["finalizers"], json!(["b", "c"]));
    }
}
