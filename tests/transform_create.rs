//! Generated transforms: applied to their base they give the target, table by table and stream
//! by stream; the same inputs give the same bytes; `diff` agrees with the transform.

mod common;

use std::path::{Path, PathBuf};

use msikit::database::{Database, DatabaseModel, TableData};
use msikit::formats::container::{Container, PackageKind};
use msikit::formats::summary::{ErrorFlags, ValidationFlags};
use msikit::formats::tables::{Column, ColumnType, TableDef, Value};
use msikit::views::transform::write::TransformOptions;

fn model(p: &Path) -> DatabaseModel {
    let c = Container::open(p).unwrap();
    DatabaseModel::load(&Database::open(&c).unwrap()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("msikit-create-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn opts() -> TransformOptions {
    TransformOptions {
        validation: ValidationFlags::from_letters("grux").unwrap(),
        errors: ErrorFlags(0),
    }
}

/// The base with every kind of change the issue lists: a changed property, an added and a
/// removed row, a new table, a changed string, a changed and an added binary stream.
pub fn modified(base: &DatabaseModel) -> DatabaseModel {
    let mut m = base.clone();
    let p = m.table_mut("Property").unwrap();
    for r in &mut p.rows {
        if r[0] == Value::Str("ProductVersion".into()) {
            r[1] = Value::Str("1.2.4.0".into());
        }
        if r[0] == Value::Str("ARPCOMMENTS".into()) {
            r[1] = Value::Str("Café edition, rebuilt".into());
        }
    }
    p.rows
        .push(vec![Value::Str("NEWPROP".into()), Value::Str("yes".into())]);
    let f = m.table_mut("File").unwrap();
    f.rows.retain(|r| r[0] != Value::Str("filLicense".into()));
    let b = m.table_mut("Binary").unwrap();
    b.rows.push(vec![
        Value::Str("Extra".into()),
        Value::Stream("Binary.Extra".into()),
    ]);
    m.streams
        .insert("Binary.Extra".into(), b"extra bytes".to_vec());
    m.streams
        .insert("Binary.WidgetHelper".into(), b"MZ changed helper".to_vec());
    let mut t = TableData::new(TableDef {
        name: "Added".into(),
        columns: vec![
            Column {
                name: "Key".into(),
                number: 1,
                ty: ColumnType(0x2D48),
            },
            Column {
                name: "Size".into(),
                number: 2,
                ty: ColumnType(0x1104),
            },
        ],
    });
    t.rows
        .push(vec![Value::Str("one".into()), Value::Int(70000)]);
    t.rows.push(vec![Value::Str("two".into()), Value::Null]);
    m.tables.push(t);
    m
}

fn sorted(m: &DatabaseModel) -> DatabaseModel {
    let mut m = m.clone();
    for t in &mut m.tables {
        t.rows.sort();
    }
    m.tables.sort_by(|a, b| a.def.name.cmp(&b.def.name));
    m.summary = None;
    // A transform carries the streams of binary cells only; an embedded cabinet is not one.
    let cells: std::collections::HashSet<String> = m
        .tables
        .iter()
        .flat_map(|t| t.rows.iter().flatten())
        .filter_map(|v| match v {
            Value::Stream(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    m.streams.retain(|k, _| cells.contains(k));
    m
}

fn round_trip(base: &Path, target: &Path) {
    let created = msikit::views::transform::create(base, target, &opts()).unwrap();
    let c = Container::from_bytes("t.mst", created.bytes.clone()).unwrap();
    assert_eq!(c.kind(), PackageKind::Transform);
    let mut m = model(base);
    msikit::views::transform::apply_transform(
        &mut m,
        &msikit::views::transform::TransformSource::root(&c).unwrap(),
        None,
    )
    .unwrap();
    let (got, want) = (sorted(&m), sorted(&model(target)));
    assert!(
        got == want,
        "{} -> {}: the transformed base differs from the target",
        base.display(),
        target.display()
    );
    // Deterministic.
    let again = msikit::views::transform::create(base, target, &opts()).unwrap();
    assert_eq!(created.bytes, again.bytes);
}

#[test]
fn generated_transform_gives_the_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("testdata/sample.msi");
    let dir = scratch("rt");
    let target = dir.join("modified.msi");
    msikit::database::write::write_database_file(
        &modified(&model(&base)),
        PackageKind::Database,
        &target,
    )
    .unwrap();
    round_trip(&base, &target);
    // And back again: deletes where there were inserts, a dropped table.
    round_trip(&target, &base);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn corpus_pairs_round_trip() {
    let c = common::corpus();
    let w = "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__";
    for (a, b) in [
        ("prodAv100.msi", "prodAv101.msi"),
        ("prodAv100.msi", "prodBv100.msi"),
        ("prodBv101.msi", "prodAv100.msi"),
    ] {
        round_trip(&c.join(format!("{w}{a}")), &c.join(format!("{w}{b}")));
    }
}

#[test]
fn summary_of_a_generated_transform() {
    let c = common::corpus();
    let w = "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__";
    let created = msikit::views::transform::create(
        &c.join(format!("{w}prodAv100.msi")),
        &c.join(format!("{w}prodAv101.msi")),
        &TransformOptions {
            validation: ValidationFlags::from_letters("grux").unwrap(),
            errors: ErrorFlags::from_letters("abcde").unwrap(),
        },
    )
    .unwrap();
    let t = created.report.summary.clone().unwrap();
    assert_eq!(t.original_product_version.as_deref(), Some("1.0.0.0"));
    assert_eq!(t.new_product_version.as_deref(), Some("1.0.1.0"));
    assert_eq!(
        t.original_product_code.as_deref(),
        Some("{6EA3AE83-A14F-4B8B-8A86-BB977A9E7833}")
    );
    assert_eq!(t.validation.value(), 0x0922);
    assert_eq!(t.errors.value(), 0x001F);
    assert_eq!(t.target_raw.as_deref(), Some("Intel;1033"));
}

#[test]
fn diff_exit_codes_and_agreement() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = root.join("testdata/sample.msi");
    let dir = scratch("diff");
    let target = dir.join("modified.msi");
    msikit::database::write::write_database_file(
        &modified(&model(&base)),
        PackageKind::Database,
        &target,
    )
    .unwrap();
    let same = common::run_msikit(&["diff".as_ref(), base.as_os_str(), base.as_os_str()]);
    assert_eq!(same.status.code(), Some(0));
    let out = common::run_msikit(&[
        "diff".as_ref(),
        "--json".as_ref(),
        base.as_os_str(),
        target.as_os_str(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kinds: Vec<String> = j["report"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["change"].as_str().unwrap(),
                c["table"].as_str().unwrap_or("")
            )
        })
        .collect();
    for want in [
        "table-added Added",
        "column-added Added",
        "row-inserted Added",
        "row-updated Property",
        "row-inserted Property",
        "row-deleted File",
        "row-updated Binary",
        "row-inserted Binary",
    ] {
        assert!(
            kinds.iter().any(|k| k == want),
            "{want} missing from {kinds:?}"
        );
    }
    let bad = common::run_msikit(&[
        "diff".as_ref(),
        base.as_os_str(),
        root.join("testdata/sample.mst").as_os_str(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
