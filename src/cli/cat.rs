//! `msikit cat FILE STREAM`: raw stream bytes to standard output.

use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Any Windows Installer file (`-` for standard input)
    file: PathBuf,
    /// The stream as `msikit streams` shows it (`!File`, `[5]SummaryInformation`,
    /// `RTM.1/!File`); a table name without `!` and `\005SummaryInformation` work too
    stream: String,
}

pub fn run(a: Args, out: &mut dyn Write) -> msikit::Result<i32> {
    let bytes = msikit::jobs::inspect::cat(&a.file, &a.stream)?;
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(0)
}
