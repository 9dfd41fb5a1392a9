//! `cargo xtask wine`: prepares the Wine oracle ahead of time, as `tests/common/wine.rs` does
//! lazily on first use: the prefix `$CARGO_TARGET_DIR/tmp/wine/prefix` (`wineboot --init`) and
//! `msiapi.exe` built from `../shared/oracles/msiapi.c` (`MSIKIT_ORACLES`) with mingw-w64. Then it
//! applies one transform to check the whole chain, and prints versions and timings.
//!
//! The folder, the ready marker, the environment and the compiler flags must stay the same as in
//! `tests/common/wine.rs`, so that the tests reuse what this made.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::{describe, have_program, target_dir, workspace_root, Result};

#[derive(clap::Args)]
pub struct Args {
    /// Delete the prefix first and make it again (to time it, or after a broken Wine upgrade)
    #[arg(long)]
    fresh: bool,
}

const TOOLS: [&str; 5] = [
    "wine",
    "wineboot",
    "wineserver",
    "x86_64-w64-mingw32-gcc",
    "msiinfo",
];
const INSTALL_HINT: &str = "run .ci/run, or apt-get install --no-install-recommends wine wine64 \
                            gcc-mingw-w64-x86-64-win32 msitools";
/// Seconds the wineserver started here stays up after its last client (as in the tests).
const SERVER_LINGER_SECS: u32 = 15;

