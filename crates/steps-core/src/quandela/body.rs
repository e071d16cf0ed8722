//! The JSON bodies of the Quandela cloud's requests: objects whose fields
//! are sent only when set (every field of a generate or update is
//! optional, and a field left out keeps the server's default or the
//! token's value), written field by field since the core builds no derive.

use serde_core::Serialize;

use crate::BuildError;

/// A JSON object written one field at a time.
pub(crate) struct JsonObject {
    operation: &'static str,
    bytes: Vec<u8>,
}

impl JsonObject {
    pub(crate) fn new(operation: &'static str) -> Self {
        JsonObject {
            operation,
            bytes: vec![b'{'],
        }
    }

    /// Adds `"name": value`.
    pub(crate) fn field(mut self, name: &str, value: &(impl Serialize + ?Sized)) -> Result<Self, BuildError> {
        if self.bytes.len() > 1 {
            self.bytes.push(b',');
        }
        let operation = self.operation;
        let invalid = |_| BuildError::InvalidInput {
            operation,
            reason: "the request body could not be encoded".to_owned(),
        };
        serde_json::to_writer(&mut self.bytes, name).map_err(invalid)?;
        self.bytes.push(b':');
        serde_json::to_writer(&mut self.bytes, value).map_err(invalid)?;
        Ok(self)
    }

    /// Adds `"name": value` when `value` is set.
    pub(crate) fn optional<T: Serialize>(self, name: &str, value: Option<&T>) -> Result<Self, BuildError> {
        match value {
            Some(value) => self.field(name, value),
            None => Ok(self),
        }
    }

    /// The object's bytes.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.bytes.push(b'}');
        self.bytes
    }
}
