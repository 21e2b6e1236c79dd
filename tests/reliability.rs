//! Reliability (issue 9): API faults, a cluster that stops answering, interrupted runs and a
//! killed simulator never lose a federation, and every shipped playbook is idempotent.
//!
//! The reference is one fault-free run of the shipped playbooks (rosa-aro, then rosa-rog) on a
//! fresh state directory; every other history (faults, kills, interruptions) must end in the same
//! final state: the same objects on every cluster with the same specs and statuses, volatile
//! fields (timestamps, uids, resourceVersions, generations) left out and each mesh's randomly
//! generated CA replaced by the name of the mesh it belongs to.

mod common;

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::{SecretScan, Served, TestSim, serve};
use fedrun::kube::{Clusters, RetryPolicy};
use fedrun::prims::{self, Backend};
use fedrun::report::Reporter;
use fedrun::script::{self, RunContext};
use serde_json::Value;

const FEDRUN: &str = env!("CARGO_BIN_EXE_fedrun");
const FAULTS: &str = "503=0.1,429=0.05,reset=0.05";

fn playbook(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("playbooks")
        .join(name)
}

/// The walkthrough playbooks, in the order their names sort (rosa-aro before rosa-rog). The other
/// shipped playbook, full-mesh.rhai, needs its own clusters and has its own idempotence test.
fn shipped_playbooks() -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(playbook(""))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rhai"))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("rosa-"))
        })
        .collect();
    all.sort();
    all
}

// ---------------------------------------------------------------------------------------------
// Running fedrun

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    #[track_caller]
    fn ok(&self, what: &str) -> &Self {
        assert_eq!(self.code, Some(0), "{what} failed:\n{}", self.all());
        self
    }

    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim())
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.all()))
    }
}

/// `fedrun --sim --state STATE ARGS...`: in-process simulator, or the `fedrun sim serve` running
/// on STATE. Every output is checked for secrets.
fn fedrun(state: &Path, args: &[&str]) -> Run {
    let out = common::fedrun_sim(state, args);
    let run = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    SecretScan::of_state(state).check(&format!("fedrun {args:?}"), &run.all());
    run
}

// ---------------------------------------------------------------------------------------------
// Final states

