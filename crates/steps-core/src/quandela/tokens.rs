//! `POST`, `GET` and `PUT {family}` and `{family}/{id}`: generating,
//! listing, reading and updating the Quandela cloud's job tokens.

use std::fmt::Write as _;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response};

use super::body::JsonObject;
use super::family::PathFamily;
use super::models::{DetailsWire, GeneratedWire, SummaryWire};
use super::models::{GeneratedToken, TokenDetails, TokenSummary};
use crate::error::DecodeError;
use crate::limits::{check_label, MAX_DURATION};
use crate::wire::{self, Record};
use crate::{
    Access, BuildError, Dialect, Effect, ListOperation, Operation, Page, RequestParts, ResponseError,
};

/// The page size the cloud uses when a list does not say: 1,000.
pub const DEFAULT_LIST_LIMIT: u32 = 1_000;

/// The largest page the cloud gives: 10,000.
pub const MAX_LIST_LIMIT: u32 = 10_000;

/// Refuses an id that no token can have.
fn check_id(operation: &'static str, id: i64) -> Result<(), BuildError> {
    if id < 0 {
        return Err(BuildError::NotCreated { operation, id });
    }
    Ok(())
}

/// `POST {family}`: generates a job token; the answer carries its secret,
/// this once. Never sent twice once it may have reached the server: the
/// cloud takes no idempotency key (`docs/quandela.md`), and a second send
/// mints a second token.
#[derive(Clone, Debug, Default)]
pub struct GenerateToken {
    family: PathFamily,
    label: Option<String>,
    duration: Option<Duration>,
    priority: Option<i64>,
    user_id: Option<i64>,
    is_explorer_token: Option<bool>,
}

impl GenerateToken {
    /// A token with the server's defaults (a day's lifetime, no label).
    pub fn new(family: PathFamily) -> Self {
        GenerateToken {
            family,
            ..GenerateToken::default()
        }
    }

    /// Sets the label; the cloud keeps labels unique per user.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets the lifetime (whole seconds, from 1 s to ten years).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// Sets the priority (below the user's own).
    pub fn priority(mut self, priority: i64) -> Self {
        self.priority = Some(priority);
        self
    }

    /// Mints the token for another user (admins).
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Makes it an explorer token.
    pub fn explorer(mut self, is_explorer_token: bool) -> Self {
        self.is_explorer_token = Some(is_explorer_token);
        self
    }

