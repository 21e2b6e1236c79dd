//! The walkthrough's ROSA ↔ ARO command sequence, typed as users type it, with kubectl against
//! `fedrun sim serve`'s clusters: it must end with both peers connected and details imported.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{TestSim, ok};

fn manifest(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/walkthrough")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn apply(sim: &TestSim, context: &str, text: &str) -> String {
    ok(sim.kubectl_stdin(context, &["apply", "-f", "-"], text))
}

#[test]
fn rosa_aro_walkthrough_with_kubectl_ends_connected_with_details_imported() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let meshes = [
        ("rosa", "rosa-prod-mesh", "prod-bookinfo"),
        ("aro", "aro-stg-mesh", "stg-bookinfo"),
    ];

    // Operators, then wait as the walkthrough's check does, and for the admission webhook.
    for (ctx, _, _) in meshes {
        apply(&sim, ctx, &manifest("operators.yaml"));
    }
    for (ctx, _, _) in meshes {
        for sub in [
            "elasticsearch-operator",
            "jaeger-product",
            "kiali-ossm",
            "servicemeshoperator",
        ] {
            ok(sim.kubectl(
                ctx,
                &[
                    "-n",
                    "openshift-operators",
                    "wait",
                    "--for=jsonpath={.status.state}=AtLatestKnown",
                    &format!("sub/{sub}"),
                    "--timeout=30s",
                ],
            ));
        }
        let health = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "sub",
                "servicemeshoperator",
                "-n",
                "openshift-operators",
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"CatalogSourcesUnhealthy\")].message}",
            ],
        ));
        assert_eq!(health, "all available catalogsources are healthy");
        ok(sim.kubectl(
            ctx,
            &[
                "-n",
                "openshift-operators",
                "wait",
                "--for=jsonpath={.subsets[0].addresses[0].ip}",
                "endpoints/maistra-admission-controller",
                "--timeout=30s",
            ],
        ));
    }

    // Projects (`oc new-project` → namespaces), control planes and member rolls.
    for (ctx, mesh, apps) in meshes {
        ok(sim.kubectl(ctx, &["create", "namespace", mesh]));
        ok(sim.kubectl(ctx, &["create", "namespace", apps]));
        apply(&sim, ctx, &manifest(&format!("{mesh}.yaml")));
    }
    for (ctx, mesh, _) in meshes {
        let out = ok(sim.kubectl(
            ctx,
            &[
                "wait",
                "--for",
                "condition=Ready",
                "-n",
                mesh,
                "smmr/default",
                "--timeout",
                "60s",
            ],
        ));
        assert!(out.contains("condition met"), "{out}");
    }

    // details v2 on aro.
    let details = "apiVersion: v1\nkind: Service\nmetadata: {name: details, labels: {app: details}}\nspec: {ports: [{port: 9080, name: http}], selector: {app: details}}\n";
    ok(sim.kubectl_stdin("aro", &["apply", "-n", "stg-bookinfo", "-f", "-"], details));

    // Each mesh's CA, checked with openssl as the walkthrough does, published to the other.
    let mut certs = Vec::new();
    for (ctx, mesh, _) in meshes {
        let pem = ok(sim.kubectl(
            ctx,
            &[
                "get",
                "configmap",
                "-n",
                mesh,
                "istio-ca-root-cert",
                "-o",
                "jsonpath={.data.root-cert\\.pem}",
            ],
        ));
        let subject = openssl_subject(&pem);
        assert_eq!(subject.trim(), format!("subject=O = {mesh}.local"));
        certs.push(pem);
    }
    ok(sim.kubectl(
        "rosa",
        &[
            "create",
            "configmap",
            "aro-stg-mesh-ca-root-cert",
            &format!("--from-literal=root-cert.pem={}", certs[1]),
            "-n",
            "rosa-prod-mesh",
        ],
    ));
    ok(sim.kubectl(
        "aro",
        &[
            "create",
            "configmap",
            "rosa-prod-mesh-ca-root-cert",
            &format!("--from-literal=root-cert.pem={}", certs[0]),
            "-n",
            "aro-stg-mesh",
        ],
    ));

    // Ingress addresses: an IP on Azure, a hostname on AWS; substituted into the peers with sed.
    ok(sim.kubectl(
        "aro",
        &[
            "-n",
            "aro-stg-mesh",
            "wait",
            "--for=jsonpath={.status.loadBalancer.ingress}",
            "svc/rosa-prod-ingress",
            "--timeout=30s",
        ],
    ));
    ok(sim.kubectl(
        "rosa",
        &[
            "-n",
            "rosa-prod-mesh",
            "wait",
            "--for=jsonpath={.status.loadBalancer.ingress}",
            "svc/aro-stg-ingress",
            "--timeout=30s",
        ],
    ));
    let aro_ingress = ok(sim.kubectl(
        "aro",
        &[
            "get",
            "svc",
            "rosa-prod-ingress",
            "-n",
            "aro-stg-mesh",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].ip}",
        ],
    ));
    let rosa_ingress = ok(sim.kubectl(
        "rosa",
        &[
            "get",
            "svc",
            "aro-stg-ingress",
            "-n",
            "rosa-prod-mesh",
            "-o",
            "jsonpath={.status.loadBalancer.ingress[0].hostname}",
        ],
    ));
    assert!(
        aro_ingress.parse::<std::net::Ipv4Addr>().is_ok(),
        "aro (azure) gives an IP: {aro_ingress:?}"
    );
    assert!(
        rosa_ingress.ends_with(".elb.amazonaws.com"),
        "rosa (aws) gives a hostname: {rosa_ingress:?}"
    );
    apply(
        &sim,
        "rosa",
        &sed(
            &manifest("smp-aro.yaml"),
            "aro-stg-ingress-url",
            &aro_ingress,
        ),
    );
    apply(&sim, "rosa", &manifest("iss-aro.yaml"));
    apply(
        &sim,
        "aro",
        &sed(
            &manifest("smp-rosa.yaml"),
            "rosa-prod-ingress-url",
            &rosa_ingress,
        ),
    );
    apply(&sim, "aro", &manifest("ess-rosa.yaml"));

    // The walkthrough's checks. A ServiceMeshPeer has no conditions (maistra/api
    // servicemeshpeer_types.go): the link shows in discoveryStatus, as on a real cluster.
    for (ctx, mesh, peer) in [
        ("rosa", "rosa-prod-mesh", "aro-stg-mesh"),
        ("aro", "aro-stg-mesh", "rosa-prod-mesh"),
    ] {
        let out = ok(sim.kubectl(
            ctx,
            &[
                "-n",
                mesh,
                "wait",
                "--for=jsonpath={.status.discoveryStatus.active[0].remotes[0].connected}=true",
                &format!("servicemeshpeer/{peer}"),
                "--timeout",
                "30s",
            ],
        ));
        assert!(out.contains("condition met"), "{out}");
        let status = ok(sim.kubectl(
            ctx,
            &[
                "-n",
                mesh,
                "get",
                "servicemeshpeer",
                peer,
                "-o",
                "jsonpath={.status}",
            ],
        ));
        let status: serde_json::Value = serde_json::from_str(&status).expect("json status");
        assert_eq!(
            status
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["discoveryStatus".to_string()]),
            "{status}"
        );
        assert_eq!(
            status["discoveryStatus"]["active"][0]["watch"]["connected"],
            true
        );
    }
    ok(sim.kubectl(
        "rosa",
        &[
            "-n",
            "rosa-prod-mesh",
            "wait",
            "--for=jsonpath={.status.importedServices}",
            "importedservicesets/aro-stg-mesh",
            "--timeout=30s",
        ],
    ));
    let imported = ok(sim.kubectl(
        "rosa",
        &[
            "-n",
            "rosa-prod-mesh",
            "get",
            "importedservicesets",
            "aro-stg-mesh",
            "-o",
            "jsonpath={.status.importedServices[*].localService.hostname}",
        ],
    ));
    assert_eq!(
        imported,
        "details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local"
    );
    let exported = ok(sim.kubectl(
        "aro",
        &[
            "-n",
            "aro-stg-mesh",
            "get",
            "exportedservicesets",
            "rosa-prod-mesh",
            "-o",
            "jsonpath={.status.exportedServices[*].localService.name}",
        ],
    ));
    assert_eq!(exported, "details");
    // Exported names carry the name of the peer they are exported to, on both sides, and
    // neither service set has conditions.
    let sets = [
        (
            "aro",
            "aro-stg-mesh",
            "exportedservicesets",
            "rosa-prod-mesh",
            "exportedServices",
        ),
        (
            "rosa",
            "rosa-prod-mesh",
            "importedservicesets",
            "aro-stg-mesh",
            "importedServices",
        ),
    ];
    let jsonpath = |(ctx, ns, kind, name, _): (&str, &str, &str, &str, &str), path: &str| {
        ok(sim.kubectl(
            ctx,
            &[
                "-n",
                ns,
                "get",
                kind,
                name,
                "-o",
                &format!("jsonpath={path}"),
            ],
        ))
    };
    let names: Vec<String> = sets
        .iter()
        .map(|set| jsonpath(*set, &format!("{{.status.{}[*].exportedName}}", set.4)))
        .collect();
    // The ESS aliases details as prod-bookinfo/details-v2: the alias is what the peer sees.
    assert_eq!(
        names[0],
        "details-v2.prod-bookinfo.svc.rosa-prod-mesh-exports.local"
    );
    assert_eq!(names[1], names[0]);
    for set in sets {
        assert_eq!(
            jsonpath(set, "{.status.conditions}"),
            "",
            "no conditions on {}",
            set.2
        );
    }
}

fn sed(text: &str, placeholder: &str, value: &str) -> String {
    text.replace(placeholder, value)
}

fn openssl_subject(pem: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("openssl")
        .args(["x509", "-subject", "-noout"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(pem.as_bytes())
        .expect("write pem");
    let out = child.wait_with_output().expect("openssl runs");
    assert!(out.status.success(), "openssl rejected the CA");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
