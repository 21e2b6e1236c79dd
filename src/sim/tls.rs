//! A simulated cluster's TLS identity: its own CA, a serving certificate and a bearer token.
//!
//! Every simulated cluster is reached over real HTTPS, exactly like a real cluster, so that the
//! kube-rs code that talks to production clusters (and real `kubectl`) is what the simulator
//! exercises. That needs, per cluster:
//! - a self-signed CA, whose PEM goes into the kubeconfig's `certificate-authority-data` so that
//!   clients verify the server (TLS verification stays on; no `insecure-skip-tls-verify`);
//! - a serving certificate signed by that CA for `127.0.0.1` and `localhost`;
//! - a random bearer token, checked by the server on every request.
//!
//! Each start of a simulator generates fresh identities and rewrites the kubeconfig (its ports
//! are new too), so a kubeconfig copied from an earlier run stops working when the server
//! restarts. The identity is serializable (including the private key) for tests that keep one;
//! `Debug` never prints the key or the token.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use rand::RngCore as _;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::{Deserialize, Serialize};

/// How long generated certificates are valid. Ten years: a long-running simulator must never
/// start failing because a certificate expired, while rcgen's
/// default (`not_after` in year 4096) would be absurd and trips some X.509 tooling.
pub const VALIDITY: time::Duration = time::Duration::days(3650);

/// Backdating of `not_before`, so that a client whose clock is slightly behind accepts a
/// certificate generated a moment ago.
const BACKDATE: time::Duration = time::Duration::hours(1);

/// ALPN protocols offered by the server, in preference order. kubectl (Go) negotiates `h2`;
/// kube-rs (hyper-rustls with HTTP/1 only) negotiates `http/1.1` or sends no ALPN at all.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// Errors while creating or loading a cluster identity.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The cluster name cannot be used in a certificate subject.
    #[error("invalid cluster name {0:?} for a certificate: use letters, digits, '-' and '.'")]
    InvalidClusterName(String),
    /// rcgen failed to generate a key or sign a certificate.
    #[error("generating the cluster certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
    /// A PEM block of the identity could not be decoded (a damaged state file).
    #[error("the cluster identity's {what} is not valid PEM: {source}")]
    Pem {
        /// Which part of the identity was bad ("serving certificate", "private key").
        what: &'static str,
        /// The decoding error.
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    /// rustls refused the certificate/key pair (e.g. the key does not match the certificate).
    #[error("building the TLS server configuration failed: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A simulated cluster's CA, serving certificate, serving key and bearer token.
///
/// `key_pem` is private so that it can only leave this value through serialization into the
/// (0600) state file or through [`ClusterIdentity::server_config`].
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClusterIdentity {
    /// PEM of the self-signed CA; clients trust this (kubeconfig `certificate-authority-data`).
    pub ca_cert_pem: String,
    /// PEM of the serving certificate (SANs `127.0.0.1`, `localhost`), signed by the CA.
    pub cert_pem: String,
    /// PKCS#8 PEM of the serving certificate's private key. Never printed.
    key_pem: String,
    /// Bearer token the API server accepts (43 characters of base64url, 256 random bits).
    pub token: String,
}

impl fmt::Debug for ClusterIdentity {
    /// Redacts the private key and the token: identities end up in `tracing` fields and error
    /// reports, and secrets must never reach output or logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterIdentity")
            .field(
                "ca_cert_pem",
                &format_args!("<{} bytes of PEM>", self.ca_cert_pem.len()),
            )
            .field(
                "cert_pem",
                &format_args!("<{} bytes of PEM>", self.cert_pem.len()),
            )
            .field("key_pem", &format_args!("<redacted>"))
            .field("token", &format_args!("<redacted>"))
            .finish()
    }
}

impl ClusterIdentity {
    /// Generates a fresh identity for `cluster`: a CA named `fedrun-sim-<cluster>-ca`, a
    /// serving certificate for `127.0.0.1` and `localhost`, and a random bearer token.
    ///
    /// Keys are ECDSA P-256 (rcgen's default), which rustls, Go's crypto/tls and every
    /// Kubernetes client accept, and which is fast to generate in tests.
    pub fn generate(cluster: &str) -> Result<Self, TlsError> {
        if cluster.is_empty()
            || cluster.len() > 63
            || !cluster
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_')
        {
            return Err(TlsError::InvalidClusterName(cluster.to_owned()));
        }
        // The CA: it signs only the serving certificate below (path length 0).
        let mut name = rcgen::DistinguishedName::new();
        name.push(DnType::CommonName, format!("fedrun-sim-{cluster}-ca"));
        name.push(DnType::OrganizationName, "fedrun simulator");
        let ca_params = ca_params(name, BasicConstraints::Constrained(0))?;
        let (not_before, not_after) = (ca_params.not_before, ca_params.not_after);
        let ca_key = KeyPair::generate()?;
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca_params, ca_key);

