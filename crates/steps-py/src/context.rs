//! `CloudContext`: one cloud, the API it speaks (`steps` or `quandela`)
//! and its client (connection pool, retries, timeouts); and `Api`, what
//! `get_api(context)` returns.

use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use steps::Dialect;

use crate::errors::unsupported;
use crate::redact::quoted;

/// The longest `timeout` accepted: a day.
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// The name of our own protocol's API, `CloudContext`'s default.
const STEPS: &str = "steps";

/// The name of the Quandela cloud's token API.
const QUANDELA: &str = "quandela";

/// What a context is: its URL, its timeout, the API it speaks and the Rust
/// client. Shared by the sessions made on it, which compare it by identity.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) url: String,
    pub(crate) timeout: f64,
    pub(crate) client: steps::Client,
}

impl Context {
    /// Whether the cloud speaks the Quandela cloud's token API.
    pub(crate) fn is_quandela(&self) -> bool {
        self.client.dialect() == Dialect::Quandela
    }

    /// The API's name, as `CloudContext(api=...)` takes it.
    pub(crate) fn api(&self) -> &'static str {
        if self.is_quandela() {
            QUANDELA
        } else {
            STEPS
        }
    }

    /// CloudError 'unsupported' (nothing sent) unless the cloud speaks the
    /// STEPS protocol: for `operation`, a call of that protocol only.
    pub(crate) fn steps_only(&self, py: Python<'_>, operation: &str) -> PyResult<()> {
        if self.is_quandela() {
            return Err(unsupported(
                py,
                operation,
                self.api(),
                "a call of the STEPS protocol only",
            ));
        }
        Ok(())
    }

    /// CloudError 'unsupported' (nothing sent) unless the cloud speaks the
    /// Quandela cloud's API: for `operation`, a call of that API only.
    pub(crate) fn quandela_only(&self, py: Python<'_>, operation: &str) -> PyResult<()> {
        if self.is_quandela() {
            return Ok(());
        }
        let reason = "a call of the Quandela cloud's API (CloudContext(url, api='quandela'))";
        Err(unsupported(py, operation, self.api(), reason))
    }
}

/// CloudContext(url: str = None, timeout: float = 10.0, api: str = 'steps')
///
/// The cloud to talk to: its base URL (http:// or https://, such as
/// 'https://api.steps.example' or 'http://127.0.0.1:8787'), the timeout
/// of each call in seconds (retries included), and the API it speaks:
/// 'steps' (the default: the STEPS protocol, `url` required) or 'quandela'
/// (the Quandela cloud's token API, `url` defaulting to the production
/// cloud, 'https://api.cloud.quandela.com'). Make one per cloud and share
/// it: it holds the connection pool. Raises ValueError for a URL, timeout
/// or API that cannot be used.
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct CloudContext {
    pub(crate) inner: Arc<Context>,
}

#[pymethods]
impl CloudContext {
    #[new]
    #[pyo3(
        signature = (url = None, timeout = 10.0, api = STEPS),
        text_signature = "(url=None, timeout=10.0, api='steps')"
    )]
    fn new(url: Option<String>, timeout: f64, api: &str) -> PyResult<Self> {
        let (dialect, url) = match (api, url) {
            (STEPS, Some(url)) => (Dialect::Steps, url),
            (STEPS, None) => {
                return Err(PyValueError::new_err(
                    "a URL is needed: CloudContext(url) (only api='quandela' has a default URL)",
                ))
            }
            (QUANDELA, url) => (
                Dialect::Quandela,
                url.unwrap_or_else(|| steps::quandela::DEFAULT_URL.to_owned()),
            ),
            (other, _) => {
                return Err(PyValueError::new_err(format!(
                    "api must be {} or {}, not {}",
                    quoted(STEPS),
                    quoted(QUANDELA),
                    quoted(other)
                )))
            }
        };
        if !(timeout.is_finite() && timeout > 0.0 && timeout <= MAX_TIMEOUT_SECONDS) {
            return Err(PyValueError::new_err(format!(
                "timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS}, not {timeout}"
            )));
        }
        let request_timeout = Duration::from_secs_f64(timeout);
        let builder = steps::Client::builder()
            .base_url(url.clone())
            .dialect(dialect)
            .user_agent(concat!("steps-cloud-python/", env!("CARGO_PKG_VERSION")))
            .transport(|t| {
                t.request_timeout(request_timeout)
                    .connect_timeout(request_timeout.min(Duration::from_secs(10)))
                    // Each call runs on its Python thread (`runtime::wait`).
                    .pool_per_thread(true)
            });
        let client = builder
            .build()
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(CloudContext {
            inner: Arc::new(Context { url, timeout, client }),
        })
    }

    /// The base URL, as given.
    #[getter]
    fn url(&self) -> &str {
        &self.inner.url
    }

    /// The timeout of each call, in seconds.
    #[getter]
    fn timeout(&self) -> f64 {
        self.inner.timeout
    }

    /// The API the cloud speaks: 'steps' or 'quandela'.
    #[getter]
    fn api(&self) -> &'static str {
        self.inner.api()
    }

    fn __repr__(&self) -> String {
        format!(
            "CloudContext(url={}, timeout={:?}, api={})",
            quoted(&self.inner.url),
            self.inner.timeout,
            quoted(self.inner.api())
        )
    }
}

/// What `JobToken.get_api(context)` and `ApiKey.get_api(context)` return:
/// the collection's endpoint on that context. The Python client returned
/// its HTTP helper here; in this package the calls go through the Rust
/// SDK, so this only describes where they go.
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct Api {
    context: Py<CloudContext>,
    endpoint: &'static str,
    object_name: &'static str,
}

impl Api {
    pub(crate) fn new(context: Py<CloudContext>, endpoint: &'static str, object_name: &'static str) -> Self {
        Api {
            context,
            endpoint,
            object_name,
        }
    }
}

#[pymethods]
impl Api {
    /// The context it belongs to.
    #[getter]
    fn context(&self, py: Python<'_>) -> Py<CloudContext> {
        self.context.clone_ref(py)
    }

    /// The collection's path, such as '/api/job_token'.
    #[getter]
    fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// The object's name, such as 'job_token'.
    #[getter]
    fn object_name(&self) -> &'static str {
        self.object_name
    }

    /// The collection's URL: the context's base URL and the endpoint.
    #[getter]
    fn url(&self) -> String {
        format!("{}{}", self.context.get().inner.client.base_url(), self.endpoint)
    }

    fn __repr__(&self) -> String {
        format!("Api(url={})", quoted(&self.url()))
    }
}
