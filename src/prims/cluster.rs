//! The cluster primitives: a handle per kubeconfig context and the generic object operations
//! (project, apply, get, list, delete, wait) every playbook is built from.
//!
//! A `Cluster` is a handle, not a connection: it names a context and reuses the one kube-rs client
//! the pool keeps for it, so copying it around a playbook is free.

use std::collections::BTreeMap;
use std::time::Duration;

use rhai::plugin::*;
use rhai::{Array, CustomType, Map, TypeBuilder};
use serde_json::{Value, json};

use super::{Env, shown_as};
use crate::kube::{Applied, ApplyOptions, ClusterClient, KubeError, Outcome, WaitCondition};
use crate::manifest;
use crate::script::{PrimitiveError, to_dynamic};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// A cluster as a playbook sees it.
#[derive(Clone)]
pub struct Cluster {
    pub client: ClusterClient,
}

impl Cluster {
    pub fn name(&self) -> &str {
        self.client.name()
    }
}

/// A kube-layer error as the script sees it: the message, the cluster, and what to do next.
pub fn fail(cluster: &str, error: KubeError) -> Box<EvalAltResult> {
    let mut e = PrimitiveError::new(error.to_string()).with_cluster(cluster);
    if let Some(hint) = error.hint() {
        e = e.with_hint(hint);
    }
    e.into()
}

/// `""` means "no namespace" (cluster-scoped kinds, or all namespaces for list).
fn ns(namespace: &str) -> Option<&str> {
    (!namespace.is_empty()).then_some(namespace)
}

impl Env {
    /// Opens the handle of the playbook's cluster `name`.
    pub fn cluster(&self, name: &str) -> Result<Cluster> {
        let backend = self.backend()?;
        let client = self
            .block_on(backend.clusters.cluster(name))?
            .map_err(|e| match e {
                // Found only now when the name was computed, but a configuration error all
                // the same: the run exits with 2, as it does when the check finds it up front.
                KubeError::UnknownContext { .. } => {
                    let mut err = PrimitiveError::new(e.to_string()).with_cluster(name);
                    if let Some(hint) = e.hint() {
                        err = err.with_hint(hint);
                    }
                    err.configuration().into()
                }
                e => fail(name, e),
            })?;
        Ok(Cluster { client })
    }

    /// Runs a kube-layer call on `cluster`, checking for Ctrl-C before it starts.
    pub fn call<T>(
        &self,
        cluster: &Cluster,
        future: impl std::future::Future<Output = std::result::Result<T, KubeError>>,
    ) -> Result<T> {
        self.ctx.check_interrupt()?;
        self.block_on(future)?.map_err(|e| fail(cluster.name(), e))
    }

    /// Applies objects with fedrun's labels, counting what changed for the step summary.
    pub fn apply_objects(
        &self,
        cluster: &Cluster,
        docs: Vec<Value>,
        namespace: Option<String>,
    ) -> Result<Vec<Value>> {
        Ok(self
            .apply_documents(cluster, docs, namespace)?
            .into_iter()
            .map(|a| a.object)
            .collect())
    }

    /// [`Env::apply_objects`], with what happened to each object.
    pub fn apply_documents(
        &self,
        cluster: &Cluster,
        docs: Vec<Value>,
        namespace: Option<String>,
    ) -> Result<Vec<Applied>> {
        self.apply_located(cluster, docs, namespace, false, None)
    }

    /// [`Env::apply_documents`] of the objects of `manifest`, whose refusals point at its lines.
    pub(super) fn apply_located(
        &self,
        cluster: &Cluster,
        docs: Vec<Value>,
        namespace: Option<String>,
        force: bool,
        manifest: Option<&Manifest>,
    ) -> Result<Vec<Applied>> {
        let opts = ApplyOptions {
            namespace,
            force,
            ..ApplyOptions::for_playbook(&self.ctx.playbook)
        };
        self.ctx.check_interrupt()?;
        let applied =
            self.block_on(cluster.client.apply(docs, &opts))?
                .map_err(|e| match manifest {
                    Some(manifest) => located(cluster.name(), e, manifest),
                    None => fail(cluster.name(), e),
                })?;
        for a in &applied {
            self.ctx.note_write(a.outcome != Outcome::Unchanged);
            self.ctx.reporter.debug(&format!(
                "{}: {} {}/{} {}",
                cluster.name(),
                a.outcome,
                a.object["kind"].as_str().unwrap_or("?"),
                a.object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
                a.object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .map(|n| format!("in {n}"))
                    .unwrap_or_default()
            ));
        }
        Ok(applied)
    }

