//! `cargo xtask bench extract`.

use super::*;

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
pub(super) const EXTRACT_GENERATOR_VERSION: u32 = 1;

/// Goals for `msikit extract` against msiextract.
pub(super) const EXTRACT_TIME_GOAL: f64 = 0.8;
pub(super) const EXTRACT_MEMORY_GOAL: f64 = 2.0;

/// The case of the corpus's LZX cabinet.
pub(super) const LZX_CASE: &str = "MSI: LZX 21, one 2 GiB file of zeros (libmspack)";

/// The corpus's large LZX cabinet (one 2 GiB file, 21-bit window).
pub(super) const LZX_CAB: &str =
    "../shared/corpus/kyz__libmspack/cabextract__test__huge-lzx21@cf0a1102.cab";

/// One generated package: `files` files of `min..=max` bytes.
pub(super) struct PackageSpec {
    label: &'static str,
    files: u32,
    min: u64,
    max: u64,
    folders: Folders,
}

/// How the payload is cut into cabinet folders.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Folders {
    /// One folder, as gcab (and most authoring tools) write it.
    One,
    /// A folder per 16 MiB, as msikit's writer cuts it, so that folders decode in parallel.
    Many,
    /// One LZX folder (window 2^21), written by msikit's LZX compressor: no other tool here
    /// writes LZX. Checked by msiextract, cabextract and 7-Zip before it is timed.
    Lzx,
}

pub(super) fn run_extract(a: ExtractArgs) -> Result<()> {
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
pub(super) fn push_msi_tools(tools: &mut Vec<Tool>, msikit: &Path, msi: &Path) {
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
pub(super) fn push_cab_tools(tools: &mut Vec<Tool>, msikit: &Path, cab: &Path, suffix: &str) {
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

pub(super) type CmdFn = Box<dyn Fn(&Path) -> Command>;

pub(super) struct Tool {
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

pub(super) struct Case {
    label: String,
    files: Option<u32>,
    tools: Vec<Tool>,
    out: PathBuf,
}

/// Outputs of the timed runs kept on disk at once before they are deleted (not timed).
pub(super) const OUTPUT_BUDGET: u64 = 6 << 30;

/// The output folders of one benchmark case: a new, never used folder for each run.
pub(super) struct Outputs {
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

/// Builds `<files>.msi` (msibuild, with its files in one MSZIP cabinet made by `gcab -c -z`)
/// unless it is already there; returns the package and the cabinet.
pub(super) fn ensure_package(
    dir: &Path,
    spec: &PackageSpec,
    regenerate: bool,
) -> Result<(PathBuf, PathBuf)> {
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

/// An MSI around libmspack's LZX cabinet (one file, `empty.dat`, 2 GiB), so that msikit extract
/// and msiextract can be timed on LZX too.
pub(super) fn ensure_lzx_package(dir: &Path, cab: &Path, regenerate: bool) -> Result<PathBuf> {
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

pub(super) fn print_extract_table(cases: &[Case], results: &[Vec<(String, Timing)>]) {
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
