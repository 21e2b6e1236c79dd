//! The simulated clusters as OpenShift with OLM and the Service Mesh 2.x operator: the
//! walkthrough's commands through the real kubectl, and the same flow through kube-rs in-process.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{TestSim, fails, ok};
use fedrun::sim::cluster::{Provider, SimCluster};
use fedrun::sim::simulator::{SimOptions, parse_clusters};
use fedrun::sim::store::Store;
use fedrun::sim::world::World;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};

const SUBSCRIPTIONS: &str = r#"
# installing elastic search operator
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: elasticsearch-operator
  namespace: openshift-operators
spec:
  channel: "stable"
  name: elasticsearch-operator
  source: redhat-operators
  sourceNamespace: openshift-marketplace
  installPlanApproval: Automatic
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: jaeger-product
  namespace: openshift-operators
spec:
  name: jaeger-product
  source: redhat-operators
  sourceNamespace: openshift-marketplace
  channel: "stable"
  installPlanApproval: Automatic
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: kiali-ossm
  namespace: openshift-operators
spec:
  name: kiali-ossm
  source: redhat-operators
  sourceNamespace: openshift-marketplace
  channel: "stable"
  installPlanApproval: Automatic
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: servicemeshoperator
  namespace: openshift-operators
spec:
  channel: "stable"
  name: servicemeshoperator
  source: redhat-operators
  sourceNamespace: openshift-marketplace
  installPlanApproval: Automatic
"#;

/// The walkthrough's `<cluster>/smcp.yaml`: a control plane with one ingress/egress pair per peer.
fn smcp(mesh: &str, peer: &str, short: &str, version: &str) -> String {
    format!(
        r#"apiVersion: maistra.io/v2
kind: ServiceMeshControlPlane
metadata:
  name: {mesh}
  namespace: {mesh}
spec:
  version: {version}
  security:
    trust:
      domain: {mesh}.local
  addons:
    grafana:
      enabled: true
    kiali:
      enabled: true
    prometheus:
      enabled: true
  tracing:
    sampling: 10000
    type: Jaeger
  gateways:
    additionalEgress:
      {short}-egress:
        enabled: true
        requestedNetworkView:
        - network-{peer}
        routerMode: sni-dnat
        service:
          metadata:
            labels:
              federation.maistra.io/egress-for: {peer}
          ports:
          - port: 15443
            name: tls
          - port: 8188
            name: http-discovery
    additionalIngress:
      {short}-ingress:
        enabled: true
        routerMode: sni-dnat
        service:
          type: LoadBalancer
          metadata:
            labels:
              federation.maistra.io/ingress-for: {peer}
          ports:
          - port: 15443
            name: tls
          - port: 8188
            name: https-discovery
"#
    )
}

fn smmr(mesh: &str, member: &str) -> String {
    format!(
        "apiVersion: maistra.io/v1\nkind: ServiceMeshMemberRoll\nmetadata:\n  name: default\n  namespace: {mesh}\nspec:\n  members:\n  - {member}\n"
    )
}

fn project_request(name: &str) -> String {
    format!(
        "apiVersion: project.openshift.io/v1\nkind: ProjectRequest\nmetadata:\n  name: {name}\ndisplayName: {name}\n"
    )
}

/// `echo "$PEM" | openssl x509 -subject -noout`
fn openssl_subject(pem: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["x509", "-subject", "-noout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(pem.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Installs the four operators the walkthrough's way and waits for the webhook to serve.
fn install_operators(sim: &TestSim, ctx: &str) {
    let out = ok(sim.kubectl_stdin(ctx, &["apply", "-f", "-"], SUBSCRIPTIONS));
    assert!(
        out.contains("subscription.operators.coreos.com/servicemeshoperator created"),
        "{out}"
    );
    for sub in [
        "servicemeshoperator",
        "kiali-ossm",
        "jaeger-product",
        "elasticsearch-operator",
    ] {
        ok(sim.kubectl(
            ctx,
            &[
                "wait",
                "--for=jsonpath={.status.state}=AtLatestKnown",
                &format!("sub/{sub}"),
                "-n",
                "openshift-operators",
                "--timeout",
                "60s",
            ],
        ));
        let messages = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "sub",
                sub,
                "-n",
                "openshift-operators",
                "--output",
                "jsonpath={.status.conditions[*].message}",
            ],
        ));
        assert_eq!(messages, "all available catalogsources are healthy");
    }
    ok(sim.kubectl(
        ctx,
        &[
            "wait",
            "--for=jsonpath={.status.phase}=Succeeded",
            "csv/servicemeshoperator.v2.6.4",
            "-n",
            "openshift-operators",
            "--timeout",
            "60s",
        ],
    ));
    // The webhook serves a little after the CSV succeeds: wait for its endpoints, not a sleep.
    ok(sim.kubectl(
        ctx,
        &[
            "wait",
            "--for=create",
            "endpoints/maistra-admission-controller",
            "-n",
            "openshift-operators",
            "--timeout",
            "60s",
        ],
    ));
}

