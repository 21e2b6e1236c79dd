//! Size limits on every path by which a value can grow.
//!
//! Rhai enforces `max_array_size`, `max_map_size` and `max_string_size` on a *whole* value only
//! where it sees it whole: a variable assigned or combined (`a = a + b`, `s += t`), a native
//! method called right on a variable (`a.push(x)` checks `a`), a property set one level down
//! (`m.x = v` checks `m`), and every function's result. Writes *through* an index or a longer
//! chain check only the element written, or the object the method ran on:
//!
//! - `m[k] = v` and `a[i] op= v` check `v`: `m[key] = big` in a loop fills memory with entries
//!   that are each under the limit, and `m[0] = m; m[1] = m;` doubles `m` at every line;
//! - `m.a.push(x)`, `m[0].append(y)`, `m.x.pad(n, v)`, `m.a.mixin(n)`, `m[0] += t`,
//!   `m.a.b = v` check `m.a`, `m[0]` or `m.x`, never `m`: the limit multiplies with every level
//!   of nesting;
//! - a script method (`fn grow() { this[k] = v; }`, called as `m.grow()`) checks nothing.
//!
//! So before a playbook or module is compiled to run, its text is instrumented ([`instrument`]):
//! each assignment through a chain becomes `root.__fedrun_bounded({ <assignment>; })` and each
//! chain that calls a method becomes `root.__fedrun_bounded(<chain>)`, for every variable the
//! chain starts from (`this` included). [`CHECK_FN`] checks `root` whole, with Rhai's own counts
//! and limits, and returns its argument, so a value that grows past a limit fails at the
//! statement that made it grow, on whichever path, in the main script, its functions and
//! closures alike. (The text is instrumented rather than the syntax tree because Rhai does not
//! let a function's body be replaced.) Positions in errors are mapped back to the original text
//! ([`original_position`]), so messages point where the user wrote the code.

use super::source::{Offsets, tokens};
use rhai::{
    AST, ASTNode, Dynamic, Engine, EvalAltResult, Expr, FuncRegistration, NativeCallContext,
    Position, Stmt, Token,
};
use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock, Mutex};

/// The check instrumented code calls: `root.__fedrun_bounded(value)`.
pub(crate) const CHECK_FN: &str = "__fedrun_bounded";

/// Registers [`CHECK_FN`]. It is pure (it only reads `root`), so constants can be checked too.
pub(crate) fn register(engine: &mut Engine) {
    FuncRegistration::new(CHECK_FN)
        .with_purity(true)
        .with_volatility(true)
        .register_into_engine(
            engine,
            |call: NativeCallContext,
             root: &mut Dynamic,
             value: Dynamic|
             -> Result<Dynamic, Box<EvalAltResult>> {
                call.engine().ensure_data_size_within_limits(root)?;
                Ok(value)
            },
        );
}

/// A playbook or module text with its growth checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instrumented {
    pub text: String,
    /// Per line (0-based): where text was inserted, as (column in the original line, 1-based,
    /// characters inserted), in order.
    shifts: HashMap<usize, Vec<(usize, usize)>>,
}

impl Instrumented {
    /// The position in the original text of `pos`, a position in [`Instrumented::text`].
    /// Inserted code maps to where it was inserted.
    pub(crate) fn original(&self, pos: Position) -> Position {
        let (Some(line), Some(column)) = (pos.line(), pos.position()) else {
            return pos;
        };
        let Some(shifts) = self.shifts.get(&(line - 1)) else {
            return pos;
        };
        let mut shift = 0;
        for &(at, len) in shifts {
            let start = at + shift;
            if column < start {
                break;
            }
            if column < start + len {
                return position(line, at);
            }
            shift += len;
        }
        position(line, column - shift)
    }
}

/// What to wrap: a chain (value position) or an assignment statement, at a token.
#[derive(Debug)]
struct Site {
    statement: bool,
    start: Position,
    /// The last position inside the construct according to the syntax tree; the text span
    /// found from the tokens must reach it.
    last: Position,
    roots: Vec<String>,
}

/// Why a playbook cannot be instrumented (then it does not run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotInstrumented {
    pub position: Position,
    pub message: String,
}

