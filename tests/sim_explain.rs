//! `kubectl explain` against the simulator's OpenAPI v3 documents: built-in kinds (k8s-openapi's
//! schemas under their real names), CustomResourceDefinition (a recursive schema) and a custom
//! kind from a CRD created here, `--recursive`, `--api-version`, kubectl's error for an unknown
//! field — and `kubectl apply`/`create` still validating strictly with the schemas published.

mod common;

use common::{TestSim, fails, ok};

const CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, listKind: WidgetList, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        description: A Widget is a thing made for tests.
        type: object
        properties:
          spec:
            description: WidgetSpec is what the widget should be.
            type: object
            required: [size]
            properties:
              size:
                description: Size of the widget in centimetres.
                type: integer
                format: int32
              colour:
                description: Colour of the widget.
                type: string
                enum: [red, green, blue]
              parts:
                description: Parts the widget is made of.
                type: array
                items:
                  type: object
                  properties:
                    name: {type: string, description: Name of the part.}
                    count: {type: integer, description: How many of them.}
          status:
            type: object
            properties:
              ready: {type: boolean, description: Whether the widget is ready.}
  - name: v1alpha1
    served: true
    storage: false
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              legacySize: {type: string, description: The size as v1alpha1 spelled it.}
"#;

fn with_crd() -> TestSim {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], CRD));
    sim
}

#[test]
fn explain_built_in_fields() {
    let sim = TestSim::with_clusters("a:aws");
    let out = ok(sim.kubectl("a", &["explain", "deployment.spec.replicas"]));
    assert!(
        out.starts_with("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n"),
        "{out}"
    );
    assert!(out.contains("FIELD: replicas <integer>"), "{out}");
    assert!(out.contains("Number of desired pods."), "{out}");

    // A described reference: the field's own description, then its type's.
    let out = ok(sim.kubectl("a", &["explain", "deployment.spec.template"]));
    assert!(out.contains("FIELD: template <PodTemplateSpec>"), "{out}");
    assert!(
        out.contains("Template describes the pods that will be created."),
        "{out}"
    );
    assert!(
        out.contains("PodTemplateSpec describes the data a pod should have"),
        "{out}"
    );

    let out = ok(sim.kubectl("a", &["explain", "configmap"]));
    assert!(
        out.starts_with("KIND:       ConfigMap\nVERSION:    v1\n"),
        "{out}"
    );
    assert!(
        out.contains("ConfigMap holds configuration data for pods to consume."),
        "{out}"
    );
    assert!(out.contains("  data\t<map[string]string>\n"), "{out}");
    // As the API's definition says: metadata is not required.
    assert!(out.contains("  metadata\t<ObjectMeta>\n"), "{out}");

    let out = ok(sim.kubectl(
        "a",
        &["explain", "pods.spec.containers.ports.containerPort"],
    ));
    assert!(out.contains("FIELD: containerPort <integer>"), "{out}");

    let out = ok(sim.kubectl("a", &["explain", "svc", "--api-version=v1"]));
    assert!(out.contains("KIND:       Service"), "{out}");

    // A cluster-scoped kind.
    let out = ok(sim.kubectl("a", &["explain", "ns.spec.finalizers"]));
    assert!(out.contains("FIELD: finalizers <[]string>"), "{out}");

    // OpenShift's kinds: Route with its schema, Project (served without one) with its metadata.
    let out = ok(sim.kubectl("a", &["explain", "route.spec.host"]));
    assert!(
        out.starts_with("GROUP:      route.openshift.io\nKIND:       Route\n"),
        "{out}"
    );
    assert!(out.contains("FIELD: host <string>"), "{out}");
    let out = ok(sim.kubectl("a", &["explain", "project"]));
    assert!(
        out.starts_with("GROUP:      project.openshift.io\nKIND:       Project\n"),
        "{out}"
    );
    assert!(out.contains("  metadata\t<ObjectMeta>"), "{out}");
}

