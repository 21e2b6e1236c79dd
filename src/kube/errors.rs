//! The kube layer's one error type.
//!
//! Every variant names the cluster (the playbook's name for it) because a playbook talks to several
//! clusters at once and "404 Not Found" alone does not say where. Messages are written for the
//! operator running the playbook, not for a Rust developer; [`KubeError::hint`] adds what to do
//! next when fedrun knows it. Credentials never appear in any message: errors are built from
//! names, URLs and the server's `Status`, never from request headers or the kubeconfig's users.

use std::time::Duration;

/// What went wrong talking to a cluster.
#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    /// The API server answered with a `Status` error; its message is kept verbatim because it is
    /// usually the most precise explanation there is (a validation failure names the field).
    #[error("cluster {cluster}: {message} ({code} {reason})")]
    Api {
        /// The cluster's name in the playbook.
        cluster: String,
        /// HTTP status code (404, 409, 422, ...).
        code: u16,
        /// The machine-readable reason (`NotFound`, `AlreadyExists`, `Invalid`, ...).
        reason: String,
        /// The server's human-readable message.
        message: String,
        /// The field paths the server named (`spec.rules[0].type`), from the Status' causes or
        /// its message: what lets an error point at the manifest line.
        fields: Vec<String>,
    },

    /// The server refused one object of an apply: `document` is its index among the objects.
    #[error("{source}")]
    Refused {
        document: usize,
        #[source]
        source: Box<KubeError>,
    },

    /// A server-side apply would change fields other field managers own (409 Conflict with
    /// `FieldManagerConflict` causes). Never retried: the same apply meets the same owners.
    #[error("cluster {cluster}: {}", apply_conflict_message(object, conflicts))]
    ApplyConflict {
        /// The cluster's name in the playbook.
        cluster: String,
        /// The object, `ConfigMap default/settings` (empty until the apply names it).
        object: String,
        /// Each field and its owner as the server names it: (`"kubectl-edit" using v1`,
        /// `.data.k`).
        conflicts: Vec<(String, String)>,
    },

    /// 401: the credentials in the kubeconfig were rejected. The token is never shown.
    #[error(
        "authentication failed on cluster {cluster}: the server rejected the credentials (401 Unauthorized); \
         check the token or login in your kubeconfig"
    )]
    Unauthorized {
        /// The cluster's name in the playbook.
        cluster: String,
    },

    /// The cluster kept failing with transient errors (connection refused, 503, ...) until the
    /// retry policy gave up.
    #[error("cluster {cluster} did not answer after {attempts} attempts over {}: {message}", humantime::format_duration(round(*elapsed)))]
    Unreachable {
        /// The cluster's name in the playbook.
        cluster: String,
        /// How many requests were sent.
        attempts: u32,
        /// Time spent from the first attempt to giving up.
        elapsed: Duration,
        /// The last failure seen.
        message: String,
    },

    /// The TLS handshake failed (unknown CA, wrong host name, expired certificate). Not retried:
    /// it will not heal.
    #[error("TLS error on cluster {cluster}: {message}")]
    Tls {
        /// The cluster's name in the playbook.
        cluster: String,
        /// What did not match, in words, with the TLS library's term.
        message: String,
        /// What to do about it.
        fix: String,
    },

    /// The credentials could not be obtained: an exec credential plugin failed, timed out or
    /// printed something unusable. The message names the command, the user entry and the exit
    /// status, never the plugin's arguments, environment or output.
    #[error("credentials for cluster {cluster}: {message}")]
    Credentials {
        /// The cluster's name in the playbook.
        cluster: String,
        /// What failed.
        message: String,
    },

    /// The kind the user typed is not served by the cluster.
    #[error("{}", unknown_kind_message(cluster, kind, suggestions, missing_operator.as_deref()))]
    UnknownKind {
        /// The cluster's name in the playbook.
        cluster: String,
        /// What the user typed.
        kind: String,
        /// Close matches among the served kinds, as `short (plural.group)`.
        suggestions: Vec<String>,
        /// When the kind is a well-known OSSM/OLM/OpenShift kind: what installs it.
        missing_operator: Option<String>,
    },

    /// The playbook asked for a context the kubeconfig does not have.
    #[error("{}", unknown_context_message(name, available, kubeconfig))]
    UnknownContext {
        /// The context (after alias mapping) that was asked for.
        name: String,
        /// The contexts the kubeconfig has.
        available: Vec<String>,
        /// The kubeconfig that was read.
        kubeconfig: String,
    },

    /// The kubeconfig could not be read or used.
    #[error("kubeconfig {path}: {message}")]
    Kubeconfig {
        /// Path of the kubeconfig file.
        path: String,
        /// What is wrong, with the YAML location when parsing failed.
        message: String,
    },

    /// A wait ran out of time.
    #[error("timed out after {} on cluster {cluster} waiting for {what}; last seen: {last_seen}", humantime::format_duration(round(*waited)))]
    Timeout {
        /// The cluster's name in the playbook.
        cluster: String,
        /// What was awaited, e.g. `smmr/default in rosa-prod-mesh to be condition=Ready`.
        what: String,
        /// How long fedrun waited.
        waited: Duration,
        /// A short summary of the last state seen (conditions, phase, or "not found").
        last_seen: String,
    },

    /// Bad input from the playbook (a document without a kind, an unparsable wait condition...).
    #[error("{message}")]
    Invalid {
        /// What is wrong and where.
        message: String,
    },

    /// Any other client-side failure (an unparsable response, a request that could not be built).
    #[error("cluster {cluster}: {message}")]
    Client {
        /// The cluster's name in the playbook.
        cluster: String,
        /// What failed.
        message: String,
    },

    /// The run was interrupted (Ctrl-C) while waiting on a cluster.
    #[error("interrupted")]
    Interrupted,
}

