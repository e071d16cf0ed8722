//! The token Perceval would use (`docs/quandela.md` A17, A18): the
//! facade's lookup (`steps::perceval`), which the Python package shares.

pub(crate) use steps::perceval::{find, Platform, TOKEN_VAR};
