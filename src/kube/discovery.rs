//! Resolving the names users type (`cm`, `smcp`, `ConfigMap`, `servicemeshpeers.federation.maistra.io`)
//! to API resources, the way kubectl does, with a per-context cache.
//!
//! kube-rs's `Discovery` drops short and singular names, which are exactly what people type, so
//! this module reads the legacy discovery documents (`/api/v1`, `/apis/<group>/<version>`) itself
//! through the kube-rs client — or, on servers that serve it (Kubernetes ≥ 1.26 and the simulator),
//! the aggregated form: two requests for everything. The result is cached per context and shared
//! by every clone of a [`ClusterClient`](super::ClusterClient): discovery is expensive, and a
//! playbook resolves kinds hundreds of times. A miss refreshes the cache once before failing,
//! because playbooks install operators whose CRDs appear mid-run.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use ::kube::Client;
use ::kube::core::ApiResource;
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use tokio::sync::Mutex;

use super::errors::KubeError;
use super::retry::{RetryPolicy, with_retries};
use crate::suggest::edit_distance;

/// One served resource in one group version.
#[derive(Debug, Clone)]
pub struct KindInfo {
    /// Group, version, kind and plural, as kube-rs wants them.
    pub resource: ApiResource,
    /// Namespaced (true) or cluster-scoped.
    pub namespaced: bool,
    /// Lower-case singular name (`configmap`).
    pub singular: String,
    /// Short names (`cm`).
    pub short_names: Vec<String>,
    /// Whether this is the group's preferred version; names resolve to preferred versions.
    pub preferred: bool,
}

impl KindInfo {
    /// `plural.group`, or just the plural for the core group.
    pub fn qualified(&self) -> String {
        if self.resource.group.is_empty() {
            self.resource.plural.clone()
        } else {
            format!("{}.{}", self.resource.plural, self.resource.group)
        }
    }

    /// How to show it in a suggestion: `smcp (servicemeshcontrolplanes.maistra.io)`.
    fn display(&self) -> String {
        let name = self
            .short_names
            .first()
            .cloned()
            .unwrap_or_else(|| self.resource.kind.to_lowercase());
        format!("{name} ({})", self.qualified())
    }

    /// Whether `name` (lower-case) is one of the names of this resource.
    fn is_named(&self, name: &str) -> bool {
        self.resource.kind.eq_ignore_ascii_case(name)
            || self.resource.plural.eq_ignore_ascii_case(name)
            || self.singular.eq_ignore_ascii_case(name)
            || self
                .short_names
                .iter()
                .any(|s| s.eq_ignore_ascii_case(name))
    }
}

/// Everything one cluster serves, in server order (core group first).
#[derive(Debug, Default)]
struct Catalog {
    kinds: Vec<KindInfo>,
    /// Group versions skipped because the cluster did not answer for them (attempts, elapsed,
    /// last failure). A kind missing from an incomplete catalog may well exist: a miss then
    /// reports the cluster as unreachable rather than the kind as not installed.
    unavailable: Vec<(String, u32, std::time::Duration, String)>,
    /// Whether the catalog came from aggregated discovery: a refresh then asks `/apis` only,
    /// since what appears on a running cluster (CRDs, aggregated APIs) is never in the core group.
    aggregated: bool,
    /// Bumped on every refresh, so concurrent misses refresh only once.
    generation: u64,
}

/// The per-context discovery cache. Cheap to share (`Arc`) between clones of a cluster client.
#[derive(Debug, Default)]
pub(crate) struct DiscoveryCache {
    catalog: Mutex<Option<Arc<Catalog>>>,
}

/// What the caller of the cache needs to reach the server.
pub(crate) struct Reach<'a> {
    pub client: &'a Client,
    pub cluster: &'a str,
    pub policy: &'a RetryPolicy,
    pub interrupt: &'a AtomicBool,
}

