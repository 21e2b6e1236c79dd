//! The peer primitives: connect two meshes, export and import services, and see the link's state.
//!
//! `connect` does by itself everything the walkthrough does by hand on both sides: it publishes
//! each mesh's CA to the other, reads each side's ingress address for the other, and writes both
//! ServiceMeshPeers with `trustDomain` and `clientID` derived from the control planes — the fields
//! people mistype — with the two clusters handled concurrently.

use std::time::Duration;

use futures::future::Either;
use rhai::{
    Array, Dynamic, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext,
};
use serde_json::{Value, json};

use super::Env;
use super::cert::{Certificate, ROOT_CONFIGMAP, ROOT_KEY, trusted_configmap};
use super::cluster::fail;
use super::mesh::{DISCOVERY_PORT, Mesh, MeshSpec, SERVICE_PORT, gateway_names};
use crate::kube::{ApplyOptions, KubeError, WaitCondition};
use crate::script::{PrimitiveError, located, to_json};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// One side of a link as `connect` needs it.
struct Side {
    spec: MeshSpec,
    ca: Certificate,
}

fn missing_gateways(mesh: &Mesh, peer: &str) -> Box<EvalAltResult> {
    PrimitiveError::new(format!(
        "mesh {} has no federation gateways for peer {peer}",
        mesh.name
    ))
    .with_cluster(mesh.cluster.name())
    .with_hint(format!(
        "add \"{peer}\" to the `peers` of mesh::control_plane for {}",
        mesh.name
    ))
    .into()
}

/// The SPIFFE identity a mesh's egress gateway for `peer` presents.
fn client_id(spec: &MeshSpec, namespace: &str, egress: &str) -> String {
    format!(
        "{}/ns/{namespace}/sa/{egress}-service-account",
        spec.trust_domain
    )
}

impl Env {
    /// Everything `connect` reads from one mesh, in one round of concurrent requests.
    async fn read_side(&self, mesh: &Mesh) -> std::result::Result<(Value, Value), KubeError> {
        let client = &mesh.cluster.client;
        futures::try_join!(
            client.get("smcp", Some(&mesh.namespace), &mesh.name),
            client.get("configmap", Some(&mesh.namespace), ROOT_CONFIGMAP),
        )
    }

    fn side(&self, mesh: &Mesh, smcp: &Value, ca: &Value) -> Result<Side> {
        let pem = ca
            .pointer("/data/root-cert.pem")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ca = Certificate::from_pem(pem).map_err(|e| {
            PrimitiveError::new(format!(
                "the root CA of mesh {} ({}/{ROOT_CONFIGMAP}): {e}",
                mesh.name, mesh.namespace
            ))
            .with_cluster(mesh.cluster.name())
        })?;
        if let Err(e) = ca.check_trustable() {
            return Err(PrimitiveError::new(e)
                .with_cluster(mesh.cluster.name())
                .into());
        }
        Ok(Side {
            spec: MeshSpec::from_smcp(smcp),
            ca,
        })
    }

