//! A small HTTP `CONNECT` (or SOCKS5) proxy on an ephemeral loopback port,
//! for tests of the client's proxy support. It records what a real proxy
//! would see: the request head of each `CONNECT` (for SOCKS5, a line naming
//! the destination as the client sent it), and every byte the client sends
//! through the tunnel.
//!
//! A destination host under the reserved `.test` domain (RFC 6761) is taken
//! to mean 127.0.0.1, so a test can give the client a host name that is not
//! loopback to it (loopback is never proxied from the environment) and
//! still reach a local emulator through the proxy.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy answers to a `CONNECT`.
#[derive(Clone, Debug)]
pub enum ProxyMode {
    /// Opens every tunnel.
    Open,
    /// Opens a tunnel only for this exact `Proxy-Authorization` value;
    /// answers 407 otherwise.
    RequireAuthorization(String),
    /// Answers every `CONNECT` with this status line, e.g. `403 Forbidden`.
    Refuse(&'static str),
    /// Speaks SOCKS5 (RFC 1928) instead of HTTP, with user/password
    /// authentication (RFC 1929) when this holds the expected pair. Each
    /// request is recorded as `SOCKS5 CONNECT domain HOST:PORT` or
    /// `SOCKS5 CONNECT ip ADDR:PORT`, after `SOCKS5 AUTH USER` if the
    /// client authenticated.
    Socks5(Option<(String, String)>),
}

/// What the proxy saw, shared with the test.
#[derive(Debug, Default)]
pub struct Seen {
    /// The request head (request line and headers) of every connection.
    pub heads: Vec<String>,
    /// For every tunnel opened, the bytes the client has sent through it
    /// so far.
    pub tunnels: Vec<Vec<u8>>,
}

/// A running proxy; stops when dropped.
#[derive(Debug)]
pub struct TestProxy {
    addr: SocketAddr,
    seen: Arc<Mutex<Seen>>,
    task: JoinHandle<()>,
}

impl TestProxy {
    /// Starts a proxy on 127.0.0.1 that behaves as `mode` says.
    pub async fn start(mode: ProxyMode) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let seen = Arc::new(Mutex::new(Seen::default()));
        let task = tokio::spawn({
            let seen = seen.clone();
            async move {
                let mut tunnels = tokio::task::JoinSet::new();
                while let Ok((client, _)) = listener.accept().await {
                    tunnels.spawn(serve(client, mode.clone(), seen.clone()));
                }
            }
        });
        TestProxy { addr, seen, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `127.0.0.1:PORT`, for URLs of other schemes (`socks5h://`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://USER:PASSWORD@127.0.0.1:PORT`.
    pub fn url_with_credentials(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.addr)
    }

    /// A copy of the request heads seen so far.
    pub fn heads(&self) -> Vec<String> {
        self.seen.lock().unwrap().heads.clone()
    }

    /// For every tunnel opened so far, the bytes the client has sent
    /// through it.
    pub fn tunnels(&self) -> Vec<Vec<u8>> {
        self.seen.lock().unwrap().tunnels.clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        // Dropping the accept loop drops its JoinSet, which aborts every
        // tunnel.
        self.task.abort();
    }
}

async fn serve(mut client: TcpStream, mode: ProxyMode, seen: Arc<Mutex<Seen>>) {
    if let ProxyMode::Socks5(auth) = &mode {
        return serve_socks5(client, auth.clone(), seen).await;
    }
    let Some(head) = read_head(&mut client).await else {
        return;
    };
    seen.lock().unwrap().heads.push(head.clone());
    let mut request_line = head.lines().next().unwrap_or("").split(' ');
    let (Some("CONNECT"), Some(target)) = (request_line.next(), request_line.next()) else {
        let _ = client
            .write_all(b"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    };
    let refusal = match &mode {
        ProxyMode::Open => None,
        ProxyMode::RequireAuthorization(expected) => {
            let given = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("proxy-authorization")
                    .then(|| value.trim())
            });
            (given != Some(expected.as_str())).then_some("407 Proxy Authentication Required")
        }
        ProxyMode::Refuse(status) => Some(*status),
        ProxyMode::Socks5(_) => unreachable!("served by serve_socks5"),
    };
    if let Some(status) = refusal {
        let answer = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n");
        let _ = client.write_all(answer.as_bytes()).await;
        return;
    }
    let target = match target.rsplit_once(':') {
        Some((host, port)) if host.ends_with(".test") => format!("127.0.0.1:{port}"),
        _ => target.to_owned(),
    };
    let Ok(server) = TcpStream::connect(target).await else {
        let _ = client
            .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")
            .await;
        return;
    };
    if client
        .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
        .await
        .is_err()
    {
        return;
    }
    relay(client, server, seen).await;
}

/// A destination the test proxy connects to: a host under `.test` means
/// 127.0.0.1.
fn local_target(host: &str, port: u16) -> String {
    if host.ends_with(".test") {
        format!("127.0.0.1:{port}")
    } else if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// One SOCKS5 session: greeting, optional user/password, `CONNECT`, relay.
/// Any malformed or refused step closes the connection.
async fn serve_socks5(mut client: TcpStream, auth: Option<(String, String)>, seen: Arc<Mutex<Seen>>) {
    async fn step(
        client: &mut TcpStream,
        auth: &Option<(String, String)>,
    ) -> std::io::Result<Option<String>> {
        if client.read_u8().await? != 5 {
            return Ok(None);
        }
        let count = client.read_u8().await?;
        let mut methods = vec![0u8; usize::from(count)];
        client.read_exact(&mut methods).await?;
        let wanted = if auth.is_some() { 2 } else { 0 };
        if !methods.contains(&wanted) {
            client.write_all(&[5, 0xff]).await?;
            return Ok(None);
        }
        client.write_all(&[5, wanted]).await?;
        let mut lines = Vec::new();
        if let Some((user, password)) = auth {
            let _version = client.read_u8().await?;
            let mut given_user = vec![0u8; usize::from(client.read_u8().await?)];
            client.read_exact(&mut given_user).await?;
            let mut given_password = vec![0u8; usize::from(client.read_u8().await?)];
            client.read_exact(&mut given_password).await?;
            if given_user != user.as_bytes() || given_password != password.as_bytes() {
                client.write_all(&[1, 1]).await?;
                return Ok(None);
            }
            client.write_all(&[1, 0]).await?;
            lines.push(format!("SOCKS5 AUTH {user}"));
        }
        let mut request = [0u8; 4];
        client.read_exact(&mut request).await?;
        if request[..2] != [5, 1] {
            return Ok(None);
        }
        let (kind, host) = match request[3] {
            1 => {
                let mut ip = [0u8; 4];
                client.read_exact(&mut ip).await?;
                ("ip", std::net::Ipv4Addr::from(ip).to_string())
            }
            4 => {
                let mut ip = [0u8; 16];
                client.read_exact(&mut ip).await?;
                ("ip", std::net::Ipv6Addr::from(ip).to_string())
            }
            3 => {
                let mut name = vec![0u8; usize::from(client.read_u8().await?)];
                client.read_exact(&mut name).await?;
                ("domain", String::from_utf8_lossy(&name).into_owned())
            }
            _ => return Ok(None),
        };
        let port = client.read_u16().await?;
        lines.push(format!("SOCKS5 CONNECT {kind} {host}:{port}"));
        lines.push(local_target(&host, port));
        Ok(Some(lines.join("\n")))
    }
    let Ok(Some(record)) = step(&mut client, &auth).await else {
        return;
    };
    let (record, target) = record.rsplit_once('\n').expect("a target line");
    seen.lock().unwrap().heads.push(record.to_owned());
    let Ok(server) = TcpStream::connect(target).await else {
        let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        return;
    };
    if client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await.is_err() {
        return;
    }
    relay(client, server, seen).await;
}

/// Copies both ways until either side closes, recording what the client
/// sends.
async fn relay(mut client: TcpStream, mut server: TcpStream, seen: Arc<Mutex<Seen>>) {
    let tunnel = {
        let mut seen = seen.lock().unwrap();
        seen.tunnels.push(Vec::new());
        seen.tunnels.len() - 1
    };
    // Copy both ways by hand, so that the client's bytes can be recorded.
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = async {
        let mut buf = [0u8; 8192];
        loop {
            match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    seen.lock().unwrap().tunnels[tunnel].extend_from_slice(&buf[..n]);
                    if server_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// Reads up to the end of the request head, one byte at a time so that no
/// tunnelled byte is consumed; `None` if the client goes away or sends
/// more than 8 KiB of head.
async fn read_head(client: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 {
            return None;
        }
        head.push(client.read_u8().await.ok()?);
    }
    String::from_utf8(head).ok()
}
