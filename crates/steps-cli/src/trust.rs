//! What TLS trusts: the CA certificates in a PEM file (`--ca-cert`,
//! `STEPS_CA_CERT`, else `SSL_CERT_FILE`, as curl and OpenSSL read it),
//! this system's certificate store (`--native-roots`,
//! `STEPS_NATIVE_ROOTS=1`), both, or else the Mozilla roots bundled with
//! steps (webpki-roots).

use std::path::PathBuf;

use steps::TransportBuilder;

use crate::cli::{Global, Origin};
use crate::error::CliError;

/// The variable curl and OpenSSL read a CA bundle from.
const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// What TLS trusts, and why.
#[derive(Debug)]
pub(crate) struct Trust {
    /// The CA file, and the option or variable that named it.
    ca_file: Option<(PathBuf, &'static str)>,
    /// Whether this system's store is trusted.
    native: bool,
}

impl Trust {
    /// What `global`'s options (and `SSL_CERT_FILE`) say to trust.
    pub(crate) fn of(global: &Global) -> Trust {
        let given = global
            .ca_cert
            .clone()
            .filter(|path| !path.as_os_str().is_empty())
            .map(|path| {
                let from = match global.origins.ca_cert {
                    Origin::Flag => "--ca-cert",
                    _ => "STEPS_CA_CERT",
                };
                (path, from)
            });
        let ca_file = given.or_else(|| {
            std::env::var_os(SSL_CERT_FILE)
                .filter(|value| !value.is_empty())
                .map(|value| (PathBuf::from(value), SSL_CERT_FILE))
        });
        Trust {
            ca_file,
            native: global.native_roots,
        }
    }

    /// What is trusted, in words: for `-v` and for a failed handshake.
    pub(crate) fn describe(&self) -> String {
        let store = "this system's certificate store (--native-roots)";
        let file = self
            .ca_file
            .as_ref()
            .map(|(path, from)| format!("the CA certificates in {} (from {from})", path.display()));
        match (file, self.native) {
            (Some(file), true) => format!("{file} and {store}"),
            (Some(file), false) => file,
            (None, true) => store.to_owned(),
            (None, false) => "the Mozilla roots bundled with steps".to_owned(),
        }
    }

    /// What is trusted and what else could be, for a failed handshake.
    pub(crate) fn explain(&self) -> String {
        let other = match (&self.ca_file, self.native) {
            (None, false) => "--ca-cert FILE trusts a private CA, --native-roots this system's store",
            (Some(_), false) => "--native-roots adds this system's store",
            (None, true) => "--ca-cert FILE adds a private CA",
            (Some(_), true) => "is the server's CA among them?",
        };
        format!("trusting {}; {other}", self.describe())
    }

    /// The CA file's PEM, read, if one is named.
    ///
    /// # Errors
    ///
    /// The file cannot be read, or holds no PEM certificate (exit 2).
    pub(crate) fn read(&self) -> Result<Option<Vec<u8>>, CliError> {
        let Some((path, from)) = &self.ca_file else {
            return Ok(None);
        };
        let pem = std::fs::read(path).map_err(|e| {
            CliError::usage(format!(
                "cannot read the CA certificate file {} (from {from}): {e}",
                path.display()
            ))
        })?;
        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(CliError::usage(format!(
                "{} (from {from}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
        Ok(Some(pem))
    }

    /// The CA file the error of a client that would not build is about, as
    /// `FILE (from --ca-cert)`, if one is named.
    pub(crate) fn file(&self) -> Option<String> {
        let (path, from) = self.ca_file.as_ref()?;
        Some(format!("{} (from {from})", path.display()))
    }

    /// `transport`, trusting what this says: the file's CAs (`pem`, from
    /// [`Trust::read`]) and the system's store as asked, the bundled roots
    /// only when neither is.
    pub(crate) fn configure(&self, transport: TransportBuilder, pem: Option<Vec<u8>>) -> TransportBuilder {
        let mut transport = transport.native_roots(self.native);
        if let Some(pem) = pem {
            transport = transport.add_root_certificate_pem(pem);
        }
        if self.ca_file.is_some() || self.native {
            transport = transport.without_webpki_roots();
        }
        transport
    }
}