impl KubeError {
    /// What to do next, when fedrun knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            KubeError::Refused { source, .. } => source.hint(),
            KubeError::Api { code: 403, .. } => {
                Some("the user of this context lacks RBAC permission for this request; log in as a cluster admin or ask for the role".into())
            }
            KubeError::Api { code: 409, reason, .. } if reason == "AlreadyExists" => {
                Some("the object already exists; use apply to converge it instead of create".into())
            }
            KubeError::Api { code: 422, .. } => Some("the server's validation rejected the object; fix the field the message names".into()),
            KubeError::Api { code: 404, .. } => {
                Some("check the namespace and the name; the object may not have been created yet (use wait)".into())
            }
            KubeError::Api { .. } => None,
            KubeError::ApplyConflict { .. } => Some(
                "to take these fields over, apply with the option `force: true` (the other manager may set them back); \
                 to leave them to their manager, remove them from the manifest, or set them to the current value to share them"
                    .into(),
            ),
            KubeError::Unauthorized { cluster } => Some(format!(
                "log in again (e.g. `oc login`) or refresh the token of the context used for {cluster}"
            )),
            KubeError::Unreachable { .. } => {
                Some("check that the server URL in the kubeconfig is reachable (VPN, firewall) and that the cluster is up".into())
            }
            KubeError::Tls { fix, .. } => Some(fix.clone()),
            KubeError::Credentials { .. } => Some(format!(
                "run the plugin's command by hand to see what it says, log in again, or allow it more time with {}",
                super::exec::TIMEOUT_ENV
            )),
            KubeError::UnknownKind { missing_operator: Some(op), .. } => {
                Some(format!("install {op} first (for example with mesh::operators) and wait for its CSV to succeed"))
            }
            KubeError::UnknownKind { .. } => Some("kinds are resolved as kind, plural, short name or kind.group, like kubectl".into()),
            KubeError::UnknownContext { .. } => Some(
                "map the playbook's name to an existing context with --context NAME=CONTEXT, or run against simulated clusters with --sim"
                    .into(),
            ),
            KubeError::Kubeconfig { .. } => {
                Some("pass another file with --kubeconfig, or fix the file (`kubectl config view` shows what kubectl makes of it)".into())
            }
            KubeError::Timeout { .. } => Some("give the wait a longer timeout, or inspect the object to see why it is not ready".into()),
            KubeError::Invalid { .. } | KubeError::Client { .. } | KubeError::Interrupted => None,
        }
    }

    /// The HTTP status code when the server answered with an error.
    pub fn code(&self) -> Option<u16> {
        match self {
            KubeError::Api { code, .. } => Some(*code),
            KubeError::Unauthorized { .. } => Some(401),
            KubeError::ApplyConflict { .. } => Some(409),
            _ => None,
        }
    }

    /// True for a 404 from the server.
    pub fn is_not_found(&self) -> bool {
        self.code() == Some(404)
    }
}

