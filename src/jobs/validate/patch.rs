//! `msikit validate PATCH.msp... --msi TARGET.msi`: the rules of small updates and minor
//! upgrades, checked on the patched database against the database before the patch (the MSI
//! SDK's "Changing the Product Code", "Changing the Component Code", "Minor Upgrades", "Small
//! Updates" and the sequencing of patch files after the target's Media rows).
//!
//! Each patch's applicable transforms (those whose validation holds, as Windows applies them)
//! are applied to the target as the earlier patches leave it (MsiPatchSequence order), and the
//! two databases are compared table by table on their primary keys.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::{text, Finding, Severity};
use crate::database::{open_database, DatabaseModel, TableData};
use crate::error::{Error, Result};
use crate::formats::container::{Container, PackageKind};
use crate::formats::summary::TransformSummary;
use crate::formats::tables::Value;
use crate::views::transform::{apply_transform, sources, validate as tvalidate};

const GROUP: &str = "PATCH";
const PRODUCT_CODE: &str = "MSI SDK, Changing the Product Code";
const COMPONENT_CODE: &str = "MSI SDK, Changing the Component Code";
const MINOR: &str = "MSI SDK, Minor Upgrades";
const SEQUENCE: &str = "MSI SDK, Media Table and File Table (Sequence)";

/// What one patch does to the target, and the rules it breaks.
#[derive(Debug, Clone, Serialize)]
pub struct PatchCheck {
    pub patch: String,
    /// The transforms applied (whose validation holds for the database as it stood).
    pub transforms: Vec<String>,
    /// `small update` (same ProductVersion), `minor upgrade` (a higher one) or `major upgrade`
    /// (another ProductCode); `not applicable` when no transform applies.
    pub update_type: String,
    pub product_code: Option<String>,
    pub version_before: Option<String>,
    pub version_after: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

/// `msikit validate PATCH.msp... --msi TARGET.msi`.
#[derive(Debug, Clone, Serialize)]
pub struct PatchReport {
    pub target: String,
    pub patches: Vec<PatchCheck>,
    pub errors: usize,
    pub warnings: usize,
}

impl PatchReport {
    pub fn passed(&self) -> bool {
        self.errors == 0
    }
}

fn finding(rule: &'static str, reference: &'static str, table: &str) -> Finding {
    let mut f = Finding::new(GROUP, Severity::Error, rule).table(table);
    f.reference = Some(reference);
    f
}

/// Validates `patches` (in MsiPatchSequence order) against the product package `target`.
pub fn validate_patches(patches: &[&Path], target: &Path) -> Result<PatchReport> {
    let tc = Container::open(target)?;
    if tc.kind() != PackageKind::Database {
        return Err(Error::refused(
            "is not an installation database (.msi): give the product package with --msi",
        )
        .in_file(tc.name()));
    }
    let db = open_database(&tc)?;
    let mut model = DatabaseModel::load_tables(&db)?;
    drop(db);
    let original = model.clone();
    let ordered = crate::views::patch::sequence_order(patches)?;
    let mut checks = Vec::new();
    for p in &ordered {
        let pc = Container::open(p)?;
        if pc.kind() != PackageKind::Patch {
            return Err(Error::refused(
                "is not a patch (.msp): with --msi, every package given is a patch of that target",
            )
            .in_file(pc.name()));
        }
        let before = model.clone();
        let mut applied = Vec::new();
        for src in sources(&pc, None)? {
            let holds = match src.summary()? {
                Some(si) => tvalidate::failures(&model, &TransformSummary::new(&si)).is_empty(),
                None => true,
            };
            if holds {
                apply_transform(&mut model, &src, None)?;
                applied.push(src.name.clone());
            }
        }
        checks.push(check(pc.name(), applied, &original, &before, &model));
    }
    let errors = checks.iter().map(|c| c.errors).sum();
    let warnings = checks.iter().map(|c| c.warnings).sum();
    Ok(PatchReport {
        target: tc.name().to_string(),
        patches: checks,
        errors,
        warnings,
    })
}

/// Rows of a table by primary key.
fn keyed(t: Option<&TableData>) -> HashMap<Vec<Value>, &[Value]> {
    let Some(t) = t else {
        return HashMap::new();
    };
    let keys = t.def.key_indexes();
    t.rows
        .iter()
        .map(|r| (keys.iter().map(|&k| r[k].clone()).collect(), r.as_slice()))
        .collect()
}

fn cell<'r>(t: Option<&TableData>, row: &'r [Value], col: &str) -> &'r Value {
    t.and_then(|t| t.def.column_index(col))
        .and_then(|i| row.get(i))
        .unwrap_or(&Value::Null)
}

