//! `fedrun docs [NAME]`: the reference of fedrun's script functions, generated from the engine.
//!
//! There is one source of truth: the signatures and `///` comments registered with each function
//! (`#[export_module]` and `#[derive(CustomType)]` doc comments, `TypeBuilder::and_comments`, or
//! `FuncRegistration::with_comments`). Rhai's own standard
//! library is left out. Functions are grouped as plain functions, methods and properties of each
//! handle type (`cluster.apply(...)`), and namespaced modules (`peer::connect(...)`).

use crate::suggest::{closest, did_you_mean};
use rhai::{Engine, FnAccess, FnNamespace};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// A `fedrun docs NAME` that matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocsError {
    /// No function, method, type or module has that name.
    #[error("no function, type or module named `{name}`{}", match did_you_mean(.suggestions) { Some(s) => format!("; {s}"), None => String::new() })]
    Unknown {
        /// What was asked for.
        name: String,
        /// Close names that do exist.
        suggestions: Vec<String>,
    },
}

/// Where a function is shown.
/// Where a documented callable lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    /// Called as `name(...)`.
    Global,
    /// Methods and properties of a handle type, called as `value.name(...)`.
    Type(String),
    /// Called as `module::name(...)`.
    Module(String),
}

/// How a documented callable is called.
#[derive(Debug, Clone)]
pub enum Kind {
    Function,
    Method,
    Property { writable: bool },
}

/// One registered function, in the form the reference shows.
/// One function, method or property as scripts see it: the one source of `fedrun docs`, the
/// REPL's `:help`, its completion and its signature hints.
#[derive(Debug, Clone)]
pub struct Entry {
    pub group: Group,
    pub name: String,
    pub kind: Kind,
    /// `(name, type)` of each parameter, receiver excluded for methods.
    pub params: Vec<(String, String)>,
    pub return_type: String,
    pub doc: String,
}

/// Raw facts about one function, copied out of Rhai's metadata.
struct Raw {
    namespace: String,
    global: bool,
    name: String,
    params: Vec<(String, String)>,
    return_type: String,
    comments: Vec<String>,
}

/// Types that come with Rhai: a function whose first parameter is one of these is not a method
/// of a fedrun handle.
const BUILTIN_TYPES: &[&str] = &[
    "",
    "_",
    "?",
    "i64",
    "INT",
    "i32",
    "u64",
    "f64",
    "FLOAT",
    "f32",
    "bool",
    "char",
    "String",
    "&str",
    "str",
    "ImmutableString",
    "Array",
    "Map",
    "Blob",
    "Dynamic",
    "FnPtr",
    "Fn",
    "()",
    "Instant",
    "Range",
    "RangeInclusive",
];

fn split_param(p: &str) -> (String, String) {
    let (name, ty) = p.split_once(':').unwrap_or(("_", p));
    (name.trim().to_string(), clean_type(ty))
}

