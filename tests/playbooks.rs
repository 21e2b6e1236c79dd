//! The shipped playbooks, run as users run them: `fedrun --sim playbooks/...` on a fresh state
//! directory, then composed, then re-run; and playbooks that break a link on purpose.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn fedrun(state: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fedrun"))
        .args(["--sim", "--state"])
        .arg(state)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("fedrun runs")
}

fn playbook(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks")
        .join(name)
        .display()
        .to_string()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn succeeded(o: &Output) -> String {
    assert!(o.status.success(), "fedrun failed:\n{}", text(o));
    text(o)
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

fn condition<'a>(object: &'a Value, kind: &str) -> &'a Value {
    object["status"]["conditions"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["type"] == kind))
        .unwrap_or(&Value::Null)
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
        assert_eq!(
            condition(&smp, "Connected")["status"],
            "True",
            "{cluster}/{peer}: {smp}"
        );
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
fn a_missing_ca_or_wrong_trust_domain_fails_at_wait_connected_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let pb = custom(
        dir.path(),
        "broken.rhai",
        r#"
let a = mesh::control_plane(cluster("rosa"), "a-mesh", #{ peers: ["b-mesh"] });
let b = mesh::control_plane(cluster("aro"), "b-mesh", #{ peers: ["a-mesh"] });
step("connect", || peer::connect(a, b));
step("break", || {
    if vars.fault == "ca" { a.cluster.delete("configmap", a.namespace, "b-mesh-ca-root-cert"); }
    else { mesh::control_plane(b.cluster, "b-mesh", #{ trust_domain: "elsewhere.local", wait: false }); }
});
step("check", || peer::wait_connected(a, "b-mesh", "3s"));
"#,
    );
    for (what, expected) in [("ca", "unknown authority"), ("trust", "trust")] {
        let state = state.join(what);
        // Operators first, then the broken link.
        let ops = custom(
            dir.path(),
            "ops.rhai",
            r#"mesh::operators(cluster("rosa")); mesh::operators(cluster("aro"));"#,
        );
        succeeded(&fedrun(&state, &[ops.to_str().unwrap()]));
        let out = fedrun(
            &state,
            &["--set", &format!("fault={what}"), pb.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let all = text(&out);
        assert!(all.contains("check"), "the failing step is named:\n{all}");
        assert!(
            all.contains("peer b-mesh of mesh a-mesh is not connected"),
            "{all}"
        );
        assert!(
            all.to_lowercase().contains(expected),
            "reason for {what} missing:\n{all}"
        );
    }
}
