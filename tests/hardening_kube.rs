//! The kube layer's answers to the outside security review (issue 15): exec credential plugins
//! (no secrets in errors, a time limit, the child reaped), server URLs with credentials, plain
//! HTTP, `insecure-skip-tls-verify`, credentials with line breaks, TLS failures reported at once,
//! Ctrl-C during a request that is never answered, and `KUBECONFIG=a:b` merged as kubectl does.
//!
//! Clusters are the simulator's (real HTTPS with their own CAs and tokens), a local listener
//! that never answers, or addresses never connected to; the library is driven through
//! `fedrun::kube::Clusters`, the binary through `CARGO_BIN_EXE_fedrun`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{SecretScan, TestSim};
use fedrun::kube::{Clusters, KubeError, RetryPolicy};
use serde_yaml::Value;

// ---------------------------------------------------------------------------------------------
// Helpers

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_total: Duration::from_secs(10),
    }
}

/// The simulator's kubeconfig as YAML, to edit.
fn sim_yaml(sim: &TestSim) -> Value {
    let text = std::fs::read_to_string(sim.kubeconfig()).expect("read the sim's kubeconfig");
    serde_yaml::from_str(&text).expect("kubeconfig YAML")
}

/// The entry `name` of list `list` (`clusters`, `users`, `contexts`).
fn entry<'a>(yaml: &'a mut Value, list: &str, name: &str) -> &'a mut Value {
    yaml[list]
        .as_sequence_mut()
        .expect("a list")
        .iter_mut()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {list} entry {name}"))
}

fn write_yaml(path: &Path, yaml: &Value) -> PathBuf {
    std::fs::write(path, serde_yaml::to_string(yaml).expect("YAML")).expect("write kubeconfig");
    path.to_path_buf()
}

/// A kubeconfig with one context `rosa` on `server`, the given cluster fields and user fields.
fn kubeconfig(dir: &Path, server: &str, cluster: Value, user: Value) -> PathBuf {
    let mut cluster = cluster;
    cluster["server"] = Value::from(server);
    let yaml: Value = serde_yaml::from_str(&format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: rosa\n\
         clusters: [{{name: rosa, cluster: {}}}]\n\
         users: [{{name: rosa-admin, user: {}}}]\n\
         contexts: [{{name: rosa, context: {{cluster: rosa, user: rosa-admin}}}}]\n",
        serde_json::to_string(&cluster).expect("json"),
        serde_json::to_string(&user).expect("json"),
    ))
    .expect("kubeconfig YAML");
    write_yaml(&dir.join("kubeconfig"), &yaml)
}

fn map(pairs: &[(&str, Value)]) -> Value {
    let mut m = serde_yaml::Mapping::new();
    for (k, v) in pairs {
        m.insert(Value::from(*k), v.clone());
    }
    Value::Mapping(m)
}

/// Runs the fedrun binary with `args`, `envs`, in `dir` as its home, no KUBECONFIG unless given.
fn fedrun(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = common::fedrun_command(args);
    cmd.current_dir(dir)
        .env_remove("FEDRUN_ALLOW_INSECURE_HTTP")
        .env_remove("FEDRUN_EXEC_TIMEOUT")
        .env("HOME", dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .envs(envs.iter().copied());
    let child = cmd.spawn().expect("fedrun runs");
    wait_bounded(child, Duration::from_secs(120))
}

fn wait_bounded(mut child: std::process::Child, limit: Duration) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "fedrun did not finish within {limit:?}; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn playbook(dir: &Path, source: &str) -> PathBuf {
    let path = dir.join("main.rhai");
    std::fs::write(&path, source).expect("write playbook");
    path
}

/// Everything an error shows: its text, its hint and its debug form.
fn shown(err: &KubeError) -> String {
    format!("{err}\n{:?}\n{err:?}", err.hint())
}

fn assert_hidden(secrets: &[&str], what: &str, text: &str) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "{what} shows the secret {secret:?}:\n{text}"
        );
    }
}

