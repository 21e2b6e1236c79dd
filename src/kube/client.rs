//! [`ClusterClient`]: one cluster's operations on dynamic objects (`serde_json::Value`).
//!
//! Objects are `Value`s because playbooks handle arbitrary kinds (CRDs of operators fedrun has no
//! types for) and hand them to Rhai as maps. Every request goes through
//! [`with_retries`](super::retry::with_retries) and every kind through the discovery cache.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ::kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use ::kube::core::{GroupVersionKind, TypeMeta};
use ::kube::{Client, Resource, ResourceExt};
use futures::future::try_join_all;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value};

use super::discovery::{DiscoveryCache, KindInfo, Reach};
use super::errors::KubeError;
use super::retry::{RetryPolicy, interruptible, with_retries};

/// Most apply requests one [`ClusterClient::apply`] has in flight at once.
const APPLY_AT_ONCE: usize = 16;

/// The label naming the playbook that created an object, so a teardown can find it.
pub const PLAYBOOK_LABEL: &str = "fedrun.io/playbook";

/// Objects per page when fedrun lists: kubectl's default `--chunk-size`.
const PAGE: u32 = 500;

/// The field manager fedrun's writes are recorded under.
pub const FIELD_MANAGER: &str = "fedrun";

/// How long an apply waits for an object being deleted to go (namespaces with content and
/// finalizers take minutes on real clusters) before it reports the object stuck.
pub const TERMINATION_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

/// How [`ClusterClient::apply`] writes.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// Namespace for documents of namespaced kinds that do not name one.
    pub namespace: Option<String>,
    /// Server-side apply field manager; `fedrun` by default.
    pub field_manager: String,
    /// Labels added to every object (they win over the document's own labels with the same key),
    /// e.g. `app.kubernetes.io/managed-by=fedrun` and `fedrun.io/playbook=<name>`, so that a
    /// teardown can find what a playbook created.
    pub labels: BTreeMap<String, String>,
    /// Take over fields other managers own instead of failing on them (server-side apply's
    /// `force`): off by default, as with kubectl, so that fedrun never silently overrides what
    /// an operator or controller set.
    pub force: bool,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            namespace: None,
            field_manager: FIELD_MANAGER.to_string(),
            labels: BTreeMap::new(),
            force: false,
        }
    }
}

impl ApplyOptions {
    /// Options carrying fedrun's ownership labels for `playbook`.
    pub fn for_playbook(playbook: &str) -> Self {
        let mut labels = BTreeMap::new();
        labels.insert(
            "app.kubernetes.io/managed-by".to_string(),
            "fedrun".to_string(),
        );
        labels.insert(PLAYBOOK_LABEL.to_string(), playbook.to_string());
        ApplyOptions {
            labels,
            ..ApplyOptions::default()
        }
    }
}

/// What an apply did to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The object did not exist.
    Created,
    /// The object existed and the apply changed it.
    Changed,
    /// The object already was as applied (same `resourceVersion` before and after).
    Unchanged,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Created => "created",
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
        })
    }
}

/// One applied document: the object as the server returned it, and what happened.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The object after the apply.
    pub object: Value,
    /// Created, changed or unchanged.
    pub outcome: Outcome,
}

/// A handle on one cluster. Cheap to clone: clones share the kube-rs client (one connection pool
/// per context), the discovery cache and the interrupt flag.
#[derive(Clone)]
pub struct ClusterClient {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    context: String,
    server: String,
    client: Client,
    discovery: DiscoveryCache,
    policy: RetryPolicy,
    interrupt: Arc<AtomicBool>,
    /// What this client knows without asking: the namespaces it created during this run, and
    /// which objects it has applied in them since. An object in such a namespace that this run
    /// has not applied yet does not exist, so its apply needs no read first.
    known: std::sync::Mutex<Known>,
    /// `fedrun plan`: every write goes as a server-side dry run and is recorded here.
    plan: Option<Arc<crate::plan::Recorder>>,
}

#[derive(Default)]
struct Known {
    fresh_namespaces: std::collections::HashSet<String>,
    /// (apiVersion, kind, namespace, name) applied in a fresh namespace.
    applied: std::collections::HashSet<(String, String, String, String)>,
    /// In plan mode: namespaces the plan would create (they do not exist, so nothing can be
    /// dry-run in them), and the dry-run answers by (Kind, namespace, name), which reads see.
    planned_namespaces: std::collections::HashSet<String>,
    planned: std::collections::HashMap<(String, String, String), Value>,
}

/// An object's identity in the `Known` sets.
type ObjectKey = (String, String, String, String);

impl fmt::Debug for ClusterClient {
    /// Names only: the client holds credentials, which must never be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterClient")
            .field("name", &self.inner.name)
            .field("context", &self.inner.context)
            .field("server", &self.inner.server)
            .finish_non_exhaustive()
    }
}

impl ClusterClient {
    /// Wraps a kube-rs client. `name` is the playbook's name for the cluster, `context` the
    /// kubeconfig context it maps to, `server` the API URL (without credentials).
    pub fn new(
        name: impl Into<String>,
        context: impl Into<String>,
        server: impl Into<String>,
        client: Client,
        policy: RetryPolicy,
        interrupt: Arc<AtomicBool>,
    ) -> Self {
        ClusterClient {
            inner: Arc::new(Inner {
                name: name.into(),
                context: context.into(),
                server: server.into(),
                client,
                discovery: DiscoveryCache::default(),
                policy,
                interrupt,
                known: std::sync::Mutex::new(Known::default()),
                plan: None,
            }),
        }
    }

