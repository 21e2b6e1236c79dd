//! A set of simulated clusters served over HTTPS, with their kubeconfig and persisted state.
//!
//! `fedrun sim serve` runs one of these until interrupted; `fedrun --sim` and the tests start one
//! in-process on random ports. The state directory holds the kubeconfig (0600), one snapshot per
//! cluster (written atomically, so a kill -9 leaves the last complete one), the cluster list, and a
//! lock held while a simulator serves the directory, so two never write the same state.

use std::collections::HashMap;
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::api;
use super::cluster::{Provider, SimCluster};
use super::controllers;
use super::dataplane;
use super::faults::{FaultSpec, Faults};
use super::kubeconfig::{self, KubeconfigEntry, atomic_write};
use super::serve::{ServeOptions, serve};
use super::store::{Snapshot, Store};
use super::tls::ClusterIdentity;
use super::world::World;
use crate::dataplane::{DATAPLANE_FILE, DataPlaneInfo, dataplane_path};

/// How long after a write the snapshot is saved: bursts of writes cost one save.
const SAVE_DEBOUNCE: Duration = Duration::from_millis(25);

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot use state directory {path}: {source}")]
    StateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "another fedrun simulator is serving {0} (see `fedrun sim status`; stop it or use another --state)"
    )]
    Busy(PathBuf),
    #[error("state file {path} is unreadable: {message} (run `fedrun sim reset` to start over)")]
    CorruptState { path: PathBuf, message: String },
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    #[error("cannot create the TLS identity of cluster {cluster}: {message}")]
    Identity { cluster: String, message: String },
    #[error(
        "invalid cluster list {0:?}: expected name:provider pairs such as rosa:aws,aro:azure,rog:gcp"
    )]
    ClusterList(String),
    #[error(
        "{0} is not a fedrun simulator state directory (it has no {LAYOUT_FILE}): refusing to delete anything in it"
    )]
    NotStateDir(PathBuf),
}

/// A cluster to simulate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSpec {
    pub name: String,
    pub provider: Provider,
}

/// Parses `rosa:aws,aro:azure,rog:gcp`.
pub fn parse_clusters(text: &str) -> Result<Vec<ClusterSpec>, SimError> {
    let bad = || SimError::ClusterList(text.to_string());
    let mut specs: Vec<ClusterSpec> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (name, provider) = item.split_once(':').ok_or_else(bad)?;
        crate::names::dns1123_label(name).map_err(|_| bad())?;
        let provider = provider.parse().map_err(|_| bad())?;
        if specs.iter().any(|s| s.name == name) {
            return Err(bad());
        }
        specs.push(ClusterSpec {
            name: name.to_string(),
            provider,
        });
    }
    if specs.is_empty() {
        return Err(bad());
    }
    Ok(specs)
}

/// The walkthrough's clusters: ROSA on AWS, ARO on Azure, OpenShift Dedicated on GCP.
pub fn default_clusters() -> Vec<ClusterSpec> {
    parse_clusters("rosa:aws,aro:azure,rog:gcp").expect("valid default cluster list")
}

#[derive(Clone, Debug)]
pub struct SimOptions {
    pub state_dir: PathBuf,
    /// `None`: the clusters saved in the state directory, else the default three.
    pub clusters: Option<Vec<ClusterSpec>>,
    /// Multiplies the controllers' reconcile delays; 0 makes them immediate (tests).
    pub time_scale: f64,
    pub faults: FaultSpec,
    /// Answer a write only once it is saved. A simulator in the process of its client (`fedrun
    /// --sim` without a server) dies with it: a write the run reported as applied must survive
    /// a `kill -9`. A served simulator outlives its clients and saves after each burst.
    pub durable_writes: bool,
}

impl SimOptions {
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        SimOptions {
            state_dir: state_dir.into(),
            clusters: None,
            time_scale: 0.0,
            faults: FaultSpec::default(),
            durable_writes: false,
        }
    }
}

/// What the state directory remembers between runs besides the objects.
#[derive(Serialize, Deserialize)]
struct Layout {
    clusters: Vec<ClusterSpec>,
}

/// Where a running simulator says it is, for `fedrun sim status` and `fedrun --sim`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ServerInfo {
    pub pid: u32,
    pub clusters: Vec<(String, String)>,
    /// The server's `--time-scale` (absent in files of older versions: then unknown).
    #[serde(default)]
    pub time_scale: Option<f64>,
}