/// `oc new-project <mesh>`, `kubectl create namespace <bookinfo>`, SMCP + SMMR, wait for the SMMR.
fn install_mesh(sim: &TestSim, ctx: &str, mesh: &str, bookinfo: &str, peer: &str, short: &str) {
    let out = ok(sim.kubectl_stdin(ctx, &["create", "-f", "-"], &project_request(mesh)));
    assert_eq!(
        out.trim(),
        format!("project.project.openshift.io/{mesh} created")
    );
    ok(sim.kubectl(ctx, &["create", "namespace", bookinfo]));
    let out = ok(sim.kubectl_stdin(ctx, &["apply", "-f", "-"], &smcp(mesh, peer, short, "v2.6")));
    assert!(out.contains("created"), "{out}");
    ok(sim.kubectl_stdin(ctx, &["apply", "-f", "-"], &smmr(mesh, bookinfo)));
    let out = ok(sim.kubectl(
        ctx,
        &[
            "wait",
            "--for",
            "condition=Ready",
            "smmr/default",
            "-n",
            mesh,
            "--timeout",
            "60s",
        ],
    ));
    assert_eq!(
        out.trim(),
        "servicemeshmemberroll.maistra.io/default condition met"
    );
}

fn root_cert(sim: &TestSim, ctx: &str, ns: &str) -> String {
    ok(sim.kubectl(
        ctx,
        &[
            "get",
            "configmap",
            "-n",
            ns,
            "istio-ca-root-cert",
            "-o",
            "jsonpath={.data.root-cert\\.pem}",
        ],
    ))
}

fn ingress_address(sim: &TestSim, ctx: &str, ns: &str, svc: &str, field: &str) -> String {
    ok(sim.kubectl(
        ctx,
        &[
            "wait",
            "--for=jsonpath={.status.loadBalancer.ingress}",
            &format!("svc/{svc}"),
            "-n",
            ns,
            "--timeout",
            "60s",
        ],
    ));
    ok(sim.kubectl(
        ctx,
        &[
            "get",
            "svc",
            svc,
            "-n",
            ns,
            "-o",
            &format!("jsonpath={{.status.loadBalancer.ingress[0].{field}}}"),
        ],
    ))
}

#[test]
fn the_walkthrough_installs_meshes_on_rosa_and_aro_with_kubectl() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let err = fails(sim.kubectl("rosa", &["get", "smcp"]));
    assert!(
        err.contains("the server doesn't have a resource type \"smcp\""),
        "{err}"
    );
    // (kubectl's client-side validation needs /openapi/v2 for unknown groups, which the
    // simulator does not serve; without it kubectl reports what it reports on OpenShift.)
    let err = fails(sim.kubectl_stdin(
        "rosa",
        &["apply", "--validate=false", "-f", "-"],
        &smcp("rosa-prod-mesh", "aro-stg-mesh", "aro-stg", "v2.6"),
    ));
    assert!(
        err.contains(
            "no matches for kind \"ServiceMeshControlPlane\" in version \"maistra.io/v2\""
        ),
        "{err}"
    );

    for (ctx, mesh, bookinfo, peer, short) in [
        (
            "rosa",
            "rosa-prod-mesh",
            "prod-bookinfo",
            "aro-stg-mesh",
            "aro-stg",
        ),
        (
            "aro",
            "aro-stg-mesh",
            "stg-bookinfo",
            "rosa-prod-mesh",
            "rosa-prod",
        ),
    ] {
        install_operators(&sim, ctx);
        install_mesh(&sim, ctx, mesh, bookinfo, peer, short);

        let pem = root_cert(&sim, ctx, mesh);
        assert_eq!(openssl_subject(&pem), format!("subject=O = {mesh}.local"));
        assert_eq!(
            root_cert(&sim, ctx, bookinfo),
            pem,
            "members get the root too"
        );
        let labels = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "ns",
                bookinfo,
                "-o",
                "jsonpath={.metadata.labels.maistra\\.io/member-of}",
            ],
        ));
        assert_eq!(labels, mesh);

        for sa in [
            format!("{short}-egress-service-account"),
            format!("{short}-ingress-service-account"),
        ] {
            ok(sim.kubectl(ctx, &["get", "sa", "-n", mesh, &sa]));
        }
        let selector = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "svc",
                "-n",
                mesh,
                "-l",
                &format!("federation.maistra.io/ingress-for={peer}"),
                "-o",
                "jsonpath={.items[*].metadata.name} {.items[*].spec.type} {.items[*].spec.ports[*].port}",
            ],
        ));
        assert_eq!(selector, format!("{short}-ingress LoadBalancer 15443 8188"));
        let host = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "route",
                "istio-ingressgateway",
                "-n",
                mesh,
                "-o",
                "jsonpath={.spec.host}",
            ],
        ));
        assert!(host.starts_with("istio-ingressgateway-"), "{host}");
        let ready = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "smcp",
                mesh,
                "-n",
                mesh,
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason} {.status.readiness.components.pending}",
            ],
        ));
        assert_eq!(ready, "ComponentsReady []");
    }

    let rosa = ingress_address(
        &sim,
        "rosa",
        "rosa-prod-mesh",
        "aro-stg-ingress",
        "hostname",
    );
    assert!(
        rosa.starts_with('a') && rosa.ends_with(".elb.amazonaws.com"),
        "{rosa}"
    );
    assert_eq!(
        ingress_address(&sim, "rosa", "rosa-prod-mesh", "aro-stg-ingress", "ip"),
        ""
    );
    let aro = ingress_address(&sim, "aro", "aro-stg-mesh", "rosa-prod-ingress", "ip");
    assert!(aro.starts_with("20."), "{aro}");
    let world = sim.sim().world();
    assert_eq!(
        world.network.resolve(&aro).map(|e| e.service),
        Some("rosa-prod-ingress".to_string())
    );
    assert_ne!(
        root_cert(&sim, "rosa", "rosa-prod-mesh"),
        root_cert(&sim, "aro", "aro-stg-mesh"),
        "each mesh has its own CA"
    );
}

