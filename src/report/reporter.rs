//! Where run output goes, and in what form.
//!
//! The decision "spinners or plain lines" is made once, when the [`Reporter`] is created, from
//! the colour policy of `report::color` on the chosen stream: a pipe or CI log never receives
//! ANSI escape codes. Everything a run writes for humans (script `print`, warnings, step progress)
//! goes through one reporter so that lines are printed above the spinners rather than through them.

use super::summary::{StepRecord, StepStatus};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The standard stream a [`Reporter`] writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output: the usual choice for `--output text`.
    Stdout,
    /// Standard error: use it with `--output json` so stdout carries only the JSON.
    Stderr,
}

/// Reports a run's progress and output. Cheap to clone; all clones share one output.
#[derive(Clone)]
pub struct Reporter {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Sink,
    verbose: bool,
    state: Mutex<State>,
}

enum Sink {
    /// Spinners and colours on a terminal.
    Fancy {
        multi: MultiProgress,
        stream: Stream,
    },
    /// Plain lines, no escape codes.
    Plain(Stream),
    /// Plain lines kept in memory (tests).
    Buffer,
}

#[derive(Default)]
struct State {
    /// Spinners of the steps currently running, by step slot (several run at once in
    /// `parallel` branches).
    bars: Vec<StepBar>,
    /// Waits in progress, shown with their step (see [`Reporter::wait_began`]).
    waits: Vec<Wait>,
    /// Output captured in buffer mode.
    buffer: String,
}

/// A running step's spinner (hidden without a terminal) and how deep it is nested.
struct StepBar {
    slot: usize,
    depth: usize,
    bar: ProgressBar,
}

impl State {
    fn bar(&self, slot: Option<usize>) -> Option<&StepBar> {
        slot.and_then(|s| self.bars.iter().find(|b| b.slot == s))
    }
}

/// How long a wait goes on before plain output says so, and how often it says so again.
pub const FIRST_WAIT_LINE: Duration = Duration::from_secs(10);
pub const WAIT_LINE_EVERY: Duration = Duration::from_secs(60);

/// A wait in progress, as [`Reporter::wait_began`] saw it begin.
struct Wait {
    id: u64,
    slot: Option<usize>,
    /// Indentation of its plain lines: one more than its step's.
    depth: usize,
    /// The step's own spinner text, restored when the wait ends.
    step: String,
    /// `waiting for … on … (since …)`.
    text: String,
    started: Instant,
    /// When plain output next reports the wait.
    next_line: Duration,
    last_seen: String,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.inner.sink {
            Sink::Fancy { .. } => "fancy",
            Sink::Plain(_) => "plain",
            Sink::Buffer => "buffer",
        };
        f.debug_struct("Reporter")
            .field("mode", &mode)
            .field("verbose", &self.inner.verbose)
            .finish()
    }
}

impl Reporter {
    /// A reporter on `stream`: spinners if it is a terminal and escape codes are allowed,
    /// plain lines otherwise. `verbose` also shows `debug` output and step start lines.
    pub fn new(stream: Stream, verbose: bool) -> Reporter {
        let sink = if super::color::interactive(stream) {
            let target = match stream {
                Stream::Stdout => ProgressDrawTarget::stdout(),
                Stream::Stderr => ProgressDrawTarget::stderr(),
            };
            Sink::Fancy {
                multi: MultiProgress::with_draw_target(target),
                stream,
            }
        } else {
            Sink::Plain(stream)
        };
        Reporter::with_sink(sink, verbose)
    }

    /// A reporter that keeps plain output in memory; read it with [`Reporter::output`].
    pub fn buffer(verbose: bool) -> Reporter {
        Reporter::with_sink(Sink::Buffer, verbose)
    }

    fn with_sink(sink: Sink, verbose: bool) -> Reporter {
        Reporter {
            inner: Arc::new(Inner {
                sink,
                verbose,
                state: Mutex::new(State::default()),
            }),
        }
    }

    /// Whether spinners and colours are drawn.
    pub fn is_fancy(&self) -> bool {
        matches!(self.inner.sink, Sink::Fancy { .. })
    }

    /// The terminal's bars, when they are drawn.
    pub(super) fn multi(&self) -> Option<&MultiProgress> {
        match &self.inner.sink {
            Sink::Fancy { multi, .. } => Some(multi),
            _ => None,
        }
    }

    pub(super) fn is_buffer(&self) -> bool {
        matches!(self.inner.sink, Sink::Buffer)
    }