    /// The address of `mesh`'s ingress gateway for `peer`, waiting for the load balancer.
    async fn ingress_address_async(
        &self,
        mesh: &Mesh,
        gateway: &str,
        timeout: Duration,
    ) -> std::result::Result<String, KubeError> {
        let assigned = WaitCondition::parse("jsonpath={.status.loadBalancer.ingress[0]}")?;
        let svc = mesh
            .cluster
            .client
            .wait(
                "service",
                Some(&mesh.namespace),
                gateway,
                &assigned,
                timeout,
                &self.ctx.interrupt,
            )
            .await?;
        let ingress = svc
            .pointer("/status/loadBalancer/ingress/0")
            .cloned()
            .unwrap_or(Value::Null);
        Ok(ingress
            .get("ip")
            .or_else(|| ingress.get("hostname"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string())
    }

    fn ingress_address(&self, mesh: &Mesh, peer: &str, timeout: Option<&str>) -> Result<String> {
        let spec = self.mesh_spec(mesh)?;
        let gateway = spec
            .ingress
            .get(peer)
            .ok_or_else(|| missing_gateways(mesh, peer))?;
        let timeout = self.timeout(timeout)?;
        self.call(
            &mesh.cluster,
            self.ingress_address_async(mesh, gateway, timeout),
        )
    }

    /// The objects one side of a link needs: the other's CA and a ServiceMeshPeer for it.
    fn link_objects(
        &self,
        local: &Mesh,
        local_side: &Side,
        remote: &Mesh,
        remote_side: &Side,
        remote_address: &str,
    ) -> Result<Vec<Value>> {
        let ingress = local_side
            .spec
            .ingress
            .get(&remote.name)
            .ok_or_else(|| missing_gateways(local, &remote.name))?;
        let egress = local_side
            .spec
            .egress
            .get(&remote.name)
            .ok_or_else(|| missing_gateways(local, &remote.name))?;
        let remote_ingress = remote_side
            .spec
            .ingress
            .get(&local.name)
            .ok_or_else(|| missing_gateways(remote, &local.name))?;
        let remote_egress = remote_side
            .spec
            .egress
            .get(&local.name)
            .ok_or_else(|| missing_gateways(remote, &local.name))?;
        // The peer's ports are those of its ingress gateway for us (first service, then discovery).
        let ports = remote_side
            .spec
            .ports
            .get(remote_ingress)
            .cloned()
            .unwrap_or_default();
        let service_port = ports.first().copied().unwrap_or(SERVICE_PORT);
        let discovery_port = ports.get(1).copied().unwrap_or(DISCOVERY_PORT);
        Ok(vec![
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": trusted_configmap(&remote.name), "namespace": local.namespace},
                "data": {ROOT_KEY: remote_side.ca.pem},
            }),
            json!({
                "apiVersion": "federation.maistra.io/v1", "kind": "ServiceMeshPeer",
                "metadata": {"name": remote.name, "namespace": local.namespace},
                "spec": {
                    "remote": {"addresses": [remote_address], "discoveryPort": discovery_port, "servicePort": service_port},
                    "gateways": {"ingress": {"name": ingress}, "egress": {"name": egress}},
                    "security": {
                        "trustDomain": remote_side.spec.trust_domain,
                        "clientID": client_id(&remote_side.spec, &remote.namespace, remote_egress),
                        "certificateChain": {"kind": "ConfigMap", "name": trusted_configmap(&remote.name)},
                    },
                },
            }),
        ])
    }