/// The text of `source` (whose syntax tree is `ast`) with a whole-value size check after each
/// write Rhai checks only in part. `None` when nothing needs a check.
pub(crate) fn instrument(
    engine: &Engine,
    source: &str,
    ast: &AST,
) -> Result<Option<Instrumented>, NotInstrumented> {
    let sites = sites(ast);
    if sites.is_empty() {
        return Ok(None);
    }
    // Rhai's positions stop counting at 65535 (lines and columns): past that, constructs could
    // not be told apart.
    let limit = usize::from(u16::MAX) - 1;
    if source.lines().count() >= limit || source.lines().any(|l| l.chars().count() >= limit) {
        return Err(NotInstrumented {
            position: Position::new(1, 1),
            message: format!("more than {limit} lines, or a line longer than {limit} characters"),
        });
    }
    let toks = tokens(engine, source);
    let at: HashMap<(usize, usize), usize> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, (_, p))| Some(((p.line()?, p.position()?), i)))
        .collect();
    let offsets = Offsets::new(source);
    // (byte offset, order, text): at one offset, closing text goes before opening text, inner
    // spans close first and outer spans open first.
    let mut inserts: Vec<(usize, (u8, i64), String)> = Vec::new();
    for site in &sites {
        let fail = |message: &str| NotInstrumented {
            position: site.start,
            message: message.to_string(),
        };
        let start = site
            .start
            .line()
            .zip(site.start.position())
            .and_then(|key| at.get(&key).copied())
            .ok_or_else(|| fail("no token where the syntax tree says this starts"))?;
        let (end, semicolon) = if site.statement {
            statement_end(&toks, start)
        } else {
            (chain_end(&toks, start), false)
        };
        let last_token = end
            .checked_sub(1)
            .filter(|&e| e >= start)
            .ok_or_else(|| fail("empty span"))?;
        if before(toks[last_token].1, site.last) {
            return Err(fail(
                "this expression is written in a way fedrun cannot check (parentheses around a \
                 variable before `.` or `[`?)",
            ));
        }
        let from = offsets
            .offset(site.start)
            .ok_or_else(|| fail("position outside the text"))?;
        let to = token_end(&toks, last_token, &offsets).ok_or_else(|| fail("unknown token"))?;
        let opening: String = site
            .roots
            .iter()
            .map(|r| format!("{r}.{CHECK_FN}("))
            .collect::<String>()
            + if site.statement { "{" } else { "" };
        let closing = format!(
            "{}{}{}",
            if site.statement { "}" } else { "" },
            ")".repeat(site.roots.len()),
            if semicolon { ";" } else { "" }
        );
        let span = i64::try_from(to - from).unwrap_or(i64::MAX);
        inserts.push((from, (1, -span), opening));
        inserts.push((to, (0, span), closing));
    }
    inserts.sort_by_key(|a| (a.0, a.1));

    let mut text = String::with_capacity(source.len() + inserts.len() * 24);
    let mut shifts: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    let mut copied = 0;
    for (offset, _, insert) in &inserts {
        text.push_str(&source[copied..*offset]);
        copied = *offset;
        let line = source[..*offset].matches('\n').count();
        let line_start = source[..*offset].rfind('\n').map_or(0, |i| i + 1);
        let column = source[line_start..*offset].chars().count() + 1;
        shifts
            .entry(line)
            .or_default()
            .push((column, insert.chars().count()));
        text.push_str(insert);
    }
    text.push_str(&source[copied..]);
    Ok(Some(Instrumented { text, shifts }))
}

fn position(line: usize, column: usize) -> Position {
    Position::new(
        u16::try_from(line).unwrap_or(u16::MAX),
        u16::try_from(column).unwrap_or(u16::MAX),
    )
}

fn before(a: Position, b: Position) -> bool {
    (a.line(), a.position()) < (b.line(), b.position())
}

/// The byte offset just after token `i`.
fn token_end(toks: &[(Token, Position)], i: usize, offsets: &Offsets) -> Option<usize> {
    let (token, pos) = &toks[i];
    let len = match token {
        Token::Identifier(s) | Token::Reserved(s) => s.len(),
        Token::RightParen | Token::RightBracket | Token::RightBrace | Token::SemiColon => 1,
        Token::Unit => 2,
        _ => return None,
    };
    Some(offsets.offset(*pos)? + len)
}

fn opens(token: &Token) -> bool {
    matches!(
        token,
        Token::LeftParen
            | Token::LeftBracket
            | Token::LeftBrace
            | Token::MapStart
            | Token::QuestionBracket
    )
}

fn closes(token: &Token) -> bool {
    matches!(
        token,
        Token::RightParen | Token::RightBracket | Token::RightBrace
    )
}

/// The index after the bracket that closes the one at `i`.
fn skip_group(toks: &[(Token, Position)], i: usize) -> usize {
    let mut depth = 0usize;
    for (k, (token, _)) in toks.iter().enumerate().skip(i) {
        if opens(token) {
            depth += 1;
        } else if closes(token) {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return k + 1;
            }
        }
    }
    toks.len()
}

