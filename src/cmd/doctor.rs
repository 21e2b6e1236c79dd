//! `fedrun doctor` (live clusters) and `fedrun lint` (manifest files): one rule engine
//! ([`crate::analysis`]) over objects read from either. Exit 1 when an error-level finding
//! exists.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::{Failure, backend, runtime};
use crate::analysis::{self, Analysis, Inventory, Object, Source, report};
use crate::cli::{DoctorArgs, Findings, LintArgs};
use crate::kube::{ClusterClient, KubeError};

/// The kinds the rules read, with the names the kube layer resolves: one list per kind per
/// cluster, all namespaces.
const KINDS: &[(&str, &str)] = &[
    ("ServiceMeshControlPlane", "smcp"),
    ("ServiceMeshPeer", "servicemeshpeer"),
    ("ExportedServiceSet", "exportedserviceset"),
    ("ImportedServiceSet", "importedserviceset"),
    ("Service", "service"),
    ("ConfigMap", "configmap"),
    ("ClusterServiceVersion", "clusterserviceversion"),
];

pub fn doctor(args: DoctorArgs) -> Result<(), Failure> {
    let settings = backend::settings(&args.backend)?;
    let rt = runtime()?;
    let opened = rt.block_on(backend::open(settings.target.clone()))?;
    let result = rt.block_on(async {
        let clusters = opened.clusters(&settings.aliases, Arc::new(AtomicBool::new(false)))?;
        let names = clusters.contexts();
        let connected = futures::future::join_all(names.iter().map(|n| clusters.cluster(n))).await;
        let mut clients = Vec::new();
        for (name, client) in names.iter().zip(connected) {
            match client {
                Ok(c) => clients.push(c),
                Err(e) => eprintln!("warning: cluster {name} not checked: {e}"),
            }
        }
        let read = futures::future::join_all(clients.iter().map(read_cluster)).await;
        let mut inventory = Inventory {
            live: true,
            objects: Vec::new(),
        };
        for objects in read {
            inventory.objects.extend(objects);
        }
        Ok::<_, Failure>(inventory)
    });
    if let Some(sim) = opened.simulator {
        rt.block_on(sim.shutdown());
    }
    let inventory = result?;
    finish(&analysis::analyze(&inventory), args.output, true)
}

/// Every object of the rules' kinds on one cluster, concurrently. A kind the cluster does not
/// serve (no Service Mesh operator yet) holds nothing to check; another failure is said.
async fn read_cluster(client: &ClusterClient) -> Vec<Object> {
    let lists =
        futures::future::join_all(KINDS.iter().map(|(_, k)| client.list(k, None, None, None)))
            .await;
    let mut objects = Vec::new();
    for ((kind, _), listed) in KINDS.iter().zip(lists) {
        match listed {
            Ok(items) => objects.extend(items.into_iter().map(|value| Object {
                cluster: client.name().to_string(),
                kind: kind.to_string(),
                value,
                source: None,
            })),
            Err(KubeError::UnknownKind { .. }) => {}
            Err(e) => eprintln!(
                "warning: cluster {}: cannot list {kind}: {e}",
                client.name()
            ),
        }
    }
    objects
}

pub fn lint(args: LintArgs) -> Result<(), Failure> {
    let mut files = Vec::new();
    for path in &args.paths {
        collect(path, &mut files)?;
    }
    let vars = backend::pairs(&args.sets, "--set")?;
    let mut inventory = Inventory::default();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
        let origin = file.display().to_string();
        // A template of `cluster.apply(path, #{ vars })`: linted as apply would send it. A value
        // is one scalar in place of its placeholder, so lines stay where they are.
        let text = crate::manifest::substitute(&text, &vars, &origin).map_err(|e| {
            Failure::Failed(format!(
                "{e}\nhint: give the manifests' placeholders values with --set KEY=VALUE"
            ))
        })?;
        let documents = crate::manifest::parse_documents(&text, &origin)
            .map_err(|e| Failure::Failed(e.to_string()))?;
        let text: Arc<str> = Arc::from(text);
        for (document, value) in documents.into_iter().enumerate() {
            inventory.objects.push(Object {
                cluster: "files".into(),
                kind: value
                    .get("kind")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                value,
                source: Some(Source {
                    file: origin.clone(),
                    text: text.clone(),
                    document,
                }),
            });
        }
    }
    finish(&analysis::analyze(&inventory), args.output, false)
}

/// A file, or the YAML files under a directory (sorted, so reports are stable).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let meta =
        std::fs::metadata(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let yaml = entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml"));
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if yaml {
            out.push(entry);
        }
    }
    Ok(())
}

fn finish(analysis: &Analysis, output: Findings, live: bool) -> Result<(), Failure> {
    let printed = match output {
        Findings::Text => report::text(analysis, live),
        Findings::Json => format!("{:#}\n", report::json(analysis)),
        Findings::Sarif => format!("{:#}\n", report::sarif(analysis)),
    };
    // A closed pipe (`fedrun doctor | head`) is not an error worth a crash.
    let _ = std::io::stdout().lock().write_all(printed.as_bytes());
    if analysis.has_errors() {
        Err(Failure::Failed(String::new()))
    } else {
        Ok(())
    }
}