    fn connect(&self, a: &Mesh, b: &Mesh, opts: &Map) -> Result<()> {
        if let Some(k) = opts
            .keys()
            .find(|k| !["wait", "timeout"].contains(&k.as_str()))
        {
            return Err(PrimitiveError::new(format!(
                "peer::connect: unknown option `{k}` (known: wait, timeout)"
            ))
            .into());
        }
        let timeout = self.timeout(
            opts.get("timeout")
                .and_then(|t| t.clone().into_string().ok())
                .as_deref(),
        )?;
        // Each side's address for the other is awaited while the sides are read: under the
        // gateway names fedrun gives (`gateway_names`), then again under the names the control
        // planes turn out to use if those differ. Load balancers take their time.
        let guessed = (gateway_names(&b.name).0, gateway_names(&a.name).0);
        let (a_side, b_side, (a_address, b_address)) = self.block_on(async {
            let reads = std::pin::pin!(futures::future::try_join(
                self.read_side(a),
                self.read_side(b)
            ));
            let early = std::pin::pin!(futures::future::join(
                self.ingress_address_async(a, &guessed.0, timeout),
                self.ingress_address_async(b, &guessed.1, timeout),
            ));
            let (sides, early) = match futures::future::select(reads, early).await {
                Either::Left((sides, early)) => (sides, Either::Left(early)),
                Either::Right((addresses, reads)) => (reads.await, Either::Right(addresses)),
            };
            let ((a_smcp, a_ca), (b_smcp, b_ca)) = sides.map_err(|e| fail(a.cluster.name(), e))?;
            let a_side = self.side(a, &a_smcp, &a_ca)?;
            let b_side = self.side(b, &b_smcp, &b_ca)?;
            let gateway = |side: &Side, local: &Mesh, remote: &Mesh| {
                side.spec
                    .ingress
                    .get(&remote.name)
                    .cloned()
                    .ok_or_else(|| missing_gateways(local, &remote.name))
            };
            let gateways = (gateway(&a_side, a, b)?, gateway(&b_side, b, a)?);
            let addresses = if gateways == guessed {
                match early {
                    Either::Left(pending) => pending.await,
                    Either::Right(addresses) => addresses,
                }
            } else {
                futures::join!(
                    self.ingress_address_async(a, &gateways.0, timeout),
                    self.ingress_address_async(b, &gateways.1, timeout)
                )
            };
            Ok::<_, Box<EvalAltResult>>((a_side, b_side, addresses))
        })??;
        let a_address = a_address.map_err(|e| fail(a.cluster.name(), e))?;
        let b_address = b_address.map_err(|e| fail(b.cluster.name(), e))?;
        let on_a = self.link_objects(a, &a_side, b, &b_side, &b_address)?;
        let on_b = self.link_objects(b, &b_side, a, &a_side, &a_address)?;
        let apply_opts = ApplyOptions::for_playbook(&self.ctx.playbook);
        let (applied_a, applied_b) = self.block_on(async {
            futures::join!(
                a.cluster.client.apply(on_a, &apply_opts),
                b.cluster.client.apply(on_b, &apply_opts)
            )
        })?;
        for (mesh, applied) in [(a, applied_a), (b, applied_b)] {
            for object in applied.map_err(|e| fail(mesh.cluster.name(), e))? {
                self.ctx
                    .note_write(object.outcome != crate::kube::Outcome::Unchanged);
            }
        }
        let wait = opts
            .get("wait")
            .map(|w| w.as_bool().unwrap_or(true))
            .unwrap_or(true);
        if wait {
            let (ra, rb) = self.block_on(async {
                futures::join!(
                    self.wait_connected_async(a, &b.name, timeout),
                    self.wait_connected_async(b, &a.name, timeout)
                )
            })?;
            ra?;
            rb?;
        }
        Ok(())
    }

    /// A compact view of a peer link, from the ServiceMeshPeer and the service sets.
    fn status(&self, mesh: &Mesh, peer: &str) -> Result<Map> {
        let client = &mesh.cluster.client;
        let ns = Some(mesh.namespace.as_str());
        let (smp, iss, ess) = self.call(&mesh.cluster, async {
            futures::try_join!(
                client.try_get("servicemeshpeer", ns, peer),
                client.try_get("importedserviceset", ns, peer),
                client.try_get("exportedserviceset", ns, peer)
            )
        })?;
        Ok(status_map(smp.as_ref(), iss.as_ref(), ess.as_ref()))
    }

    async fn wait_connected_async(&self, mesh: &Mesh, peer: &str, timeout: Duration) -> Result<()> {
        let connected = WaitCondition::parse("condition=Connected")
            .map_err(|e| fail(mesh.cluster.name(), e))?;
        let client = &mesh.cluster.client;
        match client
            .wait(
                "servicemeshpeer",
                Some(&mesh.namespace),
                peer,
                &connected,
                timeout,
                &self.ctx.interrupt,
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(KubeError::Timeout { waited, .. }) => {
                // A cluster that stopped answering is the reason, not a peer field.
                let smp = client
                    .try_get("servicemeshpeer", Some(&mesh.namespace), peer)
                    .await
                    .map_err(|e| fail(mesh.cluster.name(), e))?;
                let status = status_map(smp.as_ref(), None, None);
                let reason = |k: &str| status.get(k).map(|v| v.to_string()).unwrap_or_default();
                Err(PrimitiveError::new(format!(
                    "peer {peer} of mesh {} is not connected after {}: {} — {}",
                    mesh.name,
                    crate::duration::format(waited),
                    reason("reason"),
                    reason("message")
                ))
                .with_cluster(mesh.cluster.name())
                .with_hint("the message names the field at fault; `peer::status` shows the link, `peer::connect` derives every field")
                .into())
            }
            Err(e) => Err(fail(mesh.cluster.name(), e)),
        }
    }

