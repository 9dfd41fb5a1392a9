//! Oracle: msikit's cabinet reader (`msikit::formats::cabinet`) against cabextract, on every cabinet of
//! the corpus (MANIFEST kind `cab`) and on every cabinet stream inside the corpus's MSIs, MSMs and
//! MSPs.
//!
//! For each input cabextract lists it (`-l`) and extracts it (`-d DIR`, or `-p` piped and
//! compared in step for cabinets of more than 256 MiB). msikit reads it in a thread, under
//! `catch_unwind` and a time limit. Then:
//! * cabextract lists and extracts cleanly (exit 0 both times): msikit must give the same listing
//!   (sizes, dates and output names, formatted as cabextract prints them) and byte-identical files;
//! * cabextract fails, or the MANIFEST note says the file is malformed, a CVE reproducer or a
//!   volume of a cabinet set: msikit must return an error with a message.
//!
//! Any panic or timeout fails the test. Cases where msikit and cabextract differ on purpose are
//! listed in [`EXCEPTIONS`] with the reason; the test fails on any other difference, and also when
//! an exception no longer happens, so the list stays true.
//!
//! Like cabextract, msikit searches a `.cab` for every cabinet in it ([`Cabinet::search`]); an MSI
//! stream is read with [`Cabinet::parse`] (a cabinet at byte 0), as msikit reads media streams.
//!
//! `MSIKIT_CAB_ORACLE_VERBOSE=1` prints every case: what cabextract said and what msikit did.
//!
//! Timing (listing + extracting one MSZIP folder of 400 files of 64 KiB, 25 MiB, built with the
//! `cab` crate as in the unit test `cabinet::tests::timing_400_files_of_64k_in_one_mszip_folder`,
//! which prints it): msikit 0.17 s in the test profile and 0.09 s in release; on the same machine
//! and cabinet `cabextract -d` takes 0.14 s, and the `cab` crate's per-file reader 0.2 s for the
//! first 40 files alone (it restarts the folder for each file; crates.md §2 gives 11.8 s for all
//! 400 against 0.085 s for cabextract).

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use msikit::formats::cabinet::{CabFile, Cabinet, FileChunk};
use msikit::formats::container::Container;

/// Above this many listed bytes, files are compared against `cabextract -p` as they are decoded
/// instead of through the disk.
const STREAM_ABOVE: u64 = 256 << 20;

/// Differences that are known and justified: (a part of the corpus path, what happens, why).
const EXCEPTIONS: &[(&str, Diff, &str)] = &[
    (
        // Any input: the kind of difference says it all.
        "",
        Diff::AcceptsEmpty,
        "a cabinet with no folders and no files (the 36-byte header WiX writes into patches \
         and packages whose media hold nothing): cabextract says 'no valid cabinets found', \
         msikit reads it as an empty cabinet so such installers open",
    ),
    (
        "cabinet-sample-1__disk1__sample@9847b720.cab",
        Diff::AcceptsDespiteNote,
        "the note calls it a volume of a spanned set, but this volume holds the whole set: no \
         file continues to another cabinet, cabextract extracts it cleanly and msikit's output \
         is identical",
    ),
    (
        "cve-2010-2801-qtm-flush.cab",
        Diff::AcceptsDespiteNote,
        "the reproducer of a Quantum bug libmspack has fixed (a match across the window's end at \
         a flush): its data is valid, cabextract 1.9 decodes it cleanly, and msikit's Quantum \
         decoder gives the same 524,159 bytes",
    ),
    (
        "cabinet-sample-3__disk1__sample@b7e4066a.cab",
        Diff::AcceptsDespiteNote,
        "as above: a one-volume 'set', self-contained, identical output",
    ),
];

/// How msikit differs from cabextract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Diff {
    /// cabextract lists and extracts cleanly; msikit returns an error.
    Refuses,
    /// cabextract fails; msikit reads it.
    Accepts,
    /// cabextract reads it cleanly and so does msikit, but the note says it is broken or a
    /// volume of a set.
    AcceptsDespiteNote,
    /// cabextract refuses a cabinet with no folders and no files; msikit reads it as empty.
    AcceptsEmpty,
}

/// What msikit made of one input.
enum Msikit {
    /// The listing as cabextract would print it, and the files by output path (disk mode).
    Read {
        listing: Vec<u8>,
        /// How many files the cabinets list.
        file_count: usize,

        files: BTreeMap<Vec<u8>, Vec<u8>>,
        streamed_mismatch: Option<String>,
        /// In stream mode: whether `cabextract -p` succeeded.
        piped_ok: Option<bool>,
    },
    Refused(String),
    Panicked(String),
    TimedOut,
}

