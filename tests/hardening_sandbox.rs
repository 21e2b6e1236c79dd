//! Sandbox hardening (issue 15): the findings of the outside security review, each as the
//! behaviour a playbook author or an attacker sees.
//!
//! 1. one operation budget for the whole run, `parallel` branches included;
//! 2. size limits on every path a value can grow by (index writes, chains, methods, `this`);
//! 3. at most 16 threads run script code at once, however `parallel` calls nest;
//! 4. `env()` reads only allowed variables; manifests come over https only;
//! 5. `${VAR}` values become YAML scalars, never structure;
//! 6. a large but valid manifest applies, and `apply` never fails after its writes;
//! 7. the time to compile a playbook is bounded (many variables).
//!
//! Engine-level cases run the script engine in this process with small limits and probe
//! functions; cluster cases run against an in-process simulator; CLI cases run the binary.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestSim;
use fedrun::kube::Clusters;
use fedrun::prims::{self, Backend};
use fedrun::report::{Reporter, RunSummary};
use fedrun::script::{self, Limits, RunContext, RunError};
use rhai::{Engine, FuncRegistration};

const FEDRUN: &str = env!("CARGO_BIN_EXE_fedrun");

/// A playbook directory and an engine built like a run's, with `limits` and extra functions.
struct Sandbox {
    dir: tempfile::TempDir,
    ctx: Arc<RunContext>,
    engine: Engine,
}

impl Sandbox {
    fn new(limits: Limits) -> Sandbox {
        Sandbox::with(limits, |ctx| ctx, &|_| {})
    }

    fn with(
        limits: Limits,
        configure: impl FnOnce(RunContext) -> RunContext,
        register: &dyn Fn(&mut Engine),
    ) -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let ctx = Arc::new(configure(RunContext::new(
            &dir.path().join("main.rhai"),
            Reporter::buffer(false),
        )));
        let engine = script::build_engine_with_limits(ctx.clone(), limits, register);
        Sandbox { dir, ctx, engine }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, source: &str) -> Result<RunSummary, RunError> {
        let path = self.path("main.rhai");
        std::fs::write(&path, source).expect("write playbook");
        script::run_file(&self.engine, &self.ctx, &path)
    }

    fn fail(&self, source: &str) -> String {
        match self.run(source) {
            Ok(_) => panic!("expected a failure:\n{source}"),
            Err(e) => e.to_string(),
        }
    }

    fn ok(&self, source: &str) {
        if let Err(e) = self.run(source) {
            panic!("expected success:\n{source}\n{e}");
        }
    }
}

/// Small data limits, so that each growth path passes them in a few steps.
fn small_data() -> Limits {
    Limits {
        max_string_size: 100,
        max_array_size: 10,
        max_map_size: 10,
        ..Limits::default()
    }
}

// ---- 1. one operation budget for the whole run ----------------------------------------------

#[test]
fn parallel_branches_draw_on_the_runs_operation_budget() {
    let iterations = Arc::new(AtomicUsize::new(0));
    let counter = iterations.clone();
    let sandbox = Sandbox::with(
        Limits {
            max_operations: 100_000,
            ..Limits::default()
        },
        |ctx| ctx,
        &move |engine| {
            let counter = counter.clone();
            FuncRegistration::new("tick").register_into_engine(engine, move || {
                counter.fetch_add(1, Ordering::Relaxed);
            });
        },
    );
    // Each branch does about 30,000 operations: before, every branch had a fresh budget and
    // the loop went on (100 rounds here, forever without the `break`).
    let err = sandbox.fail(
        "let rounds = 0;\n\
         loop {\n\
             parallel([|| { let i = 0; while i < 10000 { i += 1; } tick(); }]);\n\
             rounds += 1;\n\
             if rounds >= 100 { break; }\n\
         }\n",
    );
    assert!(
        err.contains("sandbox limit: more than 100000 operations"),
        "{err}"
    );
    let done = iterations.load(Ordering::Relaxed);
    assert!(
        done <= 4,
        "{done} branches ran on a budget of 100,000 operations"
    );
    // Nested branches count too.
    let err = sandbox.fail(
        "loop { parallel([|| parallel([|| { let i = 0; while i < 10000 { i += 1; } }, || 1])]); }",
    );
    assert!(err.contains("sandbox limit"), "{err}");
}

