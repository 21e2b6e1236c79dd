//! The primitives playbooks call, one file per family, all registered here.
//!
//! Primitives convert arguments and errors at the Rhai edge and do their work through the kube
//! layer; they never print (output goes through the run's reporter) and never speak HTTP. Calls
//! into the async kube layer cross one bridge, [`Env::block_on`]: the engine runs on the calling
//! thread, never on a runtime worker, so blocking there is safe.

pub mod cert;
pub mod cluster;
pub mod mesh;
pub mod peer;
pub mod traffic;

use std::future::Future;
use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext};

use crate::kube::{Clusters, WAIT_DISPLAY, WaitDisplay};
use crate::report::Reporter;
use crate::script::{self, PrimitiveError, RunContext, located};

/// Types as the reference names them where a primitive's Rust type is wider. `fedrun docs` shows
/// the last segment of an `#[export_module]` function's types: `-> Result<shown_as::Map>` is
/// `-> Map`.
pub mod shown_as {
    /// A map, or `()` where the function's doc says so.
    pub type Map = rhai::Dynamic;
}

/// Where primitives reach clusters: the context pool and the async runtime that drives it.
#[derive(Clone)]
pub struct Backend {
    pub clusters: Arc<Clusters>,
    pub runtime: tokio::runtime::Handle,
}

/// What every primitive works with. `backend` is absent for engines that only check or document
/// playbooks (`fedrun check`, `fedrun docs`).
///
/// [`register`] keeps it as the engine's default tag, which every evaluation of that engine
/// starts with and scripts cannot change: the `#[export_module]` functions, which capture
/// nothing, reach it through their call context with [`Env::with`].
#[derive(Clone)]
pub struct Env {
    pub ctx: Arc<RunContext>,
    backend: Option<Backend>,
}

impl Env {
    /// Runs `f` with the run's `Env`. An error gets the script position of the call, as
    /// namespaced calls (`peer::connect(...)`) need (see [`located`]).
    pub fn with<T>(
        call: &NativeCallContext,
        f: impl FnOnce(&Env) -> Result<T, Box<EvalAltResult>>,
    ) -> Result<T, Box<EvalAltResult>> {
        located(call, || {
            let env = call
                .tag()
                .and_then(|tag| tag.read_lock::<Env>())
                .ok_or_else(|| PrimitiveError::new("this engine has no fedrun primitives"))?;
            f(&env)
        })
    }

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
        let waits: Arc<dyn WaitDisplay> = Arc::new(StepWaits {
            reporter: self.ctx.reporter.clone(),
            step: self.ctx.current_step(),
        });
        let future = WAIT_DISPLAY.scope(waits, future);
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

/// Shows a primitive's waits on the line of the step that called it.
struct StepWaits {
    reporter: Reporter,
    step: Option<usize>,
}

impl WaitDisplay for StepWaits {
    fn began(&self, id: u64, cluster: &str, what: &str) {
        self.reporter.wait_began(self.step, id, cluster, what);
    }

    fn going_on(&self, id: u64, last_seen: &str) {
        self.reporter.wait_going_on(id, last_seen);
    }

    fn ended(&self, id: u64) {
        self.reporter.wait_ended(id);
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
    engine.set_default_tag(Dynamic::from(env.clone()));
    cluster::register(engine);
    mesh::register(engine);
    cert::register(engine);
    peer::register(engine);
    traffic::register(engine);
}
