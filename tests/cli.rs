//! The `fedrun` binary as a user drives it: playbooks on the simulated clusters (`--sim` with a
//! state directory per test, the simulator in-process), error reports with positions and hints,
//! exit codes, `check`, `docs`, `--set`, `--context`, plain output and Ctrl-C.

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

const FEDRUN: &str = env!("CARGO_BIN_EXE_fedrun");

/// A directory with playbooks and manifests, and a simulator state directory of its own.
struct Workspace {
    dir: tempfile::TempDir,
}

/// What a finished `fedrun` printed.
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
    fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "exit code\n--- stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

impl Workspace {
    fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn state(&self) -> PathBuf {
        self.path("state")
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(FEDRUN);
        cmd.args(args)
            .current_dir(self.dir.path())
            .env_remove("FEDRUN_STATE")
            .env_remove("KUBECONFIG")
            .env_remove("FEDRUN_LOG")
            .env("HOME", self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn fedrun_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("fedrun runs");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn fedrun(&self, args: &[&str]) -> Run {
        self.fedrun_env(args, &[("NO_COLOR", "1")])
    }

    /// `fedrun --sim --state <own dir> ARGS... PLAYBOOK`.
    fn sim(&self, playbook: &str, extra: &[&str]) -> Run {
        let state = self.state();
        let mut args = vec!["--sim", "--state", state.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(playbook);
        self.fedrun(&args)
    }

    /// Runs a throw-away playbook that prints what `expr` evaluates to on cluster `rosa`.
    fn probe(&self, expr: &str) -> String {
        self.write(
            "probe.rhai",
            &format!("let rosa = cluster(\"rosa\");\nprint(\"probe=\" + ({expr}));\n"),
        );
        let run = self.sim("probe.rhai", &[]);
        run.assert_code(0);
        run.stdout
            .lines()
            .find_map(|l| l.strip_prefix("probe="))
            .unwrap_or_else(|| panic!("no probe output: {}", run.all()))
            .to_string()
    }
}

const CM_YAML: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: from-file
data:
  a: b
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: second
data:
  c: d
";

/// Creates a project, applies a manifest file (relative to the playbook) and inline YAML with vars.
const DEPLOY: &str = r#"let rosa = cluster("rosa");
step("Create project", || { rosa.project("demo"); });
step("Apply file", || { rosa.apply("manifests/cm.yaml", #{ namespace: "demo" }); });
step("Apply inline", || {
    let yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inline\n  namespace: demo\ndata:\n  greeting: ${GREETING}\n";
    rosa.apply(yaml, #{ vars: #{ GREETING: "hello" } });
});
let inline = rosa.get("cm", "demo", "inline");
print("greeting=" + inline.data.greeting);
print("managed-by=" + inline.metadata.labels["app.kubernetes.io/managed-by"]);
print("playbook=" + inline.metadata.labels["fedrun.io/playbook"]);
print("from-file=" + rosa.get("configmap", "demo", "from-file").data.a);
"#;

fn deploy_workspace() -> Workspace {
    let ws = Workspace::new();
    ws.write("playbooks/manifests/cm.yaml", CM_YAML);
    ws.write("playbooks/deploy.rhai", DEPLOY);
    ws
}

/// The rows of the summary table: (step, status, changes).
fn summary_rows(stdout: &str) -> Vec<(String, String, String)> {
    let mut lines = stdout.lines().skip_while(|l| !l.starts_with("STEP "));
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("no summary table:\n{stdout}"));
    let status_at = header.find("STATUS").unwrap();
    let changes_at = header.find("CHANGES").unwrap();
    let duration_at = header.find("DURATION").unwrap();
    lines
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("ok:") && !l.starts_with("FAILED"))
        .map(|l| {
            (
                l[..status_at].trim().to_string(),
                l[status_at..changes_at].trim().to_string(),
                l[changes_at..duration_at].trim().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Runs that work

#[test]
fn a_playbook_creates_a_project_applies_manifests_and_prints_a_summary() {
    let ws = deploy_workspace();
    // Run from another directory: the manifest path is relative to the playbook, not the cwd.
    let run = ws.sim("playbooks/deploy.rhai", &[]);
    run.assert_code(0);
    let out = &run.stdout;
    assert!(out.contains("greeting=hello"), "vars substituted: {out}");
    assert!(out.contains("from-file=b"), "{out}");
    assert!(out.contains("managed-by=fedrun"), "{out}");
    assert!(out.contains("playbook=deploy"), "{out}");
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("simulator (in-process, time scale 0"),
        "the banner names the backend and says it does not take real time: {out}"
    );
    assert!(out.contains("clusters: rosa (https://127.0.0.1:"), "{out}");
    assert_eq!(
        summary_rows(out),
        vec![
            ("Create project".into(), "ok".into(), "changed 1".into()),
            ("Apply file".into(), "ok".into(), "changed 2".into()),
            ("Apply inline".into(), "ok".into(), "changed 1".into()),
        ]
    );
    assert!(out.contains("ok: 3 steps; changed 4;"), "{out}");
}

#[test]
fn running_a_playbook_twice_changes_nothing_the_second_time() {
    let ws = deploy_workspace();
    ws.sim("playbooks/deploy.rhai", &[]).assert_code(0);

    let second = ws.sim("playbooks/deploy.rhai", &[]);
    second.assert_code(0);
    assert_eq!(
        summary_rows(&second.stdout),
        vec![
            ("Create project".into(), "ok".into(), "unchanged 1".into()),
            ("Apply file".into(), "ok".into(), "unchanged 2".into()),
            ("Apply inline".into(), "ok".into(), "unchanged 1".into()),
        ]
    );
    assert!(
        second.stdout.contains("ok: 3 steps; unchanged 4;"),
        "{}",
        second.stdout
    );

    let json = ws.sim("playbooks/deploy.rhai", &["--output", "json"]);
    json.assert_code(0);
    let summary: Value = serde_json::from_str(json.stdout.trim())
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}):\n{}", json.stdout));
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["changed"], 0);
    assert_eq!(summary["unchanged"], 4);
    let steps = summary["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    for step in steps {
        assert_eq!(step["status"], "ok", "{step}");
        assert_eq!(step["changed"], 0, "{step}");
    }
    assert_eq!(steps[1]["name"], "Apply file");
    assert_eq!(steps[1]["unchanged"], 2);
}

#[test]
fn set_values_are_visible_as_vars() {
    let ws = Workspace::new();
    ws.write(
        "set.rhai",
        "print(\"key=\" + vars.KEY);\nprint(\"url=\" + vars.url);\nprint(\"default=\" + var_or(\"missing\", \"fallback\"));\n",
    );
    let run = ws.sim(
        "set.rhai",
        &["--set", "KEY=hello", "--set", "url=http://x/?a=b"],
    );
    run.assert_code(0);
    assert!(run.stdout.contains("key=hello"), "{}", run.stdout);
    assert!(
        run.stdout.contains("url=http://x/?a=b"),
        "the value keeps its '=': {}",
        run.stdout
    );
    assert!(run.stdout.contains("default=fallback"), "{}", run.stdout);
}

#[test]
fn a_context_alias_maps_a_playbook_name_to_a_kubeconfig_context() {
    let ws = Workspace::new();
    ws.write(
        "alias.rhai",
        "let c = cluster(\"mine\");\nprint(\"ctx=\" + c.context + \" name=\" + c.name);\nstep(\"Project\", || { c.project(\"aliased\"); });\n",
    );
    let run = ws.sim("alias.rhai", &["--context", "mine=rosa"]);
    run.assert_code(0);
    assert!(run.stdout.contains("ctx=rosa name=mine"), "{}", run.stdout);
    assert!(
        run.stdout.contains("mine=rosa (https://"),
        "banner: {}",
        run.stdout
    );
    assert_eq!(
        ws.probe("rosa.exists(\"namespace\", \"\", \"aliased\")"),
        "true",
        "the project was made on the rosa context"
    );

    // Without the alias, `mine` is not a context.
    let run = ws.sim("alias.rhai", &[]);
    run.assert_code(2);
    assert!(run.stderr.contains("no context \"mine\""), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Playbook failures

#[test]
fn an_undefined_var_fails_with_its_name_and_position_and_applies_nothing() {
    let ws = Workspace::new();
    ws.write(
        "manifests/undef.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: undef-a\ndata:\n  a: b\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: undef-b\ndata:\n  addr: \"${ADDRESS}\"\n",
    );
    ws.write(
        "undef.rhai",
        "let rosa = cluster(\"rosa\");\nrosa.project(\"demo\");\nstep(\"Apply with vars\", || {\n    rosa.apply(\"manifests/undef.yaml\", #{ namespace: \"demo\", vars: #{ OTHER: \"x\" } });\n});\n",
    );
    let run = ws.sim("undef.rhai", &[]);
    run.assert_code(1);
    let err = &run.stderr;
    assert!(err.contains("ADDRESS"), "names the variable: {err}");
    assert!(
        err.contains("manifests/undef.yaml:13:10"),
        "file:line:col of the placeholder: {err}"
    );
    assert!(
        err.contains("undef.rhai:4:10"),
        "and the playbook call: {err}"
    );
    assert!(err.contains("Apply with vars"), "{err}");
    // The first document is fine, but nothing of a failed apply is written.
    assert_eq!(
        ws.probe("rosa.exists(\"configmap\", \"demo\", \"undef-a\")"),
        "false"
    );
    assert_eq!(
        ws.probe("rosa.exists(\"namespace\", \"\", \"demo\")"),
        "true",
        "what ran before the failed step stays"
    );
}

#[test]
fn a_failing_branch_of_parallel_stops_a_waiting_sibling() {
    let ws = Workspace::new();
    ws.write(
        "stop.rhai",
        r#"let rosa = cluster("rosa");
rosa.project("demo");
parallel([
    || step("Waits", || rosa.wait("configmap/never", "demo", "condition=Ready", "5m")),
    || step("Fails", || { sleep("200ms"); fail("the manifest is wrong"); }),
]);
"#,
    );
    let run = ws.sim("stop.rhai", &[]);
    run.assert_code(1);
    let all = run.all();
    // The failure stopped the wait: it did not run to its 5 minutes and time out.
    assert!(!all.contains("timed out"), "{all}");
    assert!(all.contains("error: the manifest is wrong"), "{all}");
    assert!(all.contains("step:    Fails"), "{all}");
    assert!(
        !all.contains("failed too"),
        "a stopped branch is no failure of its own: {all}"
    );
}

#[test]
fn a_wait_that_times_out_says_what_was_last_seen() {
    let ws = Workspace::new();
    ws.write(
        "wait.rhai",
        r#"let rosa = cluster("rosa");
rosa.project("demo");
rosa.apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: demo\n");
try {
    rosa.wait("configmap/plain", "demo", "condition=Ready", "1s");
} catch (e) {
    print("caught=" + e.message);
}
step("Wait for nope", || { rosa.wait("configmap/nope", "demo", "condition=Ready", "1s"); });
"#,
    );
    let run = ws.sim("wait.rhai", &[]);
    run.assert_code(1);
    let caught = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("caught="))
        .unwrap_or_else(|| panic!("{}", run.all()));
    assert!(caught.contains("timed out after 1s"), "{caught}");
    assert!(
        caught.contains("configmap/plain in demo to be condition=Ready"),
        "{caught}"
    );
    assert!(
        caught.contains("last seen: exists, with no status yet"),
        "{caught}"
    );

    let err = &run.stderr;
    assert!(err.contains("timed out after 1s"), "{err}");
    assert!(err.contains("configmap/nope"), "{err}");
    assert!(err.contains("last seen: not found"), "{err}");
    assert!(err.contains("wait.rhai:9:"), "{err}");
}

#[test]
fn a_failed_step_prints_the_step_the_cluster_the_position_and_a_hint() {
    let ws = Workspace::new();
    ws.write(
        "miss.rhai",
        "let rosa = cluster(\"rosa\");\nstep(\"Read settings\", || { rosa.get(\"configmap\", \"default\", \"missing\"); });\nstep(\"Never reached\", || { rosa.project(\"after\"); });\n",
    );
    let run = ws.sim("miss.rhai", &[]);
    run.assert_code(1);
    let err = &run.stderr;
    assert!(
        err.lines().any(|l| l.trim() == "step:    Read settings"),
        "{err}"
    );
    assert!(err.lines().any(|l| l.trim() == "cluster: rosa"), "{err}");
    assert!(err.contains("miss.rhai:2:"), "{err}");
    assert!(
        err.contains("\"missing\" not found"),
        "the API error: {err}"
    );
    assert!(
        err.lines().any(|l| l.trim_start().starts_with("hint: ")),
        "a hint: {err}"
    );
    let rows = summary_rows(&run.stdout);
    assert_eq!(
        rows,
        vec![("Read settings".into(), "failed".into(), "-".into())],
        "the run stops at the failed step"
    );
    assert!(run.stdout.contains("FAILED"), "{}", run.stdout);
    assert_eq!(
        ws.probe("rosa.exists(\"namespace\", \"\", \"after\")"),
        "false"
    );
}

#[test]
fn an_unknown_kind_is_named() {
    let ws = Workspace::new();
    ws.write(
        "get.rhai",
        "let rosa = cluster(\"rosa\");\nstep(\"Get widget\", || { rosa.get(\"widget\", \"demo\", \"x\"); });\n",
    );
    let run = ws.sim("get.rhai", &[]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("no kind \"widget\" on cluster rosa"),
        "{}",
        run.stderr
    );

    ws.write(
        "apply.rhai",
        "let rosa = cluster(\"rosa\");\nstep(\"Apply widget\", || { rosa.apply(\"apiVersion: example.com/v1\\nkind: Widget\\nmetadata:\\n  name: w\\n  namespace: default\\n\"); });\n",
    );
    let run = ws.sim("apply.rhai", &[]);
    run.assert_code(1);
    assert!(run.stderr.contains("Widget"), "{}", run.stderr);
    assert!(run.stderr.contains("example.com"), "{}", run.stderr);
}

#[test]
fn a_missing_context_fails_before_anything_is_touched() {
    let ws = Workspace::new();
    ws.write(
        "nope.rhai",
        "let rosa = cluster(\"rosa\");\nstep(\"Create project\", || { rosa.project(\"touched\"); });\nlet n = cluster(\"nope\");\nn.project(\"x\");\n",
    );
    let run = ws.sim("nope.rhai", &[]);
    run.assert_code(2);
    let err = &run.stderr;
    assert!(err.contains("no context \"nope\""), "{err}");
    assert!(err.contains("available: aro, rog, rosa"), "{err}");
    assert!(err.contains("--context"), "{err}");
    assert!(err.contains("--sim"), "{err}");
    assert!(
        !run.stdout.contains("Create project"),
        "no step ran: {}",
        run.stdout
    );
    assert_eq!(
        ws.probe("rosa.exists(\"namespace\", \"\", \"touched\")"),
        "false",
        "the step before cluster(\"nope\") must not have run"
    );
}

#[test]
fn a_syntax_error_shows_file_line_col_and_a_caret() {
    let ws = Workspace::new();
    ws.write("syn.rhai", "let rosa = cluster(\"rosa\");\nlet x = ;\n");
    for run in [ws.sim("syn.rhai", &[]), ws.fedrun(&["check", "syn.rhai"])] {
        run.assert_code(1);
        let err = &run.stderr;
        assert!(err.contains("syntax error"), "{err}");
        assert!(err.contains("syn.rhai:2:9"), "{err}");
        let lines: Vec<&str> = err.lines().collect();
        let source = lines
            .iter()
            .position(|l| l.ends_with("| let x = ;"))
            .unwrap_or_else(|| panic!("the source line is quoted: {err}"));
        let quoted = lines[source];
        let caret = lines[source + 1];
        let text_start = quoted.find("| ").unwrap() + 2;
        assert_eq!(
            caret.find('^'),
            Some(text_start + 8),
            "the caret points at column 9:\n{quoted}\n{caret}"
        );
        assert!(!run.stdout.contains("step:"), "nothing ran");
    }
}

#[test]
fn an_endless_loop_stops_at_the_sandbox_limit() {
    let ws = Workspace::new();
    ws.write("loop.rhai", "let i = 0;\nloop { i += 1; }\n");
    let run = ws.sim("loop.rhai", &[]);
    run.assert_code(1);
    let err = &run.stderr;
    assert!(err.contains("sandbox limit"), "{err}");
    assert!(err.contains("operations"), "names the limit: {err}");
    assert!(err.contains("loop.rhai:2:"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// check and docs

#[test]
fn check_reports_unknown_functions_and_passes_good_playbooks() {
    let ws = deploy_workspace();
    ws.write("unknown.rhai", "let x = 1;\nfoo_bar(x);\n");

    let run = ws.fedrun(&["check", "unknown.rhai"]);
    assert_ne!(run.code, Some(0), "{}", run.all());
    assert!(
        run.stderr.contains("unknown function `foo_bar`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown.rhai:2:1"), "{}", run.stderr);

    let run = ws.fedrun(&["check", "playbooks/deploy.rhai"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("playbooks/deploy.rhai: ok"),
        "{}",
        run.stdout
    );

    // Several at once: the good one is reported ok, the run fails for the bad one.
    let run = ws.fedrun(&["check", "playbooks/deploy.rhai", "unknown.rhai"]);
    assert_ne!(run.code, Some(0));
    assert!(run.stdout.contains("playbooks/deploy.rhai: ok"));
    assert!(run.stderr.contains("unknown.rhai:2:1"));
    // check never starts a simulator or touches a cluster.
    assert!(!ws.state().exists());
    assert!(!ws.path(".local").exists());
}

#[test]
fn docs_list_the_primitives_and_filter_by_name() {
    let ws = Workspace::new();
    let all = ws.fedrun(&["docs"]);
    all.assert_code(0);
    let out = &all.stdout;
    for (signature, doc) in [
        (
            "cluster(name: String) -> Cluster",
            "The cluster a playbook calls `name`",
        ),
        (
            "cluster.apply(source: String) -> Array",
            "server-side apply",
        ),
        (
            "cluster.wait(target: String, namespace: String, condition: String, timeout: String)",
            "on timeout the error shows what was last seen",
        ),
    ] {
        let at = out
            .find(signature)
            .unwrap_or_else(|| panic!("{signature} is listed:\n{out}"));
        let entry: String = out[at..].lines().take(6).collect::<Vec<_>>().join("\n");
        assert!(
            entry.contains(doc),
            "{signature} has its doc text:\n{entry}"
        );
    }

    let apply = ws.fedrun(&["docs", "apply"]);
    apply.assert_code(0);
    assert!(
        apply
            .stdout
            .contains("cluster.apply(source: String) -> Array")
    );
    assert!(
        apply
            .stdout
            .contains("cluster.apply(source: String, opts: Map)")
    );
    assert!(
        apply.stdout.contains("`${NAME}` placeholders"),
        "{}",
        apply.stdout
    );
    for other in ["cluster.wait", "cluster(name", "cluster.get", "jsonpath("] {
        assert!(
            !apply.stdout.contains(other),
            "only apply: {}",
            apply.stdout
        );
    }

    let unknown = ws.fedrun(&["docs", "no_such_function"]);
    unknown.assert_code(2);
    assert!(
        unknown.stderr.contains("no_such_function"),
        "{}",
        unknown.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Usage errors and output

#[test]
fn bad_usage_exits_2_with_a_clear_message_and_touches_nothing() {
    let ws = Workspace::new();
    ws.write("ok.rhai", "print(\"ran\");\n");
    let cases: [(&[&str], &[&str]); 5] = [
        (&["--set", "novalue"], &["--set", "novalue", "KEY=VALUE"]),
        (&["--set", "=v"], &["--set", "KEY=VALUE"]),
        (&["--context", "rosa"], &["--context", "KEY=VALUE"]),
        (&["--timeout", "5x"], &["--timeout", "5x"]),
        (&["--output", "yaml"], &["--output", "yaml", "text", "json"]),
    ];
    for (args, words) in cases {
        let run = ws.sim("ok.rhai", args);
        run.assert_code(2);
        for word in words {
            assert!(
                run.stderr.contains(word),
                "{args:?}: {word:?} in {}",
                run.stderr
            );
        }
        assert!(!run.stdout.contains("ran"), "{args:?} ran the playbook");
    }
    let run = ws.sim("missing.rhai", &[]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("missing.rhai does not exist"),
        "{}",
        run.stderr
    );
    let run = ws.fedrun(&["--sim", "--nonsense", "ok.rhai"]);
    run.assert_code(2);
    assert!(run.stderr.contains("--nonsense"), "{}", run.stderr);
    let run = ws.fedrun(&[]);
    run.assert_code(2);
    assert!(run.stderr.contains("no playbook"), "{}", run.stderr);
    assert!(
        !ws.state().exists(),
        "usage errors are found before the simulator starts"
    );
}

#[test]
fn no_color_and_piped_output_contain_no_escape_codes() {
    let ws = deploy_workspace();
    ws.write(
        "fail.rhai",
        "let rosa = cluster(\"rosa\");\nstep(\"Boom\", || { rosa.get(\"configmap\", \"default\", \"missing\"); });\n",
    );
    let state = ws.state();
    let state = state.to_str().unwrap();
    for env in [
        &[("NO_COLOR", "1")][..],
        &[][..],
        &[("TERM", "xterm-256color")][..],
    ] {
        for args in [
            &["--sim", "--state", state, "playbooks/deploy.rhai"][..],
            &["--sim", "--state", state, "-v", "playbooks/deploy.rhai"][..],
            &["--sim", "--state", state, "fail.rhai"][..],
            &["--sim", "--state", state, "--output", "json", "fail.rhai"][..],
            &["check", "fail.rhai", "nope.rhai"][..],
            &["docs"][..],
        ] {
            let mut cmd = ws.command(args);
            cmd.env_remove("NO_COLOR");
            for (k, v) in env {
                cmd.env(k, v);
            }
            let out = cmd.output().expect("fedrun runs");
            for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
                assert!(
                    !bytes.contains(&0x1b),
                    "{args:?} with {env:?}: escape codes on {stream}:\n{}",
                    String::from_utf8_lossy(bytes)
                );
            }
            assert!(!out.stdout.is_empty() || !out.stderr.is_empty());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C

#[test]
fn ctrl_c_stops_the_waiting_step_names_it_and_keeps_what_was_applied() {
    interrupt_stops_the_waiting_step("-INT");
}

#[test]
fn sigterm_stops_the_run_and_prints_the_summary_like_ctrl_c() {
    interrupt_stops_the_waiting_step("-TERM");
}

/// Runs a playbook that waits forever, sends `signal` (`-INT` as a terminal's Ctrl-C, `-TERM`
/// as a cancelled CI job), and checks the run stops at once, names the step, prints the summary,
/// and keeps what it applied.
fn interrupt_stops_the_waiting_step(signal: &str) {
    let ws = deploy_workspace();
    let mut playbook = DEPLOY.to_string();
    playbook.push_str(
        "if var_or(\"hang\", \"no\") == \"yes\" {\n    step(\"Wait forever\", || { rosa.wait(\"configmap/never\", \"demo\", \"condition=Ready\", \"60s\"); });\n}\n",
    );
    ws.write("playbooks/deploy.rhai", &playbook);
    let state = ws.state();
    let mut child = ws
        .command(&[
            "--sim",
            "--state",
            state.to_str().unwrap(),
            "--set",
            "hang=yes",
            "playbooks/deploy.rhai",
        ])
        .env("NO_COLOR", "1")
        .spawn()
        .expect("fedrun starts");
    let output = Arc::new(Mutex::new(String::new()));
    let (waiting_tx, waiting_rx) = std::sync::mpsc::channel();
    let readers: Vec<_> = [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .into_iter()
    .map(|stream| {
        let output = output.clone();
        let waiting_tx = waiting_tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                if line.contains("step: Wait forever") {
                    let _ = waiting_tx.send(());
                }
                let mut all = output.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        })
    })
    .collect();
    if waiting_rx.recv_timeout(Duration::from_secs(20)).is_err() {
        let _ = child.kill();
        panic!("the wait step never started:\n{}", output.lock().unwrap());
    }
    // Let the watch get going, then interrupt.
    std::thread::sleep(Duration::from_millis(1000));
    let interrupted_at = Instant::now();
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        // The wait's own timeout is 60 s: still running near it means the signal was ignored.
        if interrupted_at.elapsed() > Duration::from_secs(50) {
            let _ = child.kill();
            panic!(
                "still running 50 s after the signal:\n{}",
                output.lock().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for reader in readers {
        reader.join().unwrap();
    }
    let all = output.lock().unwrap().clone();
    assert_eq!(
        exit.code(),
        Some(1),
        "an interrupted run fails, and fedrun (not the signal) ends it: {all}"
    );
    assert!(
        all.contains("interrupted (Ctrl-C) during step \"Wait forever\""),
        "names the interrupted step:\n{all}"
    );
    assert!(
        all.lines()
            .any(|l| l.starts_with("Wait forever") && l.contains("interrupted")),
        "the summary marks it:\n{all}"
    );

    // Everything applied before is intact, and re-running converges.
    let again = ws.sim("playbooks/deploy.rhai", &["--output", "json"]);
    again.assert_code(0);
    let summary: Value = serde_json::from_str(again.stdout.trim()).unwrap();
    assert_eq!(summary["changed"], 0, "{summary}");
    assert_eq!(summary["unchanged"], 4, "{summary}");
    assert!(again.stderr.contains("greeting=hello"), "{}", again.stderr);
}

#[test]
fn a_field_the_cluster_refuses_is_named_at_its_manifest_line_and_not_retried() {
    let ws = Workspace::new();
    ws.write(
        "manifests/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: default\ndata:\n  a: b\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n        imagePullPolicey: Always\n",
    );
    ws.write(
        "app.rhai",
        "let rosa = cluster(\"rosa\");\nstep(\"Apply app\", || { rosa.apply(\"manifests/app.yaml\"); });\n",
    );
    let run = ws.sim("app.rhai", &[]);
    run.assert_code(1);
    // The typo's own line and column, with the server's words.
    assert!(
        run.stderr.contains(
            "manifests/app.yaml:22:9: cluster rosa: failed to create typed patch object \
             (default/web; apps/v1, Kind=Deployment): \
             .spec.template.spec.containers[name=\"web\"].imagePullPolicey: field not declared \
             in schema"
        ),
        "{}",
        run.stderr
    );
    // A refusal is not a transient failure: no retries, no "did not answer".
    assert!(!run.stderr.contains("did not answer"), "{}", run.stderr);
}

#[test]
fn a_control_plane_takes_any_typed_spec_field_and_refuses_a_typo_before_writing() {
    let ws = Workspace::new();
    ws.write(
        "mesh.rhai",
        "let rosa = cluster(\"rosa\");\nmesh::operators(rosa);\nlet m = mesh::control_plane(rosa, \"basic\", #{ spec: #{ tracing: #{ sampling: 250 } } });\nprint(\"sampling=\" + rosa.get(\"smcp\", \"basic\", \"basic\").spec.tracing.sampling);\n",
    );
    let run = ws.sim("mesh.rhai", &[]);
    run.assert_code(0);
    assert!(run.stdout.contains("sampling=250"), "{}", run.all());

    ws.write(
        "typo.rhai",
        "let rosa = cluster(\"rosa\");\nmesh::control_plane(rosa, \"typo\", #{ spec: #{ tracing: #{ samplng: 5 } } });\n",
    );
    let run = ws.sim("typo.rhai", &[]);
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "option `spec`: spec.tracing.samplng: ServiceMeshControlPlane v2 has no such field"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        ws.probe("rosa.exists(\"namespace\", \"\", \"typo\")"),
        "false",
        "nothing written"
    );
}
