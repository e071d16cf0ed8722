//! `Emulator`: the Rust STEPS emulator in this process, for tests, serving
//! the STEPS protocol or the Quandela cloud's token API.

use std::sync::Mutex;
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};
use steps_emulator::{Api, Config, Fault, FaultRule, JobUsage, ProtocolVersion, When};

use crate::lock::lock;
use crate::redact::quoted;
use crate::runtime::wait_shared;

/// The most `advance_clock` moves the clock at once: a hundred years, far
/// past any token's lifetime and far from any overflow.
const MAX_ADVANCE_SECONDS: u64 = 100 * 366 * 86_400;

/// The default admin account of `Emulator()`.
const DEFAULT_ADMIN: (&str, &str) = ("root@steps.test", "pw");

/// The default user account of `Emulator()`.
const DEFAULT_USER: (&str, &str) = ("alice@steps.test", "pw");

/// Emulator(admin=("root@steps.test", "pw"), users=[("alice@steps.test", "pw")], protocol=2, api="steps")
///
/// A STEPS cloud in this process, for tests: the Rust emulator (the crate
/// steps-emulator), in memory, on a free port of 127.0.0.1. Use it as a
/// context manager (`with Emulator() as emu: ... emu.url`), or call
/// `stop()`. The admin is user id 1, the users 2, 3, ... in order.
///
/// `protocol` is the protocol version it serves: 2 (the default: `GET
/// /api/meta` and the v2 features the emulator implements) or 1 (a server
/// that never heard of v2). `api` is the API it serves: 'steps' (the
/// default) or 'quandela' (the Quandela cloud's token API, with a login
/// with email and password and one job token minted per account at start:
/// `minted_tokens()`).
#[pyclass(frozen, module = "steps_cloud")]
#[derive(Debug)]
pub(crate) struct Emulator {
    url: String,
    protocol: u8,
    api: Api,
    accounts: Vec<(String, bool)>,
    running: Mutex<Option<steps_emulator::Emulator>>,
}