        // The serving certificate. `CertificateParams::new` turns "127.0.0.1" into an IP SAN,
        // which is what clients connecting to https://127.0.0.1:<port> check against.
        let key = KeyPair::generate()?;
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(
            DnType::CommonName,
            format!("fedrun-sim-{cluster}-apiserver"),
        );
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        params.not_before = not_before;
        params.not_after = not_after;
        params.serial_number = Some(random_serial());
        let cert = params.signed_by(&key, &issuer)?;

        Ok(Self {
            ca_cert_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            token: random_token(),
        })
    }

    /// Builds the rustls server configuration for this identity: TLS 1.2 and 1.3 on the ring
    /// provider (passed explicitly, so nothing depends on a process-wide default provider), no
    /// client certificates, and ALPN `h2` then `http/1.1` so that both kubectl (HTTP/2) and
    /// kube-rs (HTTP/1.1) are served.
    pub fn server_config(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let chain = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsError::Pem {
                what: "serving certificate",
                source,
            })?;
        if chain.is_empty() {
            return Err(TlsError::Pem {
                what: "serving certificate",
                source: rustls::pki_types::pem::Error::NoItemsFound,
            });
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|source| {
            TlsError::Pem {
                what: "private key",
                source,
            }
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}

/// The parameters of a self-signed CA named `name`: the simulator's one way to make a root, for
/// its API servers' TLS and for istiod's mesh roots alike — ten years of validity from an hour
/// ago, a random serial, CA key usages.
pub fn ca_params(
    name: rcgen::DistinguishedName,
    constraints: BasicConstraints,
) -> Result<CertificateParams, rcgen::Error> {
    let now = time::OffsetDateTime::now_utc();
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(constraints);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
    ];
    params.not_before = now - BACKDATE;
    params.not_after = now + VALIDITY;
    params.serial_number = Some(random_serial());
    Ok(params)
}

