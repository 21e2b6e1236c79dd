//! The `scale` subresource of Deployments: `GET`, `PUT` and `PATCH`
//! `/apis/apps/v1/namespaces/<ns>/deployments/<name>/scale`, an `autoscaling/v1` `Scale` read
//! from the Deployment and written back into it, as kube-apiserver's `ScaleREST` does
//! (kubernetes/kubernetes `pkg/registry/apps/deployment/storage/storage.go`):
//!
//! - the Scale carries the Deployment's name, namespace, uid, resourceVersion and
//!   creationTimestamp, `spec.replicas`, `status.replicas` and `status.selector`, the
//!   Deployment's label selector in its string form (`scaleFromDeployment`);
//! - a write moves `spec.replicas` and `metadata.resourceVersion` into the Deployment, so a
//!   stale resourceVersion is a conflict on `deployments.apps` and an absent one is an
//!   unconditional write; a uid that is not the Deployment's is a conflict on
//!   `deployments/scale.apps` (`scaleUpdatedObjectInfo.UpdatedObject`); a negative replica count
//!   is refused as `ValidateScale` refuses it (`pkg/apis/autoscaling/validation/validation.go`);
//! - the Deployment is then updated as any spec change is, so its `generation` goes up.
//!
//! Not simulated: field validation of the Scale body. A server-side apply
//! (`application/apply-patch+yaml`) is merged into the current Scale like a merge patch.

use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::body::{apply_patch, decode_applied, decode_object};
use super::{Query, Target, content_type, json_response, objects, table};
use crate::sim::cluster::{Operation, SimCluster};
use crate::sim::fieldmanager;
use crate::sim::resources::ResourceType;
use crate::sim::selector::LabelSelector;
use crate::sim::status::ApiError;
use crate::sim::store::{Part, Write, text};
use crate::sim::validation::Cause;

const API_VERSION: &str = "autoscaling/v1";
const KIND: &str = "Scale";

