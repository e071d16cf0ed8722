//! `Attributes`: a token's attributes as a Python `JobToken` or `ApiKey` holds
//! them (the secret, the times, the extra keyword arguments and unknown
//! fields), how the server's answer updates them, and their `repr`.

use std::sync::Mutex;

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use steps::Secret;

use crate::bound::{field, BoundResource};
use crate::fields::Fields;
use crate::json::json_to_py;
use crate::lock::lock;
use crate::redact::{masked, quoted_or_none};

/// A token's attributes as the Python object holds them.
#[derive(Debug)]
pub(crate) struct Attributes {
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

impl Attributes {
    /// A record that was not created yet.
    pub(crate) fn new(
        label: Option<String>,
        duration: i64,
        id: i64,
        user_id: i64,
        secret: &str,
    ) -> Attributes {
        Attributes {
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
                field::CREATED_AT => self.created_at = value.extract()?,
                field::EXPIRES_AT => self.expires_at = value.extract()?,
                field::ROTATED_AT => self.rotated_at = value.extract()?,
                field::USER_ID if user_id_too => self.user_id = value.extract()?,
                _ => drop(self.set_extra(name, value.unbind())),
            }
        }
        Ok(())
    }

    /// The secret as the attribute gives it: '' when there is none.
    pub(crate) fn exposed(&self) -> String {
        self.secret
            .as_ref()
            .map(|s| s.expose().to_owned())
            .unwrap_or_default()
    }

    /// Sets the secret; '' means none.
    pub(crate) fn set_secret(&mut self, secret: &str) {
        self.secret = (!secret.is_empty()).then(|| Secret::new(secret));
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
    /// clears the secret, a create or rotation sets it; what the server
    /// left out is kept. Returns the extra
    /// values replaced, to drop after the lock.
    fn update(&mut self, fields: Fields, extra: Vec<(String, Py<PyAny>)>) -> Vec<Py<PyAny>> {
        self.id = fields.id;
        if let Some(user_id) = fields.user_id {
            self.user_id = user_id;
        }
        self.label = fields.label;
        if let Some(duration) = fields.duration {
            self.duration = duration;
        }
        if fields.created_at.is_some() {
            self.created_at = fields.created_at;
        }
        if fields.expires_at.is_some() {
            self.expires_at = fields.expires_at;
        }
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
    pub(crate) fn repr<K: BoundResource>(&self) -> String {
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

/// Updates `record` with `fields`: the Python values are made before the
/// lock is taken and the replaced ones dropped after it is released.
pub(crate) fn apply(py: Python<'_>, record: &Mutex<Attributes>, mut fields: Fields) -> PyResult<()> {
    let extra = std::mem::take(&mut fields.extra)
        .into_iter()
        .map(|(name, value)| Ok((name, json_to_py(py, &value)?)))
        .collect::<PyResult<Vec<_>>>()?;
    let replaced = lock(record).update(fields, extra);
    drop(replaced);
    Ok(())
}

/// Sets the extra attribute `name` of `record` to `value`: the Python
/// value is made before the lock is taken and the replaced one dropped
/// after it is released.
pub(crate) fn set_attribute(
    py: Python<'_>,
    record: &Mutex<Attributes>,
    name: &str,
    value: &serde_json::Value,
) -> PyResult<()> {
    let value = json_to_py(py, value)?;
    let replaced = lock(record).set_extra(name.to_owned(), value);
    drop(replaced);
    Ok(())
}
