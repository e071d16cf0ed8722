//! The exact secrets a request carried never come back in its error, of
//! whatever shape (issue 24, item 20): a careless server that echoes the
//! token it was sent, or the password of a login, has them redacted, in
//! the message, the `detail`, a body excerpt and the request id. Without
//! sockets: a sender that plays that server.

use bytes::Bytes;
use http::{Request, Response};
use steps_core::quandela::{PathFamily, RevokeToken};
use steps_core::{CloudContext, Credential, Login, Secret, Whoami};
use steps_transport::{BoxFuture, RetryPolicy, SendError, SendRequest, Transport};

/// Echoes what it was sent into its error: the bearer token, and the
/// request's body, as JSON and as a header.
struct Echo {
    html: bool,
}

impl SendRequest for Echo {
    fn send(
        &self,
        request: Request<Bytes>,
        _limit: usize,
    ) -> BoxFuture<'_, Result<Response<Bytes>, SendError>> {
        let bearer = request
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim_start_matches("Bearer ")
            .to_owned();
        let body = String::from_utf8_lossy(request.body()).replace('"', "'");
        let html = self.html;
        Box::pin(async move {
            let text = format!("refused {bearer} with {body}");
            let (content_type, payload) = if html {
                ("text/html", format!("<html>{text}</html>"))
            } else {
                (
                    "application/json",
                    format!(r#"{{"error":"{text}","detail":{{"body":{{"{bearer}":["{text}"]}}}}}}"#),
                )
            };
            Ok(Response::builder()
                .status(403)
                .header("content-type", content_type)
                .header("x-request-id", format!("req-{bearer}"))
                .body(Bytes::from(payload))
                .expect("a response"))
        })
    }
}

fn transport(html: bool) -> Transport {
    Transport::builder()
        .sender(std::sync::Arc::new(Echo { html }))
        .retry_policy(RetryPolicy::never())
        .build(CloudContext::new("https://cloud.invalid").expect("a context"))
        .expect("a transport")
}

/// A secret of no shape the scrubber knows.
const TOKEN: &str = "plain-looking-token-4417";
const PASSWORD: &str = "correct horse battery 4417";
const REVOKED: &str = "some-other-secret-9902";

fn shown(error: &steps_transport::TransportError) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn the_credential_and_the_operations_secrets_are_redacted_from_answers() {
    for html in [false, true] {
        let transport = transport(html);
        let credential = Credential::bearer(Secret::new(TOKEN));
        let error = transport.execute(&Whoami, &credential).await.expect_err("403");
        let text = shown(&error);
        assert!(!text.contains(TOKEN), "html={html}: {text}");
        assert!(text.contains("<redacted>"), "html={html}: {text}");

        let login = Login::new("ada@example.com", Secret::new(PASSWORD));
        let error = transport
            .execute(&login, &Credential::none())
            .await
            .expect_err("403");
        let text = shown(&error);
        assert!(!text.contains("correct horse"), "html={html}: {text}");

        let revoke = RevokeToken::new(PathFamily::JobToken, Secret::new(REVOKED));
        let error = transport.execute(&revoke, &credential).await.expect_err("403");
        let text = shown(&error);
        assert!(
            !text.contains(REVOKED) && !text.contains(TOKEN),
            "html={html}: {text}"
        );
    }
}
