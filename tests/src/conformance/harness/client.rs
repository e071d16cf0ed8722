//! HTTP for the kit: plain requests with exact headers and bodies, their
//! answers, and how an answer is judged and shown in a report.

use bytes::Bytes;
use http::{header, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

/// One answer.
pub(crate) struct Reply {
    /// Its status.
    pub(crate) status: StatusCode,
    /// Its headers.
    pub(crate) headers: http::HeaderMap,
    /// Its body as JSON (`null` when it was not JSON).
    pub(crate) json: Value,
}

impl Reply {
    /// What a request that got no answer (or could not be sent) is
    /// recorded as: 599, a status no server sends.
    fn failed() -> Reply {
        Reply {
            status: StatusCode::from_u16(599).expect("valid"),
            headers: Default::default(),
            json: Value::Null,
        }
    }

    /// Whether the answer says it is a replay (`Idempotent-Replayed: true`).
    pub(crate) fn replayed(&self) -> bool {
        self.headers
            .get(IDEMPOTENT_REPLAYED)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
    }

    /// Whether it is a create's success: 201, or the 200 clients accept.
    pub(crate) fn created(&self) -> bool {
        self.status == 201 || self.status == 200
    }
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";
const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// A client for the server under test.
pub(crate) struct Http {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    base: String,
}

impl Http {
    /// A client for the server at `base_url`, over HTTP or HTTPS.
    pub(crate) fn new(base_url: &str) -> Http {
        let mut http_connector = HttpConnector::new();
        http_connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .wrap_connector(http_connector);
        Http {
            client: Client::builder(TokioExecutor::new()).build(connector),
            base: base_url.trim_end_matches('/').to_owned(),
        }
    }

    /// Sends `body` as it is, with `token` and `content_type` if given.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        self.send_keyed(method, path, token, content_type, None, body)
            .await
    }

    /// [`Http::send`] with an `Idempotency-Key` of these bytes (which need
    /// not be a valid key).
    pub(crate) async fn send_keyed(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        key: Option<&[u8]>,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, "steps-conformance");
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        if let Some(key) = key {
            match header::HeaderValue::from_bytes(key) {
                Ok(key) => request = request.header(IDEMPOTENCY_KEY, key),
                Err(_) => return Reply::failed(),
            }
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request");
        match self.client.request(request).await {
            Ok(response) => {
                let (parts, body) = response.into_parts();
                let bytes = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                Reply {
                    status: parts.status,
                    headers: parts.headers,
                    json,
                }
            }
            Err(_) => Reply::failed(),
        }
    }

    /// A create with an idempotency key and a JSON body.
    pub(crate) async fn create_keyed(&self, path: &str, token: &str, key: &[u8], body: &Value) -> Reply {
        self.send_keyed(
            Method::POST,
            path,
            Some(token),
            Some("application/json"),
            Some(key),
            body.to_string().into_bytes(),
        )
        .await
    }

    /// A request with `token` if given, and `body` as JSON if given.
    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        match body {
            Some(body) => {
                self.send(
                    method,
                    path,
                    token,
                    Some("application/json"),
                    body.to_string().into_bytes(),
                )
                .await
            }
            None => self.send(method, path, token, None, Vec::new()).await,
        }
    }
}

/// Whether `reply` is an error with `status` and a non-empty `error`.
pub(crate) fn is_error(reply: &Reply, status: u16) -> bool {
    reply.status.as_u16() == status && reply.json["error"].as_str().is_some_and(|m| !m.is_empty())
}

/// The answer, for a failed check's report, with any secret in it
/// (`token`, `api_key`) redacted.
pub(crate) fn shown(reply: &Reply) -> String {
    let mut json = reply.json.clone();
    if let Value::Object(map) = &mut json {
        for field in ["token", "api_key"] {
            if let Some(secret @ Value::String(_)) = map.get_mut(field) {
                *secret = Value::String("<redacted>".to_owned());
            }
        }
    }
    format!("got {} {json}", reply.status)
}

/// What `GET /api/meta` advertises, if it says protocol 2 or later: the
/// features offered.
pub(crate) async fn advertised(http: &Http) -> Option<Vec<String>> {
    let reply = http.call(Method::GET, "/api/meta", None, None).await;
    let protocol = reply.json["protocol"].as_u64()?;
    let features = reply.json["features"].as_array()?;
    let features: Option<Vec<String>> = features.iter().map(|f| f.as_str().map(str::to_owned)).collect();
    (reply.status.is_success() && protocol >= 2).then_some(features?)
}