#[test]
fn the_budget_starts_over_for_each_run_not_for_each_module() {
    let busy = "let i = 0; while i < 10000 { i += 1; }";
    let measure = Sandbox::new(Limits::default());
    measure.ok(busy);
    let n = measure.ctx.operations();
    assert!(n > 10_000, "{n}");
    let sandbox = Sandbox::new(Limits {
        max_operations: n * 3 / 2,
        ..Limits::default()
    });
    // Fits, twice in a row: the count starts over with each run (or REPL line).
    sandbox.ok(busy);
    sandbox.ok(busy);
    // A module's evaluation counts from zero; that must not start the run's count over:
    // busy + module (0.4 busy) + busy is over 1.5 busy.
    std::fs::write(
        sandbox.path("part.rhai"),
        "let i = 0; while i < 4000 { i += 1; }\nfn f() { 1 }\n",
    )
    .unwrap();
    let err = sandbox.fail(&format!("{busy}\nimport \"part\" as p;\n{busy}"));
    assert!(err.contains("sandbox limit"), "{err}");
}

// ---- 2. every growth path is bounded --------------------------------------------------------

#[test]
fn every_growth_path_is_bounded() {
    let sandbox = Sandbox::new(small_data());
    let s40 = "\"0123456789012345678901234567890123456789\"";
    // (path, playbook): each grows a value past the limits, through one path.
    let cases: Vec<(&str, String)> = vec![
        ("map index, new keys", "let m = #{}; for i in 0..20 { m[`k${i}`] = i; }".into()),
        ("map index, big values", format!("let s = {s40}; let m = #{{}}; m[\"a\"] = s; m[\"b\"] = s; m[\"c\"] = s;")),
        ("array index, big values", "let b = [1,2,3,4,5,6]; let a = [0, 0]; a[0] = b; a[1] = b;".into()),
        ("doubling by index", "let m = [0, 0]; for i in 0..20 { let c = m; m[0] = c; m[1] = c; }".into()),
        ("nested map index", "let m = #{a: #{}, b: #{}}; for i in 0..6 { m.a[`k${i}`] = i; m.b[`k${i}`] = i; }".into()),
        ("string += by index", "let m = [\"\", \"\", \"\"]; for i in 0..20 { m[0] += \"0123\"; m[1] += \"0123\"; m[2] += \"0123\"; }".into()),
        ("string += by property", "let m = #{a: \"\", b: #{c: \"\"}}; for i in 0..30 { m.b.c += \"0123\"; m.a += \"0123\"; }".into()),
        ("string concatenation in a loop", "let s = \"\"; for i in 0..100 { s = s + \"abcd\"; }".into()),
        ("array += in a map", "let m = #{a: [], b: []}; for i in 0..6 { m.a += [i]; m.b += [i]; }".into()),
        ("map += in an array", "let m = [#{}, #{}]; for i in 0..6 { let n = #{}; n[`k${i}`] = i; m[0] += n; m[1] += n; }".into()),
        ("push on a nested array", "let m = [[], [], []]; for i in 0..9 { m[0].push(i); m[1].push(i); m[2].push(i); }".into()),
        ("push through a property", "let m = #{a: [], b: []}; for i in 0..9 { m.a.push(i); m.b.push(i); }".into()),
        ("append", "let m = #{a: [], b: []}; for i in 0..9 { m.a.append([i]); m.b.append([i]); }".into()),
        ("string append", "let m = #{a: \"\", b: \"\"}; for i in 0..20 { m.a.append(\"0123\"); m.b.append(\"0123\"); }".into()),
        ("insert", "let m = [[], []]; for i in 0..9 { m[0].insert(0, i); m[1].insert(0, i); }".into()),
        ("pad", "let m = #{a: [], b: []}; m.a.pad(9, 0); m.b.pad(9, 0);".into()),
        ("string pad", "let m = #{a: \"\", b: \"\"}; m.a.pad(90, \"x\"); m.b.pad(90, \"x\");".into()),
        ("mixin", "let n = #{a:1,b:2,c:3,d:4,e:5,f:6}; let m = #{x: #{}, y: #{}}; m.x.mixin(n); m.y.mixin(n);".into()),
        ("fill_with", "let n = #{a:1,b:2,c:3,d:4,e:5,f:6}; let m = [#{}, #{}]; m[0].fill_with(n); m[1].fill_with(n);".into()),
        ("nested property assignment", "let b = [1,2,3,4,5,6]; let m = #{a: #{}, c: #{}}; m.a.x = b; m.c.x = b;".into()),
        ("a script method on this", "fn grow(v) { this[0] = v; this[1] = v; }\nlet a = [0, 0]; a.grow([1,2,3,4,5,6]);".into()),
        ("a script method through a chain", "fn grow(v) { this.push(v); this.push(v); }\nlet m = #{a: []}; for i in 0..6 { m.a.grow([1, 2]); }".into()),
        ("a closure's captured map", "let m = #{}; let f = || { for i in 0..20 { m[`k${i}`] = i; } }; f.call();".into()),
        ("inside a step", "step(\"grow\", || { let m = [[]]; for i in 0..20 { m[0] = [m[0], m[0]]; } });".into()),
        ("in a function", "fn f() { let m = #{}; for i in 0..20 { m[`k${i}`] = [i]; } m.len() }\nf();".into()),
        ("in a parallel branch", "parallel([|| { let m = #{x: []}; for i in 0..20 { m.x.push(i); } }]);".into()),
        ("in a while condition", "let m = #{a: []}; let i = 0; while m.a.push(i) == () && i < 20 { i += 1; }".into()),
        ("in an interpolation", "let m = #{a: []}; for i in 0..20 { let s = `${m.a.push(i)}`; }".into()),
    ];
    for (path, source) in cases {
        let err = sandbox.fail(&source);
        assert!(
            err.contains("sandbox limit:") && err.contains("larger than")
                || err.contains("longer than"),
            "{path}: {err}"
        );
        assert!(err.contains("main.rhai:"), "{path}: located: {err}");
    }
    // Within the limits, the same code works and computes the same thing.
    sandbox.ok(
        "let m = #{a: [], b: \"\"}; for i in 0..4 { m.a.push(i); m.b += \"x\"; m[\"c\"] = i; }\n\
         if m.a.len() != 4 || m.b != \"xxxx\" || m.c != 3 { fail(`wrong: ${m}`); }\n\
         fn set(k, v) { this[k] = v; this }\n\
         let n = #{}; n.set(\"x\", 1); if n.x != 1 { fail(\"this\"); }\n\
         let a = [[1], [2]]; a[0].push(5); if a[0] != [1, 5] { fail(\"push\"); }\n\
         const C = #{a: [1, 2]}; if C.a.len() != 2 { fail(\"const\"); }",
    );
}

