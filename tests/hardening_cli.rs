//! The command line keeps what it promises under careless use: `sim reset` deletes only
//! simulator state, state directories are private, a playbook with a misspelled function writes
//! nothing, a closed pipe ends a command quietly, and completions and the manual page come from
//! the real flags.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

mod common;
use common::{fedrun, fedrun_command, text};

#[test]
fn sim_reset_refuses_a_directory_that_is_not_simulator_state() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join(".bashrc"), "keep me").unwrap();
    std::fs::create_dir(home.path().join("clusters")).unwrap();
    std::fs::write(home.path().join("clusters").join("prod.json"), "{}").unwrap();
    let out = fedrun(&["sim", "reset", "--state", home.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("is not a fedrun simulator state directory"),
        "{}",
        text(&out)
    );
    assert!(home.path().join(".bashrc").exists());
    assert!(home.path().join("clusters").join("prod.json").exists());
}

#[test]
fn state_directories_are_private_and_reset_leaves_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let pb = dir.path().join("ns.rhai");
    std::fs::write(&pb, "cluster(\"rosa\").project(\"demo\");\n").unwrap();
    let s = state.to_str().unwrap();
    let out = fedrun(&["--sim", "--state", s, pb.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    for d in [state.clone(), state.join("clusters")] {
        let mode = std::fs::metadata(&d).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{}", d.display());
    }
    std::fs::write(state.join("my-notes.txt"), "mine").unwrap();
    let out = fedrun(&["sim", "reset", "--state", s]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!state.join("clusters").exists() && !state.join("kubeconfig").exists());
    assert!(
        state.join("my-notes.txt").exists(),
        "a file the simulator did not write stays"
    );
}

#[test]
fn a_misspelled_function_is_found_before_anything_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    let pb = dir.path().join("typo.rhai");
    std::fs::write(
        &pb,
        "let rosa = cluster(\"rosa\");\nstep(\"Create\", || rosa.project(\"first\"));\nstep(\"Typo\", || peer::conect(1, 2));\n",
    )
    .unwrap();
    let out = fedrun(&["--sim", "--state", s, pb.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("typo.rhai:3:"), "file:line:col:\n{all}");
    assert!(all.contains("nothing was applied"), "{all}");
    assert!(!all.contains("step: Create"), "no step ran:\n{all}");
    let check = dir.path().join("check.rhai");
    std::fs::write(
        &check,
        "print(cluster(\"rosa\").exists(\"namespace\", \"\", \"first\"));\n",
    )
    .unwrap();
    let out = fedrun(&["--sim", "--state", s, check.to_str().unwrap()]);
    assert!(
        text(&out).contains("false"),
        "the first step did not run:\n{}",
        text(&out)
    );
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = fedrun_command(&["repl", "--sim", "--state"])
        .arg(dir.path().join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fedrun starts");
    // Read a little, then close our end, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut first = [0u8; 16];
    stdin.write_all(b":help\n").unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let _ = stdin.write_all(":help\n".repeat(200).as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

#[test]
fn completions_and_the_manual_come_from_the_real_flags() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef fedrun"),
        ("fish", "complete -c fedrun"),
    ] {
        let out = fedrun(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.contains(marker), "{shell}:\n{script}");
        for flag in ["sim", "kubeconfig", "context"] {
            assert!(script.contains(flag), "{shell} completes --{flag}");
        }
    }
    let out = fedrun(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
    let out = fedrun(&["man"]);
    assert!(out.status.success(), "{}", text(&out));
    let page = String::from_utf8_lossy(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH fedrun 1"),
        "{page}"
    );
    assert!(
        page.contains("completions") && page.contains("sim"),
        "subcommands listed"
    );
}

#[test]
fn a_write_reported_as_applied_survives_kill_9_of_an_in_process_run() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    let pb = dir.path().join("write.rhai");
    std::fs::write(
        &pb,
        "let rosa = cluster(\"rosa\");\nstep(\"Write\", || rosa.apply(\"apiVersion: v1\\nkind: ConfigMap\\nmetadata: {name: durable, namespace: default}\\ndata: {k: v}\\n\"));\nstep(\"Wait\", || sleep(\"60s\"));\n",
    )
    .unwrap();
    let mut child = fedrun_command(&["--sim", "-v", "--state", s, pb.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("fedrun starts");
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut seen = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        let reported = line.contains("ConfigMap/durable") || line.contains("ok: Write");
        seen.push(line);
        if reported {
            // At once: no time for a background save.
            child.kill().unwrap();
            break;
        }
    }
    child.wait().unwrap();
    assert!(
        seen.iter()
            .any(|l| l.contains("durable") || l.contains("ok: Write")),
        "{seen:#?}"
    );
    let check = dir.path().join("check.rhai");
    std::fs::write(
        &check,
        "print(cluster(\"rosa\").exists(\"configmap\", \"default\", \"durable\"));\n",
    )
    .unwrap();
    let out = fedrun(&["--sim", "--state", s, check.to_str().unwrap()]);
    assert!(
        text(&out).contains("true"),
        "the write survived:\n{}",
        text(&out)
    );
}

#[test]
fn env_reads_a_variable_only_when_the_user_allows_it_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("env.rhai");
    std::fs::write(&pb, "print(`region=${env(\"MY_REGION\")}`);\n").unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["--sim", "--state", s];
        args.extend_from_slice(extra);
        args.push(pb.to_str().unwrap());
        fedrun_command(&args)
            .env("MY_REGION", "eu-west-1")
            .output()
            .expect("fedrun runs")
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        text(&refused).contains("--env MY_REGION"),
        "the hint names the flag:\n{}",
        text(&refused)
    );
    assert!(!text(&refused).contains("eu-west-1"), "{}", text(&refused));
    let allowed = run(&["--env", "MY_REGION"]);
    assert!(allowed.status.success(), "{}", text(&allowed));
    assert!(
        text(&allowed).contains("region=eu-west-1"),
        "{}",
        text(&allowed)
    );
    let bad = run(&["--env", "A=B"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

#[test]
fn a_fifo_given_as_a_manifest_or_file_is_refused_not_read_for_ever() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let state = dir.path().join("state");
    for (name, call) in [
        ("apply.rhai", "cluster(\"rosa\").apply(\"pipe.yaml\");"),
        ("read.rhai", "print(read_file(\"pipe.yaml\"));"),
    ] {
        let pb = dir.path().join(name);
        std::fs::write(&pb, format!("{call}\n")).unwrap();
        let mut child = fedrun_command(&[
            "--sim",
            "--state",
            state.to_str().unwrap(),
            pb.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        // A reader stuck on the FIFO never ends: give it far longer than a refusal takes.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("{name}: still reading the FIFO");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        assert!(
            text(&out).contains("not a regular file"),
            "{name}: {}",
            text(&out)
        );
    }
}

#[test]
fn a_set_key_the_playbook_never_reads_is_refused_before_anything_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("split.rhai");
    std::fs::write(
        &pb,
        "let w = parse_int(vars.west_weight ?? \"80\");\ncluster(\"rosa\").project(\"demo\");\nprint(`west=${w}`);\n",
    )
    .unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    let out = fedrun(&[
        "--sim",
        "--state",
        s,
        "--set",
        "west_wieght=30",
        pb.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("--set west_wieght not read") && all.contains("west_weight"),
        "{all}"
    );
    assert!(
        !all.contains("step:") && !all.contains("west="),
        "nothing ran:\n{all}"
    );
    let out = fedrun(&[
        "--sim",
        "--state",
        s,
        "--set",
        "west_weight=30",
        pb.to_str().unwrap(),
    ]);
    assert!(text(&out).contains("west=30"), "{}", text(&out));
}

#[test]
fn docs_cover_the_stdlib_modules() {
    for (name, expected) in [
        ("ossm", "ossm::mesh(cluster, name, members, peers)"),
        (
            "federation",
            "federation::federate(consumer, provider, exports, imports)",
        ),
        ("federation::report", "federation::report(a, b)"),
    ] {
        let out = fedrun(&["docs", name]);
        assert!(out.status.success(), "{name}: {}", text(&out));
        let all = text(&out);
        assert!(all.contains(expected), "{name}:\n{all}");
        assert!(
            !all.contains("anon$") && !all.contains("(undocumented)"),
            "{name}:\n{all}"
        );
    }
}

#[test]
fn a_missing_context_is_a_usage_error_whether_its_name_is_literal_or_computed() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let s = state.to_str().unwrap();
    for (name, body) in [
        ("literal.rhai", "cluster(\"nope\").project(\"x\");\n"),
        (
            "computed.rhai",
            "let n = \"no\" + \"pe\";\ncluster(n).project(\"x\");\n",
        ),
    ] {
        let pb = dir.path().join(name);
        std::fs::write(&pb, body).unwrap();
        let out = fedrun(&["--sim", "--state", s, pb.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        assert!(
            text(&out).contains("no context \"nope\""),
            "{name}: {}",
            text(&out)
        );
    }
}
