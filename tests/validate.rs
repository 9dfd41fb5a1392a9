//! `msikit validate`: each ICE on a package authored here to break exactly its rule (testdata/
//! sample.msi exported to IDT, one edit, `msikit build --idt`) gets exactly that finding, and
//! the clean twin none; every WiX-built package of the corpus (WiX validates when it links)
//! gives no error, except the ones listed with the reason the rule fires.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{manifest, par_map, require, run_msikit};

/// A finding as (ice, rule, table, key joined with '/', column).
type Found = (String, String, String, String, String);
/// A known exception: a corpus path part, the (rule, table, column) errors, and why.
type Exception = (
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
    &'static str,
);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("msikit-validate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One edit of an IDT file: replace the first `find` with `with` (an empty `find` appends a
/// line; `with` empty removes the line holding `find`).
struct Edit {
    file: &'static str,
    find: &'static str,
    with: &'static str,
}

const fn edit(file: &'static str, find: &'static str, with: &'static str) -> Edit {
    Edit { file, find, with }
}

/// testdata/sample.msi exported to IDT, edited, and built again: the path of the package.
fn author(name: &str, edits: &[Edit]) -> PathBuf {
    let d = scratch(name);
    let idt = d.join("idt");
    let e = run_msikit(&[
        "export".as_ref(),
        root().join("testdata/sample.msi").as_os_str(),
        "--idt".as_ref(),
        idt.as_os_str(),
    ]);
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    for ed in edits {
        let p = idt.join(ed.file);
        if ed.find == "DELETE-FILE" {
            std::fs::remove_file(&p).unwrap();
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        let text = if ed.find.is_empty() {
            format!("{text}{}\r\n", ed.with)
        } else if ed.with.is_empty() {
            let lines: Vec<&str> = text.split("\r\n").collect();
            let i = lines
                .iter()
                .position(|l| l.contains(ed.find))
                .unwrap_or_else(|| panic!("{name}: no line with {:?} in {}", ed.find, ed.file));
            let mut lines = lines;
            lines.remove(i);
            lines.join("\r\n")
        } else {
            assert!(
                text.contains(ed.find),
                "{name}: {:?} not in {}",
                ed.find,
                ed.file
            );
            text.replacen(ed.find, ed.with, 1)
        };
        std::fs::write(&p, text).unwrap();
    }
    let out = d.join(format!("{name}.msi"));
    let b = run_msikit(&[
        "build".as_ref(),
        "--idt".as_ref(),
        idt.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        b.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&b.stderr)
    );
    out
}

/// Runs `msikit validate --json ARGS PACKAGE`: the exit code and the findings as
/// (ice, rule, table, key joined with '/', column).
fn validate(pkg: &Path, args: &[&str]) -> (i32, BTreeSet<Found>) {
    let mut a: Vec<&std::ffi::OsStr> = vec!["validate".as_ref(), "--json".as_ref()];
    a.extend(args.iter().map(std::ffi::OsStr::new));
    a.push(pkg.as_os_str());
    let out = run_msikit(&a);
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}: {}",
        pkg.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |x: &serde_json::Value| x.as_str().unwrap_or("").to_string();
    let found = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key: Vec<String> = f["key"].as_array().unwrap().iter().map(s).collect();
            (
                s(&f["ice"]),
                s(&f["rule"]),
                s(&f["table"]),
                key.join("/"),
                s(&f["column"]),
            )
        })
        .collect();
    (code, found)
}

fn set(items: &[(&str, &str, &str, &str, &str)]) -> BTreeSet<Found> {
    items
        .iter()
        .map(|(a, b, c, d, e)| {
            (
                a.to_string(),
                b.to_string(),
                c.to_string(),
                d.to_string(),
                e.to_string(),
            )
        })
        .collect()
}

