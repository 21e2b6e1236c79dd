//! `fedrun check`: find mistakes in a playbook without running it.
//!
//! Compilation catches syntax errors and, with strict variables, undefined variables. Rhai only
//! finds unknown functions when it calls them, so the AST is walked and every call is matched
//! against what the engine registered, what the script defines and what its imports export —
//! a typo in the last step of a long rollout is reported before the first step runs.

use super::compile::compile_checked;
use super::error::{Diagnostic, diagnose_eval};
use super::run::read_playbook;
use crate::suggest::{closest, did_you_mean};
use rhai::{AST, ASTNode, Engine, Expr, FnAccess, FnCallExpr, Map, Scope, Stmt};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Calls the engine handles itself rather than through registered functions.
const KEYWORDS: &[&str] = &[
    "print",
    "debug",
    "type_of",
    "Fn",
    "call",
    "curry",
    "is_def_var",
    "is_def_fn",
    "is_shared",
    "this",
    "global",
];

/// Name → the argument counts it accepts.
type Arities = BTreeMap<String, BTreeSet<usize>>;

#[derive(Default)]
struct Known {
    global: Arities,
    modules: BTreeMap<String, Arities>,
    /// Keys of map literals: `m.run()` may call a closure stored in a map.
    map_keys: BTreeSet<String>,
}

impl Known {
    fn from_engine(engine: &Engine) -> Known {
        let mut known = Known::default();
        let fns = engine.collect_fn_metadata(
            None,
            |info| {
                let m = info.metadata;
                let global = m.namespace == rhai::FnNamespace::Global;
                Some((
                    info.namespace.to_string(),
                    global,
                    m.name.to_string(),
                    m.num_params,
                ))
            },
            true,
        );
        for (ns, global, name, arity) in fns {
            if ns.is_empty() || global {
                known.global.entry(name.clone()).or_default().insert(arity);
            }
            if !ns.is_empty() {
                known
                    .modules
                    .entry(ns)
                    .or_default()
                    .entry(name)
                    .or_default()
                    .insert(arity);
            }
        }
        known
    }

    fn add_script_functions(target: &mut Arities, ast: &AST, public_only: bool) {
        for f in ast.iter_functions() {
            if public_only && f.access == FnAccess::Private {
                continue;
            }
            target
                .entry(f.name.to_string())
                .or_default()
                .insert(f.params.len());
        }
    }
}

fn names(arities: &Arities) -> impl Iterator<Item = &str> {
    arities.keys().map(String::as_str)
}

fn plural_of(set: &BTreeSet<usize>) -> &'static str {
    if set.len() == 1 && set.contains(&1) {
        ""
    } else {
        "s"
    }
}

