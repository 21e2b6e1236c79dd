//! Workloads as a real cluster runs them: a Deployment makes a ReplicaSet, the ReplicaSet makes
//! Pods that are scheduled, start and turn Ready; `kubectl get pods/rs`, `scale`, `rollout`,
//! `delete pod` behave as on a cluster; every namespace gets its default ServiceAccounts and the
//! CA ConfigMaps.

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::{TestSim, ok};
use serde_json::Value;

const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: 'registry.example.com/web:1'
        readinessProbe: {httpGet: {path: /, port: 8080}, initialDelaySeconds: 1}
        resources: {limits: {cpu: 100m, memory: 64Mi}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
";

fn json(sim: &TestSim, args: &[&str]) -> Value {
    try_json(sim, args).unwrap_or_else(|| panic!("kubectl get {args:?} failed"))
}

/// `kubectl -n demo get ARGS -o json`, `None` when kubectl fails (not found yet).
fn try_json(sim: &TestSim, args: &[&str]) -> Option<Value> {
    let mut all = vec!["-n", "demo", "get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "json"]);
    let out = sim.kubectl("a", &all);
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).expect("kubectl prints JSON"))
}

/// Waits until `check` holds for what `kubectl get ARGS -o json` prints.
#[track_caller]
fn until(sim: &TestSim, args: &[&str], what: &str, check: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = try_json(sim, args).unwrap_or(Value::Null);
        if check(&v) {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: never happened; last:\n{v:#}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn items(list: &Value) -> Vec<Value> {
    list["items"].as_array().cloned().unwrap_or_default()
}

fn ready_pods(list: &Value) -> usize {
    items(list)
        .iter()
        .filter(|p| {
            p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
        .count()
}

fn names(list: &Value) -> Vec<String> {
    let mut n: Vec<String> = items(list)
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap_or("").to_string())
        .collect();
    n.sort();
    n
}

fn words(out: &str) -> Vec<Vec<&str>> {
    out.lines()
        .map(|l| l.split_whitespace().collect())
        .collect()
}

fn app() -> TestSim {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl("a", &["create", "namespace", "demo"]));
    ok(sim.kubectl_stdin("a", &["-n", "demo", "apply", "-f", "-"], APP));
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "rollout",
            "status",
            "deploy/web",
            "--timeout=30s",
        ],
    ));
    sim
}

