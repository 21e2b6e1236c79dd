//! Fetching manifests from https URLs (the walkthrough applies bookinfo straight from GitHub).
//!
//! TLS is verified with the platform's trust store, as kube-rs does for clusters. Plain `http://`
//! to another machine is refused unless the [`Policy`] allows it (a manifest read over plain
//! http can be changed on the way to the cluster), and so is a redirect from https to it; plain
//! http to this machine (`localhost`, `127.0.0.1`, `[::1]`) crosses no network and is allowed. Redirects are followed a
//! few times, resolved against the URL that answered as RFC 3986 says (`g`, `../g`, `//host/g`,
//! `?q`); the body is size-limited and the whole fetch has a deadline, so a bad URL fails a step
//! quickly and clearly instead of hanging it.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const MAX_BYTES: usize = 8 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;
const DEADLINE: Duration = Duration::from_secs(30);

/// Which URLs may be fetched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Policy {
    /// Plain `http://` too (else only `https://`).
    pub allow_http: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: not an http(s) URL")]
    BadUrl { url: String },
    #[error(
        "{url}: plain http to another machine is not allowed (only https: what travels in clear can be changed on the way)"
    )]
    Insecure { url: String },
    #[error("{url}: {message}")]
    Failed { url: String, message: String },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: no answer within {}s", DEADLINE.as_secs())]
    Timeout { url: String },
}

impl FetchError {
    /// What the user can do about it, when there is something.
    pub fn hint(&self) -> Option<String> {
        match self {
            FetchError::Insecure { url } => Some(format!(
                "use the https:// address of {url:?}, or allow plain http for this run with \
                 --allow-http (FEDRUN_ALLOW_HTTP_MANIFESTS=1)"
            )),
            FetchError::BadUrl { .. } => Some("manifest URLs start with https://".into()),
            _ => None,
        }
    }
}

/// Whether `host` is this machine (`localhost`, `127.0.0.0/8`, `::1`): plain http to it never
/// crosses a network, so nothing on the way can change it.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Refuses what `policy` does not allow: a URL that is not http(s), or plain http to another
/// machine.
pub fn check_url(url: &str, policy: Policy) -> Result<hyper::Uri, FetchError> {
    let uri: hyper::Uri = url.parse().map_err(|_| FetchError::BadUrl {
        url: url.to_string(),
    })?;
    match uri.scheme_str() {
        Some("https") if uri.authority().is_some() => Ok(uri),
        Some("http") if uri.authority().is_some() => {
            if policy.allow_http || is_loopback(uri.host().unwrap_or("")) {
                Ok(uri)
            } else {
                Err(FetchError::Insecure {
                    url: url.to_string(),
                })
            }
        }
        _ => Err(FetchError::BadUrl {
            url: url.to_string(),
        }),
    }
}

/// The body of `url` as text, if `policy` allows it (redirects included).
pub async fn get_text(url: &str, policy: Policy) -> Result<String, FetchError> {
    check_url(url, policy)?;
    match tokio::time::timeout(DEADLINE, get(url, policy)).await {
        Ok(result) => result,
        Err(_) => Err(FetchError::Timeout {
            url: url.to_string(),
        }),
    }
}

