//! The shipped playbooks, run as users run them: `fedrun --sim playbooks/...` on a fresh state
//! directory, then composed, then re-run; and playbooks that break a link on purpose.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{fedrun_sim as fedrun, link_up, serve, succeeded, text};

fn playbook(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks")
        .join(name)
        .display()
        .to_string()
}

/// The run summary printed with `--output json`.
fn summary(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(o)))
}

/// Reads an object from a simulated cluster through kubectl-free means: a tiny playbook.
fn read(state: &Path, dir: &Path, cluster: &str, kind: &str, ns: &str, name: &str) -> Value {
    let script = dir.join(format!("read-{cluster}-{kind}-{name}.rhai"));
    std::fs::write(
        &script,
        format!("print(cluster(\"{cluster}\").get(\"{kind}\", \"{ns}\", \"{name}\").to_json());"),
    )
    .unwrap();
    let out = fedrun(state, &[script.to_str().unwrap()]);
    let stdout = succeeded(&out);
    let line = stdout
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no object printed:\n{stdout}"));
    serde_json::from_str(line).unwrap()
}

fn weights(vs: &Value) -> Vec<(String, i64)> {
    vs["spec"]["http"][0]["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let d = &r["destination"];
            let to = d["subset"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| d["host"].as_str().unwrap().to_string());
            (to, r["weight"].as_i64().unwrap())
        })
        .collect()
}

#[test]
fn rosa_aro_then_rosa_rog_federate_one_production_mesh_with_both() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");

    let first = fedrun(&state, &["--output", "json", &playbook("rosa-aro.rhai")]);
    let s = summary(&first);
    assert_eq!(s["ok"], true, "{}", text(&first));
    let steps: Vec<&str> = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    // Steps run at once are listed in the order they started, which may vary.
    fn at_once(mut names: Vec<&str>) -> Vec<&str> {
        names.sort();
        names
    }
    assert_eq!(steps.len(), 6, "{steps:?}");
    assert_eq!(steps[0], "Service Mesh on both clusters");
    assert_eq!(
        at_once(steps[1..3].to_vec()),
        vec!["Applications", "Federation"]
    );
    assert_eq!(
        at_once(steps[3..5].to_vec()),
        vec!["Federation status", "Traffic split"]
    );
    assert_eq!(steps[5], "Load");
    assert!(s["changed"].as_u64().unwrap() > 10, "{s}");

    let second = succeeded(&fedrun(&state, &[&playbook("rosa-rog.rhai")]));
    assert!(second.contains("connected=true"), "{second}");

    for (cluster, mesh, peer) in [
        ("rosa", "rosa-prod-mesh", "aro-stg-mesh"),
        ("aro", "aro-stg-mesh", "rosa-prod-mesh"),
        ("rosa", "rosa-prod-mesh", "gcp-dev-mesh"),
        ("rog", "gcp-dev-mesh", "rosa-prod-mesh"),
    ] {
        let smp = read(&state, dir.path(), cluster, "servicemeshpeer", mesh, peer);
        assert!(link_up(&smp), "{cluster}/{peer}: {smp}");
        assert!(smp["status"].get("conditions").is_none(), "{smp}");
    }
    let smcp = read(
        &state,
        dir.path(),
        "rosa",
        "smcp",
        "rosa-prod-mesh",
        "rosa-prod-mesh",
    );
    let ingress: Vec<&String> = smcp["spec"]["gateways"]["additionalIngress"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(ingress, vec!["aro-stg-ingress", "gcp-dev-ingress"]);
    for peer in ["aro-stg-mesh", "gcp-dev-mesh"] {
        let iss = read(
            &state,
            dir.path(),
            "rosa",
            "importedserviceset",
            "rosa-prod-mesh",
            peer,
        );
        let hosts: Vec<&str> = iss["status"]["importedServices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["localService"]["hostname"].as_str().unwrap())
            .collect();
        let version = if peer == "aro-stg-mesh" { "v2" } else { "v3" };
        assert_eq!(
            hosts,
            vec![format!(
                "details-{version}.prod-bookinfo.svc.{peer}-imports.local"
            )]
        );
    }
    let vs = read(
        &state,
        dir.path(),
        "rosa",
        "virtualservice",
        "prod-bookinfo",
        "details",
    );
    assert_eq!(
        weights(&vs),
        vec![
            ("v1".to_string(), 60),
            (
                "details-v3.prod-bookinfo.svc.gcp-dev-mesh-imports.local".to_string(),
                20
            ),
            (
                "details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local".to_string(),
                20
            ),
        ]
    );

    // Re-running converges. Each playbook declares its own split (80/20, then 60/20/20), so
    // alternating them rewrites that one VirtualService and nothing else.
    for pb in ["rosa-aro.rhai", "rosa-rog.rhai"] {
        let again = fedrun(&state, &["--output", "json", &playbook(pb)]);
        let s = summary(&again);
        assert_eq!(s["ok"], true, "{}", text(&again));
        assert_eq!(
            s["changed"], 1,
            "{pb} re-run must only rewrite the split: {s}"
        );
    }
    let again = summary(&fedrun(
        &state,
        &["--output", "json", &playbook("rosa-rog.rhai")],
    ));
    assert_eq!(
        again["changed"], 0,
        "a second identical run must change nothing: {again}"
    );
}

/// At a time scale above 0 the simulated cloud and operators take time (here a twentieth of what
/// real clusters take), as on real clusters, where waits last minutes: the playbook waits for
/// each thing in turn and completes, and its summary shows the time the operators took.
#[test]
fn rosa_aro_completes_when_the_platform_takes_time() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let server = serve(&state, &["--time-scale", "0.05"]);
    let run = fedrun(&state, &["--output", "json", &playbook("rosa-aro.rhai")]);
    let s = summary(&run);
    assert_eq!(s["ok"], true, "{}", text(&run));
    let mesh = s["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["name"] == "Service Mesh on both clusters")
        .unwrap_or_else(|| panic!("{s}"));
    // OLM alone: resolution and unpack 30 s, the InstallPlan 10 s, three CSV phases of 5 s.
    let secs = mesh["duration_secs"].as_f64().unwrap();
    assert!(secs >= 0.05 * 55.0, "the operators took no time: {s}");
    server.stop();
}

#[test]
fn rosa_rog_alone_sets_up_what_it_needs() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    succeeded(&fedrun(&state, &[&playbook("rosa-rog.rhai")]));
    let vs = read(
        &state,
        dir.path(),
        "rosa",
        "virtualservice",
        "prod-bookinfo",
        "details",
    );
    assert_eq!(
        weights(&vs),
        vec![
            ("v1".to_string(), 80),
            (
                "details-v3.prod-bookinfo.svc.gcp-dev-mesh-imports.local".to_string(),
                20
            )
        ]
    );
}