impl DiscoveryCache {
    /// Resolves what a user typed to a resource; refreshes once on a miss.
    pub(crate) async fn resolve(
        &self,
        reach: &Reach<'_>,
        typed: &str,
    ) -> Result<KindInfo, KubeError> {
        let catalog = self.current(reach).await?;
        if let Some(found) = lookup(&catalog.kinds, typed) {
            return Ok(found.clone());
        }
        let catalog = self.refresh(reach, catalog.generation).await?;
        lookup(&catalog.kinds, typed).cloned().ok_or_else(|| {
            incomplete(reach.cluster, &catalog)
                .unwrap_or_else(|| unknown(reach.cluster, typed, &catalog.kinds))
        })
    }

    /// Resolves a document's `apiVersion` and `kind` exactly; refreshes once on a miss.
    pub(crate) async fn resolve_gvk(
        &self,
        reach: &Reach<'_>,
        api_version: &str,
        kind: &str,
    ) -> Result<KindInfo, KubeError> {
        let find = |kinds: &[KindInfo]| {
            kinds
                .iter()
                .find(|k| k.resource.api_version == api_version && k.resource.kind == kind)
                .cloned()
        };
        let catalog = self.current(reach).await?;
        if let Some(found) = find(&catalog.kinds) {
            return Ok(found);
        }
        let catalog = self.refresh(reach, catalog.generation).await?;
        find(&catalog.kinds).ok_or_else(|| {
            if let Some(error) = incomplete(reach.cluster, &catalog) {
                return error;
            }
            let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
            let typed = if group.is_empty() {
                kind.to_string()
            } else {
                format!("{kind}.{group}")
            };
            let mut error = unknown(reach.cluster, &typed, &catalog.kinds);
            if let KubeError::UnknownKind { kind: shown, .. } = &mut error {
                *shown = format!("{kind} ({api_version})");
            }
            error
        })
    }

    /// Whether a group is served, by the cached catalog (no request once it is fetched).
    pub(crate) async fn serves_group(
        &self,
        reach: &Reach<'_>,
        group: &str,
    ) -> Result<bool, KubeError> {
        let has = |c: &Catalog| c.kinds.iter().any(|k| k.resource.group == group);
        let catalog = self.current(reach).await?;
        Ok(has(&catalog))
    }

    /// Every kind the cluster serves, from the cached catalog (fetched on first use).
    pub(crate) async fn kinds(&self, reach: &Reach<'_>) -> Result<Vec<KindInfo>, KubeError> {
        Ok(self.current(reach).await?.kinds.clone())
    }

    /// Whether the catalog has been fetched (kinds resolve without a request).
    pub(crate) async fn is_loaded(&self) -> bool {
        self.catalog.lock().await.is_some()
    }

    /// The cached catalog, fetched on first use.
    async fn current(&self, reach: &Reach<'_>) -> Result<Arc<Catalog>, KubeError> {
        let mut slot = self.catalog.lock().await;
        if let Some(catalog) = slot.as_ref() {
            return Ok(catalog.clone());
        }
        let catalog = Arc::new(Catalog {
            generation: 1,
            ..fetch(reach, None).await?
        });
        *slot = Some(catalog.clone());
        Ok(catalog)
    }

    /// Re-reads discovery unless someone else already did since `seen` was read.
    async fn refresh(&self, reach: &Reach<'_>, seen: u64) -> Result<Arc<Catalog>, KubeError> {
        let mut slot = self.catalog.lock().await;
        if let Some(catalog) = slot.as_ref()
            && catalog.generation != seen
        {
            return Ok(catalog.clone());
        }
        tracing::debug!(cluster = reach.cluster, "refreshing discovery");
        let core = slot.as_ref().filter(|c| c.aggregated).map(|c| {
            c.kinds
                .iter()
                .filter(|k| k.resource.group.is_empty())
                .cloned()
                .collect()
        });
        let catalog = Arc::new(Catalog {
            generation: seen + 1,
            ..fetch(reach, core).await?
        });
        *slot = Some(catalog.clone());
        Ok(catalog)
    }
}

/// What fedrun asks `/api` and `/apis` for: aggregated discovery (v2, or v2beta1 on Kubernetes
/// 1.26–1.29), else the legacy documents.
const AGGREGATED_ACCEPT: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

