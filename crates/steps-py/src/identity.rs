//! `TokenType` and what `whoami` returns.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use steps::{ApiKey, Identity, JobToken, Resource};

use crate::bound::field;

/// The class `TokenType`, an `enum.IntEnum` made when the module is.
static TOKEN_TYPE_CLASS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The members of `TokenType`, numbered as the protocol and the Python
/// client number them.
const MEMBERS: [(&str, steps::TokenType); 3] = [
    ("Login", steps::TokenType::Login),
    ("Job", steps::TokenType::Job),
    ("API_Key", steps::TokenType::ApiKey),
];

const TOKEN_TYPE_DOC: &str = "TokenType: the three kinds of token, an enum.IntEnum numbered as the \
protocol and the Python client number them: Login = 0, Job = 1, API_Key = 2. \
`TokenType(1)` is `TokenType.Job`, a member is the int it is numbered, and \
`list(TokenType)` lists them.";

/// Makes `TokenType`, an `enum.IntEnum` (so that `list(TokenType)` works
/// and `TokenType.Job == 1`), and adds it to the module.
pub(crate) fn add_token_type(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let members = MEMBERS
        .iter()
        .map(|(name, kind)| (*name, kind.code()))
        .collect::<Vec<_>>();
    let options = PyDict::new(py);
    options.set_item("module", "steps_cloud")?;
    options.set_item("qualname", "TokenType")?;
    let class = py
        .import("enum")?
        .getattr("IntEnum")?
        .call(("TokenType", members), Some(&options))?;
    class.setattr("__doc__", TOKEN_TYPE_DOC)?;
    // A second init of the module (a sub-interpreter) keeps the first class.
    let _ = TOKEN_TYPE_CLASS.set(py, class.clone().unbind());
    m.add("TokenType", class)
}

/// The member of `TokenType` for the core's type, or None for a kind
/// this version does not name.
fn member<'py>(py: Python<'py>, kind: steps::TokenType) -> PyResult<Option<Bound<'py, PyAny>>> {
    if !MEMBERS.iter().any(|(_, known)| *known == kind) {
        return Ok(None);
    }
    let class = TOKEN_TYPE_CLASS
        .get(py)
        .ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("steps_cloud.TokenType is not made yet"))?;
    class.bind(py).call1((kind.code(),)).map(Some)
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
    let known = match identity.token_type {
        Some(kind) => member(py, kind)?,
        None => None,
    };
    match known {
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

/// The user id and admin flag of who logged in: the login answer's, else
/// those `whoami` gave (`asked`), else unknown.
pub(crate) fn who_logged_in(
    token: &steps::SessionToken,
    asked: Option<&Identity>,
) -> (Option<i64>, Option<bool>) {
    let login = token.login_token();
    let user_id = login.and_then(|l| l.user_id).or(asked.map(|i| i.user_id));
    let is_admin = login.and_then(|l| l.is_admin).or(asked.map(|i| i.is_admin));
    (user_id, is_admin)
}

/// A time as Unix seconds.
pub(crate) fn unix_seconds(at: std::time::SystemTime) -> i64 {
    match at.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}