/// The type as a script author thinks of it: `&mut fedrun::prims::Cluster` → `Cluster`,
/// `&str` / `ImmutableString` → `String`, `INT` → `i64`, and the `Result<T>` an
/// `#[export_module]` function returns → `T`.
fn clean_type(ty: &str) -> String {
    let ty = ty
        .trim()
        .trim_start_matches("&mut ")
        .trim_start_matches('&')
        .trim();
    if let Some(inner) = ty.strip_prefix("Result<").and_then(|t| t.strip_suffix('>')) {
        return clean_type(inner.split_once(", Box<").map_or(inner, |(ok, _)| ok));
    }
    if ty.contains('<') {
        return ty.to_string();
    }
    match ty.rsplit("::").next().unwrap_or(ty) {
        "str" | "string" | "ImmutableString" => "String".to_string(),
        "INT" => "i64".to_string(),
        "FLOAT" => "f64".to_string(),
        other => other.to_string(),
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// `/// line` and `/** block */` comments → plain text.
fn clean_comments(comments: &[String]) -> String {
    let mut lines = Vec::new();
    for block in comments {
        for line in block.lines() {
            let line = line.trim();
            let line = line
                .strip_prefix("///")
                .or_else(|| line.strip_prefix("/**"))
                .or_else(|| line.strip_prefix('*').filter(|_| !line.starts_with("*/")))
                .unwrap_or(line);
            let line = line.strip_suffix("*/").unwrap_or(line);
            let line = line.strip_prefix(' ').unwrap_or(line);
            lines.push(line.trim_end().to_string());
        }
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

fn collect_raw(engine: &Engine, include_std: bool) -> Vec<Raw> {
    engine.collect_fn_metadata(
        None,
        |info| {
            let m = info.metadata;
            // `__fedrun_*`: fedrun's own plumbing (the size checks it adds to playbooks).
            if m.access == FnAccess::Private
                || m.name.starts_with("anon$")
                || m.name.starts_with("__fedrun")
            {
                return None;
            }
            let mut params: Vec<(String, String)> =
                m.params_info.iter().map(|p| split_param(p)).collect();
            params.resize_with(m.num_params, || ("_".to_string(), String::new()));
            Some(Raw {
                namespace: info.namespace.to_string(),
                global: m.namespace == FnNamespace::Global,
                name: m.name.to_string(),
                params,
                return_type: clean_type(&m.return_type),
                comments: m.comments.iter().map(|c| c.to_string()).collect(),
            })
        },
        include_std,
    )
}

/// The functions of the stdlib modules shipped in the binary (`import "ossm" as ossm;`), from
/// their own `///` comments: `fedrun docs ossm` documents them as it documents primitives.
fn stdlib_entries(engine: &Engine) -> Vec<Entry> {
    let mut out = Vec::new();
    for (module, text) in super::resolver::STDLIB {
        let Ok(ast) = engine.compile(text) else {
            continue;
        };
        for f in ast.iter_functions() {
            // Closures compile to `anon$…` functions: not something to call by name.
            if f.access == FnAccess::Private || f.name.starts_with("anon$") {
                continue;
            }
            out.push(Entry {
                group: Group::Module((*module).to_string()),
                name: f.name.to_string(),
                kind: Kind::Function,
                params: f
                    .params
                    .iter()
                    .map(|p| (p.to_string(), String::new()))
                    .collect(),
                return_type: String::new(),
                doc: clean_comments(&f.comments.iter().map(|c| c.to_string()).collect::<Vec<_>>()),
            });
        }
    }
    out
}

/// Every documented callable of `engine` and of the stdlib modules, sorted by group and name.
pub fn entries(engine: &Engine) -> Vec<Entry> {
    let raw = collect_raw(engine, false);
    let setters: BTreeSet<(String, String)> = raw
        .iter()
        .filter_map(|r| {
            Some((
                r.params.first()?.1.clone(),
                r.name.strip_prefix("set$")?.to_string(),
            ))
        })
        .collect();
    let mut out = Vec::new();
    for r in raw {
        let receiver = r
            .params
            .first()
            .map(|p| p.1.clone())
            .filter(|t| !BUILTIN_TYPES.contains(&t.as_str()));
        let doc = clean_comments(&r.comments);
        if let Some(prop) = r.name.strip_prefix("get$") {
            let Some(ty) = receiver else { continue };
            let writable = setters.contains(&(ty.clone(), prop.to_string()));
            out.push(Entry {
                group: Group::Type(ty),
                name: prop.to_string(),
                kind: Kind::Property { writable },
                params: Vec::new(),
                return_type: r.return_type,
                doc,
            });
            continue;
        }
        if !is_identifier(&r.name) || matches!(r.name.as_str(), "to_string" | "to_debug") {
            continue; // setters, indexers, operators, and the printing protocol
        }
        let as_method = receiver.is_some() && (r.namespace.is_empty() || r.global);
        let (group, kind, params) = match receiver {
            Some(ty) if as_method => (Group::Type(ty), Kind::Method, r.params[1..].to_vec()),
            _ if r.namespace.is_empty() => (Group::Global, Kind::Function, r.params),
            _ => (Group::Module(r.namespace), Kind::Function, r.params),
        };
        out.push(Entry {
            group,
            name: r.name,
            kind,
            params,
            return_type: r.return_type,
            doc,
        });
    }
    out.extend(stdlib_entries(engine));
    // Overloads with as many parameters in the order of their parameters (a stable sort keeps
    // it): Rhai's function tables iterate in an order that changes from run to run.
    out.sort_by(|a, b| a.params.cmp(&b.params));
    out.sort_by(|a, b| {
        (&a.group, &a.name, a.params.len()).cmp(&(&b.group, &b.name, b.params.len()))
    });
    out
}

/// How a value of a type is called in examples: `Cluster` → `cluster`, `PrimitiveError` →
/// `primitive_error`.
fn receiver_name(ty: &str) -> String {
    let mut out = String::new();
    for (i, c) in ty.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

impl Entry {
    /// The parameter list as signatures show it: `name: Type, …`.
    pub fn params_text(&self) -> String {
        self.params
            .iter()
            .map(|(n, t)| match (n.as_str(), t.as_str()) {
                ("_", "") => "_".to_string(),
                ("_", t) => t.to_string(),
                (n, "") => n.to_string(),
                (n, t) => format!("{n}: {t}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// ` -> Type`, or nothing for `()`.
    pub fn returns_text(&self) -> String {
        match self.return_type.as_str() {
            "" | "()" => String::new(),
            t => format!(" -> {t}"),
        }
    }
}

fn signature(e: &Entry) -> String {
    let ret = e.returns_text();
    let params = e.params_text();
    match (&e.group, &e.kind) {
        (Group::Type(ty), Kind::Property { writable }) => {
            format!(
                "{}.{}{ret}{}",
                receiver_name(ty),
                e.name,
                if *writable { " (read/write)" } else { "" }
            )
        }
        (Group::Type(ty), _) => format!("{}.{}({params}){ret}", receiver_name(ty), e.name),
        (Group::Module(m), _) => format!("{m}::{}({params}){ret}", e.name),
        (Group::Global, _) => format!("{}({params}){ret}", e.name),
    }
}

fn heading(group: &Group) -> String {
    match group {
        Group::Global => "Functions".to_string(),
        Group::Type(ty) => format!(
            "{ty} (methods and properties of a {} value)",
            receiver_name(ty)
        ),
        Group::Module(m) => format!("{m}:: (module)"),
    }
}

fn render(entries: &[&Entry]) -> String {
    let mut out = String::new();
    let mut by_group: BTreeMap<&Group, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        by_group.entry(&e.group).or_default().push(e);
    }
    for (group, list) in by_group {
        if !out.is_empty() {
            out.push('\n');
        }
        let title = heading(group);
        let _ = writeln!(out, "{title}\n{}\n", "=".repeat(title.chars().count()));
        for e in list {
            let _ = writeln!(out, "{}", signature(e));
            if e.doc.is_empty() {
                let _ = writeln!(out, "    (undocumented)");
            }
            for line in e.doc.lines() {
                let _ = writeln!(out, "    {line}").map(|_| ());
            }
            out.push('\n');
        }
    }
    out
}

/// The reference text: every fedrun function, or with `name` just that function (all overloads),
/// method (`cluster.apply`), type (`Cluster`) or module (`peer`, `peer::connect`).
pub fn reference(engine: &Engine, name: Option<&str>) -> Result<String, DocsError> {
    let all = entries(engine);
    let Some(wanted) = name.map(str::trim) else {
        return Ok(render(&all.iter().collect::<Vec<_>>()));
    };
    let wanted_module = wanted.strip_suffix("::").unwrap_or(wanted);
    let lc = wanted.to_lowercase();
    let selected: Vec<&Entry> = all
        .iter()
        .filter(|e| match &e.group {
            Group::Global => e.name == wanted,
            Group::Module(m) => m == wanted_module || format!("{m}::{}", e.name) == wanted,
            Group::Type(ty) => {
                let t = ty.to_lowercase();
                let r = receiver_name(ty);
                t == lc
                    || r == lc
                    || format!("{t}.{}", e.name.to_lowercase()) == lc
                    || format!("{r}.{}", e.name.to_lowercase()) == lc
                    || (matches!(e.kind, Kind::Method) && e.name == wanted)
            }
        })
        .collect();
    if selected.is_empty() {
        let known = names_of(&all);
        let suggestions = closest(wanted, known.iter().map(String::as_str));
        return Err(DocsError::Unknown {
            name: wanted.to_string(),
            suggestions,
        });
    }
    Ok(render(&selected))
}

fn names_of(entries: &[Entry]) -> Vec<String> {
    let mut names = BTreeSet::new();
    for e in entries {
        match &e.group {
            Group::Global => {
                names.insert(e.name.clone());
            }
            Group::Module(m) => {
                names.insert(m.clone());
                names.insert(format!("{m}::{}", e.name));
            }
            Group::Type(ty) => {
                names.insert(ty.clone());
                names.insert(format!("{}.{}", receiver_name(ty), e.name));
                names.insert(e.name.clone());
            }
        }
    }
    names.into_iter().collect()
}

/// Names for completion: fedrun's functions (`step`), namespaced functions (`peer::connect`),
/// and method and property names (`apply`), sorted and without duplicates.
pub fn function_names(engine: &Engine) -> Vec<String> {
    let mut names = BTreeSet::new();
    for e in entries(engine) {
        match e.group {
            Group::Module(m) => names.insert(format!("{m}::{}", e.name)),
            _ => names.insert(e.name),
        };
    }
    names.into_iter().collect()
}

/// Every callable name, optionally with Rhai's standard library, for "did you mean".
pub(crate) fn all_function_names(engine: &Engine, include_std: bool) -> Vec<String> {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for r in collect_raw(engine, include_std) {
        if !is_identifier(&r.name) {
            continue;
        }
        if r.namespace.is_empty() || r.global {
            names.insert(r.name.clone());
        }
        if !r.namespace.is_empty() {
            names.insert(format!("{}::{}", r.namespace, r.name));
        }
    }
    names.into_iter().collect()
}