/// The index after a chain starting at `start` (a variable or `this`): `.name`, `.name(...)`,
/// `?.name`, `[...]`, `?[...]`, repeated.
fn chain_end(toks: &[(Token, Position)], start: usize) -> usize {
    let mut k = start + 1;
    loop {
        match toks.get(k).map(|t| &t.0) {
            Some(Token::Period | Token::Elvis) => {
                if !matches!(
                    toks.get(k + 1).map(|t| &t.0),
                    Some(Token::Identifier(_) | Token::Reserved(_))
                ) {
                    return k;
                }
                k += 2;
                match toks.get(k).map(|t| &t.0) {
                    Some(Token::Unit) => k += 1,
                    Some(Token::LeftParen) => k = skip_group(toks, k),
                    _ => {}
                }
            }
            Some(Token::LeftBracket | Token::QuestionBracket) => k = skip_group(toks, k),
            _ => return k,
        }
    }
}

/// The index after an assignment statement starting at `start`, and whether that includes its
/// `;`: it ends at a `;` outside brackets, or before a `,` or a closing bracket of an enclosing
/// construct.
fn statement_end(toks: &[(Token, Position)], start: usize) -> (usize, bool) {
    let mut depth = 0usize;
    for (k, (token, _)) in toks.iter().enumerate().skip(start) {
        if opens(token) {
            depth += 1;
        } else if closes(token) {
            if depth == 0 {
                return (k, false);
            }
            depth -= 1;
        } else if depth == 0 {
            match token {
                Token::SemiColon => return (k + 1, true),
                Token::Comma => return (k, false),
                _ => {}
            }
        }
    }
    (toks.len(), false)
}

/// The constructs to check, from the syntax tree (functions and closures included).
fn sites(ast: &AST) -> Vec<Site> {
    let script_fns: BTreeSet<String> = ast.iter_functions().map(|f| f.name.to_string()).collect();
    let mut sites = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        let parent = path.len().checked_sub(2).and_then(|i| path.get(i));
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Assignment(x))) => {
                let lhs = &x.1.lhs;
                if matches!(lhs, Expr::Dot(..) | Expr::Index(..)) {
                    let roots = roots(lhs);
                    if !roots.is_empty() {
                        sites.push(Site {
                            statement: true,
                            start: lhs.start_position(),
                            last: later(last_position(&x.1.rhs), last_position(lhs)),
                            roots,
                        });
                    }
                }
            }
            Some(ASTNode::Expr(expr @ (Expr::Dot(..) | Expr::Index(..)))) => {
                let link = match parent {
                    Some(ASTNode::Expr(Expr::Dot(..) | Expr::Index(..))) => true,
                    Some(ASTNode::Stmt(Stmt::Assignment(x))) => std::ptr::eq(&x.1.lhs, *expr),
                    _ => false,
                };
                if !link && needs_check(expr, &script_fns) {
                    let roots = roots(expr);
                    if !roots.is_empty() {
                        sites.push(Site {
                            statement: false,
                            start: expr.start_position(),
                            last: last_position(expr),
                            roots,
                        });
                    }
                }
            }
            _ => {}
        }
        true
    });
    sites
}

/// The later of two positions.
fn later(a: Position, b: Position) -> Position {
    if before(a, b) { b } else { a }
}

/// The latest position of any node inside `expr`.
fn last_position(expr: &Expr) -> Position {
    let mut last = expr.start_position();
    let mut visit = |e: &Expr| {
        last = later(last, e.position());
    };
    walk_expr(expr, &mut visit);
    last
}

fn walk_expr(expr: &Expr, visit: &mut impl FnMut(&Expr)) {
    visit(expr);
    match expr {
        Expr::Dot(x, ..) | Expr::Index(x, ..) => {
            walk_expr(&x.lhs, visit);
            walk_expr(&x.rhs, visit);
        }
        Expr::FnCall(f, _) | Expr::MethodCall(f, _) => {
            for a in f.args.iter() {
                walk_expr(a, visit);
            }
        }
        Expr::InterpolatedString(items, _) | Expr::Array(items, _) => {
            for a in items.iter() {
                walk_expr(a, visit);
            }
        }
        Expr::Map(m, _) => {
            for (_, v) in m.0.iter() {
                walk_expr(v, visit);
            }
        }
        Expr::And(items, _) | Expr::Or(items, _) | Expr::Coalesce(items, _) => {
            for a in items.iter() {
                walk_expr(a, visit);
            }
        }
        _ => {}
    }
}

/// Whether a chain may change a variable without Rhai checking it whole: it calls a method,
/// other than a native method right on a variable (`a.push(x)`, which Rhai checks).
fn needs_check(chain: &Expr, script_fns: &BTreeSet<String>) -> bool {
    if let Expr::Dot(x, ..) = chain
        && matches!(x.lhs, Expr::Variable(..) | Expr::ThisPtr(..))
        && let Expr::MethodCall(f, _) = &x.rhs
    {
        return matches!(x.lhs, Expr::ThisPtr(..)) || script_fns.contains(f.name.as_str());
    }
    has_method_call(chain)
}

