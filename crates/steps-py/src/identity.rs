//! `TokenType` and what `whoami` returns.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use steps::{ApiKey, Identity, JobToken, Resource};

use crate::bound::field;

/// TokenType: the three kinds of token, numbered as the protocol and the
/// Python client number them: Login = 0, Job = 1, API_Key = 2.
/// `TokenType(1)` is `TokenType.Job`; `int(TokenType.Job)` is 1, and a
/// member compares equal to its number.
#[pyclass(frozen, eq, eq_int, hash, module = "steps_cloud")]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum TokenType {
    /// A login token, from `POST /api/login`.
    Login = 0,
    /// A job token, made by a user for a job.
    Job = 1,
    /// An API key, made by an admin for a worker.
    #[pyo3(name = "API_Key")]
    ApiKey = 2,
}

#[pymethods]
impl TokenType {
    #[new]
    fn new(value: i64) -> PyResult<Self> {
        TokenType::from_code(value).ok_or_else(|| {
            pyo3::exceptions::PyValueError::new_err(format!("{value} is not a valid TokenType"))
        })
    }

    /// The member's number.
    #[getter]
    fn value(&self) -> i64 {
        *self as i64
    }

    /// The member's name: 'Login', 'Job' or 'API_Key'.
    #[getter]
    fn name(&self) -> &'static str {
        match self {
            TokenType::Login => "Login",
            TokenType::Job => "Job",
            TokenType::ApiKey => "API_Key",
        }
    }
}

impl TokenType {
    /// The member for the core's type, if this version has one.
    fn of(core: steps::TokenType) -> Option<TokenType> {
        match core {
            steps::TokenType::Login => Some(TokenType::Login),
            steps::TokenType::Job => Some(TokenType::Job),
            steps::TokenType::ApiKey => Some(TokenType::ApiKey),
            _ => None,
        }
    }

    /// The member numbered `code` as the protocol numbers them (the
    /// core's numbering).
    fn from_code(code: i64) -> Option<TokenType> {
        let code = u64::try_from(code).ok()?;
        steps::TokenType::from_code(code).and_then(TokenType::of)
    }
}

/// The kind of token, in `whoami`'s answer.
const TOKEN_TYPE: &str = "token_type";

/// Whether the holder is an admin, in `whoami`'s answer.
const IS_ADMIN: &str = "is_admin";

/// `whoami`'s answer as a dict: `user_id`, `token_type` (a TokenType, or
/// the protocol's number for a kind this version does not know),
/// `is_admin`, `expires_at` (Unix seconds or None), and, from a protocol
/// v2 server, `token_id` or `api_key_id` and `label` for a job token or an
/// API key.
pub(crate) fn identity_dict<'py>(py: Python<'py>, identity: &Identity) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(field::USER_ID, identity.user_id)?;
    match identity.token_type.and_then(TokenType::of) {
        Some(known) => dict.set_item(TOKEN_TYPE, known)?,
        None => dict.set_item(TOKEN_TYPE, identity.token_type_code)?,
    }
    dict.set_item(IS_ADMIN, identity.is_admin)?;
    dict.set_item(field::EXPIRES_AT, identity.expires_at.map(unix_seconds))?;
    if let Some(id) = identity.token_id {
        dict.set_item(JobToken::ID_FIELD, id)?;
    }
    if let Some(id) = identity.api_key_id {
        dict.set_item(ApiKey::ID_FIELD, id)?;
    }
    if let Some(label) = &identity.label {
        dict.set_item(field::LABEL, label)?;
    }
    Ok(dict)
}

/// A time as Unix seconds.
pub(crate) fn unix_seconds(at: std::time::SystemTime) -> i64 {
    match at.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