/// Whether a process still exists (a zombie counts: it has not been reaped).
fn process_exists(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// An executable shell script.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The user entry of an exec plugin.
fn exec_user(command: &Path, args: &[&str], env: &[(&str, &str)], mode: Option<&str>) -> Value {
    let env: Vec<Value> = env
        .iter()
        .map(|(n, v)| map(&[("name", Value::from(*n)), ("value", Value::from(*v))]))
        .collect();
    let mut exec = map(&[
        (
            "apiVersion",
            Value::from("client.authentication.k8s.io/v1beta1"),
        ),
        ("command", Value::from(command.display().to_string())),
        (
            "args",
            Value::Sequence(args.iter().map(|a| Value::from(*a)).collect()),
        ),
        ("env", Value::Sequence(env)),
    ]);
    if let Some(mode) = mode {
        exec["interactiveMode"] = Value::from(mode);
    }
    map(&[("exec", exec)])
}

/// The simulator's kubeconfig with `rosa`'s user replaced by `user`.
fn sim_with_user(sim: &TestSim, user: Value) -> PathBuf {
    let mut yaml = sim_yaml(sim);
    entry(&mut yaml, "users", "rosa")["user"] = user;
    write_yaml(&sim.dir.path().join("exec-kubeconfig"), &yaml)
}

fn token_of(sim: &TestSim, name: &str) -> String {
    let mut yaml = sim_yaml(sim);
    entry(&mut yaml, "users", name)["user"]["token"]
        .as_str()
        .expect("token")
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// 1. Exec credential plugins

const ENV_SECRET: &str = "ENV-SECRET-wJalrXUtnFEMIK7MDENG";
const ARG_SECRET: &str = "ARG-SECRET-9f8e7d6c5b4a";
const OUT_SECRET: &str = "STDOUT-SECRET-0a1b2c3d4e";
const ERR_SECRET: &str = "STDERR-SECRET-5f6e7d8c9b";

fn failing_plugin(dir: &Path) -> PathBuf {
    script(
        dir,
        "get-token",
        &format!(
            "echo \"{OUT_SECRET} $1\"\necho \"{ERR_SECRET} $AWS_SECRET_ACCESS_KEY\" >&2\nexit 3"
        ),
    )
}

#[test]
fn a_failing_exec_plugin_is_reported_by_command_and_status_without_its_secrets() {
    let sim = TestSim::with_clusters("rosa:aws");
    let plugin = failing_plugin(sim.dir.path());
    let path = sim_with_user(
        &sim,
        exec_user(
            &plugin,
            &[&format!("--secret={ARG_SECRET}")],
            &[("AWS_SECRET_ACCESS_KEY", ENV_SECRET)],
            Some("Never"),
        ),
    );
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new())
        .expect("kubeconfig")
        .with_retry_policy(fast());
    let err = sim
        .rt
        .block_on(clusters.cluster("rosa"))
        .expect_err("the plugin fails");
    let all = shown(&err);
    assert!(matches!(err, KubeError::Credentials { .. }), "{all}");
    assert!(all.contains("get-token"), "names the command: {all}");
    assert!(all.contains("exit status 3"), "gives the status: {all}");
    assert!(all.contains("\"rosa\""), "names the user entry: {all}");
    assert_hidden(
        &[ENV_SECRET, ARG_SECRET, OUT_SECRET, ERR_SECRET, "--secret"],
        "the error",
        &all,
    );
}

#[test]
fn the_binary_prints_no_plugin_secret_either() {
    let sim = TestSim::with_clusters("rosa:aws");
    let dir = sim.dir.path();
    let plugin = failing_plugin(dir);
    // The default interactiveMode (IfAvailable) with stdin not a terminal: not interactive.
    let path = sim_with_user(
        &sim,
        exec_user(
            &plugin,
            &[&format!("--secret={ARG_SECRET}")],
            &[("AWS_SECRET_ACCESS_KEY", ENV_SECRET)],
            None,
        ),
    );
    let book = playbook(dir, "let rosa = cluster(\"rosa\");\nprint(rosa.name);\n");
    let out = fedrun(
        dir,
        &[
            book.to_str().unwrap(),
            "--kubeconfig",
            path.to_str().unwrap(),
        ],
        &[("FEDRUN_LOG", "trace")],
    );
    let (stdout, stderr) = text(&out);
    let all = format!("{stdout}\n{stderr}");
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        stderr.contains("get-token") && stderr.contains("exit status 3"),
        "{all}"
    );
    assert_hidden(
        &[ENV_SECRET, ARG_SECRET, OUT_SECRET, ERR_SECRET],
        "fedrun",
        &all,
    );
}

