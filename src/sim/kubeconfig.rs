//! The kubeconfig that `fedrun sim serve` writes, and the one atomic-write helper.
//!
//! The simulator is meant to be used by real clients (kubectl, kube-rs, the Python client)
//! exactly like real clusters, so it writes a standard kubeconfig: one cluster, user and context
//! per simulated cluster, all named after the cluster, with the cluster's CA inline
//! (`certificate-authority-data`, so TLS is verified) and its bearer token.
//!
//! The file holds tokens, so it is created with mode 0600 from the start (never chmod-ed after
//! being written world-readable) and replaced atomically, so that a crash or a concurrent reader
//! never sees a torn file. [`atomic_write`] is the single implementation of that for the whole
//! simulator (state files use it too).

use std::collections::HashSet;
use std::fmt;
use std::io::{self, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use base64::Engine as _;
use serde::Serialize;

/// One simulated cluster as it appears in the kubeconfig: a cluster, a user and a context, all
/// named `context`.
#[derive(Clone, PartialEq, Eq)]
pub struct KubeconfigEntry {
    /// Name of the cluster, user and context (e.g. `aro`).
    pub context: String,
    /// The API server URL, e.g. `https://127.0.0.1:41234`.
    pub server: String,
    /// PEM of the cluster's CA; written base64-encoded as `certificate-authority-data`.
    pub ca_cert_pem: String,
    /// The bearer token of the cluster's user.
    pub token: String,
}

impl fmt::Debug for KubeconfigEntry {
    /// Redacts the token: secrets never appear in output or logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KubeconfigEntry")
            .field("context", &self.context)
            .field("server", &self.server)
            .field(
                "ca_cert_pem",
                &format_args!("<{} bytes of PEM>", self.ca_cert_pem.len()),
            )
            .field("token", &format_args!("<redacted>"))
            .finish()
    }
}

// The kubeconfig schema (client-go `clientcmd/api/v1`), only the fields written here.
#[derive(Serialize)]
struct Config<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    clusters: Vec<Named<'a, Cluster<'a>>>,
    users: Vec<NamedUser<'a>>,
    contexts: Vec<NamedContext<'a>>,
    #[serde(rename = "current-context", skip_serializing_if = "Option::is_none")]
    current_context: Option<&'a str>,
    preferences: Preferences,
}

#[derive(Serialize)]
struct Preferences {}

#[derive(Serialize)]
struct Named<'a, T> {
    name: &'a str,
    cluster: T,
}

#[derive(Serialize)]
struct Cluster<'a> {
    server: &'a str,
    #[serde(rename = "certificate-authority-data")]
    certificate_authority_data: String,
}

#[derive(Serialize)]
struct NamedUser<'a> {
    name: &'a str,
    user: User<'a>,
}

#[derive(Serialize)]
struct User<'a> {
    token: &'a str,
}

#[derive(Serialize)]
struct NamedContext<'a> {
    name: &'a str,
    context: Context<'a>,
}

#[derive(Serialize)]
struct Context<'a> {
    cluster: &'a str,
    user: &'a str,
}

