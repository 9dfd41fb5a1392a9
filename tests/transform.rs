//! Transforms from the corpus applied with Windows Installer's semantics: what the issue pins for
//! psmsi's Example.mst and Example.jpn.mst, the WiX patch families, and malformed transforms.

mod common;

use std::path::PathBuf;

use msikit::formats::tables::Value;
use msikit::views::transform::{apply_files, Applied, Change};

fn corpus(p: &str) -> PathBuf {
    common::corpus().join(p)
}

const EXAMPLE_MSI: &str = "heaths__psmsi/test__PowerShell.Test__Data__Example.msi";
const EXAMPLE_MST: &str = "heaths__psmsi/test__PowerShell.Test__Data__Example.mst";
const EXAMPLE_JPN: &str = "heaths__psmsi/test__PowerShell.Test__Data__Example.jpn.mst";
const PROD_A: &str =
    "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__prodAv100.msi";
const PROD_B: &str =
    "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__prodBv100.msi";
const PATCH_A: &str =
    "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__PatchAv101.msp";
const PATCH_AB: &str =
    "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__PatchABv101.msp";
const RTM: &str =
    "wixtoolset__wix3/test__data__BurnTestPayloads__MSIsandMSPs__RtmProduct__product.msi";
const GDR1: &str = "wixtoolset__wix3/test__data__BurnTestPayloads__MSIsandMSPs__GDR1__gdr1.msp";

fn apply(base: &str, t: &str) -> Applied {
    apply_files(&corpus(base), &[corpus(t).as_path()], None, None).expect("transform applies")
}

fn keys(a: &Applied, table: &str) -> Vec<String> {
    let t = a.model.table(table).expect("table");
    t.rows.iter().map(|r| r[0].to_string()).collect()
}

