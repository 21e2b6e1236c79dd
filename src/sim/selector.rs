//! Kubernetes label and field selectors.
//!
//! [`LabelSelector`] covers the string form used by `?labelSelector=` and
//! `kubectl -l` (`app=gw,tier in (a,b),!legacy`) and the structured form
//! (`matchLabels` / `matchExpressions`) found in resources such as Service Mesh
//! `ExportedServiceSet`. [`FieldSelector`] covers `?fieldSelector=`
//! (`metadata.name=x,spec.type!=LoadBalancer`).
//!
//! The simulated API server uses them to filter lists and watches (a real cluster evaluates
//! the selectors fedrun sends; fedrun itself never parses them). They are not a query language: the
//! set-based `>`/`<` (`gt`/`lt`) label operators are not supported, and field
//! selectors match any dotted path generically rather than only the fields a
//! real API server indexes for each resource.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// Why a selector could not be built.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SelectorError {
    /// The string form is malformed; `column` is the 1-based character position.
    #[error("at column {column}: {message}")]
    Parse { column: usize, message: String },
    /// The structured form is malformed; `path` names the offending field
    /// (for example `matchExpressions[0].operator`).
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
}

/// How one label requirement compares the label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operator {
    /// `key=value` / `key==value` / `matchLabels`: label present and equal.
    Equals,
    /// `key!=value`: label absent or different.
    NotEquals,
    /// `key in (a,b)`: label present with one of the values.
    In,
    /// `key notin (a,b)`: label absent or with none of the values.
    NotIn,
    /// `key`: label present, any value.
    Exists,
    /// `!key`: label absent.
    DoesNotExist,
}

/// One condition of a label selector; all must hold (AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The label key, possibly prefixed (`app.kubernetes.io/name`).
    pub key: String,
    /// How the value is compared.
    pub operator: Operator,
    /// Sorted, de-duplicated values (one for `=`/`!=`, none for exists checks).
    pub values: Vec<String>,
}

impl Requirement {
    /// Whether labels satisfy this one condition.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        let contains = |v: &String| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::Equals | Operator::In => value.is_some_and(contains),
            Operator::NotEquals | Operator::NotIn => !value.is_some_and(contains),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.values.first().map(String::as_str).unwrap_or("");
        match self.operator {
            Operator::Equals => write!(f, "{}={}", self.key, first),
            Operator::NotEquals => write!(f, "{}!={}", self.key, first),
            Operator::In => write!(f, "{} in ({})", self.key, self.values.join(",")),
            Operator::NotIn => write!(f, "{} notin ({})", self.key, self.values.join(",")),
            Operator::Exists => write!(f, "{}", self.key),
            Operator::DoesNotExist => write!(f, "!{}", self.key),
        }
    }
}

/// A parsed label selector: a conjunction of [`Requirement`]s. The empty
/// selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

// --- label key/value validation (Kubernetes' qualified-name rules) ---------

fn is_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

fn is_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => alnum(f) && alnum(l) && b.iter().all(|c| alnum(c) || *c == b'-'),
        _ => false,
    }
}

