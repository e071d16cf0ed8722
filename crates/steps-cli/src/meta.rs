//! `steps meta`: what the server offers, its protocol version and
//! features (`Client::capabilities`): a server that cannot be reached, or
//! gives no usable answer, is an error rather than a v1 server.

use serde_json::json;

use crate::app::App;
use crate::cli::Api;
use crate::error::CliError;
use crate::output;

/// `steps meta`: what the server offers. A server's own answer is one
/// (a v1 server's 404 too); no usable answer (the network failed, no
/// answer in time, a 429 or a 5xx) is an error, with its kind's message.
pub(crate) async fn run(app: &App) -> Result<(), CliError> {
    if app.api == Api::Quandela {
        // Nothing to ask: the Quandela cloud has no meta path.
        return app.print(
            json!({ "api_url": app.api_url, "api": app.api.name(), "meta": false,
                    "protocol": null, "features": [] }),
            || {
                format!(
                    "{}\n{}",
                    app.api_url,
                    output::fields(&[
                        ("api", "quandela (the Quandela cloud's token API)".to_owned()),
                        (
                            "meta",
                            "none: this dialect has no /api/meta, nor our protocol's features".to_owned()
                        ),
                    ])
                )
            },
        );
    }
    let capabilities = app.client.capabilities().await.map_err(|e| app.sdk(e))?;
    let features: Vec<&str> = capabilities.features.iter().map(|f| f.name()).collect();
    app.print(
        json!({ "api_url": app.api_url, "api": app.api.name(), "protocol": capabilities.protocol, "features": features }),
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
