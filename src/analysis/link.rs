//! Why a federation link is down, from the configuration of both meshes.
//!
//! Maistra records only what istiod's discovery watch got back (`503 Service Unavailable`,
//! `403 Forbidden`, a DNS error) in `discoveryStatus`; the cause sits in the objects of two
//! clusters. These checks follow the path a watch takes (maistra/istio
//! `pkg/servicemesh/federation/discovery/discovery.go`): the local egress gateway, the peer's
//! ingress address and ports, the roots and trust domains each side verifies the other with, and
//! the clientID the peer's ingress admits. Each finding names the object, the field, what it
//! holds, what it should hold, and the fix. Pure functions over objects read beforehand, so the
//! same checks serve a wait that times out and `fedrun doctor` / `fedrun lint` (see
//! [`super::analyze`]).

use std::fmt;

use serde_json::Value;

use super::Severity;
use crate::prims::cert::{Certificate, ROOT_CONFIGMAP, ROOT_KEY};
use crate::prims::mesh::{DISCOVERY_PORT, INGRESS_FOR, SERVICE_PORT};

/// One mesh's side of a link, as read from its cluster.
#[derive(Debug, Default)]
pub struct Side {
    pub cluster: String,
    /// The mesh's name (its ServiceMeshControlPlane's), which peers know it by.
    pub mesh: String,
    pub namespace: String,
    pub smcp: Value,
    /// Its ServiceMeshPeer for the other mesh, if any.
    pub peer: Option<Value>,
    /// The Services of the mesh namespace (the gateways, with their load balancer addresses).
    pub services: Vec<Value>,
    /// The ConfigMaps of the mesh namespace (its own root, the peers' roots).
    pub configmaps: Vec<Value>,
    /// Read from a cluster: statuses (load balancer addresses) and the ConfigMaps the
    /// walkthrough creates by command are there to check. Manifests in files have neither.
    pub live: bool,
}

/// Something in one object that keeps a link down.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    /// The rule's identifier (SARIF's ruleId), e.g. `client-id`.
    pub rule: &'static str,
    pub severity: Severity,
    pub cluster: String,
    /// `servicemeshpeer rosa-prod-mesh/aro-stg-mesh`
    pub object: String,
    /// `spec.security.clientID`
    pub field: String,
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cluster {}, {} {}: {} (fix: {})",
            self.cluster, self.object, self.field, self.problem, self.fix
        )
    }
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

impl Side {
    fn trust_domain(&self) -> &str {
        match text(&self.smcp, "/spec/security/trust/domain") {
            "" => "cluster.local",
            d => d,
        }
    }

    fn configmap(&self, name: &str) -> Option<&Value> {
        self.configmaps
            .iter()
            .find(|c| text(c, "/metadata/name") == name)
    }

    fn service(&self, name: &str) -> Option<&Value> {
        self.services
            .iter()
            .find(|s| text(s, "/metadata/name") == name)
    }

    /// The mesh's own root CA.
    fn root(&self) -> Option<Certificate> {
        let pem = text(
            self.configmap(ROOT_CONFIGMAP)?,
            &format!("/data/{ROOT_KEY}"),
        );
        Certificate::from_pem(pem).ok()
    }

