//! `cargo xtask man` and `cargo xtask completions`: generated documentation from the msikit
//! binary itself (`msikit man`, `msikit completions SHELL`), so it always matches the CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{build_msikit, describe, workspace_root, write_atomic, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Write here instead of docs/man (man) or docs/completions (completions)
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
}

/// The completion scripts: shell name for `msikit completions`, and the file name each shell
/// looks for.
const COMPLETIONS: [(&str, &str); 3] = [
    ("bash", "msikit.bash"),
    ("zsh", "_msikit"),
    ("fish", "msikit.fish"),
];

pub fn run_man(a: Args) -> Result<()> {
    let exe = build_msikit()?;
    let dir = a
        .out_dir
        .unwrap_or_else(|| workspace_root().join("docs").join("man"));
    let page = capture(&exe, &["man"])?;
    if !page.starts_with(b".") {
        return Err("`msikit man` did not print a roff page (it does not start with `.`)".into());
    }
    let path = dir.join("msikit.1");
    write_atomic(&path, &page)?;
    println!("wrote {} ({} bytes)", path.display(), page.len());
    Ok(())
}

pub fn run_completions(a: Args) -> Result<()> {
    let exe = build_msikit()?;
    let dir = a
        .out_dir
        .unwrap_or_else(|| workspace_root().join("docs").join("completions"));
    for (shell, file) in COMPLETIONS {
        let script = capture(&exe, &["completions", shell])?;
        if script.is_empty() {
            return Err(format!("`msikit completions {shell}` printed nothing").into());
        }
        let path = dir.join(file);
        write_atomic(&path, &script)?;
        println!("wrote {} ({} bytes)", path.display(), script.len());
    }
    Ok(())
}

/// Runs `exe args…` and returns its standard output; a failure carries its standard error.
fn capture(exe: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(&cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            describe(&cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(out.stdout)
}