fn custom(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path
}

#[test]
fn three_meshes_of_other_names_federate() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let pb = custom(
        dir.path(),
        "three.rhai",
        r#"
let names = ["east", "west", "north"];
let meshes = [];
for n in names {
    let c = cluster(n);
    mesh::operators(c);
    let peers = names.filter(|p| p != n).map(|p| `${p}-mesh`);
    meshes.push(mesh::control_plane(c, `${n}-mesh`, #{ members: [`${n}-apps`], peers: peers, trust_domain: `${n}.example` }));
}
for i in 0..meshes.len() {
    for j in (i + 1)..meshes.len() {
        peer::connect(meshes[i], meshes[j]);
    }
}
let west = cluster("west");
west.apply(`
apiVersion: v1
kind: Service
metadata: {name: inventory, labels: {app: inventory}}
spec: {ports: [{port: 8080, name: http}], selector: {app: inventory}}
`, #{ namespace: "west-apps" });
peer::export_to(meshes[1], "east-mesh", [#{ namespace: "west-apps", labels: #{ app: "inventory" } }]);
peer::import_from(meshes[0], "west-mesh", [#{ namespace: "west-apps", name: "inventory" }]);
print(`imported: ${peer::wait_imported(meshes[0], "west-mesh", "30s")}`);
for m in meshes { for n in names { if `${n}-mesh` != m.name { print(`${m.name}->${n}: ${peer::status(m, `${n}-mesh`).connected}`); } } }
"#,
    );
    let stdout = succeeded(&fedrun(
        &state,
        &[
            "--clusters",
            "east:aws,west:azure,north:gcp",
            pb.to_str().unwrap(),
        ],
    ));
    assert!(
        stdout.contains("imported: [\"inventory.west-apps.svc.west-mesh-imports.local\"]"),
        "{stdout}"
    );
    assert_eq!(
        stdout.matches(": true").count(),
        6,
        "every one of the 6 peers connected:\n{stdout}"
    );
}

#[test]
fn each_cause_of_a_down_link_is_named_with_its_object_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let setup = custom(
        dir.path(),
        "setup.rhai",
        r#"
parallel([|| mesh::operators(cluster("rosa")), || mesh::operators(cluster("aro"))]);
let a = mesh::control_plane(cluster("rosa"), "a-mesh", #{ peers: ["b-mesh"] });
let b = mesh::control_plane(cluster("aro"), "b-mesh", #{ peers: ["a-mesh"] });
peer::connect(a, b);
"#,
    );
    succeeded(&fedrun(&state, &[setup.to_str().unwrap()]));
    // Breaks one field with a plain write (as a user editing by hand would), then waits.
    let broken = custom(
        dir.path(),
        "broken.rhai",
        r#"
let a = mesh::get(cluster("rosa"), "a-mesh");
let b = mesh::get(cluster("aro"), "b-mesh");
fn peer_of(m, peer) {
    let p = m.cluster.get("servicemeshpeer", m.namespace, peer);
    p.metadata = #{ name: p.metadata.name, namespace: p.metadata.namespace };
    p.remove("status");
    p
}
step("break", || {
    switch vars.fault {
        "ca" => a.cluster.delete("configmap", a.namespace, "b-mesh-ca-root-cert"),
        "own-ca" => {
            let own = a.cluster.get("configmap", a.namespace, "istio-ca-root-cert");
            a.cluster.apply(#{ apiVersion: "v1", kind: "ConfigMap", data: own.data,
                metadata: #{ name: "b-mesh-ca-root-cert", namespace: a.namespace } }.to_json());
        }
        "address" => { let p = peer_of(a, "b-mesh"); p.spec.remote.addresses = ["aro-stg-ingress-url"]; a.cluster.apply(p.to_json()); }
        "port" => { let p = peer_of(a, "b-mesh"); p.spec.remote.discoveryPort = 8189; a.cluster.apply(p.to_json()); }
        "trust" => { let p = peer_of(a, "b-mesh"); p.spec.security.trustDomain = "cluster.local"; a.cluster.apply(p.to_json()); }
        "client" => { let p = peer_of(b, "a-mesh"); p.spec.security.clientID = "a-mesh.local/ns/a-mesh/sa/a-egress-service-account"; b.cluster.apply(p.to_json()); }
        "gateway" => { let p = peer_of(a, "b-mesh"); p.spec.gateways.egress.name = "b-egres"; a.cluster.apply(p.to_json()); }
    }
});
// The simulated istiod reacts after the write, as a real one does: wait until it has.
for i in 0..200 { if !peer::status(a, "b-mesh").connected { break; } sleep("10ms"); }
step("check", || peer::wait_connected(a, "b-mesh", "1s"));
"#,
    );
    let fix = custom(
        dir.path(),
        "fix.rhai",
        r#"peer::connect(mesh::get(cluster("rosa"), "a-mesh"), mesh::get(cluster("aro"), "b-mesh"));"#,
    );
    for (fault, expected) in [
        (
            "ca",
            &[
                "spec.security.certificateChain.name",
                "b-mesh-ca-root-cert does not exist",
            ][..],
        ),
        (
            "own-ca",
            &[
                "spec.security.certificateChain.name",
                "this mesh's own root (a-mesh)",
            ],
        ),
        (
            "address",
            &[
                "spec.remote.addresses",
                "[aro-stg-ingress-url]",
                "503 Service Unavailable",
            ],
        ),
        ("port", &["spec.remote.discoveryPort", "8189 is not a port"]),
        (
            "trust",
            &[
                "spec.security.trustDomain",
                "\"cluster.local\" is not the trust domain of b-mesh",
            ],
        ),
        (
            "client",
            &[
                "cluster aro, servicemeshpeer b-mesh/a-mesh spec.security.clientID",
                "403 Forbidden",
            ],
        ),
        (
            "gateway",
            &[
                "spec.gateways.egress.name",
                "\"b-egres\" is not an additionalEgress gateway",
                "no such host",
            ],
        ),
    ] {
        let out = fedrun(
            &state,
            &["--set", &format!("fault={fault}"), broken.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1), "{fault}: {}", text(&out));
        let all = text(&out);
        assert!(all.contains("check"), "the failing step is named:\n{all}");
        assert!(all.contains("broken.rhai:"), "file:line:col:\n{all}");
        assert!(
            all.contains("peer b-mesh of mesh a-mesh is not connected"),
            "{all}"
        );
        for e in expected {
            assert!(all.contains(e), "{fault}: {e:?} missing:\n{all}");
        }
        // peer::connect derives every field again: the link comes back.
        succeeded(&fedrun(&state, &[fix.to_str().unwrap()]));
    }
}