async fn get(original: &str, policy: Policy) -> Result<String, FetchError> {
    let failed = |message: String| FetchError::Failed {
        url: original.to_string(),
        message,
    };
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_platform_verifier(rustls::crypto::ring::default_provider())
        .map_err(|e| failed(format!("cannot load the platform's trust store: {e}")))?;
    // Plain http only where [`check_url`] lets it through (every hop is checked).
    let connector = builder.https_or_http().enable_http1().build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let mut url = original.to_string();
    for _ in 0..=MAX_REDIRECTS {
        // Every hop, not only the first: an https URL must not redirect to plain http.
        let uri = check_url(&url, policy)?;
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
            url = resolve(&uri, location).ok_or_else(|| {
                failed(format!(
                    "redirect ({status}) to an invalid Location {location:?}"
                ))
            })?;
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

/// A redirect target (`Location`), resolved against the URL that answered as RFC 3986 §5.2
/// says: absolute (`https://other/x`), network-path (`//other/x`), absolute-path (`/x`),
/// query-only (`?q`), or a relative path merged with the base's directory (`x`, `../x`), with
/// `.` and `..` segments removed. The fragment is dropped (it is never sent).
fn resolve(base: &hyper::Uri, location: &str) -> Option<String> {
    let location = location.trim();
    let location = location.split('#').next().unwrap_or("");
    let scheme = base.scheme_str()?;
    let authority = base.authority()?.as_str();
    let has_scheme = location.split_once(':').is_some_and(|(s, _)| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if has_scheme {
        return Some(location.to_string());
    }
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    let (path, query) = match location.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (location, None),
    };
    let base_path = base.path();
    let (path, query) = if path.is_empty() {
        (
            base_path.to_string(),
            query
                .map(str::to_string)
                .or(base.query().map(str::to_string)),
        )
    } else if path.starts_with('/') {
        (remove_dot_segments(path), query.map(str::to_string))
    } else {
        let directory = match base_path.rfind('/') {
            Some(i) => &base_path[..=i],
            None => "/",
        };
        (
            remove_dot_segments(&format!("{directory}{path}")),
            query.map(str::to_string),
        )
    };
    let path = if path.is_empty() {
        "/".to_string()
    } else {
        path
    };
    Some(match query {
        Some(q) => format!("{scheme}://{authority}{path}?{q}"),
        None => format!("{scheme}://{authority}{path}"),
    })
}

/// RFC 3986 §5.2.4: `/a/b/../c/./d` → `/a/c/d`.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if path.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
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
        let r = |l: &str| resolve(&base, l).unwrap();
        assert_eq!(r("/c"), "https://example.com/c");
        assert_eq!(r("http://other/x"), "http://other/x");
        // Relative to the directory of the current URL, not to the root.
        assert_eq!(r("c"), "https://example.com/a/c");
        assert_eq!(
            r("//cdn.example.com/x.yaml"),
            "https://cdn.example.com/x.yaml"
        );
        assert_eq!(
            r("/x?u=http://evil/"),
            "https://example.com/x?u=http://evil/"
        );
    }

    #[test]
    fn redirects_resolve_as_rfc_3986_examples() {
        // RFC 3986 §5.4.1 and §5.4.2 (fragments are dropped: they are never sent).
        let base: hyper::Uri = "http://a/b/c/d;p?q".parse().unwrap();
        for (reference, target) in [
            ("g:h", "g:h"),
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            ("g?y#s", "http://a/b/c/g?y"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
        ] {
            assert_eq!(
                resolve(&base, reference).as_deref(),
                Some(target),
                "{reference:?}"
            );
        }
    }

    #[test]
    fn plain_http_is_refused_unless_allowed() {
        let strict = Policy::default();
        let err = check_url("http://example.com/x.yaml", strict).unwrap_err();
        assert!(matches!(err, FetchError::Insecure { .. }), "{err}");
        assert!(err.hint().unwrap().contains("https://"), "{err}");
        assert!(check_url("https://example.com/x.yaml", strict).is_ok());
        for local in [
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "http://[::1]:1/x",
        ] {
            assert!(check_url(local, strict).is_ok(), "{local}");
        }
        for remote in [
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest",
            "http://localhost.evil.com/x",
        ] {
            assert!(check_url(remote, strict).is_err(), "{remote}");
        }
        assert!(check_url("http://example.com/x.yaml", Policy { allow_http: true }).is_ok());
        assert!(matches!(
            check_url("file:///etc/passwd", Policy { allow_http: true }),
            Err(FetchError::BadUrl { .. })
        ));
    }

    #[tokio::test]
    async fn unreachable_and_malformed_urls_fail_clearly() {
        let allow = Policy { allow_http: true };
        let err = get_text("http://127.0.0.1:1/x.yaml", allow)
            .await
            .unwrap_err();
        assert!(
            err.to_string().starts_with("http://127.0.0.1:1/x.yaml: "),
            "{err}"
        );
        let err = get_text("ftp://example.com/x", allow).await.unwrap_err();
        assert!(matches!(err, FetchError::BadUrl { .. }), "{err}");
    }
}