    /// Reads a manifest source: a path relative to the playbook, an http(s) URL, or YAML text.
    /// Returns the text and a name for error messages.
    pub fn read_source(&self, source: &str) -> Result<(String, String)> {
        let trimmed = source.trim_start();
        let inline = source.contains('\n')
            || trimmed.starts_with("apiVersion")
            || trimmed.starts_with('{')
            || trimmed.starts_with("---");
        if inline {
            return Ok((source.to_string(), "inline YAML".to_string()));
        }
        let lower = source.get(..8).unwrap_or(source).to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            let policy = crate::fetch::Policy {
                allow_http: self.ctx.allow_http,
            };
            let text = self
                .block_on(crate::fetch::get_text(source, policy))?
                .map_err(|e| {
                    let hint = e.hint();
                    let err = PrimitiveError::new(e.to_string());
                    match hint {
                        Some(hint) => err.with_hint(hint),
                        None => err,
                    }
                })?;
            return Ok((text, source.to_string()));
        }
        let path = self.ctx.resolve_path(source)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            PrimitiveError::new(format!("cannot read manifest {}: {e}", path.display()))
        })?;
        Ok((text, source.to_string()))
    }

    /// The timeout a script passed, or the run's default.
    pub fn timeout(&self, text: Option<&str>) -> Result<Duration> {
        match text {
            None => Ok(self.ctx.default_timeout),
            Some(t) => crate::duration::parse(t)
                .map_err(|e| PrimitiveError::new(format!("timeout: {e}")).into()),
        }
    }
}

/// A manifest as read: its objects, and the text they came from (to point errors at lines).
pub(super) struct Manifest {
    pub docs: Vec<Value>,
    pub text: String,
    pub origin: String,
}