#[test]
fn a_growth_error_points_at_the_statement_in_the_original_text() {
    let sandbox = Sandbox::new(small_data());
    let err = sandbox.fail(
        "let m = #{};\nlet x = 1; for i in 0..20 { m[`k${i}`] = i; }\nlet y = undefined_fn();\n",
    );
    assert!(err.contains("main.rhai:2:29"), "{err}");
    assert!(err.contains("object map larger than 10"), "{err}");
    // Other errors keep their columns too, on lines where checks were added.
    let sandbox = Sandbox::new(Limits::default());
    let err = sandbox.fail("let m = #{a: []}; m.a.push(1); m[\"b\"] = 2; let z = m.a.nope();\n");
    assert!(err.contains("main.rhai:1:"), "{err}");
    let column: usize = err
        .split("main.rhai:1:")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|c| c.parse().ok())
        .expect("a column");
    assert!((52..=56).contains(&column), "column {column}: {err}");
}

// ---- 3. at most 16 threads over the whole run -----------------------------------------------

#[test]
fn nested_parallel_runs_at_most_sixteen_branches_at_once() {
    let live = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let threads = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
    let (l, p, d, t) = (live.clone(), peak.clone(), done.clone(), threads.clone());
    let sandbox = Sandbox::with(Limits::default(), |ctx| ctx, &move |engine| {
        let (l, p, d, t) = (l.clone(), p.clone(), d.clone(), t.clone());
        FuncRegistration::new("leaf").register_into_engine(engine, move || {
            let now = l.fetch_add(1, Ordering::SeqCst) + 1;
            p.fetch_max(now, Ordering::SeqCst);
            t.lock()
                .unwrap()
                .insert(format!("{:?}", std::thread::current().id()));
            std::thread::sleep(Duration::from_millis(5));
            l.fetch_sub(1, Ordering::SeqCst);
            d.fetch_add(1, Ordering::SeqCst);
        });
    });
    // 8 × 8 × 8 = 512 leaves; before, 8 + 64 + 512 threads at once (16^depth in general).
    sandbox.ok(
        "let r = parallel([0,1,2,3,4,5,6,7], |i| parallel([0,1,2,3,4,5,6,7], |j| \
             parallel([0,1,2,3,4,5,6,7], |k| { leaf(); i * 64 + j * 8 + k })));\n\
         let flat = []; for a in r { for b in a { for c in b { flat.push(c); } } }\n\
         for n in 0..512 { if flat[n] != n { fail(`result ${n} is ${flat[n]}`); } }",
    );
    assert_eq!(done.load(Ordering::SeqCst), 512);
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak <= 16, "{peak} branches at once");
    assert!(peak > 1, "branches still run at once ({peak})");
    // Threads end and new ones start; more than one took part.
    assert!(threads.lock().unwrap().len() > 1);
}

