//! The evaluation side of the REPL: one long-lived scope and session AST, the lazily connected
//! backend, the `:use` default cluster, the log of successful inputs for `:save`, and how results
//! are printed.
//!
//! Each input is compiled against the session scope, appended to the session AST (so functions
//! defined earlier are callable), evaluated, and then the AST's statements are cleared so nothing
//! runs twice. Top-level `import`s are registered as static modules afterwards, so a module
//! imported on one line is usable on the next.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use rhai::{
    AST, ASTNode, Dynamic, Engine, EvalAltResult, Expr, FuncRegistration, ImmutableString, Map,
    NativeCallContext, Position, Scope, Stmt,
};
use serde_json::Value;

use crate::kube::Clusters;
use crate::prims::cert::Certificate;
use crate::prims::cluster::Cluster;
use crate::prims::mesh::Mesh;
use crate::prims::traffic;
use crate::prims::{self, Backend};
use crate::script::{self, PrimitiveError, RunContext, diagnose_eval, to_json};

/// The session-only free functions that act on the `:use`d cluster: (name, arities).
pub const SESSION_FUNCTIONS: &[(&str, &[usize])] = &[
    ("get", &[3]),
    ("list", &[2, 3]),
    ("apply", &[1, 2]),
    ("wait", &[3, 4]),
];

/// The clusters a session talks to, as its opener hands them over, with what to close when the
/// session ends (an in-process simulator, say: the REPL does not know what it is).
pub struct Connection {
    pub clusters: crate::kube::Clusters,
    pub close: Option<futures::future::BoxFuture<'static, ()>>,
}

/// The connection to the clusters: opened in the background so the prompt comes at once.
enum Link {
    Opening(tokio::task::JoinHandle<Result<Connection, String>>),
    Ready {
        backend: Backend,
        close: Option<futures::future::BoxFuture<'static, ()>>,
    },
    Failed(String),
}

/// One successful input, as `:save` writes it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub source: String,
}

/// The default cluster set with `:use`.
type Default = Arc<Mutex<Option<Cluster>>>;

pub struct Session {
    pub ctx: Arc<RunContext>,
    runtime: tokio::runtime::Handle,
    link: Link,
    /// The engine with the backend, built on first evaluation.
    engine: Option<Engine>,
    /// An engine without backend: help, completion and hints, available at once.
    pub docs: Engine,
    scope: Scope<'static>,
    ast: AST,
    pub log: Vec<Entry>,
    default: Default,
    inputs: usize,
}

impl Session {
    pub fn new(
        ctx: Arc<RunContext>,
        runtime: tokio::runtime::Handle,
        opening: tokio::task::JoinHandle<Result<Connection, String>>,
    ) -> Session {
        let docs = prims::engine(ctx.clone(), None);
        let scope = script::base_scope(&ctx);
        Session {
            ctx,
            runtime,
            link: Link::Opening(opening),
            engine: None,
            docs,
            scope,
            ast: AST::empty(),
            log: Vec::new(),
            default: Arc::new(Mutex::new(None)),
            inputs: 0,
        }
    }

    /// The backend, waiting for it to open if needed.
    pub fn backend(&mut self) -> Result<Backend, String> {
        if let Link::Opening(handle) = &mut self.link {
            self.link = match self.runtime.block_on(handle) {
                Ok(Ok(connection)) => Link::Ready {
                    backend: Backend {
                        clusters: Arc::new(connection.clusters),
                        runtime: self.runtime.clone(),
                    },
                    close: connection.close,
                },
                Ok(Err(m)) => Link::Failed(m),
                Err(e) => Link::Failed(format!("cannot open the backend: {e}")),
            };
        }
        match &self.link {
            Link::Ready { backend, .. } => Ok(backend.clone()),
            Link::Failed(m) => Err(m.clone()),
            Link::Opening(_) => Err("the backend is still opening".to_string()),
        }
    }

    /// The backend if it is open already (never waits).
    pub fn backend_if_ready(&mut self) -> Option<Backend> {
        match &self.link {
            Link::Opening(h) if h.is_finished() => self.backend().ok(),
            Link::Ready { backend, .. } => Some(backend.clone()),
            _ => None,
        }
    }