#[test]
fn an_exec_plugin_that_never_returns_is_stopped_and_reaped() {
    let sim = TestSim::with_clusters("rosa:aws");
    let dir = sim.dir.path();
    let pid_file = dir.join("plugin.pid");
    let plugin = script(
        dir,
        "hang",
        &format!("echo $$ > {}\nexec sleep 600", pid_file.display()),
    );
    let path = sim_with_user(&sim, exec_user(&plugin, &[], &[], Some("Never")));
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new())
        .expect("kubeconfig")
        .with_exec_timeout(Duration::from_secs(1));
    // On its own thread: a plugin run synchronously would block the runtime's timers too.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let result = rt.block_on(clusters.cluster("rosa")).map(|_| ());
        let _ = tx.send(result);
    });
    let result = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the plugin must be stopped by the timeout, not waited for");
    let err = result.expect_err("timed out");
    let all = shown(&err);
    assert!(matches!(err, KubeError::Credentials { .. }), "{all}");
    assert!(
        all.contains("did not finish within 1s") && all.contains("FEDRUN_EXEC_TIMEOUT"),
        "{all}"
    );
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .expect("the plugin ran")
        .trim()
        .parse()
        .expect("pid");
    assert!(
        !process_exists(pid),
        "the plugin (pid {pid}) is killed and reaped, not left running or a zombie"
    );
}

#[test]
fn fedrun_exec_timeout_bounds_the_plugin_in_the_binary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plugin = script(dir.path(), "hang", "exec sleep 600");
    let path = kubeconfig(
        dir.path(),
        "https://127.0.0.1:1",
        map(&[]),
        exec_user(&plugin, &[], &[], None),
    );
    let book = playbook(dir.path(), "let rosa = cluster(\"rosa\");\n");
    let out = fedrun(
        dir.path(),
        &[
            book.to_str().unwrap(),
            "--kubeconfig",
            path.to_str().unwrap(),
        ],
        &[("FEDRUN_EXEC_TIMEOUT", "1s")],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("did not finish within 1s"), "{stderr}");

    let out = fedrun(
        dir.path(),
        &[
            book.to_str().unwrap(),
            "--kubeconfig",
            path.to_str().unwrap(),
        ],
        &[("FEDRUN_EXEC_TIMEOUT", "soon")],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("FEDRUN_EXEC_TIMEOUT"), "{stderr}");
}

#[test]
fn exec_plugin_tokens_are_sent_and_refreshed_before_they_expire() {
    let sim = TestSim::with_clusters("rosa:aws");
    let dir = sim.dir.path();
    let token = token_of(&sim, "rosa");
    let runs = dir.join("runs");
    // Expires in 5 s: within the refresh margin, so every request runs the plugin again.
    let expires = (time::OffsetDateTime::now_utc() + time::Duration::seconds(5))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let plugin = script(
        dir,
        "get-token",
        &format!(
            "echo run >> {}\ncat <<EOF\n{{\"apiVersion\": \"client.authentication.k8s.io/v1beta1\", \"kind\": \"ExecCredential\", \
             \"status\": {{\"token\": \"$TOKEN\", \"expirationTimestamp\": \"{expires}\"}}}}\nEOF",
            runs.display()
        ),
    );
    let path = sim_with_user(
        &sim,
        exec_user(&plugin, &[], &[("TOKEN", &token)], Some("Never")),
    );
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new())
        .expect("kubeconfig")
        .with_retry_policy(fast());
    sim.rt.block_on(async {
        let rosa = clusters
            .cluster("rosa")
            .await
            .expect("the plugin gives a token");
        for _ in 0..3 {
            assert!(
                rosa.exists("namespace", None, "default")
                    .await
                    .expect("requests carry the plugin's token")
            );
        }
    });
    let count = std::fs::read_to_string(&runs)
        .expect("runs")
        .lines()
        .count();
    assert!(count >= 3, "the expiring token was refreshed: {count} runs");
}

