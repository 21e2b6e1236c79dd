//! Secrets never appear in fedrun's output: no bearer token of the simulated clusters and no
//! private key, whatever the command, the outcome, the output format or the verbosity.

mod common;

use common::SecretScan;
use std::path::{Path, PathBuf};

/// Every bearer token in a kubeconfig.
fn tokens(kubeconfig: &Path) -> Vec<String> {
    let tokens = SecretScan::of_kubeconfig(kubeconfig).tokens;
    assert!(!tokens.is_empty(), "the kubeconfig has tokens");
    tokens
}

/// Fails if `text` (the output of `what`) holds a token, a piece of one, or a private key (the
/// check shared by every test file: `common::SecretScan`).
#[track_caller]
fn assert_no_secrets(what: &str, text: &str, tokens: &[String]) {
    SecretScan {
        tokens: tokens.to_vec(),
    }
    .check(what, text);
}

struct Output {
    code: Option<i32>,
    text: String,
}

fn fedrun(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = common::fedrun_command(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .expect("fedrun runs");
    Output {
        code: out.status.code(),
        text: format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// `fedrun sim serve` with the two clusters the runs use.
fn serve(state: &Path) -> common::Served {
    common::serve(state, &["--clusters", "rosa:aws,aro:azure"])
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    std::fs::create_dir_all(root.join("manifests")).unwrap();
    std::fs::write(
        root.join("manifests/app.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app-secret\nstringData:\n  password: ${PASSWORD}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("ok.rhai"),
        r#"let rosa = cluster("rosa");
let aro = cluster("aro");
step("Projects", || { rosa.project("demo"); aro.project("demo"); });
step("Apply", || { rosa.apply("manifests/app.yaml", #{ namespace: "demo", vars: #{ PASSWORD: "hunter2-not-a-token" } }); });
let cm = rosa.get("configmap", "demo", "app");
print("server=" + rosa.server + " context=" + rosa.context);
print(cm);
debug(aro.list("namespace", ""));
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("fail.rhai"),
        r#"let rosa = cluster("rosa");
step("Wait for nothing", || { rosa.wait("configmap/nope", "demo", "condition=Ready", "1s"); });
"#,
    )
    .unwrap();
    std::fs::write(
        root.join("missing-context.rhai"),
        "let x = cluster(\"nope\");\n",
    )
    .unwrap();
    (dir, root)
}

#[test]
fn no_command_prints_a_token_or_a_private_key() {
    let (_dir, root) = workspace();
    let state = root.join("state");
    let state_arg = state.to_str().unwrap().to_string();
    let served = serve(&state);
    let kubeconfig = state.join("kubeconfig");
    let tokens = tokens(&kubeconfig);
    assert_eq!(tokens.len(), 2);

    let kc = kubeconfig.to_str().unwrap();
    let st = state_arg.as_str();
    let trace = [("FEDRUN_LOG", "trace")];
    // (arguments, environment, expected exit code)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], i32);
    let runs: [Case; 10] = [
        (&["--sim", "--state", st, "ok.rhai"], &[], 0),
        (&["--sim", "--state", st, "-v", "ok.rhai"], &[], 0),
        (
            &["--sim", "--state", st, "--output", "json", "ok.rhai"],
            &[],
            0,
        ),
        (
            &[
                "--sim",
                "--state",
                st,
                "-v",
                "--output",
                "json",
                "fail.rhai",
            ],
            &[],
            1,
        ),
        (&["--sim", "--state", st, "fail.rhai"], &[], 1),
        (&["--sim", "--state", st, "missing-context.rhai"], &[], 2),
        // The most verbose logging there is, of every crate (kube-rs, hyper, rustls included).
        (&["--sim", "--state", st, "-v", "ok.rhai"], &trace, 0),
        (&["--kubeconfig", kc, "-v", "ok.rhai"], &[], 0),
        (&["sim", "status", "--state", st], &[], 0),
        (&["sim", "reset", "--state", st], &[], 1),
    ];
    for (args, env, code) in runs {
        let out = fedrun(&root, args, env);
        assert_eq!(out.code, Some(code), "{args:?}:\n{}", out.text);
        assert_no_secrets(&format!("fedrun {args:?}"), &out.text, &tokens);
    }
    // The runs went through the served clusters, whose tokens are the ones checked.
    assert_eq!(
        tokens,
        self::tokens(&kubeconfig),
        "the server kept its tokens"
    );
    let status = fedrun(&root, &["sim", "status", "--state", &state_arg], &[]);
    assert!(status.text.contains("server: running"), "{}", status.text);

    let printed = served.stop();
    assert!(printed.contains("kubeconfig: "), "{printed}");
    assert!(printed.contains("stopping; saving state"), "{printed}");
    assert_no_secrets("fedrun sim serve", &printed, &tokens);
    let status = fedrun(&root, &["sim", "status", "--state", &state_arg], &[]);
    assert!(
        status.text.contains("server: not running"),
        "{}",
        status.text
    );
    assert_no_secrets("fedrun sim status", &status.text, &tokens);
}

#[test]
fn the_in_process_simulator_and_credential_errors_print_no_token() {
    let (_dir, root) = workspace();
    let state = root.join("state");
    let state_arg = state.to_str().unwrap().to_string();
    // `--sim` without a server: the simulator runs inside the fedrun process.
    for (playbook, code) in [("ok.rhai", 0), ("fail.rhai", 1)] {
        let out = fedrun(
            &root,
            &["-v", "--sim", "--state", &state_arg, playbook],
            &[],
        );
        assert_eq!(out.code, Some(code), "{}", out.text);
        assert!(out.text.contains("in-process"), "{}", out.text);
        // Each in-process start writes the kubeconfig with that run's tokens.
        let tokens = tokens(&state.join("kubeconfig"));
        assert_no_secrets(playbook, &out.text, &tokens);
    }

    // A kubeconfig whose tokens the server rejects: the 401 report must not echo them.
    let served = serve(&state);
    let real = tokens(&state.join("kubeconfig"));
    let text = std::fs::read_to_string(state.join("kubeconfig")).unwrap();
    let wrong: Vec<String> = real
        .iter()
        .enumerate()
        .map(|(i, _)| format!("wrong-token-{i}-abcdefghijklmnopqrstuvwxyz0123456789"))
        .collect();
    let mut bad = text.clone();
    for (real, wrong) in real.iter().zip(&wrong) {
        bad = bad.replace(real.as_str(), wrong);
    }
    let bad_path = root.join("bad-kubeconfig");
    std::fs::write(&bad_path, &bad).unwrap();
    let out = fedrun(
        &root,
        &["-v", "--kubeconfig", bad_path.to_str().unwrap(), "ok.rhai"],
        &[],
    );
    assert_eq!(out.code, Some(1), "{}", out.text);
    assert!(out.text.contains("401"), "{}", out.text);
    let mut all_tokens = real.clone();
    all_tokens.extend(wrong.iter().cloned());
    assert_no_secrets("a run with rejected tokens", &out.text, &all_tokens);

    // A kubeconfig broken right after a token: the parse error must not quote the file.
    let broken = text.replacen(
        &format!("token: {}", real[0]),
        &format!("token: {}\n   : : [", real[0]),
        1,
    );
    let broken_path = root.join("broken-kubeconfig");
    std::fs::write(&broken_path, broken).unwrap();
    let out = fedrun(
        &root,
        &["--kubeconfig", broken_path.to_str().unwrap(), "ok.rhai"],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.text);
    assert!(out.text.contains("broken-kubeconfig"), "{}", out.text);
    assert_no_secrets("a run with a broken kubeconfig", &out.text, &real);
    drop(served);
}