#[test]
fn projects_are_a_view_over_namespaces() {
    let sim = TestSim::with_clusters("rosa:aws");
    let out = ok(sim.kubectl_stdin("rosa", &["create", "-f", "-"], &project_request("demo")));
    assert_eq!(out.trim(), "project.project.openshift.io/demo created");
    let err = fails(sim.kubectl_stdin("rosa", &["create", "-f", "-"], &project_request("demo")));
    assert!(
        err.contains("project.project.openshift.io \"demo\" already exists"),
        "{err}"
    );
    let requester = ok(sim.kubectl(
        "rosa",
        &[
            "get",
            "ns",
            "demo",
            "-o",
            "jsonpath={.metadata.annotations.openshift\\.io/requester}",
        ],
    ));
    assert!(!requester.is_empty());
    ok(sim.kubectl("rosa", &["create", "namespace", "plain"]));
    let out = ok(sim.kubectl("rosa", &["get", "projects", "-o", "name"]));
    assert!(
        out.contains("project.project.openshift.io/demo")
            && out.contains("project.project.openshift.io/plain"),
        "{out}"
    );
    let out = ok(sim.kubectl("rosa", &["delete", "project", "demo"]));
    assert!(out.contains("deleted"), "{out}");
    fails(sim.kubectl("rosa", &["get", "ns", "demo"]));
    let err = fails(sim.kubectl("rosa", &["get", "project", "demo"]));
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn the_webhook_validates_versions_and_gateway_names() {
    let sim = TestSim::with_clusters("rosa:aws");
    install_operators(&sim, "rosa");
    ok(sim.kubectl_stdin(
        "rosa",
        &["create", "-f", "-"],
        &project_request("rosa-prod-mesh"),
    ));
    let err = fails(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &smcp("rosa-prod-mesh", "aro-stg-mesh", "aro-stg", "v2.9"),
    ));
    assert!(
        err.contains("admission webhook \"smcp.validation.maistra.io\" denied the request: invalid Version specified; supported versions are: [v2.3 v2.4 v2.5 v2.6]"),
        "{err}"
    );
    let err = fails(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &smcp("rosa-prod-mesh", "aro-stg-mesh", "Aro_Stg", "v2.6"),
    ));
    assert!(
        err.contains("smcp.validation.maistra.io")
            && err.contains("spec.gateways.additionalIngress.Aro_Stg-ingress: Invalid value"),
        "{err}"
    );
    let err = fails(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &smmr("rosa-prod-mesh", "x").replace("name: default", "name: other"),
    ));
    assert!(
        err.contains("ServiceMeshMemberRoll must be named 'default'"),
        "{err}"
    );
}

