//! `cargo xtask fuzz-seeds` and `cargo xtask fuzz`: the seed folders of every fuzz target, built
//! from testdata/ and the conformance corpus, and fuzz runs whose figures are recorded.
//!
//! Seeds go to `<target>/fuzz/seeds/TARGET/` (never into the repository: the corpus is other
//! people's files). Each seed is what the target's entry point takes (fuzz/harness.rs): whole
//! packages, cabinets, summary streams, string pools, IDT files, manifests, snapshots, and for
//! the structured targets the real streams or data blocks in the length-prefixed form.
//!
//! A run is `cargo fuzz run TARGET` (libFuzzer; `RUSTC_BOOTSTRAP=1`, as there is no nightly
//! toolchain) with the working corpus in `<target>/fuzz/corpus/TARGET` and the seeds beside it.
//! Its figures (runs, runs per second, coverage, corpus size, peak memory) are appended to
//! `fuzz/figures.tsv`, and `docs/robustness.md` is rewritten from the totals. A crash, hang or
//! out-of-memory input is copied into `fuzz/regressions/TARGET/`, which `cargo test` replays.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use msikit::formats::container::{Container, PackageKind};
use sha2::{Digest, Sha256};

use crate::{cargo, describe, have_program, target_dir, workspace_root, write_atomic, Result};

/// The fuzz entry points, for their names and their input form ([`harness::join_parts`]).
#[path = "../../fuzz/harness.rs"]
mod harness;

use harness::join_parts;

/// Every fuzz target: the entry points of fuzz/harness.rs, in its order
/// (tests/fuzz_regressions.rs checks fuzz/Cargo.toml has a `[[bin]]` for each).
fn targets() -> Vec<String> {
    harness::TARGETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect()
}

/// The four most exposed targets: 10 million runs each before the bar is met.
const EXPOSED: &[&str] = &[
    "open_package",
    "table_streams",
    "transform_decode",
    "cabinet_extract",
];

/// Seeds larger than this are left out: libFuzzer's mutations slow down with the input's size,
/// and the small files already reach every structure.
const MAX_SEED: usize = 1 << 20;
/// At most this many seeds per target (the first by path, so the set is the same every time).
const MAX_SEEDS: usize = 400;

#[derive(clap::Args)]
pub struct SeedArgs {}

#[derive(clap::Args)]
pub struct Args {
    /// One target (default: every target, one after another, `--jobs` at once)
    target: Option<String>,
    /// Minutes per target
    #[arg(long, default_value_t = 1.0)]
    minutes: f64,
    /// Seconds per target (instead of --minutes), for a smoke run
    #[arg(long)]
    seconds: Option<u64>,
    /// Targets run at once (default: the number of cores)
    #[arg(long)]
    jobs: Option<usize>,
    /// Do not record the figures (fuzz/figures.tsv, docs/robustness.md): a smoke run
    #[arg(long)]
    no_record: bool,
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("MSIKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"))
}

fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_below(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Seeds per target, deduplicated by content.
#[derive(Default)]
struct Seeds(BTreeMap<&'static str, BTreeMap<String, Vec<u8>>>);

impl Seeds {
    fn add(&mut self, target: &'static str, bytes: Vec<u8>) {
        if bytes.len() > MAX_SEED {
            return;
        }
        let set = self.0.entry(target).or_default();
        if set.len() >= MAX_SEEDS {
            return;
        }
        let name = format!("{:x}", Sha256::digest(&bytes));
        set.insert(name[..16].to_string(), bytes);
    }
}

/// The streams of a compound file the structured targets take apart.
fn compound_seeds(seeds: &mut Seeds, bytes: &[u8]) {
    let Ok(c) = Container::from_bytes("seed", bytes.to_vec()) else {
        return;
    };
    let kind = c.kind();
    seeds.add("open_package", bytes.to_vec());
    match kind {
        PackageKind::Patch => seeds.add("patch_inspect", bytes.to_vec()),
        PackageKind::Transform => seeds.add("transform_apply", bytes.to_vec()),
        PackageKind::Database => {}
    }
    let entries = c.entries();
    let read = |e: &msikit::formats::container::Entry| {
        let leaf = e.raw_path.rsplit('/').next().unwrap_or_default();
        c.read_raw_stream(e.parent_raw(), leaf).ok()
    };
    let mut tables: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for e in &entries {
        let raw: Vec<u8> = e
            .raw_path
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        seeds.add("stream_names", raw);
        if e.is_storage {
            continue;
        }
        let leaf = e.leaf();
        let Some(data) = read(e) else { continue };
        // Transform table streams (a .mst's, or those of a patch's transform storages) are
        // record streams: the decoder's input.
        let in_transform = kind == PackageKind::Transform || e.names.len() == 2;
        if leaf.is_table && in_transform && !leaf.name.starts_with('_') {
            seeds.add("transform_decode", data.clone());
        }
        if e.names.len() != 1 {
            continue;
        }
        if leaf.name == "\u{5}DigitalSignature" {
            // The PKCS#7 SignedData alone, and the signed package whose digest is walked.
            seeds.add("authenticode", data);
            seeds.add("authenticode", bytes.to_vec());
        } else if leaf.name == "\u{5}SummaryInformation" {
            seeds.add("summary_info", data);
        } else if leaf.is_table {
            tables.insert(leaf.name.clone(), data);
        } else if data.starts_with(b"MSCF") {
            cabinet_seeds(seeds, &data);
        }
    }
    let part = |n: &str| tables.get(n).map(Vec::as_slice).unwrap_or_default();
    seeds.add(
        "string_pool",
        join_parts(&[part("_StringPool"), part("_StringData")]),
    );
    if kind == PackageKind::Database {
        let mut parts: Vec<&[u8]> = ["_StringPool", "_StringData", "_Tables", "_Columns"]
            .iter()
            .map(|n| part(n))
            .collect();
        for (name, data) in &tables {
            if !name.starts_with('_') && parts.len() < 4 + 2 * 8 {
                parts.push(name.as_bytes());
                parts.push(data);
            }
        }
        seeds.add("table_streams", join_parts(&parts));
    }
}

/// A cabinet, and its data blocks for the MSZIP and LZX targets (one seed per folder).
fn cabinet_seeds(seeds: &mut Seeds, bytes: &[u8]) {
    seeds.add("cabinet_extract", bytes.to_vec());
    // A cabinet with a reserved header area may carry a signature there.
    if bytes.get(30).is_some_and(|f| f & 4 != 0) {
        seeds.add("authenticode", bytes.to_vec());
    }
    let mut prefixed = b"MZ a setup stub before the cabinet ".to_vec();
    prefixed.extend_from_slice(bytes);
    seeds.add("cabinet_search", prefixed);
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(folders), Some(flags)) = (u16_at(26), u16_at(30)) else {
        return;
    };
    let (mut at, mut folder_reserve, mut data_reserve) = (36usize, 0usize, 0usize);
    if flags & 4 != 0 {
        let (Some(h), Some(f), Some(d)) = (u16_at(36), bytes.get(38), bytes.get(39)) else {
            return;
        };
        at = 40 + h as usize;
        folder_reserve = *f as usize;
        data_reserve = *d as usize;
    }
    for flag in [1u16, 2] {
        if flags & flag != 0 {
            // A previous or next cabinet's name and disk: two NUL-terminated strings.
            for _ in 0..2 {
                let Some(n) = bytes.get(at..).and_then(|b| b.iter().position(|&c| c == 0)) else {
                    return;
                };
                at += n + 1;
            }
        }
    }
    for f in 0..folders as usize {
        let o = at + f * (8 + folder_reserve);
        let (Some(start), Some(count), Some(compression)) =
            (u32_at(o), u16_at(o + 4), u16_at(o + 6))
        else {
            return;
        };
        let target = match compression & 0xF {
            1 => "mszip",
            2 => "quantum",
            3 => "lzx",
            _ => continue,
        };
        let mut parts: Vec<Vec<u8>> = Vec::new();
        let mut p = start as usize;
        if target != "mszip" {
            parts.push(Vec::new());
        }
        for _ in 0..count.min(64) {
            let (Some(len), Some(unc)) = (u16_at(p + 4), u16_at(p + 6)) else {
                break;
            };
            let data_at = p + 8 + data_reserve;
            let Some(data) = bytes.get(data_at..data_at + len as usize) else {
                break;
            };
            let mut block = unc.to_le_bytes().to_vec();
            block.extend_from_slice(data);
            parts.push(block);
            p = data_at + len as usize;
        }
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let mut seed = join_parts(&refs);
        // The harness's LZX and Quantum entries take the window from their first byte (LZX:
        // 15 + b % 7; Quantum: 10 + b % 12); it replaces the empty first part above.
        let window = (compression >> 8) & 0x1F;
        match target {
            "lzx" => drop(seed.splice(0..4, [window.clamp(15, 21) as u8 - 15])),
            "quantum" => drop(seed.splice(0..4, [window.clamp(10, 21) as u8 - 10])),
            _ => {}
        }
        seeds.add(target, seed);
    }
}

pub fn run_seeds(_a: SeedArgs) -> Result<()> {
    let root = workspace_root();
    let corpus = corpus_dir();
    let mut files = Vec::new();
    files_below(&root.join("testdata"), &mut files);
    files_below(&corpus, &mut files);
    let mut seeds = Seeds::default();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            compound_seeds(&mut seeds, &bytes);
        } else if bytes.starts_with(b"MSCF") {
            cabinet_seeds(&mut seeds, &bytes);
        } else if ext == "toml" {
            seeds.add("manifest_toml", bytes);
        } else if ext == "json" {
            seeds.add("snapshot_json", bytes);
        } else if ext == "log" {
            seeds.add("verbose_log", bytes);
        } else if matches!(ext.as_str(), "evt" | "csv" | "xml" | "txt")
            && f.starts_with(root.join("testdata"))
        {
            seeds.add("event_export", bytes);
        } else if ext == "idt" {
            seeds.add("idt_import", bytes);
        } else if ext == "exe" && bytes.windows(4).any(|w| w == b"MSCF") {
            seeds.add("cabinet_search", bytes);
        }
    }
    // IDT files as msikit exports them, from the shipped packages.
    let scratch = target_dir().join("fuzz").join("idt-export");
    for f in files
        .iter()
        .filter(|f| f.starts_with(root.join("testdata")))
    {
        if f.extension().is_some_and(|e| e == "msi") {
            let _ = std::fs::remove_dir_all(&scratch);
            if msikit::database::idt::export_idt(
                f,
                &scratch,
                msikit::database::idt::IdtEncoding::Utf8,
            )
            .is_ok()
            {
                let mut idts = Vec::new();
                files_below(&scratch, &mut idts);
                for i in idts
                    .iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "idt"))
                {
                    if let Ok(b) = std::fs::read(i) {
                        seeds.add("idt_import", b);
                    }
                }
            }
        }
    }
    let out = target_dir().join("fuzz").join("seeds");
    for t in targets() {
        let t = t.as_str();
        let dir = out.join(t);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let set = seeds.0.get(t).cloned().unwrap_or_default();
        for (name, bytes) in &set {
            std::fs::write(dir.join(name), bytes)
                .map_err(|e| format!("cannot write a seed into {}: {e}", dir.display()))?;
        }
        println!("{t:18} {:4} seeds", set.len());
    }
    println!("seeds in {}", out.display());
    Ok(())
}