#[pymethods]
impl Emulator {
    #[new]
    #[pyo3(
        signature = (admin = None, users = None, protocol = 2, api = "steps"),
        text_signature = "(admin=('root@steps.test', 'pw'), users=[('alice@steps.test', 'pw')], protocol=2, api='steps')"
    )]
    fn new(
        py: Python<'_>,
        admin: Option<(String, String)>,
        users: Option<Vec<(String, String)>>,
        protocol: u8,
        api: &str,
    ) -> PyResult<Self> {
        let version = ProtocolVersion::try_from(protocol)
            .map_err(|_| PyValueError::new_err(format!("protocol must be 1 or 2, not {protocol}")))?;
        let api: Api = api.parse().map_err(|e| PyValueError::new_err(format!("{e}")))?;
        let admin = admin.unwrap_or_else(|| (DEFAULT_ADMIN.0.to_owned(), DEFAULT_ADMIN.1.to_owned()));
        let users = users.unwrap_or_else(|| vec![(DEFAULT_USER.0.to_owned(), DEFAULT_USER.1.to_owned())]);
        for (email, password) in std::iter::once(&admin).chain(&users) {
            if email.is_empty() || password.is_empty() {
                return Err(PyValueError::new_err(
                    "every account needs an email and a password",
                ));
            }
        }
        let mut config = Config::new().api(api).protocol(version).admin(&admin.0, &admin.1);
        for (email, password) in &users {
            config = config.user(email, password);
        }
        let emulator = wait_shared(py, async move { steps_emulator::Emulator::start(config).await })?
            .map_err(|e| PyRuntimeError::new_err(format!("cannot start the emulator: {e}")))?;
        let accounts = emulator
            .accounts()
            .iter()
            .map(|a| (a.email.clone(), a.is_admin))
            .collect();
        Ok(Emulator {
            url: emulator.base_url().to_owned(),
            protocol: emulator.protocol().number(),
            api: emulator.api(),
            accounts,
            running: Mutex::new(Some(emulator)),
        })
    }

    /// The base URL, such as 'http://127.0.0.1:40123'.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The protocol version it serves: 1 or 2.
    #[getter]
    fn protocol(&self) -> u8 {
        self.protocol
    }

    /// The API it serves: 'steps' or 'quandela'.
    #[getter]
    fn api(&self) -> &'static str {
        self.api.name()
    }

    /// The accounts, as (email, is_admin), in user id order from 1.
    #[getter]
    fn accounts(&self) -> Vec<(String, bool)> {
        self.accounts.clone()
    }

    /// Whether it is still serving.
    #[getter]
    fn running(&self) -> bool {
        lock(&self.running).is_some()
    }

    /// Test helper: every request to `operation` ('job_token.create',
    /// 'login', ...; None for all) waits `ms` milliseconds before it is
    /// handled. Replaces the fault rules in force; `set_latency(op, 0)`
    /// clears them.
    #[pyo3(signature = (operation, ms))]
    fn set_latency(&self, operation: Option<&str>, ms: u64) -> PyResult<()> {
        let rules = if ms == 0 {
            Vec::new()
        } else {
            vec![FaultRule::new(operation, When::Always, Fault::Latency { ms })]
        };
        self.with(|emulator| emulator.set_faults(rules))
    }

    /// Test helper: replaces the fault rules in force with `rules`, in the
    /// emulator's faults format (`steps-emulator --faults FILE`): a list
    /// of dicts, such as
    /// `[{"operation": "job_token.create", "fault": {"kind": "close_after_handled"}}]`,
    /// or that list as a JSON string. `[]` clears them. Raises ValueError
    /// for rules it cannot read.
    fn set_faults(&self, py: Python<'_>, rules: &Bound<'_, PyAny>) -> PyResult<()> {
        let text = match rules.cast::<PyString>() {
            Ok(text) => text.to_cow()?.into_owned(),
            Err(_) => py
                .import("json")?
                .call_method1("dumps", (rules,))
                .and_then(|text| text.extract::<String>())
                .map_err(|e| PyValueError::new_err(format!("not a list of fault rules: {e}")))?,
        };
        let rules: Vec<FaultRule> = serde_json::from_str(&text)
            .map_err(|e| PyValueError::new_err(format!("not a list of fault rules: {e}")))?;
        self.with(|emulator| emulator.set_faults(rules))
    }

    /// Test helper: back to the start, as between tests: the accounts it
    /// started with (and the tokens minted then, with `api='quandela'`), no
    /// other token, the clock where it started, no faults.
    fn reset(&self) -> PyResult<()> {
        self.with(|emulator| emulator.reset())
    }

    /// Test helper: moves the emulator's clock forward `seconds` (at most
    /// a hundred years), so that tokens expire without waiting.
    fn advance_clock(&self, seconds: u64) -> PyResult<()> {
        if seconds > MAX_ADVANCE_SECONDS {
            return Err(PyValueError::new_err(format!(
                "the clock moves at most {MAX_ADVANCE_SECONDS} seconds at a time"
            )));
        }
        self.with(|emulator| emulator.advance_clock(Duration::from_secs(seconds)))
    }

    /// How many requests reached `operation` ('job_token.create', ...),
    /// faulted ones included.
    fn requests_seen(&self, operation: &str) -> PyResult<u64> {
        self.with(|emulator| emulator.requests_seen(operation))
    }

    /// With `api='quandela'`, the job token minted for each account at
    /// start, in user id order: a list of dicts with `email`, `user_id`,
    /// `token_id` and `token` (the secret, for `User.from_token`). Empty
    /// with `api='steps'`.
    fn minted_tokens<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        self.with(|emulator| emulator.minted_tokens())?
            .into_iter()
            .map(|minted| {
                let dict = PyDict::new(py);
                dict.set_item("email", minted.email)?;
                dict.set_item("user_id", minted.user_id)?;
                dict.set_item("token_id", minted.token_id)?;
                dict.set_item("token", minted.token)?;
                Ok(dict)
            })
            .collect()
    }

    /// Test helper (`api='quandela'`): records that `nb_jobs` jobs ran on
    /// `platform_name` with token `token_id`, for `JobToken.usage` to sum;
    /// `at` is Unix seconds (None: the emulator's clock now). Raises
    /// ValueError for a token that does not exist, an empty platform or a
    /// negative credit.
    #[pyo3(signature = (token_id, platform_name, nb_jobs, duration_seconds = 0, credits = 0.0, free_credits = 0.0, at = None))]
    #[allow(clippy::too_many_arguments)]
    fn record_usage(
        &self,
        token_id: i64,
        platform_name: String,
        nb_jobs: u64,
        duration_seconds: u64,
        credits: f64,
        free_credits: f64,
        at: Option<u64>,
    ) -> PyResult<()> {
        let mut usage = JobUsage::new(token_id, platform_name, nb_jobs)
            .duration_seconds(duration_seconds)
            .credits(credits, free_credits);
        if let Some(at) = at {
            usage = usage.at(at);
        }
        self.with(|emulator| emulator.record_usage(usage))?
            .map_err(|e| PyValueError::new_err(format!("cannot record the usage: {e}")))
    }

    /// Stops it, letting in-flight requests finish (up to 10 s). Calling it
    /// again does nothing.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let running = lock(&self.running).take();
        if let Some(emulator) = running {
            wait_shared(py, async move { emulator.shutdown().await })?;
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (_exc_type = None, _exc = None, _traceback = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyType>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        self.stop(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Emulator(url={}, api={}, protocol={}, running={})",
            quoted(&self.url),
            quoted(self.api.name()),
            self.protocol,
            if self.running() { "True" } else { "False" }
        )
    }
}

impl Emulator {
    /// Runs `f` on the running emulator, or RuntimeError once stopped.
    fn with<T>(&self, f: impl FnOnce(&steps_emulator::Emulator) -> T) -> PyResult<T> {
        match lock(&self.running).as_ref() {
            Some(emulator) => Ok(f(emulator)),
            None => Err(PyRuntimeError::new_err("the emulator was stopped")),
        }
    }
}
