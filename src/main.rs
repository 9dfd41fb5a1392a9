//! The `msikit` binary: parse arguments, call one library function, render its result.
//! Exit codes: 0 success, 1 a negative answer where a verb has one (diff, check), 2 an error.

mod cli;

fn main() {
    std::process::exit(cli::run());
}