/// Reads discovery: two requests (`/api` and `/apis`) when the server serves the
/// aggregated form (Kubernetes ≥ 1.26, the simulator), one (`/apis`) when the core group's kinds
/// are already known (`core`), else the legacy documents group version by group version.
async fn fetch(reach: &Reach<'_>, core: Option<Vec<KindInfo>>) -> Result<Catalog, KubeError> {
    let get = |path: &'static str| async move {
        with_retries(reach.policy, reach.cluster, reach.interrupt, || async {
            let request = http::Request::get(path)
                .header(http::header::ACCEPT, AGGREGATED_ACCEPT)
                .body(Vec::new())
                .map_err(::kube::Error::HttpError)?;
            reach.client.request_text(request).await
        })
        .await
    };
    let (core, groups) = match core {
        Some(core) => (Some(core), get("/apis").await?),
        // Together: one round trip. If either fails the other is dropped.
        None => {
            let (core, groups) = futures::future::try_join(get("/api"), get("/apis")).await?;
            (aggregated_kinds(&core), groups)
        }
    };
    match (core, aggregated_kinds(&groups)) {
        (Some(mut kinds), Some(more)) => {
            kinds.extend(more);
            Ok(Catalog {
                kinds,
                aggregated: true,
                ..Catalog::default()
            })
        }
        _ => {
            let (kinds, unavailable) = fetch_legacy(reach).await?;
            Ok(Catalog {
                kinds,
                unavailable,
                ..Catalog::default()
            })
        }
    }
}

