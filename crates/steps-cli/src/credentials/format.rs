//! The credentials file's format: what it holds (profiles, each with its
//! logins by API URL and a remembered URL), as serde reads and writes it.
//!
//! Format 2 holds profiles (`--profile`, `STEPS_PROFILE`): each has its
//! logins, one per API URL, and the URL `steps login --api-url` made its
//! default. Format 1 (one login per API URL) is still read: its logins
//! become the `default` profile's, and the next update writes format 2.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The format this version writes; it reads this one and format 1.
const FORMAT: u32 = 2;

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// What is stored for one login: one profile at one API URL.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) expires_at: Option<u64>,
}

/// One profile: a login per API URL, and the API URL it uses when none
/// is given.
#[derive(Clone, Default, Serialize, Deserialize)]
pub(crate) struct Profile {
    /// Remembered by `steps login --api-url URL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_url: Option<String>,
    /// The API the remembered URL speaks (`steps` or `quandela`),
    /// remembered with it; absent (older files) means `steps`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api: Option<String>,
    #[serde(default)]
    pub(crate) logins: BTreeMap<String, Stored>,
}

/// What the file holds: the profiles, by name.
#[derive(Default)]
pub(crate) struct Credentials {
    pub(crate) profiles: BTreeMap<String, Profile>,
}

impl Credentials {
    /// The API URL `profile` uses when none is given, and the profile that
    /// remembered it: its own, else the default profile's (so that a new
    /// profile starts on the URL the user logged in to first).
    pub(crate) fn remembered_url(&self, profile: &str) -> Option<(&str, &str)> {
        [profile, DEFAULT_PROFILE].into_iter().find_map(|name| {
            let (name, entry) = self.profiles.get_key_value(name)?;
            Some((entry.api_url.as_deref()?, name.as_str()))
        })
    }

    /// The API `profile` remembered with its URL (see
    /// [`Credentials::remembered_url`]), by name; `None` for none or a
    /// file from before APIs were remembered.
    pub(crate) fn remembered_api(&self, profile: &str) -> Option<&str> {
        let (_, by) = self.remembered_url(profile)?;
        self.profiles.get(by)?.api.as_deref()
    }

    /// The login of `profile` for `api_url`, if any.
    pub(crate) fn login(&self, profile: &str, api_url: &str) -> Option<&Stored> {
        self.profiles.get(profile)?.logins.get(api_url)
    }
}

/// The file as it is written: format 2, or format 1's `credentials`.
#[derive(Serialize, Deserialize)]
struct File {
    version: u32,
    /// Format 1: the logins by API URL, which are the `default` profile's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    credentials: BTreeMap<String, Stored>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

impl File {
    /// What the file says, format 1's logins moved to the default profile
    /// (an entry format 2 already has for the same URL wins).
    fn into_credentials(self) -> Credentials {
        let mut profiles = self.profiles;
        if !self.credentials.is_empty() {
            let default = profiles.entry(DEFAULT_PROFILE.to_owned()).or_default();
            for (url, stored) in self.credentials {
                default.logins.entry(url).or_insert(stored);
            }
        }
        Credentials { profiles }
    }

