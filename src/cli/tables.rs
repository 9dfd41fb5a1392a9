//! `msikit tables FILE`: table names with row and column counts.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// An .msi, .msm or .msp (`-` for standard input)
    file: PathBuf,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let tables = msikit::jobs::inspect::tables(&a.file)?;
    render::show(out, a.json, &tables, |out| {
        let rows: Vec<Vec<String>> = tables
            .iter()
            .map(|t| vec![t.name.clone(), t.rows.to_string(), t.columns.to_string()])
            .collect();
        render::table(out, style, &["TABLE", "ROWS", "COLUMNS"], &rows)?;
        Ok(())
    })?;
    Ok(0)
}