/// A positive random 128-bit serial number (RFC 5280 asks for unpredictable serials; the top
/// bit is cleared so that the DER integer stays positive without padding surprises).
fn random_serial() -> SerialNumber {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

/// 32 random bytes as unpadded base64url: safe in an HTTP header and in YAML without quoting
/// rules, and as strong as a kube-apiserver static token.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // ThreadRng is a CSPRNG (ChaCha12) seeded from the operating system.
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    fn client_config(ca_pem: &str, alpn: &[&[u8]]) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
            roots.add(cert.expect("ca pem")).expect("add root");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Arc::new(config)
    }

    /// Handshakes a verifying client against the identity's server config over an in-memory
    /// pipe and returns the negotiated ALPN protocol.
    async fn handshake(
        id: &ClusterIdentity,
        trust: &str,
        name: &str,
        alpn: &[&[u8]],
    ) -> Result<Option<Vec<u8>>, std::io::Error> {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let acceptor = tokio_rustls::TlsAcceptor::from(id.server_config().expect("server config"));
        let server = tokio::spawn(async move {
            let mut tls = acceptor.accept(server_io).await?;
            let mut buf = [0u8; 4];
            tls.read_exact(&mut buf).await?;
            tls.write_all(&buf).await?;
            tls.shutdown().await?;
            Ok::<_, std::io::Error>(())
        });
        let connector = tokio_rustls::TlsConnector::from(client_config(trust, alpn));
        let server_name = rustls::pki_types::ServerName::try_from(name.to_owned()).expect("name");
        let mut tls = connector.connect(server_name, client_io).await?;
        let negotiated = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        tls.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        tls.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"ping");
        server.await.expect("join")?;
        Ok(negotiated)
    }

    #[tokio::test]
    async fn verified_handshake_for_ip_and_localhost_with_both_alpns() {
        let id = ClusterIdentity::generate("aro").expect("generate");
        let h2 = handshake(&id, &id.ca_cert_pem, "127.0.0.1", &[b"h2", b"http/1.1"]).await;
        assert_eq!(h2.expect("h2 handshake").as_deref(), Some(&b"h2"[..]));
        let h1 = handshake(&id, &id.ca_cert_pem, "localhost", &[b"http/1.1"]).await;
        assert_eq!(h1.expect("h1 handshake").as_deref(), Some(&b"http/1.1"[..]));
        let none = handshake(&id, &id.ca_cert_pem, "127.0.0.1", &[]).await;
        assert_eq!(none.expect("no-alpn handshake"), None);
    }

    #[tokio::test]
    async fn other_names_and_other_cas_are_rejected() {
        let id = ClusterIdentity::generate("rosa").expect("generate");
        let other = ClusterIdentity::generate("aro").expect("generate");
        assert!(
            handshake(&id, &id.ca_cert_pem, "example.com", &[])
                .await
                .is_err()
        );
        assert!(
            handshake(&id, &other.ca_cert_pem, "127.0.0.1", &[])
                .await
                .is_err()
        );
    }

    #[test]
    fn certificates_have_the_right_subjects_validity_and_usages() {
        use x509_parser::prelude::*;
        let id = ClusterIdentity::generate("rog").expect("generate");
        let (_, ca_pem) = parse_x509_pem(id.ca_cert_pem.as_bytes()).expect("ca pem");
        let ca = ca_pem.parse_x509().expect("ca der");
        assert_eq!(
            ca.subject().to_string(),
            "CN=fedrun-sim-rog-ca, O=fedrun simulator"
        );
        assert!(ca.is_ca());
        let years = (ca.validity().not_after.timestamp() - ca.validity().not_before.timestamp())
            / (365 * 24 * 3600);
        assert!((9..=10).contains(&years), "validity {years} years");

        let (_, leaf_pem) = parse_x509_pem(id.cert_pem.as_bytes()).expect("leaf pem");
        let leaf = leaf_pem.parse_x509().expect("leaf der");
        assert_eq!(leaf.issuer(), ca.subject());
        assert!(!leaf.is_ca());
        let eku = leaf
            .extended_key_usage()
            .expect("eku")
            .expect("eku present");
        assert!(eku.value.server_auth);
        let san = leaf
            .subject_alternative_name()
            .expect("san")
            .expect("san present");
        let names: Vec<String> = san
            .value
            .general_names
            .iter()
            .map(|n| n.to_string())
            .collect();
        assert!(
            names.iter().any(|n| n == "IPAddress(7f:00:00:01)"),
            "{names:?}"
        );
        assert!(names.iter().any(|n| n == "DNSName(localhost)"), "{names:?}");
        let leaf_years = (leaf.validity().not_after.timestamp()
            - leaf.validity().not_before.timestamp())
            / (365 * 24 * 3600);
        assert!(
            (9..=10).contains(&leaf_years),
            "leaf validity {leaf_years} years"
        );
    }

    #[test]
    fn tokens_are_random_and_header_safe() {
        let a = ClusterIdentity::generate("a").expect("generate");
        let b = ClusterIdentity::generate("b").expect("generate");
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 43);
        assert!(
            a.token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(a.ca_cert_pem, b.ca_cert_pem);
    }

    #[test]
    fn debug_redacts_key_and_token_but_serde_keeps_them() {
        let id = ClusterIdentity::generate("aro").expect("generate");
        let debug = format!("{id:?}");
        assert!(!debug.contains(&id.token));
        assert!(!debug.contains("PRIVATE KEY"));
        assert!(debug.contains("redacted"));

        let json = serde_json::to_string(&id).expect("serialize");
        assert!(json.contains("PRIVATE KEY"));
        let back: ClusterIdentity = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, id);
        back.server_config().expect("reloaded identity serves");
    }

    #[test]
    fn damaged_identities_and_bad_names_give_errors() {
        let mut id = ClusterIdentity::generate("aro").expect("generate");
        id.key_pem = "garbage".into();
        let err = id.server_config().expect_err("bad key");
        assert!(err.to_string().contains("private key"), "{err}");

        let mut id = ClusterIdentity::generate("aro").expect("generate");
        let other = ClusterIdentity::generate("rosa").expect("generate");
        id.key_pem = other.key_pem;
        assert!(matches!(id.server_config(), Err(TlsError::Rustls(_))));

        assert!(matches!(
            ClusterIdentity::generate("a b"),
            Err(TlsError::InvalidClusterName(_))
        ));
        assert!(ClusterIdentity::generate("").is_err());
    }
}
