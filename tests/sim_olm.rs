//! OLM in the simulator as on OpenShift: Subscriptions resolve against the `redhat-operators`
//! catalog into InstallPlans, Manual approval waits for `spec.approved`, OperatorGroups decide
//! whether a CSV can install, an AllNamespaces operator's CSV is copied into every namespace, the
//! package server lists PackageManifests; and fedrun's `mesh::operators` reports what OLM says.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TestSim, fails, fedrun_command, ok, text};
use serde_json::Value;

const NS: &str = "openshift-operators";

fn json(out: String) -> Value {
    serde_json::from_str(&out).expect("kubectl -o json")
}

fn wait(sim: &TestSim, args: &[&str]) {
    let mut all = vec!["wait", "--timeout", "60s"];
    all.extend_from_slice(args);
    ok(sim.kubectl("rosa", &all));
}

fn subscription(name: &str, ns: &str, channel: &str, approval: &str) -> String {
    format!(
        "apiVersion: operators.coreos.com/v1alpha1\nkind: Subscription\nmetadata: {{name: {name}, namespace: {ns}}}\n\
         spec: {{channel: {channel}, name: {name}, source: redhat-operators, sourceNamespace: openshift-marketplace, installPlanApproval: {approval}}}\n"
    )
}

#[test]
fn a_channel_the_package_does_not_have_fails_resolution_and_installs_nothing() {
    let sim = TestSim::with_clusters("rosa:aws");
    ok(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &subscription("servicemeshoperator", NS, "stable-2.6", "Automatic"),
    ));
    wait(
        &sim,
        &[
            "--for=condition=ResolutionFailed",
            "sub/servicemeshoperator",
            "-n",
            NS,
        ],
    );
    let sub = json(ok(sim.kubectl(
        "rosa",
        &["get", "sub", "servicemeshoperator", "-n", NS, "-o", "json"],
    )));
    let failed = sub["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ResolutionFailed")
        .unwrap();
    assert_eq!(failed["reason"], "ConstraintsNotSatisfiable");
    assert_eq!(
        failed["message"],
        "constraints not satisfiable: no operators found in channel stable-2.6 of package \
         servicemeshoperator in the catalog referenced by subscription servicemeshoperator, \
         subscription servicemeshoperator exists"
    );
    assert!(sub["status"].get("installPlanRef").is_none(), "{sub}");
    assert!(sub["status"].get("installPlanApproval").is_none(), "{sub}");
    let none = ok(sim.kubectl("rosa", &["get", "installplan,csv", "-n", NS, "-o", "name"]));
    assert!(none.trim().is_empty(), "nothing installs: {none}");

    // The package server lists the channels the catalog has, in any namespace.
    let pm = json(ok(sim.kubectl(
        "rosa",
        &[
            "get",
            "packagemanifest",
            "elasticsearch-operator",
            "-n",
            "default",
            "-o",
            "json",
        ],
    )));
    assert_eq!(pm["status"]["defaultChannel"], "stable");
    assert_eq!(pm["status"]["catalogSource"], "redhat-operators");
    assert_eq!(pm["metadata"]["labels"]["catalog"], "redhat-operators");
    let channels: Vec<&str> = pm["status"]["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["stable", "stable-5.8"]);
    assert_eq!(
        pm["status"]["channels"][0]["currentCSV"],
        "elasticsearch-operator.v5.8.13"
    );
    let table = ok(sim.kubectl(
        "rosa",
        &["get", "packagemanifests", "-n", "openshift-marketplace"],
    ));
    assert!(
        table.contains("servicemeshoperator") && table.contains("Red Hat Operators"),
        "{table}"
    );
    let err = fails(sim.kubectl(
        "rosa",
        &[
            "delete",
            "packagemanifest",
            "servicemeshoperator",
            "-n",
            "openshift-marketplace",
        ],
    ));
    assert!(
        err.contains("MethodNotAllowed") || err.contains("not allowed"),
        "{err}"
    );
}

