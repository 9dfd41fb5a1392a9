//! Cabinet sets (`msikit cab extract FIRST.cab [MORE.cab...]`) against cabextract, which reads
//! sets, on the corpus's spanned sets; and each volume alone still refused.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{manifest, require, run_msikit};

/// The corpus's sets: the volumes' corpus names (in order, as the manifest's suffix) and the
/// names their headers give them (the first one's as its successor's header gives it).
const SETS: &[&[(&str, &str)]] = &[
    &[
        ("cabextract__test__cabs__split-1.cab", "Split-1.CAB"),
        ("cabextract__test__cabs__split-2.cab", "Split-2.CAB"),
        ("cabextract__test__cabs__split-3.cab", "Split-3.CAB"),
        ("cabextract__test__cabs__split-4.cab", "Split-4.CAB"),
        ("cabextract__test__cabs__split-5.cab", "Split-5.CAB"),
    ],
    &[
        ("cabd__multi_basic_pt1.cab", "cabd_multi_basic_pt1.cab"),
        ("cabd__multi_basic_pt2.cab", "cabd_multi_basic_pt2.cab"),
        ("cabd__multi_basic_pt3.cab", "cabd_multi_basic_pt3.cab"),
        ("cabd__multi_basic_pt4.cab", "cabd_multi_basic_pt4.cab"),
        ("cabd__multi_basic_pt5.cab", "cabd_multi_basic_pt5.cab"),
    ],
    &[
        ("mscab__sample2-disk1.cab", "sample2-disk1.cab"),
        ("mscab__sample2-disk2.cab", "sample2-disk2.cab"),
    ],
    &[
        (
            "test_read_format_cab_multi.p1.cab",
            "test_read_format_cab_multi.p1.cab",
        ),
        (
            "test_read_format_cab_multi.p2.cab",
            "test_read_format_cab_multi.p2.cab",
        ),
    ],
];

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("msikit-cabset-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The corpus paths of a set's volumes.
fn volumes(set: &[(&str, &str)]) -> Vec<PathBuf> {
    let all = manifest();
    set.iter()
        .map(|(suffix, _)| {
            let hits: Vec<_> = all.iter().filter(|f| f.local.ends_with(suffix)).collect();
            assert_eq!(hits.len(), 1, "corpus volume '{suffix}'");
            hits[0].path.clone()
        })
        .collect()
}

/// Every file under `root`: relative name, bytes.
fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn extract(args: &[&Path], dir: &Path) -> std::process::Output {
    let mut a: Vec<&std::ffi::OsStr> = vec!["cab".as_ref(), "extract".as_ref()];
    a.extend(args.iter().map(|p| p.as_os_str()));
    a.push("-C".as_ref());
    a.push(dir.as_os_str());
    run_msikit(&a)
}

#[test]
fn sets_extract_like_cabextract() {
    require("cabextract");
    for (n, set) in SETS.iter().enumerate() {
        let paths = volumes(set);
        let root = scratch(&format!("set{n}"));
        // The volumes under the names their headers give, as cabextract finds them.
        let named = root.join("named");
        std::fs::create_dir_all(&named).unwrap();
        for (p, (_, name)) in paths.iter().zip(set.iter()) {
            std::fs::copy(p, named.join(name)).unwrap();
        }
        let first = named.join(set[0].1);
        let theirs = root.join("theirs");
        let c = Command::new("cabextract")
            .arg("-q")
            .arg("-d")
            .arg(&theirs)
            .arg(&first)
            .output()
            .unwrap();
        assert!(c.status.success(), "cabextract on set {n}: {c:?}");
        let want = tree(&theirs);
        assert!(!want.is_empty(), "set {n}: cabextract wrote nothing");

        // Found beside the first.
        let found = root.join("found");
        let o = extract(&[&first], &found);
        assert_eq!(o.status.code(), Some(0), "set {n}: {o:?}");
        assert!(tree(&found) == want, "set {n}: found volumes differ");

        // Given on the command line, under names the headers do not give.
        let given = root.join("given");
        let args: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
        let o = extract(&args, &given);
        assert_eq!(o.status.code(), Some(0), "set {n}: {o:?}");
        assert!(tree(&given) == want, "set {n}: given volumes differ");

        // Listing names each file once.
        let mut a: Vec<&std::ffi::OsStr> = vec!["cab".as_ref(), "list".as_ref(), "--json".as_ref()];
        a.push(first.as_os_str());
        let o = run_msikit(&a);
        assert_eq!(o.status.code(), Some(0), "set {n}: {o:?}");
        let listed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(listed.as_array().unwrap().len(), want.len(), "set {n}");

        // Each volume alone is refused, with one line naming it.
        for p in &paths {
            let o = extract(&[p], &root.join("alone"));
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{}: {err}", p.display());
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.contains(&p.display().to_string()), "{err}");
            assert!(err.contains("continues"), "{err}");
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
fn broken_sets_are_refused_clearly() {
    let split = volumes(SETS[0]);
    let multi = volumes(SETS[1]);
    let root = scratch("broken");

    // A volume of another set.
    let o = extract(&[&split[0], &multi[1]], &root.join("a"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("has set id 12345, not 5988"), "{err}");

    // Volumes out of order.
    let o = extract(&[&split[0], &split[2]], &root.join("b"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is number 2 of its set, not 1"), "{err}");

    // A volume missing: given, and beside the first (found without regard to case).
    let o = extract(&[&split[0], &split[1]], &root.join("c"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("volume 'Split-3.CAB' is missing"), "{err}");
    let named = root.join("named");
    std::fs::create_dir_all(&named).unwrap();
    for (i, p) in split.iter().enumerate() {
        if i != 3 {
            std::fs::copy(p, named.join(format!("split-{}.cab", i + 1))).unwrap();
        }
    }
    let o = extract(&[&named.join("split-1.cab")], &root.join("d"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("volume 'Split-4.CAB' is missing"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
