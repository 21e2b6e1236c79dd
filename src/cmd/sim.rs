//! `fedrun sim serve|status|reset`.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Failure, runtime, state_dir};
use crate::cli::{ServeArgs, SimCommand};
use crate::kube::Clusters;
use crate::sim::faults::FaultSpec;
use crate::sim::simulator::{
    Reset, SimError, SimOptions, Simulator, kubeconfig_path, parse_clusters, running_server,
    saved_clusters,
};

pub fn run(command: SimCommand) -> Result<(), Failure> {
    match command {
        SimCommand::Serve(args) => serve(args),
        SimCommand::Status { state } => {
            status(&state_dir(state));
            Ok(())
        }
        SimCommand::Reset { state } => reset(&state_dir(state)),
    }
}

fn serve(args: ServeArgs) -> Result<(), Failure> {
    let mut options = SimOptions::new(state_dir(args.state));
    if let Some(list) = &args.clusters {
        options.clusters = Some(parse_clusters(list).map_err(|e| Failure::Usage(e.to_string()))?);
    }
    if !(args.time_scale >= 0.0 && args.time_scale.is_finite()) {
        return Err(Failure::Usage(format!(
            "--time-scale must be a number ≥ 0, got {}",
            args.time_scale
        )));
    }
    options.time_scale = args.time_scale;
    if let Some(spec) = &args.faults {
        options.faults = spec
            .parse::<FaultSpec>()
            .map_err(|e| Failure::Usage(format!("--faults: {e}")))?;
    }
    if args.latency > 0 {
        options.faults.latency = Duration::from_millis(args.latency);
    }
    let rt = runtime()?;
    rt.block_on(async {
        let sim = Simulator::start(options)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        println!(
            "fedrun simulator serving {} cluster(s)",
            sim.clusters().len()
        );
        for c in sim.clusters() {
            println!(
                "  context {:<12} https://{}  ({})",
                c.cluster.name, c.addr, c.cluster.provider
            );
        }
        if let Some(c) = sim.clusters().first()
            && !c.faults.spec().is_none()
        {
            println!("faults: {}", c.faults.spec());
        }
        println!("{}", time_scale_line(sim.world().time_scale));
        println!("kubeconfig: {}", sim.kubeconfig().display());
        println!(
            "try: kubectl --kubeconfig {} --context {} get namespaces",
            sim.kubeconfig().display(),
            sim.clusters()[0].cluster.name
        );
        println!(
            "Ctrl-C stops the simulator; its state is kept in {}",
            sim.state_dir().display()
        );
        wait_for_signal().await;
        println!("stopping; saving state");
        sim.shutdown().await;
        Ok(())
    })
}

async fn wait_for_signal() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

fn status(dir: &std::path::Path) {
    println!("state directory: {}", dir.display());
    let clusters = saved_clusters(dir);
    if clusters.is_empty() {
        println!(
            "no simulated clusters yet (they are created by `fedrun sim serve` or `fedrun --sim`)"
        );
    }
    let server = running_server(dir);
    let requests = server
        .as_ref()
        .map(|_| request_counts(&kubeconfig_path(dir)))
        .unwrap_or_default();
    for (spec, objects) in &clusters {
        let url = server
            .as_ref()
            .and_then(|s| {
                s.clusters
                    .iter()
                    .find(|(n, _)| *n == spec.name)
                    .map(|(_, u)| u.clone())
            })
            .unwrap_or_else(|| "-".into());
        let served = requests
            .get(&spec.name)
            .map(|n| format!("{n:>7} requests  "))
            .unwrap_or_default();
        println!(
            "  {:<12} {:<6} {:>5} objects  {served}{}",
            spec.name,
            spec.provider.to_string(),
            objects,
            url
        );
    }
    match server {
        Some(info) => println!(
            "server: running (pid {}); kubeconfig {}",
            info.pid,
            kubeconfig_path(dir).display()
        ),
        None => println!("server: not running"),
    }
}

/// The running server's request counters per cluster, read from each cluster's `/metrics`
/// (with the kubeconfig's credentials). Clusters that do not answer are left out.
fn request_counts(kubeconfig: &std::path::Path) -> BTreeMap<String, u64> {
    let Ok(clusters) = Clusters::from_kubeconfig(kubeconfig, BTreeMap::new()) else {
        return BTreeMap::new();
    };
    let Ok(rt) = runtime() else {
        return BTreeMap::new();
    };
    rt.block_on(async {
        let reads = clusters.contexts().into_iter().map(|name| {
            let clusters = &clusters;
            async move {
                let client = clusters.cluster(&name).await.ok()?.kube_client();
                let request = http::Request::get("/metrics").body(Vec::new()).ok()?;
                let text =
                    tokio::time::timeout(Duration::from_secs(5), client.request_text(request))
                        .await
                        .ok()?
                        .ok()?;
                Some((name, parse_requests_total(&text)?))
            }
        });
        futures::future::join_all(reads)
            .await
            .into_iter()
            .flatten()
            .collect()
    })
}

/// The value of `fedrun_sim_requests_total{...}` in a Prometheus text exposition.
pub fn parse_requests_total(text: &str) -> Option<u64> {
    text.lines()
        .filter(|l| l.starts_with("fedrun_sim_requests_total"))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

fn reset(dir: &std::path::Path) -> Result<(), Failure> {
    if let Some(info) = running_server(dir) {
        return Err(Failure::Failed(format!(
            "a simulator (pid {}) is serving {}; stop it before resetting",
            info.pid,
            dir.display()
        )));
    }
    match crate::sim::simulator::reset(dir) {
        Ok(Reset::Removed) => println!("removed the simulator state in {}", dir.display()),
        Ok(Reset::Nothing) => println!("nothing to reset at {}", dir.display()),
        Err(e @ SimError::NotStateDir(_)) => return Err(Failure::Usage(e.to_string())),
        Err(e) => return Err(Failure::Failed(e.to_string())),
    }
    Ok(())
}

/// What the time scale means for someone about to run a playbook against the server.
fn time_scale_line(scale: f64) -> String {
    if scale == 0.0 {
        "time scale 0: operators, control planes and load balancers are ready at once".into()
    } else if scale == 1.0 {
        "time scale 1: things take as long as on real clusters (an operator install about 1½ minutes, a control plane about 1)".into()
    } else {
        format!("time scale {scale}: real clusters' durations × {scale}")
    }
}
