//! kubectl's create and convenience commands against the simulator, as on a real cluster. Most
//! of them send their object as protobuf (`kubectl create deployment|service|secret|...`, the
//! Pod of `kubectl debug --copy-to`); `create -f` and `expose` send JSON. After each, `kubectl
//! get -o json` must show what was sent. Then `kubectl scale` and the `deployments/scale`
//! subresource.

mod common;

use common::{TestSim, fails, ok};
use serde_json::{Value, json};

fn get_json(sim: &TestSim, args: &[&str]) -> Value {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let out = ok(sim.kubectl("a", &all));
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn create_deployment_stores_the_pod_template_kubectl_sent() {
    let sim = TestSim::with_clusters("a:aws");
    let out = ok(sim.kubectl(
        "a",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
            "--port=80",
        ],
    ));
    assert_eq!(out.trim(), "deployment.apps/web created");
    let d = get_json(&sim, &["deployment", "web"]);
    assert_eq!(d["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(d["metadata"]["generation"], 1);
    assert_eq!(d["spec"]["replicas"], 2);
    assert_eq!(
        d["spec"]["selector"],
        json!({"matchLabels": {"app": "web"}})
    );
    assert_eq!(d["spec"]["strategy"], json!({}));
    assert_eq!(
        d["spec"]["template"],
        json!({"metadata": {"labels": {"app": "web"}},
               "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                        "ports": [{"containerPort": 80}], "resources": {}}]}})
    );

    // A zero replica count is sent (a pointer) and kept; the command follows `--`.
    ok(sim.kubectl(
        "a",
        &[
            "create",
            "deployment",
            "job",
            "--image=busybox",
            "--replicas=0",
            "--",
            "sleep",
            "10",
        ],
    ));
    let job = ok(sim.kubectl(
        "a",
        &[
            "get",
            "deploy",
            "job",
            "-o",
            "jsonpath={.spec.replicas} {.spec.template.spec.containers[0].command}",
        ],
    ));
    assert_eq!(job, "0 [\"sleep\",\"10\"]");

    // Several images: one container each, named after its image.
    ok(sim.kubectl(
        "a",
        &[
            "create",
            "deployment",
            "pair",
            "--image=nginx",
            "--image=quay.io/org/busybox:1.36",
        ],
    ));
    let names = ok(sim.kubectl(
        "a",
        &[
            "get",
            "deploy",
            "pair",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].name}",
        ],
    ));
    assert_eq!(names, "nginx busybox");

    // A second create of the same name is refused by the server, as on a real cluster.
    let err = fails(sim.kubectl("a", &["create", "deployment", "web", "--image=nginx"]));
    assert!(
        err.contains("deployments.apps \"web\" already exists"),
        "{err}"
    );
}

#[test]
fn create_service_of_every_type() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl(
        "a",
        &["create", "service", "clusterip", "web", "--tcp=80:8080"],
    ));
    let svc = get_json(&sim, &["service", "web"]);
    assert_eq!(svc["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert_eq!(svc["spec"]["selector"], json!({"app": "web"}));
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"name": "80-8080", "port": 80, "protocol": "TCP", "targetPort": 8080}])
    );
    let ip = svc["spec"]["clusterIP"].as_str().unwrap_or_default();
    assert!(ip.starts_with("172.30."), "{svc}");

    ok(sim.kubectl(
        "a",
        &[
            "create",
            "service",
            "nodeport",
            "np",
            "--tcp=80:8080",
            "--node-port=30080",
        ],
    ));
    let np = get_json(&sim, &["service", "np"]);
    assert_eq!(np["spec"]["type"], "NodePort");
    assert_eq!(np["spec"]["ports"][0]["nodePort"], 30080);

    // A named target port is kept as a string.
    ok(sim.kubectl(
        "a",
        &["create", "service", "loadbalancer", "lb", "--tcp=443:https"],
    ));
    let lb = get_json(&sim, &["service", "lb"]);
    assert_eq!(lb["spec"]["type"], "LoadBalancer");
    assert_eq!(lb["spec"]["ports"][0]["targetPort"], "https");

    ok(sim.kubectl(
        "a",
        &[
            "create",
            "service",
            "externalname",
            "ext",
            "--external-name=example.com",
        ],
    ));
    let ext = get_json(&sim, &["service", "ext"]);
    assert_eq!(ext["spec"]["type"], "ExternalName");
    assert_eq!(ext["spec"]["externalName"], "example.com");
    assert!(ext["spec"].get("clusterIP").is_none(), "{ext}");

    ok(sim.kubectl(
        "a",
        &[
            "create",
            "service",
            "clusterip",
            "headless",
            "--clusterip=None",
        ],
    ));
    let headless = get_json(&sim, &["service", "headless"]);
    assert_eq!(headless["spec"]["clusterIP"], "None");

    let table = ok(sim.kubectl("a", &["get", "services", "np", "lb"]));
    assert!(table.contains("80:30080/TCP"), "{table}");
}

