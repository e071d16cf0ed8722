//! `JobToken` and `ApiKey`, the Python client's classes, over the generic
//! calls of `record.rs`.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use steps::{ApiKey as ApiKeyModel, JobToken as JobTokenModel, Secret};

use crate::context::{Api, CloudContext};
use crate::record::{self, Kind, Record, DEFAULT_DURATION};
use crate::user::{lock, User};

/// The secret as the attribute gives it: '' when there is none.
fn exposed(record: &Mutex<Record>) -> String {
    lock(record)
        .secret
        .as_ref()
        .map(|s| s.expose().to_owned())
        .unwrap_or_default()
}

/// Sets the secret; '' means none.
fn set_secret(record: &Mutex<Record>, secret: &str) {
    lock(record).secret = (!secret.is_empty()).then(|| Secret::new(secret));
}

/// JobToken(label: str = None, duration: int = 99999, token_id: int = -1,
/// user_id: int = -1, token: str = '', **kwargs)
///
/// A job token: authorises one user's jobs. Other keyword arguments become
/// attributes (`created_at` and `expires_at`, Unix seconds, are known ones;
/// `JobToken(**data)` takes what `read` returns).
#[pyclass(frozen, dict, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct JobToken {
    record: Mutex<Record>,
}

#[pymethods]
impl JobToken {
    /// The name of the duration field: 'duration'.
    #[classattr]
    const DURATION_KEY: &'static str = "duration";
    /// The name of the label field: 'label'.
    #[classattr]
    const LABEL_KEY: &'static str = "label";

