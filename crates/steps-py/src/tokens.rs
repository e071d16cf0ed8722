//! `JobToken` and `ApiKey`, the Python client's token classes: one
//! `token_class!` each, saying only what differs between them (the Python
//! names, the constructor, the docs), and `JobToken`'s calls of the
//! Quandela cloud's API.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyType};

use crate::attributes::Attributes;
use crate::bound::DEFAULT_SECONDS;
use crate::context::CloudContext;
use crate::quandela::{self, Lifecycle};
use crate::token_class::token_class;
use crate::user::User;

token_class! {
    /// JobToken(label: str = None, duration: int = 99999, token_id: int = -1,
    /// user_id: int = -1, token: str = '', **kwargs)
    ///
    /// A job token: authorises one user's jobs. Other keyword arguments become
    /// attributes (`created_at` and `expires_at`, Unix seconds, are known ones;
    /// `JobToken(**data)` takes what `read` returns).
    ///
    /// On a context with `api='quandela'` it is a Quandela cloud job token:
    /// `create`, `read`, `delete` and `list_all` work as the reference's,
    /// and `update`, `revoke`, `reopen` and `usage` are the cloud's own.
    class JobToken for steps::JobToken, from job_tokens {
        id: token_id,
        secret: token,
    }
    new(label = None, duration = DEFAULT_SECONDS, token_id = -1, user_id = -1, token = "", **kwargs)
        as "(label=None, duration=99999, token_id=-1, user_id=-1, token='', **kwargs)"
    {
        fn new(
            label: Option<String>,
            duration: i64,
            token_id: i64,
            user_id: i64,
            token: &str,
            kwargs: Option<&Bound<'_, PyDict>>,
        ) -> PyResult<Self> {
            let mut record = Attributes::new(label, duration, token_id, user_id, token);
            record.absorb(kwargs, false)?;
            Ok(Self::from(record))
        }
    }
    /// 'job_token': the protocol's name of the object.
    get_object_name;
    /// '/api/job_token': the collection's path.
    get_endpoint;
    /// 'token': the attribute, and the field of a create's answer, that
    /// holds the secret.
    get_token_method;
    /// Creates this job token for `user` (who needs a login token). Sets
    /// `token_id`, `user_id`, `token` (the secret, this once), `created_at`
    /// and `expires_at`. With `api='quandela'` it generates the token (the
    /// cloud's default label 'unknown' when `label` is None) and sets
    /// `token_id`, `token`, `duration` and `user_id` (the user's, when
    /// known); `read` gives the times. A labelled generate whose answer was
    /// lost is settled by its label: CloudError `kind` 'secret_lost' (the
    /// token exists: `token_id` names it, delete it and create again) or
    /// 'not_applied' (nothing was made); 'label_taken' when the user has a
    /// token with this label already.
    ///
    /// Raises AssertionError if the user has no login token; CloudError (a
    /// RuntimeError) if creation fails, OutcomeUnknownError if it failed
    /// after the request may have reached the server.
    create(context, user);
    /// Reads this job token: returns a dict of its data (`token_id`,
    /// `user_id`, `label`, `duration`, `created_at`, `expires_at`, and any
    /// field the server adds) and updates the attributes; `token` is kept.
    /// With `api='quandela'` the dict also has the cloud's fields
    /// (`priority`, `count`, `valid`, `last_used_at`, `email`, ...; times
    /// as Unix seconds, `duration` as expiry minus creation), never the
    /// secret.
    ///
    /// Raises AssertionError if it was not created (`token_id == -1`) or
    /// the user has no login token; CloudError if reading fails.
    read(context, user);
    /// Deletes (revokes) this job token; with `api='quandela'`, deletes it
    /// by id.
    ///
    /// Raises AssertionError if it was not created or the user has no
    /// login token; CloudError if deleting fails.
    delete;
    /// Every job token in the cloud (an admin's call), following every
    /// page; their `token` is ''.
    ///
    /// With `api='quandela'` it differs from the reference's admin list:
    /// the Quandela cloud lists one user's tokens at a time, so this is
    /// every token of the user given (the owner of their token; revoked
    /// and expired ones included, with `is_revoked`, `priority`, `count`),
    /// not the whole cloud's, and no admin is needed.
    ///
    /// Raises AssertionError if `admin` has no login token, or (except with
    /// `api='quandela'`) is known not to be an admin; CloudError if listing
    /// fails.
    list_all;
    /// Gives this job token a new secret, kept in `token`; the old one
    /// keeps working for `grace` seconds (default 0). Beyond the
    /// reference: protocol v2, feature 'rotation'.
    ///
    /// Raises AssertionError if it was not created or the user has no
    /// login token; CloudError if it fails (`kind` 'unsupported' when the
    /// server does not offer rotation: nothing was sent).
    rotate;
    /// Revokes this job token with itself (a leaked token killed by whoever
    /// holds it); `token` is '' afterwards. Beyond the reference: protocol
    /// v2, feature 'self'.
    ///
    /// Raises AssertionError if `token` is empty; CloudError if it fails
    /// (`kind` 'unsupported' when the server does not offer it).
    revoke_self;
    /// Who holds this job token, asked with the token itself (beyond the
    /// reference): a dict with `user_id`, `token_type` (TokenType.Job),
    /// `is_admin`, `expires_at`, and from a v2 server `token_id` and
    /// `label`.
    ///
    /// Raises AssertionError if `token` is empty; CloudError if it fails.
    whoami;
    /// A label chosen by its owner, or None.
    label;
    /// The owner's user id: -1 until known.
    user_id;
    /// The secret token string: '' unless this object created (or
    /// rotated) it.
    secret;

    /// Renames this token or changes its priority (beyond the reference;
    /// `api='quandela'`): give `label`, `priority` or both. The attributes
    /// follow (`priority` is one once set).
    ///
    /// Raises AssertionError if it was not created or the user has no
    /// login token; CloudError if it fails (`kind` 'label_taken' when the
    /// user has another token with this label, 'invalid_input' when neither
    /// is given, 'unsupported' with `api='steps'`: nothing was sent).
    #[pyo3(signature = (context, user, label = None, priority = None))]
    fn update(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
        label: Option<String>,
        priority: Option<i64>,
    ) -> PyResult<()> {
        quandela::update(py, &self.record, context, user, label, priority)
    }

    /// Revokes this token (beyond the reference; `api='quandela'`): it
    /// stops working until `reopen`. The cloud revokes by secret: the one
    /// this object holds (from `create`), else the one the server returns
    /// when the token is read by id, where it does.
    ///
    /// Raises AssertionError if it holds no secret and was not created, or
    /// the user has no login token; CloudError if it fails (`kind`
    /// 'secret_lost' when the secret is not known, 'unsupported' with
    /// `api='steps'`).
    fn revoke(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        quandela::lifecycle(py, &self.record, context, user, Lifecycle::Revoke)
    }

    /// Reopens this token after `revoke` (beyond the reference;
    /// `api='quandela'`); the secret is found as `revoke` finds it.
    ///
    /// Raises as `revoke`.
    fn reopen(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        quandela::lifecycle(py, &self.record, context, user, Lifecycle::Reopen)
    }

    /// What the jobs run with these tokens cost (beyond the reference;
    /// `api='quandela'`): a list with a dict per token, `token_id`,
    /// `total_jobs` and `usage` (a dict per platform: `platform_name`,
    /// `nb_jobs`, `duration_seconds`, `credits`, `free_credits`).
    /// `token_ids`: the tokens (None: all of the user's); `since`, `until`:
    /// the period, as Unix seconds or datetimes (None: the cloud's
    /// default). The cloud answers this to a job token only: a user made
    /// by `User.from_token`, not one logged in with a password.
    ///
    /// Raises AssertionError if the user has no login token; CloudError if
    /// it fails (`kind` 'invalid_input' for a logged-in user, 'unsupported'
    /// with `api='steps'`).
    #[classmethod]
    #[pyo3(signature = (context, user, token_ids = None, since = None, until = None))]
    fn usage<'py>(
        _cls: &Bound<'py, PyType>,
        context: &Bound<'py, CloudContext>,
        user: Option<&Bound<'py, User>>,
        token_ids: Option<Vec<i64>>,
        since: Option<&Bound<'py, PyAny>>,
        until: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        quandela::usage(context.py(), context, user, token_ids, since, until)
    }

    /// Deletes the tokens with these secrets (beyond the reference;
    /// `api='quandela'`: the cloud's delete by secret, for tokens whose id
    /// is not known). Never sent twice once it may have reached the
    /// server: prefer `delete` by id where you can. The cloud answers this
    /// to a job token only.
    ///
    /// Raises AssertionError if the user has no login token; CloudError if
    /// it fails (`kind` 'outcome_unknown' if it may have been done,
    /// 'unsupported' with `api='steps'`).
    #[classmethod]
    fn delete_by_secrets(
        _cls: &Bound<'_, PyType>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
        secrets: Vec<String>,
    ) -> PyResult<()> {
        quandela::delete_by_secrets(context.py(), context, user, secrets)
    }
}