/// The figures of one run, from libFuzzer's final statistics.
#[derive(Debug, Default, Clone)]
struct Figures {
    runs: u64,
    seconds: u64,
    per_second: u64,
    coverage: u64,
    features: u64,
    corpus: u64,
    peak_rss_mb: u64,
    finding: Option<String>,
}

fn parse_stats(stderr: &str) -> Figures {
    let mut f = Figures::default();
    let num = |s: &str| s.trim().parse::<u64>().unwrap_or(0);
    for line in stderr.lines() {
        if let Some(v) = line.strip_prefix("stat::number_of_executed_units:") {
            f.runs = num(v);
        } else if let Some(v) = line.strip_prefix("stat::average_exec_per_sec:") {
            f.per_second = num(v);
        } else if let Some(v) = line.strip_prefix("stat::peak_rss_mb:") {
            f.peak_rss_mb = num(v);
        }
        // `#1234	DONE   cov: 812 ft: 2301 corp: 310/1201Kb ...` and the periodic lines.
        if line.starts_with('#') {
            let words: Vec<&str> = line.split_whitespace().collect();
            for w in words.windows(2) {
                match w[0] {
                    "cov:" => f.coverage = num(w[1]),
                    "ft:" => f.features = num(w[1]),
                    "corp:" => f.corpus = num(w[1].split('/').next().unwrap_or("0")),
                    _ => {}
                }
            }
        }
        for kind in [
            "deadly signal",
            "ERROR: libFuzzer: timeout",
            "out-of-memory",
            "panicked at",
        ] {
            if line.contains(kind) && f.finding.is_none() {
                f.finding = Some(line.trim().to_string());
            }
        }
    }
    f
}

