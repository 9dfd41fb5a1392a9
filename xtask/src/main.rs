//! Project chores for msikit: `cargo xtask <command>` (aliased in `.cargo/config.toml`).
//!
//! `testdata` links the msikit library: its transforms are generated and written by msikit's
//! own transform codec. The other commands run the release `msikit` binary, which they build.

mod bench;
mod dist;
mod exchange;
mod fuzz;
mod man;
mod pe;
mod testdata;
mod windows;
mod wine;

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::{Parser, Subcommand};

/// The error type of every xtask step: a message for a person.
pub type Result<T> = std::result::Result<T, Box<dyn Error>>;

#[derive(Parser)]
#[command(
    name = "xtask",
    about = "msikit project chores (run as `cargo xtask COMMAND`)"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write the deterministic test packages into testdata/ and check them with msitools, 7-Zip
    /// and olefile
    Testdata(testdata::Args),
    /// Time `msikit table --format idt` against `msiinfo export` on large generated MSIs;
    /// `bench extract` times `msikit extract` against msiextract, cabextract and 7-Zip;
    /// `bench build` times `msikit build` against wixl on a 20,000-file product;
    /// `bench dryrun` times `msikit check --snapshots` on 10,000 generated snapshots and the
    /// lock prediction for 10,000 files against 1,000 processes of 300 modules
    Bench(bench::Args),
    /// Write the seed folder of every fuzz target (target/fuzz/seeds/) from testdata/ and the
    /// conformance corpus
    FuzzSeeds(fuzz::SeedArgs),
    /// Run the fuzz targets (cargo fuzz, libFuzzer), one per core, and record the figures in
    /// fuzz/figures.tsv and docs/robustness.md; a finding is saved in fuzz/regressions/
    Fuzz(fuzz::Args),
    /// Write docs/man/msikit.1 from `msikit man`
    Man(man::Args),
    /// Write bash, zsh and fish completion scripts into docs/completions/ from `msikit completions`
    Completions(man::Args),
    /// Prepare the Wine oracle ahead of the tests: the prefix under the target dir and
    /// msiapi.exe built with mingw-w64; print versions and timings
    Wine(wine::Args),
    /// Build msikit.exe for Windows with Debian's rustc-web and mingw-w64 (docs/windows.md);
    /// print its path
    Windows(windows::Args),
    /// Write the release archives into dist/: the Linux tar.gz and the Windows zip, the same
    /// bytes for the same inputs (`--check` builds them twice and compares)
    Dist(dist::Args),
    /// Run the project's tests: `cargo test --workspace --all-targets --no-fail-fast [ARGS...]`
    Test {
        /// Extra arguments for `cargo test`, verbatim (e.g. `-p msikit`, or `-- --nocapture`)
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Testdata(a) => testdata::run(a).map(|()| 0),
        Cmd::Bench(a) => bench::run(a).map(|()| 0),
        Cmd::FuzzSeeds(a) => fuzz::run_seeds(a).map(|()| 0),
        Cmd::Fuzz(a) => fuzz::run(a).map(|()| 0),
        Cmd::Man(a) => man::run_man(a).map(|()| 0),
        Cmd::Completions(a) => man::run_completions(a).map(|()| 0),
        Cmd::Wine(a) => wine::run(a).map(|()| 0),
        Cmd::Windows(a) => windows::run(a).map(|()| 0),
        Cmd::Dist(a) => dist::run(a).map(|()| 0),
        Cmd::Test { .. } => {
            // Pass what followed `test` on verbatim: clap drops a leading `--`, which cargo test
            // needs to tell test-binary flags such as `--nocapture` from its own.
            let extra: Vec<String> = std::env::args()
                .skip_while(|a| a != "test")
                .skip(1)
                .collect();
            run_tests(&extra)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("xtask: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// `cargo test --workspace --all-targets` with this process's environment; returns its exit code.
/// `--no-fail-fast` makes every test binary run even after one fails, so a run reports everything.
fn run_tests(extra: &[String]) -> Result<u8> {
    let mut cmd = cargo();
    cmd.current_dir(workspace_root())
        .args(["test", "--workspace", "--all-targets", "--no-fail-fast"])
        .args(extra);
    let code = run_status(&mut cmd)?;
    // `--all-targets` leaves out the documentation's examples; they run apart.
    let mut doc = cargo();
    doc.current_dir(workspace_root())
        .args(["test", "--doc", "--package", "msikit"]);
    let doc_code = if extra.is_empty() {
        run_status(&mut doc)?
    } else {
        0
    };
    Ok(if code != 0 { code } else { doc_code })
}

/// Runs `cmd` with this process's output; its exit code.
fn run_status(cmd: &mut Command) -> Result<u8> {
    eprintln!("xtask: running {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {}: {e}", describe(cmd)))?;
    Ok(exit_code_of(status))
}

/// The exit code to pass on for a child's status (128 + signal when it was killed).
fn exit_code_of(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return u8::try_from(128 + sig).unwrap_or(1);
        }
    }
    1
}

/// The workspace root (the parent of xtask/).
pub fn workspace_root() -> PathBuf {
    let xtask_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    xtask_dir.parent().unwrap_or(xtask_dir).to_path_buf()
}

/// The cargo that runs us (`$CARGO`), or `cargo` from PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The cargo target directory: `$CARGO_TARGET_DIR` (relative to the current directory, as cargo
/// reads it) or `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                std::env::current_dir().map(|c| c.join(&d)).unwrap_or(d)
            }
        }
        _ => workspace_root().join("target"),
    }
}

/// Builds the release `msikit` binary and returns its path. The error says the main crate did
/// not build, with cargo's messages, since it may be mid-edit.
pub fn build_msikit() -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", target_dir())
        .args([
            "build",
            "--release",
            "--bin",
            "msikit",
            "--message-format=json-render-diagnostics",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    eprintln!("xtask: building msikit (release)");
    let out = cmd
        .output()
        .map_err(|e| format!("could not start {}: {e}", describe(&cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "the msikit binary did not build ({}); the main crate may be mid-edit, see cargo's \
             messages above",
            out.status
        )
        .into());
    }
    // The executable path comes from cargo's own artifact message, so any target-dir setting
    // (environment or config) is respected.
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "msikit" {
            if let Some(exe) = msg["executable"].as_str() {
                return Ok(PathBuf::from(exe));
            }
        }
    }
    let fallback = target_dir().join("release").join("msikit");
    if fallback.is_file() {
        Ok(fallback)
    } else {
        Err(format!(
            "cargo built msikit but did not say where, and {} does not exist",
            fallback.display()
        )
        .into())
    }
}

/// `program arg arg …` for messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Whether `program` is on PATH (or is a path to an existing file).
pub fn have_program(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} has no file name", path.display()))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot rename {} to {}: {e}", tmp.display(), path.display())
    })?;
    Ok(())
}
