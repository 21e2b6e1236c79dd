//! The primitives playbooks call, one file per family, all registered here.
//!
//! Primitives convert arguments and errors at the Rhai edge and do their work through the kube
//! layer; they never print (output goes through the run's reporter) and never speak HTTP. Calls
//! into the async kube layer cross one bridge, [`Env::block_on`]: the engine runs on the calling
//! thread, never on a runtime worker, so blocking there is safe.

pub mod cert;
pub mod cluster;
pub mod link;
pub mod mesh;
pub mod peer;
pub mod traffic;

use std::future::Future;
use std::sync::Arc;

use rhai::{Engine, EvalAltResult};

use crate::kube::Clusters;
use crate::script::{self, PrimitiveError, RunContext};

/// Where primitives reach clusters: the context pool and the async runtime that drives it.
#[derive(Clone)]
pub struct Backend {
    pub clusters: Arc<Clusters>,
    pub runtime: tokio::runtime::Handle,
}

/// What every primitive closes over. `backend` is absent for engines that only check or document
/// playbooks (`fedrun check`, `fedrun docs`).
#[derive(Clone)]
pub struct Env {
    pub ctx: Arc<RunContext>,
    backend: Option<Backend>,
}

impl Env {
    pub fn backend(&self) -> Result<&Backend, PrimitiveError> {
        self.backend.as_ref().ok_or_else(|| {
            PrimitiveError::new(
                "no clusters are connected to this engine (it only checks or documents playbooks)",
            )
        })
    }

    /// Runs an async kube-layer call to completion from the synchronous engine.
    ///
    /// In a `parallel` branch, a sibling's failure ends the call: a wait here must not hold up
    /// that failure for its whole timeout.
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Box<EvalAltResult>> {
        let runtime = &self.backend()?.runtime;
        if RunContext::branch_stops().is_empty() {
            return Ok(runtime.block_on(future));
        }
        runtime.block_on(async {
            let stopped = async {
                while !RunContext::branch_stopped() {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            };
            tokio::select! {
                output = future => Ok(output),
                () = stopped => Err(script::cancelled_error()),
            }
        })
    }
}

/// An engine with every primitive family registered.
pub fn engine(ctx: Arc<RunContext>, backend: Option<Backend>) -> Engine {
    let env = Env {
        ctx: ctx.clone(),
        backend,
    };
    script::build_engine(ctx, &|engine| register(engine, &env))
}

/// Every primitive family, listed once.
pub fn register(engine: &mut Engine, env: &Env) {
    cluster::register(engine, env);
    mesh::register(engine, env);
    cert::register(engine, env);
    peer::register(engine, env);
    traffic::register(engine, env);
}