/// The kinds of an aggregated discovery document (`APIGroupDiscoveryList`), or `None` when the
/// server answered with the legacy form. A group's first version is its preferred one.
fn aggregated_kinds(body: &str) -> Option<Vec<KindInfo>> {
    let doc: serde_json::Value = serde_json::from_str(body).ok()?;
    if doc.get("kind")?.as_str()? != "APIGroupDiscoveryList" {
        return None;
    }
    let text = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut kinds = Vec::new();
    for item in doc.get("items")?.as_array()? {
        let group = item
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let versions = item.get("versions").and_then(serde_json::Value::as_array);
        for (i, version) in versions.into_iter().flatten().enumerate() {
            let v = text(version, "version");
            let api_version = if group.is_empty() {
                v.clone()
            } else {
                format!("{group}/{v}")
            };
            let resources = version
                .get("resources")
                .and_then(serde_json::Value::as_array);
            for r in resources.into_iter().flatten() {
                let plural = text(r, "resource");
                let kind = r
                    .pointer("/responseKind/kind")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if plural.is_empty() || kind.is_empty() {
                    continue;
                }
                let singular = match text(r, "singularResource") {
                    s if s.is_empty() => kind.to_lowercase(),
                    s => s.to_lowercase(),
                };
                let short_names = r
                    .get("shortNames")
                    .and_then(serde_json::Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                kinds.push(KindInfo {
                    resource: ApiResource {
                        group: group.to_string(),
                        version: v.clone(),
                        api_version: api_version.clone(),
                        kind,
                        plural,
                    },
                    namespaced: text(r, "scope") == "Namespaced",
                    singular,
                    short_names,
                    preferred: i == 0,
                });
            }
        }
    }
    Some(kinds)
}

/// Reads the legacy discovery documents: `/api`, `/apis`, then each group version in parallel.
///
/// A group version that fails (an aggregated API whose backend is down, typically
/// `metrics.k8s.io`) is skipped after a short retry, as kubectl does, rather than making every kind
/// unresolvable.
type Unavailable = (String, u32, std::time::Duration, String);

/// For a kind missing from an incomplete catalog: the cluster did not answer for a group version
/// (it went down during discovery), so "not installed" would be a wrong diagnosis.
fn incomplete(cluster: &str, catalog: &Catalog) -> Option<KubeError> {
    let (gv, attempts, elapsed, message) = catalog.unavailable.first()?;
    Some(KubeError::Unreachable {
        cluster: cluster.to_string(),
        attempts: *attempts,
        elapsed: *elapsed,
        message: format!("discovering the kinds of {gv}: {message}"),
    })
}

async fn fetch_legacy(reach: &Reach<'_>) -> Result<(Vec<KindInfo>, Vec<Unavailable>), KubeError> {
    let client = reach.client;
    let core = with_retries(reach.policy, reach.cluster, reach.interrupt, || {
        client.list_core_api_versions()
    })
    .await?;
    let groups = with_retries(reach.policy, reach.cluster, reach.interrupt, || {
        client.list_api_groups()
    })
    .await?;

    // (group version, preferred)
    let mut versions: Vec<(String, bool)> = core
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| (v.clone(), i == 0))
        .collect();
    for group in &groups.groups {
        let preferred = group
            .preferred_version
            .as_ref()
            .map(|p| p.group_version.as_str());
        for (i, v) in group.versions.iter().enumerate() {
            let is_preferred = preferred.map_or(i == 0, |p| p == v.group_version);
            versions.push((v.group_version.clone(), is_preferred));
        }
    }

    let short = RetryPolicy {
        max_attempts: reach.policy.max_attempts.min(2),
        ..reach.policy.clone()
    };
    let lists: Vec<Result<(APIResourceList, bool), Option<Unavailable>>> = futures::stream::iter(versions)
        .map(|(gv, preferred)| {
            let short = &short;
            async move {
                let result = with_retries(short, reach.cluster, reach.interrupt, || async {
                    if gv.contains('/') { client.list_api_group_resources(&gv).await } else { client.list_core_api_resources(&gv).await }
                })
                .await;
                match result {
                    Ok(list) => Ok(Ok((list, preferred))),
                    Err(KubeError::Interrupted) => Err(KubeError::Interrupted),
                    Err(KubeError::Unauthorized { cluster }) => Err(KubeError::Unauthorized { cluster }),
                    Err(e) => {
                        tracing::warn!(cluster = reach.cluster, group_version = %gv, error = %e, "skipping an unavailable API group");
                        // No answer at all (rather than an error status from an aggregated API's
                        // backend) means the cluster itself is gone.
                        Ok(Err(match e {
                            KubeError::Unreachable { attempts, elapsed, message, .. }
                                if !message.contains("HTTP") && !message.contains(" (5") =>
                            {
                                Some((gv, attempts, elapsed, message))
                            }
                            _ => None,
                        }))
                    }
                }
            }
        })
        .buffered(16)
        .try_collect()
        .await?;

    let mut kinds = Vec::new();
    let mut unavailable = Vec::new();
    let mut answered = Vec::new();
    for item in lists {
        match item {
            Ok(found) => answered.push(found),
            Err(Some(gone)) => unavailable.push(gone),
            Err(None) => {}
        }
    }
    for (list, preferred) in answered {
        let (group, version) = match list.group_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), list.group_version.clone()),
        };
        for r in list.resources {
            if r.name.contains('/') {
                continue; // subresources such as pods/log or deployments/status
            }
            let singular = if r.singular_name.is_empty() {
                r.kind.to_lowercase()
            } else {
                r.singular_name.to_lowercase()
            };
            kinds.push(KindInfo {
                resource: ApiResource {
                    group: group.clone(),
                    version: version.clone(),
                    api_version: list.group_version.clone(),
                    kind: r.kind,
                    plural: r.name,
                },
                namespaced: r.namespaced,
                singular,
                short_names: r.short_names.unwrap_or_default(),
                preferred,
            });
        }
    }
    Ok((kinds, unavailable))
}

