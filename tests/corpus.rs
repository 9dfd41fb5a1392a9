//! Conformance over the real packages in the corpus: every well-formed compound file opens, the
//! table list equals `msiinfo tables`, every table msitools can export is byte-identical to
//! `msiinfo export`, and every malformed file gets exit code 2 and a one-line error.

mod common;

use std::ffi::OsStr;
use std::process::Command;

use common::{manifest, par_map, require, run_msikit, CorpusFile};

/// The damaged files of the corpus (their MANIFEST notes say so), by MANIFEST path, and the words
/// msikit must use.
const MALFORMED: &[(&str, &str)] = &[
    (
        "wixtoolset__wix3/test__data__Integration__BuildingPackages__Authoring__FragmentTests__MultipleFragments__expected.msi",
        "compound file is damaged: Invalid CFB byte order mark",
    ),
    (
        "wixtoolset__wix3/test__data__Integration__BuildingPackages__Features__RefAndGroupTests__FeatureGroupContainingMergeRef__MergeModule.msm",
        "compound file is damaged: Malformed directory entry",
    ),
    (
        "gabriel-vasile__mimetype/testdata__msi.msi",
        "the file is truncated: it ends at byte 4096",
    ),
];

fn malformed(f: &CorpusFile) -> Option<&'static str> {
    MALFORMED
        .iter()
        .find(|(local, _)| f.local == *local)
        .map(|(_, msg)| *msg)
}

fn databases() -> Vec<CorpusFile> {
    manifest()
        .into_iter()
        .filter(|f| matches!(f.kind.as_str(), "msi" | "msm" | "msp"))
        .filter(|f| malformed(f).is_none())
        .collect()
}

fn msiinfo(args: &[&OsStr], cwd: &std::path::Path) -> Option<Vec<u8>> {
    let out = Command::new("msiinfo")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run msiinfo");
    out.status.success().then_some(out.stdout)
}

#[test]
fn corpus_manifest_lists_every_kind() {
    let m = manifest();
    for kind in ["msi", "msm", "msp", "mst", "cab"] {
        assert!(m.iter().any(|f| f.kind == kind), "no {kind} in the corpus");
    }
    for (local, _) in MALFORMED {
        assert!(
            m.iter().any(|f| f.local == *local),
            "malformed corpus file {local} is gone from the manifest"
        );
    }
}