    /// The context names of the backend.
    pub fn contexts(&mut self) -> Result<Vec<String>, String> {
        Ok(self.backend()?.clusters.contexts())
    }

    pub fn clusters(&mut self) -> Result<Arc<Clusters>, String> {
        Ok(self.backend()?.clusters)
    }

    fn engine(&mut self) -> Result<&mut Engine, String> {
        if self.engine.is_none() {
            let backend = self.backend()?;
            let mut engine = prims::engine(self.ctx.clone(), Some(backend));
            register_session_functions(&mut engine, &self.default);
            self.engine = Some(engine);
        }
        self.engine.as_mut().ok_or_else(|| "no engine".to_string())
    }

    /// Sets the default cluster for `get`, `list`, `apply` and `wait` without a handle.
    pub fn use_cluster(&mut self, name: &str) -> Result<(), String> {
        let backend = self.backend()?;
        backend
            .clusters
            .check(&[name])
            .map_err(|e| match e.hint() {
                Some(h) => format!("{e}\nhint: {h}"),
                None => e.to_string(),
            })?;
        let client = self
            .runtime
            .block_on(backend.clusters.cluster(name))
            .map_err(|e| e.to_string())?;
        *self.default.lock().unwrap_or_else(|p| p.into_inner()) = Some(Cluster { client });
        Ok(())
    }

    /// The `:use`d cluster's name.
    pub fn default_cluster(&self) -> Option<String> {
        self.default
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|c| c.name().to_string())
    }

    /// The variables in scope, in the order they were declared: name, type, whether constant,
    /// value. A name declared twice shows its latest value once.
    pub fn variables(&self) -> Vec<(String, String, bool, Dynamic)> {
        let map_type = |t: &str| self.docs.map_type_name(t).to_string();
        let mut seen = std::collections::HashSet::new();
        let mut vars: Vec<_> = self
            .scope
            .iter_raw()
            .filter(|(name, ..)| seen.insert(name.to_string()))
            .map(|(name, constant, value)| {
                (
                    name.to_string(),
                    short_type(&map_type(value.type_name())),
                    constant,
                    value.clone(),
                )
            })
            .collect();
        vars.reverse();
        vars
    }

    /// Evaluates one input. Returns the printed form of its value (`None` for unit) or the
    /// rendered error. Successful inputs are logged for `:save`.
    pub fn eval(&mut self, input: &str) -> Result<Option<String>, String> {
        self.engine().map_err(|m| format!("error: {m}"))?;
        let Some(mut engine) = self.engine.take() else {
            return Err("error: no engine".to_string());
        };
        let result = self.eval_with(&mut engine, input);
        self.engine = Some(engine);
        result
    }

    fn eval_with(&mut self, engine: &mut Engine, input: &str) -> Result<Option<String>, String> {
        self.inputs += 1;
        let label = format!("<input {}>", self.inputs);
        // As a playbook is compiled: the compile-time bound and the whole-value size checks.
        let new_ast = script::compile_playbook(engine, &self.scope, input, &label)
            .map_err(|d| d.to_string())?;
        let imports = top_level_imports(&new_ast);
        let rewritten = match self.default_cluster() {
            Some(name) => rewrite_session_calls(&new_ast, input, &name),
            None => input.to_string(),
        };
        let mut merged = self.ast.clone();
        merged += new_ast;
        self.ctx.interrupt.store(false, Ordering::SeqCst);
        let result = engine.eval_ast_with_scope::<Dynamic>(&mut self.scope, &merged);
        self.ctx.interrupt.store(false, Ordering::SeqCst);
        // Keep the functions, drop the statements: nothing runs twice. Functions defined by a
        // failing input are kept too: their definitions did not fail.
        merged.clear_statements();
        self.ast = merged;
        match result {
            Ok(value) => {
                for (alias, path) in imports {
                    register_import(engine, &alias, &path);
                }
                self.log.push(Entry { source: rewritten });
                Ok(render(&value))
            }
            Err(err) => Err(diagnose_eval(engine, &err, &label, input).to_string()),
        }
    }

    /// Runs a playbook file into the session (its variables and functions stay).
    pub fn load(&mut self, path: &std::path::Path) -> Result<Option<String>, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("error: cannot read {}: {e}", path.display()))?;
        let result = self.eval(&text);
        if result.is_ok()
            && let Some(last) = self.log.last_mut()
        {
            last.source = format!("// :load {}\n{}", path.display(), last.source.trim_end());
        }
        result
    }

    /// The session's successful inputs as a playbook.
    pub fn playbook_text(&self) -> String {
        let mut out = String::from(
            "// Written by `fedrun repl` (:save): the inputs that succeeded, in order.\n\n",
        );
        for entry in &self.log {
            let text = entry.source.trim_end();
            out.push_str(text);
            if !text.ends_with(';') && !text.ends_with('}') {
                out.push(';');
            }
            out.push('\n');
        }
        out
    }

    /// Closes the connection (an in-process simulator, if one was started), waiting for one
    /// still opening.
    pub fn shutdown(self) {
        let close = match self.link {
            Link::Ready { close, .. } => close,
            Link::Opening(handle) => match self.runtime.block_on(handle) {
                Ok(Ok(connection)) => connection.close,
                _ => None,
            },
            Link::Failed(_) => None,
        };
        if let Some(close) = close {
            self.runtime.block_on(close);
        }
    }
}

