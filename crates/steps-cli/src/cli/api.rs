//! `--api`: which wire API the server speaks.

/// Which wire API the server speaks: ours, or the Quandela cloud's token
/// API (`docs/quandela.md`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Api {
    /// The STEPS protocol.
    #[default]
    Steps,
    /// The Quandela cloud's token API.
    Quandela,
}

impl Api {
    /// Its name, as `--api` takes it and the credentials file keeps it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Api::Steps => "steps",
            Api::Quandela => "quandela",
        }
    }

    /// The API of `name`, as [`Api::name`] gives it; anything else is ours.
    pub(crate) fn from_name(name: &str) -> Api {
        if name == Api::Quandela.name() {
            Api::Quandela
        } else {
            Api::Steps
        }
    }

    /// The API a URL speaks when nothing says: the Quandela cloud's host
    /// speaks its own, every other ours.
    pub(crate) fn of_url(url: &str) -> Api {
        let host = |u: &str| {
            let rest = u.split_once("://").map_or(u, |(_, rest)| rest);
            rest.split(['/', ':', '?', '#'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        if host(url) == host(steps::quandela::DEFAULT_URL) {
            Api::Quandela
        } else {
            Api::Steps
        }
    }

    /// The SDK's dialect for it.
    pub(crate) fn dialect(self) -> steps::Dialect {
        match self {
            Api::Steps => steps::Dialect::Steps,
            Api::Quandela => steps::Dialect::Quandela,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Api;

    #[test]
    fn the_quandela_host_means_its_api() {
        assert_eq!(Api::of_url("https://api.cloud.quandela.com"), Api::Quandela);
        assert_eq!(Api::of_url("https://API.cloud.quandela.com:443/"), Api::Quandela);
        assert_eq!(Api::of_url("http://127.0.0.1:8787"), Api::Steps);
        assert_eq!(
            Api::of_url("https://api.cloud.quandela.com.evil.example"),
            Api::Steps
        );
    }
}
