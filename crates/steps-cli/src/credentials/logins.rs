//! A login's token where it is kept: read from the OS credential store when
//! the file says it is there ([`Store::resolve`]), put there by `steps
//! login` unless it falls back to the file ([`Store::save_login`]), and
//! removed from there when the file stops naming it ([`Store::forget_entries`]).
//!
//! The file is the truth of what exists: an entry is deleted only once the
//! file no longer names it, and an entry whose write did not answer in
//! time (it may land later) is named in the file as `keyring_timed_out`, so
//! that logout and the next login remove it rather than leave it orphaned.

use std::fs;

/// The largest world-readable file read for its entries before it is
/// removed: far more than any credentials file.
const MAX_UNSAFE_READ: u64 = 1 << 20;

use super::format::{self, Profile, Stored};
use super::{os_store, Kept, Store};
use crate::error::CliError;

impl Store {
    /// The stored login of `profile` for `api_url`, if any, as the file has
    /// it: its token empty when the OS credential store keeps it.
    ///
    /// # Errors
    ///
    /// As [`Store::load_all`].
    pub(crate) fn load_entry(&self, profile: &str, api_url: &str) -> Result<Option<Stored>, CliError> {
        Ok(self.load_all()?.login(profile, api_url).cloned())
    }

    /// The stored login of `profile` for `api_url`, if any, its token read
    /// from the OS credential store when it is kept there.
    ///
    /// # Errors
    ///
    /// As [`Store::load_all`] and [`Store::resolve`].
    pub(crate) fn load(&self, profile: &str, api_url: &str) -> Result<Option<Stored>, CliError> {
        self.load_entry(profile, api_url)?
            .map(|stored| self.resolve(stored, api_url))
            .transpose()
    }

    /// `stored` with its token, read from the OS credential store when the
    /// file says it is there.
    ///
    /// # Errors
    ///
    /// The OS credential store cannot be read, or no longer has the token;
    /// the file has no token for it (exit 3).
    pub(crate) fn resolve(&self, mut stored: Stored, api_url: &str) -> Result<Stored, CliError> {
        if let Some(account) = &stored.keyring {
            let store = self.os_store.name();
            stored.token = match self.os_store.get(account) {
                Ok(Some(token)) => token,
                Ok(None) => {
                    return Err(CliError::auth(format!(
                        "the login token for {api_url} is no longer in {store} (entry {} / {account}): \
                         log in again",
                        os_store::SERVICE
                    )))
                }
                Err(why) => {
                    return Err(CliError::auth(format!(
                        "cannot read the login token for {api_url} from {store} ({why}): log in again \
                         (or, if the store is locked, unlock it and retry)"
                    )))
                }
            };
        }
        if stored.token.is_empty() {
            return Err(CliError::auth(format!(
                "the login for {api_url} in {} has no token: log in again",
                self.path.display()
            )));
        }
        Ok(stored)
    }

    /// Stores `stored` (with its token) as `profile`'s login for `api_url`:
    /// its token in the OS credential store unless `insecure` (or none
    /// works: then in the file, and [`Kept::FellBack`] says why). `change`
    /// edits the profile's other settings in the same update (the
    /// remembered URL). The entries of the login it replaces are removed
    /// from the OS credential store; where that fails, the second value
    /// says where the old token is left.
    ///
    /// # Errors
    ///
    /// As [`Store::update`] (an entry just made and not named by the file
    /// is then removed). The OS credential store fails where the login
    /// this one replaces keeps its token: a login kept there is not moved
    /// to the file silently (a session without the store's D-Bus, say);
    /// `insecure` chooses the file.
    pub(crate) fn save_login(
        &self,
        profile: &str,
        api_url: &str,
        mut stored: Stored,
        insecure: bool,
        change: impl FnOnce(&mut Profile),
    ) -> Result<(Kept, Option<String>), CliError> {
        let kept = if insecure || !cfg!(os_store) {
            Kept::File
        } else {
            let account = os_store::new_account(profile, api_url)
                .map_err(|why| CliError::local(format!("cannot name the new login's entry: {why}")))?;
            match self.os_store.put(&account, &stored.token) {
                Ok(()) => {
                    stored.keyring = Some(account);
                    stored.token = String::new();
                    Kept::OsStore(self.os_store.name())
                }
                Err(why) => {
                    let was_kept_there = self
                        .load_entry(profile, api_url)?
                        .is_some_and(|old| old.keyring.is_some());
                    if was_kept_there {
                        if why.timed_out {
                            // It may land after all: nothing will name it.
                            let _ = self.os_store.delete(&account);
                        }
                        return Err(CliError::auth(format!(
                            "cannot keep the login token in {} ({why}), where this profile's login for \
                             {api_url} is kept: unlock it and log in again, or log in with \
                             --insecure-storage to keep the token in the credentials file",
                            self.os_store.name()
                        )));
                    }
                    if why.timed_out {
                        stored.keyring_timed_out = Some(account);
                    }
                    Kept::FellBack(why.to_string())
                }
            }
        };
        let new_entry = stored.keyring.clone();
        let timed_out = stored.keyring_timed_out.clone();
        let replaced = self.update(|credentials| {
            let entry = credentials.profiles.entry(profile.to_owned()).or_default();
            let replaced = entry.logins.insert(api_url.to_owned(), stored);
            change(entry);
            replaced
        });
        let replaced = match replaced {
            Ok(replaced) => replaced,
            Err(error) => {
                // Removed unless the file names it after all (written, then
                // its directory not synced).
                let named = self
                    .load_entry(profile, api_url)
                    .ok()
                    .flatten()
                    .is_some_and(|now| now.keyring == new_entry);
                if let (Some(account), false) = (new_entry, named) {
                    let _ = self.os_store.delete(&account);
                }
                if let Some(account) = timed_out {
                    let _ = self.os_store.delete(&account);
                }
                return Err(error);
            }
        };
        // The replaced login's entries: the file no longer names them.
        let left = replaced.and_then(|old| self.forget_entries(&old));
        Ok((kept, left))
    }

    /// Removes the OS credential store's entries of a login the file no
    /// longer names (its token's, and one whose write timed out); why the
    /// token's could not be removed, if it could not.
    pub(crate) fn forget_entries(&self, login: &Stored) -> Option<String> {
        if let Some(account) = &login.keyring_timed_out {
            let _ = self.os_store.delete(account);
        }
        let account = login.keyring.as_ref()?;
        self.os_store.delete(account).err().map(|why| {
            format!(
                "{} kept it as {} / {account} ({why})",
                self.os_store.name(),
                os_store::SERVICE
            )
        })
    }

    /// Every login in a file that others could read, read before it is
    /// removed so that their OS credential store entries can be removed
    /// too: read here as it is, since it is about to go (every other
    /// command refuses it); nothing for a file over the size any
    /// credentials file has.
    pub(super) fn logins_of_unsafe_file(&self) -> Vec<Stored> {
        let Ok(meta) = fs::symlink_metadata(&self.path) else {
            return Vec::new();
        };
        if !meta.is_file() || meta.len() > MAX_UNSAFE_READ {
            return Vec::new();
        }
        let Ok(bytes) = fs::read(&self.path) else {
            return Vec::new();
        };
        let Ok(credentials) = format::decode(&bytes, &self.path) else {
            return Vec::new();
        };
        credentials
            .profiles
            .into_values()
            .flat_map(|profile| profile.logins.into_values())
            .collect()
    }
}
