//! `msikit files` and `msikit extract`: what a package installs and where, and its payload
//! written into a folder.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use msikit::views::payload::Layout;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct FilesArgs {
    /// The package (.msi or .msm; `-` for standard input)
    file: PathBuf,
    /// Set a property for path resolution (e.g. INSTALLDIR=D:\\Apps\\Widget)
    #[arg(long = "property", value_name = "NAME=VALUE")]
    properties: Vec<String>,
    /// Print JSON instead of a table
    #[arg(long, conflicts_with = "csv")]
    json: bool,
    /// Print CSV instead of a table
    #[arg(long)]
    csv: bool,
}

/// `--layout`'s values.
#[derive(Clone, Copy, clap::ValueEnum)]
enum LayoutArg {
    Install,
    Source,
    Flat,
}

#[derive(clap::Args)]
pub struct ExtractArgs {
    /// The package (.msi or .msm)
    file: PathBuf,
    /// The folder to write into (created if missing)
    #[arg(short = 'C', value_name = "DIR")]
    dir: PathBuf,
    /// Where files go: `install` (by install path: Program Files (x86)/App/x.dll), `source`
    /// (by source folder names: SourceDir/PFiles/App/x.dll, an administrative image's tree,
    /// as lessmsi extracts), or `flat` (all directly into DIR, by long name)
    #[arg(long, value_enum, default_value = "install", value_name = "LAYOUT")]
    layout: LayoutArg,
    /// Write every file directly into DIR, by its long name (the same as --layout flat)
    #[arg(long, conflicts_with = "layout")]
    flat: bool,
    /// Only files whose relative path or name matches (`*` and `?`, case-insensitive)
    #[arg(long, value_name = "PATTERN")]
    only: Option<String>,
    /// When files go to one path, write only the last by sequence (as msiextract leaves it)
    /// instead of writing the others as NAME.duplicateN
    #[arg(long)]
    overwrite: bool,
    /// The most bytes to write (0: no cap). Default: 4 GiB, or 1,024 times the compressed
    /// input when that is more; a cabinet whose files claim more stops before writing anything
    #[arg(long, value_name = "BYTES")]
    max_output: Option<u64>,
    /// Set a property for path resolution
    #[arg(long = "property", value_name = "NAME=VALUE")]
    properties: Vec<String>,
    /// Print what was written as JSON
    #[arg(long)]
    json: bool,
}

pub fn run_files(a: FilesArgs, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let files = msikit::views::payload::files(&a.file, &super::parse_properties(&a.properties)?)?;
    render::show(out, a.json, &files, |out| {
        let headers = [
            "FILE",
            "PATH",
            "COMPONENT",
            "SIZE",
            "VERSION",
            "LANGUAGE",
            "CABINET",
            "SEQUENCE",
        ];
        let rows: Vec<Vec<String>> = files
            .iter()
            .map(|f| {
                vec![
                    f.file.clone(),
                    f.path.clone(),
                    f.component.clone(),
                    f.size.to_string(),
                    f.version.clone().unwrap_or_default(),
                    f.language.clone().unwrap_or_default(),
                    f.cabinet.clone().unwrap_or_else(|| "(uncompressed)".into()),
                    f.sequence.to_string(),
                ]
            })
            .collect();
        if a.csv {
            render::csv_line(
                out,
                &headers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
            )?;
            for r in &rows {
                render::csv_line(out, r)?;
            }
        } else {
            render::table(out, style, &headers, &rows)?;
        }
        Ok(())
    })?;
    Ok(0)
}

pub fn run_extract(a: ExtractArgs, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let progress = !a.json && std::io::stderr().is_terminal();
    let report = msikit::views::payload::extract(
        &a.file,
        &a.dir,
        msikit::views::payload::ExtractOptions {
            layout: if a.flat {
                Layout::Flat
            } else {
                match a.layout {
                    LayoutArg::Install => Layout::Install,
                    LayoutArg::Source => Layout::Source,
                    LayoutArg::Flat => Layout::Flat,
                }
            },
            only: a.only.as_deref(),
            overwrite: a.overwrite,
            max_output: super::cab::output_cap(a.max_output),
        },
        &super::parse_properties(&a.properties)?,
        &render::progress_bar(progress),
    )?;
    render::show(out, a.json, &report, |out| {
        render::fields(
            out,
            style,
            &[
                ("Folder".into(), a.dir.display().to_string()),
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
    if let Some(first) = report.problems.first() {
        return Err(msikit::Error::malformed(format!(
            "{} files not written; first problem: {first}",
            report.not_written
        ))
        .in_file(a.file.display().to_string()));
    }
    Ok(0)
}
