//! The line editor: a rustyline helper with completion (primitives, module members, methods of
//! the handle a variable holds, context names inside `cluster("`, kinds inside `.get("`, variables,
//! `:commands`), signature hints, a prompt colour (none with NO_COLOR) and the check for input
//! that needs more lines.
//!
//! It reads the session (variables, contexts, the connected clusters) through a shared
//! `Rc<RefCell<Session>>`: completion happens while the loop waits in `readline`, never during an
//! evaluation, so the two never borrow it at once.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Duration;

use rhai::Engine;
use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hint, Hinter};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::commands::COMMANDS;
use super::eval::{SESSION_FUNCTIONS, Session};
use crate::script::{self, Group, Kind};

/// Kinds offered inside `.get("` when no cluster is connected yet.
const COMMON_KINDS: &[&str] = &[
    "configmap",
    "deployment",
    "destinationrule",
    "gateway",
    "namespace",
    "pod",
    "route",
    "secret",
    "service",
    "serviceaccount",
    "servicemeshcontrolplane",
    "servicemeshmemberroll",
    "servicemeshpeer",
    "exportedserviceset",
    "importedserviceset",
    "subscription",
    "clusterserviceversion",
    "virtualservice",
];

/// Functions whose first string argument is a kind.
const KIND_FUNCTIONS: &[&str] = &["get", "try_get", "exists", "list", "delete"];

/// What the engine offers, read once from its function metadata.
#[derive(Debug, Default)]
pub struct Catalog {
    /// Plain functions: name → signatures.
    pub globals: BTreeMap<String, Vec<String>>,
    /// Modules: module → member → signatures.
    pub modules: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Handle types: type → method or property → signatures.
    pub methods: BTreeMap<String, BTreeMap<String, Vec<String>>>,
    /// Return type of each global and module function (for `cluster("x").` completion).
    returns: BTreeMap<String, String>,
}

impl Catalog {
    /// From the documentation entries (`script::entries`): completion, hints and `:help` see
    /// the same functions, types and signatures as `fedrun docs`.
    pub fn from_engine(engine: &Engine) -> Catalog {
        let mut c = Catalog::default();
        for e in script::entries(engine) {
            let (arrow, params) = (e.returns_text(), e.params_text());
            let name = e.name;
            let (map, signature) = match (e.group, e.kind) {
                (Group::Type(ty), Kind::Property { .. }) => {
                    (c.methods.entry(ty).or_default(), format!(".{name}{arrow}"))
                }
                (Group::Type(ty), _) => (
                    c.methods.entry(ty).or_default(),
                    format!(".{name}({params}){arrow}"),
                ),
                (Group::Global, _) => {
                    c.returns.insert(name.clone(), e.return_type);
                    (&mut c.globals, format!("{name}({params}){arrow}"))
                }
                (Group::Module(m), _) => {
                    c.returns.insert(format!("{m}::{name}"), e.return_type);
                    let signature = format!("{m}::{name}({params}){arrow}");
                    (c.modules.entry(m).or_default(), signature)
                }
            };
            map.entry(name).or_default().push(signature);
        }
        // The REPL's own free functions on the `:use`d cluster.
        for (name, _) in SESSION_FUNCTIONS {
            if let Some(sigs) = c.methods.get("Cluster").and_then(|m| m.get(*name)) {
                let sigs: Vec<String> = sigs
                    .iter()
                    .map(|s| format!("{name}{} (on the :use cluster)", &s[1 + name.len()..]))
                    .collect();
                c.globals.insert(name.to_string(), sigs);
            }
        }
        c
    }

    /// Signatures of a name as typed: `cluster`, `peer::connect`, or a method name.
    fn signatures(&self, name: &str, receiver: Option<&str>) -> Option<Vec<String>> {
        if let Some((module, member)) = name.rsplit_once("::") {
            return self.modules.get(module)?.get(member).cloned();
        }
        if let Some(sigs) = receiver
            .and_then(|ty| self.methods.get(ty))
            .and_then(|m| m.get(name))
        {
            return Some(sigs.clone());
        }
        if receiver.is_some() {
            // Unknown receiver type: every handle's method of that name.
            let all: Vec<String> = self
                .methods
                .values()
                .filter_map(|m| m.get(name))
                .flatten()
                .cloned()
                .collect();
            return (!all.is_empty()).then_some(all);
        }
        self.globals.get(name).cloned()
    }
}