/// Checks a label key; returns Kubernetes-style text on failure.
fn check_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && (p.is_empty() || p.len() > 253 || !p.split('.').all(is_dns_label))
    {
        return Err(format!(
            "invalid label key {key:?}: prefix part must be a lowercase RFC 1123 subdomain of at most 253 characters (e.g. 'example.com')"
        ));
    }
    if name.len() > 63 {
        return Err(format!(
            "invalid label key {key:?}: name part must be no more than 63 characters"
        ));
    }
    if !is_name_part(name) {
        return Err(format!(
            "invalid label key {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', 'my.name' or '123-abc'), with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ));
    }
    Ok(())
}

/// Checks a label value (which may be empty).
fn check_value(value: &str) -> Result<(), String> {
    if value.len() > 63 {
        return Err(format!(
            "invalid label value {value:?}: must be no more than 63 characters"
        ));
    }
    if !value.is_empty() && !is_name_part(value) {
        return Err(format!(
            "invalid label value {value:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', 'my_value' or '12345')"
        ));
    }
    Ok(())
}

fn canonical(key: String, operator: Operator, mut values: Vec<String>) -> Requirement {
    values.sort();
    values.dedup();
    Requirement {
        key,
        operator,
        values,
    }
}

// --- string-form parser -----------------------------------------------------

struct LabelParser {
    chars: Vec<char>,
    pos: usize,
}

impl LabelParser {
    fn err(&self, at: usize, message: impl Into<String>) -> SelectorError {
        SelectorError::Parse {
            column: at + 1,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn is_ident_char(c: char) -> bool {
        !c.is_whitespace() && !matches!(c, '!' | '=' | '(' | ')' | ',' | '<' | '>')
    }

    /// Reads an identifier (key, value or keyword); may be empty.
    fn ident(&mut self) -> (usize, String) {
        let start = self.pos;
        while self.peek().is_some_and(Self::is_ident_char) {
            self.pos += 1;
        }
        let text = self
            .chars
            .get(start..self.pos)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        (start, text)
    }

    fn key(&mut self) -> Result<String, SelectorError> {
        self.skip_ws();
        let (at, key) = self.ident();
        if key.is_empty() {
            return Err(match self.peek() {
                None => self.err(at, "expected a label key"),
                Some(c) => self.err(at, format!("expected a label key, found '{c}'")),
            });
        }
        check_key(&key).map_err(|m| self.err(at, m))?;
        Ok(key)
    }

    fn value(&mut self) -> Result<String, SelectorError> {
        self.skip_ws();
        let (at, value) = self.ident();
        check_value(&value).map_err(|m| self.err(at, m))?;
        Ok(value)
    }

    fn values(&mut self, op: &str) -> Result<Vec<String>, SelectorError> {
        self.skip_ws();
        let open = self.pos;
        if self.peek() != Some('(') {
            return Err(self.err(
                open,
                format!("expected '(' after '{op}', e.g. 'env {op} (prod,dev)'"),
            ));
        }
        self.pos += 1;
        let mut values = Vec::new();
        loop {
            values.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    break;
                }
                None => return Err(self.err(open, "unterminated '(': missing ')'")),
                Some(c) => {
                    return Err(self.err(
                        self.pos,
                        format!("expected ',' or ')' in value list, found '{c}'"),
                    ));
                }
            }
        }
        if values.len() == 1 && values.first().is_some_and(String::is_empty) {
            return Err(self.err(open, format!("for '{op}' the set of values can't be empty")));
        }
        Ok(values)
    }

    fn requirement(&mut self) -> Result<Requirement, SelectorError> {
        self.skip_ws();
        if self.peek() == Some('!') {
            self.pos += 1;
            let key = self.key()?;
            return Ok(canonical(key, Operator::DoesNotExist, Vec::new()));
        }
        let key = self.key()?;
        self.skip_ws();
        let at = self.pos;
        match self.peek() {
            None | Some(',') => Ok(canonical(key, Operator::Exists, Vec::new())),
            Some('=') => {
                self.pos += 1;
                if self.peek() == Some('=') {
                    self.pos += 1;
                }
                Ok(canonical(key, Operator::Equals, vec![self.value()?]))
            }
            Some('!') if self.chars.get(self.pos + 1) == Some(&'=') => {
                self.pos += 2;
                Ok(canonical(key, Operator::NotEquals, vec![self.value()?]))
            }
            Some(c @ ('<' | '>')) => Err(self.err(at, format!("operator '{c}' is not supported; use =, ==, !=, in, notin, or exists"))),
            Some(c) if Self::is_ident_char(c) => {
                let (word_at, word) = self.ident();
                match word.as_str() {
                    "in" => Ok(canonical(key, Operator::In, self.values("in")?)),
                    "notin" => Ok(canonical(key, Operator::NotIn, self.values("notin")?)),
                    _ => Err(self.err(word_at, format!("expected an operator (=, ==, !=, in, notin) after key {key:?}, found {word:?}"))),
                }
            }
            Some(c) => Err(self.err(at, format!("expected an operator (=, ==, !=, in, notin), ',' or end after key {key:?}, found '{c}'"))),
        }
    }
}

impl LabelSelector {
    /// The selector that matches every object (empty string / `{}`).
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses the string form (`a=b,c!=d,e in (x,y),f notin (z),g,!h`).
    /// The empty string (or only whitespace) matches everything.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let mut p = LabelParser {
            chars: text.chars().collect(),
            pos: 0,
        };
        let mut requirements = Vec::new();
        p.skip_ws();
        if p.peek().is_none() {
            return Ok(Self::everything());
        }
        loop {
            requirements.push(p.requirement()?);
            p.skip_ws();
            match p.peek() {
                None => break,
                Some(',') => p.pos += 1,
                Some(c) => {
                    return Err(p.err(
                        p.pos,
                        format!("expected ',' or end of selector, found '{c}'"),
                    ));
                }
            }
        }
        Ok(Self::from_requirements(requirements))
    }

    fn from_requirements(mut requirements: Vec<Requirement>) -> Self {
        requirements.sort_by(|a, b| a.key.cmp(&b.key));
        Self { requirements }
    }

    /// Builds a selector from the structured form
    /// `{matchLabels: {k: v}, matchExpressions: [{key, operator, values}]}`.
    /// Both fields are optional; `{}` matches everything.
    pub fn from_object(value: &Value) -> Result<Self, SelectorError> {
        let invalid = |path: &str, message: String| SelectorError::Invalid {
            path: path.to_string(),
            message,
        };
        let Some(obj) = value.as_object() else {
            return Err(invalid(
                "labelSelector",
                format!(
                    "must be an object with matchLabels and/or matchExpressions, got {}",
                    type_name(value)
                ),
            ));
        };
        let mut requirements = Vec::new();
        if let Some(other) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "matchLabels" | "matchExpressions"))
        {
            return Err(invalid(
                other,
                "unknown field (expected matchLabels or matchExpressions)".to_string(),
            ));
        }
        match obj.get("matchLabels") {
            None | Some(Value::Null) => {}
            Some(Value::Object(labels)) => {
                for (k, v) in labels {
                    let path = format!("matchLabels.{k}");
                    let Some(s) = v.as_str() else {
                        return Err(invalid(
                            &path,
                            format!("label value must be a string, got {}", type_name(v)),
                        ));
                    };
                    check_key(k).map_err(|m| invalid(&path, m))?;
                    check_value(s).map_err(|m| invalid(&path, m))?;
                    requirements.push(canonical(k.clone(), Operator::Equals, vec![s.to_string()]));
                }
            }
            Some(other) => {
                return Err(invalid(
                    "matchLabels",
                    format!("must be an object, got {}", type_name(other)),
                ));
            }
        }
        match obj.get("matchExpressions") {
            None | Some(Value::Null) => {}
            Some(Value::Array(exprs)) => {
                for (i, e) in exprs.iter().enumerate() {
                    let at = |f: &str| format!("matchExpressions[{i}]{f}");
                    let Some(e) = e.as_object() else {
                        return Err(invalid(
                            &at(""),
                            format!(
                                "must be an object with key, operator and values, got {}",
                                type_name(e)
                            ),
                        ));
                    };
                    let Some(key) = e.get("key").and_then(Value::as_str) else {
                        return Err(invalid(
                            &at(".key"),
                            "required string field is missing".to_string(),
                        ));
                    };
                    check_key(key).map_err(|m| invalid(&at(".key"), m))?;
                    let Some(op) = e.get("operator").and_then(Value::as_str) else {
                        return Err(invalid(
                            &at(".operator"),
                            "required string field is missing".to_string(),
                        ));
                    };
                    let operator = match op {
                        "In" => Operator::In,
                        "NotIn" => Operator::NotIn,
                        "Exists" => Operator::Exists,
                        "DoesNotExist" => Operator::DoesNotExist,
                        other => {
                            return Err(invalid(
                                &at(".operator"),
                                format!(
                                    "{other:?} is not a valid label selector operator (supported: In, NotIn, Exists, DoesNotExist)"
                                ),
                            ));
                        }
                    };
                    let mut values = Vec::new();
                    match e.get("values") {
                        None | Some(Value::Null) => {}
                        Some(Value::Array(vs)) => {
                            for (j, v) in vs.iter().enumerate() {
                                let path = at(&format!(".values[{j}]"));
                                let Some(s) = v.as_str() else {
                                    return Err(invalid(
                                        &path,
                                        format!("must be a string, got {}", type_name(v)),
                                    ));
                                };
                                check_value(s).map_err(|m| invalid(&path, m))?;
                                values.push(s.to_string());
                            }
                        }
                        Some(other) => {
                            return Err(invalid(
                                &at(".values"),
                                format!("must be an array of strings, got {}", type_name(other)),
                            ));
                        }
                    }
                    match operator {
                        Operator::In | Operator::NotIn if values.is_empty() => {
                            return Err(invalid(
                                &at(".values"),
                                format!("must be specified when `operator` is '{op}'"),
                            ));
                        }
                        Operator::Exists | Operator::DoesNotExist if !values.is_empty() => {
                            return Err(invalid(
                                &at(".values"),
                                format!("may not be specified when `operator` is '{op}'"),
                            ));
                        }
                        _ => {}
                    }
                    requirements.push(canonical(key.to_string(), operator, values));
                }
            }
            Some(other) => {
                return Err(invalid(
                    "matchExpressions",
                    format!("must be an array, got {}", type_name(other)),
                ));
            }
        }
        Ok(Self::from_requirements(requirements))
    }

    /// The conditions, sorted by key.
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// True when the selector matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether a set of labels satisfies every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Matches an object's `metadata.labels` (missing labels = no labels;
    /// non-string label values are ignored).
    pub fn matches_object(&self, obj: &Value) -> bool {
        let labels: BTreeMap<String, String> = obj
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        self.matches(&labels)
    }
}