#[test]
fn create_secret_configmap_namespace_and_serviceaccount() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl("a", &["create", "namespace", "team"]));
    let ns = get_json(&sim, &["namespace", "team"]);
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(
        ns["metadata"]["labels"]["kubernetes.io/metadata.name"],
        "team"
    );

    ok(sim.kubectl(
        "a",
        &[
            "create",
            "secret",
            "generic",
            "s",
            "-n",
            "team",
            "--from-literal=k=v",
            "--from-literal=password=p@ss w0rd",
        ],
    ));
    let secret = get_json(&sim, &["secret", "s", "-n", "team"]);
    assert_eq!(secret["type"], "Opaque");
    assert_eq!(
        secret["data"],
        json!({"k": "dg==", "password": "cEBzcyB3MHJk"})
    );
    ok(sim.kubectl(
        "a",
        &[
            "create",
            "secret",
            "docker-registry",
            "pull",
            "-n",
            "team",
            "--docker-server=r.example.com",
            "--docker-username=u",
            "--docker-password=p",
        ],
    ));
    let pull = get_json(&sim, &["secret", "pull", "-n", "team"]);
    assert_eq!(pull["type"], "kubernetes.io/dockerconfigjson");
    assert!(pull["data"][".dockerconfigjson"].is_string(), "{pull}");

    ok(sim.kubectl(
        "a",
        &[
            "create",
            "configmap",
            "cm",
            "-n",
            "team",
            "--from-literal=greeting=hello",
            "--from-literal=empty=",
        ],
    ));
    let cm = get_json(&sim, &["configmap", "cm", "-n", "team"]);
    assert_eq!(cm["data"], json!({"greeting": "hello", "empty": ""}));

    ok(sim.kubectl("a", &["create", "serviceaccount", "bot", "-n", "team"]));
    let sa = get_json(&sim, &["serviceaccount", "bot", "-n", "team"]);
    assert_eq!(sa["metadata"]["namespace"], "team");
    assert_eq!(sa["kind"], "ServiceAccount");

    // Into a namespace that does not exist: the server's NotFound, as on a real cluster.
    let err = fails(sim.kubectl("a", &["create", "configmap", "x", "-n", "nowhere"]));
    assert!(err.contains("namespaces \"nowhere\" not found"), "{err}");
}

#[test]
fn expose_deployment_makes_a_service_for_its_selector() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl(
        "a",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--port=8080",
        ],
    ));
    let out = ok(sim.kubectl(
        "a",
        &[
            "expose",
            "deployment",
            "web",
            "--port=80",
            "--target-port=8080",
        ],
    ));
    assert_eq!(out.trim(), "service/web exposed");
    let svc = get_json(&sim, &["service", "web"]);
    assert_eq!(svc["spec"]["selector"], json!({"app": "web"}));
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"port": 80, "protocol": "TCP", "targetPort": 8080}])
    );
    assert_eq!(svc["metadata"]["labels"], json!({"app": "web"}));
}

const EVERY_KIND: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg, namespace: shop}
data: {mode: prod}
binaryData: {blob: AAH/}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: shop}
type: kubernetes.io/basic-auth
stringData: {username: admin}
data: {password: cEBzcw==}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: shop-sa, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: v1
kind: Service
metadata: {name: cart, namespace: shop}
spec:
  selector: {app: cart}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: shop, labels: {app: cart}}
spec:
  serviceAccountName: shop-sa
  containers:
  - name: c
    image: busybox
    env: [{name: A, value: "1"}]
    resources: {limits: {memory: 64Mi}}
---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy, namespace: shop}
subsets:
- addresses: [{ip: 10.1.2.3}]
  ports: [{port: 8080}]
---
apiVersion: v1
kind: Event
metadata: {name: cart.1, namespace: shop}
involvedObject: {kind: Pod, name: probe, namespace: shop}
reason: Tested
message: created by kubectl create -f
type: Normal
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: cart}}
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers:
      - name: cart
        image: shop/cart:1
        ports: [{name: http, containerPort: 8080}]
"#;

