//! The three Kubernetes PATCH flavours, applied to `serde_json::Value`.
//!
//! * JSON merge patch (RFC 7386, `application/merge-patch+json`): what kubectl sends for
//!   custom resources, which have no patch metadata.
//! * JSON patch (RFC 6902, `application/json-patch+json`): `kubectl patch --type=json`.
//! * Strategic merge patch (`application/strategic-merge-patch+json`): what `kubectl apply`
//!   and `kubectl patch` send for built-in kinds. It is a merge patch plus per-field list
//!   semantics and `$`-directives. A plain merge patch would replace whole lists and lose,
//!   say, a sidecar container when only the main image changes.
//!
//! The real strategic merge reads `patchStrategy`/`patchMergeKey` tags from the Go types.
//! No Rust crate implements it, so [`strategic_merge_patch`] approximates those tags with a
//! table keyed by field name, which is enough for the kinds the simulator serves (Deployment,
//! Service, Pod, ConfigMap, Secret, Namespace, ServiceAccount, Endpoints):
//!
//! * maps merge recursively and `null` deletes a key;
//! * lists merged by key: `containers`, `initContainers`, `ephemeralContainers`, `env`,
//!   `volumes`, `imagePullSecrets`, `secrets` by `name`; `hostAliases` by `ip`;
//!   `volumeMounts` by `mountPath`; `volumeDevices` by `devicePath`; `ports` by
//!   `containerPort` when its elements have one (container ports), else by `port` (Service
//!   ports); `conditions` by `type`; `ownerReferences` by `uid`;
//! * `finalizers` merge as a set; every other list (`args`, `command`, `tolerations`,
//!   `envFrom`, ...) is replaced wholesale;
//! * directives `$patch: merge|replace|delete` (on maps, on list elements, and as a
//!   `{"$patch": "replace"}` list element), `$setElementOrder/<field>`, `$retainKeys`,
//!   `$deleteFromPrimitiveList/<field>`. Directive keys never remain in the result.
//!
//! Known differences from the apiserver: the table ignores where a field sits (so a `ports`
//! list of an EndpointSlice, atomic upstream, would be merged by `port`); `$setElementOrder`
//! puts unmentioned elements after the mentioned ones instead of interleaving them by their
//! old positions; `$retainKeys` does not reject patch keys missing from the list.

use serde_json::{Map, Value};

/// Why a patch could not be applied. The messages are shown to users of kubectl / fedrun.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    /// The body is not a well-formed RFC 6902 operation list.
    #[error("invalid JSON patch: {0}")]
    InvalidJsonPatch(String),
    /// A well-formed JSON patch whose operation failed (missing path, failed `test`, ...).
    #[error("JSON patch could not be applied: {0}")]
    JsonPatchFailed(String),
    /// Strategic merge patches are always objects.
    #[error("strategic merge patch: the patch must be a JSON object, not {0}")]
    NotAnObject(&'static str),
    /// A `$patch` value other than `merge`, `replace` or `delete`.
    #[error("strategic merge patch: $patch directive '{0}' is not supported")]
    UnsupportedDirective(String),
    /// A directive whose value has the wrong shape.
    #[error("strategic merge patch: {directive} must be {expected}")]
    MalformedDirective {
        directive: String,
        expected: &'static str,
    },
    /// An element of a keyed list lacks the key that identifies it.
    #[error("strategic merge patch: an element of list '{field}' has no merge key '{key}'")]
    MissingMergeKey { field: String, key: &'static str },
    /// A keyed list holds something other than objects.
    #[error(
        "strategic merge patch: list '{field}' is merged by '{key}' but holds a non-object element"
    )]
    NotAMapElement { field: String, key: &'static str },
}

/// RFC 7386 JSON merge patch; it cannot fail, any JSON value is a valid merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    json_patch::merge(target, patch);
}

/// RFC 6902 JSON patch. On error `target` is left unchanged (json-patch undoes applied ops).
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let ops: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| PatchError::InvalidJsonPatch(e.to_string()))?;
    json_patch::patch(target, &ops).map_err(|e| PatchError::JsonPatchFailed(e.to_string()))
}