#[test]
fn deeply_nested_parallel_calls_finish_without_deadlock() {
    let sandbox = Sandbox::new(Limits::default());
    // Depth 6 of 4 branches: 4,096 leaves, each level waiting on the next.
    sandbox.ok("fn tree(depth) { if depth == 0 { return 1; } \
             let r = parallel([0, 1, 2, 3], |i| tree(depth - 1)); r[0] + r[1] + r[2] + r[3] }\n\
         let n = tree(6); if n != 4096 { fail(`${n}`); }");
}

// ---- 4. the trust model: environment and URLs -----------------------------------------------

#[test]
fn env_reads_only_allowed_variables() {
    // PATH is set wherever tests run (the environment is not changed here: other tests run
    // in this process at the same time).
    let path = std::env::var("PATH").expect("PATH is set");
    let sandbox = Sandbox::new(Limits::default());
    for name in [
        "PATH",
        "HOME",
        "KUBECONFIG",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
    ] {
        let err = sandbox.fail(&format!("let v = env(\"{name}\"); print(v);"));
        assert!(err.contains("not allowed"), "{name}: {err}");
        assert!(err.contains(&format!("--env {name}")), "{name}: {err}");
        let err = sandbox.fail(&format!("print(env(\"{name}\", \"default\"));"));
        assert!(err.contains("not allowed"), "{name}: {err}");
    }
    assert!(!sandbox.ctx.reporter.output().contains(&path));
    sandbox.ok("if env(\"FEDRUN_HARDENING_SURELY_UNSET\", \"d\") != \"d\" { fail(\"FEDRUN_*\"); }");

    let allowed = Sandbox::with(
        Limits::default(),
        |ctx| ctx.with_env_allow(["PATH"]),
        &|_| {},
    );
    allowed.ok(&format!(
        "if env(\"PATH\") != {path:?} {{ fail(\"allowed\"); }}"
    ));
    let err = allowed.fail("env(\"HOME\")");
    assert!(err.contains("not allowed"), "{err}");
}

#[test]
fn fedrun_env_allow_lists_the_variables_a_playbook_may_read() {
    let dir = tempfile::tempdir().unwrap();
    let playbook = dir.path().join("env.rhai");
    std::fs::write(
        &playbook,
        "print(`fedrun=${env(\"FEDRUN_HARDENING_CLI\")}`);\n\
         print(`token=${env(\"HARDENING_CLI_TOKEN\")}`);\n\
         print(`other=${env(\"HARDENING_CLI_OTHER\", \"-\")}`);\n",
    )
    .unwrap();
    let run = |allow: Option<&str>| {
        let mut cmd = Command::new(FEDRUN);
        cmd.arg("--sim")
            .arg(&playbook)
            .env("FEDRUN_STATE", dir.path().join("state"))
            .env("NO_COLOR", "1")
            .env("HARDENING_CLI_TOKEN", "t0k3n")
            .env("HARDENING_CLI_OTHER", "x")
            .env("FEDRUN_HARDENING_CLI", "always")
            .env_remove("FEDRUN_ENV_ALLOW");
        if let Some(allow) = allow {
            cmd.env("FEDRUN_ENV_ALLOW", allow);
        }
        let out = cmd.output().expect("fedrun runs");
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (code, out) = run(None);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("fedrun=always"),
        "FEDRUN_* is always readable: {out}"
    );
    assert!(out.contains("not allowed"), "{out}");
    assert!(!out.contains("t0k3n"), "{out}");
    let (code, out) = run(Some("HARDENING_CLI_TOKEN, HARDENING_CLI_OTHER"));
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("token=t0k3n") && out.contains("other=x"),
        "{out}"
    );
}

