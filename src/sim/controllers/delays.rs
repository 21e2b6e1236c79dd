//! Pending steps of simulated rollouts: "this happens `delay` after it was first wanted".
//!
//! Real components take time (a load balancer is provisioned, a pod pulls its image, OLM walks a
//! CSV through its phases). Controllers here are level-triggered, so a step is keyed by what it is
//! about and becomes due once its delay has passed since the first reconcile that wanted it. The
//! first look never finds a step due, so even at time scale 0 (delay zero) a step happens one
//! reconcile after the write that caused it — immediate, yet asynchronous, like a real controller.
//!
//! Approximation: timers live in memory, so after a simulator restart a step still pending waits
//! its whole delay again; finished steps are recorded in the objects themselves and do not wait.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::Next;

#[derive(Default)]
pub struct Timers {
    started: Mutex<HashMap<String, Instant>>,
}

impl Timers {
    /// Whether the step `key` is due; if not, `next` is lowered to when it will be.
    pub fn due(&self, key: &str, delay: Duration, next: &mut Next) -> bool {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let Some(since) = started.get(key) else {
            started.insert(key.to_string(), now);
            *next = next.min(Next::After(delay));
            return false;
        };
        let elapsed = now.saturating_duration_since(*since);
        if elapsed >= delay {
            return true;
        }
        *next = next.min(Next::After(delay - elapsed));
        false
    }

    /// Forgets a step (it happened, or is no longer wanted), so a later one starts afresh.
    pub fn forget(&self, key: &str) {
        self.started
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_look_is_never_due_even_without_delay() {
        let t = Timers::default();
        let mut next = Next::Idle;
        assert!(!t.due("a", Duration::ZERO, &mut next));
        assert_eq!(next, Next::After(Duration::ZERO));
        assert!(t.due("a", Duration::ZERO, &mut next));
        let mut next = Next::Idle;
        assert!(!t.due("b", Duration::from_secs(60), &mut next));
        assert!(!t.due("b", Duration::from_secs(60), &mut next));
        assert!(matches!(next, Next::After(d) if d > Duration::from_secs(59)));
        t.forget("a");
        assert!(!t.due("a", Duration::ZERO, &mut Next::Idle));
    }
}
