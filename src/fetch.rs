//! Fetching manifests from http(s) URLs (the walkthrough applies bookinfo straight from GitHub).
//!
//! TLS is verified with the platform's trust store, as kube-rs does for clusters. Redirects are
//! followed a few times; the body is size-limited and the whole fetch has a deadline, so a bad URL
//! fails a step quickly and clearly instead of hanging it.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const MAX_BYTES: usize = 8 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;
const DEADLINE: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not an http(s) URL")]
    BadUrl { url: String },
    #[error("{url}: {message}")]
    Failed { url: String, message: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: no answer within {}s", DEADLINE.as_secs())]
    Timeout { url: String },
}

/// The body of `url` as text.
pub async fn get_text(url: &str) -> Result<String, FetchError> {
    match tokio::time::timeout(DEADLINE, get(url)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout {
            url: url.to_string(),
        }),
    }
}

async fn get(original: &str) -> Result<String, FetchError> {
    let failed = |message: String| FetchError::Failed {
        url: original.to_string(),
        message,
    };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_platform_verifier(rustls::crypto::ring::default_provider())
        .map_err(|e| failed(format!("cannot load the platform's trust store: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let mut url = original.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let uri: hyper::Uri = url
            .parse()
            .map_err(|_| FetchError::BadUrl { url: url.clone() })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) {
            return Err(FetchError::BadUrl { url });
        }
        let request = hyper::Request::get(uri.clone())
            .header(
                hyper::header::USER_AGENT,
                concat!("fedrun/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|e| failed(e.to_string()))?;
        let response = client
            .request(request)
            .await
            .map_err(|e| failed(describe(&e)))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(hyper::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| failed(format!("redirect ({status}) without a Location")))?;
            url = resolve(&uri, location);
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: original.to_string(),
                status: status.as_u16(),
            });
        }
        let body = Limited::new(response.into_body(), MAX_BYTES)
            .collect()
            .await
            .map_err(|e| failed(format!("reading the body: {e} (limit {MAX_BYTES} bytes)")))?
            .to_bytes();
        return String::from_utf8(body.to_vec())
            .map_err(|_| failed("the body is not UTF-8 text".into()));
    }
    Err(failed(format!("more than {MAX_REDIRECTS} redirects")))
}

/// A redirect target, absolute or relative to the current URL.
fn resolve(base: &hyper::Uri, location: &str) -> String {
    if location.contains("://") {
        return location.to_string();
    }
    let scheme = base.scheme_str().unwrap_or("https");
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    format!(
        "{scheme}://{authority}{}{location}",
        if location.starts_with('/') { "" } else { "/" }
    )
}

/// The innermost cause: hyper's outer message ("client error (Connect)") says little.
fn describe(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        message = inner.to_string();
        source = inner.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_resolve_against_the_current_url() {
        let base: hyper::Uri = "https://example.com/a/b".parse().unwrap();
        assert_eq!(resolve(&base, "/c"), "https://example.com/c");
        assert_eq!(resolve(&base, "http://other/x"), "http://other/x");
    }

    #[tokio::test]
    async fn unreachable_and_malformed_urls_fail_clearly() {
        let err = get_text("http://127.0.0.1:1/x.yaml").await.unwrap_err();
        assert!(
            err.to_string().starts_with("http://127.0.0.1:1/x.yaml: "),
            "{err}"
        );
        let err = get_text("ftp://example.com/x").await.unwrap_err();
        assert!(matches!(err, FetchError::BadUrl { .. }), "{err}");
    }
}
