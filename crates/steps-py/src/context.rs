//! `CloudContext`: one STEPS cloud and its client (connection pool,
//! retries, timeouts); and `Api`, what `get_api(context)` returns.

use std::sync::Arc;
use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::redact::quoted;
use crate::runtime::runtime;

/// The longest `timeout` accepted: a day.
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// What a context is: its URL, its timeout and the Rust client. Shared by
/// the sessions made on it, which compare it by identity.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) url: String,
    pub(crate) timeout: f64,
    pub(crate) client: steps::Client,
}

/// CloudContext(url: str, timeout: float = 10.0)
///
/// The cloud to talk to: its base URL (http:// or https://, such as
/// 'https://api.steps.example' or 'http://127.0.0.1:8787') and the timeout
/// of each call in seconds (retries included). Make one per cloud and share
/// it: it holds the connection pool. Raises ValueError for a URL or timeout
/// that cannot be used.
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct CloudContext {
    pub(crate) inner: Arc<Context>,
}

#[pymethods]
impl CloudContext {
    #[new]
    #[pyo3(signature = (url, timeout = 10.0))]
    fn new(url: String, timeout: f64) -> PyResult<Self> {
        if !(timeout.is_finite() && timeout > 0.0 && timeout <= MAX_TIMEOUT_SECONDS) {
            return Err(PyValueError::new_err(format!(
                "timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_SECONDS}, not {timeout}"
            )));
        }
        let request_timeout = Duration::from_secs_f64(timeout);
        let builder = steps::Client::builder()
            .base_url(url.clone())
            .user_agent(concat!("steps-cloud-python/", env!("CARGO_PKG_VERSION")))
            .transport(|t| {
                t.request_timeout(request_timeout)
                    .connect_timeout(request_timeout.min(Duration::from_secs(10)))
            });
        // The client's pool spawns its tasks on the shared runtime.
        let runtime = runtime()?;
        let client = {
            let _entered = runtime.enter();
            builder.build()
        }
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

    fn __repr__(&self) -> String {
        format!(
            "CloudContext(url={}, timeout={:?})",
            quoted(&self.inner.url),
            self.inner.timeout
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
