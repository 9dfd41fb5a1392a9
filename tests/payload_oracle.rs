//! `msikit files` and `msikit extract` against msiextract (msitools 0.101) on every corpus
//! package with files: the same files at the same places, with the same bytes.
//!
//! The mapping between the two layouts (docs/verbs/extract.md): msikit extracts to the install
//! path without its drive, with standard folders as a 64-bit Windows names them
//! (`Program Files (x86)/Acme/x.dll`); msiextract starts below SourceDir, calls
//! ProgramFilesFolder `Program Files` and other folders by their DefaultDir name. Both share
//! what lies below a file's anchor (the standard folder or root its path hangs from), which
//! msikit reports as `anchor` and `subpath`.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::Command;

use common::{manifest, par_map, require, run_msikit};

fn long(name: &str) -> &str {
    name.rsplit_once('|').map_or(name, |(_, l)| l)
}

/// msiextract's folders above a file's anchor: walking up from the anchor, ProgramFilesFolder
/// is `Program Files`, `.` adds nothing, the walk stops at a DefaultDir of exactly `SourceDir`
/// (case-sensitive) or at a parent that is no Directory row; other folders are their long
/// DefaultDir name.
fn msiextract_top(anchor: &str, rows: &HashMap<String, (Option<String>, String)>) -> Vec<String> {
    let mut names = Vec::new();
    let mut key = anchor.to_string();
    for _ in 0..256 {
        let Some((parent, dd)) = rows.get(&key) else {
            break;
        };
        let name = if key == "ProgramFilesFolder" {
            "Program Files"
        } else {
            long(dd)
        };
        if name == "SourceDir" {
            break;
        }
        if name != "." {
            names.push(name.to_string());
        }
        match parent {
            Some(p) if *p != key => key = p.clone(),
            _ => break,
        }
    }
    names.reverse();
    names
}

/// msiextract keeps the `:source` half of a DefaultDir in its folder names (`Acme:.`); Windows
/// installs to the target half, as msikit does. Compare without it.
fn target_half(component: &str) -> &str {
    component.split_once(':').map_or(component, |(t, _)| t)
}

fn normalize(path: &str) -> String {
    path.split('/')
        .map(target_half)
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, base, out);
        } else {
            let rel = p
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.insert(rel, std::fs::read(&p).unwrap());
        }
    }
}

#[test]
fn files_and_extract_match_msiextract() {
    require("msiextract");
    let scratch = std::env::temp_dir().join(format!("msikit-payload-{}", std::process::id()));
    let packages: Vec<_> = manifest()
        .into_iter()
        .filter(|f| matches!(f.kind.as_str(), "msi" | "msm"))
        .collect();
    let results: Vec<(usize, Vec<String>)> = par_map(&packages, |f| {
        let list = Command::new("msiextract")
            .arg("-l")
            .arg(&f.path)
            .output()
            .unwrap();
        if !list.status.success() {
            return (0, Vec::new()); // msitools cannot read it (damaged files are tested elsewhere)
        }
        let expected: Vec<String> = String::from_utf8_lossy(&list.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        if expected.is_empty() {
            return (0, Vec::new());
        }
        let out = run_msikit(&["files".as_ref(), "--json".as_ref(), f.path.as_os_str()]);
        if !out.status.success() {
            return (
                0,
                vec![format!(
                    "{}: files failed: {}",
                    f.local,
                    String::from_utf8_lossy(&out.stderr).trim()
                )],
            );
        }
        let files: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let dirs = run_msikit(&[
            "table".as_ref(),
            "--json".as_ref(),
            f.path.as_os_str(),
            "Directory".as_ref(),
        ]);
        let dirs: serde_json::Value =
            serde_json::from_slice(&dirs.stdout).unwrap_or(serde_json::Value::Null);
        let rows: HashMap<String, (Option<String>, String)> = dirs["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .filter_map(|r| {
                        Some((
                            r[0].as_str()?.to_string(),
                            (
                                r[1].as_str().map(str::to_string),
                                r[2].as_str()?.to_string(),
                            ),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        // msikit's relative extraction path for each msiextract path.
        let mut mapping: BTreeMap<String, String> = BTreeMap::new();
        let mut problems = Vec::new();
        for file in files.as_array().unwrap() {
            let top = msiextract_top(file["anchor"].as_str().unwrap(), &rows).join("/");
            let joined = format!(
                "{top}/{}/{}",
                file["subpath"].as_str().unwrap(),
                file["name"].as_str().unwrap()
            );
            let msiextract_path = normalize(&joined);
            let ours_path = file["path"].as_str().unwrap();
            // msikit's extraction path: the install path without its drive.
            let rel: Vec<&str> = ours_path
                .split('\\')
                .enumerate()
                .filter(|(n, p)| !(p.is_empty() || *n == 0 && p.ends_with(':')))
                .map(|(_, p)| p)
                .collect();
            mapping.insert(msiextract_path, rel.join("/"));
        }
        let expected_set: std::collections::BTreeSet<String> =
            expected.iter().map(|p| normalize(p)).collect();
        let ours_set: std::collections::BTreeSet<String> = mapping.keys().cloned().collect();
        if expected_set != ours_set {
            let missing: Vec<_> = expected_set.difference(&ours_set).take(3).collect();
            let extra: Vec<_> = ours_set.difference(&expected_set).take(3).collect();
            problems.push(format!(
                "{}: paths differ: msiextract only {missing:?}, msikit only {extra:?}",
                f.local
            ));
            return (0, problems);
        }
        // Extraction: the same bytes at the mapped places.
        let d = scratch.join(f.local.replace('/', "_"));
        let (theirs_dir, ours_dir) = (d.join("msiextract"), d.join("msikit"));
        std::fs::create_dir_all(&theirs_dir).unwrap();
        let _ = Command::new("msiextract")
            .arg("-C")
            .arg(&theirs_dir)
            .arg(&f.path)
            .output()
            .unwrap();
        let ours = run_msikit(&[
            "extract".as_ref(),
            f.path.as_os_str(),
            "-C".as_ref(),
            ours_dir.as_os_str(),
        ]);
        let mut theirs = BTreeMap::new();
        walk(&theirs_dir, &theirs_dir, &mut theirs);
        let mut mine = BTreeMap::new();
        walk(&ours_dir, &ours_dir, &mut mine);
        let mut compared = 0;
        for (their_path, bytes) in &theirs {
            let key = normalize(their_path);
            match mapping.get(&key).and_then(|ours| mine.get(ours)) {
                Some(b) if b == bytes => compared += 1,
                Some(_) => problems.push(format!("{}: {their_path}: different bytes", f.local)),
                None => problems.push(format!(
                    "{}: {their_path}: msikit did not write it ({})",
                    f.local,
                    String::from_utf8_lossy(&ours.stderr).trim()
                )),
            }
        }
        let _ = std::fs::remove_dir_all(&d);
        (compared, problems)
    });
    let _ = std::fs::remove_dir_all(&scratch);
    let compared: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.1).collect();
    eprintln!("{compared} extracted files identical to msiextract's");
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
    assert!(compared > 50, "only {compared} files compared");
}