token_class! {
    /// ApiKey(label: str = None, duration: int = 99999, api_key: str = '',
    /// api_key_id: int = -1, **_)
    ///
    /// An API key: authorises a worker. Admin only. Other keyword arguments
    /// become attributes (`user_id`, `created_at` and `expires_at` are known
    /// ones; `ApiKey(**data)` takes what `read` returns).
    ///
    /// The Quandela cloud has none: on a context with `api='quandela'` every
    /// call raises CloudError with `kind` 'unsupported', sending nothing.
    class ApiKey for steps::ApiKey, from api_keys {
        id: api_key_id,
        secret: api_key,
    }
    new(label = None, duration = DEFAULT_SECONDS, api_key = "", api_key_id = -1, **kwargs)
        as "(label=None, duration=99999, api_key='', api_key_id=-1, **_)"
    {
        fn new(
            label: Option<String>,
            duration: i64,
            api_key: &str,
            api_key_id: i64,
            kwargs: Option<&Bound<'_, PyDict>>,
        ) -> PyResult<Self> {
            let mut record = Attributes::new(label, duration, api_key_id, -1, api_key);
            record.absorb(kwargs, true)?;
            Ok(Self::from(record))
        }
    }
    /// 'api_key': the protocol's name of the object.
    get_object_name;
    /// '/api/api_key': the collection's path.
    get_endpoint;
    /// 'api_key': the attribute, and the field of a create's answer, that
    /// holds the secret (the `token` property returns it too).
    get_token_method;
    /// Creates this API key as `admin`. Sets `api_key_id`, `user_id`,
    /// `api_key` (the secret, this once), `created_at` and `expires_at`.
    ///
    /// Raises AssertionError if `admin` is None, has no login token or is
    /// known not to be an admin; CloudError (a RuntimeError) if creation
    /// fails, OutcomeUnknownError if it may have happened.
    create(context, admin = None);
    /// Reads this API key (beyond the reference): returns a dict of its
    /// data (`api_key_id`, `user_id`, `label`, `duration`, `created_at`,
    /// `expires_at`) and updates the attributes; `api_key` is kept.
    ///
    /// Raises AssertionError if it was not created (`api_key_id == -1`) or
    /// `admin` has no login token or is known not to be an admin;
    /// CloudError if reading fails.
    read(context, admin);
    /// Deletes (revokes) this API key (beyond the reference).
    ///
    /// Raises AssertionError as `read`; CloudError if deleting fails.
    delete;
    /// Every API key, following every page (beyond the reference); their
    /// `api_key` is ''.
    ///
    /// Raises AssertionError if `admin` is known not to be an admin or has
    /// no login token; CloudError if listing fails.
    list_all;
    /// Gives this API key a new secret, kept in `api_key`; the old one
    /// keeps working for `grace` seconds (default 0). Beyond the
    /// reference: protocol v2, feature 'rotation'.
    ///
    /// Raises AssertionError as `read`; CloudError if it fails (`kind`
    /// 'unsupported' when the server does not offer rotation).
    rotate;
    /// Revokes this API key with itself; `api_key` is '' afterwards. Beyond
    /// the reference: protocol v2, feature 'self'.
    ///
    /// Raises AssertionError if `api_key` is empty; CloudError if it fails
    /// (`kind` 'unsupported' when the server does not offer it).
    revoke_self;
    /// Who holds this API key, asked with the key itself (beyond the
    /// reference): a dict as `JobToken.whoami` returns, `token_type`
    /// TokenType.API_Key, and from a v2 server `api_key_id` and `label`.
    ///
    /// Raises AssertionError if `api_key` is empty; CloudError if it fails.
    whoami;
    /// A label chosen by the admin who made it, or None.
    label;
    /// The id of the admin who made it: -1 until known.
    user_id;
    /// The secret key string: '' unless this object created (or rotated) it.
    secret;

    /// The API key string ('' unless this object created or rotated it).
    #[getter]
    fn token(&self) -> String {
        self.record().exposed()
    }
}
