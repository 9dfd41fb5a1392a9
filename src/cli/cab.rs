//! `msikit cab list|extract`: plain cabinets through the same reader `extract` uses.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use msikit::formats::cabinet::{CabinetSet, Compression};

use super::render::{self, Style};

#[derive(clap::Subcommand)]
pub enum Command {
    /// The files of a cabinet: name, size, folder, compression, date
    List {
        /// The cabinet (the first volume of a set)
        file: PathBuf,
        /// The next volumes of a set, in order (else found beside FILE by their names)
        more: Vec<PathBuf>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Write a cabinet's files into a folder (each folder decompressed once)
    Extract {
        /// The cabinet (the first volume of a set)
        file: PathBuf,
        /// The next volumes of a set, in order (else found beside FILE by their names)
        more: Vec<PathBuf>,
        /// The folder to write into (created if missing)
        #[arg(short = 'C', value_name = "DIR")]
        dir: PathBuf,
        /// When entries go to one path, write only the last (as cabextract leaves it) instead
        /// of writing the others as NAME.duplicateN
        #[arg(long)]
        overwrite: bool,
        /// The most bytes to write (0: no cap). Default: 4 GiB, or 1,024 times the compressed
        /// input when that is more; a cabinet whose files claim more stops before writing anything
        #[arg(long, value_name = "BYTES")]
        max_output: Option<u64>,
        /// Print what was written as JSON (each entry's name and the path it went to)
        #[arg(long)]
        json: bool,
    },
}

fn method(c: &Compression) -> String {
    match c {
        Compression::None => "none".into(),
        Compression::MsZip => "mszip".into(),
        Compression::Lzx { window_bits } => format!("lzx:{window_bits}"),
        Compression::Quantum { level, window_bits } => format!("quantum:{level}:{window_bits}"),
        Compression::Unknown { .. } => "unknown".into(),
    }
}

fn open(path: &Path, more: &[PathBuf]) -> msikit::Result<Vec<CabinetSet>> {
    CabinetSet::open_all(path, more).map_err(|e| e.in_file(path.display().to_string()))
}

/// A listed file, with where its cabinet starts when the cabinets were found inside the file.
#[derive(serde::Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    file: &'a msikit::formats::cabinet::CabFile,
    #[serde(skip_serializing_if = "Option::is_none")]
    cabinet_offset: Option<u64>,
}

pub fn run(cmd: Command, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    match cmd {
        Command::List { file, more, json } => {
            let sets = open(&file, &more)?;
            let found = sets.len() > 1 || sets.iter().any(|s| s.offset() != 0);
            let listed: Vec<Listed<'_>> = sets
                .iter()
                .flat_map(|s| {
                    s.files().iter().map(move |f| Listed {
                        file: f,
                        cabinet_offset: found.then(|| s.offset()),
                    })
                })
                .collect();
            render::show(out, json, &listed, |out| {
                for (k, cab) in sets.iter().enumerate() {
                    if found {
                        if k > 0 {
                            writeln!(out)?;
                        }
                        let n = cab.files().len();
                        writeln!(
                            out,
                            "Cabinet at offset {} ({n} file{})",
                            cab.offset(),
                            if n == 1 { "" } else { "s" }
                        )?;
                    }
                    let rows: Vec<Vec<String>> = cab
                        .files()
                        .iter()
                        .map(|f| {
                            vec![
                                f.name.clone(),
                                f.size.to_string(),
                                f.folder.to_string(),
                                cab.folder_compression(f.folder as usize)
                                    .map(|c| method(&c))
                                    .unwrap_or_default(),
                                msikit::formats::cabinet::dos_date_time(f.date_time),
                            ]
                        })
                        .collect();
                    render::table(
                        out,
                        style,
                        &["NAME", "SIZE", "FOLDER", "COMPRESSION", "DATE"],
                        &rows,
                    )?;
                }
                Ok(())
            })?;
            Ok(0)
        }
        Command::Extract {
            file,
            more,
            dir,
            overwrite,
            max_output,
            json,
        } => {
            let cab = open(&file, &more)?;
            let progress = !json && std::io::stderr().is_terminal();
            let report = msikit::views::payload::extract_cabinet(
                &cab,
                &dir,
                overwrite,
                output_cap(max_output),
                &render::progress_bar(progress),
            )
            .map_err(|e| e.in_file(file.display().to_string()))?;
            render::show(out, json, &report, |out| {
                render::fields(
                    out,
                    style,
                    &[
                        ("Folder".into(), dir.display().to_string()),
                        ("Files written".into(), report.written.to_string()),
                        ("Bytes".into(), report.bytes.to_string()),
                    ],
                )?;
                if !report.cabinets.is_empty() {
                    let at: Vec<String> = report.cabinets.iter().map(u64::to_string).collect();
                    writeln!(out, "Cabinets found at offsets: {}", at.join(", "))?;
                }
                for s in &report.renamed {
                    writeln!(out, "renamed: {}", render::one_line(s))?;
                }
                for s in &report.shadowed {
                    writeln!(out, "same path: {}", render::one_line(s))?;
                }
                for p in &report.problems {
                    writeln!(out, "not written: {}", render::one_line(p))?;
                }
                Ok(())
            })?;
            out.flush()?;
            if let Some(first) = report.problems.first() {
                return Err(msikit::Error::malformed(format!(
                    "{} files not written; first problem: {first}",
                    report.not_written
                ))
                .in_file(file.display().to_string()));
            }
            Ok(0)
        }
    }
}

/// `--max-output BYTES`: none given, the default cap; 0, no cap.
pub(super) fn output_cap(bytes: Option<u64>) -> msikit::views::payload::OutputCap {
    use msikit::views::payload::OutputCap;
    match bytes {
        None => OutputCap::Default,
        Some(0) => OutputCap::Unlimited,
        Some(n) => OutputCap::Bytes(n),
    }
}