/// Strategic merge patch as kubectl sends it for built-in kinds (see the module docs for
/// what is approximated). On error `target` is left unchanged, so a rejected PATCH never
/// stores a half-applied object.
pub fn strategic_merge_patch(target: &mut Value, patch: &Value) -> Result<(), PatchError> {
    let Value::Object(patch) = patch else {
        return Err(PatchError::NotAnObject(type_name(patch)));
    };
    // Work on a copy so that a failure halfway through leaves the stored object intact.
    let mut work = match target {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    if merge_map(&mut work, patch)? == Outcome::Delete {
        // `$patch: delete` at the top level empties the object, as the apiserver does.
        work.clear();
    }
    *target = Value::Object(work);
    Ok(())
}

const PATCH: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const SET_ORDER: &str = "$setElementOrder/";
const DELETE_FROM_PRIMITIVE: &str = "$deleteFromPrimitiveList/";

/// Whether the merged map survives; `$patch: delete` asks the parent to drop it.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Keep,
    Delete,
}

#[derive(Debug, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

/// How a list field is combined, standing in for the Go `patchStrategy` tags.
#[derive(Debug, PartialEq, Eq)]
enum ListStrategy {
    /// No strategy tag upstream: the patch list replaces the old one.
    Replace,
    /// `patchStrategy=merge` on a list of scalars: union, old order first.
    Set,
    /// `patchStrategy=merge` with `patchMergeKey`: elements matched by this key.
    MergeByKey(&'static str),
}

fn is_directive(key: &str) -> bool {
    key == PATCH
        || key == RETAIN_KEYS
        || key.starts_with(SET_ORDER)
        || key.starts_with(DELETE_FROM_PRIMITIVE)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn directive_of(patch: &Map<String, Value>) -> Result<Option<Directive>, PatchError> {
    match patch.get(PATCH) {
        None => Ok(None),
        Some(Value::String(s)) => match s.as_str() {
            "merge" => Ok(Some(Directive::Merge)),
            "replace" => Ok(Some(Directive::Replace)),
            "delete" => Ok(Some(Directive::Delete)),
            other => Err(PatchError::UnsupportedDirective(other.to_string())),
        },
        Some(other) => Err(PatchError::UnsupportedDirective(directive_text(other))),
    }
}

/// A directive value as users wrote it: strings without JSON quotes.
fn directive_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn directive_list<'a>(key: &str, value: &'a Value) -> Result<&'a [Value], PatchError> {
    match value {
        Value::Array(items) => Ok(items),
        _ => Err(PatchError::MalformedDirective {
            directive: key.to_string(),
            expected: "a list",
        }),
    }
}

/// Merge `patch` into `target`. Every directive of this map level is consumed here, and
/// nested objects are always merged (into an empty map when new) so nested directives are
/// consumed too and never leak into the stored object.
fn merge_map(
    target: &mut Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Outcome, PatchError> {
    match directive_of(patch)? {
        Some(Directive::Delete) => return Ok(Outcome::Delete),
        // Replace = start from nothing, then the ordinary merge copies the patch minus directives.
        Some(Directive::Replace) => target.clear(),
        Some(Directive::Merge) | None => {}
    }

    // Deletions first, as the apiserver does, so that a value removed and re-added in the
    // same patch ends up present.
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(DELETE_FROM_PRIMITIVE) {
            let remove = directive_list(key, value)?;
            if let Some(Value::Array(items)) = target.get_mut(field) {
                items.retain(|item| !remove.contains(item));
            }
        }
    }

    for (key, value) in patch {
        if is_directive(key) {
            continue;
        }
        match value {
            Value::Null => {
                target.remove(key);
            }
            Value::Object(child_patch) => {
                let keep = match target.get_mut(key) {
                    Some(Value::Object(child)) => merge_map(child, child_patch)? == Outcome::Keep,
                    _ => {
                        let mut child = Map::new();
                        let keep = merge_map(&mut child, child_patch)? == Outcome::Keep;
                        if keep {
                            target.insert(key.clone(), Value::Object(child));
                        }
                        keep
                    }
                };
                if !keep {
                    target.remove(key);
                }
            }
            Value::Array(items) => {
                let current = match target.get(key) {
                    Some(Value::Array(current)) => current.as_slice(),
                    _ => &[],
                };
                let merged = merge_list(key, current, items)?;
                // insert() on an existing key keeps its position, even with preserve_order.
                target.insert(key.clone(), Value::Array(merged));
            }
            scalar => {
                target.insert(key.clone(), scalar.clone());
            }
        }
    }

    for (key, value) in patch {
        if let Some(field) = key.strip_prefix(SET_ORDER) {
            let order = directive_list(key, value)?;
            if let Some(Value::Array(items)) = target.get_mut(field) {
                reorder(field, items, order);
            }
        }
    }

    if let Some(value) = patch.get(RETAIN_KEYS) {
        let malformed = || PatchError::MalformedDirective {
            directive: RETAIN_KEYS.to_string(),
            expected: "a list of field names",
        };
        let keep = directive_list(RETAIN_KEYS, value)
            .map_err(|_| malformed())?
            .iter()
            .map(|k| k.as_str().ok_or_else(malformed))
            .collect::<Result<Vec<&str>, PatchError>>()?;
        target.retain(|k, _| keep.contains(&k.as_str()));
    }
    Ok(Outcome::Keep)
}

