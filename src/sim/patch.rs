use serde_json::Value;
#[derive(Debug)]
pub struct PatchError(String);
impl std::fmt::Display for PatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
pub fn merge_patch(t: &mut Value, p: &Value) {
    json_patch::merge(t, p)
}
pub fn json_patch(t: &mut Value, p: &Value) -> Result<(), PatchError> {
    let p: json_patch::Patch =
        serde_json::from_value(p.clone()).map_err(|e| PatchError(e.to_string()))?;
    json_patch::patch(t, &p).map_err(|e| PatchError(e.to_string()))
}
pub fn strategic_merge_patch(t: &mut Value, p: &Value) -> Result<(), PatchError> {
    json_patch::merge(t, p);
    Ok(())
}
