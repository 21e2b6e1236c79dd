//! Request bodies: decoding (JSON, YAML, kubectl's protobuf) and the four kinds of PATCH.
//!
//! Server-side apply is a documented approximation of kube-apiserver's: each field manager's
//! applied fields are recorded in `managedFields` (FieldsV1); re-applying merges the new
//! configuration (maps recursively, lists atomically) and removes the fields this manager applied
//! before but no longer does. Conflicts between managers are not reported (as with `force=true`);
//! fedrun and kubectl are the only appliers a simulated cluster sees.

use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use super::content_type;
use crate::sim::patch;
use crate::sim::protobuf;
use crate::sim::resources::ResourceType;
use crate::sim::status::ApiError;
use crate::sim::store::now;

/// The object in a POST or PUT body.
pub fn decode_object(headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let ct = content_type(headers);
    let value = match ct.as_str() {
        protobuf::CONTENT_TYPE => protobuf::decode(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding protobuf body: {e}")))?,
        "application/yaml" | "application/x-yaml" => decode_yaml(body)?,
        "application/json" | "" => decode_json(body)?,
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a Kubernetes object (a JSON object)",
        ));
    }
    Ok(value)
}

fn decode_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding JSON body: {e}")))
}

fn decode_yaml(body: &[u8]) -> Result<Value, ApiError> {
    serde_yaml::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML body: {e}")))
}

/// Applies a PATCH body of the given content type to `current`, returning the desired object.
pub fn apply_patch(
    rt: &ResourceType,
    current: &Value,
    ct: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    let mut target = current.clone();
    match ct {
        "application/merge-patch+json" => patch::merge_patch(&mut target, &decode_json(body)?),
        "application/json-patch+json" => patch::json_patch(&mut target, &decode_json(body)?)
            .map_err(|e| ApiError::bad_request(e.to_string()))?,
        "application/strategic-merge-patch+json" => {
            if !rt.strategic_merge {
                return Err(ApiError {
                    code: 415,
                    reason: "UnsupportedMediaType",
                    message: format!(
                        "strategic merge patch format is not supported for {}",
                        rt.qualified_plural()
                    ),
                    details: None,
                });
            }
            patch::strategic_merge_patch(&mut target, &decode_json(body)?)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
        }
        other => return Err(ApiError::unsupported_media_type(other)),
    }
    Ok(target)
}

/// Decodes a server-side apply body (YAML or JSON).
pub fn decode_applied(body: &[u8]) -> Result<Value, ApiError> {
    let value = decode_yaml(body)?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration must be an object",
        ));
    }
    Ok(value)
}

/// Server-side apply of `applied` by `manager` onto `current` (absent: a create).
pub fn server_side_apply(current: Option<&Value>, applied: Value, manager: &str) -> Value {
    let fields = field_set(&applied, true);
    let mut result = match current {
        None => applied.clone(),
        Some(current) => {
            let mut result = current.clone();
            if let Some(previous) = managed_fields_of(current, manager) {
                remove_released(&mut result, &previous, &fields);
            }
            merge_applied(&mut result, &applied);
            result
        }
    };
    let api_version = applied.get("apiVersion").cloned().unwrap_or(Value::Null);
    let entry = json!({
        "manager": manager, "operation": "Apply", "apiVersion": api_version,
        "time": now(), "fieldsType": "FieldsV1", "fieldsV1": fields,
    });
    let meta = match result.get_mut("metadata") {
        Some(Value::Object(m)) => m,
        _ => {
            result["metadata"] = json!({});
            result["metadata"].as_object_mut().expect("just set")
        }
    };
    let mut managed: Vec<Value> = meta
        .get("managedFields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| !(e["manager"] == manager && e["operation"] == "Apply"))
        .collect();
    managed.push(entry);
    meta.insert("managedFields".into(), Value::Array(managed));
    result
}

fn managed_fields_of(object: &Value, manager: &str) -> Option<Value> {
    object
        .pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .find(|e| e["manager"] == manager && e["operation"] == "Apply")
        .and_then(|e| e.get("fieldsV1").cloned())
}

/// The FieldsV1 set of an applied configuration: `{"f:spec": {"f:replicas": {}}}`.
/// Lists are owned as a whole; identity fields (name, namespace, apiVersion, kind) are not owned.
fn field_set(value: &Value, root: bool) -> Value {
    let Value::Object(map) = value else {
        return json!({});
    };
    let mut set = Map::new();
    for (k, v) in map {
        if root && matches!(k.as_str(), "apiVersion" | "kind") {
            continue;
        }
        if root && k == "metadata" {
            let mut meta = Map::new();
            for owned in ["labels", "annotations"] {
                if let Some(m) = v.get(owned) {
                    meta.insert(format!("f:{owned}"), field_set(m, false));
                }
            }
            if !meta.is_empty() {
                set.insert("f:metadata".into(), Value::Object(meta));
            }
            continue;
        }
        let child = if v.is_object() {
            field_set(v, false)
        } else {
            json!({})
        };
        set.insert(format!("f:{k}"), child);
    }
    Value::Object(set)
}

/// Removes from `object` the fields in `previous` that are not in `now` (released by the manager).
fn remove_released(object: &mut Value, previous: &Value, now: &Value) {
    let (Some(prev), Some(obj)) = (previous.as_object(), object.as_object_mut()) else {
        return;
    };
    for (fk, prev_child) in prev {
        let Some(key) = fk.strip_prefix("f:") else {
            continue;
        };
        match now.get(fk) {
            None => {
                obj.remove(key);
            }
            Some(now_child) => {
                if let Some(child) = obj.get_mut(key) {
                    remove_released(child, prev_child, now_child);
                }
            }
        }
    }
}

/// Merges an applied configuration: maps recursively, everything else replaced, `null` removes.
fn merge_applied(target: &mut Value, applied: &Value) {
    match (target, applied) {
        (Value::Object(t), Value::Object(a)) => {
            for (k, v) in a {
                if v.is_null() {
                    t.remove(k);
                } else if let Some(existing) =
                    t.get_mut(k).filter(|e| e.is_object() && v.is_object())
                {
                    merge_applied(existing, v);
                } else {
                    t.insert(k.clone(), v.clone());
                }
            }
        }
        (t, a) => *t = a.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reapplying_without_a_field_removes_it_but_keeps_others_fields() {
        let first = server_side_apply(
            None,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "labels": {"x": "1"}}, "data": {"a": "1", "b": "2"}}),
            "fedrun",
        );
        let mut edited = first.clone();
        edited["data"]["other"] = json!("kept");
        let second = server_side_apply(
            Some(&edited),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"a": "1"}}),
            "fedrun",
        );
        assert_eq!(second["data"], json!({"a": "1", "other": "kept"}));
        assert!(
            second["metadata"]
                .get("labels")
                .is_none_or(|l| l.get("x").is_none())
        );
        assert_eq!(
            second["metadata"]["managedFields"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn field_sets_own_lists_whole() {
        let set = field_set(
            &json!({"metadata": {"name": "a"}, "spec": {"members": ["x"], "a": {"b": 1}}}),
            true,
        );
        assert_eq!(
            set,
            json!({"f:spec": {"f:members": {}, "f:a": {"f:b": {}}}})
        );
    }
}
