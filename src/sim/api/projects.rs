//! `project.openshift.io/v1`: Projects as OpenShift serves them — a view over Namespaces.
//!
//! Imitates openshift-apiserver's project storage: `POST projectrequests` (what `oc new-project`
//! sends) creates the Namespace with the requester/display-name/description annotations and answers
//! the Project; an existing one is 409 `project.project.openshift.io "x" already exists`. Projects
//! are listed, read and deleted through their Namespaces (a deleted project terminates as its
//! Namespace does).
//!
//! Approximated: no watch on projects, no updates through the Project endpoint (edit the
//! Namespace), every caller may see every project, the requester is always `system:admin`.

use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::body::decode_object;
use super::objects::selectors;
use super::{Query, is_true, json_response};
use crate::sim::cluster::SimCluster;
use crate::sim::status::ApiError;
use crate::sim::store::text;

pub const GROUP: &str = "project.openshift.io";
const REQUESTER: &str = "system:admin";

/// Serves `/apis/project.openshift.io/v1/<rest>`.
pub fn serve(
    cluster: &SimCluster,
    method: &Method,
    rest: &[&str],
    headers: &HeaderMap,
    body: &[u8],
    query: &Query,
) -> Response {
    let result = match (method.as_str(), rest) {
        ("POST", ["projectrequests"] | ["projects"]) => create(cluster, headers, body),
        ("GET", ["projects"]) if is_true(query, "watch") => {
            Err(ApiError::method_not_allowed("WATCH"))
        }
        ("GET", ["projects"]) => list(cluster, query),
        ("GET", ["projects", name]) => get(cluster, name),
        ("DELETE", ["projects", name]) => delete(cluster, name),
        (_, ["projects" | "projectrequests", ..]) if rest.len() <= 2 => {
            Err(ApiError::method_not_allowed(method.as_str()))
        }
        _ => Err(ApiError::no_such_path(&format!(
            "/apis/{GROUP}/v1/{}",
            rest.join("/")
        ))),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn not_found(name: &str) -> ApiError {
    ApiError {
        code: 404,
        reason: "NotFound",
        message: format!("projects.project.openshift.io \"{name}\" not found"),
        details: Some(Box::new((
            name.into(),
            GROUP.into(),
            "projects".into(),
            Vec::new(),
        ))),
    }
}

fn namespaces(
    cluster: &SimCluster,
) -> Result<std::sync::Arc<crate::sim::resources::ResourceType>, ApiError> {
    cluster
        .store
        .find("", "namespaces")
        .ok_or_else(|| ApiError::internal("namespaces are not served"))
}

/// The Project a Namespace shows as.
pub fn project_of(ns: &Value) -> Value {
    let mut meta = ns.get("metadata").cloned().unwrap_or(json!({}));
    if let Some(m) = meta.as_object_mut() {
        m.remove("managedFields");
    }
    json!({
        "kind": "Project",
        "apiVersion": format!("{GROUP}/v1"),
        "metadata": meta,
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": ns.pointer("/status/phase").cloned().unwrap_or(json!("Active"))},
    })
}

fn create(cluster: &SimCluster, headers: &HeaderMap, body: &[u8]) -> Result<Response, ApiError> {
    let request = decode_object(headers, body)?;
    let name = text(&request, "/metadata/name").to_string();
    let rt = namespaces(cluster)?;
    if cluster.store.get(&rt, "", &name).is_ok() {
        return Err(ApiError {
            code: 409,
            reason: "AlreadyExists",
            message: format!("project.project.openshift.io \"{name}\" already exists"),
            details: Some(Box::new((name, GROUP.into(), "project".into(), Vec::new()))),
        });
    }
    let field = |f: &str| {
        request
            .get(f)
            .or(request.pointer(&format!(
                "/metadata/annotations/openshift.io~1{}",
                f.replace("displayName", "display-name")
            )))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut labels = request
        .pointer("/metadata/labels")
        .cloned()
        .unwrap_or(json!({}));
    if !labels.is_object() {
        labels = json!({});
    }
    let ns = json!({
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": name, "labels": labels, "annotations": {
            "openshift.io/description": field("description"),
            "openshift.io/display-name": field("displayName"),
            "openshift.io/requester": REQUESTER,
        }},
    });
    let created = cluster.store.create(&rt, "", ns).map_err(|e| {
        if e.code == 409 {
            ApiError {
                code: 409,
                reason: "AlreadyExists",
                message: format!("project.project.openshift.io \"{name}\" already exists"),
                details: Some(Box::new((
                    name.clone(),
                    GROUP.into(),
                    "project".into(),
                    Vec::new(),
                ))),
            }
        } else {
            e
        }
    })?;
    Ok(json_response(201, &project_of(&created)))
}

fn list(cluster: &SimCluster, query: &Query) -> Result<Response, ApiError> {
    let keep = selectors(query)?;
    let rt = namespaces(cluster)?;
    let (items, rv) = cluster.store.list(&rt, None, &|_| true);
    let items: Vec<Value> = items
        .iter()
        .map(|n| project_of(n))
        .filter(|p| keep(p))
        .collect();
    Ok(json_response(
        200,
        &json!({"kind": "ProjectList", "apiVersion": format!("{GROUP}/v1"),
            "metadata": {"resourceVersion": rv.to_string()}, "items": items}),
    ))
}

fn get(cluster: &SimCluster, name: &str) -> Result<Response, ApiError> {
    let rt = namespaces(cluster)?;
    let ns = cluster
        .store
        .get(&rt, "", name)
        .map_err(|_| not_found(name))?;
    Ok(json_response(200, &project_of(&ns)))
}

fn delete(cluster: &SimCluster, name: &str) -> Result<Response, ApiError> {
    let rt = namespaces(cluster)?;
    // The Namespace terminates (see `Store::delete_with`): openshift-apiserver's project storage
    // deletes through it and passes on its refusals (a second delete is a 409).
    cluster.store.delete(&rt, "", name).map_err(
        |e| {
            if e.code == 404 { not_found(name) } else { e }
        },
    )?;
    Ok(json_response(
        200,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": name, "group": GROUP, "kind": "projects"}}),
    ))
}