    /// Plan mode (`fedrun plan`): every write of this client is sent as a server-side dry run
    /// (`dryRun=All`) and recorded in `recorder`. Set before the client is shared.
    pub fn planning(mut self, recorder: Option<Arc<crate::plan::Recorder>>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.plan = recorder;
        }
        self
    }

    /// The plan being recorded, in plan mode.
    pub fn plan(&self) -> Option<&crate::plan::Recorder> {
        self.inner.plan.as_deref()
    }

    /// Records a plan entry about this cluster (no-op outside plan mode).
    pub fn record(
        &self,
        action: crate::plan::Action,
        kind: &str,
        ns: &str,
        name: &str,
        changes: Vec<crate::plan::FieldChange>,
        note: Option<String>,
    ) {
        if let Some(plan) = self.plan() {
            let mut entry = crate::plan::Entry::object(&self.inner.name, action, kind, ns, name);
            entry.changes = changes;
            entry.note = note;
            plan.record(entry);
        }
    }

    /// Records what a plan does not run: a wait, or a value only known once applied.
    pub fn record_note(&self, action: crate::plan::Action, note: String) {
        if let Some(plan) = self.plan() {
            plan.record(crate::plan::Entry::note(&self.inner.name, action, note));
        }
    }

    /// Whether namespace `ns` exists only in the plan.
    fn planned_namespace(&self, ns: Option<&str>) -> bool {
        ns.is_some_and(|ns| self.known().planned_namespaces.contains(ns))
    }

    /// The dry-run answer for an object the plan would create, for reads that follow.
    fn planned_object(&self, kind: &str, ns: Option<&str>, name: &str) -> Option<Value> {
        self.known()
            .planned
            .get(&(
                kind.to_string(),
                ns.unwrap_or("").to_string(),
                name.to_string(),
            ))
            .cloned()
    }

    /// The objects of `kind` (as typed: kind or plural, any case) in `ns` that only the plan
    /// creates, by name.
    fn planned_of(&self, kind: &str, ns: Option<&str>) -> Vec<Value> {
        // Short names of the operators' kinds, as their CRDs declare them (maistra/istio-operator
        // `manifests-maistra`); discovery cannot tell them before the CRDs exist.
        const SHORT: &[(&str, &str)] = &[
            ("smcp", "servicemeshcontrolplane"),
            ("smmr", "servicemeshmemberroll"),
            ("smm", "servicemeshmember"),
            ("vs", "virtualservice"),
            ("dr", "destinationrule"),
            ("se", "serviceentry"),
        ];
        let typed = kind.to_ascii_lowercase();
        let typed = SHORT
            .iter()
            .find(|(short, _)| *short == typed)
            .map(|(_, kind)| kind.to_string())
            .unwrap_or(typed);
        let mut found: Vec<(String, Value)> = self
            .known()
            .planned
            .iter()
            .filter(|((k, n, _), _)| {
                let k = k.to_ascii_lowercase();
                (k == typed || format!("{k}s") == typed) && ns.is_none_or(|ns| n == ns)
            })
            .map(|((_, _, name), v)| (name.clone(), v.clone()))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.into_iter().map(|(_, v)| v).collect()
    }

    fn note_planned(&self, kind: &str, ns: &str, name: &str, object: &Value) {
        let mut known = self.known();
        // OpenShift's ProjectRequest creates the namespace of its name.
        if kind == "Namespace" || kind == "ProjectRequest" {
            known.planned_namespaces.insert(name.to_string());
        }
        known.planned.insert(
            (kind.to_string(), ns.to_string(), name.to_string()),
            object.clone(),
        );
    }

    /// In plan mode, the documents that cannot be sent even as a dry run are planned here: those
    /// of a kind not served yet (the run installs its operator first) and those in a namespace
    /// only the plan creates. Returns the others, and the planned ones' results.
    async fn plan_offline(
        &self,
        batch: Vec<(usize, Value)>,
        opts: &ApplyOptions,
    ) -> Result<(Vec<(usize, Value)>, Vec<(usize, Applied)>), KubeError> {
        use crate::plan::Action;
        if self.plan().is_none() {
            return Ok((batch, Vec::new()));
        }
        let label = self.label();
        let reach = self.reach(&label);
        let mut sent = Vec::new();
        let mut planned = Vec::new();
        for (index, mut doc) in batch {
            let (api_version, kind, name) = validate(index, &doc)?;
            let ns = doc_namespace(&doc, opts);
            let action = match self
                .inner
                .discovery
                .resolve_gvk(&reach, &api_version, &kind)
                .await
            {
                Err(KubeError::UnknownKind { .. }) => Action::AfterOperator,
                Err(e) => return Err(e),
                Ok(info) if info.namespaced && self.planned_namespace(Some(&ns)) => {
                    prepare(index, &mut doc, &info, &name, opts)?;
                    Action::Create
                }
                Ok(_) => {
                    sent.push((index, doc));
                    continue;
                }
            };
            // Not sent: fedrun's own type for the kind is the only check there is.
            let note = match crate::plan::check_typed(&doc) {
                Ok(Some(())) => Some(format!("spec valid as {api_version} {kind}")),
                Ok(None) => None,
                Err(e) => {
                    return Err(KubeError::Refused {
                        document: index,
                        source: Box::new(KubeError::Invalid {
                            message: format!("{kind} {name}: {e}"),
                        }),
                    });
                }
            };
            if action == Action::AfterOperator
                && !ns.is_empty()
                && let Some(m) = doc.get_mut("metadata").and_then(Value::as_object_mut)
            {
                m.insert("namespace".into(), Value::String(ns.clone()));
            }
            let note = match (action, note) {
                (Action::Create, _) => {
                    Some("in a namespace the plan creates: not sent".to_string())
                }
                (_, note) => note,
            };
            self.record(action, &kind, &ns, &name, Vec::new(), note);
            self.note_planned(&kind, &ns, &name, &doc);
            planned.push((
                index,
                Applied {
                    object: doc,
                    outcome: Outcome::Created,
                },
            ));
        }
        Ok((sent, planned))
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.inner
            .known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that this run created namespace `ns` (so it held nothing of this run's before).
    pub fn note_created_namespace(&self, ns: &str) {
        self.known().fresh_namespaces.insert(ns.to_string());
    }

    /// Whether this run created namespace `ns`.
    fn in_fresh_namespace(&self, ns: &str) -> bool {
        self.known().fresh_namespaces.contains(ns)
    }

    /// Whether the object surely does not exist: its namespace was created by this run and this
    /// run has not applied it yet. Marks it as applied.
    fn surely_absent(&self, key: &ObjectKey) -> bool {
        let mut known = self.known();
        if !known.fresh_namespaces.contains(&key.2) {
            return false;
        }
        known.applied.insert(key.clone())
    }

    /// Whether the server serves an API group, from the discovery cache (fetched once; no
    /// request when it is already known).
    pub async fn serves_group(&self, group: &str) -> Result<bool, KubeError> {
        let label = self.label();
        self.inner
            .discovery
            .serves_group(&self.reach(&label), group)
            .await
    }

    /// Every kind the cluster serves, from the discovery cache every other call uses (no
    /// request once it is fetched): what completion offers.
    pub async fn kinds(&self) -> Result<Vec<KindInfo>, KubeError> {
        let label = self.label();
        self.inner.discovery.kinds(&self.reach(&label)).await
    }

    /// The playbook's name for the cluster.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The kubeconfig context used.
    pub fn context(&self) -> &str {
        &self.inner.context
    }

    /// The API server URL (never credentials).
    pub fn server(&self) -> String {
        self.inner.server.clone()
    }

    /// The underlying kube-rs client, for the rare request this layer has no operation for.
    /// Requests sent through it are not retried.
    pub fn kube_client(&self) -> Client {
        self.inner.client.clone()
    }

    /// How this cluster is named in errors: `rosa`, or `rosa (context my-rosa)` when aliased.
    fn label(&self) -> String {
        if self.inner.name == self.inner.context {
            self.inner.name.clone()
        } else {
            format!("{} (context {})", self.inner.name, self.inner.context)
        }
    }

    fn reach<'a>(&'a self, label: &'a str) -> Reach<'a> {
        Reach {
            client: &self.inner.client,
            cluster: label,
            policy: &self.inner.policy,
            interrupt: &self.inner.interrupt,
        }
    }

    /// Runs `op` under the retry policy and the run-wide interrupt flag.
    async fn retried<T, F, Fut>(&self, label: &str, op: F) -> Result<T, KubeError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ::kube::Error>>,
    {
        with_retries(&self.inner.policy, label, &self.inner.interrupt, op).await
    }

    /// Every object of a list, read in pages of [`PAGE`] as kubectl reads them (`--chunk-size`),
    /// so that no single response grows with the cluster. A continue token that expired while
    /// paging (410) restarts with one full list, as client-go's pager does
    /// (kubernetes/client-go `tools/pager/pager.go`, FullListIfExpired).
    async fn list_paged(
        &self,
        label: &str,
        api: &Api<DynamicObject>,
        params: &ListParams,
    ) -> Result<Vec<DynamicObject>, KubeError> {
        let mut items = Vec::new();
        let mut page = params.clone().limit(PAGE);
        loop {
            match self.retried(label, || api.list(&page)).await {
                Ok(list) => {
                    items.extend(list.items);
                    match list.metadata.continue_.filter(|c| !c.is_empty()) {
                        Some(token) => page = page.continue_token(&token),
                        None => return Ok(items),
                    }
                }
                Err(e) if e.code() == Some(410) && page.continue_token.is_some() => {
                    return Ok(self.retried(label, || api.list(params)).await?.items);
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Resolves a kind as the user typed it (`cm`, `smcp`, `ConfigMap`, `plural.group`).
    pub async fn resolve(&self, kind: &str) -> Result<KindInfo, KubeError> {
        let label = self.label();
        self.inner
            .discovery
            .resolve(&self.reach(&label), kind)
            .await
    }

    /// The API for one kind and namespace; `need_namespace` makes a missing namespace an error for
    /// namespaced kinds (single-object operations), otherwise it means "all namespaces".
    async fn api(
        &self,
        kind: &str,
        ns: Option<&str>,
        need_namespace: bool,
    ) -> Result<(Api<DynamicObject>, KindInfo), KubeError> {
        let info = self.resolve(kind).await?;
        let ns = ns.filter(|n| !n.is_empty());
        let client = self.inner.client.clone();
        let api = match (info.namespaced, ns) {
            (true, Some(ns)) => Api::namespaced_with(client, ns, &info.resource),
            (true, None) if need_namespace => {
                return Err(KubeError::Invalid {
                    message: format!("{} is namespaced: give a namespace", info.resource.kind),
                });
            }
            _ => Api::all_with(client, &info.resource),
        };
        Ok((api, info))
    }

    /// The object, or an `Api` 404 error when absent.
    pub async fn get(&self, kind: &str, ns: Option<&str>, name: &str) -> Result<Value, KubeError> {
        // A plan reads what it would have created as the dry run answered it.
        if self.plan().is_some()
            && let Some(object) = self.try_get(kind, ns, name).await?
        {
            return Ok(object);
        }
        let (api, info) = self.api(kind, ns, true).await?;
        let label = self.label();
        let object = self.retried(&label, || api.get(name)).await?;
        to_value(&label, object, &info)
    }

    /// The object, or `None` when absent.
    pub async fn try_get(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> Result<Option<Value>, KubeError> {
        let (api, info) = match self.api(kind, ns, true).await {
            // In a plan, a kind the run's operator brings has only the objects the plan would
            // create "after the operator installs"; a typed kind is matched as kind or plural.
            Err(KubeError::UnknownKind { .. }) if self.plan().is_some() => {
                return Ok(self
                    .planned_of(kind, ns)
                    .into_iter()
                    .find(|o| o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)));
            }
            other => other?,
        };
        let label = self.label();
        if self.plan().is_some() && info.namespaced && self.planned_namespace(ns) {
            return Ok(self.planned_object(&info.resource.kind, ns, name));
        }
        match self.retried(&label, || api.get_opt(name)).await? {
            Some(object) => Ok(Some(to_value(&label, object, &info)?)),
            None => Ok(self.planned_object(&info.resource.kind, ns, name)),
        }
    }

    /// Whether the object exists.
    pub async fn exists(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> Result<bool, KubeError> {
        Ok(self.try_get(kind, ns, name).await?.is_some())
    }

    /// GETs `path` (with its query) from Service `service`:`port` in `ns` through the API server's
    /// service proxy (`/api/v1/namespaces/<ns>/services/<service>:<port>/proxy/<path>`), with the
    /// user's credentials: how fedrun reads a mesh's Prometheus without a route or port-forward.
    /// Sent once, not retried: a 503 here means the service has no endpoints, which waiting a few
    /// seconds will not change, and callers treat the data as optional.
    pub async fn proxy_get(
        &self,
        ns: &str,
        service: &str,
        port: u16,
        path: &str,
    ) -> Result<String, KubeError> {
        let label = self.label();
        let uri = format!(
            "/api/v1/namespaces/{ns}/services/{service}:{port}/proxy/{}",
            path.trim_start_matches('/')
        );
        let request = http::Request::get(&uri)
            .body(Vec::new())
            .map_err(|e| KubeError::Client {
                cluster: label.clone(),
                message: format!("invalid proxy path {uri}: {e}"),
            })?;
        let answer = interruptible(
            self.inner.client.request_text(request),
            &self.inner.interrupt,
        )
        .await?;
        match answer {
            Ok(text) => Ok(text),
            Err(::kube::Error::Api(status)) => Err(KubeError::Api {
                cluster: label,
                code: status.code,
                reason: status.reason.clone(),
                message: if status.message.is_empty() {
                    format!("HTTP {} from {uri}", status.code)
                } else {
                    status.message.clone()
                },
                fields: Vec::new(),
            }),
            Err(other) => match super::retry::classify(&label, other) {
                super::retry::Failure::Permanent(e) | super::retry::Failure::Conflict(e) => Err(e),
                super::retry::Failure::Transient { message, .. } => Err(KubeError::Client {
                    cluster: label,
                    message,
                }),
            },
        }
    }

    /// Objects of a kind in `ns` (all namespaces when `None`), filtered by label and field
    /// selectors in kubectl syntax (`app=x,tier!=db`, `metadata.name=foo`).
    pub async fn list(
        &self,
        kind: &str,
        ns: Option<&str>,
        labels: Option<&str>,
        fields: Option<&str>,
    ) -> Result<Vec<Value>, KubeError> {
        // A plan lists what it would create among what exists. (Of the selectors, only the
        // field selector `metadata.name=` is applied to planned objects: the one primitives use.)
        let by_name = |objects: Vec<Value>| -> Vec<Value> {
            let wanted = fields.and_then(|f| f.strip_prefix("metadata.name="));
            objects
                .into_iter()
                .filter(|o| {
                    wanted.is_none_or(|w| {
                        o.pointer("/metadata/name").and_then(Value::as_str) == Some(w)
                    })
                })
                .collect()
        };
        let (api, info) = match self.api(kind, ns, false).await {
            Err(KubeError::UnknownKind { .. }) if self.plan().is_some() => {
                return Ok(by_name(self.planned_of(kind, ns)));
            }
            other => other?,
        };
        if self.plan().is_some() && info.namespaced && self.planned_namespace(ns) {
            return Ok(by_name(self.planned_of(&info.resource.kind, ns)));
        }
        let mut params = ListParams::default();
        if let Some(l) = labels.filter(|l| !l.is_empty()) {
            params = params.labels(l);
        }
        if let Some(f) = fields.filter(|f| !f.is_empty()) {
            params = params.fields(f);
        }
        let label = self.label();
        self.list_paged(&label, &api, &params)
            .await?
            .into_iter()
            .map(|o| to_value(&label, o, &info))
            .collect()
    }

    /// Deletes the object (background propagation, as kubectl does); `Ok(false)` when it was absent.
    pub async fn delete(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> Result<bool, KubeError> {
        let (api, info) = match self.api(kind, ns, true).await {
            Err(KubeError::UnknownKind { .. }) if self.plan().is_some() => return Ok(false),
            other => other?,
        };
        let label = self.label();
        let mut params = DeleteParams::background();
        if self.plan().is_some() {
            if self.planned_namespace(ns) {
                return Ok(false);
            }
            params = params.dry_run();
        }
        match self.retried(&label, || api.delete(name, &params)).await {
            Ok(_) => {
                self.record(
                    crate::plan::Action::Delete,
                    &info.resource.kind,
                    ns.unwrap_or(""),
                    name,
                    Vec::new(),
                    None,
                );
                Ok(true)
            }
            Err(e) if e.is_not_found() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// JSON merge patch (RFC 7386) of the object; returns the patched object.
    pub async fn patch_merge(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        patch: Value,
    ) -> Result<Value, KubeError> {
        let (api, info) = self.api(kind, ns, true).await?;
        let params = PatchParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            dry_run: self.plan().is_some(),
            ..PatchParams::default()
        };
        let label = self.label();
        let before = match self.plan() {
            Some(_) => match self.planned_object(&info.resource.kind, ns, name) {
                // Only in the plan: nothing to send the patch to.
                Some(planned) => return Ok(planned),
                None => Some(self.retried(&label, || api.get(name)).await?),
            },
            None => None,
        };
        let patch = Patch::Merge(&patch);
        let object = self
            .retried(&label, || api.patch(name, &params, &patch))
            .await?;
        let object = to_value(&label, object, &info)?;
        if let Some(before) = before {
            let before = to_value(&label, before, &info)?;
            self.record_write(
                &info.resource.kind,
                ns.unwrap_or(""),
                name,
                Some(&before),
                &object,
            );
        }
        Ok(object)
    }

    /// Read-modify-write: reads the object, lets `change` edit it, and replaces it with the read
    /// `resourceVersion`. A 409 Conflict (someone wrote in between) re-reads and retries.
    pub async fn update<F>(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
        change: F,
    ) -> Result<Value, KubeError>
    where
        F: Fn(&mut Value),
    {
        let (api, info) = self.api(kind, ns, true).await?;
        let label = self.label();
        let change = &change;
        let api = &api;
        let params = PostParams {
            dry_run: self.plan().is_some(),
            ..PostParams::default()
        };
        let params = &params;
        let (before, object) = self
            .retried(&label, || async move {
                let current = api.get(name).await?;
                let mut value =
                    serde_json::to_value(&current).map_err(::kube::Error::SerdeError)?;
                change(&mut value);
                let edited: DynamicObject =
                    serde_json::from_value(value).map_err(::kube::Error::SerdeError)?;
                Ok((current, api.replace(name, params, &edited).await?))
            })
            .await?;
        let object = to_value(&label, object, &info)?;
        if self.plan().is_some() {
            let before = to_value(&label, before, &info)?;
            self.record_write(
                &info.resource.kind,
                ns.unwrap_or(""),
                name,
                Some(&before),
                &object,
            );
        }
        Ok(object)
    }

    /// Creates an object (POST), for create-only kinds such as OpenShift's `ProjectRequest`.
    /// An existing object is an `Api` error 409 with reason `AlreadyExists`. (If a create is
    /// retried after a dropped connection whose request the server had already carried out, the
    /// retry also sees `AlreadyExists`; callers that want idempotence treat it as success.)
    pub async fn create(
        &self,
        kind: &str,
        ns: Option<&str>,
        object: Value,
    ) -> Result<Value, KubeError> {
        let (api, info) = self.api(kind, ns, true).await?;
        let mut object = object;
        if let Some(map) = object.as_object_mut() {
            map.entry("apiVersion")
                .or_insert_with(|| Value::String(info.resource.api_version.clone()));
            map.entry("kind")
                .or_insert_with(|| Value::String(info.resource.kind.clone()));
        }
        let object: DynamicObject =
            serde_json::from_value(object).map_err(|e| KubeError::Invalid {
                message: format!("cannot create {}: {e}", info.resource.kind),
            })?;
        let label = self.label();
        let params = PostParams {
            dry_run: self.plan().is_some(),
            ..PostParams::default()
        };
        // A ProjectRequest is not sent even as a dry run: openshift-apiserver creates the
        // project from a template through its own clients (openshift/openshift-apiserver
        // `pkg/project/apiserver/registry/projectrequest/delegated`), so a dry run there is not
        // something fedrun can rely on to write nothing.
        let project_request =
            info.resource.group == "project.openshift.io" && info.resource.kind == "ProjectRequest";
        if self.plan().is_some()
            && (project_request || (info.namespaced && self.planned_namespace(ns)))
        {
            let value = to_value(&label, object, &info)?;
            let name = value
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            // What the server answers for a project that exists (openshift-apiserver's
            // AlreadyExists on the namespace).
            if project_request && self.try_get("namespace", None, name).await?.is_some() {
                return Err(KubeError::Api {
                    cluster: label,
                    code: 409,
                    reason: "AlreadyExists".into(),
                    message: format!("project.project.openshift.io \"{name}\" already exists"),
                    fields: Vec::new(),
                });
            }
            self.record_write(&info.resource.kind, ns.unwrap_or(""), name, None, &value);
            return Ok(value);
        }
        let created = self
            .retried(&label, || api.create(&params, &object))
            .await?;
        let created = to_value(&label, created, &info)?;
        if self.plan().is_some() {
            let name = created
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("");
            self.record_write(&info.resource.kind, ns.unwrap_or(""), name, None, &created);
        }
        Ok(created)
    }

    /// Whether the server serves an API group (e.g. `project.openshift.io`, to tell OpenShift from
    /// plain Kubernetes). Asks the server each time: one cheap request, always current.
    pub async fn has_api_group(&self, group: &str) -> Result<bool, KubeError> {
        let label = self.label();
        let client = &self.inner.client;
        let groups = self.retried(&label, || client.list_api_groups()).await?;
        Ok(groups.groups.iter().any(|g| g.name == group))
    }

    /// Server-side applies documents and reports what each apply did, in the order given.
    ///
    /// Namespaces and CRDs go first, one by one in their order, since other documents may need
    /// them; everything else is sent at once (at most [`APPLY_AT_ONCE`] requests in flight), as
    /// the API server orders nothing else. A document naming an object an earlier one names
    /// waits for it. Validates every document before sending any, so a typo in the last document
    /// does not leave the first ones applied. The outcome compares `resourceVersion` before and
    /// after: a no-op apply does not write, on real clusters as on the simulator.
    pub async fn apply(
        &self,
        docs: Vec<Value>,
        opts: &ApplyOptions,
    ) -> Result<Vec<Applied>, KubeError> {
        let mut identities = Vec::with_capacity(docs.len());
        for (index, doc) in docs.iter().enumerate() {
            let (api_version, kind, name) = validate(index, doc)?;
            identities.push((api_version, kind, doc_namespace(doc, opts), name));
        }
        let first = |kind: &str| kind == "Namespace" || kind == "CustomResourceDefinition";
        let mut waves: Vec<Vec<usize>> = identities
            .iter()
            .enumerate()
            .filter(|(_, id)| first(&id.1))
            .map(|(i, _)| vec![i])
            .collect();
        let mut repeats: BTreeMap<&ObjectKey, usize> = BTreeMap::new();
        let shared = waves.len();
        for (i, id) in identities
            .iter()
            .enumerate()
            .filter(|(_, id)| !first(&id.1))
        {
            let seen = repeats.entry(id).or_default();
            if waves.len() <= shared + *seen {
                waves.push(Vec::new());
            }
            waves[shared + *seen].push(i);
            *seen += 1;
        }

        let mut docs: Vec<Option<Value>> = docs.into_iter().map(Some).collect();
        let mut applied: Vec<Option<Applied>> = (0..docs.len()).map(|_| None).collect();
        for wave in waves {
            let batch = wave
                .iter()
                .map(|&i| (i, docs[i].take().unwrap_or_default()))
                .collect();
            let (batch, planned) = self.plan_offline(batch, opts).await?;
            for (i, result) in planned {
                applied[i] = Some(result);
            }
            if batch.is_empty() {
                continue;
            }
            for (i, result) in self.apply_wave(batch, opts).await? {
                applied[i] = Some(result);
            }
        }
        Ok(applied.into_iter().flatten().collect())
    }

    /// Applies documents that do not depend on each other, concurrently.
    async fn apply_wave(
        &self,
        batch: Vec<(usize, Value)>,
        opts: &ApplyOptions,
    ) -> Result<Vec<(usize, Applied)>, KubeError> {
        let label = self.label();
        let reach = self.reach(&label);
        // Objects of one kind in one namespace are read with one LIST rather than one GET each.
        let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for (index, doc) in &batch {
            let (api_version, kind, _) = validate(*index, doc)?;
            let ns = doc_namespace(doc, opts);
            if !ns.is_empty() && !self.in_fresh_namespace(&ns) {
                *counts.entry((api_version, kind, ns)).or_default() += 1;
            }
        }
        let shared: Vec<(String, String, String)> = counts
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(group, _)| group)
            .collect();
        // On first contact the kinds are not known yet: those reads go out with discovery, at
        // kube-rs's guess of the resource path (`ApiResource::from_gvk`), and are kept when
        // discovery agrees with the guess. One round trip less for every run's first apply.
        let first_contact = !self.inner.discovery.is_loaded().await;
        let guesses = async {
            if !first_contact {
                return BTreeMap::new();
            }
            let label = &label;
            let reads = shared.iter().map(|group| async move {
                let (g, v) = group.0.rsplit_once('/').unwrap_or(("", group.0.as_str()));
                let resource = ApiResource::from_gvk(&GroupVersionKind::gvk(g, v, &group.1));
                let api: Api<DynamicObject> =
                    Api::namespaced_with(self.inner.client.clone(), &group.2, &resource);
                let listed = self
                    .list_paged(label, &api, &ListParams::default())
                    .await
                    .ok()?;
                Some((group.clone(), (resource.plural, by_name(listed))))
            });
            futures::future::join_all(reads)
                .await
                .into_iter()
                .flatten()
                .collect::<BTreeMap<_, _>>()
        };
        let resolve = async {
            let mut prepared = Vec::with_capacity(batch.len());
            for (index, mut doc) in batch {
                let (api_version, kind, name) = validate(index, &doc)?;
                let info = self
                    .inner
                    .discovery
                    .resolve_gvk(&reach, &api_version, &kind)
                    .await?;
                let ns = prepare(index, &mut doc, &info, &name, opts)?;
                let key = (api_version, kind, ns.clone().unwrap_or_default(), name);
                let absent = self.surely_absent(&key);
                prepared.push((index, doc, info, key, absent));
            }
            Ok::<_, KubeError>(prepared)
        };
        let (prepared, mut guessed) = futures::join!(resolve, guesses);
        let prepared = prepared?;
        let mut resources: BTreeMap<(String, String, String), ApiResource> = BTreeMap::new();
        for (_, _, info, key, absent) in &prepared {
            let group = (key.0.clone(), key.1.clone(), key.2.clone());
            if !absent && info.namespaced && shared.contains(&group) {
                resources.insert(group, info.resource.clone());
            }
        }
        let listed: BTreeMap<(String, String, String), BTreeMap<String, DynamicObject>> =
            try_join_all(resources.into_iter().map(|(group, resource)| {
                let guess = guessed
                    .remove(&group)
                    .filter(|(plural, _)| *plural == resource.plural);
                let label = &label;
                async move {
                    if let Some((_, objects)) = guess {
                        return Ok((group, objects));
                    }
                    let api: Api<DynamicObject> =
                        Api::namespaced_with(self.inner.client.clone(), &group.2, &resource);
                    let listed = self.list_paged(label, &api, &ListParams::default()).await?;
                    Ok::<_, KubeError>((group, by_name(listed)))
                }
            }))
            .await?
            .into_iter()
            .collect();

        let items: Vec<_> = prepared
            .into_iter()
            .map(|(index, doc, info, key, absent)| {
                let group = (key.0.clone(), key.1.clone(), key.2.clone());
                let known = if absent {
                    Some(None)
                } else {
                    listed.get(&group).map(|m| m.get(&key.3).cloned())
                };
                (index, doc, info, key, known)
            })
            .collect();
        futures::stream::iter(items)
            .map(|(index, doc, info, key, known)| {
                self.apply_one(index, doc, info, key, known, opts)
            })
            .buffered(APPLY_AT_ONCE)
            .try_collect()
            .await
    }

    /// Applies one prepared document. `known` is the object as it was before, when already read
    /// (`Some(None)`: it does not exist); otherwise it is read first.
    async fn apply_one(
        &self,
        index: usize,
        mut doc: Value,
        info: KindInfo,
        key: ObjectKey,
        known: Option<Option<DynamicObject>>,
        opts: &ApplyOptions,
    ) -> Result<(usize, Applied), KubeError> {
        let label = self.label();
        let (_, kind, ns, name) = &key;
        let client = self.inner.client.clone();
        let api: Api<DynamicObject> = if info.namespaced {
            Api::namespaced_with(client, ns, &info.resource)
        } else {
            Api::all_with(client, &info.resource)
        };
        let before = match known {
            Some(before) => before,
            None => self.retried(&label, || api.get_opt(name)).await?,
        };
        // An object being deleted (finalizers still pending) is not patched back to life: as a
        // careful operator would, fedrun waits for it to go, then creates it afresh. A namespace
        // the playbook declares is applied in an earlier wave, so its content waits with it.
        let before = match before {
            Some(dying) if dying.metadata.deletion_timestamp.is_some() => {
                let scope = info.namespaced.then_some(ns.as_str());
                self.await_deletion(kind, scope, name).await?;
                None
            }
            other => other,
        };
        // An object another playbook created keeps its creator's label: playbooks that share
        // objects (one production mesh federated by two) must converge, not relabel in turn.
        let creator = before
            .as_ref()
            .and_then(|o| o.labels().get(PLAYBOOK_LABEL).cloned());
        if let Some(creator) = creator
            && let Some(labels) = doc
                .pointer_mut("/metadata/labels")
                .and_then(Value::as_object_mut)
            && labels.contains_key(PLAYBOOK_LABEL)
        {
            labels.insert(PLAYBOOK_LABEL.to_string(), Value::String(creator));
        }
        let before_value = match (&before, self.plan()) {
            (Some(o), Some(_)) => Some(to_value(&label, o.clone(), &info)?),
            _ => None,
        };
        let before_rv = before.and_then(|o| o.meta().resource_version.clone());
        let mut params = PatchParams::apply(&opts.field_manager);
        if opts.force {
            params = params.force();
        }
        if self.plan().is_some() {
            params = params.dry_run();
        }
        let patch = Patch::Apply(&doc);
        let after = self
            .retried(&label, || api.patch(name, &params, &patch))
            .await
            .map_err(|e| match e {
                KubeError::ApplyConflict {
                    cluster, conflicts, ..
                } => KubeError::Refused {
                    document: index,
                    source: Box::new(KubeError::ApplyConflict {
                        cluster,
                        object: match ns.as_str() {
                            "" => format!("{kind} {name}"),
                            ns => format!("{kind} {ns}/{name}"),
                        },
                        conflicts,
                    }),
                },
                e @ KubeError::Api { .. } => KubeError::Refused {
                    document: index,
                    source: Box::new(e),
                },
                e => e,
            })?;
        let mut outcome = match before_rv {
            None => Outcome::Created,
            Some(rv) if after.meta().resource_version.as_deref() == Some(rv.as_str()) => {
                Outcome::Unchanged
            }
            Some(_) => Outcome::Changed,
        };
        if self.plan().is_some() {
            let answer = to_value(&label, after, &info)?;
            outcome = self.record_write(
                &info.resource.kind,
                ns,
                name,
                before_value.as_ref(),
                &answer,
            );
            tracing::debug!(cluster = %label, kind = %kind, name = %name, %outcome, "planned");
            return Ok((
                index,
                Applied {
                    object: answer,
                    outcome,
                },
            ));
        }
        if info.resource.group.is_empty()
            && info.resource.kind == "Namespace"
            && outcome == Outcome::Created
        {
            self.note_created_namespace(name);
        }
        tracing::debug!(cluster = %label, kind = %kind, name = %name, %outcome, "applied");
        Ok((
            index,
            Applied {
                object: to_value(&label, after, &info)?,
                outcome,
            },
        ))
    }

    /// Records a dry-run write: created when there was no object, else changed (with the
    /// field-level diff) or unchanged.
    fn record_write(
        &self,
        kind: &str,
        ns: &str,
        name: &str,
        before: Option<&Value>,
        answer: &Value,
    ) -> Outcome {
        use crate::plan::Action;
        let (outcome, action, changes) = match before {
            None => (Outcome::Created, Action::Create, Vec::new()),
            Some(before) => {
                let changes = crate::plan::diff(kind, before, answer);
                if changes.is_empty() {
                    (Outcome::Unchanged, Action::Unchanged, changes)
                } else {
                    (Outcome::Changed, Action::Change, changes)
                }
            }
        };
        if outcome == Outcome::Created {
            self.note_planned(kind, ns, name, answer);
        }
        self.record(action, kind, ns, name, changes, None);
        outcome
    }

    /// Waits, with a watch (see [`super::wait`]), for a terminating object to be gone, at most
    /// [`TERMINATION_WAIT`].
    async fn await_deletion(
        &self,
        kind: &str,
        ns: Option<&str>,
        name: &str,
    ) -> Result<(), KubeError> {
        tracing::info!(cluster = %self.label(), kind = %kind, name = %name, "waiting for a deletion to finish before applying");
        self.wait(
            kind,
            ns,
            name,
            &super::wait::WaitCondition::Delete,
            TERMINATION_WAIT,
            &self.inner.interrupt,
        )
        .await
        .map(|_| ())
    }

    /// Waits for a condition; see [`super::wait`].
    pub(crate) fn parts(&self) -> (&Client, &RetryPolicy, &Arc<AtomicBool>) {
        (
            &self.inner.client,
            &self.inner.policy,
            &self.inner.interrupt,
        )
    }

    /// The API for one object, used by `wait`.
    pub(crate) async fn object_api(
        &self,
        kind: &str,
        ns: Option<&str>,
    ) -> Result<(Api<DynamicObject>, KindInfo), KubeError> {
        self.api(kind, ns, true).await
    }

    /// The label used in errors, for `wait`.
    pub(crate) fn error_label(&self) -> String {
        self.label()
    }

    /// Whether the run-wide interrupt flag is set.
    pub(crate) fn interrupted(&self) -> bool {
        self.inner.interrupt.load(Ordering::Relaxed)
    }
}

/// Checks the shape of one document: a map with `apiVersion`, `kind` and `metadata.name`.
/// Returns them.
fn validate(index: usize, doc: &Value) -> Result<(String, String, String), KubeError> {
    let invalid = |what: &str| KubeError::Invalid {
        message: format!("document {} {what}", index + 1),
    };
    let map = doc
        .as_object()
        .ok_or_else(|| invalid("is not a map (a Kubernetes object)"))?;
    let text = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let kind = text("kind").ok_or_else(|| invalid("has no kind"))?;
    let api_version =
        text("apiVersion").ok_or_else(|| invalid(&format!("({kind}) has no apiVersion")))?;
    let name = map
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| invalid(&format!("({kind}) has no metadata.name")))?;
    Ok((api_version, kind, name))
}

/// The namespace a document goes to before its kind is known: its own, else the apply's.
fn doc_namespace(doc: &Value, opts: &ApplyOptions) -> String {
    doc.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| opts.namespace.clone())
        .unwrap_or_default()
}

/// Listed objects by name.
fn by_name(objects: Vec<DynamicObject>) -> BTreeMap<String, DynamicObject> {
    objects.into_iter().map(|o| (o.name_any(), o)).collect()
}

/// Fills in the namespace and labels of a document about to be applied; returns its namespace
/// (`None` for cluster-scoped kinds, whose namespace is dropped).
fn prepare(
    index: usize,
    doc: &mut Value,
    info: &KindInfo,
    name: &str,
    opts: &ApplyOptions,
) -> Result<Option<String>, KubeError> {
    let invalid = || KubeError::Invalid {
        message: format!("document {} has a metadata that is not a map", index + 1),
    };
    let metadata = doc
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(invalid)?;
    let ns = if info.namespaced {
        let own = metadata
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let ns = own
            .or_else(|| opts.namespace.clone().filter(|s| !s.is_empty()))
            .ok_or_else(|| KubeError::Invalid {
                message: format!(
                    "document {} ({} {name}) is namespaced: give a namespace",
                    index + 1,
                    info.resource.kind
                ),
            })?;
        metadata.insert("namespace".to_string(), Value::String(ns.clone()));
        Some(ns)
    } else {
        metadata.remove("namespace");
        None
    };
    if !opts.labels.is_empty() {
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| Value::Object(Map::new()));
        if !labels.is_object() {
            *labels = Value::Object(Map::new());
        }
        if let Some(labels) = labels.as_object_mut() {
            for (k, v) in &opts.labels {
                labels.insert(k.clone(), Value::String(v.clone()));
            }
        }
    }
    Ok(ns)
}

/// An object as JSON, with `apiVersion` and `kind` filled in (list items come without them).
pub(crate) fn to_value(
    cluster: &str,
    mut object: DynamicObject,
    info: &KindInfo,
) -> Result<Value, KubeError> {
    if object.types.is_none() {
        object.types = Some(TypeMeta {
            api_version: info.resource.api_version.clone(),
            kind: info.resource.kind.clone(),
        });
    }
    serde_json::to_value(&object).map_err(|e| KubeError::Client {
        cluster: cluster.to_string(),
        message: format!("cannot encode a {}: {e}", info.resource.kind),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_names_the_document_and_what_is_missing() {
        let cases = [
            (json!("text"), "document 1 is not a map"),
            (json!({"apiVersion": "v1"}), "document 1 has no kind"),
            (
                json!({"kind": "ConfigMap"}),
                "document 1 (ConfigMap) has no apiVersion",
            ),
            (
                json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {}}),
                "document 1 (ConfigMap) has no metadata.name",
            ),
        ];
        for (doc, expected) in cases {
            match validate(0, &doc) {
                Err(KubeError::Invalid { message }) => {
                    assert!(message.starts_with(expected), "{message}")
                }
                other => panic!("expected Invalid, got {other:?}"),
            }
        }
    }
}
