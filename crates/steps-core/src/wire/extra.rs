//! `Extra`: the fields of a response object this version does not know.

use std::fmt;

use serde_json::{Map, Value};

/// Unknown fields of a response object, kept as they came (the Python
/// client's `**kwargs`).
///
/// `Debug` lists only the field names: an unknown field may well hold a
/// secret this version does not know to redact.
///
/// Boxed, and absent when empty (as it nearly always is): 8 bytes in every
/// record instead of a map's 24, which a page of records moves several
/// times while decoding (`bench/findings.md`).
#[derive(Clone, Default, PartialEq)]
pub struct Extra(Option<Box<Map<String, Value>>>);

impl Extra {
    pub(crate) fn from_map(map: Map<String, Value>) -> Extra {
        Extra((!map.is_empty()).then(|| Box::new(map)))
    }

    /// The value of an unknown field.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.as_ref()?.get(name)
    }

    /// The names of the unknown fields.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().flat_map(|map| map.keys()).map(String::as_str)
    }

    /// How many unknown fields there are.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |map| map.len())
    }

    /// Whether the server sent no unknown fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}

// Written out, not derived: the names only, never the values (see above).
impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}
