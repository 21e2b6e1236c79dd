//! End-to-end tests of the script engine with a fake primitive family: a `Cluster` handle
//! (FuncRegistration style: constructor, getter, method) and a `demo::` module (`#[export_module]`).

use super::*;
use crate::report::{Reporter, StepStatus};
use rhai::plugin::*;
use rhai::{Array, Engine, EvalAltResult, FuncRegistration, Map};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Cluster {
    name: String,
}

#[export_module]
mod demo {
    use super::Cluster;

    /// Greets `who`.
    /// Used to prove that `#[export_module]` doc comments reach `fedrun docs`.
    pub fn hello(who: &str) -> String {
        format!("hello {who}")
    }

    /// The mesh a cluster runs (a method declared in a module).
    #[rhai_fn(global)]
    pub fn mesh_name(cluster: &mut Cluster) -> String {
        format!("{}-mesh", cluster.name)
    }
}

/// Registers the fake primitives the way the real families will.
fn fake_primitives(ctx: Arc<RunContext>) -> impl Fn(&mut Engine) {
    move |engine: &mut Engine| {
        engine.register_type_with_name::<Cluster>("Cluster");
        FuncRegistration::new("cluster")
            .with_comments(["/// A handle on the cluster `name`."])
            .with_params_info(["name: &str", "Cluster"])
            .register_into_engine(engine, |name: &str| Cluster {
                name: name.to_string(),
            });
        FuncRegistration::new_getter("name")
            .with_comments(["/// The cluster's name, as the playbook knows it."])
            .with_params_info(["cluster: &mut Cluster", "String"])
            .register_into_engine(engine, |c: &mut Cluster| c.name.clone());
        let ctx = ctx.clone();
        FuncRegistration::new("apply")
            .with_comments(["/// Applies a manifest to the cluster (server-side apply)."])
            .with_params_info([
                "cluster: &mut Cluster",
                "source: &str",
                "opts: Map",
                "Array",
            ])
            .register_into_engine(
                engine,
                move |c: &mut Cluster,
                      source: &str,
                      _opts: Map|
                      -> Result<Array, Box<EvalAltResult>> {
                    ctx.check_interrupt()?;
                    if source == "bad.yaml" {
                        return Err(PrimitiveError::new(
                            "ConfigMap \"x\" is invalid: data: Required value",
                        )
                        .with_cluster(c.name.clone())
                        .with_hint("fix the manifest and re-run")
                        .into());
                    }
                    ctx.note_write(source != "same.yaml");
                    Ok(Array::new())
                },
            );
        engine.register_static_module("demo", exported_module!(demo).into());
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    ctx: Arc<RunContext>,
    engine: Engine,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with_limits(Limits::default())
    }

    fn with_limits(limits: Limits) -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let ctx = Arc::new(
            RunContext::new(&root.join("pb.rhai"), Reporter::buffer(false)).with_vars(
                [("mesh".to_string(), "prod-mesh".to_string())]
                    .into_iter()
                    .collect(),
            ),
        );
        let engine = build_engine_with_limits(ctx.clone(), limits, &fake_primitives(ctx.clone()));
        Fixture {
            _dir: dir,
            root,
            ctx,
            engine,
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    fn run(&self, text: &str) -> Result<crate::report::RunSummary, RunError> {
        let path = self.write("pb.rhai", text);
        run_file(&self.engine, &self.ctx, &path)
    }

    fn fail(&self, text: &str) -> RunError {
        match self.run(text) {
            Ok(s) => panic!("expected failure, got {s:?}"),
            Err(e) => e,
        }
    }

    fn check(&self, text: &str) -> Vec<Diagnostic> {
        let path = self.write("pb.rhai", text);
        check_file(&self.engine, &path)
    }
}

#[test]
fn steps_are_recorded_with_status_duration_and_changes() {
    let f = Fixture::new();
    let summary = f
        .run(
            r#"
let rosa = cluster("rosa");
step("Install", || { rosa.apply("a.yaml", #{}); rosa.apply("same.yaml", #{}); sleep("20ms"); });
step("Again", || rosa.apply("same.yaml", #{}));
"#,
        )
        .expect("runs");
    assert!(summary.ok);
    let names: Vec<_> = summary
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.status, s.changed, s.unchanged))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Install", StepStatus::Ok, 1, 1),
            ("Again", StepStatus::Ok, 0, 1)
        ]
    );
    assert!(summary.steps[0].duration >= Duration::from_millis(20));
    let out = f.ctx.reporter.output();
    assert!(out.contains("step: Install\n"), "{out}");
    assert!(out.contains("ok: Again ("), "{out}");
    assert!(summary.render_table().contains("unchanged 1"));
}

#[test]
fn nested_steps_count_changes_in_their_parent() {
    let f = Fixture::new();
    let summary = f
        .run(r#"let c = cluster("a"); step("outer", || { step("inner", || c.apply("a.yaml", #{})); });"#)
        .expect("runs");
    let s: Vec<_> = summary
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.depth, s.changed))
        .collect();
    assert_eq!(s, vec![("outer", 0, 1), ("inner", 1, 1)]);
    assert_eq!(summary.changed, 1);
}

#[test]
fn print_goes_through_the_reporter_and_debug_only_when_verbose() {
    let f = Fixture::new();
    f.run(r#"print("hello from the playbook"); debug("hidden");"#)
        .expect("runs");
    let out = f.ctx.reporter.output();
    assert!(out.contains("hello from the playbook\n"));
    assert!(!out.contains("hidden"));
}

#[test]
fn failing_primitive_in_a_step_shows_step_cluster_position_line_caret_and_hint() {
    let f = Fixture::new();
    let err = f.fail("let rosa = cluster(\"rosa\");\nstep(\"Configure mesh\", || {\n    rosa.apply(\"bad.yaml\", #{});\n});\n");
    let text = err.to_string();
    assert!(text.contains("error: ConfigMap \"x\" is invalid"), "{text}");
    assert!(text.contains("step:    Configure mesh"), "{text}");
    assert!(text.contains("cluster: rosa"), "{text}");
    assert!(text.contains("pb.rhai:3:10"), "{text}");
    assert!(
        text.contains("3 |     rosa.apply(\"bad.yaml\", #{});\n  |          ^\n"),
        "{text}"
    );
    assert!(text.contains("hint: fix the manifest and re-run"), "{text}");
    assert_eq!(err.summary.steps[0].status, StepStatus::Failed);
    assert!(!err.summary.ok);
}

#[test]
fn error_after_a_caught_step_failure_is_not_blamed_on_the_step() {
    let f = Fixture::new();
    let err = f.fail("try { step(\"s\", || fail(\"first\")); } catch {}\nfail(\"second\");\n");
    assert!(err.diagnostic.steps.is_empty(), "{err}");
    assert_eq!(err.diagnostic.message, "second");
    assert_eq!(err.diagnostic.line, Some(2));
}

#[test]
fn a_failure_in_steps_run_at_once_names_the_step_of_the_error_reported() {
    let f = Fixture::new();
    // "a" fails first, with the error `parallel` reports (first in order); "b" fails later.
    let err = f.fail(
        "parallel([|| step(\"a\", || fail(\"first\")), || step(\"b\", || { sleep(\"100ms\"); fail(\"second\"); })]);\n",
    );
    assert_eq!(err.diagnostic.message, "first");
    assert_eq!(err.diagnostic.steps, vec!["a".to_string()], "{err}");
}

#[test]
fn a_failing_branch_stops_sleeping_and_looping_siblings() {
    let f = Fixture::new();
    let err = f.fail(
        "parallel([|| sleep(\"5m\"), || { let i = 0; loop { i += 1; } }, || fail(\"boom\")]);\n",
    );
    // The failure is the run's error: the siblings were stopped, neither the sleep's 5 minutes
    // nor the loop's operation limit ended them.
    assert_eq!(err.diagnostic.message, "boom");
}

#[test]
fn parallel_runs_its_branches_when_no_thread_can_be_started() {
    let f = Fixture::new();
    // As when the system is out of threads: before, `std::thread::scope` panicked (and the
    // process aborted); now the calling thread runs every branch itself.
    super::builtins::fail_thread_spawns(true);
    let result = f.run(
        "let r = parallel([1, 2, 3, 4, 5], |i| parallel([1, 2], |j| i * 10 + j));\n\
         if r != [[11, 12], [21, 22], [31, 32], [41, 42], [51, 52]] { fail(`${r}`); }\n\
         step(\"s\", || parallel([|| 1, || fail(\"second\")]));\n",
    );
    super::builtins::fail_thread_spawns(false);
    let err = result.expect_err("the failing branch fails the run");
    assert_eq!(err.diagnostic.message, "second");
    assert_eq!(err.diagnostic.steps, vec!["s".to_string()]);
}

#[test]
fn fedrun_plumbing_is_not_in_the_reference() {
    let f = Fixture::new();
    assert!(
        !function_names(&f.engine)
            .iter()
            .any(|n| n.contains("__fedrun"))
    );
    let text = reference(&f.engine, None).expect("reference");
    assert!(!text.contains("__fedrun"), "{text}");
}

#[test]
fn syntax_error_has_file_line_col() {
    let f = Fixture::new();
    let err = f.fail("let a = 1;\nlet b = (a + ;\n");
    let text = err.to_string();
    assert!(text.contains("syntax error"), "{text}");
    assert!(text.contains("pb.rhai:2:"), "{text}");
    assert!(err.summary.steps.is_empty());
}

#[test]
fn endless_loop_hits_the_operation_limit_quickly() {
    let f = Fixture::new();
    let err = f.fail("step(\"spin\", || { loop {} });");
    assert!(
        err.to_string()
            .contains("sandbox limit: more than 5000000 operations (an endless loop?)"),
        "{err}"
    );
}

#[test]
fn runaway_recursion_hits_call_depth() {
    let f = Fixture::new();
    let err = f.fail("fn down(n) { down(n + 1) }\ndown(0);");
    assert!(
        err.to_string()
            .contains("sandbox limit: call depth over 64 (runaway recursion?)"),
        "{err}"
    );
}

#[test]
fn huge_string_hits_size_limit() {
    let f = Fixture::new();
    let err = f.fail("let s = \"xxxxxxxx\"; loop { s += s; }");
    assert!(
        err.to_string()
            .contains("sandbox limit: string longer than 8388608 bytes"),
        "{err}"
    );
}

#[test]
fn huge_array_hits_size_limit() {
    // Rhai re-measures the array on every push, so a small limit keeps the test fast.
    let f = Fixture::with_limits(Limits {
        max_array_size: 1000,
        ..Limits::default()
    });
    let err = f.fail("let a = []; loop { a.push(1); }");
    assert!(
        err.to_string()
            .contains("sandbox limit: array larger than 1000 items"),
        "{err}"
    );
}

#[test]
fn imports_from_the_playbook_dir_subdirs_and_stdlib() {
    let f = Fixture::new();
    f.write("helpers.rhai", "/// Doubles.\nfn double(x) { x * 2 }\n");
    f.write("lib/util.rhai", "fn triple(x) { x * 3 }\n");
    let summary = f.run(
        r#"
import "helpers" as h;
import "lib/util" as u;
import "fedrun" as fedrun;
if h::double(2) != 4 { fail("double"); }
if u::triple(2) != 6 { fail("triple"); }
if fedrun::or_default((), 7) != 7 { fail("or_default"); }
let n = fedrun::each_cluster(["a", "b"], |name| cluster(name).name);
if n != ["a", "b"] { fail("each_cluster"); }
let tries = 0;
let v = fedrun::retry(3, "1ms", || { tries += 1; if tries < 3 { fail("not yet"); } tries });
if v != 3 { fail("retry"); }
"#,
    );
    assert!(
        summary.is_ok(),
        "{}",
        summary.err().map(|e| e.to_string()).unwrap_or_default()
    );
}

#[test]
fn playbook_file_overrides_stdlib_module() {
    let f = Fixture::new();
    f.write("fedrun.rhai", "fn local() { 1 }\n");
    assert!(
        f.run("import \"fedrun\" as x; if x::local() != 1 { fail(\"override\"); }")
            .is_ok()
    );
}

#[test]
fn error_inside_a_module_points_at_the_module_file() {
    let f = Fixture::new();
    f.write(
        "helpers.rhai",
        "fn boom() {\n    fail(\"from module\");\n}\n",
    );
    let err = f.fail("import \"helpers\" as h;\nh::boom();\n");
    assert!(err.diagnostic.file.ends_with("helpers.rhai"), "{err}");
    assert_eq!(err.diagnostic.line, Some(2), "{err}");
    assert!(err.to_string().contains("fail(\"from module\");"), "{err}");
    assert!(
        err.to_string().contains("pb.rhai:2:"),
        "note on the call site: {err}"
    );
}

#[test]
fn syntax_error_in_a_module_points_at_the_module_file() {
    let f = Fixture::new();
    f.write("broken.rhai", "fn x() {\n  let = 1;\n}\n");
    let err = f.fail("import \"broken\" as b;\n");
    assert!(err.diagnostic.file.ends_with("broken.rhai"), "{err}");
    assert_eq!(err.diagnostic.line, Some(2), "{err}");
}

#[test]
fn missing_module_says_where_it_looked() {
    let f = Fixture::new();
    let err = f.fail("import \"fedrn\" as x;\n");
    let text = err.to_string();
    assert!(
        text.contains("module \"fedrn\" not found: looked for"),
        "{text}"
    );
    assert!(
        text.contains("fedrun's stdlib (fedrun, federation, ossm)"),
        "{text}"
    );
    assert!(text.contains("did you mean `fedrun`?"), "{text}");
    assert!(text.contains("pb.rhai:1:"), "{text}");
}

#[test]
fn escaping_the_playbook_dir_is_refused() {
    let f = Fixture::new();
    for script in [
        "import \"../outside\" as x;",
        "import \"/etc/passwd\" as x;",
        "read_file(\"../secret\");",
        "read_file(\"/etc/passwd\");",
    ] {
        let err = f.fail(script);
        let text = err.to_string();
        assert!(
            text.contains("leave the playbook directory") || text.contains("is absolute"),
            "{script}: {text}"
        );
    }
}

#[test]
fn module_import_cycle_is_reported() {
    let f = Fixture::new();
    f.write("a.rhai", "import \"b\" as b;\nfn fa() { 1 }\n");
    f.write("b.rhai", "import \"a\" as a;\nfn fb() { 1 }\n");
    let err = f.fail("import \"a\" as a;\n");
    assert!(err.to_string().contains("import cycle"), "{err}");
}

#[test]
fn builtins_env_vars_var_read_file_jsonpath_fail() {
    let f = Fixture::new();
    f.write("data/cert.pem", "PEM");
    let summary = f.run(
        r#"
if env("FEDRUN_TEST_SURELY_UNSET") != () { fail("env"); }
if env("FEDRUN_TEST_SURELY_UNSET", "d") != "d" { fail("env default"); }
if vars.mesh != "prod-mesh" { fail("vars"); }
if var_or("mesh", "x") != "prod-mesh" || var_or("nope", 5) != 5 || vars.nope != () { fail("var_or"); }
if read_file("data/cert.pem") != "PEM" { fail("read_file"); }
let cm = #{ data: #{ "root-cert.pem": "CERT" }, items: [#{ n: 1 }] };
if jsonpath(cm, "{.data.root-cert\\.pem}") != "CERT" { fail("jsonpath"); }
sleep(0); sleep(0.001);
"#,
    );
    assert!(
        summary.is_ok(),
        "{}",
        summary.err().map(|e| e.to_string()).unwrap_or_default()
    );
    let err = f.fail("fail(\"stop here\");");
    assert_eq!(err.diagnostic.message, "stop here");
    let err = f.fail("sleep(\"soon\");");
    assert!(err.to_string().contains("sleep:"), "{err}");
    assert!(err.to_string().contains("durations look like"), "{err}");
}

#[test]
fn caught_primitive_error_is_readable_in_script() {
    let f = Fixture::new();
    let r = f.run(
        r#"let c = cluster("rosa");
try { c.apply("bad.yaml", #{}); } catch (e) {
  if e.cluster != "rosa" || e.hint == () { fail("fields"); }
  print(e.message);
}"#,
    );
    assert!(
        r.is_ok(),
        "{}",
        r.err().map(|e| e.to_string()).unwrap_or_default()
    );
    assert!(f.ctx.reporter.output().contains("is invalid"));
}

#[test]
fn unknown_function_at_run_time_suggests_a_name() {
    let f = Fixture::new();
    let err = f.fail("stpe(\"x\", || 1);");
    assert!(err.to_string().contains("did you mean `step`?"), "{err}");
}

#[test]
fn interrupt_stops_a_running_loop_and_names_the_step() {
    let f = Fixture::with_limits(Limits {
        max_operations: 0,
        ..Limits::default()
    });
    let flag = f.ctx.interrupt.clone();
    let setter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        flag.store(true, Ordering::Relaxed);
    });
    let err = f.fail("step(\"Wait for peers\", || { loop {} });");
    let _ = setter.join();
    assert!(err.interrupted);
    assert!(
        err.to_string()
            .contains("interrupted (Ctrl-C) during step \"Wait for peers\""),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("re-running the playbook converges"),
        "{err}"
    );
    assert_eq!(err.summary.steps[0].status, StepStatus::Interrupted);
}

#[test]
fn interrupt_stops_sleep_and_primitives() {
    let f = Fixture::new();
    f.ctx.interrupt.store(true, Ordering::Relaxed);
    let err = f.fail("sleep(\"1h\");");
    // Interrupted: the hour's sleep did not run out.
    assert!(err.interrupted);
}

#[test]
fn check_reports_unknown_function_with_position_and_suggestion() {
    let f = Fixture::new();
    let d = f.check("let c = cluster(\"a\");\nstpe(\"x\", || {\n  c.apply(\"a\", #{});\n});\n");
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].message, "unknown function `stpe`");
    assert_eq!((d[0].line, d[0].column), (Some(2), Some(1)));
    assert_eq!(d[0].hint.as_deref(), Some("did you mean `step`?"));
    assert!(d[0].to_string().contains("pb.rhai:2:1"));
}