    #[new]
    #[pyo3(
        signature = (label = None, duration = DEFAULT_DURATION, token_id = -1, user_id = -1, token = "", **kwargs),
        text_signature = "(label=None, duration=99999, token_id=-1, user_id=-1, token='', **kwargs)"
    )]
    fn new(
        label: Option<String>,
        duration: i64,
        token_id: i64,
        user_id: i64,
        token: &str,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut record = Record::new(label, duration, token_id, user_id, token);
        record.absorb(kwargs, false)?;
        Ok(JobToken {
            record: Mutex::new(record),
        })
    }

    /// 'job_token': the protocol's name of the object.
    #[classmethod]
    fn get_object_name(_cls: &Bound<'_, PyType>) -> &'static str {
        JobTokenModel::OBJECT_NAME
    }

    /// '/api/job_token': the collection's path.
    #[classmethod]
    fn get_endpoint(_cls: &Bound<'_, PyType>) -> &'static str {
        JobTokenModel::ENDPOINT
    }

    /// The collection on `context`, as an `Api` (its `url`, `endpoint`).
    #[classmethod]
    fn get_api(_cls: &Bound<'_, PyType>, context: &Bound<'_, CloudContext>) -> Api {
        record::api::<JobTokenModel>(context)
    }

    /// 'token': the attribute, and the field of a create's answer, that
    /// holds the secret.
    #[classmethod]
    fn get_token_method(_cls: &Bound<'_, PyType>) -> &'static str {
        JobTokenModel::SECRET_FIELD
    }

    /// Creates this job token for `user` (who needs a login token). Sets
    /// `token_id`, `user_id`, `token` (the secret, this once), `created_at`
    /// and `expires_at`.
    ///
    /// Raises AssertionError if the user has no login token; CloudError (a
    /// RuntimeError) if creation fails, OutcomeUnknownError if it failed
    /// after the request may have reached the server.
    #[pyo3(signature = (context, user))]
    fn create(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        record::create::<JobTokenModel>(py, &self.record, context, user)
    }

    /// Reads this job token: returns a dict of its data (`token_id`,
    /// `user_id`, `label`, `duration`, `created_at`, `expires_at`, and any
    /// field the server adds) and updates the attributes; `token` is kept.
    ///
    /// Raises AssertionError if it was not created (`token_id == -1`) or
    /// the user has no login token; CloudError if reading fails.
    #[pyo3(signature = (context, user))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        context: &Bound<'py, CloudContext>,
        user: Option<&Bound<'py, User>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        record::read::<JobTokenModel>(py, &self.record, context, user)
    }

    /// Deletes (revokes) this job token.
    ///
    /// Raises AssertionError if it was not created or the user has no
    /// login token; CloudError if deleting fails.
    #[pyo3(signature = (context, user))]
    fn delete(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        record::delete::<JobTokenModel>(py, &self.record, context, user)
    }

    /// Every job token in the cloud (an admin's call), following every
    /// page; their `token` is ''.
    ///
    /// Raises AssertionError if `admin` is known not to be an admin or has
    /// no login token; CloudError if listing fails.
    #[classmethod]
    #[pyo3(signature = (context, admin))]
    fn list_all(
        cls: &Bound<'_, PyType>,
        context: &Bound<'_, CloudContext>,
        admin: Option<&Bound<'_, User>>,
    ) -> PyResult<Vec<Py<JobToken>>> {
        let py = cls.py();
        record::list_all::<JobTokenModel>(py, context, admin)?
            .into_iter()
            .map(|record| {
                Py::new(
                    py,
                    JobToken {
                        record: Mutex::new(record),
                    },
                )
            })
            .collect()
    }

    /// Gives this job token a new secret, kept in `token`; the old one
    /// keeps working for `grace` seconds (default 0). Beyond the
    /// reference: protocol v2, feature 'rotation'.
    ///
    /// Raises AssertionError if it was not created or the user has no
    /// login token; CloudError if it fails (`kind` 'unsupported' when the
    /// server does not offer rotation: nothing was sent).
    #[pyo3(signature = (context, user, grace = None))]
    fn rotate(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        user: Option<&Bound<'_, User>>,
        grace: Option<u64>,
    ) -> PyResult<()> {
        record::rotate::<JobTokenModel>(py, &self.record, context, user, grace)
    }

    /// Revokes this job token with itself (a leaked token killed by whoever
    /// holds it); `token` is '' afterwards. Beyond the reference: protocol
    /// v2, feature 'self'.
    ///
    /// Raises AssertionError if `token` is empty; CloudError if it fails
    /// (`kind` 'unsupported' when the server does not offer it).
    fn revoke_self(&self, py: Python<'_>, context: &Bound<'_, CloudContext>) -> PyResult<()> {
        record::revoke_self::<JobTokenModel>(py, &self.record, context)
    }

    /// Who holds this job token, asked with the token itself (beyond the
    /// reference): a dict with `user_id`, `token_type` (TokenType.Job),
    /// `is_admin`, `expires_at`, and from a v2 server `token_id` and
    /// `label`.
    ///
    /// Raises AssertionError if `token` is empty; CloudError if it fails.
    fn whoami<'py>(
        &self,
        py: Python<'py>,
        context: &Bound<'py, CloudContext>,
    ) -> PyResult<Bound<'py, PyDict>> {
        record::whoami::<JobTokenModel>(py, &self.record, context)
    }

    /// A label chosen by its owner, or None.
    #[getter]
    fn get_label(&self) -> Option<String> {
        lock(&self.record).label.clone()
    }

    #[setter]
    fn set_label(&self, label: Option<String>) {
        lock(&self.record).label = label;
    }

    /// Its lifetime in seconds.
    #[getter]
    fn get_duration(&self) -> i64 {
        lock(&self.record).duration
    }

    #[setter]
    fn set_duration(&self, duration: i64) {
        lock(&self.record).duration = duration;
    }

    /// Its id: -1 until created.
    #[getter]
    fn get_token_id(&self) -> i64 {
        lock(&self.record).id
    }

    #[setter]
    fn set_token_id(&self, token_id: i64) {
        lock(&self.record).id = token_id;
    }

    /// The owner's user id: -1 until known.
    #[getter]
    fn get_user_id(&self) -> i64 {
        lock(&self.record).user_id
    }

    #[setter]
    fn set_user_id(&self, user_id: i64) {
        lock(&self.record).user_id = user_id;
    }

    /// The secret token string: '' unless this object created (or
    /// rotated) it.
    #[getter]
    fn get_token(&self) -> String {
        exposed(&self.record)
    }

    #[setter]
    fn set_token(&self, token: &str) {
        set_secret(&self.record, token);
    }

    /// When it was created (Unix seconds), or None.
    #[getter]
    fn get_created_at(&self) -> Option<i64> {
        lock(&self.record).created_at
    }

    #[setter]
    fn set_created_at(&self, at: Option<i64>) {
        lock(&self.record).created_at = at;
    }

    /// When it expires (Unix seconds), or None.
    #[getter]
    fn get_expires_at(&self) -> Option<i64> {
        lock(&self.record).expires_at
    }

    #[setter]
    fn set_expires_at(&self, at: Option<i64>) {
        lock(&self.record).expires_at = at;
    }

    /// When its secret was last rotated (Unix seconds), or None.
    #[getter]
    fn get_rotated_at(&self) -> Option<i64> {
        lock(&self.record).rotated_at
    }

    #[setter]
    fn set_rotated_at(&self, at: Option<i64>) {
        lock(&self.record).rotated_at = at;
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        lock(&self.record).extra_attribute(py, JobTokenModel::CLASS, name)
    }

    fn __repr__(&self) -> String {
        lock(&self.record).repr::<JobTokenModel>()
    }
}