/// The file that marks a directory as a simulator's state: written first, on every start.
const LAYOUT_FILE: &str = "simulator.json";
/// Everything the simulator writes at the top of its state directory, besides `clusters/`.
const STATE_FILES: &[&str] = &[
    LAYOUT_FILE,
    "kubeconfig",
    "lock",
    "server.json",
    DATAPLANE_FILE,
];

/// Creates a state directory (and missing parents) readable by its owner only: it holds
/// bearer tokens and private keys. An existing one is narrowed to 0700 too.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    if std::fs::metadata(dir)?.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// What `reset` removed.
#[derive(Debug, PartialEq)]
pub enum Reset {
    Removed,
    Nothing,
}

/// Deletes the simulator's state in `dir`: only the files it writes (and their temporary
/// siblings left by a crash), then the directory if nothing else is in it. A directory that is
/// not a state directory is refused, so that `--state $HOME` can never wipe a home directory.
pub fn reset(dir: &Path) -> Result<Reset, SimError> {
    let entries: Vec<std::fs::DirEntry> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.collect::<Result<_, _>>().map_err(io_err(dir))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Reset::Nothing),
        Err(e) => return Err(io_err(dir)(e)),
    };
    if entries.is_empty() {
        std::fs::remove_dir(dir).map_err(io_err(dir))?;
        return Ok(Reset::Nothing);
    }
    if !dir.join(LAYOUT_FILE).is_file() {
        return Err(SimError::NotStateDir(dir.to_path_buf()));
    }
    // `atomic_write` names its temporary files `.<name>.<random>.tmp`.
    let ours = |name: &str, known: &dyn Fn(&str) -> bool| {
        known(name)
            || name
                .strip_prefix('.')
                .and_then(|n| n.strip_suffix(".tmp"))
                .and_then(|n| n.rsplit_once('.'))
                .is_some_and(|(base, _)| known(base))
    };
    let remove = |path: &Path| match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    };
    let clusters = dir.join("clusters");
    if clusters.is_dir() {
        for entry in std::fs::read_dir(&clusters).map_err(io_err(&clusters))? {
            let entry = entry.map_err(io_err(&clusters))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.file_type().is_ok_and(|t| t.is_file())
                && ours(&name, &|n| n.ends_with(".json"))
            {
                remove(&entry.path())?;
            }
        }
        // Left in place when it holds something the simulator did not write.
        let _ = std::fs::remove_dir(&clusters);
    }
    for entry in &entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_file())
            && ours(&name, &|n| STATE_FILES.contains(&n))
        {
            remove(&entry.path())?;
        }
    }
    let _ = std::fs::remove_dir(dir);
    Ok(Reset::Removed)
}

pub struct RunningCluster {
    pub cluster: Arc<SimCluster>,
    pub addr: SocketAddr,
    pub faults: Arc<Faults>,
}

pub struct Simulator {
    state_dir: PathBuf,
    world: Arc<World>,
    clusters: Vec<RunningCluster>,
    dataplane: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    _lock: File,
}

pub fn kubeconfig_path(state_dir: &Path) -> PathBuf {
    state_dir.join("kubeconfig")
}

fn snapshot_path(state_dir: &Path, cluster: &str) -> PathBuf {
    state_dir.join("clusters").join(format!("{cluster}.json"))
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> SimError + '_ {
    move |source| SimError::StateDir {
        path: path.to_path_buf(),
        source,
    }
}

