//! `cargo xtask bench validate`: ICE03 (`msikit validate --ice ICE03`) over a generated package
//! whose File table has 200,000 rows (with its Component and Directory tables and a
//! `_Validation` table for all three), beside `msiinfo export` of the same tables.

use super::*;

#[derive(clap::Args)]
pub struct ValidateArgs {
    /// File rows of the generated package
    #[arg(long, default_value_t = 200_000)]
    rows: u32,
    /// Runs of each program; the median counts
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
    /// Rebuild the package even if it exists
    #[arg(long)]
    regenerate: bool,
}

/// Bump when the generated package changes.
const VALIDATE_GENERATOR: u32 = 2;

/// The goal: ICE03 over the package in well under a second.
const GOAL_SECS: f64 = 1.0;

const TABLES: [&str; 4] = ["_Validation", "Directory", "Component", "File"];

pub(super) fn run_validate(a: ValidateArgs) -> Result<()> {
    let (have_time, dir) = prepare(
        &[
            ("msibuild", "msitools"),
            ("msiinfo", "msitools"),
            ("sh", "dash"),
        ],
        Some("validate"),
    )?;
    let msi = ensure_validated_msi(&dir, a.rows, a.regenerate)?;
    let exe = build_msikit()?;

    // The package is clean: ICE03 finds nothing (exit 0), and says it checked every table.
    let report = run_ok(
        Command::new(&exe)
            .args(["validate", "--json", "--ice", "ICE03"])
            .arg(&msi),
    )?;
    if !report.contains("\"errors\": 0") {
        return Err(format!(
            "ICE03 found errors in the generated package: {}",
            &report[..report.len().min(2000)]
        )
        .into());
    }

    let msikit_cmd = || {
        let mut c = Command::new(&exe);
        c.args(["validate", "--ice", "ICE03"]).arg(&msi);
        c
    };
    // msiinfo exports one table a run: the four in one shell.
    let script = TABLES
        .iter()
        .map(|t| format!("msiinfo export \"$1\" {t} >/dev/null"))
        .collect::<Vec<_>>()
        .join(" && ");
    let msiinfo_cmd = || {
        let mut c = Command::new("sh");
        c.arg("-c").arg(&script).arg("sh").arg(&msi);
        c
    };
    eprintln!("xtask: timing, {} runs each", a.runs);
    let mut ours = Timing::default();
    let mut theirs = Timing::default();
    for _ in 0..a.runs {
        ours.add(timed(&mut msikit_cmd(), have_time, &dir)?);
        theirs.add(timed(&mut msiinfo_cmd(), have_time, &dir)?);
    }
    let secs = |t: &Timing| t.median().map_or(0.0, |d| d.as_secs_f64());
    let best = |t: &Timing| t.best.map_or(0.0, |d| d.as_secs_f64());
    let rss = |t: &Timing| {
        t.peak_rss_kib
            .map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
    };
    println!();
    println!(
        "{:<34}  {:>9}  {:>9}  {:>11}",
        format!("{} File rows", a.rows),
        "median s",
        "best s",
        "peak RSS"
    );
    println!(
        "{:<34}  {:>9.3}  {:>9.3}  {:>11}",
        "msikit validate --ice ICE03",
        secs(&ours),
        best(&ours),
        rss(&ours)
    );
    println!(
        "{:<34}  {:>9.3}  {:>9.3}  {:>11}",
        format!("msiinfo export ({} tables)", TABLES.len()),
        secs(&theirs),
        best(&theirs),
        rss(&theirs)
    );
    println!("goal: ICE03 under {GOAL_SECS} s");
    if secs(&ours) >= GOAL_SECS {
        return Err(format!(
            "ICE03 took {:.3} s, over the goal of {GOAL_SECS} s",
            secs(&ours)
        )
        .into());
    }
    Ok(())
}

