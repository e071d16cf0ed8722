//! Drives `steps-core` by hand, with no network: builds each operation's
//! request and prints it, the way an embedder's own runtime would see it.

use std::time::Duration;

use steps_core::{CloudContext, CreateJobToken, Credential, ListJobTokens, Login, Operation, Secret, Whoami};

fn show<O: Operation>(
    ctx: &CloudContext,
    credential: &Credential,
    op: &O,
) -> Result<(), steps_core::BuildError> {
    let request = op.build_request(ctx, credential)?;
    println!(
        "{:<18} {} {}  ({:?})",
        O::NAME,
        request.method(),
        request.uri(),
        op.idempotency()
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = CloudContext::new("http://127.0.0.1:8787")?;
    let credential = Credential::bearer(Secret::new("stl_example"));
    let login = Login::new("ada@example.com", Secret::new("correct horse"));
    show(&ctx, &Credential::none(), &login)?;
    show(&ctx, &credential, &Whoami)?;
    let create = CreateJobToken::new()
        .label("nightly")
        .duration(Duration::from_secs(3600));
    show(&ctx, &credential, &create)?;
    show(&ctx, &credential, &ListJobTokens::new().limit(50))?;
    Ok(())
}