    /// Everything written so far, in buffer mode; empty otherwise.
    pub fn output(&self) -> String {
        self.state().buffer.clone()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock must not silence all later output.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes one line, above any spinner.
    pub fn println(&self, text: &str) {
        let mut state = self.state();
        match &self.inner.sink {
            Sink::Fancy { multi, .. } => {
                if state.bars.is_empty() {
                    drop(state);
                    write_line(self.stream(), text);
                } else {
                    let _ = multi.println(text);
                }
            }
            Sink::Plain(stream) => write_line(*stream, text),
            Sink::Buffer => {
                state.buffer.push_str(text);
                state.buffer.push('\n');
            }
        }
    }

    fn stream(&self) -> Stream {
        match self.inner.sink {
            Sink::Fancy { stream, .. } | Sink::Plain(stream) => stream,
            Sink::Buffer => Stream::Stdout,
        }
    }

    /// Writes a line only in verbose mode (script `debug`, details).
    pub fn debug(&self, text: &str) {
        if self.inner.verbose {
            self.println(text);
        }
    }

    /// Writes `warning: text` (to stderr, or the buffer).
    pub fn warn(&self, text: &str) {
        let line = if self.is_fancy() {
            format!("\x1b[33mwarning:\x1b[0m {text}")
        } else {
            format!("warning: {text}")
        };
        match &self.inner.sink {
            Sink::Fancy { multi, .. } => multi.suspend(|| write_line(Stream::Stderr, &line)),
            Sink::Plain(_) => write_line(Stream::Stderr, &line),
            Sink::Buffer => self.println(&line),
        }
    }

    /// A wait begins inside step `slot` (`None`: outside any step): on a terminal the step's
    /// spinner says what it waits for and since when. `id` names the wait until
    /// [`Reporter::wait_ended`]. Real clusters take minutes to install an operator or a control
    /// plane; a spinner that only says "Control planes" for five minutes looks like a hang.
    pub fn wait_began(&self, slot: Option<usize>, id: u64, cluster: &str, what: &str) {
        let mut state = self.state();
        let since = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[hour]:[minute]:[second]"
            ))
            .unwrap_or_default();
        let text = format!("waiting for {what} on {cluster} (since {since} UTC)");
        let bar = state.bar(slot);
        let step = bar.map(|b| b.bar.message()).unwrap_or_default();
        let depth = bar.map_or(0, |b| b.depth + 1);
        if let Some(b) = bar {
            b.bar.set_message(format!("{step} · {text}"));
        }
        state.waits.push(Wait {
            id,
            slot,
            depth,
            step,
            text,
            started: Instant::now(),
            next_line: FIRST_WAIT_LINE,
            last_seen: String::new(),
        });
    }

    /// The wait `id` goes on after `elapsed`; `last_seen` is the state it saw last. Without
    /// spinners (pipes, CI logs) a line says so after [`FIRST_WAIT_LINE`], then every
    /// [`WAIT_LINE_EVERY`], so a log shows where a long run stands.
    pub fn wait_going_on(&self, id: u64, last_seen: &str) {
        let mut state = self.state();
        let Some(index) = state.waits.iter().position(|w| w.id == id) else {
            return;
        };
        let wait = &mut state.waits[index];
        let elapsed = wait.started.elapsed();
        let changed = wait.last_seen != last_seen;
        wait.last_seen = last_seen.to_string();
        let line = match &self.inner.sink {
            Sink::Fancy { .. } => {
                if changed && !last_seen.is_empty() {
                    let slot = wait.slot;
                    let message = format!("{} · {}; last seen: {last_seen}", wait.step, wait.text);
                    if let Some(b) = state.bar(slot) {
                        b.bar.set_message(message);
                    }
                }
                return;
            }
            Sink::Plain(_) | Sink::Buffer if elapsed >= wait.next_line => {
                wait.next_line = elapsed + WAIT_LINE_EVERY;
                let mut line = format!(
                    "{}{}, {} so far",
                    "  ".repeat(wait.depth),
                    wait.text,
                    crate::duration::format(Duration::from_secs(elapsed.as_secs()))
                );
                if !last_seen.is_empty() {
                    line.push_str(&format!("; last seen: {last_seen}"));
                }
                line
            }
            _ => return,
        };
        match &self.inner.sink {
            Sink::Buffer => {
                state.buffer.push_str(&line);
                state.buffer.push('\n');
            }
            _ => {
                drop(state);
                write_line(self.stream(), &line);
            }
        }
    }

    /// The wait `id` is over: its step's spinner shows the step alone again.
    pub fn wait_ended(&self, id: u64) {
        let mut state = self.state();
        let Some(index) = state.waits.iter().position(|w| w.id == id) else {
            return;
        };
        let wait = state.waits.remove(index);
        // Another wait of the same step still running keeps the spinner busy.
        let other = state.waits.iter().rev().find(|w| w.slot == wait.slot);
        let message = match other {
            Some(w) => format!("{} · {}", w.step, w.text),
            None => wait.step.clone(),
        };
        if let Some(b) = state.bar(wait.slot) {
            b.bar.set_message(message);
        }
    }

    /// A step begins: a spinner on a terminal, a `step:` line otherwise. `slot` identifies it
    /// until [`Reporter::step_finished`]; `depth` is how many steps it runs inside.
    pub fn step_started(&self, slot: usize, depth: usize, name: &str) {
        let mut state = self.state();
        let indent = "  ".repeat(depth);
        match &self.inner.sink {
            Sink::Fancy { multi, .. } => {
                let bar = multi.add(ProgressBar::new_spinner());
                if let Ok(style) =
                    ProgressStyle::with_template("{spinner:.cyan} {prefix}{msg} {elapsed:.dim}")
                {
                    bar.set_style(style);
                }
                bar.set_prefix(indent);
                bar.set_message(name.to_string());
                bar.enable_steady_tick(Duration::from_millis(100));
                state.bars.push(StepBar { slot, depth, bar });
            }
            Sink::Plain(stream) => {
                state.bars.push(StepBar {
                    slot,
                    depth,
                    bar: ProgressBar::hidden(),
                });
                write_line(*stream, &format!("{indent}step: {name}"));
            }
            Sink::Buffer => {
                state.bars.push(StepBar {
                    slot,
                    depth,
                    bar: ProgressBar::hidden(),
                });
                state.buffer.push_str(&format!("{indent}step: {name}\n"));
            }
        }
    }

    /// The step `slot` ends; prints its outcome line.
    pub fn step_finished(&self, slot: usize, record: &StepRecord) {
        let mut state = self.state();
        let bar = state
            .bars
            .iter()
            .position(|b| b.slot == slot)
            .map(|i| state.bars.remove(i).bar);
        let indent = "  ".repeat(record.depth);
        let mut detail = crate::duration::format(record.duration);
        if record.changed + record.unchanged > 0 {
            detail.push_str(&format!(
                ", changed {} / unchanged {}",
                record.changed, record.unchanged
            ));
        }
        match &self.inner.sink {
            Sink::Fancy { multi, .. } => {
                let (mark, colour) = match record.status {
                    StepStatus::Ok => ("✓", "32"),
                    StepStatus::Failed => ("✗", "31"),
                    StepStatus::Interrupted => ("!", "33"),
                };
                let line = format!(
                    "{indent}\x1b[{colour}m{mark}\x1b[0m {} \x1b[2m({detail})\x1b[0m",
                    record.name
                );
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                if state.bars.is_empty() {
                    let _ = multi.clear();
                    drop(state);
                    write_line(self.stream(), &line);
                } else {
                    let _ = multi.println(line);
                }
            }
            Sink::Plain(stream) => {
                let line = format!(
                    "{indent}{}: {} ({detail})",
                    record.status.as_str(),
                    record.name
                );
                write_line(*stream, &line);
            }
            Sink::Buffer => {
                let line = format!(
                    "{indent}{}: {} ({detail})\n",
                    record.status.as_str(),
                    record.name
                );
                state.buffer.push_str(&line);
            }
        }
    }
}

