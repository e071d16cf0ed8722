//! What job tokens and API keys share: the [`Resource`] trait and reading
//! token records (`token.rs`), the generic operations over it (`create.rs`,
//! `item.rs` for read and delete, `list.rs`, `rotate.rs`), and reading
//! pages (`page.rs`). `job_token.rs` and
//! `api_key.rs` say only what differs: paths, names, fields, who may call.

mod create;
mod item;
mod list;
mod macros;
mod page;
mod rotate;
mod token;

pub use create::Create;
pub use item::{Delete, Read};
pub use list::List;
pub(crate) use page::{page_shape, parse_page, PageRecord};
pub(crate) use rotate::RotateBody;
pub use rotate::{Rotate, MAX_ROTATION_GRACE};

pub(crate) use macros::{resource_accessors, resource_wire};
pub use token::Resource;
pub(crate) use token::{parse_created, parse_read, sealed, Lifetime, TokenRecord};