/// A signature shown after the cursor; never inserted (Right arrow does not accept it).
pub struct SignatureHint(String);

impl Hint for SignatureHint {
    fn display(&self) -> &str {
        &self.0
    }
    fn completion(&self) -> Option<&str> {
        None
    }
}

pub struct ReplHelper {
    session: Rc<RefCell<Session>>,
    catalog: Catalog,
    color: bool,
    files: FilenameCompleter,
    /// Kinds each connected cluster serves, discovered once.
    kinds: RefCell<HashMap<String, Vec<String>>>,
}

impl ReplHelper {
    pub fn new(session: Rc<RefCell<Session>>, color: bool) -> ReplHelper {
        let catalog = Catalog::from_engine(&session.borrow().docs);
        ReplHelper {
            session,
            catalog,
            color,
            files: FilenameCompleter::new(),
            kinds: RefCell::new(HashMap::new()),
        }
    }

    fn variable_type(&self, name: &str) -> Option<String> {
        self.session
            .borrow()
            .variables()
            .into_iter()
            .find(|v| v.0 == name)
            .map(|v| v.1)
    }

    /// The type of a receiver expression: a variable, or a call whose return type is known
    /// (`cluster("rosa")` → Cluster).
    fn receiver_type(&self, expr: &str) -> Option<String> {
        let expr = expr.trim();
        if let Some(head) = expr.strip_suffix(')') {
            let open = matching_open(head)?;
            let name = trailing_word(&head[..open]);
            return self.catalog.returns.get(name).cloned();
        }
        self.variable_type(trailing_word(expr))
    }

    /// The kinds to offer for a cluster: discovered when connected, else the common ones.
    fn kinds_for(&self, cluster: Option<String>) -> Vec<String> {
        let fallback = || COMMON_KINDS.iter().map(|k| k.to_string()).collect();
        let Some(name) = cluster else {
            return fallback();
        };
        if let Some(kinds) = self.kinds.borrow().get(&name) {
            return kinds.clone();
        }
        let Some(backend) = self.session.borrow_mut().backend_if_ready() else {
            return fallback();
        };
        // The kube layer's discovery cache: the same catalog the session's calls resolve kinds
        // with, fetched once per cluster. Completion never waits long for a slow cluster.
        let discovered = backend.runtime.block_on(async {
            let client = backend.clusters.cluster(&name).await.ok()?;
            let kinds = tokio::time::timeout(Duration::from_secs(3), client.kinds())
                .await
                .ok()?
                .ok()?;
            let kinds: BTreeSet<String> = kinds
                .iter()
                .map(|k| k.resource.kind.to_lowercase())
                .collect();
            Some(kinds.into_iter().collect::<Vec<_>>())
        });
        match discovered {
            Some(kinds) if !kinds.is_empty() => {
                self.kinds.borrow_mut().insert(name, kinds.clone());
                kinds
            }
            _ => fallback(),
        }
    }

    fn complete_string(&self, before: &str, quote: usize) -> Vec<String> {
        let call = before[..quote].trim_end();
        let Some(head) = call.strip_suffix('(') else {
            return Vec::new();
        };
        let name = trailing_word(head);
        let receiver = &head[..head.len() - name.len()];
        if name == "cluster" {
            return self.session.borrow_mut().contexts().unwrap_or_default();
        }
        if KIND_FUNCTIONS.contains(&name) {
            let cluster = match receiver.strip_suffix('.') {
                Some(expr) => self.cluster_of(expr),
                None => self.session.borrow().default_cluster(),
            };
            return self.kinds_for(cluster);
        }
        Vec::new()
    }

