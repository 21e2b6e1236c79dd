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
///
/// A value always becomes one YAML scalar, never structure: whatever it holds (line breaks,
/// `key: value`, `---`, quotes, `#`), it cannot add keys, items or documents. How it is written
/// depends on where the placeholder is, found by following the YAML around it:
/// - the whole of a plain scalar (`replicas: ${N}`, `{version: ${V}}`, `- ${X}`, a key): as it
///   is when it is a plain number or `true`/`false` (so it stays typed) or a plain word, else
///   as a double-quoted string with escapes;
/// - part of a plain scalar (`name: details-${V}`): the whole scalar becomes one double-quoted
///   string (so `${MAJOR}.${MINOR}` stays the string "1.2", not a number);
/// - inside a double-quoted string: escaped; inside a single-quoted one: quotes doubled (a value
///   with a line break is refused there: use double quotes);
/// - inside a block scalar (`|`, `>`): each line of the value indented like the placeholder's;
/// - inside a comment: left as written.
pub fn substitute(
    text: &str,
    vars: &BTreeMap<String, String>,
    origin: &str,
) -> Result<String, ManifestError> {
    if !text.contains('$') {
        return Ok(text.to_string());
    }
    let edits = Scanner {
        text,
        vars,
        origin,
        edits: Vec::new(),
    }
    .scan()?;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (start, end, replacement) in edits {
        out.push_str(&text[copied..start]);
        out.push_str(&replacement);
        copied = end;
        if out.len() > MAX_OUTPUT {
            let at = position(text, start);
            return Err(ManifestError {
                origin: origin.into(),
                line: at.0,
                column: at.1,
                message: format!("manifest grows beyond {MAX_OUTPUT} bytes after substitution"),
            });
        }
    }
    out.push_str(&text[copied..]);
    if out.len() > MAX_OUTPUT {
        return Err(ManifestError {
            origin: origin.into(),
            line: 0,
            column: 0,
            message: format!("manifest grows beyond {MAX_OUTPUT} bytes after substitution"),
        });
    }
    Ok(out)
}

/// A piece of a plain scalar: text as written, or a placeholder's value.
enum Piece<'v> {
    Text(&'v str),
    Value(&'v str),
}

/// Follows the YAML structure line by line, just enough to know where each placeholder is.
struct Scanner<'t> {
    text: &'t str,
    vars: &'t BTreeMap<String, String>,
    origin: &'t str,
    /// (start, end, replacement) byte ranges of `text`, in order.
    edits: Vec<(usize, usize, String)>,
}

/// What a `$` starts at a byte offset.
enum Dollar<'t> {
    /// `$${`: a literal `${`, 3 bytes.
    Escape,
    /// `${NAME}`: the value, and the placeholder's length.
    Placeholder(&'t str, usize),
    /// Any other `$`.
    Plain,
}

impl<'t> Scanner<'t> {
    fn error(&self, offset: usize, message: String) -> ManifestError {
        let (line, column) = position(self.text, offset);
        ManifestError {
            origin: self.origin.into(),
            line,
            column,
            message,
        }
    }