/// Durations in messages are shown to the millisecond at most ("2s 150ms", not nanoseconds).
fn round(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn unknown_kind_message(
    cluster: &str,
    kind: &str,
    suggestions: &[String],
    missing_operator: Option<&str>,
) -> String {
    let mut message = format!("no kind {kind:?} on cluster {cluster}");
    if let Some(op) = missing_operator {
        message.push_str(&format!(
            ": it is installed by {op}, which is not installed there"
        ));
    }
    if !suggestions.is_empty() {
        message.push_str(&format!("; did you mean {}?", suggestions.join(" or ")));
    }
    message
}

/// `ConfigMap default/settings: the apply would change fields other managers own: .data.k
/// (owned by "a"), .spec.replicas (owned by "kubectl" with subresource "scale" using apps/v1)`.
fn apply_conflict_message(object: &str, conflicts: &[(String, String)]) -> String {
    let fields: Vec<String> = conflicts
        .iter()
        .map(|(manager, field)| format!("{field} (owned by {manager})"))
        .collect();
    let object = if object.is_empty() {
        String::new()
    } else {
        format!("{object}: ")
    };
    format!(
        "{object}the apply would change fields other managers own: {}",
        fields.join(", ")
    )
}

fn unknown_context_message(name: &str, available: &[String], kubeconfig: &str) -> String {
    if available.is_empty() {
        format!("no context {name:?} in kubeconfig {kubeconfig}: it has no contexts")
    } else {
        format!(
            "no context {name:?} in kubeconfig {kubeconfig}; available: {}",
            available.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_kind_reads_well() {
        let e = KubeError::UnknownKind {
            cluster: "rosa".into(),
            kind: "smcpp".into(),
            suggestions: vec!["smcp (servicemeshcontrolplanes.maistra.io)".into()],
            missing_operator: None,
        };
        assert_eq!(
            e.to_string(),
            "no kind \"smcpp\" on cluster rosa; did you mean smcp (servicemeshcontrolplanes.maistra.io)?"
        );
    }

    #[test]
    fn timeout_and_unreachable_show_short_durations() {
        let e = KubeError::Timeout {
            cluster: "rosa".into(),
            what: "smmr/default in rosa-prod-mesh to be condition=Ready".into(),
            waited: Duration::from_micros(2_150_123),
            last_seen: "Ready=False (Reconciling)".into(),
        };
        assert_eq!(
            e.to_string(),
            "timed out after 2s 150ms on cluster rosa waiting for smmr/default in rosa-prod-mesh to be condition=Ready; \
             last seen: Ready=False (Reconciling)"
        );
        let e = KubeError::Unreachable {
            cluster: "aro".into(),
            attempts: 8,
            elapsed: Duration::from_secs(3),
            message: "503".into(),
        };
        assert_eq!(
            e.to_string(),
            "cluster aro did not answer after 8 attempts over 3s: 503"
        );
        assert!(e.hint().is_some());
    }
}
