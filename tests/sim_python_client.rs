//! The official Python client sees the simulator's validation answers as kubectl and kube-rs do
//! (tests/sim_validation.rs, tests/sim_api_kube_rs.rs): the same codes and messages.
//!
//! The `kubernetes` package comes from PyPI when the machine lacks it, into this build's
//! temporary directory, as .ci/run installs kubectl: a registry that cannot be reached fails the
//! test rather than skipping it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestSim;

/// A `PYTHONPATH` under which `import kubernetes` works.
fn python_client() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-kubernetes");
    let importable = Command::new("python3")
        .args(["-c", "import kubernetes"])
        .env("PYTHONPATH", &dir)
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        let installed = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--target")
            .arg(&dir)
            .arg("kubernetes")
            .status()
            .expect("python3 runs");
        assert!(
            installed.success(),
            "pip could not install the kubernetes package from PyPI"
        );
    }
    dir
}

const SCRIPT: &str = r#"
import json, sys
from kubernetes import config, dynamic
from kubernetes.client import api_client
from kubernetes.client.rest import ApiException

# The dynamic client sends objects as they are: the typed one checks fields itself first.
client = dynamic.DynamicClient(api_client.ApiClient(configuration=config.load_kube_config(
    config_file=sys.argv[1], context="a", persist_config=False) or None))
configmaps = client.resources.get(api_version="v1", kind="ConfigMap")
deployments = client.resources.get(api_version="apps/v1", kind="Deployment")

def answer(call):
    try:
        call()
        return {"code": 0}
    except ApiException as e:
        return {"code": e.status, "message": json.loads(e.body)["message"]}

typo = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "typo"}, "dta": {"a": "b"}}
replicas = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"replicas": "x", "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}
no_selector = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    "spec": {"template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}
print(json.dumps([
    answer(lambda: configmaps.create(body=typo, namespace="default",
                                  query_params=[("fieldValidation", "Strict")])),
    answer(lambda: deployments.create(body=replicas, namespace="default")),
    answer(lambda: deployments.create(body=no_selector, namespace="default")),
    answer(lambda: configmaps.create(body=typo, namespace="default")),
]))
"#;

#[test]
fn the_python_client_gets_the_same_answers() {
    let path = python_client();
    let sim = TestSim::with_clusters("a:aws");
    let out = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(sim.kubeconfig())
        .env("PYTHONPATH", &path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON answers");
    assert_eq!(
        answers,
        serde_json::json!([
            {"code": 400, "message": "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"dta\""},
            {"code": 400, "message": "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"},
            {"code": 422, "message": "Deployment.apps \"web\" is invalid: spec.selector: Required value"},
            // No directive: the server's Warn, the field dropped and the object created.
            {"code": 0},
        ])
    );
}