    /// Reads what starts at `offset` (a `$`).
    fn dollar(&self, offset: usize) -> Result<Dollar<'t>, ManifestError> {
        let after = &self.text[offset + 1..];
        if after.starts_with("${") {
            return Ok(Dollar::Escape);
        }
        let Some(body) = after.strip_prefix('{') else {
            return Ok(Dollar::Plain);
        };
        let close = body.find('}').ok_or_else(|| {
            self.error(
                offset,
                "unterminated placeholder: `${` without a closing `}`".into(),
            )
        })?;
        let name = &body[..close];
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(self.error(
                offset,
                format!("invalid placeholder `${{{name}}}`: names are letters, digits and _"),
            ));
        }
        let value = self.vars.get(name).ok_or_else(|| {
            let known = if self.vars.is_empty() {
                "no variables were given (opts.vars); write `$${` for a literal `${`".to_string()
            } else {
                format!(
                    "defined: {}",
                    self.vars.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            };
            self.error(
                offset,
                format!("undefined variable `${{{name}}}` ({known})"),
            )
        })?;
        Ok(Dollar::Placeholder(value.as_str(), close + 3))
    }

    fn scan(mut self) -> Result<Vec<(usize, usize, String)>, ManifestError> {
        let text = self.text;
        // Inside a quoted scalar that continues on the next line.
        let mut quote: Option<u8> = None;
        // Open `[` and `{` of flow collections.
        let mut flow = 0usize;
        // Inside a block scalar (`|`, `>`): the indentation of the line that opened it.
        let mut block: Option<usize> = None;
        let mut line_start = 0;
        while line_start < text.len() {
            let line_end = text[line_start..]
                .find('\n')
                .map_or(text.len(), |i| line_start + i);
            let raw = &text[line_start..line_end];
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let indent = line.len() - line.trim_start_matches(' ').len();
            if quote.is_none()
                && let Some(parent) = block
            {
                if line.trim().is_empty() || indent > parent {
                    self.block_line(line_start, line)?;
                    line_start = line_end + 1;
                    continue;
                }
                block = None;
            }
            let mut i = 0;
            if quote.is_none()
                && flow == 0
                && (line.starts_with("---") || line.starts_with("..."))
                && line[3..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == ' ' || c == '\t')
            {
                i = 3;
            }
            self.line(
                line_start, line, i, indent, &mut quote, &mut flow, &mut block,
            )?;
            line_start = line_end + 1;
        }
        Ok(self.edits)
    }

    /// One line of a block scalar: each placeholder's value keeps to the block, its line breaks
    /// followed by this line's indentation.
    fn block_line(&mut self, at: usize, line: &str) -> Result<(), ManifestError> {
        let indentation: String = line.chars().take_while(|c| *c == ' ').collect();
        let bytes = line.as_bytes();
        let mut i = 0;
        while let Some(k) = line[i..].find('$') {
            let k = i + k;
            i = k + 1;
            match self.dollar(at + k)? {
                Dollar::Escape => {
                    self.edits.push((at + k, at + k + 3, "${".into()));
                    i = k + 3;
                }
                Dollar::Placeholder(value, len) => {
                    let starts_line = bytes[..k].iter().all(|b| *b == b' ');
                    let lines = split_lines(value);
                    if lines.len() > 1 && starts_line && value.starts_with([' ', '\t']) {
                        return Err(self.error(
                            at + k,
                            "the value spans lines and starts with a space: YAML would take \
                             that space for the block's indentation (put the placeholder after \
                             some text, or remove the leading space)"
                                .into(),
                        ));
                    }
                    let replacement = lines.join(&format!("\n{indentation}"));
                    self.edits.push((at + k, at + k + len, replacement));
                    i = k + len;
                }
                Dollar::Plain => {}
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn line(
        &mut self,
        at: usize,
        line: &str,
        mut i: usize,
        indent: usize,
        quote: &mut Option<u8>,
        flow: &mut usize,
        block: &mut Option<usize>,
    ) -> Result<(), ManifestError> {
        let bytes = line.as_bytes();
        // Whether a node (scalar, collection) may start here.
        let mut node_start = true;
        while i < bytes.len() {
            if let Some(q) = *quote {
                i = self.quoted(at, line, i, q, quote)?;
                node_start = false;
                continue;
            }
            let c = bytes[i];
            let next = bytes.get(i + 1).copied();
            let blank_after = next.is_none_or(|n| n == b' ' || n == b'\t');
            match c {
                b' ' | b'\t' => i += 1,
                b'#' if i == 0 || matches!(bytes[i - 1], b' ' | b'\t') => {
                    self.comment(at, line, i)?;
                    return Ok(());
                }
                b'"' | b'\'' if node_start => {
                    *quote = Some(c);
                    i += 1;
                }
                b'[' | b'{' if node_start || *flow > 0 => {
                    *flow += 1;
                    node_start = true;
                    i += 1;
                }
                b']' | b'}' if *flow > 0 => {
                    *flow -= 1;
                    node_start = false;
                    i += 1;
                }
                b',' if *flow > 0 => {
                    node_start = true;
                    i += 1;
                }
                b'-' | b'?' if node_start && blank_after => i += 1,
                // After a scalar (`"a":b` in flow), or before a blank: a value indicator.
                b':' if !node_start
                    || blank_after
                    || (*flow > 0 && next.is_some_and(|n| b",[]{}".contains(&n))) =>
                {
                    node_start = true;
                    i += 1;
                }
                b'|' | b'>' if node_start && *flow == 0 && is_block_header(&line[i + 1..]) => {
                    *block = Some(indent);
                    // Placeholders in a comment after the header are left as written.
                    if let Some(hash) = line[i..].find('#') {
                        self.comment(at, line, i + hash)?;
                    }
                    return Ok(());
                }
                b'&' | b'!' if node_start => {
                    while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t') {
                        i += 1;
                    }
                }
                _ => {
                    i = self.plain(at, line, i, *flow > 0)?;
                    node_start = false;
                }
            }
        }
        Ok(())
    }

    /// Inside a quoted scalar from `i`: placeholders are escaped for it; returns where the
    /// scan goes on (after the closing quote, or the end of the line).
    fn quoted(
        &mut self,
        at: usize,
        line: &str,
        mut i: usize,
        q: u8,
        quote: &mut Option<u8>,
    ) -> Result<usize, ManifestError> {
        let bytes = line.as_bytes();
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if q == b'"' => i += 2,
                b'\'' if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                b if b == q => {
                    *quote = None;
                    return Ok(i + 1);
                }
                b'$' => match self.dollar(at + i)? {
                    Dollar::Escape => {
                        self.edits.push((at + i, at + i + 3, "${".into()));
                        i += 3;
                    }
                    Dollar::Placeholder(value, len) => {
                        let replacement = if q == b'"' {
                            double_quoted_content(value)
                        } else {
                            single_quoted_content(value).ok_or_else(|| {
                                self.error(
                                    at + i,
                                    "the value has a line break or a control character, which \
                                     a single-quoted YAML string cannot hold: use double quotes \
                                     around the placeholder"
                                        .into(),
                                )
                            })?
                        };
                        self.edits.push((at + i, at + i + len, replacement));
                        i += len;
                    }
                    Dollar::Plain => i += 1,
                },
                _ => i += 1,
            }
        }
        Ok(bytes.len().max(i))
    }

    /// A comment from `i` to the end of the line: placeholders must exist but stay as written.
    fn comment(&mut self, at: usize, line: &str, i: usize) -> Result<(), ManifestError> {
        let mut k = i;
        while let Some(d) = line[k..].find('$') {
            let d = k + d;
            k = match self.dollar(at + d)? {
                Dollar::Escape => d + 3,
                Dollar::Placeholder(_, len) => d + len,
                Dollar::Plain => d + 1,
            };
        }
        Ok(())
    }

    /// A plain scalar starting at `i`: returns where it ends. With placeholders, the scalar is
    /// replaced by the scalar their values make (see [`substitute`]).
    fn plain(
        &mut self,
        at: usize,
        line: &str,
        start: usize,
        in_flow: bool,
    ) -> Result<usize, ManifestError> {
        let bytes = line.as_bytes();
        let mut pieces: Vec<Piece> = Vec::new();
        let mut escapes: Vec<usize> = Vec::new();
        let mut has_value = false;
        let mut text_from = start;
        let mut i = start;
        let mut end = start;
        while i < bytes.len() {
            let c = bytes[i];
            let next = bytes.get(i + 1).copied();
            let ends = match c {
                b':' => {
                    next.is_none_or(|n| n == b' ' || n == b'\t')
                        || (in_flow && next.is_some_and(|n| b",[]{}".contains(&n)))
                }
                b'#' => i > start && matches!(bytes[i - 1], b' ' | b'\t'),
                b',' | b'[' | b']' | b'{' | b'}' => in_flow,
                _ => false,
            };
            if ends {
                break;
            }
            if c == b'$' {
                match self.dollar(at + i)? {
                    Dollar::Escape => {
                        if i > text_from {
                            pieces.push(Piece::Text(&line[text_from..i]));
                        }
                        pieces.push(Piece::Text("${"));
                        escapes.push(i);
                        i += 3;
                        text_from = i;
                        end = i;
                        continue;
                    }
                    Dollar::Placeholder(value, len) => {
                        if i > text_from {
                            pieces.push(Piece::Text(&line[text_from..i]));
                        }
                        pieces.push(Piece::Value(value));
                        has_value = true;
                        i += len;
                        text_from = i;
                        end = i;
                        continue;
                    }
                    Dollar::Plain => {}
                }
            }
            if c != b' ' && c != b'\t' {
                end = i + 1;
                // Keep whole characters: `end` must not split a UTF-8 sequence.
                while end < bytes.len() && !line.is_char_boundary(end) {
                    end += 1;
                }
            }
            i += 1;
        }
        if end > text_from {
            pieces.push(Piece::Text(&line[text_from..end]));
        }
        if has_value {
            let replacement = match pieces.as_slice() {
                [Piece::Value(v)] => whole_scalar(v),
                _ => {
                    let mut joined = String::new();
                    for piece in &pieces {
                        match piece {
                            Piece::Text(t) | Piece::Value(t) => joined.push_str(t),
                        }
                    }
                    format!("\"{}\"", double_quoted_content(&joined))
                }
            };
            self.edits.push((at + start, at + end, replacement));
        } else {
            for e in escapes {
                self.edits.push((at + e, at + e + 3, "${".into()));
            }
        }
        Ok(end
            .max(start + 1)
            .min(bytes.len())
            .max(i.min(end.max(start + 1))))
    }
}

