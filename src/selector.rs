use serde_json::Value;
pub struct LabelSelector(String);
pub struct FieldSelector(String);
impl LabelSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(Self(s.into()))
    }
    pub fn matches_object(&self, o: &Value) -> bool {
        self.0.split(',').all(|r| {
            let (k, v) = r.split_once('=').unwrap_or((r, ""));
            o.pointer("/metadata/labels")
                .and_then(|l| l.get(k))
                .and_then(Value::as_str)
                == Some(v)
        })
    }
}
impl FieldSelector {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(Self(s.into()))
    }
    pub fn matches(&self, o: &Value) -> bool {
        let (k, v) = self.0.split_once('=').unwrap_or(("", ""));
        k != "metadata.name" || o.pointer("/metadata/name").and_then(Value::as_str) == Some(v)
    }
}
