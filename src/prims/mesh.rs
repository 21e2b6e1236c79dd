//! The mesh primitives: install the Service Mesh operators, create a control plane and its member
//! roll, and a `Mesh` handle that later steps (cert, peer, traffic) take.
//!
//! A `Mesh` names a ServiceMeshControlPlane (cluster, namespace, name) and reads what it needs from
//! it when asked, so it always reflects the cluster, on the simulator and in production alike.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::future::try_join_all;
use rhai::plugin::*;
use rhai::{Array, CustomType, Map, TypeBuilder};
use serde_json::{Value, json};

use super::Env;
use super::cluster::{Cluster, ensure_project, fail};
use crate::kube::{ApplyOptions, KubeError, Seen, WaitCondition, Watched};
use crate::script::PrimitiveError;

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

const OPERATORS_NAMESPACE: &str = "openshift-operators";
/// The four operators of the walkthrough; Service Mesh last, as its CRDs are what later steps need.
const OPERATORS: [&str; 4] = [
    "elasticsearch-operator",
    "jaeger-product",
    "kiali-ossm",
    "servicemeshoperator",
];
/// The Service Mesh operator's admission webhook; an SMCP is refused until it has endpoints.
const WEBHOOK_SERVICE: &str = "maistra-admission-controller";
pub const INGRESS_FOR: &str = "federation.maistra.io/ingress-for";
pub const EGRESS_FOR: &str = "federation.maistra.io/egress-for";
/// Default federation ports (service traffic, discovery), as in the OSSM documentation.
pub const SERVICE_PORT: i64 = 15443;
pub const DISCOVERY_PORT: i64 = 8188;

/// A Service Mesh control plane.
#[derive(Clone, CustomType)]
#[rhai_type(extra = Self::build_extra)]
pub struct Mesh {
    /// The cluster the mesh runs on.
    #[rhai_type(readonly)]
    pub cluster: Cluster,
    /// The control plane's name (the name peers know this mesh by).
    #[rhai_type(readonly)]
    pub name: String,
    /// The control plane's namespace.
    #[rhai_type(readonly)]
    pub namespace: String,
    /// What this run saw of the control plane when it got the handle, so that what it already
    /// confirms costs no request: its federation spec (trust domain, gateways per peer, ports)
    /// and its configured member namespaces. `None`: not known; anything not confirmed here is
    /// read from the cluster (another step may have changed the control plane since).
    #[rhai_type(skip)]
    pub spec: Option<Arc<MeshSpec>>,
    #[rhai_type(skip)]
    pub members: Option<Arc<Vec<String>>>,
}

impl Mesh {
    fn build_extra(builder: &mut TypeBuilder<Self>) {
        builder.on_print(|m| format!("mesh {}/{} on {}", m.namespace, m.name, m.cluster.name()));
    }
}

/// What federation needs from a control plane's spec.
#[derive(Clone, Debug, Default)]
pub struct MeshSpec {
    pub trust_domain: String,
    /// peer mesh name → ingress gateway name
    pub ingress: BTreeMap<String, String>,
    /// peer mesh name → egress gateway name
    pub egress: BTreeMap<String, String>,
    /// gateway name → its service ports
    pub ports: BTreeMap<String, Vec<i64>>,
}

impl MeshSpec {
    pub fn from_smcp(smcp: &Value) -> MeshSpec {
        let mut spec = MeshSpec {
            trust_domain: smcp
                .pointer("/spec/security/trust/domain")
                .and_then(Value::as_str)
                .unwrap_or("cluster.local")
                .to_string(),
            ..MeshSpec::default()
        };
        for (section, label, target) in [
            ("additionalIngress", INGRESS_FOR, &mut spec.ingress),
            ("additionalEgress", EGRESS_FOR, &mut spec.egress),
        ] {
            let gateways = smcp
                .pointer(&format!("/spec/gateways/{section}"))
                .and_then(Value::as_object);
            for (name, gw) in gateways.into_iter().flatten() {
                if let Some(peer) = gw
                    .pointer(&format!(
                        "/service/metadata/labels/{}",
                        label.replace('/', "~1")
                    ))
                    .and_then(Value::as_str)
                {
                    target.insert(peer.to_string(), name.clone());
                }
                let ports = gw
                    .pointer("/service/ports")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .filter_map(|p| p.get("port").and_then(Value::as_i64))
                            .collect()
                    })
                    .unwrap_or_default();
                spec.ports.insert(name.clone(), ports);
            }
        }
        spec
    }
}