fn has_method_call(expr: &Expr) -> bool {
    match expr {
        Expr::Dot(x, ..) | Expr::Index(x, ..) => has_method_call(&x.lhs) || has_method_call(&x.rhs),
        Expr::MethodCall(..) => true,
        _ => false,
    }
}

/// The variables (and `this`) a chain starts from, including those of chains used inside its
/// indices: every variable on the left of a `.` or `[` (a plain variable used as an index is
/// checked too, which costs little). Module constants (`ns::x`) cannot change.
fn roots(chain: &Expr) -> Vec<String> {
    fn walk(expr: &Expr, out: &mut Vec<String>) {
        if let Expr::Dot(x, ..) | Expr::Index(x, ..) = expr {
            let name = match &x.lhs {
                Expr::Variable(v, ..) if v.2.is_empty() => Some(v.1.to_string()),
                Expr::ThisPtr(..) => Some("this".to_string()),
                other => {
                    walk(other, out);
                    None
                }
            };
            if let Some(name) = name
                && !out.contains(&name)
            {
                out.push(name);
            }
            walk(&x.rhs, out);
        }
    }
    let mut out = Vec::new();
    walk(chain, &mut out);
    out
}

/// Instrumented texts by (label, hash of the original text), so that errors can be located in
/// the original.
static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

type Registry = HashMap<(String, u64), Arc<Instrumented>>;

fn key(label: &str, original: &str) -> (String, u64) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    original.hash(&mut h);
    (label.to_string(), h.finish())
}

/// Remembers how `original` (named `label`) was instrumented.
pub(crate) fn remember(label: &str, original: &str, instrumented: Instrumented) {
    let mut registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    registry.insert(key(label, original), Arc::new(instrumented));
}

/// Where `pos` (a position in the instrumented form of the file `label`, whose original text is
/// `original`) is in the original text.
pub(crate) fn original_position(label: &str, original: Option<&str>, pos: Position) -> Position {
    let Some(original) = original else {
        return pos;
    };
    let registry = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    match registry.get(&key(label, original)) {
        Some(inst) => inst.original(pos),
        None => pos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instrumented(source: &str) -> String {
        let mut engine = Engine::new();
        register(&mut engine);
        let ast = engine.compile(source).expect("compiles");
        match instrument(&engine, source, &ast).expect("instruments") {
            Some(i) => {
                engine.compile(&i.text).expect("instrumented text compiles");
                i.text
            }
            None => source.to_string(),
        }
    }

    #[test]
    fn assignments_through_chains_and_method_chains_are_wrapped() {
        assert_eq!(
            instrumented("let m = #{}; m[\"k\"] = 1;"),
            "let m = #{}; m.__fedrun_bounded({m[\"k\"] = 1;});"
        );
        assert_eq!(
            instrumented("let m = #{a: []}; m.a.push(1); let x = m.a.len();"),
            "let m = #{a: []}; m.__fedrun_bounded(m.a.push(1)); let x = m.__fedrun_bounded(m.a.len());"
        );
        // Rhai checks `a` itself after a native method on it.
        assert_eq!(
            instrumented("let a = []; a.push(1);"),
            "let a = []; a.push(1);"
        );
        // `this` in a method, a closure, the last statement of a block.
        assert_eq!(
            instrumented("fn grow(v) { this[0] = v }"),
            "fn grow(v) { this.__fedrun_bounded({this[0] = v}) }"
        );
        assert_eq!(
            instrumented("let m = [0]; let f = || { m[0] += 1; };"),
            "let m = [0]; let f = || { m.__fedrun_bounded({m[0] += 1;}); };"
        );
    }

    #[test]
    fn positions_map_back_to_the_original() {
        let mut engine = Engine::new();
        register(&mut engine);
        let source = "let m = #{}; m[\"k\"] = 1; let x = 2;";
        let ast = engine.compile(source).unwrap();
        let inst = instrument(&engine, source, &ast).unwrap().unwrap();
        let inserted = format!("m.{CHECK_FN}({{").chars().count();
        // `let x` is at column 26 in the original.
        assert_eq!(
            inst.original(position(1, 26 + inserted + 3)),
            Position::new(1, 26)
        );
        // Inside the inserted text: where it was inserted.
        assert_eq!(inst.original(Position::new(1, 15)), Position::new(1, 14));
        assert_eq!(inst.original(Position::new(1, 5)), Position::new(1, 5));
    }
}
