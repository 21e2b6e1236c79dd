//! The simulated mesh's Prometheus: `istio_requests_total` counters per mesh, kept as time series
//! so that `increase(...[window])` over the window of a load run is exact, and a subset of PromQL
//! to query them (see [`super::promql`]).
//!
//! Each mesh (keyed by its control plane namespace) has its own series, as each mesh's Prometheus
//! scrapes only its own proxies. Samples carry wall-clock Unix time, the time base clients pass in
//! `time=`; a series keeps at most [`MAX_SAMPLES`] samples (the oldest half is dropped beyond,
//! which only makes `increase` over windows older than that history undercount).

use crate::duration::unix_now;
use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

pub type Labels = BTreeMap<String, String>;

pub const METRIC: &str = "istio_requests_total";
const MAX_SAMPLES: usize = 200_000;

/// One counter: cumulative values at increasing times.
#[derive(Default, Clone)]
pub struct Series {
    samples: Vec<(f64, f64)>,
}

impl Series {
    fn add(&mut self, at: f64, by: f64) {
        let (last_t, last_v) = self.samples.last().copied().unwrap_or((f64::MIN, 0.0));
        // Wall clocks can step back; a counter's samples must not.
        let t = at.max(last_t);
        self.samples.push((t, last_v + by));
        if self.samples.len() > MAX_SAMPLES {
            self.samples.drain(..MAX_SAMPLES / 2);
        }
    }

    /// The counter's value at `t` (the last sample at or before it; 0 before the first).
    pub fn value_at(&self, t: f64) -> Option<f64> {
        let i = self.samples.partition_point(|(ts, _)| *ts <= t);
        if i == 0 {
            None
        } else {
            Some(self.samples[i - 1].1)
        }
    }
}

/// The series of every mesh of one cluster.
#[derive(Default)]
pub struct Telemetry {
    meshes: RwLock<HashMap<String, HashMap<Labels, Series>>>,
}

impl Telemetry {
    /// Counts one request in mesh `mesh_ns`.
    pub fn count(&self, mesh_ns: &str, labels: Labels) {
        self.count_at(mesh_ns, labels, unix_now());
    }

    pub fn count_at(&self, mesh_ns: &str, labels: Labels, at: f64) {
        let mut meshes = self.meshes.write().unwrap_or_else(|e| e.into_inner());
        meshes
            .entry(mesh_ns.to_string())
            .or_default()
            .entry(labels)
            .or_default()
            .add(at, 1.0);
    }

    /// Evaluates a query of the supported PromQL subset at time `at` over mesh `mesh_ns`.
    pub fn query(&self, mesh_ns: &str, query: &str, at: f64) -> Result<Vec<(Labels, f64)>, String> {
        let expr = super::promql::parse(query)?;
        let meshes = self.meshes.read().unwrap_or_else(|e| e.into_inner());
        let series: Vec<(&Labels, &Series)> = meshes
            .get(mesh_ns)
            .map(|m| m.iter().collect())
            .unwrap_or_default();
        Ok(super::promql::eval(&expr, &series, at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn increase_counts_what_happened_in_the_window() {
        let t = Telemetry::default();
        for i in 0..10 {
            t.count_at(
                "m",
                labels(&[("destination_workload", "a")]),
                100.0 + i as f64,
            );
        }
        t.count_at("m", labels(&[("destination_workload", "b")]), 105.5);
        let r = t
            .query(
                "m",
                "sum by (destination_workload) (increase(istio_requests_total[4s]))",
                109.0,
            )
            .unwrap();
        assert_eq!(
            r,
            vec![
                (labels(&[("destination_workload", "a")]), 4.0),
                (labels(&[("destination_workload", "b")]), 1.0)
            ]
        );
        assert!(
            t.query("other", "istio_requests_total", 1e12)
                .unwrap()
                .is_empty()
        );
    }
}