/// The gateway names fedrun generates for a peer: `aro-stg-mesh` → `aro-stg-ingress` /
/// `aro-stg-egress`, the walkthrough's convention, unless a name in `taken` (gateways of other
/// peers) has them: then the peer's whole name (`east-mesh-ingress` beside `east`'s
/// `east-ingress`), then a number.
pub fn gateway_names(peer: &str, taken: &BTreeSet<String>) -> (String, String) {
    let short = peer.strip_suffix("-mesh").unwrap_or(peer).to_string();
    let free = |base: &String| {
        !taken.contains(&format!("{base}-ingress")) && !taken.contains(&format!("{base}-egress"))
    };
    let base = [short, peer.to_string()]
        .into_iter()
        .chain((2..).map(|n| format!("{peer}-{n}")))
        .find(free)
        .unwrap_or_else(|| peer.to_string());
    (format!("{base}-ingress"), format!("{base}-egress"))
}

/// The platform an OpenShift cluster runs on (`AWS`, `Azure`, `GCP`…), from the Infrastructure
/// object every OpenShift 4 cluster has (openshift/api `config/v1/types_infrastructure.go`,
/// `status.platformStatus.type`); `None` where it cannot be read.
async fn platform(client: &crate::kube::ClusterClient) -> Option<String> {
    let infrastructure = client
        .try_get("infrastructure", None, "cluster")
        .await
        .ok()??;
    infrastructure
        .pointer("/status/platformStatus/type")
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn ingress_gateway(peer: &str, ports: (i64, i64), aws: bool) -> Value {
    let mut metadata = json!({"labels": {INGRESS_FOR: peer}});
    if aws {
        // On ROSA federation gateways should be Network Load Balancers; the annotation means
        // nothing on other clouds, so it goes only where it applies.
        metadata["annotations"] =
            json!({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"});
    }
    json!({
        "enabled": true,
        "routerMode": "sni-dnat",
        "service": {
            "type": "LoadBalancer",
            "metadata": metadata,
            "ports": [{"port": ports.0, "name": "tls"}, {"port": ports.1, "name": "https-discovery"}],
        },
    })
}

fn egress_gateway(peer: &str, ports: (i64, i64)) -> Value {
    json!({
        "enabled": true,
        "requestedNetworkView": [format!("network-{peer}")],
        "routerMode": "sni-dnat",
        "service": {
            "metadata": {"labels": {EGRESS_FOR: peer}},
            "ports": [{"port": ports.0, "name": "tls"}, {"port": ports.1, "name": "http-discovery"}],
        },
    })
}

fn strings(value: Option<&Dynamic>, what: &str) -> Result<Vec<String>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let array = value
        .clone()
        .try_cast::<Array>()
        .ok_or_else(|| PrimitiveError::new(format!("`{what}` must be an array of strings")))?;
    array
        .into_iter()
        .map(|v| {
            v.into_string().map_err(|t| {
                PrimitiveError::new(format!("`{what}` must hold strings, not {t}")).into()
            })
        })
        .collect()
}

fn text(opts: &Map, key: &str) -> Result<Option<String>> {
    match opts.get(key) {
        None => Ok(None),
        Some(v) => {
            v.clone().into_string().map(Some).map_err(|t| {
                PrimitiveError::new(format!("`{key}` must be a string, not {t}")).into()
            })
        }
    }
}

/// Checks a playbook's SMCP v2 spec fragment against the type: the first field it cannot hold
/// or does not have, by path.
pub(crate) fn checked_spec(spec: &Value) -> std::result::Result<(), String> {
    let typed: crate::types::maistra::ControlPlaneSpec = serde_path_to_error::deserialize(spec)
        .map_err(|e| format!("spec.{}: {}", e.path(), e.inner()))?;
    let kept = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    match first_dropped(spec, &kept, "spec") {
        Some(path) => Err(format!(
            "{path}: ServiceMeshControlPlane v2 has no such field"
        )),
        None => Ok(()),
    }
}

/// The first field of `given` that did not survive a round trip through the type (`kept`).
fn first_dropped(given: &Value, kept: &Value, path: &str) -> Option<String> {
    match (given, kept) {
        (Value::Object(g), Value::Object(k)) => g.iter().find_map(|(key, v)| match k.get(key) {
            Some(kv) => first_dropped(v, kv, &format!("{path}.{key}")),
            None if v.is_null() => None,
            None => Some(format!("{path}.{key}")),
        }),
        (Value::Array(g), Value::Array(k)) => g
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(i, (gv, kv))| first_dropped(gv, kv, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Merges `extra` into `base`: maps field by field, anything else replaced.
fn merge(base: &mut Value, extra: &Value) {
    match (base, extra) {
        (Value::Object(b), Value::Object(e)) => {
            for (k, v) in e {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, e) => *b = e.clone(),
    }
}

fn check_options(opts: &Map, known: &[&str], function: &str) -> Result<()> {
    match opts.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(PrimitiveError::new(format!(
            "{function}: unknown option `{k}` (known: {})",
            known.join(", ")
        ))
        .into()),
        None => Ok(()),
    }
}

impl Env {
    /// The control plane's spec as federation needs it.
    pub fn mesh_spec(&self, mesh: &Mesh) -> Result<MeshSpec> {
        let smcp = self.call(
            &mesh.cluster,
            mesh.cluster
                .client
                .get("smcp", Some(&mesh.namespace), &mesh.name),
        )?;
        Ok(MeshSpec::from_smcp(&smcp))
    }

    fn operators(&self, cluster: &Cluster, opts: &Map) -> Result<()> {
        check_options(
            opts,
            &[
                "channel",
                "source",
                "source_namespace",
                "timeout",
                "approval",
                "approve",
            ],
            "mesh::operators",
        )?;
        let channel = text(opts, "channel")?.unwrap_or_else(|| "stable".into());
        let source = text(opts, "source")?.unwrap_or_else(|| "redhat-operators".into());
        let source_ns =
            text(opts, "source_namespace")?.unwrap_or_else(|| "openshift-marketplace".into());
        let timeout = self.timeout(text(opts, "timeout")?.as_deref())?;
        let approval = text(opts, "approval")?.unwrap_or_else(|| "Automatic".into());
        if approval != "Automatic" && approval != "Manual" {
            return Err(PrimitiveError::new(format!(
                "mesh::operators: `approval` must be \"Automatic\" or \"Manual\", not \"{approval}\""
            ))
            .into());
        }
        let approve = match opts.get("approve") {
            None => false,
            Some(v) => v.as_bool().map_err(|t| {
                PrimitiveError::new(format!("`approve` must be true or false, not {t}"))
            })?,
        };
        let subscriptions = OPERATORS
            .iter()
            .map(|name| {
                json!({
                    "apiVersion": "operators.coreos.com/v1alpha1", "kind": "Subscription",
                    "metadata": {"name": name, "namespace": OPERATORS_NAMESPACE},
                    "spec": {"channel": channel, "name": name, "source": source, "sourceNamespace": source_ns, "installPlanApproval": approval},
                })
            })
            .collect();
        self.apply_objects(cluster, subscriptions, None)?;

        // The four operators install in parallel on the cluster; wait for them together (one
        // watch each of the namespace's Subscriptions, CSVs and InstallPlans). A plan waiting for
        // approval is approved here only when the playbook says so, then the wait goes on.
        let client = &cluster.client;
        let interrupt = &self.ctx.interrupt;
        let deadline = std::time::Instant::now() + timeout;
        // Subscriptions listed first: a resolution failure is judged against all of them (a
        // condition about a spec since corrected is stale), never against the first few seen.
        let watched = [
            Watched::all("subscription", Some(OPERATORS_NAMESPACE)).listed(),
            Watched::all("csv", Some(OPERATORS_NAMESPACE)),
            Watched::all("installplan", Some(OPERATORS_NAMESPACE)),
        ];
        loop {
            let what = |ns: &str| {
                format!(
                    "the operators {}{ns} to be installed (Subscription installedCSV, CSV Succeeded)",
                    OPERATORS.join(", ")
                )
            };
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let outcome = self.call(
                cluster,
                client.wait_until(&watched, what, left, interrupt, |seen| {
                    operators_outcome(&seen[0], &seen[1], &seen[2], approve)
                }),
            )?;
            match outcome {
                Outcome::Installed => break,
                Outcome::Failed(message) => {
                    return Err(PrimitiveError::new(format!(
                        "the operators cannot be installed: {message}"
                    ))
                    .with_cluster(cluster.name())
                    .into());
                }
                Outcome::Approve(plans) => {
                    for plan in plans {
                        self.call(
                            cluster,
                            client.patch_merge(
                                "installplan",
                                Some(OPERATORS_NAMESPACE),
                                &plan,
                                json!({"spec": {"approved": true}}),
                            ),
                        )?;
                    }
                }
            }
        }
        // A CSV that succeeded does not mean its webhook serves yet.
        let serving = WaitCondition::parse("jsonpath={.subsets[0].addresses[0].ip}")
            .map_err(|e| fail(cluster.name(), e))?;
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        self.call(
            cluster,
            client.wait(
                "endpoints",
                Some(OPERATORS_NAMESPACE),
                WEBHOOK_SERVICE,
                &serving,
                left,
                interrupt,
            ),
        )?;
        Ok(())
    }

    fn control_plane(&self, cluster: &Cluster, name: &str, opts: &Map) -> Result<Mesh> {
        check_options(
            opts,
            &[
                "namespace",
                "trust_domain",
                "version",
                "members",
                "peers",
                "manifest",
                "vars",
                "spec",
                "wait",
                "timeout",
            ],
            "mesh::control_plane",
        )?;
        // Checked before anything is written: a typo fails here, with its field path.
        let extra_spec = match opts.get("spec") {
            None => None,
            Some(v) => {
                let v = crate::script::to_json(v)
                    .ok()
                    .filter(Value::is_object)
                    .ok_or_else(|| PrimitiveError::new("option `spec` must be a map"))?;
                checked_spec(&v).map_err(|e| {
                    PrimitiveError::new(format!("mesh::control_plane: option `spec`: {e}"))
                        .with_hint("the option takes ServiceMeshControlPlane v2 spec fields (maistra.io/v2), e.g. #{ tracing: #{ sampling: 100 } }")
                })?;
                Some(v)
            }
        };
        let namespace = text(opts, "namespace")?.unwrap_or_else(|| name.to_string());
        let members = strings(opts.get("members"), "members")?;
        let peers = strings(opts.get("peers"), "peers")?;
        let mut mesh = Mesh {
            cluster: cluster.clone(),
            name: name.to_string(),
            namespace: namespace.clone(),
            spec: None,
            members: None,
        };

        // The projects first, while the kinds the operator just installed are discovered. Then
        // what is there already (peers and members added by other playbooks stay), unless the
        // control plane's namespace is new: nothing can be in it yet.
        let client = &cluster.client;
        let apply_opts = ApplyOptions::for_playbook(&self.ctx.playbook);
        let projects = try_join_all(
            std::iter::once(&namespace)
                .chain(members.iter())
                .map(|ns| ensure_project(client, ns, &apply_opts)),
        );
        let built = !opts.contains_key("manifest");
        let platform = async { Ok(if built { platform(client).await } else { None }) };
        // A plan before the operator installs: the kind comes with it, and the control plane
        // is planned "after the operator installs".
        let kind = async {
            match client.resolve("smcp").await {
                Err(KubeError::UnknownKind { .. }) if client.plan().is_some() => Ok(()),
                other => other.map(|_| ()),
            }
        };
        let (created, _, platform) = self.call(
            cluster,
            futures::future::try_join3(projects, kind, platform),
        )?;
        let aws = platform.as_deref() == Some("AWS");
        for (was_created, _) in &created {
            self.ctx.note_write(*was_created);
        }
        let (existing, roll) = if created.first().is_some_and(|(fresh, _)| *fresh) {
            (None, None)
        } else {
            self.call(
                cluster,
                futures::future::try_join(
                    client.try_get("smcp", Some(&namespace), name),
                    client.try_get("smmr", Some(&namespace), "default"),
                ),
            )?
        };
        let smcp = match text(opts, "manifest")? {
            Some(source) => {
                let vars = opts.get("vars").and_then(|v| v.clone().try_cast::<Map>());
                let mut docs = super::cluster::documents(self, &source, vars.as_ref())?.docs;
                let found = docs
                    .iter()
                    .position(|d| d["kind"] == "ServiceMeshControlPlane")
                    .ok_or_else(|| {
                        PrimitiveError::new(format!(
                            "manifest {source} holds no ServiceMeshControlPlane"
                        ))
                    })?;
                let mut smcp = docs.swap_remove(found);
                smcp["metadata"]["name"] = json!(name);
                smcp["metadata"]["namespace"] = json!(namespace);
                smcp
            }
            None => {
                let trust_domain =
                    text(opts, "trust_domain")?.unwrap_or_else(|| format!("{name}.local"));
                let version = text(opts, "version")?.unwrap_or_else(|| "v2.6".into());
                // Peers already federated stay, under the gateway names they have: a second
                // playbook adding a peer must not drop or rename the first's.
                let before = existing
                    .as_ref()
                    .map(MeshSpec::from_smcp)
                    .unwrap_or_default();
                let mut taken: BTreeSet<String> = before
                    .ingress
                    .values()
                    .chain(before.egress.values())
                    .cloned()
                    .collect();
                // Names without `-mesh` choose first, so that `east` keeps `east-ingress`
                // whatever the order, and `east-mesh` gets `east-mesh-ingress`.
                let mut new: Vec<&String> = peers
                    .iter()
                    .filter(|p| !before.ingress.contains_key(*p))
                    .collect();
                new.sort_by_key(|p| p.ends_with("-mesh"));
                new.dedup();
                let mut names: BTreeMap<String, (String, String)> = before
                    .ingress
                    .iter()
                    .filter_map(|(p, i)| {
                        Some((p.clone(), (i.clone(), before.egress.get(p)?.clone())))
                    })
                    .collect();
                for peer in new {
                    let (i, e) = gateway_names(peer, &taken);
                    taken.extend([i.clone(), e.clone()]);
                    names.insert(peer.clone(), (i, e));
                }
                let mut ingress = serde_json::Map::new();
                let mut egress = serde_json::Map::new();
                for (peer, (i, e)) in &names {
                    let ports = (SERVICE_PORT, DISCOVERY_PORT);
                    ingress.insert(i.clone(), ingress_gateway(peer, ports, aws));
                    egress.insert(e.clone(), egress_gateway(peer, ports));
                }
                let mut smcp = json!({
                    "apiVersion": "maistra.io/v2", "kind": "ServiceMeshControlPlane",
                    "metadata": {"name": name, "namespace": namespace},
                    "spec": {
                        "version": version,
                        "security": {"trust": {"domain": trust_domain}},
                        "addons": {"prometheus": {"enabled": true}, "kiali": {"enabled": true}, "grafana": {"enabled": false}},
                        "policy": {"type": "Istiod"},
                        "telemetry": {"type": "Istiod"},
                        "tracing": {"type": "None"},
                        "gateways": {"additionalIngress": ingress, "additionalEgress": egress},
                    },
                });
                if let Some(extra) = &extra_spec {
                    merge(&mut smcp["spec"], extra);
                }
                smcp
            }
        };

        // Members too are additive, for the same reason as peers.
        let mut all_members: Vec<String> = roll
            .and_then(|r| {
                r.pointer("/spec/members")
                    .and_then(Value::as_array)
                    .cloned()
            })
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.as_str().map(str::to_string))
            .collect();
        for m in &members {
            if !all_members.contains(m) {
                all_members.push(m.clone());
            }
        }
        let smmr = json!({
            "apiVersion": "maistra.io/v1", "kind": "ServiceMeshMemberRoll",
            "metadata": {"name": "default", "namespace": namespace},
            "spec": {"members": all_members},
        });
        mesh.spec = Some(Arc::new(MeshSpec::from_smcp(&smcp)));
        self.apply_objects(cluster, vec![smcp, smmr], None)?;
        let wait = opts
            .get("wait")
            .map(|w| w.as_bool().unwrap_or(true))
            .unwrap_or(true);
        if wait {
            // A control plane new in this run has one generation: the member roll's Ready (the
            // walkthrough's check) implies it, and one watch suffices.
            let created = existing.is_none();
            self.wait_ready(&mesh, text(opts, "timeout")?.as_deref(), created)?;
            // Ready: every member namespace is configured.
            mesh.members = Some(Arc::new(all_members));
        }
        Ok(mesh)
    }

    /// Waits for the control plane and its member roll to be Ready. The member roll is Ready
    /// only once the control plane is, but a roll that was Ready before says nothing about a
    /// control plane's newer generation: only for a new control plane (`created`) is the roll
    /// alone awaited, and a time-out then tells the control plane's state too.
    fn wait_ready(&self, mesh: &Mesh, timeout: Option<&str>, created: bool) -> Result<()> {
        let timeout = self.timeout(timeout)?;
        let ready =
            WaitCondition::parse("condition=Ready").map_err(|e| fail(mesh.cluster.name(), e))?;
        let client = &mesh.cluster.client;
        let interrupt = &self.ctx.interrupt;
        let ns = Some(mesh.namespace.as_str());
        let roll = client.wait("smmr", ns, "default", &ready, timeout, interrupt);
        if !created {
            let control_plane = client.wait("smcp", ns, &mesh.name, &ready, timeout, interrupt);
            self.call(
                &mesh.cluster,
                futures::future::try_join(control_plane, roll),
            )?;
            return Ok(());
        }
        self.call(&mesh.cluster, async {
            match roll.await {
                Err(KubeError::Timeout {
                    cluster,
                    what,
                    waited,
                    last_seen,
                }) => {
                    let smcp = client.try_get("smcp", ns, &mesh.name).await.ok().flatten();
                    Err(KubeError::Timeout {
                        cluster,
                        what,
                        waited,
                        last_seen: format!(
                            "{last_seen}; control plane {}: {}",
                            mesh.name,
                            ready.describe(smcp.as_ref())
                        ),
                    })
                }
                other => other,
            }
        })?;
        Ok(())
    }

    fn existing_mesh(&self, cluster: &Cluster, name: &str, namespace: &str) -> Result<Mesh> {
        let smcp = self.call(cluster, cluster.client.get("smcp", Some(namespace), name))?;
        Ok(Mesh {
            cluster: cluster.clone(),
            name: name.to_string(),
            namespace: namespace.to_string(),
            spec: Some(Arc::new(MeshSpec::from_smcp(&smcp))),
            members: None,
        })
    }
}

/// Where the install of the operators stands, once the wait can stop. A plan, which does not
/// wait, goes on as if installed (the default).
#[derive(Debug, PartialEq, Default)]
enum Outcome {
    #[default]
    Installed,
    /// Resolution failed: the server's message. Waiting would not help.
    Failed(String),
    /// InstallPlans to approve (the playbook said `approve: true`).
    Approve(Vec<String>),
}

/// Checks the operators against what OLM wrote: `Ok` when the wait can stop, `Err` describing
/// what is still pending (what a time-out reports).
fn operators_outcome(
    subscriptions: &Seen,
    csvs: &Seen,
    plans: &Seen,
    approve: bool,
) -> std::result::Result<Outcome, String> {
    let mut pending = Vec::new();
    let mut to_approve = BTreeSet::new();
    for name in OPERATORS {
        match installing(name, subscriptions, csvs, plans) {
            Progress::Installed => {}
            Progress::Failed(message) => return Ok(Outcome::Failed(message)),
            Progress::NeedsApproval(plan) if approve => {
                to_approve.insert(plan);
            }
            Progress::NeedsApproval(plan) => pending.push(format!(
                "{name}: InstallPlan {plan} in {OPERATORS_NAMESPACE} requires approval \
                 (installPlanApproval: Manual); approve it with `kubectl patch installplan {plan} \
                 -n {OPERATORS_NAMESPACE} --type merge -p '{{\"spec\":{{\"approved\":true}}}}'`, \
                 or let the playbook approve with mesh::operators(cluster, #{{ approve: true }})"
            )),
            Progress::Waiting(what) => pending.push(what),
        }
    }
    if !to_approve.is_empty() {
        return Ok(Outcome::Approve(to_approve.into_iter().collect()));
    }
    if pending.is_empty() {
        Ok(Outcome::Installed)
    } else {
        // The same plan serves several operators: say it once.
        pending.dedup();
        Err(pending.join("; "))
    }
}

/// How far one operator is from installed.
#[derive(Debug, PartialEq)]
enum Progress {
    Installed,
    Failed(String),
    NeedsApproval(String),
    Waiting(String),
}

/// How far the operator subscribed to as `name` is from installed, by its Subscription, the
/// InstallPlan it references and the CSV it names as installed (in its own namespace: copies
/// of the CSV elsewhere are not the operator).
fn installing(name: &str, subscriptions: &Seen, csvs: &Seen, plans: &Seen) -> Progress {
    let Some(subscription) = subscriptions.get(name) else {
        return Progress::Waiting(format!("{name}: no Subscription"));
    };
    if let Some(message) = resolution_failure(subscription, subscriptions) {
        return Progress::Failed(message);
    }
    let field = |pointer: &str| {
        subscription
            .pointer(pointer)
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
    };
    let Some(csv_name) = field("/status/installedCSV") else {
        let plan = field("/status/installPlanRef/name").and_then(|p| plans.get(p).map(|o| (p, o)));
        if let Some((plan_name, plan)) = plan
            && plan.pointer("/spec/approved") == Some(&Value::Bool(false))
        {
            return Progress::NeedsApproval(plan_name.to_string());
        }
        let state = field("/status/state").unwrap_or("no state yet");
        return Progress::Waiting(match plan {
            Some((plan_name, plan)) => format!(
                "{name}: Subscription {state}, InstallPlan {plan_name} {}",
                plan.pointer("/status/phase")
                    .and_then(Value::as_str)
                    .unwrap_or("not started")
            ),
            None => format!("{name}: Subscription {state}, no installed CSV"),
        });
    };
    match csvs
        .get(csv_name)
        .map(|c| c.pointer("/status/phase").and_then(Value::as_str))
    {
        Some(Some("Succeeded")) => Progress::Installed,
        Some(phase) => {
            let reason = csvs
                .get(csv_name)
                .and_then(|c| c.pointer("/status/message"))
                .and_then(Value::as_str)
                .filter(|_| phase == Some("Failed"))
                .map(|m| format!(" ({m})"))
                .unwrap_or_default();
            Progress::Waiting(format!(
                "{name}: CSV {csv_name} phase {}{reason}",
                phase.unwrap_or("not set")
            ))
        }
        None => Progress::Waiting(format!("{name}: CSV {csv_name} not found")),
    }
}

/// The message of a Subscription's `ResolutionFailed` condition when it is about the
/// Subscriptions as they are now. OLM resolves a namespace's Subscriptions together, so one of
/// them failing blocks all; and it keeps the condition until a new resolution (after the bundles
/// are unpacked) succeeds, so a condition about a spec since corrected is not a failure.
fn resolution_failure(subscription: &Value, subscriptions: &Seen) -> Option<String> {
    let message = subscription
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c["type"] == "ResolutionFailed" && c["status"] == "True")?
        .get("message")
        .and_then(Value::as_str)?;
    let spec = |s: &Value, f: &str| {
        s.pointer(&format!("/spec/{f}"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    // The resolver's wording (operator-lifecycle-manager `pkg/controller/registry/resolver/resolver.go`).
    let stale = subscriptions.iter().any(|(name, s)| {
        let named = format!("referenced by subscription {name}");
        if !message.contains(&named) {
            return false;
        }
        let (source, source_ns, package, channel) = (
            spec(s, "source"),
            spec(s, "sourceNamespace"),
            spec(s, "name"),
            spec(s, "channel"),
        );
        ![
            format!("from catalog {source} in namespace {source_ns} {named}"),
            format!("in package {package} in the catalog {named}"),
            format!("in channel {channel} of package {package} in the catalog {named}"),
        ]
        .iter()
        .any(|current| message.contains(current.as_str()))
    });
    (!stale).then(|| message.to_string())
}

fn gateways_map(spec: &MeshSpec) -> Map {
    let mut out = Map::new();
    for (peer, ingress) in &spec.ingress {
        let mut gw = Map::new();
        gw.insert("ingress".into(), ingress.as_str().into());
        if let Some(e) = spec.egress.get(peer) {
            gw.insert("egress".into(), e.as_str().into());
        }
        out.insert(peer.as_str().into(), gw.into());
    }
    out
}

/// Registers the `Mesh` type, its methods and the `mesh::` functions.
pub fn register(engine: &mut Engine) {
    engine.build_type::<Mesh>();
    engine.register_global_module(exported_module!(methods).into());
    engine.register_static_module("mesh", exported_module!(api).into());
}

/// The properties and methods of a `Mesh` that ask its cluster.
#[export_module]
mod methods {
    use super::*;

    /// The trust domain (`spec.security.trust.domain`), read from the control plane.
    #[rhai_fn(get = "trust_domain", pure, return_raw)]
    pub fn trust_domain(call: NativeCallContext, mesh: &mut Mesh) -> Result<String> {
        Env::with(&call, |env| Ok(env.mesh_spec(mesh)?.trust_domain))
    }

    /// The federation gateways per peer: `#{ "aro-stg-mesh": #{ ingress: "aro-stg-ingress", egress: "aro-stg-egress" } }`.
    #[rhai_fn(get = "gateways", pure, return_raw)]
    pub fn gateways(call: NativeCallContext, mesh: &mut Mesh) -> Result<Map> {
        Env::with(&call, |env| Ok(gateways_map(&env.mesh_spec(mesh)?)))
    }

    /// Waits until the control plane and its member roll are Ready (default timeout).
    #[rhai_fn(pure, return_raw)]
    pub fn wait_ready(call: NativeCallContext, mesh: &mut Mesh) -> Result<()> {
        Env::with(&call, |env| env.wait_ready(mesh, None, false))
    }

    /// Waits until the control plane and its member roll are Ready, with a timeout ("300s").
    #[rhai_fn(name = "wait_ready", pure, return_raw)]
    pub fn wait_ready_within(
        call: NativeCallContext,
        mesh: &mut Mesh,
        timeout: &str,
    ) -> Result<()> {
        Env::with(&call, |env| env.wait_ready(mesh, Some(timeout), false))
    }
}

/// The `mesh::` functions.
#[export_module]
mod api {
    use super::*;

    /// Installs the Service Mesh operators (Subscriptions to elasticsearch-operator,
    /// jaeger-product, kiali-ossm and servicemeshoperator in openshift-operators, channel
    /// `stable`, source `redhat-operators`, automatic approval) and waits until their CSVs
    /// succeed and the Service Mesh admission webhook serves (an SMCP created before that is
    /// refused). Fails at once when OLM cannot resolve a Subscription (unknown channel, package
    /// or catalog), with OLM's message. Idempotent.
    #[rhai_fn(return_raw)]
    pub fn operators(call: NativeCallContext, cluster: Cluster) -> Result<()> {
        operators_with(call, cluster, Map::new())
    }

    /// As above, with options: `channel`, `source`, `source_namespace`, `timeout` (the whole
    /// install, e.g. "10m"), `approval` ("Automatic", the default, or "Manual": OLM then waits
    /// for someone to approve the InstallPlan) and `approve` (true: fedrun approves the pending
    /// InstallPlans itself; default false). fedrun approves nothing on its own: with Manual
    /// approval and without `approve: true`, the wait names the InstallPlan and the command that
    /// approves it (`kubectl patch installplan install-xxxxx -n openshift-operators --type merge
    /// -p '{"spec":{"approved":true}}'`), and fails with that at the timeout.
    ///
    /// `mesh::operators(rosa, #{ approval: "Manual", approve: true })`
    #[rhai_fn(name = "operators", return_raw)]
    pub fn operators_with(call: NativeCallContext, cluster: Cluster, opts: Map) -> Result<()> {
        Env::with(&call, |env| env.operators(&cluster, &opts))
    }

    /// Creates (or converges) a control plane named `name` and its member roll, and waits until
    /// Ready. Options: `namespace` (default: the name), `trust_domain` (default `<name>.local`),
    /// `version` (default v2.6), `members` (namespaces, created if missing), `peers` (mesh names:
    /// one ingress + egress gateway per peer, e.g. `aro-stg-ingress`/`aro-stg-egress` for
    /// `aro-stg-mesh`), `spec` (any ServiceMeshControlPlane v2 spec fields, merged over fedrun's,
    /// checked against the type before anything is written), or `manifest` (an SMCP to take as it
    /// is, with `vars`), `wait` (default true), `timeout`. Peers and members already configured
    /// are kept.
    ///
    /// ```rhai
    /// let prod = mesh::control_plane(rosa, "rosa-prod-mesh", #{ members: ["prod-bookinfo"], peers: ["aro-stg-mesh"] });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn control_plane(
        call: NativeCallContext,
        cluster: Cluster,
        name: &str,
        opts: Map,
    ) -> Result<Mesh> {
        Env::with(&call, |env| env.control_plane(&cluster, name, &opts))
    }

    /// The handle of an existing control plane (namespace = name).
    #[rhai_fn(return_raw)]
    pub fn get(call: NativeCallContext, cluster: Cluster, name: &str) -> Result<Mesh> {
        Env::with(&call, |env| env.existing_mesh(&cluster, name, name))
    }

    /// The handle of an existing control plane in `namespace`.
    #[rhai_fn(name = "get", return_raw)]
    pub fn get_in(
        call: NativeCallContext,
        cluster: Cluster,
        name: &str,
        namespace: &str,
    ) -> Result<Mesh> {
        Env::with(&call, |env| env.existing_mesh(&cluster, name, namespace))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_option_is_checked_against_the_control_plane_type() {
        assert_eq!(
            checked_spec(&json!({"tracing": {"sampling": 100, "type": "None"},
                "gateways": {"ingress": {"enabled": false}}, "addons": {"grafana": {"enabled": true}}})),
            Ok(())
        );
        assert_eq!(
            checked_spec(&json!({"tracing": {"samplng": 5}})),
            Err("spec.tracing.samplng: ServiceMeshControlPlane v2 has no such field".into())
        );
        let wrong = checked_spec(&json!({"tracing": {"sampling": "high"}})).unwrap_err();
        assert!(
            wrong.starts_with("spec.tracing.sampling: invalid type: string"),
            "{wrong}"
        );
        let mut base = json!({"tracing": {"type": "None"}, "version": "v2.6"});
        merge(
            &mut base,
            &json!({"tracing": {"sampling": 100}, "version": "v2.5"}),
        );
        assert_eq!(
            base,
            json!({"tracing": {"type": "None", "sampling": 100}, "version": "v2.5"})
        );
    }

    #[test]
    fn gateway_names_follow_the_walkthrough_and_stay_unique() {
        let none = BTreeSet::new();
        assert_eq!(
            gateway_names("aro-stg-mesh", &none),
            ("aro-stg-ingress".into(), "aro-stg-egress".into())
        );
        let east = gateway_names("east", &none);
        assert_eq!(east, ("east-ingress".into(), "east-egress".into()));
        let taken: BTreeSet<String> = [east.0, east.1].into();
        assert_eq!(
            gateway_names("east-mesh", &taken),
            ("east-mesh-ingress".into(), "east-mesh-egress".into())
        );
        let taken: BTreeSet<String> = ["east-ingress".to_string()].into();
        assert_eq!(gateway_names("east", &taken).0, "east-2-ingress");
    }

    #[test]
    fn spec_reads_peers_gateways_and_ports() {
        let smcp = json!({"spec": {"security": {"trust": {"domain": "a.local"}}, "gateways": {
            "additionalIngress": {"b-ingress": ingress_gateway("b-mesh", (15444, 8189), false)},
            "additionalEgress": {"b-egress": egress_gateway("b-mesh", (15443, 8188))}}}});
        let spec = MeshSpec::from_smcp(&smcp);
        assert_eq!(spec.trust_domain, "a.local");
        assert_eq!(spec.ingress["b-mesh"], "b-ingress");
        assert_eq!(spec.egress["b-mesh"], "b-egress");
        assert_eq!(spec.ports["b-ingress"], vec![15444, 8189]);
    }
}