#[test]
fn unknown_packages_and_catalogs_fail_resolution() {
    let sim = TestSim::with_clusters("rosa:aws");
    let subs = r#"apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: mesh
  namespace: openshift-operators
spec:
  channel: stable
  name: servicemesh-operator
  source: redhat-operators
  sourceNamespace: openshift-marketplace
---
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: typo-catalog
  namespace: openshift-operators
spec:
  channel: stable
  name: servicemeshoperator
  source: redhat-operator
  sourceNamespace: openshift-marketplace
"#;
    ok(sim.kubectl_stdin("rosa", &["apply", "-f", "-"], subs));
    for sub in ["mesh", "typo-catalog"] {
        ok(sim.kubectl(
            "rosa",
            &[
                "wait",
                "--for=condition=ResolutionFailed",
                &format!("sub/{sub}"),
                "-n",
                "openshift-operators",
                "--timeout",
                "60s",
            ],
        ));
    }
    let message = |sub: &str| {
        ok(sim.kubectl(
            "rosa",
            &[
                "get",
                "sub",
                sub,
                "-n",
                "openshift-operators",
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"ResolutionFailed\")].message}",
            ],
        ))
    };
    assert!(message("mesh").starts_with("constraints not satisfiable: no operators found in package servicemesh-operator in the catalog referenced by subscription mesh"), "{}", message("mesh"));
    assert!(
        message("typo-catalog").contains(
            "no operators found from catalog redhat-operator in namespace openshift-marketplace"
        ),
        "{}",
        message("typo-catalog")
    );
    let err = fails(sim.kubectl("rosa", &["get", "smcp"]));
    assert!(err.contains("doesn't have a resource type"), "{err}");
}

#[test]
fn the_ca_is_stable_across_reconciles_and_restarts_and_gateways_follow_the_spec() {
    let mut sim = TestSim::with_clusters("rosa:aws");
    install_operators(&sim, "rosa");
    install_mesh(
        &sim,
        "rosa",
        "rosa-prod-mesh",
        "prod-bookinfo",
        "aro-stg-mesh",
        "aro-stg",
    );
    let pem = root_cert(&sim, "rosa", "rosa-prod-mesh");

    // A second peer's gateways, then the first peer's removed: a new generation reconciled.
    let two = smcp("rosa-prod-mesh", "gcp-dev-mesh", "gcp-dev", "v2.6");
    ok(sim.kubectl_stdin("rosa", &["apply", "-f", "-"], &two));
    ok(sim.kubectl(
        "rosa",
        &[
            "wait",
            "--for=jsonpath={.status.observedGeneration}=2",
            "smcp/rosa-prod-mesh",
            "-n",
            "rosa-prod-mesh",
            "--timeout",
            "60s",
        ],
    ));
    ok(sim.kubectl(
        "rosa",
        &[
            "wait",
            "--for=delete",
            "deploy/aro-stg-ingress",
            "svc/aro-stg-ingress",
            "sa/aro-stg-ingress-service-account",
            "-n",
            "rosa-prod-mesh",
            "--timeout",
            "60s",
        ],
    ));
    ok(sim.kubectl(
        "rosa",
        &["get", "svc", "gcp-dev-ingress", "-n", "rosa-prod-mesh"],
    ));
    assert_eq!(root_cert(&sim, "rosa", "rosa-prod-mesh"), pem);

    // Restart on the same state directory.
    sim.stop();
    let dir = std::mem::replace(&mut sim.dir, tempfile::tempdir().unwrap());
    drop(sim);
    let mut options = SimOptions::new(dir.path().join("state"));
    options.clusters = Some(parse_clusters("rosa:aws").unwrap());
    let sim = TestSim::with_options(dir, options);
    ok(sim.kubectl(
        "rosa",
        &[
            "wait",
            "--for",
            "condition=Ready",
            "smcp/rosa-prod-mesh",
            "-n",
            "rosa-prod-mesh",
            "--timeout",
            "60s",
        ],
    ));
    assert_eq!(root_cert(&sim, "rosa", "rosa-prod-mesh"), pem);
    assert_eq!(root_cert(&sim, "rosa", "prod-bookinfo"), pem);
    // The webhook serves again after the restart, and the mesh can still be changed.
    ok(sim.kubectl_stdin(
        "rosa",
        &["apply", "-f", "-"],
        &smcp("rosa-prod-mesh", "aro-stg-mesh", "aro-stg", "v2.6"),
    ));
}

// ---- kube-rs ----

fn ar(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

fn dynamic(client: &kube::Client, resource: &ApiResource, ns: Option<&str>) -> Api<DynamicObject> {
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    }
}

