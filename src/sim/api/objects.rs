//! Handlers for object reads and writes: get, list, create, update, patch, delete.

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::body::{apply_patch, decode_applied, decode_object};
use super::paging;
use super::table;
use super::{Query, Target, content_type, is_true, json_response};
use crate::sim::cluster::{Operation, SimCluster};
use crate::sim::fieldmanager;
use crate::sim::resources::ResourceType;
use crate::sim::selector::{FieldSelector, LabelSelector};
use crate::sim::status::ApiError;
use crate::sim::store::{self, Part, Propagation, Write, text};
use crate::sim::validation::{self, Cause, Directive};

/// An object as the requested version shows it (versions share one storage form).
pub(crate) fn present(object: &Arc<Value>, target: &Target) -> Value {
    let mut v = (**object).clone();
    v["apiVersion"] = json!(target.rt.api_version(&target.version));
    v
}

fn ok(code: u16, object: &Arc<Value>, target: &Target) -> Response {
    json_response(code, &present(object, target))
}

/// A write's answer with the `Warning` headers of the fields the server dropped.
fn ok_warned(code: u16, object: &Arc<Value>, target: &Target, warnings: &[String]) -> Response {
    let mut response = ok(code, object, target);
    for w in warnings {
        if let Ok(value) = axum::http::HeaderValue::from_str(w) {
            response.headers_mut().append("warning", value);
        }
    }
    response
}

fn directive(query: &Query, options: &str) -> Result<Directive, ApiError> {
    Directive::from_query(query.get("fieldValidation").map(String::as_str), options)
}

fn namespace(target: &Target) -> &str {
    target.namespace.as_deref().unwrap_or("")
}

fn name(target: &Target) -> &str {
    target.name.as_deref().unwrap_or("")
}

/// The write's field manager: `fieldManager`, else the user agent's product name.
fn manager(query: &Query, headers: &HeaderMap) -> String {
    fieldmanager::manager_or_user_agent(
        query.get("fieldManager").map(String::as_str),
        headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    )
}

/// The subresource a write's managedFields entry names.
fn subresource(target: &Target) -> &str {
    target.subresource.as_deref().unwrap_or("")
}

fn part(target: &Target) -> Part {
    if target.subresource.as_deref() == Some("status") {
        Part::Status
    } else {
        Part::Main
    }
}

/// `dryRun=All`: the write is validated and admitted as a real one and answered with what it
/// would store, but nothing is persisted and no watcher hears of it. Any other value is refused
/// as the options' validation refuses it (kubernetes/kubernetes
/// `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`, ValidateDryRun).
pub(super) fn dry_run(query: &Query, options: &str) -> Result<Write, ApiError> {
    match query.get("dryRun").map(String::as_str) {
        None | Some("") => Ok(Write::Commit),
        Some("All") => Ok(Write::DryRun),
        Some(other) => Err(ApiError::invalid_causes(
            &format!("{options}.meta.k8s.io"),
            "",
            None,
            vec![Cause::not_supported("dryRun", other, &["All"])],
        )),
    }
}

/// A get answers the object, or the Table `kubectl get` asks for (see `table`).
pub fn get(
    cluster: &SimCluster,
    target: &Target,
    headers: &HeaderMap,
    query: &Query,
) -> Result<Response, ApiError> {
    let table = table::requested(headers, query)?;
    let object = cluster
        .store
        .get(&target.rt, namespace(target), name(target))?;
    let rv = text(&object, "/metadata/resourceVersion");
    if let Some(table) = table.and_then(|t| {
        t.render(target, std::slice::from_ref(&object), rv, |o| {
            present(o, target)
        })
    }) {
        return Ok(json_response(200, &table));
    }
    Ok(ok(200, &object, target))
}