#[test]
fn create_f_of_every_built_in_kind() {
    let sim = TestSim::with_clusters("a:aws");
    let out = ok(sim.kubectl_stdin("a", &["create", "-f", "-"], EVERY_KIND));
    for created in [
        "namespace/shop created",
        "configmap/cfg created",
        "secret/creds created",
        "serviceaccount/shop-sa created",
        "service/cart created",
        "pod/probe created",
        "endpoints/legacy created",
        "event/cart.1 created",
        "deployment.apps/cart created",
    ] {
        assert!(out.contains(created), "{created}: {out}");
    }
    let ns = ["-n", "shop"];
    let get = |what: &[&str]| get_json(&sim, &[what, &ns[..]].concat());
    let cm = get(&["configmap", "cfg"]);
    assert_eq!(
        (&cm["data"], &cm["binaryData"]),
        (&json!({"mode": "prod"}), &json!({"blob": "AAH/"}))
    );
    let secret = get(&["secret", "creds"]);
    assert_eq!(secret["type"], "kubernetes.io/basic-auth");
    assert_eq!(secret["data"]["password"], "cEBzcw==");
    // `stringData` is folded into `data` and never stored.
    assert_eq!(secret["data"]["username"], "YWRtaW4=");
    assert!(secret.get("stringData").is_none(), "{secret}");
    assert_eq!(
        get(&["sa", "shop-sa"])["automountServiceAccountToken"],
        false
    );
    assert_eq!(
        get(&["service", "cart"])["spec"]["ports"],
        json!([{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}])
    );
    let pod = get(&["pod", "probe"]);
    assert_eq!(pod["spec"]["serviceAccountName"], "shop-sa");
    assert_eq!(
        pod["spec"]["containers"][0]["resources"],
        json!({"limits": {"memory": "64Mi"}})
    );
    assert_eq!(
        get(&["endpoints", "legacy"])["subsets"][0]["addresses"][0]["ip"],
        "10.1.2.3"
    );
    assert_eq!(get(&["event", "cart.1"])["reason"], "Tested");
    let d = get(&["deployment", "cart"]);
    assert_eq!(d["spec"]["replicas"], 3);
    assert_eq!(
        d["spec"]["template"]["spec"]["containers"][0]["ports"],
        json!([{"name": "http", "containerPort": 8080}])
    );
}

const RICH_POD: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: rich, annotations: {note: hi}}
spec:
  terminationGracePeriodSeconds: 5
  nodeSelector: {disk: ssd}
  tolerations: [{key: k, operator: Exists, effect: NoSchedule}]
  securityContext: {runAsNonRoot: true, runAsUser: 1000, fsGroup: 2000}
  volumes:
  - name: cfg
    configMap: {name: cm, items: [{key: a, path: a.txt}], defaultMode: 420}
  - name: tmp
    emptyDir: {sizeLimit: 64Mi}
  containers:
  - name: app
    image: nginx:1.27
    imagePullPolicy: IfNotPresent
    command: [nginx]
    args: ["-g", "daemon off;"]
    ports: [{name: http, containerPort: 8080, protocol: TCP}]
    env:
    - {name: MODE, value: prod}
    - name: POD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    envFrom: [{configMapRef: {name: cm}}]
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: "1", memory: 128Mi}
    volumeMounts: [{name: cfg, mountPath: /etc/cfg, readOnly: true}]
    readinessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 5
    livenessProbe:
      tcpSocket: {port: 8080}
      initialDelaySeconds: 3
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
"#;

#[test]
fn debug_copy_posts_the_pod_back_as_protobuf_unchanged() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl_stdin("a", &["create", "-f", "-"], RICH_POD));
    // kubectl reads the Pod (JSON), adds a debug container and creates the copy (protobuf).
    let out = sim.kubectl(
        "a",
        &[
            "debug",
            "rich",
            "--copy-to=rich-copy",
            "--image=busybox",
            "--container=debugger",
            "--profile=general",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let original = get_json(&sim, &["pod", "rich"]);
    let copy = get_json(&sim, &["pod", "rich-copy"]);
    for field in [
        "containers",
        "volumes",
        "securityContext",
        "tolerations",
        "nodeSelector",
        "terminationGracePeriodSeconds",
    ] {
        let want = if field == "containers" {
            // kubectl 1.33+ drops the probes from a debug copy (unless --keep-*), older ones
            // keep them: compared when kept.
            let mut app = original["spec"]["containers"][0].clone();
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if copy["spec"]["containers"][0].get(probe).is_none() {
                    app.as_object_mut().map(|c| c.remove(probe));
                }
            }
            json!([app,
                   {"name": "debugger", "image": "busybox", "resources": {},
                    "securityContext": {"capabilities": {"add": ["SYS_PTRACE"]}},
                    "terminationMessagePolicy": "File"}])
        } else {
            original["spec"][field].clone()
        };
        assert_eq!(copy["spec"][field], want, "spec.{field}");
    }
    // kubectl 1.37 leaves the original's annotations off the copy; older ones carry them over.
    let annotations = &copy["metadata"]["annotations"];
    assert!(
        annotations.is_null() || *annotations == json!({"note": "hi"}),
        "{annotations}"
    );
}

