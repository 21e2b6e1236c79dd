//! Errors as a Kubernetes API server reports them: a `Status` object with code, reason and message.
//!
//! Clients (kubectl, kube-rs) print `message` and branch on `code`/`reason`, so every failure the
//! simulator produces goes through this one type and renders exactly like kube-apiserver's.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::resources::ResourceType;
use super::validation::Cause;

/// `(name, group, kind, causes)`.
pub type Details = (String, String, String, Vec<Value>);

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    /// `(name, group, kind, causes)` of the object concerned, rendered as `details` (boxed:
    /// errors travel through every handler's `Result`, and most have none).
    pub details: Option<Box<Details>>,
}

impl ApiError {
    fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    fn about(mut self, rt: &ResourceType, name: &str) -> Self {
        self.details = Some(Box::new((
            name.to_string(),
            rt.group.clone(),
            rt.plural.clone(),
            Vec::new(),
        )));
        self
    }

    pub fn not_found(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("{} \"{}\" not found", rt.qualified_plural(), name),
        )
        .about(rt, name)
    }

    pub fn namespace_not_found(namespace: &str) -> Self {
        ApiError {
            details: Some(Box::new((
                namespace.to_string(),
                String::new(),
                "namespaces".into(),
                Vec::new(),
            ))),
            ..Self::new(
                404,
                "NotFound",
                format!("namespaces \"{namespace}\" not found"),
            )
        }
    }

    /// A path or kind the server does not serve (what a client sees before a CRD is installed).
    pub fn no_such_path(path: &str) -> Self {
        Self::new(
            404,
            "NotFound",
            format!("the server could not find the requested resource ({path})"),
        )
    }

    pub fn already_exists(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "AlreadyExists",
            format!("{} \"{}\" already exists", rt.qualified_plural(), name),
        )
        .about(rt, name)
    }

    pub fn conflict(rt: &ResourceType, name: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
                rt.qualified_plural(),
                name
            ),
        )
        .about(rt, name)
    }

    /// 409 with the reason the registry gives (`apierrors.NewConflict`).
    pub fn conflict_because(rt: &ResourceType, name: &str, why: &str) -> Self {
        Self::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {} \"{}\": {why}",
                rt.qualified_plural(),
                name
            ),
        )
        .about(rt, name)
    }

    /// 403 from an admission plugin about one object (`apierrors.NewForbidden`): `plural "name"
    /// is forbidden: why`, or `plural is forbidden: why` when the name is not known yet.
    pub fn forbidden_about(rt: &ResourceType, name: &str, why: &str, causes: Vec<Value>) -> Self {
        let message = if name.is_empty() {
            format!("{} is forbidden: {why}", rt.qualified_plural())
        } else {
            format!("{} \"{name}\" is forbidden: {why}", rt.qualified_plural())
        };
        let mut e = Self::new(403, "Forbidden", message).about(rt, name);
        if let Some(details) = e.details.as_mut() {
            details.3 = causes;
        }
        e
    }

    /// 422: the object is well-formed but not acceptable; `field` names what is wrong.
    pub fn invalid(
        rt: &ResourceType,
        name: &str,
        field: &str,
        detail: impl std::fmt::Display,
    ) -> Self {
        let cause = Cause {
            reason: "FieldValueInvalid",
            field: field.to_string(),
            message: detail.to_string(),
        };
        Self::invalid_fields(rt, name, vec![cause])
    }

    /// 422 with one cause per field, as `apierrors.NewInvalid` words it: `Kind.group "name" is
    /// invalid: cause` for one, `[cause, cause]` for several. `qualified_kind` is `Kind.group`
    /// (or a request options kind such as `CreateOptions.meta.k8s.io`).
    pub fn invalid_causes(
        qualified_kind: &str,
        name: &str,
        rt: Option<&ResourceType>,
        causes: Vec<Cause>,
    ) -> Self {
        let texts: Vec<String> = causes.iter().map(Cause::text).collect();
        let list = match texts.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        let mut e = Self::new(
            422,
            "Invalid",
            format!("{qualified_kind} \"{name}\" is invalid: {list}"),
        );
        let (kind, group) = match rt {
            Some(rt) => (rt.kind.clone(), rt.group.clone()),
            None => {
                let (kind, group) = qualified_kind
                    .split_once('.')
                    .unwrap_or((qualified_kind, ""));
                (kind.to_string(), group.to_string())
            }
        };
        let causes = causes.iter().map(Cause::to_json).collect();
        e.details = Some(Box::new((name.to_string(), group, kind, causes)));
        e
    }

    /// [`ApiError::invalid_causes`] for an object of kind `rt`.
    pub fn invalid_fields(rt: &ResourceType, name: &str, causes: Vec<Cause>) -> Self {
        Self::invalid_causes(&rt.qualified_kind(), name, Some(rt), causes)
    }

    /// `details.causes`: the fields a 422 names.
    pub fn causes(&self) -> &[Value] {
        self.details.as_deref().map_or(&[], |d| &d.3)
    }

    /// A failure the server reports with no reason (a plain Go error reaching the client: 500).
    pub fn unknown(message: impl Into<String>) -> Self {
        Self::new(500, "", message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "BadRequest", message)
    }

    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/apply-patch+yaml, application/merge-patch+json, application/json-patch+json, application/strategic-merge-patch+json (got {content_type:?})"
            ),
        )
    }

    pub fn gone(message: impl Into<String>) -> Self {
        Self::new(410, "Expired", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "Forbidden", message)
    }

    /// Rejection by an admission webhook that does not answer (as when an operator is still starting).
    pub fn webhook_failed(message: impl Into<String>) -> Self {
        Self::new(500, "InternalError", message)
    }

    /// The `Status` object itself.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some((name, group, kind, causes)) = self.details.as_deref() {
            // Go's `omitempty`: an apply conflict's details carry only causes.
            let mut details = json!({});
            if !name.is_empty() {
                details["name"] = json!(name);
            }
            if !kind.is_empty() {
                details["kind"] = json!(kind);
            }
            if !group.is_empty() {
                details["group"] = json!(group);
            }
            if !causes.is_empty() {
                details["causes"] = json!(causes);
            }
            status["details"] = details;
        }
        status
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            code,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            self.to_status().to_string(),
        )
            .into_response()
    }
}
