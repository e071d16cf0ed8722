//! steps-transport executes `steps-core` operations over hyper on tokio
//! (being built: see the open issues).
