//! `msikit files`, `extract` and `cab list|extract` through the CLI: snapshots on testdata, the
//! corpus cabinets against cabextract, and clean exits on damaged input.

mod common;

use std::path::Path;
use std::process::Command;

use common::{manifest, require, run_msikit};

fn run_in_root(args: &[&str]) -> std::process::Output {
    common::msikit()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run_in_root(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn files_and_extract_on_testdata() {
    insta::assert_snapshot!("files_sample", ok(&["files", "testdata/sample.msi"]));
    insta::assert_snapshot!(
        "files_sample_json",
        ok(&["files", "--json", "testdata/sample.msi"])
    );
    insta::assert_snapshot!(
        "files_sample_property",
        ok(&[
            "files",
            "--csv",
            "--property",
            "INSTALLDIR=D:\\Widget",
            "testdata/sample.msi"
        ])
    );
    let dir = std::env::temp_dir().join(format!("msikit-cli-extract-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let report = ok(&["extract", "--json", "testdata/sample.msi", "-C", d]);
    insta::assert_snapshot!("extract_sample_json", report);
    let mut written: Vec<String> = walk(&dir)
        .into_iter()
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    written.sort();
    insta::assert_snapshot!("extract_sample_tree", written.join("\n"));
    // --flat and --only.
    let flat = dir.join("flat");
    ok(&[
        "extract",
        "testdata/sample.msi",
        "-C",
        flat.to_str().unwrap(),
        "--flat",
        "--only",
        "*.exe",
    ]);
    let names: Vec<String> = std::fs::read_dir(&flat)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["widget.exe"]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn cab_verbs_agree_with_cabextract_and_fail_cleanly() {
    require("cabextract");
    let dir = std::env::temp_dir().join(format!("msikit-cli-cab-{}", std::process::id()));
    let (mut same, mut refused) = (0, 0);
    // libmspack's huge-lzx15/21 cabinets (2.7 MB each) hold 2 GiB files; tests/cabinet_oracle.rs
    // compares them as they decode, so they are not written to disk again here.
    let small = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len() < 50 << 20)
            .unwrap_or(false)
    };
    for f in manifest()
        .into_iter()
        .filter(|f| f.kind == "cab" && small(&f.path))
    {
        let theirs = dir.join("theirs");
        let ours = dir.join("ours");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&theirs).unwrap();
        let c = Command::new("cabextract")
            .arg("-q")
            .arg("-d")
            .arg(&theirs)
            .arg(&f.path)
            .output()
            .unwrap();
        let o = run_msikit(&[
            "cab".as_ref(),
            "extract".as_ref(),
            f.path.as_os_str(),
            "-C".as_ref(),
            ours.as_os_str(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{}: {err}",
            f.local
        );
        match o.status.code() {
            Some(0) if c.status.success() => {
                let mut a: Vec<_> = walk(&theirs)
                    .into_iter()
                    .map(|p| {
                        (
                            p.strip_prefix(&theirs).unwrap().to_path_buf(),
                            std::fs::read(&p).unwrap(),
                        )
                    })
                    .collect();
                let mut b: Vec<_> = walk(&ours)
                    .into_iter()
                    .map(|p| {
                        (
                            p.strip_prefix(&ours).unwrap().to_path_buf(),
                            std::fs::read(&p).unwrap(),
                        )
                    })
                    .collect();
                a.sort();
                b.sort();
                if a == b {
                    same += 1;
                }
            }
            Some(2) => {
                assert_eq!(err.lines().count(), 1, "{}: {err}", f.local);
                assert!(err.contains(&f.path.display().to_string()), "{err}");
                refused += 1;
            }
            other => {
                // msikit accepts a few cabinets cabextract refuses (tests/cabinet_oracle.rs
                // lists them with reasons); anything else must be exit 0 or 2.
                assert!(matches!(other, Some(0)), "{}: exit {other:?}", f.local);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{same} cabinets extracted identically, {refused} refused");
    assert!(same > 60 && refused > 40, "{same} same, {refused} refused");
}