struct Case {
    label: String,
    /// cabextract listed and extracted without error.
    cabextract_clean: bool,
    cabextract_says: String,
    /// The note says the file is malformed, a CVE reproducer or a volume of a set.
    note_says_bad: bool,
    msikit: Msikit,
    /// Set when both read it and the outputs differ.
    mismatch: Option<String>,
    /// Set when `cab extract`'s writing (`extract_cabinet`, overwriting) gives other files than
    /// cabextract's, names mapped as documented.
    written_mismatch: Option<String>,
    seconds: f64,
}

enum Verdict {
    Agree,
    Refused,
    Difference(Diff, String),
    Broken(String),
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("msikit-cab-oracle-{}", std::process::id()))
}

/// cabextract's choice of path separator for a cabinet (its `unix_path_seperators`): with only
/// `/` it is `/`, with only `\` or none it is `\`; with both, the first two consecutive files
/// whose names start with the same first directory decide, by the slash after it.
fn unix_separators(files: &[CabFile]) -> bool {
    let (mut slash, mut back) = (false, false);
    for f in files {
        slash |= f.raw_name.contains(&b'/');
        back |= f.raw_name.contains(&b'\\');
        if slash && back {
            break;
        }
    }
    if !slash {
        return false;
    }
    if !back {
        return true;
    }
    if files.len() == 1 {
        for &c in &files[0].raw_name {
            if c == b'\\' {
                return false;
            }
            if c == b'/' {
                return true;
            }
        }
        return false;
    }
    let mut old: Option<(&[u8], usize)> = None;
    for f in files {
        let name = &f.raw_name[..];
        let len = name
            .iter()
            .position(|&c| c == b'/' || c == b'\\')
            .map_or(0, |p| p + 1);
        if len > 0 {
            if let Some((on, ol)) = old {
                if ol == len && on[..len] == name[..len] {
                    return name[len - 1] != b'\\';
                }
            }
        }
        old = Some((name, len));
    }
    false
}

/// The name cabextract prints and writes for a file (its `create_output_name`), built from
/// msikit's decoded name: the separator becomes `/` and the other slash `\`, leading slashes go
/// (all slashes: "x"), and `../` or `..\` becomes `xx/` or `xx\`.
fn output_name(f: &CabFile, unix: bool) -> Vec<u8> {
    let (sep, other) = if unix { ('/', '\\') } else { ('\\', '/') };
    let swap = |c: char| {
        if c == sep {
            '/'
        } else if c == other {
            '\\'
        } else {
            c
        }
    };
    let mut out: Vec<u8> = if f.name_is_utf8 {
        f.name.chars().map(swap).collect::<String>().into_bytes()
    } else {
        // msikit decodes these as Windows-1252 and cabextract writes the raw bytes: encoding the
        // name back must give the bytes exactly.
        let (raw, _, unmappable) = encoding_rs::WINDOWS_1252.encode(&f.name);
        assert!(
            !unmappable && raw[..] == f.raw_name[..],
            "name {:?} does not encode back to its bytes",
            f.name
        );
        raw.iter()
            .map(|&c| swap(char::from(c)) as u32 as u8)
            .collect()
    };
    let lead = out.iter().take_while(|&&c| c == b'/' || c == b'\\').count();
    if lead == out.len() {
        out = b"x".to_vec();
    } else {
        out.drain(..lead);
    }
    let mut i = 0;
    while i < out.len() {
        if out[i] == b'.'
            && out.get(i + 1) == Some(&b'.')
            && matches!(out.get(i + 2), Some(b'/' | b'\\'))
        {
            out[i] = b'x';
            out[i + 1] = b'x';
            i += 3;
        } else {
            i += 1;
        }
    }
    out
}

/// One listing line as cabextract prints it.
fn listing_line(f: &CabFile, name: &[u8]) -> Vec<u8> {
    let (d, t) = f.date_time;
    let mut line = format!(
        "{:10} | {:02}.{:02}.{:04} {:02}:{:02}:{:02} | ",
        f.size,
        d & 0x1F,
        (d >> 5) & 0x0F,
        (d >> 9) + 1980,
        t >> 11,
        (t >> 5) & 0x3F,
        (t << 1) & 0x3E
    )
    .into_bytes();
    line.extend_from_slice(name);
    line.push(b'\n');
    line
}

