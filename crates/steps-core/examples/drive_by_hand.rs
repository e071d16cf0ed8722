//! Drives `steps-core` by hand, with no network: builds each operation's
//! request and prints it, the way an embedder's own runtime would see it.

use std::time::Duration;

use steps_core::{CloudContext, CreateJobToken, Credential, ListJobTokens, Login, Operation, Secret, Whoami};

fn show<O: Operation>(ctx: &CloudContext, op: &O) -> Result<(), steps_core::BuildError> {
    let request = op.build_request(ctx)?;
    println!(
        "{:<18} {} {}  ({:?})",
        O::NAME,
        request.method(),
        request.uri(),
        O::IDEMPOTENCY
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = CloudContext::new("http://127.0.0.1:8787")?;
    let credential = Credential::bearer(Secret::new("stl_example"));
    show(&ctx, &Login::new("ada@example.com", Secret::new("correct horse")))?;
    show(&ctx, &Whoami::new(credential.clone()))?;
    show(
        &ctx,
        &CreateJobToken::new(credential.clone())
            .label("nightly")
            .duration(Duration::from_secs(3600)),
    )?;
    show(&ctx, &ListJobTokens::new(credential).limit(50))?;
    Ok(())
}
