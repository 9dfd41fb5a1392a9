//! `cargo xtask bench diagnose`: `msikit diagnose` on a generated verbose log of 1 GB (by
//! default), beside `grep -c 'Return value 3'` on the same file. The goal: at least 500 MB/s and
//! a peak memory under 64 MiB, whatever the log's size.
//!
//! The log repeats the shapes of a real one (engine lines of client and server with times,
//! actions started and ended, `Note: 1: 2205` noise, `Executing op:` script lines, file
//! decisions, a property dump), session after session, each session a successful install; the
//! last one fails in a custom action (`CustomAction … returned actual error code 1603`,
//! InstallFinalize returns 3, `MainEngineThread is returning 1603`), and the report must say so.

use std::io::Write as _;

use super::*;

#[derive(clap::Args)]
pub struct DiagnoseArgs {
    /// Size of the generated log in MiB
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u64).range(1..))]
    mib: u64,
    /// Runs of each program; the median time counts
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    runs: u32,
}

const GOAL_MB_S: f64 = 500.0;
const GOAL_RSS_MIB: u64 = 64;
/// Bump when the generated log changes.
const LOG_VERSION: u32 = 1;

/// One successful session, about 9 KB; `n` makes its times and ids differ.
fn session(out: &mut impl std::io::Write, n: u64) -> std::io::Result<()> {
    let h = n % 24;
    let m = (n / 24) % 60;
    let pid = 0x10 + (n % 0xE0);
    writeln!(
        out,
        "=== Verbose logging started: 3/2/2007  {h:02}:{m:02}:10  Build type: SHIP UNICODE 3.01.4000.4042  Calling process: C:\\WINDOWS\\system32\\msiexec.exe ===\r"
    )?;
    for (i, a) in [
        "FindRelatedProducts",
        "AppSearch",
        "LaunchConditions",
        "CostInitialize",
        "FileCost",
        "CostFinalize",
        "InstallValidate",
        "InstallInitialize",
        "StopServices",
        "RemoveFiles",
        "InstallFiles",
        "PatchFiles",
        "WriteRegistryValues",
        "StartServices",
        "RegisterProduct",
        "PublishProduct",
    ]
    .iter()
    .enumerate()
    {
        writeln!(
            out,
            "MSI (s) ({pid:02X}:{i:02X}) [{h:02}:{m:02}:10:{i:03}]: Doing action: {a}\r"
        )?;
        writeln!(out, "Action start {h}:{m:02}:10: {a}.\r")?;
        writeln!(out, "MSI (s) ({pid:02X}:{i:02X}) [{h:02}:{m:02}:10:{i:03}]: Note: 1: 2205 2:  3: ActionText \r")?;
        for f in 0..4 {
            writeln!(
                out,
                "MSI (s) ({pid:02X}:{i:02X}) [{h:02}:{m:02}:10:{i:03}]: File: C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\Microsoft.Exchange.Component{f}.dll;\tOverwrite;\tWon't patch;\tExisting file is a lower version\r"
            )?;
            writeln!(
                out,
                "MSI (s) ({pid:02X}:{i:02X}) [{h:02}:{m:02}:10:{i:03}]: Executing op: FileCopy(SourceName=COMPON~{f}.DLL|Microsoft.Exchange.Component{f}.dll,SourceCabKey=Component{f},DestName=Microsoft.Exchange.Component{f}.dll,Attributes=512,FileSize=123456,PerTick=65536,,VerifyMedia=1,,,,,CheckCRC=0,Version=8.0.708.3,Language=0,InstallMode=58982400,,,,,,,)\r"
            )?;
        }
        writeln!(out, "Action ended {h}:{m:02}:10: {a}. Return value 1.\r")?;
    }
    for (k, v) in [
        ("ProductCode", "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}"),
        ("ProductName", "Microsoft Exchange Server"),
        ("ProductVersion", "8.0.685.24"),
        ("PATCH", "C:\\Updates\\Exchange2007-KB930809-x64-EN.msp"),
        ("ProgramFilesFolder", "C:\\Program Files (x86)\\"),
        ("WindowsFolder", "C:\\WINDOWS\\"),
    ] {
        writeln!(out, "Property(S): {k} = {v}\r")?;
    }
    writeln!(out, "MSI (s) ({pid:02X}:40) [{h:02}:{m:02}:11:000]: Product: Microsoft Exchange Server -- Configuration completed successfully.\r")?;
    writeln!(
        out,
        "MSI (s) ({pid:02X}:40) [{h:02}:{m:02}:11:000]: MainEngineThread is returning 0\r"
    )?;
    writeln!(
        out,
        "MSI (c) ({pid:02X}:50) [{h:02}:{m:02}:11:000]: MainEngineThread is returning 0\r"
    )?;
    writeln!(
        out,
        "=== Verbose logging stopped: 3/2/2007  {h:02}:{m:02}:11 ===\r"
    )?;
    Ok(())
}