fn skipped(a: &Applied) -> Vec<(String, String, String)> {
    a.reports
        .iter()
        .flat_map(|r| &r.changes)
        .filter_map(|c| match c {
            Change::Skipped {
                table,
                key,
                condition,
                ..
            } => Some((
                table.clone(),
                key.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("|"),
                condition.clone(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn example_mst_follows_windows_not_wine() {
    let base = apply_files(&corpus(EXAMPLE_MSI), &[], None, None).unwrap();
    let a = apply(EXAMPLE_MSI, EXAMPLE_MST);
    // Directory gains Foo and Added and nothing else (Wine would also insert `Modified`).
    let mut before = keys(&base, "Directory");
    before.extend(["Foo".to_string(), "Added".to_string()]);
    assert_eq!(keys(&a, "Directory"), before);
    // No AppId table appears (Wine creates an empty one), and no Binary table.
    assert!(a.model.table("AppId").is_none());
    assert!(a.model.table("Binary").is_none());
    assert!(!a.model.streams.keys().any(|k| k.starts_with("Binary.")));
    // Each record that cannot apply is reported with its suppressed condition.
    assert_eq!(
        skipped(&a),
        vec![
            (
                "_Tables".into(),
                "AppId".into(),
                "delete-missing-table".into()
            ),
            (
                "Binary".into(),
                String::new(),
                "delete-missing-table".into()
            ),
            (
                "Directory".into(),
                "Modified".into(),
                "update-missing-row".into()
            ),
            (
                "Directory".into(),
                "Deleted".into(),
                "delete-missing-row".into()
            ),
        ]
    );
    assert_eq!(a.reports[0].suppressed.value(), 0x1F);
}

#[test]
fn example_jpn_changes_code_page_and_language() {
    let a = apply(EXAMPLE_MSI, EXAMPLE_JPN);
    assert_eq!(a.model.codepage, 932);
    assert_eq!(a.model.property("ProductLanguage"), Some("1041"));
    assert_eq!(a.model.property("ProductName"), Some("テストプロダクト"));
    assert!(a.reports[0]
        .changes
        .contains(&Change::CodepageChanged { from: 0, to: 932 }));
    assert_eq!(a.reports[0].suppressed.value(), 0x3F);
}

#[test]
fn code_page_conflict_without_suppression_fails() {
    // Example.mst suppresses a-e but not f (change-codepage): onto a 932 database it must fail.
    let jpn = apply(EXAMPLE_MSI, EXAMPLE_JPN);
    let dir = std::env::temp_dir().join(format!("msikit-cp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("jpn.msi");
    msikit::database::write::write_database_file(
        &jpn.model,
        msikit::formats::container::PackageKind::Database,
        &out,
    )
    .unwrap();
    let e = apply_files(&out, &[corpus(EXAMPLE_MST).as_path()], None, None).unwrap_err();
    assert!(
        e.to_string()
            .contains("does not suppress the change-codepage condition"),
        "{e}"
    );
    // With --suppress f given, it applies.
    let flags = msikit::formats::summary::ErrorFlags::from_letters("abcdef").unwrap();
    let a = apply_files(&out, &[corpus(EXAMPLE_MST).as_path()], None, Some(flags)).unwrap();
    assert_eq!(a.model.codepage, 1252);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn patch_a_brings_product_a_to_1_0_1() {
    let a = apply(PROD_A, PATCH_A);
    assert_eq!(a.product_version_before.as_deref(), Some("1.0.0.0"));
    assert_eq!(a.product_version_after.as_deref(), Some("1.0.1.0"));
    assert!(a.reports.iter().all(|r| r.applied));
    // The paired transform adds the patch's media and PatchPackage row.
    let media = a.model.table("Media").unwrap();
    assert!(media
        .rows
        .iter()
        .any(|r| r[3] == Value::Str("#A.cab".into())));
    assert_eq!(a.model.table("PatchPackage").unwrap().rows.len(), 1);
}

#[test]
fn patch_ab_applies_only_the_matching_pair() {
    for (base, applied) in [
        (PROD_A, ["rtmA.1", "#rtmA.1"]),
        (PROD_B, ["rtmB.2", "#rtmB.2"]),
    ] {
        let a = apply(base, PATCH_AB);
        let names: Vec<&str> = a
            .reports
            .iter()
            .filter(|r| r.applied)
            .map(|r| r.transform.as_str())
            .collect();
        assert_eq!(names, applied, "{base}");
        let left_out = a.reports.iter().filter(|r| !r.applied).count();
        assert_eq!(left_out, 2);
        assert!(a.reports.iter().filter(|r| !r.applied).all(|r| r
            .validation_failures
            .iter()
            .any(|f| f.starts_with("product code is"))));
    }
}

#[test]
fn gdr1_applies_its_rtm_pair_to_rtm_and_overwrites_the_added_file_row() {
    let a = apply(RTM, GDR1);
    let applied: Vec<&str> = a
        .reports
        .iter()
        .filter(|r| r.applied)
        .map(|r| r.transform.as_str())
        .collect();
    assert_eq!(applied, ["rtm.2", "#rtm.2"]);
    let file = a.model.table("File").unwrap();
    let row = file
        .rows
        .iter()
        .find(|r| r[0] == Value::Str("F_Patch".into()))
        .unwrap();
    // Attributes 4608 = 0x1000 PatchAdded | 0x200 Compressed; Sequence from the patch media.
    assert_eq!(row[6], Value::Int(4608));
    assert!(skipped(&a).is_empty(), "{:?}", skipped(&a));
}

#[test]
fn malformed_transforms_exit_2_with_a_clear_error() {
    // A transform whose table stream is cut in the middle of a record.
    let src = corpus(EXAMPLE_MST);
    let dir = std::env::temp_dir().join(format!("msikit-badmst-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("cut.mst");
    rewrite_stream(&src, "Directory", |b| b.truncate(b.len() - 1), &bad);
    let out = common::run_msikit(&[
        "transform".as_ref(),
        "show".as_ref(),
        corpus(EXAMPLE_MSI).as_os_str(),
        bad.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("table 'Directory'") && err.contains("ends inside column"),
        "{err}"
    );
    // String ids past the transform's pool.
    rewrite_stream(&src, "Directory", |b| b[4] = 0x7F, &bad);
    let out = common::run_msikit(&[
        "transform".as_ref(),
        "show".as_ref(),
        corpus(EXAMPLE_MSI).as_os_str(),
        bad.as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("past the transform's string pool"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Copies a transform file with one table stream changed by `f`.
fn rewrite_stream(
    src: &std::path::Path,
    table: &str,
    f: impl Fn(&mut Vec<u8>),
    out: &std::path::Path,
) {
    common::copy_compound_file(
        src,
        out,
        |_| true,
        |e, mut bytes| {
            if e.leaf().is_table && e.leaf().name == table {
                f(&mut bytes);
            }
            bytes
        },
    );
}

#[test]
fn missing_tables_and_rows_fail_when_not_suppressed() {
    // Example.mst against its base with no condition suppressed (--suppress ""): its first
    // record drops the missing table AppId, which must now fail the apply with exit 2.
    let out = common::run_msikit(&[
        "transform".as_ref(),
        "show".as_ref(),
        "--suppress".as_ref(),
        "".as_ref(),
        corpus(EXAMPLE_MSI).as_os_str(),
        corpus(EXAMPLE_MST).as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("drops table 'AppId', which the database does not have")
            && err.contains("does not suppress the delete-missing-table condition"),
        "{err}"
    );
    // With only d suppressed, AppId and the Binary records (a table nobody defines) pass, and
    // the update of the missing Directory row `Modified` is the next failure.
    let flags = msikit::formats::summary::ErrorFlags::from_letters("d").unwrap();
    let e = apply_files(
        &corpus(EXAMPLE_MSI),
        &[corpus(EXAMPLE_MST).as_path()],
        None,
        Some(flags),
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("table 'Directory'") && e.to_string().contains("update-missing-row"),
        "{e}"
    );
    let flags = msikit::formats::summary::ErrorFlags::from_letters("e").unwrap();
    let e = apply_files(
        &corpus(EXAMPLE_MSI),
        &[corpus(EXAMPLE_MST).as_path()],
        None,
        Some(flags),
    )
    .unwrap_err();
    assert!(e.to_string().contains("delete-missing-table"), "{e}");
}
