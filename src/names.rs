//! Kubernetes object-name validation (RFC 1123 labels and subdomains).
//!
//! The simulated API server and the playbook helpers use these to reject names
//! the real API server would reject, with the same wording, so playbooks fail
//! the same way against the simulator and a real cluster.
//!
//! This does not cover other Kubernetes name rules (RFC 1035 labels, label
//! keys/values, path-segment names); only the two rules most resources use.

/// Longest RFC 1123 label Kubernetes accepts (namespaces, services).
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Longest RFC 1123 subdomain Kubernetes accepts (most other resources).
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

const LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const SUBDOMAIN_FMT: &str = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/// A name that Kubernetes would reject. `Display` gives Kubernetes' own
/// messages (several joined by `"; "`), without the `Invalid value: "x": `
/// prefix, which callers add with the field path.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("{}", .problems.join("; "))]
pub struct NameError {
    /// The rejected name, as given.
    pub name: String,
    /// One message per broken rule, in Kubernetes' wording.
    pub problems: Vec<String>,
}

/// Builds Kubernetes' `RegexError` text: message, examples, and the regex.
fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut s = String::from(msg);
    if examples.is_empty() {
        s.push_str(" (regex used for validation is '");
    } else {
        s.push_str(" (e.g. ");
        for (i, e) in examples.iter().enumerate() {
            if i > 0 {
                s.push_str(" or ");
            }
            s.push('\'');
            s.push_str(e);
            s.push_str("', ");
        }
        s.push_str("regex used for validation is '");
    }
    s.push_str(fmt);
    s.push_str("')");
    s
}

fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => alnum(f) && alnum(l) && b.iter().all(|c| alnum(c) || *c == b'-'),
        _ => false,
    }
}

fn finish(name: &str, problems: Vec<String>) -> Result<(), NameError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NameError {
            name: name.to_string(),
            problems,
        })
    }
}

/// Checks an RFC 1123 label (namespaces, services): at most 63 characters of
/// `[a-z0-9-]`, starting and ending alphanumeric.
pub fn dns1123_label(name: &str) -> Result<(), NameError> {
    let mut problems = Vec::new();
    if name.len() > DNS1123_LABEL_MAX_LENGTH {
        problems.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !is_label(name) {
        problems.push(regex_error(LABEL_ERR, LABEL_FMT, &["my-name", "123-abc"]));
    }
    finish(name, problems)
}

/// Checks an RFC 1123 subdomain (most resources): at most 253 characters,
/// dot-separated labels of `[a-z0-9-]`, each starting and ending alphanumeric.
pub fn dns1123_subdomain(name: &str) -> Result<(), NameError> {
    let mut problems = Vec::new();
    if name.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        problems.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !name.split('.').all(is_label) {
        problems.push(regex_error(SUBDOMAIN_ERR, SUBDOMAIN_FMT, &["example.com"]));
    }
    finish(name, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const SUB_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    #[test]
    fn valid_labels() {
        for n in [
            "a",
            "0",
            "my-name",
            "123-abc",
            "istio-system",
            "a--b",
            &"a".repeat(63),
        ] {
            assert_eq!(dns1123_label(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn invalid_labels_use_kubernetes_wording() {
        for n in ["", "-a", "a-", "A", "my_name", "a.b", "café", " a"] {
            let e = dns1123_label(n).unwrap_err();
            assert_eq!(e.to_string(), LABEL_MSG, "{n:?}");
            assert_eq!(e.name, n);
        }
    }

    #[test]
    fn label_too_long() {
        let e = dns1123_label(&"a".repeat(64)).unwrap_err();
        assert_eq!(
            e.problems,
            vec!["must be no more than 63 characters".to_string()]
        );
    }

    #[test]
    fn label_too_long_and_bad() {
        let e = dns1123_label(&format!("{}-", "a".repeat(70))).unwrap_err();
        assert_eq!(e.problems.len(), 2);
        assert_eq!(
            e.to_string(),
            format!("must be no more than 63 characters; {LABEL_MSG}")
        );
    }

    #[test]
    fn valid_subdomains() {
        for n in [
            "a",
            "example.com",
            "istio-ca-root-cert",
            "a.b-c.d",
            "1.2.3",
            &"a".repeat(253),
        ] {
            assert_eq!(dns1123_subdomain(n), Ok(()), "{n}");
        }
    }

    #[test]
    fn invalid_subdomains() {
        for n in ["", ".a", "a.", "a..b", "a.-b", "A.b", "a_b", "a/b", "ü"] {
            assert_eq!(
                dns1123_subdomain(n).unwrap_err().to_string(),
                SUB_MSG,
                "{n:?}"
            );
        }
    }

    #[test]
    fn subdomain_too_long() {
        let e = dns1123_subdomain(&"a".repeat(254)).unwrap_err();
        assert_eq!(e.to_string(), "must be no more than 253 characters");
    }

    #[test]
    fn label_within_subdomain_may_exceed_63() {
        // Kubernetes' subdomain regex does not limit label length.
        assert!(dns1123_subdomain(&"a".repeat(100)).is_ok());
        assert!(dns1123_label(&"a".repeat(100)).is_err());
    }

    #[test]
    fn regex_error_without_examples() {
        assert_eq!(
            regex_error("m", "f", &[]),
            "m (regex used for validation is 'f')"
        );
    }
}
