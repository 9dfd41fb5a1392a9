//! `cargo xtask bench`: `msikit table --format idt BIG.msi File` against
//! `msiinfo export BIG.msi File` on generated MSIs with large File tables.
//!
//! The MSIs are built by msitools' `msibuild` from generated IDT files (the `msi` crate cannot
//! write more than 65,535 strings) into `<target dir>/bench/`, and reused on later runs. Both
//! programs run alternately, best of N wall-clock times each; peak RSS comes from `/usr/bin/time`.
//!
//! `cargo xtask bench extract` times `msikit extract` against msiextract (and `msikit cab
//! extract` against cabextract and 7-Zip on the same cabinet) on generated packages: 2,000 files
//! of ~100 KB in one MSZIP folder (gcab) and in 16 MiB folders (msikit's writer), 2,000 and
//! 20,000 files of 0.5 to 8 KB, and an MSI around libmspack's 2 GiB LZX cabinet; every run
//! writes into a new folder, and none starts within 35 s of deleting many files (see
//! `Outputs`).
//!
//! `cargo xtask bench build` times `msikit build MANIFEST.toml` against msitools' wixl on the same
//! generated product (20,000 small files in about 100 folders, one component each, one embedded
//! MSZIP cabinet), median of N runs, after checking both packages with msiinfo and msiextract.
//!
//! `cargo xtask bench diagnose` times `msikit diagnose` on a generated 1 GB verbose log beside
//! `grep -c 'Return value 3'` (goal: 500 MB/s, peak memory under 64 MiB).
//! `cargo xtask bench validate` times ICE03 (`msikit validate --ice ICE03`) over a generated
//! package of 200,000 File rows with its `_Validation` table, beside `msiinfo export` of the
//! same four tables.
//!
//! `cargo xtask bench dryrun` measures the two dry-run goals: `msikit check ur1.msp --snapshots
//! FILE.jsonl` on 10,000 generated machine snapshots (variations of
//! testdata/exchange2007/snapshots/, on 2 cores, median of N runs, its output checked line by
//! line against what the generator planted), and `msikit::jobs::locks::match_holders` for 10,000
//! patched files against 1,000 processes of 300 modules each (in process, median of N calls).

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{build_msikit, describe, have_program, target_dir, Result};

mod build;
mod diagnose;
mod dryrun;
mod extract;
mod tables;
mod validate;

use build::*;
use diagnose::*;
use dryrun::*;
use extract::*;
use tables::*;
use validate::*;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    what: Option<What>,
    /// File table sizes to test, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "20000,200000")]
    rows: Vec<u32>,
    /// Runs of each program per size; the best time counts
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Rebuild the MSIs even if they exist
    #[arg(long)]
    regenerate: bool,
}

#[derive(clap::Subcommand)]
enum What {
    /// Time `msikit extract` and `msikit cab extract` against msiextract, cabextract and 7-Zip
    /// on generated MSZIP packages and the corpus's 2 GiB LZX cabinet
    Extract(ExtractArgs),
    /// Time `msikit build MANIFEST.toml` against wixl on a generated product of 20,000 small
    /// files (one component each), and check both packages with msiinfo and msiextract
    Build(BuildArgs),
    /// Time `msikit check ur1.msp --snapshots` on 10,000 generated machine snapshots (2 cores),
    /// and the lock prediction for 10,000 patched files against 1,000 processes x 300 modules
    Dryrun(DryrunArgs),
    /// Time `msikit diagnose` on a generated 1 GB verbose log beside `grep -c 'Return value 3'`
    /// (goal: 500 MB/s, under 64 MiB)
    Diagnose(DiagnoseArgs),
    /// Time ICE03 (`msikit validate --ice ICE03`) over a generated package of 200,000 File rows
    /// beside `msiinfo export` of the same tables
    Validate(ValidateArgs),
}

/// Bump when the generated tables change, so old MSIs are not reused.
const GENERATOR_VERSION: u32 = 1;

/// The goal for msikit's time as a fraction of msiinfo's.
const GOAL_RATIO: f64 = 0.5;

const TIME: &str = "/usr/bin/time";

