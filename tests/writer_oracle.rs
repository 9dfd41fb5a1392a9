//! The database writer against msitools and 7-Zip: every well-formed MSI and MSM of the corpus
//! is read into a model, written back with `write_database`, and the rewritten file must list the
//! same tables (`msiinfo tables`) and export every one of them byte for byte as the original does
//! (`msiinfo export`, `_SummaryInformation` and `_ForceCodepage` included, and the binary cells
//! msiinfo writes into `./TABLE/`). msikit must read the same model back, `cfb` must accept the
//! file in strict mode, and `7zz t` must find nothing wrong. The same model must give the same
//! bytes twice.

mod common;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{manifest, par_map, require, CorpusFile};
use msikit::database::write::write_database;
use msikit::database::{Database, DatabaseModel};
use msikit::formats::container::{Container, PackageKind};

/// The damaged files of the corpus (tests/corpus.rs lists them with their errors).
const MALFORMED: [&str; 3] = [
    "wixtoolset__wix3/test__data__Integration__BuildingPackages__Authoring__FragmentTests__MultipleFragments__expected.msi",
    "wixtoolset__wix3/test__data__Integration__BuildingPackages__Features__RefAndGroupTests__FeatureGroupContainingMergeRef__MergeModule.msm",
    "gabriel-vasile__mimetype/testdata__msi.msi",
];

/// A file whose last stream (`Disk2.CAB`) lies past its end: its model cannot be loaded whole.
const CUT_STREAMS: &str =
    "activescott__lessmsi/src__Lessmsi.Tests__TestFiles__MsiInput__VBRuntime.msi";

/// What one corpus file gave.
#[derive(Default)]
struct Outcome {
    /// Tables (real and pseudo) whose export is identical.
    same: usize,
    /// Tables msiinfo cannot export from either file.
    neither: usize,
    skipped: bool,
    problems: Vec<String>,
}

