//! What `JobToken` and `ApiKey` have in common, written once: the
//! attributes they hold (`Record`), what differs between them (`Kind`),
//! and their calls, generic over the kind.

use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use steps::{Resource, Secret};

use crate::context::{Api, CloudContext};
use crate::errors::{assertion, invalid_input, to_py};
use crate::identity::{identity_dict, unix_seconds};
use crate::redact::{masked, quoted_or_none};
use crate::runtime::wait;
use crate::user::{lock, User, UserSession};

/// The default lifetime, as in the Python client: 99,999 s.
pub(crate) const DEFAULT_DURATION: i64 = 99_999;

/// The longest lifetime the protocol accepts: ten years.
const MAX_DURATION: i64 = 315_360_000;

/// The longest rotation grace period the protocol accepts: a day.
const MAX_GRACE: u64 = 86_400;

/// A token's attributes as the Python object holds them.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) label: Option<String>,
    pub(crate) duration: i64,
    /// `token_id` or `api_key_id`: -1 until created.
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    /// `token` or `api_key`: known after a create or a rotation only.
    pub(crate) secret: Option<Secret>,
    pub(crate) created_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) rotated_at: Option<i64>,
    /// Other keyword arguments, and fields the server sent that this
    /// version does not know: readable as attributes.
    pub(crate) extra: Vec<(String, Py<PyAny>)>,
}

impl Record {
    /// A record that was not created yet.
    pub(crate) fn new(label: Option<String>, duration: i64, id: i64, user_id: i64, secret: &str) -> Record {
        Record {
            label,
            duration,
            id,
            user_id,
            secret: (!secret.is_empty()).then(|| Secret::new(secret)),
            created_at: None,
            expires_at: None,
            rotated_at: None,
            extra: Vec::new(),
        }
    }

    /// Takes the keyword arguments the constructor does not name: the
    /// times (and, for API keys, `user_id`) into their attributes, the rest
    /// into `extra`.
    pub(crate) fn absorb(&mut self, kwargs: Option<&Bound<'_, PyDict>>, user_id_too: bool) -> PyResult<()> {
        let Some(kwargs) = kwargs else {
            return Ok(());
        };
        for (name, value) in kwargs.iter() {
            let name: String = name.extract()?;
            match name.as_str() {
                "created_at" => self.created_at = value.extract()?,
                "expires_at" => self.expires_at = value.extract()?,
                "rotated_at" => self.rotated_at = value.extract()?,
                "user_id" if user_id_too => self.user_id = value.extract()?,
                _ => drop(self.set_extra(name, value.unbind())),
            }
        }
        Ok(())
    }

    /// Sets an extra attribute; returns the value it replaces, to be
    /// dropped once the lock is released (dropping a Python object may run
    /// Python code, which may touch this object).
    fn set_extra(&mut self, name: String, value: Py<PyAny>) -> Option<Py<PyAny>> {
        match self.extra.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => Some(std::mem::replace(&mut slot.1, value)),
            None => {
                self.extra.push((name, value));
                None
            }
        }
    }

    /// What the server said of the token, secret aside: a read never
    /// clears the secret, a create or rotation sets it. Returns the extra
    /// values replaced, to drop after the lock.
    fn update(&mut self, fields: Fields, extra: Vec<(String, Py<PyAny>)>) -> Vec<Py<PyAny>> {
        self.id = fields.id;
        self.user_id = fields.user_id;
        self.label = fields.label;
        self.duration = fields.duration;
        self.created_at = Some(fields.created_at);
        self.expires_at = Some(fields.expires_at);
        if fields.rotated_at.is_some() {
            self.rotated_at = fields.rotated_at;
        }
        if let Some(secret) = fields.secret {
            self.secret = Some(secret);
        }
        extra
            .into_iter()
            .filter_map(|(name, value)| self.set_extra(name, value))
            .collect()
    }

    /// The value of an extra attribute, or AttributeError.
    pub(crate) fn extra_attribute(&self, py: Python<'_>, class: &str, name: &str) -> PyResult<Py<PyAny>> {
        self.extra
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, value)| value.clone_ref(py))
            .ok_or_else(|| PyAttributeError::new_err(format!("'{class}' object has no attribute '{name}'")))
    }

    /// `Class(id_field=.., user_id=.., label=.., duration=.., secret_field='stj_…')`.
    pub(crate) fn repr<K: Kind>(&self) -> String {
        format!(
            "{}({}={}, user_id={}, label={}, duration={}, {}={})",
            K::CLASS,
            K::ID_FIELD,
            self.id,
            self.user_id,
            quoted_or_none(self.label.as_deref()),
            self.duration,
            K::SECRET_FIELD,
            masked(self.secret.as_ref().map(Secret::expose)),
        )
    }
}

