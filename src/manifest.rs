//! Manifests as users write them: multi-document YAML with `${NAME}` placeholders.
//!
//! Everything here happens before anything is sent to a cluster, so a typo in a manifest fails the
//! step with `file:line:col` and nothing applied. Placeholders are substituted in the text (not in
//! parsed values) so that an error can point at the placeholder itself; `$${` writes a literal `${`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// Where a manifest came from, for error messages: a path, a URL, or "inline YAML".
#[derive(Clone, Debug, PartialEq)]
pub struct ManifestError {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.origin, self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.origin, self.line, self.column, self.message
            )
        }
    }
}

impl std::error::Error for ManifestError {}

/// Longest variable value accepted, so a template cannot be made to blow up memory.
const MAX_OUTPUT: usize = 16 * 1024 * 1024;

/// Replaces `${NAME}` with `vars[NAME]`; an undefined name is an error at its position.
pub fn substitute(
    text: &str,
    vars: &BTreeMap<String, String>,
    origin: &str,
) -> Result<String, ManifestError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut offset = 0;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(escaped) = after.strip_prefix("${") {
            out.push_str("${");
            offset += i + 3;
            rest = escaped;
            continue;
        }
        let Some(body) = after.strip_prefix('{') else {
            out.push('$');
            offset += i + 1;
            rest = after;
            continue;
        };
        let at = position(text, offset + i);
        let close = body.find('}').ok_or_else(|| ManifestError {
            origin: origin.into(),
            line: at.0,
            column: at.1,
            message: "unterminated placeholder: `${` without a closing `}`".into(),
        })?;
        let name = &body[..close];
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(ManifestError {
                origin: origin.into(),
                line: at.0,
                column: at.1,
                message: format!(
                    "invalid placeholder `${{{name}}}`: names are letters, digits and _"
                ),
            });
        }
        let value = vars.get(name).ok_or_else(|| {
            let known = if vars.is_empty() {
                "no variables were given (opts.vars); write `$${` for a literal `${`".to_string()
            } else {
                format!(
                    "defined: {}",
                    vars.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            ManifestError {
                origin: origin.into(),
                line: at.0,
                column: at.1,
                message: format!("undefined variable `${{{name}}}` ({known})"),
            }
        })?;
        out.push_str(value);
        if out.len() > MAX_OUTPUT {
            return Err(ManifestError {
                origin: origin.into(),
                line: at.0,
                column: at.1,
                message: format!("manifest grows beyond {MAX_OUTPUT} bytes after substitution"),
            });
        }
        offset += i + 2 + close + 1;
        rest = &body[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Parses every YAML document into a Kubernetes object; empty documents are skipped, `kind: List`
/// is flattened. Each object must be a map with `apiVersion`, `kind` and `metadata.name`.
pub fn parse_documents(text: &str, origin: &str) -> Result<Vec<Value>, ManifestError> {
    let mut objects = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        // Through serde_yaml's own Value first: it refuses duplicate keys, which serde_json's
        // map would silently overwrite (a classic source of "my change was ignored").
        let yaml = serde_yaml::Value::deserialize(document).map_err(|e| {
            let (line, column) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            let message = e.to_string();
            // serde_yaml appends " at line L column C"; the location is shown in front instead.
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_string();
            let (line, column) = duplicate_key_position(text, &message).unwrap_or((line, column));
            ManifestError {
                origin: origin.into(),
                line,
                column,
                message: format!("invalid YAML: {message}"),
            }
        })?;
        let value = serde_json::to_value(&yaml).map_err(|e| ManifestError {
            origin: origin.into(),
            line: document_line(text, index),
            column: 1,
            message: format!("document {}: cannot be represented as JSON: {e}", index + 1),
        })?;
        let document_error = |message: String| ManifestError {
            origin: origin.into(),
            line: document_line(text, index),
            column: 1,
            message: format!("document {}: {message}", index + 1),
        };
        match value {
            Value::Null => continue,
            Value::Object(_) if value.get("kind").and_then(Value::as_str) == Some("List") => {
                let items = value
                    .get("items")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for item in items {
                    check_object(&item).map_err(document_error)?;
                    objects.push(item);
                }
            }
            Value::Object(_) => {
                check_object(&value).map_err(document_error)?;
                objects.push(value);
            }
            Value::Array(_) => {
                return Err(document_error(
                    "is a list; a Kubernetes object (a map) was expected".into(),
                ));
            }
            other => {
                return Err(document_error(format!(
                    "is a {}; a Kubernetes object (a map) was expected",
                    type_name(&other)
                )));
            }
        }
    }
    Ok(objects)
}

fn check_object(v: &Value) -> Result<(), String> {
    if !v.is_object() {
        return Err(format!(
            "is a {}; a Kubernetes object (a map) was expected",
            type_name(v)
        ));
    }
    for field in ["apiVersion", "kind"] {
        match v.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => return Err(format!("`{field}` must be a non-empty string")),
            None => return Err(format!("`{field}` is missing")),
        }
    }
    let kind = v["kind"].as_str().unwrap_or("");
    let meta = v
        .get("metadata")
        .ok_or_else(|| format!("{kind} has no `metadata`"))?;
    if !meta.is_object() {
        return Err(format!("{kind}: `metadata` must be a map"));
    }
    let has_name = meta
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !has_name {
        return Err(format!("{kind} has no `metadata.name`"));
    }
    // Names the API server would refuse are refused here, before any document is applied (a
    // multi-document manifest would otherwise be half applied).
    let name = meta["name"].as_str().unwrap_or("");
    let checked = match kind {
        "Namespace" | "Project" | "ProjectRequest" => crate::names::dns1123_label(name),
        // RBAC and OpenShift user kinds only need a valid URL path segment (`system:admin`).
        "Role"
        | "ClusterRole"
        | "RoleBinding"
        | "ClusterRoleBinding"
        | "User"
        | "Group"
        | "Identity"
        | "UserIdentityMapping" => {
            if name == "."
                || name == ".."
                || name.contains(['/', '%'])
                || name.contains(char::is_whitespace)
            {
                return Err(format!(
                    "{kind} name {name:?} may not be `.`, `..` or contain `/`, `%` or spaces"
                ));
            }
            Ok(())
        }
        _ => crate::names::dns1123_subdomain(name),
    };
    checked.map_err(|e| format!("{kind} name {name:?} is invalid: {e}"))?;
    if let Some(ns) = meta.get("namespace") {
        let ns = ns.as_str().ok_or("`metadata.namespace` must be a string")?;
        crate::names::dns1123_label(ns)
            .map_err(|e| format!("{kind} {name}: namespace {ns:?} is invalid: {e}"))?;
    }
    Ok(())
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "map",
    }
}