#[test]
fn exec_plugin_output_that_is_not_a_credential_is_not_quoted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plugin = script(
        dir.path(),
        "get-token",
        &format!("echo 'token: [{OUT_SECRET}'"),
    );
    let path = kubeconfig(
        dir.path(),
        "https://127.0.0.1:1",
        map(&[]),
        exec_user(&plugin, &[], &[], Some("Never")),
    );
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new()).expect("kubeconfig");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let err = rt
        .block_on(clusters.cluster("rosa"))
        .expect_err("not a credential");
    let all = shown(&err);
    assert!(all.contains("no valid ExecCredential"), "{all}");
    assert_hidden(&[OUT_SECRET], "the error", &all);
}

// ---------------------------------------------------------------------------------------------
// 2. Server URLs with a user name and password

const URL_PASSWORD: &str = "URL-PASSWORD-h4x0r-1234";

#[test]
fn a_server_url_with_credentials_is_refused_without_showing_them() {
    let sim = TestSim::with_clusters("rosa:aws");
    let mut yaml = sim_yaml(&sim);
    let server = entry(&mut yaml, "clusters", "rosa")["cluster"]["server"]
        .as_str()
        .expect("server")
        .to_string();
    let with_password = server.replace("https://", &format!("https://admin:{URL_PASSWORD}@"));
    entry(&mut yaml, "clusters", "rosa")["cluster"]["server"] = Value::from(with_password);
    let path = write_yaml(&sim.dir.path().join("userinfo"), &yaml);

    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new()).expect("kubeconfig");
    let err = clusters.check(&["rosa"]).expect_err("refused before use");
    let all = shown(&err);
    assert!(matches!(err, KubeError::Kubeconfig { .. }), "{all}");
    assert!(
        all.contains("cluster entry \"rosa\"") && all.contains("user name and password"),
        "{all}"
    );
    assert_hidden(&[URL_PASSWORD, "admin:"], "the error", &all);
    let err = sim
        .rt
        .block_on(clusters.cluster("rosa"))
        .expect_err("refused on connect too");
    assert_hidden(&[URL_PASSWORD], "the error", &shown(&err));
    assert!(
        !clusters.describe(&["rosa"]).contains(URL_PASSWORD),
        "banner"
    );

    // Through the binary with hyper's logs on: refused before any connection, nothing logged.
    let book = playbook(
        sim.dir.path(),
        "let rosa = cluster(\"rosa\");\nrosa.exists(\"namespace\", \"\", \"default\");\n",
    );
    let out = fedrun(
        sim.dir.path(),
        &[
            book.to_str().unwrap(),
            "--kubeconfig",
            path.to_str().unwrap(),
        ],
        &[("FEDRUN_LOG", "trace")],
    );
    let (stdout, stderr) = text(&out);
    let all = format!("{stdout}\n{stderr}");
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(stderr.contains("cluster entry \"rosa\""), "{all}");
    assert_hidden(&[URL_PASSWORD], "fedrun", &all);
}

// ---------------------------------------------------------------------------------------------
// 3. Plain HTTP

const HTTP_TOKEN: &str = "http-bearer-token-abcdefghijkl";