fn key_text(k: &[Value]) -> Vec<String> {
    k.iter().map(text).collect()
}

/// The rules, comparing the database after a patch with the one before it.
fn check(
    patch: &str,
    applied: Vec<String>,
    target: &DatabaseModel,
    before: &DatabaseModel,
    after: &DatabaseModel,
) -> PatchCheck {
    let mut out = Vec::new();
    let prop = |m: &DatabaseModel, p: &str| m.property(p).map(str::to_string);
    let (code_b, code_a) = (prop(before, "ProductCode"), prop(after, "ProductCode"));
    let (ver_b, ver_a) = (
        prop(before, "ProductVersion"),
        prop(after, "ProductVersion"),
    );
    if applied.is_empty() {
        let mut f = finding("not-applicable", MINOR, "Property");
        f.message = "No transform of the patch validates against the target (ProductCode, \
                     ProductVersion, UpgradeCode or language differ): it does not apply"
            .into();
        out.push(f);
    }
    let major = code_a != code_b;
    if major {
        out.push(
            finding("product-code-changed", PRODUCT_CODE, "Property")
                .key(vec!["ProductCode".into()])
                .column("Value")
                .message(format!(
                    "The patch changes the ProductCode ({} -> {}): a major upgrade, not a small or minor update",
                    code_b.as_deref().unwrap_or(""),
                    code_a.as_deref().unwrap_or("")
                )),
        );
    }
    if prop(before, "UpgradeCode") != prop(after, "UpgradeCode") {
        out.push(
            finding("upgrade-code-changed", MINOR, "Property")
                .key(vec!["UpgradeCode".into()])
                .column("Value")
                .message("The patch changes the UpgradeCode: an update of a product keeps it"),
        );
    }
    let fields = |v: &Option<String>| v.as_deref().map(|v| tvalidate::version_fields(v, 4));
    let order = fields(&ver_a).cmp(&fields(&ver_b));
    if order == std::cmp::Ordering::Less {
        out.push(
            finding("version-decreased", MINOR, "Property")
                .key(vec!["ProductVersion".into()])
                .column("Value")
                .message(format!(
                    "The patch lowers the ProductVersion ({} -> {})",
                    ver_b.as_deref().unwrap_or(""),
                    ver_a.as_deref().unwrap_or("")
                )),
        );
    }
    components(before, after, &mut out);
    features(before, after, &mut out);
    files(before, after, &mut out);
    sequences(target, before, after, &mut out);
    let update_type = if applied.is_empty() {
        "not applicable"
    } else if major {
        "major upgrade"
    } else if order == std::cmp::Ordering::Greater {
        "minor upgrade"
    } else {
        "small update"
    };
    let errors = out.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = out
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    PatchCheck {
        patch: patch.to_string(),
        transforms: applied,
        update_type: update_type.to_string(),
        product_code: code_b,
        version_before: ver_b,
        version_after: ver_a,
        errors,
        warnings,
        findings: out,
    }
}

