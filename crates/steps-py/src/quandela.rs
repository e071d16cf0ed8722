//! `JobToken`'s calls on a context with `api='quandela'`: the reference's
//! (create, read, delete, list_all) and the Quandela cloud's own (update,
//! revoke, reopen, usage), each through the SDK's `session.quandela()`.
//! The checks the Python client made before sending are the same as on
//! the STEPS API; operation names are the core's.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use steps::steps_core::quandela::{
    DeleteTokensByIds, DeleteTokensBySecrets, GenerateToken, ListTokens, ReadToken, ReopenToken, RevokeToken,
    UpdateToken, UsageReport,
};
use steps::steps_core::{Operation, TokenType};
use steps::{JobToken, Resource, Secret};

use crate::attributes::{apply, set_attribute, Attributes};
use crate::bound::DEFAULT_SECONDS;
use crate::context::CloudContext;
use crate::errors::{invalid_input, no_secret, unsupported};
use crate::lock::lock;
use crate::preconditions::created_id;
use crate::quandela_fields::{details, generated, summary, time_arg, usage_list, PRIORITY};
use crate::session::UserSession;
use crate::user::User;

/// Whether the Quandela cloud has tokens of kind `K`: job tokens only.
pub(crate) fn has<K: Resource>() -> bool {
    K::TOKEN_TYPE == TokenType::Job
}

/// CloudError 'unsupported' for a call the Quandela cloud's API lacks.
pub(crate) fn lacks(py: Python<'_>, operation: &str, what: &str) -> PyErr {
    unsupported(
        py,
        operation,
        "quandela",
        &format!("the Quandela cloud's API has no {what}"),
    )
}

/// `create(context, user)`: generates the token; sets its id, secret (this
/// once), lifetime and owner (the user's id, when known).
pub(crate) fn create(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<()> {
    let session = UserSession::to_send::<GenerateToken>(py, context, user)?;
    let owner = user.map(|u| u.get().user_id()).filter(|id| *id >= 0);
    let (label, duration) = {
        let record = lock(record);
        (record.label.clone(), record.duration)
    };
    let seconds = u64::try_from(duration).ok().filter(|s| *s >= 1).ok_or_else(|| {
        invalid_input(
            py,
            GenerateToken::NAME,
            &format!("duration must be a positive number of seconds, not {duration}"),
        )
    })?;
    let sent_label = label.clone();
    let created = session.run(py, move |session| async move {
        let generate = session
            .quandela()
            .generate()
            .duration(Duration::from_secs(seconds));
        match sent_label {
            Some(label) => generate.label(label),
            None => generate,
        }
        .send()
        .await
    })?;
    {
        // A new token: the times of one this object held before are not its.
        let mut record = lock(record);
        record.created_at = None;
        record.expires_at = None;
        record.rotated_at = None;
    }
    apply(py, record, generated(created, label, owner))
}

/// `read(context, user)`: the token's data as a dict (no secret); the
/// attributes are updated, the secret kept.
pub(crate) fn read<'py>(
    py: Python<'py>,
    record: &Mutex<Attributes>,
    context: &Bound<'py, CloudContext>,
    user: Option<&Bound<'py, User>>,
) -> PyResult<Bound<'py, PyDict>> {
    let id = created_id::<JobToken>(record, ReadToken::NAME)?;
    let session = UserSession::to_send::<ReadToken>(py, context, user)?;
    let token = session.run(py, move |session| async move {
        session.quandela().get(id).send().await
    })?;
    let fields = details(&token);
    let dict = fields.to_dict::<JobToken>(py)?;
    apply(py, record, fields)?;
    Ok(dict)
}

