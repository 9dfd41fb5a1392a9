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
}

/// Bump when the generated tables change, so old MSIs are not reused.
const GENERATOR_VERSION: u32 = 1;

/// The goal for msikit's time as a fraction of msiinfo's.
const GOAL_RATIO: f64 = 0.5;

const TIME: &str = "/usr/bin/time";

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

pub fn run(a: Args) -> Result<()> {
    match a.what {
        Some(What::Extract(x)) => return run_extract(x),
        Some(What::Build(b)) => return run_build(b),
        Some(What::Dryrun(d)) => return run_dryrun(d),
        None => {}
    }
    let (have_time, dir) = prepare(&[("msibuild", "msitools"), ("msiinfo", "msitools")], None)?;

    let mut msis = Vec::new();
    for &rows in &a.rows {
        msis.push((rows, ensure_msi(&dir, rows, a.regenerate)?));
    }

    let msikit = match build_msikit() {
        Ok(exe) => Some(exe),
        Err(e) => {
            eprintln!("xtask: MSIKIT FAILED TO BUILD, timing msiinfo alone: {e}");
            None
        }
    };

    let mut results = Vec::new();
    let mut problems = Vec::new();
    for (rows, msi) in &msis {
        let msiinfo_cmd = || {
            let mut c = Command::new("msiinfo");
            c.arg("export").arg(msi).arg("File");
            c
        };
        let msikit_cmd = |exe: &Path| {
            let mut c = Command::new(exe);
            c.args(["table", "--format", "idt"]).arg(msi).arg("File");
            c
        };

        // Same output? (Also a first, untimed run of each, which warms the page cache.)
        let reference = dir.join(format!("out-msiinfo-{rows}.idt"));
        run_to(&mut msiinfo_cmd(), &reference)?;
        let mut identical = None;
        let mut msikit_ok = msikit.clone();
        if let Some(exe) = &msikit {
            let ours = dir.join(format!("out-msikit-{rows}.idt"));
            match run_to(&mut msikit_cmd(exe), &ours) {
                Ok(()) => {
                    let verdict = compare(&ours, &reference)?;
                    if verdict != "identical" {
                        problems.push(format!("{rows} rows: output {verdict}"));
                    }
                    identical = Some(verdict);
                }
                Err(e) => {
                    problems.push(format!("{rows} rows: msikit failed: {e}"));
                    msikit_ok = None;
                }
            }
        }

        eprintln!("xtask: timing {rows} rows, best of {} runs", a.runs);
        let mut ours = Timing::default();
        let mut theirs = Timing::default();
        for _ in 0..a.runs {
            if let Some(exe) = &msikit_ok {
                ours.add(timed(&mut msikit_cmd(exe), have_time, &dir)?);
            }
            theirs.add(timed(&mut msiinfo_cmd(), have_time, &dir)?);
        }
        results.push(Row {
            rows: *rows,
            ours: msikit_ok.map(|_| ours),
            theirs,
            identical,
        });
    }

    print_table(&results);
    if msikit.is_none() {
        problems.push(
            "the msikit binary did not build (the main crate may be mid-edit); no msikit numbers"
                .into(),
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

/// Builds `file-v<generator>-<rows>.msi` with msibuild unless it is already there.
fn ensure_msi(dir: &Path, rows: u32, regenerate: bool) -> Result<PathBuf> {
    let msi = dir.join(format!("file-v{GENERATOR_VERSION}-{rows}.msi"));
    if msi.is_file() && !regenerate {
        eprintln!("xtask: reusing {}", msi.display());
        return Ok(msi);
    }
    eprintln!("xtask: generating {} with msibuild", msi.display());
    let started = Instant::now();
    let idt_dir = dir.join(format!("idt-{rows}"));
    std::fs::create_dir_all(&idt_dir)
        .map_err(|e| format!("cannot create {}: {e}", idt_dir.display()))?;
    let idts = [
        ("Directory.idt", directory_idt()),
        ("Component.idt", component_idt(rows)),
        ("File.idt", file_idt(rows)),
    ];
    for (name, text) in &idts {
        let p = idt_dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }

    // Build under a temporary name, so an interrupted build is never reused.
    let partial = dir.join(format!("file-v{GENERATOR_VERSION}-{rows}.msi.partial"));
    let _ = std::fs::remove_file(&partial);
    run_ok(
        Command::new("msibuild")
            .arg(&partial)
            .arg("-s")
            .arg(format!("Bench: {rows}-row File table"))
            .arg("Contoso Ltd.")
            .arg("x64;1033")
            .arg("{7E3D2C1B-0A9F-4E8D-B7C6-A5B4C3D2E1F0}"),
    )?;
    let mut import = Command::new("msibuild");
    import.current_dir(&idt_dir).arg(&partial).arg("-i");
    for (name, _) in &idts {
        import.arg(name);
    }
    run_ok(&mut import)?;

    let tables = run_ok(Command::new("msiinfo").arg("tables").arg(&partial))?;
    if !tables.lines().any(|l| l.trim() == "File") {
        return Err(format!(
            "msiinfo tables does not list File in the generated {}",
            partial.display()
        )
        .into());
    }
    rename(&partial, &msi)?;
    let size = std::fs::metadata(&msi).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "xtask: built {} ({:.1} MiB) in {:.1} s; msiinfo tables lists File",
        msi.display(),
        size as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok(msi)
}

// IDT files: column names, column types, table name and keys, then tab-separated rows (CRLF).

fn directory_idt() -> String {
    [
        "Directory\tDirectory_Parent\tDefaultDir",
        "s72\tS72\tl255",
        "Directory\tDirectory",
        "TARGETDIR\t\tSourceDir",
        "ProgramFiles64Folder\tTARGETDIR\t.",
        "INSTALLDIR\tProgramFiles64Folder\tBENCH~1|Bench Files",
        "",
    ]
    .join("\r\n")
}

/// Files per component.
const FILES_PER_COMPONENT: u32 = 10;

fn component_of(index: u32) -> u32 {
    (index - 1) / FILES_PER_COMPONENT + 1
}

fn component_idt(rows: u32) -> String {
    let mut s = String::from(
        "Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath\r\n\
         s72\tS38\ts72\ti2\tS255\tS72\r\n\
         Component\tComponent\r\n",
    );
    for c in 1..=component_of(rows.max(1)) {
        let first_file = (c - 1) * FILES_PER_COMPONENT + 1;
        let _ = write!(
            s,
            "cmp{c}\t{{{c:08X}-0B1C-4D2E-8F30-{c:012X}}}\tINSTALLDIR\t256\t\tfil{first_file}\r\n"
        );
    }
    s
}

fn file_idt(rows: u32) -> String {
    let mut s = String::with_capacity(rows as usize * 90);
    s.push_str(
        "File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\r\n\
         s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\r\n\
         File\tFile\r\n",
    );
    for n in 1..=rows {
        // A size that looks arbitrary but is fixed: 1 KiB to about 5 MB.
        let size = 1024 + (u64::from(n).wrapping_mul(2_654_435_761) % 5_000_000);
        let _ = write!(
            s,
            "fil{n}\tcmp{c}\tFILE~{n:03}.DLL|LongFileName_{n:03}.dll\t{size}\t1.2.{v}.0\t1033\t512\t{n}\r\n",
            c = component_of(n),
            // Version fields are at most 65535.
            v = n % 65536,
        );
    }
    s
}

// ------------------------------------------------------------------------------------------------
// Running and timing

/// Runs a command that must succeed, returning its standard output.
fn run_ok(cmd: &mut Command) -> Result<String> {
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
fn run_to(cmd: &mut Command, path: &Path) -> Result<()> {
    run_to_with_codes(cmd, path, &[0]).map(|_| ())
}

/// Runs `cmd` with standard output into `path`; returns its exit code, which must be one of
/// `ok` (else fails with its standard error).
fn run_to_with_codes(cmd: &mut Command, path: &Path, ok: &[i32]) -> Result<i32> {
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
fn compare(ours: &Path, reference: &Path) -> Result<String> {
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
struct Sample {
    wall: Duration,
    rss_kib: Option<u64>,
}

#[derive(Default)]
struct Timing {
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
fn timed(cmd: &mut Command, have_time: bool, dir: &Path) -> Result<Sample> {
    timed_with_codes(cmd, have_time, dir, &[0])
}

/// [`timed`] for a command whose exit code may be any of `ok` (GNU time passes it on).
fn timed_with_codes(cmd: &mut Command, have_time: bool, dir: &Path, ok: &[i32]) -> Result<Sample> {
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

struct Row {
    rows: u32,
    ours: Option<Timing>,
    theirs: Timing,
    identical: Option<String>,
}

fn print_table(results: &[Row]) {
    let secs = |t: Option<&Timing>| {
        t.and_then(|t| t.best)
            .map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()))
    };
    let rss = |t: Option<&Timing>| {
        t.and_then(|t| t.peak_rss_kib)
            .map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    };
    println!();
    println!(
        "{:>8}  {:>9}  {:>9}  {:>14}  {:>9}  {:>12}  {:>12}  output",
        "rows", "msikit s", "msiinfo s", "msikit/msiinfo", "", "msikit RSS", "msiinfo RSS"
    );
    for r in results {
        let ratio = match (r.ours.as_ref().and_then(|t| t.best), r.theirs.best) {
            (Some(a), Some(b)) if !b.is_zero() => {
                let x = a.as_secs_f64() / b.as_secs_f64();
                format!("{x:.2}{}", if x <= GOAL_RATIO { "" } else { " (over)" })
            }
            _ => "-".to_string(),
        };
        println!(
            "{:>8}  {:>9}  {:>9}  {:>14}  {:>9}  {:>12}  {:>12}  {}",
            r.rows,
            secs(r.ours.as_ref()),
            secs(Some(&r.theirs)),
            ratio,
            format!("goal: <= {GOAL_RATIO}"),
            rss(r.ours.as_ref()),
            rss(Some(&r.theirs)),
            r.identical.as_deref().unwrap_or("not compared (no msikit)"),
        );
    }
}

// ------------------------------------------------------------------------------------------------
// `cargo xtask bench extract`

#[derive(clap::Args)]
pub struct ExtractArgs {
    /// Runs of each program per case; the best time counts
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Smaller packages (500 files / 50 MB and 5,000 small files) for a fast check
    #[arg(long)]
    quick: bool,
    /// Rebuild the packages even if they exist
    #[arg(long)]
    regenerate: bool,
    /// Run only the cases whose label contains this text (any case), e.g. `--case lzx`
    #[arg(long)]
    case: Option<String>,
}

/// Bump when the generated packages change, so old ones are not reused.
const EXTRACT_GENERATOR_VERSION: u32 = 1;

/// Goals for `msikit extract` against msiextract.
const EXTRACT_TIME_GOAL: f64 = 0.8;
const EXTRACT_MEMORY_GOAL: f64 = 2.0;

/// The case of the corpus's LZX cabinet.
const LZX_CASE: &str = "MSI: LZX 21, one 2 GiB file of zeros (libmspack)";

/// The corpus's large LZX cabinet (one 2 GiB file, 21-bit window).
const LZX_CAB: &str = "../shared/corpus/kyz__libmspack/cabextract__test__huge-lzx21@cf0a1102.cab";

/// One generated package: `files` files of `min..=max` bytes.
struct PackageSpec {
    label: &'static str,
    files: u32,
    min: u64,
    max: u64,
    folders: Folders,
}

/// How the payload is cut into cabinet folders.
#[derive(Clone, Copy, PartialEq)]
enum Folders {
    /// One folder, as gcab (and most authoring tools) write it.
    One,
    /// A folder per 16 MiB, as msikit's writer cuts it, so that folders decode in parallel.
    Many,
    /// One LZX folder (window 2^21), written by msikit's LZX compressor: no other tool here
    /// writes LZX. Checked by msiextract, cabextract and 7-Zip before it is timed.
    Lzx,
}

fn run_extract(a: ExtractArgs) -> Result<()> {
    let (have_time, dir) = prepare(
        &[
            ("msibuild", "msitools"),
            ("msiextract", "msitools"),
            ("gcab", "gcab"),
            ("cabextract", "cabextract"),
            ("7zz", "7zip"),
        ],
        Some("extract"),
    )?;

    // About 200 MB in 2,000 files (20 KB to 180 KB), in one folder (gcab) and in 16 MiB folders
    // (msikit's writer), and files of 512 B to 8 KB, 2,000 and 20,000 of them (for time per
    // file). Quick: a quarter of each.
    let q = if a.quick { 4 } else { 1 };
    let big = |label, folders| PackageSpec {
        label,
        files: 2_000 / q,
        min: 20_000,
        max: 180_000,
        folders,
    };
    let small = |label, files: u32| PackageSpec {
        label,
        files: files / q,
        min: 512,
        max: 8_192,
        folders: Folders::One,
    };
    // About 1 GB in 5,000 files of 20 KB to 380 KB, in one LZX folder.
    let lzx = |label| PackageSpec {
        label,
        files: 5_000 / q,
        min: 20_000,
        max: 380_000,
        folders: Folders::Lzx,
    };
    let specs = if a.quick {
        [
            big("500 files, ~50 MB, one folder", Folders::One),
            big("500 files, ~50 MB, 16 MiB folders", Folders::Many),
            small("500 small files", 2_000),
            small("5,000 small files", 20_000),
            lzx("1,250 files, ~250 MB, LZX 21, one folder"),
        ]
    } else {
        [
            big("2,000 files, ~200 MB, one folder", Folders::One),
            big("2,000 files, ~200 MB, 16 MiB folders", Folders::Many),
            small("2,000 small files", 2_000),
            small("20,000 small files", 20_000),
            lzx("5,000 files, ~1 GB, LZX 21, one folder"),
        ]
    };
    let wanted = |label: &str| {
        a.case
            .as_ref()
            .is_none_or(|w| label.to_lowercase().contains(&w.to_lowercase()))
    };
    let specs: Vec<&PackageSpec> = specs
        .iter()
        .filter(|s| wanted(&format!("MSI: {}", s.label)))
        .collect();
    let mut packages = Vec::new();
    for spec in &specs {
        packages.push(ensure_package(&dir, spec, a.regenerate)?);
    }

    let msikit = build_msikit()?;
    let out = dir.join("out");

    let mut cases: Vec<Case> = Vec::new();
    for (spec, (msi, cab)) in specs.iter().zip(&packages) {
        let o = out.clone();
        let mut tools: Vec<Tool> = Vec::new();
        push_msi_tools(&mut tools, &msikit, msi);
        push_cab_tools(&mut tools, &msikit, cab, " (its cabinet)");
        cases.push(Case {
            label: format!("MSI: {}", spec.label),
            // Time per file is compared between the packages of small files.
            files: (spec.max <= 8_192).then_some(spec.files),
            tools,
            out: o,
        });
    }
    let lzx = crate::workspace_root().join(LZX_CAB);
    if !wanted(LZX_CASE) {
        // Not asked for.
    } else if lzx.is_file() {
        let lzx_msi = ensure_lzx_package(&dir, &lzx, a.regenerate)?;
        let mut tools: Vec<Tool> = Vec::new();
        push_msi_tools(&mut tools, &msikit, &lzx_msi);
        push_cab_tools(&mut tools, &msikit, &lzx, " (its cabinet)");
        cases.push(Case {
            label: LZX_CASE.into(),
            files: None,
            tools,
            out: out.clone(),
        });
    } else {
        eprintln!("xtask: {} is missing; no LZX case", lzx.display());
    }

    if let Some(want) = &a.case {
        let want = want.to_lowercase();
        cases.retain(|c| c.label.to_lowercase().contains(&want));
        if cases.is_empty() {
            return Err(format!("no extract case has '{want}' in its label").into());
        }
    }

    let mut results = Vec::new();
    let mut problems = Vec::new();
    for case in &cases {
        eprintln!(
            "xtask: {}: checking, then best of {} runs",
            case.label, a.runs
        );
        // A first, untimed run of each tool, which also warms the page cache and checks that
        // every tool writes the same number of files and bytes. Every run, timed or not, writes
        // into a folder of its own, and no run starts within 35 s of a deletion of many files:
        // ext4 does not reuse an inode for 30 s after it is freed, and while many are that
        // fresh, creating a file scans past them (recently_deleted(), seen with perf at 250 us
        // a file), which put seconds of noise into the 20,000-file rows (2.5 s to 5 s for the
        // same run). Outputs are deleted between runs only past a size budget.
        let mut outputs = Outputs::new(&case.out)?;
        let mut alive = Vec::new();
        let mut written = Vec::new();
        for tool in &case.tools {
            let o = outputs.fresh()?;
            match run_ok(&mut (tool.cmd)(&o)) {
                Ok(_) => {
                    let (n, bytes) = tally(&o);
                    outputs.live += bytes;
                    outputs.live_files += n;
                    written.push(format!("{}: {n} files, {bytes} bytes", tool.name));
                    alive.push(Some((n, bytes)));
                }
                Err(e) => {
                    problems.push(format!("{}: {}: {e}", case.label, tool.name));
                    alive.push(None);
                }
            }
        }
        let counts: Vec<_> = alive.iter().flatten().collect();
        if counts.windows(2).any(|w| w[0] != w[1]) {
            problems.push(format!(
                "{}: tools disagree: {}",
                case.label,
                written.join("; ")
            ));
        } else {
            eprintln!("xtask:   {}", written.join("; "));
        }
        outputs.settle()?;
        let mut timings: Vec<Timing> = case.tools.iter().map(|_| Timing::default()).collect();
        for _ in 0..a.runs {
            for (i, tool) in case.tools.iter().enumerate() {
                let Some((files, bytes)) = alive[i] else {
                    continue;
                };
                if outputs.live + bytes > OUTPUT_BUDGET {
                    outputs.settle()?;
                }
                let o = outputs.fresh()?;
                timings[i].add(timed(&mut (tool.cmd)(&o), have_time, &dir)?);
                outputs.live += bytes;
                outputs.live_files += files;
            }
        }
        outputs.settle()?;
        results.push(
            case.tools
                .iter()
                .zip(timings)
                .map(|(t, timing)| (t.name.clone(), timing))
                .collect::<Vec<_>>(),
        );
    }
    let _ = std::fs::remove_dir_all(&out);

    print_extract_table(&cases, &results);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

/// `msikit extract` and `msiextract` on a package.
fn push_msi_tools(tools: &mut Vec<Tool>, msikit: &Path, msi: &Path) {
    let (m, p) = (msikit.to_path_buf(), msi.to_path_buf());
    tools.push(Tool::new("msikit extract", move |d| {
        let mut c = Command::new(&m);
        c.arg("extract").arg(&p).arg("-C").arg(d);
        c
    }));
    let p = msi.to_path_buf();
    tools.push(Tool::new("msiextract", move |d| {
        let mut c = Command::new("msiextract");
        c.arg("-C").arg(d).arg(&p);
        c
    }));
}

/// `msikit cab extract`, `cabextract` and `7zz x` on a cabinet.
fn push_cab_tools(tools: &mut Vec<Tool>, msikit: &Path, cab: &Path, suffix: &str) {
    let (m, p) = (msikit.to_path_buf(), cab.to_path_buf());
    tools.push(Tool::new(
        &format!("msikit cab extract{suffix}"),
        move |d| {
            let mut c = Command::new(&m);
            c.args(["cab", "extract"]).arg(&p).arg("-C").arg(d);
            c
        },
    ));
    let p = cab.to_path_buf();
    tools.push(Tool::new(&format!("cabextract{suffix}"), move |d| {
        let mut c = Command::new("cabextract");
        c.arg("-q").arg("-d").arg(d).arg(&p);
        c
    }));
    let p = cab.to_path_buf();
    tools.push(Tool::new(&format!("7zz x{suffix}"), move |d| {
        let mut c = Command::new("7zz");
        let mut o = std::ffi::OsString::from("-o");
        o.push(d);
        c.args(["x", "-y", "-bd"]).arg(o).arg(&p);
        c
    }));
}

type CmdFn = Box<dyn Fn(&Path) -> Command>;

struct Tool {
    name: String,
    cmd: CmdFn,
}

impl Tool {
    fn new(name: &str, cmd: impl Fn(&Path) -> Command + 'static) -> Tool {
        Tool {
            name: name.to_string(),
            cmd: Box::new(cmd),
        }
    }
}

struct Case {
    label: String,
    files: Option<u32>,
    tools: Vec<Tool>,
    out: PathBuf,
}

/// Removes and recreates the output folder (not timed).
fn clean(out: &Path) -> Result<()> {
    if out.exists() {
        std::fs::remove_dir_all(out)
            .map_err(|e| format!("cannot remove {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    Ok(())
}

/// Outputs of the timed runs kept on disk at once before they are deleted (not timed).
const OUTPUT_BUDGET: u64 = 6 << 30;

/// The output folders of one benchmark case: a new, never used folder for each run.
struct Outputs {
    root: PathBuf,
    next: u32,
    /// Bytes and files written into folders not yet deleted.
    live: u64,
    live_files: u64,
}

impl Outputs {
    fn new(root: &Path) -> Result<Outputs> {
        let mut o = Outputs {
            root: root.to_path_buf(),
            next: 0,
            live: 0,
            // What an earlier, interrupted run left is not counted: assume it was much.
            live_files: if std::fs::read_dir(root).is_ok_and(|mut d| d.next().is_some()) {
                u64::MAX
            } else {
                0
            },
        };
        o.settle()?;
        Ok(o)
    }

    /// A folder no run has written into.
    fn fresh(&mut self) -> Result<PathBuf> {
        self.next += 1;
        let d = self.root.join(format!("run{}", self.next));
        std::fs::create_dir_all(&d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        Ok(d)
    }

    /// Deletes every output so far, then lets the file system finish with it: `sync`, and,
    /// when many files went, the 35 s after which ext4 no longer avoids their inodes.
    fn settle(&mut self) -> Result<()> {
        clean(&self.root)?;
        let _ = Command::new("sync").status();
        if self.live_files > 1_000 {
            eprintln!("xtask:   (35 s for the file system to settle after deleting outputs)");
            std::thread::sleep(Duration::from_secs(35));
        }
        self.live = 0;
        self.live_files = 0;
        Ok(())
    }
}

/// Regular files and their total size under `dir`.
fn tally(dir: &Path) -> (u64, u64) {
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

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// File contents that compress about as well as typical program files: words from a small
/// vocabulary with random numbers and some incompressible runs.
fn payload(rng: &mut Rng, len: usize) -> Vec<u8> {
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

/// `write!` into a byte vector.
struct Bytes<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Builds `<files>.msi` (msibuild, with its files in one MSZIP cabinet made by `gcab -c -z`)
/// unless it is already there; returns the package and the cabinet.
fn ensure_package(dir: &Path, spec: &PackageSpec, regenerate: bool) -> Result<(PathBuf, PathBuf)> {
    let stem = format!(
        "pkg-v{EXTRACT_GENERATOR_VERSION}-{}-{}{}",
        spec.files,
        spec.max,
        match spec.folders {
            Folders::One => "",
            Folders::Many => "-folders",
            Folders::Lzx => "-lzx21",
        }
    );
    let msi = dir.join(format!("{stem}.msi"));
    let cab = dir.join(format!("{stem}.cab"));
    if msi.is_file() && cab.is_file() && !regenerate {
        eprintln!("xtask: reusing {}", msi.display());
        return Ok((msi, cab));
    }
    eprintln!(
        "xtask: generating {} ({} files) with {} and msibuild",
        msi.display(),
        spec.files,
        match spec.folders {
            Folders::One => "gcab",
            Folders::Many => "msikit's cabinet writer",
            Folders::Lzx => "msikit's LZX compressor",
        }
    );
    let started = Instant::now();
    let work = dir.join(format!("{stem}.work"));
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|e| format!("cannot remove {}: {e}", work.display()))?;
    }
    let payload_dir = work.join("files");
    std::fs::create_dir_all(&payload_dir)
        .map_err(|e| format!("cannot create {}: {e}", payload_dir.display()))?;

    // Files in folders of 100, a component per 10 files, one cabinet named by the File keys.
    const PER_DIR: u32 = 100;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ u64::from(spec.files));
    let mut directory = String::from(
        "Directory\tDirectory_Parent\tDefaultDir\r\n\
         s72\tS72\tl255\r\n\
         Directory\tDirectory\r\n\
         TARGETDIR\t\tSourceDir\r\n\
         ProgramFiles64Folder\tTARGETDIR\t.\r\n\
         INSTALLDIR\tProgramFiles64Folder\tBENCH~1|Bench Files\r\n",
    );
    for d in 1..=spec.files.div_ceil(PER_DIR) {
        let _ = write!(directory, "dir{d}\tINSTALLDIR\tdir{d}\r\n");
    }
    let mut component = String::from(
        "Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath\r\n\
         s72\tS38\ts72\ti2\tS255\tS72\r\n\
         Component\tComponent\r\n",
    );
    let mut file = String::from(
        "File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\r\n\
         s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\r\n\
         File\tFile\r\n",
    );
    let mut keys = Vec::with_capacity(spec.files as usize);
    let mut total = 0u64;
    for n in 1..=spec.files {
        let c = component_of(n);
        if (n - 1) % FILES_PER_COMPONENT == 0 {
            let _ = write!(
                component,
                "cmp{c}\t{{{c:08X}-0B1C-4D2E-8F30-{c:012X}}}\tdir{d}\t256\t\tf{n:05}\r\n",
                d = (n - 1) / PER_DIR + 1
            );
        }
        let size = spec.min + rng.next() % (spec.max - spec.min + 1);
        total += size;
        let key = format!("f{n:05}");
        let data = payload(&mut rng, size as usize);
        let p = payload_dir.join(&key);
        std::fs::write(&p, &data).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        let _ = write!(
            file,
            "{key}\tcmp{c}\tF{n:05}.DAT|file_{n:05}.dat\t{size}\t\t\t16384\t{n}\r\n"
        );
        keys.push(key);
    }
    let media = format!(
        "DiskId\tLastSequence\tDiskPrompt\tCabinet\tVolumeLabel\tSource\r\n\
         i2\ti4\tL64\tS255\tS32\tS72\r\n\
         Media\tDiskId\r\n\
         1\t{}\t\t#data.cab\t\t\r\n",
        spec.files
    );
    let idts = [
        ("Directory.idt", directory),
        ("Component.idt", component),
        ("File.idt", file),
        ("Media.idt", media),
    ];
    for (name, text) in &idts {
        let p = work.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }

    // gcab stores the names as given (relative to its working directory) in argument order.
    let cab_partial = work.join("data.cab");
    match spec.folders {
        Folders::One => {
            let mut gcab = Command::new("gcab");
            gcab.current_dir(&payload_dir)
                .args(["-c", "-z", "-n"])
                .arg(&cab_partial)
                .args(&keys);
            run_ok(&mut gcab)?;
        }
        Folders::Many | Folders::Lzx => {
            let mut data = Vec::with_capacity(keys.len());
            for k in &keys {
                let p = payload_dir.join(k);
                data.push(
                    std::fs::read(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?,
                );
            }
            let files: Vec<msikit::formats::cabinet::write::NewFile<'_>> = keys
                .iter()
                .zip(&data)
                .map(|(k, d)| msikit::formats::cabinet::write::NewFile { name: k, data: d })
                .collect();
            use msikit::formats::cabinet::write::{
                write_cabinet_in_folders, Compression, FOLDER_BYTES,
            };
            let (compression, folder_bytes) = match spec.folders {
                // Level 6, as gcab's zlib default.
                Folders::Many => (Compression::MsZip(6), FOLDER_BYTES),
                _ => (Compression::Lzx { window_bits: 21 }, u64::MAX),
            };
            let bytes = write_cabinet_in_folders(&files, 0, compression, folder_bytes)
                .map_err(|e| format!("cannot write the cabinet: {e}"))?;
            std::fs::write(&cab_partial, bytes)
                .map_err(|e| format!("cannot write {}: {e}", cab_partial.display()))?;
        }
    }

    let partial = work.join("pkg.msi");
    msibuild(
        &work,
        &partial,
        &format!("Bench: {} files", spec.files),
        &idts,
        &cab_partial,
    )?;
    for (from, to) in [(&cab_partial, &cab), (&partial, &msi)] {
        rename(from, to)?;
    }
    let _ = std::fs::remove_dir_all(&work);
    let size = std::fs::metadata(&msi).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "xtask: built {} ({:.1} MiB of files, {:.1} MiB package) in {:.1} s",
        msi.display(),
        total as f64 / (1024.0 * 1024.0),
        size as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok((msi, cab))
}

/// Moves a finished file into place, saying which when it cannot.
fn rename(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to)
        .map_err(|e| format!("cannot rename {} to {}: {e}", from.display(), to.display()).into())
}

/// Makes `msi` with msibuild: summary, the IDT files (already written in `work`), and `cab` as
/// the stream `data.cab`.
fn msibuild(
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

/// An MSI around libmspack's LZX cabinet (one file, `empty.dat`, 2 GiB), so that msikit extract
/// and msiextract can be timed on LZX too.
fn ensure_lzx_package(dir: &Path, cab: &Path, regenerate: bool) -> Result<PathBuf> {
    let msi = dir.join(format!("lzx-v{EXTRACT_GENERATOR_VERSION}.msi"));
    if msi.is_file() && !regenerate {
        eprintln!("xtask: reusing {}", msi.display());
        return Ok(msi);
    }
    let work = dir.join("lzx.work");
    if work.exists() {
        std::fs::remove_dir_all(&work)
            .map_err(|e| format!("cannot remove {}: {e}", work.display()))?;
    }
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let idts = [
        (
            "Directory.idt",
            "Directory\tDirectory_Parent\tDefaultDir\r\n\
             s72\tS72\tl255\r\n\
             Directory\tDirectory\r\n\
             TARGETDIR\t\tSourceDir\r\n\
             ProgramFiles64Folder\tTARGETDIR\t.\r\n\
             INSTALLDIR\tProgramFiles64Folder\tBENCH~1|Bench Files\r\n"
                .to_string(),
        ),
        (
            "Component.idt",
            "Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath\r\n\
             s72\tS38\ts72\ti2\tS255\tS72\r\n\
             Component\tComponent\r\n\
             cmp1\t{5A1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0}\tINSTALLDIR\t256\t\tempty.dat\r\n"
                .to_string(),
        ),
        (
            "File.idt",
            "File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\r\n\
             s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\r\n\
             File\tFile\r\n\
             empty.dat\tcmp1\tempty.dat\t2147450880\t\t\t16384\t1\r\n"
                .to_string(),
        ),
        (
            "Media.idt",
            "DiskId\tLastSequence\tDiskPrompt\tCabinet\tVolumeLabel\tSource\r\n\
             i2\ti4\tL64\tS255\tS32\tS72\r\n\
             Media\tDiskId\r\n\
             1\t1\t\t#data.cab\t\t\r\n"
                .to_string(),
        ),
    ];
    for (name, text) in &idts {
        let p = work.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    let partial = work.join("pkg.msi");
    msibuild(&work, &partial, "Bench: LZX 21, one 2 GiB file", &idts, cab)?;
    rename(&partial, &msi)?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(msi)
}

fn print_extract_table(cases: &[Case], results: &[Vec<(String, Timing)>]) {
    let secs = |t: &Timing| {
        t.best
            .map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()))
    };
    let rss = |t: &Timing| {
        t.peak_rss_kib
            .map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    };
    let ratio = |a: &Timing, b: Option<&Timing>, goal: Option<(f64, f64)>| {
        let Some(b) = b else {
            return ("-".to_string(), "-".to_string());
        };
        let mark = |x: f64, g: Option<f64>| match g {
            Some(g) if x > g => format!("{x:.2} (over)"),
            _ => format!("{x:.2}"),
        };
        let t = match (a.best, b.best) {
            (Some(x), Some(y)) if !y.is_zero() => {
                mark(x.as_secs_f64() / y.as_secs_f64(), goal.map(|g| g.0))
            }
            _ => "-".to_string(),
        };
        let m = match (a.peak_rss_kib, b.peak_rss_kib) {
            (Some(x), Some(y)) if y > 0 => mark(x as f64 / y as f64, goal.map(|g| g.1)),
            _ => "-".to_string(),
        };
        (t, m)
    };
    let cw = cases
        .iter()
        .map(|c| c.label.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let tw = results
        .iter()
        .flatten()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0)
        .max(4);
    println!();
    println!(
        "goals: msikit extract time <= {EXTRACT_TIME_GOAL}x msiextract, memory <= \
         {EXTRACT_MEMORY_GOAL}x msiextract"
    );
    println!(
        "{:<cw$}  {:<tw$}  {:>8}  {:>11}  {:>13}  {:>13}  {:>13}  {:>13}",
        "case",
        "tool",
        "seconds",
        "peak RSS",
        "t/msiextract",
        "m/msiextract",
        "t/cabextract",
        "m/cabextract"
    );
    for (case, rows) in cases.iter().zip(results) {
        let find = |prefix: &str| {
            rows.iter()
                .find(|(n, _)| n.starts_with(prefix))
                .map(|(_, t)| t)
        };
        let msiextract = find("msiextract");
        let cabextract = find("cabextract");
        for (name, t) in rows {
            let (tm, mm, tc, mc) = if name.starts_with("msikit") {
                let goal = name
                    .starts_with("msikit extract")
                    .then_some((EXTRACT_TIME_GOAL, EXTRACT_MEMORY_GOAL));
                let (tm, mm) = ratio(t, msiextract, goal);
                let (tc, mc) = ratio(t, cabextract, None);
                (tm, mm, tc, mc)
            } else {
                let d = || "".to_string();
                (d(), d(), d(), d())
            };
            println!(
                "{:<cw$}  {:<tw$}  {:>8}  {:>11}  {:>13}  {:>13}  {:>13}  {:>13}",
                case.label,
                name,
                secs(t),
                rss(t),
                tm,
                mm,
                tc,
                mc
            );
        }
    }

    // Time per file: does it grow linearly with the number of files?
    let per_file: Vec<_> = cases
        .iter()
        .zip(results)
        .filter_map(|(c, rows)| c.files.map(|n| (c, n, rows)))
        .collect();
    if per_file.len() >= 2 {
        println!();
        println!(
            "time per file (ms), files of 512 B to 8 KB: with time linear in the number of \
             files (or better), the per-file ratio is at most about 1"
        );
        let (_, n0, rows0) = per_file[0];
        let (_, n1, rows1) = per_file[1];
        println!(
            "{:<tw$}  {:>12}  {:>12}  {:>9}  {:>10}",
            "tool",
            format!("{n0} files"),
            format!("{n1} files"),
            "per file",
            "time"
        );
        for ((name, t0), (_, t1)) in rows0.iter().zip(rows1) {
            let (Some(a), Some(b)) = (t0.best, t1.best) else {
                continue;
            };
            let pa = a.as_secs_f64() * 1000.0 / f64::from(n0);
            let pb = b.as_secs_f64() * 1000.0 / f64::from(n1);
            println!(
                "{name:<tw$}  {pa:>12.4}  {pb:>12.4}  {:>9.2}  {:>9.1}x",
                pb / pa,
                b.as_secs_f64() / a.as_secs_f64()
            );
        }
    }
}

// ------------------------------------------------------------------------------------------------
// `cargo xtask bench build`

#[derive(clap::Args)]
pub struct BuildArgs {
    /// Files in the generated product (one component each, about 100 folders)
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=65_535))]
    files: u32,
    /// Runs of each program; the median time counts
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Regenerate the payload and the sources even if they exist
    #[arg(long)]
    regenerate: bool,
}

/// Bump when the generated payload or sources change, so old ones are not reused.
const BUILD_GENERATOR_VERSION: u32 = 1;

/// The goal for `msikit build` time as a fraction of wixl's.
const BUILD_TIME_GOAL: f64 = 0.2;

/// The product's fixed codes (the same in both sources).
const BUILD_PRODUCT_CODE: &str = "{6A1C3E5F-2B4D-4F60-8A9B-0C1D2E3F4A5B}";
const BUILD_UPGRADE_CODE: &str = "{6A1C3E5F-2B4D-4F60-8A9B-0C1D2E3F4A5C}";

/// The generated product: its folder, the two sources, and the payload files (relative paths
/// under `payload/`, which is also where they install under `Bench Files/`).
struct Product {
    dir: PathBuf,
    manifest: PathBuf,
    wxs: PathBuf,
    files: Vec<PathBuf>,
    bytes: u64,
}

fn run_build(a: BuildArgs) -> Result<()> {
    let (have_time, dir) = prepare(
        &[
            ("wixl", "wixl"),
            ("msiinfo", "msitools"),
            ("msiextract", "msitools"),
        ],
        Some("build"),
    )?;
    let product = ensure_product(&dir, a.files, a.regenerate)?;
    let msikit = build_msikit()?;
    let wixl_version = run_ok(Command::new("wixl").arg("--version"))?;

    let out_msikit = product.dir.join("out-msikit.msi");
    let out_wixl = product.dir.join("out-wixl.msi");
    let msikit_cmd = || {
        let mut c = Command::new(&msikit);
        c.current_dir(&product.dir)
            .arg("build")
            .arg(&product.manifest)
            .arg("-o")
            .arg(&out_msikit);
        c
    };
    let wixl_cmd = || {
        let mut c = Command::new("wixl");
        c.current_dir(&product.dir)
            .args(["-a", "x64", "-o"])
            .arg(&out_wixl)
            .arg(&product.wxs);
        c
    };
    let tools: [(&str, &dyn Fn() -> Command, &Path); 2] = [
        ("msikit build", &msikit_cmd, &out_msikit),
        ("wixl", &wixl_cmd, &out_wixl),
    ];

    // A first, untimed run of each, which also warms the page cache; then the checks.
    println!(
        "msikit: {}\nwixl:   {}\npayload: {} files, {:.1} MiB, in {}",
        msikit.display(),
        wixl_version.trim(),
        product.files.len(),
        product.bytes as f64 / (1024.0 * 1024.0),
        product.dir.join("payload").display()
    );
    let mut problems = Vec::new();
    let mut alive = Vec::new();
    for (name, cmd, out) in &tools {
        let _ = std::fs::remove_file(out);
        let started = Instant::now();
        if let Err(e) = run_ok(&mut cmd()) {
            problems.push(format!("{name} failed: {e}"));
            alive.push(false);
            continue;
        }
        let first = started.elapsed();
        alive.push(true);
        let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
        println!(
            "check {name}: first run {:.3} s, {} ({:.1} MiB)",
            first.as_secs_f64(),
            out.display(),
            size as f64 / (1024.0 * 1024.0)
        );
        match check_built(name, out, &product) {
            Ok(found) => problems.extend(found),
            Err(e) => problems.push(format!("{name}: checking {}: {e}", out.display())),
        }
    }

    eprintln!(
        "xtask: timing {} files, median of {} runs",
        product.files.len(),
        a.runs
    );
    let mut timings: Vec<Timing> = tools.iter().map(|_| Timing::default()).collect();
    for _ in 0..a.runs {
        for (i, (_, cmd, out)) in tools.iter().enumerate() {
            if !alive[i] {
                continue;
            }
            let _ = std::fs::remove_file(out);
            timings[i].add(timed(&mut cmd(), have_time, &dir)?);
        }
    }

    let sizes: Vec<Option<u64>> = tools
        .iter()
        .zip(&alive)
        .map(|((_, _, out), &ok)| {
            ok.then(|| std::fs::metadata(out).map(|m| m.len()).ok())
                .flatten()
        })
        .collect();
    let names: Vec<&str> = tools.iter().map(|t| t.0).collect();
    print_build_table(product.files.len(), &names, &timings, &sizes);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

/// Generates `v<generator>-<files>/` (payload, `product.toml`, `product.wxs`) unless it is
/// complete already.
fn ensure_product(dir: &Path, files: u32, regenerate: bool) -> Result<Product> {
    let root = dir.join(format!("v{BUILD_GENERATOR_VERSION}-{files}"));
    let manifest = root.join("product.toml");
    let wxs = root.join("product.wxs");
    let stamp = root.join("complete");

    // ~100 folders, the files spread evenly over them.
    let per_dir = files.div_ceil(100).max(1);
    let dirs = files.div_ceil(per_dir);
    let rel = |n: u32| {
        PathBuf::from(format!("d{:03}", (n - 1) / per_dir + 1)).join(format!("file_{n:05}.dat"))
    };
    let mut rng = Rng(0xB5AD_4ECE_DA1C_E2A9 ^ u64::from(files));
    let sizes: Vec<u64> = (1..=files).map(|_| 1024 + rng.next() % 7169).collect();
    let list: Vec<PathBuf> = (1..=files).map(rel).collect();
    let bytes = sizes.iter().sum();
    let product = Product {
        dir: root.clone(),
        manifest: manifest.clone(),
        wxs: wxs.clone(),
        files: list,
        bytes,
    };
    if stamp.is_file() && !regenerate {
        eprintln!("xtask: reusing {}", root.display());
        return Ok(product);
    }
    eprintln!(
        "xtask: generating {} ({files} files in {dirs} folders)",
        root.display()
    );
    let started = Instant::now();
    if root.exists() {
        std::fs::remove_dir_all(&root)
            .map_err(|e| format!("cannot remove {}: {e}", root.display()))?;
    }
    let payload_dir = root.join("payload");
    for d in 1..=dirs {
        let p = payload_dir.join(format!("d{d:03}"));
        std::fs::create_dir_all(&p).map_err(|e| format!("cannot create {}: {e}", p.display()))?;
    }
    for (rel, &size) in product.files.iter().zip(&sizes) {
        let data = payload(&mut rng, size as usize);
        let p = payload_dir.join(rel);
        std::fs::write(&p, &data).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }

    // The msikit manifest: one directory per folder, one component (GUID "*") per file.
    let mut toml = format!(
        "# Generated by `cargo xtask bench build`.\n\
         [package]\n\
         timestamp = 1700000000\n\n\
         [product]\n\
         name = \"Bench Build\"\n\
         manufacturer = \"Contoso Ltd.\"\n\
         version = \"1.0.0\"\n\
         code = \"{BUILD_PRODUCT_CODE}\"\n\
         upgrade_code = \"{BUILD_UPGRADE_CODE}\"\n\
         platform = \"x64\"\n\n\
         [[directory]]\n\
         id = \"INSTALLDIR\"\n\
         parent = \"ProgramFiles64Folder\"\n\
         name = \"Bench Files\"\n"
    );
    for d in 1..=dirs {
        let _ = write!(
            toml,
            "\n[[directory]]\nid = \"d{d:03}\"\nparent = \"INSTALLDIR\"\nname = \"d{d:03}\"\n"
        );
    }
    toml.push_str("\n[[feature]]\nid = \"Main\"\ntitle = \"Bench Build\"\n");
    for n in 1..=files {
        let d = (n - 1) / per_dir + 1;
        let _ = write!(
            toml,
            "\n[[component]]\nid = \"c{n:05}\"\nguid = \"*\"\ndirectory = \"d{d:03}\"\n\n\
             [[file]]\nid = \"f{n:05}\"\ncomponent = \"c{n:05}\"\n\
             source = \"payload/d{d:03}/file_{n:05}.dat\"\n"
        );
    }

    // The same product for wixl.
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <!-- Generated by `cargo xtask bench build`. -->\n\
         <Wix xmlns=\"http://schemas.microsoft.com/wix/2006/wi\">\n\
         \x20 <Product Id=\"{BUILD_PRODUCT_CODE}\" Name=\"Bench Build\" Language=\"1033\" \
         Version=\"1.0.0\" Manufacturer=\"Contoso Ltd.\" UpgradeCode=\"{BUILD_UPGRADE_CODE}\">\n\
         \x20   <Package InstallerVersion=\"200\" Compressed=\"yes\" InstallScope=\"perMachine\"/>\n\
         \x20   <Media Id=\"1\" Cabinet=\"product.cab\" EmbedCab=\"yes\"/>\n\
         \x20   <Directory Id=\"TARGETDIR\" Name=\"SourceDir\">\n\
         \x20     <Directory Id=\"ProgramFiles64Folder\">\n\
         \x20       <Directory Id=\"INSTALLDIR\" Name=\"Bench Files\">\n"
    );
    for d in 1..=dirs {
        let _ = writeln!(xml, "          <Directory Id=\"d{d:03}\" Name=\"d{d:03}\">");
        for n in (d - 1) * per_dir + 1..=(d * per_dir).min(files) {
            let _ = writeln!(
                xml,
                "            <Component Id=\"c{n:05}\" Guid=\"*\" Win64=\"yes\"><File \
                 Id=\"f{n:05}\" Source=\"payload/d{d:03}/file_{n:05}.dat\" KeyPath=\"yes\"/>\
                 </Component>"
            );
        }
        xml.push_str("          </Directory>\n");
    }
    xml.push_str(
        "        </Directory>\n      </Directory>\n    </Directory>\n    \
         <Feature Id=\"Main\" Title=\"Bench Build\" Level=\"1\">\n",
    );
    for n in 1..=files {
        let _ = writeln!(xml, "      <ComponentRef Id=\"c{n:05}\"/>");
    }
    xml.push_str("    </Feature>\n  </Product>\n</Wix>\n");

    for (p, text) in [(&manifest, &toml), (&wxs, &xml)] {
        std::fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    std::fs::write(&stamp, b"").map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    eprintln!(
        "xtask: generated {} files ({:.1} MiB) and both sources in {:.1} s",
        files,
        bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64()
    );
    Ok(product)
}

/// Checks a built package: `msiinfo export File` has a row per payload file (plus the 3 header
/// lines), and `msiextract -C` gives back every payload file byte for byte. Prints what it found;
/// returns the problems.
fn check_built(name: &str, msi: &Path, product: &Product) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let lines = run_ok(Command::new("msiinfo").arg("export").arg(msi).arg("File"))?
        .lines()
        .count();
    let want = product.files.len() + 3;
    println!(
        "check {name}: msiinfo export File: {lines} lines (want {} rows + 3 header lines){}",
        product.files.len(),
        if lines == want { "" } else { "  MISMATCH" }
    );
    if lines != want {
        problems.push(format!(
            "{name}: msiinfo export File gave {lines} lines, not {want}"
        ));
    }

    let out = product.dir.join("extracted");
    clean(&out)?;
    run_ok(Command::new("msiextract").arg("-C").arg(&out).arg(msi))?;
    let (extracted, _) = tally(&out);
    let installed = out.join("Bench Files");
    let mut same = 0usize;
    let mut bad = Vec::new();
    for rel in &product.files {
        let want = std::fs::read(product.dir.join("payload").join(rel));
        let got = std::fs::read(installed.join(rel));
        match (want, got) {
            (Ok(w), Ok(g)) if w == g => same += 1,
            _ => bad.push(rel.display().to_string()),
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    println!(
        "check {name}: msiextract -C: {extracted} files out, {same} of {} equal to the payload{}",
        product.files.len(),
        if bad.is_empty() {
            String::new()
        } else {
            format!(
                "  MISMATCH ({} differ or are missing, first {})",
                bad.len(),
                bad[0]
            )
        }
    );
    if !bad.is_empty() || extracted != product.files.len() as u64 {
        problems.push(format!(
            "{name}: msiextract gave {extracted} files, {same} of {} equal to the payload",
            product.files.len()
        ));
    }
    Ok(problems)
}

fn print_build_table(files: usize, names: &[&str], timings: &[Timing], sizes: &[Option<u64>]) {
    let mib = |b: u64| format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0));
    let reference = names.iter().position(|n| *n == "wixl").map(|i| &timings[i]);
    println!();
    println!(
        "{files} files; goal: msikit build time <= {BUILD_TIME_GOAL}x wixl's; times are the \
         median of {} runs",
        timings.iter().map(|t| t.samples.len()).max().unwrap_or(0)
    );
    println!(
        "{:<14}  {:>9}  {:>9}  {:>11}  {:>13}  {:>8}  {:>11}",
        "tool", "median s", "best s", "peak RSS", "time/wixl", "RSS/wixl", "package"
    );
    for ((name, t), size) in names.iter().zip(timings).zip(sizes) {
        let secs =
            |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()));
        let (tr, mr) = match reference {
            Some(r) if *name != "wixl" => {
                let tr = match (t.median(), r.median()) {
                    (Some(a), Some(b)) if !b.is_zero() => {
                        let x = a.as_secs_f64() / b.as_secs_f64();
                        format!(
                            "{x:.3}{}",
                            if x <= BUILD_TIME_GOAL { "" } else { " (over)" }
                        )
                    }
                    _ => "-".to_string(),
                };
                let mr = match (t.peak_rss_kib, r.peak_rss_kib) {
                    (Some(a), Some(b)) if b > 0 => format!("{:.2}", a as f64 / b as f64),
                    _ => "-".to_string(),
                };
                (tr, mr)
            }
            _ => (String::new(), String::new()),
        };
        println!(
            "{:<14}  {:>9}  {:>9}  {:>11}  {:>13}  {:>8}  {:>11}",
            name,
            secs(t.median()),
            secs(t.best),
            t.peak_rss_kib.map_or("-".to_string(), |k| mib(k * 1024)),
            tr,
            mr,
            size.map_or("-".to_string(), mib),
        );
    }
}

// ------------------------------------------------------------------------------------------------
// `cargo xtask bench dryrun`

#[derive(clap::Args)]
pub struct DryrunArgs {
    /// Machine snapshots to generate and check with `msikit check --snapshots`
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..))]
    snapshots: u32,
    /// Processes in the lock-prediction snapshot (every 10th loads 3 patched files)
    #[arg(long, default_value_t = 1_000, value_parser = clap::value_parser!(u32).range(2..))]
    processes: u32,
    /// Loaded modules per process in the lock-prediction snapshot (the image included)
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u32).range(4..))]
    modules: u32,
    /// Files the patch replaces, for the lock prediction
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(3..))]
    files: u32,
    /// Runs of `msikit check`; the median time counts
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Calls of the lock prediction; the median time counts
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(1..))]
    lock_runs: u32,
}