// ---- cluster cases: one simulator ------------------------------------------------------------

struct Cluster {
    sim: TestSim,
    backend: Backend,
}

impl Cluster {
    fn start() -> Cluster {
        let sim = TestSim::with_clusters("rosa:aws");
        let clusters = Clusters::from_kubeconfig(sim.kubeconfig(), BTreeMap::new())
            .expect("the kubeconfig loads");
        let backend = Backend {
            clusters: Arc::new(clusters),
            runtime: sim.rt.handle().clone(),
        };
        Cluster { sim, backend }
    }

    /// Runs `source` as `dir/main.rhai` with every primitive, `--set` values `vars`.
    fn run(&self, dir: &Path, source: &str, vars: &[(&str, &str)]) -> Result<String, String> {
        let path = dir.join("main.rhai");
        std::fs::write(&path, source).unwrap();
        let reporter = Reporter::buffer(false);
        let ctx = Arc::new(
            RunContext::new(&path, reporter.clone())
                .with_vars(
                    vars.iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                )
                .with_default_timeout(Duration::from_secs(20)),
        );
        let engine = prims::engine(ctx.clone(), Some(self.backend.clone()));
        match script::run_file(&engine, &ctx, &path) {
            Ok(_) => Ok(reporter.output()),
            Err(e) => Err(format!("{}{e}", reporter.output())),
        }
    }

    fn kubectl(&self, args: &[&str]) -> String {
        let out = self.sim.kubectl("rosa", args);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }
}