#[test]
fn check_reports_unknown_module_function_method_arity_and_variable() {
    let f = Fixture::new();
    let d = f.check("let c = cluster(\"a\");\ndemo::helo(\"x\");\nc.aply(\"m.yaml\", #{});\nstep(\"only name\");\n");
    let msgs: Vec<_> = d
        .iter()
        .map(|d| {
            (
                d.message.as_str(),
                d.line,
                d.hint.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(msgs.len(), 3, "{msgs:?}");
    assert_eq!(msgs[0].0, "unknown function `demo::helo`");
    assert_eq!(msgs[0].1, Some(2));
    assert!(msgs[0].2.contains("demo::hello"), "{msgs:?}");
    assert_eq!(msgs[1].0, "unknown method `.aply()`");
    assert!(msgs[1].2.contains("`apply`"), "{msgs:?}");
    assert_eq!(msgs[2].0, "`step` takes 2 arguments, called with 1");

    let d = f.check("demo::nope();");
    assert_eq!(d[0].message, "unknown function `demo::nope`");

    let d = f.check("let mesh = \"a\";\nprint(mesch);\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].message, "undefined variable `mesch`");
    assert_eq!(d[0].line, Some(2));

    let d = f.check("let x = 1;\nlet y = (x + ;\n");
    assert!(d[0].message.starts_with("syntax error"), "{d:?}");
}

#[test]
fn check_passes_a_valid_playbook_with_imports_and_closures() {
    let f = Fixture::new();
    f.write(
        "helpers.rhai",
        "fn double(x) { x * 2 }\nprivate fn hidden() { 0 }\n",
    );
    let d = f.check(
        r#"
import "helpers" as h;
import "fedrun" as fedrun;
fn local(a, b) { a + b }
let c = cluster(vars.mesh ?? "a");
let handlers = #{ run: || 1 };
step("s", || {
    c.apply("a.yaml", #{ namespace: "x" });
    print(c.name + c.mesh_name() + demo::hello("x") + local(1, 2) + h::double(2));
    handlers.run();
    let items = [1, 2, 3];
    items.push(4);
    let f = |x| x + 1;
    f.call(1);
    fedrun::retry(2, || 1);
    sleep("1ms");
    jsonpath(#{}, "{.a}").len();
});
"#,
    );
    assert!(d.is_empty(), "{d:?}");
    let d = f.check("import \"helpers\" as h;\nh::hidden();\n");
    assert_eq!(
        d.len(),
        1,
        "private module functions are not callable: {d:?}"
    );
}

#[test]
fn check_reports_a_missing_import() {
    let f = Fixture::new();
    let d = f.check("import \"nowhere\" as n;\n");
    assert_eq!(d.len(), 1);
    assert!(
        d[0].message.contains("module \"nowhere\" not found"),
        "{d:?}"
    );
    assert_eq!(d[0].line, Some(1));
}

#[test]
fn docs_show_both_registration_styles_and_skip_rhai_std() {
    let f = Fixture::new();
    let all = reference(&f.engine, None).expect("reference");
    for needle in [
        "cluster(name: String) -> Cluster\n    A handle on the cluster `name`.",
        "cluster.name -> String\n    The cluster's name, as the playbook knows it.",
        "cluster.apply(source: String, opts: Map) -> Array\n    Applies a manifest to the cluster (server-side apply).",
        "demo::hello(who: String) -> String\n    Greets `who`.\n    Used to prove",
        "cluster.mesh_name() -> String\n    The mesh a cluster runs",
        "step(name: String, body: FnPtr) -> Dynamic\n    Runs `body` as a named, timed step",
        "sleep(duration: String)",
        "demo:: (module)",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in\n{all}");
    }
    assert!(
        !all.contains("parse_int"),
        "Rhai's standard library is left out"
    );

    let demo = reference(&f.engine, Some("demo")).expect("demo group");
    assert!(demo.contains("demo::hello") && !demo.contains("step("));
    let apply = reference(&f.engine, Some("cluster.apply")).expect("method");
    assert!(apply.contains("cluster.apply(") && !apply.contains("cluster.name"));
    let ty = reference(&f.engine, Some("Cluster")).expect("type");
    assert!(ty.contains("cluster.name") && ty.contains("cluster.apply("));
    let sleep = reference(&f.engine, Some("sleep")).expect("overloads");
    assert_eq!(sleep.matches("sleep(").count(), 3, "{sleep}");
    match reference(&f.engine, Some("aply")) {
        Err(e @ DocsError::Unknown { .. }) => {
            assert!(e.to_string().contains("did you mean `apply`"), "{e}")
        }
        Ok(text) => panic!("unexpected {text}"),
    }
    let names = function_names(&f.engine);
    assert!(
        names.iter().any(|n| n == "demo::hello")
            && names.iter().any(|n| n == "apply")
            && names.iter().any(|n| n == "step")
    );
}

#[test]
fn unreadable_playbook_is_an_error_not_a_panic() {
    let f = Fixture::new();
    let err = run_file(&f.engine, &f.ctx, Path::new("/nonexistent/pb.rhai")).expect_err("missing");
    assert!(err.to_string().contains("cannot read playbook"), "{err}");
    let d = check_file(&f.engine, Path::new("/nonexistent/pb.rhai"));
    assert_eq!(d.len(), 1);
}

#[derive(Debug, Clone)]
struct Mesh;

impl rhai::CustomType for Mesh {
    fn build(mut builder: rhai::TypeBuilder<Self>) {
        builder
            .with_name("Mesh")
            .with_get("namespace", |_: &mut Mesh| "istio-system".to_string())
            .with_fn("wait_ready", |_: &mut Mesh, _timeout: &str| ())
            .and_comments(&["/// Waits until the control plane is ready."]);
    }
}

#[test]
fn docs_show_types_built_with_type_builder() {
    let f = Fixture::new();
    let mut engine = f.engine;
    engine.build_type::<Mesh>();
    let text = reference(&engine, Some("mesh")).expect("Mesh type");
    assert!(
        text.contains("mesh.wait_ready(String)\n    Waits until the control plane is ready."),
        "{text}"
    );
    assert!(text.contains("mesh.namespace -> String"), "{text}");
}
