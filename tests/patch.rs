//! `msikit patch info|xml|view` on the corpus's real patches: the patch code and targets agree
//! with `msiinfo suminfo`, the transform storages with 7-Zip's listing, and `patch view` reaches
//! the ProductVersion Wine's msiexec reaches; damaged patches give clear findings.

mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::Command;

use sha2::Digest;

use common::{manifest, require, run_msikit};

fn json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = run_msikit(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_corpus_patch_agrees_with_msiinfo_and_7zip() {
    require("msiinfo");
    require("7zz");
    let patches: Vec<_> = manifest().into_iter().filter(|f| f.kind == "msp").collect();
    assert!(patches.len() >= 10);
    for f in &patches {
        let info = json(&[
            "patch".as_ref(),
            "info".as_ref(),
            "--json".as_ref(),
            f.path.as_os_str(),
        ]);
        let sum = Command::new("msiinfo")
            .arg("suminfo")
            .arg(&f.path)
            .output()
            .unwrap();
        let sum = String::from_utf8_lossy(&sum.stdout);
        let field = |name: &str| {
            sum.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .unwrap_or("")
                .to_string()
        };
        let revision = field("Revision number (UUID)");
        assert!(
            revision.starts_with(info["patch_code"].as_str().unwrap()),
            "{}: patch code {} vs msiinfo {revision}",
            f.local,
            info["patch_code"]
        );
        let template: Vec<String> = field("Template").split(';').map(str::to_string).collect();
        assert_eq!(
            strings(&info["target_product_codes"]),
            template,
            "{}",
            f.local
        );
        // Storages: 7-Zip's top-level folders are exactly the transforms of PID 8.
        let l = Command::new("7zz")
            .args(["l", "-tCompound", "-slt"])
            .arg(&f.path)
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&l.stdout);
        let storages: BTreeSet<String> = listing
            .split("\n\n")
            .filter(|b| b.lines().any(|l| l == "Size = "))
            .filter_map(|b| b.lines().find_map(|l| l.strip_prefix("Path = ")))
            .filter(|p| !p.contains('/'))
            .map(str::to_string)
            .collect();
        let mut ours = BTreeSet::new();
        for t in info["transforms"].as_array().unwrap() {
            ours.insert(t["transform"].as_str().unwrap().to_string());
            if let Some(p) = t["paired"].as_str() {
                ours.insert(p.to_string());
            }
        }
        assert_eq!(ours, storages, "{}", f.local);
        assert!(info["missing_transforms"].as_array().unwrap().is_empty());
        // Every patch cabinet a Media row names is there.
        assert!(
            info["missing_cabinets"].as_array().unwrap().is_empty(),
            "{}",
            f.local
        );
        // The XML names the same patch code and targets.
        let xml = run_msikit(&["patch".as_ref(), "xml".as_ref(), f.path.as_os_str()]);
        let xml = String::from_utf8(xml.stdout).unwrap();
        assert!(xml.contains(&format!(
            "PatchGUID=\"{}\"",
            info["patch_code"].as_str().unwrap()
        )));
        for t in &template {
            assert!(
                xml.contains(&format!("<TargetProductCode>{t}</TargetProductCode>")),
                "{}",
                f.local
            );
        }
    }
}

