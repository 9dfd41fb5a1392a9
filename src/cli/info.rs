//! `msikit info FILE`: kind, summary information and contents.

use std::path::PathBuf;

use super::render::Style;

#[derive(clap::Args)]
pub struct Args {
    /// Any Windows Installer file (`-` for standard input)
    file: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(_a: Args, _style: &Style) -> msikit::Result<i32> {
    Err(msikit::Error::unsupported("info: not yet"))
}