#[test]
fn a_deployment_runs_its_pods_through_a_replica_set() {
    let sim = app();
    let d = json(&sim, &["deploy", "web"]);
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "1"
    );
    let status = &d["status"];
    for field in [
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
    ] {
        assert_eq!(status[field], 2, "{field}: {status:#}");
    }
    assert!(status.get("unavailableReplicas").is_none(), "{status:#}");
    assert_eq!(status["observedGeneration"], d["metadata"]["generation"]);

    let sets = json(&sim, &["rs"]);
    let rs = &items(&sets)[0];
    let rs_name = rs["metadata"]["name"].as_str().unwrap().to_string();
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap();
    assert_eq!(rs_name, format!("web-{hash}"));
    assert_eq!(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    assert_eq!(
        rs["metadata"]["ownerReferences"][0]["uid"],
        d["metadata"]["uid"]
    );
    assert_eq!(rs["metadata"]["ownerReferences"][0]["controller"], true);
    assert_eq!(
        rs["metadata"]["ownerReferences"][0]["blockOwnerDeletion"],
        true
    );
    assert_eq!(
        rs["spec"]["selector"]["matchLabels"]["pod-template-hash"],
        hash
    );
    assert_eq!(rs["status"]["readyReplicas"], 2);

    let conditions = status["conditions"].as_array().unwrap();
    let reason = |t: &str| {
        let c = conditions.iter().find(|c| c["type"] == t).unwrap();
        (c["reason"].clone(), c["message"].clone())
    };
    assert_eq!(reason("Available").0, "MinimumReplicasAvailable");
    assert_eq!(
        reason("Progressing"),
        (
            "NewReplicaSetAvailable".into(),
            format!("ReplicaSet \"{rs_name}\" has successfully progressed.").into()
        )
    );

    let pods = json(&sim, &["pods"]);
    assert_eq!(items(&pods).len(), 2);
    for p in items(&pods) {
        let name = p["metadata"]["name"].as_str().unwrap();
        let suffix = name.strip_prefix(&format!("{rs_name}-")).expect(name);
        assert_eq!(suffix.len(), 5, "{name}");
        assert_eq!(
            p["metadata"]["ownerReferences"][0]["name"],
            rs_name.as_str()
        );
        assert_eq!(p["metadata"]["labels"]["pod-template-hash"], hash);
        assert_eq!(p["status"]["phase"], "Running");
        assert_eq!(p["status"]["qosClass"], "Guaranteed");
        assert!(
            p["spec"]["nodeName"]
                .as_str()
                .unwrap()
                .ends_with(".ec2.internal")
        );
        assert!(
            p["status"]["podIP"].as_str().unwrap().starts_with("10.1"),
            "{p:#}"
        );
        assert!(p["status"]["hostIP"].as_str().unwrap().starts_with("10.0."));
        let c = &p["status"]["containerStatuses"][0];
        assert_eq!(
            (&c["ready"], &c["started"], &c["restartCount"]),
            (&true.into(), &true.into(), &0.into())
        );
        assert!(c["containerID"].as_str().unwrap().starts_with("cri-o://"));
        assert!(
            c["imageID"]
                .as_str()
                .unwrap()
                .starts_with("registry.example.com/web@sha256:")
        );
        assert!(c["state"]["running"]["startedAt"].is_string());
        let types: Vec<&str> = p["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "True")
            .map(|c| c["type"].as_str().unwrap())
            .collect();
        for t in ["PodScheduled", "Initialized", "ContainersReady", "Ready"] {
            assert!(types.contains(&t), "{t} in {types:?}");
        }
    }

    // What kubectl prints.
    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "rs"]));
    assert_eq!(
        words(&out)[0],
        ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    );
    assert_eq!(words(&out)[1][..4], [rs_name.as_str(), "2", "2", "2"]);
    let out = ok(sim.kubectl("a", &["-n", "demo", "get", "pods", "-o", "wide"]));
    assert_eq!(
        words(&out)[0],
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ]
    );
    for row in &words(&out)[1..] {
        assert_eq!(row[1..4], ["1/1", "Running", "0"], "{out}");
        assert!(
            row[5].starts_with("10.1") && row[6].starts_with("ip-10-0-"),
            "{out}"
        );
    }
    // The Service's endpoints are the ready Pods.
    let ep = json(&sim, &["endpoints", "web"]);
    let mut ips: Vec<String> = ep["subsets"][0]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["ip"].as_str().unwrap().to_string())
        .collect();
    let mut pod_ips: Vec<String> = items(&pods)
        .iter()
        .map(|p| p["status"]["podIP"].as_str().unwrap().to_string())
        .collect();
    ips.sort();
    pod_ips.sort();
    assert_eq!(ips, pod_ips);
}

#[test]
fn scaling_and_deleting_pods_keep_the_replica_count() {
    let sim = app();
    ok(sim.kubectl("a", &["-n", "demo", "scale", "deploy/web", "--replicas=3"]));
    let pods = until(&sim, &["pods"], "three ready pods", |l| {
        items(l).len() == 3 && ready_pods(l) == 3
    });
    until(&sim, &["deploy", "web"], "3 available", |d| {
        d["status"]["availableReplicas"] == 3
    });

    // A deleted Pod is replaced by a new one.
    let before = names(&pods);
    ok(sim.kubectl("a", &["-n", "demo", "delete", "pod", &before[0]]));
    let after = until(&sim, &["pods"], "a replacement pod", |l| {
        let n = names(l);
        n.len() == 3 && !n.contains(&before[0]) && ready_pods(l) == 3
    });
    assert_eq!(
        names(&after).iter().filter(|n| before.contains(n)).count(),
        2
    );

    ok(sim.kubectl("a", &["-n", "demo", "scale", "deploy/web", "--replicas=1"]));
    until(&sim, &["pods"], "one pod", |l| items(l).len() == 1);
    until(&sim, &["deploy", "web"], "1 replica", |d| {
        d["status"]["replicas"] == 1 && d["status"]["availableReplicas"] == 1
    });
}