impl Simulator {
    /// Starts every cluster on a random loopback port and writes the kubeconfig.
    pub async fn start(options: SimOptions) -> Result<Simulator, SimError> {
        let dir = options.state_dir.clone();
        private_dir(&dir.join("clusters")).map_err(io_err(&dir))?;
        private_dir(&dir).map_err(io_err(&dir))?;
        let lock = lock_state(&dir)?;

        let layout_path = dir.join(LAYOUT_FILE);
        let saved: Option<Layout> = match std::fs::read(&layout_path) {
            Ok(bytes) => {
                Some(
                    serde_json::from_slice(&bytes).map_err(|e| SimError::CorruptState {
                        path: layout_path.clone(),
                        message: e.to_string(),
                    })?,
                )
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(&layout_path)(e)),
        };
        let specs = options
            .clusters
            .clone()
            .or(saved.map(|l| l.clusters))
            .unwrap_or_else(default_clusters);
        let layout = serde_json::to_vec_pretty(&Layout {
            clusters: specs.clone(),
        })
        .unwrap_or_default();
        atomic_write(&layout_path, &layout, 0o600).map_err(io_err(&layout_path))?;

        let (shutdown, _) = watch::channel(false);
        let mut clusters = Vec::new();
        let mut entries = Vec::new();
        let mut tasks = Vec::new();
        let mut members = Vec::new();
        for spec in &specs {
            let store = Arc::new(load_store(&dir, &spec.name)?);
            let cluster = Arc::new(SimCluster::new(spec.name.clone(), spec.provider, store));
            controllers::prepare(&cluster);
            members.push(cluster);
        }
        let world = Arc::new(World::new(members, options.time_scale));
        controllers::restore(&world);
        for (spec, cluster) in specs.iter().zip(world.clusters.iter().cloned()) {
            let store = cluster.store.clone();
            let identity =
                ClusterIdentity::generate(&spec.name).map_err(|e| SimError::Identity {
                    cluster: spec.name.clone(),
                    message: e.to_string(),
                })?;
            controllers::workloads::publish_api_server_ca(&cluster, &identity.ca_cert_pem);
            let tls = identity.server_config().map_err(|e| SimError::Identity {
                cluster: spec.name.clone(),
                message: e.to_string(),
            })?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(SimError::Listen)?;
            let addr = listener.local_addr().map_err(SimError::Listen)?;
            let faults = Arc::new(Faults::new(options.faults.clone()));
            let opts = ServeOptions {
                token: identity.token.clone(),
                faults: faults.clone(),
                max_body: api::MAX_BODY,
            };
            let mut stop = shutdown.subscribe();
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let saver = Arc::new(Saver {
                store: store.clone(),
                path: snapshot_path(&dir, &spec.name),
                saved: tokio::sync::Mutex::new(0),
                encoded: std::sync::Mutex::default(),
            });
            let mut router = api::router(cluster.clone());
            if options.durable_writes {
                router = router.layer(axum::middleware::from_fn_with_state(
                    saver.clone(),
                    saved_before_answer,
                ));
            }
            tasks.push(tokio::spawn(async move {
                if let Err(e) = serve(listener, tls, router, opts, stopped).await {
                    tracing::error!("simulated API server stopped: {e}");
                }
            }));
            tasks.push(tokio::spawn(persist(saver, shutdown.subscribe())));
            entries.push(KubeconfigEntry {
                context: spec.name.clone(),
                server: format!("https://{addr}"),
                ca_cert_pem: identity.ca_cert_pem.clone(),
                token: identity.token.clone(),
            });
            clusters.push(RunningCluster {
                cluster,
                addr,
                faults,
            });
        }
        tasks.extend(controllers::spawn(
            world.clone(),
            controllers::all(&world),
            shutdown.subscribe(),
        ));
        let dataplane = start_dataplane(&world, &shutdown, &mut tasks).await?;
        let info = DataPlaneInfo {
            address: dataplane,
            domains: specs
                .iter()
                .map(|s| format!("apps.{}.example.com", s.name))
                .collect(),
        };
        let dp_path = dataplane_path(&dir);
        atomic_write(
            &dp_path,
            &serde_json::to_vec_pretty(&info).unwrap_or_default(),
            0o600,
        )
        .map_err(io_err(&dp_path))?;
        let kc = kubeconfig_path(&dir);
        kubeconfig::write(&kc, &entries, specs.first().map(|s| s.name.as_str()))
            .map_err(io_err(&kc))?;
        let info = ServerInfo {
            pid: std::process::id(),
            clusters: clusters
                .iter()
                .map(|c| (c.cluster.name.clone(), format!("https://{}", c.addr)))
                .collect(),
            time_scale: Some(options.time_scale),
        };
        let info_path = dir.join("server.json");
        atomic_write(
            &info_path,
            &serde_json::to_vec_pretty(&info).unwrap_or_default(),
            0o600,
        )
        .map_err(io_err(&info_path))?;
        Ok(Simulator {
            state_dir: dir,
            world,
            clusters,
            dataplane,
            shutdown,
            tasks,
            _lock: lock,
        })
    }

    pub fn kubeconfig(&self) -> PathBuf {
        kubeconfig_path(&self.state_dir)
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// The clusters with what they share (network, time scale), as the controllers see them.
    pub fn world(&self) -> &Arc<World> {
        &self.world
    }

    /// The data plane's plain-HTTP listener (Routes are told apart by the Host header).
    pub fn dataplane_addr(&self) -> SocketAddr {
        self.dataplane
    }

    pub fn clusters(&self) -> &[RunningCluster] {
        &self.clusters
    }

    pub fn cluster(&self, name: &str) -> Option<&RunningCluster> {
        self.clusters.iter().find(|c| c.cluster.name == name)
    }

    /// Stops serving and saves every cluster's state.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        let _ = std::fs::remove_file(self.state_dir.join("server.json"));
        let _ = std::fs::remove_file(dataplane_path(&self.state_dir));
    }
}