/// Answers a request on `<deployment>/scale`.
pub(super) fn serve(
    cluster: &SimCluster,
    method: &Method,
    target: &Target,
    headers: &HeaderMap,
    body: &[u8],
    query: &Query,
) -> Result<Response, ApiError> {
    let rt = &target.rt;
    let namespace = target.namespace.as_deref().unwrap_or("");
    let name = target.name.as_deref().unwrap_or("");
    // Scale writes take the options of the write they are (`kubectl scale --dry-run=server`).
    let write_as = match *method {
        Method::PUT => objects::dry_run(query, "UpdateOptions")?,
        Method::PATCH => objects::dry_run(query, "PatchOptions")?,
        _ => Write::Commit,
    };
    // kubernetes/apimachinery pkg/util/managedfields/scalehandler.go: the writer owns the
    // Deployment's `.spec.replicas` under an entry naming the `scale` subresource.
    let manager = fieldmanager::manager_or_user_agent(
        query.get("fieldManager").map(String::as_str),
        headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let write = |new_scale: &dyn Fn(&Value) -> Result<Value, ApiError>| {
        write(cluster, rt, namespace, name, &manager, write_as, new_scale)
    };
    let updated = match *method {
        Method::GET => {
            let table = table::requested(headers, query)?;
            let deployment = cluster.store.get(rt, namespace, name)?;
            let scale = scale_of(&deployment)?;
            return Ok(json_response(
                200,
                &match table {
                    Some(_) => scale_table(&scale, headers, query),
                    None => scale,
                },
            ));
        }
        Method::PUT => {
            let scale = decode_object(headers, body)?;
            check_kind(&scale)?;
            // Decoding and the name check come before the Deployment is read.
            check_name(&scale, namespace, name)?;
            spec_replicas(&scale)?;
            write(&|_| Ok(scale.clone()))?
        }
        Method::PATCH => {
            let ct = content_type(headers);
            if ct == "application/apply-patch+yaml" {
                // kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go
                if query.get("fieldManager").is_none_or(String::is_empty) {
                    return Err(ApiError::bad_request(
                        "PATCH: fieldManager is required for apply requests",
                    ));
                }
                let applied = decode_applied(body)?;
                check_kind(&applied)?;
                write(&|current| {
                    let mut scale = current.clone();
                    crate::sim::patch::merge_patch(&mut scale, &applied);
                    Ok(scale)
                })?
            } else {
                write(&|current| apply_patch(rt, current, &ct, body))?
            }
        }
        _ => return Err(ApiError::method_not_allowed(method.as_str())),
    };
    Ok(json_response(200, &scale_of(&updated)?))
}

/// `scaleFromDeployment`: the Scale a Deployment shows.
fn scale_of(deployment: &Value) -> Result<Value, ApiError> {
    // `metav1.LabelSelectorAsSelector(...).String()`: requirements sorted by key, `k=v`,
    // `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; a missing or empty selector is "".
    let selector = match deployment.pointer("/spec/selector") {
        None | Some(Value::Null) => String::new(),
        Some(s) => LabelSelector::from_object(s)
            .map_err(|e| ApiError::bad_request(e.to_string()))?
            .to_string(),
    };
    let mut metadata = Map::new();
    for key in [
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "creationTimestamp",
    ] {
        if let Some(v) = deployment.pointer(&format!("/metadata/{key}")) {
            metadata.insert(key.into(), v.clone());
        }
    }
    let number = |p: &str| deployment.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    // autoscaling/v1 (kubernetes/api autoscaling/v1/types.go): `spec.replicas` is
    // `omitempty`, `status.replicas` is not, `status.selector` is.
    let mut spec = Map::new();
    let replicas = number("/spec/replicas");
    if replicas != 0 {
        spec.insert("replicas".into(), json!(replicas));
    }
    let mut status = json!({"replicas": number("/status/replicas")});
    if !selector.is_empty() {
        status["selector"] = json!(selector);
    }
    Ok(json!({
        "kind": KIND, "apiVersion": API_VERSION,
        "metadata": metadata, "spec": spec, "status": status,
    }))
}

/// The Table `kubectl get deployment NAME --subresource=scale` asks for: `printScale`'s columns
/// (kubernetes/kubernetes `pkg/printers/internalversion/printers.go`: Name, Desired, Available,
/// Age, described by the `SwaggerDoc()` of ObjectMeta and autoscaling/v1 ScaleSpec/ScaleStatus).
fn scale_table(scale: &Value, headers: &HeaderMap, query: &Query) -> Value {
    const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating \
        resources, although some resources may allow a client to request the generation of an \
        appropriate name automatically. Name is primarily intended for creation idempotence and \
        configuration definition. Cannot be updated. More info: \
        https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
    const AGE_DOC: &str = "CreationTimestamp is a timestamp representing the server time when \
        this object was created. It is not guaranteed to be set in happens-before order across \
        separate operations. Clients may not set this value. It is represented in RFC3339 form \
        and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: \
        https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
    let column = |name: &str, kind: &str, description: &str| json!({"name": name, "type": kind, "format": "", "description": description, "priority": 0});
    // The table version kubectl negotiated (`table::requested` checked the header).
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first_table = accept.split(',').find(|c| c.contains("as=Table"));
    let api_version = match first_table {
        Some(clause) if clause.split(';').any(|p| p.trim() == "v=v1beta1") => "meta.k8s.io/v1beta1",
        _ => "meta.k8s.io/v1",
    };
    let created = text(scale, "/metadata/creationTimestamp");
    let age = time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
        .map(|t| table::human_duration((time::OffsetDateTime::now_utc() - t).whole_seconds()))
        .unwrap_or_else(|_| "<unknown>".into());
    let object = match query.get("includeObject").map(String::as_str) {
        Some("Object") => scale.clone(),
        Some("None") => Value::Null,
        _ => json!({"kind": "PartialObjectMetadata", "apiVersion": api_version,
                    "metadata": scale["metadata"].clone()}),
    };
    json!({
        "kind": "Table", "apiVersion": api_version,
        "metadata": {"resourceVersion": text(scale, "/metadata/resourceVersion")},
        "columnDefinitions": [
            column("Name", "string", NAME_DOC),
            column("Desired", "integer", "replicas is the desired number of instances for the scaled object."),
            column("Available", "integer", "replicas is the actual number of observed instances of the scaled object."),
            column("Age", "string", AGE_DOC),
        ],
        "rows": [{
            "cells": [text(scale, "/metadata/name"),
                      scale.pointer("/spec/replicas").cloned().unwrap_or(json!(0)),
                      scale["status"]["replicas"].clone(), age],
            "object": object,
        }],
    })
}

/// A Scale body's apiVersion and kind, when present, must be autoscaling/v1 Scale.
fn check_kind(scale: &Value) -> Result<(), ApiError> {
    if let Some(kind) = scale.get("kind").and_then(Value::as_str)
        && kind != KIND
    {
        return Err(ApiError::bad_request(format!(
            "the kind of the object ({kind}) does not match the kind of the endpoint ({KIND})"
        )));
    }
    if let Some(api_version) = scale.get("apiVersion").and_then(Value::as_str)
        && api_version != API_VERSION
    {
        return Err(ApiError::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({API_VERSION})"
        )));
    }
    Ok(())
}