/// Finds a preferred-version resource by kind, plural, singular or short name, optionally
/// qualified by `.group` or `.version.group` (case-insensitive). The first match in server order
/// wins, so the core group beats CRDs that reuse a core name, as with kubectl.
fn lookup<'a>(kinds: &'a [KindInfo], typed: &str) -> Option<&'a KindInfo> {
    let typed = typed.trim();
    let plain = kinds
        .iter()
        .filter(|k| k.preferred)
        .find(|k| k.is_named(typed));
    if plain.is_some() {
        return plain;
    }
    // A kind served only at a non-preferred version of its group (maistra.io's
    // ServiceMeshMemberRoll is v1-only while the group prefers v2): kubectl finds it too.
    let other = kinds.iter().find(|k| k.is_named(typed));
    if other.is_some() {
        return other;
    }
    let (name, qualifier) = typed.split_once('.')?;
    // `plural.group` (preferred version) ...
    let by_group = kinds
        .iter()
        .filter(|k| k.preferred && k.resource.group.eq_ignore_ascii_case(qualifier))
        .find(|k| k.is_named(name));
    if by_group.is_some() {
        return by_group;
    }
    // ... or `plural.version.group` (that version).
    let (version, group) = qualifier.split_once('.')?;
    kinds
        .iter()
        .filter(|k| {
            k.resource.group.eq_ignore_ascii_case(group)
                && k.resource.version.eq_ignore_ascii_case(version)
        })
        .find(|k| k.is_named(name))
}

/// Builds the "no such kind" error with did-you-mean suggestions and, for well-known OSSM, OLM and
/// OpenShift kinds, what would install them.
fn unknown(cluster: &str, typed: &str, kinds: &[KindInfo]) -> KubeError {
    let lower = typed.to_lowercase();
    let mut scored: Vec<(usize, String)> = Vec::new();
    for k in kinds.iter().filter(|k| k.preferred) {
        let names = [
            k.resource.kind.to_lowercase(),
            k.resource.plural.clone(),
            k.singular.clone(),
            k.qualified(),
        ];
        let best = names
            .iter()
            .chain(k.short_names.iter())
            .map(|n| edit_distance(&lower, &n.to_lowercase()))
            .min()
            .unwrap_or(usize::MAX);
        let limit = (lower.chars().count() / 3).max(1);
        if best <= limit {
            let shown = k.display();
            if !scored.iter().any(|(_, s)| *s == shown) {
                scored.push((best, shown));
            }
        }
    }
    scored.sort();
    KubeError::UnknownKind {
        cluster: cluster.to_string(),
        kind: typed.to_string(),
        suggestions: scored.into_iter().take(3).map(|(_, s)| s).collect(),
        missing_operator: known_installer(&lower).map(str::to_string),
    }
}

/// Kinds a federation playbook uses that only exist once something installs them:
/// (names that identify the kind, what installs it).
const KNOWN: &[(&[&str], &str)] = &[
    (
        &[
            "servicemeshcontrolplane",
            "servicemeshcontrolplanes",
            "smcp",
            "servicemeshcontrolplanes.maistra.io",
            "servicemeshmemberroll",
            "servicemeshmemberrolls",
            "smmr",
            "servicemeshmemberrolls.maistra.io",
            "servicemeshmember",
            "servicemeshmembers",
            "smm",
            "servicemeshmembers.maistra.io",
            "servicemeshpeer",
            "servicemeshpeers",
            "servicemeshpeers.federation.maistra.io",
            "exportedserviceset",
            "exportedservicesets",
            "exportedservicesets.federation.maistra.io",
            "importedserviceset",
            "importedservicesets",
            "importedservicesets.federation.maistra.io",
            "virtualservice",
            "virtualservices",
            "vs",
            "virtualservices.networking.istio.io",
            "destinationrule",
            "destinationrules",
            "dr",
            "destinationrules.networking.istio.io",
            "gateway.networking.istio.io",
            "gateways.networking.istio.io",
            "serviceentry",
            "serviceentries",
            "se",
            "serviceentries.networking.istio.io",
        ],
        "the OpenShift Service Mesh operator (servicemeshoperator)",
    ),
    (
        &[
            "subscription",
            "subscriptions",
            "sub",
            "subs",
            "subscriptions.operators.coreos.com",
            "clusterserviceversion",
            "clusterserviceversions",
            "csv",
            "csvs",
            "clusterserviceversions.operators.coreos.com",
            "operatorgroup",
            "operatorgroups",
            "og",
            "operatorgroups.operators.coreos.com",
            "catalogsource",
            "catalogsources",
            "catsrc",
            "catalogsources.operators.coreos.com",
            "installplan",
            "installplans",
            "ip",
            "installplans.operators.coreos.com",
        ],
        "the Operator Lifecycle Manager (OLM, part of OpenShift)",
    ),
    (
        &[
            "route",
            "routes",
            "routes.route.openshift.io",
            "project",
            "projects",
            "projects.project.openshift.io",
            "projectrequest",
            "projectrequests",
            "projectrequests.project.openshift.io",
        ],
        "OpenShift (this cluster does not serve the OpenShift APIs)",
    ),
];

