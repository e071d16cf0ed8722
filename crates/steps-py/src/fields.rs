//! `Fields`: a token as the Rust SDK gives it, read through the core's
//! `Resource` accessors into the Python client's terms (Unix seconds,
//! whole-second lifetimes, unknown fields as JSON); and the dict `read`
//! returns. `quandela_fields.rs` makes them from the Quandela cloud's
//! models, which may leave any of them out (None: not said).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use steps::Secret;

use crate::bound::{field, seconds, BoundResource};
use crate::identity::unix_seconds;
use crate::json::json_to_py;

/// A token's fields as the Rust SDK gives them.
#[derive(Debug)]
pub(crate) struct Fields {
    pub(crate) id: i64,
    pub(crate) user_id: Option<i64>,
    pub(crate) label: Option<String>,
    pub(crate) duration: Option<i64>,
    pub(crate) created_at: Option<i64>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) rotated_at: Option<i64>,
    pub(crate) secret: Option<Secret>,
    pub(crate) extra: Vec<(String, serde_json::Value)>,
}

impl Fields {
    /// The fields of a token of the SDK, with its times as Unix seconds.
    pub(crate) fn of<K: BoundResource>(token: &K) -> Fields {
        let extra = token.extra();
        Fields {
            id: token.id(),
            user_id: Some(token.user_id()),
            label: token.label().map(str::to_owned),
            duration: Some(seconds(token.duration())),
            created_at: Some(unix_seconds(token.created_at())),
            expires_at: Some(unix_seconds(token.expires_at())),
            rotated_at: token.rotated_at().map(unix_seconds),
            secret: token.secret().cloned(),
            extra: extra
                .names()
                .filter_map(|name| extra.get(name).map(|value| (name.to_owned(), value.clone())))
                .collect(),
        }
    }

    /// The data of a token as `read` returns it: no secret.
    pub(crate) fn to_dict<'py, K: steps::Resource>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item(K::ID_FIELD, self.id)?;
        dict.set_item(field::USER_ID, self.user_id)?;
        dict.set_item(field::LABEL, self.label.as_deref())?;
        dict.set_item(field::DURATION, self.duration)?;
        dict.set_item(field::CREATED_AT, self.created_at)?;
        dict.set_item(field::EXPIRES_AT, self.expires_at)?;
        if let Some(rotated_at) = self.rotated_at {
            dict.set_item(field::ROTATED_AT, rotated_at)?;
        }
        for (name, value) in &self.extra {
            dict.set_item(name, json_to_py(py, value)?)?;
        }
        Ok(dict)
    }
}