fn arity_list(set: &BTreeSet<usize>) -> String {
    set.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Checks one playbook: syntax, undefined variables, unknown functions, methods and modules.
/// Imports are resolved (not run) through the engine's module resolver. An empty result means
/// the playbook looks fine.
pub fn check_file(engine: &Engine, path: &Path) -> Vec<Diagnostic> {
    let label = path.display().to_string();
    let source = match read_playbook(path) {
        Ok(s) => s,
        Err(d) => return vec![*d],
    };
    // `vars` exists at run time (`--set` values); its keys are unknown here.
    let mut scope = Scope::new();
    scope.push_constant("vars", Map::new());
    let mut ast = match compile_checked(engine, &scope, &source) {
        Ok(ast) => ast,
        Err(e) => return vec![e.diagnostic(engine, &label, &source)],
    };
    ast.set_source(label.as_str());

    let mut known = Known::from_engine(engine);
    Known::add_script_functions(&mut known.global, &ast, false);
    let mut diagnostics = Vec::new();

    // Imports first: `import "peer_helpers" as ph;` makes `ph::...` known.
    let mut imports = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Import(x, pos))) => {
                if let Expr::StringConstant(name, _) = &x.0 {
                    imports.push((name.to_string(), x.1.name.to_string(), *pos));
                }
            }
            Some(ASTNode::Expr(Expr::Map(m, _))) => {
                known
                    .map_keys
                    .extend(m.0.iter().map(|(id, _)| id.name.to_string()));
            }
            // A map literal of constants (closures included) is folded into one value.
            Some(ASTNode::Expr(Expr::DynamicConstant(value, _))) => {
                if let Some(map) = value.read_lock::<Map>() {
                    known.map_keys.extend(map.keys().map(|k| k.to_string()));
                }
            }
            _ => {}
        }
        true
    });
    for (name, alias, pos) in imports {
        let resolved = engine
            .module_resolver()
            .resolve_ast(engine, Some(&label), &name, pos)
            .unwrap_or_else(|| {
                Err(format!("cannot inspect module {name:?} without running it").into())
            });
        match resolved {
            Ok(module_ast) => {
                let entry = known.modules.entry(alias).or_default();
                Known::add_script_functions(entry, &module_ast, true);
            }
            Err(err) => diagnostics.push(diagnose_eval(engine, &err, &label, &source)),
        }
    }

    let mut calls = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(f, pos)))
            | Some(ASTNode::Stmt(Stmt::FnCall(f, pos))) => {
                calls.push((false, (**f).clone(), *pos));
            }
            Some(ASTNode::Expr(Expr::MethodCall(f, pos))) => {
                calls.push((true, (**f).clone(), *pos))
            }
            _ => {}
        }
        true
    });
    for (is_method, call, pos) in calls {
        if let Some((message, hint)) = check_call(&known, is_method, &call) {
            let mut d = Diagnostic::at(&label, Some(&source), pos, message);
            d.hint = hint;
            diagnostics.push(d);
        }
    }
    diagnostics
}

/// The string literals a playbook passes as first argument to `function` (e.g. the cluster
/// names in `cluster("rosa")`), so that they can be validated before anything runs. Calls with
/// computed arguments are not listed; they are checked when they run.
pub fn literal_arguments(engine: &Engine, source: &str, function: &str) -> Vec<String> {
    let mut scope = Scope::new();
    scope.push_constant("vars", Map::new());
    let Ok(ast) = compile_checked(engine, &scope, source) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::FnCall(f, _)) | ASTNode::Stmt(Stmt::FnCall(f, _))) =
            path.last()
            && f.name.as_str() == function
            && f.namespace.is_empty()
            && let Some(Expr::StringConstant(s, _)) = f.args.first()
            && !found.iter().any(|x: &String| x == s.as_str())
        {
            found.push(s.to_string());
        }
        true
    });
    found
}

