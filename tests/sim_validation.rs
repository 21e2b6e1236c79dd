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
}
