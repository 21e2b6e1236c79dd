//! The options of a `GET` on a collection (a list, or a watch with `watch=true`), read, defaulted
//! and validated the way kube-apiserver does before it looks at storage.
//!
//! Real source: kubernetes/kubernetes
//! `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go` (`listOpts`): decode the query,
//! apply `metainternalversion.SetListOptionsDefaults`, then `ValidateListOptions`; any error is
//! answered `errors.NewInvalid(ListOptions.meta.k8s.io, "", errs)`, a 422 `Invalid` Status.
//! The simulator reports Kubernetes 1.32, whose kube-apiserver runs with the `WatchList` feature
//! gate on (Beta, on by default in 1.32 and again from 1.34:
//! `staging/src/k8s.io/apiserver/pkg/features/kube_features.go`), so watch-lists
//! (`sendInitialEvents=true`) are served, as kubectl 1.33+ `wait` and client-go informers expect.

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Query, json_response};

/// `metav1.ResourceVersionMatchNotOlderThan`.
pub(crate) const NOT_OLDER_THAN: &str = "NotOlderThan";
/// `metav1.ResourceVersionMatchExact`.
const EXACT: &str = "Exact";

/// The fields of `metainternalversion.ListOptions` that decide how a list or watch starts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ListOptions {
    pub watch: bool,
    /// `""` when absent.
    pub resource_version: String,
    /// `""` when absent.
    pub resource_version_match: String,
    /// `None` when absent (the API's `*bool`).
    pub send_initial_events: Option<bool>,
    pub allow_watch_bookmarks: bool,
    /// `continue`, `""` when absent.
    pub continue_token: String,
}

/// A boolean query parameter as apimachinery decodes it
/// (kubernetes/kubernetes `staging/src/k8s.io/apimachinery/pkg/runtime/conversion.go`,
/// `Convert_Slice_string_To_bool` / `Convert_Slice_string_To_Pointer_bool`): absent → not set;
/// `"0"` or `"false"` (any case) → false; anything else, the empty string included → true.
pub(crate) fn param_bool(query: &Query, key: &str) -> Option<bool> {
    query
        .get(key)
        .map(|v| !(v == "0" || v.eq_ignore_ascii_case("false")))
}

fn param(query: &Query, key: &str) -> String {
    query.get(key).cloned().unwrap_or_default()
}

impl ListOptions {
    /// Reads, defaults and validates the options of a collection `GET`; a validation failure
    /// renders as the 422 response.
    pub fn from_query(query: &Query) -> Result<ListOptions, Invalid> {
        let mut options = ListOptions {
            watch: param_bool(query, "watch").unwrap_or(false),
            resource_version: param(query, "resourceVersion"),
            resource_version_match: param(query, "resourceVersionMatch"),
            send_initial_events: param_bool(query, "sendInitialEvents"),
            allow_watch_bookmarks: param_bool(query, "allowWatchBookmarks").unwrap_or(false),
            continue_token: param(query, "continue"),
        };
        options.set_defaults();
        let errors = options.validate();
        if errors.is_empty() {
            Ok(options)
        } else {
            Err(Invalid(errors))
        }
    }

    /// `SetListOptionsDefaults` with the WatchList gate on (kubernetes/kubernetes
    /// `staging/src/k8s.io/apimachinery/pkg/apis/meta/internalversion/defaults.go`): a watch
    /// with no `resourceVersion` (or `"0"`) that says neither `sendInitialEvents` nor
    /// `resourceVersionMatch` becomes `sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
    /// so the legacy "current state first" watch is a watch-list (and, with bookmarks allowed,
    /// ends its initial events with the annotated bookmark too).
    fn set_defaults(&mut self) {
        if self.send_initial_events.is_some() || !self.resource_version_match.is_empty() {
            return;
        }
        let legacy = self.resource_version.is_empty() || self.resource_version == "0";
        if self.watch && legacy {
            self.send_initial_events = Some(true);
            self.resource_version_match = NOT_OLDER_THAN.to_string();
        }
    }