#[test]
fn a_new_template_rolls_out_a_new_replica_set() {
    let sim = app();
    let first = names(&json(&sim, &["rs"]));
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "set",
            "image",
            "deploy/web",
            "web=registry.example.com/web:2",
        ],
    ));
    ok(sim.kubectl(
        "a",
        &[
            "-n",
            "demo",
            "rollout",
            "status",
            "deploy/web",
            "--timeout=30s",
        ],
    ));
    let sets = until(&sim, &["rs"], "the old set scaled to 0", |l| {
        items(l).len() == 2
            && items(l).iter().any(|rs| {
                rs["metadata"]["name"] == first[0].as_str() && rs["spec"]["replicas"] == 0
            })
    });
    let new = items(&sets)
        .into_iter()
        .find(|rs| rs["metadata"]["name"] != first[0].as_str())
        .unwrap();
    assert_eq!(
        new["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    assert_eq!(new["spec"]["replicas"], 2);
    let d = until(&sim, &["deploy", "web"], "the rollout complete", |d| {
        d["status"]["updatedReplicas"] == 2 && d["status"]["replicas"] == 2
    });
    assert_eq!(
        d["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    let pods = until(&sim, &["pods"], "only new pods", |l| items(l).len() == 2);
    for p in items(&pods) {
        assert_eq!(
            p["spec"]["containers"][0]["image"],
            "registry.example.com/web:2"
        );
    }
}

#[test]
fn every_namespace_gets_its_service_accounts_and_ca_config_maps() {
    let sim = TestSim::with_clusters("a:aws");
    ok(sim.kubectl("a", &["create", "namespace", "demo"]));
    until(&sim, &["sa"], "the default service accounts", |l| {
        names(l) == ["builder", "default", "deployer"]
    });
    let cms = until(&sim, &["cm"], "the CA config maps", |l| {
        items(l).iter().any(|c| {
            c["metadata"]["name"] == "openshift-service-ca.crt"
                && c["data"]["service-ca.crt"]
                    .as_str()
                    .is_some_and(|s| s.contains("BEGIN CERTIFICATE"))
        }) && items(l)
            .iter()
            .any(|c| c["metadata"]["name"] == "kube-root-ca.crt")
    });
    // kube-root-ca.crt holds the CA that the kubeconfig trusts for this API server.
    let kubeconfig: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(sim.kubeconfig()).unwrap()).unwrap();
    let server_ca = kubeconfig["clusters"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str() == Some("a"))
        .and_then(|c| c["cluster"]["certificate-authority-data"].as_str())
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b).unwrap())
        .map(|b| String::from_utf8(b).unwrap())
        .unwrap();
    let root = items(&cms)
        .into_iter()
        .find(|c| c["metadata"]["name"] == "kube-root-ca.crt")
        .unwrap();
    assert_eq!(
        root["data"]["ca.crt"].as_str().unwrap().trim(),
        server_ca.trim()
    );
    assert!(root["metadata"]["annotations"]["kubernetes.io/description"].is_string());
    let service_ca = items(&cms)
        .into_iter()
        .find(|c| c["metadata"]["name"] == "openshift-service-ca.crt")
        .unwrap();
    assert_eq!(
        service_ca["metadata"]["annotations"]["service.beta.openshift.io/inject-cabundle"],
        "true"
    );

    // Deleted, they come back, as the real controllers re-create them.
    ok(sim.kubectl("a", &["-n", "demo", "delete", "cm", "kube-root-ca.crt"]));
    ok(sim.kubectl("a", &["-n", "demo", "delete", "sa", "default"]));
    until(
        &sim,
        &["cm", "kube-root-ca.crt"],
        "kube-root-ca.crt again",
        |c| {
            c["data"]["ca.crt"]
                .as_str()
                .is_some_and(|s| s.trim() == server_ca.trim())
        },
    );
    until(
        &sim,
        &["sa", "default"],
        "the default service account again",
        |s| s["metadata"]["name"] == "default",
    );
}
