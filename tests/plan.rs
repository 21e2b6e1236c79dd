//! `fedrun plan`: the playbook runs with every write a server-side dry run; nothing is written,
//! and what would be created, changed or left unchanged is printed per cluster.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

mod common;
use common::{TestSim, fedrun_command, fedrun_sim, succeeded, text};

fn playbook(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks")
        .join(name)
        .display()
        .to_string()
}

/// `fedrun plan --sim --state STATE ARGS`.
fn plan(state: &Path, args: &[&str]) -> Output {
    fedrun_command(&["plan", "--sim", "--state", state.to_str().unwrap()])
        .args(args)
        .output()
        .expect("fedrun runs")
}

/// Every store's resource version, once the controllers have settled (two equal readings).
fn settled_versions(sim: &TestSim) -> Vec<u64> {
    let read = || {
        sim.sim()
            .clusters()
            .iter()
            .map(|c| c.cluster.store.resource_version())
            .collect::<Vec<_>>()
    };
    let mut last = read();
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let now = read();
        if now == last {
            return now;
        }
        last = now;
    }
    panic!("the simulator never settled");
}

#[test]
fn a_plan_on_fresh_clusters_writes_nothing_and_lists_what_it_would_create() {
    let sim = TestSim::start();
    let state = sim.state_dir();
    let before = settled_versions(&sim);

    let out = plan(&state, &[&playbook("rosa-aro.rhai")]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "changes pending:\n{}",
        text(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    for expected in [
        "cluster rosa:",
        "+ create Subscription openshift-operators/servicemeshoperator",
        "+ create ProjectRequest rosa-prod-mesh",
        "after the operator installs",
        "+ create ServiceMeshControlPlane rosa-prod-mesh/rosa-prod-mesh (spec valid as maistra.io/v2 ServiceMeshControlPlane)",
        "+ create ServiceMeshPeer aro-stg-mesh/rosa-prod-mesh",
        "would wait for the operators",
        "unknown until applied: the address of",
        "not run in a plan: traffic::load",
    ] {
        assert!(stdout.contains(expected), "{expected:?} missing:\n{stdout}");
    }
    assert_eq!(settled_versions(&sim), before, "the plan wrote");
    let ns = sim.kubectl("rosa", &["get", "namespace", "rosa-prod-mesh"]);
    assert!(!ns.status.success(), "the namespace exists: {}", text(&ns));
    let subs = sim.kubectl("rosa", &["get", "subscriptions", "-A", "-o", "name"]);
    assert_eq!(
        String::from_utf8_lossy(&subs.stdout).trim(),
        "",
        "{}",
        text(&subs)
    );

    let json = plan(&state, &["--output", "json", &playbook("rosa-aro.rhai")]);
    assert_eq!(json.status.code(), Some(3), "{}", text(&json));
    let data: Value = serde_json::from_slice(&json.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(&json)));
    assert_eq!(data["changes"], true);
    assert!(data["counts"]["create"].as_u64().unwrap() > 10, "{data}");
    let rosa = data["clusters"]["rosa"].as_array().unwrap();
    assert!(rosa.iter().any(|e| e["action"] == "after_operator"
        && e["kind"] == "ServiceMeshControlPlane"
        && e["name"] == "rosa-prod-mesh"));
    assert_eq!(settled_versions(&sim), before, "the JSON plan wrote");
}

#[test]
fn after_a_run_a_plan_is_empty_and_a_changed_var_or_edit_shows_its_fields() {
    let sim = TestSim::start();
    let state = sim.state_dir();
    let book = playbook("rosa-aro.rhai");
    succeeded(&fedrun_sim(&state, &["--set", "load=0", &book]));
    let before = settled_versions(&sim);

    let same = plan(&state, &["--set", "load=0", &book]);
    assert_eq!(same.status.code(), Some(0), "no change:\n{}", text(&same));
    let stdout = String::from_utf8_lossy(&same.stdout);
    assert!(stdout.contains("No changes"), "{stdout}");
    assert!(
        !stdout.contains("+ create") && !stdout.contains("~ change"),
        "{stdout}"
    );

    let share = plan(
        &state,
        &["--set", "load=0", "--set", "remote_share=30", &book],
    );
    assert_eq!(share.status.code(), Some(3), "{}", text(&share));
    let stdout = String::from_utf8_lossy(&share.stdout);
    assert!(
        stdout.contains("~ change VirtualService prod-bookinfo/details"),
        "{stdout}"
    );
    assert!(
        stdout.contains("spec.http[0].route[0].weight: 80 → 70"),
        "{stdout}"
    );
    assert!(
        stdout.contains("spec.http[0].route[1].weight: 20 → 30"),
        "{stdout}"
    );
    assert!(stdout.contains("1 to change"), "{stdout}");
    assert_eq!(settled_versions(&sim), before, "the plan wrote");

    // An edit by hand shows as the field the playbook would set back.
    let edit = sim.kubectl(
        "aro",
        &[
            "label",
            "configmap",
            "-n",
            "aro-stg-mesh",
            "rosa-prod-mesh-ca-root-cert",
            "app.kubernetes.io/managed-by-",
        ],
    );
    assert!(edit.status.success(), "{}", text(&edit));
    let edited = settled_versions(&sim);
    let drift = plan(&state, &["--set", "load=0", &book]);
    assert_eq!(drift.status.code(), Some(3), "{}", text(&drift));
    let stdout = String::from_utf8_lossy(&drift.stdout);
    assert!(
        stdout.contains("~ change ConfigMap aro-stg-mesh/rosa-prod-mesh-ca-root-cert")
            && stdout.contains("metadata.labels.app.kubernetes.io/managed-by: (none) → \"fedrun\""),
        "{stdout}"
    );
    assert_eq!(settled_versions(&sim), edited, "the plan wrote");
}

#[test]
fn a_secret_value_never_shows_in_a_plan() {
    let sim = TestSim::start();
    let state = sim.state_dir();
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("secret.rhai");
    std::fs::write(
        &book,
        r#"let rosa = cluster("rosa");
let password = vars.password ?? "first-pass-4711";
rosa.apply(`
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: default
stringData:
  password: ${password}
`);
"#,
    )
    .unwrap();
    let book = book.to_str().unwrap();
    succeeded(&fedrun_sim(&state, &[book]));

    let out = plan(&state, &["--set", "password=second-pass-0815", book]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("~ change Secret default/db"), "{all}");
    // `data.password`: the API server folds `stringData` into `data` on write.
    assert!(
        all.contains("data.password: (sensitive value) → (sensitive value)"),
        "{all}"
    );
    let json = plan(
        &state,
        &[
            "--output",
            "json",
            "--set",
            "password=second-pass-0815",
            book,
        ],
    );
    let all = format!("{all}{}", text(&json));
    for secret in ["first-pass-4711", "second-pass-0815"] {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(secret);
        assert!(
            !all.contains(secret) && !all.contains(&encoded),
            "{secret} shown:\n{all}"
        );
    }
    let data: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(data["counts"]["change"], 1, "{data}");
}