/// The patch metadata of the built-in kinds, by field name. `ports` is the one ambiguous
/// name: container ports are keyed by `containerPort`, Service ports by `port`.
fn list_strategy(field: &str, current: &[Value], patch: &[Value]) -> ListStrategy {
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "secrets" => ListStrategy::MergeByKey("name"),
        "hostAliases" => ListStrategy::MergeByKey("ip"),
        "volumeMounts" => ListStrategy::MergeByKey("mountPath"),
        "volumeDevices" => ListStrategy::MergeByKey("devicePath"),
        "conditions" => ListStrategy::MergeByKey("type"),
        "ownerReferences" => ListStrategy::MergeByKey("uid"),
        "ports" => {
            let container = current
                .iter()
                .chain(patch)
                .any(|e| e.get("containerPort").is_some());
            ListStrategy::MergeByKey(if container { "containerPort" } else { "port" })
        }
        "finalizers" => ListStrategy::Set,
        _ => ListStrategy::Replace,
    }
}

/// An element that carries nothing but a `$patch` directive, e.g. `{"$patch": "replace"}`.
fn bare_directive(element: &Value) -> Option<&Value> {
    match element {
        Value::Object(map) if map.len() == 1 => map.get(PATCH),
        _ => None,
    }
}

/// A list-level directive element (`replace` or `merge`). A keyless `delete` is not one: it
/// falls through to the merge-key check, since it cannot say which element to delete.
fn list_directive(element: &Value) -> Option<&str> {
    match bare_directive(element) {
        Some(Value::String(s)) if s == "replace" || s == "merge" => Some(s.as_str()),
        _ => None,
    }
}

fn merge_list(field: &str, current: &[Value], patch: &[Value]) -> Result<Vec<Value>, PatchError> {
    match list_strategy(field, current, patch) {
        ListStrategy::Replace => Ok(patch
            .iter()
            .filter(|e| bare_directive(e).is_none())
            .cloned()
            .collect()),
        ListStrategy::Set => {
            let mut merged = current.to_vec();
            for item in patch {
                if !merged.contains(item) {
                    merged.push(item.clone());
                }
            }
            Ok(merged)
        }
        ListStrategy::MergeByKey(key) => merge_keyed_list(field, key, current, patch),
    }
}

fn merge_keyed_list(
    field: &str,
    key: &'static str,
    current: &[Value],
    patch: &[Value],
) -> Result<Vec<Value>, PatchError> {
    let mut merged = current.to_vec();
    for element in patch {
        match bare_directive(element) {
            Some(Value::String(s)) if s == "delete" => {}
            Some(other) if list_directive(element).is_none() => {
                return Err(PatchError::UnsupportedDirective(directive_text(other)));
            }
            _ => {}
        }
        // `{"$patch": "replace"}` in a list: the rest of the patch list is the new list.
        if list_directive(element) == Some("replace") {
            merged.clear();
        }
    }
    for element in patch {
        if list_directive(element).is_some() {
            continue;
        }
        let Value::Object(element_patch) = element else {
            return Err(PatchError::NotAMapElement {
                field: field.to_string(),
                key,
            });
        };
        let Some(id) = element_patch.get(key) else {
            return Err(PatchError::MissingMergeKey {
                field: field.to_string(),
                key,
            });
        };
        let position = merged.iter().position(|item| item.get(key) == Some(id));
        let outcome = match position.and_then(|i| merged.get_mut(i)) {
            Some(Value::Object(existing)) => merge_map(existing, element_patch)?,
            existing => {
                let mut fresh = Map::new();
                let outcome = merge_map(&mut fresh, element_patch)?;
                if outcome == Outcome::Keep {
                    match existing {
                        Some(slot) => *slot = Value::Object(fresh),
                        None => merged.push(Value::Object(fresh)),
                    }
                }
                outcome
            }
        };
        if outcome == Outcome::Delete {
            merged.retain(|item| item.get(key) != Some(id));
        }
    }
    Ok(merged)
}