#[test]
fn cluster_manifests_are_fetched_over_https_values_stay_scalars_and_large_applies_succeed() {
    let cluster = Cluster::start();
    let dir = tempfile::tempdir().unwrap();

    // 4. Plain http to another machine is refused before any connection, with the way out
    // (to this machine it crosses no network: there the connection is refused, not the URL).
    let err = cluster
        .run(
            dir.path(),
            "let rosa = cluster(\"rosa\");\nrosa.apply(\"http://example.com/manifest.yaml\");\n",
            &[],
        )
        .unwrap_err();
    assert!(
        err.contains("plain http to another machine is not allowed"),
        "{err}"
    );
    assert!(
        err.contains("https://") && err.contains("--allow-http"),
        "{err}"
    );
    let err = cluster
        .run(
            dir.path(),
            "cluster(\"rosa\").apply(\"http://127.0.0.1:9/manifest.yaml\");\n",
            &[],
        )
        .unwrap_err();
    assert!(!err.contains("not allowed"), "{err}");

    // 5. `--set` values pasted into a manifest stay one string value.
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: demo\n\
         data:\n  greeting: ${GREETING}\n  label: app-${GREETING}\n",
    )
    .unwrap();
    let payloads = [
        "hi\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: injected, namespace: kube-system}\ndata: {a: b}",
        "hi\nkind: Secret",
        "hi\n  extra: key",
        "x: {name: injected}",
    ];
    cluster
        .run(dir.path(), "cluster(\"rosa\").project(\"demo\");", &[])
        .expect("project");
    for payload in payloads {
        let out = cluster
            .run(
                dir.path(),
                "let rosa = cluster(\"rosa\");\n\
                 rosa.apply(\"cm.yaml\", #{ vars: #{ GREETING: vars.greeting } });\n\
                 let cm = rosa.get(\"configmap\", \"demo\", \"settings\");\n\
                 if cm.data.greeting != vars.greeting { fail(`greeting is ${cm.data.greeting}`); }\n\
                 if cm.data.label != \"app-\" + vars.greeting { fail(`label is ${cm.data.label}`); }\n\
                 if cm.data.len() != 2 { fail(`data has ${cm.data.keys()}`); }\n\
                 if rosa.exists(\"configmap\", \"kube-system\", \"injected\") { fail(\"injected\"); }\n",
                &[("greeting", payload)],
            )
            .unwrap_or_else(|e| panic!("payload {payload:?}: {e}"));
        let _ = out;
    }
    let listed = cluster.kubectl(&["get", "configmap", "-A", "-o", "name"]);
    assert!(!listed.contains("injected"), "{listed}");
    let secrets = cluster.kubectl(&["get", "secret", "-n", "demo", "-o", "name"]);
    assert!(!secrets.contains("settings"), "{secrets}");

    // 6. A manifest whose objects are larger than the sandbox lets a value be: applied, and
    // `apply` returns what it applied, compactly (before: the run failed after the writes,
    // blaming a loop).
    let big = "x".repeat(400 * 1024);
    let manifest: String = (0..25)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-{i}\n  namespace: demo\ndata:\n  blob: {big}\n"
            )
        })
        .collect();
    std::fs::write(dir.path().join("big.yaml"), manifest).unwrap();
    let out = cluster
        .run(
            dir.path(),
            "let rosa = cluster(\"rosa\");\n\
             let applied = rosa.apply(\"big.yaml\");\n\
             print(`applied=${applied.len()} first=${applied[0].kind}/${applied[0].name} ${applied[0].outcome}`);\n\
             let again = rosa.apply(\"big.yaml\");\n\
             print(`again=${again[24].outcome}`);\n",
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        out.contains("applied=25 first=ConfigMap/big-0 created"),
        "{out}"
    );
    assert!(out.contains("again=unchanged"), "{out}");

    // More objects than a summary can list: refused before anything is written.
    let many: String = (0..20_001)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: many-{i}, namespace: demo}}\n"))
        .collect();
    std::fs::write(dir.path().join("many.yaml"), many).unwrap();
    let err = cluster
        .run(dir.path(), "cluster(\"rosa\").apply(\"many.yaml\");\n", &[])
        .unwrap_err();
    assert!(err.contains("nothing was applied"), "{err}");
    assert!(err.contains("split the manifest"), "{err}");
    let listed = cluster.kubectl(&["get", "configmap", "-n", "demo", "-o", "name"]);
    assert!(!listed.contains("many-"), "{listed}");
}

// ---- 7. compile time is bounded ---------------------------------------------------------------

#[test]
fn forty_thousand_variables_are_refused_quickly_or_run_in_linear_work() {
    let engine = Sandbox::new(Limits::default());
    // 40,000 variables side by side: Rhai's parser would compare each name with all before it
    // (about 800 million comparisons); refused from a linear count instead, with the way out.
    let flat: String = (0..40_000).map(|i| format!("let v{i} = {i};\n")).collect();
    let work = script::parse_work(&engine.engine, &flat);
    assert!(work > 700_000_000, "{work}");
    let path = engine.path("flat.rhai");
    std::fs::write(&path, &flat).unwrap();
    let diagnostics = script::check_file(&engine.engine, &path);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    let d = diagnostics[0].to_string();
    assert!(d.contains("sandbox limit: too many names"), "{d}");
    assert!(d.contains("modules") && d.contains("map"), "{d}");
    let err = engine.fail(&flat);
    assert!(err.contains("sandbox limit: too many names"), "{err}");

    // The same 40,000 variables, each in the block that uses it: linear to compile and run.
    let blocks: String = (0..40_000)
        .map(|i| format!("{{ let v{i} = {i}; total += v{i}; }}\n"))
        .collect();
    let source = format!(
        "let total = 0;\n{blocks}if total != {} {{ fail(`${{total}}`); }}\n",
        (0..40_000u64).sum::<u64>()
    );
    let work = script::parse_work(&engine.engine, &source);
    assert!(work <= 10 * 40_000, "{work}");
    let path = engine.path("blocks.rhai");
    std::fs::write(&path, &source).unwrap();
    assert!(script::check_file(&engine.engine, &path).is_empty());
    engine.ok(&source);
    let operations = engine.ctx.operations();
    assert!(operations <= 40_000 * 10, "{operations} operations");
}