fn failure(out: &mut impl std::io::Write) -> std::io::Result<()> {
    let lines = [
        "=== Verbose logging started: 3/2/2007  23:59:10  Build type: SHIP UNICODE 3.01.4000.4042  Calling process: C:\\WINDOWS\\system32\\msiexec.exe ===",
        "Action start 23:59:10: InstallFinalize.",
        "MSI (s) (C8:44) [23:59:10:100]: Executing op: ActionStart(Name=CA_ConfigureServices,,)",
        "MSI (s) (C8:44) [23:59:10:200]: Note: 1: 2205 2:  3: Error ",
        "CustomAction CA_ConfigureServices returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)",
        "Action ended 23:59:11: InstallFinalize. Return value 3.",
        "MSI (s) (C8:44) [23:59:11:000]: Product: Microsoft Exchange Server -- Configuration failed.",
        "MSI (s) (C8:44) [23:59:11:000]: MainEngineThread is returning 1603",
        "MSI (c) (C8:50) [23:59:11:000]: MainEngineThread is returning 1603",
        "=== Verbose logging stopped: 3/2/2007  23:59:11 ===",
    ];
    for l in lines {
        write!(out, "{l}\r\n")?;
    }
    Ok(())
}

fn generate(path: &Path, bytes: u64) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let f = File::create(&tmp).map_err(|e| format!("cannot create {}: {e}", tmp.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let mut written = 0u64;
    let mut n = 0u64;
    let mut buf = Vec::with_capacity(16 * 1024);
    while written < bytes {
        buf.clear();
        session(&mut buf, n).map_err(|e| e.to_string())?;
        w.write_all(&buf).map_err(|e| e.to_string())?;
        written += buf.len() as u64;
        n += 1;
    }
    failure(&mut w).map_err(|e| e.to_string())?;
    w.flush().map_err(|e| e.to_string())?;
    drop(w);
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot rename {}: {e}", tmp.display()))?;
    Ok(())
}

pub(super) fn run_diagnose(a: DiagnoseArgs) -> Result<()> {
    let (have_time, dir) = prepare(&[("grep", "grep")], Some("diagnose"))?;
    let log = dir.join(format!("verbose-{}mib-v{LOG_VERSION}.log", a.mib));
    if !log.is_file() {
        eprintln!("xtask: writing {} ...", log.display());
        generate(&log, a.mib << 20)?;
    }
    let size = std::fs::metadata(&log)
        .map_err(|e| format!("cannot read {}: {e}", log.display()))?
        .len();
    let exe = build_msikit()?;

    // The report must be right before it is timed.
    let out = Command::new(&exe)
        .arg("diagnose")
        .arg(&log)
        .arg("--json")
        .output()
        .map_err(|e| format!("could not run msikit: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "msikit diagnose printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    let mut problems = Vec::new();
    if v["root_cause"]["kind"] != "custom-action"
        || v["root_cause"]["action"] != "InstallFinalize"
        || v["exit_code"]["code"] != 1603
    {
        problems.push(format!(
            "wrong report: root cause {} exit code {}",
            v["root_cause"], v["exit_code"]
        ));
    }

    let mut ours = Timing::default();
    let mut grep = Timing::default();
    for _ in 0..a.runs {
        let mut c = Command::new(&exe);
        c.arg("diagnose").arg(&log);
        ours.add(timed_with_codes(&mut c, have_time, &dir, &[1])?);
        let mut g = Command::new("grep");
        g.args(["-c", "Return value 3"]).arg(&log);
        grep.add(timed(&mut g, have_time, &dir)?);
    }
    let mb = size as f64 / 1e6;
    let rate = |t: &Timing| t.median().map(|d| mb / d.as_secs_f64()).unwrap_or(0.0);
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<34} {:>10} {:>10} {:>10} {:>10}",
        "program", "median s", "best s", "MB/s", "peak RSS"
    );
    for (name, t) in [
        ("msikit diagnose", &ours),
        ("grep -c 'Return value 3'", &grep),
    ] {
        let _ = writeln!(
            table,
            "{:<34} {:>10.2} {:>10.2} {:>10.0} {:>10}",
            name,
            t.median().unwrap_or_default().as_secs_f64(),
            t.best.unwrap_or_default().as_secs_f64(),
            rate(t),
            t.peak_rss_kib
                .map_or("-".to_string(), |k| format!("{:.1} MiB", k as f64 / 1024.0)),
        );
    }
    println!(
        "{} ({:.0} MB, {} runs each, median)\n\n{table}",
        log.display(),
        mb,
        a.runs
    );
    let r = rate(&ours);
    println!(
        "goal: >= {GOAL_MB_S} MB/s and < {GOAL_RSS_MIB} MiB: {:.0} MB/s{}",
        r,
        ours.peak_rss_kib
            .map_or(String::new(), |k| format!(", {:.1} MiB", k as f64 / 1024.0))
    );
    if r < GOAL_MB_S {
        problems.push(format!("{r:.0} MB/s is below the goal of {GOAL_MB_S} MB/s"));
    }
    if let Some(k) = ours.peak_rss_kib {
        if k / 1024 >= GOAL_RSS_MIB {
            problems.push(format!(
                "peak RSS {} MiB is over {GOAL_RSS_MIB} MiB",
                k / 1024
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}