/// Parses a manifest source into objects, with `${VAR}` placeholders from `vars`.
pub(super) fn documents(env: &Env, source: &str, vars: Option<&Map>) -> Result<Manifest> {
    let (text, origin) = env.read_source(source)?;
    // Placeholders are checked even without `vars`: an undefined `${NAME}` must fail here, with
    // its position, not reach the server as a literal name or value.
    let vars: BTreeMap<String, String> = vars
        .map(|vars| {
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let text = manifest::substitute(&text, &vars, &origin)
        .map_err(|e| PrimitiveError::new(e.to_string()))?;
    let docs = manifest::parse_documents(&text, &origin)
        .map_err(|e| PrimitiveError::new(e.to_string()))?;
    Ok(Manifest { docs, text, origin })
}

/// A refusal of one object of `manifest`, as `origin:line:col: message` at the first field the
/// server names, when the manifest's text shows where that field is written.
fn located(cluster: &str, error: KubeError, manifest: &Manifest) -> Box<EvalAltResult> {
    let position = match &error {
        KubeError::Refused { document, source } => match source.as_ref() {
            KubeError::Api { fields, .. } => fields.iter().find_map(|f| {
                manifest::field_position(&manifest.text, *document, &manifest::parse_field_path(f)?)
            }),
            _ => None,
        },
        _ => None,
    };
    match position {
        Some((line, column)) => {
            let mut e =
                PrimitiveError::new(format!("{}:{line}:{column}: {error}", manifest.origin))
                    .with_cluster(cluster);
            if let Some(hint) = error.hint() {
                e = e.with_hint(hint);
            }
            e.into()
        }
        None => fail(cluster, error),
    }
}

fn string_opt(opts: &Map, key: &str) -> Result<Option<String>> {
    match opts.get(key) {
        None => Ok(None),
        Some(v) if v.is_unit() => Ok(None),
        Some(v) => v.clone().into_string().map(Some).map_err(|t| {
            PrimitiveError::new(format!("option `{key}` must be a string, not {t}")).into()
        }),
    }
}

fn check_options(opts: &Map, known: &[&str], function: &str) -> Result<()> {
    for key in opts.keys() {
        if !known.contains(&key.as_str()) {
            return Err(PrimitiveError::new(format!(
                "{function}: unknown option `{key}` (known: {})",
                known.join(", ")
            ))
            .into());
        }
    }
    Ok(())
}

/// `kind/name` as kubectl writes targets.
fn split_target(target: &str) -> Result<(&str, &str)> {
    match target.split_once('/') {
        Some((kind, name)) if !kind.is_empty() && !name.is_empty() => Ok((kind, name)),
        _ => Err(PrimitiveError::new(format!(
            "wait target {target:?} must be KIND/NAME, e.g. \"smmr/default\""
        ))
        .into()),
    }
}

/// The sandbox's data limits, as the script engine applies them to what `apply` returns.
#[derive(Debug, Clone, Copy)]
struct DataLimits {
    array: usize,
    map: usize,
    string: usize,
}

impl DataLimits {
    fn of(call: &NativeCallContext) -> DataLimits {
        let engine = call.engine();
        DataLimits {
            array: engine.max_array_size(),
            map: engine.max_map_size(),
            string: engine.max_string_size(),
        }
    }
}

/// Entries of one object's summary in what `apply` returns.
const SUMMARY_ENTRIES: usize = 5;
/// Longest namespace name (a DNS label), for a namespace the server fills in.
const MAX_NAMESPACE: usize = 63;
/// Longest outcome word.
const MAX_OUTCOME: usize = "unchanged".len();

/// Refuses, before anything is written, a manifest whose summary `apply` could not hand back
/// to the script within the sandbox's limits (a run must never fail after its writes).
fn check_summary_fits(docs: &[Value], limits: DataLimits) -> Result<()> {
    let n = docs.len();
    let text: usize = docs
        .iter()
        .map(|d| {
            let len = |p: &str| d.pointer(p).and_then(Value::as_str).map_or(0, str::len);
            len("/apiVersion") + len("/kind") + len("/metadata/name") + MAX_NAMESPACE + MAX_OUTCOME
        })
        .sum();
    let over = |count: usize, max: usize| max > 0 && count > max;
    let problem = if over(n, limits.array) {
        Some(format!(
            "{n} objects, more than the {} items an array may hold",
            limits.array
        ))
    } else if over(n * SUMMARY_ENTRIES, limits.map) {
        Some(format!(
            "{n} objects, whose summaries ({SUMMARY_ENTRIES} entries each) would pass the {} \
             entries maps may hold",
            limits.map
        ))
    } else if over(text, limits.string) {
        Some(format!(
            "{n} objects, whose summaries would pass the {} bytes of text values may hold",
            limits.string
        ))
    } else {
        None
    };
    match problem {
        Some(problem) => Err(PrimitiveError::new(format!(
            "apply: the manifest has {problem}; nothing was applied"
        ))
        .with_hint("split the manifest into several files and apply each")
        .into()),
        None => Ok(()),
    }
}

/// What `apply` returns for one object: what it is and what happened, not the whole object
/// (which can be large: a playbook reads it with `get` when it needs it).
fn summary(applied: &Applied) -> Dynamic {
    let text = |p: &str| {
        applied
            .object
            .pointer(p)
            .and_then(Value::as_str)
            .map_or(Dynamic::UNIT, |s| Dynamic::from(s.to_string()))
    };
    let mut map = Map::new();
    map.insert("apiVersion".into(), text("/apiVersion"));
    map.insert("kind".into(), text("/kind"));
    map.insert("name".into(), text("/metadata/name"));
    map.insert("namespace".into(), text("/metadata/namespace"));
    map.insert("outcome".into(), Dynamic::from(applied.outcome.to_string()));
    Dynamic::from_map(map)
}

fn apply(
    env: &Env,
    cluster: &Cluster,
    source: &str,
    opts: &Map,
    limits: DataLimits,
) -> Result<Array> {
    check_options(opts, &["namespace", "vars", "force"], "apply")?;
    let namespace = string_opt(opts, "namespace")?;
    let force = match opts.get("force") {
        None => false,
        Some(v) => v.as_bool().map_err(|t| {
            PrimitiveError::new(format!("option `force` must be true or false, not {t}"))
        })?,
    };
    let vars = match opts.get("vars") {
        None => None,
        Some(v) => Some(
            v.clone()
                .try_cast::<Map>()
                .ok_or_else(|| PrimitiveError::new("option `vars` must be a map"))?,
        ),
    };
    let mut manifest = documents(env, source, vars.as_ref())?;
    check_summary_fits(&manifest.docs, limits)?;
    let docs = std::mem::take(&mut manifest.docs);
    let applied = env.apply_located(cluster, docs, namespace, force, Some(&manifest))?;
    Ok(applied.iter().map(summary).collect())
}

impl Env {
    /// Makes sure a project (namespace) exists: a ProjectRequest on OpenShift, else a Namespace.
    pub fn project(&self, cluster: &Cluster, name: &str) -> Result<Map> {
        self.project_with(cluster, name, true)
    }

    /// As [`Env::project`]; without `read_back`, a project just requested is not read back (the
    /// returned map is empty then), which saves a request when the caller only needs it to exist.
    pub fn project_with(&self, cluster: &Cluster, name: &str, read_back: bool) -> Result<Map> {
        let opts = ApplyOptions::for_playbook(&self.ctx.playbook);
        let (created, namespace) =
            self.call(cluster, ensure_project(&cluster.client, name, &opts))?;
        self.ctx.note_write(created);
        match namespace {
            Some(namespace) => Ok(to_dynamic(&namespace).cast()),
            None if !read_back => Ok(Map::new()),
            None => {
                let namespace = self.call(cluster, cluster.client.get("namespace", None, name))?;
                Ok(to_dynamic(&namespace).cast())
            }
        }
    }
}

/// Makes sure a project (namespace) exists: a ProjectRequest on OpenShift (what `oc new-project`
/// sends), else a Namespace. Returns whether it was created, and the namespace when that came
/// for free (a ProjectRequest answers with the project, not the namespace).
pub(super) async fn ensure_project(
    client: &ClusterClient,
    name: &str,
    opts: &ApplyOptions,
) -> std::result::Result<(bool, Option<Value>), KubeError> {
    crate::names::dns1123_label(name).map_err(|e| KubeError::Invalid {
        message: format!("project name {name:?}: {e}"),
    })?;
    if client.serves_group("project.openshift.io").await? {
        // Requested without reading first: "already exists" answers the question in one request.
        let request = json!({"apiVersion": "project.openshift.io/v1", "kind": "ProjectRequest", "metadata": {"name": name}});
        return match client.create("projectrequest", None, request).await {
            Ok(_) => {
                client.note_created_namespace(name);
                Ok((true, None))
            }
            Err(KubeError::Api { code: 409, .. }) => Ok((false, None)),
            // Forbidden to request projects is fine for one that exists.
            Err(e @ KubeError::Api { code: 403, .. }) => {
                match client.try_get("namespace", None, name).await? {
                    Some(namespace) => Ok((false, Some(namespace))),
                    None => Err(e),
                }
            }
            Err(e) => Err(e),
        };
    }
    if let Some(existing) = client.try_get("namespace", None, name).await? {
        return Ok((false, Some(existing)));
    }
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
    let applied = client.apply(vec![namespace], opts).await?;
    Ok((true, applied.into_iter().next().map(|a| a.object)))
}

fn list(env: &Env, cluster: &Cluster, kind: &str, namespace: &str, opts: &Map) -> Result<Array> {
    check_options(opts, &["labels", "fields"], "list")?;
    let labels = match opts.get("labels") {
        None => None,
        Some(v) if v.is_map() => {
            let map = v.clone().cast::<Map>();
            Some(
                map.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        }
        Some(_) => string_opt(opts, "labels")?,
    };
    let fields = string_opt(opts, "fields")?;
    let items = env.call(
        cluster,
        cluster
            .client
            .list(kind, ns(namespace), labels.as_deref(), fields.as_deref()),
    )?;
    Ok(items.iter().map(to_dynamic).collect())
}

fn wait(
    env: &Env,
    cluster: &Cluster,
    target: &str,
    namespace: &str,
    condition: &str,
    timeout: Option<&str>,
) -> Result<Dynamic> {
    let (kind, name) = split_target(target)?;
    let condition = WaitCondition::parse(condition).map_err(|e| fail(cluster.name(), e))?;
    let timeout = env.timeout(timeout)?;
    let object = env.call(
        cluster,
        cluster.client.wait(
            kind,
            ns(namespace),
            name,
            &condition,
            timeout,
            &env.ctx.interrupt,
        ),
    )?;
    Ok(if object.is_null() {
        Dynamic::UNIT
    } else {
        to_dynamic(&object)
    })
}

/// Registers `cluster(name)`, the `Cluster` type and its methods.
pub fn register(engine: &mut Engine) {
    engine.build_type::<Cluster>();
    engine.register_global_module(exported_module!(api).into());
}

impl CustomType for Cluster {
    fn build(mut builder: TypeBuilder<Self>) {
        builder
            .with_name("Cluster")
            .on_print(|c| format!("cluster({})", c.name()))
            .with_get("name", |c: &mut Self| c.name().to_string())
            .and_comments(&["/// The cluster's name in the playbook."])
            .with_get("context", |c: &mut Self| c.client.context().to_string())
            .and_comments(&["/// The kubeconfig context the cluster uses."])
            .with_get("server", |c: &mut Self| c.client.server().to_string())
            .and_comments(&["/// The API server URL (never credentials)."]);
    }
}

/// `cluster(name)` and the methods of a `Cluster`.
#[export_module]
mod api {
    use super::*;

    /// The cluster a playbook calls `name`: the kubeconfig context of that name, or the one
    /// mapped to it with `--context NAME=CONTEXT`, or the simulated cluster with `--sim`.
    /// Fails, listing the known contexts, when there is none.
    ///
    /// ```rhai
    /// let rosa = cluster("rosa");
    /// print(rosa.server);
    /// ```
    #[rhai_fn(return_raw)]
    pub fn cluster(call: NativeCallContext, name: &str) -> Result<Cluster> {
        Env::with(&call, |env| env.cluster(name))
    }

    /// Makes sure a project (namespace) exists: a ProjectRequest on OpenShift (`oc new-project`),
    /// a Namespace elsewhere. Idempotent: an existing one is left as it is. Returns the Namespace.
    #[rhai_fn(pure, return_raw)]
    pub fn project(call: NativeCallContext, cluster: &mut Cluster, name: &str) -> Result<Map> {
        Env::with(&call, |env| env.project(cluster, name))
    }

    /// Applies a manifest with server-side apply (field manager `fedrun`): `source` is a path
    /// relative to the playbook, an https URL (plain http only with `--allow-http`), or YAML
    /// text; multi-document. Every object gets the labels `app.kubernetes.io/managed-by=fedrun`
    /// and `fedrun.io/playbook=<playbook>`. Returns one summary per object,
    /// `#{ apiVersion, kind, name, namespace, outcome }` (outcome `created`, `changed` or
    /// `unchanged`); read an object whole with `get`. Applying the same manifest again changes
    /// nothing.
    #[rhai_fn(pure, return_raw)]
    pub fn apply(call: NativeCallContext, cluster: &mut Cluster, source: &str) -> Result<Array> {
        apply_with(call, cluster, source, Map::new())
    }

    /// Applies a manifest with options: `namespace` for objects that name none, and `vars`, a
    /// map whose values replace `${NAME}` placeholders (an undefined one fails with its position,
    /// with or without `vars`; `$${` writes a literal `${`). Each value becomes one YAML value:
    /// it cannot add keys or documents; a whole placeholder that is a plain number or
    /// `true`/`false` stays typed, anything else is a string. A field another manager owns
    /// (someone's `kubectl edit`, a controller) fails the apply, naming the manager and the
    /// field; `force: true` takes such fields over.
    ///
    /// ```rhai
    /// rosa.apply("manifests/smp.yaml", #{ namespace: "rosa-prod-mesh", vars: #{ ADDRESS: addr } });
    /// ```
    #[rhai_fn(name = "apply", pure, return_raw)]
    pub fn apply_with(
        call: NativeCallContext,
        cluster: &mut Cluster,
        source: &str,
        opts: Map,
    ) -> Result<Array> {
        let limits = DataLimits::of(&call);
        Env::with(&call, |env| {
            super::apply(env, cluster, source, &opts, limits)
        })
    }

    /// Reads one object. `kind` is a kind, plural, short name or kind.group (`cm`, `smcp`,
    /// `servicemeshpeers.federation.maistra.io`); `namespace` is "" for cluster-scoped kinds.
    /// Fails when the object does not exist (see `try_get`).
    #[rhai_fn(pure, return_raw)]
    pub fn get(
        call: NativeCallContext,
        cluster: &mut Cluster,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<shown_as::Map> {
        Env::with(&call, |env| {
            let object = env.call(cluster, cluster.client.get(kind, ns(namespace), name))?;
            Ok(to_dynamic(&object))
        })
    }

    /// Reads one object, or returns `()` when it does not exist.
    #[rhai_fn(pure, return_raw)]
    pub fn try_get(
        call: NativeCallContext,
        cluster: &mut Cluster,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<shown_as::Map> {
        Env::with(&call, |env| {
            let object = env.call(cluster, cluster.client.try_get(kind, ns(namespace), name))?;
            Ok(object.map_or(Dynamic::UNIT, |o| to_dynamic(&o)))
        })
    }

    /// Whether the object exists.
    #[rhai_fn(pure, return_raw)]
    pub fn exists(
        call: NativeCallContext,
        cluster: &mut Cluster,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<bool> {
        Env::with(&call, |env| {
            env.call(cluster, cluster.client.exists(kind, ns(namespace), name))
        })
    }

    /// The objects of a kind in a namespace ("" = all namespaces, or cluster-scoped).
    #[rhai_fn(pure, return_raw)]
    pub fn list(
        call: NativeCallContext,
        cluster: &mut Cluster,
        kind: &str,
        namespace: &str,
    ) -> Result<Array> {
        list_with(call, cluster, kind, namespace, Map::new())
    }

    /// The objects of a kind, filtered: `labels` as a selector string ("app=x,tier!=db") or a
    /// map of required labels, `fields` as a field selector ("metadata.name=x").
    #[rhai_fn(name = "list", pure, return_raw)]
    pub fn list_with(
        call: NativeCallContext,
        cluster: &mut Cluster,
        kind: &str,
        namespace: &str,
        opts: Map,
    ) -> Result<Array> {
        Env::with(&call, |env| {
            super::list(env, cluster, kind, namespace, &opts)
        })
    }

    /// Deletes an object; an absent one is not an error. Returns whether it existed.
    #[rhai_fn(pure, return_raw)]
    pub fn delete(
        call: NativeCallContext,
        cluster: &mut Cluster,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<bool> {
        Env::with(&call, |env| {
            let existed = env.call(cluster, cluster.client.delete(kind, ns(namespace), name))?;
            env.ctx.note_write(existed);
            Ok(existed)
        })
    }

    /// Waits, with a watch, until `target` (KIND/NAME, e.g. "smmr/default") meets `condition`,
    /// as `kubectl wait --for` takes it: "condition=Ready", "condition=Ready=False", "delete",
    /// "jsonpath={.status.phase}=Running". An object that does not exist yet is waited for.
    /// Uses the run's default timeout (`--timeout`). Returns the object (`()` after a delete).
    #[rhai_fn(pure, return_raw)]
    pub fn wait(
        call: NativeCallContext,
        cluster: &mut Cluster,
        target: &str,
        namespace: &str,
        condition: &str,
    ) -> Result<shown_as::Map> {
        Env::with(&call, |env| {
            super::wait(env, cluster, target, namespace, condition, None)
        })
    }

    /// Waits with an explicit timeout ("300s", "5m"); on timeout the error shows what was last seen.
    #[rhai_fn(name = "wait", pure, return_raw)]
    pub fn wait_with_timeout(
        call: NativeCallContext,
        cluster: &mut Cluster,
        target: &str,
        namespace: &str,
        condition: &str,
        timeout: &str,
    ) -> Result<shown_as::Map> {
        Env::with(&call, |env| {
            super::wait(env, cluster, target, namespace, condition, Some(timeout))
        })
    }
}