/// Builds `validate-v<generator>-<rows>.msi` with msibuild unless it is already there.
fn ensure_validated_msi(dir: &Path, rows: u32, regenerate: bool) -> Result<PathBuf> {
    let msi = dir.join(format!("validate-v{VALIDATE_GENERATOR}-{rows}.msi"));
    if msi.is_file() && !regenerate {
        eprintln!("xtask: reusing {}", msi.display());
        return Ok(msi);
    }
    eprintln!("xtask: generating {} with msibuild", msi.display());
    let idt_dir = dir.join(format!("idt-{rows}"));
    std::fs::create_dir_all(&idt_dir)
        .map_err(|e| format!("cannot create {}: {e}", idt_dir.display()))?;
    let idts = [
        ("_Validation.idt", validation_idt()),
        ("Directory.idt", directory_idt()),
        ("Component.idt", component_idt(rows)),
        ("File.idt", valid_file_idt(rows)),
    ];
    for (name, text) in &idts {
        let p = idt_dir.join(name);
        std::fs::write(&p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    let partial = dir.join(format!("validate-v{VALIDATE_GENERATOR}-{rows}.msi.partial"));
    let _ = std::fs::remove_file(&partial);
    run_ok(
        Command::new("msibuild")
            .arg(&partial)
            .arg("-s")
            .arg(format!("Bench: ICE03 over {rows} File rows"))
            .arg("Contoso Ltd.")
            .arg("x64;1033")
            .arg("{4B3A2918-0F7E-4D6C-A5B4-C3D2E1F0A9B8}"),
    )?;
    let mut import = Command::new("msibuild");
    import.current_dir(&idt_dir).arg(&partial).arg("-i");
    for (name, _) in &idts {
        import.arg(name);
    }
    run_ok(&mut import)?;
    rename(&partial, &msi)?;
    Ok(msi)
}

/// `_Validation` rows for Directory, Component and File as the SDK's schema has them.
fn validation_idt() -> String {
    let rows = [
        "Directory\tDirectory\tN\t\t\t\t\tIdentifier\t\t",
        "Directory\tDirectory_Parent\tY\t\t\tDirectory\t1\tIdentifier\t\t",
        "Directory\tDefaultDir\tN\t\t\t\t\tDefaultDir\t\t",
        "Component\tComponent\tN\t\t\t\t\tIdentifier\t\t",
        "Component\tComponentId\tY\t\t\t\t\tGuid\t\t",
        "Component\tDirectory_\tN\t\t\tDirectory\t1\tIdentifier\t\t",
        "Component\tAttributes\tN\t\t\t\t\t\t\t",
        "Component\tCondition\tY\t\t\t\t\tCondition\t\t",
        "Component\tKeyPath\tY\t\t\tFile;Registry;ODBCDataSource\t1\tIdentifier\t\t",
        "File\tFile\tN\t\t\t\t\tIdentifier\t\t",
        "File\tComponent_\tN\t\t\tComponent\t1\tIdentifier\t\t",
        "File\tFileName\tN\t\t\t\t\tFilename\t\t",
        "File\tFileSize\tN\t0\t2147483647\t\t\t\t\t",
        "File\tVersion\tY\t\t\tFile\t1\tVersion\t\t",
        "File\tLanguage\tY\t\t\t\t\tLanguage\t\t",
        "File\tAttributes\tY\t0\t32767\t\t\t\t\t",
        "File\tSequence\tN\t1\t2147483647\t\t\t\t\t",
    ];
    let mut s = String::from(
        "Table\tColumn\tNullable\tMinValue\tMaxValue\tKeyTable\tKeyColumn\tCategory\tSet\tDescription\r\n\
         s32\ts32\ts4\tI4\tI4\tS255\tI2\tS32\tS255\tS255\r\n\
         _Validation\tTable\tColumn\r\n",
    );
    for r in rows {
        s.push_str(r);
        s.push_str("\r\n");
    }
    s
}

/// The File table of `rows` files in the components of `component_idt`, every value valid for
/// its category (short names are 8.3: `F0000001.DLL`).
fn valid_file_idt(rows: u32) -> String {
    let mut s = String::with_capacity(rows as usize * 90);
    s.push_str(
        "File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\r\n\
         s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\r\n\
         File\tFile\r\n",
    );
    for n in 1..=rows {
        let size = 1024 + (u64::from(n).wrapping_mul(2_654_435_761) % 5_000_000);
        let _ = write!(
            s,
            "fil{n}\tcmp{c}\tF{n:07}.DLL|LongFileName_{n:03}.dll\t{size}\t1.2.{v}.0\t1033\t512\t{n}\r\n",
            c = component_of(n),
            v = n % 65536,
        );
    }
    s
}