/// Every object of every cluster of a state directory, as saved: key `cluster group/plural
/// namespace/name`.
fn load_state(state: &Path) -> BTreeMap<String, Value> {
    let mut objects = BTreeMap::new();
    for entry in std::fs::read_dir(state.join("clusters")).unwrap() {
        let path = entry.unwrap().path();
        let Some(cluster) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let snapshot: Value = serde_json::from_slice(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for o in snapshot["objects"].as_array().unwrap() {
            let object = &o["object"];
            let key = format!(
                "{cluster} {}/{} {}/{}",
                o["group"].as_str().unwrap(),
                o["plural"].as_str().unwrap(),
                object["metadata"]["namespace"].as_str().unwrap_or(""),
                object["metadata"]["name"].as_str().unwrap(),
            );
            objects.insert(key, object.clone());
        }
    }
    assert!(!objects.is_empty(), "no objects in {}", state.display());
    objects
}

/// Fields that differ between two correct histories of the same playbooks.
const VOLATILE: &[&str] = &[
    "creationTimestamp",
    "resourceVersion",
    "uid",
    "generation",
    "observedGeneration",
    "managedFields",
    "lastTransitionTime",
    "lastUpdateTime",
    "lastUpdated",
    "lastConnected",
    "lastEvent",
    "lastFullSync",
    // A peer's watch keeps the status line of its last failed attempt after it connects
    // (maistra's status handler never clears it): whether an early attempt failed depends on
    // which side's ServiceMeshPeer was written first.
    "lastDisconnect",
    "lastDisconnectStatus",
    "lastProbeTime",
    "lastHeartbeatTime",
];

/// The federation-relevant final state: SMCPs, SMMRs, peers, exported/imported service sets,
/// Istio networking objects, and the ConfigMaps holding CA roots, with volatile fields dropped
/// and every CA certificate replaced by the name of the mesh it is the root of.
fn federation_view(state: &Path) -> BTreeMap<String, Value> {
    let all = load_state(state);
    // Each mesh's CA, by its PEM: the istio-ca-root-cert ConfigMap in a control plane namespace.
    let mut cas: BTreeMap<String, String> = BTreeMap::new();
    for (key, object) in &all {
        if key.contains(" maistra.io/servicemeshcontrolplanes ") {
            let cluster = key.split(' ').next().unwrap();
            let ns = object["metadata"]["namespace"].as_str().unwrap();
            let cm = all
                .get(&format!("{cluster} /configmaps {ns}/istio-ca-root-cert"))
                .unwrap_or_else(|| panic!("{key} has no istio-ca-root-cert"));
            let pem = cm["data"]["root-cert.pem"].as_str().unwrap();
            cas.insert(pem.trim().to_string(), format!("<CA of {cluster}/{ns}>"));
        }
    }
    all.into_iter()
        .filter(|(key, object)| {
            let kind = key.split(' ').nth(1).unwrap();
            kind.starts_with("maistra.io/")
                || kind.starts_with("federation.maistra.io/")
                || kind.starts_with("networking.istio.io/")
                || (kind == "/configmaps"
                    && object["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with("ca-root-cert")))
        })
        .map(|(key, mut object)| {
            normalise(&mut object, &cas);
            (key, object)
        })
        .collect()
}

fn normalise(value: &mut Value, cas: &BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            // A Pod's name ends in five random characters (its ReplicaSet's generateName).
            if let Some(Value::String(pod)) = map.get_mut("pod")
                && let Some((stem, _)) = pod.rsplit_once('-')
            {
                *pod = format!("{stem}-<random>");
            }
            for v in map.values_mut() {
                normalise(v, cas);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| normalise(v, cas)),
        Value::String(s) if s.contains("BEGIN CERTIFICATE") => {
            *s = cas
                .get(s.trim())
                .cloned()
                .unwrap_or_else(|| "<a certificate of no mesh>".to_string());
        }
        _ => {}
    }
}

/// `(spec, generation)` of every object, exactly: what a no-op re-run must leave untouched.
fn specs_and_generations(state: &Path) -> BTreeMap<String, Value> {
    load_state(state)
        .into_iter()
        // The API server's CA is generated at each simulator start; its publishers follow it.
        .filter(|(k, _)| {
            !k.ends_with("/kube-root-ca.crt") && !k.ends_with("/kube-apiserver-server-ca")
        })
        .map(|(k, o)| {
            (
                k,
                serde_json::json!({
                    "spec": o["spec"],
                    "generation": o["metadata"]["generation"],
                    "data": o["data"],
                    "labels": o["metadata"]["labels"],
                }),
            )
        })
        .collect()
}

/// Fails listing the keys (and the first differing objects) where `got` differs from `want`.
#[track_caller]
fn assert_same_state(what: &str, got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) {
    let mut problems = Vec::new();
    for key in want.keys().filter(|k| !got.contains_key(*k)) {
        problems.push(format!("missing: {key}"));
    }
    for key in got.keys().filter(|k| !want.contains_key(*k)) {
        problems.push(format!("extra: {key}"));
    }
    for (key, w) in want {
        if let Some(g) = got.get(key)
            && g != w
        {
            problems.push(format!("differs: {key}\n  want: {w}\n  got:  {g}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{what}: {} difference(s) from the fault-free final state:\n{}",
        problems.len(),
        problems
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The fault-free reference, computed once for the whole file: the federation view after
/// rosa-aro then rosa-rog on a fresh state directory.
struct Baseline {
    after_all: BTreeMap<String, Value>,
    _dir: tempfile::TempDir,
}

fn baseline() -> &'static Baseline {
    static BASELINE: OnceLock<Baseline> = OnceLock::new();
    BASELINE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        for pb in ["rosa-aro.rhai", "rosa-rog.rhai"] {
            fedrun(&state, &[playbook(pb).to_str().unwrap()]).ok(pb);
        }
        let after_all = federation_view(&state);
        // The view is about federation: it holds the peers of both links and their CAs.
        for key in [
            "rosa federation.maistra.io/servicemeshpeers rosa-prod-mesh/aro-stg-mesh",
            "rosa federation.maistra.io/servicemeshpeers rosa-prod-mesh/gcp-dev-mesh",
            "aro federation.maistra.io/servicemeshpeers aro-stg-mesh/rosa-prod-mesh",
            "rog federation.maistra.io/servicemeshpeers gcp-dev-mesh/rosa-prod-mesh",
            "rosa /configmaps rosa-prod-mesh/aro-stg-mesh-ca-root-cert",
            "rosa networking.istio.io/virtualservices prod-bookinfo/details",
            "rosa maistra.io/servicemeshcontrolplanes rosa-prod-mesh/rosa-prod-mesh",
        ] {
            assert!(after_all.contains_key(key), "baseline lacks {key}");
        }
        assert_eq!(
            after_all["rosa /configmaps rosa-prod-mesh/aro-stg-mesh-ca-root-cert"]["data"]
                ["root-cert.pem"],
            "<CA of aro/aro-stg-mesh>",
            "the trusted root is the peer's own CA"
        );
        Baseline {
            after_all,
            _dir: dir,
        }
    })
}

/// Runs every shipped playbook in order to completion (rosa-aro, rosa-rog).
fn run_all(state: &Path, what: &str) {
    for pb in shipped_playbooks() {
        fedrun(state, &[pb.to_str().unwrap()]).ok(&format!("{what}: {}", pb.display()));
    }
}

// ---------------------------------------------------------------------------------------------
// Idempotence

#[test]
fn every_shipped_playbook_run_twice_changes_nothing_the_second_time() {
    let playbooks = shipped_playbooks();
    let names: Vec<String> = playbooks
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"rosa-aro.rhai".to_string())
            && names.contains(&"rosa-rog.rhai".to_string()),
        "{names:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    for pb in &playbooks {
        let path = pb.to_str().unwrap();
        let first = fedrun(&state, &["--output", "json", path]);
        first.ok(path);
        let before = specs_and_generations(&state);

        // Text output: every step row says "unchanged", none "changed N" with N > 0.
        let second = fedrun(&state, &[path]);
        second.ok(path);
        let rows: Vec<&str> = second
            .stdout
            .lines()
            .filter(|l| l.contains(" ok ") && (l.contains("changed") || l.contains("unchanged")))
            .collect();
        assert!(!rows.is_empty(), "no summary rows:\n{}", second.stdout);
        for row in &rows {
            let words: Vec<&str> = row.split_whitespace().collect();
            let changed = words
                .windows(2)
                .any(|w| w[0] == "changed" && w[1] != "0" && w[1] != "0,");
            assert!(
                !changed,
                "{path}: a step changed something on the second run: {row}\n{}",
                second.stdout
            );
        }
        assert!(
            second.stdout.contains("unchanged"),
            "{path}: the summary reports unchanged writes:\n{}",
            second.stdout
        );
        let after = specs_and_generations(&state);
        assert_same_state(&format!("{path} second run"), &after, &before);

        // And a third, with --output json: changed == 0.
        let third = fedrun(&state, &["--output", "json", path]);
        third.ok(path);
        let s = third.json();
        assert_eq!(s["ok"], true, "{s}");
        assert_eq!(s["changed"], 0, "{path}: {s}");
        assert!(s["unchanged"].as_u64().unwrap() > 0, "{s}");
        assert_same_state(
            &format!("{path} third run"),
            &specs_and_generations(&state),
            &before,
        );
    }
    // The same history as the reference, so it ends in the reference state.
    assert_same_state(
        "two runs of each playbook",
        &federation_view(&state),
        &baseline().after_all,
    );
}

#[test]
fn full_mesh_run_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let path = playbook("full-mesh.rhai");
    let args = [
        "--clusters",
        "c1:aws,c2:azure,c3:gcp",
        "--set",
        "clusters=3",
        "--output",
        "json",
        path.to_str().unwrap(),
    ];
    fedrun(&state, &args).ok("full-mesh, first run");
    let before = specs_and_generations(&state);
    let second = fedrun(&state, &args);
    second.ok("full-mesh, second run");
    let s = second.json();
    assert_eq!(s["changed"], 0, "{s}");
    assert_same_state(
        "full-mesh second run",
        &specs_and_generations(&state),
        &before,
    );
}

// ---------------------------------------------------------------------------------------------
// API faults

#[test]
fn rosa_aro_then_rosa_rog_converge_under_api_faults_over_several_seeds() {
    let want = &baseline().after_all;
    let seeds = [1u64, 2, 3];
    let handles: Vec<_> = seeds
        .iter()
        .map(|&seed| {
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().unwrap();
                let state = dir.path().join("state");
                let spec = format!("{FAULTS},seed={seed}");
                let served = serve(&state, &["--faults", &spec]);
                let banner = served.output();
                let announced = banner.lines().find(|l| l.starts_with("faults: "));
                assert!(
                    announced.is_some_and(|l| FAULTS
                        .split(',')
                        .chain([format!("seed={seed}").as_str()])
                        .all(|item| l.contains(item))),
                    "the server announces its faults:\n{}",
                    served.output()
                );
                run_all(&state, &format!("seed {seed}"));
                served.stop();
                federation_view(&state)
            })
        })
        .collect();
    for (seed, handle) in seeds.iter().zip(handles) {
        let got = handle.join().expect("faulty run");
        assert_same_state(&format!("faults {FAULTS},seed={seed}"), &got, want);
    }
}