/// Renders `entries` as kubeconfig YAML. Errors (as `InvalidInput`) on an empty or duplicate
/// context name, or a `current` context that is not among the entries, since kubectl would
/// otherwise silently use the wrong cluster or none.
fn render(entries: &[KubeconfigEntry], current: Option<&str>) -> io::Result<String> {
    let mut seen = HashSet::new();
    for entry in entries {
        if entry.context.is_empty() {
            return Err(invalid("a kubeconfig context name is empty".to_owned()));
        }
        if !seen.insert(entry.context.as_str()) {
            return Err(invalid(format!(
                "the kubeconfig context {:?} appears twice",
                entry.context
            )));
        }
    }
    if let Some(current) = current
        && !seen.contains(current)
    {
        let mut known: Vec<&str> = seen.into_iter().collect();
        known.sort_unstable();
        return Err(invalid(format!(
            "current context {current:?} is not one of the written contexts ({})",
            known.join(", ")
        )));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let config = Config {
        api_version: "v1",
        kind: "Config",
        clusters: entries
            .iter()
            .map(|e| Named {
                name: &e.context,
                cluster: Cluster {
                    server: &e.server,
                    certificate_authority_data: b64.encode(e.ca_cert_pem.as_bytes()),
                },
            })
            .collect(),
        users: entries
            .iter()
            .map(|e| NamedUser {
                name: &e.context,
                user: User { token: &e.token },
            })
            .collect(),
        contexts: entries
            .iter()
            .map(|e| NamedContext {
                name: &e.context,
                context: Context {
                    cluster: &e.context,
                    user: &e.context,
                },
            })
            .collect(),
        current_context: current,
        preferences: Preferences {},
    };
    serde_yaml::to_string(&config).map_err(|e| invalid(format!("rendering the kubeconfig: {e}")))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Writes a kubeconfig for `entries` to `path` atomically with mode 0600, selecting `current`
/// as `current-context` (omitted when `None`: clients then need an explicit `--context`).
pub fn write(path: &Path, entries: &[KubeconfigEntry], current: Option<&str>) -> io::Result<()> {
    let yaml = render(entries, current)?;
    atomic_write(path, yaml.as_bytes(), 0o600)
}

/// Replaces the file at `path` with `bytes` so that readers see either the old or the new
/// content, never a mix, even if the process crashes: the bytes go to a new temporary file in
/// the same directory (a rename is only atomic within one file system), created with `mode`
/// from the start (secrets are never readable by others, not even for an instant), flushed
/// with fsync, renamed over `path`, and the directory is fsynced so the rename itself is
/// durable.
///
/// The resulting file has exactly `mode` (the process umask only ever narrows a creation mode;
/// the temporary file's mode is then set on its descriptor before it gets its final name).
/// If `path` is a symlink, the link itself is replaced by a regular file.
pub fn atomic_write(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| invalid(format!("{} does not name a file", path.display())))?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)?;
    // Undo a umask that narrowed the requested mode (on the open descriptor, before the file
    // has its final name, so there is no window with a wrong mode under `path`).
    let file = tmp.as_file_mut();
    if file.metadata()?.permissions().mode() & 0o7777 != mode & 0o7777 {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    file.write_all(bytes)?;
    file.sync_all()?;
    // On error the temporary file is removed when `tmp` (inside the error) is dropped.
    tmp.persist(path).map_err(|e| e.error)?;
    // Make the rename durable. Some file systems refuse fsync on a directory; the data itself
    // is already safe then, so that is not an error.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, port: u16) -> KubeconfigEntry {
        KubeconfigEntry {
            context: name.to_owned(),
            server: format!("https://127.0.0.1:{port}"),
            ca_cert_pem: super::super::tls::ClusterIdentity::generate(name)
                .expect("identity")
                .ca_cert_pem,
            token: format!("token-of-{name}"),
        }
    }

    #[tokio::test]
    async fn kube_rs_reads_it_and_selects_the_context() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kubeconfig");
        let entries = [entry("rosa", 1111), entry("aro", 2222), entry("rog", 3333)];
        write(&path, &entries, Some("rosa")).expect("write");

        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);

        let kc = kube::config::Kubeconfig::read_from(&path).expect("parse");
        assert_eq!(kc.current_context.as_deref(), Some("rosa"));
        assert_eq!(kc.contexts.len(), 3);
        let options = kube::config::KubeConfigOptions {
            context: Some("aro".to_owned()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kc.clone(), &options)
            .await
            .expect("config");
        assert_eq!(config.cluster_url.to_string(), "https://127.0.0.1:2222/");
        let root = config.root_cert.expect("ca data");
        assert_eq!(root.len(), 1, "one CA");

        let default = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .expect("config");
        assert_eq!(default.cluster_url.to_string(), "https://127.0.0.1:1111/");
    }

    #[test]
    fn layout_is_standard() {
        let yaml = render(&[entry("aro", 2222)], None).expect("render");
        let value: serde_yaml::Value = serde_yaml::from_str(&yaml).expect("yaml");
        assert_eq!(value["kind"].as_str(), Some("Config"));
        assert_eq!(value["clusters"][0]["name"].as_str(), Some("aro"));
        let data = value["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .expect("ca data");
        let pem = base64::engine::general_purpose::STANDARD
            .decode(data)
            .expect("base64");
        assert!(
            String::from_utf8(pem)
                .expect("utf8")
                .contains("BEGIN CERTIFICATE")
        );
        assert_eq!(
            value["users"][0]["user"]["token"].as_str(),
            Some("token-of-aro")
        );
        assert_eq!(
            value["contexts"][0]["context"]["cluster"].as_str(),
            Some("aro")
        );
        assert_eq!(
            value["contexts"][0]["context"]["user"].as_str(),
            Some("aro")
        );
        assert!(value.get("current-context").is_none());
    }

    #[test]
    fn bad_input_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("kubeconfig");
        let err = write(&path, &[entry("a", 1), entry("a", 2)], None).expect_err("duplicate");
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let err = write(&path, &[entry("a", 1)], Some("b")).expect_err("unknown current");
        assert!(err.to_string().contains("\"b\""), "{err}");
        assert!(!path.exists());
    }

    #[test]
    fn debug_redacts_the_token() {
        let e = entry("aro", 1);
        assert!(!format!("{e:?}").contains("token-of-aro"));
    }

    #[test]
    fn atomic_write_replaces_with_exact_mode_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        atomic_write(&path, b"one", 0o600).expect("first");
        atomic_write(&path, b"two", 0o640).expect("second");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o640);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn atomic_write_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("missing").join("state.json");
        assert!(atomic_write(&path, b"x", 0o600).is_err());
        assert!(atomic_write(Path::new("/"), b"x", 0o600).is_err());
    }
}
