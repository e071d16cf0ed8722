//! The credentials file's format: what it holds (profiles, each with its
//! logins by API URL and a remembered URL), as serde reads and writes it.
//!
//! Format 2 holds profiles (`--profile`, `STEPS_PROFILE`): each has its
//! logins, one per API URL, and the URL `steps login --api-url` made its
//! default, and the file the profile `steps auth switch` chose. Format 3
//! is format 2 with a login whose token is in the OS credential store (the
//! file names its entry instead), written only then, so that a version
//! that cannot find such a token refuses the file. Format 1 (one login per
//! API URL) is still read: its logins become the `default` profile's, and
//! the next update writes format 2 or 3.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::CliError;

/// The format this version writes when every token is in the file; it
/// reads this one, format 1, and [`FORMAT_OS_STORE`].
const FORMAT: u32 = 2;

/// The format written when a token is kept in the OS credential store:
/// the file then has a login without its token, which a version of steps
/// that does not know where to find it must refuse ("upgrade steps") rather
/// than misread.
const FORMAT_OS_STORE: u32 = 3;

/// The profile used when none is named.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// What is stored for one login: one profile at one API URL.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Stored {
    /// The login token; empty in the file when the OS credential store
    /// keeps it (`keyring`), and filled in from there when it is read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) token: String,
    /// The account of the OS credential store's entry that keeps the
    /// token (service `steps-cli`), when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) keyring: Option<String>,
    /// The account of an entry whose write did not answer in time when the
    /// login fell back to the file: it may exist, so logout and the next
    /// login remove it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) keyring_timed_out: Option<String>,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) expires_at: Option<u64>,
    /// When the login was made (Unix seconds), for the token's lifetime:
    /// the expiry warning's window is at most half of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) logged_in_at: Option<u64>,
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

/// What the file holds: the profiles, by name, and the one `steps auth
/// switch` made the default.
#[derive(Default)]
pub(crate) struct Credentials {
    pub(crate) profiles: BTreeMap<String, Profile>,
    /// The profile used when neither `--profile` nor `STEPS_PROFILE` names
    /// one (`steps auth switch`); `None` for [`DEFAULT_PROFILE`].
    pub(crate) switched_to: Option<String>,
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
    /// Set by `steps auth switch`: the profile in use when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_profile: Option<String>,
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
        Credentials {
            profiles,
            switched_to: self.default_profile,
        }
    }

    fn from_credentials(credentials: &Credentials) -> File {
        let in_os_store = credentials
            .profiles
            .values()
            .flat_map(|profile| profile.logins.values())
            .any(|login| login.keyring.is_some() || login.keyring_timed_out.is_some());
        File {
            version: if in_os_store { FORMAT_OS_STORE } else { FORMAT },
            credentials: BTreeMap::new(),
            profiles: credentials.profiles.clone(),
            default_profile: credentials.switched_to.clone(),
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
    if file.version > FORMAT_OS_STORE {
        return Err(CliError::usage(format!(
            "{} is in format {}, which a newer steps wrote: upgrade steps",
            path.display(),
            file.version
        )));
    }
    Ok(file.into_credentials())
}

/// `credentials` as the bytes of a format 2 file (3 when a token is in the
/// OS credential store).
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
        assert_eq!(credentials.switched_to, None);
    }

    #[test]
    fn a_token_in_the_os_store_is_not_in_the_file_and_makes_it_format_3() {
        let v2 =
            r#"{"version": 2, "profiles": {"default": {"logins": {"http://a": {"token": "stl_TEST_a"}}}}}"#;
        let mut credentials = decode(v2.as_bytes(), Path::new("c.json")).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&encode(&credentials).unwrap()).unwrap();
        assert_eq!(written["version"], 2, "every token in the file: still format 2");
        let login = credentials
            .profiles
            .get_mut("default")
            .unwrap()
            .logins
            .get_mut("http://a")
            .unwrap();
        login.token.clear();
        login.keyring = Some("default http://a 0123456789abcdef".into());
        let bytes = encode(&credentials).unwrap();
        let written: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(written["version"], 3);
        let login = &written["profiles"]["default"]["logins"]["http://a"];
        assert!(login.get("token").is_none(), "{login}");
        assert_eq!(login["keyring"], "default http://a 0123456789abcdef");
        let read = decode(&bytes, Path::new("c.json")).unwrap();
        assert!(read.login("default", "http://a").unwrap().keyring.is_some());
    }

    #[test]
    fn the_switched_profile_is_kept() {
        let v2 = r#"{"version": 2, "default_profile": "admin", "profiles": {"admin": {"logins": {}}}}"#;
        let credentials = decode(v2.as_bytes(), Path::new("c.json")).unwrap();
        assert_eq!(credentials.switched_to.as_deref(), Some("admin"));
        let written: serde_json::Value = serde_json::from_slice(&encode(&credentials).unwrap()).unwrap();
        assert_eq!(written["default_profile"], "admin");
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
        let error = decode(br#"{"version": 4}"#, path).err().expect("refused");
        assert_eq!(error.code, 2);
        assert!(error.message.contains("upgrade steps"), "{}", error.message);
    }
}
