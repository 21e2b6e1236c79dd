//! `fedrun repl` driven through a pseudo-terminal, as a user types: the real binary, real
//! line editing, real Ctrl-C. Each test waits for the text it needs (never a blind sleep) and
//! gives up after a few seconds.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::{PtyStream, UnixProcess};
use expectrl::{ControlCode, Eof, Expect, Regex, Session};

type Repl = Session<UnixProcess, PtyStream>;

/// A fresh prompt, as opposed to the editor redrawing the line (with the prompt) as keys are
/// typed: each `readline` first turns bracketed paste on.
const FRESH_PROMPT: &str = r"\x1b\[\?2004h[^\n]*?fedrun\[sim\]> ";
const CONTINUATION: &str = "...> ";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_fedrun")
}

/// A REPL on simulated clusters whose state and history live in `dir`.
fn repl(dir: &Path) -> Repl {
    let mut cmd = Command::new(bin());
    cmd.args(["repl", "--sim", "--state"])
        .arg(dir.join("state"))
        .env("NO_COLOR", "1")
        .env("FEDRUN_HISTORY", dir.join("history"))
        .env_remove("FEDRUN_STATE")
        .current_dir(dir);
    let mut session = Session::spawn(cmd).expect("spawn fedrun repl");
    session.set_expect_timeout(Some(Duration::from_secs(10)));
    session.expect(Regex(FRESH_PROMPT)).expect("first prompt");
    session
}

/// Sends a line and returns everything printed until the next prompt, without `\r`.
fn run(s: &mut Repl, line: &str) -> String {
    s.send_line(line).expect("send");
    let found = s.expect(Regex(FRESH_PROMPT)).expect("prompt after input");
    String::from_utf8_lossy(found.before()).replace('\r', "")
}

fn quit(mut s: Repl) {
    s.send_line(":quit").expect("send :quit");
    s.expect(Eof).expect("the REPL exits");
}

#[test]
fn variables_and_imports_live_on_to_later_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let x = 41;");
    assert!(run(&mut s, "x + 1").contains("\n42\n"));
    // Imports persist too.
    run(&mut s, "import \"fedrun\" as f;");
    assert!(run(&mut s, "f::or_default((), 40 + 2)").contains("\n42\n"));
    quit(s);
}

#[test]
fn a_function_can_span_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    s.send_line("fn double(a) {").expect("send");
    s.expect(CONTINUATION).expect("continuation prompt");
    s.send_line("  a * 2").expect("send");
    s.expect(CONTINUATION).expect("continuation prompt");
    run(&mut s, "}");
    assert!(run(&mut s, "double(21)").contains("\n42\n"));
    quit(s);
}

#[test]
fn tab_completes_module_members_and_context_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    s.send("peer::").expect("send");
    s.send(ControlCode::HorizontalTabulation).expect("tab");
    s.expect("peer::wait_connected")
        .expect("peer:: members listed");
    s.send(ControlCode::EndOfText)
        .expect("ctrl-c clears the line");
    s.expect(Regex(FRESH_PROMPT)).expect("prompt after ctrl-c");

    // `ros` has one match (the simulator has rosa, aro and rog): it is completed in place.
    s.send("let c = cluster(\"ros").expect("send");
    s.send(ControlCode::HorizontalTabulation).expect("tab");
    s.expect("cluster(\"rosa").expect("context name completed");
    let out = run(&mut s, "\");");
    assert!(!out.contains("error"), "{out}");
    assert!(run(&mut s, "c.name + \"!\"").contains("rosa!"));
    quit(s);
}

#[test]
fn help_for_a_name_is_the_docs_text() {
    let docs = Command::new(bin())
        .args(["docs", "peer::connect"])
        .output()
        .expect("fedrun docs");
    let docs = String::from_utf8_lossy(&docs.stdout).trim_end().to_string();
    assert!(docs.contains("peer::connect("), "{docs}");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    let out = run(&mut s, ":help peer::connect");
    assert!(out.contains(&docs), "REPL:\n{out}\ndocs:\n{docs}");
    quit(s);
}