/// Whether the rest of a line after `|` or `>` makes it a block scalar header: indentation
/// and chomping indicators, then nothing or a comment.
fn is_block_header(rest: &str) -> bool {
    let indicators = rest.trim_start_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    let after = indicators.trim_start_matches([' ', '\t']);
    after.is_empty() || (after.starts_with('#') && after.len() < indicators.len())
}

/// A value's lines, split at every line break YAML knows (`\n`, `\r\n`, `\r`, and the Unicode
/// ones libyaml also breaks at).
fn split_lines(value: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut from = 0;
    let mut chars = value.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}') {
            lines.push(&value[from..i]);
            let mut next = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                chars.next();
                next += 1;
            }
            from = next;
        }
    }
    lines.push(&value[from..]);
    lines
}

/// A value that is a whole plain scalar: numbers and booleans as they are (they keep their type),
/// plain words as they are, anything else double-quoted.
fn whole_scalar(value: &str) -> String {
    if is_plain_number(value) || value == "true" || value == "false" || is_plain_word(value) {
        value.to_string()
    } else {
        format!("\"{}\"", double_quoted_content(value))
    }
}

/// `-12`, `0`, `3.5`, `1e3`: a number written the one way YAML and JSON agree on.
fn is_plain_number(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(int)
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(all_digits)
        && exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// A word YAML reads as that same string when unquoted: a letter or `_` first, then letters,
/// digits, `-`, `_`, `.`, `/`; not a word YAML gives another meaning (`null`, `yes`, `.inf`…).
fn is_plain_word(value: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "infinity", "nan",
    ];
    value.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !SPECIAL.contains(&value.to_ascii_lowercase().as_str())
}