/// Polls `probe` until it yields, failing after a minute (the controllers run at time scale 0).
async fn until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn field(api: &Api<DynamicObject>, name: &str, pointer: &str) -> Option<Value> {
    let obj = api.get_opt(name).await.ok()??;
    serde_json::to_value(obj)
        .ok()?
        .pointer(pointer)
        .cloned()
        .filter(|v| !v.is_null())
}

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

async fn apply(api: &Api<DynamicObject>, object: &Value) -> Result<DynamicObject, kube::Error> {
    let name = object["metadata"]["name"].as_str().unwrap().to_string();
    api.patch(
        &name,
        &PatchParams::apply("sim-ossm-test"),
        &Patch::Apply(object),
    )
    .await
}

async fn subscribe(client: &kube::Client) {
    let subs = dynamic(
        client,
        &ar(
            "operators.coreos.com",
            "v1alpha1",
            "Subscription",
            "subscriptions",
        ),
        Some("openshift-operators"),
    );
    for doc in SUBSCRIPTIONS.split("\n---\n") {
        apply(&subs, &yaml(doc)).await.expect("subscription");
    }
}

async fn project(client: &kube::Client, name: &str) {
    let requests = dynamic(
        client,
        &ar(
            "project.openshift.io",
            "v1",
            "ProjectRequest",
            "projectrequests",
        ),
        None,
    );
    let created = requests
        .create(
            &PostParams::default(),
            &serde_json::from_value(yaml(&project_request(name))).unwrap(),
        )
        .await
        .expect("project request");
    assert_eq!(created.types.unwrap().kind, "Project");
    let err = requests
        .create(
            &PostParams::default(),
            &serde_json::from_value(yaml(&project_request(name))).unwrap(),
        )
        .await
        .unwrap_err();
    match err {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (409, "AlreadyExists")),
        other => panic!("expected 409, got {other:?}"),
    }
}

#[test]
fn the_webhook_window_rejects_an_early_control_plane_over_https() {
    // Time scale 0.05: the webhook comes up 250 ms after the CSV succeeds, a window the client
    // hits deterministically by applying the moment it sees Succeeded.
    let dir = tempfile::tempdir().unwrap();
    let mut options = SimOptions::new(dir.path().join("state"));
    options.clusters = Some(parse_clusters("rosa:aws").unwrap());
    options.time_scale = 0.05;
    let sim = TestSim::with_options(dir, options);
    let kubeconfig = sim.kubeconfig();
    sim.rt.block_on(async {
        let client = client(&kubeconfig, "rosa").await;
        project(&client, "rosa-prod-mesh").await;
        subscribe(&client).await;
        let csvs = dynamic(
            &client,
            &ar(
                "operators.coreos.com",
                "v1alpha1",
                "ClusterServiceVersion",
                "clusterserviceversions",
            ),
            Some("openshift-operators"),
        );
        until("the CSV to succeed", || async {
            (field(&csvs, "servicemeshoperator.v2.6.4", "/status/phase").await?
                == json!("Succeeded"))
            .then_some(())
        })
        .await;
        let smcps = dynamic(
            &client,
            &ar("maistra.io", "v2", "ServiceMeshControlPlane", "servicemeshcontrolplanes"),
            Some("rosa-prod-mesh"),
        );
        let manifest = yaml(&smcp("rosa-prod-mesh", "aro-stg-mesh", "aro-stg", "v2.6"));
        match apply(&smcps, &manifest).await.unwrap_err() {
            kube::Error::Api(s) => {
                assert_eq!((s.code, s.reason.as_str()), (500, "InternalError"));
                assert!(s.message.starts_with("Internal error occurred: failed calling webhook \"smcp.mutation.maistra.io\": failed to call webhook: Post \"https://maistra-admission-controller.openshift-operators.svc:443/mutate-smcp?timeout=10s\": dial tcp 172.30."), "{}", s.message);
                assert!(s.message.ends_with(":443: connect: connection refused"), "{}", s.message);
            }
            other => panic!("expected the webhook error, got {other:?}"),
        }
        let endpoints = dynamic(&client, &ar("", "v1", "Endpoints", "endpoints"), Some("openshift-operators"));
        until("the webhook's endpoints", || async {
            field(&endpoints, "maistra-admission-controller", "/subsets/0/addresses/0/ip").await
        })
        .await;
        apply(&smcps, &manifest).await.expect("accepted once the webhook serves");
    });
}

async fn client(path: &Path, context: &str) -> kube::Client {
    let kc = kube::config::Kubeconfig::read_from(path).expect("kubeconfig parses");
    let options = kube::config::KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .expect("context");
    kube::Client::try_from(config).expect("client")
}