    /// The cluster name a receiver expression refers to: `cluster("rosa")` or a variable
    /// holding a Cluster.
    fn cluster_of(&self, expr: &str) -> Option<String> {
        let expr = expr.trim();
        if let Some(rest) = expr.strip_suffix("\")")
            && let Some(start) = rest.rfind("cluster(\"")
        {
            return Some(rest[start + "cluster(\"".len()..].to_string());
        }
        let var = trailing_word(expr);
        let session = self.session.borrow();
        session.variables().into_iter().find_map(|(n, _, _, v)| {
            (n == var)
                .then(|| {
                    v.read_lock::<crate::prims::cluster::Cluster>()
                        .map(|c| c.name().to_string())
                })
                .flatten()
        })
    }

    fn complete_code(&self, before: &str) -> (usize, Vec<String>) {
        let word = trailing_path(before);
        let start = before.len() - word.len();
        let mut out = BTreeSet::new();
        if let Some(dot) = word.rfind('.') {
            let prefix = &word[dot + 1..];
            let receiver = &before[..start + dot];
            let methods: Vec<&String> = match self.receiver_type(receiver) {
                Some(ty) => self
                    .catalog
                    .methods
                    .get(&ty)
                    .map(|m| m.keys().collect())
                    .unwrap_or_default(),
                None => self
                    .catalog
                    .methods
                    .values()
                    .flat_map(|m| m.keys())
                    .collect(),
            };
            for m in methods {
                if m.starts_with(prefix) {
                    out.insert(m.clone());
                }
            }
            return (start + dot + 1, out.into_iter().collect());
        }
        if let Some((module, prefix)) = word.rsplit_once("::") {
            if let Some(members) = self.catalog.modules.get(module) {
                for m in members.keys().filter(|m| m.starts_with(prefix)) {
                    out.insert(format!("{module}::{m}"));
                }
            }
            return (start, out.into_iter().collect());
        }
        for name in self.catalog.globals.keys() {
            if name.starts_with(word) {
                out.insert(name.clone());
            }
        }
        for module in self.catalog.modules.keys() {
            if module.starts_with(word) {
                out.insert(format!("{module}::"));
            }
        }
        for (name, ..) in self.session.borrow().variables() {
            if name.starts_with(word) {
                out.insert(name);
            }
        }
        (start, out.into_iter().collect())
    }

    fn complete_command(&self, line: &str, pos: usize) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let Some((command, arg)) = before.split_once(' ') else {
            let names = COMMANDS
                .iter()
                .filter(|(c, _)| c.starts_with(before))
                .map(|(c, _)| c.to_string())
                .collect();
            return Ok((0, pairs(names)));
        };
        let arg_start = command.len() + 1 + (arg.len() - arg.trim_start().len());
        let arg = arg.trim_start();
        let names: Vec<String> = match command {
            ":help" => {
                let mut all: Vec<String> = self.catalog.globals.keys().cloned().collect();
                for (module, members) in &self.catalog.modules {
                    all.push(module.clone());
                    all.extend(members.keys().map(|m| format!("{module}::{m}")));
                }
                all.extend(self.catalog.methods.keys().cloned());
                all.into_iter().filter(|n| n.starts_with(arg)).collect()
            }
            ":use" => self
                .session
                .borrow_mut()
                .contexts()
                .unwrap_or_default()
                .into_iter()
                .filter(|c| c.starts_with(arg))
                .collect(),
            ":load" | ":save" => return self.files.complete_path(line, pos),
            _ => Vec::new(),
        };
        Ok((arg_start, pairs(names)))
    }
}

fn pairs(names: Vec<String>) -> Vec<Pair> {
    names
        .into_iter()
        .map(|n| Pair {
            display: n.clone(),
            replacement: n,
        })
        .collect()
}

/// The identifier (or `module::name`) that ends `text`.
fn trailing_word(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == ':')
        .last()
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    &text[start..]
}

