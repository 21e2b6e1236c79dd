//! Durations as users write them in playbooks and on the command line.
//!
//! [`parse`] accepts Go / kubectl style durations (`300s`, `5m`, `1h30m`,
//! `500ms`, `1.5s`) and a bare number meaning seconds (`90`), and [`format`]
//! gives short human text for summaries (`1.2s`, `2m05s`).
//!
//! This is not a calendar library: there are no days, months or dates, and
//! negative durations are rejected because every use (timeouts, intervals,
//! waits) needs a non-negative span.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch: the clock telemetry windows are measured on (Prometheus
/// timestamps), by the simulated Prometheus and by the traffic reports alike.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The forms [`parse`] accepts, quoted in every error so users can fix input.
const ACCEPTED: &str = "expected a number of seconds (e.g. 90) or a duration such as 300s, 5m, 1h30m, 500ms or 1.5s (units: ns, us, µs, ms, s, m, h)";

/// Why a duration could not be parsed; every message names the input.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Nothing but whitespace was given.
    #[error("empty duration: {ACCEPTED}")]
    Empty,
    /// A leading `-`: waits and timeouts cannot be negative.
    #[error("invalid duration {input:?}: negative durations are not allowed; {ACCEPTED}")]
    Negative { input: String },
    /// A number followed by a unit we do not know (`5x`, `1d`).
    #[error("invalid duration {input:?}: unknown unit {unit:?} at offset {offset}; {ACCEPTED}")]
    UnknownUnit {
        input: String,
        unit: String,
        offset: usize,
    },
    /// A number without a unit in a multi-part duration (`1h30`).
    #[error(
        "invalid duration {input:?}: missing unit after the number at offset {offset}; {ACCEPTED}"
    )]
    MissingUnit { input: String, offset: usize },
    /// Something that is not a number where one was expected (`NaN`, `s`, `1..5s`).
    #[error("invalid duration {input:?}: expected a number at offset {offset}; {ACCEPTED}")]
    ExpectedNumber { input: String, offset: usize },
    /// Larger than about 584 years (`u64` nanoseconds).
    #[error("invalid duration {input:?}: too large (the maximum is about 584 years)")]
    Overflow { input: String },
}

const NANOS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Parses `300s`, `5m`, `1h30m`, `500ms`, `1.5s`, `2h`, `90` (seconds), `0`.
///
/// Surrounding whitespace is ignored. Offsets in errors are byte offsets into
/// the trimmed input.
pub fn parse(text: &str) -> Result<Duration, DurationError> {
    let input = text.trim();
    if input.is_empty() {
        return Err(DurationError::Empty);
    }
    if input.starts_with('-') {
        return Err(DurationError::Negative {
            input: input.to_string(),
        });
    }
    let overflow = || DurationError::Overflow {
        input: input.to_string(),
    };
    let bytes = input.as_bytes();
    let mut pos = 0;
    let mut total: u128 = 0;
    let mut parts = 0;
    while pos < bytes.len() {
        // Number: digits, optional '.', digits (at least one digit overall).
        let start = pos;
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &input[int_start..pos];
        let mut frac_digits = "";
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let f = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &input[f..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(DurationError::ExpectedNumber {
                input: input.to_string(),
                offset: start,
            });
        }
        // Unit: everything up to the next digit or '.'.
        let unit_start = pos;
        while pos < bytes.len() && !bytes[pos].is_ascii_digit() && bytes[pos] != b'.' {
            pos += 1;
        }
        let unit = input.get(unit_start..pos).unwrap_or("");
        let scale = if unit.is_empty() {
            if parts == 0 && pos == bytes.len() {
                1_000_000_000 // a bare number is seconds
            } else {
                return Err(DurationError::MissingUnit {
                    input: input.to_string(),
                    offset: unit_start,
                });
            }
        } else {
            match NANOS.iter().find(|(u, _)| *u == unit) {
                Some((_, n)) => *n,
                None => {
                    return Err(DurationError::UnknownUnit {
                        input: input.to_string(),
                        unit: unit.to_string(),
                        offset: unit_start,
                    });
                }
            }
        };
        let whole: u128 = if int_digits.is_empty() {
            0
        } else {
            int_digits.parse::<u128>().map_err(|_| overflow())?
        };
        let mut nanos = whole.checked_mul(scale).ok_or_else(overflow)?;
        // Fraction: exact to the nanosecond, extra digits are truncated.
        let mut div: u128 = 1;
        let mut frac: u128 = 0;
        for d in frac_digits.bytes().take(18) {
            frac = frac * 10 + u128::from(d - b'0');
            div *= 10;
        }
        nanos = nanos
            .checked_add(frac.checked_mul(scale).ok_or_else(overflow)? / div)
            .ok_or_else(overflow)?;
        total = total.checked_add(nanos).ok_or_else(overflow)?;
        if total > u128::from(u64::MAX) {
            return Err(overflow());
        }
        parts += 1;
    }
    let total = u64::try_from(total).map_err(|_| overflow())?;
    Ok(Duration::from_nanos(total))
}

