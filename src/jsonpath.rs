//! kubectl-style JSONPath *templates* (`kubectl get -o jsonpath=...`).
//!
//! This implements the dialect of `k8s.io/client-go/util/jsonpath`, which differs
//! from RFC 9535 JSONPath: text outside `{...}` is copied literally, field names
//! may contain dashes and escaped dots (`{.data.root-cert\.pem}`), `{range}` /
//! `{end}` iterate, and results are printed the way kubectl prints them (strings
//! raw, numbers and booleans as JSON text, maps and arrays as compact JSON,
//! several results of one `{...}` joined by a single space).
//!
//! It is for reading values out of Kubernetes objects in playbooks and for
//! printing them; it is *not* a general RFC 9535 engine, it does not modify
//! documents, and it does not implement `=~` regular-expression filters.
//!
//! Deliberate approximations of kubectl (documented so callers are not
//! surprised):
//! - A missing field outside `{range}` and filters is an error
//!   (`status.foo is not found`), as kubectl with `--allow-missing-template-keys=false`.
//!   Inside a filter, and inside a `{range}` body (including the range
//!   expression itself), missing data means "no match"/empty output instead.
//! - Slices (`[a:b]`) are clamped to the array like Python/RFC 9535; kubectl
//!   errors when a slice bound is out of range. Single indexes (`[5]`) that are
//!   out of range are still an error outside filters/ranges, like kubectl.
//! - `$` always means the document root (kubectl treats it as the current
//!   object, which only differs inside `{range}`).
//! - `[*]` and filters also work on objects (over their values); kubectl only
//!   allows them on arrays.
//! - `['a.b']`: looked up as the literal key `a.b` first; if there is no such
//!   key it is read as the nested path `.a.b`, which is what kubectl does.
//! - Comparing values of different types in a filter is "no match" (kubectl
//!   reports an error); JSON `null` prints as `null` (kubectl prints `<nil>`).
//! - Map key order follows `serde_json::Map` (kubectl's Go maps are unordered
//!   for `.*`/`..`, and sorted when printed as JSON).

use serde_json::Value;
use std::fmt::Write as _;

/// Deepest nesting of brackets/filters accepted, so hostile templates cannot
/// exhaust the stack.
const MAX_NESTING: usize = 64;

/// What went wrong while parsing or evaluating a template.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum JsonPathError {
    /// The template text is malformed; `column` is the 1-based character
    /// position in the text the caller gave.
    #[error("invalid jsonpath template at column {column}: {message}")]
    Parse { column: usize, message: String },
    /// A field the template asks for does not exist (kubectl's wording).
    #[error("{path} is not found")]
    NotFound { path: String },
    /// A single array index is outside the array.
    #[error("{path}: array index out of bounds: index {index}, length {length}")]
    IndexOutOfBounds {
        path: String,
        index: i64,
        length: usize,
    },
    /// An index or slice was applied to something that is not an array.
    #[error("{path}: {found} is not an array, cannot index it")]
    NotArray { path: String, found: &'static str },
    /// A filter side selected more than one value, so it cannot be compared.
    #[error("{path}: filter can only compare one element at a time, but it selected {count}")]
    AmbiguousComparison { path: String, count: usize },
}

type Result<T> = std::result::Result<T, JsonPathError>;

/// A parsed kubectl JSONPath template, reusable across many documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    source: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// Literal text outside `{}`.
    Text(String),
    /// `{"\n"}`, `{42}`, `{true}`.
    Literal(Value),
    /// `{.a.b}`.
    Path(Path),
    /// `{range PATH}BODY{end}`.
    Range { path: Path, body: Vec<Segment> },
}