    /// `ValidateListOptions` with the WatchList gate on (kubernetes/kubernetes
    /// `staging/src/k8s.io/apimachinery/pkg/apis/meta/internalversion/validation/validation.go`),
    /// the same checks in the same order, with the same messages.
    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let m = self.resource_version_match.as_str();
        if self.watch {
            // validateWatchOptions
            if self.send_initial_events.is_some() && m != NOT_OLDER_THAN {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    format!("sendInitialEvents requires setting resourceVersionMatch to {NOT_OLDER_THAN}"),
                ));
            }
            if !m.is_empty() {
                if self.send_initial_events.is_none() {
                    errors.push(FieldError::forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                    ));
                }
                if m != NOT_OLDER_THAN {
                    errors.push(FieldError::not_supported(
                        "resourceVersionMatch",
                        m,
                        &[NOT_OLDER_THAN],
                    ));
                }
                if !self.continue_token.is_empty() {
                    errors.push(FieldError::forbidden(
                        "resourceVersionMatch",
                        "resourceVersionMatch is forbidden when continue is provided",
                    ));
                }
            }
            return errors;
        }
        if !m.is_empty() {
            if self.resource_version.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden unless resourceVersion is provided",
                ));
            }
            if !self.continue_token.is_empty() {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                ));
            }
            if m != EXACT && m != NOT_OLDER_THAN {
                errors.push(FieldError::not_supported(
                    "resourceVersionMatch",
                    m,
                    &[EXACT, NOT_OLDER_THAN, ""],
                ));
            }
            if m == EXACT && self.resource_version == "0" {
                errors.push(FieldError::forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
                ));
            }
        }
        if self.send_initial_events.is_some() {
            errors.push(FieldError::forbidden(
                "sendInitialEvents",
                "sendInitialEvents is forbidden for list",
            ));
        }
        errors
    }
}

/// One `field.Error` (kubernetes/kubernetes
/// `staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct FieldError {
    field: &'static str,
    /// `FieldValueForbidden`, `FieldValueNotSupported`: the Status cause's `reason`.
    kind: &'static str,
    /// `ErrorBody()`: `Forbidden: <detail>`, `Unsupported value: "<v>": supported values: ...`.
    body: String,
}

impl FieldError {
    fn forbidden(field: &'static str, detail: impl Into<String>) -> FieldError {
        FieldError {
            field,
            kind: "FieldValueForbidden",
            body: format!("Forbidden: {}", detail.into()),
        }
    }

    fn not_supported(field: &'static str, value: &str, supported: &[&str]) -> FieldError {
        let supported: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        FieldError {
            field,
            kind: "FieldValueNotSupported",
            body: format!(
                "Unsupported value: {value:?}: supported values: {}",
                supported.join(", ")
            ),
        }
    }

    /// `Error()`: `<field>: <body>`.
    fn text(&self) -> String {
        format!("{}: {}", self.field, self.body)
    }
}

/// Options kube-apiserver refuses.
#[derive(Debug)]
pub(crate) struct Invalid(Vec<FieldError>);

/// `errors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: "ListOptions"}, "", errs)`
/// (kubernetes/kubernetes `staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go`); the message
/// aggregates the errors as `utilerrors.NewAggregate` does (one: itself; several, deduplicated:
/// `[a, b]`, `staging/src/k8s.io/apimachinery/pkg/util/errors/errors.go`).
impl IntoResponse for Invalid {
    fn into_response(self) -> Response {
        let Invalid(errors) = self;
        invalid(&errors)
    }
}