/// The path a file lands at under the output folder, as the file system sees it.
fn normalise(path: &[u8]) -> Vec<u8> {
    path.split(|&c| c == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .collect::<Vec<_>>()
        .join(&b'/')
}

/// Every file under `dir`, by relative path.
fn walk(dir: &Path) -> BTreeMap<Vec<u8>, Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let mut out = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), Vec::new())];
    while let Some((d, rel)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let mut r: Vec<u8> = rel.clone();
            if !r.is_empty() {
                r.push(b'/');
            }
            r.extend_from_slice(e.file_name().as_bytes());
            let p = e.path();
            if p.is_dir() {
                stack.push((p, r));
            } else {
                out.insert(r, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// The body of a `cabextract -l` listing: the lines between the rule and the final summary.
fn listing_body(stdout: &[u8]) -> Vec<u8> {
    let rule = b"-----------+---------------------+-------------\n";
    let Some(at) = stdout.windows(rule.len()).position(|w| w == rule) else {
        return Vec::new();
    };
    let mut body = stdout[at + rule.len()..].to_vec();
    for tail in [
        &b"\nAll done, no errors.\n"[..],
        &b"\nAll done, errors in processing 1 file(s)\n"[..],
    ] {
        if body.ends_with(tail) {
            body.truncate(body.len() - tail.len());
        }
    }
    body
}

fn cabextract(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new("cabextract")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run cabextract")
}

fn short(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes).replace('\n', " ");
    s.chars().take(300).collect()
}

/// Writes the cabinet at `path` with `cab extract --overwrite`'s library function and compares
/// the tree with cabextract's. None when they agree.
fn compare_written(
    path: &Path,
    out: &Path,
    on_disk: &BTreeMap<Vec<u8>, Vec<u8>>,
) -> Option<String> {
    let sets = match msikit::formats::cabinet::CabinetSet::open_all(path, &[]) {
        Ok(s) => s,
        Err(e) => return Some(format!("cab extract refuses it: {e}")),
    };
    let report = match msikit::views::payload::extract_cabinet(
        &sets,
        out,
        true,
        msikit::views::payload::OutputCap::Default,
        &msikit::views::payload::no_progress,
    ) {
        Ok(r) => r,
        Err(e) => return Some(format!("cab extract fails: {e}")),
    };
    if !report.problems.is_empty() {
        return Some(format!(
            "cab extract reports problems: {:?}",
            report.problems
        ));
    }
    let got: BTreeMap<String, Vec<u8>> = walk(out)
        .into_iter()
        .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), v))
        .collect();
    let want = common::cabextract_tree_as_msikit(on_disk);
    let only_m: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let only_c: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let differ: Vec<&String> = want
        .iter()
        .filter(|(k, v)| matches!((v, got.get(*k)), (Some(w), Some(g)) if w != g))
        .map(|(k, _)| k)
        .collect();
    if only_m.is_empty() && only_c.is_empty() && differ.is_empty() {
        None
    } else {
        Some(format!(
            "cab extract writes other files: only msikit {only_m:?}, only cabextract (mapped) \
             {only_c:?}, different bytes {differ:?}"
        ))
    }
}

/// Reads the input with msikit, on its own thread, under catch_unwind and a time limit.
fn run_msikit(
    bytes: Vec<u8>,
    search: bool,
    stream_from: Option<PathBuf>,
    limit: Duration,
) -> Msikit {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = std::panic::catch_unwind(move || read_with_msikit(bytes, search, stream_from));
        let _ = tx.send(r);
    });
    match rx.recv_timeout(limit) {
        Ok(Ok(m)) => m,
        Ok(Err(p)) => Msikit::Panicked(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into()),
        ),
        Err(_) => Msikit::TimedOut,
    }
}