impl fmt::Display for LabelSelector {
    /// Canonical form: requirements sorted by key, values sorted, `==` shown as `=`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for LabelSelector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// --- field selectors --------------------------------------------------------

/// How a field requirement compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldOperator {
    /// `field=value` or `field==value`.
    Equals,
    /// `field!=value`.
    NotEquals,
}

/// One `field=value` / `field!=value` term of a field selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRequirement {
    /// Dotted path into the object, e.g. `metadata.name`.
    pub field: String,
    /// Comparison.
    pub operator: FieldOperator,
    /// The (unescaped) value compared with.
    pub value: String,
}

impl FieldRequirement {
    /// Whether the object's field satisfies this term.
    pub fn matches(&self, obj: &Value) -> bool {
        let actual = field_text(obj, &self.field);
        match self.operator {
            FieldOperator::Equals => actual == self.value,
            FieldOperator::NotEquals => actual != self.value,
        }
    }
}

/// Reads a dotted path as text: missing or null is `""` (as Kubernetes does),
/// strings are raw, other scalars are JSON text, containers compact JSON.
fn field_text(obj: &Value, path: &str) -> String {
    let mut cur = obj;
    for part in path.split('.') {
        let next = match cur {
            Value::Object(m) => m.get(part),
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return String::new(),
        }
    }
    match cur {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}

fn escape_field_value(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '\\' | ',' | '=') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

impl fmt::Display for FieldRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.operator {
            FieldOperator::Equals => "=",
            FieldOperator::NotEquals => "!=",
        };
        write!(f, "{}{}{}", self.field, op, escape_field_value(&self.value))
    }
}