/// ApiKey(label: str = None, duration: int = 99999, api_key: str = '',
/// api_key_id: int = -1, **_)
///
/// An API key: authorises a worker. Admin only. Other keyword arguments
/// become attributes (`user_id`, `created_at` and `expires_at` are known
/// ones; `ApiKey(**data)` takes what `read` returns).
#[pyclass(frozen, dict, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct ApiKey {
    record: Mutex<Record>,
}

#[pymethods]
impl ApiKey {
    /// The name of the duration field: 'duration'.
    #[classattr]
    const DURATION_KEY: &'static str = "duration";
    /// The name of the label field: 'label'.
    #[classattr]
    const LABEL_KEY: &'static str = "label";

    #[new]
    #[pyo3(
        signature = (label = None, duration = DEFAULT_DURATION, api_key = "", api_key_id = -1, **kwargs),
        text_signature = "(label=None, duration=99999, api_key='', api_key_id=-1, **_)"
    )]
    fn new(
        label: Option<String>,
        duration: i64,
        api_key: &str,
        api_key_id: i64,
        kwargs: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut record = Record::new(label, duration, api_key_id, -1, api_key);
        record.absorb(kwargs, true)?;
        Ok(ApiKey {
            record: Mutex::new(record),
        })
    }

    /// 'api_key': the protocol's name of the object.
    #[classmethod]
    fn get_object_name(_cls: &Bound<'_, PyType>) -> &'static str {
        ApiKeyModel::OBJECT_NAME
    }

    /// '/api/api_key': the collection's path.
    #[classmethod]
    fn get_endpoint(_cls: &Bound<'_, PyType>) -> &'static str {
        ApiKeyModel::ENDPOINT
    }

    /// The collection on `context`, as an `Api` (its `url`, `endpoint`).
    #[classmethod]
    fn get_api(_cls: &Bound<'_, PyType>, context: &Bound<'_, CloudContext>) -> Api {
        record::api::<ApiKeyModel>(context)
    }

    /// 'api_key': the attribute, and the field of a create's answer, that
    /// holds the secret (the `token` property returns it too).
    #[classmethod]
    fn get_token_method(_cls: &Bound<'_, PyType>) -> &'static str {
        ApiKeyModel::SECRET_FIELD
    }

    /// The API key string ('' unless this object created or rotated it).
    #[getter]
    fn token(&self) -> String {
        exposed(&self.record)
    }

    /// Creates this API key as `admin`. Sets `api_key_id`, `user_id`,
    /// `api_key` (the secret, this once), `created_at` and `expires_at`.
    ///
    /// Raises AssertionError if `admin` is None, has no login token or is
    /// known not to be an admin; CloudError (a RuntimeError) if creation
    /// fails, OutcomeUnknownError if it may have happened.
    #[pyo3(signature = (context, admin = None))]
    fn create(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        admin: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        record::create::<ApiKeyModel>(py, &self.record, context, admin)
    }

    /// Reads this API key (beyond the reference): returns a dict of its
    /// data (`api_key_id`, `user_id`, `label`, `duration`, `created_at`,
    /// `expires_at`) and updates the attributes; `api_key` is kept.
    ///
    /// Raises AssertionError if it was not created (`api_key_id == -1`) or
    /// `admin` has no login token or is known not to be an admin;
    /// CloudError if reading fails.
    #[pyo3(signature = (context, admin))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        context: &Bound<'py, CloudContext>,
        admin: Option<&Bound<'py, User>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        record::read::<ApiKeyModel>(py, &self.record, context, admin)
    }

    /// Deletes (revokes) this API key (beyond the reference).
    ///
    /// Raises AssertionError as `read`; CloudError if deleting fails.
    #[pyo3(signature = (context, admin))]
    fn delete(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        admin: Option<&Bound<'_, User>>,
    ) -> PyResult<()> {
        record::delete::<ApiKeyModel>(py, &self.record, context, admin)
    }

    /// Every API key, following every page (beyond the reference); their
    /// `api_key` is ''.
    ///
    /// Raises AssertionError if `admin` is known not to be an admin or has
    /// no login token; CloudError if listing fails.
    #[classmethod]
    #[pyo3(signature = (context, admin))]
    fn list_all(
        cls: &Bound<'_, PyType>,
        context: &Bound<'_, CloudContext>,
        admin: Option<&Bound<'_, User>>,
    ) -> PyResult<Vec<Py<ApiKey>>> {
        let py = cls.py();
        record::list_all::<ApiKeyModel>(py, context, admin)?
            .into_iter()
            .map(|record| {
                Py::new(
                    py,
                    ApiKey {
                        record: Mutex::new(record),
                    },
                )
            })
            .collect()
    }

    /// Gives this API key a new secret, kept in `api_key`; the old one
    /// keeps working for `grace` seconds (default 0). Beyond the
    /// reference: protocol v2, feature 'rotation'.
    ///
    /// Raises AssertionError as `read`; CloudError if it fails (`kind`
    /// 'unsupported' when the server does not offer rotation).
    #[pyo3(signature = (context, admin, grace = None))]
    fn rotate(
        &self,
        py: Python<'_>,
        context: &Bound<'_, CloudContext>,
        admin: Option<&Bound<'_, User>>,
        grace: Option<u64>,
    ) -> PyResult<()> {
        record::rotate::<ApiKeyModel>(py, &self.record, context, admin, grace)
    }

    /// Revokes this API key with itself; `api_key` is '' afterwards. Beyond
    /// the reference: protocol v2, feature 'self'.
    ///
    /// Raises AssertionError if `api_key` is empty; CloudError if it fails
    /// (`kind` 'unsupported' when the server does not offer it).
    fn revoke_self(&self, py: Python<'_>, context: &Bound<'_, CloudContext>) -> PyResult<()> {
        record::revoke_self::<ApiKeyModel>(py, &self.record, context)
    }

    /// Who holds this API key, asked with the key itself (beyond the
    /// reference): a dict as `JobToken.whoami` returns, `token_type`
    /// TokenType.API_Key, and from a v2 server `api_key_id` and `label`.
    ///
    /// Raises AssertionError if `api_key` is empty; CloudError if it fails.
    fn whoami<'py>(
        &self,
        py: Python<'py>,
        context: &Bound<'py, CloudContext>,
    ) -> PyResult<Bound<'py, PyDict>> {
        record::whoami::<ApiKeyModel>(py, &self.record, context)
    }

    /// A label chosen by the admin who made it, or None.
    #[getter]
    fn get_label(&self) -> Option<String> {
        lock(&self.record).label.clone()
    }

    #[setter]
    fn set_label(&self, label: Option<String>) {
        lock(&self.record).label = label;
    }

    /// Its lifetime in seconds.
    #[getter]
    fn get_duration(&self) -> i64 {
        lock(&self.record).duration
    }

    #[setter]
    fn set_duration(&self, duration: i64) {
        lock(&self.record).duration = duration;
    }

    /// Its id: -1 until created.
    #[getter]
    fn get_api_key_id(&self) -> i64 {
        lock(&self.record).id
    }

    #[setter]
    fn set_api_key_id(&self, api_key_id: i64) {
        lock(&self.record).id = api_key_id;
    }

    /// The secret key string: '' unless this object created (or rotated) it.
    #[getter]
    fn get_api_key(&self) -> String {
        exposed(&self.record)
    }

    #[setter]
    fn set_api_key(&self, api_key: &str) {
        set_secret(&self.record, api_key);
    }

    /// The id of the admin who made it: -1 until known.
    #[getter]
    fn get_user_id(&self) -> i64 {
        lock(&self.record).user_id
    }

    #[setter]
    fn set_user_id(&self, user_id: i64) {
        lock(&self.record).user_id = user_id;
    }

    /// When it was created (Unix seconds), or None.
    #[getter]
    fn get_created_at(&self) -> Option<i64> {
        lock(&self.record).created_at
    }

    #[setter]
    fn set_created_at(&self, at: Option<i64>) {
        lock(&self.record).created_at = at;
    }

    /// When it expires (Unix seconds), or None.
    #[getter]
    fn get_expires_at(&self) -> Option<i64> {
        lock(&self.record).expires_at
    }

    #[setter]
    fn set_expires_at(&self, at: Option<i64>) {
        lock(&self.record).expires_at = at;
    }

    /// When its secret was last rotated (Unix seconds), or None.
    #[getter]
    fn get_rotated_at(&self) -> Option<i64> {
        lock(&self.record).rotated_at
    }

    #[setter]
    fn set_rotated_at(&self, at: Option<i64>) {
        lock(&self.record).rotated_at = at;
    }

    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        lock(&self.record).extra_attribute(py, ApiKeyModel::CLASS, name)
    }

    fn __repr__(&self) -> String {
        lock(&self.record).repr::<ApiKeyModel>()
    }
}