/// Returns the problem with one call, if any, and a suggestion.
fn check_call(
    known: &Known,
    is_method: bool,
    call: &FnCallExpr,
) -> Option<(String, Option<String>)> {
    let name = call.name.as_str();
    if call.is_operator_call()
        || KEYWORDS.contains(&name)
        || !name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
    {
        return None;
    }
    let argc = call.args.len();
    if call.is_qualified() {
        let module = call
            .namespace
            .path
            .iter()
            .map(|id| id.name.as_str())
            .collect::<Vec<_>>()
            .join("::");
        let Some(functions) = known.modules.get(&module) else {
            let hint = did_you_mean(&closest(&module, known.modules.keys().map(String::as_str)));
            return Some((
                format!("unknown module `{module}` in `{module}::{name}`"),
                hint,
            ));
        };
        return match functions.get(name) {
            None => {
                let candidates: Vec<String> = closest(name, names(functions))
                    .into_iter()
                    .map(|n| format!("{module}::{n}"))
                    .collect();
                let hint = did_you_mean(&candidates)
                    .or_else(|| Some(format!("`fedrun docs {module}` lists its functions")));
                Some((format!("unknown function `{module}::{name}`"), hint))
            }
            Some(arities) if !arities.contains(&argc) => Some((
                format!(
                    "`{module}::{name}` takes {} argument{}, called with {argc}",
                    arity_list(arities),
                    plural_of(arities)
                ),
                Some(format!("see `fedrun docs {module}::{name}`")),
            )),
            Some(_) => None,
        };
    }
    if is_method {
        // `x.f(a)` calls `f(x, a)`: any function with at least one parameter, or a closure in a map.
        let ok = known
            .global
            .get(name)
            .is_some_and(|a| a.iter().any(|n| *n >= 1))
            || known.map_keys.contains(name);
        if ok {
            return None;
        }
        let methods = known
            .global
            .iter()
            .filter(|(_, a)| a.iter().any(|n| *n >= 1))
            .map(|(n, _)| n.as_str());
        let hint = did_you_mean(&closest(name, methods))
            .or_else(|| Some("`fedrun docs` lists every method".into()));
        return Some((format!("unknown method `.{name}()`"), hint));
    }
    match known.global.get(name) {
        None => {
            let hint = did_you_mean(&closest(name, names(&known.global)))
                .or_else(|| Some("`fedrun docs` lists every function".to_string()));
            Some((format!("unknown function `{name}`"), hint))
        }
        // A call with one argument more may be a method-style call on the first; Rhai decides at
        // run time. Only an arity nothing accepts is reported.
        Some(arities) if !arities.contains(&argc) => Some((
            format!(
                "`{name}` takes {} argument{}, called with {argc}",
                arity_list(arities),
                plural_of(arities)
            ),
            Some(format!("see `fedrun docs {name}`")),
        )),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::Position;

    #[test]
    fn plural_and_lists() {
        assert_eq!(plural_of(&[1].into_iter().collect()), "");
        assert_eq!(plural_of(&[2].into_iter().collect()), "s");
        assert_eq!(arity_list(&[1, 2].into_iter().collect()), "1 or 2");
    }

    #[test]
    fn position_is_kept() {
        let d = Diagnostic::at("x.rhai", Some("a\nbcd"), Position::new(2, 3), "m");
        assert_eq!(d.location(), "x.rhai:2:3");
        assert_eq!(d.source_line.as_deref(), Some("bcd"));
    }
}

/// The `--set` keys a playbook text reads (`vars.NAME`, `vars["NAME"]`, `var_or("NAME", …)`),
/// or `None` when it reads `vars` in a way no scan can follow (`vars[name]`, `vars` passed on):
/// then every key may be read.
pub fn vars_read(source: &str) -> Option<std::collections::BTreeSet<String>> {
    use std::sync::LazyLock;
    static NAMED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r#"\bvars\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([^"]*)"\s*\])|\bvar_or\s*\(\s*"([^"]*)""#,
        )
        .expect("a valid pattern")
    });
    static ANY: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\bvars\b").expect("a valid pattern"));
    // `vars:` is a map key (`apply(…, #{ vars: #{…} })`), not the playbook's values.
    static KEY: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\bvars\s*:[^:]").expect("a valid pattern"));
    let names: std::collections::BTreeSet<String> = NAMED
        .captures_iter(source)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().to_string())
        .collect();
    let followed = NAMED
        .find_iter(source)
        .filter(|m| m.as_str().starts_with("vars"))
        .count();
    let keys = KEY.find_iter(source).count();
    (ANY.find_iter(source).count() == followed + keys).then_some(names)
}

#[cfg(test)]
mod vars_tests {
    use super::vars_read;

    #[test]
    fn the_keys_a_playbook_reads_or_none_when_it_reads_them_dynamically() {
        let read = vars_read("let a = vars.prod_ns ?? \"x\"; let b = vars[\"west weight\"]; var_or(\"mesh\", \"m\");").unwrap();
        assert_eq!(
            read.into_iter().collect::<Vec<_>>(),
            ["mesh", "prod_ns", "west weight"]
        );
        assert_eq!(vars_read("let k = \"a\"; print(vars[k]);"), None);
        assert_eq!(vars_read("show(vars);"), None);
        assert!(vars_read("print(1);").unwrap().is_empty());
        assert!(
            vars_read("apply(f, #{ vars: #{ V: 1 } });")
                .unwrap()
                .is_empty()
        );
    }
}
