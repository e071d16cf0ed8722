//! The TLS client configuration: rustls with the ring provider, the
//! webpki roots (and the OS store with `native-roots`), plus extra CAs.

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

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

pub(crate) fn client_config(
    extra_ca_pem: &[Vec<u8>],
    webpki_roots: bool,
) -> Result<ClientConfig, TlsConfigError> {
    let mut roots = RootCertStore::empty();
    if webpki_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    #[cfg(feature = "native-roots")]
    {
        let native = rustls_native_certs::load_native_certs();
        for cert in native.certs {
            // A malformed OS certificate is skipped, as browsers do.
            let _ = roots.add(cert);
        }
    }
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
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsConfigError::Rejected(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

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
