//! PromQL queries as they arrive through the Prometheus service proxy: parsing never panics or
//! overflows the stack, and evaluating a parsed query over no series gives nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(expr) = fedrun::sim::dataplane::promql::parse(text) {
        assert!(fedrun::sim::dataplane::promql::eval(&expr, &[], 0.0).is_empty());
    }
});
