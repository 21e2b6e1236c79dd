//! Bad input (issue 9): a catalogue of mistakes users make, in one data-driven test. Each case
//! is a playbook (and files beside it) run against one shared simulator — in-process through
//! the library (`prims::engine` + `script::run_file`) where the CLI adds nothing, through the
//! `fedrun` binary where it does (usage errors, kubeconfigs, exit code 2). Every case must end
//! with its exit code and a clear message naming what is wrong and where (`file:line:col` when
//! the mistake is in a file), never a panic; and when the mistake can be seen before anything
//! is applied, nothing was written to any cluster.

mod common;

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::{SecretScan, TestSim, link_up};
use fedrun::kube::Clusters;
use fedrun::prims::{self, Backend};
use fedrun::report::Reporter;
use fedrun::script::{self, RunContext};

const FEDRUN: &str = env!("CARGO_BIN_EXE_fedrun");

/// How a case runs.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Via {
    /// In this process, through the library, on the shared simulator.
    Lib,
    /// `fedrun --sim --state <shared> ARGS... main.rhai` (ARGS may replace the defaults).
    Cli,
    /// `fedrun ARGS...` exactly as given (no --sim, no playbook appended).
    Raw,
}

/// Whether the case may write to a cluster before failing.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Writes {
    /// The mistake is detectable before applying: nothing may be written.
    None,
    /// The case applies something first on purpose, or fails mid-way.
    Allowed,
}