    /// The label it is generated with, if any: how a generate whose
    /// outcome is unknown is settled (labels are unique per user).
    pub fn label_sent(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The user it is generated for, if not the caller: whose tokens a
    /// settling lists.
    pub fn user_id_sent(&self) -> Option<i64> {
        self.user_id
    }
}

impl Operation for GenerateToken {
    type Output = GeneratedToken;
    const NAME: &'static str = "quandela.token.generate";
    const EFFECT: Effect = Effect::Create;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;
    /// The cloud takes no idempotency key.
    const KEYED: bool = false;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        check_label(Self::NAME, self.label.as_deref())?;
        let duration = match self.duration {
            Some(d) if d.subsec_nanos() != 0 || d.is_zero() || d > MAX_DURATION => {
                return Err(BuildError::InvalidInput {
                    operation: Self::NAME,
                    reason: format!(
                        "the duration must be whole seconds from 1 to {}",
                        MAX_DURATION.as_secs()
                    ),
                });
            }
            Some(d) => Some(d.as_secs()),
            None => None,
        };
        if let Some(user_id) = self.user_id {
            check_id(Self::NAME, user_id)?;
        }
        let body = JsonObject::new(Self::NAME)
            .optional("duration", duration.as_ref())?
            .optional("label", self.label.as_ref())?
            .optional("priority", self.priority.as_ref())?
            .optional("user_id", self.user_id.as_ref())?
            .optional("is_explorer_token", self.is_explorer_token.as_ref())?
            .finish();
        Ok(RequestParts::post(self.family.base()).json(body))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<GeneratedToken, ResponseError> {
        let record: GeneratedWire = wire::json_body(Self::NAME, &response)?;
        record.into_model(Self::NAME, response.status())
    }
}

/// `GET {family}?limit=L&offset=O`: one page of the caller's job tokens
/// (or a user's, for admins), without secrets. Pages by offset: a page
/// shorter than its limit is the last.
#[derive(Clone, Debug, Default)]
pub struct ListTokens {
    family: PathFamily,
    limit: Option<u32>,
    offset: u64,
    user_id: Option<i64>,
    include_expired: Option<bool>,
    include_revoked: Option<bool>,
    /// The ids the previous page began and ended with: a page that begins
    /// or ends the same is the same page again (a server, or a cache in
    /// front of it, that ignores `offset`), and walking on would never end.
    previous: Option<(i64, i64)>,
    /// How many tokens the pages before this one held: a walk past
    /// [`MAX_WALK`] is refused (a server that cycles through pages, or
    /// makes them up, would otherwise be walked for ever).
    walked: u64,
}

/// The most tokens one walk through the pages reads: a million, a hundred
/// times the most a user can have on the emulator (`docs/quandela.md`
/// E26).
const MAX_WALK: u64 = 1_000_000;

impl ListTokens {
    /// The first page, every token included (the cloud's defaults).
    pub fn new(family: PathFamily) -> Self {
        ListTokens {
            family,
            ..ListTokens::default()
        }
    }

    /// At most `limit` tokens a page (clamped to 1 to 10,000; 1,000 when
    /// not given). Always sent, so that a short page means the last one
    /// whatever the server's own default.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts after the first `offset` tokens.
    pub fn offset(mut self, offset: u64) -> Self {
        self.offset = offset;
        self
    }

    /// Another user's tokens (admins).
    pub fn user_id(mut self, user_id: i64) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Whether expired tokens are listed (the cloud's default: yes).
    pub fn include_expired(mut self, include: bool) -> Self {
        self.include_expired = Some(include);
        self
    }

    /// Whether revoked tokens are listed (the cloud's default: yes).
    pub fn include_revoked(mut self, include: bool) -> Self {
        self.include_revoked = Some(include);
        self
    }

    fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIST_LIMIT).clamp(1, MAX_LIST_LIMIT)
    }
}

impl Operation for ListTokens {
    type Output = Page<TokenSummary>;
    const NAME: &'static str = "quandela.token.list";
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        let mut query = String::new();
        let _ = write!(query, "limit={}&offset={}", self.page_size(), self.offset);
        if let Some(user_id) = self.user_id {
            check_id(Self::NAME, user_id)?;
            let _ = write!(query, "&user_id={user_id}");
        }
        if let Some(include) = self.include_expired {
            let _ = write!(query, "&include_expired={include}");
        }
        if let Some(include) = self.include_revoked {
            let _ = write!(query, "&include_revoked={include}");
        }
        Ok(RequestParts::get(self.family.base()).query(query))
    }

    /// The next page's offset is this one's plus what it held, unless it
    /// held fewer than its limit. A page longer than its limit, or the
    /// previous page again, is a protocol error: walking on could never
    /// end.
    fn parse_response(&self, response: Response<Bytes>) -> Result<Page<TokenSummary>, ResponseError> {
        let records: Vec<SummaryWire> = wire::json_array(Self::NAME, &response)?;
        let status = response.status();
        let broken = |detail: &str| {
            ResponseError::Decode(DecodeError {
                operation: Self::NAME,
                status,
                detail: detail.to_owned(),
            })
        };
        if u32::try_from(records.len()).map_or(true, |n| n > self.page_size()) {
            return Err(broken("the page holds more tokens than its limit"));
        }
        let items = records
            .into_iter()
            .map(|record| record.into_model(Self::NAME, status))
            .collect::<Result<Vec<_>, _>>()?;
        if self.walked.saturating_add(items.len() as u64) > MAX_WALK {
            return Err(broken(
                "the pages hold more than a million tokens: the walk stops",
            ));
        }
        if let (Some((first, last)), Some(now_first), Some(now_last)) =
            (self.previous, items.first(), items.last())
        {
            if first == now_first.id || last == now_last.id {
                return Err(broken(
                    "the page repeats the previous one: the server ignored the offset",
                ));
            }
        }
        let full = u32::try_from(items.len()).is_ok_and(|n| n >= self.page_size());
        let next = self.offset.saturating_add(items.len() as u64);
        Ok(Page {
            items,
            next_after: full.then(|| i64::try_from(next).unwrap_or(i64::MAX)),
        })
    }
}