/// serde_yaml reports a duplicate key at its mapping's start; point at the second occurrence.
fn duplicate_key_position(text: &str, message: &str) -> Option<(usize, usize)> {
    // serde_yaml says `duplicate entry with key "k"`, prefixed by the path when nested.
    let key = message
        .split_once("duplicate entry with key \"")?
        .1
        .split('"')
        .next()?;
    let pattern = format!("{key}:");
    let mut hits = text.lines().enumerate().filter_map(|(i, line)| {
        let trimmed = line.trim_start().trim_start_matches("- ");
        trimmed
            .starts_with(&pattern)
            .then(|| (i + 1, line.len() - trimmed.len() + 1))
    });
    hits.nth(1)
}

/// The line where document `index` (0-based) starts, counting `---` separators.
fn document_line(text: &str, index: usize) -> usize {
    if index == 0 {
        return text
            .lines()
            .position(|l| {
                !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---"
            })
            .map_or(1, |i| i + 1);
    }
    let mut seen = 0;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") {
            seen += 1;
            if seen == index {
                return i + 2;
            }
        }
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn placeholders_are_replaced_and_escapes_kept() {
        let out = substitute(
            "a: ${X}\nb: $${X} $5 ${Y}z",
            &vars(&[("X", "1"), ("Y", "2")]),
            "m.yaml",
        )
        .unwrap();
        assert_eq!(out, "a: 1\nb: ${X} $5 2z");
    }

    #[test]
    fn undefined_placeholder_names_itself_and_its_position() {
        let err =
            substitute("a: 1\nb: ${ADDRESS}\n", &vars(&[("X", "1")]), "smp.yaml").unwrap_err();
        assert_eq!((err.line, err.column), (2, 4));
        assert_eq!(
            err.to_string(),
            "smp.yaml:2:4: undefined variable `${ADDRESS}` (defined: X)"
        );
    }

    #[test]
    fn malformed_placeholders_are_errors() {
        assert!(
            substitute("${", &BTreeMap::new(), "x")
                .unwrap_err()
                .message
                .contains("unterminated")
        );
        assert!(
            substitute("${a-b}", &BTreeMap::new(), "x")
                .unwrap_err()
                .message
                .contains("invalid placeholder")
        );
        assert!(substitute("${}", &BTreeMap::new(), "x").is_err());
        assert_eq!(
            substitute("é ${A} ü", &vars(&[("A", "ß")]), "x").unwrap(),
            "é ß ü"
        );
    }

    #[test]
    fn documents_are_split_and_lists_flattened() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n";
        let docs = parse_documents(text, "x").unwrap();
        let names: Vec<_> = docs
            .iter()
            .map(|d| d["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["a", "s"]);
    }

    #[test]
    fn yaml_errors_carry_line_and_column() {
        let err = parse_documents("apiVersion: v1\nkind: [\n", "bad.yaml").unwrap_err();
        assert_eq!(err.origin, "bad.yaml");
        assert!(err.line >= 2, "{err}");
        assert!(err.to_string().starts_with("bad.yaml:"), "{err}");
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let err = parse_documents(
            "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: a}\n",
            "d.yaml",
        )
        .unwrap_err();
        assert!(err.message.contains("duplicate"), "{err}");
        assert_eq!(err.line, 3);
    }

    #[test]
    fn shape_errors_name_the_document() {
        let err = parse_documents(
            "apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\n- 1\n- 2\n",
            "l.yaml",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "l.yaml:5:1: document 2: is a list; a Kubernetes object (a map) was expected"
        );
        let err = parse_documents("kind: ConfigMap\nmetadata: {name: a}\n", "l.yaml").unwrap_err();
        assert!(err.message.contains("`apiVersion` is missing"), "{err}");
        let err = parse_documents("apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "l.yaml")
            .unwrap_err();
        assert!(err.message.contains("no `metadata.name`"), "{err}");
        assert!(parse_documents("just text", "t").is_err());
    }

    #[test]
    fn names_the_server_would_refuse_are_refused_before_applying() {
        let doc = |kind: &str, name: &str| {
            format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: \"{name}\"\n")
        };
        for (kind, name) in [
            ("ConfigMap", "My Config"),
            ("ConfigMap", "UPPER"),
            ("Namespace", "a.b"),
            ("ClusterRole", "a/b"),
        ] {
            let err = parse_documents(&doc(kind, name), "n.yaml").unwrap_err();
            assert!(err.message.contains(name), "{err}");
            assert_eq!((err.line, err.column), (1, 1), "{err}");
        }
        for (kind, name) in [
            ("ConfigMap", "a.b-c"),
            ("Namespace", "prod-bookinfo"),
            ("ClusterRole", "system:admin"),
        ] {
            parse_documents(&doc(kind, name), "n.yaml").unwrap();
        }
        let err = parse_documents(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: Bad_NS}\n",
            "n.yaml",
        )
        .unwrap_err();
        assert!(err.message.contains("Bad_NS"), "{err}");
    }

    #[test]
    fn a_nested_duplicate_key_points_at_the_duplicate() {
        let err = parse_documents(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n",
            "d.yaml",
        )
        .unwrap_err();
        assert_eq!((err.line, err.column), (5, 3), "{err}");
        assert!(err.message.contains("duplicate"), "{err}");
    }
}