/// A parsed field selector: a conjunction of [`FieldRequirement`]s, in the
/// order written. The empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldSelector {
    requirements: Vec<FieldRequirement>,
}

impl FieldSelector {
    /// The selector that matches every object.
    pub fn everything() -> Self {
        Self::default()
    }

    /// Parses `metadata.name=x,metadata.namespace==y,spec.type!=LoadBalancer`.
    /// Values may escape `\,` `\=` `\\`; whitespace around fields and values
    /// is trimmed; empty terms are skipped.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let chars: Vec<char> = text.chars().collect();
        let err = |at: usize, message: String| SelectorError::Parse {
            column: at + 1,
            message,
        };
        // Split into terms on unescaped commas, remembering start columns.
        let mut terms: Vec<(usize, Vec<char>)> = Vec::new();
        let mut cur = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            if c == '\\' {
                cur.push(c);
                if let Some(&n) = chars.get(i + 1) {
                    cur.push(n);
                }
                i += 2;
                continue;
            }
            if c == ',' {
                terms.push((start, std::mem::take(&mut cur)));
                start = i + 1;
            } else {
                cur.push(c);
            }
            i += 1;
        }
        terms.push((start, cur));

        let mut requirements = Vec::new();
        for (term_at, term) in terms {
            if term.iter().all(|c| c.is_whitespace()) {
                continue;
            }
            // Find the first unescaped operator.
            let mut j = 0;
            let mut found = None;
            while let Some(&c) = term.get(j) {
                match c {
                    '\\' => {
                        j += 2;
                        continue;
                    }
                    '!' if term.get(j + 1) == Some(&'=') => {
                        found = Some((j, 2, FieldOperator::NotEquals));
                    }
                    '=' if term.get(j + 1) == Some(&'=') => {
                        found = Some((j, 2, FieldOperator::Equals))
                    }
                    '=' => found = Some((j, 1, FieldOperator::Equals)),
                    _ => {}
                }
                if found.is_some() {
                    break;
                }
                j += 1;
            }
            let shown: String = term.iter().collect();
            let Some((op_at, op_len, operator)) = found else {
                return Err(err(
                    term_at,
                    format!(
                        "can't understand {:?}: expected field=value, field==value or field!=value",
                        shown.trim()
                    ),
                ));
            };
            let field: String = term
                .get(..op_at)
                .unwrap_or_default()
                .iter()
                .collect::<String>()
                .trim()
                .to_string();
            if field.is_empty() {
                return Err(err(
                    term_at + op_at,
                    format!(
                        "missing field name before the operator in {:?}",
                        shown.trim()
                    ),
                ));
            }
            let raw: Vec<char> = term.get(op_at + op_len..).unwrap_or_default().to_vec();
            let value_at = term_at + op_at + op_len;
            let mut value = String::new();
            let mut k = 0;
            while let Some(&c) = raw.get(k) {
                if c == '\\' {
                    match raw.get(k + 1) {
                        Some(&n @ ('\\' | ',' | '=')) => value.push(n),
                        Some(&n) => {
                            return Err(err(
                                value_at + k,
                                format!(
                                    "invalid escape sequence '\\{n}' in field selector value (only \\\\, \\, and \\= are allowed)"
                                ),
                            ));
                        }
                        None => {
                            return Err(err(
                                value_at + k,
                                "'\\' at end of field selector value: nothing to escape"
                                    .to_string(),
                            ));
                        }
                    }
                    k += 2;
                } else {
                    value.push(c);
                    k += 1;
                }
            }
            requirements.push(FieldRequirement {
                field,
                operator,
                value: value.trim().to_string(),
            });
        }
        Ok(Self { requirements })
    }

    /// The terms, in the order written.
    pub fn requirements(&self) -> &[FieldRequirement] {
        &self.requirements
    }

    /// True when the selector matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether the object satisfies every term (missing fields read as `""`).
    pub fn matches(&self, obj: &Value) -> bool {
        self.requirements.iter().all(|r| r.matches(obj))
    }
}

