//! Decoder for the Kubernetes protobuf bodies kubectl POSTs.
//!
//! `kubectl create configmap|secret generic|namespace|serviceaccount` send their object as
//! `application/vnd.kubernetes.protobuf`, with no JSON fallback: answering 415 makes kubectl
//! fail. The body is the magic `k8s\0` followed by a `runtime.Unknown` envelope
//! (`typeMeta`=1 {`apiVersion`=1, `kind`=2}, `raw`=2, `contentEncoding`=3, `contentType`=4)
//! whose `raw` bytes are the object as encoded from `k8s.io/api/core/v1/generated.proto`.
//!
//! Only those four kinds are understood, so a small hand-written wire decoder (varints,
//! length-delimited fields, skipping unknown fields of every wire type) is enough and avoids
//! a protobuf code generator. The result is the object's Kubernetes JSON form, with empty
//! strings and zero numbers omitted as Go's `omitempty` would. `managedFields` and namespace
//! status conditions are skipped: kubectl never sends them on create.
//!
//! Every input, however malformed, gives either a value or a [`ProtobufError`]; nothing panics.

use serde_json::{Map, Value};

/// The media type kubectl uses for these bodies (request `Content-Type`).
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

const MAGIC: &[u8] = b"k8s\0";

/// Why a protobuf body could not be decoded. Byte offsets count from the start of the body.
#[derive(Debug, thiserror::Error)]
pub enum ProtobufError {
    #[error("not a Kubernetes protobuf body (missing k8s\\0 magic)")]
    MissingMagic,
    #[error("truncated protobuf at byte {0}")]
    Truncated(usize),
    #[error("malformed protobuf at byte {offset}: {reason}")]
    Malformed { offset: usize, reason: &'static str },
    #[error("protobuf field '{field}' at byte {offset} is not valid UTF-8")]
    InvalidUtf8 { field: &'static str, offset: usize },
    #[error("protobuf body names no kind")]
    MissingKind,
    #[error(
        "protobuf kind {0} is not supported (only ConfigMap, Secret, Namespace, ServiceAccount)"
    )]
    UnsupportedKind(String),
    #[error("protobuf body with contentEncoding '{0}' is not supported")]
    UnsupportedEncoding(String),
    #[error("protobuf body with inner contentType '{0}' is not supported")]
    UnsupportedContentType(String),
}

/// Decode a `k8s\0`-prefixed body into the object's Kubernetes JSON.
pub fn decode(body: &[u8]) -> Result<Value, ProtobufError> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or(ProtobufError::MissingMagic)?;
    let unknown = Unknown::parse(Reader::new(envelope, MAGIC.len()))?;

    if !unknown.content_encoding.is_empty() {
        return Err(ProtobufError::UnsupportedEncoding(unknown.content_encoding));
    }
    if !unknown.content_type.is_empty() && unknown.content_type != CONTENT_TYPE {
        return Err(ProtobufError::UnsupportedContentType(unknown.content_type));
    }
    if unknown.kind.is_empty() {
        return Err(ProtobufError::MissingKind);
    }
    // All four kinds are core/v1; any other group/version has different messages.
    if !(unknown.api_version.is_empty() || unknown.api_version == "v1") {
        return Err(ProtobufError::UnsupportedKind(format!(
            "{}/{}",
            unknown.api_version, unknown.kind
        )));
    }
    let Some(raw) = unknown.raw else {
        return Err(ProtobufError::Malformed {
            offset: body.len(),
            reason: "the envelope carries no object (raw is missing)",
        });
    };

    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::from("v1"));
    object.insert("kind".into(), Value::from(unknown.kind.as_str()));
    match unknown.kind.as_str() {
        "ConfigMap" => config_map(raw, &mut object)?,
        "Secret" => secret(raw, &mut object)?,
        "Namespace" => namespace(raw, &mut object)?,
        "ServiceAccount" => service_account(raw, &mut object)?,
        other => return Err(ProtobufError::UnsupportedKind(other.to_string())),
    }
    Ok(Value::Object(object))
}

// ---------------------------------------------------------------------------------------
// Wire format

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const START_GROUP: u8 = 3;
const END_GROUP: u8 = 4;
const FIXED32: u8 = 5;

/// Deep enough for any real message; bounds recursion on hostile nested groups.
const MAX_GROUP_DEPTH: usize = 64;

/// A cursor over one message. `base` is the absolute offset of `buf` in the body, so that
/// errors in nested messages still point at the right byte.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    base: usize,
}

/// A length-delimited field's payload, remembering where it starts in the body.
#[derive(Clone, Copy)]
struct Bytes<'a> {
    data: &'a [u8],
    offset: usize,
}