#[test]
fn plain_http_is_refused_unless_allowed_and_then_warned_about_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 192.0.2.0/24 is TEST-NET-1: never connected to here.
    let path = kubeconfig(
        dir.path(),
        "http://192.0.2.10:8080",
        map(&[]),
        map(&[("token", Value::from(HTTP_TOKEN))]),
    );
    let aliases = BTreeMap::from([("other".to_string(), "rosa".to_string())]);
    let clusters = Clusters::from_kubeconfig(&path, aliases.clone())
        .expect("kubeconfig")
        .allow_insecure_http(false);
    let err = clusters.check(&["rosa"]).expect_err("plain HTTP refused");
    let all = shown(&err);
    assert!(
        all.contains("plain HTTP") && all.contains("FEDRUN_ALLOW_INSECURE_HTTP=1"),
        "{all}"
    );
    assert!(all.contains("cluster entry \"rosa\""), "{all}");
    assert_hidden(&[HTTP_TOKEN], "the error", &all);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    assert!(rt.block_on(clusters.cluster("rosa")).is_err());

    let allowed = Clusters::from_kubeconfig(&path, aliases)
        .expect("kubeconfig")
        .allow_insecure_http(true);
    allowed.check(&["rosa", "other"]).expect("allowed");
    rt.block_on(async {
        allowed.cluster("rosa").await.expect("rosa");
        allowed.cluster("other").await.expect("the same cluster");
        allowed.cluster("rosa").await.expect("again");
    });
    let warnings = allowed.warnings();
    assert_eq!(warnings.len(), 1, "once per cluster: {warnings:?}");
    assert!(warnings[0].contains("plain HTTP"), "{warnings:?}");
    assert_hidden(&[HTTP_TOKEN], "the warning", &warnings[0]);
}

#[test]
fn plain_http_on_the_local_host_needs_no_opt_in() {
    // `kubectl proxy` serves http://127.0.0.1:8001: nothing crosses a network.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = kubeconfig(dir.path(), "http://127.0.0.1:8001", map(&[]), map(&[]));
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new())
        .expect("kubeconfig")
        .allow_insecure_http(false);
    clusters.check(&["rosa"]).expect("loopback HTTP is fine");
    assert!(clusters.warnings().is_empty());
}

#[test]
fn the_binary_refuses_plain_http_and_warns_once_when_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = kubeconfig(
        dir.path(),
        "http://192.0.2.10:8080",
        map(&[]),
        map(&[("token", Value::from(HTTP_TOKEN))]),
    );
    let book = playbook(
        dir.path(),
        "let a = cluster(\"rosa\");\nlet b = cluster(\"other\");\nprint(\"connected \" + a.name + \" \" + b.name);\n",
    );
    let args = [
        book.to_str().unwrap(),
        "--kubeconfig",
        path.to_str().unwrap(),
        "--context",
        "other=rosa",
    ];
    let out = fedrun(dir.path(), &args, &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("FEDRUN_ALLOW_INSECURE_HTTP"), "{stderr}");

    let out = fedrun(dir.path(), &args, &[("FEDRUN_ALLOW_INSECURE_HTTP", "1")]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("connected rosa other"), "{stdout}");
    assert_eq!(
        stderr.matches("warning: ").count(),
        1,
        "one warning for the one cluster: {stderr}"
    );
    assert!(stderr.contains("plain HTTP"), "{stderr}");
    assert_hidden(&[HTTP_TOKEN], "fedrun", &format!("{stdout}{stderr}"));
}

// ---------------------------------------------------------------------------------------------
// 4. insecure-skip-tls-verify

#[test]
fn insecure_skip_tls_verify_with_a_ca_is_refused_as_client_go_does() {
    let sim = TestSim::with_clusters("rosa:aws");
    let mut yaml = sim_yaml(&sim);
    entry(&mut yaml, "clusters", "rosa")["cluster"]["insecure-skip-tls-verify"] = Value::from(true);
    let path = write_yaml(&sim.dir.path().join("insecure-ca"), &yaml);
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new()).expect("kubeconfig");
    let err = clusters.check(&["rosa"]).expect_err("refused");
    let all = shown(&err);
    assert!(
        all.contains("specifying a root certificates file with the insecure flag is not allowed"),
        "{all}"
    );
    assert!(all.contains("cluster entry \"rosa\""), "{all}");
    assert!(sim.rt.block_on(clusters.cluster("rosa")).is_err());
}