/// What installs the kind `lower` names (`smcp`, `servicemeshcontrolplanes.maistra.io`, or
/// `servicemeshcontrolplane.maistra.io` as built from a document's kind and group).
fn known_installer(lower: &str) -> Option<&'static str> {
    let qualified_match = |names: &[&str]| {
        lower.split_once('.').is_some_and(|(name, group)| {
            let suffix = format!(".{group}");
            names.contains(&name) && names.iter().any(|n| n.ends_with(&suffix))
        })
    };
    KNOWN
        .iter()
        .find(|(names, _)| names.contains(&lower) || qualified_match(names))
        .map(|(_, installer)| *installer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, version: &str, kind: &str, plural: &str, short: &[&str]) -> KindInfo {
        KindInfo {
            resource: ApiResource {
                group: group.into(),
                version: version.into(),
                api_version: if group.is_empty() {
                    version.into()
                } else {
                    format!("{group}/{version}")
                },
                kind: kind.into(),
                plural: plural.into(),
            },
            namespaced: true,
            singular: kind.to_lowercase(),
            short_names: short.iter().map(|s| s.to_string()).collect(),
            preferred: true,
        }
    }

    fn catalog() -> Vec<KindInfo> {
        vec![
            info("", "v1", "ConfigMap", "configmaps", &["cm"]),
            info(
                "maistra.io",
                "v2",
                "ServiceMeshControlPlane",
                "servicemeshcontrolplanes",
                &["smcp"],
            ),
            info(
                "federation.maistra.io",
                "v1",
                "ServiceMeshPeer",
                "servicemeshpeers",
                &[],
            ),
            info(
                "networking.istio.io",
                "v1beta1",
                "Gateway",
                "gateways",
                &["gw"],
            ),
            info(
                "gateway.networking.k8s.io",
                "v1",
                "Gateway",
                "gateways",
                &[],
            ),
        ]
    }

    #[test]
    fn resolves_every_spelling() {
        let kinds = catalog();
        for typed in [
            "ConfigMap",
            "configmap",
            "configmaps",
            "CM",
            "configmaps.",
            "smcp",
            "ServiceMeshControlPlane",
        ] {
            let found =
                lookup(&kinds, typed.trim_end_matches('.')).map(|k| k.resource.kind.clone());
            assert!(found.is_some(), "{typed}");
        }
        let peer = lookup(&kinds, "servicemeshpeers.federation.maistra.io")
            .map(|k| k.resource.plural.clone());
        assert_eq!(peer.as_deref(), Some("servicemeshpeers"));
        let gw =
            lookup(&kinds, "gateways.gateway.networking.k8s.io").map(|k| k.resource.group.clone());
        assert_eq!(gw.as_deref(), Some("gateway.networking.k8s.io"));
        let gw = lookup(&kinds, "gateways.v1beta1.networking.istio.io")
            .map(|k| k.resource.group.clone());
        assert_eq!(gw.as_deref(), Some("networking.istio.io"));
        assert!(lookup(&kinds, "smcpp").is_none());
    }

    #[test]
    fn suggests_close_names_and_installers() {
        let e = unknown("rosa", "smcpp", &catalog());
        assert_eq!(
            e.to_string(),
            "no kind \"smcpp\" on cluster rosa; did you mean smcp (servicemeshcontrolplanes.maistra.io)?"
        );
        let e = unknown("rosa", "smmr", &catalog());
        let text = e.to_string();
        assert!(text.contains("OpenShift Service Mesh operator"), "{text}");
        assert!(e.hint().is_some_and(|h| h.contains("install")));
    }
}