fn msiinfo(args: &[&OsStr], cwd: &Path) -> Option<Vec<u8>> {
    let out = Command::new("msiinfo")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run msiinfo");
    out.status.success().then_some(out.stdout)
}

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn check(f: &CorpusFile, scratch: &Path) -> Outcome {
    let mut o = Outcome::default();
    let name = &f.local;
    let c = match Container::open(&f.path) {
        Ok(c) => c,
        Err(e) => {
            o.problems.push(format!("{name}: cannot open: {e}"));
            return o;
        }
    };
    let db = match Database::open(&c) {
        Ok(db) => db,
        Err(e) => {
            o.problems
                .push(format!("{name}: cannot open the database: {e}"));
            return o;
        }
    };
    let model = match DatabaseModel::load(&db) {
        Ok(m) => m,
        Err(e) if f.local == CUT_STREAMS && e.to_string().contains("truncated") => {
            o.skipped = true;
            return o;
        }
        Err(e) => {
            o.problems
                .push(format!("{name}: cannot load the model: {e}"));
            return o;
        }
    };
    let bytes = match write_database(&model, PackageKind::Database) {
        Ok(b) => b,
        Err(e) => {
            o.problems.push(format!("{name}: cannot write: {e}"));
            return o;
        }
    };
    match write_database(&model, PackageKind::Database) {
        Ok(again) if again == bytes => {}
        _ => o
            .problems
            .push(format!("{name}: a second write gives other bytes")),
    }
    if let Err(e) = cfb::CompoundFile::open_strict(std::io::Cursor::new(bytes.clone())) {
        o.problems.push(format!(
            "{name}: cfb refuses the rewritten file in strict mode: {e}"
        ));
    }
    match Container::from_bytes("rewritten", bytes.clone())
        .and_then(|c2| DatabaseModel::load(&Database::open(&c2)?))
    {
        Ok(back) if back == model => {}
        Ok(back) => {
            let differ: Vec<&str> = model
                .tables
                .iter()
                .zip(&back.tables)
                .filter(|(a, b)| a != b)
                .map(|(a, _)| a.def.name.as_str())
                .collect();
            o.problems.push(format!(
                "{name}: msikit reads back another model (tables {differ:?}, {} vs {} tables, streams equal: {}, summary equal: {}, code page {} vs {})",
                model.tables.len(),
                back.tables.len(),
                model.streams == back.streams,
                model.summary == back.summary,
                model.codepage,
                back.codepage
            ));
        }
        Err(e) => o.problems.push(format!(
            "{name}: msikit cannot read the rewritten file: {e}"
        )),
    }

    let dir = scratch.join(name.replace('/', "_"));
    let (orig_dir, new_dir) = (dir.join("orig"), dir.join("new"));
    std::fs::create_dir_all(&orig_dir).expect("scratch dir");
    std::fs::create_dir_all(&new_dir).expect("scratch dir");
    let rewritten = dir.join("rewritten.msi");
    std::fs::write(&rewritten, &bytes).expect("write the rewritten file");

    let seven = Command::new("7zz")
        .args(["t", "-tCompound"])
        .arg(&rewritten)
        .output()
        .expect("run 7zz");
    if !seven.status.success()
        || !String::from_utf8_lossy(&seven.stdout).contains("Everything is Ok")
    {
        o.problems.push(format!(
            "{name}: 7zz t refuses the rewritten file: {}",
            String::from_utf8_lossy(&seven.stdout).trim()
        ));
    }

    let list = |path: &Path, cwd: &Path| -> Vec<String> {
        msiinfo(&["tables".as_ref(), path.as_os_str()], cwd)
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let tables = list(&f.path, &orig_dir);
    let tables_new = list(&rewritten, &new_dir);
    if tables.is_empty() || tables != tables_new {
        o.problems.push(format!(
            "{name}: msiinfo tables: original {tables:?}, rewritten {tables_new:?}"
        ));
    }
    for t in &tables {
        let export = |path: &Path, cwd: &Path| {
            msiinfo(&["export".as_ref(), path.as_os_str(), t.as_ref()], cwd)
        };
        match (export(&f.path, &orig_dir), export(&rewritten, &new_dir)) {
            (Some(a), Some(b)) if a == b => o.same += 1,
            (None, None) => o.neither += 1,
            (a, b) => {
                let at = match (&a, &b) {
                    (Some(a), Some(b)) => a.iter().zip(b).position(|(x, y)| x != y),
                    _ => None,
                };
                o.problems.push(format!(
                    "{name} {t}: msiinfo export differs (original {:?} bytes, rewritten {:?} bytes, first difference at {at:?})",
                    a.map(|a| a.len()),
                    b.map(|b| b.len())
                ));
            }
        }
    }
    // The binary cells msiinfo wrote into ./TABLE/ of each working folder.
    let (ta, tb) = (tree(&orig_dir), tree(&new_dir));
    if ta != tb {
        let differ: Vec<_> = ta
            .keys()
            .chain(tb.keys())
            .filter(|k| ta.get(*k) != tb.get(*k))
            .collect();
        o.problems
            .push(format!("{name}: exported binary cells differ: {differ:?}"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    o
}

#[test]
fn rewritten_corpus_databases_match_msitools() {
    require("msiinfo");
    require("7zz");
    let files: Vec<CorpusFile> = manifest()
        .into_iter()
        .filter(|f| matches!(f.kind.as_str(), "msi" | "msm"))
        .filter(|f| !MALFORMED.contains(&f.local.as_str()))
        .collect();
    assert!(
        files.len() > 100,
        "only {} databases in the corpus",
        files.len()
    );
    let scratch = std::env::temp_dir().join(format!("msikit-writer-oracle-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let outcomes = par_map(&files, |f| check(f, &scratch));
    let _ = std::fs::remove_dir_all(&scratch);

    let skipped = outcomes.iter().filter(|o| o.skipped).count();
    let compared = outcomes.len() - skipped;
    let same: usize = outcomes.iter().map(|o| o.same).sum();
    let neither: usize = outcomes.iter().map(|o| o.neither).sum();
    let problems: Vec<&String> = outcomes.iter().flat_map(|o| &o.problems).collect();
    println!(
        "writer oracle: {compared} files rewritten ({skipped} skipped), {same} table exports identical, {neither} tables msiinfo exports from neither file, {} problems",
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(skipped <= 1, "{skipped} files skipped");
    assert!(compared > 100, "only {compared} files compared");
    assert!(same > 2700, "only {same} table exports compared");
}
