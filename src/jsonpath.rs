//! Throwaway stand-in for the real `crate::jsonpath`: only `{.a.b[0].c}` paths with `\.` escapes.
use serde_json::Value;
use std::fmt;

/// A template that could not be parsed or evaluated.
#[derive(Debug)]
pub struct JsonPathError(pub String);

impl fmt::Display for JsonPathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A parsed template.
pub struct Template(Vec<Seg>);

enum Seg {
    Key(String),
    Index(usize),
}

impl Template {
    /// Parses `{.a.b[0]}`.
    pub fn parse(text: &str) -> Result<Template, JsonPathError> {
        let inner = text
            .trim()
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .ok_or_else(|| JsonPathError(format!("unsupported template {text:?}")))?;
        let mut segs = Vec::new();
        let mut cur = String::new();
        let mut chars = inner.chars().peekable();
        let mut started = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                '.' => {
                    if started && !cur.is_empty() {
                        segs.push(Seg::Key(std::mem::take(&mut cur)));
                    }
                    started = true;
                }
                '[' => {
                    if !cur.is_empty() {
                        segs.push(Seg::Key(std::mem::take(&mut cur)));
                    }
                    let mut n = String::new();
                    for d in chars.by_ref() {
                        if d == ']' {
                            break;
                        }
                        n.push(d);
                    }
                    let i = n
                        .parse()
                        .map_err(|_| JsonPathError(format!("bad index {n:?}")))?;
                    segs.push(Seg::Index(i));
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            segs.push(Seg::Key(cur));
        }
        Ok(Template(segs))
    }

    /// Evaluates the template.
    pub fn query(&self, value: &Value) -> Result<Vec<Value>, JsonPathError> {
        let mut v = value;
        for s in &self.0 {
            let next = match s {
                Seg::Key(k) => v.get(k.as_str()),
                Seg::Index(i) => v.get(*i),
            };
            match next {
                Some(n) => v = n,
                None => return Ok(Vec::new()),
            }
        }
        Ok(vec![v.clone()])
    }
}

/// Renders a template as kubectl does.
pub fn render(template: &str, value: &Value) -> Result<String, JsonPathError> {
    let found = Template::parse(template)?.query(value)?;
    Ok(found
        .iter()
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" "))
}
