//! Minting token strings and comparing secrets without timing leaks.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;

/// The types of token, with the protocol's `token_type` numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenType {
    Login = 0,
    Job = 1,
    ApiKey = 2,
}

impl TokenType {
    /// The prefix that makes a leaked token recognisable to secret scanners.
    fn prefix(self) -> &'static str {
        match self {
            TokenType::Login => "stl_",
            TokenType::Job => "stj_",
            TokenType::ApiKey => "stk_",
        }
    }
}

/// A new token: the prefix, then 32 bytes from the OS's secure random
/// source, base64url-encoded.
pub(crate) fn mint(kind: TokenType) -> std::io::Result<String> {
    Ok(format!("{}{}", kind.prefix(), random_text()?))
}

/// The prefix of a quandela job token: `_T_`, as production's, then `eyJ`,
/// with which production's go on (they look like JWTs; ours are not).
pub(crate) const QUANDELA_PREFIX: &str = "_T_eyJ";

/// A new job token of the quandela dialect (`docs/quandela.md` E3):
/// [`QUANDELA_PREFIX`], then 32 random bytes, base64url-encoded.
pub(crate) fn mint_quandela() -> std::io::Result<String> {
    Ok(format!("{QUANDELA_PREFIX}{}", random_text()?))
}

/// 32 bytes from the OS's secure random source, base64url-encoded (43
/// characters).
fn random_text() -> std::io::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// Compares two secrets in time that depends only on their lengths.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_unique_and_url_safe() {
        let a = mint(TokenType::Job).unwrap();
        let b = mint(TokenType::Job).unwrap();
        assert!(a.starts_with("stj_") && a.len() == 4 + 43, "{}", a.len());
        assert_ne!(a, b);
        assert!(a[4..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert!(mint(TokenType::ApiKey).unwrap().starts_with("stk_"));
        let q = mint_quandela().unwrap();
        assert!(q.starts_with("_T_eyJ") && q.len() == 6 + 43, "{}", q.len());
        assert!(q[3..]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(q, mint_quandela().unwrap());
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