/// The goals, from the issue: 10,000 snapshots checked in a minute on 2 cores, and the lock
/// prediction for 10,000 files against 1,000 processes x 300 modules in half a second.
const DRYRUN_SNAPSHOTS: u32 = 10_000;
const DRYRUN_CHECK_GOAL: Duration = Duration::from_secs(60);
const DRYRUN_CORES: usize = 2;
const DRYRUN_FILES: u32 = 10_000;
const DRYRUN_PROCESSES: u32 = 1_000;
const DRYRUN_MODULES: u32 = 300;
const DRYRUN_LOCKS_GOAL: Duration = Duration::from_millis(500);

/// What the generated snapshots vary, from the samples.
const EXCHANGE_PRODUCT: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
const EXCHANGE_RTM: &str = "8.0.685.24";
/// KB934321, the interim update of rtm-interim-update.json.
const INTERIM_UPDATE: &str = "{8C2D6B1E-3F4A-4E5B-A6C7-D8E9F0A1B2C3}";
const SETUP_LOGS: &str = r"C:\ExchangeSetupLogs";
const EXCHANGE_BIN: &str = r"C:\Program Files\Microsoft\Exchange Server\Bin";

fn run_dryrun(a: DryrunArgs) -> Result<()> {
    let have_time = Path::new(TIME).is_file();
    if !have_time {
        eprintln!("xtask: {TIME} is missing, so peak RSS is not measured (apt-get install time)");
    }
    if cfg!(debug_assertions) {
        eprintln!(
            "xtask: this xtask is a debug build, so the lock prediction (which runs in this \
             process) is timed unoptimised; `cargo xtask` runs the release build"
        );
    }
    let dir = target_dir().join("bench").join("dryrun");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    let mut problems = Vec::new();
    let check = match dryrun_check(&a, &dir, have_time, &mut problems) {
        Ok(c) => Some(c),
        Err(e) => {
            problems.push(format!("check --snapshots: {e}"));
            None
        }
    };
    let locks = match dryrun_locks(&a, &mut problems) {
        Ok(l) => Some(l),
        Err(e) => {
            problems.push(format!("lock prediction: {e}"));
            None
        }
    };
    print_dryrun_table(&a, check.as_ref(), locks.as_ref());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

/// The `msikit check --snapshots` measurement.
struct CheckRun {
    timing: Timing,
    /// CPUs the check ran on.
    cores: usize,
}

/// The generated snapshots: the JSON Lines file and, per line, whether the server should be
/// ready by the KB930809 rules (RTM without patches other than the interim update, no interim
/// update, `C:\ExchangeSetupLogs` present, no MSExchange* service disabled).
struct Generated {
    path: PathBuf,
    expect_ready: Vec<bool>,
}

fn dryrun_check(
    a: &DryrunArgs,
    dir: &Path,
    have_time: bool,
    problems: &mut Vec<String>,
) -> Result<CheckRun> {
    let generated = generate_snapshots(dir, a.snapshots)?;
    let msikit = build_msikit()?;
    let patch = crate::workspace_root().join("testdata/exchange2007/ur1.msp");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // The goal is for 2 cores: on a larger machine, pin the check to 2 CPUs.
    let pin = cores > DRYRUN_CORES && have_program("taskset");
    let cmd = || {
        let mut c = if pin {
            let mut c = Command::new("taskset");
            c.args(["-c", "0,1"]).arg(&msikit);
            c
        } else {
            Command::new(&msikit)
        };
        c.arg("check")
            .arg(&patch)
            .arg("--snapshots")
            .arg(&generated.path);
        c
    };
    let cores = if pin { DRYRUN_CORES } else { cores };

    // A first, untimed run whose output is checked; it also warms the page cache. Exit 1 (a
    // server not ready) is expected; 2 is an error.
    let out = dir.join("check-out.jsonl");
    eprintln!("xtask: checking the output of {}", describe(&cmd()));
    let code = run_to_with_codes(&mut cmd(), &out, &[0, 1])?;
    verify_check_output(&out, &generated, code, problems)?;

    eprintln!(
        "xtask: timing msikit check on {} snapshots ({cores} cores), median of {} runs",
        a.snapshots, a.runs
    );
    let mut timing = Timing::default();
    for _ in 0..a.runs {
        timing.add(timed_with_codes(&mut cmd(), have_time, dir, &[0, 1])?);
    }
    Ok(CheckRun { timing, cores })
}

/// Writes `snapshots-<n>.jsonl`: `n` variations of the sample snapshots, one compact JSON
/// object a line, each parsed back with `msikit::machine::snapshot::parse` before it is written.
/// Deterministic; written afresh each run (a few seconds), since the samples may change.
fn generate_snapshots(dir: &Path, n: u32) -> Result<Generated> {
    use serde_json::Value;
    use std::io::Write as _;

    let started = Instant::now();
    let sample_dir = crate::workspace_root().join("testdata/exchange2007/snapshots");
    let mut sample_paths: Vec<PathBuf> = std::fs::read_dir(&sample_dir)
        .map_err(|e| format!("cannot read {}: {e}", sample_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    sample_paths.sort();
    let mut samples: Vec<(String, Value)> = Vec::new();
    for p in &sample_paths {
        let text = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        let v: Value =
            serde_json::from_slice(&text).map_err(|e| format!("{}: not JSON: {e}", p.display()))?;
        let name = p
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        samples.push((name, v));
    }
    if samples.is_empty() {
        return Err(format!("no sample snapshots in {}", sample_dir.display()).into());
    }

    // The interim update's patch entry and the path fact of its cached .msp, from the samples;
    // every module path they have, for extra processes.
    let is_iu = |p: &Value| {
        p["patch_code"]
            .as_str()
            .is_some_and(|c| c.eq_ignore_ascii_case(INTERIM_UPDATE))
    };
    let mut iu: Option<(Value, Option<Value>)> = None;
    let mut module_pool: Vec<String> = Vec::new();
    for (_, s) in &samples {
        for prod in s["products"].as_array().into_iter().flatten() {
            for patch in prod["patches"].as_array().into_iter().flatten() {
                if is_iu(patch) && iu.is_none() {
                    let fact = patch["local_package"].as_str().and_then(|lp| {
                        s["paths"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .find(|f| f["path"].as_str() == Some(lp))
                            .cloned()
                    });
                    iu = Some((patch.clone(), fact));
                }
            }
        }
        for p in s["processes"].as_array().into_iter().flatten() {
            for m in p["modules"].as_array().into_iter().flatten() {
                if let Some(m) = m.as_str() {
                    module_pool.push(m.to_string());
                }
            }
        }
    }
    module_pool.sort();
    module_pool.dedup();
    if iu.is_none() {
        eprintln!("xtask: no sample has the interim update {INTERIM_UPDATE}; not varied");
    }

    let path = dir.join(format!("snapshots-{n}.jsonl"));
    let partial = dir.join(format!("snapshots-{n}.jsonl.partial"));
    let f =
        File::create(&partial).map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let mut w = std::io::BufWriter::new(f);
    let mut rng = Rng(0xD2F1_5A7E_0C3B_9E41);
    let mut expect_ready = Vec::with_capacity(n as usize);
    let mut from = vec![0u32; samples.len()];
    let (mut no_logs, mut with_iu, mut disabled_any) = (0u32, 0u32, 0u32);
    let mut bytes = 0u64;
    let mut line = Vec::new();
    for i in 1..=n {
        let k = (rng.next() % samples.len() as u64) as usize;
        from[k] += 1;
        let mut s = samples[k].1.clone();
        let computer = format!("EXCH{i:05}");
        if let Some(env) = s["environment"].as_object_mut() {
            if env.contains_key("COMPUTERNAME") {
                env.insert("COMPUTERNAME".into(), computer.clone().into());
            }
        }
        s["computer_name"] = computer.into();

        // C:\ExchangeSetupLogs: missing on about 1 server in 8.
        let logs = rng.next() % 100 >= 12;
        set_path_fact(&mut s, SETUP_LOGS, logs.then_some("dir"));

        // The interim update, on about 1 RTM server in 10 (and taken off the others).
        let mut applicable = false;
        let mut has_iu = false;
        if let Some(prod) = s["products"].as_array_mut().and_then(|ps| {
            ps.iter_mut().find(|p| {
                p["product_code"]
                    .as_str()
                    .is_some_and(|c| c.eq_ignore_ascii_case(EXCHANGE_PRODUCT))
            })
        }) {
            let rtm = prod["version"].as_str() == Some(EXCHANGE_RTM);
            if let (true, Some((patch, _))) = (rtm, &iu) {
                has_iu = rng.next() % 100 < 10;
                let mut patches: Vec<Value> = prod["patches"]
                    .as_array()
                    .map(|v| v.iter().filter(|p| !is_iu(p)).cloned().collect())
                    .unwrap_or_default();
                if has_iu {
                    patches.push(patch.clone());
                }
                prod["patches"] = Value::Array(patches);
            } else {
                has_iu = prod["patches"]
                    .as_array()
                    .is_some_and(|v| v.iter().any(|p| is_iu(p) && p["state"] == "applied"));
            }
            // ur1 applies to RTM with no patch but the interim update.
            applicable = rtm
                && prod["patches"]
                    .as_array()
                    .is_none_or(|v| v.iter().all(is_iu));
        }
        if let Some((_, Some(fact))) = &iu {
            if let Some(fp) = fact["path"].as_str() {
                let fp = fp.to_string();
                if has_iu {
                    let present = s["paths"]
                        .as_array()
                        .is_some_and(|v| v.iter().any(|f| f["path"].as_str() == Some(&fp)));
                    if !present {
                        if let Some(v) = s["paths"].as_array_mut() {
                            v.push(fact.clone());
                        }
                    }
                } else if let Some(v) = s["paths"].as_array_mut() {
                    v.retain(|f| f["path"].as_str() != Some(&fp));
                }
            }
        }

        // Start types: an Exchange service disabled now and then (about 1.5% each), one the
        // sample had disabled restored 4 times in 5, other services between auto and demand.
        let mut disabled = false;
        for svc in s["services"].as_array_mut().into_iter().flatten() {
            let exchange = svc["name"]
                .as_str()
                .is_some_and(|n| n.to_ascii_lowercase().starts_with("msexchange"));
            let r = rng.next() % 1000;
            let start = svc["start_type"].as_str().unwrap_or_default().to_string();
            if exchange && start == "disabled" && r < 800 {
                svc["start_type"] = "auto".into();
            } else if exchange && r < 15 {
                svc["start_type"] = "disabled".into();
                svc["state"] = "stopped".into();
                if let Some(o) = svc.as_object_mut() {
                    o.remove("process_id");
                }
            } else if !exchange && r < 100 {
                match start.as_str() {
                    "auto" => svc["start_type"] = "demand".into(),
                    "demand" => svc["start_type"] = "auto".into(),
                    _ => {}
                }
            }
            disabled |= exchange && svc["start_type"] == "disabled";
        }

        // Processes: some without services dropped, up to 5 extra ones with modules from the
        // samples.
        let service_pids: Vec<u64> = s["services"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["process_id"].as_u64())
            .collect();
        if let Some(procs) = s["processes"].as_array_mut() {
            procs.retain(|p| {
                let pid = p["pid"].as_u64().unwrap_or(0);
                let hosts = service_pids.contains(&pid)
                    || p["services"].as_array().is_some_and(|v| !v.is_empty());
                hosts || pid <= 4 || !rng.next().is_multiple_of(10)
            });
            let parents: Vec<u64> = procs.iter().filter_map(|p| p["pid"].as_u64()).collect();
            const EXTRA: [(&str, &str); 5] = [
                ("w3wp.exe", r"C:\WINDOWS\system32\inetsrv\w3wp.exe"),
                (
                    "powershell.exe",
                    r"C:\WINDOWS\system32\WindowsPowerShell\v1.0\powershell.exe",
                ),
                ("mmc.exe", r"C:\WINDOWS\system32\mmc.exe"),
                ("cscript.exe", r"C:\WINDOWS\system32\cscript.exe"),
                (
                    "ExBPA.exe",
                    r"C:\Program Files\Microsoft\Exchange Server\Bin\ExBPA.exe",
                ),
            ];
            for j in 0..rng.next() % 6 {
                let (name, image) = EXTRA[(rng.next() % EXTRA.len() as u64) as usize];
                let mut modules = vec![Value::from(image)];
                for _ in 0..5 + rng.next() % 16 {
                    if module_pool.is_empty() {
                        break;
                    }
                    let m = &module_pool[(rng.next() % module_pool.len() as u64) as usize];
                    modules.push(m.as_str().into());
                }
                let parent = parents[(rng.next() % parents.len().max(1) as u64) as usize];
                procs.push(serde_json::json!({
                    "pid": 6000 + 4 * j,
                    "name": name,
                    "image_path": image,
                    "parent_pid": parent,
                    "session_id": 0,
                    "modules": modules,
                }));
            }
        }

        no_logs += u32::from(!logs);
        with_iu += u32::from(has_iu);
        disabled_any += u32::from(disabled);
        expect_ready.push(applicable && !has_iu && logs && !disabled);

        line.clear();
        serde_json::to_writer(&mut line, &s).map_err(|e| format!("snapshot {i}: {e}"))?;
        msikit::machine::snapshot::parse(&format!("generated snapshot {i}"), &line)
            .map_err(|e| format!("the generator wrote an invalid snapshot: {e}"))?;
        line.push(b'\n');
        bytes += line.len() as u64;
        w.write_all(&line)
            .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    }
    w.flush()
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    drop(w);
    rename(&partial, &path)?;
    let ready = expect_ready.iter().filter(|&&r| r).count();
    let mix: Vec<String> = samples
        .iter()
        .zip(&from)
        .map(|((name, _), c)| format!("{name} {c}"))
        .collect();
    eprintln!(
        "xtask: generated {} ({n} snapshots, {:.1} MiB) in {:.1} s; from {}; {no_logs} without \
         {SETUP_LOGS}, {with_iu} with the interim update, {disabled_any} with an Exchange \
         service disabled; {ready} should be ready",
        path.display(),
        bytes as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64(),
        mix.join(", ")
    );
    Ok(Generated { path, expect_ready })
}

/// Sets the path fact for `path` (compared without case): a folder or file of `kind`, or
/// missing when `kind` is `None`.
fn set_path_fact(s: &mut serde_json::Value, path: &str, kind: Option<&str>) {
    let fact = match kind {
        Some(k) => serde_json::json!({ "path": path, "exists": true, "kind": k }),
        None => serde_json::json!({ "path": path, "exists": false }),
    };
    if !s["paths"].is_array() {
        s["paths"] = serde_json::Value::Array(Vec::new());
    }
    let Some(paths) = s["paths"].as_array_mut() else {
        return;
    };
    match paths.iter_mut().find(|f| {
        f["path"]
            .as_str()
            .is_some_and(|p| p.eq_ignore_ascii_case(path))
    }) {
        Some(f) => *f = fact,
        None => paths.push(fact),
    }
}

/// Checks `msikit check --snapshots` output: one line per snapshot in input order, each JSON
/// with `ready` (and the verdict the generator expects) or `error`. Prints the counts.
fn verify_check_output(
    out: &Path,
    generated: &Generated,
    code: i32,
    problems: &mut Vec<String>,
) -> Result<()> {
    use std::collections::BTreeMap;

    let text =
        std::fs::read_to_string(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    let want = generated.expect_ready.len();
    let (mut lines, mut ready, mut not_ready, mut errors) = (0usize, 0usize, 0usize, 0usize);
    let (mut unparsed, mut no_verdict, mut misplaced, mut unexpected) = (0, 0, 0, 0);
    let mut first: Vec<String> = Vec::new();
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    for (i, l) in text.lines().enumerate() {
        lines += 1;
        let v: serde_json::Value = match serde_json::from_str(l) {
            Ok(v) => v,
            Err(e) => {
                unparsed += 1;
                first.push(format!("line {}: not JSON: {e}", i + 1));
                continue;
            }
        };
        let named = v["snapshot"]
            .as_str()
            .is_some_and(|s| s.ends_with(&format!(":{}", i + 1)));
        if !named {
            misplaced += 1;
        }
        if let Some(e) = v.get("error") {
            errors += 1;
            first.push(format!("line {}: error {e}", i + 1));
            continue;
        }
        let Some(r) = v["ready"].as_bool() else {
            no_verdict += 1;
            first.push(format!("line {}: neither ready nor error", i + 1));
            continue;
        };
        if r {
            ready += 1;
        } else {
            not_ready += 1;
            for p in v["products"].as_array().into_iter().flatten() {
                if p["status"].as_u64() != Some(0) {
                    let state = p["state"].as_str().unwrap_or("?");
                    *causes.entry(format!("patch {state}")).or_default() += 1;
                }
            }
            for f in v["prerequisites"].as_array().into_iter().flatten() {
                if f["result"] == "failed" {
                    let id = f["id"].as_str().unwrap_or("?");
                    *causes.entry(id.to_string()).or_default() += 1;
                }
            }
        }
        if generated.expect_ready.get(i) != Some(&r) {
            unexpected += 1;
            if unexpected <= 3 {
                first.push(format!(
                    "line {}: ready {r}, the generator expected {}",
                    i + 1,
                    !r
                ));
            }
        }
    }
    let causes: Vec<String> = causes.iter().map(|(c, n)| format!("{c} {n}")).collect();
    println!(
        "check output: {lines} lines (want {want}), {ready} ready, {not_ready} not ready ({}), \
         {errors} errors; {} agree with the generator's expectation; exit {code}",
        causes.join(", "),
        ready + not_ready - unexpected
    );
    let mut found = Vec::new();
    if lines != want {
        found.push(format!("{lines} output lines for {want} snapshots"));
    }
    for (n, what) in [
        (unparsed, "lines are not JSON"),
        (errors, "lines are errors"),
        (no_verdict, "lines have neither ready nor error"),
        (misplaced, "lines are not named after their input line"),
        (
            unexpected,
            "verdicts differ from the generator's expectation",
        ),
    ] {
        if n > 0 {
            found.push(format!("{n} {what}"));
        }
    }
    if (code == 0) != (not_ready == 0 && errors == 0) {
        found.push(format!(
            "exit {code} with {not_ready} not ready and {errors} errors"
        ));
    }
    if !found.is_empty() {
        first.truncate(3);
        problems.push(format!(
            "check output {}: {} (first: {})",
            out.display(),
            found.join(", "),
            first.join("; ")
        ));
    }
    Ok(())
}

/// The lock-prediction measurement.
struct LocksRun {
    timing: Timing,
    holders: usize,
    held: usize,
    freed: usize,
    reboot: usize,
}

/// A path with the case of its letters flipped at random, and `\` written as `/` for about one
/// path in four.
fn mangle_path(rng: &mut Rng, path: &str) -> String {
    let mut bits = rng.next();
    let slashes = bits.is_multiple_of(4);
    bits >>= 2;
    let mut left = 62;
    path.chars()
        .map(|c| {
            if left == 0 {
                bits = rng.next();
                left = 64;
            }
            let flip = bits & 1 == 1;
            bits >>= 1;
            left -= 1;
            match c {
                '\\' if slashes => '/',
                c if flip && c.is_ascii_lowercase() => c.to_ascii_uppercase(),
                c if flip && c.is_ascii_uppercase() => c.to_ascii_lowercase(),
                c => c,
            }
        })
        .collect()
}

fn dryrun_locks(a: &DryrunArgs, problems: &mut Vec<String>) -> Result<LocksRun> {
    use msikit::jobs::locks::{match_holders, path_key};
    use std::collections::{BTreeMap, BTreeSet};

    let started = Instant::now();
    // The patched files, in Bin and 40 folders below it.
    let target = |n: u32| {
        if n.is_multiple_of(5) {
            format!(r"{EXCHANGE_BIN}\Microsoft.Exchange.Patched{n:05}.dll")
        } else {
            format!(
                r"{EXCHANGE_BIN}\Sub{:02}\Microsoft.Exchange.Patched{n:05}.dll",
                n % 40
            )
        }
    };
    let mut targets: BTreeMap<String, (String, String)> = BTreeMap::new();
    for n in 0..a.files {
        let p = target(n);
        targets.insert(path_key(&p), (format!("F{n:05}"), p));
    }

    // Modules no patch touches, shared between processes as DLLs are: system DLLs, assemblies,
    // and Exchange files next to the patched ones.
    let pool: Vec<String> = (0..20_000u32)
        .map(|k| match k % 4 {
            0 | 1 => format!(r"C:\WINDOWS\system32\lib{k:05}.dll"),
            2 => format!(
                r"C:\WINDOWS\assembly\GAC_64\Asm{k:05}\1.0.0.0__31bf3856ad364e35\Asm{k:05}.dll"
            ),
            _ => format!(
                r"{EXCHANGE_BIN}\Sub{:02}\Microsoft.Exchange.Unpatched{k:05}.dll",
                k % 40
            ),
        })
        .collect();

    // Every 10th process is a holder and loads 3 patched files; holders 0, 2, 4, ... run a
    // service, which the package stops for holders 0, 4, 8, ... (in upper case for some, since
    // service names compare without case). Process 1 hosts a service the package does not
    // stop and is every other process's parent. 50 stopped services are also stopped by it.
    let pid = |i: u32| 1000 + 4 * i;
    let holders = a.processes.div_ceil(10);
    let stride = (a.files / (holders * 3)).max(1);
    let mut rng = Rng(0x10C4_5EED_7A2B_33C1);
    let mut expected: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
    let mut stops: BTreeSet<String> = BTreeSet::new();
    let mut services = vec![serde_json::json!({
        "name": "BenchHost", "state": "running", "start_type": "auto", "process_id": pid(1),
    })];
    let mut expect_freed = 0;
    let mut processes = Vec::with_capacity(a.processes as usize);
    for i in 0..a.processes {
        let image = format!(r"C:\Program Files\Bench\bench{i:05}.exe");
        let mut modules: Vec<String> = Vec::with_capacity(a.modules as usize);
        modules.push(mangle_path(&mut rng, &image));
        for _ in 1..a.modules {
            let m = &pool[(rng.next() % pool.len() as u64) as usize];
            modules.push(mangle_path(&mut rng, m));
        }
        let mut own_services: Vec<String> = Vec::new();
        if i % 10 == 0 {
            let h = i / 10;
            let mut files = BTreeSet::new();
            for t in 0..3 {
                let n = ((h * 3 + t) * stride) % a.files;
                let at = 1 + (t as usize * (a.modules as usize - 1)) / 3;
                modules[at] = mangle_path(&mut rng, &target(n));
                files.insert(format!("F{n:05}"));
            }
            expected.insert(pid(i), files);
            if h % 2 == 0 {
                let name = format!("MSExchangeBench{h:04}");
                services.push(serde_json::json!({
                    "name": name, "state": "running", "start_type": "auto", "process_id": pid(i),
                }));
                if h % 4 == 0 {
                    own_services.push(name.clone());
                    stops.insert(if h % 8 == 0 {
                        name.to_uppercase()
                    } else {
                        name
                    });
                    expect_freed += 1;
                }
            }
        } else if i == 1 {
            own_services.push("BenchHost".into());
        } else if i % 7 == 0 {
            let name = format!("BenchSvc{i:05}");
            services.push(serde_json::json!({
                "name": name, "state": "running", "start_type": "demand", "process_id": pid(i),
            }));
        }
        let mut p = serde_json::json!({
            "pid": pid(i),
            "name": format!("bench{i:05}.exe"),
            "image_path": image,
            "session_id": 0,
            "services": own_services,
            "modules": modules,
        });
        if i != 1 {
            p["parent_pid"] = pid(1).into();
        }
        processes.push(p);
    }
    for k in 0..50 {
        let name = format!("MSExchangeIdle{k:02}");
        services.push(serde_json::json!({
            "name": name, "state": "stopped", "start_type": "demand",
        }));
        stops.insert(name);
    }
    let snapshot = serde_json::json!({
        "snapshot_version": 1,
        "collected_at": "2010-03-08T09:41:27Z",
        "collector": { "name": "cargo xtask bench dryrun", "version": "1" },
        "computer_name": "BENCH01",
        "os": {
            "version": "5.2.3790", "build": 3790, "architecture": "x64", "product_type": "server",
        },
        "environment": {
            "ProgramFiles": r"C:\Program Files", "SystemDrive": "C:", "windir": r"C:\WINDOWS",
        },
        "products": [],
        "services": services,
        "processes": processes,
        "paths": [],
    });
    let json = serde_json::to_vec(&snapshot).map_err(|e| format!("snapshot: {e}"))?;
    drop(snapshot);
    let snap = msikit::machine::snapshot::parse("generated lock snapshot", &json)?;
    eprintln!(
        "xtask: generated the lock snapshot ({} processes x {} modules, {:.1} MiB of JSON) and \
         {} patched files in {:.1} s; timing match_holders, median of {} calls",
        a.processes,
        a.modules,
        json.len() as f64 / (1024.0 * 1024.0),
        targets.len(),
        started.elapsed().as_secs_f64(),
        a.lock_runs
    );
    drop(json);

    let mut timing = Timing::default();
    let mut result = Vec::new();
    for _ in 0..a.lock_runs {
        let started = Instant::now();
        let h = match_holders(&targets, &stops, &snap);
        let wall = started.elapsed();
        timing.add(Sample {
            wall,
            rss_kib: None,
        });
        result = std::hint::black_box(h);
    }

    // What was planted?
    let got: BTreeMap<u32, BTreeSet<String>> = result
        .iter()
        .map(|h| (h.pid, h.files.iter().map(|f| f.file.clone()).collect()))
        .collect();
    let held: usize = result.iter().map(|h| h.files.len()).sum();
    let freed = result
        .iter()
        .filter(|h| h.outcome == msikit::jobs::locks::LockOutcome::FreedByStopServices)
        .count();
    let reboot = result
        .iter()
        .filter(|h| h.outcome == msikit::jobs::locks::LockOutcome::Reboot3010)
        .count();
    let want_held: usize = expected.values().map(BTreeSet::len).sum();
    println!(
        "lock prediction: {} holders (planted {}), {held} held files (planted {want_held}); \
         {freed} freed by StopServices (planted {expect_freed}), {reboot} reboot-3010",
        result.len(),
        expected.len()
    );
    if got != expected
        || result.len() != expected.len()
        || held != want_held
        || freed != expect_freed
        || reboot != expected.len() - expect_freed
    {
        let wrong = expected
            .iter()
            .find(|(p, f)| got.get(p) != Some(f))
            .map(|(p, f)| format!("pid {p}: planted {f:?}, found {:?}", got.get(p)))
            .unwrap_or_default();
        problems.push(format!(
            "lock prediction found {} holders and {held} held files ({freed} freed), planted {} \
             and {want_held} ({expect_freed} freed); {wrong}",
            result.len(),
            expected.len()
        ));
    }
    Ok(LocksRun {
        timing,
        holders: result.len(),
        held,
        freed,
        reboot,
    })
}

fn print_dryrun_table(a: &DryrunArgs, check: Option<&CheckRun>, locks: Option<&LocksRun>) {
    let secs =
        |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.3}", d.as_secs_f64()));
    let rss = |t: &Timing| {
        t.peak_rss_kib
            .map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    };
    // A smaller run is held to the goal scaled down in proportion (snapshots; process x module
    // look-ups).
    let verdict = |t: &Timing, goal: Duration, scale: f64| match t.median() {
        Some(m) => {
            let goal = goal.as_secs_f64() * scale;
            let met = if m.as_secs_f64() <= goal {
                "met"
            } else {
                "MISSED"
            };
            if scale == 1.0 {
                met.to_string()
            } else {
                format!("{met} (goal scaled to {goal:.3} s)")
            }
        }
        None => "-".to_string(),
    };
    println!();
    println!(
        "dry-run goals: {DRYRUN_SNAPSHOTS} snapshots checked in {} s on {DRYRUN_CORES} cores; \
         locks for {DRYRUN_FILES} files x {DRYRUN_PROCESSES} processes x {DRYRUN_MODULES} \
         modules in {} s",
        DRYRUN_CHECK_GOAL.as_secs(),
        DRYRUN_LOCKS_GOAL.as_secs_f64()
    );
    println!(
        "{:<64}  {:>8}  {:>8}  {:>10}  {:>6}  verdict",
        "measurement", "median s", "best s", "peak RSS", "goal s"
    );
    match check {
        Some(c) => println!(
            "{:<64}  {:>8}  {:>8}  {:>10}  {:>6}  {}",
            format!(
                "msikit check --snapshots: {} snapshots, {} cores, {} runs",
                a.snapshots,
                c.cores,
                c.timing.samples.len()
            ),
            secs(c.timing.median()),
            secs(c.timing.best),
            rss(&c.timing),
            DRYRUN_CHECK_GOAL.as_secs(),
            verdict(
                &c.timing,
                DRYRUN_CHECK_GOAL,
                f64::from(a.snapshots) / f64::from(DRYRUN_SNAPSHOTS)
            ),
        ),
        None => println!("{:<64}  failed (see above)", "msikit check --snapshots"),
    }
    match locks {
        Some(l) => println!(
            "{:<64}  {:>8}  {:>8}  {:>10}  {:>6}  {}",
            format!(
                "locks::match_holders: {} files, {} x {} modules, {} calls",
                a.files,
                a.processes,
                a.modules,
                l.timing.samples.len()
            ),
            secs(l.timing.median()),
            secs(l.timing.best),
            "-",
            DRYRUN_LOCKS_GOAL.as_secs_f64(),
            verdict(
                &l.timing,
                DRYRUN_LOCKS_GOAL,
                f64::from(a.processes) * f64::from(a.modules)
                    / (f64::from(DRYRUN_PROCESSES) * f64::from(DRYRUN_MODULES))
            ),
        ),
        None => println!("{:<64}  failed (see above)", "locks::match_holders"),
    }
    if let Some(l) = locks {
        println!(
            "(lock prediction: {} holders, {} held files, {} freed by StopServices, {} \
             reboot-3010)",
            l.holders, l.held, l.freed, l.reboot
        );
    }
}