/// `fedrun::prims::cluster::Cluster` → `Cluster`.
fn short_type(t: &str) -> String {
    t.rsplit("::").next().unwrap_or(t).to_string()
}

/// Registers `get`, `list`, `apply` and `wait` without a handle: they call the method of the
/// same name on the `:use`d cluster, so they behave exactly as `cluster.get(...)` does.
fn register_session_functions(engine: &mut Engine, default: &Default) {
    fn target(default: &Default) -> Result<Cluster, Box<EvalAltResult>> {
        default
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                PrimitiveError::new("no default cluster for this session")
                    .with_hint("choose one with `:use CONTEXT`, or call it on a handle: `cluster(\"rosa\").get(...)`")
                    .into()
            })
    }
    type S = ImmutableString;
    type R = Result<Dynamic, Box<EvalAltResult>>;
    let d = default.clone();
    FuncRegistration::new("get")
        .with_params_info(["kind: &str", "namespace: &str", "name: &str", "Map"])
        .register_into_engine(engine, move |c: NativeCallContext, k: S, n: S, m: S| -> R {
            c.call_native_fn("get", (target(&d)?, k, n, m))
        });
    let d = default.clone();
    FuncRegistration::new("list")
        .with_params_info(["kind: &str", "namespace: &str", "Array"])
        .register_into_engine(engine, move |c: NativeCallContext, k: S, n: S| -> R {
            c.call_native_fn("list", (target(&d)?, k, n))
        });
    let d = default.clone();
    FuncRegistration::new("list")
        .with_params_info(["kind: &str", "namespace: &str", "opts: Map", "Array"])
        .register_into_engine(
            engine,
            move |c: NativeCallContext, k: S, n: S, o: Map| -> R {
                c.call_native_fn("list", (target(&d)?, k, n, o))
            },
        );
    let d = default.clone();
    FuncRegistration::new("apply")
        .with_params_info(["source: &str", "Array"])
        .register_into_engine(engine, move |c: NativeCallContext, s: S| -> R {
            c.call_native_fn("apply", (target(&d)?, s))
        });
    let d = default.clone();
    FuncRegistration::new("apply")
        .with_params_info(["source: &str", "opts: Map", "Array"])
        .register_into_engine(engine, move |c: NativeCallContext, s: S, o: Map| -> R {
            c.call_native_fn("apply", (target(&d)?, s, o))
        });
    let d = default.clone();
    FuncRegistration::new("wait")
        .with_params_info(["target: &str", "namespace: &str", "condition: &str", "Map"])
        .register_into_engine(engine, move |c: NativeCallContext, t: S, n: S, k: S| -> R {
            c.call_native_fn("wait", (target(&d)?, t, n, k))
        });
    let d = default.clone();
    FuncRegistration::new("wait")
        .with_params_info([
            "target: &str",
            "namespace: &str",
            "condition: &str",
            "timeout: &str",
            "Map",
        ])
        .register_into_engine(
            engine,
            move |c: NativeCallContext, t: S, n: S, k: S, o: S| -> R {
                c.call_native_fn("wait", (target(&d)?, t, n, k, o))
            },
        );
}

