//! A raw HTTP client for the emulator tests: one connection, requests with
//! exact headers and bodies, JSON answers.

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use steps_emulator::{Config, Emulator, ProtocolVersion};
use tokio::net::TcpStream;

pub(crate) const ADMIN: (&str, &str) = ("root@example.com", "admin-pw-TEST");
pub(crate) const USER: (&str, &str) = ("ada@example.com", "user-pw-TEST");
pub(crate) const OTHER: (&str, &str) = ("bob@example.com", "other-pw-TEST");

/// The three accounts above.
pub(crate) fn config() -> Config {
    Config::new()
        .admin(ADMIN.0, ADMIN.1)
        .user(USER.0, USER.1)
        .user(OTHER.0, OTHER.1)
}

/// An emulator of the three accounts, serving protocol v2 (the default).
pub(crate) async fn emulator() -> Emulator {
    Emulator::start(config()).await.expect("the emulator starts")
}

/// An emulator of the three accounts, serving protocol v1.
pub(crate) async fn emulator_v1() -> Emulator {
    Emulator::start(config().protocol(ProtocolVersion::V1))
        .await
        .expect("the emulator starts")
}

/// One answer: status, headers, the body's bytes and its JSON (`Null` when
/// empty).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) bytes: Bytes,
    pub(crate) json: Value,
}

impl Reply {
    pub(crate) fn str(&self, field: &str) -> String {
        self.json[field]
            .as_str()
            .unwrap_or_else(|| panic!("no string `{field}` in {}", self.json))
            .to_owned()
    }

    pub(crate) fn id(&self, field: &str) -> i64 {
        self.json[field]
            .as_i64()
            .unwrap_or_else(|| panic!("no integer `{field}` in {}", self.json))
    }

    /// Asserts the protocol's error shape: the status and an `error` message.
    pub(crate) fn assert_error(&self, status: u16, what: &str) {
        assert_eq!(self.status.as_u16(), status, "{what}: {:?}", self.json);
        assert!(
            self.json["error"].as_str().is_some_and(|m| !m.is_empty()),
            "{what}: the error message is missing: {}",
            self.json
        );
        assert_eq!(self.headers["content-type"], "application/json", "{what}");
    }
}

/// One keep-alive HTTP/1.1 connection.
pub(crate) struct Conn {
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    pub(crate) async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connects");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Conn { sender }
    }

    /// Sends a request; `body` is sent as `application/json`.
    pub(crate) async fn call(
        &mut self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "localhost");
        if let Some(token) = token {
            builder = builder.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or("").to_owned())))
            .expect("request");
        self.send(request).await
    }

    /// A POST of `body` (as `application/json`) with these
    /// `Idempotency-Key` header values (raw bytes: they need not be valid
    /// keys, or text).
    pub(crate) async fn keyed(&mut self, path: &str, token: &str, keys: &[&[u8]], body: &str) -> Reply {
        let mut builder = Request::post(path)
            .header("host", "localhost")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json");
        for key in keys {
            let value = http::HeaderValue::from_bytes(key).expect("a header value");
            builder = builder.header("idempotency-key", value);
        }
        let request = builder
            .body(Full::new(Bytes::from(body.to_owned())))
            .expect("request");
        self.send(request).await
    }

    pub(crate) async fn send(&mut self, request: Request<Full<Bytes>>) -> Reply {
        self.try_send(request).await.expect("the emulator answers")
    }

    pub(crate) async fn try_send(&mut self, request: Request<Full<Bytes>>) -> Result<Reply, String> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| e.to_string())?
        };
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            bytes,
            json,
        })
    }

    pub(crate) async fn login(&mut self, (email, password): (&str, &str)) -> String {
        let body = serde_json::json!({ "email": email, "password": password }).to_string();
        let reply = self.call(Method::POST, "/api/login", None, Some(&body)).await;
        assert_eq!(reply.status, StatusCode::OK, "login {email}: {:?}", reply.json);
        reply.str("token")
    }

    /// Creates a job token (`kind` = "job_token") or API key ("api_key");
    /// returns its id and secret.
    pub(crate) async fn create(&mut self, kind: &str, token: &str) -> (i64, String) {
        let reply = self
            .call(
                Method::POST,
                &format!("/api/{kind}"),
                Some(token),
                Some(r#"{"label":"t","duration":3600}"#),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "create {kind}: {:?}",
            reply.json
        );
        let (id, secret) = if kind == "api_key" {
            ("api_key_id", "api_key")
        } else {
            ("token_id", "token")
        };
        (reply.id(id), reply.str(secret))
    }
}
