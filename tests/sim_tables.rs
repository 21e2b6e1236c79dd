//! `kubectl get` as a real cluster prints it: the simulator answers kubectl's
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...` with a `meta.k8s.io/v1` Table whose
//! columns are printers.go's for built-in kinds and a CRD version's `additionalPrinterColumns`
//! for custom resources, while plain JSON clients (kube-rs) still get plain lists.

mod common;

use std::path::Path;

use common::{TestSim, ok};
use http_body_util::BodyExt as _;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};
use serde_json::{Value, json};

const APP: &str = "\
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, labels: {app: web}}
data: {a: '1', b: '2'}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: 'nginx:1'}
      - {name: proxy, image: 'envoy:1'}
---
apiVersion: v1
kind: Service
metadata: {name: web, labels: {app: web}}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: https, port: 443, targetPort: 8443}
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
  - {name: https, port: 443, nodePort: 31234}
";

/// A CRD whose version declares printer columns (a filter JSONPath, an integer, a date, and a
/// priority-1 string), and one that declares none.
const CRDS: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    additionalPrinterColumns:
    - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].reason'}
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Started, type: date, jsonPath: .status.startedAt}
    - {name: Owner, type: string, priority: 1, jsonPath: .spec.owner, description: Who owns it}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {size: {type: integer}, owner: {type: string}}}
          status: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

const WIDGETS: &str = r#"
apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, namespace: demo}
spec: {size: 3, owner: alice}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w2, namespace: demo}
spec: {size: 5}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g1}
"#;

/// The whitespace-separated words of each line of kubectl's table output.
fn words(out: &str) -> Vec<Vec<&str>> {
    out.lines()
        .map(|l| l.split_whitespace().collect())
        .collect()
}

/// The row (as words) whose first word is `first`.
fn row<'a>(out: &'a str, first: &str) -> Vec<&'a str> {
    words(out)
        .into_iter()
        .find(|w| w.first() == Some(&first))
        .unwrap_or_else(|| panic!("no row {first} in:\n{out}"))
}

fn app(sim: &TestSim) {
    ok(sim.kubectl("a", &["create", "namespace", "demo"]));
    ok(sim.kubectl_stdin("a", &["-n", "demo", "apply", "-f", "-"], APP));
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "wait",
            "--for=condition=Available",
            "deploy/web",
            "--timeout=30s",
        ],
    ));
}

#[test]
fn built_in_kinds_print_the_columns_of_printers_go() {
    let sim = TestSim::with_clusters("a:aws");
    app(&sim);
    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "svc,cm,deploy,ns"]));
    let lines = words(&out);
    let headers: Vec<&Vec<&str>> = lines
        .iter()
        .filter(|w| w.first() == Some(&"NAME"))
        .collect();
    assert_eq!(
        headers,
        [
            &vec![
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE"
            ],
            &vec!["NAME", "DATA", "AGE"],
            &vec!["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            &vec!["NAME", "STATUS", "AGE"],
        ],
        "{out}"
    );
    let web = row(&out, "service/web");
    assert_eq!(web[1], "ClusterIP");
    assert!(web[2].starts_with("172.30."), "{out}");
    assert_eq!(web[3..5], ["<none>", "80/TCP,443/TCP"]);
    // The load balancer has its hostname once the cloud controller has provisioned it.
    let edge = row(&out, "service/edge");
    assert_eq!(edge[1], "LoadBalancer");
    assert!(
        edge[3] == "<pending>" || edge[3].ends_with(".elb.amazonaws.com"),
        "{out}"
    );
    assert_eq!(edge[4], "443:31234/TCP");
    assert_eq!(row(&out, "configmap/web-config")[1], "2");
    assert_eq!(row(&out, "deployment.apps/web")[1..4], ["2/2", "2", "2"]);
    assert_eq!(row(&out, "namespace/demo")[1], "Active");
    // Ages are human durations (`0s`, `42s`, `5m30s`, ...).
    let age = row(&out, "configmap/web-config")[2];
    assert!(
        age.ends_with('s') && age[..age.len() - 1].parse::<u32>().is_ok(),
        "{out}"
    );

    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "create",
            "secret",
            "generic",
            "creds",
            "--from-literal=u=a",
            "--from-literal=p=b",
        ],
    ));
    ok(sim.kubectl("a", &["-n", "demo", "create", "serviceaccount", "robot"]));
    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "secret/creds", "sa/robot"]));
    assert_eq!(words(&out)[0], ["NAME", "TYPE", "DATA", "AGE"], "{out}");
    assert_eq!(row(&out, "secret/creds")[1..3], ["Opaque", "2"]);
    assert!(
        words(&out).contains(&vec!["NAME", "SECRETS", "AGE"]),
        "{out}"
    );
    assert_eq!(row(&out, "serviceaccount/robot")[1], "0");

    // A single object is a Table too.
    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "deploy", "web"]));
    assert_eq!(
        words(&out)[0],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    );
    assert_eq!(row(&out, "web")[1], "2/2");
    // Row objects carry the metadata kubectl needs for labels and namespaces.
    let out = ok(sim.kubectl("a", &["get", "cm", "-A", "--show-labels", "-l", "app=web"]));
    assert_eq!(
        words(&out)[0],
        ["NAMESPACE", "NAME", "DATA", "AGE", "LABELS"]
    );
    assert_eq!(row(&out, "demo")[1..3], ["web-config", "2"]);
    assert_eq!(row(&out, "demo")[4], "app=web");
}

#[test]
fn wide_output_adds_the_priority_columns() {
    let sim = TestSim::with_clusters("a:aws");
    app(&sim);
    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "svc,deploy,ep", "-o", "wide"]));
    let web = row(&out, "service/web");
    assert_eq!(web.len(), 7, "{out}");
    assert_eq!(web[6], "app=web");
    let headers: Vec<Vec<&str>> = words(&out)
        .into_iter()
        .filter(|w| w.first() == Some(&"NAME"))
        .collect();
    assert_eq!(
        headers[1],
        [
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
            "CONTAINERS",
            "IMAGES",
            "SELECTOR"
        ]
    );
    assert_eq!(
        row(&out, "deployment.apps/web")[5..],
        ["web,proxy", "nginx:1,envoy:1", "app=web"]
    );
    // Endpoints: at most three addresses, then how many more.
    let ep = row(&out, "endpoints/web");
    assert!(ep[1].contains(":8080,"), "{out}");
    assert_eq!(ep[2..5], ["+", "1", "more..."]);
}

#[test]
fn custom_resources_print_their_crd_columns() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl("a", &["create", "namespace", "demo"]));
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], CRDS));
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], WIDGETS));
    // Started 2 days, 3 hours and 10 minutes ago.
    let started = time::OffsetDateTime::now_utc() - time::Duration::minutes((51 * 60) + 10);
    let started = started
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let status = json!({"status": {"startedAt": started, "conditions": [
        {"type": "Synced", "status": "True", "reason": "Fetched"},
        {"type": "Ready", "status": "False", "reason": "Waiting"}]}});
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "patch",
            "widget",
            "w1",
            "--subresource=status",
            "--type=merge",
            "-p",
            &status.to_string(),
        ],
    ));

    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "widgets"]));
    assert_eq!(
        words(&out)[0],
        ["NAME", "READY", "SIZE", "STARTED"],
        "{out}"
    );
    assert_eq!(row(&out, "w1")[1..], ["Waiting", "3", "2d3h"], "{out}");
    // Values the object does not have are null cells, which kubectl leaves blank.
    assert_eq!(row(&out, "w2"), ["w2", "5"], "{out}");
    sim.rt.block_on(async {
        let client = client(&sim.kubeconfig(), "a").await;
        let path = "/apis/example.com/v1/namespaces/demo/widgets/w2";
        let (_, table) = get(&client, path, KUBECTL_ACCEPT).await;
        assert_eq!(
            table["rows"][0]["cells"],
            json!(["w2", null, 5, null, null])
        );
        assert_eq!(table["columnDefinitions"][4]["description"], "Who owns it");
        assert_eq!(table["columnDefinitions"][4]["priority"], 1);
    });

    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "wd", "w1", "-o", "wide"]));
    assert_eq!(
        words(&out)[0],
        ["NAME", "READY", "SIZE", "STARTED", "OWNER"],
        "{out}"
    );
    assert_eq!(row(&out, "w1")[4], "alice");

    // A CRD without columns: the name and the age.
    let out = ok(sim.kubectl("a", &["get", "gadgets"]));
    assert_eq!(words(&out)[0], ["NAME", "AGE"], "{out}");
    assert_eq!(row(&out, "g1").len(), 2, "{out}");

    // The CRDs themselves: the default table convertor's name and RFC 3339 creation time.
    let out = ok(sim.kubectl("a", &["get", "crd"]));
    assert_eq!(words(&out)[0], ["NAME", "CREATED", "AT"], "{out}");
    let created = row(&out, "widgets.example.com")[1];
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok()
            && created.ends_with('Z'),
        "{out}"
    );
}

/// A kube-rs client for `context` of the kubeconfig at `path`.
async fn client(path: &Path, context: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(path).expect("kubeconfig parses");
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let mut config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("kubeconfig context is usable");
    config.default_retry = false;
    kube::Client::try_from(config).expect("client")
}

/// One raw `GET` with the given Accept header: the status code and the body as JSON.
async fn get(client: &kube::Client, path: &str, accept: &str) -> (u16, Value) {
    let request = http::Request::builder()
        .method("GET")
        .uri(path)
        .header(http::header::ACCEPT, accept)
        .body(kube::client::Body::empty())
        .expect("request");
    let response = client.send(request).await.expect("the server answers");
    let code = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (code, serde_json::from_slice(&bytes).expect("JSON"))
}

const KUBECTL_ACCEPT: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,\
    application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

#[test]
fn plain_clients_get_plain_lists_and_tables_carry_what_include_object_asks() {
    let sim = TestSim::with_clusters("a:aws");
    app(&sim);
    sim.rt.block_on(async {
        let client = client(&sim.kubeconfig(), "a").await;
        // kube-rs asks for plain JSON and gets the list it always got (the app's ConfigMaps,
        // not the CA bundles every namespace has).
        let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "demo");
        let names: Vec<String> = cms
            .list(&ListParams::default().labels("app=web"))
            .await
            .expect("a plain list")
            .items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .collect();
        assert_eq!(names, ["web-config"]);

        let path = "/api/v1/namespaces/demo/configmaps";
        let app = format!("{path}?labelSelector=app%3Dweb");
        let (code, table) = get(&client, &app, KUBECTL_ACCEPT).await;
        assert_eq!(code, 200);
        assert_eq!(
            (&table["kind"], &table["apiVersion"]),
            (&json!("Table"), &json!("meta.k8s.io/v1"))
        );
        assert!(
            table["metadata"]["resourceVersion"]
                .as_str()
                .is_some_and(|rv| !rv.is_empty())
        );
        assert_eq!(
            table["columnDefinitions"][0],
            json!({"name": "Name", "type": "string", "format": "name", "priority": 0,
                "description": table["columnDefinitions"][0]["description"]})
        );
        assert!(
            table["columnDefinitions"][0]["description"]
                .as_str()
                .unwrap()
                .starts_with("Name must be unique within a namespace."),
            "{table}"
        );
        let row = &table["rows"][0];
        assert_eq!(row["cells"][0], "web-config");
        assert_eq!(row["cells"][1], 2);
        assert_eq!(row["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(row["object"]["apiVersion"], "meta.k8s.io/v1");
        assert_eq!(row["object"]["metadata"]["namespace"], "demo");
        assert!(row["object"].get("data").is_none());

        let (_, table) = get(
            &client,
            &format!("{app}&includeObject=Object"),
            KUBECTL_ACCEPT,
        )
        .await;
        assert_eq!(table["rows"][0]["object"]["kind"], "ConfigMap");
        assert_eq!(
            table["rows"][0]["object"]["data"],
            json!({"a": "1", "b": "2"})
        );
        let (_, table) = get(
            &client,
            &format!("{path}/web-config?includeObject=None"),
            KUBECTL_ACCEPT,
        )
        .await;
        assert_eq!(table["rows"][0]["object"], Value::Null);
        let (code, status) = get(
            &client,
            &format!("{path}?includeObject=All"),
            KUBECTL_ACCEPT,
        )
        .await;
        assert_eq!(code, 400);
        assert_eq!(
            status["message"],
            "unrecognized includeObject value: \"All\""
        );

        let (_, table) = get(
            &client,
            path,
            "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
        )
        .await;
        assert_eq!(table["apiVersion"], "meta.k8s.io/v1beta1");
        assert_eq!(
            table["rows"][0]["object"]["apiVersion"],
            "meta.k8s.io/v1beta1"
        );
        let (_, list) = get(&client, path, "application/json").await;
        assert_eq!(list["kind"], "ConfigMapList");
    });
}

const MESH_OPERATOR: &str = r#"
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata: {name: servicemeshoperator, namespace: openshift-operators}
spec:
  channel: stable
  name: servicemeshoperator
  source: redhat-operators
  sourceNamespace: openshift-marketplace
  installPlanApproval: Automatic
"#;

const MESH: &str = r#"
apiVersion: maistra.io/v2
kind: ServiceMeshControlPlane
metadata: {name: basic, namespace: mesh}
spec: {version: v2.6}
---
apiVersion: maistra.io/v1
kind: ServiceMeshMemberRoll
metadata: {name: default, namespace: mesh}
spec: {members: [demo]}
"#;

#[test]
fn service_mesh_kinds_print_the_columns_of_their_crds() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], MESH_OPERATOR));
    let wait = |what: &[&str]| {
        let mut args = vec!["wait", "--timeout", "60s"];
        args.extend_from_slice(what);
        ok(sim.kubectl("a", &args));
    };
    wait(&[
        "--for=jsonpath={.status.state}=AtLatestKnown",
        "sub/servicemeshoperator",
        "-n",
        "openshift-operators",
    ]);
    wait(&[
        "--for=jsonpath={.status.phase}=Succeeded",
        "csv/servicemeshoperator.v2.6.4",
        "-n",
        "openshift-operators",
    ]);
    wait(&[
        "--for=create",
        "endpoints/maistra-admission-controller",
        "-n",
        "openshift-operators",
    ]);
    ok(sim.kubectl("a", &["create", "namespace", "mesh"]));
    ok(sim.kubectl("a", &["create", "namespace", "demo"]));
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], MESH));
    wait(&["--for=condition=Ready", "smmr/default", "-n", "mesh"]);
    wait(&["--for=condition=Ready", "smcp/basic", "-n", "mesh"]);
    let out = ok(sim.kubectl("a", &["get", "smcp,smmr", "-A"]));
    let headers: Vec<Vec<&str>> = words(&out)
        .into_iter()
        .filter(|w| w.first() == Some(&"NAMESPACE"))
        .collect();
    assert_eq!(
        headers,
        [
            vec![
                "NAMESPACE",
                "NAME",
                "READY",
                "STATUS",
                "PROFILES",
                "VERSION",
                "AGE"
            ],
            vec!["NAMESPACE", "NAME", "READY", "STATUS", "AGE"],
        ],
        "{out}"
    );
    let smcp = row(&out, "mesh");
    assert_eq!(
        smcp[1..4],
        [
            "servicemeshcontrolplane.maistra.io/basic",
            "6/6",
            "ComponentsReady"
        ],
        "{out}"
    );
    let smmr = words(&out)
        .into_iter()
        .find(|w| w.get(1) == Some(&"servicemeshmemberroll.maistra.io/default"))
        .unwrap_or_else(|| panic!("no SMMR row in:\n{out}"));
    assert_eq!(smmr[2..4], ["1/1", "Configured"], "{out}");
    let out = ok(sim.kubectl("a", &["get", "smmr", "-n", "mesh", "-o", "wide"]));
    assert_eq!(
        words(&out)[0],
        ["NAME", "READY", "STATUS", "AGE", "MEMBERS"],
        "{out}"
    );
    assert_eq!(row(&out, "default")[4], r#"["demo"]"#, "{out}");
}
