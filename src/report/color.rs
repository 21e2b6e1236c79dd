//! Whether output gets colour and other escape codes: one policy for the run reporter, the log
//! lines and the REPL prompt, following the conventions users set once for every tool —
//! `NO_COLOR` (no-color.org) turns colour off, `CLICOLOR_FORCE` turns it on even into a pipe,
//! and otherwise only a terminal that is not `TERM=dumb` gets it.

use std::ffi::OsStr;
use std::io::IsTerminal;

use super::Stream;

/// Whether `stream` gets colour.
pub fn enabled(stream: Stream) -> bool {
    let tty = match stream {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    };
    decide(
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
        std::env::var_os("TERM").as_deref(),
        tty,
    )
}

/// Whether `stream` may be redrawn (spinners): a terminal with colour allowed. Forcing colour
/// into a pipe does not make cursor movement sensible there.
pub fn interactive(stream: Stream) -> bool {
    let tty = match stream {
        Stream::Stdout => std::io::stdout().is_terminal(),
        Stream::Stderr => std::io::stderr().is_terminal(),
    };
    tty && enabled(stream)
}

fn decide(
    no_color: Option<&OsStr>,
    force: Option<&OsStr>,
    term: Option<&OsStr>,
    tty: bool,
) -> bool {
    let set = |v: Option<&OsStr>| v.is_some_and(|v| !v.is_empty());
    if set(no_color) {
        return false;
    }
    if set(force) && force != Some(OsStr::new("0")) {
        return true;
    }
    tty && term != Some(OsStr::new("dumb"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conventions_in_their_order() {
        let s = |v: &'static str| Some(OsStr::new(v));
        assert!(decide(None, None, s("xterm"), true));
        assert!(!decide(None, None, s("xterm"), false), "not a terminal");
        assert!(!decide(None, None, s("dumb"), true), "TERM=dumb");
        assert!(!decide(s("1"), None, s("xterm"), true), "NO_COLOR");
        assert!(
            decide(s(""), None, s("xterm"), true),
            "an empty NO_COLOR is unset"
        );
        assert!(
            decide(None, s("1"), None, false),
            "CLICOLOR_FORCE into a pipe"
        );
        assert!(
            !decide(None, s("0"), None, false),
            "CLICOLOR_FORCE=0 forces nothing"
        );
        assert!(!decide(s("1"), s("1"), None, true), "NO_COLOR wins");
    }
}
