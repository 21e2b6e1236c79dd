//! The cert primitives: a mesh's root CA as a value, and publishing it to a peer mesh.
//!
//! Federation fails in real life mostly on certificates, and the failure only shows as
//! "unknown authority" in istiod logs. So fedrun reads the CA as a certificate, not as text, and
//! refuses before anything is applied what would break the link: PEM that does not parse, a leaf
//! instead of a CA, an expired CA.

use rhai::plugin::*;
use rhai::{CustomType, TypeBuilder};
use serde_json::json;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::Env;
use super::mesh::Mesh;
use crate::script::{PrimitiveError, located};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// The ConfigMap and key istiod publishes its root certificate under in every mesh.
pub const ROOT_CONFIGMAP: &str = "istio-ca-root-cert";
pub const ROOT_KEY: &str = "root-cert.pem";
/// A CA expiring sooner than this is published with a warning.
const WARN_DAYS: i64 = 30;

/// A parsed X.509 certificate.
#[derive(Clone, Debug, PartialEq, CustomType)]
#[rhai_type(extra = Self::build_extra)]
pub struct Certificate {
    /// The subject, e.g. `O=rosa-prod-mesh.local`.
    #[rhai_type(readonly)]
    pub subject: String,
    /// The issuer (the subject itself for a self-signed root).
    #[rhai_type(readonly)]
    pub issuer: String,
    /// The serial number, hex.
    #[rhai_type(readonly)]
    pub serial: String,
    /// Start of validity, RFC 3339.
    #[rhai_type(readonly)]
    pub not_before: String,
    /// End of validity, RFC 3339.
    #[rhai_type(readonly)]
    pub not_after: String,
    /// Seconds since the epoch of `not_after`, for expiry checks.
    #[rhai_type(skip)]
    pub expires_at: i64,
    #[rhai_type(skip)]
    pub starts_at: i64,
    /// SHA-256 fingerprint as `AB:CD:...` (as `openssl x509 -fingerprint -sha256`).
    #[rhai_type(readonly)]
    pub sha256: String,
    /// Whether it is a CA certificate (basicConstraints CA:TRUE).
    #[rhai_type(readonly)]
    pub is_ca: bool,
    /// The certificate in PEM.
    #[rhai_type(readonly)]
    pub pem: String,
}

impl Certificate {
    /// Parses the first certificate of a PEM text.
    pub fn from_pem(pem: &str) -> std::result::Result<Certificate, String> {
        let (_, block) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|_| {
            "not a PEM certificate (no -----BEGIN CERTIFICATE----- block that decodes)".to_string()
        })?;
        if block.label != "CERTIFICATE" {
            return Err(format!(
                "the PEM block is a {:?}, not a CERTIFICATE",
                block.label
            ));
        }
        let (_, cert) = X509Certificate::from_der(&block.contents)
            .map_err(|e| format!("the certificate does not parse: {e}"))?;
        let time = |t: i64| {
            time::OffsetDateTime::from_unix_timestamp(t)
                .ok()
                .and_then(|d| {
                    d.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| t.to_string())
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, &block.contents);
        let sha256 = digest
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        let validity = cert.validity();
        Ok(Certificate {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial: cert.raw_serial_as_string(),
            not_before: time(validity.not_before.timestamp()),
            not_after: time(validity.not_after.timestamp()),
            expires_at: validity.not_after.timestamp(),
            starts_at: validity.not_before.timestamp(),
            sha256,
            is_ca: cert.is_ca(),
            pem: pem.trim().to_string() + "\n",
        })
    }

    /// Days until expiry (negative once expired).
    pub fn days_left(&self) -> i64 {
        (self.expires_at - time::OffsetDateTime::now_utc().unix_timestamp()).div_euclid(86_400)
    }

