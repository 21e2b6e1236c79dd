//! Shared helpers for integration tests: an in-process simulator on random ports in a temp dir.
#![allow(dead_code)]

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fedrun::sim::simulator::{ClusterSpec, SimOptions, Simulator, parse_clusters};

/// A simulator running on its own runtime, stopped when dropped.
pub struct TestSim {
    pub rt: tokio::runtime::Runtime,
    pub sim: Option<Simulator>,
    pub dir: tempfile::TempDir,
}

impl TestSim {
    pub fn start() -> TestSim {
        Self::with_clusters("rosa:aws,aro:azure,rog:gcp")
    }

    pub fn with_clusters(list: &str) -> TestSim {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut options = SimOptions::new(dir.path().join("state"));
        options.clusters = Some(parse_clusters(list).expect("cluster list"));
        Self::with_options(dir, options)
    }

    pub fn with_options(dir: tempfile::TempDir, options: SimOptions) -> TestSim {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = rt
            .block_on(Simulator::start(options))
            .expect("simulator starts");
        TestSim {
            rt,
            sim: Some(sim),
            dir,
        }
    }

    pub fn sim(&self) -> &Simulator {
        self.sim.as_ref().expect("running")
    }

    pub fn kubeconfig(&self) -> PathBuf {
        self.sim().kubeconfig()
    }

    pub fn state_dir(&self) -> PathBuf {
        self.sim().state_dir().to_path_buf()
    }

    pub fn specs(list: &str) -> Vec<ClusterSpec> {
        parse_clusters(list).expect("cluster list")
    }

    /// Stops the simulator (state saved), keeping the temp dir.
    pub fn stop(&mut self) {
        if let Some(sim) = self.sim.take() {
            self.rt.block_on(sim.shutdown());
        }
    }

    /// Runs kubectl against one context with a private discovery cache; returns its output.
    pub fn kubectl(&self, context: &str, args: &[&str]) -> Output {
        kubectl(
            &self.kubeconfig(),
            &self.dir.path().join("kubecache"),
            context,
            args,
            None,
        )
    }

    pub fn kubectl_stdin(&self, context: &str, args: &[&str], stdin: &str) -> Output {
        kubectl(
            &self.kubeconfig(),
            &self.dir.path().join("kubecache"),
            context,
            args,
            Some(stdin),
        )
    }
}

impl Drop for TestSim {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `fedrun sim serve` as a child process on a state directory, its output collected; killed
/// when dropped.
pub struct Served {
    pub child: Child,
    /// The kubeconfig the server announced.
    pub kubeconfig: PathBuf,
    output: Arc<Mutex<String>>,
    state: PathBuf,
}

/// Starts `fedrun sim serve --time-scale 0 --state STATE EXTRA...` (EXTRA may give another time
/// scale) and returns once it has announced its kubeconfig (it is serving then).
pub fn serve(state: &Path, extra: &[&str]) -> Served {
    let scale = if extra.contains(&"--time-scale") {
        &[][..]
    } else {
        &["--time-scale", "0"][..]
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_fedrun"))
        .args(["sim", "serve"])
        .args(scale)
        .arg("--state")
        .arg(state)
        .args(extra)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .expect("fedrun sim serve starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().expect("stderr")),
    ] {
        let output = output.clone();
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if let Some(path) = line.strip_prefix("kubeconfig: ") {
                    let _ = tx.send(PathBuf::from(path));
                }
                let mut all = output.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
    }
    let kubeconfig = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(path) => path,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "fedrun sim serve did not announce its kubeconfig; output:\n{}",
                output.lock().unwrap()
            );
        }
    };
    Served {
        child,
        kubeconfig,
        output,
        state: state.to_path_buf(),
    }
}

impl Served {
    /// What the server printed so far (stdout and stderr).
    pub fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    /// SIGTERM: the server saves its state and exits. Returns what it printed, checked for
    /// secrets.
    pub fn stop(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM");
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "the simulator did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = self.output();
        SecretScan::of_state(&self.state).check("fedrun sim serve", &out);
        out
    }

