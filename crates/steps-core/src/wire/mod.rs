//! What every operation shares on the wire, one concern per module:
//!
//! - `request`: assembling a request (URI, headers, `Authorization`, body);
//! - `response`: reading a status into success or its typed error;
//! - `record`: the `wire_object!` declaration of a response object, which
//!   generates both its decoder and its shape;
//! - `shape`: what a response object's fields must be, and explaining a
//!   body that does not decode without quoting its values;
//! - `extra`: [`Extra`], the unknown fields of a response object.

mod extra;
mod record;
mod request;
mod response;
mod shape;

pub use extra::Extra;
pub(crate) use record::{absent, plain_object, unix_time, wire_object, Key, Record};
pub(crate) use request::{build, percent_encode, to_json};
pub use request::{RequestBody, RequestParts};
pub(crate) use response::{empty_body, is_replay, json_array, json_body, json_body_with};
pub use response::{IDEMPOTENT_REPLAYED_HEADER, REQUEST_ID_HEADER};
pub(crate) use shape::{Field, FieldType, Shaped, WireField};
