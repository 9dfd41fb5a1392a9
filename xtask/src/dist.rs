//! `cargo xtask dist`: the release archives, the same bytes for the same inputs.
//!
//! `dist/msikit-VERSION-x86_64-linux.tar.gz` and `dist/msikit-VERSION-x86_64-windows.zip` each
//! hold one folder `msikit-VERSION-PLATFORM/` with the stripped binary, README.md, the licence
//! files, the man page, shell completions (bash, zsh, fish on Linux; PowerShell on Windows) and
//! `exchange2007/`, the Exchange 2007 look-alikes with their snapshots (the README's first command).
//!
//! Deterministic: every entry has the same time (`SOURCE_DATE_EPOCH`, else the HEAD commit's
//! time, else 2026-01-01), fixed owner 0:0 with empty names and mode 0644 (0755 for the binary
//! and folders), entries in sorted order, no extended attributes or extra fields; gzip with no
//! name and time 0. The binaries themselves are built without debug info, stripped, with
//! source paths remapped and no build id / PE timestamp (xtask/src/windows.rs).
//! `--check` builds the archives twice and compares them, then runs the zip's exe under Wine.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::windows::{self, reproducible_rustflags};
use crate::{cargo, describe, target_dir, workspace_root, write_atomic, Result};

/// 2026-01-01T00:00:00Z, when neither SOURCE_DATE_EPOCH nor git gives a time.
const FALLBACK_EPOCH: i64 = 1_767_225_600;

#[derive(clap::Args)]
pub struct Args {
    /// Write the archives here instead of dist/
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// Make the archives twice and compare their bytes, then run the zip's msikit.exe under
    /// Wine (`--version`)
    #[arg(long)]
    check: bool,
}

/// One file of an archive: its path inside the top folder, its bytes, whether it is executable.
struct Entry {
    path: String,
    bytes: Vec<u8>,
    exec: bool,
}

pub fn run(a: Args) -> Result<()> {
    let linux_exe = build_linux()?;
    let windows_exe = windows::build(false)?;
    let version = version_of(&linux_exe)?;
    let epoch = source_date_epoch();
    let out_dir = a.out_dir.unwrap_or_else(|| workspace_root().join("dist"));
    let written = write_archives(&linux_exe, &windows_exe, &version, epoch, &out_dir)?;
    if a.check {
        let again = target_dir().join("dist-check");
        let _ = std::fs::remove_dir_all(&again);
        let second = write_archives(&linux_exe, &windows_exe, &version, epoch, &again)?;
        for (x, y) in written.iter().zip(&second) {
            let (bx, by) = (std::fs::read(x)?, std::fs::read(y)?);
            if bx != by {
                return Err(format!(
                    "{} and {} differ: the archives are not reproducible",
                    x.display(),
                    y.display()
                )
                .into());
            }
            println!("same bytes twice: {}", x.display());
        }
        run_zip_exe_under_wine(&written[1], &version)?;
    }
    Ok(())
}

/// Writes both archives into `dir` and returns their paths (tar.gz, zip).
fn write_archives(
    linux_exe: &Path,
    windows_exe: &Path,
    version: &str,
    epoch: i64,
    dir: &Path,
) -> Result<Vec<PathBuf>> {
    let common = common_files(linux_exe)?;
    let mut linux = common.clone_entries();
    linux.push(Entry {
        path: "msikit".into(),
        bytes: read(linux_exe)?,
        exec: true,
    });
    for (shell, file) in [
        ("bash", "msikit.bash"),
        ("zsh", "_msikit"),
        ("fish", "msikit.fish"),
    ] {
        linux.push(Entry {
            path: format!("completions/{file}"),
            bytes: capture(linux_exe, &["completions", shell])?,
            exec: false,
        });
    }
    let mut win = common.clone_entries();
    win.push(Entry {
        path: "msikit.exe".into(),
        bytes: read(windows_exe)?,
        exec: true,
    });
    win.push(Entry {
        path: "completions/msikit.ps1".into(),
        bytes: capture(linux_exe, &["completions", "powershell"])?,
        exec: false,
    });

    let tgz = dir.join(format!("msikit-{version}-x86_64-linux.tar.gz"));
    let top = format!("msikit-{version}-x86_64-linux");
    write_atomic(&tgz, &tar_gz(&top, linux, epoch)?)?;
    println!("wrote {}", tgz.display());
    let zip = dir.join(format!("msikit-{version}-x86_64-windows.zip"));
    let top = format!("msikit-{version}-x86_64-windows");
    write_atomic(&zip, &zip_archive(&top, win, epoch)?)?;
    println!("wrote {}", zip.display());
    Ok(vec![tgz, zip])
}

struct Common(Vec<Entry>);

impl Common {
    fn clone_entries(&self) -> Vec<Entry> {
        self.0
            .iter()
            .map(|e| Entry {
                path: e.path.clone(),
                bytes: e.bytes.clone(),
                exec: e.exec,
            })
            .collect()
    }
}