/// Two in-process clusters (no sockets): the router as kube-rs's service, the controllers spawned
/// on the world, exactly as the simulator wires them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_flow_through_kube_rs_in_process() {
    let clusters: Vec<Arc<SimCluster>> = [("rosa", Provider::Aws), ("aro", Provider::Azure)]
        .into_iter()
        .map(|(name, provider)| {
            let c = Arc::new(SimCluster::new(name, provider, Arc::new(Store::new())));
            fedrun::sim::controllers::prepare(&c);
            c
        })
        .collect();
    let world = Arc::new(World::new(clusters.clone(), 0.0));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks = fedrun::sim::controllers::spawn(
        world.clone(),
        fedrun::sim::controllers::all(&world),
        stopped,
    );
    let mut addresses = Vec::new();
    for (cluster, mesh, peer, short, field_name) in [
        (
            &clusters[0],
            "rosa-prod-mesh",
            "aro-stg-mesh",
            "aro-stg",
            "hostname",
        ),
        (
            &clusters[1],
            "aro-stg-mesh",
            "rosa-prod-mesh",
            "rosa-prod",
            "ip",
        ),
    ] {
        let client = kube::Client::new(fedrun::sim::api::router(cluster.clone()), "default");
        project(&client, mesh).await;
        project(&client, "bookinfo").await;
        subscribe(&client).await;
        let endpoints = dynamic(
            &client,
            &ar("", "v1", "Endpoints", "endpoints"),
            Some("openshift-operators"),
        );
        until("the webhook", || async {
            field(
                &endpoints,
                "maistra-admission-controller",
                "/subsets/0/addresses/0/ip",
            )
            .await
        })
        .await;
        let smcps = dynamic(
            &client,
            &ar(
                "maistra.io",
                "v2",
                "ServiceMeshControlPlane",
                "servicemeshcontrolplanes",
            ),
            Some(mesh),
        );
        apply(&smcps, &yaml(&smcp(mesh, peer, short, "v2.6")))
            .await
            .expect("smcp");
        let smmrs = dynamic(
            &client,
            &ar(
                "maistra.io",
                "v1",
                "ServiceMeshMemberRoll",
                "servicemeshmemberrolls",
            ),
            Some(mesh),
        );
        apply(&smmrs, &yaml(&smmr(mesh, "bookinfo")))
            .await
            .expect("smmr");
        until("the member roll", || async {
            let conditions = field(&smmrs, "default", "/status/conditions").await?;
            conditions
                .as_array()?
                .iter()
                .any(|c| {
                    c["type"] == "Ready" && c["status"] == "True" && c["reason"] == "Configured"
                })
                .then_some(())
        })
        .await;
        assert_eq!(
            field(&smmrs, "default", "/status/configuredMembers").await,
            Some(json!(["bookinfo"]))
        );

        let cms = dynamic(
            &client,
            &ar("", "v1", "ConfigMap", "configmaps"),
            Some(mesh),
        );
        let pem = field(&cms, "istio-ca-root-cert", "/data/root-cert.pem")
            .await
            .unwrap();
        let (_, der) = x509_parser::pem::parse_x509_pem(pem.as_str().unwrap().as_bytes()).unwrap();
        let cert = der.parse_x509().unwrap();
        assert_eq!(cert.subject().to_string(), format!("O={mesh}.local"));
        assert!(cert.is_ca());

        let services = dynamic(&client, &ar("", "v1", "Service", "services"), Some(mesh));
        let ingress = format!("{short}-ingress");
        let address = until("the load balancer", || async {
            field(
                &services,
                &ingress,
                &format!("/status/loadBalancer/ingress/0/{field_name}"),
            )
            .await
        })
        .await;
        let address = address.as_str().unwrap().to_string();
        assert_eq!(
            world
                .network
                .resolve(&address)
                .map(|e| (e.cluster, e.service)),
            Some((cluster.name.clone(), ingress.clone()))
        );
        addresses.push((client, address, ingress, mesh));
    }
    assert!(addresses[0].1.ends_with(".elb.amazonaws.com"));
    assert!(addresses[1].1.starts_with("20."));

    // A Service that goes takes its address off the network.
    let (client, address, ingress, mesh) = &addresses[0];
    let services = dynamic(client, &ar("", "v1", "Service", "services"), Some(mesh));
    let mut manifest = yaml(&smcp(mesh, "aro-stg-mesh", "aro-stg", "v2.6"));
    manifest["spec"]["gateways"]
        .as_object_mut()
        .unwrap()
        .remove("additionalIngress");
    let smcps = dynamic(
        client,
        &ar(
            "maistra.io",
            "v2",
            "ServiceMeshControlPlane",
            "servicemeshcontrolplanes",
        ),
        Some(mesh),
    );
    apply(&smcps, &manifest)
        .await
        .expect("smcp without the ingress");
    until("the ingress to go", || async {
        services
            .get_opt(ingress)
            .await
            .ok()?
            .is_none()
            .then_some(())
    })
    .await;
    until("the address to be released", || async {
        world.network.resolve(address).is_none().then_some(())
    })
    .await;

    let _ = stop.send(true);
    for t in tasks {
        let _ = t.await;
    }
}