impl fmt::Display for FieldSelector {
    /// Canonical form: `field=value` / `field!=value` joined by `,`, values escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for FieldSelector {
    type Err = SelectorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sel(s: &str) -> LabelSelector {
        match LabelSelector::parse(s) {
            Ok(x) => x,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    fn col(s: &str) -> usize {
        match LabelSelector::parse(s) {
            Err(SelectorError::Parse { column, .. }) => column,
            other => panic!("expected parse error for {s:?}, got {other:?}"),
        }
    }

    #[test]
    fn empty_matches_everything() {
        for s in ["", "   "] {
            let x = sel(s);
            assert!(x.is_empty());
            assert!(x.matches(&labels(&[])));
            assert!(x.matches(&labels(&[("a", "b")])));
            assert_eq!(x.to_string(), "");
        }
    }

    #[test]
    fn equality_forms() {
        let l = labels(&[("app", "gw"), ("tier", "edge")]);
        assert!(sel("app=gw").matches(&l));
        assert!(sel("app==gw").matches(&l));
        assert!(!sel("app=other").matches(&l));
        assert!(sel("app!=other").matches(&l));
        assert!(!sel("app!=gw").matches(&l));
        // != matches objects without the label, as Kubernetes does.
        assert!(sel("missing!=x").matches(&l));
        assert!(!sel("missing=x").matches(&l));
    }

    #[test]
    fn set_forms() {
        let l = labels(&[("env", "prod")]);
        assert!(sel("env in (prod, dev)").matches(&l));
        assert!(!sel("env in (dev)").matches(&l));
        assert!(sel("env notin (dev)").matches(&l));
        assert!(!sel("env notin (prod,dev)").matches(&l));
        assert!(sel("other notin (x)").matches(&l));
        assert!(!sel("other in (x)").matches(&l));
        assert!(sel("env in(prod)").matches(&l));
    }

    #[test]
    fn existence_forms() {
        let l = labels(&[("app", "gw")]);
        assert!(sel("app").matches(&l));
        assert!(!sel("nope").matches(&l));
        assert!(sel("!nope").matches(&l));
        assert!(!sel("!app").matches(&l));
        assert!(sel(" ! nope ").matches(&l));
    }

    #[test]
    fn comma_is_and() {
        let l = labels(&[("app", "gw"), ("env", "prod")]);
        assert!(sel("app=gw,env in (prod),!legacy").matches(&l));
        assert!(!sel("app=gw,env=dev").matches(&l));
        assert!(sel("app=gw , env=prod").matches(&l));
    }

    #[test]
    fn canonical_display() {
        assert_eq!(
            sel("z=1,a in (y, x, y),!m,b,c==2,d!=3,e notin (q)").to_string(),
            "a in (x,y),b,c=2,d!=3,e notin (q),!m,z=1"
        );
        // Display output parses back to the same selector.
        let s = sel("app.kubernetes.io/name=gw,env notin (a,b)");
        assert_eq!(sel(&s.to_string()), s);
    }

    #[test]
    fn prefixed_keys_and_empty_values() {
        let l = labels(&[("app.kubernetes.io/name", "gw"), ("flag", "")]);
        assert!(sel("app.kubernetes.io/name=gw").matches(&l));
        assert!(sel("flag=").matches(&l));
        assert!(sel("flag in (,x)").matches(&l));
    }

    #[test]
    fn parse_errors_carry_columns() {
        assert_eq!(col("a=b,"), 5);
        assert_eq!(col(",a"), 1);
        assert_eq!(col("a b"), 3);
        assert_eq!(col("a in x"), 6);
        assert_eq!(col("a in (x"), 6);
        assert_eq!(col("a in ()"), 6);
        assert_eq!(col("a notin (x y)"), 12);
        assert_eq!(col("a>1"), 2);
        assert_eq!(col("a=b c"), 5);
        assert_eq!(col("-bad=x"), 1);
        assert_eq!(col("a=-bad"), 3);
        assert_eq!(col("Ünï=x"), 1);
        assert_eq!(col("!"), 2);
        assert_eq!(col("a=b=c"), 4);
        let e = LabelSelector::parse("a in x").unwrap_err().to_string();
        assert!(e.starts_with("at column 6:"), "{e}");
    }

    #[test]
    fn key_and_value_validation() {
        assert!(LabelSelector::parse(&format!("{}=x", "k".repeat(64))).is_err());
        assert!(LabelSelector::parse(&format!("k={}", "v".repeat(64))).is_err());
        assert!(LabelSelector::parse("Example.com/x=y").is_err());
        assert!(LabelSelector::parse("example.com/=y").is_err());
        assert!(LabelSelector::parse("my_Key.1=Val_1.x").is_ok());
    }

    #[test]
    fn matches_object_reads_metadata_labels() {
        let obj = json!({"metadata": {"name": "x", "labels": {"app": "gw", "n": 5}}});
        assert!(sel("app=gw").matches_object(&obj));
        assert!(!sel("n=5").matches_object(&obj));
        assert!(sel("!app2").matches_object(&json!({"metadata": {}})));
        assert!(!sel("app").matches_object(&json!(null)));
    }

    #[test]
    fn structured_form() {
        let s = LabelSelector::from_object(&json!({
            "matchLabels": {"app": "gw"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "tier", "operator": "NotIn", "values": ["db"]},
                {"key": "export", "operator": "Exists"},
                {"key": "legacy", "operator": "DoesNotExist", "values": []},
            ]
        }))
        .unwrap();
        assert_eq!(
            s.to_string(),
            "app=gw,env in (dev,prod),export,!legacy,tier notin (db)"
        );
        assert!(s.matches(&labels(&[("app", "gw"), ("env", "prod"), ("export", "")])));
        assert!(!s.matches(&labels(&[("app", "gw"), ("env", "prod")])));
        assert!(!s.matches(&labels(&[
            ("app", "gw"),
            ("env", "prod"),
            ("export", "1"),
            ("legacy", "1")
        ])));
        assert!(LabelSelector::from_object(&json!({})).unwrap().is_empty());
        assert!(
            LabelSelector::from_object(&json!({"matchLabels": null}))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn structured_form_errors() {
        let path = |v: Value| match LabelSelector::from_object(&v) {
            Err(SelectorError::Invalid { path, .. }) => path,
            other => panic!("expected error for {v}, got {other:?}"),
        };
        let e = LabelSelector::from_object(
            &json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}),
        )
        .unwrap_err();
        assert_eq!(
            path(json!({"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]})),
            "matchExpressions[0].operator"
        );
        assert!(
            e.to_string()
                .contains("\"Gt\" is not a valid label selector operator"),
            "{e}"
        );
        assert_eq!(
            path(json!({"matchExpressions": [{"key": "a", "operator": "In"}]})),
            "matchExpressions[0].values"
        );
        assert_eq!(
            path(
                json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]})
            ),
            "matchExpressions[0].values"
        );
        assert_eq!(
            path(json!({"matchExpressions": [{"operator": "Exists"}]})),
            "matchExpressions[0].key"
        );
        assert_eq!(
            path(json!({"matchExpressions": [{"key": "a", "operator": "In", "values": [1]}]})),
            "matchExpressions[0].values[0]"
        );
        assert_eq!(path(json!({"matchLabels": {"a": 1}})), "matchLabels.a");
        assert_eq!(path(json!({"matchLabels": []})), "matchLabels");
        assert_eq!(path(json!({"matchLabel": {}})), "matchLabel");
        assert_eq!(path(json!("app=gw")), "labelSelector");
        assert_eq!(path(json!(null)), "labelSelector");
    }

    fn fsel(s: &str) -> FieldSelector {
        match FieldSelector::parse(s) {
            Ok(x) => x,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    #[test]
    fn field_selector_matching() {
        let obj = json!({"metadata": {"name": "gw", "namespace": "istio-system"}, "spec": {"type": "ClusterIP", "replicas": 2, "ports": [{"port": 80}]}});
        assert!(fsel("metadata.name=gw").matches(&obj));
        assert!(fsel("metadata.namespace==istio-system").matches(&obj));
        assert!(fsel("spec.type!=LoadBalancer").matches(&obj));
        assert!(!fsel("spec.type!=ClusterIP").matches(&obj));
        assert!(fsel("metadata.name=gw,metadata.namespace=istio-system").matches(&obj));
        assert!(!fsel("metadata.name=gw,metadata.namespace=default").matches(&obj));
        assert!(fsel("spec.replicas=2").matches(&obj));
        assert!(fsel("spec.ports.0.port=80").matches(&obj));
        // Missing field reads as empty string.
        assert!(fsel("status.phase=").matches(&obj));
        assert!(fsel("status.phase!=Running").matches(&obj));
        assert!(!fsel("status.phase=Running").matches(&obj));
        assert!(fsel("").matches(&obj));
        assert!(fsel("").is_empty());
    }

    #[test]
    fn field_selector_escapes_and_display() {
        let s = fsel(r"metadata.name=a\,b\=c\\d, spec.type == X ,,");
        assert_eq!(s.requirements().len(), 2);
        assert_eq!(s.requirements()[0].value, r"a,b=c\d");
        assert!(s.matches(&json!({"metadata": {"name": "a,b=c\\d"}, "spec": {"type": "X"}})));
        assert_eq!(s.to_string(), r"metadata.name=a\,b\=c\\d,spec.type=X");
        assert_eq!(fsel(&s.to_string()), s);
        assert_eq!(fsel("a!=b").to_string(), "a!=b");
    }

    #[test]
    fn field_selector_errors() {
        let c = |s: &str| match FieldSelector::parse(s) {
            Err(SelectorError::Parse { column, .. }) => column,
            other => panic!("expected error for {s:?}, got {other:?}"),
        };
        assert_eq!(c("metadata.name"), 1);
        assert_eq!(c("a=b,garbage"), 5);
        assert_eq!(c("=x"), 1);
        assert_eq!(c(r"a=\x"), 3);
        assert_eq!(c("a=b\\"), 4);
        assert!(FieldSelector::parse("é=ü").is_ok());
    }

    #[test]
    fn random_input_never_panics() {
        let alphabet: Vec<char> = "abz09=!(),<> \\._-/éinotin".chars().collect();
        let obj = json!({"metadata": {"name": "a", "labels": {"a": "b"}}});
        let mut seed: u64 = 42;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 60) as usize + 1;
            let mut x = seed;
            let t: String = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[(x >> 33) as usize % alphabet.len()]
                })
                .collect();
            if let Ok(s) = LabelSelector::parse(&t) {
                let _ = s.matches_object(&obj);
                assert_eq!(
                    LabelSelector::parse(&s.to_string()).as_ref(),
                    Ok(&s),
                    "{t:?}"
                );
            }
            if let Ok(s) = FieldSelector::parse(&t) {
                let _ = s.matches(&obj);
            }
        }
    }

    #[test]
    fn from_str_works() {
        let l: LabelSelector = "a=b".parse().unwrap();
        assert_eq!(l.requirements()[0].operator, Operator::Equals);
        let f: FieldSelector = "a=b".parse().unwrap();
        assert_eq!(f.requirements()[0].operator, FieldOperator::Equals);
    }
}
