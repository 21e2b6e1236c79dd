//! Field validation as kube-apiserver answers it, seen through kubectl: strict decoding errors,
//! warnings, pruning, Go's decoding errors for built-in kinds and 422 causes.

mod common;

use common::{TestSim, fails, ok};

const BOGUS_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  bogus: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
";

#[test]
fn kubectl_strict_warn_and_ignore_on_an_unknown_field() {
    let sim = TestSim::with_clusters("a:aws");
    // kubectl validates strictly by default: refused, nothing stored.
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], BOGUS_DEPLOYMENT));
    assert!(
        err.contains(
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding \
             error: unknown field \"spec.bogus\""
        ),
        "{err}"
    );
    fails(sim.kubectl("a", &["get", "deployment", "web"]));

    // Warn: stored without the field, and kubectl prints the server's warning.
    let out = sim.kubectl_stdin(
        "a",
        &["apply", "--validate=warn", "-f", "-"],
        BOGUS_DEPLOYMENT,
    );
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Warning: unknown field \"spec.bogus\""),
        "{stderr}"
    );
    let spec = ok(sim.kubectl("a", &["get", "deployment", "web", "-o", "jsonpath={.spec}"]));
    assert!(!spec.contains("bogus"), "{spec}");

    // Ignore (`--validate=false`): silently dropped.
    ok(sim.kubectl("a", &["delete", "deployment", "web"]));
    ok(sim.kubectl_stdin(
        "a",
        &["apply", "--validate=false", "-f", "-"],
        BOGUS_DEPLOYMENT,
    ));
    let spec = ok(sim.kubectl("a", &["get", "deployment", "web", "-o", "jsonpath={.spec}"]));
    assert!(!spec.contains("bogus"), "{spec}");

    // Server-side apply builds a typed patch first: refused whatever the directive.
    let err = fails(sim.kubectl_stdin(
        "a",
        &["apply", "--server-side", "--validate=false", "-f", "-"],
        BOGUS_DEPLOYMENT,
    ));
    assert!(
        err.contains(
            "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): \
             .spec.bogus: field not declared in schema"
        ),
        "{err}"
    );
}

#[test]
fn kubectl_sees_type_and_required_errors_of_built_in_kinds() {
    let sim = TestSim::with_clusters("a:aws");
    let wrong_type = BOGUS_DEPLOYMENT.replace("bogus: 1", "replicas: \"x\"");
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], &wrong_type));
    assert!(
        err.contains(
            "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of \
             type int32"
        ),
        "{err}"
    );
    let no_selector = BOGUS_DEPLOYMENT.replace("  selector: {matchLabels: {app: web}}\n", "");
    let no_selector = no_selector.replace("  bogus: 1\n", "");
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], &no_selector));
    assert!(
        err.contains("The Deployment \"web\" is invalid: spec.selector: Required value"),
        "{err}"
    );

    // Built-in rules no schema expresses.
    let good = BOGUS_DEPLOYMENT.replace("  bogus: 1\n", "");
    let mismatch = good.replace("labels: {app: web}", "labels: {app: other}");
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], &mismatch));
    assert!(
        err.contains("spec.template.metadata.labels: Invalid value: map[app:other]: `selector` does not match template `labels`"),
        "{err}"
    );
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], &good));
    let moved = good.replace("app: web", "app: web2");
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], &moved));
    assert!(err.contains("spec.selector: Invalid value:"), "{err}");
    assert!(err.contains("field is immutable"), "{err}");
    let svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  clusterIP: 10.96.7.7\n  ports: [{port: 80}]\n";
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], svc));
    let err = fails(sim.kubectl_stdin(
        "a",
        &["apply", "-f", "-"],
        &svc.replace("10.96.7.7", "10.96.7.8"),
    ));
    assert!(
        err.contains(
            "spec.clusterIPs[0]: Invalid value: []string{\"10.96.7.8\"}: may not change once set"
        ),
        "{err}"
    );
    // Generation: kept by workloads, never set on a ConfigMap.
    ok(sim.kubectl("a", &["create", "configmap", "plain", "--from-literal=a=b"]));
    let generation = ok(sim.kubectl(
        "a",
        &[
            "get",
            "cm",
            "plain",
            "-o",
            "jsonpath={.metadata.generation}",
        ],
    ));
    assert_eq!(generation, "");
    let generation = ok(sim.kubectl(
        "a",
        &[
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.metadata.generation}",
        ],
    ));
    assert_eq!(generation, "1");
}