#[test]
fn the_clean_twins_pass() {
    let (code, found) = validate(&root().join("testdata/sample.msi"), &[]);
    assert_eq!((code, found), (0, BTreeSet::new()));
    let twin = author("twin", &[]);
    let (code, found) = validate(&twin, &[]);
    assert_eq!((code, found), (0, BTreeSet::new()));
    // The authored packages are databases msitools reads, _Validation included.
    require("msiinfo");
    let out = std::process::Command::new("msiinfo")
        .args(["export".as_ref(), twin.as_os_str(), "_Validation".as_ref()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Component\tComponentId\tY"));
}

/// Every ICE03 check, each on a package that breaks it alone.
#[test]
fn ice03_each_check_on_its_own_package() {
    type Case = (
        &'static str,
        Vec<Edit>,
        Vec<(
            &'static str,
            &'static str,
            &'static str,
            &'static str,
            &'static str,
        )>,
    );
    let cases: Vec<Case> = vec![
        (
            "required",
            vec![edit(
                "_Validation.idt",
                "Component\tCondition\tY",
                "Component\tCondition\tN",
            )],
            vec![
                (
                    "ICE03",
                    "required",
                    "Component",
                    "cmpWidgetExe",
                    "Condition",
                ),
                (
                    "ICE03",
                    "required",
                    "Component",
                    "cmpWidgetCore",
                    "Condition",
                ),
                ("ICE03", "required", "Component", "cmpDocs", "Condition"),
            ],
        ),
        (
            "stringoverflow",
            vec![edit(
                "Feature.idt",
                "Documentation\t",
                "The documentation of every part of the widget suite, every page of it\t",
            )],
            vec![("ICE03", "stringoverflow", "Feature", "Docs", "Title")],
        ),
        (
            "underflow",
            vec![edit(
                "Feature.idt",
                "The readme and the licence.\t2\t1",
                "The readme and the licence.\t2\t-1",
            )],
            vec![("ICE03", "underflow", "Feature", "Docs", "Level")],
        ),
        (
            "overflow",
            vec![
                edit(
                    "_Validation.idt",
                    "Feature\tLevel\tN\t0\t32767",
                    "Feature\tLevel\tN\t0\t100",
                ),
                edit(
                    "Feature.idt",
                    "The readme and the licence.\t2\t1",
                    "The readme and the licence.\t2\t200",
                ),
            ],
            vec![("ICE03", "overflow", "Feature", "Docs", "Level")],
        ),
        (
            "notinset",
            vec![
                edit(
                    "_Validation.idt",
                    "Component\tAttributes\tN\t\t\t\t\t\t",
                    "Component\tAttributes\tN\t\t\t\t\t\t0;256",
                ),
                edit(
                    "Component.idt",
                    "BINDIR\t256\t\tfilWidgetCore",
                    "BINDIR\t4\t\tfilWidgetCore",
                ),
            ],
            vec![(
                "ICE03",
                "notinset",
                "Component",
                "cmpWidgetCore",
                "Attributes",
            )],
        ),
        (
            "notinset-string",
            vec![edit(
                "_Validation.idt",
                "Media\tCabinet\tY\t\t\t\t\tCabinet\t",
                "Media\tCabinet\tY\t\t\t\t\tCabinet\t#data.cab;#other.cab",
            )],
            vec![("ICE03", "notinset", "Media", "1", "Cabinet")],
        ),
        (
            "badguid",
            vec![edit(
                "Component.idt",
                "{8D0E2F41-6A3B-4C5D-9E7F-102132435465}",
                "{8d0e2f41-6a3b-4c5d-9e7f-102132435465}",
            )],
            vec![(
                "ICE03",
                "badguid",
                "Component",
                "cmpWidgetExe",
                "ComponentId",
            )],
        ),
        (
            "badidentifier",
            vec![edit("Property.idt", "", "BAD-NAME\tx")],
            vec![("ICE03", "badidentifier", "Property", "BAD-NAME", "Property")],
        ),
        (
            "badcondition",
            vec![edit(
                "Component.idt",
                "NOT WIDGET_NOCONFIG",
                "NOT (WIDGET_NOCONFIG",
            )],
            vec![(
                "ICE03",
                "badcondition",
                "Component",
                "cmpConfig",
                "Condition",
            )],
        ),
        (
            "badfilename",
            vec![edit(
                "File.idt",
                "WIDGET.INI|widget.ini",
                "WIDGET INI|widget.ini",
            )],
            vec![("ICE03", "badfilename", "File", "filConfig", "FileName")],
        ),
        (
            "badversion",
            vec![edit("File.idt", "42\t1.2.3.4", "42\t1.2.x")],
            vec![("ICE03", "badversion", "File", "filWidgetCore", "Version")],
        ),
        (
            "badlanguage",
            vec![edit("File.idt", "50\t1.2.3.4\t1033", "50\t1.2.3.4\ten-US")],
            vec![("ICE03", "badlanguage", "File", "filWidgetExe", "Language")],
        ),
        (
            "baddefaultdir",
            vec![edit(
                "Directory.idt",
                "INSTALLDIR\tbin",
                "INSTALLDIR\tbin/x",
            )],
            vec![(
                "ICE03",
                "baddefaultdir",
                "Directory",
                "BINDIR",
                "DefaultDir",
            )],
        ),
        (
            "badcabinet",
            vec![edit("Media.idt", "#product.cab", "#pro|duct.cab")],
            vec![("ICE03", "badcabinet", "Media", "1", "Cabinet")],
        ),
        (
            "badproperty",
            vec![edit(
                "Media.idt",
                "#product.cab\t\t",
                "#product.cab\t\t9LIVES",
            )],
            vec![("ICE03", "badproperty", "Media", "1", "Source")],
        ),
        (
            "badformatted",
            vec![
                edit(
                    "_Validation.idt",
                    "Property\tValue\tN\t\t\t\t\tText",
                    "Property\tValue\tN\t\t\t\t\tFormatted",
                ),
                edit("Property.idt", "", "BROKEN\t[ProductName"),
            ],
            vec![("ICE03", "badformatted", "Property", "BROKEN", "Value")],
        ),
        (
            "badcase",
            vec![
                edit(
                    "_Validation.idt",
                    "Property\tValue\tN\t\t\t\t\tText",
                    "Property\tValue\tN\t\t\t\t\tUpperCase",
                ),
                edit("Property.idt", "", "LOUD\tquiet"),
            ],
            // Every mixed-case value of the sample fails too: the category is the package's word.
            vec![
                ("ICE03", "badcase", "Property", "LOUD", "Value"),
                ("ICE03", "badcase", "Property", "ProductName", "Value"),
                ("ICE03", "badcase", "Property", "Manufacturer", "Value"),
                ("ICE03", "badcase", "Property", "ARPCOMMENTS", "Value"),
                ("ICE03", "badcase", "Property", "ARPURLINFOABOUT", "Value"),
            ],
        ),
        (
            "badlink",
            vec![edit("Component.idt", "\tDOCDIR\t", "\tNODIR\t")],
            vec![("ICE03", "badlink", "Component", "cmpDocs", "Directory_")],
        ),
        (
            "duplicatekey",
            vec![edit("Property.idt", "", "ALLUSERS\t2")],
            vec![("ICE03", "duplicatekey", "Property", "ALLUSERS", "")],
        ),
        (
            "missingdata",
            vec![edit("_Validation.idt", "Media\tVolumeLabel", "")],
            vec![("ICE03", "missingdata", "Media", "", "VolumeLabel")],
        ),
        (
            "badcategory",
            vec![edit(
                "_Validation.idt",
                "Media\tDiskPrompt\tY\t\t\t\t\tText",
                "Media\tDiskPrompt\tY\t\t\t\t\tTxt",
            )],
            vec![(
                "ICE03",
                "badcategory",
                "_Validation",
                "Media/DiskPrompt",
                "Category",
            )],
        ),
        (
            "badmaxminvalues",
            vec![edit(
                "_Validation.idt",
                "Media\tVolumeLabel\tY\t\t",
                "Media\tVolumeLabel\tY\t10\t5",
            )],
            vec![(
                "ICE03",
                "badmaxminvalues",
                "_Validation",
                "Media/VolumeLabel",
                "MaxValue",
            )],
        ),
        (
            "badkeytable",
            vec![edit(
                "_Validation.idt",
                "Directory\t1\tIdentifier\t\t\r\nComponent\tAttributes",
                "Directory\t0\tIdentifier\t\t\r\nComponent\tAttributes",
            )],
            vec![(
                "ICE03",
                "badkeytable",
                "_Validation",
                "Component/Directory_",
                "KeyColumn",
            )],
        ),
        (
            "no-validation-table",
            vec![edit("_Validation.idt", "DELETE-FILE", "")],
            vec![("ICE03", "missingdata", "_Validation", "", "")],
        ),
        (
            "malformed-validation-table",
            vec![
                edit(
                    "_Validation.idt",
                    "Table\tColumn\tNullable",
                    "Table\tCol\tNullable",
                ),
                edit(
                    "_Validation.idt",
                    "_Validation\tTable\tColumn",
                    "_Validation\tTable\tCol",
                ),
            ],
            vec![("ICE03", "missingdata", "_Validation", "", "")],
        ),
    ];
    let results = par_map(&cases, |(name, edits, _)| {
        validate(&author(name, edits), &["--ice", "ICE03"])
    });
    for ((name, _, want), (code, found)) in cases.iter().zip(results) {
        let want = set(want);
        assert_eq!(found, want, "{name}");
        assert_eq!(code, if want.is_empty() { 0 } else { 1 }, "{name}");
    }
}

#[test]
fn unreadable_packages_exit_2() {
    for f in [
        "testdata/truncated.msi",
        "testdata/not-an-installer.bin",
        "testdata/sample.mst",
    ] {
        let out = run_msikit(&["validate".as_ref(), root().join(f).as_os_str()]);
        assert_eq!(out.status.code(), Some(2), "{f}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(f.rsplit('/').next().unwrap()), "{err}");
        assert!(!err.contains("panicked"));
    }
    let out = run_msikit(&[
        "validate".as_ref(),
        "--ice".as_ref(),
        "ICE999".as_ref(),
        root().join("testdata/sample.msi").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown ICE 'ICE999'"));
}

#[test]
fn human_output_groups_by_ice_with_counts() {
    let pkg = author("human", &[edit("Component.idt", "\tDOCDIR\t", "\tNODIR\t")]);
    let out = common::msikit()
        .args(["validate".as_ref(), pkg.as_os_str()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ICE03  1 error, 0 warnings"), "{text}");
    assert!(
        text.contains("error     Component  cmpDocs  Directory_"),
        "{text}"
    );
    assert!(
        text.contains("Verdict:  FAILED: 1 error, 0 warnings"),
        "{text}"
    );
    let out = run_msikit(&[
        "validate".as_ref(),
        "--suppress".as_ref(),
        "ice03".as_ref(),
        pkg.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Suppressed:  ICE03"));
}

/// WiX-built packages of the corpus, and the errors each is known to have, with the reason.
/// Every other WiX-built package must give no error.
const WIX_EXCEPTIONS: &[Exception] = &[
    (
        "Hello_Reg_conditionalPass__hello_world",
        &[
            ("badlink", "MsiAssembly", "File_Application"),
            ("badlink", "MsiFileHash", "File_"),
            ("badlink", "MsiSFCBypass2", "File_"),
        ],
        "Burn test payload whose File table was emptied after linking: MsiFileHash, MsiAssembly \
         and MsiSFCBypass2 still name the files",
    ),
    (
        "BundleWithComponentlessPackage__data__test.msi",
        &[("badlink", "MsiFileHash", "File_")],
        "componentless test package with its File table removed; MsiFileHash still names two files",
    ),
    (
        "CreateFolderTests__CreateFolderWith",
        &[("notinset", "LockPermissions", "Table")],
        "WiX 3.5 writes LockPermissions rows for CreateFolder but a _Validation Set of \
         Directory;File;Registry: the package's own rule refuses its rows (integration-test \
         expectations, linked without ICE03)",
    ),
    (
        "Decompile__LockPermissions.msi",
        &[("notinset", "LockPermissions", "Table")],
        "same _Validation Set without CreateFolder, written by WiX 6",
    ),
    (
        "Decompile__ui.msi",
        &[
            ("missingdata", "Error", "Error"),
            ("missingdata", "Error", "Message"),
        ],
        "decompiler input with an Error row and no _Validation rows for the Error table",
    ),
    (
        "IviNetSharedComponents32_Fx2",
        &[("badlink", "Directory", "Directory_Parent")],
        "a merged module's directory whose parent IVINETSTANDARDROOTDIR is no Directory row",
    ),
];

#[test]
fn wix_built_corpus_packages_pass_ice03() {
    let files: Vec<_> = manifest()
        .into_iter()
        .filter(|f| matches!(f.kind.as_str(), "msi" | "msm"))
        .filter(|f| {
            f.note.contains("creator: Windows Installer XML") || f.note.contains("WiX Toolset (")
        })
        .filter(|f| f.msitools.starts_with("ok"))
        .collect();
    assert!(files.len() >= 80, "{} WiX-built packages", files.len());
    let results = par_map(&files, |f| validate(&f.path, &["--ice", "ICE03"]));
    let mut clean = 0;
    for (f, (code, found)) in files.iter().zip(results) {
        let errors: BTreeSet<(String, String, String)> = found
            .into_iter()
            .map(|(_, rule, table, _, column)| (rule, table, column))
            .collect();
        let expected: BTreeSet<(String, String, String)> = WIX_EXCEPTIONS
            .iter()
            .filter(|(name, _, _)| f.local.contains(name))
            .flat_map(|(_, e, _)| e.iter())
            .map(|(r, t, c)| (r.to_string(), t.to_string(), c.to_string()))
            .collect();
        assert_eq!(errors, expected, "{}", f.local);
        if expected.is_empty() {
            assert_eq!(code, 0, "{}", f.local);
            clean += 1;
        }
    }
    eprintln!(
        "{clean} of {} WiX-built packages clean under ICE03",
        files.len()
    );
}
