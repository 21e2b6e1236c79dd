//! Throwaway stand-in for the real `crate::duration` (delivered by another helper).
use std::fmt;
use std::time::Duration;

/// A duration that could not be parsed.
#[derive(Debug)]
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses "300s", "5m", "1h30m", "500ms", or a bare number of seconds.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(t)
        .map_err(|e| DurationError(format!("invalid duration {text:?}: {e}")))
}

/// Formats a duration for humans.
pub fn format(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}
