//! `cargo xtask bench`: the File table export benchmark.

use super::*;

/// Times `msikit table --format idt` against `msiinfo export` on the File tables of `a.rows`.
pub(super) fn run_tables(a: Args) -> Result<()> {
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
pub(super) fn ensure_msi(dir: &Path, rows: u32, regenerate: bool) -> Result<PathBuf> {
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

pub(super) fn directory_idt() -> String {
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

pub(super) fn component_idt(rows: u32) -> String {
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

pub(super) fn file_idt(rows: u32) -> String {
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

pub(super) struct Row {
    rows: u32,
    ours: Option<Timing>,
    theirs: Timing,
    identical: Option<String>,
}

pub(super) fn print_table(results: &[Row]) {
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
