//! Argument parsing and dispatch. Every verb lives in its own file and reads top to bottom:
//! arguments → one library call → render.

mod build;
mod cab;
mod cat;
mod check;
mod diff;
mod export;
mod files;
mod info;
mod locks;
mod patch;
mod render;
mod streams;
mod table;
mod tables;
mod transform;

use std::io::Write;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

pub use render::Style;

#[derive(Parser)]
#[command(
    name = "msikit",
    // Fixed, so that help and usage say `msikit` on Windows too (clap would otherwise take the
    // name from argv[0], `msikit.exe`); docs/windows.md.
    bin_name = "msikit",
    version,
    about = "Open, check and write Windows Installer packages (.msi, .msm, .msp, .mst) and cabinets",
    long_about = "Open, check and write Windows Installer packages (.msi, .msm), patches (.msp), \
transforms (.mst) and cabinets (.cab) on any OS.\n\nFILE may be `-` to read standard input. \
Exit codes: 0 success, 1 a negative answer (where a verb has one), 2 an error."
)]
pub struct Cli {
    /// When to use colour in human output (NO_COLOR in the environment means never).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
pub enum Command {
    /// What kind of file this is, its summary information, and what it holds
    Info(info::Args),
    /// Table names with row and column counts
    Tables(tables::Args),
    /// The rows of one table (text, JSON, CSV, or IDT as `msiinfo export` writes it)
    Table(table::Args),
    /// Every storage and stream at any depth, with size, sha256 and what it looks like
    Streams(streams::Args),
    /// Write the raw bytes of one stream to standard output
    Cat(cat::Args),
    /// Write every table as IDT files (with _SummaryInformation and binary cells as files)
    Export(export::Args),
    /// Every file a package installs, with its install path, cabinet and sequence
    Files(files::FilesArgs),
    /// Write a package's files into a folder (each cabinet folder decompressed once)
    Extract(files::ExtractArgs),
    /// Build a database from a manifest (TOML) or an IDT folder (`--idt DIR`)
    Build(build::Args),
    /// Whether patches apply to a product package, in which order, and the version they give
    Check(check::Args),
    /// Which running processes of a machine snapshot hold files a patch replaces, and the outcome
    Locks(locks::Args),
    /// List or extract a plain cabinet (.cab)
    #[command(subcommand)]
    Cab(cab::Command),
    /// Inspect patches (.msp): targets, transforms, metadata, applicability XML, changes
    #[command(subcommand)]
    Patch(patch::Command),
    /// Row-level differences between two databases (exit 0 same, 1 different, 2 error)
    Diff(diff::Args),
    /// Decode and apply transforms (.mst, or a patch's transform storages)
    #[command(subcommand)]
    Transform(transform::Command),
    /// Print a shell completion script
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(hide = true)]
    Man,
}

/// Parses the command line, runs the verb and returns the exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    let style = Style::new(cli.color);
    let result = match cli.command {
        Command::Info(a) => info::run(a, &style),
        Command::Tables(a) => tables::run(a, &style),
        Command::Table(a) => table::run(a, &style),
        Command::Streams(a) => streams::run(a, &style),
        Command::Cat(a) => cat::run(a),
        Command::Export(a) => export::run(a, &style),
        Command::Transform(c) => transform::run(c, &style),
        Command::Diff(a) => diff::run(a, &style),
        Command::Patch(c) => patch::run(c, &style),
        Command::Files(a) => files::run_files(a, &style),
        Command::Cab(c) => cab::run(c, &style),
        Command::Build(a) => build::run(a, &style),
        Command::Check(a) => check::run(a, &style),
        Command::Locks(a) => locks::run(a, &style),
        Command::Extract(a) => files::run_extract(a, &style),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "msikit", &mut std::io::stdout());
            Ok(0)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(msikit::Error::io)
                .and_then(|_| std::io::stdout().write_all(&buf).map_err(msikit::Error::io))
                .map(|_| 0)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if let msikit::ErrorKind::Io(io) = &e.kind {
                if io.kind() == std::io::ErrorKind::BrokenPipe && e.file.is_none() {
                    return 0;
                }
            }
            eprintln!("{}msikit: error:{} {e}", style.err_on(), style.off());
            2
        }
    }
}

/// `--property NAME=VALUE` arguments (files, extract, patch files and extract).
pub fn parse_properties(
    list: &[String],
) -> msikit::Result<std::collections::HashMap<String, String>> {
    list.iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| msikit::Error::usage(format!("--property {p}: expected NAME=VALUE")))
        })
        .collect()
}
