//! Progress of a long operation with a count (e.g. the requests of a load run): a bar on a
//! terminal, one plain line at the start otherwise, nothing in buffer mode.

use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

use super::Reporter;

/// A running count. Cheap to clone and safe to bump from many tasks.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Removes the bar (the caller prints the outcome).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Reporter {
    /// Starts a progress display for `label`, out of `total` when known.
    pub fn progress(&self, label: &str, total: Option<u64>) -> Progress {
        let Some(multi) = self.multi() else {
            if !self.is_buffer() {
                self.println(&format!("{label} …"));
            }
            return Progress {
                bar: ProgressBar::hidden(),
            };
        };
        let bar = multi.add(match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        });
        let template = if total.is_some() {
            "{msg} [{bar:30.cyan/dim}] {pos}/{len} {per_sec:.dim} {elapsed:.dim}"
        } else {
            "{spinner:.cyan} {msg} {pos} {per_sec:.dim} {elapsed:.dim}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar }
    }
}