fn run_one(target: &str, seconds: u64) -> Result<Figures> {
    let root = workspace_root();
    let fuzz = target_dir().join("fuzz");
    let corpus = fuzz.join("corpus").join(target);
    let seeds = fuzz.join("seeds").join(target);
    let artifacts = fuzz.join("artifacts").join(target);
    for d in [&corpus, &artifacts] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    if !seeds.is_dir() {
        return Err(format!("no seeds for {target}: run `cargo xtask fuzz-seeds` first").into());
    }
    let mut cmd = cargo();
    cmd.current_dir(root.join("fuzz"))
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "run", target])
        .arg(&corpus)
        .arg(&seeds)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .args([
            "-rss_limit_mb=2048",
            "-timeout=20",
            "-print_final_stats=1",
            "-max_len=1048576",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    eprintln!("xtask: {}", describe(&cmd));
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("could not run {}: {e}", describe(&cmd)))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut f = parse_stats(&stderr);
    f.seconds = start.elapsed().as_secs();
    // Every artifact becomes a regression input (kept by content, so reruns add nothing new).
    let mut found = Vec::new();
    if let Ok(rd) = std::fs::read_dir(&artifacts) {
        for e in rd.flatten() {
            let p = e.path();
            let Ok(bytes) = std::fs::read(&p) else {
                continue;
            };
            let dir = root.join("fuzz").join("regressions").join(target);
            let kind = p
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split('-').next())
                .unwrap_or("crash")
                .to_string();
            let name = format!("{kind}-{}", &format!("{:x}", Sha256::digest(&bytes))[..16]);
            write_atomic(&dir.join(&name), &bytes)?;
            let _ = std::fs::remove_file(&p);
            found.push(name);
        }
    }
    if !out.status.success() && f.finding.is_none() {
        if f.runs == 0 {
            let tail: Vec<&str> = stderr.lines().rev().take(30).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "{target}: cargo fuzz failed ({}):\n{}",
                out.status,
                tail.join("\n")
            )
            .into());
        }
        f.finding = Some(format!("libFuzzer exited with {}", out.status));
    }
    if !found.is_empty() {
        f.finding = Some(format!(
            "{} (saved as fuzz/regressions/{target}/{})",
            f.finding.clone().unwrap_or_else(|| "a finding".into()),
            found.join(", ")
        ));
    }
    Ok(f)
}

pub fn run(a: Args) -> Result<()> {
    if !have_program("cargo-fuzz") {
        return Err("cargo-fuzz is not installed: `cargo install cargo-fuzz`".into());
    }
    let all = targets();
    let targets: Vec<&str> = match &a.target {
        Some(t) if all.contains(t) => vec![t.as_str()],
        Some(t) => {
            return Err(format!("no fuzz target '{t}' (targets: {})", all.join(", ")).into())
        }
        None => all.iter().map(String::as_str).collect(),
    };
    let seconds = a
        .seconds
        .unwrap_or((a.minutes * 60.0).round().max(1.0) as u64);
    let jobs = a
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    // Build once, before the runs start in parallel.
    let mut build = cargo();
    build
        .current_dir(workspace_root().join("fuzz"))
        .env("RUSTC_BOOTSTRAP", "1")
        .args(["fuzz", "build"]);
    eprintln!("xtask: {}", describe(&build));
    let status = build
        .status()
        .map_err(|e| format!("could not run {}: {e}", describe(&build)))?;
    if !status.success() {
        return Err(format!("{} failed ({status})", describe(&build)).into());
    }
    let queue = std::sync::Mutex::new(targets.clone());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(targets.len()) {
            s.spawn(|| loop {
                let next = queue.lock().map(|mut q| q.pop()).ok().flatten();
                let Some(t) = next else { break };
                let r = run_one(t, seconds).map_err(|e| e.to_string());
                if let Ok(mut res) = results.lock() {
                    res.push((t, r));
                }
            });
        }
    });
    let mut results = results.into_inner().map_err(|_| "a fuzz thread failed")?;
    results.sort_by_key(|(t, _)| all.iter().position(|x| x == t));
    let mut failed = Vec::new();
    let mut rows = Vec::new();
    for (t, r) in results {
        match r {
            Ok(f) => {
                println!(
                    "{t:18} {:>10} runs {:>7}/s  cov {:>5}  ft {:>6}  corpus {:>5}  {:>4} MB{}",
                    f.runs,
                    f.per_second,
                    f.coverage,
                    f.features,
                    f.corpus,
                    f.peak_rss_mb,
                    f.finding
                        .as_deref()
                        .map(|x| format!("  FINDING: {x}"))
                        .unwrap_or_default()
                );
                if f.finding.is_some() {
                    failed.push(t.to_string());
                }
                rows.push((t, f));
            }
            Err(e) => {
                println!("{t:18} error: {e}");
                failed.push(t.to_string());
            }
        }
    }
    if !a.no_record {
        record(&rows)?;
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzzing found problems in: {}", failed.join(", ")).into())
    }
}

