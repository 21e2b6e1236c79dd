//! The YAML document splitter and `${VAR}` substitution (src/manifest.rs).
//!
//! Input: `NAME=value` lines up to the first NUL byte become the variables, the rest is the
//! manifest text. Substitution then parsing must never panic, and every error must point inside
//! the text it was given.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;

fn yaml_lines(text: &str) -> usize {
    let bytes = text.as_bytes();
    let breaks = bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let (vars_text, text) = input.split_once('\0').unwrap_or(("", input));
    let mut vars = BTreeMap::new();
    for line in vars_text.lines() {
        if let Some((k, v)) = line.split_once('=') {
            vars.insert(k.to_string(), v.to_string());
        }
    }
    match fedrun::manifest::substitute(text, &vars, "fuzz.yaml") {
        Ok(out) => {
            // Without placeholders the text is unchanged.
            if !text.contains('$') {
                assert_eq!(out, text);
            }
            match fedrun::manifest::parse_documents(&out, "fuzz.yaml") {
                Ok(objects) => {
                    for o in objects {
                        assert!(o.is_object());
                        assert!(o.get("kind").and_then(|k| k.as_str()).is_some());
                    }
                }
                Err(e) => {
                    // YAML's line breaks: \n, \r\n and a lone \r (old Mac files).
                    let lines = yaml_lines(&out) + 1;
                    assert!(e.line <= lines, "line {} beyond {} lines: {e}", e.line, lines);
                    let _ = e.to_string();
                }
            }
        }
        Err(e) => {
            let lines = text.lines().count().max(1) + 1;
            assert!(e.line >= 1 && e.line <= lines, "line {} of {}: {e}", e.line, lines);
            assert!(e.column >= 1);
            let _ = e.to_string();
        }
    }
});