    fn from_credentials(credentials: &Credentials) -> File {
        File {
            version: FORMAT,
            credentials: BTreeMap::new(),
            profiles: credentials.profiles.clone(),
        }
    }
}

/// What the bytes of the file at `path` say.
///
/// # Errors
///
/// A usage error (exit 2) for bytes that are not a credentials file, or for
/// a format a newer `steps` wrote: the message says what to do, and names
/// `path` but quotes nothing of the file, which holds secrets.
pub(super) fn decode(bytes: &[u8], path: &Path) -> Result<Credentials, CliError> {
    let file: File = serde_json::from_slice(bytes).map_err(|_| {
        CliError::usage(format!(
            "{} is not a valid credentials file: remove it and log in again",
            path.display()
        ))
    })?;
    if file.version > FORMAT {
        return Err(CliError::usage(format!(
            "{} is in format {}, which a newer steps wrote: upgrade steps",
            path.display(),
            file.version
        )));
    }
    Ok(file.into_credentials())
}

/// `credentials` as the bytes of a format 2 file.
///
/// # Errors
///
/// Serialisation failed (a local failure; it cannot for these types).
pub(super) fn encode(credentials: &Credentials) -> Result<Vec<u8>, CliError> {
    serde_json::to_vec_pretty(&File::from_credentials(credentials))
        .map_err(|e| CliError::local(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_1_logins_become_the_default_profiles() {
        let v1 = r#"{"version": 1, "credentials": {"http://a": {"token": "stl_TEST_a", "email": "a@b"}}}"#;
        let credentials = decode(v1.as_bytes(), Path::new("c.json")).unwrap();
        let login = credentials.login(DEFAULT_PROFILE, "http://a").expect("migrated");
        assert_eq!(login.token, "stl_TEST_a");
        let written: serde_json::Value = serde_json::from_slice(&encode(&credentials).unwrap()).unwrap();
        assert_eq!(written["version"], 2);
        assert!(written.get("credentials").is_none(), "{written}");
        assert_eq!(
            written["profiles"]["default"]["logins"]["http://a"]["token"],
            "stl_TEST_a"
        );
        assert!(written["profiles"]["default"].get("api_url").is_none());
    }

    #[test]
    fn format_2_keeps_profiles_and_remembered_urls() {
        let v2 = r#"{"version": 2, "profiles": {
            "admin": {"api_url": "http://b", "logins": {"http://b": {"token": "stl_TEST_b"}}},
            "default": {"logins": {}}}}"#;
        let credentials = decode(v2.as_bytes(), Path::new("c.json")).unwrap();
        assert_eq!(credentials.profiles["admin"].api_url.as_deref(), Some("http://b"));
        assert!(credentials.login("admin", "http://b").is_some());
        assert!(credentials.login("default", "http://b").is_none());
        assert!(credentials.login("nobody", "http://b").is_none());
        assert_eq!(credentials.remembered_url("admin"), Some(("http://b", "admin")));
        assert_eq!(credentials.remembered_url("default"), None);
        assert_eq!(credentials.remembered_url("other"), None);
        assert_eq!(credentials.remembered_api("admin"), None);
    }

    #[test]
    fn the_api_is_remembered_with_the_url() {
        let v2 = r#"{"version": 2, "profiles": {
            "q": {"api_url": "http://q", "api": "quandela", "logins": {}}}}"#;
        let credentials = decode(v2.as_bytes(), Path::new("c.json")).unwrap();
        assert_eq!(credentials.remembered_api("q"), Some("quandela"));
        let written: serde_json::Value = serde_json::from_slice(&encode(&credentials).unwrap()).unwrap();
        assert_eq!(written["profiles"]["q"]["api"], "quandela");
    }

    #[test]
    fn a_profile_without_a_url_takes_the_default_profiles() {
        let mut credentials = Credentials::default();
        credentials
            .profiles
            .entry(DEFAULT_PROFILE.to_owned())
            .or_default()
            .api_url = Some("http://a".into());
        credentials.profiles.entry("admin".to_owned()).or_default();
        assert_eq!(credentials.remembered_url("admin"), Some(("http://a", "default")));
        assert_eq!(credentials.remembered_url("new"), Some(("http://a", "default")));
    }

    #[test]
    fn a_bad_or_newer_file_is_a_usage_error_that_quotes_nothing() {
        let path = Path::new("/c/credentials.json");
        let error = decode(br#"{"version": 2, "profiles": "stl_SECRET"}"#, path)
            .err()
            .expect("refused");
        assert_eq!(error.code, 2);
        assert!(!error.message.contains("stl_SECRET"), "{}", error.message);
        let error = decode(br#"{"version": 3}"#, path).err().expect("refused");
        assert_eq!(error.code, 2);
        assert!(error.message.contains("upgrade steps"), "{}", error.message);
    }
}