#[derive(Debug, Clone, PartialEq)]
struct Path {
    from_root: bool,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name`
    Field(String),
    /// `['name']`; `dotted` is the kubectl reading of a key containing dots.
    Key {
        name: String,
        dotted: Option<Vec<Step>>,
    },
    /// `.*` or `[*]`
    Wildcard,
    /// `[3]`, `[-1]`
    Index(i64),
    /// `[a:b:c]`
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
    },
    /// `..` (applies the following step to every node below)
    Descend,
    /// `[?(...)]`, with its source text for messages.
    Filter { filter: Box<Filter>, source: String },
    /// `[a,b]`, with its source text for messages.
    Union {
        alternatives: Vec<Step>,
        source: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Exists(Path),
    Compare {
        left: Operand,
        op: CmpOp,
        right: Operand,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Path(Path),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Template {
    /// Parses a template once so it can be rendered against many objects.
    ///
    /// A bare path without braces (`.status.phase`, `$.spec`) is accepted and
    /// treated as `{.status.phase}`, as kubectl's relaxed syntax does.
    pub fn parse(text: &str) -> std::result::Result<Template, JsonPathError> {
        let trimmed = text.trim_start();
        let bare = !text.contains('{') && (trimmed.starts_with('.') || trimmed.starts_with('$'));
        let (chars, shift) = if bare {
            let mut c = Vec::with_capacity(text.len() + 2);
            c.push('{');
            c.extend(text.chars());
            c.push('}');
            (c, 1)
        } else {
            (text.chars().collect(), 0)
        };
        let mut parser = Parser {
            chars,
            pos: 0,
            shift,
            depth: 0,
        };
        let segments = parser.template()?;
        Ok(Template {
            source: text.to_string(),
            segments,
        })
    }

    /// The text this template was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders like `kubectl -o jsonpath=...`: the text users see.
    pub fn render(&self, value: &Value) -> std::result::Result<String, JsonPathError> {
        let mut out = String::new();
        let eval = Eval { root: value };
        eval.render(&self.segments, value, true, &mut out)?;
        Ok(out)
    }

    /// Returns the selected values themselves (typed, not stringified), for
    /// scripts that want data rather than text. Meant for a template that is a
    /// single `{expr}`; literal text and string literals in a longer template
    /// come back as JSON strings, and `{range}` bodies are flattened.
    pub fn query(&self, value: &Value) -> std::result::Result<Vec<Value>, JsonPathError> {
        let mut out = Vec::new();
        let eval = Eval { root: value };
        eval.collect(&self.segments, value, true, &mut out)?;
        Ok(out)
    }
}

/// Parses and renders in one go; convenient for one-off templates.
pub fn render(template: &str, value: &Value) -> std::result::Result<String, JsonPathError> {
    Template::parse(template)?.render(value)
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// 1 when the text was wrapped in `{}` (bare path), so columns still refer
    /// to what the user typed.
    shift: usize,
    depth: usize,
}

fn describe(c: char) -> String {
    match c {
        '\n' => "newline".to_string(),
        '\t' => "tab".to_string(),
        c => format!("'{c}'"),
    }
}

impl Parser {
    fn err(&self, at: usize, message: impl Into<String>) -> JsonPathError {
        JsonPathError::Parse {
            column: (at + 1).saturating_sub(self.shift).max(1),
            message: message.into(),
        }
    }

    fn column(&self, at: usize) -> usize {
        (at + 1).saturating_sub(self.shift).max(1)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn source(&self, from: usize, to: usize) -> String {
        self.chars
            .get(from..to.min(self.chars.len()))
            .map(|s| s.iter().collect())
            .unwrap_or_default()
    }

    fn template(&mut self) -> Result<Vec<Segment>> {
        // Each open `{range}`: its path, the column it opened at, and the
        // segments collected so far for its body.
        struct Open {
            path: Path,
            at: usize,
            body: Vec<Segment>,
        }
        let mut top: Vec<Segment> = Vec::new();
        let mut open: Vec<Open> = Vec::new();
        let mut text = String::new();

        fn current<'a>(top: &'a mut Vec<Segment>, open: &'a mut [Open]) -> &'a mut Vec<Segment> {
            match open.last_mut() {
                Some(o) => &mut o.body,
                None => top,
            }
        }

        while let Some(c) = self.peek() {
            if c != '{' {
                text.push(c);
                self.pos += 1;
                continue;
            }
            if !text.is_empty() {
                current(&mut top, &mut open).push(Segment::Text(std::mem::take(&mut text)));
            }
            let brace = self.pos;
            self.pos += 1;
            self.skip_ws();
            let Some(first) = self.peek() else {
                return Err(self.err(brace, "unterminated '{': missing '}'"));
            };
            let segment: Option<Segment> = if first == '}' {
                return Err(self.err(
                    brace,
                    "empty action '{}': expected a path such as {.metadata.name}",
                ));
            } else if first.is_ascii_alphabetic() {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.pos += 1;
                }
                let word = self.source(start, self.pos);
                match word.as_str() {
                    "range" => {
                        self.skip_ws();
                        if self.peek() == Some('}') || self.peek().is_none() {
                            return Err(
                                self.err(self.pos, "'range' needs a path, e.g. {range .items[*]}")
                            );
                        }
                        if open.len() >= MAX_NESTING {
                            return Err(self.err(
                                brace,
                                format!("{{range}} nested deeper than {MAX_NESTING} levels"),
                            ));
                        }
                        let path = self.path(false)?;
                        self.close_action(brace)?;
                        open.push(Open {
                            path,
                            at: brace,
                            body: Vec::new(),
                        });
                        continue;
                    }
                    "end" => {
                        self.close_action(brace)?;
                        let Some(o) = open.pop() else {
                            return Err(self.err(brace, "{end} without a matching {range}"));
                        };
                        current(&mut top, &mut open).push(Segment::Range {
                            path: o.path,
                            body: o.body,
                        });
                        continue;
                    }
                    "true" => Some(Segment::Literal(Value::Bool(true))),
                    "false" => Some(Segment::Literal(Value::Bool(false))),
                    other => {
                        return Err(self.err(
                            start,
                            format!(
                                "unrecognized identifier '{other}' (functions are not supported; only range and end are keywords)"
                            ),
                        ));
                    }
                }
            } else if first == '"' || first == '\'' {
                Some(Segment::Literal(Value::String(self.string_literal()?)))
            } else if first.is_ascii_digit() || first == '-' || first == '+' {
                Some(Segment::Literal(self.number()?))
            } else if matches!(first, '.' | '$' | '@' | '[') {
                Some(Segment::Path(self.path(false)?))
            } else {
                return Err(self.err(
                    self.pos,
                    format!("unrecognized character {} in action", describe(first)),
                ));
            };
            self.close_action(brace)?;
            if let Some(s) = segment {
                current(&mut top, &mut open).push(s);
            }
        }
        if !text.is_empty() {
            current(&mut top, &mut open).push(Segment::Text(text));
        }
        if let Some(o) = open.last() {
            return Err(self.err(o.at, "{range} has no matching {end}"));
        }
        Ok(top)
    }

    /// Expects optional whitespace then the `}` closing the action opened at `brace`.
    fn close_action(&mut self, brace: usize) -> Result<()> {
        self.skip_ws();
        match self.peek() {
            Some('}') => {
                self.pos += 1;
                Ok(())
            }
            None => Err(self.err(brace, "unterminated '{': missing '}'")),
            Some(c) => Err(self.err(
                self.pos,
                format!(
                    "unexpected {} in action opened at column {}, expected '}}'",
                    describe(c),
                    self.column(brace)
                ),
            )),
        }
    }

    fn is_name_char(c: char, in_filter: bool) -> bool {
        if c.is_whitespace() {
            return false;
        }
        match c {
            '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}' | '(' | ')' => false,
            '=' | '!' | '<' | '>' | '\'' | '"' => !in_filter,
            _ => true,
        }
    }

    /// Reads a field name, honouring `\` escapes (`root-cert\.pem`).
    fn name(&mut self, in_filter: bool) -> Result<String> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                let Some(next) = self.peek_at(1) else {
                    return Err(self.err(self.pos, "'\\' at end of template: nothing to escape"));
                };
                name.push(next);
                self.pos += 2;
            } else if Self::is_name_char(c, in_filter) {
                name.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        Ok(name)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err(
                self.pos,
                format!("nesting deeper than {MAX_NESTING} levels"),
            ));
        }
        Ok(())
    }

    fn path(&mut self, in_filter: bool) -> Result<Path> {
        self.enter()?;
        let result = self.path_inner(in_filter);
        self.depth -= 1;
        result
    }

    fn path_inner(&mut self, in_filter: bool) -> Result<Path> {
        let mut from_root = false;
        match self.peek() {
            Some('$') => {
                from_root = true;
                self.pos += 1;
            }
            Some('@') => self.pos += 1,
            _ => {}
        }
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') if self.peek_at(1) == Some('.') => {
                    let at = self.pos;
                    self.pos += 2;
                    steps.push(Step::Descend);
                    match self.peek() {
                        Some('*') => {
                            self.pos += 1;
                            steps.push(Step::Wildcard);
                        }
                        Some('[') => {}
                        _ => {
                            let name = self.name(in_filter)?;
                            if name.is_empty() {
                                return Err(self
                                    .err(at, "'..' must be followed by a field name, '*' or '['"));
                            }
                            steps.push(Step::Field(name));
                        }
                    }
                }
                Some('.') => {
                    let at = self.pos;
                    self.pos += 1;
                    if self.peek() == Some('*') {
                        self.pos += 1;
                        steps.push(Step::Wildcard);
                        continue;
                    }
                    let name = self.name(in_filter)?;
                    if name.is_empty() {
                        // `{.}` (and `{.[0]}`) mean the current object.
                        let next = self.peek();
                        let ends = matches!(next, None | Some('}' | ')' | '['))
                            || next.is_some_and(char::is_whitespace);
                        if !(steps.is_empty() && ends) {
                            return Err(self.err(
                                at,
                                match next {
                                    Some(c) => format!(
                                        "expected a field name after '.', found {}",
                                        describe(c)
                                    ),
                                    None => "expected a field name after '.'".to_string(),
                                },
                            ));
                        }
                    } else {
                        steps.push(Step::Field(name));
                    }
                }
                Some('[') => steps.push(self.bracket()?),
                _ => break,
            }
        }
        Ok(Path { from_root, steps })
    }

    fn bracket(&mut self) -> Result<Step> {
        let open = self.pos;
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some('?') {
            return self.filter(open);
        }
        let mut items: Vec<Step> = Vec::new();
        loop {
            self.skip_ws();
            let item_at = self.pos;
            match self.peek() {
                None => return Err(self.err(open, "unterminated '[': missing ']'")),
                Some(']') if items.is_empty() => {
                    return Err(self.err(
                        open,
                        "empty brackets '[]': expected an index, slice, '*', key or filter",
                    ));
                }
                Some(']' | ',') => return Err(self.err(item_at, "missing item in bracket list")),
                Some('"' | '\'') => {
                    let name = self.string_literal()?;
                    let dotted = if name.contains('.') {
                        let mut sub = Parser {
                            chars: std::iter::once('.').chain(name.chars()).collect(),
                            pos: 0,
                            shift: 0,
                            depth: self.depth,
                        };
                        sub.path(false)
                            .ok()
                            .filter(|_| sub.pos == sub.chars.len())
                            .map(|p| p.steps)
                    } else {
                        None
                    };
                    items.push(Step::Key { name, dotted });
                }
                Some('*') => {
                    self.pos += 1;
                    items.push(Step::Wildcard);
                }
                Some(_) => {
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c != ',' && c != ']') {
                        self.pos += 1;
                    }
                    let spec = self.source(start, self.pos);
                    items.push(self.slice(&spec, start)?);
                }
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                None => return Err(self.err(open, "unterminated '[': missing ']'")),
                Some(c) => {
                    return Err(self.err(
                        self.pos,
                        format!(
                            "unexpected {} in brackets, expected ',' or ']'",
                            describe(c)
                        ),
                    ));
                }
            }
        }
        if items.len() == 1 {
            Ok(items.pop().unwrap_or(Step::Wildcard))
        } else {
            Ok(Step::Union {
                alternatives: items,
                source: self.source(open, self.pos),
            })
        }
    }

    /// Parses `3`, `-1`, `1:3`, `::2`, `-1:`.
    fn slice(&self, spec: &str, at: usize) -> Result<Step> {
        let parts: Vec<&str> = spec.split(':').collect();
        if parts.len() > 3 {
            return Err(self.err(
                at,
                format!("invalid slice '{}': at most start:end:step", spec.trim()),
            ));
        }
        let mut nums = [None, None, None];
        for (i, part) in parts.iter().enumerate() {
            let p = part.trim();
            if p.is_empty() {
                continue;
            }
            match p.parse::<i64>() {
                Ok(n) => nums[i] = Some(n),
                Err(_) => {
                    return Err(self.err(
                        at,
                        format!("invalid array index '{p}': expected an integer, '*', a quoted key or a filter '?(...)'"),
                    ));
                }
            }
        }
        if parts.len() == 1 {
            return match nums[0] {
                Some(i) => Ok(Step::Index(i)),
                None => Err(self.err(at, "empty array index")),
            };
        }
        if let Some(step) = nums[2]
            && step <= 0
        {
            return Err(self.err(at, format!("slice step must be > 0, got {step}")));
        }
        Ok(Step::Slice {
            start: nums[0],
            end: nums[1],
            step: nums[2],
        })
    }

    /// Parses `?(...)]`; `open` is the position of `[`.
    fn filter(&mut self, open: usize) -> Result<Step> {
        self.enter()?;
        let result = self.filter_inner(open);
        self.depth -= 1;
        result
    }

    fn filter_inner(&mut self, open: usize) -> Result<Step> {
        self.pos += 1; // '?'
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(self.err(
                self.pos,
                "expected '(' after '[?', e.g. [?(@.type==\"Ready\")]",
            ));
        }
        let paren = self.pos;
        self.pos += 1;
        self.skip_ws();
        let left_at = self.pos;
        let left = self.operand()?;
        self.skip_ws();
        let filter = if self.peek() == Some(')') {
            match left {
                Operand::Path(p) => Filter::Exists(p),
                Operand::Literal(_) => {
                    return Err(self.err(
                        left_at,
                        "filter needs a path such as @.status or a comparison",
                    ));
                }
            }
        } else {
            let op_at = self.pos;
            while self
                .peek()
                .is_some_and(|c| matches!(c, '=' | '!' | '<' | '>' | '~'))
            {
                self.pos += 1;
            }
            let op_text = self.source(op_at, self.pos);
            let op = match op_text.as_str() {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                ">=" => CmpOp::Ge,
                "=~" => {
                    return Err(
                        self.err(op_at, "regular-expression filters (=~) are not supported")
                    );
                }
                "" => {
                    return Err(match self.peek() {
                        None => self.err(paren, "unterminated filter: missing ')'"),
                        Some(c) => self.err(op_at, format!("unexpected {} in filter, expected an operator (==, !=, <, <=, >, >=) or ')'", describe(c))),
                    });
                }
                other => {
                    return Err(self.err(
                        op_at,
                        format!("unknown filter operator '{other}' (use ==, !=, <, <=, >, >=)"),
                    ));
                }
            };
            self.skip_ws();
            let right = self.operand()?;
            self.skip_ws();
            Filter::Compare { left, op, right }
        };
        match self.peek() {
            Some(')') => self.pos += 1,
            None => return Err(self.err(paren, "unterminated filter: missing ')'")),
            Some(c) => {
                return Err(self.err(
                    self.pos,
                    format!("unexpected {} in filter, expected ')'", describe(c)),
                ));
            }
        }
        self.skip_ws();
        match self.peek() {
            Some(']') => self.pos += 1,
            None => return Err(self.err(open, "unterminated '[': missing ']' after filter")),
            Some(c) => {
                return Err(self.err(
                    self.pos,
                    format!("unexpected {} after filter, expected ']'", describe(c)),
                ));
            }
        }
        Ok(Step::Filter {
            filter: Box::new(filter),
            source: self.source(open, self.pos),
        })
    }

    fn operand(&mut self) -> Result<Operand> {
        match self.peek() {
            Some('"' | '\'') => Ok(Operand::Literal(Value::String(self.string_literal()?))),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => {
                Ok(Operand::Literal(self.number()?))
            }
            Some('.' | '$' | '@' | '[') => Ok(Operand::Path(self.path(true)?)),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
                    self.pos += 1;
                }
                match self.source(start, self.pos).as_str() {
                    "true" => Ok(Operand::Literal(Value::Bool(true))),
                    "false" => Ok(Operand::Literal(Value::Bool(false))),
                    "null" => Ok(Operand::Literal(Value::Null)),
                    w => Err(self.err(start, format!("unexpected '{w}' in filter: expected @.path, a quoted string, a number, true, false or null"))),
                }
            }
            Some(c) => Err(self.err(
                self.pos,
                format!(
                    "unexpected {} in filter: expected @.path, a quoted string or a number",
                    describe(c)
                ),
            )),
            None => Err(self.err(self.pos, "unterminated filter")),
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.pos;
        if matches!(self.peek(), Some('-' | '+')) {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| {
            c.is_ascii_alphanumeric()
                || c == '.'
                || ((c == '-' || c == '+')
                    && matches!(self.chars.get(self.pos.wrapping_sub(1)), Some('e' | 'E')))
        }) {
            self.pos += 1;
        }
        let text = self.source(start, self.pos);
        let digits = text.strip_prefix('+').unwrap_or(&text);
        if let Ok(i) = digits.parse::<i64>() {
            return Ok(Value::from(i));
        }
        let is_float_syntax = digits
            .trim_start_matches('-')
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'));
        match digits.parse::<f64>() {
            Ok(f) if is_float_syntax && f.is_finite() => Ok(serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or(Value::Null)),
            _ => Err(self.err(start, format!("invalid number '{text}'"))),
        }
    }

    /// Parses a single- or double-quoted string with Go-style escapes.
    fn string_literal(&mut self) -> Result<String> {
        let start = self.pos;
        let Some(quote) = self.peek() else {
            return Err(self.err(start, "expected a quoted string"));
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(
                    start,
                    format!("unterminated string literal: missing closing {quote}"),
                ));
            };
            self.pos += 1;
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let esc_at = self.pos - 1;
            let Some(e) = self.peek() else {
                return Err(self.err(
                    start,
                    format!("unterminated string literal: missing closing {quote}"),
                ));
            };
            self.pos += 1;
            match e {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'a' => out.push('\u{7}'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'v' => out.push('\u{b}'),
                '\\' | '\'' | '"' | '/' => out.push(e),
                'x' | 'u' | 'U' => {
                    let len = match e {
                        'x' => 2,
                        'u' => 4,
                        _ => 8,
                    };
                    let hex = self.source(self.pos, self.pos + len);
                    let code = if hex.chars().count() == len
                        && hex.chars().all(|c| c.is_ascii_hexdigit())
                    {
                        u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32)
                    } else {
                        None
                    };
                    match code {
                        Some(ch) => {
                            out.push(ch);
                            self.pos += len;
                        }
                        None => {
                            return Err(self.err(esc_at, format!("invalid escape '\\{e}': expected {len} hex digits of a valid character")));
                        }
                    }
                }
                other => {
                    return Err(self.err(esc_at, format!("unknown escape sequence '\\{other}'")));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

struct Eval<'a> {
    root: &'a Value,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn escape_name(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for c in name.chars() {
        if c == '.' || c == '\\' {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

fn trail_push(trail: &mut String, step: &Step) {
    match step {
        Step::Field(name) => {
            trail.push('.');
            trail.push_str(&escape_name(name));
        }
        Step::Key { name, .. } => {
            let _ = write!(trail, "['{name}']");
        }
        Step::Wildcard => trail.push_str("[*]"),
        Step::Index(i) => {
            let _ = write!(trail, "[{i}]");
        }
        Step::Slice { start, end, step } => {
            let f = |v: &Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
            let _ = write!(trail, "[{}:{}", f(start), f(end));
            if step.is_some() {
                let _ = write!(trail, ":{}", f(step));
            }
            trail.push(']');
        }
        Step::Descend => trail.push('.'),
        Step::Filter { source, .. } | Step::Union { source, .. } => trail.push_str(source),
    }
}

fn display_path(trail: &str) -> String {
    trail.strip_prefix('.').unwrap_or(trail).to_string()
}

/// Formats one result the way kubectl prints it.
fn format_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
        Value::Array(_) | Value::Object(_) => {
            out.push_str(&serde_json::to_string(v).unwrap_or_default());
        }
    }
}

fn compare(left: &Value, op: CmpOp, right: &Value) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (left, right) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => match (a.as_f64(), b.as_f64()) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => None,
            },
        },
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => {
            return match op {
                CmpOp::Eq => a == b,
                CmpOp::Ne => a != b,
                _ => false,
            };
        }
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    };
    match (op, ordering) {
        (CmpOp::Eq, o) => o == Some(Ordering::Equal),
        (CmpOp::Ne, o) => o != Some(Ordering::Equal),
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Ordering::Less,
        (CmpOp::Le, Some(o)) => o != Ordering::Greater,
        (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
        (CmpOp::Ge, Some(o)) => o != Ordering::Less,
    }
}

impl<'a> Eval<'a> {
    fn render(
        &self,
        segments: &[Segment],
        current: &'a Value,
        strict: bool,
        out: &mut String,
    ) -> Result<()> {
        for segment in segments {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Literal(v) => format_value(v, out),
                Segment::Path(p) => {
                    let values = self.path(p, current, strict)?;
                    for (i, v) in values.iter().enumerate() {
                        if i > 0 {
                            out.push(' ');
                        }
                        format_value(v, out);
                    }
                }
                Segment::Range { path, body } => {
                    for item in self.path(path, current, false)? {
                        self.render(body, item, false, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn collect(
        &self,
        segments: &[Segment],
        current: &'a Value,
        strict: bool,
        out: &mut Vec<Value>,
    ) -> Result<()> {
        for segment in segments {
            match segment {
                Segment::Text(t) => out.push(Value::String(t.clone())),
                Segment::Literal(v) => out.push(v.clone()),
                Segment::Path(p) => out.extend(self.path(p, current, strict)?.into_iter().cloned()),
                Segment::Range { path, body } => {
                    for item in self.path(path, current, false)? {
                        self.collect(body, item, false, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn path(&self, path: &Path, current: &'a Value, strict: bool) -> Result<Vec<&'a Value>> {
        let (start, mut trail) = if path.from_root {
            (self.root, "$".to_string())
        } else {
            (current, String::new())
        };
        self.steps(&path.steps, vec![start], strict, &mut trail)
    }

    fn steps(
        &self,
        steps: &[Step],
        mut values: Vec<&'a Value>,
        strict: bool,
        trail: &mut String,
    ) -> Result<Vec<&'a Value>> {
        for step in steps {
            trail_push(trail, step);
            values = self.step(step, values, strict, trail)?;
        }
        Ok(values)
    }

    fn step(
        &self,
        step: &Step,
        input: Vec<&'a Value>,
        strict: bool,
        trail: &str,
    ) -> Result<Vec<&'a Value>> {
        let mut out: Vec<&'a Value> = Vec::new();
        match step {
            Step::Field(name) => {
                if input.is_empty() {
                    return Ok(out);
                }
                out.extend(
                    input
                        .iter()
                        .filter_map(|v| v.as_object().and_then(|m| m.get(name))),
                );
                if out.is_empty() && strict {
                    return Err(JsonPathError::NotFound {
                        path: display_path(trail),
                    });
                }
            }
            Step::Key { name, dotted } => {
                if input.is_empty() {
                    return Ok(out);
                }
                for v in &input {
                    if let Some(found) = v.as_object().and_then(|m| m.get(name)) {
                        out.push(found);
                    } else if let (Some(steps), Value::Object(_)) = (dotted, v) {
                        let mut sub = String::new();
                        out.extend(self.steps(steps, vec![*v], false, &mut sub)?);
                    }
                }
                if out.is_empty() && strict {
                    return Err(JsonPathError::NotFound {
                        path: display_path(trail),
                    });
                }
            }
            Step::Wildcard => {
                for v in input {
                    match v {
                        Value::Object(m) => out.extend(m.values()),
                        Value::Array(a) => out.extend(a.iter()),
                        _ => {}
                    }
                }
            }
            Step::Index(index) => {
                for v in input {
                    let arr = match v {
                        Value::Array(a) => a,
                        Value::Null => continue,
                        other if strict => {
                            return Err(JsonPathError::NotArray {
                                path: display_path(trail),
                                found: kind(other),
                            });
                        }
                        _ => continue,
                    };
                    let len = arr.len();
                    let idx = if *index < 0 {
                        i64::try_from(len).ok().and_then(|l| index.checked_add(l))
                    } else {
                        Some(*index)
                    };
                    match idx
                        .and_then(|i| usize::try_from(i).ok())
                        .and_then(|i| arr.get(i))
                    {
                        Some(item) => out.push(item),
                        None if strict => {
                            return Err(JsonPathError::IndexOutOfBounds {
                                path: display_path(trail),
                                index: *index,
                                length: len,
                            });
                        }
                        None => {}
                    }
                }
            }
            Step::Slice { start, end, step } => {
                for v in input {
                    let arr = match v {
                        Value::Array(a) => a,
                        Value::Null => continue,
                        other if strict => {
                            return Err(JsonPathError::NotArray {
                                path: display_path(trail),
                                found: kind(other),
                            });
                        }
                        _ => continue,
                    };
                    let len = i64::try_from(arr.len()).unwrap_or(i64::MAX);
                    let clamp = |n: i64| -> usize {
                        let n = if n < 0 { n.saturating_add(len) } else { n };
                        usize::try_from(n.clamp(0, len)).unwrap_or(0)
                    };
                    let from = start.map(clamp).unwrap_or(0);
                    let to = end.map(clamp).unwrap_or(arr.len());
                    let by = step
                        .and_then(|s| usize::try_from(s).ok())
                        .filter(|s| *s > 0)
                        .unwrap_or(1);
                    if let Some(part) = arr.get(from..to.max(from)) {
                        out.extend(part.iter().step_by(by));
                    }
                }
            }
            Step::Descend => {
                // Every container at or below each input, in document order.
                for v in input {
                    let mut stack = vec![v];
                    while let Some(node) = stack.pop() {
                        match node {
                            Value::Object(m) => {
                                out.push(node);
                                stack.extend(m.values().rev());
                            }
                            Value::Array(a) => {
                                out.push(node);
                                stack.extend(a.iter().rev());
                            }
                            _ => {}
                        }
                    }
                }
            }
            Step::Filter { filter, source } => {
                for v in input {
                    let candidates: Vec<&'a Value> = match v {
                        Value::Array(a) => a.iter().collect(),
                        Value::Object(m) => m.values().collect(),
                        _ => continue,
                    };
                    for item in candidates {
                        if self.filter_matches(filter, item, source)? {
                            out.push(item);
                        }
                    }
                }
            }
            Step::Union { alternatives, .. } => {
                for alt in alternatives {
                    out.extend(self.step(alt, input.clone(), strict, trail)?);
                }
            }
        }
        Ok(out)
    }

    fn filter_matches(&self, filter: &Filter, item: &'a Value, source: &str) -> Result<bool> {
        match filter {
            Filter::Exists(p) => Ok(!self.path(p, item, false)?.is_empty()),
            Filter::Compare { left, op, right } => {
                // Cloning the single compared values keeps lifetimes simple.
                let l = self.operand_owned(left, item, source)?;
                let r = self.operand_owned(right, item, source)?;
                Ok(match (l, r) {
                    (Some(l), Some(r)) => compare(&l, *op, &r),
                    _ => false,
                })
            }
        }
    }

    fn operand_owned(
        &self,
        operand: &Operand,
        item: &'a Value,
        source: &str,
    ) -> Result<Option<Value>> {
        match operand {
            Operand::Literal(v) => Ok(Some(v.clone())),
            Operand::Path(p) => {
                let found = self.path(p, item, false)?;
                match found.len() {
                    0 => Ok(None),
                    1 => Ok(found.first().map(|v| (*v).clone())),
                    n => Err(JsonPathError::AmbiguousComparison {
                        path: source.to_string(),
                        count: n,
                    }),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(t: &str, v: &Value) -> String {
        match render(t, v) {
            Ok(s) => s,
            Err(e) => panic!("render {t:?} failed: {e}"),
        }
    }

    fn parse_col(t: &str) -> usize {
        match Template::parse(t) {
            Err(JsonPathError::Parse { column, .. }) => column,
            other => panic!("expected parse error for {t:?}, got {other:?}"),
        }
    }

    fn secret() -> Value {
        json!({"kind": "Secret", "data": {"root-cert.pem": "LS0t", "ca.crt": "Q0E="}})
    }

    fn svc() -> Value {
        json!({
            "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system",
                         "labels": {"app": "gw", "app.kubernetes.io/name": "gw"}},
            "spec": {"ports": [{"name": "tls", "port": 15443}, {"name": "http", "port": 80}]},
            "status": {
                "loadBalancer": {"ingress": [{"ip": "10.0.0.7"}, {"hostname": "lb.example.com"}]},
                "conditions": [
                    {"type": "Ready", "status": "True", "message": "ok", "count": 3},
                    {"type": "Synced", "status": "False", "message": "pending", "count": 10},
                ],
                "replicas": 2, "ready": true, "ratio": 0.5, "gone": null
            }
        })
    }

    fn list() -> Value {
        json!({"items": [
            {"metadata": {"name": "a", "namespace": "x"}, "status": {"phase": "Running"}},
            {"metadata": {"name": "b", "namespace": "y"}},
            {"metadata": {"name": "c", "namespace": "x"}, "status": {"phase": "Pending"}},
        ]})
    }

    #[test]
    fn escaped_dot_in_name() {
        assert_eq!(r("{.data.root-cert\\.pem}", &secret()), "LS0t");
        assert_eq!(r("{.data.ca\\.crt}", &secret()), "Q0E=");
    }

    #[test]
    fn simple_field_and_literal_text() {
        assert_eq!(
            r("name={.metadata.name} ns={.metadata.namespace}", &svc()),
            "name=istio-ingressgateway ns=istio-system"
        );
    }

    #[test]
    fn load_balancer_ip() {
        assert_eq!(
            r("{.status.loadBalancer.ingress[0].ip}", &svc()),
            "10.0.0.7"
        );
    }

    #[test]
    fn filter_equality() {
        assert_eq!(
            r(r#"{.status.conditions[?(@.type=="Ready")].status}"#, &svc()),
            "True"
        );
        assert_eq!(
            r(
                r#"{.status.conditions[?(@.type != 'Ready')].message}"#,
                &svc()
            ),
            "pending"
        );
    }

    #[test]
    fn filter_numeric_and_string_ordering() {
        let v = svc();
        assert_eq!(r("{.status.conditions[?(@.count > 5)].type}", &v), "Synced");
        assert_eq!(r("{.status.conditions[?(@.count<=3)].type}", &v), "Ready");
        assert_eq!(
            r("{.status.conditions[?(@.count >= 3)].type}", &v),
            "Ready Synced"
        );
        assert_eq!(
            r("{.status.conditions[?(@.count < 3.5)].type}", &v),
            "Ready"
        );
        assert_eq!(
            r(r#"{.status.conditions[?(@.type < "S")].type}"#, &v),
            "Ready"
        );
        assert_eq!(r(r#"{.spec.ports[?(@.port==15443)].name}"#, &v), "tls");
    }

    #[test]
    fn filter_existence_and_missing_is_no_match() {
        let v = svc();
        assert_eq!(
            r("{.status.loadBalancer.ingress[?(@.hostname)].hostname}", &v),
            "lb.example.com"
        );
        assert_eq!(
            r(
                r#"{.status.loadBalancer.ingress[?(@.ip=="10.0.0.7")].ip}"#,
                &v
            ),
            "10.0.0.7"
        );
        // Nothing matches: empty output, not an error.
        assert_eq!(
            r(r#"{.status.conditions[?(@.type=="Nope")].status}"#, &v),
            ""
        );
        // Field missing on some items inside the filter: no match for those.
        assert_eq!(
            r(
                r#"{.items[?(@.status.phase=="Pending")].metadata.name}"#,
                &list()
            ),
            "c"
        );
    }

    #[test]
    fn wildcard_array_joined_by_space() {
        assert_eq!(r("{.status.conditions[*].message}", &svc()), "ok pending");
        assert_eq!(r("{.spec.ports[*].port}", &svc()), "15443 80");
    }

    #[test]
    fn range_with_newline() {
        assert_eq!(
            r(r#"{range .items[*]}{.metadata.name}{"\n"}{end}"#, &list()),
            "a\nb\nc\n"
        );
        assert_eq!(
            r(
                r#"{range .items[*]}{.metadata.name}{'\t'}{.status.phase}{"\n"}{end}"#,
                &list()
            ),
            "a\tRunning\nb\t\nc\tPending\n"
        );
    }

    #[test]
    fn nested_range_and_range_over_missing() {
        let v = json!({"items": [{"n": "p", "c": [{"x": 1}, {"x": 2}]}, {"n": "q", "c": []}]});
        assert_eq!(
            r("{range .items[*]}{.n}:{range .c[*]}{.x},{end};{end}", &v),
            "p:1,2,;q:;"
        );
        assert_eq!(r("{range .nothing[*]}x{end}done", &v), "done");
    }

    #[test]
    fn slices_and_negative_indexes() {
        let v = json!({"items": [0, 1, 2, 3, 4]});
        assert_eq!(r("{.items[-1:]}", &v), "4");
        assert_eq!(r("{.items[-1]}", &v), "4");
        assert_eq!(r("{.items[1:3]}", &v), "1 2");
        assert_eq!(r("{.items[::2]}", &v), "0 2 4");
        assert_eq!(r("{.items[:2]}", &v), "0 1");
        assert_eq!(r("{.items[3:100]}", &v), "3 4");
        assert_eq!(r("{.items[4:1]}", &v), "");
        let lst = list();
        assert_eq!(r("{.items[-1:].metadata.name}", &lst), "c");
    }

    #[test]
    fn recursive_descent() {
        // Keys written in sorted order so the result holds with or without
        // serde_json's preserve_order feature.
        let v =
            json!({"items": [{"name": "a"}, {"spec": {"name": "b"}}], "metadata": {"name": "top"}});
        assert_eq!(r("{..name}", &v), "a b top");
        assert_eq!(r("{$..spec.name}", &v), "b");
    }

    #[test]
    fn unions_of_indexes_and_keys() {
        let v = json!({"a": [10, 20, 30], "m": {"x": 1, "y": 2}});
        assert_eq!(r("{.a[0,2]}", &v), "10 30");
        assert_eq!(r("{.m['x','y']}", &v), "1 2");
        assert_eq!(r(r#"{.m["y"]}"#, &v), "2");
    }

    #[test]
    fn bracket_key_with_dots_literal_then_nested() {
        assert_eq!(r("{.data['root-cert.pem']}", &secret()), "LS0t");
        // kubectl's reading: the key is a nested path.
        assert_eq!(
            r("{.items[*]['metadata.name','status.phase']}", &list()),
            "a b c Running Pending"
        );
    }

    #[test]
    fn map_wildcard_and_root() {
        let v = json!({"m": {"a": 1, "b": "two"}});
        assert_eq!(r("{.m.*}", &v), "1 two");
        assert_eq!(r("{$.m.b}", &v), "two");
        assert_eq!(r("{.m[*]}", &v), "1 two");
        assert_eq!(r("{$}", &json!({"a": 1})), r#"{"a":1}"#);
        assert_eq!(r("{.}", &json!([1, 2])), "[1,2]");
        assert_eq!(r("{@.m.a}", &v), "1");
    }

    #[test]
    fn output_formatting() {
        let v = svc();
        assert_eq!(r("{.status.replicas}", &v), "2");
        assert_eq!(r("{.status.ready}", &v), "true");
        assert_eq!(r("{.status.ratio}", &v), "0.5");
        assert_eq!(r("{.status.gone}", &v), "null");
        assert_eq!(r("{.spec.ports[0]}", &v), r#"{"name":"tls","port":15443}"#);
        assert_eq!(
            r("{.status.loadBalancer.ingress}", &v),
            r#"[{"ip":"10.0.0.7"},{"hostname":"lb.example.com"}]"#
        );
        assert_eq!(r("{42}{true}", &v), "42true");
    }

    #[test]
    fn bare_path_is_accepted() {
        assert_eq!(r(".metadata.name", &svc()), "istio-ingressgateway");
        assert_eq!(r("$.spec.ports[1].port", &svc()), "80");
        assert_eq!(r("just text", &svc()), "just text");
    }

    #[test]
    fn missing_field_is_not_found() {
        let e = render("{.status.foo}", &svc()).unwrap_err();
        assert_eq!(
            e,
            JsonPathError::NotFound {
                path: "status.foo".into()
            }
        );
        assert_eq!(e.to_string(), "status.foo is not found");
        let e = render("{.data.missing\\.pem}", &secret()).unwrap_err();
        assert_eq!(e.to_string(), "data.missing\\.pem is not found");
        // A missing parent reports the parent.
        assert_eq!(
            render("{.nope.deeper}", &svc()).unwrap_err(),
            JsonPathError::NotFound {
                path: "nope".into()
            }
        );
    }

    #[test]
    fn index_errors() {
        let v = json!({"a": [1], "s": "str"});
        assert!(matches!(
            render("{.a[5]}", &v),
            Err(JsonPathError::IndexOutOfBounds {
                index: 5,
                length: 1,
                ..
            })
        ));
        assert!(matches!(
            render("{.s[0]}", &v),
            Err(JsonPathError::NotArray {
                found: "string",
                ..
            })
        ));
        let e = render("{.a[3]}", &v).unwrap_err().to_string();
        assert!(e.contains("index 3, length 1"), "{e}");
    }

    #[test]
    fn query_returns_typed_values() {
        let v = svc();
        let t = Template::parse("{.spec.ports[*].port}").unwrap();
        assert_eq!(t.query(&v).unwrap(), vec![json!(15443), json!(80)]);
        let t = Template::parse("{.status.loadBalancer}").unwrap();
        assert_eq!(
            t.query(&v).unwrap(),
            vec![v["status"]["loadBalancer"].clone()]
        );
        let t = Template::parse(r#"{.status.conditions[?(@.type=="Nope")]}"#).unwrap();
        assert!(t.query(&v).unwrap().is_empty());
        assert_eq!(t.source(), r#"{.status.conditions[?(@.type=="Nope")]}"#);
    }

    #[test]
    fn template_is_reusable() {
        let t = Template::parse("{.metadata.name}").unwrap();
        for n in ["a", "b"] {
            assert_eq!(t.render(&json!({"metadata": {"name": n}})).unwrap(), n);
        }
    }

    #[test]
    fn unicode_input_and_template() {
        let v = json!({"metadata": {"name": "café", "annotations": {"note": "日本語 ✓"}}, "ключ": "значение"});
        assert_eq!(r("→ {.metadata.name} ←", &v), "→ café ←");
        assert_eq!(r("{.metadata.annotations.note}", &v), "日本語 ✓");
        assert_eq!(r("{.ключ}", &v), "значение");
        assert_eq!(r("{'\\u00e9'}", &v), "é");
        // Column counts characters, not bytes.
        assert_eq!(parse_col("日本 {.a"), 4);
    }

    #[test]
    fn unterminated_brace() {
        let e = Template::parse("abc {.metadata.name").unwrap_err();
        assert_eq!(
            e,
            JsonPathError::Parse {
                column: 5,
                message: "unterminated '{': missing '}'".into()
            }
        );
        assert!(e.to_string().contains("column 5"));
        assert_eq!(parse_col("{"), 1);
        assert_eq!(parse_col("{.a[0"), 4);
        assert_eq!(parse_col(r#"{.a[?(@.b=="x"]}"#), 15);
        assert_eq!(parse_col(r#"{.a[?(@.b=="x""#), 6);
        assert_eq!(parse_col(r#"{"abc}"#), 2);
    }

    #[test]
    fn unknown_function_and_identifiers() {
        let e = Template::parse("{len .items}").unwrap_err();
        match e {
            JsonPathError::Parse { column, message } => {
                assert_eq!(column, 2);
                assert!(
                    message.contains("unrecognized identifier 'len'"),
                    "{message}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_col("{.a}{end}"), 5);
        assert_eq!(parse_col("x{range .items[*]}{.a}"), 2);
        assert_eq!(parse_col("{range}"), 7);
    }

    #[test]
    fn empty_template_and_empty_action() {
        assert_eq!(r("", &json!({})), "");
        assert!(
            Template::parse("")
                .unwrap()
                .query(&json!({}))
                .unwrap()
                .is_empty()
        );
        assert_eq!(parse_col("ab{}"), 3);
        assert_eq!(parse_col("{ }"), 1);
    }

    #[test]
    fn garbage_is_rejected_with_column() {
        assert_eq!(parse_col("{#}"), 2);
        assert_eq!(parse_col("{.a b}"), 5);
        assert_eq!(parse_col("{.a[x]}"), 5);
        assert_eq!(parse_col("{.a[]}"), 4);
        assert_eq!(parse_col("{.a[1:2:3:4]}"), 5);
        assert_eq!(parse_col("{.a[::0]}"), 5);
        assert_eq!(parse_col("{.a[?(@.b =~ 'x')]}"), 11);
        assert_eq!(parse_col("{.a[?(@.b = 'x')]}"), 11);
        assert_eq!(parse_col("{.a[?(@.b == )]}"), 14);
        assert_eq!(parse_col("{..}"), 2);
        assert_eq!(parse_col("{.a.}"), 4);
        assert_eq!(parse_col("{'\\q'}"), 3);
        assert_eq!(parse_col("{.a\\"), 4);
        assert_eq!(parse_col(".a b"), 4);
        // Nothing in odd input makes the parser panic.
        for t in [
            "{[",
            "{[?",
            "{[?(",
            "{[?(@",
            "{[?(@.a==",
            "{[?(@.a=='",
            "{'\\u12",
            "{-",
            "{+",
            "{1e",
            "{.a[-]}",
            "}{",
            "{{}}",
            "{.a[?(1)]}",
        ] {
            assert!(Template::parse(t).is_err(), "{t:?} should fail");
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let t = format!("{{.a{}}}", "[?(@.b".repeat(200));
        assert!(matches!(
            Template::parse(&t),
            Err(JsonPathError::Parse { .. })
        ));
    }

    #[test]
    fn deep_range_nesting_is_bounded() {
        let t = format!("{}{}", "{range .a[*]}".repeat(100), "{end}".repeat(100));
        assert!(matches!(
            Template::parse(&t),
            Err(JsonPathError::Parse { .. })
        ));
        let t = format!("{}x{}", "{range .a[*]}".repeat(10), "{end}".repeat(10));
        assert_eq!(r(&t, &json!({"a": []})), "");
    }

    #[test]
    fn random_input_never_panics() {
        // Deterministic pseudo-random templates built from the syntax's own characters.
        let alphabet: Vec<char> = "{}[]().,*?@$=!<>'\"\\: -_0123456789abé日range end\n"
            .chars()
            .collect();
        let doc = json!({"a": [{"b": 1, "c": "x"}, {"b": [2, 3]}], "d": {"e.f": null}});
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 59) as usize + 1;
            let mut t = String::new();
            let mut x = seed;
            for _ in 0..len {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                t.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            if let Ok(tpl) = Template::parse(&t) {
                let _ = tpl.render(&doc);
                let _ = tpl.query(&doc);
            }
        }
    }

    #[test]
    fn filter_on_multiple_values_is_an_error() {
        let v = json!({"items": [{"tags": ["a", "b"]}]});
        assert!(matches!(
            render("{.items[?(@.tags[*]=='a')]}", &v),
            Err(JsonPathError::AmbiguousComparison { count: 2, .. })
        ));
    }

    #[test]
    fn filter_mixed_types_bool_and_root_reference() {
        let v = json!({"want": "b", "items": [{"n": "a", "on": true}, {"n": "b", "on": false}, {"n": 1}]});
        assert_eq!(r("{.items[?(@.on==true)].n}", &v), "a");
        assert_eq!(r("{.items[?(@.n==$.want)].on}", &v), "false");
        assert_eq!(r("{.items[?(@.n > 0)].n}", &v), "1");
        assert_eq!(r("{.items[?(@.n != 'a')].n}", &v), "b 1");
    }
}