/// Components removed, their codes or key paths changed; components taken out of a feature.
fn components(before: &DatabaseModel, after: &DatabaseModel, out: &mut Vec<Finding>) {
    let (tb, ta) = (before.table("Component"), after.table("Component"));
    let (b, a) = (keyed(tb), keyed(ta));
    let mut keys: Vec<&Vec<Value>> = b.keys().collect();
    keys.sort();
    for k in keys {
        let rb = b[k];
        let name = key_text(k).join("");
        let Some(ra) = a.get(k) else {
            out.push(
                finding("component-removed", PRODUCT_CODE, "Component")
                    .key(key_text(k))
                    .message(format!(
                        "Component {name} is removed: a small or minor update keeps every component of the target"
                    )),
            );
            continue;
        };
        let (idb, ida) = (cell(tb, rb, "ComponentId"), cell(ta, ra, "ComponentId"));
        if idb != ida {
            out.push(
                finding("component-code-changed", COMPONENT_CODE, "Component")
                    .key(key_text(k))
                    .column("ComponentId")
                    .message(format!(
                        "The component code of {name} changes ({} -> {}): the installed component is orphaned",
                        text(idb),
                        text(ida)
                    )),
            );
        }
        let kind = |t: Option<&TableData>, r: &[Value]| match cell(t, r, "Attributes") {
            Value::Int(n) => n & 0x24,
            _ => 0,
        };
        let (kpb, kpa) = (cell(tb, rb, "KeyPath"), cell(ta, ra, "KeyPath"));
        if kpb != kpa || kind(tb, rb) != kind(ta, ra) {
            out.push(
                finding("keypath-changed", COMPONENT_CODE, "Component")
                    .key(key_text(k))
                    .column("KeyPath")
                    .message(format!(
                        "The key path of {name} changes ({} -> {}) while its component code stays",
                        text(kpb),
                        text(kpa)
                    )),
            );
        }
    }
    let pairs = |m: &DatabaseModel| -> HashSet<(String, String)> {
        m.table("FeatureComponents")
            .map(|t| {
                let (fi, ci) = (
                    t.def.column_index("Feature_"),
                    t.def.column_index("Component_"),
                );
                t.rows
                    .iter()
                    .filter_map(|r| Some((text(r.get(fi?)?), text(r.get(ci?)?))))
                    .collect()
            })
            .unwrap_or_default()
    };
    let pa = pairs(after);
    let mut gone: Vec<(String, String)> = pairs(before).difference(&pa).cloned().collect();
    gone.sort();
    for (f, c) in gone {
        if !a.contains_key(&vec![Value::Str(c.clone())]) {
            continue; // reported as removed above
        }
        out.push(
            finding("component-removed", PRODUCT_CODE, "FeatureComponents")
                .key(vec![f.clone(), c.clone()])
                .message(format!(
                    "Component {c} is removed from feature {f}: a small or minor update keeps every component in its features"
                )),
        );
    }
}

/// Features removed or moved in the feature tree.
fn features(before: &DatabaseModel, after: &DatabaseModel, out: &mut Vec<Finding>) {
    let (tb, ta) = (before.table("Feature"), after.table("Feature"));
    let (b, a) = (keyed(tb), keyed(ta));
    let mut keys: Vec<&Vec<Value>> = b.keys().collect();
    keys.sort();
    for k in keys {
        let name = key_text(k).join("");
        match a.get(k) {
            None => out.push(
                finding("feature-tree-changed", PRODUCT_CODE, "Feature")
                    .key(key_text(k))
                    .message(format!("Feature {name} is removed")),
            ),
            Some(ra) => {
                let (pb, pa) = (
                    cell(tb, b[k], "Feature_Parent"),
                    cell(ta, ra, "Feature_Parent"),
                );
                if pb != pa {
                    out.push(
                        finding("feature-tree-changed", PRODUCT_CODE, "Feature")
                            .key(key_text(k))
                            .column("Feature_Parent")
                            .message(format!(
                                "Feature {name} moves in the feature tree (parent {} -> {})",
                                text(pb),
                                text(pa)
                            )),
                    );
                }
            }
        }
    }
}

/// Files removed (a changed File key) or moved to another component; Directory rows removed.
fn files(before: &DatabaseModel, after: &DatabaseModel, out: &mut Vec<Finding>) {
    let (tb, ta) = (before.table("File"), after.table("File"));
    let (b, a) = (keyed(tb), keyed(ta));
    let mut keys: Vec<&Vec<Value>> = b.keys().collect();
    keys.sort();
    for k in keys {
        let name = key_text(k).join("");
        match a.get(k) {
            None => out.push(
                finding("primary-key-changed", COMPONENT_CODE, "File")
                    .key(key_text(k))
                    .message(format!(
                        "File {name} is removed (or its key renamed): the component loses a file while its component code stays"
                    )),
            ),
            Some(ra) => {
                let (cb, ca) = (cell(tb, b[k], "Component_"), cell(ta, ra, "Component_"));
                if cb != ca {
                    out.push(
                        finding("file-moved", PRODUCT_CODE, "File")
                            .key(key_text(k))
                            .column("Component_")
                            .message(format!(
                                "File {name} moves from component {} to {}",
                                text(cb),
                                text(ca)
                            )),
                    );
                }
            }
        }
    }
    let (db, da) = (
        keyed(before.table("Directory")),
        keyed(after.table("Directory")),
    );
    let mut keys: Vec<&Vec<Value>> = db.keys().filter(|k| !da.contains_key(*k)).collect();
    keys.sort();
    for k in keys {
        out.push(
            finding("primary-key-changed", PRODUCT_CODE, "Directory")
                .key(key_text(k))
                .message(format!(
                    "Directory {} is removed (or its key renamed)",
                    key_text(k).join("")
                )),
        );
    }
}

