//! `cargo xtask windows`: msikit.exe for Windows, cross-built on Debian.
//!
//! The recipe, and its traps (docs/windows.md says the same for people):
//! - The compiler is Debian's `rustc-web` with `rust-web-src` (the standard library's source) and
//!   `cargo-web`, not rustup's: rustup has no std for the target below. They are called by full
//!   path (`/usr/bin/cargo`, `RUSTC=/usr/bin/rustc`) because the rustup cargo comes first on PATH.
//! - The target is `x86_64-win7-windows-gnu`, a tier-3 target with no prebuilt std, so std is
//!   built from source: `-Zbuild-std=std,panic_abort`, which needs `RUSTC_BOOTSTRAP=1` on a stable
//!   compiler. The plain `x86_64-pc-windows-gnu` std imports `ProcessPrng` from
//!   bcryptprimitives.dll, which Wine 8.0 does not have: that exe exits silently with code 53.
//!   The win7 std takes its random numbers from ADVAPI32 and runs on Windows 7 and later.
//! - The linker is mingw-w64's gcc (`CARGO_TARGET_X86_64_WIN7_WINDOWS_GNU_LINKER`), with
//!   `--no-insert-timestamp` so the PE header carries no build time.
//! - A cold build downloads std's own dependencies and the Windows-only crates from crates.io.
//! - The build has its own target dir (`target/windows`), so it never waits for the host build's
//!   lock, and its own environment: whatever the outer (rustup) cargo exported is removed.
//! - `cargo-web` must read the workspace's Cargo.lock; lock file version 4 needs cargo 1.78 or
//!   later, checked below before anything is built.
//!
//! Release builds are the ones `cargo xtask dist` ships, so they are made reproducible here: no
//! debug info, symbols stripped, source paths remapped (see [`reproducible_rustflags`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{describe, target_dir, workspace_root, Result};

pub const TARGET: &str = "x86_64-win7-windows-gnu";
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
const DEBIAN_RUSTC: &str = "/usr/bin/rustc";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";
const STD_SOURCE: &str = "/usr/lib/rustlib/src/rust";
const INSTALL_HINT: &str = "apt-get install --no-install-recommends rustc-web cargo-web \
                            rust-web-src gcc-mingw-w64-x86-64-win32 (or run .ci/run)";

#[derive(clap::Args)]
pub struct Args {
    /// A debug build (faster to build; not what `dist` ships)
    #[arg(long)]
    debug: bool,
}

pub fn run(a: Args) -> Result<()> {
    let exe = build(a.debug)?;
    println!("{}", exe.display());
    Ok(())
}

/// The folder cargo builds the Windows exe in.
pub fn windows_target_dir() -> PathBuf {
    target_dir().join("windows")
}

/// Where [`build`] leaves msikit.exe.
pub fn exe_path(debug: bool) -> PathBuf {
    windows_target_dir()
        .join(TARGET)
        .join(if debug { "debug" } else { "release" })
        .join("msikit.exe")
}

/// `RUSTFLAGS` for builds that must give the same bytes each time: source paths (the workspace,
/// the crates.io sources, std's source) remapped to fixed names, and `extra` (linker flags).
pub fn reproducible_rustflags(extra: &[&str]) -> String {
    let root = workspace_root();
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/root/.cargo"));
    let mut flags = vec![
        format!("--remap-path-prefix={}=msikit", root.display()),
        format!(
            "--remap-path-prefix={}=crates",
            cargo_home.join("registry").join("src").display()
        ),
        format!("--remap-path-prefix={STD_SOURCE}=rust"),
    ];
    flags.extend(extra.iter().map(|s| s.to_string()));
    flags.join(" ")
}

/// Builds msikit.exe and returns its path.
pub fn build(debug: bool) -> Result<PathBuf> {
    check_tools()?;
    let mut cmd = Command::new(DEBIAN_CARGO);
    clean_env(&mut cmd);
    cmd.current_dir(workspace_root())
        .env("RUSTC", DEBIAN_RUSTC)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_X86_64_WIN7_WINDOWS_GNU_LINKER", MINGW_GCC)
        .env("CARGO_TARGET_DIR", windows_target_dir())
        .env(
            "RUSTFLAGS",
            reproducible_rustflags(&["-C", "link-arg=-Wl,--no-insert-timestamp"]),
        )
        .args([
            "build",
            "-Zbuild-std=std,panic_abort",
            "--target",
            TARGET,
            "--bin",
            "msikit",
        ]);
    if !debug {
        cmd.arg("--release")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
            .env("CARGO_PROFILE_RELEASE_STRIP", "symbols");
    }
    eprintln!("xtask: {}", describe(&cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("could not start {}: {e}", describe(&cmd)))?;
    if !status.success() {
        return Err(
            format!("the Windows build failed ({status}); see cargo's messages above").into(),
        );
    }
    let exe = exe_path(debug);
    if !exe.is_file() {
        return Err(format!("cargo finished but {} does not exist", exe.display()).into());
    }
    Ok(exe)
}

/// Removes what the outer cargo and rustup put into our environment: the Debian cargo must pick
/// its own compiler and flags.
fn clean_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        let outer = k.starts_with("CARGO_")
            || k.starts_with("RUSTUP_")
            || matches!(
                k.as_ref(),
                "CARGO" | "RUSTC" | "RUSTC_WRAPPER" | "RUSTDOC" | "RUSTFLAGS" | "RUSTC_BOOTSTRAP"
            );
        if outer && k != "CARGO_HOME" {
            cmd.env_remove(&key);
        }
    }
}

/// Fails with what to install when a piece of the recipe is missing, and when the Debian cargo
/// is too old for the workspace's lock file.
fn check_tools() -> Result<()> {
    for path in [DEBIAN_CARGO, DEBIAN_RUSTC] {
        if !Path::new(path).is_file() {
            return Err(format!("{path} is missing ({INSTALL_HINT})").into());
        }
    }
    if !Path::new(STD_SOURCE).join("library/Cargo.lock").is_file() {
        return Err(format!("std's source is missing under {STD_SOURCE} ({INSTALL_HINT})").into());
    }
    if !crate::have_program(MINGW_GCC) {
        return Err(format!("{MINGW_GCC} is missing ({INSTALL_HINT})").into());
    }
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let lock_version: u32 = lock
        .lines()
        .find_map(|l| l.strip_prefix("version = "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1);
    let out = Command::new(DEBIAN_CARGO)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run {DEBIAN_CARGO}: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "cargo 1.96.0 (…)"
    let minor: u32 = text
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse().ok())
        .ok_or_else(|| format!("cannot read the version of {DEBIAN_CARGO}: {text:?}"))?;
    // Lock file version 4 is read from cargo 1.78 on, version 3 from 1.53.
    let needs = match lock_version {
        4 => 78,
        3 => 53,
        _ => 0,
    };
    if lock_version > 4 || minor < needs {
        return Err(format!(
            "{DEBIAN_CARGO} ({}) cannot read Cargo.lock version {lock_version}; upgrade \
             cargo-web (bookworm-security carries 1.96)",
            text.trim()
        )
        .into());
    }
    Ok(())
}