fn read_with_msikit(bytes: Vec<u8>, search: bool, stream_from: Option<PathBuf>) -> Msikit {
    let cabs = if search {
        Cabinet::search(bytes)
    } else {
        Cabinet::parse(bytes).map(|c| vec![c])
    };
    let cabs = match cabs {
        Ok(c) => c,
        Err(e) => return Msikit::Refused(e.to_string()),
    };
    let mut listing = Vec::new();
    let mut names: Vec<Vec<Vec<u8>>> = Vec::new();
    for cab in &cabs {
        let unix = unix_separators(cab.files());
        let n: Vec<Vec<u8>> = cab.files().iter().map(|f| output_name(f, unix)).collect();
        for (f, name) in cab.files().iter().zip(&n) {
            listing.extend(listing_line(f, name));
        }
        names.push(n);
    }
    let message = |e: msikit::Error| e.to_string();
    let file_count = cabs.iter().map(|c| c.files().len()).sum();

    if let Some(link) = stream_from {
        // Compare in step with `cabextract -p`, which writes the files in CFFILE order.
        for cab in &cabs {
            let mut order: Vec<&CabFile> = cab.files().iter().collect();
            order.sort_by_key(|f| (f.folder, f.offset, f.index));
            let in_order = order.iter().enumerate().all(|(i, f)| f.index == i)
                && order.windows(2).all(|w| {
                    w[0].folder != w[1].folder
                        || u64::from(w[0].offset) + u64::from(w[0].size) <= u64::from(w[1].offset)
                });
            assert!(in_order, "a cabinet to stream must keep its files in order");
        }
        let mut child = Command::new("cabextract")
            .arg("-p")
            .arg(&link)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run cabextract -p");
        let mut pipe = child.stdout.take().expect("pipe");
        let mut buf = vec![0u8; 1 << 16];
        let mut mismatch: Option<String> = None;
        let mut at = 0u64;
        for cab in &cabs {
            let r = cab.for_each_file_chunked(|c| {
                if let FileChunk::Data(f, d) = c {
                    if mismatch.is_none() {
                        let got = &mut buf[..d.len()];
                        if pipe.read_exact(got).is_err() {
                            mismatch = Some(format!("cabextract -p ends at byte {at}"));
                        } else if got != d {
                            mismatch = Some(format!("'{}' differs near output byte {at}", f.name));
                        }
                    }
                    at += d.len() as u64;
                }
                Ok(())
            });
            if let Err(e) = r {
                let _ = child.kill();
                let _ = child.wait();
                return Msikit::Refused(message(e));
            }
        }
        let extra = pipe.read(&mut buf).unwrap_or(0);
        if extra > 0 && mismatch.is_none() {
            mismatch = Some(format!("cabextract -p writes more than {at} bytes"));
        }
        let piped_ok = child.wait().is_ok_and(|s| s.success());
        return Msikit::Read {
            listing,
            file_count,
            files: BTreeMap::new(),
            streamed_mismatch: mismatch,
            piped_ok: Some(piped_ok),
        };
    }
    let mut files = BTreeMap::new();
    for (cab, n) in cabs.iter().zip(&names) {
        // Later files overwrite earlier ones of the same name, as on disk.
        let mut got: Vec<Option<Vec<u8>>> = vec![None; cab.files().len()];
        let r = cab.for_each_file(|f, b| {
            got[f.index] = Some(b.to_vec());
            Ok(())
        });
        if let Err(e) = r {
            return Msikit::Refused(message(e));
        }
        for (i, bytes) in got.into_iter().enumerate() {
            files.insert(normalise(&n[i]), bytes.unwrap_or_default());
        }
    }
    Msikit::Read {
        listing,
        file_count,
        files,
        streamed_mismatch: None,
        piped_ok: None,
    }
}

fn note_says_bad(note: &str) -> bool {
    let n = note.to_lowercase();
    [
        "malformed",
        "cve",
        "spanned",
        "multi-disk",
        "multi-cabinet",
        "cabinet set",
    ]
    .iter()
    .any(|k| n.contains(k))
}

