#[derive(Debug)]
pub struct ProtobufError;
impl std::fmt::Display for ProtobufError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unsupported")
    }
}
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";
pub fn decode(_: &[u8]) -> Result<serde_json::Value, ProtobufError> {
    Err(ProtobufError)
}
