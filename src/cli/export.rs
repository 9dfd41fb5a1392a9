//! `msikit export FILE --idt DIR`: every table as IDT files.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// An .msi, .msm or .msp (`-` for standard input)
    file: PathBuf,
    /// The folder to write into (created if missing)
    #[arg(long, value_name = "DIR")]
    idt: PathBuf,
    /// Print what was written as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let report = msikit::database::idt::export_idt(&a.file, &a.idt)?;
    render::show(out, a.json, &report, |out| {
        render::fields(
            out,
            style,
            &[
                ("Folder".into(), report.folder.clone()),
                ("Tables".into(), report.tables.len().to_string()),
                ("Binary streams".into(), report.streams.to_string()),
            ],
        )?;
        Ok(())
    })?;
    Ok(0)
}