#[test]
fn insecure_skip_tls_verify_works_and_is_warned_about_once_per_cluster() {
    let sim = TestSim::with_clusters("rosa:aws");
    let mut yaml = sim_yaml(&sim);
    {
        let cluster = &mut entry(&mut yaml, "clusters", "rosa")["cluster"];
        cluster["insecure-skip-tls-verify"] = Value::from(true);
        cluster
            .as_mapping_mut()
            .expect("map")
            .remove("certificate-authority-data");
    }
    let path = write_yaml(&sim.dir.path().join("insecure"), &yaml);
    let aliases = BTreeMap::from([("other".to_string(), "rosa".to_string())]);
    let clusters = Clusters::from_kubeconfig(&path, aliases)
        .expect("kubeconfig")
        .with_retry_policy(fast());
    clusters.check(&["rosa", "other"]).expect("allowed");
    sim.rt.block_on(async {
        for name in ["rosa", "other", "rosa"] {
            let c = clusters.cluster(name).await.expect("connects");
            assert!(c.exists("namespace", None, "default").await.expect("works"));
        }
    });
    let warnings = clusters.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("context rosa") && warnings[0].contains("insecure-skip-tls-verify"),
        "{warnings:?}"
    );

    // The binary prints it once on stderr, however many requests the playbook makes.
    let book = playbook(
        sim.dir.path(),
        "let a = cluster(\"rosa\");\nlet b = cluster(\"other\");\nfor i in 0..3 { a.exists(\"namespace\", \"\", \"default\"); b.exists(\"namespace\", \"\", \"default\"); }\nprint(\"done\");\n",
    );
    let out = fedrun(
        sim.dir.path(),
        &[
            book.to_str().unwrap(),
            "--kubeconfig",
            path.to_str().unwrap(),
            "--context",
            "other=rosa",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.matches("insecure-skip-tls-verify").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("context rosa"), "{stderr}");
    SecretScan::of_kubeconfig(&path).check("fedrun", &format!("{stdout}{stderr}"));
}

// ---------------------------------------------------------------------------------------------
// 5. Credentials with line breaks

const SPLIT_TOKEN_A: &str = "first-half-of-a-token-aaaa";
const SPLIT_TOKEN_B: &str = "second-half-of-a-token-bbbb";

#[test]
fn a_token_with_a_line_break_is_refused_when_the_kubeconfig_is_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (field, user) in [
        (
            "token",
            map(&[(
                "token",
                Value::from(format!("{SPLIT_TOKEN_A}\n{SPLIT_TOKEN_B}")),
            )]),
        ),
        (
            "token",
            map(&[(
                "token",
                Value::from(format!("{SPLIT_TOKEN_A}\r{SPLIT_TOKEN_B}")),
            )]),
        ),
        (
            "password",
            map(&[
                ("username", Value::from("admin")),
                (
                    "password",
                    Value::from(format!("{SPLIT_TOKEN_A}\n{SPLIT_TOKEN_B}")),
                ),
            ]),
        ),
    ] {
        let path = kubeconfig(dir.path(), "https://127.0.0.1:1", map(&[]), user);
        let err = Clusters::from_kubeconfig(&path, BTreeMap::new())
            .expect_err("a line break in a credential");
        let all = shown(&err);
        assert!(matches!(err, KubeError::Kubeconfig { .. }), "{all}");
        assert!(
            all.contains("user entry \"rosa-admin\"") && all.contains(field),
            "{all}"
        );
        assert!(all.contains("line break"), "{all}");
        assert_hidden(&[SPLIT_TOKEN_A, SPLIT_TOKEN_B], "the error", &all);
    }

    // The binary: a configuration error (2), not a panic (101).
    let path = kubeconfig(
        dir.path(),
        "https://127.0.0.1:1",
        map(&[]),
        map(&[(
            "token",
            Value::from(format!("{SPLIT_TOKEN_A}\n{SPLIT_TOKEN_B}")),
        )]),
    );
    let book = playbook(dir.path(), "let rosa = cluster(\"rosa\");\n");
    let out = fedrun(
        dir.path(),
        &[
            book.to_str().unwrap(),
            "--kubeconfig",
            path.to_str().unwrap(),
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stderr.contains("user entry \"rosa-admin\""), "{stderr}");
    assert_hidden(
        &[SPLIT_TOKEN_A, SPLIT_TOKEN_B],
        "fedrun",
        &format!("{stdout}{stderr}"),
    );
}