impl<'a> Bytes<'a> {
    fn reader(self) -> Reader<'a> {
        Reader::new(self.data, self.offset)
    }

    fn string(self, field: &'static str) -> Result<String, ProtobufError> {
        std::str::from_utf8(self.data)
            .map(str::to_owned)
            .map_err(|_| ProtobufError::InvalidUtf8 {
                field,
                offset: self.offset,
            })
    }
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], base: usize) -> Self {
        Reader { buf, pos: 0, base }
    }

    fn offset(&self) -> usize {
        self.base + self.pos
    }

    fn malformed<T>(&self, reason: &'static str) -> Result<T, ProtobufError> {
        Err(ProtobufError::Malformed {
            offset: self.offset(),
            reason,
        })
    }

    fn varint(&mut self) -> Result<u64, ProtobufError> {
        let start = self.offset();
        let mut value: u64 = 0;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(ProtobufError::Truncated(self.offset()));
            };
            self.pos += 1;
            // The 10th byte may only carry the top bit of a 64-bit value.
            if i == 9 && byte > 1 {
                return Err(ProtobufError::Malformed {
                    offset: start,
                    reason: "varint overflows 64 bits",
                });
            }
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ProtobufError::Malformed {
            offset: start,
            reason: "varint longer than 10 bytes",
        })
    }

    /// The next field's number and wire type, or `None` at the end of the message.
    fn next_field(&mut self) -> Result<Option<(u64, u8)>, ProtobufError> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let start = self.offset();
        let key = self.varint()?;
        let number = key >> 3;
        // Masked to 3 bits, so the cast is lossless.
        let wire = (key & 7) as u8;
        if number == 0 {
            return Err(ProtobufError::Malformed {
                offset: start,
                reason: "field number 0",
            });
        }
        Ok(Some((number, wire)))
    }

    fn take(&mut self, len: usize) -> Result<Bytes<'a>, ProtobufError> {
        let offset = self.offset();
        // Truncation is reported where the available bytes run out.
        let truncated = ProtobufError::Truncated(self.base + self.buf.len());
        let end = self
            .pos
            .checked_add(len)
            .ok_or(ProtobufError::Truncated(offset))?;
        let data = self.buf.get(self.pos..end).ok_or(truncated)?;
        self.pos = end;
        Ok(Bytes { data, offset })
    }

    fn bytes(&mut self) -> Result<Bytes<'a>, ProtobufError> {
        let len = self.varint()?;
        // A length beyond usize cannot fit in the body either.
        let len = usize::try_from(len)
            .map_err(|_| ProtobufError::Truncated(self.base + self.buf.len()))?;
        self.take(len)
    }

    /// Skip a field we do not decode, whatever its wire type.
    fn skip(&mut self, number: u64, wire: u8, depth: usize) -> Result<(), ProtobufError> {
        match wire {
            VARINT => self.varint().map(drop),
            FIXED64 => self.take(8).map(drop),
            LEN => self.bytes().map(drop),
            FIXED32 => self.take(4).map(drop),
            START_GROUP => {
                if depth >= MAX_GROUP_DEPTH {
                    return self.malformed("groups nested too deeply");
                }
                loop {
                    let Some((inner, inner_wire)) = self.next_field()? else {
                        return Err(ProtobufError::Truncated(self.offset()));
                    };
                    if inner_wire == END_GROUP {
                        if inner == number {
                            return Ok(());
                        }
                        return self.malformed("end of group does not match its start");
                    }
                    self.skip(inner, inner_wire, depth + 1)?;
                }
            }
            END_GROUP => self.malformed("end of group without a start"),
            _ => self.malformed("invalid wire type"),
        }
    }

    /// Read a field that must be length-delimited (strings, bytes, messages, map entries).
    fn expect_bytes(&mut self, wire: u8) -> Result<Bytes<'a>, ProtobufError> {
        if wire != LEN {
            return self.malformed("expected a length-delimited field");
        }
        self.bytes()
    }

    fn expect_varint(&mut self, wire: u8) -> Result<u64, ProtobufError> {
        if wire != VARINT {
            return self.malformed("expected a varint field");
        }
        self.varint()
    }

    fn string(&mut self, wire: u8, field: &'static str) -> Result<String, ProtobufError> {
        self.expect_bytes(wire)?.string(field)
    }
}

// ---------------------------------------------------------------------------------------
// Messages

/// `runtime.Unknown` with its `TypeMeta` flattened.
struct Unknown<'a> {
    api_version: String,
    kind: String,
    raw: Option<Bytes<'a>>,
    content_encoding: String,
    content_type: String,
}

impl<'a> Unknown<'a> {
    fn parse(mut r: Reader<'a>) -> Result<Self, ProtobufError> {
        let mut unknown = Unknown {
            api_version: String::new(),
            kind: String::new(),
            raw: None,
            content_encoding: String::new(),
            content_type: String::new(),
        };
        while let Some((number, wire)) = r.next_field()? {
            match number {
                1 => {
                    let mut type_meta = r.expect_bytes(wire)?.reader();
                    while let Some((number, wire)) = type_meta.next_field()? {
                        match number {
                            1 => {
                                unknown.api_version =
                                    type_meta.string(wire, "typeMeta.apiVersion")?
                            }
                            2 => unknown.kind = type_meta.string(wire, "typeMeta.kind")?,
                            _ => type_meta.skip(number, wire, 0)?,
                        }
                    }
                }
                2 => unknown.raw = Some(r.expect_bytes(wire)?),
                3 => unknown.content_encoding = r.string(wire, "contentEncoding")?,
                4 => unknown.content_type = r.string(wire, "contentType")?,
                _ => r.skip(number, wire, 0)?,
            }
        }
        Ok(unknown)
    }
}