/// A token's fields as the Rust SDK gives them.
#[derive(Debug)]
pub(crate) struct Fields {
    pub(crate) id: i64,
    pub(crate) user_id: i64,
    pub(crate) label: Option<String>,
    pub(crate) duration: i64,
    pub(crate) created_at: i64,
    pub(crate) expires_at: i64,
    pub(crate) rotated_at: Option<i64>,
    pub(crate) secret: Option<Secret>,
    pub(crate) extra: Vec<(String, serde_json::Value)>,
}

impl Fields {
    /// Fields of the Rust model, with its times as Unix seconds.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn of(
        id: i64,
        user_id: i64,
        label: &Option<String>,
        duration: Duration,
        created_at: std::time::SystemTime,
        expires_at: std::time::SystemTime,
        rotated_at: Option<std::time::SystemTime>,
        secret: &Option<Secret>,
        extra: &steps::Extra,
    ) -> Fields {
        Fields {
            id,
            user_id,
            label: label.clone(),
            duration: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
            created_at: unix_seconds(created_at),
            expires_at: unix_seconds(expires_at),
            rotated_at: rotated_at.map(unix_seconds),
            secret: secret.clone(),
            extra: extra
                .names()
                .filter_map(|name| extra.get(name).map(|value| (name.to_owned(), value.clone())))
                .collect(),
        }
    }
}

/// What differs between job tokens and API keys.
pub(crate) trait Kind: Resource + Send + Sync + Sized + 'static {
    /// The Python class's name.
    const CLASS: &'static str;
    /// `get_object_name()`: the protocol's name of the object.
    const OBJECT_NAME: &'static str;
    /// `get_endpoint()`: the collection's path.
    const ENDPOINT: &'static str;
    /// The attribute (and field) holding the id.
    const ID_FIELD: &'static str;
    /// `get_token_method()`: the attribute (and field of a create's answer)
    /// holding the secret.
    const SECRET_FIELD: &'static str;
    /// Whether every call needs an admin.
    const ADMIN_ONLY: bool;

    /// The SDK's handle on this collection for `session`.
    fn tokens(session: &steps::Session) -> steps::Tokens<'_, Self>;

    /// The model's fields.
    fn fields(&self) -> Fields;
}

impl Kind for steps::JobToken {
    const CLASS: &'static str = "JobToken";
    const OBJECT_NAME: &'static str = "job_token";
    const ENDPOINT: &'static str = "/api/job_token";
    const ID_FIELD: &'static str = "token_id";
    const SECRET_FIELD: &'static str = "token";
    const ADMIN_ONLY: bool = false;

    fn tokens(session: &steps::Session) -> steps::Tokens<'_, Self> {
        session.job_tokens()
    }

    fn fields(&self) -> Fields {
        Fields::of(
            self.token_id,
            self.user_id,
            &self.label,
            self.duration,
            self.created_at,
            self.expires_at,
            self.rotated_at,
            &self.token,
            &self.extra,
        )
    }
}

impl Kind for steps::ApiKey {
    const CLASS: &'static str = "ApiKey";
    const OBJECT_NAME: &'static str = "api_key";
    const ENDPOINT: &'static str = "/api/api_key";
    const ID_FIELD: &'static str = "api_key_id";
    const SECRET_FIELD: &'static str = "api_key";
    const ADMIN_ONLY: bool = true;

    fn tokens(session: &steps::Session) -> steps::Tokens<'_, Self> {
        session.api_keys()
    }

    fn fields(&self) -> Fields {
        Fields::of(
            self.api_key_id,
            self.user_id,
            &self.label,
            self.duration,
            self.created_at,
            self.expires_at,
            self.rotated_at,
            &self.api_key,
            &self.extra,
        )
    }
}

