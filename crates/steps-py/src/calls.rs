//! The calls of `JobToken` and `ApiKey`, written once, generic over the
//! kind: each checks what the Python client checked before sending, sends
//! the core's operation through the SDK's fluent builder, and updates the
//! object. Operation names, limits, paths and field names are the core's.
//! On a context with `api='quandela'` they go to `quandela.rs` (job
//! tokens), or fail as 'unsupported' (what the Quandela cloud lacks).

use std::sync::Mutex;
use std::time::Duration;

use crate::attributes::{apply, Attributes};
use crate::bound::{BoundResource, DEFAULT_SECONDS};
use crate::context::{Api, CloudContext};
use crate::errors::{invalid_input, to_py};
use crate::fields::Fields;
use crate::identity::identity_dict;
use crate::lock::lock;
use crate::preconditions::{created_id, own_secret};
use crate::quandela::{self, has, lacks};
use crate::runtime::wait;
use crate::session::UserSession;
use crate::user::User;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use steps::steps_core::{
    Create, Delete, List, Operation, Read, RevokeSelf, Rotate, Whoami, MAX_DURATION, MAX_ROTATION_GRACE,
};

/// A lifetime in whole seconds the protocol accepts, or CloudError.
fn lifetime(py: Python<'_>, operation: &str, seconds: i64) -> PyResult<Duration> {
    let max = MAX_DURATION.as_secs();
    match u64::try_from(seconds) {
        Ok(secs) if (1..=max).contains(&secs) => Ok(Duration::from_secs(secs)),
        _ => Err(invalid_input(
            py,
            operation,
            &format!("duration must be from 1 to {max} seconds, not {seconds}"),
        )),
    }
}

/// Whether a call goes to the Quandela cloud's API, which has job tokens
/// only: a call on another resource there is refused before sending.
fn quandela_for<K: BoundResource>(
    py: Python<'_>,
    context: &Bound<'_, CloudContext>,
    operation: &'static str,
) -> PyResult<bool> {
    if !context.get().inner.is_quandela() {
        return Ok(false);
    }
    if !has::<K>() {
        return Err(lacks(py, operation, &format!("{}s", K::NOUN)));
    }
    Ok(true)
}

/// `create(context, user)`: sets the id, owner, secret and times.
pub(crate) fn create<K: BoundResource>(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<()> {
    if quandela_for::<K>(py, context, Create::<K>::NAME)? {
        return quandela::create(py, record, context, user);
    }
    let session = UserSession::to_send::<Create<K>>(py, context, user)?;
    let (label, duration) = {
        let record = lock(record);
        (record.label.clone(), record.duration)
    };
    let duration = lifetime(py, Create::<K>::NAME, duration)?;
    let created = session.run(py, move |session| async move {
        let create = K::tokens(&session).create().duration(duration);
        match label {
            Some(label) => create.label(label),
            None => create,
        }
        .send()
        .await
    })?;
    apply(py, record, Fields::of(&created))
}

/// `read(context, user)`: the token's data as a dict; the attributes are
/// updated (the secret is kept).
pub(crate) fn read<'py, K: BoundResource>(
    py: Python<'py>,
    record: &Mutex<Attributes>,
    context: &Bound<'py, CloudContext>,
    user: Option<&Bound<'py, User>>,
) -> PyResult<Bound<'py, PyDict>> {
    if quandela_for::<K>(py, context, Read::<K>::NAME)? {
        return quandela::read(py, record, context, user);
    }
    let id = created_id::<K>(record, Read::<K>::NAME)?;
    let session = UserSession::to_send::<Read<K>>(py, context, user)?;
    let token = session.run(py, move |session| async move {
        K::tokens(&session).get(id).send().await
    })?;
    let fields = Fields::of(&token);
    let dict = fields.to_dict::<K>(py)?;
    apply(py, record, fields)?;
    Ok(dict)
}

