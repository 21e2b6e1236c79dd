//! The outcome of a run: one record per step, rendered as an aligned table or as JSON.

use serde::{Serialize, Serializer};
use std::fmt::Write as _;
use std::time::Duration;

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// The step's body returned normally.
    Ok,
    /// The step's body raised an error.
    Failed,
    /// The run was interrupted (Ctrl-C) while the step ran.
    Interrupted,
}

impl StepStatus {
    /// The lower-case word used in tables and plain output.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
            StepStatus::Interrupted => "interrupted",
        }
    }
}

/// One finished step of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// The name given to `step(name, ...)`.
    pub name: String,
    /// How the step ended.
    pub status: StepStatus,
    /// Wall-clock time of the step (seconds in JSON).
    #[serde(rename = "duration_secs", serialize_with = "secs")]
    pub duration: Duration,
    /// Writes that changed something on a cluster (including nested steps).
    pub changed: u32,
    /// Writes that found the object already as desired.
    pub unchanged: u32,
    /// Nesting depth: 0 for a top-level step.
    pub depth: usize,
}

/// The summary of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Steps in the order they started.
    pub steps: Vec<StepRecord>,
    /// Wall-clock time of the whole run (seconds in JSON).
    #[serde(rename = "total_secs", serialize_with = "secs")]
    pub total: Duration,
    /// Whether the run succeeded.
    pub ok: bool,
    /// Writes that changed something, over the whole run (inside steps or not).
    pub changed: u32,
    /// Writes that changed nothing, over the whole run.
    pub unchanged: u32,
}

fn secs<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

fn changes(changed: u32, unchanged: u32) -> String {
    match (changed, unchanged) {
        (0, 0) => "-".to_string(),
        (0, u) => format!("unchanged {u}"),
        (c, 0) => format!("changed {c}"),
        (c, u) => format!("changed {c} / unchanged {u}"),
    }
}

impl RunSummary {
    /// An aligned text table: step, status, changes, duration, then a total line.
    /// A run without steps still gets the total line.
    pub fn render_table(&self) -> String {
        let rows: Vec<[String; 4]> = self
            .steps
            .iter()
            .map(|s| {
                [
                    format!("{}{}", "  ".repeat(s.depth), s.name),
                    s.status.as_str().to_string(),
                    changes(s.changed, s.unchanged),
                    crate::duration::format(s.duration),
                ]
            })
            .collect();
        let header = ["STEP", "STATUS", "CHANGES", "DURATION"].map(String::from);
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        if !rows.is_empty() {
            for row in std::iter::once(&header).chain(&rows) {
                let _ = writeln!(
                    out,
                    "{:<w0$}  {:<w1$}  {:<w2$}  {:>w3$}",
                    row[0],
                    row[1],
                    row[2],
                    row[3],
                    w0 = widths[0],
                    w1 = widths[1],
                    w2 = widths[2],
                    w3 = widths[3]
                );
            }
        }
        let count = |st: StepStatus| self.steps.iter().filter(|s| s.status == st).count();
        let mut total = format!(
            "{}: {} step{}",
            if self.ok { "ok" } else { "FAILED" },
            self.steps.len(),
            if self.steps.len() == 1 { "" } else { "s" }
        );
        for st in [StepStatus::Failed, StepStatus::Interrupted] {
            let n = count(st);
            if n > 0 {
                let _ = write!(total, ", {n} {}", st.as_str());
            }
        }
        let _ = write!(
            total,
            "; {}; total {}",
            match changes(self.changed, self.unchanged).as_str() {
                "-" => "no writes".to_string(),
                c => c.to_string(),
            },
            crate::duration::format(self.total)
        );
        out.push_str(&total);
        out.push('\n');
        out
    }

    /// The summary as pretty-printed JSON, for `--output json`.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, status: StepStatus, ms: u64, changed: u32, unchanged: u32) -> StepRecord {
        StepRecord {
            name: name.into(),
            status,
            duration: Duration::from_millis(ms),
            changed,
            unchanged,
            depth: 0,
        }
    }

    #[test]
    fn table_is_aligned_and_has_a_total() {
        let s = RunSummary {
            steps: vec![
                record("Install operators", StepStatus::Ok, 1500, 3, 0),
                record("Trust", StepStatus::Failed, 20, 0, 2),
            ],
            total: Duration::from_millis(1600),
            ok: false,
            changed: 3,
            unchanged: 2,
        };
        let table = s.render_table();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "STEP               STATUS  CHANGES      DURATION");
        assert_eq!(lines[1], "Install operators  ok      changed 3        1.5s");
        assert_eq!(lines[2], "Trust              failed  unchanged 2      20ms");
        assert_eq!(
            lines[3],
            "FAILED: 2 steps, 1 failed; changed 3 / unchanged 2; total 1.6s"
        );
    }

    #[test]
    fn empty_run_still_has_a_summary_line() {
        let s = RunSummary {
            steps: vec![],
            total: Duration::from_millis(5),
            ok: true,
            changed: 0,
            unchanged: 0,
        };
        assert_eq!(s.render_table(), "ok: 0 steps; no writes; total 5ms\n");
    }

    #[test]
    fn json_has_seconds_and_lowercase_status() {
        let s = RunSummary {
            steps: vec![record("a", StepStatus::Interrupted, 1234, 1, 0)],
            total: Duration::from_secs(2),
            ok: false,
            changed: 1,
            unchanged: 0,
        };
        let v: serde_json::Value =
            serde_json::from_str(&s.to_json().expect("json")).expect("parse");
        assert_eq!(v["steps"][0]["status"], "interrupted");
        assert_eq!(v["steps"][0]["duration_secs"], 1.234);
        assert_eq!(v["total_secs"], 2.0);
        assert_eq!(v["ok"], false);
    }
}
