//! `facade-app URL TOKEN`: who holds TOKEN on the STEPS cloud at URL, through
//! the blocking facade. The build-cost benchmark's application on `steps`;
//! `hyper-app` is the same program on bare hyper-util.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, token] = &args[..] else {
        eprintln!("usage: facade-app URL TOKEN");
        std::process::exit(2);
    };
    let result = steps::blocking::Client::builder()
        .base_url(url.as_str())
        .build()
        .and_then(|client| client.session_from_token(token.as_str()).whoami());
    match result {
        Ok(identity) => println!("user {} (admin: {})", identity.user_id, identity.is_admin),
        Err(error) => {
            eprintln!("facade-app: {error}");
            std::process::exit(1);
        }
    }
}
