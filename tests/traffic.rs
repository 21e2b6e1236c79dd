//! Traffic on the simulated data plane, as the issue specifies it: after rosa-aro and rosa-rog,
//! load through the production mesh's ingress Route splits 60/20/20 by destination cluster; a
//! broken peer link turns its share into 503s and a reconnect heals it; mirrors are counted;
//! bad splits are refused; and a plain response names the instances that served it.
//!
//! One simulator serves the whole scenario (in-process, time scale 0); the playbooks run through
//! the `fedrun` binary against it, as users run them.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TestSim, fedrun_sim, succeeded, text};
use serde_json::Value;

/// Runs a Rhai snippet (prefixed with the usual handles) and returns its output.
fn script(sim: &TestSim, name: &str, body: &str) -> Output {
    let path = sim.dir.path().join(format!("{name}.rhai"));
    let prelude = r#"
        let rosa = cluster("rosa");
        let aro = cluster("aro");
        let prod = mesh::get(rosa, "rosa-prod-mesh");
        let stg = mesh::get(aro, "aro-stg-mesh");
        let details_v2 = "details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local";
    "#;
    std::fs::write(&path, format!("{prelude}\n{body}")).unwrap();
    fedrun_sim(&sim.state_dir(), &[path.to_str().expect("a UTF-8 path")])
}