pub fn run(mut a: Args) -> Result<()> {
    match a.what.take() {
        Some(What::Extract(x)) => run_extract(x),
        Some(What::Build(b)) => run_build(b),
        Some(What::Dryrun(d)) => run_dryrun(d),
        Some(What::Diagnose(d)) => run_diagnose(d),
        Some(What::Validate(v)) => run_validate(v),
        None => run_tables(a),
    }
}

/// Checks that each `(program, Debian package)` is installed, says when peak RSS cannot be
/// measured, and makes the benchmark's folder (`<target>/bench[/sub]`); returns whether
/// `/usr/bin/time` is there, and the folder.
fn prepare(tools: &[(&str, &str)], sub: Option<&str>) -> Result<(bool, PathBuf)> {
    for (tool, pkg) in tools {
        if !have_program(tool) {
            return Err(format!("{tool} is not installed (apt-get install {pkg})").into());
        }
    }
    let have_time = Path::new(TIME).is_file();
    if !have_time {
        eprintln!("xtask: {TIME} is missing, so peak RSS is not measured (apt-get install time)");
    }
    let mut dir = target_dir().join("bench");
    if let Some(sub) = sub {
        dir.push(sub);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok((have_time, dir))
}

// ------------------------------------------------------------------------------------------------
// Running and timing

/// Runs a command that must succeed, returning its standard output.
pub(super) fn run_ok(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs `cmd` with standard output into `path`; fails with its standard error.
pub(super) fn run_to(cmd: &mut Command, path: &Path) -> Result<()> {
    run_to_with_codes(cmd, path, &[0]).map(|_| ())
}

/// Runs `cmd` with standard output into `path`; returns its exit code, which must be one of
/// `ok` (else fails with its standard error).
pub(super) fn run_to_with_codes(cmd: &mut Command, path: &Path, ok: &[i32]) -> Result<i32> {
    let f = File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let out = cmd
        .stdout(f)
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(cmd)))?;
    match out.status.code() {
        Some(code) if ok.contains(&code) => Ok(code),
        _ => Err(format!(
            "{} failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into()),
    }
}

/// "identical", or where the two outputs first differ.
pub(super) fn compare(ours: &Path, reference: &Path) -> Result<String> {
    let a = std::fs::read(ours).map_err(|e| format!("cannot read {}: {e}", ours.display()))?;
    let b = std::fs::read(reference)
        .map_err(|e| format!("cannot read {}: {e}", reference.display()))?;
    if a == b {
        return Ok("identical".into());
    }
    let at = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let line = a[..at].iter().filter(|&&c| c == b'\n').count() + 1;
    Ok(format!(
        "DIFFERENT ({} vs {} bytes; first difference at byte {at}, line {line}; compare {} and {})",
        a.len(),
        b.len(),
        ours.display(),
        reference.display()
    ))
}

/// One measured run: wall time, and peak RSS in KiB if measured.
pub(super) struct Sample {
    wall: Duration,
    rss_kib: Option<u64>,
}

#[derive(Default)]
pub(super) struct Timing {
    best: Option<Duration>,
    peak_rss_kib: Option<u64>,
    samples: Vec<Duration>,
}

impl Timing {
    fn add(&mut self, s: Sample) {
        self.samples.push(s.wall);
        self.best = Some(self.best.map_or(s.wall, |b| b.min(s.wall)));
        if let Some(r) = s.rss_kib {
            self.peak_rss_kib = Some(self.peak_rss_kib.map_or(r, |p| p.max(r)));
        }
    }

    /// The median wall time (the mean of the middle two for an even count).
    fn median(&self) -> Option<Duration> {
        let mut v = self.samples.clone();
        v.sort_unstable();
        let n = v.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(v[n / 2]),
            _ => Some((v[n / 2 - 1] + v[n / 2]) / 2),
        }
    }
}

/// Runs `cmd` once with standard output to /dev/null, under /usr/bin/time when available.
pub(super) fn timed(cmd: &mut Command, have_time: bool, dir: &Path) -> Result<Sample> {
    timed_with_codes(cmd, have_time, dir, &[0])
}

/// [`timed`] for a command whose exit code may be any of `ok` (GNU time passes it on).
pub(super) fn timed_with_codes(
    cmd: &mut Command,
    have_time: bool,
    dir: &Path,
    ok: &[i32],
) -> Result<Sample> {
    let rss_file = dir.join("rss.txt");
    let mut run = if have_time {
        let mut t = Command::new(TIME);
        t.args(["-f", "%M", "-o"])
            .arg(&rss_file)
            .arg(cmd.get_program())
            .args(cmd.get_args());
        t
    } else {
        let mut c = Command::new(cmd.get_program());
        c.args(cmd.get_args());
        c
    };
    if let Some(d) = cmd.get_current_dir() {
        run.current_dir(d);
    }
    let null = File::create("/dev/null").map_err(|e| format!("cannot open /dev/null: {e}"))?;
    run.stdout(null).stderr(Stdio::piped());
    let started = Instant::now();
    let out = run
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(&run)))?;
    let wall = started.elapsed();
    if !out.status.code().is_some_and(|c| ok.contains(&c)) {
        return Err(format!(
            "{} failed ({}): {}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let rss_kib = if have_time {
        std::fs::read_to_string(&rss_file)
            .ok()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
    } else {
        None
    };
    Ok(Sample { wall, rss_kib })
}

/// A small deterministic generator (xorshift64*).
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

// ------------------------------------------------------------------------------------------------
// Shared by several benchmarks

/// Files per component.
pub(super) const FILES_PER_COMPONENT: u32 = 10;

pub(super) fn component_of(index: u32) -> u32 {
    (index - 1) / FILES_PER_COMPONENT + 1
}

/// Removes and recreates the output folder (not timed).
pub(super) fn clean(out: &Path) -> Result<()> {
    if out.exists() {
        std::fs::remove_dir_all(out)
            .map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    Ok(())
}

/// Regular files and their total size under `dir`.
pub(super) fn tally(dir: &Path) -> (u64, u64) {
    let mut n = 0;
    let mut bytes = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() {
                n += 1;
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    (n, bytes)
}

/// File contents that compress about as well as typical program files: words from a small
/// vocabulary with random numbers and some incompressible runs.
pub(super) fn payload(rng: &mut Rng, len: usize) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "install",
        "component ",
        "feature\r\n",
        "registry",
        "\0\0\0\0",
        "Program Files\\",
        "value=",
        "msikit ",
        "cabinet",
        "folder ",
        "0x7FFE",
        "DllMain",
        " ",
        "\t",
        "sequence",
        "<xml/>",
    ];
    let mut v = Vec::with_capacity(len + 64);
    while v.len() < len {
        let r = rng.next();
        match r % 8 {
            0 => {
                // 16 random bytes.
                v.extend_from_slice(&rng.next().to_le_bytes());
                v.extend_from_slice(&rng.next().to_le_bytes());
            }
            1 => {
                let _ = write!(Bytes(&mut v), "{}", r >> 40);
            }
            _ => v.extend_from_slice(WORDS[(r >> 8) as usize % WORDS.len()].as_bytes()),
        }
    }
    v.truncate(len);
    v
}

/// Moves a finished file into place, saying which when it cannot.
pub(super) fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to)
        .map_err(|e| format!("cannot rename {} to {}: {e}", from.display(), to.display()).into())
}

/// Makes `msi` with msibuild: summary, the IDT files (already written in `work`), and `cab` as
/// the stream `data.cab`.
pub(super) fn msibuild(
    work: &Path,
    msi: &Path,
    title: &str,
    idts: &[(&str, String)],
    cab: &Path,
) -> Result<()> {
    run_ok(
        Command::new("msibuild")
            .arg(msi)
            .arg("-s")
            .arg(title)
            .arg("Contoso Ltd.")
            .arg("x64;1033")
            .arg("{7E3D2C1B-0A9F-4E8D-B7C6-A5B4C3D2E1F1}"),
    )?;
    let mut import = Command::new("msibuild");
    import.current_dir(work).arg(msi).arg("-i");
    for (name, _) in idts {
        import.arg(name);
    }
    run_ok(&mut import)?;
    run_ok(
        Command::new("msibuild")
            .arg(msi)
            .arg("-a")
            .arg("data.cab")
            .arg(cab),
    )?;
    Ok(())
}

/// `write!` into a byte vector.
pub(super) struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