/// Starts the data plane's HTTP listener on a random loopback port.
async fn start_dataplane(
    world: &Arc<World>,
    shutdown: &watch::Sender<bool>,
    tasks: &mut Vec<JoinHandle<()>>,
) -> Result<SocketAddr, SimError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(SimError::Listen)?;
    let addr = listener.local_addr().map_err(SimError::Listen)?;
    let router = dataplane::server::router(Arc::new(dataplane::DataPlane::new(world.clone())));
    let mut stop = shutdown.subscribe();
    tasks.push(tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router)
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!("simulated data plane stopped: {e}");
        }
    }));
    Ok(addr)
}

/// Takes the state directory's lock, held for the simulator's lifetime (released by the OS on exit,
/// even after kill -9).
fn lock_state(dir: &Path) -> Result<File, SimError> {
    let path = dir.join("lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(io_err(&path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(SimError::Busy(dir.to_path_buf())),
        Err(std::fs::TryLockError::Error(e)) => Err(io_err(&path)(e)),
    }
}

/// Whether a simulator currently serves `dir`, and where.
pub fn running_server(dir: &Path) -> Option<ServerInfo> {
    let file = File::options().write(true).open(dir.join("lock")).ok()?;
    match file.try_lock() {
        Ok(()) => None,
        Err(_) => serde_json::from_slice(&std::fs::read(dir.join("server.json")).ok()?).ok(),
    }
}

