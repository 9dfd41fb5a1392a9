//! Argument parsing and dispatch. Every verb lives in its own file and reads top to bottom:
//! arguments → one library call → render.

mod build;
mod cab;
mod cat;
mod check;
mod diagnose;
mod diff;
mod export;
mod files;
mod info;
mod locks;
mod patch;
mod render;
mod sign;
mod snapshot;
mod streams;
mod table;
mod tables;
mod transform;
mod validate;
mod verify;

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
    /// Fit human tables to this many columns (0: no limit). Default: the terminal's width
    /// (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep
    /// every full value.
    #[arg(long, value_name = "COLUMNS", global = true)]
    pub width: Option<usize>,
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
    /// After a failed install: the time line, root cause, files in use, decoded event data, exit
    /// code and the KB's known issue, from verbose logs and event-log exports
    Diagnose(diagnose::Args),
    /// Write the machine snapshot of this Windows computer (JSON, docs/snapshot.md)
    Snapshot(snapshot::Args),
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
    /// ICE validation without Windows: each cell against _Validation (ICE03) and more ICEs
    /// (exit 0 passed, 1 errors found, 2 unreadable)
    Validate(validate::Args),
    /// Check Authenticode signatures: digest, signer, chain, timestamp (exit 0 valid and
    /// trusted, 1 not, 2 unreadable)
    Verify(verify::Args),
    /// Authenticode-sign a package, merge module, patch or transform (RSA, SHA-256)
    Sign(sign::Args),
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
    let style = Style::new(cli.color).with_width(cli.width);
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let result = dispatch(cli.command, &mut lock, &style);
    match result {
        Ok(code) => code,
        Err(e) => {
            if let msikit::ErrorKind::Io(io) = e.kind() {
                if io.kind() == std::io::ErrorKind::BrokenPipe && e.file().is_none() {
                    return 0;
                }
            }
            eprintln!("{}msikit: error:{} {e}", style.err_on(), style.off());
            2
        }
    }
}

/// Runs one verb, its output into `out`; the exit code or the error.
pub fn dispatch(command: Command, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    match command {
        Command::Info(a) => info::run(a, out, style),
        Command::Tables(a) => tables::run(a, out, style),
        Command::Table(a) => table::run(a, out, style),
        Command::Streams(a) => streams::run(a, out, style),
        Command::Cat(a) => cat::run(a, out),
        Command::Export(a) => export::run(a, out, style),
        Command::Transform(c) => transform::run(c, out, style),
        Command::Diff(a) => diff::run(a, out, style),
        Command::Validate(a) => validate::run(a, out, style),
        Command::Patch(c) => patch::run(c, out, style),
        Command::Files(a) => files::run_files(a, out, style),
        Command::Cab(c) => cab::run(c, out, style),
        Command::Build(a) => build::run(a, out, style),
        Command::Check(a) => check::run(a, out, style),
        Command::Locks(a) => locks::run(a, out, style),
        Command::Diagnose(a) => diagnose::run(a, out, style),
        Command::Extract(a) => files::run_extract(a, out, style),
        Command::Snapshot(a) => snapshot::run(a, out),
        Command::Verify(a) => verify::run(a, out, style),
        Command::Sign(a) => sign::run(a, out, style),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "msikit", out);
            Ok(0)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut buf)
                .map_err(msikit::Error::io)
                .and_then(|_| out.write_all(&buf).map_err(msikit::Error::io))
                .map(|_| 0)
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

/// Verbs run in process, into a buffer, against the snapshots tests/cli.rs takes of the binary.
#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `msikit ARGS` in process without colour: the exit code and what it wrote.
    fn run_in_process(args: &[&str]) -> (i32, String) {
        let cli = Cli::try_parse_from(std::iter::once("msikit").chain(args.iter().copied()))
            .expect("arguments parse");
        let style = Style::new(ColorChoice::Never);
        let mut out = Vec::new();
        let code = dispatch(cli.command, &mut out, &style).expect("the verb succeeds");
        (code, String::from_utf8(out).expect("UTF-8 output"))
    }

    /// The body of the insta snapshot tests/snapshots/cli__NAME.snap (after its header).
    fn snapshot(name: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(format!("cli__{name}.snap"));
        let text = std::fs::read_to_string(&path).expect("snapshot file");
        let body = text
            .strip_prefix("---\n")
            .and_then(|t| t.split_once("\n---\n"))
            .map(|(_, b)| b)
            .expect("snapshot header");
        body.to_string()
    }

    #[test]
    fn verbs_in_process_write_what_the_binary_writes() {
        // cargo runs unit tests in the crate's folder, as tests/cli.rs runs the binary.
        for (name, args) in [
            ("info_msi", &["info", "testdata/sample.msi"][..]),
            (
                "info_msi_json",
                &["info", "--json", "testdata/sample.msi"][..],
            ),
            ("tables_msi", &["tables", "testdata/sample.msi"][..]),
            (
                "tables_msp_json",
                &["tables", "--json", "testdata/sample.msp"][..],
            ),
            ("streams_msi", &["streams", "testdata/sample.msi"][..]),
            (
                "table_file_text",
                &["table", "--format", "text", "testdata/sample.msi", "File"][..],
            ),
        ] {
            let (code, out) = run_in_process(args);
            assert_eq!(code, 0, "{name}");
            assert_eq!(out.trim_end(), snapshot(name).trim_end(), "{name}");
        }
    }
}
