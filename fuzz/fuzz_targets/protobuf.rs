//! kubectl's protobuf bodies (`kubectl create configmap|secret|namespace|serviceaccount`), as the
//! simulated API server decodes them from the network: decoding never panics or hangs, and what
//! it accepts is an object with a kind.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(object) = fedrun::sim::protobuf::decode(data) {
        assert!(object.get("kind").and_then(|k| k.as_str()).is_some(), "{object}");
    }
});
