//! `steps whoami`: who the token in use belongs to (and, for a job token
//! or an API key, its id and label where the server says them).

use crate::app::App;
use crate::cli::Api;
use crate::error::CliError;
use crate::output;

/// `steps whoami`.
pub(crate) async fn run(app: &App) -> Result<(), CliError> {
    if app.api == Api::Quandela {
        return Err(CliError::usage(format!(
            "{} speaks the Quandela cloud's API, which has no whoami: steps auth status checks \
             the token, and steps job-token list shows your tokens",
            app.api_url
        )));
    }
    let me = app.session().await?.whoami().await.map_err(|e| app.sdk(e))?;
    app.print(output::identity_json(&me), || {
        format!(
            "{}\n{}",
            app.api_url,
            output::fields(&output::identity_fields(&me))
        )
    })
}