/// The clusters remembered in `dir`, with their object counts.
pub fn saved_clusters(dir: &Path) -> Vec<(ClusterSpec, usize)> {
    let layout: Option<Layout> = std::fs::read(dir.join(LAYOUT_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    layout
        .map(|l| l.clusters)
        .unwrap_or_default()
        .into_iter()
        .map(|spec| {
            let objects = std::fs::read(snapshot_path(dir, &spec.name))
                .ok()
                .and_then(|b| serde_json::from_slice::<Snapshot>(&b).ok())
                .map(|s| s.objects.len())
                .unwrap_or(0);
            (spec, objects)
        })
        .collect()
}

fn load_store(dir: &Path, cluster: &str) -> Result<Store, SimError> {
    let path = snapshot_path(dir, cluster);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let snapshot: Snapshot =
                serde_json::from_slice(&bytes).map_err(|e| SimError::CorruptState {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
            Ok(Store::from_snapshot(snapshot))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Store::new()),
        Err(e) => Err(io_err(&path)(e)),
    }
}

/// Writes a cluster's snapshot file, one save at a time and never an older state over a newer.
struct Saver {
    store: Arc<Store>,
    path: PathBuf,
    /// The resource version the file holds.
    saved: tokio::sync::Mutex<u64>,
    /// Each object's entry as last written, with the resourceVersion it had: a save encodes
    /// only what changed since, so large objects that rarely change (CRDs) cost a copy.
    encoded: std::sync::Mutex<Encoded>,
}

/// `(group, plural, namespace, name)`.
type ObjectKey = (String, String, String, String);

/// The entries a save wrote, to reuse while their objects are unchanged.
type Encoded = HashMap<ObjectKey, (String, Arc<[u8]>)>;

/// A snapshot file's bytes (a [`Snapshot`] in JSON), reusing the unchanged entries of `previous`;
/// also returns the entries written.
fn encode(
    rv: u64,
    objects: Vec<(String, String, Arc<Value>)>,
    mut previous: Encoded,
) -> std::io::Result<(Vec<u8>, Encoded)> {
    #[derive(Serialize)]
    struct Entry<'a> {
        group: &'a str,
        plural: &'a str,
        object: &'a Value,
    }
    let mut current = HashMap::with_capacity(objects.len());
    let mut out = format!("{{\"rv\":{rv},\"objects\":[").into_bytes();
    for (i, (group, plural, object)) in objects.into_iter().enumerate() {
        let meta = |f: &str| {
            object
                .pointer(&format!("/metadata/{f}"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let version = meta("resourceVersion");
        let key = (group, plural, meta("namespace"), meta("name"));
        let bytes = match previous.remove(&key) {
            Some((v, bytes)) if v == version => bytes,
            _ => {
                let entry = Entry {
                    group: &key.0,
                    plural: &key.1,
                    object: &object,
                };
                Arc::from(serde_json::to_vec(&entry).map_err(std::io::Error::other)?)
            }
        };
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&bytes);
        current.insert(key, (version, bytes));
    }
    out.extend_from_slice(b"]}");
    Ok((out, current))
}

impl Saver {
    /// Saves the store unless the file already holds its current version. Concurrent callers
    /// wait for the save in progress, which then covers their writes too.
    async fn save(&self) {
        let mut saved = self.saved.lock().await;
        let version = self.store.resource_version();
        if version <= *saved && *saved != 0 {
            return;
        }
        let (rv, objects) = self.store.shared_objects();
        let path = self.path.clone();
        let previous = std::mem::take(&mut *self.encoded.lock().unwrap_or_else(|e| e.into_inner()));
        let written = tokio::task::spawn_blocking(move || {
            let (bytes, entries) = encode(rv, objects, previous)?;
            atomic_write(&path, &bytes, 0o600)?;
            Ok::<_, std::io::Error>(entries)
        })
        .await;
        match written {
            Ok(Ok(entries)) => {
                *self.encoded.lock().unwrap_or_else(|e| e.into_inner()) = entries;
                *saved = version;
            }
            Ok(Err(e)) => tracing::error!("cannot save simulator state: {e}"),
            Err(e) => tracing::error!("cannot save simulator state: {e}"),
        }
    }
}

/// Middleware of a durable simulator: a successful write is answered once it is on disk.
async fn saved_before_answer(
    axum::extract::State(saver): axum::extract::State<Arc<Saver>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let write = !matches!(
        *request.method(),
        http::Method::GET | http::Method::HEAD | http::Method::OPTIONS
    );
    let response = next.run(request).await;
    if write && response.status().is_success() {
        saver.save().await;
    }
    response
}

/// Saves the store after each burst of writes, and once more at shutdown.
async fn persist(saver: Arc<Saver>, mut stop: watch::Receiver<bool>) {
    loop {
        let stopping = tokio::select! {
            _ = saver.store.changed.notified() => false,
            _ = stop.wait_for(|s| *s) => true,
        };
        if !stopping {
            tokio::time::sleep(SAVE_DEBOUNCE).await;
        }
        saver.save().await;
        if stopping {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_removes_only_what_the_simulator_wrote_and_refuses_other_directories() {
        use std::os::unix::fs::PermissionsExt;
        let home = tempfile::tempdir().unwrap();
        std::fs::write(home.path().join("notes.txt"), "keep").unwrap();
        std::fs::create_dir(home.path().join("clusters")).unwrap();
        std::fs::write(home.path().join("clusters").join("mine.json"), "{}").unwrap();
        assert!(matches!(reset(home.path()), Err(SimError::NotStateDir(_))));
        assert!(home.path().join("clusters").join("mine.json").exists());

        let state = home.path().join("state");
        private_dir(&state.join("clusters")).unwrap();
        let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        for f in [LAYOUT_FILE, "kubeconfig", "lock", ".server.json.a1b2.tmp"] {
            std::fs::write(state.join(f), "x").unwrap();
        }
        std::fs::write(state.join("clusters").join("rosa.json"), "{}").unwrap();
        std::fs::write(state.join("clusters").join(".rosa.json.x9.tmp"), "{}").unwrap();
        std::fs::write(state.join("user-notes.md"), "mine").unwrap();
        assert_eq!(reset(&state).unwrap(), Reset::Removed);
        let left: Vec<_> = std::fs::read_dir(&state)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            left,
            ["user-notes.md"],
            "only what the simulator wrote goes"
        );
        std::fs::remove_file(state.join("user-notes.md")).unwrap();
        assert_eq!(reset(&state).unwrap(), Reset::Nothing);
        assert!(!state.exists());
        assert_eq!(reset(&state).unwrap(), Reset::Nothing);
    }

    #[test]
    fn cluster_lists_parse_and_reject_mistakes() {
        let specs = parse_clusters("a:aws, b:gcp").unwrap();
        assert_eq!(
            specs[1],
            ClusterSpec {
                name: "b".into(),
                provider: Provider::Gcp
            }
        );
        for bad in ["", "a", "a:mars", "A:aws", "a:aws,a:gcp"] {
            assert!(parse_clusters(bad).is_err(), "{bad:?} accepted");
        }
    }
}