/// The inside of a double-quoted YAML string holding `value`. Besides `\` and `"`, every
/// character YAML gives a meaning outside quotes is escaped too (`:`, `#`, `,`, brackets…), so
/// the text is inert even where quotes would not be expected.
fn double_quoted_content(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            ' ' | '.' | '_' | '-' | '/' | '+' | '=' | '(' | ')' | ';' | '~' | '^' | '$' => {
                out.push(c)
            }
            c if c.is_ascii_alphanumeric() => out.push(c),
            c if c.is_ascii() => out.push_str(&format!("\\x{:02x}", c as u32)),
            // Printable beyond ASCII: as it is, except what YAML takes for a line break or a
            // byte order mark.
            c if !c.is_control()
                && !matches!(
                    c,
                    '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
                ) =>
            {
                out.push(c)
            }
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out
}

/// The inside of a single-quoted YAML string holding `value`, if it can hold it (no line
/// breaks or control characters).
fn single_quoted_content(value: &str) -> Option<String> {
    if value
        .chars()
        .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
    {
        return None;
    }
    Some(value.replace('\'', "''"))
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
    // Editors on Windows start UTF-8 files with a byte-order mark; YAML allows it there.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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
    fn a_byte_order_mark_at_the_start_is_not_part_of_the_first_document() {
        let text = "\u{feff}apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bom\n";
        let objects = parse_documents(text, "bom.yaml").expect("parses");
        assert_eq!(objects[0]["apiVersion"], "v1");
        assert_eq!(objects[0]["metadata"]["name"], "bom");
    }

    #[test]
    fn placeholders_are_replaced_and_escapes_kept() {
        let out = substitute(
            "a: ${X}\nb: $${X} $5 ${Y}z\nc: $${X} $5\n",
            &vars(&[("X", "1"), ("Y", "2")]),
            "m.yaml",
        )
        .unwrap();
        assert_eq!(out, "a: 1\nb: \"$\\x7bX\\x7d $5 2z\"\nc: ${X} $5\n");
        let parsed: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        assert_eq!(parsed["b"], "${X} $5 2z");
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
            "\"é ß ü\""
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

    /// Values that would add keys, items or documents if pasted as YAML.
    const HOSTILE: &[&str] = &[
        "a\nkind: ConfigMap",
        "a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: evil, namespace: kube-system}",
        "x: y",
        "x:y",
        "a #b",
        "#b",
        "[1, 2]",
        "{a: 1}",
        "a, b: c",
        "a}, evil: {b",
        "a], evil: [b",
        "*alias",
        "&anchor x",
        "!!int 3",
        "'",
        "\"",
        "\\",
        "\\\"",
        "- item",
        "? key",
        "|",
        ">-",
        "%YAML 1.1",
        "@x",
        "`x",
        "null",
        "~",
        "yes",
        "True",
        "0x1F",
        "007",
        ".inf",
        "",
        " leading space",
        "trailing space ",
        "tab\there",
        "nel\u{85}kind: x",
        "ls\u{2028}kind: x",
        "cr\rkind: x",
        "crlf\r\nkind: x",
        "\u{feff}bom",
        "é ß 日本",
        "${OTHER}",
        "$${OTHER}",
        "a\n  nested: 1",
        "a\n- item",
        "x\n...\n---\nkind: Secret",
    ];

    /// Where a placeholder can be, and what `data.x` must then be (`{}` is the value; `None`
    /// for block scalars, whose line breaks fold or chomp).
    const CONTEXTS: &[(&str, Option<&str>)] = &[
        ("data:\n  x: ${X}\n", Some("{}")),
        ("data:\n  x: ${X} # comment\n", Some("{}")),
        ("data:\n  x: pre-${X}-post\n", Some("pre-{}-post")),
        ("data:\n  x: \"${X}\"\n", Some("{}")),
        ("data:\n  x: \"pre ${X} post\"\n", Some("pre {} post")),
        ("data:\n  x: '${X}'\n", Some("{}")),
        ("data: {x: ${X}}\n", Some("{}")),
        ("data: {x: a${X}, y: b}\n", Some("a{}")),
        ("data: {\"x\":${X}}\n", Some("{}")),
        ("data:\n  x: |\n    ${X}\n", None),
        ("data:\n  x: >-\n    line ${X}\n", None),
        ("data:\n  x:\n  - ${X}\n", Some("{}")),
        ("data:\n  x: [${X}]\n", Some("{}")),
        ("data:\n  x: !!str ${X}\n", Some("{}")),
    ];

    fn doc(template: &str, value: &str) -> Result<Vec<Value>, String> {
        let text = format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n{template}");
        let out = substitute(&text, &vars(&[("X", value), ("OTHER", "o")]), "t.yaml")
            .map_err(|e| e.to_string())?;
        parse_documents(&out, "t.yaml").map_err(|e| format!("{e}\n{out}"))
    }

    /// The one ConfigMap `m` with nothing but `data`, or a panic naming the case.
    fn only_data<'d>(docs: &'d [Value], case: &str) -> &'d serde_json::Map<String, Value> {
        assert_eq!(docs.len(), 1, "{case}");
        let d = &docs[0];
        assert_eq!(d["kind"], "ConfigMap", "{case}");
        assert_eq!(d["metadata"], serde_json::json!({"name": "m"}), "{case}");
        assert_eq!(d.as_object().map(|o| o.len()), Some(4), "{case}");
        d["data"].as_object().unwrap_or_else(|| panic!("{case}"))
    }

    #[test]
    fn values_are_scalars_never_structure() {
        for (template, expected) in CONTEXTS {
            for value in HOSTILE {
                let case = format!("template {template:?}, value {value:?}");
                let docs = match doc(template, value) {
                    Ok(docs) => docs,
                    // Refused where YAML cannot hold the value: fine; structure is not.
                    Err(e) => {
                        assert!(
                            template.contains('\'') || template.contains('|'),
                            "{case}: {e}"
                        );
                        continue;
                    }
                };
                let data = only_data(&docs, &format!("{case}: {docs:?}"));
                let extra = usize::from(template.contains("y: b"));
                assert_eq!(data.len(), 1 + extra, "{case}: {data:?}");
                let x = &data["x"];
                let x = x.as_array().and_then(|a| a.first()).unwrap_or(x);
                let text = x.as_str().unwrap_or_else(|| panic!("{case}: {x:?}"));
                if let Some(expected) = expected {
                    assert_eq!(text, expected.replace("{}", value), "{case}");
                }
            }
        }
    }

    #[test]
    fn a_value_as_a_key_is_one_key_and_comments_are_left_alone() {
        for value in HOSTILE {
            let case = format!("value {value:?}");
            let docs = doc("data:\n  ${X}: v\n", value).unwrap_or_else(|e| panic!("{case}: {e}"));
            let data = only_data(&docs, &case);
            assert_eq!(data.len(), 1, "{case}: {data:?}");
            assert_eq!(
                data.get(*value),
                Some(&Value::from("v")),
                "{case}: {data:?}"
            );
            let docs =
                doc("# ${X}\ndata:\n  x: c\n", value).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(only_data(&docs, &case)["x"], "c", "{case}");
        }
    }

    #[test]
    fn whole_numbers_and_booleans_stay_typed_elsewhere_strings() {
        let d = &doc("data:\n  x: ${X}\n", "3").unwrap()[0];
        assert_eq!(d["data"]["x"], 3);
        let d = &doc("data:\n  x: ${X}\n", "true").unwrap()[0];
        assert_eq!(d["data"]["x"], true);
        let d = &doc("data:\n  x: ${X}\n", "2.5").unwrap()[0];
        assert_eq!(d["data"]["x"], 2.5);
        let d = &doc("data:\n  x: v${X}\n", "3").unwrap()[0];
        assert_eq!(d["data"]["x"], "v3");
        let d = &doc("data:\n  x: \"${X}\"\n", "3").unwrap()[0];
        assert_eq!(d["data"]["x"], "3");
        // Two numbers around a dot are a version, not a float.
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  v: ${A}.${B}\n";
        let out = substitute(text, &vars(&[("A", "1"), ("B", "2")]), "t").unwrap();
        assert_eq!(parse_documents(&out, "t").unwrap()[0]["data"]["v"], "1.2");
        // Words stay plain, the rest is quoted.
        let out = substitute(
            "a: ${X}\nb: ${Y}\n",
            &vars(&[("X", "details-v2"), ("Y", "a: b")]),
            "t",
        )
        .unwrap();
        assert_eq!(out, "a: details-v2\nb: \"a\\x3a b\"\n");
    }

    #[test]
    fn block_scalars_keep_multi_line_values_inside() {
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let d = &doc("data:\n  ca.pem: |\n    ${X}\n  other: x\n", pem).unwrap()[0];
        assert_eq!(
            d["data"]["ca.pem"],
            format!("{pem}\n").trim_end_matches('\n').to_string() + "\n"
        );
        assert_eq!(d["data"]["other"], "x");
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

/// One step of a server's field path: `spec`, `[0]`, or `[name="web"]` (structured-merge-diff's
/// key of an associative list).
#[derive(Clone, Debug, PartialEq)]
pub enum FieldStep {
    Field(String),
    Index(usize),
    Key(String, String),
}

/// Parses a field path as servers write it: `spec.rules[0].type` (field errors, strict decoding)
/// or `.spec.containers[name="web"].image` (server-side apply). `None` when it is not one.
pub fn parse_field_path(path: &str) -> Option<Vec<FieldStep>> {
    let mut steps = Vec::new();
    let mut rest = path.strip_prefix('.').unwrap_or(path);
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']')?;
            let (item, after) = (&inner[..end], &inner[end + 1..]);
            steps.push(match item.split_once('=') {
                Some((k, v)) => FieldStep::Key(k.to_string(), v.trim_matches('"').to_string()),
                None => FieldStep::Index(item.parse().ok()?),
            });
            rest = after.strip_prefix('.').unwrap_or(after);
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            steps.push(FieldStep::Field(rest[..end].to_string()));
            rest = rest[end..].strip_prefix('.').unwrap_or(&rest[end..]);
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// A parsed YAML node with the position where it starts.
enum Marked {
    Map(Vec<(String, (usize, usize), Marked)>),
    Seq(Vec<((usize, usize), Marked)>),
    Scalar(String),
}

/// Builds the node whose start event was just read.
fn marked<'a>(
    first: saphyr_parser::Event<'a>,
    events: &mut impl Iterator<Item = (saphyr_parser::Event<'a>, (usize, usize))>,
) -> Option<Marked> {
    use saphyr_parser::Event;
    Some(match first {
        Event::MappingStart(..) => {
            let mut entries = Vec::new();
            loop {
                let (key, at) = events.next()?;
                let key = match key {
                    Event::MappingEnd => break,
                    Event::Scalar(text, ..) => text.into_owned(),
                    other => {
                        marked(other, events)?;
                        String::new()
                    }
                };
                let (value, _) = events.next()?;
                entries.push((key, at, marked(value, events)?));
            }
            Marked::Map(entries)
        }
        Event::SequenceStart(..) => {
            let mut items = Vec::new();
            loop {
                let (item, at) = events.next()?;
                if matches!(item, Event::SequenceEnd) {
                    break;
                }
                items.push((at, marked(item, events)?));
            }
            Marked::Seq(items)
        }
        Event::Scalar(text, ..) => Marked::Scalar(text.into_owned()),
        _ => Marked::Scalar(String::new()),
    })
}

/// Where the field at `path` of the `object`-th object of a manifest is written (line and
/// column, 1-based): the field's key, or, when the field is missing (a required one), the
/// nearest enclosing field that is written. `None` when the text cannot tell (flow of a `List`).
pub fn field_position(text: &str, object: usize, path: &[FieldStep]) -> Option<(usize, usize)> {
    use saphyr_parser::{Event, Parser};
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut events = Parser::new_from_str(text)
        .map_while(Result::ok)
        .map(|(e, span)| (e, (span.start.line(), span.start.col() + 1)));
    let mut seen = 0;
    let root = loop {
        let (event, at) = events.next()?;
        match event {
            Event::StreamEnd => return None,
            Event::MappingStart(..) => {
                let node = marked(event, &mut events)?;
                // A `List` stands for its items: counting them needs more than this walk.
                if let Marked::Map(entries) = &node
                    && entries.iter().any(|(k, _, v)| {
                        k == "kind" && matches!(v, Marked::Scalar(s) if s == "List")
                    })
                {
                    return None;
                }
                if seen == object {
                    break (at, node);
                }
                seen += 1;
            }
            Event::SequenceStart(..) | Event::Scalar(..) => {
                marked(event, &mut events)?;
            }
            _ => {}
        }
    };
    let (mut at, mut node) = (root.0, &root.1);
    for step in path {
        let next = match (step, node) {
            (FieldStep::Field(name), Marked::Map(entries)) => entries
                .iter()
                .find(|(k, _, _)| k == name)
                .map(|(_, at, v)| (*at, v)),
            (FieldStep::Index(i), Marked::Seq(items)) => items.get(*i).map(|(at, v)| (*at, v)),
            (FieldStep::Key(key, value), Marked::Seq(items)) => items
                .iter()
                .find(|(_, item)| match item {
                    Marked::Map(entries) => entries
                        .iter()
                        .any(|(k, _, v)| k == key && matches!(v, Marked::Scalar(s) if s == value)),
                    _ => false,
                })
                .map(|(at, v)| (*at, v)),
            _ => None,
        };
        match next {
            Some((a, n)) => (at, node) = (a, n),
            None => break,
        }
    }
    Some(at)
}

#[cfg(test)]
mod position_tests {
    use super::*;

    const TEXT: &str = "# two objects\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: federation.maistra.io/v1\nkind: ExportedServiceSet\nmetadata:\n  name: x\nspec:\n  exportRules:\n  - type: LabelSelector\n    labelSelector:\n      namespace: prod\n      alias:\n        namespace: p\n  containers:\n  - name: web\n    image: nginx\n";

    fn at(object: usize, path: &str) -> Option<(usize, usize)> {
        field_position(TEXT, object, &parse_field_path(path).unwrap())
    }

    #[test]
    fn server_field_paths_point_at_the_manifest() {
        assert_eq!(
            at(1, "spec.exportRules[0].labelSelector.alias"),
            Some((16, 7))
        );
        assert_eq!(
            at(1, ".spec.exportRules[0].labelSelector.alias"),
            Some((16, 7))
        );
        // A missing required field: the item that lacks it.
        assert_eq!(
            at(1, "spec.exportRules[0].labelSelector.selector"),
            Some((14, 5))
        );
        assert_eq!(at(1, ".spec.containers[name=\"web\"].image"), Some((20, 5)));
        assert_eq!(at(0, "metadata.name"), Some((5, 12)));
        assert_eq!(at(2, "spec"), None);
        assert_eq!(
            parse_field_path(".a[k=\"v\"].b[2]"),
            Some(vec![
                FieldStep::Field("a".into()),
                FieldStep::Key("k".into(), "v".into()),
                FieldStep::Field("b".into()),
                FieldStep::Index(2)
            ])
        );
        assert_eq!(parse_field_path(""), None);
    }
}