impl ListOperation for ListTokens {
    type Item = TokenSummary;

    fn next_page(&self, page: &Page<TokenSummary>) -> Option<Self> {
        let next = u64::try_from(page.next_after?).ok()?;
        let mut op = self.clone().offset(next);
        op.previous = Some((page.items.first()?.id, page.items.last()?.id));
        op.walked = self.walked.saturating_add(page.items.len() as u64);
        Some(op)
    }
}

/// `GET {family}/{id}`: one job token.
#[derive(Clone, Debug)]
pub struct ReadToken {
    family: PathFamily,
    id: i64,
}

impl ReadToken {
    /// Reads the token with this id.
    pub fn new(family: PathFamily, id: i64) -> Self {
        ReadToken { family, id }
    }
}

impl Operation for ReadToken {
    type Output = TokenDetails;
    const NAME: &'static str = "quandela.token.read";
    const EFFECT: Effect = Effect::Read;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        check_id(Self::NAME, self.id)?;
        Ok(RequestParts::get(format!("{}/{}", self.family.base(), self.id)))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<TokenDetails, ResponseError> {
        let record: DetailsWire = wire::json_body(Self::NAME, &response)?;
        record.into_model(Self::NAME, response.status())
    }
}

/// `PUT {family}/{id}`: renames a job token or changes its priority.
/// Idempotent: sending the same values twice leaves them so.
#[derive(Clone, Debug)]
pub struct UpdateToken {
    family: PathFamily,
    id: i64,
    label: Option<String>,
    priority: Option<i64>,
}

impl UpdateToken {
    /// Changes nothing yet: give it a label, a priority or both.
    pub fn new(family: PathFamily, id: i64) -> Self {
        UpdateToken {
            family,
            id,
            label: None,
            priority: None,
        }
    }

    /// The new label.
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The new priority.
    pub fn priority(mut self, priority: i64) -> Self {
        self.priority = Some(priority);
        self
    }
}

impl Operation for UpdateToken {
    type Output = ();
    const NAME: &'static str = "quandela.token.update";
    const EFFECT: Effect = Effect::Update;
    const ACCESS: Access = Access::AnyToken;
    const DIALECT: Dialect = Dialect::Quandela;

    fn parts(&self) -> Result<RequestParts<'_>, BuildError> {
        check_id(Self::NAME, self.id)?;
        if self.label.is_none() && self.priority.is_none() {
            return Err(BuildError::InvalidInput {
                operation: Self::NAME,
                reason: "an update needs a label, a priority or both".to_owned(),
            });
        }
        check_label(Self::NAME, self.label.as_deref())?;
        let body = JsonObject::new(Self::NAME)
            .optional("label", self.label.as_ref())?
            .optional("priority", self.priority.as_ref())?
            .finish();
        Ok(RequestParts::new(Method::PUT, format!("{}/{}", self.family.base(), self.id)).json(body))
    }

    fn parse_response(&self, response: Response<Bytes>) -> Result<(), ResponseError> {
        wire::empty_body(Self::NAME, &response)
    }
}
