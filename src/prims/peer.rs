//! The peer primitives: connect two meshes, export and import services, and see the link's state.
//!
//! `connect` does by itself everything the walkthrough does by hand on both sides: it publishes
//! each mesh's CA to the other, reads each side's ingress address for the other, and writes both
//! ServiceMeshPeers with `trustDomain` and `clientID` derived from the control planes — the fields
//! people mistype — with the two clusters handled concurrently.

use std::time::Duration;

use futures::future::Either;
use rhai::plugin::*;
use rhai::{Array, Map};
use serde_json::{Value, json};

use super::Env;
use super::cert::{Certificate, ROOT_CONFIGMAP, ROOT_KEY, trusted_configmap};
use super::cluster::fail;
use super::mesh::{DISCOVERY_PORT, Mesh, MeshSpec, SERVICE_PORT, gateway_names};
use crate::analysis::link::{self, LinkState};
use crate::kube::{ApplyOptions, ClusterClient, KubeError, WaitCondition, Watched};
use crate::script::{PrimitiveError, to_json};

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
    /// Everything `connect` reads from one mesh, in one round of concurrent requests: its root,
    /// and its control plane's spec unless the run already knows it has gateways for `other`.
    async fn read_side(
        &self,
        mesh: &Mesh,
        other: &str,
    ) -> std::result::Result<(MeshSpec, Value), KubeError> {
        let client = &mesh.cluster.client;
        let known = mesh
            .spec
            .as_ref()
            .filter(|s| s.ingress.contains_key(other) && s.egress.contains_key(other));
        let spec = async {
            match known {
                Some(spec) => Ok((**spec).clone()),
                None => client
                    .get("smcp", Some(&mesh.namespace), &mesh.name)
                    .await
                    .map(|smcp| MeshSpec::from_smcp(&smcp)),
            }
        };
        let ca = async {
            match client
                .get("configmap", Some(&mesh.namespace), ROOT_CONFIGMAP)
                .await
            {
                // The control plane writes it once it runs: a plan goes on with a stand-in.
                Err(e) if e.is_not_found() && client.plan().is_some() => {
                    client.record_note(
                        crate::plan::Action::Unknown,
                        format!(
                            "the root CA of mesh {} ({}/{ROOT_CONFIGMAP}): a stand-in is used",
                            mesh.name, mesh.namespace
                        ),
                    );
                    Ok(super::cert::stand_in_root(&mesh.namespace))
                }
                other => other,
            }
        };
        futures::try_join!(spec, ca)
    }

    fn side(&self, mesh: &Mesh, spec: MeshSpec, ca: &Value) -> Result<Side> {
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
        Ok(Side { spec, ca })
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
        let address = ingress
            .get("ip")
            .or_else(|| ingress.get("hostname"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // A plan did not wait for the load balancer: the address comes once applied.
        if address.is_empty() && mesh.cluster.client.plan().is_some() {
            mesh.cluster.client.record_note(
                crate::plan::Action::Unknown,
                format!(
                    "the address of {}/{gateway}'s load balancer",
                    mesh.namespace
                ),
            );
            return Ok(format!(
                "{gateway}.{}.unknown-until-applied",
                mesh.namespace
            ));
        }
        Ok(address)
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
        let none = std::collections::BTreeSet::new();
        let guessed = (
            gateway_names(&b.name, &none).0,
            gateway_names(&a.name, &none).0,
        );
        let (a_side, b_side, (a_address, b_address)) = self.block_on(async {
            let reads = std::pin::pin!(futures::future::try_join(
                self.read_side(a, &b.name),
                self.read_side(b, &a.name)
            ));
            let early = std::pin::pin!(futures::future::join(
                self.ingress_address_async(a, &guessed.0, timeout),
                self.ingress_address_async(b, &guessed.1, timeout),
            ));
            let (sides, early) = match futures::future::select(reads, early).await {
                Either::Left((sides, early)) => (sides, Either::Left(early)),
                Either::Right((addresses, reads)) => (reads.await, Either::Right(addresses)),
            };
            let ((a_spec, a_ca), (b_spec, b_ca)) = sides.map_err(|e| fail(a.cluster.name(), e))?;
            let a_side = self.side(a, a_spec, &a_ca)?;
            let b_side = self.side(b, b_spec, &b_ca)?;
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
                    self.wait_connected_async(a, &b.name, timeout, true),
                    self.wait_connected_async(b, &a.name, timeout, true)
                )
            })?;
            ra?;
            rb?;
        }
        Ok(())
    }

    /// A compact view of a peer link, from the ServiceMeshPeer and the service sets; when the
    /// link is down, `problems` says why, from the configuration of both sides.
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
        let mut status = status_map(smp.as_ref(), iss.as_ref(), ess.as_ref());
        let problems: Array = if LinkState::of(smp.as_ref()).connected() {
            Array::new()
        } else {
            self.call(&mesh.cluster, self.diagnose(mesh, peer))?
                .0
                .iter()
                .map(|f| Dynamic::from(f.to_string()))
                .collect()
        };
        status.insert("problems".into(), problems.into());
        Ok(status)
    }

    /// Reads one mesh's side of a link: its control plane, its ServiceMeshPeer for `other`, and
    /// the Services and ConfigMaps of its namespace, in one round of concurrent requests.
    async fn read_link_side(
        &self,
        client: &ClusterClient,
        mesh: &str,
        namespace: &str,
        other: &str,
    ) -> std::result::Result<link::Side, KubeError> {
        let ns = Some(namespace);
        let (smcp, peer, services, configmaps) = futures::try_join!(
            client.get("smcp", ns, mesh),
            client.try_get("servicemeshpeer", ns, other),
            client.list("service", ns, None, None),
            client.list("configmap", ns, None, None),
        )?;
        Ok(link::Side {
            cluster: client.name().to_string(),
            mesh: mesh.to_string(),
            namespace: namespace.to_string(),
            smcp,
            peer,
            services,
            configmaps,
            live: true,
        })
    }

    /// The control plane named `name` on the clusters this run uses: the other side of a link
    /// only known by its ServiceMeshPeer's name.
    async fn find_mesh(&self, name: &str) -> Option<(ClusterClient, String)> {
        let clients = self.backend().ok()?.clusters.connected();
        let by_name = format!("metadata.name={name}");
        let lists = futures::future::join_all(
            clients
                .iter()
                .map(|c| c.list("smcp", None, None, Some(&by_name))),
        )
        .await;
        clients.into_iter().zip(lists).find_map(|(client, listed)| {
            let smcp = listed.ok()?.into_iter().next()?;
            let ns = smcp.pointer("/metadata/namespace")?.as_str()?.to_string();
            Some((client, ns))
        })
    }

    /// What keeps the link between `mesh` and `peer` down, and whether the peer's side was read.
    async fn diagnose(
        &self,
        mesh: &Mesh,
        peer: &str,
    ) -> std::result::Result<(Vec<link::Finding>, bool), KubeError> {
        let local = self.read_link_side(&mesh.cluster.client, &mesh.name, &mesh.namespace, peer);
        let remote = async {
            match self.find_mesh(peer).await {
                Some((client, ns)) => self
                    .read_link_side(&client, peer, &ns, &mesh.name)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        };
        let (local, remote) = futures::try_join!(local, remote)?;
        let findings = link::diagnose(&local, remote.as_ref(), peer);
        Ok((findings, remote.is_some()))
    }

    /// The error of a link that did not come up: what Maistra recorded, then the causes found.
    async fn not_connected(
        &self,
        mesh: &Mesh,
        peer: &str,
        smp: Option<&Value>,
        waited: Duration,
    ) -> Box<EvalAltResult> {
        let state = LinkState::of(smp);
        let mut message = format!(
            "peer {peer} of mesh {} is not connected after {}: {}",
            mesh.name,
            crate::duration::format(waited),
            state.describe(peer)
        );
        match self.diagnose(mesh, peer).await {
            Ok((findings, read_both)) => {
                for finding in &findings {
                    message.push_str(&format!("\n  - {finding}"));
                }
                if findings.is_empty() {
                    message.push_str(if read_both {
                        "\n  both sides are configured consistently: look at the federation gateways' pods and the network between the clusters"
                    } else {
                        "\n  (the peer mesh is on none of the clusters this run uses: only this side was checked)"
                    });
                }
            }
            Err(e) => message.push_str(&format!("\n  (the configuration could not be read: {e})")),
        }
        PrimitiveError::new(message)
            .with_cluster(mesh.cluster.name())
            .with_hint("peer::connect derives every field of both ServiceMeshPeers; `peer::status` shows the link")
            .into()
    }

    /// Fails at once when `mesh` has no ServiceMeshPeer `peer`: a typo, not something to wait for.
    async fn existing_peer(&self, mesh: &Mesh, peer: &str) -> Result<()> {
        let client = &mesh.cluster.client;
        let ns = Some(mesh.namespace.as_str());
        let found = client
            .try_get("servicemeshpeer", ns, peer)
            .await
            .map_err(|e| fail(mesh.cluster.name(), e))?;
        if found.is_some() {
            return Ok(());
        }
        let known: Vec<String> = client
            .list("servicemeshpeer", ns, None, None)
            .await
            .map_err(|e| fail(mesh.cluster.name(), e))?
            .iter()
            .filter_map(|p| p.pointer("/metadata/name").and_then(Value::as_str))
            .map(str::to_string)
            .collect();
        Err(PrimitiveError::new(format!(
            "mesh {} has no ServiceMeshPeer named {peer} (it has: {})",
            mesh.name,
            if known.is_empty() {
                "none".into()
            } else {
                known.join(", ")
            }
        ))
        .with_cluster(mesh.cluster.name())
        .with_hint(
            "a ServiceMeshPeer is named after the other mesh; peer::connect(a, b) creates both",
        )
        .into())
    }

    /// Waits until the link is up both ways. `written`: fedrun has just written the peer, so
    /// there is no typo in its name to find first.
    async fn wait_connected_async(
        &self,
        mesh: &Mesh,
        peer: &str,
        timeout: Duration,
        written: bool,
    ) -> Result<()> {
        if !written {
            self.existing_peer(mesh, peer).await?;
        }
        let client = &mesh.cluster.client;
        let watched = [Watched::object(
            "servicemeshpeer",
            Some(&mesh.namespace),
            peer,
        )];
        let what = |ns: &str| format!("servicemeshpeer/{peer}{ns} to be connected both ways");
        let connected = client
            .wait_until(&watched, what, timeout, &self.ctx.interrupt, |seen| {
                let state = LinkState::of(seen[0].get(peer));
                if state.connected() {
                    Ok(())
                } else {
                    Err(state.describe(peer))
                }
            })
            .await;
        match connected {
            Ok(()) => Ok(()),
            Err(KubeError::Timeout { waited, .. }) => {
                // A cluster that stopped answering is the reason, not a peer field.
                let smp = client
                    .try_get("servicemeshpeer", Some(&mesh.namespace), peer)
                    .await
                    .map_err(|e| fail(mesh.cluster.name(), e))?;
                Err(self.not_connected(mesh, peer, smp.as_ref(), waited).await)
            }
            Err(e) => Err(fail(mesh.cluster.name(), e)),
        }
    }

    fn wait_imported(&self, mesh: &Mesh, peer: &str, timeout: Option<&str>) -> Result<Array> {
        let timeout = self.timeout(timeout)?;
        let client = &mesh.cluster.client;
        let ns = Some(mesh.namespace.as_str());
        if self
            .call(
                &mesh.cluster,
                client.try_get("importedserviceset", ns, peer),
            )?
            .is_none()
        {
            return Err(PrimitiveError::new(format!(
                "mesh {} has no ImportedServiceSet named {peer}: nothing can be imported from it",
                mesh.name
            ))
            .with_cluster(mesh.cluster.name())
            .with_hint(format!(
                "peer::import_from(mesh, \"{peer}\", rules) creates it"
            ))
            .into());
        }
        let watched = [Watched::object("importedserviceset", ns, peer)];
        let what = |ns: &str| format!("importedserviceset/{peer}{ns} to import a service");
        let imported = self.block_on(client.wait_until(
            &watched,
            what,
            timeout,
            &self.ctx.interrupt,
            |seen| {
                let names = hostnames(seen[0].get(peer), "importedServices");
                if names.is_empty() {
                    Err("nothing imported".into())
                } else {
                    Ok(names)
                }
            },
        ))?;
        match imported {
            Ok(names) => Ok(names),
            Err(KubeError::Timeout { waited, .. }) => {
                let status = self.status(mesh, peer)?;
                let connected = status
                    .get("connected")
                    .is_some_and(|c| c.as_bool().unwrap_or(false));
                let list = |key: &str| {
                    status
                        .get(key)
                        .and_then(|v| v.clone().try_cast::<Array>())
                        .map(|a| {
                            a.iter()
                                .map(|v| v.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default()
                };
                let why = if !connected {
                    format!("the link is down: {}", list("problems"))
                } else if !list("not_imported").is_empty() {
                    format!(
                        "the peer exports {} but no rule of ImportedServiceSet {}/{peer} matches them",
                        list("not_imported"),
                        mesh.namespace
                    )
                } else {
                    format!(
                        "the peer exports nothing to this mesh (its ExportedServiceSet named {} selects no service of its member namespaces)",
                        mesh.name
                    )
                };
                Err(PrimitiveError::new(format!(
                    "mesh {} imported nothing from {peer} after {}: {why}",
                    mesh.name,
                    crate::duration::format(waited),
                ))
                .with_cluster(mesh.cluster.name())
                .with_hint("imports need a connected peer that exports matching services (peer::export_to on the other side)")
                .into())
            }
            Err(e) => Err(fail(mesh.cluster.name(), e)),
        }
    }

    /// Fails fast on what would otherwise be a wait of minutes: a peer `mesh` has no federation
    /// gateways for (a typo in its name), and export rules naming a namespace that is not a
    /// configured member of the mesh (misspelled, missing, or not in the member roll).
    fn check_service_set(
        &self,
        mesh: &Mesh,
        peer: &str,
        rules: &[Value],
        export: bool,
    ) -> Result<()> {
        let client = &mesh.cluster.client;
        let ns = Some(mesh.namespace.as_str());
        let mut namespaces: Vec<&str> = rules
            .iter()
            .flat_map(|r| {
                ["/nameSelector/namespace", "/labelSelector/namespace"].map(|p| r.pointer(p))
            })
            .flatten()
            .filter_map(Value::as_str)
            .filter(|n| export && !matches!(*n, "" | "*"))
            .collect();
        namespaces.sort();
        namespaces.dedup();
        // What the run saw of the mesh settles the usual case without a request; anything it
        // does not confirm is read fresh (another step may have added a peer or a member).
        let known = mesh
            .spec
            .as_ref()
            .is_some_and(|s| s.ingress.contains_key(peer))
            && namespaces.iter().all(|n| {
                *n == mesh.namespace
                    || mesh
                        .members
                        .as_ref()
                        .is_some_and(|m| m.iter().any(|m| m == n))
            });
        if known {
            return Ok(());
        }
        let members = async {
            if namespaces.is_empty() {
                return Ok(None);
            }
            client.try_get("smmr", ns, "default").await.map(|roll| {
                let list = |field: &str| -> Vec<String> {
                    roll.as_ref()
                        .and_then(|r| r.pointer(field))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                };
                // The operator lists in `configuredMembers` the members that exist and joined.
                Some((list("/spec/members"), list("/status/configuredMembers")))
            })
        };
        let (smcp, members) = self.call(&mesh.cluster, async {
            futures::try_join!(client.get("smcp", ns, &mesh.name), members)
        })?;
        let peers = MeshSpec::from_smcp(&smcp).ingress;
        if !peers.contains_key(peer) {
            let known: Vec<&str> = peers.keys().map(String::as_str).collect();
            return Err(PrimitiveError::new(format!(
                "mesh {} has no federation gateways for a peer named {peer} (it has gateways for: {})",
                mesh.name,
                if known.is_empty() { "none".into() } else { known.join(", ") }
            ))
            .with_cluster(mesh.cluster.name())
            .with_hint("the peer is named after the other mesh; add it to the `peers` of mesh::control_plane")
            .into());
        }
        let (members, configured) = members.unwrap_or_default();
        for namespace in namespaces {
            let problem =
                if namespace == mesh.namespace || configured.iter().any(|m| m == namespace) {
                    continue;
                } else if members.iter().any(|m| m == namespace) {
                    "is in the member roll but not configured (does the namespace exist?)"
                } else {
                    "is not a member of the mesh (its ServiceMeshMemberRoll default)"
                };
            return Err(PrimitiveError::new(format!(
                "export rule namespace {namespace} {problem}: mesh {} exports only services of its member namespaces (members: {})",
                mesh.name,
                if members.is_empty() { "none".into() } else { members.join(", ") }
            ))
            .with_cluster(mesh.cluster.name())
            .with_hint("add it to the `members` of mesh::control_plane, or fix the namespace's name")
            .into());
        }
        Ok(())
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
        self.check_service_set(mesh, peer, &rules, export)?;
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
        return local_import(json);
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
    local_import(rule)
}

/// An `importAsLocal` rule merges the service into a local one, so Maistra needs the namespace
/// to merge into as a fixed alias namespace, and skips the rule without one (maistra/istio
/// `pkg/servicemesh/federation/common/imports.go`). Derived from the selector's namespace when
/// that is fixed; refused otherwise, rather than importing nothing.
fn local_import(mut rule: Value) -> Result<Value> {
    if rule.get("importAsLocal") != Some(&json!(true)) {
        return Ok(rule);
    }
    let fixed = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|n| !matches!(*n, "" | "*"))
            .map(str::to_string)
    };
    if fixed(rule.pointer("/nameSelector/alias/namespace")).is_some() {
        return Ok(rule);
    }
    let Some(namespace) = fixed(rule.pointer("/nameSelector/namespace")) else {
        return Err(PrimitiveError::new(
            "import_as_local needs the namespace to import into: give the rule a `namespace`, or `alias: #{ namespace: ... }` (Maistra skips the rule otherwise)",
        )
        .into());
    };
    match rule.pointer_mut("/nameSelector/alias") {
        Some(alias) if alias.is_object() => alias["namespace"] = json!(namespace),
        _ => rule["nameSelector"]["alias"] = json!({ "namespace": namespace }),
    }
    Ok(rule)
}

/// The names a service set lists: imports by the local hostname the mesh reaches them at (an
/// entry without one is a service the peer exports that no import rule matched), exports by the
/// name the peer sees (`<name>.<ns>.svc.<peer>-exports.local`).
fn hostnames(set: Option<&Value>, field: &str) -> Array {
    let key = if field == "exportedServices" {
        "/exportedName"
    } else {
        "/localService/hostname"
    };
    entries(set, field)
        .filter_map(|s| s.pointer(key).and_then(Value::as_str))
        .filter(|h| !h.is_empty())
        .map(|h| Dynamic::from(h.to_string()))
        .collect()
}

fn entries<'a>(set: Option<&'a Value>, field: &str) -> impl Iterator<Item = &'a Value> {
    set.and_then(|s| s.pointer(&format!("/status/{field}")))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn status_map(smp: Option<&Value>, iss: Option<&Value>, ess: Option<&Value>) -> Map {
    let state = LinkState::of(smp);
    let mut out = Map::new();
    out.insert("exists".into(), state.exists.into());
    out.insert("connected".into(), state.connected().into());
    out.insert("outbound".into(), state.outbound.into());
    out.insert("inbound".into(), state.inbound.into());
    out.insert("state".into(), state.describe("").into());
    out.insert("last_connected".into(), state.last_connected.clone().into());
    out.insert(
        "last_disconnect_status".into(),
        state.last_disconnect_status.clone().into(),
    );
    out.insert("imported".into(), hostnames(iss, "importedServices").into());
    let not_imported: Array = entries(iss, "importedServices")
        .filter(|e| {
            e.pointer("/localService/hostname")
                .and_then(Value::as_str)
                .unwrap_or("")
                .is_empty()
        })
        .filter_map(|e| e.get("exportedName").and_then(Value::as_str))
        .map(|n| Dynamic::from(n.to_string()))
        .collect();
    out.insert("not_imported".into(), not_imported.into());
    out.insert("exported".into(), hostnames(ess, "exportedServices").into());
    out
}

/// Registers the `peer::` functions.
pub fn register(engine: &mut Engine) {
    engine.register_static_module("peer", exported_module!(api).into());
}

/// The `peer::` functions.
#[export_module]
mod api {
    use super::*;

    /// The address `mesh` offers to `peer`: the LoadBalancer IP or hostname (whichever the cloud
    /// gives) of its ingress gateway for that peer, waiting until it is assigned.
    #[rhai_fn(return_raw)]
    pub fn ingress_address(call: NativeCallContext, mesh: Mesh, peer: &str) -> Result<String> {
        Env::with(&call, |env| env.ingress_address(&mesh, peer, None))
    }

    /// Federates two meshes both ways: publishes each CA to the other, reads each side's ingress
    /// address for the other, creates both ServiceMeshPeers with `trustDomain` and `clientID`
    /// derived from the control planes and the gateways' ports — the two clusters concurrently —
    /// and waits until both peers are connected. Both meshes need gateways for each other
    /// (`peers` of mesh::control_plane). Idempotent.
    ///
    /// ```rhai
    /// peer::connect(prod, stg);
    /// ```
    #[rhai_fn(return_raw)]
    pub fn connect(call: NativeCallContext, a: Mesh, b: Mesh) -> Result<()> {
        connect_with(call, a, b, Map::new())
    }

    /// As above with options: `wait` (default true) and `timeout`.
    #[rhai_fn(name = "connect", return_raw)]
    pub fn connect_with(call: NativeCallContext, a: Mesh, b: Mesh, opts: Map) -> Result<()> {
        Env::with(&call, |env| env.connect(&a, &b, &opts))
    }

    /// Exports services of `mesh` to `peer` (an ExportedServiceSet named after the peer).
    /// Rules: `#{ namespace, name, alias: #{ namespace, name } }` (by name, `*` wildcards) or
    /// `#{ namespace, labels: #{ app: "details" }, aliases: [...] }` (by label); first match wins.
    ///
    /// ```rhai
    /// peer::export_to(stg, prod.name, [#{ namespace: "stg-bookinfo", name: "details", alias: #{ namespace: "prod-bookinfo", name: "details-v2" } }]);
    /// ```
    #[rhai_fn(return_raw)]
    pub fn export_to(call: NativeCallContext, mesh: Mesh, peer: &str, rules: Array) -> Result<()> {
        Env::with(&call, |env| {
            env.service_set(&mesh, peer, "ExportedServiceSet", rules, &Map::new())
        })
    }

    /// Imports services `peer` exports into `mesh` (an ImportedServiceSet named after the peer).
    /// Rules: `#{ namespace, name, alias: #{ namespace, name }, import_as_local: bool, domain_suffix }`.
    #[rhai_fn(return_raw)]
    pub fn import_from(
        call: NativeCallContext,
        mesh: Mesh,
        peer: &str,
        rules: Array,
    ) -> Result<()> {
        import_from_with(call, mesh, peer, rules, Map::new())
    }

    /// As above with options `domain_suffix` and `locality` (#{ region, zone, subzone }).
    #[rhai_fn(name = "import_from", return_raw)]
    pub fn import_from_with(
        call: NativeCallContext,
        mesh: Mesh,
        peer: &str,
        rules: Array,
        opts: Map,
    ) -> Result<()> {
        Env::with(&call, |env| {
            env.service_set(&mesh, peer, "ImportedServiceSet", rules, &opts)
        })
    }

    /// The link to `peer` as a map, from what Maistra writes: `connected` (both ways), `outbound`
    /// (this mesh watches the peer), `inbound` (the peer watches this mesh), `state`, `last_connected`,
    /// `last_disconnect_status` (e.g. "503 Service Unavailable"), `imported` and `exported`
    /// (hostnames), `not_imported` (exported by the peer, matched by no import rule), and
    /// `problems`: why the link is down, read from both sides' configuration.
    #[rhai_fn(return_raw)]
    pub fn status(call: NativeCallContext, mesh: Mesh, peer: &str) -> Result<Map> {
        Env::with(&call, |env| env.status(&mesh, peer))
    }

    /// Waits until the peer link is connected both ways; on timeout the error names the fields at fault on either side.
    #[rhai_fn(name = "wait_connected", return_raw)]
    pub fn wait_connected_within(
        call: NativeCallContext,
        mesh: Mesh,
        peer: &str,
        timeout: &str,
    ) -> Result<()> {
        Env::with(&call, |env| {
            let timeout = env.timeout(Some(timeout))?;
            env.block_on(env.wait_connected_async(&mesh, peer, timeout, false))?
        })
    }

    /// Waits (default timeout) until the peer link is connected.
    #[rhai_fn(return_raw)]
    pub fn wait_connected(call: NativeCallContext, mesh: Mesh, peer: &str) -> Result<()> {
        Env::with(&call, |env| {
            let timeout = env.timeout(None)?;
            env.block_on(env.wait_connected_async(&mesh, peer, timeout, false))?
        })
    }

    /// Waits until `mesh` imports at least one service from `peer`; returns the imported hostnames.
    #[rhai_fn(name = "wait_imported", return_raw)]
    pub fn wait_imported_within(
        call: NativeCallContext,
        mesh: Mesh,
        peer: &str,
        timeout: &str,
    ) -> Result<Array> {
        Env::with(&call, |env| env.wait_imported(&mesh, peer, Some(timeout)))
    }

    /// Waits (default timeout) until `mesh` imports at least one service from `peer`.
    #[rhai_fn(return_raw)]
    pub fn wait_imported(call: NativeCallContext, mesh: Mesh, peer: &str) -> Result<Array> {
        Env::with(&call, |env| env.wait_imported(&mesh, peer, None))
    }
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
        assert_eq!(r["nameSelector"]["alias"]["namespace"], "x");
        assert!(rule(map(&[("nmae", "x".into())]), false).is_err());
    }

    #[test]
    fn status_reads_only_what_maistra_writes() {
        let smp = json!({"status": {"discoveryStatus": {"inactive": [{"pod": "istiod-x",
            "watch": {"connected": false, "lastConnected": "t", "lastDisconnectStatus": "503 Service Unavailable"},
            "remotes": [{"source": "10.0.0.1", "connected": true}]}]}}});
        let iss = json!({"status": {"importedServices": [
            {"exportedName": "details.stg-bookinfo.svc.rosa-prod-mesh-exports.local",
             "localService": {"hostname": "details.x.svc.aro-stg-mesh-imports.local", "name": "details", "namespace": "x"}},
            {"exportedName": "ratings.stg-bookinfo.svc.rosa-prod-mesh-exports.local",
             "localService": {"hostname": "", "name": "", "namespace": ""}}]}});
        let s = status_map(Some(&smp), Some(&iss), None);
        assert!(!s["connected"].as_bool().unwrap());
        assert!(!s["outbound"].as_bool().unwrap());
        assert!(s["inbound"].as_bool().unwrap());
        assert_eq!(
            s["last_disconnect_status"].clone().into_string().unwrap(),
            "503 Service Unavailable"
        );
        assert_eq!(s["imported"].clone().cast::<Array>().len(), 1);
        assert_eq!(s["not_imported"].clone().cast::<Array>().len(), 1);
        let up = json!({"status": {"discoveryStatus": {"active": [{"pod": "istiod-x",
            "watch": {"connected": true}, "remotes": [{"source": "10.0.0.1", "connected": true}]}]}}});
        assert!(LinkState::of(Some(&up)).connected());
        // Conditions are not Maistra's: a peer carrying one is not taken as connected.
        let invented = json!({"status": {"conditions": [{"type": "Connected", "status": "True"}]}});
        assert!(!LinkState::of(Some(&invented)).connected());
    }

    #[test]
    fn local_imports_get_the_namespace_maistra_needs_or_are_refused() {
        let r = rule(
            map(&[
                ("namespace", "prod-bookinfo".into()),
                ("name", "details".into()),
                ("import_as_local", true.into()),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(r["nameSelector"]["alias"]["namespace"], "prod-bookinfo");
        let err = rule(
            map(&[("name", "details".into()), ("import_as_local", true.into())]),
            false,
        )
        .unwrap_err();
        let EvalAltResult::ErrorRuntime(payload, _) = *err else {
            panic!("not a runtime error")
        };
        let message = payload.cast::<PrimitiveError>().message;
        assert!(
            message.contains("import_as_local needs the namespace"),
            "{message}"
        );
    }
}