/// `delete(context, user)`: deletes it by id.
pub(crate) fn delete(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<()> {
    let id = created_id::<JobToken>(record, DeleteTokensByIds::NAME)?;
    let session = UserSession::to_send::<DeleteTokensByIds>(py, context, user)?;
    session.run(py, move |session| async move {
        session.quandela().delete(id).send().await
    })
}

/// `delete_by_secrets(context, user, secrets)`: deletes the tokens with
/// these secrets.
pub(crate) fn delete_by_secrets(
    py: Python<'_>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
    secrets: Vec<String>,
) -> PyResult<()> {
    let session = UserSession::to_send::<DeleteTokensBySecrets>(py, context, user)?;
    let secrets: Vec<Secret> = secrets.into_iter().map(Secret::new).collect();
    session.run(py, move |session| async move {
        session.quandela().delete_by_secrets(secrets).send().await
    })
}

/// `list_all(context, user)`: the tokens the cloud lists for this user's
/// token (its owner's), every page, as records without secrets.
pub(crate) fn list_all(
    py: Python<'_>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
) -> PyResult<Vec<Attributes>> {
    let session = UserSession::to_send::<ListTokens>(py, context, user)?;
    let tokens = session.run(py, move |session| async move {
        session.quandela().list().send().await
    })?;
    tokens
        .iter()
        .map(|token| {
            let record = Mutex::new(Attributes::new(None, DEFAULT_SECONDS, -1, -1, ""));
            apply(py, &record, summary(token))?;
            Ok(record.into_inner().unwrap_or_else(|p| p.into_inner()))
        })
        .collect()
}

/// `update(context, user, label=None, priority=None)`: renames it or
/// changes its priority; the attributes follow.
pub(crate) fn update(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
    label: Option<String>,
    priority: Option<i64>,
) -> PyResult<()> {
    context.get().inner.quandela_only(py, UpdateToken::NAME)?;
    let id = created_id::<JobToken>(record, UpdateToken::NAME)?;
    let session = UserSession::to_send::<UpdateToken>(py, context, user)?;
    let new_label = label.clone();
    session.run(py, move |session| async move {
        let mut update = session.quandela().update(id);
        if let Some(label) = new_label {
            update = update.label(label);
        }
        if let Some(priority) = priority {
            update = update.priority(priority);
        }
        update.send().await
    })?;
    if label.is_some() {
        lock(record).label = label;
    }
    if let Some(priority) = priority {
        set_attribute(py, record, PRIORITY, &serde_json::Value::from(priority))?;
    }
    Ok(())
}

/// What revoke and reopen do to a token, by its secret.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lifecycle {
    Revoke,
    Reopen,
}

impl Lifecycle {
    fn name(self) -> &'static str {
        match self {
            Lifecycle::Revoke => RevokeToken::NAME,
            Lifecycle::Reopen => ReopenToken::NAME,
        }
    }
}

/// `revoke(context, user)` or `reopen(context, user)`: the cloud addresses
/// them by secret, so they use the one this object holds (from `create`),
/// else the one a read by id returns, where the server returns it; else
/// CloudError 'secret_lost'. The object keeps its secret either way.
pub(crate) fn lifecycle(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    context: &Bound<'_, CloudContext>,
    user: Option<&Bound<'_, User>>,
    what: Lifecycle,
) -> PyResult<()> {
    let operation = what.name();
    context.get().inner.quandela_only(py, operation)?;
    let held = lock(record).secret.clone();
    // The secret, or the id to read it by.
    let source = match held {
        Some(secret) => Ok(secret),
        None => Err(created_id::<JobToken>(record, operation)?),
    };
    let session = UserSession::to_send::<RevokeToken>(py, context, user)?;
    let secret = match source {
        Ok(secret) => secret,
        Err(id) => read_secret(py, &session, id, operation)?,
    };
    let carried = secret.clone();
    session.run_carrying(py, Some(&carried), move |session| async move {
        let tokens = session.quandela();
        match what {
            Lifecycle::Revoke => tokens.revoke(secret).send().await,
            Lifecycle::Reopen => tokens.reopen(secret).send().await,
        }
    })
}

/// The secret of token `id`, where a read by id returns it.
fn read_secret(py: Python<'_>, session: &UserSession, id: i64, operation: &str) -> PyResult<Secret> {
    let token = session.run(py, move |session| async move {
        session.quandela().get(id).send().await
    })?;
    token.token.filter(|secret| !secret.is_empty()).ok_or_else(|| {
        no_secret(
            py,
            operation,
            &format!(
                "this JobToken (token_id {id}) does not hold it (only the object that created \
                 the token does), and the server does not return it when the token is read: \
                 call this on the object that created the token, or delete the token by id"
            ),
        )
    })
}

/// `JobToken.usage(context, user, token_ids=None, since=None, until=None)`:
/// the usage report of these tokens (all the user's when None) over the
/// period, as a list of dicts.
pub(crate) fn usage<'py>(
    py: Python<'py>,
    context: &Bound<'py, CloudContext>,
    user: Option<&Bound<'py, User>>,
    token_ids: Option<Vec<i64>>,
    since: Option<&Bound<'py, PyAny>>,
    until: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    context.get().inner.quandela_only(py, UsageReport::NAME)?;
    let since: Option<SystemTime> = since.map(|at| time_arg("since", at)).transpose()?;
    let until: Option<SystemTime> = until.map(|at| time_arg("until", at)).transpose()?;
    let session = UserSession::to_send::<UsageReport>(py, context, user)?;
    let report = session.run(py, move |session| async move {
        let mut report = session.quandela().usage(token_ids.unwrap_or_default());
        if let Some(at) = since {
            report = report.since(at);
        }
        if let Some(at) = until {
            report = report.until(at);
        }
        report.send().await
    })?;
    usage_list(py, &report)
}