    /// SIGKILL (std's `kill` on Unix): no chance to save. Returns how the process ended.
    pub fn kill_9(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("wait for fedrun sim serve")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `fedrun` binary as tests run it: no colour, nothing inherited from the developer's shell
/// that changes its behaviour (log level, state directory, kubeconfig), stdin closed. Add
/// arguments, environment or a directory, then run it.
pub fn fedrun_command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fedrun"));
    cmd.args(args)
        .env("NO_COLOR", "1")
        .env_remove("FEDRUN_LOG")
        .env_remove("FEDRUN_STATE")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    cmd
}

/// `fedrun ARGS`, run to its end.
pub fn fedrun(args: &[&str]) -> Output {
    fedrun_command(args).output().expect("fedrun runs")
}

/// `fedrun --sim --state STATE ARGS`: the in-process simulator, or the `fedrun sim serve` on STATE.
pub fn fedrun_sim(state: &Path, args: &[&str]) -> Output {
    let state = state.to_str().expect("a UTF-8 state path");
    fedrun_command(&["--sim", "--state", state])
        .args(args)
        .output()
        .expect("fedrun runs")
}

/// Whether a ServiceMeshPeer shows its link up both ways, in the only status Maistra writes:
/// an `active` entry whose watch is connected (we watch the peer) with a connected remote (the
/// peer watches us).
pub fn link_up(peer: &serde_json::Value) -> bool {
    peer.pointer("/status/discoveryStatus/active")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .any(|e| {
            e["watch"]["connected"] == true
                && e["remotes"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|r| r["connected"] == true))
        })
}

/// Everything a run printed, stdout then stderr.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// What a run that must succeed printed.
pub fn succeeded(o: &Output) -> String {
    assert!(o.status.success(), "fedrun failed:\n{}", text(o));
    text(o)
}

pub fn kubectl(
    kubeconfig: &Path,
    cache: &Path,
    context: &str,
    args: &[&str],
    stdin: Option<&str>,
) -> Output {
    use std::io::Write;
    let mut cmd = Command::new("kubectl");
    cmd.arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--context")
        .arg(context)
        .arg("--cache-dir")
        .arg(cache)
        .args(args);
    cmd.env("KUBECACHEDIR", cache).env_remove("KUBECONFIG");
    cmd.stdin(if stdin.is_some() {
        std::process::Stdio::piped()
    } else {
        std::process::Stdio::null()
    });
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("kubectl is installed (see .ci/run)");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    }
    child.wait_with_output().expect("kubectl runs")
}

/// Stdout of a kubectl run that must succeed with nothing on stderr (no warnings either).
pub fn ok(output: Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "kubectl failed: {stderr}\nstdout: {stdout}"
    );
    assert!(stderr.trim().is_empty(), "kubectl warned: {stderr}");
    stdout
}

/// Stderr of a kubectl run that must fail.
pub fn fails(output: Output) -> String {
    assert!(
        !output.status.success(),
        "kubectl unexpectedly succeeded: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The secrets a test's outputs must never contain: the bearer tokens of a simulator's
/// kubeconfig (and any extra ones a test made up), and private keys. One helper for every test
/// file, so that each output a test produces is checked the same way.
#[derive(Clone, Debug, Default)]
pub struct SecretScan {
    pub tokens: Vec<String>,
}

impl SecretScan {
    /// The tokens of the kubeconfig at `path` (none if it does not exist yet).
    pub fn of_kubeconfig(path: &Path) -> SecretScan {
        let Ok(text) = std::fs::read_to_string(path) else {
            return SecretScan::default();
        };
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).expect("kubeconfig is YAML");
        let tokens: Vec<String> = yaml["users"]
            .as_sequence()
            .map(|users| {
                users
                    .iter()
                    .filter_map(|u| u["user"]["token"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for token in &tokens {
            assert!(
                token.len() >= 20,
                "a real token, not a placeholder: {token:?}"
            );
        }
        SecretScan { tokens }
    }

    /// The tokens of a simulator state directory's kubeconfig.
    pub fn of_state(state: &Path) -> SecretScan {
        Self::of_kubeconfig(&state.join("kubeconfig"))
    }

    /// Adds a secret of the test's own (e.g. a wrong token it put in a kubeconfig).
    pub fn with(mut self, token: &str) -> SecretScan {
        self.tokens.push(token.to_string());
        self
    }

    /// Fails if `text` (the output of `what`) holds a token, a piece of one, or a private key.
    #[track_caller]
    pub fn check(&self, what: &str, text: &str) {
        for token in &self.tokens {
            assert!(
                !text.contains(token.as_str()),
                "{what} printed a bearer token:\n{text}"
            );
            // A truncated token is a leak too.
            let piece = &token[..token.len().min(16)];
            assert!(
                !text.contains(piece),
                "{what} printed part of a bearer token:\n{text}"
            );
        }
        for marker in ["PRIVATE KEY", "ca-key.pem:"] {
            assert!(
                !text.contains(marker),
                "{what} printed a private key ({marker}):\n{text}"
            );
        }
    }
}