/// Insert a string the way Go's `omitempty` does: not at all when empty.
fn put_string(map: &mut Map<String, Value>, key: &str, value: String) {
    if !value.is_empty() {
        map.insert(key.into(), Value::String(value));
    }
}

fn put_map(map: &mut Map<String, Value>, key: &str, value: Map<String, Value>) {
    if !value.is_empty() {
        map.insert(key.into(), Value::Object(value));
    }
}

/// One entry of a protobuf `map<string, string|bytes>`: a message {key = 1, value = 2}.
/// Bytes values become base64, which is how JSON carries `[]byte`.
fn map_entry(
    entry: Bytes<'_>,
    into: &mut Map<String, Value>,
    field: &'static str,
    bytes_value: bool,
) -> Result<(), ProtobufError> {
    let mut r = entry.reader();
    let mut key = String::new();
    let mut value = Value::String(String::new());
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => key = r.string(wire, field)?,
            2 if bytes_value => value = Value::String(base64(r.expect_bytes(wire)?.data)),
            2 => value = Value::String(r.string(wire, field)?),
            _ => r.skip(number, wire, 0)?,
        }
    }
    into.insert(key, value);
    Ok(())
}

/// `meta.v1.Time` {seconds = 1, nanos = 2} as RFC 3339 with second precision, as the
/// apiserver writes it; `None` for the zero time, which Go omits.
fn time(bytes: Bytes<'_>) -> Result<Option<String>, ProtobufError> {
    let offset = bytes.offset;
    let mut r = bytes.reader();
    let mut seconds: i64 = 0;
    let mut nanos: u64 = 0;
    while let Some((number, wire)) = r.next_field()? {
        match number {
            // int64 is two's complement in a varint: the cast reinterprets the bits on purpose.
            1 => seconds = r.expect_varint(wire)? as i64,
            2 => nanos = r.expect_varint(wire)?,
            _ => r.skip(number, wire, 0)?,
        }
    }
    if seconds == 0 && nanos == 0 {
        return Ok(None);
    }
    rfc3339(seconds).map(Some).ok_or(ProtobufError::Malformed {
        offset,
        reason: "a timestamp outside the years a calendar date can have",
    })
}

fn object_meta(bytes: Bytes<'_>) -> Result<Map<String, Value>, ProtobufError> {
    let mut r = bytes.reader();
    let mut meta = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut owners = Vec::new();
    let mut finalizers = Vec::new();
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => put_string(&mut meta, "name", r.string(wire, "metadata.name")?),
            2 => put_string(
                &mut meta,
                "generateName",
                r.string(wire, "metadata.generateName")?,
            ),
            3 => put_string(
                &mut meta,
                "namespace",
                r.string(wire, "metadata.namespace")?,
            ),
            4 => put_string(&mut meta, "selfLink", r.string(wire, "metadata.selfLink")?),
            5 => put_string(&mut meta, "uid", r.string(wire, "metadata.uid")?),
            6 => put_string(
                &mut meta,
                "resourceVersion",
                r.string(wire, "metadata.resourceVersion")?,
            ),
            7 => {
                let generation = r.expect_varint(wire)? as i64;
                if generation != 0 {
                    meta.insert("generation".into(), Value::from(generation));
                }
            }
            8 | 9 => {
                let key = if number == 8 {
                    "creationTimestamp"
                } else {
                    "deletionTimestamp"
                };
                if let Some(t) = time(r.expect_bytes(wire)?)? {
                    meta.insert(key.into(), Value::String(t));
                }
            }
            // A pointer in Go, so present-and-zero is still worth keeping.
            10 => {
                let grace = r.expect_varint(wire)? as i64;
                meta.insert("deletionGracePeriodSeconds".into(), Value::from(grace));
            }
            11 => map_entry(r.expect_bytes(wire)?, &mut labels, "metadata.labels", false)?,
            12 => map_entry(
                r.expect_bytes(wire)?,
                &mut annotations,
                "metadata.annotations",
                false,
            )?,
            13 => owners.push(Value::Object(owner_reference(r.expect_bytes(wire)?)?)),
            14 => finalizers.push(Value::String(r.string(wire, "metadata.finalizers")?)),
            _ => r.skip(number, wire, 0)?,
        }
    }
    put_map(&mut meta, "labels", labels);
    put_map(&mut meta, "annotations", annotations);
    if !owners.is_empty() {
        meta.insert("ownerReferences".into(), Value::Array(owners));
    }
    if !finalizers.is_empty() {
        meta.insert("finalizers".into(), Value::Array(finalizers));
    }
    Ok(meta)
}