#[test]
fn scale_a_deployment_through_its_scale_subresource() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl(
        "a",
        &[
            "create",
            "deployment",
            "web",
            "--image=nginx",
            "--replicas=2",
        ],
    ));
    let out = ok(sim.kubectl("a", &["scale", "deployment", "web", "--replicas=3"]));
    assert_eq!(out.trim(), "deployment.apps/web scaled");
    let replicas = ok(sim.kubectl(
        "a",
        &["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"],
    ));
    assert_eq!(replicas, "3");
    // A spec change: the generation goes up, as for any other.
    let d = get_json(&sim, &["deploy", "web"]);
    assert_eq!(d["metadata"]["generation"], 2);
    // A server dry run answers as the write would and changes nothing.
    let out = ok(sim.kubectl(
        "a",
        &[
            "scale",
            "deployment",
            "web",
            "--replicas=7",
            "--dry-run=server",
        ],
    ));
    assert_eq!(out.trim(), "deployment.apps/web scaled (server dry run)");
    let after = get_json(&sim, &["deploy", "web"]);
    assert_eq!(after["spec"]["replicas"], 3);
    assert_eq!(
        after["metadata"]["resourceVersion"],
        d["metadata"]["resourceVersion"]
    );

    let raw = ok(sim.kubectl(
        "a",
        &[
            "get",
            "--raw",
            "/apis/apps/v1/namespaces/default/deployments/web/scale",
        ],
    ));
    let scale: Value = serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["apiVersion"], "autoscaling/v1");
    assert_eq!(scale["spec"], json!({"replicas": 3}));
    assert_eq!(scale["status"]["selector"], "app=web");
    assert!(scale["status"]["replicas"].is_i64(), "{scale}");
    let meta = &scale["metadata"];
    assert_eq!(
        meta.as_object().map(|m| m.len()),
        Some(5),
        "name, namespace, uid, resourceVersion, creationTimestamp: {meta}"
    );
    assert_eq!(meta["name"], "web");
    assert_eq!(meta["namespace"], "default");
    assert_eq!(meta["uid"], d["metadata"]["uid"]);
    assert_eq!(
        meta["creationTimestamp"],
        d["metadata"]["creationTimestamp"]
    );

    // --current-replicas reads the Scale and PUTs it back with its resourceVersion.
    let err = fails(sim.kubectl(
        "a",
        &[
            "scale",
            "deployment",
            "web",
            "--current-replicas=2",
            "--replicas=5",
        ],
    ));
    assert!(err.contains("Expected replicas to be 2, was 3"), "{err}");
    ok(sim.kubectl(
        "a",
        &[
            "scale",
            "deployment",
            "web",
            "--current-replicas=3",
            "--replicas=1",
        ],
    ));
    // kubectl patch and get with --subresource=scale.
    ok(sim.kubectl(
        "a",
        &[
            "patch",
            "deployment",
            "web",
            "--subresource=scale",
            "--type=merge",
            "-p",
            r#"{"spec":{"replicas":4}}"#,
        ],
    ));
    let table = ok(sim.kubectl("a", &["get", "deployment", "web", "--subresource=scale"]));
    let lines: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["NAME", "DESIRED", "AVAILABLE", "AGE"], "{table}");
    assert_eq!(lines[1][..2], ["web", "4"], "{table}");

    // The server's own refusals: a negative count, a stale resourceVersion, a missing object.
    let url = "/apis/apps/v1/namespaces/default/deployments/web/scale";
    let err = fails(sim.kubectl_stdin(
        "a",
        &["replace", "--raw", url, "-f", "-"],
        r#"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web"},"spec":{"replicas":-1}}"#,
    ));
    assert!(
        err.contains(
            "Scale \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
        ),
        "{err}"
    );
    let err = fails(sim.kubectl_stdin(
        "a",
        &["replace", "--raw", url, "-f", "-"],
        r#"{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"web","resourceVersion":"1"},"spec":{"replicas":1}}"#,
    ));
    assert!(
        err.contains("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified"),
        "{err}"
    );
    let err = fails(sim.kubectl("a", &["scale", "deployment", "nope", "--replicas=1"]));
    assert!(err.contains("deployments.apps \"nope\" not found"), "{err}");
    assert_eq!(
        ok(sim.kubectl(
            "a",
            &["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"]
        )),
        "4"
    );

    // Discovery lists the subresource with its kind's group, as kube-apiserver does.
    let apps: Value =
        serde_json::from_str(&ok(sim.kubectl("a", &["get", "--raw", "/apis/apps/v1"])))
            .unwrap_or_default();
    let entry = apps["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["name"] == "deployments/scale")
        .cloned();
    assert_eq!(
        entry,
        Some(
            json!({"name": "deployments/scale", "singularName": "", "namespaced": true,
                    "group": "autoscaling", "version": "v1", "kind": "Scale",
                    "verbs": ["get", "patch", "update"]})
        )
    );
}
