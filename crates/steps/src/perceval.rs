//! The token Perceval would use (`docs/quandela.md` A17, A18), found as
//! Perceval finds it: `PCVL_CLOUD_TOKEN` (when set and not empty), then
//! `remote.token` in Perceval's `config.json`, in `$PCVL_PERSISTENT_PATH`
//! when set and not empty, else in the platform data directory of app
//! `perceval-quandela` (platformdirs' `user_data_dir`). Never Perceval's
//! fallbacks (its temporary-directory `config.json`, which anyone may
//! plant, nor its deprecated `token` file).
//!
//! Shared by the CLI (`steps auth import --from perceval`) and the Python
//! package (`steps_cloud.perceval_token()`): [`find`] is a pure function
//! of an environment, a home directory and a platform (and the files it
//! reads).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Perceval's environment variable for the token.
pub const TOKEN_VAR: &str = "PCVL_CLOUD_TOKEN";

/// Perceval's environment variable for its data directory.
pub const PERSISTENT_PATH_VAR: &str = "PCVL_PERSISTENT_PATH";

/// Perceval's app name, as platformdirs takes it.
const APP: &str = "perceval-quandela";

/// Perceval's author name, which platformdirs puts in the path on Windows.
const AUTHOR: &str = "quandela";

/// The file Perceval keeps its settings in.
const CONFIG_FILE: &str = "config.json";

/// The largest `config.json` read (A18): a bigger one is no settings file.
const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// The platforms whose data directory differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    /// Linux and the other Unixes: XDG.
    Unix,
    /// macOS.
    MacOs,
    /// Windows.
    Windows,
}

impl Platform {
    /// The platform this was built for.
    pub fn current() -> Platform {
        if cfg!(target_os = "macos") {
            Platform::MacOs
        } else if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }
}

/// Where a token was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `PCVL_CLOUD_TOKEN`.
    Environment,
    /// `remote.token` of this `config.json`.
    ConfigFile(PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Environment => write!(f, "the environment variable {TOKEN_VAR}"),
            Source::ConfigFile(path) => write!(f, "{}", path.display()),
        }
    }
}

/// What a lookup found: the token and where, or nothing; and what to warn
/// about (never the token itself).
#[derive(Default)]
pub struct Found {
    /// The token, a secret (its `Debug` is redacted), and where it was.
    pub token: Option<(crate::Secret, Source)>,
    /// What to tell the user (a file others may read, a token for
    /// another server), never quoting the token.
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Found")
            .field("source", &self.token.as_ref().map(|(_, source)| source))
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// The token Perceval would use, for calls to `url` (the base URL in use).
///
/// `env` reads an environment variable; `home` is the user's home
/// directory. The token of `config.json` is taken only when the file is
/// for `url`: its `remote.url`, or, when that is absent or null,
/// `production_url` (A18: a token must not go to another server).
pub fn find(
    env: impl Fn(&str) -> Option<OsString>,
    home: Option<&Path>,
    platform: Platform,
    url: &str,
    production_url: &str,
) -> Found {
    let set = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(token) = set(TOKEN_VAR) {
        match token.into_string() {
            Ok(token) => {
                return Found {
                    token: Some((crate::Secret::new(token), Source::Environment)),
                    warnings: Vec::new(),
                }
            }
            Err(_) => {
                let mut found = Found::default();
                found
                    .warnings
                    .push(format!("{TOKEN_VAR} is not valid UTF-8: ignored"));
                return found;
            }
        }
    }
    let dir = match set(PERSISTENT_PATH_VAR) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => data_dir(&set, home, platform),
    };
    let Some(dir) = dir else {
        return Found::default();
    };
    from_config(&dir.join(CONFIG_FILE), url, production_url)
}

/// platformdirs' `user_data_dir(APP, AUTHOR)`.
fn data_dir(
    env: &impl Fn(&str) -> Option<OsString>,
    home: Option<&Path>,
    platform: Platform,
) -> Option<PathBuf> {
    match platform {
        Platform::Unix => match env("XDG_DATA_HOME") {
            Some(base) => Some(PathBuf::from(base).join(APP)),
            None => Some(home?.join(".local").join("share").join(APP)),
        },
        Platform::MacOs => Some(home?.join("Library").join("Application Support").join(APP)),
        Platform::Windows => {
            let base = match env("LOCALAPPDATA") {
                Some(base) => PathBuf::from(base),
                None => home?.join("AppData").join("Local"),
            };
            Some(base.join(AUTHOR).join(APP))
        }
    }
}

/// `remote.token` of the `config.json` at `path`, if the file is for `url`.
/// A missing file is nothing; an unreadable, oversized or malformed one is
/// nothing with a warning; one readable by group or others is used, with a
/// warning (Perceval writes it so).
fn from_config(path: &Path, url: &str, production_url: &str) -> Found {
    let mut found = Found::default();
    let shown = path.display();
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return found,
        Err(error) => {
            found.warnings.push(format!("cannot read {shown}: {error}"));
            return found;
        }
    };
    if !metadata.is_file() || metadata.len() > MAX_CONFIG_BYTES {
        found.warnings.push(format!(
            "{shown} is not a file of at most {MAX_CONFIG_BYTES} bytes: ignored"
        ));
        return found;
    }
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            found.warnings.push(format!("cannot read {shown}: {error}"));
            return found;
        }
    };
    let config: serde_json::Value = match serde_json::from_str(&text) {
        Ok(config) => config,
        Err(_) => {
            found.warnings.push(format!("{shown} is not JSON: ignored"));
            return found;
        }
    };
    let remote = &config["remote"];
    let Some(token) = remote["token"].as_str().filter(|token| !token.is_empty()) else {
        return found;
    };
    let file_url = remote["url"].as_str().unwrap_or(production_url);
    if !same_url(file_url, url) {
        found.warnings.push(format!(
            "the token in {shown} is for {file_url}, not {url}: not used"
        ));
        return found;
    }
    if let Some(mode) = shared_mode(&metadata) {
        found.warnings.push(format!(
            "{shown} holds a token and is readable by group or others (mode {mode:03o}): \
             chmod 600 it"
        ));
    }
    found.token = Some((crate::Secret::new(token), Source::ConfigFile(path.to_owned())));
    found
}

/// Whether two base URLs name the same server: a trailing `/` and the
/// case of the scheme and host aside.
fn same_url(a: &str, b: &str) -> bool {
    fn parts(url: &str) -> (String, &str) {
        let url = url.trim().trim_end_matches('/');
        let after_scheme = url.find("://").map_or(0, |at| at + 3);
        let split = url[after_scheme..]
            .find('/')
            .map_or(url.len(), |at| after_scheme + at);
        (url[..split].to_ascii_lowercase(), &url[split..])
    }
    parts(a) == parts(b)
}

/// The file's permission bits, when group or others may read it.
#[cfg(unix)]
fn shared_mode(metadata: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

/// Windows has no mode bits to check.
#[cfg(not(unix))]
fn shared_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}