struct Case {
    name: &'static str,
    via: Via,
    script: String,
    files: Vec<(&'static str, Vec<u8>)>,
    args: Vec<String>,
    code: i32,
    expect: Vec<String>,
    writes: Writes,
    /// What must hold on the simulator before the case runs, and its description: a state
    /// the platform reaches asynchronously after an earlier case (a link going down).
    once: Option<(&'static str, Precondition)>,
}

/// A state of the simulator a case waits for.
type Precondition = fn(&TestSim) -> bool;

fn case(name: &'static str, script: impl Into<String>, expect: &[&str]) -> Case {
    Case {
        name,
        via: Via::Lib,
        script: script.into(),
        files: Vec::new(),
        args: Vec::new(),
        code: 1,
        expect: expect.iter().map(|s| s.to_string()).collect(),
        writes: Writes::None,
        once: None,
    }
}

impl Case {
    fn file(mut self, path: &'static str, text: impl Into<Vec<u8>>) -> Case {
        self.files.push((path, text.into()));
        self
    }
    fn cli(mut self, args: &[&str]) -> Case {
        self.via = Via::Cli;
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }
    fn raw(mut self, args: &[&str]) -> Case {
        self.via = Via::Raw;
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }
    fn code(mut self, code: i32) -> Case {
        self.code = code;
        self
    }
    fn writes(mut self) -> Case {
        self.writes = Writes::Allowed;
        self
    }
    fn once(mut self, what: &'static str, holds: Precondition) -> Case {
        self.once = Some((what, holds));
        self
    }
}

/// Whether rosa's mesh shows its link to aro's down (as Maistra writes it).
fn rosa_to_aro_down(sim: &TestSim) -> bool {
    let store = &sim.sim().cluster("rosa").expect("rosa").cluster.store;
    store
        .find("federation.maistra.io", "servicemeshpeers")
        .and_then(|rt| store.get(&rt, "rosa-prod-mesh", "aro-stg-mesh").ok())
        .is_some_and(|peer| !link_up(&peer))
}

/// A manifest applied to `ns` of rosa from a file beside the playbook.
fn apply_file(file: &str) -> String {
    format!(
        "let rosa = cluster(\"rosa\");\nrosa.apply(\"{file}\", #{{ namespace: \"bad-input\" }});\n"
    )
}

/// A manifest applied inline (YAML text in the playbook).
fn apply_inline(yaml: &str) -> String {
    format!(
        "let rosa = cluster(\"rosa\");\nrosa.apply(`{yaml}`, #{{ namespace: \"bad-input\" }});\n"
    )
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n";

fn self_signed(is_ca: bool, expired: bool) -> String {
    let mut params = rcgen::CertificateParams::new(vec!["leaf.example".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "elsewhere.local");
    if is_ca {
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    }
    if expired {
        params.not_before = rcgen::date_time_ymd(2001, 1, 1);
        params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    }
    let key = rcgen::KeyPair::generate().unwrap();
    params.self_signed(&key).unwrap().pem()
}

/// A one-shot HTTP server on 127.0.0.1 answering every request with `status` and `body`.
fn http_server(status: &'static str, body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

fn catalogue(kubeconfig: &Path, bad_token_kubeconfig: &Path) -> Vec<Case> {
    let not_found = http_server("404 Not Found", "nope");
    let garbage = http_server("200 OK", "key: [unclosed\n");
    let leaf = self_signed(false, false);
    let expired = self_signed(true, true);
    let foreign_ca = self_signed(true, false);
    let kc = kubeconfig.display().to_string();
    let bad_kc = bad_token_kubeconfig.display().to_string();
    let mut cases = vec![
        // ---- playbook syntax errors: file:line:col, nothing applied --------------------------
        case("syntax: let without a name", "let = 5;\n", &["main.rhai:1:5"]),
        case("syntax: let without a value", "let x = ;\n", &["main.rhai:1:9"]),
        case("syntax: unclosed string", "let rosa = cluster(\"rosa\");\nlet s = \"abc;\n", &["main.rhai:2:9"]),
        case("syntax: unclosed block", "if true {\n  print(1);\n", &["main.rhai:"]),
        case("syntax: stray closing brace", "print(1);\n}\n", &["main.rhai:2:1"]),
        case("syntax: two operators", "let x = 1 +* 2;\n", &["main.rhai:1:"]),
        case("syntax: unclosed array", "let x = [1, 2;\n", &["main.rhai:1:"]),
        case("syntax: unclosed call", "let rosa = cluster(\"rosa\";\n", &["main.rhai:1:"]),
        case("syntax: fn without body", "fn f(a)\nprint(1);\n", &["main.rhai:"]),
        case("syntax: identifier starting with a digit", "let 5x = 1;\n", &["main.rhai:1:"]),
        case("syntax: import without path", "import as ossm;\n", &["main.rhai:1:"]),
        case("syntax: closure without body", "step(\"a\", || );\n", &["main.rhai:1:"]),
        case("syntax: eval is disabled", "eval(\"1\");\n", &["main.rhai:1:1"]),
        case("syntax: error on a later line", "let rosa = cluster(\"rosa\");\nrosa.project(\"fine\");\nlet = 1;\n", &["main.rhai:3:5"]),
        case("syntax: unknown variable (strict)", "print(rosa);\n", &["main.rhai:1:7", "rosa"]),
        case("syntax: bad map literal", "let m = #{ a: };\n", &["main.rhai:1:"]),
        // ---- unknown functions ----------------------------------------------------------------
        case("unknown function", "clustr(\"rosa\");\n", &["main.rhai:1:1", "clustr"]),
        case("unknown method", "let rosa = cluster(\"rosa\");\nrosa.aply(\"x.yaml\");\n", &["main.rhai:2:6", "aply"]),
        case("unknown module function", "mesh::operator(cluster(\"rosa\"));\n", &["main.rhai:1:", "operator"]),
        case("unknown module", "nosuch::thing();\n", &["main.rhai:1:", "nosuch"]),
        case("unknown peer function", "peer::conect(1, 2);\n", &["main.rhai:1:", "conect"]),
        case("unknown traffic function", "traffic::splt(1);\n", &["main.rhai:1:", "splt"]),
        case("import of a missing module", "import \"nosuch\" as n;\n", &["main.rhai:1:", "nosuch"]),
        case("import leaving the playbook directory", "import \"../x\" as n;\n", &["main.rhai:1:"]),
        // ---- wrong argument types ----------------------------------------------------------------
        case("cluster(42)", "cluster(42);\n", &["main.rhai:1:1", "cluster"]),
        case("cluster() without arguments", "cluster();\n", &["main.rhai:1:1", "cluster"]),
        case("apply(42)", "let rosa = cluster(\"rosa\");\nrosa.apply(42);\n", &["main.rhai:2:6", "apply"]),
        case("apply with a string as options", "let rosa = cluster(\"rosa\");\nrosa.apply(\"x\", \"y\");\n", &["main.rhai:2:6", "apply"]),
        case("project(true)", "let rosa = cluster(\"rosa\");\nrosa.project(true);\n", &["main.rhai:2:6", "project"]),
        case("get with two arguments", "let rosa = cluster(\"rosa\");\nrosa.get(\"cm\", \"x\");\n", &["main.rhai:2:6", "get"]),
        case("wait timeout as a number", "let rosa = cluster(\"rosa\");\nrosa.wait(\"cm/x\", \"default\", \"condition=Ready\", 5);\n", &["main.rhai:2:6", "wait"]),
        case("mesh::operators of a string", "mesh::operators(\"rosa\");\n", &["main.rhai:1:", "operators"]),
        case("mesh::control_plane options not a map", "mesh::control_plane(cluster(\"rosa\"), \"m\", 5);\n", &["main.rhai:1:", "control_plane"]),
        case("peer::connect of clusters", "peer::connect(cluster(\"rosa\"), cluster(\"aro\"));\n", &["main.rhai:1:", "connect"]),
        case("cert::parse of a number", "cert::parse(5);\n", &["main.rhai:1:", "parse"]),
        case("traffic::split of a number", "traffic::split(5, \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 100 }]);\n", &["main.rhai:1:", "traffic::split expects a Mesh or a Cluster, not i64"]),
        case("traffic::split routes not an array", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", #{});\n", &["main.rhai:1:", "split"]),
        case("step without a closure", "step(\"a\", 5);\n", &["main.rhai:1:1", "step"]),
        case("sleep of a string that is no duration", "sleep(\"soon\");\n", &["main.rhai:1:1", "soon"]),
        case("jsonpath with a bad template", "jsonpath(#{a: 1}, \"{.a[\");\n", &["main.rhai:1:1", "jsonpath"]),
        case("mesh property of a string", "let m = \"x\";\nprint(m.trust_domain);\n", &["main.rhai:2:"]),
        case("index out of range", "let a = [1];\nprint(a[5]);\n", &["main.rhai:2:"]),
        case("division by zero", "let x = 1 / 0;\n", &["main.rhai:1:", "zero"]),
        case("fail() from the playbook", "step(\"Check\", || { fail(\"precondition X is not met\"); });\n", &["main.rhai:1:", "precondition X is not met", "Check"]),
        // ---- undefined ${VAR} and bad placeholders -------------------------------------------
        case("undefined ${VAR} in a file", apply_file("m.yaml"), &["m.yaml:4:9", "undefined variable `${NAME}`"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${NAME}\n"),
        case("undefined ${VAR} with others defined", "let rosa = cluster(\"rosa\");\nrosa.apply(\"m.yaml\", #{ namespace: \"bad-input\", vars: #{ OTHER: \"x\" } });\n", &["m.yaml:5:7", "${NAME}", "OTHER"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata: ${NAME}\n"),
        case("undefined ${VAR} inline", apply_inline("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${WHO}\n"), &["undefined variable `WHO`", "main.rhai:5:11"]),
        case("unterminated placeholder", apply_file("m.yaml"), &["m.yaml:4:9", "unterminated placeholder"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${NAME\n"),
        case("invalid placeholder name", apply_file("m.yaml"), &["m.yaml:4:9", "invalid placeholder"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${NA-ME}\n"),
        case("empty placeholder", apply_file("m.yaml"), &["m.yaml:4:9", "invalid placeholder"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${}\n"),
        case("undefined ${VAR} in the second document", apply_file("m.yaml"), &["m.yaml:11:9", "${SECOND}"])
            .file("m.yaml", format!("{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${{SECOND}}\n")),
        case("vars value not a string", "let rosa = cluster(\"rosa\");\nrosa.apply(\"m.yaml\", #{ namespace: \"bad-input\", vars: 5 });\n", &["main.rhai:2:6", "vars"])
            .file("m.yaml", CM),
        // ---- malformed YAML ------------------------------------------------------------------------
        case("YAML: bad indentation", apply_file("m.yaml"), &["m.yaml:5:7", "invalid YAML"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n"),
        case("YAML: unclosed flow sequence", apply_file("m.yaml"), &["m.yaml:", "invalid YAML"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n"),
        case("YAML: tab indentation", apply_file("m.yaml"), &["m.yaml:", "invalid YAML"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n"),
        case("YAML: unclosed quote", apply_file("m.yaml"), &["m.yaml:", "invalid YAML"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\n"),
        case("YAML: duplicate key", apply_file("m.yaml"), &["m.yaml:5:", "duplicate"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n"),
        case("YAML: duplicate top-level key", apply_file("m.yaml"), &["m.yaml:", "duplicate", "kind"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata:\n  name: x\n"),
        case("YAML: duplicate key in the second document", apply_file("m.yaml"), &["m.yaml:", "duplicate"])
            .file("m.yaml", format!("{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: 1\n  a: 2\n")),
        case("YAML: a list where a map belongs", apply_file("m.yaml"), &["m.yaml:1:1", "is a list"])
            .file("m.yaml", "- apiVersion: v1\n  kind: ConfigMap\n"),
        case("YAML: a scalar document", apply_file("m.yaml"), &["m.yaml:1:1", "a Kubernetes object (a map) was expected"])
            .file("m.yaml", "just a string\n"),
        case("YAML: a list as the second document", apply_file("m.yaml"), &["m.yaml:8:1", "document 2", "is a list"])
            .file("m.yaml", format!("{CM}---\n- a\n- b\n")),
        case("YAML: metadata is a list", apply_file("m.yaml"), &["m.yaml:", "metadata"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  - name: x\n"),
        case("YAML: missing apiVersion", apply_file("m.yaml"), &["m.yaml:1:1", "`apiVersion` is missing"])
            .file("m.yaml", "kind: ConfigMap\nmetadata:\n  name: x\n"),
        case("YAML: missing kind", apply_file("m.yaml"), &["m.yaml:1:1", "`kind` is missing"])
            .file("m.yaml", "apiVersion: v1\nmetadata:\n  name: x\n"),
        case("YAML: empty kind", apply_file("m.yaml"), &["m.yaml:1:1", "`kind` must be a non-empty string"])
            .file("m.yaml", "apiVersion: v1\nkind: \"\"\nmetadata:\n  name: x\n"),
        case("YAML: kind is a number", apply_file("m.yaml"), &["m.yaml:1:1", "`kind`"])
            .file("m.yaml", "apiVersion: v1\nkind: 5\nmetadata:\n  name: x\n"),
        case("YAML: missing metadata", apply_file("m.yaml"), &["m.yaml:1:1", "metadata"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\n"),
        case("YAML: missing name", apply_file("m.yaml"), &["m.yaml:1:1", "name"])
            .file("m.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n"),
        case("YAML: List item without kind", apply_file("m.yaml"), &["m.yaml:1:1", "`kind` is missing"])
            .file("m.yaml", "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    metadata: {name: x}\n"),
        case("YAML: missing apiVersion in the third document", apply_file("m.yaml"), &["m.yaml:", "document 3", "apiVersion"])
            .file("m.yaml", format!("{CM}---\n{}---\nkind: ConfigMap\nmetadata:\n  name: z\n", CM.replace("name: ok", "name: ok2"))),
        case("YAML: inline text that is no manifest", apply_inline("this is: [not yaml\n"), &["invalid YAML"]),
        case("YAML: empty manifest source", "let rosa = cluster(\"rosa\");\nlet r = rosa.apply(\"\");\n", &["main.rhai:2:14", "empty path"]),
        // ---- unknown kinds -------------------------------------------------------------------------
        case("unknown kind in a manifest", apply_inline("apiVersion: v1\nkind: ConfigMapp\nmetadata:\n  name: x\n"), &["ConfigMapp", "rosa"]),
        case("unknown apiVersion for a kind", apply_inline("apiVersion: v9\nkind: ConfigMap\nmetadata:\n  name: x\n"), &["ConfigMap (v9)"]),
        case("unknown kind in get", "let rosa = cluster(\"rosa\");\nrosa.get(\"widget\", \"default\", \"x\");\n", &["main.rhai:2:6", "widget"]),
        case("typo kind in list suggests", "let rosa = cluster(\"rosa\");\nrosa.list(\"configmapz\", \"default\");\n", &["main.rhai:2:6", "configmapz", "configmap"]),
        case("unknown kind in wait", "let rosa = cluster(\"rosa\");\nrosa.wait(\"gizmo/x\", \"default\", \"condition=Ready\", \"1s\");\n", &["main.rhai:2:6", "gizmo"]),
        case("unknown kind in delete", "let rosa = cluster(\"rosa\");\nrosa.delete(\"gizmo\", \"default\", \"x\");\n", &["main.rhai:2:6", "gizmo"]),
        case("an OSSM kind on a cluster without the operator is named with what installs it", apply_inline("apiVersion: maistra.io/v2\nkind: ServiceMeshControlPlane\nmetadata:\n  name: x\n").replace("\"rosa\"", "\"rog\""), &["ServiceMeshControlPlane", "rog"]),
        // ---- names that are not DNS-1123 -------------------------------------------------------
        case("project name with capitals", "let rosa = cluster(\"rosa\");\nrosa.project(\"Prod_Bookinfo\");\n", &["main.rhai:2:6", "Prod_Bookinfo"]),
        case("project name too long", format!("let rosa = cluster(\"rosa\");\nrosa.project(\"{}\");\n", "a".repeat(64)), &["main.rhai:2:6", "63"]),
        case("project name empty", "let rosa = cluster(\"rosa\");\nrosa.project(\"\");\n", &["main.rhai:2:6"]),
        case("object name with a space", apply_inline("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: my config\n"), &["my config"]),
        case("object name with capitals", apply_inline("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: MyConfig\n"), &["MyConfig"]),
        case("namespace option not DNS-1123", "let rosa = cluster(\"rosa\");\nrosa.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n`, #{ namespace: \"Bad_NS\" });\n", &["Bad_NS"]),
        case("mesh name not DNS-1123", "mesh::control_plane(cluster(\"rosa\"), \"Rosa.Prod\", #{});\n", &["main.rhai:1:", "Rosa.Prod"]),
        case("a second mesh in a mesh's namespace", "mesh::control_plane(cluster(\"rosa\"), \"other-mesh\", #{ namespace: \"rosa-prod-mesh\", wait: false });\n", &["main.rhai:1:", "smcp.validation.maistra.io", "only one service mesh may be installed per project/namespace"]),
        case("mesh member not DNS-1123", "mesh::control_plane(cluster(\"rosa\"), \"rosa-prod-mesh\", #{ members: [\"Bad Member\"], wait: false });\n", &["main.rhai:1:", "Bad Member"]),
        case("peer name not DNS-1123 in cert::trust", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\ncert::trust(m, \"Not_A_Mesh\", cert::root(m));\n", &["main.rhai:2:", "Not_A_Mesh"]),
        // ---- unknown contexts ------------------------------------------------------------------------
        case("unknown cluster at run time", "let c = cluster(\"nope\");\n", &["main.rhai:1:9", "nope", "rosa"]),
        case("unknown cluster computed at run time", "let name = \"ar\" + \"x\";\nlet c = cluster(name);\n", &["main.rhai:2:9", "arx", "aro"]),
        case("unknown context through the CLI", "let c = cluster(\"nope\");\n", &["nope", "rosa"]).cli(&[]).code(2),
        case("unknown context, after a valid one", "let rosa = cluster(\"rosa\");\nrosa.project(\"never-made\");\nlet c = cluster(\"rossa\");\n", &["rossa", "rosa"]).cli(&[]).code(2),
        case("context alias to a missing context", "let c = cluster(\"prod\");\n", &["missing-context"]).cli(&["--context", "prod=missing-context"]).code(2),
        // ---- unreadable or missing files -----------------------------------------------------------
        case("missing manifest file", apply_file("missing.yaml"), &["main.rhai:2:6", "missing.yaml"]),
        case("manifest is a directory", apply_file("dir"), &["main.rhai:2:6", "dir"]).file("dir/x", "x"),
        case("manifest not UTF-8", apply_file("bin.yaml"), &["main.rhai:2:6", "bin.yaml"]).file("bin.yaml", vec![0xff, 0xfe, 0x00, 0x41]),
        case("manifest outside the playbook directory", apply_file("../outside.yaml"), &["main.rhai:2:6", ".."]),
        case("manifest by absolute path", apply_file("/etc/passwd"), &["main.rhai:2:6", "absolute"]),
        case("read_file of a missing file", "read_file(\"nope.pem\");\n", &["main.rhai:1:1", "nope.pem"]),
        case("read_file outside the directory", "read_file(\"../../etc/passwd\");\n", &["main.rhai:1:1", ".."]),
        case("read_file of a binary file", "read_file(\"bin\");\n", &["main.rhai:1:1", "bin"]).file("bin", vec![0xc3, 0x28, 0xa0, 0xa1]),
        case("playbook file missing", "", &["does-not-exist.rhai", "does not exist"]).raw(&["--sim", "does-not-exist.rhai"]).code(2),
        case("playbook is a directory", "", &["sub", "not a file"]).raw(&["--sim", "sub"]).code(2).file("sub/x", "x"),
        case("playbook not UTF-8", "", &["bin.rhai"]).raw(&["check", "bin.rhai"]).file("bin.rhai", vec![0xff, 0xff, 0x0a]),
        // ---- URLs that fail -----------------------------------------------------------------------
        case("URL: connection refused", "let rosa = cluster(\"rosa\");\nrosa.apply(\"http://127.0.0.1:1/x.yaml\");\n", &["main.rhai:2:6", "127.0.0.1:1"]),
        case("URL: 404", format!("let rosa = cluster(\"rosa\");\nrosa.apply(\"{not_found}/bookinfo.yaml\");\n"), &["main.rhai:2:6", "404"]),
        case("URL: not YAML", format!("let rosa = cluster(\"rosa\");\nrosa.apply(\"{garbage}/m.yaml\");\n"), &["main.rhai:2:6", "invalid YAML", "m.yaml"]),
        case("URL: unresolvable host", "let rosa = cluster(\"rosa\");\nrosa.apply(\"https://no-such-host.invalid/m.yaml\");\n", &["main.rhai:2:6", "no-such-host.invalid"]),
        case("URL: https to a plain HTTP server", format!("let rosa = cluster(\"rosa\");\nrosa.apply(\"{}/m.yaml\");\n", not_found.replace("http://", "https://")), &["main.rhai:2:6", "https://127.0.0.1"]),
        // ---- CA certificates that cannot be trusted --------------------------------------------
        case("CA: garbage PEM", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\ncert::trust(m, \"aro-stg-mesh\", \"-----BEGIN CERTIFICATE-----\\ngarbage\\n-----END CERTIFICATE-----\\n\");\n", &["main.rhai:2:", "not a PEM certificate"]),
        case("CA: not PEM at all", "cert::parse(\"hello\");\n", &["main.rhai:1:", "not a PEM certificate"]),
        case("CA: EC parameters instead of a certificate", "cert::parse(\"-----BEGIN EC PARAMETERS-----\\nMAA=\\n-----END EC PARAMETERS-----\\n\");\n", &["main.rhai:1:"]),
        case("CA: a leaf certificate", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\ncert::trust(m, \"aro-stg-mesh\", read_file(\"leaf.pem\"));\n", &["main.rhai:2:", "not a CA", "leaf"]).file("leaf.pem", leaf.clone()),
        case("CA: expired", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\ncert::trust(m, \"aro-stg-mesh\", read_file(\"old.pem\"));\n", &["main.rhai:2:", "expired", "2002"]).file("old.pem", expired.clone()),
        case("CA: the mesh's own instead of the peer's", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\ncert::trust(m, \"aro-stg-mesh\", cert::root(m));\n", &["main.rhai:2:", "own root CA"]),
        // A CA change reaches the link asynchronously, on real clusters too: the check runs once
        // the mesh shows the link down (before that, the last status still says connected).
        case("CA: another mesh's CA trusted in place of the peer's", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\ncert::trust(m, \"aro-stg-mesh\", read_file(\"foreign.pem\"));\n", &["changed ConfigMap/aro-stg-mesh-ca-root-cert"]).file("foreign.pem", foreign_ca.clone()).writes().code(0),
        case("CA: the link another mesh's CA broke, named by wait_connected", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\nstep(\"Check\", || peer::wait_connected(m, \"aro-stg-mesh\", \"2s\"));\n", &["main.rhai:2:", "Check", "not connected", "unknown authority"]).once("rosa's link to aro down", rosa_to_aro_down),
        // ---- traffic splits -----------------------------------------------------------------------------
        case("weights add up to 90", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 70 }, #{ subset: \"v2\", weight: 20 }]);\n", &["main.rhai:1:", "add up to 90, not 100"]),
        case("weights add up to 110", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 90 }, #{ subset: \"v2\", weight: 20 }]);\n", &["main.rhai:1:", "add up to 110"]),
        case("negative weight", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 110 }, #{ subset: \"v2\", weight: -10 }]);\n", &["main.rhai:1:", "-10"]),
        case("fractional weight", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 50.5 }, #{ subset: \"v2\", weight: 49.5 }]);\n", &["main.rhai:1:", "integer"]),
        case("route without weight", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\" }]);\n", &["main.rhai:1:", "weight"]),
        case("route not a map", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [5]);\n", &["main.rhai:1:", "must be a map"]),
        case("no routes", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", []);\n", &["main.rhai:1:"]),
        case("unknown subset", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v9\", weight: 100 }]);\n", &["main.rhai:1:", "unknown subset \"v9\""]),
        case("host not imported", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 50 }, #{ host: \"details-v9.prod-bookinfo.svc.aro-stg-mesh-imports.local\", weight: 50 }]);\n", &["main.rhai:1:", "details-v9", "not imported"]),
        case("peer service not imported", "traffic::split(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", [#{ subset: \"v1\", weight: 50 }, #{ peer: \"aro-stg-mesh\", service: \"ratings\", weight: 50 }]);\n", &["main.rhai:1:", "ratings"]),
        case("mirror percent over 100", "traffic::mirror(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", \"details-v2.prod-bookinfo.svc.aro-stg-mesh-imports.local\", 150);\n", &["main.rhai:1:", "percent 150"]),
        case("mirror to a host not imported", "traffic::mirror(cluster(\"rosa\"), \"prod-bookinfo\", \"details\", \"details-v9.prod-bookinfo.svc.aro-stg-mesh-imports.local\", 10);\n", &["main.rhai:1:", "not imported"]),
        // ---- waits and durations ----------------------------------------------------------------------
        case("wait with a bad duration", "let rosa = cluster(\"rosa\");\nrosa.wait(\"cm/x\", \"default\", \"condition=Ready\", \"5 parsecs\");\n", &["main.rhai:2:6", "5 parsecs"]),
        case("wait with a negative duration", "let rosa = cluster(\"rosa\");\nrosa.wait(\"cm/x\", \"default\", \"condition=Ready\", \"-5s\");\n", &["main.rhai:2:6", "-5s"]),
        case("wait with a bad condition", "let rosa = cluster(\"rosa\");\nrosa.wait(\"cm/x\", \"default\", \"ready please\", \"1s\");\n", &["main.rhai:2:6", "ready please"]),
        case("wait target without a name", "let rosa = cluster(\"rosa\");\nrosa.wait(\"configmap\", \"default\", \"condition=Ready\", \"1s\");\n", &["main.rhai:2:6", "configmap"]),
        case("wait that times out names what it saw", "let rosa = cluster(\"rosa\");\nstep(\"Wait\", || rosa.wait(\"configmap/never\", \"default\", \"condition=Ready\", \"300ms\"));\n", &["main.rhai:2:", "Wait", "never"]),
        case("wait_connected to an unknown peer", "let m = mesh::get(cluster(\"rosa\"), \"rosa-prod-mesh\");\npeer::wait_connected(m, \"nobody-mesh\", \"300ms\");\n", &["main.rhai:2:", "nobody-mesh"]),
        case("mesh::get of a missing mesh", "mesh::get(cluster(\"rosa\"), \"no-such-mesh\");\n", &["main.rhai:1:", "no-such-mesh"]),
        case("get of a missing object", "let rosa = cluster(\"rosa\");\nrosa.get(\"configmap\", \"default\", \"nope\");\n", &["main.rhai:2:6", "nope"]),
        // ---- sandbox limits ------------------------------------------------------------------------------
        case("endless loop", "let i = 0;\nloop { i += 1; }\n", &["main.rhai:", "sandbox limit", "operations"]),
        case("endless while", "while true { }\n", &["main.rhai:", "sandbox limit"]),
        case("deep recursion", "fn f(n) { f(n + 1) }\nf(0);\n", &["main.rhai:", "f"]),
        case("mutual recursion", "fn a(n) { b(n) }\nfn b(n) { a(n) }\na(1);\n", &["main.rhai:"]),
        case("deeply nested expression", format!("let x = {}1{};\n", "(".repeat(200), ")".repeat(200)), &["main.rhai:1:"]),
        case("huge string", "let s = \"x\";\nfor i in 0..40 { s += s; }\n", &["main.rhai:", "string"]),
        case("huge array", "let a = [];\na.pad(200000, 0);\n", &["main.rhai:2:", "array"]),
        case("huge string repeated in a manifest", "let rosa = cluster(\"rosa\");\nlet v = \"y\";\nfor i in 0..30 { v += v; }\nrosa.apply(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: ${v}\n`, #{ namespace: \"bad-input\" });\n", &["main.rhai:"]),
        case("too many modules", format!("{}\n", (0..70).map(|i| format!("import \"m{i}\" as m{i};")).collect::<Vec<_>>().join("\n")), &["main.rhai:"]),
        // ---- usage errors through the CLI --------------------------------------------------------
        case("--set without =", "print(1);\n", &["--set", "KEY=VALUE"]).cli(&["--set", "novalue"]).code(2),
        case("--context without =", "print(1);\n", &["--context", "KEY=VALUE"]).cli(&["--context", "rosa"]).code(2),
        case("--timeout that is no duration", "print(1);\n", &["--timeout", "forever"]).cli(&["--timeout", "forever"]).code(2),
        case("--output of an unknown format", "print(1);\n", &["--output", "yaml"]).cli(&["--output", "yaml"]).code(2),
        case("--clusters malformed", "print(1);\n", &["--clusters"]).raw(&["--sim", "--state", "st", "--clusters", "rosa:mars", "main.rhai"]).code(2),
        case("--sim with --kubeconfig", "print(1);\n", &["exclude each other"]).raw(&["--sim", "--kubeconfig", "kc", "main.rhai"]).code(2),
        case("no playbook given", "", &["no playbook"]).raw(&["--sim"]).code(2),
        case("unknown flag", "", &["--frobnicate"]).raw(&["--frobnicate"]).code(2),
        case("sim serve --faults malformed", "", &["--faults", "boom"]).raw(&["sim", "serve", "--state", "st", "--faults", "boom=1"]).code(2),
        case("sim serve --faults over 1", "", &["--faults", "more than 1"]).raw(&["sim", "serve", "--state", "st", "--faults", "503=0.8,429=0.5"]).code(2),
        case("sim serve negative time scale", "", &["--time-scale"]).raw(&["sim", "serve", "--state", "st", "--time-scale=-1"]).code(2),
        case("check reports a syntax error", "let = 1;\n", &["main.rhai:1:5"]).raw(&["check", "main.rhai"]),
        case("check reports an unknown function", "clustr(\"rosa\");\n", &["main.rhai:1:1", "clustr"]).raw(&["check", "main.rhai"]),
        case("docs of an unknown name", "", &["nosuchthing"]).raw(&["docs", "nosuchthing"]).code(2),
        case("undefined var through --set absent", "let x = vars.name;\nlet rosa = cluster(\"rosa\");\nrosa.project(x);\n", &["main.rhai:3:"]).cli(&[]),
        // ---- kubeconfigs ----------------------------------------------------------------------------------
        case("kubeconfig missing", "print(1);\n", &["nope.kubeconfig", "does not exist"]).raw(&["--kubeconfig", "nope.kubeconfig", "main.rhai"]).code(2),
        case("kubeconfig malformed", "let rosa = cluster(\"rosa\");\n", &["kc.yaml"]).raw(&["--kubeconfig", "kc.yaml", "main.rhai"]).code(2).file("kc.yaml", "apiVersion: v1\nclusters: [\n"),
        case("kubeconfig is a list", "let rosa = cluster(\"rosa\");\n", &["kc.yaml"]).raw(&["--kubeconfig", "kc.yaml", "main.rhai"]).code(2).file("kc.yaml", "- a\n- b\n"),
        case("kubeconfig without the context", "let rosa = cluster(\"rosa\");\n", &["rosa"]).raw(&["--kubeconfig", "kc.yaml", "main.rhai"]).code(2).file("kc.yaml", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"),
        case("kubeconfig context naming a missing cluster entry", "let rosa = cluster(\"rosa\");\nrosa.project(\"x\");\n", &["rosa"]).raw(&["--kubeconfig", "kc.yaml", "main.rhai"]).file("kc.yaml", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts:\n- name: rosa\n  context: {cluster: gone, user: u}\nusers:\n- name: u\n  user: {token: abc}\ncurrent-context: rosa\n"),
        case("kubeconfig with a wrong token: 401 as an authentication error", "let rosa = cluster(\"rosa\");\nrosa.project(\"never-made\");\n", &["authentication failed", "rosa", "401"]).raw(&["--kubeconfig", &bad_kc, "main.rhai"]),
        case("kubeconfig with a wrong token, JSON output", "let rosa = cluster(\"rosa\");\nrosa.list(\"namespace\", \"\");\n", &["authentication failed", "\"ok\": false"]).raw(&["--kubeconfig", &bad_kc, "--output", "json", "main.rhai"]),
        case("the right kubeconfig works (control case)", "let rosa = cluster(\"rosa\");\nprint(`server ${rosa.server}`);\n", &["server https://127.0.0.1:"]).raw(&["--kubeconfig", &kc, "main.rhai"]).code(0),
    ];
    // Valid playbook text with a final mistake, at many lines: the position follows the line.
    for line in [5usize, 20, 99] {
        let mut text = String::new();
        for i in 1..line {
            text.push_str(&format!("let v{i} = {i};\n"));
        }
        text.push_str("let = 0;\n");
        cases.push(Case {
            expect: vec![format!("main.rhai:{line}:5")],
            ..case("syntax: error after many good lines", text, &[])
        });
    }
    cases
}

/// Runs a playbook in-process on the shared simulator; returns (exit code, output).
fn run_lib(backend: &Backend, playbook: &Path) -> (i32, String) {
    let reporter = Reporter::buffer(true);
    let ctx = Arc::new(
        RunContext::new(playbook, reporter.clone()).with_default_timeout(Duration::from_secs(5)),
    );
    let engine = prims::engine(ctx.clone(), Some(backend.clone()));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        script::run_file(&engine, &ctx, playbook)
    }));
    let mut out = reporter.output();
    let code = match outcome {
        Ok(Ok(_)) => 0,
        Ok(Err(e)) => {
            out.push_str(&e.to_string());
            1
        }
        Err(_) => {
            out.push_str("panicked");
            101
        }
    };
    (code, out)
}

fn run_cli(dir: &Path, args: &[String]) -> (i32, String) {
    let out = Command::new(FEDRUN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("FEDRUN_STATE")
        .env_remove("FEDRUN_LOG")
        .stdin(Stdio::null())
        .output()
        .expect("fedrun runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The sum of every simulated cluster's resourceVersion: unchanged means nothing was written.
fn writes(sim: &TestSim) -> u64 {
    sim.sim()
        .clusters()
        .iter()
        .map(|c| c.cluster.store.resource_version())
        .sum()
}

/// Waits until the controllers are idle (no write for a while) and returns the write mark.
fn settled(sim: &TestSim) -> u64 {
    let mut last = writes(sim);
    let mut quiet = 0;
    for _ in 0..200 {
        std::thread::sleep(Duration::from_millis(5));
        let now = writes(sim);
        if now == last {
            quiet += 1;
            if quiet >= 3 {
                break;
            }
        } else {
            quiet = 0;
            last = now;
        }
    }
    last
}

#[test]
fn a_catalogue_of_bad_input_fails_clearly_without_panics_or_writes() {
    // One simulator for every case, federated by the walkthrough playbook so that the cert,
    // peer and traffic cases have meshes, peers and imports to get wrong.
    let sim = TestSim::start();
    let kubeconfig = sim.kubeconfig();
    let state = sim.state_dir();
    let clusters =
        Clusters::from_kubeconfig(&kubeconfig, BTreeMap::new()).expect("the kubeconfig loads");
    let backend = Backend {
        clusters: Arc::new(clusters),
        runtime: sim.rt.handle().clone(),
    };
    let setup = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/rosa-aro.rhai");
    let (code, out) = run_lib(&backend, &setup);
    assert_eq!(code, 0, "setup:\n{out}");
    let root = tempfile::tempdir().unwrap();
    {
        let ns = root.path().join("ns.rhai");
        std::fs::write(&ns, "cluster(\"rosa\").project(\"bad-input\");\n").unwrap();
        let (code, out) = run_lib(&backend, &ns);
        assert_eq!(code, 0, "{out}");
    }

    // A kubeconfig for the same servers with wrong tokens.
    let wrong_token = "wrong-token-0123456789abcdefghijklmnopqrstuvwxyz";
    let real = SecretScan::of_kubeconfig(&kubeconfig);
    let mut bad = std::fs::read_to_string(&kubeconfig).unwrap();
    for t in &real.tokens {
        bad = bad.replace(t.as_str(), wrong_token);
    }
    let bad_kc = root.path().join("bad-kubeconfig");
    std::fs::write(&bad_kc, bad).unwrap();
    let secrets = real.with(wrong_token);

    let cases = catalogue(&kubeconfig, &bad_kc);
    assert!(cases.len() >= 100, "only {} cases", cases.len());
    let mut failures = Vec::new();
    let mut timings = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let dir = root.path().join(format!("case-{i:03}"));
        std::fs::create_dir_all(&dir).unwrap();
        for (rel, bytes) in &c.files {
            let path = dir.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, bytes).unwrap();
        }
        let playbook = dir.join("main.rhai");
        std::fs::write(&playbook, &c.script).unwrap();
        if let Some((what, holds)) = c.once {
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !holds(&sim) {
                if std::time::Instant::now() > deadline {
                    failures.push(format!("#{i} {}: never held: {what}", c.name));
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let before = settled(&sim);
        let started = std::time::Instant::now();
        let (code, out) = match c.via {
            Via::Lib => run_lib(&backend, &playbook),
            Via::Cli => {
                let mut args: Vec<String> = vec![
                    "--sim".into(),
                    "--state".into(),
                    state.display().to_string(),
                ];
                args.extend(c.args.iter().cloned());
                args.push("main.rhai".into());
                run_cli(&dir, &args)
            }
            Via::Raw => run_cli(&dir, &c.args),
        };
        timings.push((started.elapsed(), c.name));
        let after = settled(&sim);
        let mut problems = Vec::new();
        if code != c.code {
            problems.push(format!("exit code {code}, expected {}", c.code));
        }
        if out.contains("panicked") || code == 101 {
            problems.push("panicked".to_string());
        }
        for fragment in &c.expect {
            if !out.contains(fragment.as_str()) {
                problems.push(format!("no {fragment:?} in the output"));
            }
        }
        if c.code != 0 && !out.contains("error") {
            problems.push("no \"error\" in the output".to_string());
        }
        if c.writes == Writes::None && after != before {
            problems.push(format!("{} write(s) to the clusters", after - before));
        }
        let leaked = std::panic::catch_unwind(|| secrets.check(c.name, &out));
        if leaked.is_err() {
            problems.push("a secret in the output".to_string());
        }
        if !problems.is_empty() {
            failures.push(format!(
                "#{i} {} ({:?}): {}\n{}",
                c.name,
                c.via,
                problems.join("; "),
                out.trim_end()
                    .lines()
                    .map(|l| format!("    | {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    timings.sort();
    for (d, name) in timings.iter().rev().take(12) {
        println!("{d:>10.2?}  {name}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