    fn gateways(&self, kind: &str) -> Vec<String> {
        self.smcp
            .pointer(&format!("/spec/gateways/{kind}"))
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The ingress gateway this mesh offers `other`: the one its ServiceMeshPeer for `other`
    /// names, else the SMCP's gateway labelled `ingress-for: <other>`.
    fn ingress_for(&self, other: &str) -> Option<String> {
        if let Some(peer) = &self.peer {
            let name = text(peer, "/spec/gateways/ingress/name");
            if !name.is_empty() {
                return Some(name.to_string());
            }
        }
        let label = format!(
            "/service/metadata/labels/{}",
            INGRESS_FOR.replace('/', "~1")
        );
        self.smcp
            .pointer("/spec/gateways/additionalIngress")
            .and_then(Value::as_object)?
            .iter()
            .find(|(_, g)| text(g, &label) == other)
            .map(|(name, _)| name.clone())
    }

    fn peer_object(&self, peer_name: &str) -> String {
        format!("servicemeshpeer {}/{peer_name}", self.namespace)
    }
}

/// What keeps the link between `a` and `b` down, both directions; `b` is `None` when the other
/// mesh could not be found, and then only `a`'s own objects are checked.
pub fn diagnose(a: &Side, b: Option<&Side>, b_name: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    match b {
        Some(b) => {
            outbound(a, b, &mut out);
            outbound(b, a, &mut out);
        }
        None => {
            local(a, b_name, &mut out);
        }
    }
    out
}

/// The checks of `from`'s objects that need nothing of the other side.
fn local(from: &Side, to: &str, out: &mut Vec<Finding>) -> Option<()> {
    let Some(peer) = &from.peer else {
        out.push(Finding {
            rule: "peer-missing",
            severity: Severity::Error,
            cluster: from.cluster.clone(),
            object: from.peer_object(to),
            field: "metadata.name".into(),
            problem: format!(
                "mesh {} has no ServiceMeshPeer named {to}: nothing watches {to} from this side, and {to}'s watch of {} finds no peer for it",
                from.mesh, from.mesh
            ),
            fix: "peer::connect(a, b) creates both ServiceMeshPeers".into(),
        });
        return None;
    };
    let object = from.peer_object(to);
    let finding = |rule: &'static str, field: &str, problem: String, fix: String| Finding {
        rule,
        severity: Severity::Error,
        cluster: from.cluster.clone(),
        object: object.clone(),
        field: field.into(),
        problem,
        fix,
    };
    for (field, kind, default) in [
        ("egress", "additionalEgress", "istio-egressgateway"),
        ("ingress", "additionalIngress", "istio-ingressgateway"),
    ] {
        let name = text(peer, &format!("/spec/gateways/{field}/name"));
        let defined = from.gateways(kind);
        if name != default && !defined.iter().any(|g| g == name) {
            out.push(finding(
                "gateway-name",
                &format!("spec.gateways.{field}.name"),
                format!(
                    "\"{name}\" is not an {kind} gateway of ServiceMeshControlPlane {}/{} (it defines: {}): istiod routes the peer's traffic to a gateway that does not exist (no such host)",
                    from.namespace,
                    from.mesh,
                    if defined.is_empty() { "none".into() } else { defined.join(", ") }
                ),
                format!(
                    "name one of those, or add a gateway for {to} to the control plane (`peers` of mesh::control_plane)"
                ),
            ));
        }
    }
    // The walkthrough creates the peers' root ConfigMaps by command: files do not hold them.
    if !from.live {
        return Some(());
    }
    let chain = text(peer, "/spec/security/certificateChain/name");
    match from.configmap(chain).filter(|_| !chain.is_empty()) {
        None => out.push(finding(
            "ca-configmap",
            "spec.security.certificateChain.name",
            format!(
                "ConfigMap {}/{chain} does not exist: istiod cannot verify the peer's certificate and the link stays down",
                from.namespace
            ),
            format!("cert::trust(mesh, \"{to}\", cert::root(peer_mesh)) publishes the peer's root"),
        )),
        Some(cm) => {
            if Certificate::from_pem(text(cm, &format!("/data/{ROOT_KEY}"))).is_err() {
                out.push(finding(
                    "ca-configmap",
                    "spec.security.certificateChain.name",
                    format!(
                        "ConfigMap {}/{chain} holds no PEM certificate under {ROOT_KEY}: istiod cannot verify the peer's certificate",
                        from.namespace
                    ),
                    format!(
                        "cert::trust(mesh, \"{to}\", cert::root(peer_mesh)) publishes the peer's root"
                    ),
                ));
            }
        }
    }
    Some(())
}

/// Whether an address can be one a load balancer has: an IP, or a DNS name of more than one
/// label (cloud load balancers' are, e.g. `a1b2.elb.us-east-1.amazonaws.com`). The walkthrough's
/// placeholders (`aro-stg-ingress-url`) are single labels.
fn placeholder(address: &str) -> bool {
    address.parse::<std::net::IpAddr>().is_err() && !address.contains('.')
}

