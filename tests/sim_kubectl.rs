//! The real kubectl against `fedrun sim serve`'s servers: what users type must work as on a real
//! cluster, with no warnings about discovery or OpenAPI.

mod common;

use common::{TestSim, fails, ok};

const APP: &str = r#"
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  labels: {app: web}
data:
  greeting: hello
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1
      - name: sidecar
        image: envoy:1
---
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
"#;

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}}}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

const WIDGET: &str = r#"
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w1
  namespace: demo
  labels: {app: x}
spec:
  size: 3
"#;

#[test]
fn namespaces_configmaps_and_jsonpath() {
    let sim = TestSim::with_clusters("k:aws");
    let out = ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    assert_eq!(out.trim(), "namespace/demo created");
    let out = ok(sim.kubectl("k", &["get", "ns"]));
    assert!(out.contains("demo"), "{out}");
    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "create",
            "configmap",
            "x",
            "--from-literal=a=b",
        ],
    ));
    assert_eq!(out.trim(), "configmap/x created");
    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "get",
            "configmap",
            "x",
            "-o",
            "jsonpath={.data.a}",
        ],
    ));
    assert_eq!(out, "b");
    let err = fails(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "create",
            "configmap",
            "x",
            "--from-literal=a=b",
        ],
    ));
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn apply_twice_then_strategic_merge_keeps_the_sidecar() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    let out = ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], APP));
    assert!(out.contains("configmap/web-config created"), "{out}");
    assert!(out.contains("deployment.apps/web created"), "{out}");
    assert!(out.contains("service/web created"), "{out}");
    let out = ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], APP));
    assert!(out.contains("configmap/web-config unchanged"), "{out}");
    assert!(out.contains("deployment.apps/web unchanged"), "{out}");
    assert!(out.contains("service/web unchanged"), "{out}");

    let changed = APP.replace("nginx:1", "nginx:2");
    let out = ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], &changed));
    assert!(out.contains("deployment.apps/web configured"), "{out}");
    let images = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].image}",
        ],
    ));
    assert_eq!(images, "nginx:2 envoy:1");

    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "get",
            "configmaps,services",
            "-l",
            "app=web",
            "-o",
            "name",
        ],
    ));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        vec!["configmap/web-config", "service/web"]
    );
}

#[test]
fn crd_then_custom_resource_then_status_and_wait() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    let out = ok(sim.kubectl_stdin("k", &["apply", "-f", "-"], CRD));
    assert!(
        out.contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com created"),
        "{out}"
    );
    let out = ok(sim.kubectl_stdin("k", &["apply", "-f", "-"], WIDGET));
    assert_eq!(out.trim(), "widget.example.com/w1 created");
    let out = ok(sim.kubectl(
        "k",
        &["-n", "demo", "get", "wd", "-l", "app=x", "-o", "name"],
    ));
    assert_eq!(out.trim(), "widget.example.com/w1");

    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "patch",
            "widget",
            "w1",
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#,
        ],
    ));
    assert!(out.contains("patched"), "{out}");
    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "wait",
            "--for",
            "condition=Ready",
            "widget/w1",
            "--timeout",
            "10s",
        ],
    ));
    assert_eq!(out.trim(), "widget.example.com/w1 condition met");
}

/// `kubectl wait` that starts before what it waits for: kubectl 1.33+ opens a watch-list and
/// trusts it only after the bookmark that ends its initial events, older ones watch from a list's
/// resourceVersion. Either way the answer comes as soon as the change does, well below the
/// simulator's 20 s periodic bookmarks.
#[test]
fn wait_sees_a_condition_and_a_deletion_that_come_later() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl_stdin("k", &["apply", "-f", "-"], CRD));
    ok(sim.kubectl_stdin("k", &["apply", "-f", "-"], WIDGET));
    ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], APP));
    let later = |args: &'static [&'static str]| {
        let kubeconfig = sim.kubeconfig();
        let cache = sim.dir.path().join("kubecache-later");
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            ok(common::kubectl(&kubeconfig, &cache, "k", args, None))
        })
    };

    let patch = later(&[
        "-n",
        "demo",
        "patch",
        "widget",
        "w1",
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#,
    ]);
    // kubectl's own timeout is the bound: shorter than the ~20 s a kubectl 1.33+ stalls on a
    // watch-list that never ends its initial events, so that stall fails the wait itself.
    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "wait",
            "--for",
            "condition=Ready",
            "widget/w1",
            "--timeout",
            "15s",
        ],
    ));
    assert_eq!(out.trim(), "widget.example.com/w1 condition met");
    assert!(patch.join().expect("patch thread").contains("patched"));

    let delete = later(&["-n", "demo", "delete", "configmap", "web-config"]);
    let out = ok(sim.kubectl(
        "k",
        &[
            "-n",
            "demo",
            "wait",
            "--for=delete",
            "configmap/web-config",
            "--timeout",
            "15s",
        ],
    ));
    assert_eq!(out.trim(), "configmap/web-config condition met");
    assert!(delete.join().expect("delete thread").contains("deleted"));
}

#[test]
fn delete_and_namespace_deletion_cascades() {
    let sim = TestSim::with_clusters("k:aws");
    ok(sim.kubectl("k", &["create", "namespace", "demo"]));
    ok(sim.kubectl_stdin("k", &["-n", "demo", "apply", "-f", "-"], APP));
    let out = ok(sim.kubectl("k", &["-n", "demo", "delete", "configmap", "web-config"]));
    // Newer kubectl (1.37.1 measured) names the namespace it deleted from.
    assert!(
        [
            "configmap \"web-config\" deleted",
            "configmap \"web-config\" deleted from demo namespace"
        ]
        .contains(&out.trim()),
        "{out}"
    );
    let out = ok(sim.kubectl("k", &["delete", "namespace", "demo"]));
    assert_eq!(out.trim(), "namespace \"demo\" deleted");
    let err = fails(sim.kubectl("k", &["-n", "demo", "get", "deployment", "web"]));
    assert!(err.contains("not found"), "{err}");
    let out = ok(sim.kubectl("k", &["get", "deployments", "-A", "-o", "name"]));
    assert_eq!(out.trim(), "");
}

#[test]
fn wrong_token_is_unauthorized() {
    let sim = TestSim::with_clusters("k:aws");
    let text = std::fs::read_to_string(sim.kubeconfig()).unwrap();
    let token_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("token:"))
        .expect("token in kubeconfig");
    let bad = text.replace(token_line, "    token: not-the-token");
    let path = sim.dir.path().join("bad-kubeconfig");
    std::fs::write(&path, bad).unwrap();
    let out = common::kubectl(
        &path,
        &sim.dir.path().join("cache2"),
        "k",
        &["get", "ns"],
        None,
    );
    let err = fails(out);
    assert!(
        err.contains("Unauthorized") || err.contains("provide credentials"),
        "{err}"
    );
}