pub fn run(a: Args) -> Result<()> {
    let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !have_program(t)).collect();
    if !missing.is_empty() {
        return Err(format!("not installed: {} ({INSTALL_HINT})", missing.join(", ")).into());
    }
    println!(
        "wine:    {}",
        first_line(Command::new("wine").arg("--version"))
    );
    println!(
        "mingw:   {}",
        first_line(Command::new("x86_64-w64-mingw32-gcc").arg("--version"))
    );
    println!(
        "msiinfo: {}",
        first_line(Command::new("msiinfo").arg("--version"))
    );

    let dir = wine_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lock = File::create(dir.join(".lock"))
        .map_err(|e| format!("cannot create {}/.lock: {e}", dir.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}/.lock: {e}", dir.display()))?;

    let oracles = std::env::var_os("MSIKIT_ORACLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/oracles"));
    let src = oracles.join("msiapi.c");
    let exe = dir.join("msiapi.exe");
    let started = Instant::now();
    let built = build_msiapi(&src, &exe)?;
    println!(
        "msiapi:  {} ({}, {:.1} s)",
        exe.display(),
        if built { "built" } else { "up to date" },
        started.elapsed().as_secs_f64()
    );

    let prefix = make_prefix(&dir, a.fresh)?;
    drop(lock);

    // One real transform, cold and then with a persistent wineserver.
    let corpus = std::env::var_os("MSIKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"));
    let base = corpus.join("heaths__psmsi/test__PowerShell.Test__Data__Example.msi");
    let mst = corpus.join("heaths__psmsi/test__PowerShell.Test__Data__Example.mst");
    if !base.is_file() || !mst.is_file() {
        println!(
            "(no corpus at {}: skipped the apply check)",
            corpus.display()
        );
        return Ok(());
    }
    let work = dir.join("xtask");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let (b, t) = (work.join("base.msi"), work.join("t.mst"));
    for (from, to) in [(&base, &b), (&mst, &t)] {
        std::fs::copy(from, to).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
        let mut perms = std::fs::metadata(to)?.permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(to, perms)?;
    }
    let server_running = {
        let mut server = Command::new("wineserver");
        server
            .arg(format!("-p{SERVER_LINGER_SECS}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        wine_env(&mut server, &prefix);
        // Exit code 2: a server is already running for this prefix.
        !matches!(server.status().map(|s| s.code()), Ok(Some(0)))
    };
    for round in ["first", "second"] {
        let out = work.join(format!("{round}.msi"));
        let mut apply = Command::new("wine");
        apply
            .arg(&exe)
            .arg("apply")
            .arg(windows_path(&b))
            .arg(windows_path(&t))
            .arg(windows_path(&out));
        wine_env(&mut apply, &prefix);
        let started = Instant::now();
        let (status, stdout, stderr) = run_to_files(&mut apply, &work)?;
        let elapsed = started.elapsed();
        if !status.success() || !stdout.contains("MsiDatabaseCommit -> 0") || !out.is_file() {
            return Err(
                format!("{} failed ({status}):\n{stdout}{stderr}", describe(&apply)).into(),
            );
        }
        println!(
            "apply:   Example.mst onto Example.msi, {round} call {:.2} s{}",
            elapsed.as_secs_f64(),
            match (round, server_running) {
                ("first", true) => " (wineserver already running)",
                ("first", false) => " (fresh wineserver)",
                _ => "",
            }
        );
    }
    let _ = std::fs::remove_dir_all(&work);
    println!("the wineserver exits {SERVER_LINGER_SECS} s after its last client");
    Ok(())
}

/// The Wine folder under the target dir (the tests' `$CARGO_TARGET_TMPDIR/wine`).
pub fn wine_dir() -> PathBuf {
    target_dir().join("tmp").join("wine")
}

/// The tests' prefix, made with `wineboot --init` unless it is ready; for other xtask commands
/// (`dist --check`). Returns it.
pub fn prefix() -> Result<PathBuf> {
    let dir = wine_dir();
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let lock = File::create(dir.join(".lock"))
        .map_err(|e| format!("cannot create {}/.lock: {e}", dir.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}/.lock: {e}", dir.display()))?;
    make_prefix(&dir, false)
}

/// Makes `DIR/prefix` (again when `fresh`) unless it holds the ready marker. The caller holds
/// the folder's lock.
fn make_prefix(dir: &Path, fresh: bool) -> Result<PathBuf> {
    let prefix = dir.join("prefix");
    let marker = prefix.join(".msikit-ready");
    if fresh && prefix.exists() {
        let mut kill = Command::new("wineserver");
        kill.arg("-k");
        wine_env(&mut kill, &prefix);
        let _ = kill.stderr(Stdio::null()).status();
        std::fs::remove_dir_all(&prefix)
            .map_err(|e| format!("cannot remove {}: {e}", prefix.display()))?;
    }
    if marker.is_file() {
        println!("prefix:  {} (exists)", prefix.display());
    } else {
        if prefix.exists() {
            std::fs::remove_dir_all(&prefix)
                .map_err(|e| format!("cannot remove the unfinished {}: {e}", prefix.display()))?;
        }
        let started = Instant::now();
        let mut boot = Command::new("wineboot");
        boot.arg("--init");
        wine_env(&mut boot, &prefix);
        check(&mut boot, dir)?;
        let mut wait = Command::new("wineserver");
        wait.arg("-w");
        wine_env(&mut wait, &prefix);
        check(&mut wait, dir)?;
        std::fs::write(
            &marker,
            b"made by wineboot --init for msikit's Wine oracle\n",
        )
        .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
        println!(
            "prefix:  {} (created in {:.1} s, {})",
            prefix.display(),
            started.elapsed().as_secs_f64(),
            disk_usage(&prefix)
        );
    }
    Ok(prefix)
}

/// The same environment as the tests' `wine_env`.
pub fn wine_env(cmd: &mut Command, prefix: &Path) {
    cmd.env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
}

/// Builds `exe` unless it is newer than `src`; returns whether it built.
fn build_msiapi(src: &Path, exe: &Path) -> Result<bool> {
    let src_time = std::fs::metadata(src)
        .and_then(|m| m.modified())
        .map_err(|e| {
            format!(
                "{} is missing ({e}); set MSIKIT_ORACLES to the folder holding msiapi.c",
                src.display()
            )
        })?;
    if let Ok(exe_time) = std::fs::metadata(exe).and_then(|m| m.modified()) {
        if exe_time >= src_time {
            return Ok(false);
        }
    }
    let tmp = exe.with_extension(format!("tmp{}.exe", std::process::id()));
    let mut cc = Command::new("x86_64-w64-mingw32-gcc");
    cc.args(["-municode", "-O2", "-o"])
        .arg(&tmp)
        .arg(src)
        .arg("-lmsi");
    check(&mut cc, exe.parent().unwrap_or(Path::new(".")))?;
    std::fs::rename(&tmp, exe).map_err(|e| format!("cannot rename to {}: {e}", exe.display()))?;
    Ok(true)
}

/// Runs `cmd` with its output in files under `dir`, returning status, stdout and stderr. Not
/// pipes: the Wine services a call starts inherit them and keep them open for seconds after the
/// call itself has ended, and reading a pipe to its end would wait for them.
fn run_to_files(
    cmd: &mut Command,
    dir: &Path,
) -> Result<(std::process::ExitStatus, String, String)> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let (out_path, err_path) = (dir.join("stdout.txt"), dir.join("stderr.txt"));
    let status = cmd
        .stdin(Stdio::null())
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", describe(cmd)))?;
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    Ok((status, read(&out_path), read(&err_path)))
}

/// Runs `cmd` (output in files under `dir`); an error carries its output.
fn check(cmd: &mut Command, dir: &Path) -> Result<()> {
    let (status, stdout, stderr) = run_to_files(cmd, dir)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{} failed ({status}):\n{stdout}{stderr}", describe(cmd)).into())
    }
}

fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_else(|e| format!("(cannot run: {e})"))
}

/// `Z:\...` for an absolute Unix path.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.to_string_lossy().replace('/', "\\"))
}

/// `du -sh`'s figure for `dir`, or nothing when du is unavailable.
fn disk_usage(dir: &Path) -> String {
    Command::new("du")
        .arg("-sh")
        .arg(dir)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .next()
                .map(|s| s.to_string())
        })
        .unwrap_or_default()
}
