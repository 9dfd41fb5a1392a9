//! Helpers shared by the integration tests: where the corpus is, running msikit and the
//! oracles. A missing corpus or oracle fails the test; nothing is skipped.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The conformance corpus: `MSIKIT_CORPUS`, else `../shared/corpus` beside the repository.
pub fn corpus() -> PathBuf {
    let dir = std::env::var_os("MSIKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "the corpus is missing: no MANIFEST.tsv in {} (set MSIKIT_CORPUS to its folder)",
        dir.display()
    );
    dir
}

/// One line of the corpus manifest.
#[derive(Debug, Clone)]
pub struct CorpusFile {
    pub path: PathBuf,
    pub local: String,
    pub kind: String,
    pub msitools: String,
    pub note: String,
}

pub fn manifest() -> Vec<CorpusFile> {
    let dir = corpus();
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("read MANIFEST.tsv");
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() >= 11).then(|| CorpusFile {
                path: dir.join(f[0]),
                local: f[0].to_string(),
                kind: f[5].to_string(),
                msitools: f[8].to_string(),
                note: f[10].to_string(),
            })
        })
        .collect()
}

/// The msikit binary under test.
pub fn msikit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_msikit"))
}

pub fn run_msikit(args: &[&std::ffi::OsStr]) -> Output {
    msikit()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run msikit")
}

/// Fails the test when an oracle program is not installed.
pub fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "oracle `{tool}` is not installed (run .ci/run, or apt-get install msitools 7zip)"
    );
}

/// Runs `f` over `items` on all cores and collects the results in order.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<R>>> =
        items.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..n {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if i >= items.len() {
                    break;
                }
                let r = f(&items[i]);
                *results[i].lock().unwrap() = Some(r);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap().expect("every item ran"))
        .collect()
}

/// Every file below `dir` (full paths), depth first.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_below(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Copies the compound file `src` to `dst` entry by entry, for building damaged or altered
/// inputs: entries for which `keep` is false are left out (leave out a storage's streams too),
/// and `edit` may change each stream's bytes. The root CLSID follows the source's kind.
pub fn copy_compound_file(
    src: &Path,
    dst: &Path,
    keep: impl Fn(&msikit::formats::container::Entry) -> bool,
    edit: impl Fn(&msikit::formats::container::Entry, Vec<u8>) -> Vec<u8>,
) {
    use msikit::formats::container::{
        Container, PackageKind, CLSID_DATABASE, CLSID_PATCH, CLSID_TRANSFORM,
    };
    use std::io::Write;
    let c = Container::open(src).expect("source opens");
    let clsid = match c.kind() {
        PackageKind::Database => CLSID_DATABASE,
        PackageKind::Patch => CLSID_PATCH,
        PackageKind::Transform => CLSID_TRANSFORM,
    };
    let mut out = cfb::CompoundFile::create(std::fs::File::create(dst).unwrap()).unwrap();
    out.set_storage_clsid("/", clsid).unwrap();
    let mut entries = c.entries();
    // Storages first, shallow before deep, so every stream's storage exists.
    entries.sort_by_key(|e| (!e.is_storage, e.names.len()));
    for e in entries.iter().filter(|e| keep(e)) {
        let path = format!("/{}", e.raw_path);
        if e.is_storage {
            out.create_storage(&path).unwrap();
            out.set_storage_clsid(&path, e.clsid).unwrap();
        } else {
            let leaf = e.raw_path.rsplit('/').next().unwrap();
            let bytes = edit(e, c.read_raw_stream(e.parent_raw(), leaf).unwrap());
            out.create_stream(&path).unwrap().write_all(&bytes).unwrap();
        }
    }
    out.flush().unwrap();
}

/// Checks a machine snapshot against docs/snapshot.schema.json with Python's `jsonschema`
/// (Debian's python3-jsonschema, run by Debian's own python3): a validator no one here wrote.
/// A missing validator fails the test.
pub fn assert_snapshot_matches_schema(path: &Path) {
    const CHECK: &str = "\
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding='utf-8'))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(v.iter_errors(json.load(open(sys.argv[2], encoding='utf-8'))), key=str)
for e in errors:
    print('/'.join(str(p) for p in e.absolute_path), e.message)
sys.exit(1 if errors else 0)
";
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json");
    let out = Command::new("/usr/bin/python3")
        .args(["-c", CHECK])
        .arg(&schema)
        .arg(path)
        .output()
        .expect("run /usr/bin/python3 (apt-get install python3-jsonschema, or run .ci/run)");
    assert!(
        out.status.success(),
        "{} does not validate against docs/snapshot.schema.json (python3-jsonschema):\n{}{}",
        path.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One part of a path cabextract wrote, as `msikit cab extract` names it (docs/verbs/cab.md):
/// its bytes read as UTF-8 when they are (cabextract writes names with the UTF-8 flag so), else
/// as Windows-1252 (cabextract writes other names' raw bytes, msikit their Windows-1252
/// reading); then made a safe file name: control characters and `\ : * ? " < > |` become `_`,
/// DOS device names get a leading `_`, a name over 255 bytes is cut before its extension.
pub fn cabextract_part_as_msikit(part: &[u8]) -> String {
    let text = match std::str::from_utf8(part) {
        Ok(t) => t.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(part)
            .0
            .into_owned(),
    };
    msikit::formats::files::safe_file_name(&text)
}

/// The tree `msikit cab extract --overwrite` should write, from the tree cabextract wrote (by
/// relative path, `/`-separated bytes): each path mapped part by part, and paths that differ
/// only in case (one file on Windows, and so one for msikit) taken once. A path where two of
/// cabextract's files meet has `None` for bytes unless they are the same (which one msikit
/// keeps depends on the order of the entries).
pub fn cabextract_tree_as_msikit(
    on_disk: &std::collections::BTreeMap<Vec<u8>, Vec<u8>>,
) -> std::collections::BTreeMap<String, Option<Vec<u8>>> {
    use std::collections::BTreeMap;
    let mut out: BTreeMap<String, Option<Vec<u8>>> = BTreeMap::new();
    let mut exact: BTreeMap<String, String> = BTreeMap::new();
    for (path, bytes) in on_disk {
        let mapped: Vec<String> = path
            .split(|&c| c == b'/')
            .map(cabextract_part_as_msikit)
            .collect();
        let mapped = mapped.join("/");
        let key = mapped.to_lowercase();
        match out.get_mut(&key) {
            Some(slot) => {
                if slot.as_ref() != Some(bytes) {
                    *slot = None;
                }
            }
            None => {
                out.insert(key.clone(), Some(bytes.clone()));
                exact.insert(key, mapped);
            }
        }
    }
    out.into_iter()
        .map(|(k, v)| (exact[&k].clone(), v))
        .collect()
}
