//! Reading kubeconfigs as kubectl reads them, and refusing what would leak credentials before any
//! connection is made.
//!
//! - [`read`] reads one file or merges several (`KUBECONFIG=a:b`) with kubectl's rules: the first
//!   file to define a cluster, user or context by name wins, `current-context` comes from the
//!   first file that sets it, and files of the list that do not exist are skipped.
//! - Credentials are validated when the kubeconfig is read: a token, user name or password with a
//!   line break cannot go into an HTTP header (kube-rs panics on such a token).
//! - [`check_endpoint`] refuses, for the context about to be used, a server URL with a user name
//!   and password in it (hyper logs the URL), plain HTTP (the token would cross the network in
//!   cleartext) unless allowed, and `insecure-skip-tls-verify` together with a CA (as client-go
//!   does); it returns the warnings to print for what is allowed but unsafe.
//!
//! No message here ever holds a credential: entries are named, values never shown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ::kube::config::{Kubeconfig, KubeconfigError};

use super::errors::KubeError;
use super::retry::error_chain;

/// The environment variable that allows plain `http://` servers beyond the local host.
pub const ALLOW_HTTP_ENV: &str = "FEDRUN_ALLOW_INSECURE_HTTP";

/// A kubeconfig read from one or more files.
pub(crate) struct Loaded {
    /// The merged configuration.
    pub config: Kubeconfig,
    /// The files read, in order (missing ones left out).
    pub files: Vec<PathBuf>,
    /// Which file each named entry came from: ("cluster" | "user" | "context", name) → file.
    pub origins: HashMap<(&'static str, String), PathBuf>,
}

impl Loaded {
    /// How errors name the kubeconfig: the file an entry came from, else every file read.
    pub fn label(&self, entry: Option<(&'static str, &str)>) -> String {
        if let Some((kind, name)) = entry
            && let Some(path) = self.origins.get(&(kind, name.to_string()))
        {
            return path.display().to_string();
        }
        join(&self.files)
    }
}

fn join(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// Reads and merges `paths` as kubectl does. With `skip_missing` (a `KUBECONFIG` list), files
/// that do not exist are skipped, and it is an error only when none exists; otherwise (an
/// explicit `--kubeconfig`) every file must exist.
pub(crate) fn read(paths: &[PathBuf], skip_missing: bool) -> Result<Loaded, KubeError> {
    let paths: Vec<&PathBuf> = paths.iter().filter(|p| !p.as_os_str().is_empty()).collect();
    if paths.is_empty() {
        return Err(KubeError::Kubeconfig {
            path: "(none)".into(),
            message: "no kubeconfig file given (KUBECONFIG is empty)".into(),
        });
    }
    let mut merged: Option<Kubeconfig> = None;
    let mut files = Vec::new();
    let mut origins = HashMap::new();
    for path in &paths {
        if skip_missing && !path.exists() {
            continue;
        }
        let config = Kubeconfig::read_from(path).map_err(|e| read_error(path, e))?;
        validate_users(path, &config)?;
        for c in &config.clusters {
            origins
                .entry(("cluster", c.name.clone()))
                .or_insert_with(|| path.to_path_buf());
        }
        for u in &config.auth_infos {
            origins
                .entry(("user", u.name.clone()))
                .or_insert_with(|| path.to_path_buf());
        }
        for c in &config.contexts {
            origins
                .entry(("context", c.name.clone()))
                .or_insert_with(|| path.to_path_buf());
        }
        merged = Some(match merged {
            None => config,
            Some(first) => first.merge(config).map_err(|e| KubeError::Kubeconfig {
                path: path.display().to_string(),
                message: format!("cannot be merged with the files before it: {e}"),
            })?,
        });
        files.push(path.to_path_buf());
    }
    let Some(config) = merged else {
        let listed: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
        return Err(KubeError::Kubeconfig {
            path: join(&listed),
            message: "none of these files exists".into(),
        });
    };
    Ok(Loaded {
        config,
        files,
        origins,
    })
}

/// A kubeconfig failure with its path and, for YAML errors, the location.
fn read_error(path: &Path, error: KubeconfigError) -> KubeError {
    let message = match &error {
        KubeconfigError::ReadConfig(io, _) => format!("cannot read it: {io}"),
        // The YAML error's first line has the location; the following lines quote the file,
        // which may hold a token, so they are left out.
        other => error_chain(other)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    KubeError::Kubeconfig {
        path: path.display().to_string(),
        message,
    }
}

/// Refuses credentials that cannot go into an HTTP header: a line break (or another control
/// character) in a token, user name or password. Names the user entry, never the value.
fn validate_users(path: &Path, config: &Kubeconfig) -> Result<(), KubeError> {
    for named in &config.auth_infos {
        let Some(user) = &named.auth_info else {
            continue;
        };
        // The secrets are `SecretString`s; their serialized form is the only way to read them.
        let Ok(value) = serde_json::to_value(user) else {
            continue;
        };
        for (field, shown) in [
            ("token", "token"),
            ("username", "username"),
            ("password", "password"),
        ] {
            let Some(text) = value.get(field).and_then(serde_json::Value::as_str) else {
                continue;
            };
            if let Some(what) = bad_character(text) {
                return Err(KubeError::Kubeconfig {
                    path: path.display().to_string(),
                    message: format!(
                        "user entry {:?}: its {shown} contains {what}, which cannot be sent in an HTTP header; \
                         copy the {shown} again as one line (the value is not shown)",
                        named.name
                    ),
                });
            }
        }
    }
    Ok(())
}

/// What makes `text` unusable in a header, if anything.
pub(crate) fn bad_character(text: &str) -> Option<&'static str> {
    if text.contains('\n') || text.contains('\r') {
        Some("a line break")
    } else if text.chars().any(|c| c.is_control() && c != '\t') {
        Some("a control character")
    } else {
        None
    }
}

/// What [`check_endpoint`] lets through but warns about, keyed so each is printed once per cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// The cluster entry and the kind of warning: the once-only key.
    pub key: String,
    /// The text, without the `warning: ` prefix.
    pub text: String,
}

/// Checks the cluster entry `context` uses before anything connects to it. Errors name the
/// kubeconfig file, the cluster entry and the context; they never show credentials.
pub(crate) fn check_endpoint(
    loaded: &Loaded,
    context: &str,
    allow_http: bool,
) -> Result<Vec<Warning>, KubeError> {
    let config = &loaded.config;
    let Some(cluster_name) = config
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .map(|c| c.cluster.clone())
    else {
        return Ok(Vec::new());
    };
    let Some(cluster) = config
        .clusters
        .iter()
        .find(|c| c.name == cluster_name)
        .and_then(|c| c.cluster.as_ref())
    else {
        return Ok(Vec::new());
    };
    let refuse = |message: String| KubeError::Kubeconfig {
        path: loaded.label(Some(("cluster", &cluster_name))),
        message: format!("cluster entry {cluster_name:?} (context {context}): {message}"),
    };
    let mut warnings = Vec::new();
    if let Some(server) = cluster.server.as_deref() {
        let (scheme, rest) = server.split_once("://").unwrap_or(("", server));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if let Some((_, host)) = authority.rsplit_once('@') {
            return Err(refuse(format!(
                "the server URL has a user name and password in it ({scheme}://…@{host}); \
                 fedrun does not send URL credentials, which end up in logs: remove them from the \
                 URL and put the credentials in the user entry (token, or username and password)"
            )));
        }
        if scheme.eq_ignore_ascii_case("http") && !is_loopback(authority) {
            if !allow_http {
                return Err(refuse(format!(
                    "the server URL {scheme}://{authority} is plain HTTP: the credentials would cross \
                     the network in cleartext; use the server's https:// URL, or set {ALLOW_HTTP_ENV}=1 \
                     to allow it anyway"
                )));
            }
            warnings.push(Warning {
                key: format!("{cluster_name}/http"),
                text: format!(
                    "cluster {cluster_name:?} (context {context}) is reached over plain HTTP \
                     ({scheme}://{authority}): credentials and data cross the network unencrypted \
                     ({ALLOW_HTTP_ENV} is set)"
                ),
            });
        }
    }
    if cluster.insecure_skip_tls_verify == Some(true) {
        let has_ca = cluster
            .certificate_authority
            .as_deref()
            .is_some_and(|s| !s.is_empty())
            || cluster
                .certificate_authority_data
                .as_deref()
                .is_some_and(|s| !s.is_empty());
        if has_ca {
            return Err(refuse(
                "specifying a root certificates file with the insecure flag is not allowed \
                 (insecure-skip-tls-verify is set together with certificate-authority(-data)); \
                 remove insecure-skip-tls-verify so the server is verified against the CA"
                    .to_string(),
            ));
        }
        warnings.push(Warning {
            key: format!("{cluster_name}/insecure"),
            text: format!(
                "context {context}: insecure-skip-tls-verify is set for cluster {cluster_name:?}: the \
                 server's certificate is not verified, so anyone on the network path can pose as the \
                 server and read the credentials; set certificate-authority-data instead"
            ),
        });
    }
    Ok(warnings)
}

/// Whether a URL authority (`host:port`) is the local host, where plain HTTP never crosses a
/// network (`kubectl proxy` serves `http://127.0.0.1:8001`).
fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The exec-plugin timeout from `FEDRUN_EXEC_TIMEOUT` (`30s`, `2m`, or seconds), if set.
pub(crate) fn exec_timeout_from_env() -> Result<Option<std::time::Duration>, KubeError> {
    let Ok(text) = std::env::var(super::exec::TIMEOUT_ENV) else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let parsed = match text.parse::<u64>() {
        Ok(secs) => Ok(std::time::Duration::from_secs(secs)),
        Err(_) => crate::duration::parse(text).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if !d.is_zero() => Ok(Some(d)),
        Ok(_) => Err(KubeError::Invalid {
            message: format!("{}: must be more than 0", super::exec::TIMEOUT_ENV),
        }),
        Err(e) => Err(KubeError::Invalid {
            message: format!(
                "{}={text:?}: {e} (expected e.g. 30s or 2m)",
                super::exec::TIMEOUT_ENV
            ),
        }),
    }
}

/// Whether `FEDRUN_ALLOW_INSECURE_HTTP` allows plain HTTP.
pub(crate) fn allow_http_from_env() -> bool {
    std::env::var(ALLOW_HTTP_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for yes in [
            "127.0.0.1:8001",
            "localhost",
            "LOCALHOST:80",
            "[::1]:8080",
            "127.1.2.3",
        ] {
            assert!(is_loopback(yes), "{yes}");
        }
        for no in ["10.0.0.1:6443", "api.example.com", "[2001:db8::1]:443"] {
            assert!(!is_loopback(no), "{no}");
        }
    }

    #[test]
    fn header_unsafe_characters() {
        assert_eq!(bad_character("abc\ndef"), Some("a line break"));
        assert_eq!(bad_character("abc\r"), Some("a line break"));
        assert_eq!(bad_character("a\u{7}b"), Some("a control character"));
        assert_eq!(bad_character("a\tb c"), None);
    }
}