#[test]
fn an_error_shows_a_caret_and_keeps_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let kept = 6;");
    let out = run(&mut s, "let y = kept +;");
    assert!(out.contains("syntax error"), "{out}");
    assert!(out.contains("^"), "{out}");
    let out = run(&mut s, "no_such_function(1)");
    assert!(out.contains("unknown function"), "{out}");
    assert!(run(&mut s, "kept * 7").contains("\n42\n"));
    quit(s);
}

#[test]
fn ctrl_c_stops_a_long_sleep_and_keeps_the_session() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let kept = 21;");
    s.send_line("print(\"slee\" + \"ping\"); sleep(\"30s\");")
        .expect("send");
    s.expect("sleeping").expect("the sleep started");
    s.send(ControlCode::EndOfText).expect("ctrl-c");
    // Back at the prompt, well before the 30 s sleep could have ended, because it was interrupted.
    let found = s.expect(Regex(FRESH_PROMPT)).expect("back at the prompt");
    let out = String::from_utf8_lossy(found.before()).to_string();
    assert!(out.contains("interrupted"), "{out}");
    assert!(run(&mut s, "kept * 2").contains("\n42\n"));
    quit(s);
}

#[test]
fn ctrl_c_stops_a_wait_on_the_simulator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let rosa = cluster(\"rosa\");");
    s.send_line("print(\"wait\" + \"ing\"); rosa.wait(\"configmap/never\", \"default\", \"condition=Ready\", \"60s\");")
        .expect("send");
    s.expect("waiting").expect("the wait started");
    s.send(ControlCode::EndOfText).expect("ctrl-c");
    let found = s.expect(Regex(FRESH_PROMPT)).expect("back at the prompt");
    let out = String::from_utf8_lossy(found.before()).to_string();
    assert!(out.contains("interrupted"), "{out}");
    assert!(run(&mut s, "rosa.name + \"?\"").contains("rosa?"));
    quit(s);
}

#[test]
fn history_persists_across_sessions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let remembered = 40 + 2;");
    // Ctrl-D leaves too.
    s.send(ControlCode::EndOfTransmission).expect("ctrl-d");
    s.expect(Eof).expect("the REPL exits");
    let text = std::fs::read_to_string(dir.path().join("history")).expect("history file");
    assert!(text.contains("let remembered = 40 + 2;"), "{text}");

    let mut s = repl(dir.path());
    // Up arrow brings back the previous session's line; Enter runs it.
    s.send("\x1b[A").expect("up");
    s.expect("remembered = 40 + 2").expect("recalled");
    run(&mut s, "");
    assert!(run(&mut s, "remembered - 1").contains("\n41\n"));
    quit(s);
}

#[test]
fn exploring_the_simulator_then_saving_a_playbook_that_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let rosa = cluster(\"rosa\");");
    // After a handle, Tab offers the methods of its type.
    s.send("rosa.proj").expect("send");
    s.send(ControlCode::HorizontalTabulation).expect("tab");
    s.expect("rosa.project").expect("method completed");
    run(&mut s, "(\"demo\");");
    let out = run(
        &mut s,
        "\"ns=\" + rosa.get(\"namespace\", \"\", \"demo\").metadata.name",
    );
    assert!(out.contains("ns=demo"), "{out}");
    // A map prints as YAML.
    let out = run(&mut s, "rosa.get(\"namespace\", \"\", \"demo\")");
    assert!(out.contains("kind: Namespace"), "{out}");
    assert!(!out.contains("managedFields"), "{out}");
    // With a default cluster, no handle is needed.
    run(&mut s, ":use rosa");
    let out = run(&mut s, "get(\"namespace\", \"\", \"demo\").kind + \"!\"");
    assert!(out.contains("Namespace!"), "{out}");
    // The issue's short federation exploration: cluster → mesh → cert::root → its subject.
    run(&mut s, "mesh::operators(rosa);");
    run(
        &mut s,
        "let m = mesh::control_plane(rosa, \"demo-mesh\", #{});",
    );
    let out = run(&mut s, "cert::root(m)");
    assert!(
        out.contains("O=demo-mesh.local"),
        "a certificate prints as a summary: {out}"
    );
    let out = run(&mut s, "cert::root(m).subject");
    assert!(out.contains("O=demo-mesh.local"), "{out}");
    run(
        &mut s,
        "let broken = rosa.get(\"namespace\", \"\", \"missing\");",
    );
    let out = run(&mut s, ":save explored.rhai");
    assert!(out.contains("fedrun check: ok"), "{out}");
    quit(s);

    let saved = dir.path().join("explored.rhai");
    let text = std::fs::read_to_string(&saved).expect("saved playbook");
    assert!(
        text.contains("cluster(\"rosa\").get(\"namespace\""),
        "{text}"
    );
    assert!(
        !text.contains("missing"),
        "failed inputs are not saved:\n{text}"
    );
    let check = Command::new(bin())
        .arg("check")
        .arg(&saved)
        .output()
        .expect("fedrun check");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn typing_a_call_shows_its_signature_as_a_hint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    // The hint is drawn after the cursor; the parameters appear nowhere else on the screen.
    s.send("peer::connect(").expect("send");
    s.expect("peer::connect(a: Mesh, b: Mesh)")
        .expect("module function signature hinted");
    s.send(ControlCode::EndOfText)
        .expect("ctrl-c clears the line");
    s.expect(Regex(FRESH_PROMPT)).expect("prompt after ctrl-c");

    // A method on a handle: the signature of that type's method.
    run(&mut s, "let rosa = cluster(\"rosa\");");
    s.send("rosa.get(\"configmap\", ").expect("send");
    s.expect("get(kind: String, namespace: String, name: String)")
        .expect("method signature hinted");
    s.send(ControlCode::EndOfText)
        .expect("ctrl-c clears the line");
    s.expect(Regex(FRESH_PROMPT)).expect("prompt after ctrl-c");
    // A hint is never inserted into the line: Enter runs only what was typed.
    s.send("cluster(").expect("send");
    s.expect("cluster(name: String)")
        .expect("global function hinted");
    let out = run(&mut s, "\"rosa\").name + \"!\"");
    assert!(out.contains("\nrosa!\n"), "{out}");
    quit(s);
}