fn git_head() -> String {
    Command::new("git")
        .current_dir(workspace_root())
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

const FIGURES_HEAD: &str =
    "date\tcommit\ttarget\tseconds\truns\truns_per_second\tcoverage\tfeatures\tcorpus\tpeak_rss_mb\tfinding\n";

/// Appends the runs to fuzz/figures.tsv and rewrites docs/robustness.md's table from the totals.
fn record(rows: &[(&str, Figures)]) -> Result<()> {
    let root = workspace_root();
    let path = root.join("fuzz").join("figures.tsv");
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| FIGURES_HEAD.to_string());
    let (date, commit) = (today(), git_head());
    for (t, f) in rows {
        text.push_str(&format!(
            "{date}\t{commit}\t{t}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            f.seconds,
            f.runs,
            f.per_second,
            f.coverage,
            f.features,
            f.corpus,
            f.peak_rss_mb,
            f.finding.as_deref().unwrap_or("")
        ));
    }
    write_atomic(&path, text.as_bytes())?;
    write_robustness_table(&text)
}

/// The figures table of docs/robustness.md, between its two markers, from fuzz/figures.tsv.
fn write_robustness_table(figures: &str) -> Result<()> {
    #[derive(Default)]
    struct Total {
        runs: u64,
        seconds: u64,
        coverage: u64,
        corpus: u64,
        findings: u64,
        dates: BTreeSet<String>,
    }
    let mut totals: BTreeMap<String, Total> = BTreeMap::new();
    for line in figures.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 11 {
            continue;
        }
        let n = |i: usize| f[i].parse::<u64>().unwrap_or(0);
        let t = totals.entry(f[2].to_string()).or_default();
        t.runs += n(4);
        t.seconds += n(3);
        t.coverage = t.coverage.max(n(6));
        t.corpus = t.corpus.max(n(8));
        t.findings += u64::from(!f[10].is_empty());
        t.dates.insert(f[0].to_string());
    }
    let mut table = String::from(
        "| target | runs (all runs) | goal | hours | runs/s | coverage (edges) | corpus | findings |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for t in targets() {
        let t = t.as_str();
        let x = totals.remove(t).unwrap_or_default();
        let goal: u64 = if EXPOSED.contains(&t) {
            10_000_000
        } else {
            1_000_000
        };
        let rate = x.runs.checked_div(x.seconds).unwrap_or(0);
        table.push_str(&format!(
            "| `{t}` | {} | {}{} | {:.1} | {rate} | {} | {} | {} |\n",
            x.runs,
            goal,
            if x.runs >= goal { " ✓" } else { "" },
            x.seconds as f64 / 3600.0,
            x.coverage,
            x.corpus,
            x.findings
        ));
    }
    let doc = workspace_root().join("docs").join("robustness.md");
    let text =
        std::fs::read_to_string(&doc).map_err(|e| format!("cannot read {}: {e}", doc.display()))?;
    const BEGIN: &str = "<!-- fuzz figures: written by `cargo xtask fuzz` -->\n";
    const END: &str = "<!-- end of fuzz figures -->\n";
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        return Err(format!("{} has no fuzz-figures markers", doc.display()).into());
    };
    let out = format!("{}{BEGIN}{table}{}", &text[..b], &text[e..]);
    write_atomic(&doc, out.as_bytes())
}