/// The word being typed, with its dots and `::`: `rosa.ge`, `peer::co`.
fn trailing_path(text: &str) -> &str {
    let start = text
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || matches!(c, '_' | ':' | '.'))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(text.len());
    let word = &text[start..];
    // `cluster("rosa").ge`: the receiver is a call; keep just `.ge`.
    if start > 0 && text[..start].ends_with(')') && word.starts_with('.') {
        return word;
    }
    word
}

/// The index of the `(` that the final `)` (already stripped) closes.
fn matching_open(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut in_string = false;
    for (i, c) in text.char_indices().rev() {
        match c {
            '"' => in_string = !in_string,
            ')' if !in_string => depth += 1,
            '(' if !in_string => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

/// Where an unclosed string starts in `before`, if the cursor is inside one.
fn open_string(before: &str) -> Option<usize> {
    let mut start = None;
    let mut chars = before.char_indices();
    while let Some((i, c)) = chars.next() {
        match (start, c) {
            (None, '"') => start = Some(i),
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(_), '"') => start = None,
            _ => {}
        }
    }
    start
}

/// The function whose argument list the cursor is in: its name and the receiver text (for
/// methods), or the name being typed when it is a known function.
fn call_at(before: &str) -> Option<(String, Option<String>)> {
    let mut depth = 0i32;
    let mut in_string = false;
    for (i, c) in before.char_indices().rev() {
        match c {
            '"' => in_string = !in_string,
            ')' if !in_string => depth += 1,
            '(' if !in_string => {
                if depth == 0 {
                    let head = &before[..i];
                    let name = trailing_word(head);
                    if name.is_empty() {
                        return None;
                    }
                    let receiver = head[..head.len() - name.len()]
                        .strip_suffix('.')
                        .map(str::to_string);
                    return Some((name.to_string(), receiver));
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        if line.trim_start().starts_with(':') {
            return self.complete_command(line, pos);
        }
        let before = &line[..pos];
        if let Some(quote) = open_string(before) {
            let typed = &before[quote + 1..];
            let names = self
                .complete_string(before, quote)
                .into_iter()
                .filter(|n| n.starts_with(typed))
                .collect();
            return Ok((quote + 1, pairs(names)));
        }
        let (start, names) = self.complete_code(before);
        Ok((start, pairs(names)))
    }
}

impl Hinter for ReplHelper {
    type Hint = SignatureHint;

    fn hint(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> Option<SignatureHint> {
        if pos < line.len() || line.trim_start().starts_with(':') {
            return None;
        }
        let (name, receiver) = call_at(line)?;
        let ty = receiver
            .as_ref()
            .map(|r| self.receiver_type(r).unwrap_or_default());
        let sigs = self.catalog.signatures(&name, ty.as_deref())?;
        Some(SignatureHint(format!("   {}", sigs.join("  |  "))))
    }
}

impl Highlighter for ReplHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if self.color {
            Cow::Owned(format!("\x1b[1;32m{prompt}\x1b[0m"))
        } else {
            Cow::Borrowed(prompt)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.color {
            Cow::Owned(format!("\x1b[2m{hint}\x1b[0m"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        false
    }
}

impl Validator for ReplHelper {
    /// Every line is accepted here, even one with an open bracket or string: rustyline would
    /// continue such input on the next line without any prompt, so the loop checks
    /// [`is_incomplete`](super::eval::is_incomplete) itself and asks for the rest with the continuation prompt.
    fn validate(&self, _ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_calls() {
        assert_eq!(trailing_word("let x = peer::con"), "peer::con");
        assert_eq!(trailing_path("rosa.ge"), "rosa.ge");
        assert_eq!(
            call_at("peer::connect(a, "),
            Some(("peer::connect".to_string(), None))
        );
        assert_eq!(
            call_at("rosa.get(\"cm\", f(1), "),
            Some(("get".to_string(), Some("rosa".to_string())))
        );
        assert_eq!(open_string("cluster(\"ro"), Some(8));
        assert_eq!(open_string("cluster(\"rosa\")"), None);
        assert_eq!(matching_open("cluster(\"rosa\""), Some(7));
    }
}