fn owner_reference(bytes: Bytes<'_>) -> Result<Map<String, Value>, ProtobufError> {
    let mut r = bytes.reader();
    let mut owner = Map::new();
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => put_string(&mut owner, "kind", r.string(wire, "ownerReferences.kind")?),
            3 => put_string(&mut owner, "name", r.string(wire, "ownerReferences.name")?),
            4 => put_string(&mut owner, "uid", r.string(wire, "ownerReferences.uid")?),
            5 => put_string(
                &mut owner,
                "apiVersion",
                r.string(wire, "ownerReferences.apiVersion")?,
            ),
            6 => {
                owner.insert(
                    "controller".into(),
                    Value::Bool(r.expect_varint(wire)? != 0),
                );
            }
            7 => {
                let block = r.expect_varint(wire)? != 0;
                owner.insert("blockOwnerDeletion".into(), Value::Bool(block));
            }
            _ => r.skip(number, wire, 0)?,
        }
    }
    Ok(owner)
}

/// ConfigMap {metadata = 1, data = 2, binaryData = 3, immutable = 4}.
fn config_map(raw: Bytes<'_>, object: &mut Map<String, Value>) -> Result<(), ProtobufError> {
    let mut r = raw.reader();
    let mut data = Map::new();
    let mut binary = Map::new();
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => {
                object.insert(
                    "metadata".into(),
                    Value::Object(object_meta(r.expect_bytes(wire)?)?),
                );
            }
            2 => map_entry(r.expect_bytes(wire)?, &mut data, "data", false)?,
            3 => map_entry(r.expect_bytes(wire)?, &mut binary, "binaryData", true)?,
            4 => {
                object.insert("immutable".into(), Value::Bool(r.expect_varint(wire)? != 0));
            }
            _ => r.skip(number, wire, 0)?,
        }
    }
    put_map(object, "data", data);
    put_map(object, "binaryData", binary);
    Ok(())
}

/// Secret {metadata = 1, data = 2 (bytes), type = 3, stringData = 4, immutable = 5}.
fn secret(raw: Bytes<'_>, object: &mut Map<String, Value>) -> Result<(), ProtobufError> {
    let mut r = raw.reader();
    let mut data = Map::new();
    let mut string_data = Map::new();
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => {
                object.insert(
                    "metadata".into(),
                    Value::Object(object_meta(r.expect_bytes(wire)?)?),
                );
            }
            2 => map_entry(r.expect_bytes(wire)?, &mut data, "data", true)?,
            3 => put_string(object, "type", r.string(wire, "type")?),
            4 => map_entry(r.expect_bytes(wire)?, &mut string_data, "stringData", false)?,
            5 => {
                object.insert("immutable".into(), Value::Bool(r.expect_varint(wire)? != 0));
            }
            _ => r.skip(number, wire, 0)?,
        }
    }
    put_map(object, "data", data);
    put_map(object, "stringData", string_data);
    Ok(())
}

/// Namespace {metadata = 1, spec = 2 {finalizers = 1}, status = 3 {phase = 1}}. Go writes
/// `spec` and `status` even when empty, so they are always present here too.
fn namespace(raw: Bytes<'_>, object: &mut Map<String, Value>) -> Result<(), ProtobufError> {
    let mut r = raw.reader();
    let mut spec = Map::new();
    let mut status = Map::new();
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => {
                object.insert(
                    "metadata".into(),
                    Value::Object(object_meta(r.expect_bytes(wire)?)?),
                );
            }
            2 => {
                let mut s = r.expect_bytes(wire)?.reader();
                let mut finalizers = Vec::new();
                while let Some((number, wire)) = s.next_field()? {
                    match number {
                        1 => finalizers.push(Value::String(s.string(wire, "spec.finalizers")?)),
                        _ => s.skip(number, wire, 0)?,
                    }
                }
                if !finalizers.is_empty() {
                    spec.insert("finalizers".into(), Value::Array(finalizers));
                }
            }
            3 => {
                let mut s = r.expect_bytes(wire)?.reader();
                while let Some((number, wire)) = s.next_field()? {
                    match number {
                        1 => put_string(&mut status, "phase", s.string(wire, "status.phase")?),
                        _ => s.skip(number, wire, 0)?,
                    }
                }
            }
            _ => r.skip(number, wire, 0)?,
        }
    }
    object.insert("spec".into(), Value::Object(spec));
    object.insert("status".into(), Value::Object(status));
    Ok(())
}

/// ServiceAccount {metadata = 1, secrets = 2 (ObjectReference), imagePullSecrets = 3
/// (LocalObjectReference {name = 1}), automountServiceAccountToken = 4}.
fn service_account(raw: Bytes<'_>, object: &mut Map<String, Value>) -> Result<(), ProtobufError> {
    let mut r = raw.reader();
    let mut secrets = Vec::new();
    let mut pull_secrets = Vec::new();
    while let Some((number, wire)) = r.next_field()? {
        match number {
            1 => {
                object.insert(
                    "metadata".into(),
                    Value::Object(object_meta(r.expect_bytes(wire)?)?),
                );
            }
            2 => secrets.push(Value::Object(object_reference(r.expect_bytes(wire)?)?)),
            3 => {
                let mut s = r.expect_bytes(wire)?.reader();
                let mut reference = Map::new();
                while let Some((number, wire)) = s.next_field()? {
                    match number {
                        1 => put_string(
                            &mut reference,
                            "name",
                            s.string(wire, "imagePullSecrets.name")?,
                        ),
                        _ => s.skip(number, wire, 0)?,
                    }
                }
                pull_secrets.push(Value::Object(reference));
            }
            4 => {
                let automount = r.expect_varint(wire)? != 0;
                object.insert(
                    "automountServiceAccountToken".into(),
                    Value::Bool(automount),
                );
            }
            _ => r.skip(number, wire, 0)?,
        }
    }
    if !secrets.is_empty() {
        object.insert("secrets".into(), Value::Array(secrets));
    }
    if !pull_secrets.is_empty() {
        object.insert("imagePullSecrets".into(), Value::Array(pull_secrets));
    }
    Ok(())
}