/// Writes a line, ignoring a closed pipe (`fedrun ... | head` must not panic).
fn write_line(stream: Stream, text: &str) {
    let _ = match stream {
        Stream::Stdout => writeln!(std::io::stdout().lock(), "{text}"),
        Stream::Stderr => writeln!(std::io::stderr().lock(), "{text}"),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::StepStatus;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn reporter_is_shareable() {
        assert_send_sync::<Reporter>();
    }

    #[test]
    fn buffer_mode_is_plain_and_ordered() {
        let r = Reporter::buffer(true);
        r.step_started(0, 0, "Install");
        r.println("from the script");
        r.debug("details");
        r.warn("careful");
        let record = StepRecord {
            name: "Install".into(),
            status: StepStatus::Ok,
            duration: Duration::from_millis(1200),
            changed: 2,
            unchanged: 1,
            depth: 0,
        };
        r.step_finished(0, &record);
        assert_eq!(
            r.output(),
            "step: Install\nfrom the script\ndetails\nwarning: careful\nok: Install (1.2s, changed 2 / unchanged 1)\n"
        );
        assert!(!r.output().contains('\x1b'));
        assert!(!Reporter::buffer(false).is_fancy());
    }

    #[test]
    fn debug_is_hidden_unless_verbose() {
        let r = Reporter::buffer(false);
        r.debug("details");
        assert_eq!(r.output(), "");
    }

    #[test]
    fn a_long_wait_says_what_it_waits_for_since_when_and_what_it_saw() {
        let r = Reporter::buffer(false);
        r.step_started(0, 0, "Control planes");
        r.wait_began(
            Some(0),
            7,
            "rosa",
            "smcp/basic in istio-system to be condition=Ready",
        );
        r.wait_going_on(7, "");
        assert_eq!(
            r.output(),
            "step: Control planes\n",
            "short waits stay quiet"
        );
        // As if the wait had begun a while ago.
        r.state().waits[0].started -= FIRST_WAIT_LINE + Duration::from_secs(1);
        r.wait_going_on(7, "Ready=False (ComponentsNotReady)");
        r.wait_going_on(7, "Ready=False (ComponentsNotReady)");
        r.wait_ended(7);
        r.wait_going_on(7, "after the end");
        let out = r.output();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        let line = lines[1];
        assert!(
            line.starts_with(
                "  waiting for smcp/basic in istio-system to be condition=Ready on rosa (since "
            ),
            "{line}"
        );
        assert!(
            line.ends_with(" UTC), 11s so far; last seen: Ready=False (ComponentsNotReady)"),
            "{line}"
        );
        assert!(r.state().waits.is_empty());
    }
}