    /// Whether this may be published as a peer's trusted root; `Ok(Some(warning))` when it may
    /// but expires soon.
    pub fn check_trustable(&self) -> std::result::Result<Option<String>, String> {
        if !self.is_ca {
            return Err(format!(
                "certificate {} is not a CA (basicConstraints CA:FALSE): a peer needs the mesh's root CA, not a leaf certificate",
                self.subject
            ));
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if self.expires_at < now {
            return Err(format!(
                "CA certificate {} expired on {}",
                self.subject, self.not_after
            ));
        }
        if self.starts_at > now {
            return Err(format!(
                "CA certificate {} is not valid before {}",
                self.subject, self.not_before
            ));
        }
        let days = self.days_left();
        Ok((days < WARN_DAYS).then(|| {
            format!(
                "CA certificate {} expires in {days} day(s), on {}",
                self.subject, self.not_after
            )
        }))
    }

    fn build_extra(builder: &mut TypeBuilder<Self>) {
        builder
            .on_print(|c| c.summary())
            .with_get("days_left", |c: &mut Self| c.days_left())
            .and_comments(&["/// Whole days until it expires (negative once expired)."]);
    }

    /// A one-line summary for printing.
    pub fn summary(&self) -> String {
        format!(
            "certificate {} (issuer {}, valid {} .. {}, sha256 {}{})",
            self.subject,
            self.issuer,
            self.not_before,
            self.not_after,
            &self.sha256[..self.sha256.len().min(23)],
            if self.is_ca { ", CA" } else { "" }
        )
    }
}

/// The ConfigMap under which mesh `peer`'s root CA is trusted (the walkthrough's naming).
pub fn trusted_configmap(peer: &str) -> String {
    format!("{peer}-ca-root-cert")
}

/// A `istio-ca-root-cert` ConfigMap holding a fresh self-signed CA: what `fedrun plan` goes on
/// with when a mesh's control plane has not run yet (the plan records that the CA is unknown).
pub fn stand_in_root(namespace: &str) -> serde_json::Value {
    let mut params = rcgen::CertificateParams::default();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "unknown until applied");
    let pem = rcgen::KeyPair::generate()
        .and_then(|key| params.self_signed(&key))
        .map(|c| c.pem())
        .unwrap_or_default();
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": ROOT_CONFIGMAP, "namespace": namespace},
        "data": {ROOT_KEY: pem},
    })
}

impl Env {
    /// Reads a mesh's root CA from `istio-ca-root-cert`.
    pub fn root_ca(&self, mesh: &Mesh) -> Result<Certificate> {
        let cm = self.call(
            &mesh.cluster,
            mesh.cluster
                .client
                .get("configmap", Some(&mesh.namespace), ROOT_CONFIGMAP),
        )?;
        let pem = cm
            .pointer("/data/root-cert.pem")
            .and_then(|v| v.as_str())
            .ok_or_else(|| {
                PrimitiveError::new(format!(
                    "configmap {}/{ROOT_CONFIGMAP} has no {ROOT_KEY}",
                    mesh.namespace
                ))
                .with_cluster(mesh.cluster.name())
            })?;
        Certificate::from_pem(pem).map_err(|e| {
            PrimitiveError::new(format!("the root CA of mesh {}: {e}", mesh.name))
                .with_cluster(mesh.cluster.name())
                .into()
        })
    }

    /// Publishes `ca` in `mesh` as the trusted root of mesh `peer`, after checking it.
    pub fn trust(&self, mesh: &Mesh, peer: &str, ca: &Certificate) -> Result<()> {
        match ca.check_trustable() {
            Err(e) => {
                return Err(PrimitiveError::new(format!(
                    "refusing to trust it in mesh {}: {e}",
                    mesh.name
                ))
                .with_cluster(mesh.cluster.name())
                .into());
            }
            Ok(Some(warning)) => self
                .ctx
                .reporter
                .warn(&format!("{}: {warning}", mesh.cluster.name())),
            Ok(None) => {}
        }
        // A mesh's own root published as a peer's is a mix-up (the peer's CA was meant): the
        // link could never connect, so refuse it before anything is written.
        if peer != mesh.name
            && let Ok(own) = self.root_ca(mesh)
            && own.sha256 == ca.sha256
        {
            return Err(PrimitiveError::new(format!(
                "refusing to trust {} as the root of mesh {peer} in mesh {}: it is mesh {}'s own root CA, not {peer}'s",
                ca.subject, mesh.name, mesh.name
            ))
            .with_cluster(mesh.cluster.name())
            .with_hint(format!("pass the peer's root, e.g. cert::root(<the {peer} mesh>)"))
            .into());
        }
        let cm = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": trusted_configmap(peer), "namespace": mesh.namespace},
            "data": {ROOT_KEY: ca.pem},
        });
        self.apply_objects(&mesh.cluster, vec![cm], None)?;
        Ok(())
    }
}

