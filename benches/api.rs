//! Throughput of one simulated cluster on loopback: GETs/s, lists/s and watch-event latency.
//!
//! Run with `cargo bench --bench api`. Client and server share the machine's cores, so the figures
//! are a floor for the server alone. Prints one line per measurement; see BENCHMARKS.md.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde_json::json;

use fedrun::sim::simulator::{SimOptions, Simulator, parse_clusters};

const CONCURRENCY: usize = 32;
const RUN_FOR: Duration = Duration::from_secs(3);

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = SimOptions::new(dir.path());
    options.clusters = Some(parse_clusters("bench:aws").expect("cluster"));
    let sim = Simulator::start(options).await.expect("simulator");
    let kubeconfig = Kubeconfig::read_from(sim.kubeconfig()).expect("kubeconfig");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    let client = Client::try_from(config).expect("client");

    let namespaces: Api<Namespace> = Api::all(client.clone());
    namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({"metadata": {"name": "bench"}})).unwrap(),
        )
        .await
        .expect("namespace");
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), "bench");
    for i in 0..100 {
        let cm = json!({"metadata": {"name": format!("cm-{i}"), "labels": {"app": "bench"}}, "data": {"key": "value".repeat(10)}});
        configmaps
            .create(&PostParams::default(), &serde_json::from_value(cm).unwrap())
            .await
            .expect("configmap");
    }

    let gets = throughput(&client, "/api/v1/namespaces/bench/configmaps/cm-7").await;
    println!(
        "GET one configmap:        {gets:>9.0} requests/s  ({CONCURRENCY} concurrent clients, {}s)",
        RUN_FOR.as_secs()
    );
    let lists = throughput(
        &client,
        "/api/v1/namespaces/bench/configmaps?labelSelector=app%3Dbench",
    )
    .await;
    println!("LIST 100 configmaps:      {lists:>9.0} requests/s");

    let rv = configmaps
        .list_metadata(&Default::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .unwrap_or_default();
    let mut events = configmaps
        .watch(&WatchParams::default(), &rv)
        .await
        .expect("watch")
        .boxed();
    let mut latencies = Vec::new();
    for i in 0..300 {
        let started = Instant::now();
        let cm = json!({"metadata": {"name": format!("w-{i}")}});
        configmaps
            .create(&PostParams::default(), &serde_json::from_value(cm).unwrap())
            .await
            .expect("create");
        loop {
            match events.next().await {
                Some(Ok(WatchEvent::Added(_))) => break,
                Some(Ok(_)) => continue,
                other => panic!("watch ended: {other:?}"),
            }
        }
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1000.0;
    println!(
        "create → watch event:     p50 {:.2} ms, p99 {:.2} ms (includes the create round trip)",
        pct(0.5),
        pct(0.99)
    );
    println!(
        "requests served in total: {}",
        sim.clusters()[0].cluster.request_count()
    );
    sim.shutdown().await;
}

async fn throughput(client: &Client, path: &'static str) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + RUN_FOR;
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let client = client.clone();
            let done = done.clone();
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let request = http::Request::get(path).body(Vec::new()).expect("request");
                    client
                        .request_text(request)
                        .await
                        .expect("request succeeds");
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let started = Instant::now();
    for t in tasks {
        t.await.expect("task");
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
