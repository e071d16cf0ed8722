//! The TLS client configuration: rustls with the ring provider, the
//! webpki roots (and the OS store with `native-roots`), plus extra CAs;
//! and why a handshake failed, in words.

use std::error::Error as StdError;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, ClientConfig, RootCertStore};

/// Why the TLS configuration could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum TlsConfigError {
    /// An extra CA is not a valid PEM certificate.
    InvalidPem,
    /// An extra CA holds no certificate, or rustls refused it.
    Rejected(String),
}

impl std::fmt::Display for TlsConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsConfigError::InvalidPem => f.write_str("the extra CA certificate is not valid PEM"),
            TlsConfigError::Rejected(reason) => {
                write!(f, "the extra CA certificate could not be trusted: {reason}")
            }
        }
    }
}

impl std::error::Error for TlsConfigError {}

/// The roots to trust: the extra CAs' PEM, the bundled webpki roots, and
/// the OS store (`native_roots` is false without the `native-roots`
/// feature).
pub(crate) fn client_config(
    extra_ca_pem: &[Vec<u8>],
    webpki_roots: bool,
    native_roots: bool,
) -> Result<ClientConfig, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    if webpki_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        tracing::debug!(
            roots = webpki_roots::TLS_SERVER_ROOTS.len(),
            "TLS trusts the bundled webpki roots"
        );
    }
    #[cfg(feature = "native-roots")]
    if native_roots {
        let native = rustls_native_certs::load_native_certs();
        let (found, errors) = (native.certs.len(), native.errors.len());
        for cert in native.certs {
            // A malformed OS certificate is skipped, as browsers do.
            let _ = roots.add(cert);
        }
        tracing::debug!(
            found,
            errors,
            "TLS trusts the operating system's certificate store"
        );
        if found == 0 {
            tracing::warn!(
                errors,
                "the operating system's certificate store has no certificate: no server can be trusted by it"
            );
        }
    }
    #[cfg(not(feature = "native-roots"))]
    let _ = native_roots;
    for pem in extra_ca_pem {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TlsConfigError::InvalidPem)?;
        if certs.is_empty() {
            return Err(TlsConfigError::Rejected("no certificate found".into()));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| TlsConfigError::Rejected(e.to_string()))?;
        }
    }
    if !extra_ca_pem.is_empty() {
        tracing::debug!(
            files = extra_ca_pem.len(),
            "TLS trusts the extra CA certificates given"
        );
    }
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Rejected(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The rustls error in `error`'s source chain, if any. rustls errors
/// arrive wrapped in `io::Error`s by the TLS stream, and
/// `io::Error::source()` skips the error it wraps, so the walk steps into
/// it.
pub(crate) fn rustls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    crate::cause::find_cause(error)
}

/// Why the handshake whose error is `error` failed, in words, when rustls
/// said why: for a refused certificate, the kind of refusal (unknown
/// issuer, name mismatch, expired, ...). Never a value from the
/// certificate, only its kind.
pub(crate) fn failure_reason(error: &(dyn StdError + 'static)) -> Option<&'static str> {
    let reason = match rustls_error(error)? {
        rustls::Error::InvalidCertificate(kind) => certificate_problem(kind),
        rustls::Error::AlertReceived(_) => "the server refused the handshake (it sent an alert)",
        rustls::Error::InvalidMessage(_) => "the server's answer is not TLS (is it plain HTTP?)",
        rustls::Error::PeerIncompatible(_) => "the server offers no TLS version or cipher that steps accepts",
        rustls::Error::NoCertificatesPresented => "the server presented no certificate",
        _ => return None,
    };
    Some(reason)
}

/// A refused certificate's kind, in words.
fn certificate_problem(kind: &CertificateError) -> &'static str {
    match kind {
        CertificateError::UnknownIssuer => {
            "unknown issuer: the server's certificate is not signed by a trusted CA"
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            "name mismatch: the server's certificate is not valid for the host in the API URL"
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "expired: the server's certificate has expired (or this machine's clock is wrong)"
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "not yet valid: the server's certificate is not valid yet (or this machine's clock is wrong)"
        }
        CertificateError::Revoked => "revoked: the server's certificate has been revoked",
        CertificateError::BadSignature => {
            "bad signature: the server's certificate is not signed as it claims"
        }
        CertificateError::BadEncoding => "bad encoding: the server's certificate cannot be read",
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "invalid purpose: the server's certificate is not one for a TLS server"
        }
        _ => "the server's certificate was refused",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_certificate_is_named_by_its_kind_through_the_io_errors_around_it() {
        let wrapped = |kind: CertificateError| {
            let inner = std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(kind),
            );
            std::io::Error::other(inner)
        };
        for (kind, said) in [
            (CertificateError::UnknownIssuer, "unknown issuer"),
            (CertificateError::NotValidForName, "name mismatch"),
            (CertificateError::Expired, "expired"),
            (CertificateError::NotValidYet, "not yet valid"),
        ] {
            let error = wrapped(kind);
            let reason = failure_reason(&error).expect("a reason");
            assert!(reason.starts_with(said), "{reason}");
        }
        let other = std::io::Error::other("refused");
        assert!(failure_reason(&other).is_none());
        assert!(rustls_error(&other).is_none());
    }

    #[test]
    fn messages_are_those_of_the_derive() {
        assert_eq!(
            TlsConfigError::InvalidPem.to_string(),
            "the extra CA certificate is not valid PEM"
        );
        assert_eq!(
            TlsConfigError::Rejected("no certificate".to_owned()).to_string(),
            "the extra CA certificate could not be trusted: no certificate"
        );
    }
}