#[test]
fn explain_the_recursive_crd_schema() {
    let sim = TestSim::with_clusters("a:aws");
    let out = ok(sim.kubectl("a", &["explain", "crd"]));
    assert!(
        out.starts_with("GROUP:      apiextensions.k8s.io\nKIND:       CustomResourceDefinition\n"),
        "{out}"
    );
    assert!(
        out.contains("  spec\t<CustomResourceDefinitionSpec> -required-"),
        "{out}"
    );

    // JSONSchemaProps refers to itself: explain follows it as far as asked.
    let out = ok(sim.kubectl(
        "a",
        &[
            "explain",
            "crd.spec.versions.schema.openAPIV3Schema.properties.items",
        ],
    ));
    assert!(
        out.contains("FIELD: items <JSONSchemaPropsOrArray>"),
        "{out}"
    );
    let out = ok(sim.kubectl(
        "a",
        &["explain", "crd.spec.versions.schema.openAPIV3Schema"],
    ));
    assert!(
        out.contains("openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning."),
        "{out}"
    );
    assert!(
        out.contains("  x-kubernetes-preserve-unknown-fields\t<boolean>"),
        "{out}"
    );
}

#[test]
fn explain_custom_resource_fields() {
    let sim = with_crd();
    let out = ok(sim.kubectl("a", &["explain", "widget.spec.size"]));
    assert_eq!(
        out,
        "GROUP:      example.com\nKIND:       Widget\nVERSION:    v1\n\nFIELD: size <integer>\n\n\n\
         DESCRIPTION:\n    Size of the widget in centimetres.\n    \n\n"
    );

    let out = ok(sim.kubectl("a", &["explain", "widgets"]));
    assert!(out.contains("A Widget is a thing made for tests."), "{out}");
    assert!(out.contains("  metadata\t<ObjectMeta>"), "{out}");
    assert!(out.contains("  apiVersion\t<string>"), "{out}");

    let out = ok(sim.kubectl("a", &["explain", "wd.spec.colour"]));
    assert!(
        out.contains("FIELD: colour <string>\nENUM:\n    red\n    green\n    blue"),
        "{out}"
    );

    let out = ok(sim.kubectl("a", &["explain", "widget.spec.parts.name"]));
    assert!(out.contains("FIELD: name <string>"), "{out}");
    assert!(out.contains("Name of the part."), "{out}");

    // --recursive lists the nested fields with their types.
    let out = ok(sim.kubectl("a", &["explain", "widgets.spec", "--recursive"]));
    assert!(
        out.contains("WidgetSpec is what the widget should be."),
        "{out}"
    );
    assert!(
        out.contains(
            "FIELDS:\n  colour\t<string>\n  enum: red, green, blue\n  parts\t<[]Object>\n    count\t<integer>\n    name\t<string>\n  size\t<integer> -required-\n"
        ),
        "{out}"
    );

    // --api-version picks the version's own schema.
    let out = ok(sim.kubectl(
        "a",
        &[
            "explain",
            "widget.spec",
            "--api-version=example.com/v1alpha1",
        ],
    ));
    assert!(out.contains("VERSION:    v1alpha1"), "{out}");
    assert!(
        out.contains("  legacySize\t<string>\n    The size as v1alpha1 spelled it."),
        "{out}"
    );
    assert!(!out.contains("size\t<integer>"), "{out}");
}

#[test]
fn explain_the_service_mesh_control_plane_from_its_generated_crd() {
    let sim = TestSim::with_clusters("a:aws");
    let crd = fedrun::sim::controllers::crds::service_mesh()
        .iter()
        .find(|c| c["metadata"]["name"] == "servicemeshcontrolplanes.maistra.io")
        .expect("the SMCP CRD")
        .to_string();
    // (`create`: the CRD is larger than the annotation client-side apply would store.)
    ok(sim.kubectl_stdin("a", &["create", "-f", "-"], &crd));
    let out = ok(sim.kubectl("a", &["explain", "servicemeshcontrolplane.spec.gateways"]));
    assert!(
        out.starts_with(
            "GROUP:      maistra.io\nKIND:       ServiceMeshControlPlane\nVERSION:    v2\n"
        ),
        "{out}"
    );
    assert!(out.contains("FIELD: gateways <Object>"), "{out}");
    assert!(out.contains("FIELDS:\n"), "{out}");
    let out = ok(sim.kubectl("a", &["explain", "smcp.spec.gateways.ingress"]));
    assert!(out.contains("FIELD: ingress <Object>"), "{out}");
}