/// `import "path" as alias;` statements at the top level of an input.
fn top_level_imports(ast: &AST) -> Vec<(String, String)> {
    ast.statements()
        .iter()
        .filter_map(|stmt| match stmt {
            Stmt::Import(x, _) => match &x.0 {
                Expr::StringConstant(path, _) => Some((x.1.name.to_string(), path.to_string())),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Makes an imported module visible to later inputs (each evaluation starts a fresh runtime
/// state, so the import itself would be forgotten).
fn register_import(engine: &mut Engine, alias: &str, path: &str) {
    let module = engine
        .module_resolver()
        .resolve(engine, None, path, Position::NONE);
    if let Ok(module) = module {
        engine.register_static_module(alias, module);
    }
}

/// For `:save`: turns calls of the session functions into calls on the `:use`d cluster, so the
/// saved playbook runs anywhere: `get("cm", ns, n)` → `cluster("rosa").get("cm", ns, n)`.
fn rewrite_session_calls(ast: &AST, source: &str, cluster: &str) -> String {
    let script_fns: Vec<(String, usize)> = ast
        .iter_functions()
        .map(|f| (f.name.to_string(), f.params.len()))
        .collect();
    let mut positions = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(Expr::FnCall(f, pos)) | ASTNode::Stmt(Stmt::FnCall(f, pos))) =
            path.last()
            && f.namespace.is_empty()
            && SESSION_FUNCTIONS
                .iter()
                .any(|(n, arities)| *n == f.name.as_str() && arities.contains(&f.args.len()))
            && !script_fns
                .iter()
                .any(|(n, a)| n == f.name.as_str() && *a == f.args.len())
        {
            positions.push(*pos);
        }
        true
    });
    let offsets: Vec<usize> = positions
        .iter()
        .filter_map(|pos| offset_of(source, pos.line()?, pos.position()?))
        .collect();
    let mut out = source.to_string();
    let mut sorted = offsets;
    sorted.sort_unstable();
    sorted.dedup();
    let prefix = format!("cluster({cluster:?}).");
    for offset in sorted.into_iter().rev() {
        out.insert_str(offset, &prefix);
    }
    out
}

/// The byte offset of a 1-based line and column (columns count characters).
fn offset_of(source: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for (i, text) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within = text
                .char_indices()
                .nth(column.checked_sub(1)?)
                .map(|(b, _)| b)?;
            return Some(start + within);
        }
        start += text.len();
    }
    None
}