fn invalid(errors: &[FieldError]) -> Response {
    let mut texts: Vec<String> = Vec::new();
    for e in errors {
        let text = e.text();
        if !texts.contains(&text) {
            texts.push(text);
        }
    }
    let aggregate = if texts.len() == 1 {
        texts.remove(0)
    } else {
        format!("[{}]", texts.join(", "))
    };
    let causes: Vec<Value> = errors
        .iter()
        .map(|e| json!({"reason": e.kind, "message": e.body, "field": e.field}))
        .collect();
    json_response(
        422,
        &json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": format!("ListOptions.meta.k8s.io \"\" is invalid: {aggregate}"),
            "reason": "Invalid",
            "details": {"group": "meta.k8s.io", "kind": "ListOptions", "causes": causes},
            "code": 422,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Query {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn errors(pairs: &[(&str, &str)]) -> Vec<String> {
        let mut o = ListOptions {
            watch: param_bool(&query(pairs), "watch").unwrap_or(false),
            resource_version: param(&query(pairs), "resourceVersion"),
            resource_version_match: param(&query(pairs), "resourceVersionMatch"),
            send_initial_events: param_bool(&query(pairs), "sendInitialEvents"),
            allow_watch_bookmarks: false,
            continue_token: param(&query(pairs), "continue"),
        };
        o.set_defaults();
        o.validate().iter().map(FieldError::text).collect()
    }

    #[test]
    fn bools_decode_as_apimachinery_does() {
        let q = query(&[
            ("a", "true"),
            ("b", "False"),
            ("c", "0"),
            ("d", ""),
            ("e", "1"),
        ]);
        assert_eq!(param_bool(&q, "a"), Some(true));
        assert_eq!(param_bool(&q, "b"), Some(false));
        assert_eq!(param_bool(&q, "c"), Some(false));
        assert_eq!(param_bool(&q, "d"), Some(true));
        assert_eq!(param_bool(&q, "e"), Some(true));
        assert_eq!(param_bool(&q, "missing"), None);
    }

    #[test]
    fn a_legacy_watch_becomes_a_watch_list() {
        let o = ListOptions::from_query(&query(&[("watch", "true")])).unwrap();
        assert_eq!(o.send_initial_events, Some(true));
        assert_eq!(o.resource_version_match, NOT_OLDER_THAN);
        let o = ListOptions::from_query(&query(&[("watch", "true"), ("resourceVersion", "0")]))
            .unwrap();
        assert_eq!(o.send_initial_events, Some(true));
        let o = ListOptions::from_query(&query(&[("watch", "true"), ("resourceVersion", "7")]))
            .unwrap();
        assert_eq!(o.send_initial_events, None);
        let o = ListOptions::from_query(&query(&[])).unwrap();
        assert_eq!(o.send_initial_events, None, "lists are not defaulted");
    }

    #[test]
    fn validation_matches_kube_apiserver() {
        assert!(
            errors(&[
                ("watch", "true"),
                ("sendInitialEvents", "true"),
                ("resourceVersionMatch", "NotOlderThan")
            ])
            .is_empty()
        );
        assert_eq!(
            errors(&[("watch", "true"), ("sendInitialEvents", "true")]),
            [
                "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"
            ]
        );
        assert_eq!(
            errors(&[
                ("watch", "true"),
                ("resourceVersion", "5"),
                ("resourceVersionMatch", "NotOlderThan")
            ]),
            [
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"
            ]
        );
        assert_eq!(
            errors(&[
                ("watch", "true"),
                ("sendInitialEvents", "true"),
                ("resourceVersionMatch", "Exact")
            ]),
            [
                "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                "resourceVersionMatch: Unsupported value: \"Exact\": supported values: \"NotOlderThan\""
            ]
        );
        assert_eq!(
            errors(&[("sendInitialEvents", "true")]),
            ["sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"]
        );
        assert_eq!(
            errors(&[("resourceVersionMatch", "NotOlderThan")]),
            [
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"
            ]
        );
        assert!(
            errors(&[
                ("resourceVersion", "0"),
                ("resourceVersionMatch", "NotOlderThan")
            ])
            .is_empty()
        );
    }
}