#[test]
fn tab_completes_kinds_inside_get() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = repl(dir.path());
    run(&mut s, "let rosa = cluster(\"rosa\");");
    s.send("rosa.get(\"configm").expect("send");
    s.send(ControlCode::HorizontalTabulation).expect("tab");
    s.expect("rosa.get(\"configmap").expect("kind completed");
    s.send(ControlCode::EndOfText)
        .expect("ctrl-c clears the line");
    s.expect(Regex(FRESH_PROMPT)).expect("prompt after ctrl-c");

    // The kinds come from the cluster's discovery: `endpoints` is no common kind.
    s.send("cluster(\"rosa\").list(\"endp").expect("send");
    s.send(ControlCode::HorizontalTabulation).expect("tab");
    s.expect("list(\"endpoints")
        .expect("discovered kind completed");
    let out = run(&mut s, "\", \"default\").len()");
    assert!(!out.contains("error"), "{out}");
    quit(s);
}

#[test]
fn a_traffic_report_prints_as_a_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Manifest paths are relative to the session's directory and stay inside it.
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/manifests");
    std::fs::create_dir(dir.path().join("manifests")).expect("mkdir");
    for file in [
        "bookinfo.yaml",
        "bookinfo-gateway.yaml",
        "destination-rule-all.yaml",
    ] {
        std::fs::copy(
            manifests.join(file),
            dir.path().join("manifests").join(file),
        )
        .expect("copy manifest");
    }
    let mut s = repl(dir.path());
    run(&mut s, "import \"ossm\" as ossm;");
    run(&mut s, "let rosa = cluster(\"rosa\");");
    let out = run(
        &mut s,
        "let m = ossm::mesh(rosa, \"demo-mesh\", [\"demo\"], []);",
    );
    assert!(!out.contains("error"), "{out}");
    let out = run(&mut s, "ossm::bookinfo(rosa, \"demo\", \"manifests\");");
    assert!(!out.contains("error"), "{out}");
    let out = run(
        &mut s,
        "let r = traffic::load(m, #{ requests: 20, service: \"details\" }); r",
    );
    assert!(out.contains("20 requests"), "{out}");
    assert!(out.contains("SERVICE") && out.contains("SHARE"), "{out}");
    assert!(out.contains("details-v1"), "{out}");
    assert!(!out.contains("latency_ms:"), "not YAML: {out}");
    // It is still a map for scripts.
    assert!(run(&mut s, "r.count + 1").contains("\n21\n"));
    quit(s);
}