/// The target's Media rows stay; a file the patch delivers takes a sequence number after the
/// target's last one, shared with no file of the target. Numbers shared with files of earlier
/// patches are not collisions: Windows Installer 3.0 and later resequence the files of
/// several patches as it applies them.
fn sequences(
    target: &DatabaseModel,
    before: &DatabaseModel,
    after: &DatabaseModel,
    out: &mut Vec<Finding>,
) {
    let (mb, ma) = (target.table("Media"), after.table("Media"));
    let (b, a) = (keyed(mb), keyed(ma));
    let mut last = 0;
    let mut keys: Vec<&Vec<Value>> = b.keys().collect();
    keys.sort();
    for k in keys {
        if let Value::Int(n) = cell(mb, b[k], "LastSequence") {
            last = last.max(*n);
        }
        match a.get(k) {
            Some(ra) if *ra == b[k] => {}
            Some(_) => out.push(
                finding("media-changed", SEQUENCE, "Media")
                    .key(key_text(k))
                    .message(format!(
                        "The target's Media row {} is changed: a patch adds its own Media rows",
                        key_text(k).join("")
                    )),
            ),
            None => out.push(
                finding("media-changed", SEQUENCE, "Media")
                    .key(key_text(k))
                    .message(format!(
                        "The target's Media row {} is removed",
                        key_text(k).join("")
                    )),
            ),
        }
    }
    let (tb, ta) = (before.table("File"), after.table("File"));
    let (fb, fa) = (keyed(tb), keyed(ta));
    // The target's own files that keep their sequence numbers after the patch, by number.
    let tt = target.table("File");
    let ft = keyed(tt);
    let mut by_seq: HashMap<i32, Vec<String>> = HashMap::new();
    for (k, r) in &fa {
        let seq = cell(ta, r, "Sequence");
        let from_target = ft.get(k).is_some_and(|rt| cell(tt, rt, "Sequence") == seq);
        if let (Value::Int(s), true) = (seq, from_target) {
            by_seq.entry(*s).or_default().push(key_text(k).join(""));
        }
    }
    let mut keys: Vec<&Vec<Value>> = fa.keys().collect();
    keys.sort();
    for k in keys {
        let ra = fa[k];
        let seq_a = cell(ta, ra, "Sequence");
        let changed = match fb.get(k) {
            Some(rb) => cell(tb, rb, "Sequence") != seq_a,
            None => true,
        };
        let Value::Int(s) = seq_a else { continue };
        if !changed {
            continue;
        }
        let name = key_text(k).join("");
        let mut others: Vec<&String> = by_seq
            .get(s)
            .map(|v| v.iter().filter(|o| **o != name).collect())
            .unwrap_or_default();
        others.sort();
        if let Some(other) = others.first() {
            out.push(
                finding("sequence-collision", SEQUENCE, "File")
                    .key(key_text(k))
                    .column("Sequence")
                    .message(format!(
                        "File {name} takes sequence {s}, which file {other} also has"
                    )),
            );
        } else if *s <= last {
            out.push(
                finding("sequence-collision", SEQUENCE, "File")
                    .key(key_text(k))
                    .column("Sequence")
                    .message(format!(
                        "File {name} takes sequence {s}, inside the target's media (its last sequence is {last})"
                    )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::tables::{Column, ColumnType, TableDef};

    /// A table whose first column is the key; string columns unless named in `ints`.
    fn table(name: &str, cols: &[&str], ints: &[&str], rows: &[&[&str]]) -> TableData {
        let columns = cols
            .iter()
            .enumerate()
            .map(|(i, c)| Column {
                name: c.to_string(),
                number: i as u16 + 1,
                ty: ColumnType(
                    if ints.contains(c) { 0x1104 } else { 0x1D48 }
                        | if i == 0 { 0x2000 } else { 0 },
                ),
            })
            .collect();
        TableData {
            def: TableDef {
                name: name.into(),
                columns,
            },
            rows: rows
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(cols)
                        .map(|(v, c)| match (v.is_empty(), ints.contains(c)) {
                            (true, _) => Value::Null,
                            (false, true) => Value::Int(v.parse().unwrap()),
                            (false, false) => Value::Str(v.to_string()),
                        })
                        .collect()
                })
                .collect(),
        }
    }

    fn model(
        components: &[&[&str]],
        files: &[&[&str]],
        dirs: &[&[&str]],
        media: &[&[&str]],
    ) -> DatabaseModel {
        DatabaseModel {
            tables: vec![
                table(
                    "Property",
                    &["Property", "Value"],
                    &[],
                    &[&["ProductCode", "{A}"], &["ProductVersion", "1.0.0"]],
                ),
                table(
                    "Component",
                    &[
                        "Component",
                        "ComponentId",
                        "Directory_",
                        "Attributes",
                        "KeyPath",
                    ],
                    &["Attributes"],
                    components,
                ),
                table(
                    "File",
                    &["File", "Component_", "FileName", "Sequence"],
                    &["Sequence"],
                    files,
                ),
                table(
                    "Directory",
                    &["Directory", "Directory_Parent", "DefaultDir"],
                    &[],
                    dirs,
                ),
                table(
                    "Media",
                    &["DiskId", "LastSequence", "Cabinet"],
                    &["DiskId", "LastSequence"],
                    media,
                ),
            ],
            ..DatabaseModel::default()
        }
    }

    fn rules(f: &[Finding]) -> Vec<(&str, Vec<String>)> {
        f.iter().map(|f| (f.rule, f.key.clone())).collect()
    }

    #[test]
    fn removed_rows_and_changed_media_are_caught() {
        let dirs: &[&[&str]] = &[
            &["TARGETDIR", "", "SourceDir"],
            &["APPDIR", "TARGETDIR", "App"],
        ];
        let target = model(
            &[
                &["C1", "{C1}", "APPDIR", "0", "f1"],
                &["C2", "{C2}", "APPDIR", "0", "f2"],
            ],
            &[
                &["f1", "C1", "a.exe", "1"],
                &["f2", "C2", "b.dll", "2"],
                &["f3", "C2", "c.dll", "3"],
            ],
            dirs,
            &[&["1", "3", "#a.cab"]],
        );
        // The clean twin: f1 delivered by the patch's own media.
        let clean = model(
            &[
                &["C1", "{C1}", "APPDIR", "0", "f1"],
                &["C2", "{C2}", "APPDIR", "0", "f2"],
            ],
            &[
                &["f1", "C1", "a.exe", "1000"],
                &["f2", "C2", "b.dll", "2"],
                &["f3", "C2", "c.dll", "3"],
            ],
            dirs,
            &[&["1", "3", "#a.cab"], &["2", "1000", "#p.cab"]],
        );
        let c = check("p.msp", vec!["T.1".into()], &target, &target, &clean);
        assert_eq!(rules(&c.findings), vec![]);
        assert_eq!(c.update_type, "small update");
        // C2 gone with its files, APPDIR renamed, the target's Media row changed.
        let broken = model(
            &[&["C1", "{C1}", "APPDIR2", "0", "f1"]],
            &[&["f1", "C1", "a.exe", "2"]],
            &[
                &["TARGETDIR", "", "SourceDir"],
                &["APPDIR2", "TARGETDIR", "App"],
            ],
            &[&["1", "1000", "#a.cab"]],
        );
        let c = check("p.msp", vec!["T.1".into()], &target, &target, &broken);
        let k = |s: &str| vec![s.to_string()];
        assert_eq!(
            rules(&c.findings),
            vec![
                ("component-removed", k("C2")),
                ("primary-key-changed", k("f2")),
                ("primary-key-changed", k("f3")),
                ("primary-key-changed", k("APPDIR")),
                ("media-changed", k("1")),
                ("sequence-collision", k("f1")),
            ]
        );
        assert_eq!(c.errors, 6);
    }
}
