//! `fedrun graph`: the request graph of a mesh (what Kiali draws) from its Prometheus, printed as a
//! table and written as DOT and SVG. Reaches clusters like `fedrun run` (see `backend`); with
//! `--sim` the metrics are those of a running `fedrun sim serve` (an in-process simulator starts
//! with none).

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde_json::Value;

use super::{Failure, backend, runtime};
use crate::cli::GraphArgs;
use crate::prims::traffic::graph_of;

pub fn run(args: GraphArgs) -> Result<(), Failure> {
    let settings = backend::settings(&args.backend)?;
    let rt = runtime()?;
    let opened = rt.block_on(backend::open(settings.target.clone()))?;
    let result = rt.block_on(async {
        let clusters = opened.clusters(&settings.aliases, Arc::new(AtomicBool::new(false)))?;
        clusters.check(&[args.cluster.as_str()]).map_err(|e| {
            Failure::Usage(match e.hint() {
                Some(h) => format!("{e}\nhint: {h}"),
                None => e.to_string(),
            })
        })?;
        let client = clusters
            .cluster(&args.cluster)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
        let (namespace, name) = match &args.mesh {
            Some(ns) => (ns.clone(), ns.clone()),
            None => {
                let smcps = client
                    .list("smcp", None, None, None)
                    .await
                    .map_err(|e| Failure::Failed(e.to_string()))?;
                let field = |v: &Value, p: &str| {
                    v.pointer(p)
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string()
                };
                match smcps.as_slice() {
                    [one] => (
                        field(one, "/metadata/namespace"),
                        field(one, "/metadata/name"),
                    ),
                    [] => {
                        return Err(Failure::Failed(format!(
                            "cluster {} has no Service Mesh control plane",
                            args.cluster
                        )));
                    }
                    many => {
                        let names: Vec<String> = many
                            .iter()
                            .map(|m| field(m, "/metadata/namespace"))
                            .collect();
                        return Err(Failure::Usage(format!(
                            "cluster {} has several meshes; pick one with --mesh ({})",
                            args.cluster,
                            names.join(", ")
                        )));
                    }
                }
            }
        };
        graph_of(&client, &namespace, &name, &args.window)
            .await
            .map_err(|e| Failure::Failed(format!("graph of {namespace} on {}: {e}", args.cluster)))
    });
    if let Some(sim) = opened.simulator {
        rt.block_on(sim.shutdown());
    }
    let graph = result?;
    // A closed pipe (`fedrun graph | head`) is not an error worth a crash.
    let say = |text: &str| {
        let _ = writeln!(std::io::stdout().lock(), "{text}");
    };
    say(&graph.render());
    if let Some(path) = &args.dot {
        std::fs::write(path, graph.to_dot(true))
            .map_err(|e| Failure::Failed(format!("cannot write {}: {e}", path.display())))?;
        say(&format!("DOT written to {}", path.display()));
    }
    if let Some(path) = &args.svg {
        let svg = graph.to_svg().map_err(Failure::Failed)?;
        std::fs::write(path, svg)
            .map_err(|e| Failure::Failed(format!("cannot write {}: {e}", path.display())))?;
        say(&format!("SVG written to {}", path.display()));
    }
    Ok(())
}