/// Parses `labelSelector`/`fieldSelector` into one predicate on objects.
pub(crate) fn selectors(
    query: &Query,
) -> Result<impl Fn(&Value) -> bool + Send + Sync + 'static, ApiError> {
    let labels = match query.get("labelSelector").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            LabelSelector::parse(s)
                .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?,
        ),
        None => None,
    };
    let fields = match query.get("fieldSelector").filter(|s| !s.is_empty()) {
        Some(s) => Some(
            FieldSelector::parse(s)
                .map_err(|e| ApiError::bad_request(format!("invalid field selector: {e}")))?,
        ),
        None => None,
    };
    Ok(move |o: &Value| {
        labels.as_ref().is_none_or(|l| l.matches_object(o))
            && fields.as_ref().is_none_or(|f| f.matches(o))
    })
}

/// A list answers the items, or their Table when `kubectl get` asks for one (see `table`).
pub fn list(
    cluster: &SimCluster,
    target: &Target,
    headers: &HeaderMap,
    query: &Query,
) -> Result<Response, ApiError> {
    let keep = selectors(query)?;
    let table = table::requested(headers, query)?;
    let (items, rv) = cluster
        .store
        .list(&target.rt, target.namespace.as_deref(), &keep);
    let page = paging::page(items, rv, cluster.store.oldest_version(), query)?;
    let rv = page.resource_version.to_string();
    let mut metadata = json!({"resourceVersion": rv});
    if let Some(token) = &page.continue_token {
        metadata["continue"] = json!(token);
        metadata["remainingItemCount"] = json!(page.remaining);
    }
    if let Some(mut table) =
        table.and_then(|t| t.render(target, &page.items, &rv, |o| present(o, target)))
    {
        table["metadata"] = metadata;
        return Ok(json_response(200, &table));
    }
    let items: Vec<Value> = page.items.iter().map(|o| present(o, target)).collect();
    Ok(json_response(
        200,
        &json!({
            "kind": format!("{}List", target.rt.kind),
            "apiVersion": target.rt.api_version(&target.version),
            "metadata": metadata,
            "items": items,
        }),
    ))
}

