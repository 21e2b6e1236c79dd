//! `project.openshift.io/v1`: Projects as OpenShift serves them — a view over Namespaces.
//!
//! Imitates openshift-apiserver's project storage: `POST projectrequests` (what `oc new-project`
//! sends) creates the Namespace with the requester/display-name/description annotations and answers
//! the Project; an existing one is 409 `project.project.openshift.io "x" already exists`. Projects
//! are listed, watched, read and deleted through their Namespaces (a deleted project terminates
//! as its Namespace does). Real source: openshift/openshift-apiserver
//! `pkg/project/apiserver/registry/project/proxy/proxy.go` (the REST storage) and
//! `pkg/project/auth/watch.go` (`userProjectWatcher`).
//!
//! A `dryRun` ProjectRequest creates the project all the same: the real storage passes no options
//! on when it creates the project (`pkg/project/apiserver/registry/projectrequest/delegated/
//! delegated.go`), so a client planning a run must not send it.
//!
//! Approximated: no updates through the Project endpoint (edit the Namespace), every caller may
//! see every project, the requester is always `system:admin`.

use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use std::collections::HashSet;

use tokio::sync::mpsc;

use super::body::decode_object;
use super::objects::selectors;
use super::{Query, is_true, json_response, watch};
use crate::sim::cluster::SimCluster;
use crate::sim::status::ApiError;
use crate::sim::store::{EventKind, text};

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
        ("GET", ["projects"]) if is_true(query, "watch") => watch(cluster, query),
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
    // `REST.List` keeps the label half of `InternalListOptionsToSelectors` and drops the field
    // selector, so `fieldSelector=metadata.name=x` lists every project (a malformed one is still
    // refused: the request's options are decoded before the storage is asked).
    let _validated = selectors(query)?;
    let mut labels_only = query.clone();
    labels_only.remove("fieldSelector");
    let keep = selectors(&labels_only)?;
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

/// A watch on projects, as `userProjectWatcher` serves it: with `resourceVersion=0` it starts with
/// an ADDED for every project (`includeAllExistingProjects`), otherwise with nothing (no replay
/// from a resourceVersion, no watch-list initial events, no bookmarks: it is no watch cache).
/// Then each Namespace change is an ADDED (a project it did not know) or MODIFIED, and a
/// Namespace that goes a DELETED whose object carries only the name. Every event passes the
/// label and field selectors (the watcher's `emit` predicate, which the list does not apply).
fn watch(cluster: &SimCluster, query: &Query) -> Result<Response, ApiError> {
    let keep = selectors(query)?;
    let rt = namespaces(cluster)?;
    let timeout = watch::timeout_of(query);
    // Subscribed before the listing, so no change between the two is missed.
    let mut events = cluster.store.subscribe();
    let (current, _) = cluster.store.list(&rt, None, &|_| true);
    let mut known: HashSet<String> = current
        .iter()
        .map(|ns| text(ns, "/metadata/name").to_string())
        .collect();
    let initial: Vec<Value> = if query.get("resourceVersion").map(String::as_str) == Some("0") {
        current.iter().map(|ns| project_of(ns)).collect()
    } else {
        Vec::new()
    };
    let (tx, rx) = mpsc::channel::<watch::Line>(64);
    tokio::spawn(async move {
        let send = |kind: &'static str, project: Value| {
            let tx = tx.clone();
            let wanted = keep(&project);
            async move { !wanted || tx.send(Ok(watch::line(kind, &project))).await.is_ok() }
        };
        for project in initial {
            if !send("ADDED", project).await {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        loop {
            let event = tokio::select! {
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                received = events.recv() => match received {
                    Ok(event) => event,
                    // A watcher that falls behind is dropped; the client lists again.
                    Err(_) => return,
                },
            };
            if !event.group.is_empty() || event.plural != "namespaces" {
                continue;
            }
            let name = text(&event.object, "/metadata/name").to_string();
            let sent = if event.kind == EventKind::Deleted {
                !known.remove(&name)
                    || send(
                        "DELETED",
                        json!({"kind": "Project", "apiVersion": format!("{GROUP}/v1"),
                               "metadata": {"name": name}}),
                    )
                    .await
            } else {
                let kind = if known.insert(name) {
                    "ADDED"
                } else {
                    "MODIFIED"
                };
                send(kind, project_of(&event.object)).await
            };
            if !sent {
                return;
            }
        }
    });
    Ok(watch::streamed(rx))
}