/// The checks of the watch from `from` to `to`: `from`'s objects against `to`'s, and `to`'s
/// clientID for `from`.
fn outbound(from: &Side, to: &Side, out: &mut Vec<Finding>) {
    if local(from, &to.mesh, out).is_none() {
        return;
    }
    let Some(peer) = &from.peer else {
        return;
    };
    let object = from.peer_object(&to.mesh);
    let finding = |rule: &'static str, field: &str, problem: String, fix: String| Finding {
        rule,
        severity: Severity::Error,
        cluster: from.cluster.clone(),
        object: object.clone(),
        field: field.into(),
        problem,
        fix,
    };
    let addresses: Vec<&str> = peer
        .pointer("/spec/remote/addresses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();

    // The address and ports of the peer's ingress gateway for us.
    match to.ingress_for(&from.mesh) {
        None => out.push(Finding {
            rule: "ingress-gateway",
            severity: Severity::Error,
            cluster: to.cluster.clone(),
            object: format!("servicemeshcontrolplane {}/{}", to.namespace, to.mesh),
            field: "spec.gateways.additionalIngress".into(),
            problem: format!(
                "no ingress gateway labelled {INGRESS_FOR}: {}: mesh {} offers no entry to {}",
                from.mesh, to.mesh, from.mesh
            ),
            fix: format!(
                "add \"{}\" to the `peers` of mesh::control_plane for {}",
                from.mesh, to.mesh
            ),
        }),
        Some(gateway) => {
            let service = to.service(&gateway);
            let lb = service
                .and_then(|s| s.pointer("/status/loadBalancer/ingress/0"))
                .and_then(|i| i.get("ip").or_else(|| i.get("hostname")))
                .and_then(Value::as_str);
            let where_ = format!(
                "service {}/{gateway} on cluster {}",
                to.namespace, to.cluster
            );
            let lookup = format!(
                "oc -n {} get service {gateway} -o jsonpath='{{.status.loadBalancer.ingress[0]}}'",
                to.namespace
            );
            match lb {
                None if !to.live => {
                    if let Some(bad) = addresses.iter().find(|a| placeholder(a)) {
                        out.push(finding(
                            "remote-address",
                            "spec.remote.addresses",
                            format!(
                                "\"{bad}\" is a placeholder, not an address: istiod's discovery watch cannot resolve it (no such host) and the link stays down"
                            ),
                            format!(
                                "put the LoadBalancer address of {}'s ingress for {} there: {lookup} (peer::connect reads it)",
                                to.mesh, from.mesh
                            ),
                        ));
                    }
                }
                None => out.push(Finding {
                    rule: "ingress-address",
                    severity: Severity::Warning,
                    cluster: to.cluster.clone(),
                    object: format!("service {}/{gateway}", to.namespace),
                    field: "status.loadBalancer.ingress".into(),
                    problem: format!(
                        "{} has no LoadBalancer address{}: the peer has nothing to connect to",
                        where_,
                        if service.is_none() { " (the Service does not exist)" } else { " yet" }
                    ),
                    fix: "wait for the cloud's load balancer (`peer::ingress_address` waits for it), or check the Service's events".into(),
                }),
                Some(address) if !addresses.contains(&address) => out.push(finding(
                    "remote-address",
                    "spec.remote.addresses",
                    format!(
                        "[{}] does not hold {}'s ingress address for {}, {address} ({where_}){}: istiod's discovery watch goes elsewhere and gets 503 Service Unavailable or no such host",
                        addresses.join(", "),
                        to.mesh,
                        from.mesh,
                        if addresses.iter().any(|a| placeholder(a)) { ", only a placeholder" } else { "" }
                    ),
                    format!("set spec.remote.addresses to [\"{address}\"] (peer::connect does)"),
                )),
                Some(_) => {}
            }
            if let Some(service) = service {
                let ports: Vec<i64> = service
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.get("port").and_then(Value::as_i64))
                    .collect();
                for (field, default) in [
                    ("discoveryPort", DISCOVERY_PORT),
                    ("servicePort", SERVICE_PORT),
                ] {
                    let port = peer
                        .pointer(&format!("/spec/remote/{field}"))
                        .and_then(Value::as_i64)
                        .unwrap_or(default);
                    if !ports.contains(&port) {
                        out.push(finding(
                            "remote-port",
                            &format!("spec.remote.{field}"),
                            format!(
                                "{port} is not a port of {where_} (it serves {}): the connection is refused",
                                ports
                                    .iter()
                                    .map(i64::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            format!("use one of the gateway's ports (federation uses {SERVICE_PORT} and {DISCOVERY_PORT})"),
                        ));
                    }
                }
            }
        }
    }

    // The root this side verifies the peer with.
    if from.live {
        let chain = text(peer, "/spec/security/certificateChain/name");
        let held = from
            .configmap(chain)
            .and_then(|cm| Certificate::from_pem(text(cm, &format!("/data/{ROOT_KEY}"))).ok());
        match (held, to.root()) {
            (Some(held), Some(root)) if held.sha256 != root.sha256 => {
                let whose = if from.root().is_some_and(|own| own.sha256 == held.sha256) {
                    format!("this mesh's own root ({})", from.mesh)
                } else {
                    "another certificate".into()
                };
                out.push(finding(
                    "ca-configmap",
                    "spec.security.certificateChain.name",
                    format!(
                        "ConfigMap {}/{chain} holds {whose}, sha256 {}, not the current root of {}, sha256 {} (ConfigMap {}/{ROOT_CONFIGMAP} on cluster {}): TLS to the peer fails (x509: certificate signed by unknown authority)",
                        from.namespace, held.sha256, to.mesh, root.sha256, to.namespace, to.cluster
                    ),
                    format!("cert::trust(mesh, \"{}\", cert::root(peer_mesh)) publishes the peer's current root", to.mesh),
                ));
            }
            (_, None) => out.push(Finding {
                rule: "ca-root",
                severity: Severity::Warning,
                cluster: to.cluster.clone(),
                object: format!("configmap {}/{ROOT_CONFIGMAP}", to.namespace),
                field: format!("data.{ROOT_KEY}"),
                problem: format!(
                    "mesh {} has no root CA yet: its peers cannot trust it",
                    to.mesh
                ),
                fix: "wait for its control plane to be ready (mesh wait_ready)".into(),
            }),
            _ => {}
        }
    }

    let trust_domain = text(peer, "/spec/security/trustDomain");
    if trust_domain != to.trust_domain() {
        out.push(finding(
            "trust-domain",
            "spec.security.trustDomain",
            format!(
                "\"{trust_domain}\" is not the trust domain of {}, \"{}\" (its control plane's spec.security.trust.domain): istiod rejects the peer's certificate and the link stays down",
                to.mesh,
                to.trust_domain()
            ),
            format!("set it to \"{}\" (peer::connect derives it)", to.trust_domain()),
        ));
    }

    // The identity the peer's ingress admits: our egress gateway's service account (when the
    // egress is one; a wrong egress name is reported above).
    let egress = text(peer, "/spec/gateways/egress/name");
    let egress_defined = egress == "istio-egressgateway"
        || from
            .gateways("additionalEgress")
            .iter()
            .any(|g| g == egress);
    if let Some(back) = to.peer.as_ref().filter(|_| egress_defined) {
        let identity = format!(
            "{}/ns/{}/sa/{egress}-service-account",
            from.trust_domain(),
            from.namespace
        );
        let client_id = text(back, "/spec/security/clientID");
        if client_id != identity {
            out.push(Finding {
                rule: "client-id",
                severity: Severity::Error,
                cluster: to.cluster.clone(),
                object: to.peer_object(&from.mesh),
                field: "spec.security.clientID".into(),
                problem: format!(
                    "\"{client_id}\" is not the identity of {}'s egress gateway for {}, \"{identity}\": its watches get 403 Forbidden",
                    from.mesh, to.mesh
                ),
                fix: format!("set it to \"{identity}\" (peer::connect derives it)"),
            });
        }
    }
}

/// A link as one side's ServiceMeshPeer shows it, read from the only status Maistra writes
/// there, `discoveryStatus` (maistra/api `federation/v1/servicemeshpeer_types.go`).
pub struct LinkState {
    pub exists: bool,
    /// This mesh's istiod watches the peer: an `active` entry whose watch is connected.
    pub outbound: bool,
    /// The peer's istiod watches this mesh: a connected `remotes` entry.
    pub inbound: bool,
    pub last_connected: String,
    pub last_disconnect_status: String,
}

impl LinkState {
    pub fn of(smp: Option<&Value>) -> LinkState {
        let pods = |list: &str| {
            smp.and_then(|s| s.pointer(&format!("/status/discoveryStatus/{list}")))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (active, inactive) = (pods("active"), pods("inactive"));
        let all = || active.iter().chain(inactive.iter());
        let yes = |v: Option<&Value>| v == Some(&Value::Bool(true));
        let watch_text = |key: &str| {
            all()
                .find_map(|e| e.pointer(&format!("/watch/{key}")).and_then(Value::as_str))
                .unwrap_or("")
                .to_string()
        };
        LinkState {
            exists: smp.is_some(),
            outbound: active.iter().any(|e| yes(e.pointer("/watch/connected"))),
            inbound: all().any(|e| {
                e.get("remotes")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|r| yes(r.get("connected"))))
            }),
            last_connected: watch_text("lastConnected"),
            last_disconnect_status: watch_text("lastDisconnectStatus"),
        }
    }

    /// Up both ways.
    pub fn connected(&self) -> bool {
        self.outbound && self.inbound
    }

    pub fn describe(&self, peer: &str) -> String {
        if !self.exists {
            return format!("no ServiceMeshPeer {peer}");
        }
        let outbound = if self.outbound {
            "istiod watches the peer".to_string()
        } else if self.last_disconnect_status.is_empty() {
            "istiod does not watch the peer yet".to_string()
        } else {
            format!(
                "istiod's watch of the peer got \"{}\"",
                self.last_disconnect_status
            )
        };
        let inbound = if self.inbound {
            "the peer watches this mesh"
        } else {
            "the peer does not watch this mesh (no connected remote)"
        };
        format!("{outbound}; {inbound}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ca(org: &str) -> String {
        let mut params = rcgen::CertificateParams::default();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, org);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    /// A mesh `name` in namespace `name`, federated with `other` the way peer::connect does it.
    fn side(name: &str, other: &str, own: &str, others: &str, address: &str) -> Side {
        let base = |m: &str| m.trim_end_matches("-mesh").to_string();
        let gw = |m: &str, kind: &str| format!("{}-{kind}", base(m));
        let labels = json!({INGRESS_FOR: other});
        Side {
            cluster: base(name),
            mesh: name.into(),
            namespace: name.into(),
            smcp: json!({"metadata": {"name": name}, "spec": {"security": {"trust": {"domain": format!("{name}.local")}},
                "gateways": {
                    "additionalIngress": {gw(other, "ingress"): {"service": {"metadata": {"labels": labels}}}},
                    "additionalEgress": {gw(other, "egress"): {}}}}}),
            peer: Some(json!({"metadata": {"name": other}, "spec": {
                "remote": {"addresses": [address]},
                "gateways": {"ingress": {"name": gw(other, "ingress")}, "egress": {"name": gw(other, "egress")}},
                "security": {"trustDomain": format!("{other}.local"),
                    "clientID": format!("{other}.local/ns/{other}/sa/{}-service-account", gw(name, "egress")),
                    "certificateChain": {"kind": "ConfigMap", "name": format!("{other}-ca-root-cert")}}}})),
            services: vec![json!({"metadata": {"name": gw(other, "ingress")},
                "spec": {"ports": [{"port": 15443}, {"port": 8188}]},
                "status": {"loadBalancer": {"ingress": [{"ip": format!("ip-of-{name}")}]}}})],
            configmaps: vec![
                json!({"metadata": {"name": ROOT_CONFIGMAP}, "data": {ROOT_KEY: own}}),
                json!({"metadata": {"name": format!("{other}-ca-root-cert")}, "data": {ROOT_KEY: others}}),
            ],
            live: true,
        }
    }

    fn pair() -> (Side, Side) {
        let (a_ca, b_ca) = (ca("a-mesh.local"), ca("b-mesh.local"));
        (
            side("a-mesh", "b-mesh", &a_ca, &b_ca, "ip-of-b-mesh"),
            side("b-mesh", "a-mesh", &b_ca, &a_ca, "ip-of-a-mesh"),
        )
    }

    fn fields(findings: &[Finding]) -> Vec<(String, String)> {
        findings
            .iter()
            .map(|f| (f.object.clone(), f.field.clone()))
            .collect()
    }

    #[test]
    fn a_link_configured_as_connect_does_has_no_findings() {
        let (a, b) = pair();
        assert_eq!(diagnose(&a, Some(&b), "b-mesh"), vec![]);
    }

    #[test]
    fn each_cause_is_named_with_its_object_and_field() {
        let set = |side: &mut Side, pointer: &str, value: Value| {
            *side.peer.as_mut().unwrap().pointer_mut(pointer).unwrap() = value;
        };
        type Breaks<'a> = Box<dyn Fn(&mut Side, &mut Side) + 'a>;
        let cases: Vec<(&str, Breaks, (&str, &str))> = vec![
            (
                "clientID",
                Box::new(|_, b| {
                    set(
                        b,
                        "/spec/security/clientID",
                        json!("gc-dev-mesh.local/ns/x/sa/y"),
                    )
                }),
                ("servicemeshpeer b-mesh/a-mesh", "spec.security.clientID"),
            ),
            (
                "trustDomain",
                Box::new(|a, _| set(a, "/spec/security/trustDomain", json!("b.local"))),
                ("servicemeshpeer a-mesh/b-mesh", "spec.security.trustDomain"),
            ),
            (
                "address",
                Box::new(|a, _| set(a, "/spec/remote/addresses", json!(["aro-stg-ingress-url"]))),
                ("servicemeshpeer a-mesh/b-mesh", "spec.remote.addresses"),
            ),
            (
                "port",
                Box::new(|a, _| {
                    set(
                        a,
                        "/spec/remote",
                        json!({"addresses": ["ip-of-b-mesh"], "discoveryPort": 8189}),
                    )
                }),
                ("servicemeshpeer a-mesh/b-mesh", "spec.remote.discoveryPort"),
            ),
            (
                "egress",
                Box::new(|a, _| set(a, "/spec/gateways/egress/name", json!("b-egres"))),
                ("servicemeshpeer a-mesh/b-mesh", "spec.gateways.egress.name"),
            ),
            (
                "own root",
                Box::new(|a, _| {
                    let own = a.configmaps[0]["data"][ROOT_KEY].clone();
                    a.configmaps[1]["data"][ROOT_KEY] = own;
                }),
                (
                    "servicemeshpeer a-mesh/b-mesh",
                    "spec.security.certificateChain.name",
                ),
            ),
            (
                "missing chain",
                Box::new(|a, _| {
                    a.configmaps.pop();
                }),
                (
                    "servicemeshpeer a-mesh/b-mesh",
                    "spec.security.certificateChain.name",
                ),
            ),
        ];
        for (what, breaks, expected) in cases {
            let (mut a, mut b) = pair();
            breaks(&mut a, &mut b);
            let found = diagnose(&a, Some(&b), "b-mesh");
            assert_eq!(
                fields(&found),
                vec![(expected.0.to_string(), expected.1.to_string())],
                "{what}: {found:#?}"
            );
        }
        let (mut a, b) = pair();
        let own = a.configmaps[0]["data"][ROOT_KEY].clone();
        a.configmaps[1]["data"][ROOT_KEY] = own;
        let found = diagnose(&a, Some(&b), "b-mesh");
        assert!(
            found[0].problem.contains("this mesh's own root"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn without_the_other_side_the_local_objects_are_still_checked() {
        let (mut a, _) = pair();
        a.peer = None;
        let found = diagnose(&a, None, "b-mesh");
        assert_eq!(
            fields(&found),
            vec![(
                "servicemeshpeer a-mesh/b-mesh".into(),
                "metadata.name".into()
            )]
        );
    }
}
