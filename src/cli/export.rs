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
    /// Write table files as MsiDatabaseExport (Orca, MsiDb) does: in the database's code page,
    /// with the code page first on the third line of a table that has non-ASCII text. Without
    /// it, UTF-8 as `msiinfo export` writes it. `build --idt` reads both.
    #[arg(long)]
    ansi: bool,
    /// Print what was written as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let report = msikit::database::idt::export_idt(
        &a.file,
        &a.idt,
        if a.ansi {
            msikit::database::idt::IdtEncoding::Ansi
        } else {
            msikit::database::idt::IdtEncoding::Utf8
        },
    )?;
    render::show(out, a.json, &report, |out| {
        render::fields(
            out,
            style,
            &[
                ("Folder".into(), report.folder.clone()),
                (
                    "Encoding".into(),
                    match report.encoding {
                        msikit::database::idt::IdtEncoding::Utf8 => "UTF-8 (as msiinfo export)".into(),
                        msikit::database::idt::IdtEncoding::Ansi => format!(
                            "code page {} (as MsiDatabaseExport); {} table(s) with the code-page line",
                            report.codepage,
                            report.tables_with_codepage_line.len()
                        ),
                    },
                ),
                ("Tables".into(), report.tables.len().to_string()),
                ("Binary streams".into(), report.streams.to_string()),
            ],
        )?;
        Ok(())
    })?;
    Ok(0)
}