/// core/v1 ObjectReference {kind = 1, namespace = 2, name = 3, uid = 4, apiVersion = 5,
/// resourceVersion = 6, fieldPath = 7}.
fn object_reference(bytes: Bytes<'_>) -> Result<Map<String, Value>, ProtobufError> {
    const FIELDS: [&str; 7] = [
        "kind",
        "namespace",
        "name",
        "uid",
        "apiVersion",
        "resourceVersion",
        "fieldPath",
    ];
    let mut r = bytes.reader();
    let mut reference = Map::new();
    while let Some((number, wire)) = r.next_field()? {
        let json_name = usize::try_from(number)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| FIELDS.get(i));
        match json_name {
            Some(name) => put_string(&mut reference, name, r.string(wire, "secrets")?),
            None => r.skip(number, wire, 0)?,
        }
    }
    Ok(reference)
}

// ---------------------------------------------------------------------------------------
// Encodings JSON needs

/// Standard base64 with padding (RFC 4648 §4), the JSON form of Go `[]byte`.
fn base64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`, as the apiserver writes a `metav1.Time`; `None`
/// for seconds no calendar date has.
fn rfc3339(seconds: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()?
        .format(&time::format_description::well_known::Rfc3339)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Real request bodies, recorded from kubectl 1.32 (`kubectl create ...` against a logging
    // HTTPS server on 127.0.0.1). kubectl puts the namespace in the URL, not the body, and
    // sends `type` empty for generic secrets: the simulator has to fill both in.
    /// POST /api/v1/namespaces/default/configmaps
    const CONFIGMAP_CM1: &[u8] =
        b"k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12-\n\x13\n\x03cm1\x12\x00\x1a\x00\"\x00*\x002\x00\
          8\x00B\x00\x12\x06\n\x01a\x12\x01b\x12\x0e\n\x04key2\x12\x06value2\x1a\x00\"\x00";
    /// POST /api/v1/namespaces/default/secrets
    const SECRET_S1: &[u8] =
        b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x121\n\x12\n\x02s1\x12\x00\x1a\x00\"\x00*\x002\x008\
          \x00B\x00\x12\n\n\x02pw\x12\x04p@ss\x12\x0d\n\x04user\x12\x05admin\x1a\x00\x1a\x00\"\x00";
    /// POST /api/v1/namespaces
    const NAMESPACE_NS1: &[u8] =
        b"k8s\x00\n\x0f\n\x02v1\x12\tNamespace\x12\x1b\n\x13\n\x03ns1\x12\x00\x1a\x00\"\x00*\x002\
          \x008\x00B\x00\x12\x00\x1a\x02\n\x00\x1a\x00\"\x00";
    /// POST /api/v1/namespaces/istio-system/serviceaccounts
    const SERVICEACCOUNT_SA1: &[u8] =
        b"k8s\x00\n\x14\n\x02v1\x12\x0eServiceAccount\x12!\n\x1f\n\x03sa1\x12\x00\x1a\x0cistio-sys\
          tem\"\x00*\x002\x008\x00B\x00\x1a\x00\"\x00";
    /// POST /api/v1/namespaces/foo/secrets
    const SECRET_TYPED_FOO: &[u8] =
        b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x122\n\x15\n\x02s2\x12\x00\x1a\x03foo\"\x00*\x002\
          \x008\x00B\x00\x12\x05\n\x01x\x12\x00\x1a\x12kubernetes.io/tls2\x1a\x00\"\x00";
    /// POST /api/v1/namespaces/default/configmaps
    const CONFIGMAP_APPEND_HASH: &[u8] =
        b"k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12(\n\x1e\n\x0ecm2-7f6f566d29\x12\x00\x1a\x00\"\
          \x00*\x002\x008\x00B\x00\x12\x06\n\x01k\x12\x01v\x1a\x00\"\x00";
    /// POST /api/v1/namespaces/default/configmaps
    const CONFIGMAP_BINARY: &[u8] =
        b"k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x127\n\x13\n\x03cm3\x12\x00\x1a\x00\"\x00*\x002\x00\
          8\x00B\x00\x12\x0c\n\x03txt\x12\x05hello\x1a\x12\n\x08blob.bin\x12\x06\x00\x01\xffbin\
          \x1a\x00\"\x00";
    /// POST /api/v1/namespaces/default/configmaps
    const CONFIGMAP_SAVE_CONFIG: &[u8] =
        b"k8s\x00\n\x0f\n\x02v1\x12\tConfigMap\x12\xc0\x01\n\xb5\x01\n\x03cm4\x12\x00\x1a\x00\"\
          \x00*\x002\x008\x00B\x00b\x9f\x01\n0kubectl.kubernetes.io/last-applied-configuration\x12\
          k{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm4\",\"creation\
          Timestamp\":null},\"data\":{\"a\":\"b\"}}\n\x12\x06\n\x01a\x12\x01b\x1a\x00\"\x00";
    /// POST /api/v1/namespaces/default/secrets
    const SECRET_DOCKER_REGISTRY: &[u8] =
        b"k8s\x00\n\x0c\n\x02v1\x12\x06Secret\x12\x8c\x01\n\x13\n\x03reg\x12\x00\x1a\x00\"\x00*\
          \x002\x008\x00B\x00\x12U\n\x11.dockerconfigjson\x12@{\"auths\":{\"r.io\":{\"username\":\
          \"u\",\"password\":\"p\",\"auth\":\"dTpw\"}}}\x1a\x1ekubernetes.io/dockerconfigjson\x1a\
          \x00\"\x00";
    /// POST /api/v1/namespaces
    const NAMESPACE_SAVE_CONFIG: &[u8] =
        b"k8s\x00\n\x0f\n\x02v1\x12\tNamespace\x12\xc3\x01\n\xba\x01\n\x03ns2\x12\x00\x1a\x00\"\
          \x00*\x002\x008\x00B\x00b\xa4\x01\n0kubectl.kubernetes.io/last-applied-configuration\x12\
          p{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"ns2\",\"creation\
          Timestamp\":null},\"spec\":{},\"status\":{}}\n\x12\x00\x1a\x02\n\x00\x1a\x00\"\x00";

    const FIXTURES: [(&str, &[u8], usize); 10] = [
        ("configmap", CONFIGMAP_CM1, 72),
        ("secret", SECRET_S1, 73),
        ("namespace", NAMESPACE_NS1, 54),
        ("serviceaccount", SERVICEACCOUNT_SA1, 65),
        ("typed secret", SECRET_TYPED_FOO, 74),
        ("append-hash configmap", CONFIGMAP_APPEND_HASH, 67),
        ("binary configmap", CONFIGMAP_BINARY, 82),
        ("save-config configmap", CONFIGMAP_SAVE_CONFIG, 220),
        ("docker-registry secret", SECRET_DOCKER_REGISTRY, 165),
        ("save-config namespace", NAMESPACE_SAVE_CONFIG, 223),
    ];

    fn ok(body: &[u8]) -> Value {
        match decode(body) {
            Ok(v) => v,
            Err(e) => panic!("decode failed: {e}"),
        }
    }

    fn err(body: &[u8]) -> String {
        match decode(body) {
            Ok(v) => panic!("expected an error, got {v}"),
            Err(e) => e.to_string(),
        }
    }

    // A minimal encoder, for shapes kubectl create never sends (labels, owners, ...).
    fn varint(mut v: u64, out: &mut Vec<u8>) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    fn key(number: u64, wire: u8) -> Vec<u8> {
        let mut out = Vec::new();
        varint(number << 3 | u64::from(wire), &mut out);
        out
    }
    fn len_field(number: u64, data: &[u8]) -> Vec<u8> {
        let mut out = key(number, LEN);
        varint(data.len() as u64, &mut out);
        out.extend_from_slice(data);
        out
    }
    fn varint_field(number: u64, v: u64) -> Vec<u8> {
        let mut out = key(number, VARINT);
        varint(v, &mut out);
        out
    }
    fn entry(number: u64, k: &str, v: &[u8]) -> Vec<u8> {
        len_field(
            number,
            &[len_field(1, k.as_bytes()), len_field(2, v)].concat(),
        )
    }
    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let type_meta = [
            len_field(1, api_version.as_bytes()),
            len_field(2, kind.as_bytes()),
        ]
        .concat();
        [MAGIC.to_vec(), len_field(1, &type_meta), len_field(2, raw)].concat()
    }

    #[test]
    fn fixture_literals_match_captured_lengths() {
        for (name, body, len) in FIXTURES {
            assert_eq!(body.len(), len, "{name}");
        }
    }

    #[test]
    fn real_configmap() {
        assert_eq!(
            ok(CONFIGMAP_CM1),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm1"},
                   "data": {"a": "b", "key2": "value2"}})
        );
        assert_eq!(
            ok(CONFIGMAP_APPEND_HASH)["metadata"]["name"],
            "cm2-7f6f566d29"
        );
    }

    #[test]
    fn real_configmap_with_binary_data() {
        let cm = ok(CONFIGMAP_BINARY);
        assert_eq!(cm["data"], json!({"txt": "hello"}));
        assert_eq!(cm["binaryData"], json!({"blob.bin": "AAH/Ymlu"}));
    }

    #[test]
    fn real_save_config_annotation() {
        let cm = ok(CONFIGMAP_SAVE_CONFIG);
        let applied =
            &cm["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"];
        let applied: Value =
            serde_json::from_str(applied.as_str().unwrap_or_default()).unwrap_or_default();
        assert_eq!(applied["data"], json!({"a": "b"}));
        let ns = ok(NAMESPACE_SAVE_CONFIG);
        assert_eq!(ns["metadata"]["name"], "ns2");
        assert!(ns["metadata"]["annotations"].is_object());
    }

    #[test]
    fn real_secrets_are_base64() {
        assert_eq!(
            ok(SECRET_S1),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s1"},
                   "data": {"pw": "cEBzcw==", "user": "YWRtaW4="}})
        );
        assert_eq!(
            ok(SECRET_TYPED_FOO),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s2", "namespace": "foo"},
                   "data": {"x": ""}, "type": "kubernetes.io/tls2"})
        );
        let reg = ok(SECRET_DOCKER_REGISTRY);
        assert_eq!(reg["type"], "kubernetes.io/dockerconfigjson");
        assert_eq!(
            reg["data"][".dockerconfigjson"],
            "eyJhdXRocyI6eyJyLmlvIjp7InVzZXJuYW1lIjoidSIsInBhc3N3b3JkIjoicCIsImF1dGgiOiJkVHB3In19fQ=="
        );
    }

    #[test]
    fn real_namespace_and_service_account() {
        assert_eq!(
            ok(NAMESPACE_NS1),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns1"},
                   "spec": {}, "status": {}})
        );
        assert_eq!(
            ok(SERVICEACCOUNT_SA1),
            json!({"apiVersion": "v1", "kind": "ServiceAccount",
                   "metadata": {"name": "sa1", "namespace": "istio-system"}})
        );
    }

    #[test]
    fn hand_built_metadata_fields() {
        let owner = [
            len_field(5, b"apps/v1"),
            len_field(1, b"ReplicaSet"),
            len_field(3, b"rs"),
            len_field(4, b"u-1"),
            varint_field(6, 1),
            varint_field(7, 0),
        ]
        .concat();
        let created = [varint_field(1, 1_700_000_000)].concat();
        let meta = [
            len_field(1, b"x"),
            len_field(2, b"x-"),
            len_field(5, b"uid-9"),
            len_field(6, b"42"),
            varint_field(7, 3),
            len_field(8, &created),
            varint_field(10, 0),
            entry(11, "app", b"web"),
            entry(11, "tier", b"fe"),
            entry(12, "note", b"hi"),
            len_field(13, &owner),
            len_field(14, b"f1"),
            len_field(14, b"f2"),
        ]
        .concat();
        let raw = [len_field(1, &meta), entry(2, "k", b"v"), varint_field(4, 1)].concat();
        assert_eq!(
            ok(&envelope("v1", "ConfigMap", &raw)),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true, "data": {"k": "v"},
                   "metadata": {"name": "x", "generateName": "x-", "uid": "uid-9",
                     "resourceVersion": "42", "generation": 3,
                     "creationTimestamp": "2023-11-14T22:13:20Z", "deletionGracePeriodSeconds": 0,
                     "labels": {"app": "web", "tier": "fe"}, "annotations": {"note": "hi"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                                          "uid": "u-1", "controller": true, "blockOwnerDeletion": false}],
                     "finalizers": ["f1", "f2"]}})
        );
    }

    #[test]
    fn hand_built_service_account_secret_and_namespace_fields() {
        let reference = [
            len_field(1, b"Secret"),
            len_field(3, b"tok"),
            len_field(2, b"ns"),
        ]
        .concat();
        let raw = [
            len_field(1, &len_field(1, b"sa")),
            len_field(2, &reference),
            len_field(3, &len_field(1, b"pull")),
            varint_field(4, 0),
        ]
        .concat();
        assert_eq!(
            ok(&envelope("v1", "ServiceAccount", &raw)),
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"},
                   "secrets": [{"kind": "Secret", "name": "tok", "namespace": "ns"}],
                   "imagePullSecrets": [{"name": "pull"}], "automountServiceAccountToken": false})
        );

        let raw = [
            entry(4, "plain", b"text"),
            varint_field(5, 1),
            entry(2, "bin", &[0xff]),
        ]
        .concat();
        let secret = ok(&envelope("", "Secret", &raw));
        assert_eq!(secret["stringData"], json!({"plain": "text"}));
        assert_eq!(secret["data"], json!({"bin": "/w=="}));
        assert_eq!(secret["immutable"], true);

        let raw = [
            len_field(2, &len_field(1, b"kubernetes")),
            len_field(3, &len_field(1, b"Active")),
        ]
        .concat();
        let ns = ok(&envelope("v1", "Namespace", &raw));
        assert_eq!(ns["spec"], json!({"finalizers": ["kubernetes"]}));
        assert_eq!(ns["status"], json!({"phase": "Active"}));
    }

    #[test]
    fn unknown_fields_of_every_wire_type_are_skipped() {
        let mut fixed64 = key(90, FIXED64);
        fixed64.extend_from_slice(&[1; 8]);
        let mut fixed32 = key(91, FIXED32);
        fixed32.extend_from_slice(&[2; 4]);
        let group = [
            key(92, START_GROUP),
            varint_field(1, 5),
            key(93, START_GROUP),
            key(93, END_GROUP),
            len_field(2, b"zz"),
            key(92, END_GROUP),
        ]
        .concat();
        let raw = [
            varint_field(99, 7),
            fixed64,
            fixed32,
            group,
            len_field(98, b"?"),
            len_field(
                1,
                &[len_field(1, b"cm"), len_field(17, b"managed")].concat(),
            ),
            entry(2, "a", b"b"),
        ]
        .concat();
        let mut body = envelope("v1", "ConfigMap", &raw);
        body.extend(len_field(3, b""));
        body.extend(len_field(4, CONTENT_TYPE.as_bytes()));
        body.extend(varint_field(50, 1));
        assert_eq!(
            ok(&body),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}, "data": {"a": "b"}})
        );
    }

    #[test]
    fn envelope_errors() {
        assert_eq!(
            err(b""),
            "not a Kubernetes protobuf body (missing k8s\\0 magic)"
        );
        assert_eq!(
            err(b"{\"kind\":\"ConfigMap\"}"),
            "not a Kubernetes protobuf body (missing k8s\\0 magic)"
        );
        assert_eq!(err(MAGIC), "protobuf body names no kind");
        assert_eq!(
            err(&envelope("v1", "Pod", b"")),
            "protobuf kind Pod is not supported (only ConfigMap, Secret, Namespace, ServiceAccount)"
        );
        assert!(
            err(&envelope("apps/v1", "ConfigMap", b""))
                .contains("apps/v1/ConfigMap is not supported")
        );
        let mut gzip = envelope("v1", "ConfigMap", b"");
        gzip.extend(len_field(3, b"gzip"));
        assert!(err(&gzip).contains("contentEncoding 'gzip'"));
        let mut json_inside = envelope("v1", "ConfigMap", b"");
        json_inside.extend(len_field(4, b"application/json"));
        assert!(err(&json_inside).contains("contentType 'application/json'"));
        let no_raw = [MAGIC.to_vec(), len_field(1, &len_field(2, b"Secret"))].concat();
        assert!(err(&no_raw).contains("raw is missing"));
    }

    #[test]
    fn wire_errors() {
        let truncated = &CONFIGMAP_CM1[..30];
        assert!(
            err(truncated).starts_with("truncated protobuf at byte "),
            "{}",
            err(truncated)
        );
        let overlong = [MAGIC, &[0x0a], &[0xff; 11]].concat();
        assert!(err(&overlong).contains("varint"));
        let huge_len = [
            MAGIC,
            &[0x12],
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        ]
        .concat();
        assert!(err(&huge_len).starts_with("truncated protobuf at byte "));
        // Field 5 is unknown to the envelope, so these exercise skip().
        assert!(err(&[MAGIC, &[0x2f]].concat()).contains("invalid wire type"));
        assert!(err(&[MAGIC, &[0x00, 0x00]].concat()).contains("field number 0"));
        assert!(err(&[MAGIC, &[0x2c]].concat()).contains("end of group without a start"));
        assert!(err(&[MAGIC, &[0x2b, 0x14]].concat()).contains("does not match"));
        assert!(err(&[MAGIC, &[0x2b; 200]].concat()).contains("nested too deeply"));
        assert!(err(&[MAGIC, &[0x2b, 0x08, 0x01]].concat()).starts_with("truncated"));
        // typeMeta sent as a varint instead of a message.
        assert!(
            err(&[MAGIC, &[0x08, 0x01]].concat()).contains("expected a length-delimited field")
        );
        let bad_utf8 = envelope(
            "v1",
            "ConfigMap",
            &len_field(1, &len_field(1, &[0xc3, 0x28])),
        );
        assert_eq!(
            err(&bad_utf8),
            "protobuf field 'metadata.name' at byte 27 is not valid UTF-8"
        );
    }

    #[test]
    fn every_truncation_of_real_bodies_fails_cleanly() {
        for (name, body, _) in FIXTURES {
            // The last 4 bytes are the optional, empty contentEncoding/contentType fields;
            // cutting anywhere before them must be an error, never a panic or a partial object.
            for cut in 0..body.len() - 4 {
                assert!(decode(&body[..cut]).is_err(), "{name} cut at {cut}");
            }
            for cut in body.len() - 4..=body.len() {
                let _ = decode(&body[..cut]);
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        // xorshift: deterministic noise, both raw and spliced into real bodies.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let len = (next() % 96) as usize;
            let mut body: Vec<u8> = MAGIC.to_vec();
            body.extend((0..len).map(|_| next() as u8));
            let _ = decode(&body);
            let (_, fixture, _) = FIXTURES[round % FIXTURES.len()];
            let mut mutated = fixture.to_vec();
            let at = 4 + (next() as usize) % (mutated.len() - 4);
            mutated[at] = next() as u8;
            let _ = decode(&mutated);
        }
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0).unwrap(), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400).unwrap(), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000).unwrap(), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(-1).unwrap(), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(i64::MIN), None);
        assert_eq!(rfc3339(i64::MAX), None);
    }
}