#[test]
fn manual_approval_waits_for_the_install_plan_to_be_approved() {
    let sim = TestSim::with_clusters("rosa:aws");
    ok(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &subscription("kiali-ossm", NS, "stable", "Manual"),
    ));
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.state}=UpgradePending",
            "sub/kiali-ossm",
            "-n",
            NS,
        ],
    );
    let sub = json(ok(sim.kubectl(
        "rosa",
        &["get", "sub", "kiali-ossm", "-n", NS, "-o", "json"],
    )));
    let plan = sub["status"]["installPlanRef"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(plan.starts_with("install-") && plan.len() == 13, "{plan}");
    assert_eq!(sub["status"]["installplan"]["name"], plan.as_str());
    assert_eq!(sub["status"]["installPlanGeneration"], 1);
    assert_eq!(sub["status"]["currentCSV"], "kiali-operator.v1.73.8");
    assert!(sub["status"].get("installPlanApproval").is_none(), "{sub}");
    let pending = sub["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "InstallPlanPending")
        .unwrap();
    assert_eq!(pending["reason"], "RequiresApproval");

    let ip = json(ok(sim.kubectl(
        "rosa",
        &["get", "installplan", &plan, "-n", NS, "-o", "json"],
    )));
    assert_eq!(ip["spec"]["approval"], "Manual");
    assert_eq!(ip["spec"]["approved"], false);
    assert_eq!(
        ip["spec"]["clusterServiceVersionNames"][0],
        "kiali-operator.v1.73.8"
    );
    assert_eq!(ip["status"]["phase"], "RequiresApproval");
    assert_eq!(ip["metadata"]["ownerReferences"][0]["kind"], "Subscription");
    // Nothing installs while the plan waits.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let none = ok(sim.kubectl("rosa", &["get", "csv", "-n", NS, "-o", "name"]));
    assert!(none.trim().is_empty(), "{none}");

    ok(sim.kubectl(
        "rosa",
        &[
            "patch",
            "installplan",
            &plan,
            "-n",
            NS,
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"approved":true}}"#,
        ],
    ));
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.phase}=Complete",
            &format!("installplan/{plan}"),
            "-n",
            NS,
        ],
    );
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.state}=AtLatestKnown",
            "sub/kiali-ossm",
            "-n",
            NS,
        ],
    );
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.phase}=Succeeded",
            "csv/kiali-operator.v1.73.8",
            "-n",
            NS,
        ],
    );

    // An AllNamespaces operator's CSV is copied into every other namespace, new ones too.
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.reason}=Copied",
            "csv/kiali-operator.v1.73.8",
            "-n",
            "default",
        ],
    );
    let copy = json(ok(sim.kubectl(
        "rosa",
        &[
            "get",
            "csv",
            "kiali-operator.v1.73.8",
            "-n",
            "default",
            "-o",
            "json",
        ],
    )));
    assert_eq!(copy["metadata"]["labels"]["olm.copiedFrom"], NS);
    assert_eq!(copy["status"]["phase"], "Succeeded");
    ok(sim.kubectl("rosa", &["create", "namespace", "late"]));
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.reason}=Copied",
            "csv/kiali-operator.v1.73.8",
            "-n",
            "late",
        ],
    );
    let all = ok(sim.kubectl("rosa", &["get", "csv", "-A", "--no-headers"]));
    assert!(all.lines().count() > 5, "{all}");
    ok(sim.kubectl(
        "rosa",
        &["delete", "csv", "kiali-operator.v1.73.8", "-n", NS],
    ));
    wait(
        &sim,
        &["--for=delete", "csv/kiali-operator.v1.73.8", "-n", "late"],
    );
}

