#[derive(Debug)]
pub struct NameError(String);
impl std::fmt::Display for NameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
pub fn dns1123_label(n: &str) -> Result<(), NameError> {
    dns1123_subdomain(n)
}
pub fn dns1123_subdomain(n: &str) -> Result<(), NameError> {
    if !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    {
        Ok(())
    } else {
        Err(NameError("bad name".into()))
    }
}
