//! `steps meta`: what the server offers, its protocol version and
//! features, asked directly so that a server that cannot be reached is an
//! error rather than a v1 server.

use serde_json::json;

use crate::app::App;
use crate::error::CliError;
use crate::output;
use crate::probe::Asked;

/// `steps meta`: what the server offers; a server that cannot be
/// reached is an error (see [`App::ask_meta`]).
pub(crate) async fn run(app: &App) -> Result<(), CliError> {
    let capabilities = match app.ask_meta().await? {
        Asked::Answered(capabilities) => capabilities,
        Asked::NoAnswer(error) => return Err(app.sdk(error)),
    };
    let features: Vec<&str> = capabilities.features.iter().map(|f| f.name()).collect();
    app.print(
        json!({ "api_url": app.api_url, "protocol": capabilities.protocol, "features": features }),
        || {
            let protocol = if capabilities.protocol == 1 {
                "1 (no /api/meta: a v1 server)".to_owned()
            } else {
                capabilities.protocol.to_string()
            };
            let features = if features.is_empty() {
                "-".to_owned()
            } else {
                features.join(", ")
            };
            format!(
                "{}\n{}",
                app.api_url,
                output::fields(&[("protocol", protocol), ("features", features)])
            )
        },
    )
}