    fn wait_imported(&self, mesh: &Mesh, peer: &str, timeout: Option<&str>) -> Result<Array> {
        let timeout = self.timeout(timeout)?;
        let imported = WaitCondition::parse("jsonpath={.status.importedServices[0].exportedName}")
            .map_err(|e| fail(mesh.cluster.name(), e))?;
        let client = &mesh.cluster.client;
        match self.block_on(client.wait(
            "importedserviceset",
            Some(&mesh.namespace),
            peer,
            &imported,
            timeout,
            &self.ctx.interrupt,
        ))? {
            Ok(iss) => Ok(hostnames(Some(&iss), "importedServices")),
            Err(KubeError::Timeout { waited, .. }) => {
                let status = self.status(mesh, peer)?;
                Err(PrimitiveError::new(format!(
                    "mesh {} imported nothing from {peer} after {}: peer connected = {}, reason: {}",
                    mesh.name,
                    crate::duration::format(waited),
                    status.get("connected").map(|v| v.to_string()).unwrap_or_default(),
                    status.get("import_reason").map(|v| v.to_string()).unwrap_or_default()
                ))
                .with_cluster(mesh.cluster.name())
                .with_hint("imports need a connected peer that exports matching services (peer::export_to on the other side)")
                .into())
            }
            Err(e) => Err(fail(mesh.cluster.name(), e)),
        }
    }

    fn service_set(
        &self,
        mesh: &Mesh,
        peer: &str,
        kind: &str,
        rules: Array,
        opts: &Map,
    ) -> Result<()> {
        let export = kind == "ExportedServiceSet";
        let rules: Vec<Value> = rules
            .into_iter()
            .map(|r| rule(r, export))
            .collect::<Result<_>>()?;
        let mut spec = json!({ if export { "exportRules" } else { "importRules" }: rules });
        for (key, field) in [("domain_suffix", "domainSuffix"), ("locality", "locality")] {
            if let Some(v) = opts.get(key) {
                spec[field] = to_json(v).map_err(|e| PrimitiveError::new(e.to_string()))?;
            }
        }
        if let Some(k) = opts
            .keys()
            .find(|k| !["domain_suffix", "locality"].contains(&k.as_str()))
        {
            return Err(PrimitiveError::new(format!(
                "peer::import_from: unknown option `{k}` (known: domain_suffix, locality)"
            ))
            .into());
        }
        let set = json!({
            "apiVersion": "federation.maistra.io/v1", "kind": kind,
            "metadata": {"name": peer, "namespace": mesh.namespace},
            "spec": spec,
        });
        self.apply_objects(&mesh.cluster, vec![set], None)?;
        Ok(())
    }
}