pub fn create(
    cluster: &SimCluster,
    target: &Target,
    headers: &HeaderMap,
    body: &[u8],
    query: &Query,
) -> Result<Response, ApiError> {
    let write = dry_run(query, "CreateOptions")?;
    if target.subresource.is_some() {
        return Err(ApiError::method_not_allowed("POST"));
    }
    let directive = directive(query, "CreateOptions")?;
    let mut object = decode_object(headers, body)?;
    check_kind(&target.rt, &target.version, &object)?;
    // kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go (Create):
    // a plain error, so a reasonless 500.
    if !text(&object, "/metadata/resourceVersion").is_empty() {
        return Err(ApiError::unknown(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let warnings = validation::admit_request(&target.rt, &target.version, directive, &mut object)?;
    cluster.admission(&target.rt, None).admit(
        &target.rt,
        Operation::Create,
        namespace(target),
        None,
        &mut object,
    )?;
    // After admission: what a mutating webhook sets belongs to the writer, as on a real server.
    fieldmanager::record_update(
        &target.rt,
        None,
        &mut object,
        &manager(query, headers),
        &target.rt.api_version(&target.version),
        "",
    );
    let created = cluster
        .store
        .create_as(&target.rt, namespace(target), object, write)?;
    Ok(ok_warned(201, &created, target, &warnings))
}

pub fn update(
    cluster: &SimCluster,
    target: &Target,
    headers: &HeaderMap,
    body: &[u8],
    query: &Query,
) -> Result<Response, ApiError> {
    let write = dry_run(query, "UpdateOptions")?;
    let directive = directive(query, "UpdateOptions")?;
    let mut object = decode_object(headers, body)?;
    check_kind(&target.rt, &target.version, &object)?;
    let warnings = validation::admit_request(&target.rt, &target.version, directive, &mut object)?;
    let manager = manager(query, headers);
    // Taken before the store lock: the webhook reads the operator's cache, not the store.
    let admission = cluster.admission(&target.rt, target.subresource.as_deref());
    let (updated, _) = cluster.store.modify_as(
        &target.rt,
        namespace(target),
        name(target),
        part(target),
        false,
        write,
        |current| {
            let current = current.ok_or_else(|| ApiError::not_found(&target.rt, name(target)))?;
            store::check_version(&target.rt, name(target), current, &object)?;
            admission.admit(
                &target.rt,
                Operation::Update,
                namespace(target),
                Some(current),
                &mut object,
            )?;
            fieldmanager::record_update(
                &target.rt,
                Some(current),
                &mut object,
                &manager,
                &target.rt.api_version(&target.version),
                subresource(target),
            );
            Ok(object)
        },
    )?;
    Ok(ok_warned(200, &updated, target, &warnings))
}

pub fn patch(
    cluster: &SimCluster,
    target: &Target,
    headers: &HeaderMap,
    body: &[u8],
    query: &Query,
) -> Result<Response, ApiError> {
    let write = dry_run(query, "PatchOptions")?;
    let directive = directive(query, "PatchOptions")?;
    let ct = content_type(headers);
    let rt = &target.rt;
    let mut warnings = Vec::new();
    let api_version = rt.api_version(&target.version);
    let (object, created) = if ct == "application/apply-patch+yaml" {
        let manager = query
            .get("fieldManager")
            .filter(|m| !m.is_empty())
            .ok_or_else(|| {
                ApiError::bad_request("PATCH: fieldManager is required for apply requests")
            })?;
        let applied = decode_applied(body)?;
        check_kind(rt, &target.version, &applied)?;
        if applied.get("apiVersion").is_none() || applied.get("kind").is_none() {
            return Err(ApiError::bad_request(
                "apply configurations must set apiVersion and kind",
            ));
        }
        let applied_name = text(&applied, "/metadata/name");
        if !applied_name.is_empty() && applied_name != name(target) {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({applied_name}) does not match the name on the URL ({})",
                name(target)
            )));
        }
        validation::admit_apply_body(rt, &applied)?;
        let force = is_true(query, "force");
        let admission = cluster.admission(rt, target.subresource.as_deref());
        cluster.store.modify_as(
            rt,
            namespace(target),
            name(target),
            part(target),
            true,
            write,
            |current| {
                let mut desired = fieldmanager::apply(
                    rt,
                    current,
                    &applied,
                    manager,
                    &api_version,
                    subresource(target),
                    force,
                )?;
                validation::admit_merged(rt, &mut desired)?;
                let op = if current.is_some() {
                    Operation::Update
                } else {
                    Operation::Create
                };
                admission.admit(rt, op, namespace(target), current, &mut desired)?;
                Ok(desired)
            },
        )?
    } else {
        let manager = manager(query, headers);
        let admission = cluster.admission(rt, target.subresource.as_deref());
        cluster.store.modify_as(
            rt,
            namespace(target),
            name(target),
            part(target),
            false,
            write,
            |current| {
                let current = current.ok_or_else(|| ApiError::not_found(rt, name(target)))?;
                let mut desired = apply_patch(rt, current, &ct, body)?;
                warnings = validation::admit_request(rt, &target.version, directive, &mut desired)?;
                admission.admit(
                    rt,
                    Operation::Update,
                    namespace(target),
                    Some(current),
                    &mut desired,
                )?;
                fieldmanager::record_update(
                    rt,
                    Some(current),
                    &mut desired,
                    &manager,
                    &api_version,
                    subresource(target),
                );
                Ok(desired)
            },
        )?
    };
    Ok(ok_warned(
        if created { 201 } else { 200 },
        &object,
        target,
        &warnings,
    ))
}