// ---------------------------------------------------------------------------------------------
// A cluster that stops answering

/// Runs a playbook in-process against `sim` with `policy` and a default wait timeout, output in
/// a buffer. Returns the outcome and the output.
fn run_in_process(
    sim: &TestSim,
    pb: &Path,
    policy: RetryPolicy,
    timeout: Duration,
) -> (Result<fedrun::report::RunSummary, script::RunError>, String) {
    let clusters = Clusters::from_kubeconfig(sim.kubeconfig(), BTreeMap::new())
        .expect("kubeconfig")
        .with_retry_policy(policy);
    let reporter = Reporter::buffer(false);
    let ctx = Arc::new(RunContext::new(pb, reporter.clone()).with_default_timeout(timeout));
    let backend = Backend {
        clusters: Arc::new(clusters),
        runtime: sim.rt.handle().clone(),
    };
    let engine = prims::engine(ctx.clone(), Some(backend));
    let outcome = script::run_file(&engine, &ctx, pb);
    let mut output = reporter.output();
    if let Err(e) = &outcome {
        output.push_str(&e.to_string());
    }
    SecretScan::of_kubeconfig(&sim.kubeconfig()).check("in-process run", &output);
    (outcome, output)
}

/// Switches `cluster` off once it has served `after` more requests, for `down` (or for good when
/// `None`). Returns when it was switched off, or `None` if the run ended first.
fn outage(
    sim: &TestSim,
    cluster: &str,
    after: u64,
    down: Option<Duration>,
    finished: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Option<Instant>> {
    let running = sim.sim().cluster(cluster).expect("cluster");
    let faults = running.faults.clone();
    let target = running.cluster.clone();
    let start = target.request_count();
    std::thread::spawn(move || {
        while target.request_count() < start + after {
            if finished.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let at = Instant::now();
        faults.set_down(true);
        if let Some(down) = down {
            std::thread::sleep(down);
            faults.set_down(false);
        }
        Some(at)
    })
}

#[test]
fn a_cluster_that_stops_answering_mid_run_is_waited_for_or_named_with_the_step() {
    // Several seconds of silence from aro in the middle of rosa-aro: the run waits and completes.
    let sim = TestSim::start();
    let finished = Arc::new(AtomicBool::new(false));
    let switch = outage(
        &sim,
        "aro",
        20,
        Some(Duration::from_secs(3)),
        finished.clone(),
    );
    let started = Instant::now();
    let (outcome, output) = run_in_process(
        &sim,
        &playbook("rosa-aro.rhai"),
        RetryPolicy::default(),
        Duration::from_secs(60),
    );
    finished.store(true, Ordering::SeqCst);
    let went_down = switch.join().unwrap();
    let summary =
        outcome.unwrap_or_else(|e| panic!("the run did not ride out the outage:\n{e}\n{output}"));
    let went_down = went_down.unwrap_or_else(|| {
        panic!(
            "aro never went down ({} requests):\n{output}",
            sim.sim().cluster("aro").unwrap().cluster.request_count()
        )
    });
    assert!(summary.ok);
    assert!(
        started.elapsed() >= went_down.duration_since(started) + Duration::from_secs(3),
        "the run waited for the cluster to come back"
    );
    assert!(output.contains("connected=true"), "{output}");
    drop(sim);

    // The same outage for good, with a short retry budget: the run fails naming aro and the
    // step it was in, instead of hanging.
    let sim = TestSim::start();
    let finished = Arc::new(AtomicBool::new(false));
    let switch = outage(&sim, "aro", 20, None, finished.clone());
    let policy = RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
        max_total: Duration::from_secs(3),
    };
    let (outcome, output) = run_in_process(
        &sim,
        &playbook("rosa-aro.rhai"),
        policy,
        Duration::from_secs(5),
    );
    finished.store(true, Ordering::SeqCst);
    switch
        .join()
        .unwrap()
        .expect("aro went down during the run");
    let err = outcome.expect_err("aro never comes back");
    let text = err.to_string();
    assert!(!text.contains("panicked"), "{text}");
    // Reported as the cluster not answering, not as a missing kind or operator (the discovery
    // of a cluster that went silent used to look like "no kind smcp: operator not installed").
    assert!(
        text.contains("cluster aro did not answer") && !text.contains("not installed"),
        "{text}"
    );
    assert!(text.contains("aro"), "names the cluster:\n{text}\n{output}");
    assert!(
        !err.diagnostic.steps.is_empty() && text.contains("step:"),
        "names the step:\n{text}"
    );
    let step = &err.diagnostic.steps[0];
    assert!(
        [
            "Service Mesh on both clusters",
            "Applications",
            "Federation"
        ]
        .contains(&step.as_str()),
        "{step}"
    );
    assert!(
        err.summary
            .steps
            .iter()
            .any(|s| &s.name == step && s.status.as_str() == "failed"),
        "the summary marks the step failed: {:?}",
        err.summary
    );
}

// ---------------------------------------------------------------------------------------------
// Interruption: the run killed (SIGINT, SIGKILL) or the simulator killed (SIGKILL), at several
// points, then re-run.

/// When to strike: after a line of the run's output containing `marker`, plus `delay`.
struct KillPoint {
    marker: &'static str,
    delay: Duration,
    signal: &'static str,
    /// Also kill -9 the simulator at the same moment (then start a new one on the state).
    simulator_too: bool,
}

/// Starts `fedrun --sim --state STATE rosa-aro.rhai`, strikes at `point`, and returns what it
/// printed. A run that finished before the strike is fine (it is still re-run).
fn strike(state: &Path, served: &mut Served, point: &KillPoint) -> String {
    let mut child = Command::new(FEDRUN)
        .args(["--sim", "--state"])
        .arg(state)
        .arg(playbook("rosa-aro.rhai"))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("fedrun starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let readers: Vec<_> = [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .into_iter()
    .map(|stream| {
        let output = output.clone();
        let tx = tx.clone();
        let marker = point.marker;
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if line.contains(marker) {
                    let _ = tx.send(());
                }
                let mut all = output.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        })
    })
    .collect();
    let seen = rx.recv_timeout(Duration::from_secs(60)).is_ok();
    assert!(
        seen || child.try_wait().unwrap().is_some(),
        "{:?} never printed:\n{}",
        point.marker,
        output.lock().unwrap()
    );
    std::thread::sleep(point.delay);
    if point.simulator_too {
        served.kill_9();
    }
    let _ = Command::new("kill")
        .args([&format!("-{}", point.signal), &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "fedrun still runs 20 s after SIG{}:\n{}",
                point.signal,
                output.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    for r in readers {
        r.join().unwrap();
    }
    let all = output.lock().unwrap().clone();
    assert!(!all.contains("panicked"), "{all}");
    if point.signal == "INT" && status.code().is_some() && !all.contains("ok: 5 steps") {
        assert_eq!(status.code(), Some(1), "an interrupted run fails:\n{all}");
        assert!(all.contains("interrupted (Ctrl-C)"), "{all}");
    }
    SecretScan::of_state(state).check("interrupted run", &all);
    all
}

#[test]
fn runs_killed_at_several_points_then_rerun_converge_to_the_fault_free_state() {
    let want = &baseline().after_all;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    // A little latency spreads the run over a few seconds, so the strikes land inside steps.
    let latency = ["--latency", "3"];
    let mut served = serve(&state, &latency);
    let ms = Duration::from_millis;
    let points = [
        // During the first step (operators and control planes), Ctrl-C.
        KillPoint {
            marker: "step: Service Mesh on both clusters",
            delay: ms(400),
            signal: "INT",
            simulator_too: false,
        },
        // During the same step, kill -9 of the run.
        KillPoint {
            marker: "step: Service Mesh on both clusters",
            delay: ms(150),
            signal: "KILL",
            simulator_too: false,
        },
        // Right between two steps.
        KillPoint {
            marker: "ok: Service Mesh on both clusters",
            delay: ms(0),
            signal: "KILL",
            simulator_too: false,
        },
        // During the applications, the simulator and the run both killed -9.
        KillPoint {
            marker: "step: Applications",
            delay: ms(100),
            signal: "KILL",
            simulator_too: true,
        },
        // During federation, Ctrl-C.
        KillPoint {
            marker: "step: Federation",
            delay: ms(50),
            signal: "INT",
            simulator_too: false,
        },
        // During federation, both killed -9 again.
        KillPoint {
            marker: "step: Federation",
            delay: ms(150),
            signal: "KILL",
            simulator_too: true,
        },
        // Between federation and the traffic split.
        KillPoint {
            marker: "ok: Federation",
            delay: ms(0),
            signal: "INT",
            simulator_too: false,
        },
    ];
    for point in &points {
        let printed = strike(&state, &mut served, point);
        println!(
            "--- SIG{} after {:?} + {:?}:\n{printed}",
            point.signal, point.marker, point.delay
        );
        if point.simulator_too {
            // The state left by kill -9 loads, whatever moment it was taken at.
            served = serve(&state, &latency);
        }
    }
    served.stop();
    // The re-runs, fault-free and without latency.
    run_all(&state, "after the interruptions");
    assert_same_state("interrupted then re-run", &federation_view(&state), want);
}