/// One concise rule → the service-set rule. `#{ namespace, name, alias }` is a NameSelector;
/// `#{ namespace, labels, aliases }` a LabelSelector (exports only); a map with `type` is taken as is.
fn rule(value: Dynamic, export: bool) -> Result<Value> {
    let map = value.try_cast::<Map>().ok_or_else(|| {
        PrimitiveError::new(
            "each rule must be a map, e.g. #{ namespace: \"stg-bookinfo\", name: \"details\" }",
        )
    })?;
    let json = to_json(&map.clone().into()).map_err(|e| PrimitiveError::new(e.to_string()))?;
    if json.get("type").is_some() {
        return Ok(json);
    }
    let allowed: &[&str] = if export {
        &["namespace", "name", "alias", "labels", "aliases"]
    } else {
        &[
            "namespace",
            "name",
            "alias",
            "import_as_local",
            "domain_suffix",
        ]
    };
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(PrimitiveError::new(format!(
            "unknown rule key `{k}` (known: {})",
            allowed.join(", ")
        ))
        .into());
    }
    let namespace = json.get("namespace").cloned().unwrap_or(json!("*"));
    if let Some(labels) = json.get("labels") {
        if !export {
            return Err(PrimitiveError::new(
                "imports select services by name only (NameSelector): use `name`, not `labels`",
            )
            .into());
        }
        if json.get("alias").is_some() {
            return Err(PrimitiveError::new(
                "a label rule takes `aliases` (a list of #{ name, namespace, alias }), not `alias` — the API server would silently drop it",
            )
            .into());
        }
        let mut selector = json!({"namespace": namespace, "selector": {"matchLabels": labels}});
        if let Some(aliases) = json.get("aliases") {
            selector["aliases"] = aliases.clone();
        }
        return Ok(json!({"type": "LabelSelector", "labelSelector": selector}));
    }
    let mut selector =
        json!({"namespace": namespace, "name": json.get("name").cloned().unwrap_or(json!("*"))});
    if let Some(alias) = json.get("alias") {
        selector["alias"] = alias.clone();
    }
    let mut rule = json!({"type": "NameSelector", "nameSelector": selector});
    if let Some(local) = json.get("import_as_local") {
        rule["importAsLocal"] = local.clone();
    }
    if let Some(suffix) = json.get("domain_suffix") {
        rule["domainSuffix"] = suffix.clone();
    }
    Ok(rule)
}