/// Installs the Service Mesh operator (its CRDs) on context `a` and waits for its webhook.
fn with_service_mesh() -> TestSim {
    let sim = TestSim::with_clusters("a:aws");
    let sub = "apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata: {name: servicemeshoperator, namespace: openshift-operators}
spec: {channel: stable, name: servicemeshoperator, source: redhat-operators, sourceNamespace: openshift-marketplace}
";
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], sub));
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "openshift-operators",
            "wait",
            "--for=jsonpath={.status.state}=AtLatestKnown",
            "sub/servicemeshoperator",
            "--timeout=60s",
        ],
    ));
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "openshift-operators",
            "wait",
            "--for=jsonpath={.subsets[0].addresses[0].ip}",
            "endpoints/maistra-admission-controller",
            "--timeout=60s",
        ],
    ));
    ok(sim.kubectl("a", &["create", "namespace", "mesh"]));
    sim
}

/// The walkthrough repository's ess.yaml: `labelSelector.alias` where the CRD has `aliases`.
const WALKTHROUGH_ESS: &str = "\
apiVersion: federation.maistra.io/v1
kind: ExportedServiceSet
metadata: {name: aro-stg-mesh, namespace: mesh}
spec:
  exportRules:
  - type: LabelSelector
    labelSelector:
      namespace: prod-bookinfo
      selector:
        matchLabels: {export-service: \"true\"}
      alias:
        namespace: prod-bookinfo
";

#[test]
fn custom_resources_are_refused_as_a_real_cluster_refuses_them() {
    let sim = with_service_mesh();
    // The walkthrough's ESS: refused under kubectl's strict default, pruned with --validate=false.
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], WALKTHROUGH_ESS));
    assert!(
        err.contains(
            "ExportedServiceSet in version \"v1\" cannot be handled as a ExportedServiceSet: \
             strict decoding error: unknown field \"spec.exportRules[0].labelSelector.alias\""
        ),
        "{err}"
    );
    ok(sim.kubectl_stdin(
        "a",
        &["apply", "--validate=false", "-f", "-"],
        WALKTHROUGH_ESS,
    ));
    let selector = ok(sim.kubectl(
        "a",
        &[
            "-n",
            "mesh",
            "get",
            "exportedserviceset",
            "aro-stg-mesh",
            "-o",
            "jsonpath={.spec.exportRules[0].labelSelector}",
        ],
    ));
    assert!(
        selector.contains("export-service") && !selector.contains("alias"),
        "{selector}"
    );

    // An export rule without its required type.
    let untyped = WALKTHROUGH_ESS
        .replace(
            "  - type: LabelSelector\n    labelSelector:",
            "  - labelSelector:",
        )
        .replace("      alias:\n        namespace: prod-bookinfo\n", "");
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], &untyped));
    assert!(
        err.contains("spec.exportRules[0].type: Required value"),
        "{err}"
    );

    // A ServiceMeshPeer with a quoted port.
    let peer = "apiVersion: federation.maistra.io/v1
kind: ServiceMeshPeer
metadata: {name: other, namespace: mesh}
spec:
  remote: {addresses: [other.example.com], discoveryPort: \"8188\", servicePort: 15443}
  gateways: {ingress: {name: other-ingress}, egress: {name: other-egress}}
  security:
    trustDomain: other.local
    clientID: other.local/ns/other/sa/mesh-egress-service-account
    certificateChain: {kind: ConfigMap, name: other-ca-root-cert}
";
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], peer));
    assert!(
        err.contains(
            "spec.remote.discoveryPort: Invalid value: \"string\": spec.remote.discoveryPort in \
             body must be of type integer: \"string\""
        ),
        "{err}"
    );

    // An SMCP with a word for a sampling rate, and a field gateways.ingress does not have.
    let smcp = "apiVersion: maistra.io/v2
kind: ServiceMeshControlPlane
metadata: {name: basic, namespace: mesh}
spec:
  version: v2.6
  tracing: {type: None, sampling: high}
