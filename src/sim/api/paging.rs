//! List paging as kube-apiserver does it: `limit` returns at most that many items with a
//! `continue` token and `remainingItemCount`; the token resumes after the last item.
//!
//! Sources: kubernetes/kubernetes `staging/src/k8s.io/apiserver/pkg/storage/etcd3/store.go`
//! (GetList: items in key order, `namespace/name`) and `staging/src/k8s.io/apiserver/pkg/storage/
//! continue.go` (the token: base64 of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}`; a
//! token that does not decode is a 400, one whose version was compacted a 410 `Expired`).
//!
//! Approximated: later pages show the objects as they are now, where etcd reads them at the
//! first page's version; the 410 carries no fresh token.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Query;
use crate::sim::status::ApiError;

const TOKEN_VERSION: &str = "meta.k8s.io/v1";

#[derive(Serialize, Deserialize)]
struct Token {
    v: String,
    rv: u64,
    start: String,
}

/// One page of a list.
pub struct Page {
    pub items: Vec<Arc<Value>>,
    /// The list's resource version (the first page's, on later pages).
    pub resource_version: u64,
    pub continue_token: Option<String>,
    pub remaining: Option<u64>,
}

/// An object's key within its kind, the order etcd lists in.
fn key_of(object: &Value) -> String {
    let text = |p: &str| object.pointer(p).and_then(Value::as_str).unwrap_or("");
    let ns = text("/metadata/namespace");
    let name = text("/metadata/name");
    if ns.is_empty() {
        name.to_string()
    } else {
        format!("{ns}/{name}")
    }
}

fn invalid(reason: &str) -> ApiError {
    ApiError::bad_request(format!("continue key is not valid: {reason}"))
}

/// Pages `items` (listed at `rv`) as the query's `limit` and `continue` ask; `oldest` is the
/// oldest version not compacted yet.
pub fn page(
    mut items: Vec<Arc<Value>>,
    rv: u64,
    oldest: u64,
    query: &Query,
) -> Result<Page, ApiError> {
    items.sort_by_cached_key(|o| key_of(o));
    let mut resource_version = rv;
    if let Some(token) = query.get("continue").filter(|t| !t.is_empty()) {
        let bytes = STANDARD
            .decode(token)
            .map_err(|e| invalid(&e.to_string()))?;
        let token: Token = serde_json::from_slice(&bytes).map_err(|e| invalid(&e.to_string()))?;
        if token.v != TOKEN_VERSION {
            return Err(invalid("server does not recognize this encoded version"));
        }
        if token.rv == 0 {
            return Err(invalid(&format!(
                "incorrect encoded start resourceVersion (version {TOKEN_VERSION})"
            )));
        }
        if token.rv < oldest {
            return Err(ApiError::gone(
                "The provided continue parameter is too old to display a consistent list result. \
                 You can start a new list without the continue parameter, or use the continue \
                 token in this response to retrieve the remainder of the results. Continuing \
                 with the provided token results in an inconsistent list - objects that were \
                 created, modified, or deleted between the time the first chunk was returned \
                 and now may show up in the list.",
            ));
        }
        let start = token.start.trim_end_matches('\u{0}').to_string();
        items.retain(|o| key_of(o) > start);
        resource_version = token.rv;
    }
    let limit = match query.get("limit").filter(|l| !l.is_empty()) {
        None => 0,
        Some(l) => l
            .parse::<u64>()
            .map_err(|_| ApiError::bad_request(format!("invalid value for limit: {l:?}")))?,
    };
    let (mut continue_token, mut remaining) = (None, None);
    if limit > 0 && items.len() as u64 > limit {
        let rest = items.split_off(limit as usize);
        let last = items.last().map(|o| key_of(o)).unwrap_or_default();
        let token = Token {
            v: TOKEN_VERSION.into(),
            rv: resource_version,
            start: format!("{last}\u{0}"),
        };
        continue_token = Some(STANDARD.encode(serde_json::to_vec(&token).unwrap_or_default()));
        remaining = Some(rest.len() as u64);
    }
    Ok(Page {
        items,
        resource_version,
        continue_token,
        remaining,
    })
}
