//! The load generator against the simulated data plane: its request rate, and its overhead
//! against `wrk` on the same route (when `wrk` is on PATH).
//!
//! Run with `cargo bench --bench load`. Sets up rosa-aro + rosa-rog (80/20 then 60/20/20 split) on
//! an in-process simulator, then sends /productpage requests at concurrency 8 through
//! `fedrun::loadgen` and through `wrk -c8`. Client and server share the machine's cores, so both
//! figures are for the pair; the ratio is what matters. See BENCHMARKS.md.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use fedrun::cli::{BackendArgs, RunArgs};
use fedrun::dataplane::DataPlaneInfo;
use fedrun::loadgen::{self, LoadPlan, Resolver};
use fedrun::sim::simulator::{SimOptions, Simulator};

const HOST: &str = "istio-ingressgateway-rosa-prod-mesh.apps.rosa.example.com";
const CONCURRENCY: usize = 8;
const RUN_FOR: Duration = Duration::from_secs(5);

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let sim_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let sim = sim_rt
        .block_on(Simulator::start(SimOptions::new(&state)))
        .expect("simulator");
    let playbooks = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks");
    for playbook in ["rosa-aro.rhai", "rosa-rog.rhai"] {
        let args = RunArgs {
            playbook: Some(playbooks.join(playbook)),
            backend: BackendArgs {
                sim: true,
                state: Some(state.clone()),
                sets: vec!["load=0".into()],
                timeout: "300s".into(),
                ..BackendArgs::default()
            },
            ..RunArgs::default()
        };
        if let Err(e) = fedrun::cmd::run::run(args) {
            panic!("{playbook} failed: {e:?}");
        }
    }
    let addr = sim.dataplane_addr();
    let resolver = Resolver::simulated(DataPlaneInfo {
        address: addr,
        domains: vec!["apps.rosa.example.com".into()],
    });
    let client_rt = tokio::runtime::Runtime::new().expect("runtime");
    let plan = LoadPlan {
        url: format!("http://{HOST}/productpage").parse().expect("url"),
        requests: None,
        concurrency: CONCURRENCY,
        rate: None,
        duration: Some(RUN_FOR),
        timeout: Duration::from_secs(10),
    };
    let outcome = client_rt
        .block_on(loadgen::run(
            plan,
            resolver,
            || {},
            Arc::new(AtomicBool::new(false)),
        ))
        .expect("load");
    let fedrun_rate = outcome.count as f64 / outcome.elapsed.as_secs_f64();
    println!(
        "fedrun loadgen: {} requests in {:.2}s = {:.0} req/s (p50 {:.2} ms, p99 {:.2} ms, codes {:?})",
        outcome.count,
        outcome.elapsed.as_secs_f64(),
        fedrun_rate,
        outcome.quantile(0.5),
        outcome.quantile(0.99),
        outcome.codes
    );

    let wrk = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{CONCURRENCY}"),
            &format!("-d{}s", RUN_FOR.as_secs()),
            "-H",
            &format!("Host: {HOST}"),
            &format!("http://{addr}/productpage"),
        ])
        .output();
    match wrk {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let rate = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("Requests/sec:"))
                .and_then(|r| r.trim().parse::<f64>().ok());
            match rate {
                Some(r) => println!(
                    "wrk -t2 -c{CONCURRENCY}: {r:.0} req/s; fedrun/wrk = {:.2}",
                    fedrun_rate / r
                ),
                None => println!("wrk ran but printed no rate:\n{text}"),
            }
        }
        Ok(out) => println!("wrk failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(_) => println!("wrk not on PATH: no comparison (apt-get install -y wrk)"),
    }
    sim_rt.block_on(sim.shutdown());
}
