//! The subset of PromQL that fedrun's traffic reports use, evaluated over the simulated mesh's
//! counters: instant selectors with label matchers (`=`, `!=`, `=~`, `!~`), `increase` and `rate`
//! over a range, and the aggregations `sum`, `count`, `min`, `max`, `avg` with `by (...)` or
//! `without (...)`. Anything else is refused with a message naming what is not supported, the way
//! Prometheus answers `bad_data`.
//!
//! `increase` is the exact difference of the counter between the ends of the window (Prometheus
//! extrapolates from the samples it scraped; the simulator has every increment, so it needs not).

use std::collections::BTreeMap;

use regex::Regex;

use super::telemetry::{Labels, METRIC, Series};

#[derive(Debug)]
pub enum Expr {
    Selector(Selector),
    Range {
        func: RangeFn,
        selector: Selector,
        window: f64,
    },
    Aggregate {
        op: AggOp,
        grouping: Grouping,
        inner: Box<Expr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RangeFn {
    Increase,
    Rate,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AggOp {
    Sum,
    Count,
    Min,
    Max,
    Avg,
}

#[derive(Debug, Default)]
pub enum Grouping {
    #[default]
    All,
    By(Vec<String>),
    Without(Vec<String>),
}

#[derive(Debug)]
pub struct Selector {
    pub metric: Option<String>,
    pub matchers: Vec<Matcher>,
}

#[derive(Debug)]
pub enum Matcher {
    Eq(String, String),
    Ne(String, String),
    Re(String, Regex),
    NotRe(String, Regex),
}

impl Matcher {
    fn accepts(&self, labels: &Labels) -> bool {
        let value = |k: &str| labels.get(k).map(String::as_str).unwrap_or("");
        match self {
            Matcher::Eq(k, v) => value(k) == v,
            Matcher::Ne(k, v) => value(k) != v,
            Matcher::Re(k, r) => r.is_match(value(k)),
            Matcher::NotRe(k, r) => !r.is_match(value(k)),
        }
    }
}

impl Selector {
    fn accepts(&self, labels: &Labels) -> bool {
        self.metric.as_deref().is_none_or(|m| m == METRIC)
            && self.matchers.iter().all(|m| m.accepts(labels))
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Aggregations open around the current position: the query comes from the network, so
    /// nesting is bounded before it can exhaust the stack.
    depth: usize,
}

/// Deeper than any query a dashboard sends; Prometheus itself has no lower limit to copy.
const MAX_NESTING: usize = 64;

type PResult<T> = Result<T, String>;

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn error(&self, what: &str) -> String {
        format!(
            "parse error at char {}: {what} (in {:?})",
            self.pos + 1,
            self.text
        )
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> PResult<()> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    fn ident(&mut self) -> Option<&'a str> {
        self.skip_ws();
        let rest = self.rest();
        let len = rest
            .char_indices()
            .find(|(i, c)| !(c.is_ascii_alphanumeric() || *c == '_' || (*c == ':' && *i > 0)))
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        if len == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        self.pos += len;
        Some(&rest[..len])
    }

    fn string(&mut self) -> PResult<String> {
        self.skip_ws();
        let mut chars = self.rest().char_indices();
        let quote = match chars.next() {
            Some((_, q @ ('"' | '\''))) => q,
            _ => return Err(self.error("expected a quoted string")),
        };
        let mut out = String::new();
        let mut escaped = false;
        for (i, c) in chars {
            if escaped {
                out.push(match c {
                    'n' => '\n',
                    't' => '\t',
                    other => other,
                });
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                self.pos += i + 1;
                return Ok(out);
            } else {
                out.push(c);
            }
        }
        Err(self.error("unterminated string"))
    }

    fn labels(&mut self) -> PResult<Vec<String>> {
        self.expect("(")?;
        let mut out = Vec::new();
        loop {
            if self.eat(")") {
                return Ok(out);
            }
            let name = self
                .ident()
                .ok_or_else(|| self.error("expected a label name"))?;
            out.push(name.to_string());
            if !self.eat(",") {
                self.expect(")")?;
                return Ok(out);
            }
        }
    }

    fn grouping(&mut self) -> PResult<Option<Grouping>> {
        let save = self.pos;
        match self.ident() {
            Some("by") => Ok(Some(Grouping::By(self.labels()?))),
            Some("without") => Ok(Some(Grouping::Without(self.labels()?))),
            _ => {
                self.pos = save;
                Ok(None)
            }
        }
    }

    fn selector(&mut self, metric: Option<String>) -> PResult<Selector> {
        let mut matchers = Vec::new();
        if self.eat("{") {
            loop {
                if self.eat("}") {
                    break;
                }
                let name = self
                    .ident()
                    .ok_or_else(|| self.error("expected a label name"))?
                    .to_string();
                let op = ["=~", "!~", "!=", "="]
                    .into_iter()
                    .find(|op| self.eat(op))
                    .ok_or_else(|| self.error("expected one of = != =~ !~"))?;
                let value = self.string()?;
                let regex = |v: &str| {
                    Regex::new(&format!("^(?:{v})$"))
                        .map_err(|e| format!("invalid regular expression {v:?}: {e}"))
                };
                matchers.push(match op {
                    "=" => Matcher::Eq(name, value),
                    "!=" => Matcher::Ne(name, value),
                    "=~" => Matcher::Re(name, regex(&value)?),
                    _ => Matcher::NotRe(name, regex(&value)?),
                });
                if !self.eat(",") {
                    self.expect("}")?;
                    break;
                }
            }
        }
        if metric.is_none() && matchers.is_empty() {
            return Err(self.error("a selector needs a metric name or a label matcher"));
        }
        Ok(Selector { metric, matchers })
    }

    fn duration(&mut self) -> PResult<f64> {
        self.skip_ws();
        let rest = self.rest();
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        let units = [
            ("ms", 0.001),
            ("s", 1.0),
            ("m", 60.0),
            ("h", 3600.0),
            ("d", 86400.0),
        ];
        let number: f64 = rest[..digits]
            .parse()
            .map_err(|_| self.error("expected a duration such as 60s or 5m"))?;
        let (unit, factor) = units
            .iter()
            .find(|(u, _)| rest[digits..].starts_with(u))
            .ok_or_else(|| self.error("expected a duration unit (ms, s, m, h, d)"))?;
        self.pos += digits + unit.len();
        Ok(number * factor)
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.skip_ws();
        if self.rest().starts_with('{') {
            return Ok(Expr::Selector(self.selector(None)?));
        }
        let start = self.pos;
        let name = self
            .ident()
            .ok_or_else(|| self.error("expected a metric, function or aggregation"))?;
        let agg = match name {
            "sum" => Some(AggOp::Sum),
            "count" => Some(AggOp::Count),
            "min" => Some(AggOp::Min),
            "max" => Some(AggOp::Max),
            "avg" => Some(AggOp::Avg),
            _ => None,
        };
        if let Some(op) = agg {
            let before = self.grouping()?;
            self.expect("(")?;
            if self.depth >= MAX_NESTING {
                return Err(self.error(&format!("aggregations nested deeper than {MAX_NESTING}")));
            }
            self.depth += 1;
            let inner = self.expr()?;
            self.depth -= 1;
            self.expect(")")?;
            let after = self.grouping()?;
            return Ok(Expr::Aggregate {
                op,
                grouping: before.or(after).unwrap_or_default(),
                inner: Box::new(inner),
            });
        }
        let func = match name {
            "increase" => Some(RangeFn::Increase),
            "rate" => Some(RangeFn::Rate),
            _ => None,
        };
        if let Some(func) = func {
            self.expect("(")?;
            let metric = self.ident().map(str::to_string);
            let selector = self.selector(metric)?;
            self.expect("[")?;
            let window = self.duration()?;
            self.expect("]")?;
            self.expect(")")?;
            return Ok(Expr::Range {
                func,
                selector,
                window,
            });
        }
        self.skip_ws();
        if self.rest().starts_with('(') {
            self.pos = start;
            return Err(self.error(&format!(
                "function or aggregation `{name}` is not supported by the simulator (supported: sum, count, min, max, avg, increase, rate)"
            )));
        }
        Ok(Expr::Selector(self.selector(Some(name.to_string()))?))
    }
}

/// Parses a query of the supported subset.
pub fn parse(query: &str) -> Result<Expr, String> {
    let mut p = Parser {
        text: query,
        pos: 0,
        depth: 0,
    };
    let expr = p.expr()?;
    p.skip_ws();
    if !p.rest().is_empty() {
        return Err(p.error("unexpected text after the expression"));
    }
    Ok(expr)
}

/// Evaluates `expr` at time `at` over `series`; results are sorted by their labels.
pub fn eval(expr: &Expr, series: &[(&Labels, &Series)], at: f64) -> Vec<(Labels, f64)> {
    let mut out: Vec<(Labels, f64)> = match expr {
        Expr::Selector(sel) => series
            .iter()
            .filter(|(l, _)| sel.accepts(l))
            .filter_map(|(l, s)| {
                let mut labels = (*l).clone();
                labels.insert("__name__".into(), METRIC.into());
                s.value_at(at).map(|v| (labels, v))
            })
            .collect(),
        Expr::Range {
            func,
            selector,
            window,
        } => series
            .iter()
            .filter(|(l, _)| selector.accepts(l))
            .filter_map(|(l, s)| {
                let end = s.value_at(at)?;
                let start = s.value_at(at - window).unwrap_or(0.0);
                let increase = end - start;
                let v = match func {
                    RangeFn::Increase => increase,
                    RangeFn::Rate if *window > 0.0 => increase / window,
                    RangeFn::Rate => 0.0,
                };
                Some(((*l).clone(), v))
            })
            .collect(),
        Expr::Aggregate {
            op,
            grouping,
            inner,
        } => {
            let values = eval(inner, series, at);
            let mut groups: BTreeMap<Labels, Vec<f64>> = BTreeMap::new();
            for (labels, v) in values {
                let key: Labels = match grouping {
                    Grouping::All => Labels::new(),
                    Grouping::By(keep) => keep
                        .iter()
                        .filter_map(|k| labels.get(k).map(|v| (k.clone(), v.clone())))
                        .collect(),
                    Grouping::Without(drop) => labels
                        .into_iter()
                        .filter(|(k, _)| k != "__name__" && !drop.contains(k))
                        .collect(),
                };
                groups.entry(key).or_default().push(v);
            }
            groups
                .into_iter()
                .map(|(k, vs)| {
                    let v = match op {
                        AggOp::Sum => vs.iter().sum(),
                        AggOp::Count => vs.len() as f64,
                        AggOp::Min => vs.iter().copied().fold(f64::INFINITY, f64::min),
                        AggOp::Max => vs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                        AggOp::Avg => vs.iter().sum::<f64>() / vs.len().max(1) as f64,
                    };
                    (k, v)
                })
                .collect()
        }
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queries_fedrun_sends_parse() {
        for q in [
            "sum by (destination_workload, destination_cluster) (increase(istio_requests_total{destination_service_name=\"details\"}[60s]))",
            "sum(rate(istio_requests_total[5m])) by (source_workload)",
            "istio_requests_total{response_code!=\"200\", destination_service=~\"a|b\",}",
            "count without (response_code) (istio_requests_total)",
            "increase(istio_requests_total{reporter='source'}[1500ms])",
        ] {
            parse(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}m{}", "sum(".repeat(100_000), ")".repeat(100_000));
        let err = parse(&deep).unwrap_err();
        assert!(err.contains("nested deeper than 64"), "{err}");
        let ok = format!("{}m{}", "sum(".repeat(64), ")".repeat(64));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn unsupported_queries_say_what_is_missing() {
        assert!(
            parse("histogram_quantile(0.9, x)")
                .unwrap_err()
                .contains("not supported")
        );
        assert!(parse("sum(x").unwrap_err().contains("expected `)`"));
        assert!(
            parse("x{a=~\"(\"}")
                .unwrap_err()
                .contains("regular expression")
        );
        assert!(parse("increase(x[5y])").unwrap_err().contains("unit"));
        assert!(parse("x y").unwrap_err().contains("unexpected"));
    }
}