/// The report a snippet printed with `print(report.to_json())`.
fn report(out: &str) -> Value {
    let line = out
        .lines()
        .rfind(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no report printed:\n{out}"));
    serde_json::from_str(line).unwrap()
}

fn load(sim: &TestSim, name: &str, requests: u32) -> Value {
    let out = succeeded(&script(
        sim,
        name,
        &format!(
            r#"let r = traffic::load(prod, #{{ requests: {requests}, concurrency: 8, service: "details" }});
               print(r.to_json());"#
        ),
    ));
    report(&out)
}

/// Percent of the report's details requests that went to `cluster` with `code`.
fn share(report: &Value, cluster: &str, code: &str) -> f64 {
    let total: f64 = report["by_destination"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["requests"].as_f64().unwrap())
        .sum();
    let part: f64 = report["by_destination"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code && (d["cluster"] == cluster || d["mesh"] == cluster))
        .map(|d| d["requests"].as_f64().unwrap())
        .sum();
    100.0 * part / total
}

fn near(actual: f64, expected: f64, report: &Value) {
    assert!(
        (actual - expected).abs() <= 3.0,
        "{actual:.1}% is not within 3 points of {expected}%: {report:#}"
    );
}

#[test]
fn load_follows_the_split_fails_over_a_broken_peer_and_heals() {
    let sim = TestSim::start();
    let playbooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    let first = succeeded(&fedrun_sim(
        &sim.state_dir(),
        &[playbooks.join("rosa-aro.rhai").to_str().unwrap()],
    ));
    assert!(
        first.contains("details-v2  aro"),
        "80/20 load report:\n{first}"
    );
    succeeded(&fedrun_sim(
        &sim.state_dir(),
        &[playbooks.join("rosa-rog.rhai").to_str().unwrap()],
    ));

    // 2,000 requests split 60/20/20 by destination cluster.
    let r = load(&sim, "split", 2000);
    assert_eq!(r["count"], 2000, "{r:#}");
    assert_eq!(r["codes"]["200"], 2000, "{r:#}");
    near(share(&r, "rosa", "200"), 60.0, &r);
    near(share(&r, "aro", "200"), 20.0, &r);
    near(share(&r, "rog", "200"), 20.0, &r);
    for q in ["p50", "p90", "p99", "max"] {
        assert!(r["latency_ms"][q].as_f64().unwrap() > 0.0, "{r:#}");
    }
    // A plain response says which instances served it.
    let sample = r["sample"].as_str().unwrap();
    assert!(
        sample.starts_with("productpage-v1 (rosa/rosa-prod-mesh)"),
        "{sample}"
    );
    assert!(sample.contains("\ndetails: details-v"), "{sample}");
    assert!(sample.contains("\nreviews: reviews-v"), "{sample}");

    // Breaking the ARO link (its CA gone from the production mesh) turns its share into 503s.
    let broken = succeeded(&script(
        &sim,
        "disconnect",
        r#"rosa.delete("configmap", "rosa-prod-mesh", "aro-stg-mesh-ca-root-cert");
           let tries = 0;
           while peer::status(prod, "aro-stg-mesh").connected && tries < 100 { sleep(0.05); tries += 1; }
           let r = traffic::load(prod, #{ requests: 500, service: "details" });
           print(traffic::summary(r));
           print(r.to_json());"#,
    ));
    let r = report(&broken);
    near(share(&r, "aro-stg-mesh", "503"), 20.0, &r);
    assert_eq!(share(&r, "aro", "200"), 0.0, "{r:#}");
    near(share(&r, "rog", "200"), 20.0, &r);
    assert!(broken.contains("503"), "{broken}");

    // Reconnecting heals it.
    let healed = succeeded(&script(
        &sim,
        "reconnect",
        r#"peer::connect(prod, stg);
           peer::wait_imported(prod, "aro-stg-mesh");
           let r = traffic::load(prod, #{ requests: 500, service: "details" });
           print(r.to_json());"#,
    ));
    let r = report(&healed);
    near(share(&r, "aro", "200"), 20.0, &r);
    assert_eq!(share(&r, "aro-stg-mesh", "503"), 0.0, "{r:#}");

    // Splits that do not add up, or name an unknown subset, are refused before anything changes.
    let bad = script(
        &sim,
        "bad-weights",
        r#"traffic::split(rosa, "prod-bookinfo", "details", [#{ subset: "v1", weight: 80 }, #{ host: details_v2, weight: 30 }]);"#,
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("weights 80 + 30 add up to 110, not 100"),
        "{}",
        text(&bad)
    );
    let bad = script(
        &sim,
        "bad-subset",
        r#"traffic::split(rosa, "prod-bookinfo", "details", [#{ subset: "v9", weight: 100 }]);"#,
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("unknown subset \"v9\" (defined: v1, v2"),
        "{}",
        text(&bad)
    );
    // Given the mesh, the imports checked are that mesh's.
    let bad = script(
        &sim,
        "not-imported-into-the-mesh",
        r#"traffic::split(prod, "prod-bookinfo", "details", [#{ subset: "v1", weight: 50 },
               #{ peer: "aro-stg-mesh", service: "ratings", weight: 50 }]);"#,
    );
    assert!(!bad.status.success());
    assert!(
        text(&bad).contains("ratings.prod-bookinfo.svc.aro-stg-mesh-imports.local is not imported into this mesh (imported: details-v2"),
        "{}",
        text(&bad)
    );

    // Mirroring half of details to ARO: every request served locally, half of them mirrored.
    let mirrored = succeeded(&script(
        &sim,
        "mirror",
        r#"traffic::mirror(prod, "prod-bookinfo", "details", details_v2, 50);
           let r = traffic::load(prod, #{ requests: 400, service: "details" });
           print(r.to_json());"#,
    ));
    let r = report(&mirrored);
    let count = |workload: &str| -> u64 {
        r["by_destination"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["workload"] == workload)
            .map(|d| d["requests"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(count("details-v1"), 400, "{r:#}");
    assert_eq!(count("details-v2"), 200, "{r:#}");
    assert_eq!(r["codes"]["200"], 400, "{r:#}");

    // The request graph shows the federated edge.
    let graph = succeeded(&script(
        &sim,
        "graph",
        r#"print(traffic::summary(traffic::graph(prod, "5m")));"#,
    ));
    assert!(
        graph.lines().any(|l| l
            .trim_start()
            .starts_with("productpage-v1 (rosa/rosa-prod-mesh)")
            && l.contains("details-v2 (aro/aro-stg-mesh)")),
        "{graph}"
    );
}