/// The options of a DELETE, from the query and from the `DeleteOptions` body kubectl and
/// client-go send (`{"propagationPolicy": "Background", "dryRun": ["All"]}`), validated as
/// kubernetes/kubernetes `staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`
/// (ValidateDeleteOptions) does.
fn delete_options(query: &Query, body: &[u8]) -> Result<(Option<Propagation>, Write), ApiError> {
    let mut write = dry_run(query, "DeleteOptions")?;
    let options = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice::<Value>(body).unwrap_or(Value::Null)
    };
    if let Some(values) = options.get("dryRun").and_then(Value::as_array) {
        for v in values {
            let mut q = Query::new();
            q.insert("dryRun".into(), v.as_str().unwrap_or_default().to_string());
            if dry_run(&q, "DeleteOptions")? == Write::DryRun {
                write = Write::DryRun;
            }
        }
    }
    let policy = query
        .get("propagationPolicy")
        .filter(|p| !p.is_empty())
        .cloned()
        .or_else(|| {
            options
                .get("propagationPolicy")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let orphan = query
        .get("orphanDependents")
        .map(|v| v == "true")
        .or_else(|| options.get("orphanDependents").and_then(Value::as_bool));
    let invalid =
        |cause: Cause| ApiError::invalid_causes("DeleteOptions.meta.k8s.io", "", None, vec![cause]);
    let propagation = match (policy.as_deref(), orphan) {
        (Some(p), Some(_)) => {
            return Err(invalid(Cause::invalid(
                "propagationPolicy",
                &format!("{p:?}"),
                "orphanDependents and deletionPropagation cannot be both set",
            )));
        }
        (Some("Background"), None) => Some(Propagation::Background),
        (Some("Foreground"), None) => Some(Propagation::Foreground),
        (Some("Orphan"), None) => Some(Propagation::Orphan),
        (Some(other), None) => {
            return Err(invalid(Cause::not_supported(
                "propagationPolicy",
                other,
                &["Foreground", "Background", "Orphan", "nil"],
            )));
        }
        (None, Some(true)) => Some(Propagation::Orphan),
        (None, Some(false)) => Some(Propagation::Background),
        (None, None) => None,
    };
    Ok((propagation, write))
}

/// A DELETE answers the object: gone (its last state) or marked for deletion and waiting for
/// its finalizers (see `Store::delete_with`).
pub fn delete(
    cluster: &SimCluster,
    target: &Target,
    query: &Query,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (propagation, write) = delete_options(query, body)?;
    if target.subresource.is_some() {
        return Err(ApiError::method_not_allowed("DELETE"));
    }
    let deleted = cluster.store.delete_with(
        &target.rt,
        namespace(target),
        name(target),
        propagation,
        write,
    )?;
    Ok(ok(200, &deleted.into_object(), target))
}

/// `deletecollection`: every object the selectors match is deleted as one DELETE would delete
/// it, and the answer is the list of them as they were listed (kubernetes/kubernetes
/// `staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go`, `DeleteCollection`).
/// Objects already gone when their turn comes are skipped, as there.
pub fn delete_collection(
    cluster: &SimCluster,
    target: &Target,
    query: &Query,
    body: &[u8],
) -> Result<Response, ApiError> {
    let (propagation, write) = delete_options(query, body)?;
    if target.subresource.is_some() {
        return Err(ApiError::method_not_allowed("DELETE"));
    }
    let keep = selectors(query)?;
    let (items, rv) = cluster
        .store
        .list(&target.rt, target.namespace.as_deref(), &keep);
    for item in &items {
        let ns = text(item, "/metadata/namespace");
        let name = text(item, "/metadata/name");
        match cluster
            .store
            .delete_with(&target.rt, ns, name, propagation, write)
        {
            Ok(_) => {}
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    let items: Vec<Value> = items.iter().map(|o| present(o, target)).collect();
    Ok(json_response(
        200,
        &json!({
            "kind": format!("{}List", target.rt.kind),
            "apiVersion": target.rt.api_version(&target.version),
            "metadata": {"resourceVersion": rv.to_string()},
            "items": items,
        }),
    ))
}

/// The body's apiVersion/kind, when present, must be those of the endpoint.
fn check_kind(rt: &ResourceType, version: &str, object: &Value) -> Result<(), ApiError> {
    if let Some(kind) = object.get("kind").and_then(Value::as_str)
        && kind != rt.kind
    {
        return Err(ApiError::bad_request(format!(
            "the kind of the object ({kind}) does not match the kind of the endpoint ({})",
            rt.kind
        )));
    }
    if let Some(api_version) = object.get("apiVersion").and_then(Value::as_str) {
        let served = rt.versions.iter().any(|v| rt.api_version(v) == api_version);
        if !served {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API version ({})",
                rt.api_version(version)
            )));
        }
    }
    Ok(())
}