#[test]
fn a_control_plane_not_ready_in_time_is_reported_with_its_state_then_converges() {
    // Time scale 0.05: the operators install in about a second, a control plane about 2 s after
    // it is applied; a 100 ms wait for it times out while it installs.
    let dir = tempfile::tempdir().unwrap();
    let mut options = SimOptions::new(dir.path().join("state"));
    options.clusters = Some(parse_clusters("rosa:aws").unwrap());
    options.time_scale = 0.05;
    let sim = TestSim::with_options(dir, options);
    let run = |timeout: &str| {
        let path = sim.dir.path().join("mesh.rhai");
        std::fs::write(
            &path,
            format!(
                r#"let rosa = cluster("rosa");
                   mesh::operators(rosa);
                   mesh::control_plane(rosa, "rosa-prod-mesh", #{{ members: ["prod-bookinfo"], timeout: "{timeout}" }});"#
            ),
        )
        .unwrap();
        Command::new(env!("CARGO_BIN_EXE_fedrun"))
            .args(["--sim", "--state"])
            .arg(sim.state_dir())
            .arg(&path)
            .env("NO_COLOR", "1")
            .output()
            .expect("fedrun runs")
    };
    let text = fails(run("100ms"));
    assert!(
        text.contains("waiting for smmr/default in rosa-prod-mesh to be condition=Ready"),
        "{text}"
    );
    // The roll's state, and the control plane's: where the time goes.
    assert!(
        text.contains("last seen: conditions Ready=False (ReconcileError: The following namespaces are not yet configured: [prod-bookinfo]); control plane rosa-prod-mesh: conditions Installed=False (ResourceCreated: Installing mesh generation 1)"),
        "{text}"
    );
    ok(run("30s"));
}

/// The list's resourceVersion: the store's, which any write anywhere raises.
fn store_version(sim: &TestSim, ctx: &str) -> String {
    let list: Value = serde_json::from_str(&ok(
        sim.kubectl(ctx, &["get", "--raw", "/api/v1/namespaces"])
    ))
    .unwrap();
    list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

fn get(sim: &TestSim, ctx: &str, args: &[&str], path: &str) -> String {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    let jsonpath = format!("jsonpath={path}");
    all.extend_from_slice(&["-o", &jsonpath]);
    ok(sim.kubectl(ctx, &all))
}

#[test]
fn the_operator_defaults_finalizes_refuses_a_second_mesh_reports_members_and_settles() {
    let sim = TestSim::with_clusters("rosa:aws");
    install_operators(&sim, "rosa");
    let mesh = "rosa-prod-mesh";
    install_mesh(
        &sim,
        "rosa",
        mesh,
        "prod-bookinfo",
        "aro-stg-mesh",
        "aro-stg",
    );
    let smcp_args = ["smcp", mesh, "-n", mesh];

    // The mutating webhook filled the profiles and turned IOR off (v2.5+, nothing said); the
    // operator put its finalizer on both.
    assert_eq!(
        get(&sim, "rosa", &smcp_args, "{.spec.profiles}"),
        r#"["default"]"#
    );
    assert_eq!(
        get(
            &sim,
            "rosa",
            &smcp_args,
            "{.spec.gateways.openshiftRoute.enabled}"
        ),
        "false"
    );
    for what in [&smcp_args[..], &["smmr", "default", "-n", mesh]] {
        assert_eq!(
            get(&sim, "rosa", what, "{.metadata.finalizers}"),
            r#"["maistra.io/istio-operator"]"#
        );
    }
    // Status as the operator writes it.
    assert_eq!(
        get(&sim, "rosa", &smcp_args, "{.status.conditions[*].reason}"),
        "InstallSuccessful InstallSuccessful ComponentsReady"
    );
    assert_eq!(
        get(&sim, "rosa", &smcp_args, "{.status.components[*].resource}"),
        "grafana istio-discovery istio-egress istio-ingress kiali mesh-config prometheus telemetry-common tracing"
    );
    assert_eq!(
        get(
            &sim,
            "rosa",
            &smcp_args,
            "{.status.annotations.readyComponentCount}"
        ),
        "9/9"
    );
    assert_eq!(
        get(
            &sim,
            "rosa",
            &smcp_args,
            "{.status.appliedSpec.version} {.status.appliedValues.istio.meshConfig.trustDomain} {.status.chartVersion}"
        ),
        "v2.6 rosa-prod-mesh.local 2.6.4"
    );
    // The addons: grafana's objects, the Kiali and Jaeger resources, and their Routes.
    assert_eq!(
        get(
            &sim,
            "rosa",
            &["routes", "-n", mesh],
            "{.items[*].metadata.name}"
        ),
        "grafana istio-ingressgateway jaeger kiali"
    );
    assert_eq!(
        get(
            &sim,
            "rosa",
            &["kiali,jaeger", "-n", mesh],
            "{.items[*].metadata.name}"
        ),
        "kiali jaeger"
    );
    // The member roll made a ServiceMeshMember in its member namespace.
    assert_eq!(
        get(
            &sim,
            "rosa",
            &["smm", "default", "-n", "prod-bookinfo"],
            "{.spec.controlPlaneRef.namespace}/{.spec.controlPlaneRef.name} {.metadata.annotations.maistra\\.io/created-by} {.status.conditions[*].status}"
        ),
        "rosa-prod-mesh/rosa-prod-mesh servicemeshmemberroll-controller True True"
    );

    // One mesh per namespace, none in the operator's namespace.
    let second = smcp(mesh, "aro-stg-mesh", "aro-stg", "v2.6").replace(
        &format!("name: {mesh}\n  namespace"),
        "name: second\n  namespace",
    );
    let err = fails(sim.kubectl_stdin("rosa", &["apply", "-f", "-"], &second));
    assert!(
        err.contains("admission webhook \"smcp.validation.maistra.io\" denied the request: only one service mesh may be installed per project/namespace"),
        "{err}"
    );
    let here = "apiVersion: maistra.io/v2\nkind: ServiceMeshControlPlane\nmetadata: {name: basic, namespace: openshift-operators}\nspec: {}\n";
    let err = fails(sim.kubectl_stdin("rosa", &["create", "-f", "-"], here));
    assert!(
        err.contains(
            "service mesh may not be installed in the same project/namespace as the operator"
        ),
        "{err}"
    );

    // A member namespace that does not exist: the roll says which, the member status why.
    ok(sim.kubectl(
        "rosa",
        &[
            "patch",
            "smmr",
            "default",
            "-n",
            mesh,
            "--type",
            "merge",
            "-p",
            r#"{"spec":{"members":["prod-bookinfo","ghost"]}}"#,
        ],
    ));
    ok(sim.kubectl(
        "rosa",
        &[
            "wait",
            "--for",
            "condition=Ready=False",
            "smmr/default",
            "-n",
            mesh,
            "--timeout",
            "30s",
        ],
    ));
    let roll = ["smmr", "default", "-n", mesh];
    assert_eq!(
        get(
            &sim,
            "rosa",
            &roll,
            "{.status.conditions[0].reason}: {.status.conditions[0].message}"
        ),
        "ReconcileError: The following namespaces are not yet configured: [ghost]"
    );
    assert_eq!(
        get(
            &sim,
            "rosa",
            &roll,
            "{.status.memberStatuses[?(@.namespace==\"ghost\")].conditions[0].reason}: {.status.memberStatuses[?(@.namespace==\"ghost\")].conditions[0].message}"
        ),
        "NamespaceNotExists: Namespace ghost does not exist"
    );
    assert_eq!(
        get(
            &sim,
            "rosa",
            &roll,
            "{.status.members} {.status.configuredMembers} {.status.pendingMembers} {.status.annotations.configuredMemberCount}"
        ),
        r#"["ghost","prod-bookinfo"] ["prod-bookinfo"] ["ghost"] 1/2"#
    );

    // Settled: with no client writing, no controller writes either.
    let before = store_version(&sim, "rosa");
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(
        store_version(&sim, "rosa"),
        before,
        "a controller keeps writing"
    );

    // Deleting the control plane takes its components (and its finalizer) with it.
    ok(sim.kubectl("rosa", &["delete", "smcp", mesh, "-n", mesh, "--wait"]));
    ok(sim.kubectl(
        "rosa",
        &[
            "wait",
            "--for=delete",
            "deployment/grafana",
            "route/kiali",
            "kiali/kiali",
            "-n",
            mesh,
            "--timeout",
            "30s",
        ],
    ));
}