/// Reads the current Scale, lets `new_scale` turn it into the wanted one, and writes that
/// into the Deployment under the store's lock. Returns the Deployment as stored.
fn write(
    cluster: &SimCluster,
    rt: &ResourceType,
    namespace: &str,
    name: &str,
    manager: &str,
    write: Write,
    new_scale: &dyn Fn(&Value) -> Result<Value, ApiError>,
) -> Result<std::sync::Arc<Value>, ApiError> {
    // Admission sees the write as one to `deployments/scale`.
    let admission = cluster.admission(rt, Some("scale"));
    let (deployment, _) =
        cluster
            .store
            .modify_as(rt, namespace, name, Part::Main, false, write, |current| {
                let current = current.ok_or_else(|| ApiError::not_found(rt, name))?;
                let scale = new_scale(&scale_of(current)?)?;
                let replicas = check_scale(&scale, namespace, name)?;
                // Precondition on the uid (`scaleUpdatedObjectInfo.UpdatedObject`).
                let uid = text(&scale, "/metadata/uid");
                let current_uid = text(current, "/metadata/uid");
                if !uid.is_empty() && uid != current_uid {
                    return Err(ApiError {
                        code: 409,
                        reason: "Conflict",
                        message: format!(
                            "Operation cannot be fulfilled on deployments/scale.apps \"{name}\": \
                         Precondition failed: UID in precondition: {uid}, UID in object meta: \
                         {current_uid}"
                        ),
                        details: Some(Box::new((
                            name.to_string(),
                            rt.group.clone(),
                            "deployments/scale".into(),
                            Vec::new(),
                        ))),
                    });
                }
                // The Scale's resourceVersion becomes the Deployment's: storage's optimistic
                // concurrency check (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/
                // registry/generic/registry/store.go, Update).
                let rv = text(&scale, "/metadata/resourceVersion");
                if !rv.is_empty() && rv != text(current, "/metadata/resourceVersion") {
                    return Err(ApiError::conflict(rt, name));
                }
                let mut desired = current.clone();
                desired["spec"]["replicas"] = json!(replicas);
                admission.admit(
                    rt,
                    Operation::Update,
                    namespace,
                    Some(current),
                    &mut desired,
                )?;
                fieldmanager::record_update(
                    rt,
                    Some(current),
                    &mut desired,
                    manager,
                    &rt.api_version(rt.storage_version()),
                    "scale",
                );
                Ok(desired)
            })?;
    Ok(deployment)
}

/// The checks of the update handler and `ValidateScale`; returns `spec.replicas`.
fn check_scale(scale: &Value, namespace: &str, name: &str) -> Result<i64, ApiError> {
    check_name(scale, namespace, name)?;
    let replicas = spec_replicas(scale)?;
    if replicas < 0 {
        return Err(ApiError::invalid_causes(
            "Scale.autoscaling",
            name,
            None,
            vec![Cause::invalid(
                "spec.replicas",
                &replicas.to_string(),
                "must be greater than or equal to 0",
            )],
        ));
    }
    Ok(replicas)
}

/// The update handler's `checkName` (kubernetes/kubernetes
/// staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go), run on a PUT's body before
/// the object is read, and on a PATCH's result.
fn check_name(scale: &Value, namespace: &str, name: &str) -> Result<(), ApiError> {
    let object_name = text(scale, "/metadata/name");
    if object_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({object_name}) does not match the name on the URL ({name})"
        )));
    }
    let object_namespace = text(scale, "/metadata/namespace");
    if !object_namespace.is_empty() && object_namespace != namespace {
        return Err(ApiError::bad_request(format!(
            "the namespace of the object ({object_namespace}) does not match the namespace on the URL ({namespace})"
        )));
    }
    Ok(())
}