/// The names a service set lists: imports by the local hostname the mesh reaches them at, exports
/// by the name the peer sees (`<name>.<ns>.svc.<mesh>-exports.local`).
fn hostnames(set: Option<&Value>, field: &str) -> Array {
    let key = if field == "exportedServices" {
        "/exportedName"
    } else {
        "/localService/hostname"
    };
    set.and_then(|s| s.pointer(&format!("/status/{field}")))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|s| s.pointer(key).and_then(Value::as_str))
                .map(|h| Dynamic::from(h.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn condition<'a>(object: Option<&'a Value>, kind: &str) -> Option<&'a Value> {
    object?
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

fn status_map(smp: Option<&Value>, iss: Option<&Value>, ess: Option<&Value>) -> Map {
    let mut out = Map::new();
    let connected = condition(smp, "Connected");
    out.insert("exists".into(), smp.is_some().into());
    out.insert(
        "connected".into(),
        connected.is_some_and(|c| c["status"] == "True").into(),
    );
    let text = |c: Option<&Value>, key: &str| {
        c.and_then(|c| c.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    out.insert("reason".into(), text(connected, "reason").into());
    out.insert("message".into(), text(connected, "message").into());
    let watch = smp
        .and_then(|s| {
            s.pointer("/status/discoveryStatus/active/0/watch")
                .or(s.pointer("/status/discoveryStatus/inactive/0/watch"))
        })
        .cloned()
        .unwrap_or(Value::Null);
    out.insert(
        "last_connected".into(),
        watch
            .get("lastConnected")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
    );
    out.insert(
        "last_disconnect_status".into(),
        watch
            .get("lastDisconnectStatus")
            .and_then(Value::as_str)
            .unwrap_or("")
            .into(),
    );
    out.insert("imported".into(), hostnames(iss, "importedServices").into());
    out.insert("exported".into(), hostnames(ess, "exportedServices").into());
    out.insert(
        "import_reason".into(),
        text(condition(iss, "Importing"), "reason").into(),
    );
    out.insert(
        "export_reason".into(),
        text(condition(ess, "Exporting"), "reason").into(),
    );
    out
}

pub fn register(engine: &mut Engine, env: &Env) {
    let mut module = Module::new();
    let e = env.clone();
    FuncRegistration::new("ingress_address")
        .with_comments([
            "/// The address `mesh` offers to `peer`: the LoadBalancer IP or hostname (whichever the cloud",
            "/// gives) of its ingress gateway for that peer, waiting until it is assigned.",
        ])
        .with_params_info(["mesh: Mesh", "peer: &str", "String"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str| located(&call, || e.ingress_address(&m, peer, None)));
    let e = env.clone();
    FuncRegistration::new("connect")
        .with_comments([
            "/// Federates two meshes both ways: publishes each CA to the other, reads each side's ingress",
            "/// address for the other, creates both ServiceMeshPeers with `trustDomain` and `clientID`",
            "/// derived from the control planes and the gateways' ports — the two clusters concurrently —",
            "/// and waits until both peers are connected. Both meshes need gateways for each other",
            "/// (`peers` of mesh::control_plane). Idempotent.",
            "///",
            "/// ```rhai",
            "/// peer::connect(prod, stg);",
            "/// ```",
        ])
        .with_params_info(["a: Mesh", "b: Mesh", "()"])
        .set_into_module(&mut module, move |call: NativeCallContext, a: Mesh, b: Mesh| located(&call, || e.connect(&a, &b, &Map::new())));
    let e = env.clone();
    FuncRegistration::new("connect")
        .with_comments(["/// As above with options: `wait` (default true) and `timeout`."])
        .with_params_info(["a: Mesh", "b: Mesh", "opts: Map", "()"])
        .set_into_module(
            &mut module,
            move |call: NativeCallContext, a: Mesh, b: Mesh, opts: Map| {
                located(&call, || e.connect(&a, &b, &opts))
            },
        );
    let e = env.clone();
    FuncRegistration::new("export_to")
        .with_comments([
            "/// Exports services of `mesh` to `peer` (an ExportedServiceSet named after the peer).",
            "/// Rules: `#{ namespace, name, alias: #{ namespace, name } }` (by name, `*` wildcards) or",
            "/// `#{ namespace, labels: #{ app: \"details\" }, aliases: [...] }` (by label); first match wins.",
            "///",
            "/// ```rhai",
            "/// peer::export_to(stg, prod.name, [#{ namespace: \"stg-bookinfo\", name: \"details\", alias: #{ namespace: \"prod-bookinfo\", name: \"details-v2\" } }]);",
            "/// ```",
        ])
        .with_params_info(["mesh: Mesh", "peer: &str", "rules: Array", "()"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str, rules: Array| located(&call, || e.service_set(&m, peer, "ExportedServiceSet", rules, &Map::new())));
    let e = env.clone();
    FuncRegistration::new("import_from")
        .with_comments([
            "/// Imports services `peer` exports into `mesh` (an ImportedServiceSet named after the peer).",
            "/// Rules: `#{ namespace, name, alias: #{ namespace, name }, import_as_local: bool, domain_suffix }`.",
        ])
        .with_params_info(["mesh: Mesh", "peer: &str", "rules: Array", "()"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str, rules: Array| located(&call, || e.service_set(&m, peer, "ImportedServiceSet", rules, &Map::new())));
    let e = env.clone();
    FuncRegistration::new("import_from")
        .with_comments(["/// As above with options `domain_suffix` and `locality` (#{ region, zone, subzone })."])
        .with_params_info(["mesh: Mesh", "peer: &str", "rules: Array", "opts: Map", "()"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str, rules: Array, opts: Map| located(&call, || e.service_set(&m, peer, "ImportedServiceSet", rules, &opts)));
    let e = env.clone();
    FuncRegistration::new("status")
        .with_comments([
            "/// The link to `peer` as a map: `connected`, `reason`, `message`, `last_connected`,",
            "/// `last_disconnect_status`, `imported` and `exported` (hostnames), `import_reason`, `export_reason`.",
        ])
        .with_params_info(["mesh: Mesh", "peer: &str", "Map"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str| located(&call, || e.status(&m, peer)));
    let e = env.clone();
    FuncRegistration::new("wait_connected")
        .with_comments(["/// Waits until the peer link is connected; on timeout the error shows the last reason."])
        .with_params_info(["mesh: Mesh", "peer: &str", "timeout: &str", "()"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str, timeout: &str| located(&call, || {
            let timeout = e.timeout(Some(timeout))?;
            e.block_on(e.wait_connected_async(&m, peer, timeout))?
        }));
    let e = env.clone();
    FuncRegistration::new("wait_connected")
        .with_comments(["/// Waits (default timeout) until the peer link is connected."])
        .with_params_info(["mesh: Mesh", "peer: &str", "()"])
        .set_into_module(
            &mut module,
            move |call: NativeCallContext, m: Mesh, peer: &str| {
                located(&call, || {
                    let timeout = e.timeout(None)?;
                    e.block_on(e.wait_connected_async(&m, peer, timeout))?
                })
            },
        );
    let e = env.clone();
    FuncRegistration::new("wait_imported")
        .with_comments(["/// Waits until `mesh` imports at least one service from `peer`; returns the imported hostnames."])
        .with_params_info(["mesh: Mesh", "peer: &str", "timeout: &str", "Array"])
        .set_into_module(&mut module, move |call: NativeCallContext, m: Mesh, peer: &str, timeout: &str| located(&call, || e.wait_imported(&m, peer, Some(timeout))));
    let e = env.clone();
    FuncRegistration::new("wait_imported")
        .with_comments([
            "/// Waits (default timeout) until `mesh` imports at least one service from `peer`.",
        ])
        .with_params_info(["mesh: Mesh", "peer: &str", "Array"])
        .set_into_module(
            &mut module,
            move |call: NativeCallContext, m: Mesh, peer: &str| {
                located(&call, || e.wait_imported(&m, peer, None))
            },
        );
    engine.register_static_module("peer", module.into());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, Dynamic)]) -> Dynamic {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert((*k).into(), v.clone());
        }
        m.into()
    }

    #[test]
    fn concise_rules_become_selectors() {
        let alias = map(&[
            ("namespace", "prod-bookinfo".into()),
            ("name", "details-v2".into()),
        ]);
        let r = rule(
            map(&[
                ("namespace", "stg-bookinfo".into()),
                ("name", "details".into()),
                ("alias", alias),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(r["type"], "NameSelector");
        assert_eq!(r["nameSelector"]["alias"]["name"], "details-v2");
        let labels = map(&[("app", "details".into())]);
        let r = rule(
            map(&[
                ("namespace", "stg-bookinfo".into()),
                ("labels", labels.clone()),
            ]),
            true,
        )
        .unwrap();
        assert_eq!(
            r["labelSelector"]["selector"]["matchLabels"]["app"],
            "details"
        );
        let err = rule(map(&[("labels", labels), ("alias", map(&[]))]), true).unwrap_err();
        let EvalAltResult::ErrorRuntime(payload, _) = *err else {
            panic!("not a runtime error")
        };
        assert!(payload.cast::<PrimitiveError>().message.contains("aliases"));
        let r = rule(
            map(&[("namespace", "x".into()), ("import_as_local", true.into())]),
            false,
        )
        .unwrap();
        assert_eq!(r["importAsLocal"], true);
        assert!(rule(map(&[("nmae", "x".into())]), false).is_err());
    }

    #[test]
    fn status_reads_conditions_and_hostnames() {
        let smp = json!({"status": {"conditions": [{"type": "Connected", "status": "False", "reason": "NotConnected", "message": "x509: unknown authority"}],
            "discoveryStatus": {"inactive": [{"watch": {"lastDisconnectStatus": "503"}}]}}});
        let iss = json!({"status": {"importedServices": [{"exportedName": "e", "localService": {"hostname": "details.x.svc.a-imports.local"}}]}});
        let s = status_map(Some(&smp), Some(&iss), None);
        assert!(!s["connected"].as_bool().unwrap());
        assert_eq!(
            s["message"].clone().into_string().unwrap(),
            "x509: unknown authority"
        );
        assert_eq!(s["imported"].clone().cast::<Array>().len(), 1);
    }
}
