//! What the Python client checked of a token object before sending, as
//! `AssertionError`s: that it was created (it has an id), and, for the
//! calls a token makes with itself, that it holds its secret.

use std::sync::Mutex;

use pyo3::prelude::*;
use steps::{Resource, Secret};

use crate::attributes::Attributes;
use crate::errors::assertion;
use crate::lock::lock;

/// The id of a token that was created, or AssertionError.
pub(crate) fn created_id<K: Resource>(record: &Mutex<Attributes>, operation: &str) -> PyResult<i64> {
    let id = lock(record).id;
    if id < 0 {
        return Err(assertion(format!(
            "{operation}: the {} was not created ({} is {id}): create it first",
            K::NAME,
            K::ID_FIELD
        )));
    }
    Ok(id)
}

/// The secret, or AssertionError: the calls a token makes with itself.
pub(crate) fn own_secret<K: Resource>(record: &Mutex<Attributes>, operation: &str) -> PyResult<Secret> {
    lock(record).secret.clone().ok_or_else(|| {
        assertion(format!(
            "{operation}: the {} has no secret ({} is empty): only a created or rotated one has",
            K::NAME,
            K::SECRET_FIELD
        ))
    })
}