/// `spec.replicas` as decoding the body into a Go `Scale` reads it.
fn spec_replicas(scale: &Value) -> Result<i64, ApiError> {
    // `ScaleSpec.Replicas` is an `int32` with `omitempty`: absent is 0.
    let replicas = match scale.pointer("/spec/replicas") {
        None | Some(Value::Null) => 0,
        Some(v) => v
            .as_i64()
            .filter(|n| i32::try_from(*n).is_ok())
            .ok_or_else(|| {
                let found = match v {
                    Value::String(_) => "string",
                    Value::Bool(_) => "bool",
                    Value::Array(_) => "array",
                    Value::Object(_) => "object",
                    _ => "number",
                };
                let shown = if found == "number" {
                    format!("number {v}")
                } else {
                    found.to_string()
                };
                ApiError::bad_request(format!(
                    "Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal \
                     {shown} into Go struct field ScaleSpec.spec.replicas of type int32"
                ))
            })?,
    };
    Ok(replicas)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_shows_the_selector_as_a_string_and_omits_zero_spec_replicas() {
        let d = json!({"metadata": {"name": "web", "namespace": "n", "uid": "u", "resourceVersion": "7",
                        "creationTimestamp": "2026-01-01T00:00:00Z", "generation": 3, "labels": {"a": "b"}},
                       "spec": {"replicas": 0, "selector": {"matchLabels": {"tier": "fe", "app": "web"},
                         "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                              {"key": "legacy", "operator": "DoesNotExist"}]}}});
        assert_eq!(
            scale_of(&d).unwrap(),
            json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
                   "metadata": {"name": "web", "namespace": "n", "uid": "u", "resourceVersion": "7",
                                "creationTimestamp": "2026-01-01T00:00:00Z"},
                   "spec": {},
                   "status": {"replicas": 0, "selector": "app=web,env in (dev,prod),!legacy,tier=fe"}})
        );
        let no_selector =
            json!({"metadata": {"name": "x"}, "spec": {"replicas": 2}, "status": {"replicas": 2}});
        assert_eq!(
            scale_of(&no_selector).unwrap()["status"],
            json!({"replicas": 2})
        );
    }

    #[test]
    fn scale_bodies_are_checked_as_the_update_handler_and_validate_scale_do() {
        let ok = json!({"metadata": {"name": "web"}, "spec": {"replicas": 4}});
        assert_eq!(check_scale(&ok, "n", "web").unwrap(), 4);
        assert_eq!(
            check_scale(&json!({"metadata": {"name": "web"}}), "n", "web").unwrap(),
            0
        );
        let e = check_scale(&json!({"metadata": {"name": "other"}}), "n", "web").unwrap_err();
        assert_eq!(
            e.message,
            "the name of the object (other) does not match the name on the URL (web)"
        );
        let e = check_scale(
            &json!({"metadata": {"name": "web", "namespace": "x"}}),
            "n",
            "web",
        )
        .unwrap_err();
        assert!(e.message.contains("namespace of the object (x)"), "{e:?}");
        let e = check_scale(
            &json!({"metadata": {"name": "web"}, "spec": {"replicas": -1}}),
            "n",
            "web",
        )
        .unwrap_err();
        assert_eq!((e.code, e.reason), (422, "Invalid"));
        assert_eq!(
            e.message,
            "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        );
        let e = check_scale(
            &json!({"metadata": {"name": "web"}, "spec": {"replicas": "3"}}),
            "n",
            "web",
        )
        .unwrap_err();
        assert_eq!(e.code, 400);
        assert!(
            e.message.contains(
                "cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32"
            ),
            "{}",
            e.message
        );
        assert!(check_kind(&json!({"kind": "Deployment"})).is_err());
        assert!(check_kind(&json!({"apiVersion": "apps/v1"})).is_err());
        assert!(check_kind(&json!({"apiVersion": "autoscaling/v1", "kind": "Scale"})).is_ok());
    }
}
