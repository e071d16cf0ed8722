//! `Extra`: the fields of a response object this version does not know.

use std::fmt;

use serde_json::{Map, Value};

/// Unknown fields of a response object, kept as they came (the Python
/// client's `**kwargs`).
///
/// `Debug` lists only the field names: an unknown field may well hold a
/// secret this version does not know to redact.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(Map<String, Value>);

impl Extra {
    pub(crate) fn from_map(map: Map<String, Value>) -> Extra {
        Extra(map)
    }

    /// The value of an unknown field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// The names of the unknown fields.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many unknown fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the server sent no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}