/// `delete(context, user)`.
pub(crate) fn delete<K: BoundResource>(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<()> {
    if quandela_for::<K>(py, context, Delete::<K>::NAME)? {
        return quandela::delete(py, record, context, user);
    }
    let id = created_id::<K>(record, Delete::<K>::NAME)?;
    let session = UserSession::to_send::<Delete<K>>(py, context, user)?;
    session.run(py, move |session| async move {
        K::tokens(&session).delete(id).send().await
    })
}

/// `list_all(context, admin)`: every token, following every page, as
/// records (without secrets).
pub(crate) fn list_all<K: BoundResource>(
    py: Python<'_>,
    context: &Bound<'_, CloudContext>,
    admin: Option<&Bound<'_, User>>,
) -> PyResult<Vec<Attributes>> {
    if quandela_for::<K>(py, context, List::<K>::NAME)? {
        return quandela::list_all(py, context, admin);
    }
    let session = UserSession::to_send::<List<K>>(py, context, admin)?;
    let tokens = session.run(py, move |session| async move {
        K::tokens(&session).list().send().await
    })?;
    tokens
        .iter()
        .map(|token| {
            let record = Mutex::new(Attributes::new(None, DEFAULT_SECONDS, -1, -1, ""));
            apply(py, &record, Fields::of(token))?;
            Ok(record.into_inner().unwrap_or_else(|p| p.into_inner()))
        })
        .collect()
}

/// `rotate(context, user, grace=None)`: a new secret, the old one working
/// for `grace` seconds.
pub(crate) fn rotate<K: BoundResource>(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
    grace: Option<u64>,
) -> PyResult<()> {
    let operation = Rotate::<K>::NAME;
    if context.get().inner.is_quandela() {
        return Err(lacks(py, operation, "rotation"));
    }
    let id = created_id::<K>(record, operation)?;
    let max = MAX_ROTATION_GRACE.as_secs();
    if grace.is_some_and(|g| g > max) {
        return Err(invalid_input(
            py,
            operation,
            &format!("grace must be from 0 to {max} seconds"),
        ));
    }
    let session = UserSession::to_send::<Rotate<K>>(py, context, user)?;
    let rotated = session.run(py, move |session| async move {
        let rotate = K::tokens(&session).rotate(id);
        match grace {
            Some(grace) => rotate.grace(Duration::from_secs(grace)),
            None => rotate,
        }
        .send()
        .await
    })?;
    apply(py, record, Fields::of(&rotated))
}

/// `revoke_self(context)`: the token revokes itself; its secret is
/// forgotten.
pub(crate) fn revoke_self<K: BoundResource>(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
) -> PyResult<()> {
    if context.get().inner.is_quandela() {
        return Err(lacks(py, RevokeSelf::NAME, "revocation of a token by itself"));
    }
    let secret = own_secret::<K>(record, RevokeSelf::NAME)?;
    let session = context.get().inner.client.session_from_token(secret.clone());
    wait(py, async move { session.revoke_self().await })?.map_err(|e| to_py(py, e, &[secret.expose()]))?;
    lock(record).secret = None;
    Ok(())
}

/// `whoami(context)`: who holds the token, asked with the token itself.
pub(crate) fn whoami<'py, K: BoundResource>(
    py: Python<'py>,
    record: &Mutex<Attributes>,
    context: &Bound<'py, CloudContext>,
) -> PyResult<Bound<'py, PyDict>> {
    if context.get().inner.is_quandela() {
        return Err(lacks(py, Whoami::NAME, "whoami"));
    }
    let secret = own_secret::<K>(record, Whoami::NAME)?;
    let session = context.get().inner.client.session_from_token(secret.clone());
    let identity =
        wait(py, async move { session.whoami().await })?.map_err(|e| to_py(py, e, &[secret.expose()]))?;
    identity_dict(py, &identity)
}

/// `get_api(context)`: the collection's path and name, as the core
/// declares them.
pub(crate) fn api<K: BoundResource>(context: &Bound<'_, CloudContext>) -> Api {
    Api::new(context.clone().unbind(), K::PATH, K::NAME)
}