#[test]
fn table_lists_match_msiinfo() {
    require("msiinfo");
    let files = databases();
    assert!(
        files.len() > 100,
        "only {} databases in the corpus",
        files.len()
    );
    let scratch = tempdir("tables");
    let problems: Vec<String> = par_map(&files, |f| {
        let expected = msiinfo(&["tables".as_ref(), f.path.as_os_str()], &scratch)
            .unwrap_or_else(|| panic!("msiinfo cannot list {}", f.local));
        let expected: Vec<String> = String::from_utf8_lossy(&expected)
            .lines()
            .filter(|l| !msikit::database::PSEUDO_TABLES.contains(l))
            .map(str::to_string)
            .collect();
        let out = run_msikit(&["tables".as_ref(), "--json".as_ref(), f.path.as_os_str()]);
        if !out.status.success() {
            return Some(format!(
                "{}: {}",
                f.local,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).expect("tables --json");
        let got: Vec<String> = got
            .as_array()
            .expect("array")
            .iter()
            .map(|t| t["name"].as_str().expect("name").to_string())
            .collect();
        (got != expected).then(|| format!("{}: msikit {got:?} != msiinfo {expected:?}", f.local))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(
        problems.is_empty(),
        "{} files differ:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn idt_export_is_byte_identical_to_msiinfo() {
    require("msiinfo");
    let files = databases();
    let results: Vec<(usize, Vec<String>)> = par_map(&files, |f| {
        // msiinfo export writes binary cells into ./TABLE/ of its working folder.
        let scratch = tempdir(&format!("idt-{}", f.local.replace('/', "_")));
        let list = msiinfo(&["tables".as_ref(), f.path.as_os_str()], &scratch).unwrap_or_default();
        let mut same = 0;
        let mut problems = Vec::new();
        for table in String::from_utf8_lossy(&list).lines() {
            let Some(expected) = msiinfo(
                &["export".as_ref(), f.path.as_os_str(), table.as_ref()],
                &scratch,
            ) else {
                continue; // a table msitools itself cannot export
            };
            let expected = normalize_narrow_ints(&expected);
            let out = run_msikit(&[
                "table".as_ref(),
                "--format".as_ref(),
                "idt".as_ref(),
                f.path.as_os_str(),
                table.as_ref(),
            ]);
            if !out.status.success() {
                problems.push(format!(
                    "{} {table}: msikit failed: {}",
                    f.local,
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            } else if out.stdout != expected {
                let at = out.stdout.iter().zip(&expected).position(|(a, b)| a != b);
                problems.push(format!(
                    "{} {table}: differs (msikit {} bytes, msiinfo {} bytes, first difference at {at:?})",
                    f.local,
                    out.stdout.len(),
                    expected.len()
                ));
            } else {
                same += 1;
            }
        }
        let _ = std::fs::remove_dir_all(&scratch);
        (same, problems)
    });
    let same: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.1).collect();
    assert!(
        problems.is_empty(),
        "{} tables differ ({same} identical):\n{}",
        problems.len(),
        problems
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(same > 2500, "only {same} tables compared");
}

#[test]
fn every_compound_file_opens() {
    let files: Vec<CorpusFile> = manifest()
        .into_iter()
        .filter(|f| f.kind != "cab" && malformed(f).is_none())
        .collect();
    let problems: Vec<String> = par_map(&files, |f| {
        let mut bad = Vec::new();
        for verb in ["info", "streams"] {
            let out = run_msikit(&[verb.as_ref(), "--json".as_ref(), f.path.as_os_str()]);
            // A listing may end with exit 2 for a stream the file cuts off (VBRuntime.msi's
            // Disk2.CAB); it must still be valid JSON that names every entry.
            let json: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
            if json.is_err() || (!out.status.success() && verb == "info") {
                bad.push(format!(
                    "{} {verb}: exit {:?}: {}",
                    f.local,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        bad
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn malformed_files_fail_cleanly_with_exit_2() {
    let files: Vec<CorpusFile> = manifest()
        .into_iter()
        .filter(|f| malformed(f).is_some())
        .collect();
    assert_eq!(files.len(), MALFORMED.len());
    for f in &files {
        let want = malformed(f).unwrap();
        for args in [
            vec!["info"],
            vec!["tables"],
            vec!["table", "File"],
            vec!["export", "--idt"],
        ] {
            let scratch = tempdir("malformed-export");
            let mut argv: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
            if args[0] == "export" {
                argv.push(scratch.as_os_str());
            }
            argv.insert(1, f.path.as_os_str());
            let out = run_msikit(&argv);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{} {args:?}: {err}", f.local);
            assert_eq!(
                err.lines().count(),
                1,
                "{} {args:?}: not one line: {err}",
                f.local
            );
            assert!(err.starts_with("msikit: error: "), "{err}");
            assert!(
                err.contains(&f.path.display().to_string()),
                "names the file: {err}"
            );
            assert!(
                err.contains(want),
                "{} {args:?}: expected {want:?} in {err}",
                f.local
            );
            assert!(!err.contains("panicked"), "{err}");
        }
    }
}

#[test]
fn cabinets_and_other_files_are_refused_as_not_installer_files() {
    let cabs: Vec<CorpusFile> = manifest().into_iter().filter(|f| f.kind == "cab").collect();
    assert!(cabs.len() > 50);
    let problems: Vec<String> = par_map(&cabs, |f| {
        let out = run_msikit(&["info".as_ref(), f.path.as_os_str()]);
        let err = String::from_utf8_lossy(&out.stderr);
        let ok = out.status.code() == Some(2)
            && err.lines().count() == 1
            && err.contains("not a Windows Installer file");
        (!ok).then(|| format!("{}: exit {:?}: {err}", f.local, out.status.code()))
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// libmsi (and Wine) decode an integer column whose declared width is neither 2 nor 4 (WiX 4
/// declares `I1` columns) with the 4-byte bias, although its cells are 2 bytes stored with the
/// 2-byte bias by Windows' msi.dll. msikit reads them as Windows wrote them (raw 0x8006 is 6,
/// not -2147450874). Map msiinfo's value back to the raw cell and forward with the 2-byte bias,
/// so the comparison stays byte for byte everywhere else.
fn normalize_narrow_ints(idt: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(idt);
    let lines: Vec<&str> = text.split("\r\n").collect();
    let Some(types) = lines.get(1) else {
        return idt.to_vec();
    };
    let narrow: Vec<bool> = types
        .split('\t')
        .map(|t| {
            let lower = t.to_ascii_lowercase();
            lower.starts_with('i') && lower != "i2" && lower != "i4"
        })
        .collect();
    if !narrow.contains(&true) || String::from_utf8(idt.to_vec()).is_err() {
        return idt.to_vec();
    }
    let out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            if i < 3 || line.is_empty() {
                return line.to_string();
            }
            line.split('\t')
                .enumerate()
                .map(|(c, cell)| match (narrow.get(c), cell.parse::<i32>()) {
                    (Some(true), Ok(v)) => (((v as u32) ^ 0x8000_0000) as i32 - 0x8000).to_string(),
                    _ => cell.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    out.join("\r\n").into_bytes()
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("msikit-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}
