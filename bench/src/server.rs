//! `steps-bench server`: a minimal fixed-response hyper server.

use std::convert::Infallible;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};

use crate::common::BoxError;
use crate::wire::{CREATED, RECORD};

pub(crate) async fn server() -> Result<(), BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening http://{}", listener.local_addr()?);
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let builder = builder.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|request: Request<hyper::body::Incoming>| async move {
                let (status, body) = match (request.method(), request.uri().path()) {
                    (&Method::POST, "/api/job_token") => {
                        let _ = request.into_body().collect().await;
                        (StatusCode::CREATED, CREATED)
                    }
                    (&Method::GET, path) if path.starts_with("/api/job_token/") => (StatusCode::OK, RECORD),
                    _ => (StatusCode::NOT_FOUND, r#"{"error":"not found"}"#),
                };
                let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                *response.status_mut() = status;
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, "application/json".parse().expect("valid"));
                Ok::<_, Infallible>(response)
            });
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}
