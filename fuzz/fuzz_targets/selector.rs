//! Label and field selectors as they arrive in `?labelSelector=` / `?fieldSelector=`: parsing
//! never panics, and a parsed selector prints to text that parses to the same selector.
#![no_main]

use fedrun::sim::selector::{FieldSelector, LabelSelector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = LabelSelector::parse(text) {
        let shown = s.to_string();
        let again = LabelSelector::parse(&shown)
            .unwrap_or_else(|e| panic!("{text:?} shown as {shown:?} does not parse: {e}"));
        assert_eq!(again.to_string(), shown, "{text:?}");
        let _ = s.matches(&Default::default());
    }
    if let Ok(s) = FieldSelector::parse(text) {
        let _ = s.matches(&serde_json::json!({"metadata": {"name": "x", "namespace": "y"}}));
    }
});
