//! `cargo xtask bench dryrun`.

use super::*;

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
pub(super) const DRYRUN_SNAPSHOTS: u32 = 10_000;
pub(super) const DRYRUN_CHECK_GOAL: Duration = Duration::from_secs(60);
pub(super) const DRYRUN_CORES: usize = 2;
pub(super) const DRYRUN_FILES: u32 = 10_000;
pub(super) const DRYRUN_PROCESSES: u32 = 1_000;
pub(super) const DRYRUN_MODULES: u32 = 300;
pub(super) const DRYRUN_LOCKS_GOAL: Duration = Duration::from_millis(500);

/// What the generated snapshots vary, from the samples.
pub(super) const EXCHANGE_PRODUCT: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
pub(super) const EXCHANGE_RTM: &str = "8.0.685.24";
/// KB934321, the interim update of rtm-interim-update.json.
pub(super) const INTERIM_UPDATE: &str = "{8C2D6B1E-3F4A-4E5B-A6C7-D8E9F0A1B2C3}";
pub(super) const SETUP_LOGS: &str = r"C:\ExchangeSetupLogs";
pub(super) const EXCHANGE_BIN: &str = r"C:\Program Files\Microsoft\Exchange Server\Bin";

pub(super) fn run_dryrun(a: DryrunArgs) -> Result<()> {
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
pub(super) struct CheckRun {
    timing: Timing,
    /// CPUs the check ran on.
    cores: usize,
}

/// The generated snapshots: the JSON Lines file and, per line, whether the server should be
/// ready by the KB930809 rules (RTM without patches other than the interim update, no interim
/// update, `C:\ExchangeSetupLogs` present, no MSExchange* service disabled).
pub(super) struct Generated {
    path: PathBuf,
    expect_ready: Vec<bool>,
}

pub(super) fn dryrun_check(
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
pub(super) fn generate_snapshots(dir: &Path, n: u32) -> Result<Generated> {
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
pub(super) fn set_path_fact(s: &mut serde_json::Value, path: &str, kind: Option<&str>) {
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
pub(super) fn verify_check_output(
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
pub(super) struct LocksRun {
    timing: Timing,
    holders: usize,
    held: usize,
    freed: usize,
    reboot: usize,
}

/// A path with the case of its letters flipped at random, and `\` written as `/` for about one
/// path in four.
pub(super) fn mangle_path(rng: &mut Rng, path: &str) -> String {
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

pub(super) fn dryrun_locks(a: &DryrunArgs, problems: &mut Vec<String>) -> Result<LocksRun> {
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

pub(super) fn print_dryrun_table(
    a: &DryrunArgs,
    check: Option<&CheckRun>,
    locks: Option<&LocksRun>,
) {
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