// ---------------------------------------------------------------------------------------------
// 6. TLS failures

#[test]
fn a_certificate_from_another_ca_fails_at_once_as_a_tls_error() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let mut yaml = sim_yaml(&sim);
    let aro_ca =
        entry(&mut yaml, "clusters", "aro")["cluster"]["certificate-authority-data"].clone();
    entry(&mut yaml, "clusters", "rosa")["cluster"]["certificate-authority-data"] = aro_ca;
    let path = write_yaml(&sim.dir.path().join("wrong-ca"), &yaml);
    // The default policy: 8 attempts over up to a minute if the error were taken as transient.
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new()).expect("kubeconfig");
    let err = sim.rt.block_on(async {
        let rosa = clusters.cluster("rosa").await.expect("client");
        rosa.get("namespace", None, "default")
            .await
            .expect_err("TLS")
    });
    let all = shown(&err);
    assert!(matches!(err, KubeError::Tls { .. }), "{all}");
    assert!(err.to_string().contains("cluster rosa"), "{all}");
    assert!(all.contains("unknown authority"), "{all}");
    assert!(all.contains("certificate-authority-data"), "the fix: {all}");
    assert!(
        !all.contains("did not answer") && !all.contains("VPN"),
        "{all}"
    );
}

#[test]
fn a_certificate_for_another_name_is_a_wrong_server_name() {
    let sim = TestSim::with_clusters("rosa:aws");
    let mut yaml = sim_yaml(&sim);
    entry(&mut yaml, "clusters", "rosa")["cluster"]["tls-server-name"] =
        Value::from("api.elsewhere.example.com");
    let path = write_yaml(&sim.dir.path().join("wrong-name"), &yaml);
    let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new()).expect("kubeconfig");
    let err = sim.rt.block_on(async {
        let rosa = clusters.cluster("rosa").await.expect("client");
        rosa.get("namespace", None, "default")
            .await
            .expect_err("TLS")
    });
    let all = shown(&err);
    assert!(matches!(err, KubeError::Tls { .. }), "{all}");
    assert!(
        all.contains("wrong server name") && all.contains("api.elsewhere.example.com"),
        "{all}"
    );
    assert!(all.contains("tls-server-name"), "the fix: {all}");
}

// ---------------------------------------------------------------------------------------------
// 7. Ctrl-C during a request that is never answered

/// A listener on 127.0.0.1 that accepts connections and never says anything.
fn silent_server() -> (String, Arc<AtomicBool>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            if let Ok(stream) = stream {
                held.push(stream);
            }
        }
    });
    (format!("https://{address}"), done)
}

/// Runs `request` and sets the interrupt flag while it is in flight.
async fn interrupted_after(
    interrupt: &Arc<AtomicBool>,
    request: impl std::future::Future<Output = Result<bool, KubeError>>,
) -> Result<bool, KubeError> {
    let flag = interrupt.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        flag.store(true, Ordering::SeqCst);
    });
    tokio::time::timeout(Duration::from_secs(20), request)
        .await
        .expect("an interrupted request must not wait for the server")
}

#[test]
fn an_interrupt_abandons_a_request_in_flight_within_a_second() {
    let (server, _listener) = silent_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = kubeconfig(
        dir.path(),
        &server,
        map(&[]),
        map(&[("token", Value::from("some-token-1234567890"))]),
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let interrupt = Arc::new(AtomicBool::new(false));
        let clusters = Clusters::from_kubeconfig(&path, BTreeMap::new())
            .expect("kubeconfig")
            .with_interrupt(interrupt.clone());
        let rosa = clusters.cluster("rosa").await.expect("client");
        let result = interrupted_after(&interrupt, rosa.exists("namespace", None, "default")).await;
        // Interrupted: the server never answers, so only the flag can have ended the request.
        assert!(matches!(result, Err(KubeError::Interrupted)), "{result:?}");
    });
}

// ---------------------------------------------------------------------------------------------
// 8. KUBECONFIG=a:b

