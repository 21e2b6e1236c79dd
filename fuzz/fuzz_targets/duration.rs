//! Durations (`300s`, `1h30m`, `1.5s`): parse never panics, and what `format` shows (truncated,
//! never rounded up) parses back to at most the original.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = fedrun::duration::parse(text) {
        let shown = fedrun::duration::format(d);
        let again = fedrun::duration::parse(&shown)
            .unwrap_or_else(|e| panic!("{text:?} -> {d:?} shown as {shown:?} does not parse: {e}"));
        assert!(again <= d, "{text:?} = {d:?} shown as {shown:?} = {again:?}");
    }
});