/// Runs both readers on one input (a file on disk, or a stream written out for cabextract).
fn check(label: &str, path: &Path, work: &Path, search: bool, note: &str) -> Case {
    let started = Instant::now();
    std::fs::create_dir_all(work).expect("scratch folder");
    // cabextract looks for the other cabinets of a set beside the input: give it a folder of its
    // own so it finds none, as msikit reads one cabinet alone.
    let link = work.join("input.cab");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(path, &link).expect("symlink");
    let bytes = std::fs::read(path).expect("read input");
    let list = cabextract(&["-l".as_ref(), link.as_os_str()]);
    let listed_bytes: u64 = listing_body(&list.stdout)
        .split(|&c| c == b'\n')
        .filter_map(|l| {
            std::str::from_utf8(l.get(..10)?)
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()
        })
        .sum();
    let stream = list.status.success() && listed_bytes > STREAM_ABOVE;
    let (mut extract_ok, mut extract_says, mut on_disk) = (true, String::new(), BTreeMap::new());
    if !stream {
        let out = work.join("out");
        let x = cabextract(&["-d".as_ref(), out.as_os_str(), link.as_os_str()]);
        (extract_ok, extract_says, on_disk) = (x.status.success(), short(&x.stderr), walk(&out));
    }
    let limit = Duration::from_secs(if stream { 60 } else { 5 });
    let msikit = run_msikit(bytes, search, stream.then(|| link.clone()), limit);
    if stream {
        // Extracted by `cabextract -p` during msikit's pass, or now if msikit stopped early.
        extract_ok = match &msikit {
            Msikit::Read {
                piped_ok: Some(ok), ..
            } => *ok,
            _ => Command::new("cabextract")
                .arg("-p")
                .arg(&link)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success()),
        };
        if !extract_ok {
            extract_says = "cabextract -p reports an error".into();
        }
    }
    let cabextract_clean = list.status.success() && extract_ok;
    let mut mismatch = None;
    let mut written_mismatch = None;
    // What `cab extract` writes (every cabinet in the file, as cabextract finds them).
    if cabextract_clean && !stream {
        if let Msikit::Read { .. } = &msikit {
            written_mismatch = compare_written(&link, &work.join("msikit-out"), &on_disk);
        }
    }
    if let Msikit::Read {
        listing,
        files,
        streamed_mismatch,
        ..
    } = &msikit
    {
        if cabextract_clean {
            let want = listing_body(&list.stdout);
            if *listing != want {
                mismatch = Some(format!(
                    "listing differs:\n  msikit:     {}\n  cabextract: {}",
                    short(listing),
                    short(&want)
                ));
            } else if let Some(m) = streamed_mismatch {
                mismatch = Some(m.clone());
            } else if !stream && *files != on_disk {
                let only_m: Vec<String> = files
                    .keys()
                    .filter(|k| !on_disk.contains_key(*k))
                    .map(|k| short(k))
                    .collect();
                let only_c: Vec<String> = on_disk
                    .keys()
                    .filter(|k| !files.contains_key(*k))
                    .map(|k| short(k))
                    .collect();
                let differ: Vec<String> = files
                    .iter()
                    .filter(|(k, v)| on_disk.get(*k).is_some_and(|w| w != *v))
                    .map(|(k, _)| short(k))
                    .collect();
                mismatch = Some(format!(
                    "extracted files differ: only msikit {only_m:?}, only cabextract {only_c:?}, \
                     different bytes {differ:?}"
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(work);
    Case {
        label: label.to_string(),
        cabextract_clean,
        cabextract_says: if cabextract_clean {
            String::new()
        } else {
            format!("{} {}", short(&list.stderr), extract_says)
        },
        note_says_bad: note_says_bad(note),
        msikit,
        mismatch,
        written_mismatch,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn verdict(c: &Case) -> Verdict {
    match &c.msikit {
        Msikit::Panicked(p) => Verdict::Broken(format!("msikit panicked: {p}")),
        Msikit::TimedOut => Verdict::Broken("msikit did not finish in time".into()),
        Msikit::Refused(m) if m.trim().is_empty() => {
            Verdict::Broken("msikit refused without a message".into())
        }
        Msikit::Refused(m) => {
            if c.cabextract_clean && !c.note_says_bad {
                Verdict::Difference(Diff::Refuses, format!("msikit: {m}"))
            } else {
                Verdict::Refused
            }
        }
        Msikit::Read { file_count, .. } => {
            if let Some(m) = &c.mismatch {
                Verdict::Broken(format!("outputs differ: {m}"))
            } else if let Some(m) = &c.written_mismatch {
                Verdict::Broken(m.clone())
            } else if !c.cabextract_clean && *file_count == 0 {
                Verdict::Difference(
                    Diff::AcceptsEmpty,
                    format!("cabextract: {}", c.cabextract_says),
                )
            } else if !c.cabextract_clean {
                Verdict::Difference(Diff::Accepts, format!("cabextract: {}", c.cabextract_says))
            } else if c.note_says_bad {
                Verdict::Difference(
                    Diff::AcceptsDespiteNote,
                    "the MANIFEST note says it is broken or part of a set".into(),
                )
            } else {
                Verdict::Agree
            }
        }
    }
}

/// Cabinet streams of the corpus's installer files: (label, bytes).
fn installer_cabinets() -> (Vec<(String, Vec<u8>)>, usize) {
    let inputs: Vec<common::CorpusFile> = common::manifest()
        .into_iter()
        .filter(|f| matches!(f.kind.as_str(), "msi" | "msm" | "msp"))
        .collect();
    let found = common::par_map(&inputs, |f| {
        let Ok(c) = Container::open(&f.path) else {
            return (Vec::new(), 0);
        };
        let mut out = Vec::new();
        for e in c.entries() {
            if e.is_storage || e.len < 4 {
                continue;
            }
            let leaf = e.raw_path.rsplit('/').next().unwrap_or("").to_string();
            let Ok(bytes) = c.read_raw_stream(e.parent_raw(), &leaf) else {
                continue;
            };
            if bytes.starts_with(b"MSCF") {
                out.push((format!("{} :: {}", f.local, e.display_path()), bytes));
            }
        }
        (out, 1)
    });
    let opened = found.iter().map(|(_, n)| n).sum();
    (found.into_iter().flat_map(|(v, _)| v).collect(), opened)
}

#[test]
fn cabinets_match_cabextract() {
    common::require("cabextract");
    let started = Instant::now();
    let root = scratch();
    let _ = std::fs::remove_dir_all(&root);

    let cabs: Vec<common::CorpusFile> = common::manifest()
        .into_iter()
        .filter(|f| f.kind == "cab")
        .collect();
    assert!(cabs.len() >= 100, "expected the corpus's cabinets");
    let numbered: Vec<(usize, &common::CorpusFile)> = cabs.iter().enumerate().collect();
    let mut cases = common::par_map(&numbered, |(i, f)| {
        check(
            &f.local,
            &f.path,
            &root.join(format!("c{i}")),
            true,
            &f.note,
        )
    });

    let (streams, opened) = installer_cabinets();
    let stream_dir = root.join("streams");
    std::fs::create_dir_all(&stream_dir).expect("scratch folder");
    let numbered: Vec<(usize, &(String, Vec<u8>))> = streams.iter().enumerate().collect();
    let stream_cases = common::par_map(&numbered, |(i, (label, bytes))| {
        let path = stream_dir.join(format!("s{i}.cab"));
        std::fs::write(&path, bytes).expect("write stream");
        check(label, &path, &root.join(format!("s{i}")), false, "")
    });
    let stream_count = stream_cases.len();
    cases.extend(stream_cases);
    let _ = std::fs::remove_dir_all(&root);

    let (mut agree, mut refused) = (0, 0);
    let mut problems = Vec::new();
    let mut excepted = Vec::new();
    let mut seen_exceptions = vec![false; EXCEPTIONS.len()];
    for c in &cases {
        match verdict(c) {
            Verdict::Agree => agree += 1,
            Verdict::Refused => refused += 1,
            Verdict::Broken(m) => problems.push(format!("{}: {m}", c.label)),
            Verdict::Difference(kind, m) => {
                match EXCEPTIONS
                    .iter()
                    .position(|(p, k, _)| c.label.contains(p) && *k == kind)
                {
                    Some(i) => {
                        seen_exceptions[i] = true;
                        excepted.push(format!("{} ({kind:?}): {}", c.label, EXCEPTIONS[i].2));
                    }
                    None => problems.push(format!("{}: {kind:?}: {m}", c.label)),
                }
            }
        }
    }
    for (i, seen) in seen_exceptions.iter().enumerate() {
        if !seen {
            problems.push(format!(
                "exception for '{}' ({:?}) no longer happens: remove it",
                EXCEPTIONS[i].0, EXCEPTIONS[i].1
            ));
        }
    }
    let slowest = cases
        .iter()
        .max_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .map(|c| format!("{} ({:.1} s)", c.label, c.seconds))
        .unwrap_or_default();
    eprintln!(
        "cabinet oracle: {} corpus cabinets + {stream_count} cabinet streams from {opened} \
         installer files: {agree} agree (same listing, identical files), {refused} refused by \
         both (or by msikit as the note expects), {} known differences, {} problems; {:.1} s, \
         slowest {slowest}",
        cabs.len(),
        excepted.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    for e in &excepted {
        eprintln!("  known: {e}");
    }
    if std::env::var_os("MSIKIT_CAB_ORACLE_VERBOSE").is_some() {
        for c in &cases {
            let m = match &c.msikit {
                Msikit::Read { .. } => "read".to_string(),
                Msikit::Refused(m) => format!("refused: {m}"),
                Msikit::Panicked(p) => format!("PANIC: {p}"),
                Msikit::TimedOut => "TIMEOUT".to_string(),
            };
            let x = if c.cabextract_clean {
                "clean".to_string()
            } else {
                format!("fails: {}", c.cabextract_says)
            };
            eprintln!(
                "{} ({:.2} s)\n    cabextract {x}\n    msikit {m}",
                c.label, c.seconds
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
