use clap::Parser;

fn main() {
    let cli = plugres_index::cli::Cli::parse();
    let code = match plugres_index::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            print_error(&e);
            1
        }
    };
    std::process::exit(code);
}

/// cargo-style: `error: …`, the causes, then any `hint:` lines.
fn print_error(e: &anyhow::Error) {
    let color = std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let (red, bold, reset) = if color {
        ("\x1b[1;31m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let text = e.to_string();
    let mut lines = text.lines();
    eprintln!(
        "{red}error{reset}{bold}:{reset} {}",
        lines.next().unwrap_or("")
    );
    for l in lines {
        eprintln!("{l}");
    }
    for cause in e.chain().skip(1) {
        eprintln!("  caused by: {cause}");
    }
}
