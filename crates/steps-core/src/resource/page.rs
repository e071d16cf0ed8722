//! Reading a list page straight into models: each record is checked
//! against the paging rules and converted as it is decoded, so that a page
//! is never held twice (once as wire records, once as models). Decoding
//! pages in two passes made `job_token.list` 13% slower than hand-written
//! serde (`bench/findings.md`).

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_core::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};

use super::token::TokenRecord;
use crate::error::DecodeError;
use crate::wire::{self, Field, Key, Record, Shaped, WireField};
use crate::{Page, ResponseError};

/// A list page on the wire, `{"<ITEMS>": [record, ...], "next_after": id}`:
/// where its records are, and its shape for explaining a page that does
/// not decode (unknown fields are read and dropped).
pub(crate) trait PageRecord: Shaped {
    /// The page's records.
    type Item: TokenRecord;
    /// The field that holds them (`job_tokens`, `api_keys`).
    const ITEMS: &'static str;
}

/// The shape of a page of `R` records under `items`.
pub(crate) const fn page_shape<R: Shaped>(items: &'static str) -> [Field; 2] {
    [
        Field {
            name: items,
            field_type: <Vec<R> as WireField>::FIELD_TYPE,
            required: <Vec<R> as WireField>::REQUIRED,
        },
        Field {
            name: "next_after",
            field_type: <Option<i64> as WireField>::FIELD_TYPE,
            required: <Option<i64> as WireField>::REQUIRED,
        },
    ]
}

/// Reads one page, checking the protocol's paging rules so that a caller
/// walking pages can neither loop nor be walked through endless pages: ids
/// ascend above `after`; when `next_after` is present, the page is not
/// empty and `next_after` is its last id.
///
/// A body that does not decode is a decode error before any paging or
/// conversion error, wherever in the body it is; among those, the first
/// record's wins: the order of a decode that finishes before it checks.
///
/// `limit`, the most records asked for, sizes the page's vector up front
/// (up to [`PRESIZED_RECORDS`]) instead of doubling it four times for ten
/// records.
pub(crate) fn parse_page<P: PageRecord>(
    operation: &'static str,
    response: &Response<Bytes>,
    after: Option<i64>,
    limit: Option<u32>,
) -> Result<Page<<P::Item as Record>::Model>, ResponseError> {
    let mut walk = Walk {
        operation,
        status: response.status(),
        previous: after,
        capacity: limit.map_or(0, |limit| limit.min(PRESIZED_RECORDS) as usize),
        failure: None,
    };
    let seed = PageSeed::<P> {
        walk: &mut walk,
        page: PhantomData,
    };
    let (items, next_after) =
        wire::json_body_with(operation, response, wire::FieldType::Object(P::SHAPE), seed)?;
    if let Some(failure) = walk.failure {
        return Err(failure);
    }
    if let Some(next) = next_after {
        if next < 0 {
            return Err(walk.paging_error("field `next_after`: ids are never negative"));
        }
        if items.is_empty() {
            return Err(walk.paging_error("field `next_after`: present on an empty page"));
        }
        if walk.previous != Some(next) {
            return Err(walk.paging_error("field `next_after`: not the id of the page's last item"));
        }
    }
    Ok(Page { items, next_after })
}

/// The most records a page's vector is sized for before any arrives: a
/// server that answers fewer than asked (or none) wastes at most this many
/// slots; one that answers more grows the vector as usual.
const PRESIZED_RECORDS: u32 = 100;

/// Where a page's decoding is: the last id admitted, and the first record
/// that broke a rule or did not convert. Decoding goes on after a failure
/// (without converting), so that a malformed body later on still reports
/// as malformed.
struct Walk {
    operation: &'static str,
    status: StatusCode,
    previous: Option<i64>,
    /// The records expected, to size the page's vector.
    capacity: usize,
    failure: Option<ResponseError>,
}

impl Walk {
    /// Checks a record's id against the ones before it and converts it.
    fn admit<R: TokenRecord>(&mut self, record: R) -> Result<R::Model, ResponseError> {
        let id = record.id();
        if id < 0 {
            return Err(self.paging_error("an id of the page is negative"));
        }
        if self.previous.is_some_and(|previous| id <= previous) {
            return Err(self.paging_error("the ids of a page do not ascend above `after`"));
        }
        self.previous = Some(id);
        record.into_model(self.operation, self.status)
    }

    /// A page that breaks the paging rules.
    #[cold]
    fn paging_error(&self, detail: &str) -> ResponseError {
        ResponseError::Decode(DecodeError {
            operation: self.operation,
            status: self.status,
            detail: detail.to_owned(),
        })
    }
}

/// Decodes a page object: its records through [`RecordsSeed`],
/// `next_after`, and any other field read and dropped.
struct PageSeed<'w, P> {
    walk: &'w mut Walk,
    page: PhantomData<P>,
}

type Models<P> = Vec<<<P as PageRecord>::Item as Record>::Model>;

impl<'de, P: PageRecord> DeserializeSeed<'de> for PageSeed<'_, P> {
    type Value = (Models<P>, Option<i64>);

    fn deserialize<D: serde_core::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, P: PageRecord> Visitor<'de> for PageSeed<'_, P> {
    type Value = (Models<P>, Option<i64>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = None;
        let mut next_after: Option<Option<i64>> = None;
        while let Some(Key(key)) = map.next_key()? {
            if key == P::ITEMS {
                if items.is_some() {
                    return Err(A::Error::duplicate_field(P::ITEMS));
                }
                items = Some(map.next_value_seed(RecordsSeed::<P::Item> {
                    walk: &mut *self.walk,
                    record: PhantomData,
                })?);
            } else if key == "next_after" {
                if next_after.is_some() {
                    return Err(A::Error::duplicate_field("next_after"));
                }
                next_after = Some(map.next_value()?);
            } else {
                // Read as a value, as the page's unknown fields always
                // were, so that what a page accepts is unchanged.
                map.next_value::<serde_json::Value>()?;
            }
        }
        let items = items.ok_or_else(|| A::Error::missing_field(P::ITEMS))?;
        Ok((items, next_after.flatten()))
    }
}

/// Decodes a page's array of records, admitting each through the
/// [`Walk`] as it comes.
struct RecordsSeed<'w, R> {
    walk: &'w mut Walk,
    record: PhantomData<R>,
}

impl<'de, R: TokenRecord> DeserializeSeed<'de> for RecordsSeed<'_, R> {
    type Value = Vec<R::Model>;

    fn deserialize<D: serde_core::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: TokenRecord> Visitor<'de> for RecordsSeed<'_, R> {
    type Value = Vec<R::Model>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut models = Vec::with_capacity(self.walk.capacity);
        while let Some(record) = seq.next_element::<R>()? {
            if self.walk.failure.is_some() {
                continue;
            }
            match self.walk.admit(record) {
                Ok(model) => models.push(model),
                Err(failure) => self.walk.failure = Some(failure),
            }
        }
        Ok(models)
    }
}
