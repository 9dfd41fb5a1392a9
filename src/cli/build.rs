//! `msikit build --idt DIR -o OUT.msi`: a database from an IDT folder (the round trip of
//! `msikit export --idt`). Building from a manifest is not there yet.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// A build manifest (not supported yet; use --idt)
    manifest: Option<PathBuf>,
    /// An IDT folder as `msikit export --idt` writes it
    #[arg(long, value_name = "DIR")]
    idt: Option<PathBuf>,
    /// The database to write
    #[arg(short, long, value_name = "OUT.msi")]
    output: PathBuf,
}

pub fn run(a: Args, style: &Style) -> msikit::Result<i32> {
    let Some(dir) = a.idt else {
        return Err(msikit::Error::unsupported(
            "building from a manifest is not implemented yet; build from an IDT folder with --idt DIR",
        ));
    };
    if a.manifest.is_some() {
        return Err(msikit::Error::usage(
            "give either a manifest or --idt, not both",
        ));
    }
    let model = msikit::authoring::idt::from_folder(&dir)?;
    msikit::database::write::write_database_file(
        &model,
        msikit::container::PackageKind::Database,
        &a.output,
    )?;
    let mut out = std::io::stdout().lock();
    render::fields(
        &mut out,
        style,
        &[
            ("Wrote".into(), a.output.display().to_string()),
            ("Tables".into(), model.tables.len().to_string()),
            ("Binary streams".into(), model.streams.len().to_string()),
        ],
    )?;
    out.flush()?;
    Ok(0)
}
