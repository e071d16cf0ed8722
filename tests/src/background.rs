//! An emulator on a runtime of its own in the background, for tests of the
//! blocking facade, which run on plain threads as a synchronous program
//! does.

use steps_emulator::{Config, Emulator};

/// An emulator on a background runtime, stopped when dropped.
pub struct Background {
    runtime: tokio::runtime::Runtime,
    emulator: Option<Emulator>,
}

impl Background {
    /// The test emulator ([`crate::config`]).
    pub fn start() -> Background {
        Background::start_with(crate::config())
    }

    /// An emulator with `config`.
    pub fn start_with(config: Config) -> Background {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a runtime");
        let emulator = runtime
            .block_on(Emulator::start(config))
            .expect("the emulator starts");
        Background {
            runtime,
            emulator: Some(emulator),
        }
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        self.emulator.as_ref().expect("running").base_url().to_owned()
    }

    /// Runs `future` on the background runtime.
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

/// A blocking client of `url`, without a proxy, with a 10 s timeout.
pub fn blocking_client(url: &str) -> steps::blocking::Client {
    steps::blocking::Client::builder()
        .base_url(url)
        .transport(|t| {
            t.proxy(steps::Proxy::None)
                .request_timeout(std::time::Duration::from_secs(10))
        })
        .build()
        .expect("a client")
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("running", &self.emulator.is_some())
            .finish()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(emulator) = self.emulator.take() {
            self.runtime.block_on(emulator.shutdown());
        }
    }
}