/// Updates `record` with `fields`: the Python values are made before the
/// lock is taken and the replaced ones dropped after it is released.
fn apply(py: Python<'_>, record: &Mutex<Record>, mut fields: Fields) -> PyResult<()> {
    let extra = std::mem::take(&mut fields.extra)
        .into_iter()
        .map(|(name, value)| Ok((name, json_to_py(py, &value)?)))
        .collect::<PyResult<Vec<_>>>()?;
    let replaced = lock(record).update(fields, extra);
    drop(replaced);
    Ok(())
}

/// The session to call as `user`, checked as the Python client checked:
/// a user with a login token, an admin where the kind needs one.
fn session_for<K: Kind>(
    py: Python<'_>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
    operation: &str,
) -> PyResult<UserSession> {
    let user = user.ok_or_else(|| {
        assertion(format!(
            "{operation}: no user given (a user with a login token is needed)"
        ))
    })?;
    if K::ADMIN_ONLY {
        UserSession::require_admin(user, operation)?;
    }
    UserSession::of(py, context, user, operation)
}

/// The id of a token that was created, or AssertionError.
fn created_id<K: Kind>(record: &Mutex<Record>, operation: &str) -> PyResult<i64> {
    let id = lock(record).id;
    if id < 0 {
        return Err(assertion(format!(
            "{operation}: the {} was not created ({} is {id}): create it first",
            K::OBJECT_NAME,
            K::ID_FIELD
        )));
    }
    Ok(id)
}

/// `create(context, user)`: sets the id, owner, secret and times.
pub(crate) fn create<K: Kind>(
    py: Python<'_>,
    record: &Mutex<Record>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<()> {
    let operation = format!("{}.create", K::OBJECT_NAME);
    let session = session_for::<K>(py, context, user, &operation)?;
    let (label, duration) = {
        let record = lock(record);
        (record.label.clone(), record.duration)
    };
    let duration = lifetime(py, &operation, duration)?;
    let created = session.run(py, move |session| async move {
        K::tokens(&session).create(label.as_deref(), Some(duration)).await
    })?;
    apply(py, record, created.fields())
}

/// A lifetime in whole seconds the protocol accepts, or CloudError.
fn lifetime(py: Python<'_>, operation: &str, seconds: i64) -> PyResult<Duration> {
    match u64::try_from(seconds) {
        Ok(secs) if (1..=MAX_DURATION).contains(&seconds) => Ok(Duration::from_secs(secs)),
        _ => Err(invalid_input(
            py,
            operation,
            &format!("duration must be from 1 to {MAX_DURATION} seconds, not {seconds}"),
        )),
    }
}

/// `read(context, user)`: the token's data as a dict; the attributes are
/// updated (the secret is kept).
pub(crate) fn read<'py, K: Kind>(
    py: Python<'py>,
    record: &Mutex<Record>,
    context: &Bound<'py, CloudContext>,
    user: Option<&Bound<'py, User>>,
) -> PyResult<Bound<'py, PyDict>> {
    let operation = format!("{}.read", K::OBJECT_NAME);
    let id = created_id::<K>(record, &operation)?;
    let session = session_for::<K>(py, context, user, &operation)?;
    let token = session.run(
        py,
        move |session| async move { K::tokens(&session).get(id).await },
    )?;
    let fields = token.fields();
    let dict = fields_dict::<K>(py, &fields)?;
    apply(py, record, fields)?;
    Ok(dict)
}

/// The data of a token as `read` returns it: no secret.
fn fields_dict<'py, K: Kind>(py: Python<'py>, fields: &Fields) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item(K::ID_FIELD, fields.id)?;
    dict.set_item("user_id", fields.user_id)?;
    dict.set_item("label", fields.label.as_deref())?;
    dict.set_item("duration", fields.duration)?;
    dict.set_item("created_at", fields.created_at)?;
    dict.set_item("expires_at", fields.expires_at)?;
    if let Some(rotated_at) = fields.rotated_at {
        dict.set_item("rotated_at", rotated_at)?;
    }
    for (name, value) in &fields.extra {
        dict.set_item(name, json_to_py(py, value)?)?;
    }
    Ok(dict)
}