#[test]
fn patch_view_reaches_1_0_1_0_as_msiexec_does() {
    let c = common::corpus();
    let w = "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__";
    let target = c.join(format!("{w}prodAv100.msi"));
    let patch = c.join(format!("{w}PatchAv101.msp"));
    let out = run_msikit(&[
        "patch".as_ref(),
        "view".as_ref(),
        target.as_os_str(),
        patch.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text.contains("ProductVersion: 1.0.0.0 -> 1.0.1.0"),
        "{text}"
    );
    // -o writes the patched database, which reads back with the new version.
    let dir = std::env::temp_dir().join(format!("msikit-patchview-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let patched = dir.join("patched.msi");
    let out = run_msikit(&[
        "patch".as_ref(),
        "view".as_ref(),
        target.as_os_str(),
        patch.as_os_str(),
        "-o".as_ref(),
        patched.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let t = json(&[
        "table".as_ref(),
        "--json".as_ref(),
        patched.as_os_str(),
        "Property".as_ref(),
    ]);
    assert!(t["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r[0] == "ProductVersion" && r[1] == "1.0.1.0"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Copies a patch leaving out the entries for which `drop` is true (to drop a storage, drop
/// everything under it too).
fn copy_without(src: &Path, dst: &Path, drop: impl Fn(&msikit::formats::container::Entry) -> bool) {
    common::copy_compound_file(src, dst, |e| !drop(e), |_, bytes| bytes);
}

#[test]
fn damaged_patches_give_findings() {
    let c = common::corpus();
    let patch =
        c.join("wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__PatchAv101.msp");
    let dir = std::env::temp_dir().join(format!("msikit-badmsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The cabinet a Media row names is gone.
    let no_cab = dir.join("no-cab.msp");
    copy_without(&patch, &no_cab, |e| {
        e.names.len() == 1 && e.leaf().name == "A.cab"
    });
    let info = json(&[
        "patch".as_ref(),
        "info".as_ref(),
        "--json".as_ref(),
        no_cab.as_os_str(),
    ]);
    assert_eq!(info["missing_cabinets"][0]["cabinet"], "#A.cab");
    let text = String::from_utf8(
        run_msikit(&["patch".as_ref(), "info".as_ref(), no_cab.as_os_str()]).stdout,
    )
    .unwrap();
    assert!(
        text.contains("#A.cab") && text.contains("MISSING"),
        "{text}"
    );
    // A transform named in PID 8 is gone.
    let no_t = dir.join("no-transform.msp");
    copy_without(&patch, &no_t, |e| e.names[0].name == "#rtmA.1");
    let info = json(&[
        "patch".as_ref(),
        "info".as_ref(),
        "--json".as_ref(),
        no_t.as_os_str(),
    ]);
    assert_eq!(strings(&info["missing_transforms"]), ["#rtmA.1"]);
    // A database is not a patch: exit 2.
    let msi =
        c.join("wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__prodAv100.msi");
    let out = run_msikit(&["patch".as_ref(), "info".as_ref(), msi.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a patch"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `patch files` lists what `cabextract -l` lists in each patch cabinet (names and sizes), for
/// every corpus patch; `patch extract` writes the same bytes cabextract extracts.
#[test]
fn patch_files_agree_with_cabextract() {
    require("cabextract");
    let dir = std::env::temp_dir().join(format!("msikit-pfiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in manifest().into_iter().filter(|f| f.kind == "msp") {
        let list = json(&[
            "patch".as_ref(),
            "files".as_ref(),
            "--json".as_ref(),
            f.path.as_os_str(),
        ]);
        let mut ours: BTreeSet<(String, String, u64)> = BTreeSet::new();
        for e in list["files"].as_array().unwrap() {
            ours.insert((
                e["cabinet"].as_str().unwrap().to_string(),
                e["file"].as_str().unwrap().to_string(),
                e["entry_size"].as_u64().unwrap(),
            ));
        }
        let info = json(&[
            "patch".as_ref(),
            "info".as_ref(),
            "--json".as_ref(),
            f.path.as_os_str(),
        ]);
        let mut theirs = BTreeSet::new();
        for cab in info["cabinets"].as_array().unwrap() {
            let stream = cab["stream"].as_str().unwrap();
            let bytes = run_msikit(&["cat".as_ref(), f.path.as_os_str(), stream.as_ref()]).stdout;
            let path = dir.join(format!("{stream}.cab"));
            std::fs::write(&path, &bytes).unwrap();
            let l = Command::new("cabextract")
                .arg("-l")
                .arg(&path)
                .output()
                .unwrap();
            // cabextract lists "   size | date time | name" rows between the dashes and the total.
            for line in String::from_utf8_lossy(&l.stdout).lines() {
                let parts: Vec<&str> = line.split('|').map(str::trim).collect();
                if parts.len() == 3 {
                    if let Ok(size) = parts[0].parse::<u64>() {
                        theirs.insert((stream.to_string(), parts[2].to_string(), size));
                    }
                }
            }
        }
        // A file a patch delivers for two targets (PatchABv101) comes once per pair.
        let ours_entries: BTreeSet<_> = ours.into_iter().collect();
        assert_eq!(ours_entries, theirs, "{}", f.local);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn patch_files_and_extract_with_the_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let msp = root.join("testdata/sample.msp");
    let msi = root.join("testdata/sample.msi");
    let out = run_msikit(&[
        "patch".as_ref(),
        "files".as_ref(),
        msp.as_os_str(),
        "--msi".as_ref(),
        msi.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("patch_files_sample", text);
    let j = json(&[
        "patch".as_ref(),
        "files".as_ref(),
        "--json".as_ref(),
        msp.as_os_str(),
        "--msi".as_ref(),
        msi.as_os_str(),
    ]);
    let f = &j["files"][0];
    assert_eq!(f["file"], "filWidgetExe");
    assert_eq!(f["old_version"], "1.2.3.4");
    assert_eq!(f["new_version"], "1.2.4.0");
    assert_eq!(f["delivery"], "whole");
    assert_eq!(
        f["target_path"],
        "C:\\Program Files\\Widget Suite\\bin\\widget.exe"
    );
    // The new size the File row announces is the size of the cabinet entry.
    assert_eq!(f["new_size"].as_u64(), f["entry_size"].as_u64());
    // Extract by install path; the bytes are the cabinet entry's.
    let dir = std::env::temp_dir().join(format!("msikit-pextract-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = run_msikit(&[
        "patch".as_ref(),
        "extract".as_ref(),
        msp.as_os_str(),
        "-C".as_ref(),
        dir.as_os_str(),
        "--msi".as_ref(),
        msi.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = dir.join("Program Files/Widget Suite/bin/widget.exe");
    let bytes = std::fs::read(&written).expect("extracted by install path");
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, f["entry_sha256"].as_str().unwrap());
    // Without the target, by File key.
    let dir2 = dir.join("bykey");
    let out = run_msikit(&[
        "patch".as_ref(),
        "extract".as_ref(),
        msp.as_os_str(),
        "-C".as_ref(),
        dir2.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(dir2.join("filWidgetExe")).unwrap(), bytes);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn patch_verbs_on_testdata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run_ok = |args: &[&str]| -> String {
        let out = common::msikit()
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    insta::assert_snapshot!(
        "patch_info_sample",
        run_ok(&["patch", "info", "testdata/sample.msp"])
    );
    insta::assert_snapshot!(
        "patch_info_sample_json",
        run_ok(&["patch", "info", "--json", "testdata/sample.msp"])
    );
    insta::assert_snapshot!(
        "patch_xml_sample",
        run_ok(&["patch", "xml", "testdata/sample.msp"])
    );
    insta::assert_snapshot!(
        "patch_view_sample",
        run_ok(&[
            "patch",
            "view",
            "testdata/sample.msi",
            "testdata/sample.msp"
        ])
    );
    insta::assert_snapshot!(
        "patch_files_sample_json",
        run_ok(&[
            "patch",
            "files",
            "--json",
            "testdata/sample.msp",
            "--msi",
            "testdata/sample.msi"
        ])
    );
}

#[test]
fn truncated_patch_cabinet_is_a_clear_error() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("msikit-truncab-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = root.join("testdata/sample.msp");
    let bad = dir.join("cut-cab.msp");
    // Copy the patch with its cabinet stream cut in half.
    common::copy_compound_file(
        &src,
        &bad,
        |_| true,
        |e, mut bytes| {
            if e.leaf().name == "PCW_CAB_Widget" {
                bytes.truncate(bytes.len() / 2);
            }
            bytes
        },
    );
    let o = run_msikit(&["patch".as_ref(), "files".as_ref(), bad.as_os_str()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cabinet stream 'PCW_CAB_Widget'"), "{err}");
    assert!(!err.contains("panicked"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A cabinet entry that no File row names is listed with a finding, not dropped or an error.
#[test]
fn stray_cabinet_entry_is_a_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("testdata/sample.msp");
    let dir = std::env::temp_dir().join(format!("msikit-stray-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The real cabinet's entries plus one more.
    let c = msikit::formats::container::Container::open(&src).unwrap();
    let cab_leaf = msikit::formats::container::streamname::encode("PCW_CAB_Widget", false);
    let cab = msikit::formats::cabinet::Cabinet::parse(c.read_raw_stream("", &cab_leaf).unwrap())
        .unwrap();
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    cab.for_each_file(|f, data| {
        files.push((f.name.clone(), data.to_vec()));
        Ok(())
    })
    .unwrap();
    files.push(("filStray".into(), b"not named by any File row".to_vec()));
    let mut builder = cab::CabinetBuilder::new();
    let folder = builder.add_folder(cab::CompressionType::MsZip);
    for (name, _) in &files {
        folder.add_file(name.as_str());
    }
    let mut writer = builder.build(std::io::Cursor::new(Vec::new())).unwrap();
    let mut next = files.iter();
    while let Some(mut w) = writer.next_file().unwrap() {
        w.write_all(&next.next().unwrap().1).unwrap();
    }
    let new_cab = writer.finish().unwrap().into_inner();
    let bad = dir.join("stray.msp");
    common::copy_compound_file(
        &src,
        &bad,
        |_| true,
        |e, bytes| {
            if e.raw_path == cab_leaf {
                new_cab.clone()
            } else {
                bytes
            }
        },
    );
    let j = json(&[
        "patch".as_ref(),
        "files".as_ref(),
        "--json".as_ref(),
        bad.as_os_str(),
    ]);
    let stray = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "filStray")
        .expect("listed");
    assert!(
        stray["finding"].as_str().unwrap().contains("no File row"),
        "{stray}"
    );
    let ok = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "filWidgetExe")
        .unwrap();
    assert!(
        ok.get("finding").is_none() || ok["finding"].is_null(),
        "{ok}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn patch_view_json_and_extract_output_on_testdata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run_ok = |args: &[&str]| -> String {
        let out = common::msikit()
            .args(args)
            .current_dir(root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    insta::assert_snapshot!(
        "patch_view_sample_json",
        run_ok(&[
            "patch",
            "view",
            "--json",
            "testdata/sample.msi",
            "testdata/sample.msp"
        ])
    );
    let dir = std::env::temp_dir().join(format!("msikit-extract-snap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    insta::assert_snapshot!(
        "patch_extract_sample",
        run_ok(&[
            "patch",
            "extract",
            "testdata/sample.msp",
            "-C",
            d,
            "--msi",
            "testdata/sample.msi"
        ])
    );
    insta::assert_snapshot!(
        "patch_extract_sample_json",
        run_ok(&[
            "patch",
            "extract",
            "--json",
            "testdata/sample.msp",
            "-C",
            &format!("{d}/2")
        ])
    );
    let _ = std::fs::remove_dir_all(&dir);
}
