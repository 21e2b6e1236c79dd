//! Conversions between Rhai values and JSON, the common currency of every primitive
//! (Kubernetes objects travel as JSON; scripts see them as maps and arrays).

use rhai::{Dynamic, EvalAltResult};
use serde_json::Value;
use std::fmt;

/// A Rhai value that has no JSON form (a function pointer, a custom type without serde, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "value cannot be converted to JSON: {}", self.0)
    }
}

impl std::error::Error for ValueError {}

impl From<ValueError> for Box<EvalAltResult> {
    fn from(err: ValueError) -> Self {
        super::PrimitiveError::new(err.to_string()).into()
    }
}

/// JSON → Rhai: objects become maps, arrays arrays, integers `i64` (floats `f64`), null unit.
pub fn to_dynamic(value: &Value) -> Dynamic {
    // `to_dynamic` cannot fail for JSON input; fall back to unit defensively rather than panic.
    rhai::serde::to_dynamic(value).unwrap_or(Dynamic::UNIT)
}

/// Rhai → JSON. Fails for values without a JSON form, naming their type.
pub fn to_json(value: &Dynamic) -> Result<Value, ValueError> {
    rhai::serde::from_dynamic::<Value>(value)
        .map_err(|e| ValueError(format!("{} ({e})", value.type_name())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let v = json!({"a": [1, 2.5, "x", null, true], "b": {"c": "d"}});
        let d = to_dynamic(&v);
        assert!(d.is_map());
        assert_eq!(to_json(&d).ok(), Some(v));
    }

    #[test]
    fn function_pointer_is_refused() {
        let f = Dynamic::from(rhai::FnPtr::new("x").expect("valid name"));
        assert!(to_json(&f).is_err());
    }
}