";
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], smcp));
    assert!(
        err.contains("spec.tracing.sampling in body must be of type integer"),
        "{err}"
    );
    let smcp = smcp.replace("sampling: high", "sampling: 10000")
        + "  gateways: {ingress: {bogus: true}}\n";
    let err = fails(sim.kubectl_stdin("a", &["apply", "-f", "-"], &smcp));
    assert!(
        err.contains("strict decoding error: unknown field \"spec.gateways.ingress.bogus\""),
        "{err}"
    );
    let smcp = smcp.replace("sampling: 10000", "sampling: 20000");
    let err = fails(sim.kubectl_stdin("a", &["apply", "--validate=false", "-f", "-"], &smcp));
    assert!(
        err.contains("spec.tracing.sampling in body should be less than or equal to 10000"),
        "{err}"
    );
}

#[test]
fn operator_kinds_show_their_printer_columns() {
    let sim = with_service_mesh();
    let out = ok(sim.kubectl("a", &["get", "sub,csv", "-n", "openshift-operators"]));
    let headers: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("NAME"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        headers,
        [
            vec!["NAME", "PACKAGE", "SOURCE", "CHANNEL"],
            // operator-framework/api's current CSV adds RELEASE to OLM's columns.
            vec!["NAME", "DISPLAY", "VERSION", "RELEASE", "REPLACES", "PHASE"]
        ],
        "{out}"
    );
    assert!(
        out.contains("servicemeshoperator   redhat-operators   stable"),
        "{out}"
    );
}

#[test]
fn server_dry_runs_validate_and_answer_but_persist_nothing() {
    let sim = TestSim::with_clusters("a:aws");
    let good = BOGUS_DEPLOYMENT.replace("  bogus: 1\n", "");
    // Create: answered with the object, nothing stored.
    let out = ok(sim.kubectl_stdin(
        "a",
        &[
            "apply",
            "--dry-run=server",
            "-o",
            "jsonpath={.metadata.name}",
            "-f",
            "-",
        ],
        &good,
    ));
    assert_eq!(out, "web");
    fails(sim.kubectl("a", &["get", "deployment", "web"]));
    // Refused exactly as the write would be.
    let err = fails(sim.kubectl_stdin(
        "a",
        &["apply", "--dry-run=server", "-f", "-"],
        BOGUS_DEPLOYMENT,
    ));
    assert!(err.contains("unknown field \"spec.bogus\""), "{err}");
    // Update and server-side apply: the answer shows the change, the object keeps its value.
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], &good));
    let scaled = good.replace("spec:\n  selector", "spec:\n  replicas: 4\n  selector");
    let answer = ok(sim.kubectl_stdin(
        "a",
        &[
            "apply",
            "--dry-run=server",
            "-o",
            "jsonpath={.spec.replicas}",
            "-f",
            "-",
        ],
        &scaled,
    ));
    assert_eq!(answer, "4");
    let answer = ok(sim.kubectl(
        "a",
        &[
            "patch",
            "deploy",
            "web",
            "--dry-run=server",
            "--type=merge",
            "-p",
            r#"{"spec":{"replicas":5}}"#,
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    ));
    assert_eq!(answer, "5");
    // A server-side apply that would create: answered, not stored.
    let other = scaled.replace("name: web,", "name: api,");
    let answer = ok(sim.kubectl_stdin(
        "a",
        &[
            "apply",
            "--server-side",
            "--dry-run=server",
            "-o",
            "jsonpath={.spec.replicas}",
            "-f",
            "-",
        ],
        &other,
    ));
    assert_eq!(answer, "4");
    fails(sim.kubectl("a", &["get", "deployment", "api"]));
    let stored = ok(sim.kubectl(
        "a",
        &["get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"],
    ));
    assert_eq!(stored, "1");
    // Delete: answered, and the object stays.
    ok(sim.kubectl("a", &["delete", "deploy", "web", "--dry-run=server"]));
    ok(sim.kubectl("a", &["get", "deploy", "web"]));
}

#[test]
fn kubectl_pages_through_long_lists() {
    let sim = TestSim::with_clusters("a:aws");
    for i in 0..7 {
        ok(sim.kubectl("a", &["create", "configmap", &format!("c{i}")]));
    }
    let names = ok(sim.kubectl(
        "a",
        &[
            "get",
            "cm",
            "--chunk-size=2",
            "-o",
            "name",
            "-l",
            "!nothing",
        ],
    ));
    // Paged through all of them, the namespace's CA bundles included.
    let listed: Vec<&str> = names.lines().filter(|n| !n.ends_with("-ca.crt")).collect();
    assert_eq!(names.lines().count(), 9, "{names}");
    assert_eq!(
        listed,
        (0..7)
            .map(|i| format!("configmap/c{i}"))
            .collect::<Vec<_>>()
    );
}