/// Whether the brackets or strings of `input` are still open.
pub fn is_incomplete(input: &str) -> bool {
    let mut depth: i64 = 0;
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut closed = false;
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        closed = true;
                        break;
                    }
                    prev = c;
                }
                if !closed {
                    return true;
                }
            }
            '"' | '`' => {
                let quote = c;
                let mut closed = false;
                while let Some(c) = chars.next() {
                    if c == '\\' && quote == '"' {
                        chars.next();
                    } else if c == quote {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return true;
                }
            }
            '\'' => {
                // A character literal: skip it so a quote inside does not count.
                if chars.next() == Some('\\') {
                    chars.next();
                }
                chars.next();
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    depth > 0
}

/// How a result is shown: nothing for unit, YAML for maps, a list for arrays of Kubernetes
/// objects, a summary for certificates, tables for traffic reports and graphs.
pub fn render(value: &Dynamic) -> Option<String> {
    if value.is_unit() {
        return None;
    }
    if let Some(map) = value.read_lock::<Map>()
        && let Ok(text) = traffic::summary(&map)
    {
        return Some(text);
    }
    if let Some(cert) = value.read_lock::<Certificate>() {
        return Some(certificate_summary(&cert));
    }
    if let Some(cluster) = value.read_lock::<Cluster>() {
        return Some(format!(
            "cluster {} (context {}, {})",
            cluster.name(),
            cluster.client.context(),
            cluster.client.server()
        ));
    }
    if let Some(mesh) = value.read_lock::<Mesh>() {
        return Some(format!(
            "mesh {} (namespace {}) on cluster {}",
            mesh.name,
            mesh.namespace,
            mesh.cluster.name()
        ));
    }
    if let Some(s) = value.read_lock::<ImmutableString>() {
        return Some(s.to_string());
    }
    if value.is_map() || value.is_array() {
        return match to_json(value) {
            Ok(mut json) => {
                without_managed_fields(&mut json);
                Some(render_json(&json))
            }
            Err(_) => Some(value.to_string()),
        };
    }
    Some(value.to_string())
}

fn render_json(json: &Value) -> String {
    if let Value::Array(items) = json
        && !items.is_empty()
        && items.iter().all(is_kube_object)
    {
        return items
            .iter()
            .map(|o| {
                let kind = o["kind"].as_str().unwrap_or("?");
                let name = o.pointer("/metadata/name").and_then(Value::as_str);
                match o.pointer("/metadata/namespace").and_then(Value::as_str) {
                    Some(ns) => format!("- {kind} {ns}/{}", name.unwrap_or("?")),
                    None => format!("- {kind} {}", name.unwrap_or("?")),
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    match serde_yaml::to_string(json) {
        Ok(text) => text.trim_end().to_string(),
        Err(_) => json.to_string(),
    }
}

/// `metadata.managedFields` is bookkeeping of server-side apply: kubectl hides it, so do we.
fn without_managed_fields(json: &mut Value) {
    match json {
        Value::Array(items) => items.iter_mut().for_each(without_managed_fields),
        Value::Object(map) => {
            if let Some(Value::Object(meta)) = map.get_mut("metadata") {
                meta.remove("managedFields");
            }
        }
        _ => {}
    }
}

fn is_kube_object(v: &Value) -> bool {
    v.get("kind").is_some_and(Value::is_string) && v.pointer("/metadata/name").is_some()
}

fn certificate_summary(c: &Certificate) -> String {
    format!(
        "Certificate{}\n  subject:  {}\n  issuer:   {}\n  valid:    {} .. {}\n  sha256:   {}",
        if c.is_ca { " (CA)" } else { "" },
        c.subject,
        c.issuer,
        c.not_before,
        c.not_after,
        c.sha256
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_and_strings_are_incomplete() {
        assert!(is_incomplete("fn f() {"));
        assert!(is_incomplete("let s = \"abc"));
        assert!(is_incomplete("let a = [1,"));
        assert!(is_incomplete("/* comment"));
        assert!(!is_incomplete("let s = \"{\";"));
        assert!(!is_incomplete("fn f() { 1 } // {"));
        assert!(!is_incomplete("let c = '{';"));
        assert!(!is_incomplete("}"));
    }

    #[test]
    fn session_calls_become_cluster_calls() {
        let engine = Engine::new();
        let src = "let x = get(\"cm\", \"ns\", \"a\");\nlet m = #{}; m.get(\"a\");";
        let ast = engine.compile(src).expect("compiles");
        let out = rewrite_session_calls(&ast, src, "rosa");
        assert_eq!(
            out,
            "let x = cluster(\"rosa\").get(\"cm\", \"ns\", \"a\");\nlet m = #{}; m.get(\"a\");"
        );
    }

    #[test]
    fn lists_of_objects_are_short() {
        let v = serde_json::json!([{"kind": "Namespace", "metadata": {"name": "demo"}},
            {"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "demo"}}]);
        assert_eq!(render_json(&v), "- Namespace demo\n- ConfigMap demo/a");
        assert_eq!(render_json(&serde_json::json!({"a": 1})), "a: 1");
    }

    #[test]
    fn traffic_reports_print_as_tables_other_maps_as_yaml() {
        use crate::report::traffic::{Destination, LoadReport};
        let report = LoadReport {
            url: "http://bookinfo/productpage".into(),
            count: 20,
            service: Some("details".into()),
            by_destination: Some(vec![Destination {
                service: "details".into(),
                workload: "details-v1".into(),
                namespace: "demo".into(),
                cluster: "rosa".into(),
                mesh: "demo-mesh".into(),
                code: "200".into(),
                requests: 20,
                share: 100.0,
            }]),
            ..LoadReport::default()
        };
        let value = script::to_dynamic(&serde_json::to_value(&report).expect("json"));
        let text = render(&value).expect("printed");
        assert_eq!(text, report.render());
        assert!(text.contains("details-v1  rosa"), "{text}");
        // Only the shape counts: a map that merely has a `url` is still YAML.
        let other = script::to_dynamic(&serde_json::json!({"url": "x", "count": 1}));
        assert_eq!(render(&other).as_deref(), Some("count: 1\nurl: x"));
    }
}
