//! Accounts and login tokens: the accounts the store knows, adding one,
//! its priority (the quandela dialect's), and logging in, which mints a
//! login token.

use crate::limits::DEFAULT_PRIORITY;
use crate::secret::{self, TokenType};
use crate::store::entries::{AccountEntry, Holder};
use crate::store::Store;

/// What a successful login gives.
pub(crate) struct LoginGrant {
    pub(crate) token: String,
    pub(crate) user_id: i64,
    pub(crate) is_admin: bool,
    pub(crate) expires_at: u64,
}

impl Store {
    /// Login token lifetime, in seconds.
    pub(crate) fn login_ttl(&self) -> u64 {
        self.login_ttl
    }

    /// Sets the lifetime of login tokens minted from now on.
    pub(crate) fn set_login_ttl(&mut self, seconds: u64) {
        self.login_ttl = seconds;
    }

    /// Adds an account with the next user id, unless its email is taken
    /// or no user id is left (an imported state may have used the last).
    pub(crate) fn add_account(
        &mut self,
        email: &str,
        password: &str,
        is_admin: bool,
    ) -> Result<i64, &'static str> {
        if self.accounts.iter().any(|a| a.email == email) {
            return Err("an account with this email exists");
        }
        let user_id = match self.accounts.last() {
            Some(last) => last.user_id.checked_add(1).ok_or("no user id is left")?,
            None => 1,
        };
        self.accounts.push(AccountEntry {
            user_id,
            email: email.to_owned(),
            password: password.to_owned(),
            is_admin,
            priority: DEFAULT_PRIORITY,
        });
        Ok(user_id)
    }

    /// Sets an account's priority (`docs/quandela.md` E8).
    pub(crate) fn set_priority(&mut self, user_id: i64, priority: i64) {
        if let Some(account) = self.accounts.iter_mut().find(|a| a.user_id == user_id) {
            account.priority = priority;
        }
    }

    /// An account's email, admin flag and priority, if there is one with
    /// this user id.
    pub(crate) fn account(&self, user_id: i64) -> Option<(&str, bool, i64)> {
        self.accounts
            .iter()
            .find(|a| a.user_id == user_id)
            .map(|a| (a.email.as_str(), a.is_admin, a.priority))
    }

    /// The user ids of every account, ascending.
    pub(crate) fn user_ids(&self) -> Vec<i64> {
        self.accounts.iter().map(|a| a.user_id).collect()
    }

    /// Checks email and password; every account's password is compared, so
    /// the time taken does not tell which emails exist.
    pub(crate) fn login(
        &mut self,
        email: &str,
        password: &str,
        now: u64,
    ) -> std::io::Result<Option<LoginGrant>> {
        let mut found = None;
        for account in &self.accounts {
            let password_ok = secret::same(&account.password, password);
            if account.email == email && password_ok {
                found = Some((account.user_id, account.is_admin));
            }
        }
        let Some((user_id, is_admin)) = found else {
            return Ok(None);
        };
        let token = secret::mint(TokenType::Login)?;
        let expires_at = now.saturating_add(self.login_ttl);
        self.insert_secret(&token, Holder::Login { user_id, expires_at }, expires_at);
        Ok(Some(LoginGrant {
            token,
            user_id,
            is_admin,
            expires_at,
        }))
    }
}