/// Two files: `a` defines rosa (context, cluster, user) and the current context; `b` defines aro,
/// and its own `rosa` entries and current context, which must lose to `a`'s.
fn split_kubeconfigs(sim: &TestSim) -> (PathBuf, PathBuf) {
    let full = sim_yaml(sim);
    let pick = |name: &str, list: &str| -> Value {
        let mut yaml = full.clone();
        entry(&mut yaml, list, name).clone()
    };
    let a = map(&[
        ("apiVersion", Value::from("v1")),
        ("kind", Value::from("Config")),
        ("current-context", Value::from("rosa")),
        ("clusters", Value::Sequence(vec![pick("rosa", "clusters")])),
        ("users", Value::Sequence(vec![pick("rosa", "users")])),
        ("contexts", Value::Sequence(vec![pick("rosa", "contexts")])),
    ]);
    let mut bad_rosa_user = pick("rosa", "users");
    bad_rosa_user["user"]["token"] = Value::from("the-second-file-loses-this-token");
    let mut bad_rosa_cluster = pick("rosa", "clusters");
    bad_rosa_cluster["cluster"]["server"] = Value::from("https://127.0.0.1:1");
    let b = map(&[
        ("apiVersion", Value::from("v1")),
        ("kind", Value::from("Config")),
        ("current-context", Value::from("aro")),
        (
            "clusters",
            Value::Sequence(vec![bad_rosa_cluster, pick("aro", "clusters")]),
        ),
        (
            "users",
            Value::Sequence(vec![bad_rosa_user, pick("aro", "users")]),
        ),
        ("contexts", Value::Sequence(vec![pick("aro", "contexts")])),
    ]);
    let dir = sim.dir.path();
    (
        write_yaml(&dir.join("a.yaml"), &a),
        write_yaml(&dir.join("b.yaml"), &b),
    )
}

#[test]
fn kubeconfig_lists_merge_as_kubectl_merges_them() {
    let sim = TestSim::with_clusters("rosa:aws,aro:azure");
    let (a, b) = split_kubeconfigs(&sim);
    let missing = sim.dir.path().join("missing.yaml");
    let clusters =
        Clusters::from_kubeconfigs(&[a.clone(), missing.clone(), b.clone()], BTreeMap::new())
            .expect("merged")
            .with_retry_policy(fast());
    assert_eq!(clusters.contexts(), vec!["aro", "rosa"]);
    clusters.check(&["rosa", "aro"]).expect("both");
    assert_eq!(clusters.kubeconfig_path(), Some(a.as_path()));
    sim.rt.block_on(async {
        for name in ["rosa", "aro"] {
            let c = clusters.cluster(name).await.expect("client");
            assert!(
                c.exists("namespace", None, "default")
                    .await
                    .unwrap_or_else(|e| panic!("{name}: the first file's entries win: {e}"))
            );
        }
    });

    let err = Clusters::from_kubeconfigs(std::slice::from_ref(&missing), BTreeMap::new())
        .expect_err("no file exists");
    assert!(
        err.to_string().contains("none of these files exists"),
        "{err}"
    );
    let err = Clusters::from_kubeconfigs(&[], BTreeMap::new()).expect_err("empty list");
    assert!(err.to_string().contains("no kubeconfig file"), "{err}");

    // The binary reads KUBECONFIG's list (the missing file skipped); the current context of
    // the first file wins, which `kubectl config current-context` would print too.
    let list = std::env::join_paths([&a, &missing, &b]).expect("join");
    let book = playbook(
        sim.dir.path(),
        "let r = cluster(\"rosa\");\nlet a = cluster(\"aro\");\nprint(`${r.exists(\"namespace\", \"\", \"default\")} ${a.exists(\"namespace\", \"\", \"default\")}`);\n",
    );
    let out = fedrun(
        sim.dir.path(),
        &[book.to_str().unwrap()],
        &[("KUBECONFIG", list.to_str().unwrap())],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("true true"), "{stdout}");

    let out = fedrun(
        sim.dir.path(),
        &[book.to_str().unwrap()],
        &[("KUBECONFIG", missing.to_str().unwrap())],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("none of the files in KUBECONFIG"),
        "{stderr}"
    );
}