/// Short human text for summaries: `0s`, `800ns`, `12µs`, `350ms`, `1.2s`,
/// `2m05s`, `1h02m`. Values are truncated, never rounded up.
pub fn format(d: Duration) -> String {
    let nanos = d.as_nanos();
    let secs = d.as_secs();
    if nanos == 0 {
        "0s".to_string()
    } else if nanos < 1_000 {
        format!("{nanos}ns")
    } else if nanos < 1_000_000 {
        format!("{}µs", nanos / 1_000)
    } else if secs == 0 {
        format!("{}ms", d.subsec_millis())
    } else if secs < 60 {
        let tenths = d.subsec_millis() / 100;
        if tenths == 0 {
            format!("{secs}s")
        } else {
            format!("{secs}.{tenths}s")
        }
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Duration {
        match parse(s) {
            Ok(d) => d,
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    #[test]
    fn go_style_units() {
        assert_eq!(ok("300s"), Duration::from_secs(300));
        assert_eq!(ok("5m"), Duration::from_secs(300));
        assert_eq!(ok("2h"), Duration::from_secs(7200));
        assert_eq!(ok("500ms"), Duration::from_millis(500));
        assert_eq!(ok("250us"), Duration::from_micros(250));
        assert_eq!(ok("250µs"), Duration::from_micros(250));
        assert_eq!(ok("7ns"), Duration::from_nanos(7));
    }

    #[test]
    fn compound() {
        assert_eq!(ok("1h30m"), Duration::from_secs(5400));
        assert_eq!(ok("1h2m3s4ms"), Duration::from_millis(3_723_004));
    }

    #[test]
    fn fractions() {
        assert_eq!(ok("1.5s"), Duration::from_millis(1500));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("1.5h"), Duration::from_secs(5400));
        assert_eq!(ok("0.000000001s"), Duration::from_nanos(1));
        assert_eq!(ok("1.s"), Duration::from_secs(1));
    }

    #[test]
    fn bare_numbers_are_seconds() {
        assert_eq!(ok("90"), Duration::from_secs(90));
        assert_eq!(ok("0"), Duration::ZERO);
        assert_eq!(ok("2.5"), Duration::from_millis(2500));
    }

    #[test]
    fn whitespace_trimmed() {
        assert_eq!(ok("  30s\n"), Duration::from_secs(30));
    }

    #[test]
    fn rejects_empty() {
        assert_eq!(parse("   "), Err(DurationError::Empty));
        assert!(parse("").unwrap_err().to_string().contains("300s"));
    }

    #[test]
    fn rejects_negative() {
        let e = parse("-5s").unwrap_err();
        assert_eq!(
            e,
            DurationError::Negative {
                input: "-5s".into()
            }
        );
        assert!(e.to_string().contains("\"-5s\""));
    }

    #[test]
    fn rejects_unknown_unit() {
        let e = parse("5x").unwrap_err();
        assert_eq!(
            e,
            DurationError::UnknownUnit {
                input: "5x".into(),
                unit: "x".into(),
                offset: 1
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("\"5x\"") && msg.contains("1h30m"), "{msg}");
        assert!(matches!(
            parse("1d"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            parse("1 s"),
            Err(DurationError::UnknownUnit { .. })
        ));
    }

    #[test]
    fn rejects_missing_unit_in_compound() {
        assert_eq!(
            parse("1h30"),
            Err(DurationError::MissingUnit {
                input: "1h30".into(),
                offset: 4
            })
        );
    }

    #[test]
    fn rejects_nan_and_garbage() {
        assert!(matches!(
            parse("NaN"),
            Err(DurationError::ExpectedNumber { offset: 0, .. })
        ));
        assert!(matches!(
            parse("inf"),
            Err(DurationError::ExpectedNumber { .. })
        ));
        assert!(matches!(
            parse("s"),
            Err(DurationError::ExpectedNumber { .. })
        ));
        assert!(matches!(
            parse("."),
            Err(DurationError::ExpectedNumber { .. })
        ));
        assert!(parse("1..5s").is_err());
        assert!(parse("+5s").is_err());
        // Multi-byte garbage must not panic on char boundaries.
        assert!(parse("5é").is_err());
        assert!(parse("é5").is_err());
        assert!(parse("1µ").is_err());
    }

    #[test]
    fn rejects_overflow() {
        assert!(matches!(
            parse("99999999999999999999h"),
            Err(DurationError::Overflow { .. })
        ));
        assert!(matches!(
            parse("9999999999999999999999999999999999999999999s"),
            Err(DurationError::Overflow { .. })
        ));
        assert!(matches!(
            parse("6000000h"),
            Err(DurationError::Overflow { .. })
        ));
        assert!(parse("5000000h").is_ok());
    }

    #[test]
    fn random_input_never_panics() {
        let alphabet: Vec<char> = "0123456789.hmsunµμx- +é".chars().collect();
        let mut seed: u64 = 7;
        for _ in 0..20_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (seed >> 59) as usize + 1;
            let mut x = seed;
            let t: String = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[(x >> 33) as usize % alphabet.len()]
                })
                .collect();
            if let Ok(d) = parse(&t) {
                let _ = format(d);
            }
        }
        let _ = format(Duration::MAX);
    }

    #[test]
    fn formats_short_text() {
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_nanos(800)), "800ns");
        assert_eq!(format(Duration::from_micros(12)), "12µs");
        assert_eq!(format(Duration::from_millis(350)), "350ms");
        assert_eq!(format(Duration::from_millis(1234)), "1.2s");
        assert_eq!(format(Duration::from_secs(5)), "5s");
        assert_eq!(format(Duration::from_secs(125)), "2m05s");
        assert_eq!(format(Duration::from_secs(3720)), "1h02m");
        assert_eq!(format(Duration::from_secs(100 * 3600)), "100h00m");
    }

    #[test]
    fn format_then_parse_roughly_round_trips() {
        for s in ["350ms", "5s", "2m05s", "1h02m"] {
            assert_eq!(format(ok(s)), s);
        }
    }
}