#[test]
fn explain_an_unknown_field_fails_as_kubectl_does() {
    let sim = with_crd();
    let err = fails(sim.kubectl("a", &["explain", "deployment.spec.bogus"]));
    assert!(
        err.contains("error: field \"bogus\" does not exist"),
        "{err}"
    );
    let err = fails(sim.kubectl("a", &["explain", "widget.spec.nothing"]));
    assert!(
        err.contains("error: field \"nothing\" does not exist"),
        "{err}"
    );
    let err = fails(sim.kubectl("a", &["explain", "gadgets"]));
    assert!(
        err.contains("the server doesn't have a resource type \"gadgets\""),
        "{err}"
    );
}

#[test]
fn apply_and_create_still_validate_strictly() {
    let sim = with_crd();
    ok(sim.kubectl("a", &["create", "namespace", "demo"]));

    let cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: demo}\ndata: {k: v}\n";
    assert_eq!(
        ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], cm)).trim(),
        "configmap/c created"
    );
    assert_eq!(
        ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], &cm.replace("k: v", "k: w"))).trim(),
        "configmap/c configured"
    );

    // Client-side apply of a built-in kind still merges lists by key (kubectl computes the
    // strategic merge patch from its own types): removing the sidecar removes it.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: demo}\n\
        spec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    \
        spec:\n      containers:\n      - {name: web, image: nginx}\n      - {name: sidecar, image: proxy}\n";
    ok(sim.kubectl_stdin("a", &["create", "--save-config", "-f", "-"], deployment));
    let one = deployment.replace("      - {name: sidecar, image: proxy}\n", "");
    ok(sim.kubectl_stdin("a", &["apply", "-f", "-"], &one));
    let names = ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[*].name}",
        ],
    ));
    assert_eq!(names, "web");

    // Strict field validation is intact for built-in and custom kinds.
    let err = fails(
        sim.kubectl_stdin(
            "a",
            &["apply", "-f", "-"],
            &cm.replace("\ndata:", "\nbogus: 1\ndata:")
                .replace("name: c", "name: d"),
        ),
    );
    assert!(
        err.contains("strict decoding error: unknown field \"bogus\""),
        "{err}"
    );

    let widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: demo}\nspec: {size: 3}\n";
    assert_eq!(
        ok(sim.kubectl_stdin("a", &["create", "--save-config", "-f", "-"], widget)).trim(),
        "widget.example.com/w created"
    );
    assert_eq!(
        ok(sim.kubectl_stdin(
            "a",
            &["apply", "-f", "-"],
            &widget.replace("size: 3", "size: 4")
        ))
        .trim(),
        "widget.example.com/w configured"
    );
    let err = fails(
        sim.kubectl_stdin(
            "a",
            &["create", "-f", "-"],
            &widget
                .replace("name: w", "name: x")
                .replace("size: 3", "size: 3, bogus: 1"),
        ),
    );
    assert!(err.contains("unknown field \"spec.bogus\""), "{err}");
}

#[test]
fn the_index_names_every_document_by_its_hash() {
    let sim = with_crd();
    let index = ok(sim.kubectl("a", &["get", "--raw", "/openapi/v3"]));
    let index: serde_json::Value = serde_json::from_str(&index).unwrap();
    let url = index["paths"]["apis/example.com/v1alpha1"]["serverRelativeURL"]
        .as_str()
        .unwrap()
        .to_string();
    let hash = url.split("?hash=").nth(1).unwrap();
    assert_eq!(hash.len(), 128, "{url}");
    assert!(
        hash.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{url}"
    );
    let doc = ok(sim.kubectl("a", &["get", "--raw", &url]));
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(
        doc["components"]["schemas"]["com.example.v1alpha1.Widget"]["x-kubernetes-group-version-kind"],
        serde_json::json!([{"group": "example.com", "kind": "Widget", "version": "v1alpha1"}])
    );
}
