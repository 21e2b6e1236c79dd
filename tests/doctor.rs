//! `fedrun doctor` on a federation the shipped rosa-aro playbook set up, broken by hand with
//! kubectl the way users break it; `fedrun lint` on a copy of the walkthrough's manifests; SARIF.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{TestSim, fedrun_command, ok, succeeded, text};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn doctor(state: &Path, extra: &[&str]) -> Output {
    fedrun_command(&["doctor", "--sim", "--state", state.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("fedrun runs")
}

fn lint(args: &[&str]) -> Output {
    fedrun_command(&["lint"])
        .args(args)
        .output()
        .expect("fedrun runs")
}

/// Doctor exits 1 and names each expected text (the cause, on its cluster and object, its fix).
fn diagnosed(state: &Path, expected: &[&str]) -> String {
    let out = doctor(state, &[]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "doctor must fail:\n{all}");
    for e in expected {
        assert!(all.contains(e), "{e:?} missing:\n{all}");
    }
    all
}

#[test]
fn doctor_is_clean_after_rosa_aro_and_names_each_cause_broken_by_hand() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let state = sim.state_dir();
    let run = fedrun_command(&["--sim", "--state", state.to_str().unwrap()])
        .args(["--set", "load=0"])
        .arg(repo("playbooks/rosa-aro.rhai"))
        .output()
        .expect("fedrun runs");
    succeeded(&run);

    // Healthy: one line for the one link, exit 0.
    let out = doctor(&state, &[]);
    let healthy = succeeded(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line per link:\n{healthy}");
    assert!(
        lines[0].contains("aro-stg-mesh (aro) ↔ rosa-prod-mesh (rosa): healthy"),
        "{healthy}"
    );
    assert!(
        lines[0].contains("1 service exported, 1 imported"),
        "{healthy}"
    );

    // A clientID with a typo, as in the walkthrough: the peer's watches get 403.
    let client_id = |v: &str| format!(r#"{{"spec":{{"security":{{"clientID":"{v}"}}}}}}"#);
    let original = ok(sim.kubectl(
        "aro",
        &[
            "-n",
            "aro-stg-mesh",
            "get",
            "servicemeshpeer",
            "rosa-prod-mesh",
            "-o",
            "jsonpath={.spec.security.clientID}",
        ],
    ));
    let typo = original.replace("rosa-prod-mesh.local", "rosa-prd-mesh.local");
    let patch = |ctx: &str, ns: &str, name: &str, body: &str| {
        ok(sim.kubectl(
            ctx,
            &[
                "-n",
                ns,
                "patch",
                "servicemeshpeer",
                name,
                "--type",
                "merge",
                "-p",
                body,
            ],
        ));
    };
    patch("aro", "aro-stg-mesh", "rosa-prod-mesh", &client_id(&typo));
    diagnosed(
        &state,
        &[
            "aro-stg-mesh ↔ rosa-prod-mesh:",
            "cluster aro, servicemeshpeer aro-stg-mesh/rosa-prod-mesh: spec.security.clientID [client-id]",
            "403 Forbidden",
            &format!("fix: set it to \"{original}\""),
        ],
    );
    patch(
        "aro",
        "aro-stg-mesh",
        "rosa-prod-mesh",
        &client_id(&original),
    );
    succeeded(&doctor(&state, &[]));

    // The walkthrough's placeholder left in place of the peer's address.
    let address = ok(sim.kubectl(
        "rosa",
        &[
            "-n",
            "rosa-prod-mesh",
            "get",
            "servicemeshpeer",
            "aro-stg-mesh",
            "-o",
            "jsonpath={.spec.remote.addresses[0]}",
        ],
    ));
    let addresses = |a: &str| format!(r#"{{"spec":{{"remote":{{"addresses":["{a}"]}}}}}}"#);
    patch(
        "rosa",
        "rosa-prod-mesh",
        "aro-stg-mesh",
        &addresses("aro-stg-ingress-url"),
    );
    diagnosed(
        &state,
        &[
            "cluster rosa, servicemeshpeer rosa-prod-mesh/aro-stg-mesh: spec.remote.addresses [remote-address]",
            "[aro-stg-ingress-url] does not hold aro-stg-mesh's ingress address",
            "only a placeholder",
            &format!("fix: set spec.remote.addresses to [\"{address}\"]"),
        ],
    );
    patch(
        "rosa",
        "rosa-prod-mesh",
        "aro-stg-mesh",
        &addresses(&address),
    );
    succeeded(&doctor(&state, &[]));

    // The peer's root CA ConfigMap deleted.
    ok(sim.kubectl(
        "rosa",
        &[
            "-n",
            "rosa-prod-mesh",
            "delete",
            "configmap",
            "aro-stg-mesh-ca-root-cert",
        ],
    ));
    diagnosed(
        &state,
        &[
            "cluster rosa, servicemeshpeer rosa-prod-mesh/aro-stg-mesh: spec.security.certificateChain.name [ca-configmap]",
            "ConfigMap rosa-prod-mesh/aro-stg-mesh-ca-root-cert does not exist",
            "fix: cert::trust(mesh, \"aro-stg-mesh\", cert::root(peer_mesh))",
        ],
    );
    // The same finding in JSON, with its cluster and object.
    let out = doctor(&state, &["--output", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "ca-configmap")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["cluster"], "rosa");
    assert_eq!(
        finding["object"],
        "servicemeshpeer rosa-prod-mesh/aro-stg-mesh"
    );
    assert_eq!(report["errors"], true);
}

#[test]
fn lint_finds_the_walkthrough_mistakes_at_their_file_line_and_column() {
    let dir = repo("tests/lint/walkthrough");
    let out = lint(&[dir.to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let at =
        |file: &str, line: usize, col: usize| format!("{}:{line}:{col}", dir.join(file).display());
    for expected in [
        // The clientID that says gc-dev-mesh for gcp-dev-mesh, with the identity to write.
        format!("{}: spec.security.clientID [client-id]", at("rosa-prod/smp-gcp.yaml", 18, 5)),
        "\"gc-dev-mesh.local/ns/gcp-dev-mesh/sa/rosa-prod-egress-service-account\" is not the identity".into(),
        "fix: set it to \"gcp-dev-mesh.local/ns/gcp-dev-mesh/sa/rosa-prod-egress-service-account\"".into(),
        // labelSelector.alias where the CRD has aliases, in the API server's words.
        format!(
            "{}: spec.exportRules[0].labelSelector.alias [unknown-field]",
            at("gcp-dev/ess.yaml", 14, 7)
        ),
        "unknown field \"spec.exportRules[0].labelSelector.alias\" (did you mean `aliases`?)".into(),
        // Both placeholders.
        format!("{}: spec.remote.addresses [remote-address]", at("rosa-prod/smp-gcp.yaml", 9, 5)),
        "\"gcp-dev-ingress-url\" is a placeholder".into(),
        format!("{}: spec.remote.addresses [remote-address]", at("gcp-dev/smp.yaml", 9, 5)),
        "oc -n rosa-prod-mesh get service gcp-dev-ingress".into(),
    ] {
        assert!(all.contains(&expected), "{expected:?} missing:\n{all}");
    }
    assert!(all.contains("4 error(s), 0 warning(s)"), "{all}");

    // The same manifests, corrected: nothing to report, exit 0.
    let fixed = tempfile::tempdir().unwrap();
    for (file, from, to) in [
        ("rosa-prod/smcp.yaml", "", ""),
        ("gcp-dev/smcp.yaml", "", ""),
        (
            "rosa-prod/smp-gcp.yaml",
            "gcp-dev-ingress-url",
            "34.120.1.2",
        ),
        (
            "gcp-dev/smp.yaml",
            "rosa-prod-ingress-url",
            "a1b2.elb.us-east-1.amazonaws.com",
        ),
        (
            "gcp-dev/ess.yaml",
            "      alias:\n        namespace: prod-bookinfo\n        name: details-v3\n",
            "      aliases:\n      - alias: {namespace: prod-bookinfo, name: details-v3}\n",
        ),
    ] {
        let mut body = std::fs::read_to_string(dir.join(file)).unwrap();
        if !from.is_empty() {
            assert!(body.contains(from), "{file}");
            body = body.replace(from, to);
        }
        body = body.replace("gc-dev-mesh.local", "gcp-dev-mesh.local");
        let target = fixed.path().join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, body).unwrap();
    }
    let out = lint(&[fixed.path().to_str().unwrap()]);
    let clean = succeeded(&out);
    assert!(
        clean.contains("gcp-dev-mesh (files) ↔ rosa-prod-mesh (files): no problem found"),
        "{clean}"
    );
}

#[test]
fn lint_finds_nothing_in_the_shipped_manifests_once_their_placeholders_have_values() {
    let manifests = repo("playbooks/manifests");
    let out = lint(&["--set", "VERSION=v2", manifests.to_str().unwrap()]);
    let all = succeeded(&out);
    assert!(!all.contains("error"), "{all}");
    let out = lint(&[manifests.to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains("details-v2.yaml:22:17: undefined variable `${VERSION}`")
            && all.contains("--set KEY=VALUE"),
        "{all}"
    );
}

#[test]
fn lint_sarif_has_what_code_scanning_requires() {
    let dir = repo("tests/lint/walkthrough");
    let out = lint(&["--output", "sarif", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fedrun");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "rule ids are unique: {ids:?}");
    for rule in rules {
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4, "{sarif:#}");
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(ids[index], id, "ruleIndex points at the rule");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let physical = &r["locations"][0]["physicalLocation"];
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert!(uri.ends_with(".yaml") && !uri.contains('\\'), "{uri}");
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(physical["region"]["startColumn"].as_u64().unwrap() >= 1);
    }
    let client = results.iter().find(|r| r["ruleId"] == "client-id").unwrap();
    assert!(
        client["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("rosa-prod/smp-gcp.yaml")
    );
    assert_eq!(
        client["locations"][0]["physicalLocation"]["region"]["startLine"],
        18
    );
    assert_eq!(client["level"], "error");
}
