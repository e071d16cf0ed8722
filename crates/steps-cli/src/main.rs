//! The `steps` command-line tool (being built: see the open issues).

fn main() {
    eprintln!("steps: the command-line tool is not built yet; see crates/steps-core for the SDK core");
    std::process::exit(2);
}
