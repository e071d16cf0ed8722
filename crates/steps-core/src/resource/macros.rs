//! The macros a resource module (`job_token.rs`, `api_key.rs`) implements
//! its traits with: [`Resource`](super::Resource)'s accessors and the
//! sealed supertrait's names and parsers.

/// Implements [`Resource`](super::Resource)'s accessors over a model whose id and secret
/// fields are named `$id` and `$secret` (the other fields are the same in
/// every token model).
macro_rules! resource_accessors {
    ($id:ident, $secret:ident) => {
        fn id(&self) -> i64 {
            self.$id
        }
        fn user_id(&self) -> i64 {
            self.user_id
        }
        fn label(&self) -> Option<&str> {
            self.label.as_deref()
        }
        fn secret(&self) -> Option<&$crate::Secret> {
            self.$secret.as_ref()
        }
        fn duration(&self) -> std::time::Duration {
            self.duration
        }
        fn created_at(&self) -> std::time::SystemTime {
            self.created_at
        }
        fn expires_at(&self) -> std::time::SystemTime {
            self.expires_at
        }
        fn rotated_at(&self) -> Option<std::time::SystemTime> {
            self.rotated_at
        }
        fn replayed(&self) -> bool {
            self.replayed
        }
    };
}

pub(crate) use resource_accessors;

/// Implements the sealed [`ResourceWire`](super::sealed::ResourceWire) for a resource: its
/// operation names under `prefix` (`"job_token"` gives `job_token.create`,
/// ...) and its parsers over the record and page wire types.
macro_rules! resource_wire {
    ($model:ty, $prefix:literal, $record:ty, $page:ty) => {
        impl $crate::resource::sealed::ResourceWire for $model {
            const PREFIX: &'static str = $prefix;
            const CREATE: &'static str = concat!($prefix, ".create");
            const READ: &'static str = concat!($prefix, ".read");
            const DELETE: &'static str = concat!($prefix, ".delete");
            const LIST: &'static str = concat!($prefix, ".list");
            const ROTATE: &'static str = concat!($prefix, ".rotate");

            fn parse_created(
                operation: &'static str,
                response: &http::Response<bytes::Bytes>,
            ) -> Result<Self, $crate::ResponseError> {
                $crate::resource::parse_created::<$record>(operation, response)
            }

            fn parse_read(
                operation: &'static str,
                response: &http::Response<bytes::Bytes>,
            ) -> Result<Self, $crate::ResponseError> {
                $crate::resource::parse_read::<$record>(operation, response)
            }

            fn parse_page(
                operation: &'static str,
                response: &http::Response<bytes::Bytes>,
                after: Option<i64>,
                limit: Option<u32>,
            ) -> Result<$crate::Page<Self>, $crate::ResponseError> {
                $crate::resource::parse_page::<$page>(operation, response, after, limit)
            }
        }
    };
}

pub(crate) use resource_wire;
