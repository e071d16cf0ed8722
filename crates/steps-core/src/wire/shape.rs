//! The shape of a response object (each field's name, JSON type and whether
//! it must be present), and the explainer that uses it to say why a body did
//! not decode, naming the field but never the value found there.
//!
//! Shapes are not written by hand: `wire_object!` derives each record's
//! shape from its field declarations through [`WireField`].

use serde_json::Value;

use crate::Secret;

/// The JSON type a field of a response must have.
#[derive(Clone, Copy)]
pub(crate) enum FieldType {
    /// A whole number (`i64` or `u64` as the field needs).
    Integer,
    /// A non-negative whole number.
    Unsigned,
    String,
    Bool,
    /// Any number, whole or fractional.
    Number,
    /// Any JSON value (a field whose type the published document leaves
    /// open).
    Any,
    /// An object of the given shape.
    Object(&'static [Field]),
    /// An array of objects of the given shape.
    Objects(&'static [Field]),
}

/// One field of a response object, as the protocol describes it.
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) field_type: FieldType,
    /// Whether it must be present and not `null`.
    pub(crate) required: bool,
}

/// A response object whose fields are known: every `wire_object!`.
pub(crate) trait Shaped {
    /// Its fields, in declaration order.
    const SHAPE: &'static [Field];
}

/// The JSON type of a Rust field type, and whether the field may be absent.
pub(crate) trait WireField {
    const FIELD_TYPE: FieldType;
    const REQUIRED: bool = true;
}

impl WireField for i64 {
    const FIELD_TYPE: FieldType = FieldType::Integer;
}

impl WireField for u64 {
    const FIELD_TYPE: FieldType = FieldType::Unsigned;
}

impl WireField for bool {
    const FIELD_TYPE: FieldType = FieldType::Bool;
}

impl WireField for String {
    const FIELD_TYPE: FieldType = FieldType::String;
}

impl WireField for Secret {
    const FIELD_TYPE: FieldType = FieldType::String;
}

impl WireField for f64 {
    const FIELD_TYPE: FieldType = FieldType::Number;
}

impl WireField for Value {
    const FIELD_TYPE: FieldType = FieldType::Any;
}

impl<T: WireField> WireField for Option<T> {
    const FIELD_TYPE: FieldType = T::FIELD_TYPE;
    const REQUIRED: bool = false;
}

impl<T: Shaped> WireField for Vec<T> {
    const FIELD_TYPE: FieldType = FieldType::Objects(T::SHAPE);
}

/// Explains why `body` did not decode, naming the field and the type found,
/// never the value (serde_json's own messages quote values, and a value may
/// be a secret).
pub(crate) fn explain(body: &[u8], top: FieldType, error: &serde_json::Error) -> String {
    if error.is_syntax() || error.is_eof() {
        let what = if body.is_empty() {
            "the body is empty, expected JSON"
        } else {
            "malformed JSON"
        };
        return format!("{what} (line {}, column {})", error.line(), error.column());
    }
    let value: Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => return "malformed JSON".to_owned(),
    };
    check_value(&value, top, "").unwrap_or_else(|| {
        format!(
            "a value does not match the protocol (line {}, column {})",
            error.line(),
            error.column()
        )
    })
}

/// Where a problem is: the body itself, or a field by its path.
fn at(path: &str) -> String {
    if path.is_empty() {
        "the body".to_owned()
    } else {
        format!("field `{path}`")
    }
}

fn check_object(value: &Value, shape: &[Field], path: &str) -> Option<String> {
    let Value::Object(map) = value else {
        return Some(format!(
            "{}: expected an object, found {}",
            at(path),
            type_name(value)
        ));
    };
    for field in shape {
        let path = if path.is_empty() {
            field.name.to_owned()
        } else {
            format!("{path}.{}", field.name)
        };
        match map.get(field.name) {
            None | Some(Value::Null) if !field.required => {}
            None => return Some(format!("missing field `{path}`")),
            Some(value) => {
                if let Some(problem) = check_value(value, field.field_type, &path) {
                    return Some(problem);
                }
            }
        }
    }
    None
}

fn check_value(value: &Value, field_type: FieldType, path: &str) -> Option<String> {
    let fits = match field_type {
        FieldType::Integer => value.as_i64().is_some(),
        FieldType::Unsigned => value.as_u64().is_some(),
        FieldType::String => value.is_string(),
        FieldType::Bool => value.is_boolean(),
        FieldType::Number => value.is_number(),
        FieldType::Any => true,
        FieldType::Object(shape) => return check_object(value, shape, path),
        FieldType::Objects(shape) => {
            let Value::Array(items) = value else {
                return Some(format!(
                    "{}: expected an array, found {}",
                    at(path),
                    type_name(value)
                ));
            };
            return items
                .iter()
                .enumerate()
                .find_map(|(i, item)| check_object(item, shape, &format!("{path}[{i}]")));
        }
    };
    if fits {
        return None;
    }
    let expected = match field_type {
        FieldType::Integer => "an integer",
        FieldType::Unsigned => "a non-negative integer",
        FieldType::String => "a string",
        FieldType::Bool => "a boolean",
        FieldType::Number => "a number",
        FieldType::Any | FieldType::Object(_) => "an object",
        FieldType::Objects(_) => "an array",
    };
    Some(format!(
        "{}: expected {expected}, found {}",
        at(path),
        type_name(value)
    ))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(n) => match n.as_i64() {
            Some(v) if v < 0 => "a negative integer",
            Some(_) => "an integer",
            None => "an integer out of range",
        },
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_name_fields_but_never_values() {
        const SHAPE: &[Field] = &[
            Field {
                name: "id",
                field_type: <i64 as WireField>::FIELD_TYPE,
                required: <i64 as WireField>::REQUIRED,
            },
            Field {
                name: "label",
                field_type: <Option<String> as WireField>::FIELD_TYPE,
                required: <Option<String> as WireField>::REQUIRED,
            },
        ];
        let body = br#"{"id":"sk_live_value","label":7}"#;
        let error = serde_json::from_slice::<u64>(br#""x""#).unwrap_err();
        let detail = explain(body, FieldType::Object(SHAPE), &error);
        assert_eq!(detail, "field `id`: expected an integer, found a string");
        assert!(!detail.contains("sk_live_value"));
    }
}