/// `$setElementOrder/<field>`: the listed elements first, in that order, then the others in
/// their current order. Entries name elements by merge key (`{"name": "web"}`) or, for lists
/// of scalars, by value.
fn reorder(field: &str, items: &mut Vec<Value>, order: &[Value]) {
    let key = match list_strategy(field, items, order) {
        ListStrategy::MergeByKey(key) => Some(key),
        _ => None,
    };
    let identity = |value: &Value| -> Option<Value> {
        match (key, value) {
            (Some(key), _) => value.get(key).cloned(),
            (None, Value::Object(_) | Value::Array(_)) => None,
            (None, scalar) => Some(scalar.clone()),
        }
    };
    let mut rest = std::mem::take(items);
    let mut ordered = Vec::with_capacity(rest.len());
    for entry in order {
        let Some(wanted) = identity(entry) else {
            continue;
        };
        if let Some(pos) = rest
            .iter()
            .position(|item| identity(item).as_ref() == Some(&wanted))
        {
            ordered.push(rest.remove(pos));
        }
    }
    ordered.append(&mut rest);
    *items = ordered;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(mut target: Value, patch: Value) -> Value {
        match strategic_merge_patch(&mut target, &patch) {
            Ok(()) => target,
            Err(e) => panic!("patch failed: {e}"),
        }
    }

    fn deployment() -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "labels": {"app": "d", "tier": "web"}},
            "spec": {"template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1",
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80}, {"containerPort": 443, "name": "https"}],
                 "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg"}],
                 "args": ["--a", "--b"]},
                {"name": "sidecar", "image": "proxy:1"}
            ]}}}
        })
    }

    fn containers(v: &Value) -> &Value {
        &v["spec"]["template"]["spec"]["containers"]
    }

    #[test]
    fn measured_kubectl_apply_image_change_keeps_sidecar() {
        let out = smp(
            deployment(),
            json!({"spec":{"template":{"spec":{
                "$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],
                "containers":[{"image":"nginx:2","name":"web"}]}}}}),
        );
        let c = containers(&out);
        assert_eq!(c[0]["name"], "web");
        assert_eq!(c[0]["image"], "nginx:2");
        assert_eq!(
            c[0]["env"][1]["value"], "2",
            "untouched fields of web survive"
        );
        assert_eq!(c[1], json!({"name": "sidecar", "image": "proxy:1"}));
        assert_eq!(c.as_array().map(Vec::len), Some(2));
        assert!(
            out["spec"]["template"]["spec"]
                .get("$setElementOrder/containers")
                .is_none()
        );
    }

    // The next three patches were generated by `kubectl apply` 1.32 (client-side) against a
    // logging server, from a last-applied configuration, a new manifest and the live object
    // below; only the last-applied annotation value was shortened.

    #[test]
    fn recorded_apply_removing_sidecar_env_and_port() {
        let live = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "old"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1", "imagePullPolicy": "IfNotPresent",
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80}, {"containerPort": 443}]},
                {"name": "sidecar", "image": "proxy:1"}]}}}});
        let patch: Value = match serde_json::from_str(
            r#"{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"}},"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"$setElementOrder/env":[{"name":"A"}],"$setElementOrder/ports":[{"containerPort":443},{"containerPort":8080}],"env":[{"$patch":"delete","name":"B"}],"name":"web","ports":[{"containerPort":8080},{"$patch":"delete","containerPort":80}]},{"$patch":"delete","name":"sidecar"}]}}}}"#,
        ) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        };
        let out = smp(live, patch);
        assert_eq!(
            out["spec"],
            json!({"replicas": 1, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx:1", "imagePullPolicy": "IfNotPresent",
                 "env": [{"name": "A", "value": "1"}],
                 "ports": [{"containerPort": 443}, {"containerPort": 8080}]}]}}})
        );
        assert_eq!(
            out["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"],
            "new"
        );
    }

    #[test]
    fn recorded_apply_reordering_and_changing_service_ports() {
        let live = json!({"spec": {"clusterIP": "10.0.0.5", "type": "ClusterIP", "selector": {"app": "s"},
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                      {"name": "tls", "port": 15443, "targetPort": 15443, "protocol": "TCP"}]}});
        let out = smp(
            live,
            json!({"spec": {"$setElementOrder/ports": [{"port": 15443}, {"port": 80}, {"port": 9000}],
                            "ports": [{"port": 80, "targetPort": 9090}, {"name": "grpc", "port": 9000}]}}),
        );
        assert_eq!(
            out["spec"]["ports"],
            json!([{"name": "tls", "port": 15443, "targetPort": 15443, "protocol": "TCP"},
                   {"name": "http", "port": 80, "targetPort": 9090, "protocol": "TCP"},
                   {"name": "grpc", "port": 9000}])
        );
        assert_eq!(out["spec"]["clusterIP"], "10.0.0.5");
    }

    #[test]
    fn recorded_apply_switching_deployment_strategy() {
        let out = smp(
            json!({"spec": {"strategy": {"type": "RollingUpdate",
                                         "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"}}}),
        );
        assert_eq!(out, json!({"spec": {"strategy": {"type": "Recreate"}}}));
    }

    #[test]
    fn null_deletes_and_maps_merge_recursively() {
        let out = smp(
            deployment(),
            json!({"metadata": {"labels": {"tier": null, "new": "x"}}}),
        );
        assert_eq!(out["metadata"]["labels"], json!({"app": "d", "new": "x"}));
        assert_eq!(out["metadata"]["name"], "d");
    }

    #[test]
    fn env_merges_by_name() {
        let out = smp(
            deployment(),
            json!({"spec":{"template":{"spec":{"containers":[
                {"name":"web","env":[{"name":"B","value":"20"},{"name":"C","value":"3"}]}]}}}}),
        );
        assert_eq!(
            containers(&out)[0]["env"],
            json!([{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}])
        );
    }

    #[test]
    fn patch_delete_removes_list_element_by_key() {
        let out = smp(
            deployment(),
            json!({"spec":{"template":{"spec":{"containers":[
                {"name":"sidecar","$patch":"delete"},
                {"name":"web","env":[{"name":"A","$patch":"delete"}]}]}}}}),
        );
        let c = containers(&out);
        assert_eq!(c.as_array().map(Vec::len), Some(1));
        assert_eq!(c[0]["env"], json!([{"name":"B","value":"2"}]));
    }

    #[test]
    fn patch_delete_on_map_removes_the_map() {
        let out = smp(
            json!({"metadata": {"name": "x", "annotations": {"a": "1"}}}),
            json!({"metadata": {"annotations": {"$patch": "delete"}}}),
        );
        assert_eq!(out, json!({"metadata": {"name": "x"}}));
    }

    #[test]
    fn patch_replace_on_map_replaces_wholesale() {
        let out = smp(
            json!({"spec": {"selector": {"app": "a", "tier": "b"}, "type": "ClusterIP"}}),
            json!({"spec": {"selector": {"$patch": "replace", "app": "z"}}}),
        );
        assert_eq!(
            out,
            json!({"spec": {"selector": {"app": "z"}, "type": "ClusterIP"}})
        );
    }

    #[test]
    fn patch_replace_element_replaces_keyed_list() {
        let out = smp(
            deployment(),
            json!({"spec":{"template":{"spec":{"containers":[
                {"$patch":"replace"}, {"name":"only","image":"busybox"}]}}}}),
        );
        assert_eq!(
            containers(&out),
            &json!([{"name":"only","image":"busybox"}])
        );
    }

    #[test]
    fn service_ports_merge_by_port() {
        let out = smp(
            json!({"spec": {"ports": [
                {"name": "http", "port": 80, "targetPort": 8080},
                {"name": "grpc", "port": 15443, "targetPort": 15443}]}}),
            json!({"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 8443, "name": "tls"}]}}),
        );
        assert_eq!(
            out["spec"]["ports"],
            json!([{"name":"http","port":80,"targetPort":9090},
                   {"name":"grpc","port":15443,"targetPort":15443},
                   {"name":"tls","port":8443}])
        );
    }

    #[test]
    fn container_ports_merge_by_container_port_and_mounts_by_path() {
        let out = smp(
            deployment(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web",
                "ports":[{"containerPort":443,"protocol":"TCP"}],
                "volumeMounts":[{"mountPath":"/etc/cfg","readOnly":true},{"name":"d","mountPath":"/data"}]}]}}}}),
        );
        let web = &containers(&out)[0];
        assert_eq!(web["ports"][0], json!({"containerPort": 80}));
        assert_eq!(
            web["ports"][1],
            json!({"containerPort":443,"name":"https","protocol":"TCP"})
        );
        assert_eq!(
            web["volumeMounts"],
            json!([{"name":"cfg","mountPath":"/etc/cfg","readOnly":true},{"name":"d","mountPath":"/data"}])
        );
    }

    #[test]
    fn atomic_lists_are_replaced() {
        let out = smp(
            deployment(),
            json!({"spec":{"template":{"spec":{"containers":[{"name":"web","args":["--c"]}],
                "tolerations":[{"key":"k","operator":"Exists"}]}}}}),
        );
        assert_eq!(containers(&out)[0]["args"], json!(["--c"]));
        assert_eq!(
            out["spec"]["template"]["spec"]["tolerations"],
            json!([{"key":"k","operator":"Exists"}])
        );
    }

    #[test]
    fn finalizers_merge_as_a_set() {
        let out = smp(
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"finalizers": ["b", "c"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b", "c"]));
    }

    #[test]
    fn delete_from_primitive_list() {
        let out = smp(
            json!({"metadata": {"finalizers": ["a", "b", "c"]}}),
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b", "zz"]}}),
        );
        assert_eq!(out, json!({"metadata": {"finalizers": ["a", "c"]}}));
    }

    #[test]
    fn set_element_order_reorders_and_keeps_unmentioned_last() {
        let out = smp(
            json!({"spec": {"containers": [
                {"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]}}),
            json!({"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}],
                            "containers": [{"name": "c", "image": "i"}]}}),
        );
        assert_eq!(
            out["spec"]["containers"],
            json!([{"name":"c","image":"i"},{"name":"a"},{"name":"b"},{"name":"d"}])
        );
    }

    #[test]
    fn set_element_order_on_primitive_list() {
        let out = smp(
            json!({"metadata": {"finalizers": ["a", "b"]}}),
            json!({"metadata": {"$setElementOrder/finalizers": ["c", "b", "a"], "finalizers": ["c"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["c", "b", "a"]));
    }

    #[test]
    fn retain_keys_drops_unlisted_fields() {
        let out = smp(
            json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}}),
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        );
        assert_eq!(out, json!({"spec": {"strategy": {"type": "Recreate"}}}));
    }

    #[test]
    fn conditions_by_type_and_owner_references_by_uid() {
        let out = smp(
            json!({"metadata": {"ownerReferences": [{"uid": "1", "name": "a"}]},
                   "status": {"conditions": [{"type": "Ready", "status": "False"},
                                             {"type": "Synced", "status": "True"}]}}),
            json!({"metadata": {"ownerReferences": [{"uid": "2", "name": "b"}]},
                   "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
        );
        assert_eq!(
            out["status"]["conditions"],
            json!([{"type":"Ready","status":"True"},{"type":"Synced","status":"True"}])
        );
        assert_eq!(
            out["metadata"]["ownerReferences"].as_array().map(Vec::len),
            Some(2)
        );
    }

    #[test]
    fn directives_in_new_elements_do_not_leak() {
        let out = smp(
            json!({"spec": {}}),
            json!({"spec": {"containers": [{"name": "new", "$setElementOrder/env": [{"name": "X"}],
                                            "env": [{"name": "X", "value": "1"}],
                                            "resources": {"$patch": "merge", "limits": {"cpu": "1"}}}]}}),
        );
        assert_eq!(
            out,
            json!({"spec": {"containers": [{"name": "new", "env": [{"name": "X", "value": "1"}],
                                            "resources": {"limits": {"cpu": "1"}}}]}})
        );
    }

    #[test]
    fn top_level_delete_empties_and_non_object_target_is_treated_as_empty() {
        let mut target = json!({"a": 1});
        assert!(strategic_merge_patch(&mut target, &json!({"$patch": "delete"})).is_ok());
        assert_eq!(target, json!({}));
        assert_eq!(
            smp(json!(null), json!({"a": {"b": 1}})),
            json!({"a": {"b": 1}})
        );
    }

    #[test]
    fn unsupported_directive_is_an_error_and_leaves_target_unchanged() {
        let mut target = deployment();
        let err = strategic_merge_patch(
            &mut target,
            &json!({"metadata": {"labels": {"x": "y"}}, "spec": {"$patch": "foo"}}),
        );
        let Err(err) = err else {
            panic!("expected an error")
        };
        assert_eq!(
            err.to_string(),
            "strategic merge patch: $patch directive 'foo' is not supported"
        );
        assert_eq!(target, deployment());
    }

    #[test]
    fn malformed_patches_are_errors() {
        let cases = [
            (json!([1]), "must be a JSON object"),
            (
                json!({"spec": {"containers": [{"image": "x"}]}}),
                "no merge key 'name'",
            ),
            (
                json!({"spec": {"containers": ["web"]}}),
                "non-object element",
            ),
            (
                json!({"spec": {"$retainKeys": "type"}}),
                "$retainKeys must be",
            ),
            (json!({"spec": {"$retainKeys": [1]}}), "$retainKeys must be"),
            (
                json!({"spec": {"$setElementOrder/containers": {"name": "a"}}}),
                "must be a list",
            ),
            (
                json!({"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}}),
                "must be a list",
            ),
            (
                json!({"spec": {"containers": [{"$patch": "delete"}]}}),
                "no merge key 'name'",
            ),
            (
                json!({"spec": {"containers": [{"$patch": "bogus"}]}}),
                "directive 'bogus' is not",
            ),
            (json!({"spec": {"$patch": 1}}), "$patch directive '1'"),
        ];
        for (patch, needle) in cases {
            let mut target = deployment();
            match strategic_merge_patch(&mut target, &patch) {
                Ok(()) => panic!("{patch} should fail"),
                Err(e) => assert!(e.to_string().contains(needle), "{patch}: {e}"),
            }
            assert_eq!(target, deployment());
        }
    }

    #[test]
    fn merge_patch_replaces_lists() {
        let mut target = deployment();
        merge_patch(
            &mut target,
            &json!({"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}},
                    "metadata":{"labels":{"tier":null}}}),
        );
        assert_eq!(
            containers(&target),
            &json!([{"name":"web","image":"nginx:2"}])
        );
        assert_eq!(target["metadata"]["labels"], json!({"app": "d"}));
    }

    #[test]
    fn json_patch_applies_and_fails_atomically() {
        let mut target = json!({"spec": {"replicas": 1, "list": [1, 2]}});
        let ok = json_patch(
            &mut target,
            &json!([{"op":"replace","path":"/spec/replicas","value":3},
                    {"op":"add","path":"/spec/list/-","value":3}]),
        );
        assert!(ok.is_ok());
        assert_eq!(target, json!({"spec": {"replicas": 3, "list": [1, 2, 3]}}));

        let before = target.clone();
        let failed = json_patch(
            &mut target,
            &json!([{"op":"replace","path":"/spec/replicas","value":5},
                    {"op":"test","path":"/spec/replicas","value":4}]),
        );
        assert!(
            matches!(failed, Err(PatchError::JsonPatchFailed(_))),
            "{failed:?}"
        );
        assert_eq!(target, before);

        let invalid = json_patch(&mut target, &json!({"op": "add"}));
        let Err(e) = invalid else {
            panic!("expected an error")
        };
        assert!(e.to_string().starts_with("invalid JSON patch: "), "{e}");
        let bad_op = json_patch(&mut target, &json!([{"op": "frobnicate", "path": "/a"}]));
        assert!(matches!(bad_op, Err(PatchError::InvalidJsonPatch(_))));
    }
}