/// Registers the `Certificate` type and the `cert::` functions.
pub fn register(engine: &mut Engine) {
    engine.build_type::<Certificate>();
    engine.register_static_module("cert", exported_module!(api).into());
}

/// The `cert::` functions.
#[export_module]
mod api {
    use super::*;

    /// The root CA of a mesh, read from its `istio-ca-root-cert` ConfigMap, as a certificate
    /// with `subject`, `issuer`, `serial`, `not_before`, `not_after`, `sha256`, `is_ca`, `pem`.
    #[rhai_fn(return_raw)]
    pub fn root(call: NativeCallContext, mesh: Mesh) -> Result<Certificate> {
        Env::with(&call, |env| env.root_ca(&mesh))
    }

    /// Parses a PEM certificate (fails with what is wrong when it is not one).
    #[rhai_fn(return_raw)]
    pub fn parse(call: NativeCallContext, pem: &str) -> Result<Certificate> {
        located(&call, || {
            Certificate::from_pem(pem).map_err(|e| PrimitiveError::new(e).into())
        })
    }

    /// Publishes `ca` in `mesh` as the trusted root of mesh `peer`: ConfigMap
    /// `<peer>-ca-root-cert` (key `root-cert.pem`) in the mesh's namespace, which the
    /// ServiceMeshPeer's `certificateChain` names. Refuses PEM that does not parse, a leaf
    /// certificate and an expired CA; warns when it expires within 30 days. Idempotent.
    ///
    /// ```rhai
    /// cert::trust(stg, prod.name, cert::root(prod));
    /// ```
    #[rhai_fn(return_raw)]
    pub fn trust(call: NativeCallContext, mesh: Mesh, peer: &str, ca: Certificate) -> Result<()> {
        Env::with(&call, |env| env.trust(&mesh, peer, &ca))
    }

    /// Publishes a PEM text as mesh `peer`'s trusted root (checked as above).
    #[rhai_fn(name = "trust", return_raw)]
    pub fn trust_pem(call: NativeCallContext, mesh: Mesh, peer: &str, pem: &str) -> Result<()> {
        Env::with(&call, |env| {
            let ca = Certificate::from_pem(pem).map_err(|err| {
                PrimitiveError::new(format!("refusing to trust it in mesh {}: {err}", mesh.name))
            })?;
            env.trust(&mesh, peer, &ca)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ca(days: i64, is_ca: bool) -> String {
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "mesh.local");
        if is_ca {
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        }
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(400);
        params.not_after = now + time::Duration::days(days);
        let key = rcgen::KeyPair::generate().unwrap();
        params.self_signed(&key).unwrap().pem()
    }

    #[test]
    fn a_ca_parses_with_its_fields() {
        let c = Certificate::from_pem(&ca(3650, true)).unwrap();
        assert_eq!(c.subject, "O=mesh.local");
        assert_eq!(c.subject, c.issuer);
        assert!(c.is_ca);
        assert_eq!(c.sha256.len(), 32 * 3 - 1);
        assert_eq!(c.check_trustable(), Ok(None));
    }

    #[test]
    fn leaves_expired_and_garbage_are_refused_and_soon_expiring_warned() {
        assert!(
            Certificate::from_pem(&ca(10, false))
                .unwrap()
                .check_trustable()
                .unwrap_err()
                .contains("not a CA")
        );
        assert!(
            Certificate::from_pem(&ca(-1, true))
                .unwrap()
                .check_trustable()
                .unwrap_err()
                .contains("expired")
        );
        assert!(
            Certificate::from_pem(&ca(10, true))
                .unwrap()
                .check_trustable()
                .unwrap()
                .unwrap()
                .contains("expires in")
        );
        assert!(
            Certificate::from_pem("hello")
                .unwrap_err()
                .contains("not a PEM certificate")
        );
        let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(
            Certificate::from_pem(broken)
                .unwrap_err()
                .contains("does not parse")
        );
    }
}
