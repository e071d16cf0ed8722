//! Declaring a response object once: `wire_object!` writes its struct, its
//! `Deserialize` and its shape from one list of fields; `Record` says how a
//! token record becomes its model.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::StatusCode;
use serde_core::de::DeserializeOwned;
use serde_core::Deserialize;

use super::shape::Shaped;
use crate::error::DecodeError;
use crate::ResponseError;

/// Declares a response object's wire struct, its `Deserialize` (the named
/// fields by type, every other field into `extra: Extra`) and its
/// [`Shaped::SHAPE`](super::Shaped), from one list of fields.
///
/// Why not `#[serde(flatten)]`: flatten buffers the whole object before
/// reading it, which made a page of ten job tokens 20% slower to parse than
/// hand-written serde (see docs/benchmarks.md). A missing field is `None`
/// for an `Option` and an error otherwise, as with serde's derive.
macro_rules! wire_object {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        $vis struct $name {
            $($field: $ty,)*
            #[allow(dead_code)]
            extra: $crate::Extra,
        }

        impl $crate::wire::Shaped for $name {
            const SHAPE: &'static [$crate::wire::Field] = &[
                $($crate::wire::Field {
                    name: stringify!($field),
                    field_type: <$ty as $crate::wire::WireField>::FIELD_TYPE,
                    required: <$ty as $crate::wire::WireField>::REQUIRED,
                },)*
            ];
        }

        impl<'de> serde_core::Deserialize<'de> for $name {
            fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> serde_core::de::Visitor<'de> for Fields {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " object"))
                    }

                    fn visit_map<A: serde_core::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        $(let mut $field: Option<$ty> = None;)*
                        let mut extra = serde_json::Map::new();
                        while let Some($crate::wire::Key(key)) = map.next_key()? {
                            match key.as_ref() {
                                $(stringify!($field) => {
                                    if $field.is_some() {
                                        return Err(<A::Error as serde_core::de::Error>::duplicate_field(stringify!($field)));
                                    }
                                    $field = Some(map.next_value()?);
                                })*
                                _ => {
                                    extra.insert(key.into_owned(), map.next_value()?);
                                }
                            }
                        }
                        Ok($name {
                            $($field: match $field {
                                Some(value) => value,
                                None => $crate::wire::absent::<$ty, A::Error>(stringify!($field))?,
                            },)*
                            extra: $crate::Extra::from_map(extra),
                        })
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }
    };
}

pub(crate) use wire_object;

/// Declares a struct and the `Deserialize` serde's derive would write for
/// it, without the derive macro (so that the core builds no proc-macro):
/// the named fields from an object (every other field ignored, a repeated
/// one an error, a missing one an error unless its type is an `Option`) or,
/// in order, from an array. For the objects whose unknown fields are
/// dropped, not kept: an error body, the meta answer.
macro_rules! plain_object {
    ($(#[$meta:meta])* struct $name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        struct $name {
            $($field: $ty,)*
        }

        impl<'de> serde_core::Deserialize<'de> for $name {
            fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Fields;
                impl<'de> serde_core::de::Visitor<'de> for Fields {
                    type Value = $name;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_seq<A: serde_core::de::SeqAccess<'de>>(self, mut seq: A) -> Result<$name, A::Error> {
                        let mut index = 0;
                        $(
                            let Some($field) = seq.next_element::<$ty>()? else {
                                return Err(<A::Error as serde_core::de::Error>::invalid_length(index, &self));
                            };
                            index += 1;
                        )*
                        let _ = index;
                        Ok($name { $($field,)* })
                    }

                    fn visit_map<A: serde_core::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        $(let mut $field: Option<$ty> = None;)*
                        while let Some($crate::wire::Key(key)) = map.next_key()? {
                            match key.as_ref() {
                                $(stringify!($field) => {
                                    if $field.is_some() {
                                        return Err(<A::Error as serde_core::de::Error>::duplicate_field(stringify!($field)));
                                    }
                                    $field = Some(map.next_value()?);
                                })*
                                _ => {
                                    map.next_value::<serde_core::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok($name {
                            $($field: match $field {
                                Some(value) => value,
                                None => $crate::wire::absent::<$ty, A::Error>(stringify!($field))?,
                            },)*
                        })
                    }
                }
                deserializer.deserialize_struct(stringify!($name), &[$(stringify!($field)),*], Fields)
            }
        }
    };
}

pub(crate) use plain_object;

/// A response object that becomes a model value once decoded: a token
/// record, or a login or whoami answer.
pub(crate) trait Record: DeserializeOwned + Shaped {
    /// What it becomes.
    type Model;
    /// Converts wire values (seconds, codes) into the model's types.
    fn into_model(self, operation: &'static str, status: StatusCode) -> Result<Self::Model, ResponseError>;
}

/// An object key, borrowed from the input when it has no escapes (serde's
/// own `Cow<str>` always allocates).
pub(crate) struct Key<'de>(pub(crate) std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde_core::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> serde_core::de::Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(key.to_owned())))
            }

            fn visit_string<E>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(std::borrow::Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The value of a field that was not sent: `None` for an `Option`, else the
/// "missing field" error.
pub(crate) fn absent<'de, T: Deserialize<'de>, E: serde_core::de::Error>(
    field: &'static str,
) -> Result<T, E> {
    T::deserialize(serde_core::de::value::UnitDeserializer::<E>::new())
        .map_err(|_: E| E::missing_field(field))
}

/// Converts wire seconds to a time, rejecting values past what
/// `SystemTime` holds instead of panicking.
pub(crate) fn unix_time(
    operation: &'static str,
    status: StatusCode,
    field: &str,
    seconds: u64,
) -> Result<SystemTime, ResponseError> {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(seconds))
        .ok_or_else(|| {
            ResponseError::Decode(DecodeError {
                operation,
                status,
                detail: format!("field `{field}`: the time is out of range"),
            })
        })
}