/// README, licences and the man page (from the binary, so it matches it).
fn common_files(linux_exe: &Path) -> Result<Common> {
    let root = workspace_root();
    let mut out = Vec::new();
    for name in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        out.push(Entry {
            path: name.into(),
            bytes: read(&root.join(name))?,
            exec: false,
        });
    }
    // The Exchange 2007 look-alikes and their server snapshots, so that the README's first
    // command (the UR1 dry run) works straight from the unpacked folder.
    let ex = root.join("testdata").join("exchange2007");
    let mut names: Vec<String> = ["rtm.msi", "sp1.msi", "ur1.msp", "ur2.msp", "iu.msp"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for e in std::fs::read_dir(ex.join("snapshots"))? {
        let name = e?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            names.push(format!("snapshots/{name}"));
        }
    }
    for name in names {
        out.push(Entry {
            bytes: read(&ex.join(&name))?,
            path: format!("exchange2007/{name}"),
            exec: false,
        });
    }
    out.push(Entry {
        path: "man/msikit.1".into(),
        bytes: capture(linux_exe, &["man"])?,
        exec: false,
    });
    Ok(Common(out))
}

/// The gzip-compressed tar: folders first implied by sorted paths, each written once.
fn tar_gz(top: &str, mut entries: Vec<Entry>, epoch: i64) -> Result<Vec<u8>> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::best());
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut dirs = std::collections::BTreeSet::new();
    let header = |size: u64, mode: u32, kind: tar::EntryType| {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(epoch.max(0) as u64);
        h
    };
    for e in &entries {
        let full = format!("{top}/{}", e.path);
        // The folders above the file, each once, before it.
        let mut at = 0;
        while let Some(i) = full[at..].find('/') {
            let d = &full[..at + i + 1];
            if dirs.insert(d.to_string()) {
                let mut h = header(0, 0o755, tar::EntryType::Directory);
                tar.append_data(&mut h, d, std::io::empty())?;
            }
            at += i + 1;
        }
        let mut h = header(
            e.bytes.len() as u64,
            if e.exec { 0o755 } else { 0o644 },
            tar::EntryType::Regular,
        );
        tar.append_data(&mut h, &full, e.bytes.as_slice())?;
    }
    let gz = tar.into_inner()?;
    Ok(gz.finish()?)
}

/// The zip: deflated entries with a fixed DOS time and Unix modes, in sorted order.
fn zip_archive(top: &str, mut entries: Vec<Entry>, epoch: i64) -> Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let t = time::OffsetDateTime::from_unix_timestamp(epoch)?;
    // DOS times start in 1980 and count seconds in twos.
    let when = zip::DateTime::from_date_and_time(
        t.year().clamp(1980, 2107) as u16,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second() & !1,
    )
    .map_err(|e| format!("no zip date for {t}: {e}"))?;
    let opts = |mode: u32| {
        SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(when)
            .unix_permissions(mode)
    };
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut dirs = std::collections::BTreeSet::new();
    for e in &entries {
        let full = format!("{top}/{}", e.path);
        let mut at = 0;
        while let Some(i) = full[at..].find('/') {
            let d = &full[..at + i + 1];
            if dirs.insert(d.to_string()) {
                zip.add_directory(d, opts(0o755))?;
            }
            at += i + 1;
        }
        zip.start_file(&full, opts(if e.exec { 0o755 } else { 0o644 }))?;
        zip.write_all(&e.bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The Linux binary as shipped: release, no debug info, stripped, paths remapped, no build id.
/// Its own target dir, since these flags differ from the everyday release build's.
fn build_linux() -> Result<PathBuf> {
    let dir = target_dir().join("dist-linux");
    let mut cmd = cargo();
    cmd.current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", &dir)
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_STRIP", "symbols")
        .env(
            "RUSTFLAGS",
            reproducible_rustflags(&["-C", "link-arg=-Wl,--build-id=none"]),
        )
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .args(["build", "--release", "--bin", "msikit"]);
    eprintln!("xtask: {}", describe(&cmd));
    let status = cmd.status()?;
    if !status.success() {
        return Err(format!("the Linux release build failed ({status})").into());
    }
    Ok(dir.join("release").join("msikit"))
}

/// `0.1.0` from `msikit --version` ("msikit 0.1.0").
fn version_of(exe: &Path) -> Result<String> {
    let out = capture(exe, &["--version"])?;
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace()
        .nth(1)
        .map(str::to_string)
        .ok_or_else(|| format!("cannot read a version from {text:?}").into())
}

/// SOURCE_DATE_EPOCH, else the HEAD commit's time, else [`FALLBACK_EPOCH`].
fn source_date_epoch() -> i64 {
    if let Some(t) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        return t;
    }
    Command::new("git")
        .current_dir(workspace_root())
        .args(["log", "-1", "--format=%ct"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(FALLBACK_EPOCH)
}

/// Unpacks the zip's msikit.exe into a scratch folder and runs `wine msikit.exe --version`.
fn run_zip_exe_under_wine(zip_path: &Path, version: &str) -> Result<()> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path)?)?;
    let name = format!("msikit-{version}-x86_64-windows/msikit.exe");
    let mut exe = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name(&name)?, &mut exe)?;
    let dir = target_dir().join("dist-check");
    let path = dir.join("msikit.exe");
    write_atomic(&path, &exe)?;
    let prefix = crate::wine::prefix()?;
    let mut cmd = Command::new("wine");
    cmd.arg(&path).arg("--version");
    crate::wine::wine_env(&mut cmd, &prefix);
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(&cmd)))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = format!("msikit {version}");
    if !out.status.success() || stdout.trim() != want {
        return Err(format!(
            "the zip's msikit.exe under Wine gave {} with {stdout:?} (wanted {want:?}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    println!("wine {} --version: {}", name, stdout.trim());
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// Runs `exe args…` and returns its standard output; a failure carries its standard error.
fn capture(exe: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(&cmd)))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", describe(&cmd), out.status).into());
    }
    Ok(out.stdout)
}