/// `delete(context, user)`.
pub(crate) fn delete<K: Kind>(
    py: Python<'_>,
    record: &Mutex<Record>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<()> {
    let operation = format!("{}.delete", K::OBJECT_NAME);
    let id = created_id::<K>(record, &operation)?;
    let session = session_for::<K>(py, context, user, &operation)?;
    session.run(
        py,
        move |session| async move { K::tokens(&session).delete(id).await },
    )
}

/// `list_all(context, admin)`: every token, following every page, as
/// records (without secrets).
pub(crate) fn list_all<K: Kind>(
    py: Python<'_>,
    context: &Bound<'_, CloudContext>,
    admin: Option<&Bound<'_, User>>,
) -> PyResult<Vec<Record>> {
    let operation = format!("{}.list", K::OBJECT_NAME);
    if let Some(admin) = admin {
        UserSession::require_admin(admin, &operation)?;
    }
    let session = session_for::<K>(py, context, admin, &operation)?;
    let tokens = session.run(py, move |session| async move { K::tokens(&session).list().await })?;
    tokens
        .iter()
        .map(|token| {
            let record = Mutex::new(Record::new(None, DEFAULT_DURATION, -1, -1, ""));
            apply(py, &record, token.fields())?;
            Ok(record.into_inner().unwrap_or_else(|p| p.into_inner()))
        })
        .collect()
}

/// `rotate(context, user, grace=None)`: a new secret, the old one working
/// for `grace` seconds.
pub(crate) fn rotate<K: Kind>(
    py: Python<'_>,
    record: &Mutex<Record>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
    grace: Option<u64>,
) -> PyResult<()> {
    let operation = format!("{}.rotate", K::OBJECT_NAME);
    let id = created_id::<K>(record, &operation)?;
    if grace.is_some_and(|g| g > MAX_GRACE) {
        return Err(invalid_input(
            py,
            &operation,
            &format!("grace must be from 0 to {MAX_GRACE} seconds"),
        ));
    }
    let session = session_for::<K>(py, context, user, &operation)?;
    let grace = grace.map(Duration::from_secs);
    let rotated = session.run(py, move |session| async move {
        K::tokens(&session).rotate(id, grace).await
    })?;
    apply(py, record, rotated.fields())
}

/// The secret, or AssertionError: the calls a token makes with itself.
fn own_secret<K: Kind>(record: &Mutex<Record>, operation: &str) -> PyResult<Secret> {
    lock(record).secret.clone().ok_or_else(|| {
        assertion(format!(
            "{operation}: the {} has no secret ({} is empty): only a created or rotated one has",
            K::OBJECT_NAME,
            K::SECRET_FIELD
        ))
    })
}

/// `revoke_self(context)`: the token revokes itself; its secret is
/// forgotten.
pub(crate) fn revoke_self<K: Kind>(
    py: Python<'_>,
    record: &Mutex<Record>,
    context: &Bound<'_, CloudContext>,
) -> PyResult<()> {
    let secret = own_secret::<K>(record, "token.revoke_self")?;
    let session = context.get().inner.client.session_from_token(secret.clone());
    wait(py, async move { session.revoke_self().await })?.map_err(|e| to_py(py, e, &[secret.expose()]))?;
    lock(record).secret = None;
    Ok(())
}

/// `whoami(context)`: who holds the token, asked with the token itself.
pub(crate) fn whoami<'py, K: Kind>(
    py: Python<'py>,
    record: &Mutex<Record>,
    context: &Bound<'py, CloudContext>,
) -> PyResult<Bound<'py, PyDict>> {
    let secret = own_secret::<K>(record, "whoami")?;
    let session = context.get().inner.client.session_from_token(secret.clone());
    let identity =
        wait(py, async move { session.whoami().await })?.map_err(|e| to_py(py, e, &[secret.expose()]))?;
    identity_dict(py, &identity)
}

/// `get_api(context)`.
pub(crate) fn api<K: Kind>(context: &Bound<'_, CloudContext>) -> Api {
    Api::new(context.clone().unbind(), K::ENDPOINT, K::OBJECT_NAME)
}

/// A JSON value as the Python value `json.loads` would make.
fn json_to_py(py: Python<'_>, value: &serde_json::Value) -> PyResult<Py<PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any().unbind(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.into_pyobject(py)?.into_any().unbind(),
            (None, Some(u), _) => u.into_pyobject(py)?.into_any().unbind(),
            (None, None, f) => f.unwrap_or(f64::NAN).into_pyobject(py)?.into_any().unbind(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, json_to_py(py, item)?)?;
            }
            dict.into_any().unbind()
        }
    })
}