#[test]
fn a_csv_needs_exactly_one_operator_group_in_its_namespace() {
    let sim = TestSim::with_clusters("rosa:aws");
    let og = json(ok(sim.kubectl(
        "rosa",
        &[
            "get",
            "operatorgroup",
            "global-operators",
            "-n",
            NS,
            "-o",
            "json",
        ],
    )));
    assert_eq!(og["status"]["namespaces"], serde_json::json!([""]));
    assert!(og["status"]["lastUpdated"].is_string(), "{og}");

    ok(sim.kubectl("rosa", &["create", "namespace", "ops"]));
    ok(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &subscription("jaeger-product", "ops", "stable", "Automatic"),
    ));
    let csv = "csv/jaeger-operator.v1.57.0-7";
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.reason}=NoOperatorGroup",
            csv,
            "-n",
            "ops",
        ],
    );
    let message = ok(sim.kubectl(
        "rosa",
        &[
            "get",
            csv,
            "-n",
            "ops",
            "-o",
            "jsonpath={.status.phase}: {.status.message}",
        ],
    ));
    assert_eq!(message, "Failed: csv in namespace with no operatorgroups");

    let group = |name: &str| {
        format!(
            "apiVersion: operators.coreos.com/v1\nkind: OperatorGroup\nmetadata: {{name: {name}, namespace: ops}}\nspec: {{}}\n"
        )
    };
    ok(sim.kubectl_stdin("rosa", &["apply", "-f", "-"], &group("one")));
    ok(sim.kubectl_stdin("rosa", &["apply", "-f", "-"], &group("two")));
    wait(
        &sim,
        &[
            "--for=jsonpath={.status.reason}=TooManyOperatorGroups",
            csv,
            "-n",
            "ops",
        ],
    );
    ok(sim.kubectl("rosa", &["delete", "operatorgroup", "two", "-n", "ops"]));
    wait(
        &sim,
        &["--for=jsonpath={.status.phase}=Succeeded", csv, "-n", "ops"],
    );
    let annotation = ok(sim.kubectl(
        "rosa",
        &[
            "get",
            csv,
            "-n",
            "ops",
            "-o",
            "jsonpath={.metadata.annotations.olm\\.operatorGroup}",
        ],
    ));
    assert_eq!(annotation, "one");
}

fn playbook(dir: &Path, name: &str, body: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    path.to_str().unwrap().to_string()
}

fn fedrun(sim: &TestSim, playbook: &str) -> Output {
    fedrun_command(&["--kubeconfig", sim.kubeconfig().to_str().unwrap(), playbook])
        .output()
        .expect("fedrun runs")
}

#[test]
fn fedrun_approves_nothing_on_its_own_and_reports_resolution_failures_at_once() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let dir = tempfile::tempdir().unwrap();

    let bad = playbook(
        dir.path(),
        "bad.rhai",
        "mesh::operators(cluster(\"rosa\"), #{ channel: \"stable-2.6\", timeout: \"10m\" });\n",
    );
    let run = fedrun(&sim, &bad);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    // OLM resolves the namespace's Subscriptions as they arrive: the first failed resolution
    // may name any of the four packages.
    assert!(
        ["servicemeshoperator", "kiali-ossm", "jaeger-product", "elasticsearch-operator"]
            .iter()
            .any(|p| text(&run).contains(&format!(
                "no operators found in channel stable-2.6 of package {p} in the catalog referenced by subscription {p}"
            ))),
        "{}",
        text(&run)
    );
    assert!(!text(&run).contains("timed out"), "{}", text(&run));

    // Manual: the wait names the plan and how to approve it, and fails at the timeout.
    let manual = playbook(
        dir.path(),
        "manual.rhai",
        "mesh::operators(cluster(\"rosa\"), #{ approval: \"Manual\", timeout: \"3s\" });\n",
    );
    let run = fedrun(&sim, &manual);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let plans = json(ok(
        sim.kubectl("rosa", &["get", "installplan", "-n", NS, "-o", "json"])
    ));
    // The Subscriptions may resolve in one plan or several, as they arrive.
    let waiting: Vec<&Value> = plans["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["spec"]["approved"] == false)
        .collect();
    let out = text(&run);
    assert!(out.contains("timed out"), "{out}");
    for plan in &waiting {
        let name = plan["metadata"]["name"].as_str().unwrap();
        assert!(
            out.contains(&format!(
                "kubectl patch installplan {name} -n {NS} --type merge -p '{{\"spec\":{{\"approved\":true}}}}'"
            )),
            "{out}"
        );
    }
    let csvs: usize = waiting
        .iter()
        .map(|p| {
            p["spec"]["clusterServiceVersionNames"]
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(csvs, 4, "{plans}");
    let none = ok(sim.kubectl("rosa", &["get", "csv", "-n", NS, "-o", "name"]));
    assert!(none.trim().is_empty(), "fedrun approved nothing: {none}");

    // The playbook may approve.
    let approve = playbook(
        dir.path(),
        "approve.rhai",
        "mesh::operators(cluster(\"aro\"), #{ approval: \"Manual\", approve: true });\n",
    );
    let run = fedrun(&sim, &approve);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let approved = ok(sim.kubectl(
        "aro",
        &[
            "get",
            "installplan",
            "-n",
            NS,
            "-o",
            "jsonpath={.items[*].spec.approved}",
        ],
    ));
    assert!(
        !approved.is_empty() && approved.split(' ').all(|a| a == "true"),
        "{approved}"
    );
}
