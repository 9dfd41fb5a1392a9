//! The `msikit` binary: parse arguments, call one library function, render its result.
//! Exit codes: 0 success, 1 a negative answer where a verb has one (diff, check), 2 an error.

mod cli;

fn main() {
    // No input may make msikit panic; if a bug does, say so on one line and exit 2 like any
    // other error, instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("msikit: internal error (a bug, please report it): {msg}{at}");
    }));
    let code = std::panic::catch_unwind(cli::run).unwrap_or(2);
    std::process::exit(code);
}
