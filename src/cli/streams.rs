//! `msikit streams FILE`: every storage and stream at any depth.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// Any Windows Installer file (`-` for standard input)
    file: PathBuf,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let streams = msikit::jobs::inspect::streams(&a.file)?;
    render::show(out, a.json, &streams, |out| {
        let rows: Vec<Vec<String>> = streams
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.kind.as_str().to_string(),
                    if s.kind == msikit::jobs::inspect::StreamKind::Storage {
                        "-".into()
                    } else {
                        s.size.to_string()
                    },
                    s.sha256
                        .clone()
                        .or_else(|| s.clsid.clone())
                        .or_else(|| s.error.as_ref().map(|e| format!("unreadable: {e}")))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        render::table(
            out,
            style,
            &["NAME", "KIND", "SIZE", "SHA256 / CLSID"],
            &rows,
        )?;
        Ok(())
    })?;
    match msikit::jobs::inspect::first_stream_error(&a.file, &streams) {
        Some(e) => Err(e),
        None => Ok(0),
    }
}
