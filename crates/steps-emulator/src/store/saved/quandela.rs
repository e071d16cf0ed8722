//! The quandela dialect's part of the saved state: its job tokens, with
//! their secrets, revocations and counts, the last id handed out, and the
//! usage recorded for them. Absent from a document when there is none, so
//! that a state of the protocol alone is written as before.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::limits;
use crate::store::entries::{QuandelaToken, UsageEntry};
use crate::store::Store;

/// The quandela dialect's job tokens and usage.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuandelaDoc {
    /// The last token id handed out.
    pub(crate) last_id: i64,
    pub(crate) tokens: Vec<QuandelaTokenDoc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) usage: Vec<UsageDoc>,
}

/// A job token, with its secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuandelaTokenDoc {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) label: Option<String>,
    pub(crate) priority: i64,
    pub(crate) duration: u64,
    pub(crate) created_at: u64,
    pub(crate) expires_at: u64,
    #[serde(default)]
    pub(crate) revoked: bool,
    #[serde(default)]
    pub(crate) count: u64,
    #[serde(default)]
    pub(crate) last_used: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) is_explorer_token: Option<bool>,
    pub(crate) secret: String,
}

/// Jobs run with a token on one platform.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UsageDoc {
    pub(crate) token_id: i64,
    pub(crate) platform_name: String,
    pub(crate) nb_jobs: u64,
    pub(crate) duration_seconds: u64,
    pub(crate) credits: f64,
    pub(crate) free_credits: f64,
    pub(crate) at: u64,
}

impl Store {
    /// The quandela part of the store, by id; `None` when it holds nothing
    /// (no token ever minted, no usage). With `only`, just those tokens
    /// and no usage (what a reset goes back to).
    pub(crate) fn quandela_doc(&self, only: Option<&HashSet<i64>>) -> Option<QuandelaDoc> {
        let quandela = &self.quandela;
        if quandela.last_id == 0 && quandela.tokens.is_empty() && quandela.usage.is_empty() {
            return None;
        }
        let tokens = quandela
            .tokens
            .values()
            .filter(|t| only.is_none_or(|ids| ids.contains(&t.id)))
            .map(|t| QuandelaTokenDoc {
                id: t.id,
                user_id: t.user_id,
                label: t.label.clone(),
                priority: t.priority,
                duration: t.duration,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked: t.revoked,
                count: t.count,
                last_used: t.last_used,
                is_explorer_token: t.explorer,
                secret: t.secret.to_string(),
            })
            .collect();
        let usage = match only {
            Some(_) => Vec::new(),
            None => quandela
                .usage
                .iter()
                .map(|u| UsageDoc {
                    token_id: u.token_id,
                    platform_name: u.platform_name.clone(),
                    nb_jobs: u.nb_jobs,
                    duration_seconds: u.duration_seconds,
                    credits: u.credits,
                    free_credits: u.free_credits,
                    at: u.at,
                })
                .collect(),
        };
        Some(QuandelaDoc {
            last_id: quandela.last_id,
            tokens,
            usage,
        })
    }

    /// Adds a document's quandela part to a store being imported, or says
    /// what is wrong with it: ids that do not ascend or pass `last_id`, an
    /// owner in none of `owners`, a secret that is empty or in `secrets`
    /// (those seen so far), a label, duration or expiry the dialect does
    /// not allow, a label twice for one user, usage of no token.
    pub(crate) fn import_quandela(
        &mut self,
        doc: &QuandelaDoc,
        owners: &HashSet<i64>,
        secrets: &mut HashSet<String>,
    ) -> Result<(), String> {
        let mut last = 0;
        let mut labels: HashMap<i64, HashSet<&str>> = HashMap::new();
        for t in &doc.tokens {
            let what = format!("quandela token {}", t.id);
            if t.id <= last || t.id > doc.last_id {
                return Err(format!(
                    "{what}: ids must ascend, each at most last_id {}",
                    doc.last_id
                ));
            }
            last = t.id;
            if !owners.contains(&t.user_id) {
                return Err(format!("{what}: unknown user {}", t.user_id));
            }
            let label_ok = t.label.as_deref().is_none_or(|label| {
                limits::is_valid_label(label) && labels.entry(t.user_id).or_default().insert(label)
            });
            let duration_ok = (1..=limits::MAX_DURATION).contains(&t.duration);
            if !label_ok || !duration_ok || t.expires_at != t.created_at.saturating_add(t.duration) {
                return Err(format!(
                    "{what}: a label (or one its owner has twice), duration or expiry the dialect does not allow"
                ));
            }
            if t.secret.is_empty() || !secrets.insert(t.secret.clone()) {
                return Err(format!("{what}: an empty secret, or one used twice"));
            }
            self.insert_quandela(QuandelaToken {
                id: t.id,
                user_id: t.user_id,
                label: t.label.clone(),
                priority: t.priority,
                duration: t.duration,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked: t.revoked,
                count: t.count,
                last_used: t.last_used,
                explorer: t.is_explorer_token,
                secret: t.secret.as_str().into(),
            });
        }
        self.quandela.last_id = doc.last_id.max(0);
        for u in &doc.usage {
            let record = UsageEntry {
                token_id: u.token_id,
                platform_name: u.platform_name.clone(),
                nb_jobs: u.nb_jobs,
                duration_seconds: u.duration_seconds,
                credits: u.credits,
                free_credits: u.free_credits,
                at: u.at,
            };
            self.record_usage(record)
                .map_err(|why| format!("usage of quandela token {}: {why}", u.token_id))?;
        }
        Ok(())
    }
}
