//! Whether patches apply to a product package, and in which order: the decision
//! `MsiDetermineApplicablePatches` makes (`msikit check PATCH.msp... --msi TARGET.msi`).
//!
//! A patch applies to a package when the package's ProductCode is among the patch's targets
//! (summary PID 7) and at least one of its main transforms validates against the package
//! (PID 16's validation bits against the transform's PID 9 original product and version: product
//! code, upgrade code, language, and major.minor.build of ProductVersion as flagged; see
//! `crate::views::transform::validate`). Otherwise its status is 1642 (ERROR_PATCH_TARGET_NOT_FOUND),
//! with the reasons in words.
//!
//! Patches that share a patch family are ordered by their MsiPatchSequence Sequence (a version)
//! in that family; patches without sequence data keep the order given, after the sequenced ones.
//! Each is validated against the package as the applicable patches before it leave it (so a
//! patch made against an earlier patch's baseline applies after that patch). A patch whose row in
//! a family has the supersede flag supersedes the applicable patches with a lower sequence in
//! that family: they get status 1648 (ERROR_PATCH_NO_SEQUENCE), as Windows reports a superseded
//! patch, and the others are validated again without them.
//!
//! The verdict also carries the ProductVersion the package has once the patch's applicable
//! transforms are applied, so `--expect-version` can prove an update gives the version it claims.

use std::path::Path;

use serde::Serialize;

use crate::database::{Database, DatabaseModel};
use crate::error::{Error, Result};
use crate::formats::container::{Container, PackageKind};
use crate::formats::guid::Guid;
use crate::views::patch::{self, PatchInfo};
use crate::views::transform::validate;

/// What `MsiDetermineApplicablePatches` says of a patch. JSON carries it as two fields,
/// `status` (the Windows error number, [`PatchStatus::code`]) and `status_name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchStatus {
    /// ERROR_SUCCESS (0): the patch applies.
    Applicable,
    /// ERROR_PATCH_TARGET_NOT_FOUND (1642): no transform of the patch validates against the
    /// product.
    TargetNotFound,
    /// ERROR_PATCH_NO_SEQUENCE (1648): superseded by another applicable patch of its family.
    Superseded,
}

impl PatchStatus {
    /// The Windows error number: 0, 1642 or 1648.
    pub fn code(self) -> u32 {
        match self {
            PatchStatus::Applicable => 0,
            PatchStatus::TargetNotFound => 1642,
            PatchStatus::Superseded => 1648,
        }
    }

    /// The Windows name of [`PatchStatus::code`] (`ERROR_SUCCESS`...).
    pub fn name(self) -> &'static str {
        match self {
            PatchStatus::Applicable => "ERROR_SUCCESS",
            PatchStatus::TargetNotFound => "ERROR_PATCH_TARGET_NOT_FOUND",
            PatchStatus::Superseded => "ERROR_PATCH_NO_SEQUENCE",
        }
    }
}

/// Serializes as the two fields `status` and `status_name` of the record it is flattened into.
impl Serialize for PatchStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("status", &self.code())?;
        m.serialize_entry("status_name", self.name())?;
        m.end()
    }
}

/// Where a patch stands for one installed product of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProductState {
    Applicable,
    AlreadyApplied,
    Superseded,
    Obsoleted,
    NotApplicable,
}

impl ProductState {
    /// The word JSON and the human table show (`already-applied`...).
    pub fn as_str(self) -> &'static str {
        match self {
            ProductState::Applicable => "applicable",
            ProductState::AlreadyApplied => "already-applied",
            ProductState::Superseded => "superseded",
            ProductState::Obsoleted => "obsoleted",
            ProductState::NotApplicable => "not-applicable",
        }
    }
}

impl std::fmt::Display for ProductState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The check of one transform pair against the package.
#[derive(Debug, Clone, Serialize)]
pub struct TransformCheck {
    pub transform: String,
    pub target_version: Option<String>,
    pub upgraded_version: Option<String>,
    /// The validation conditions that fail; empty when the transform applies.
    pub failures: Vec<String>,
}

/// The decision for one patch.
#[derive(Debug, Clone, Serialize)]
pub struct PatchVerdict {
    pub patch: String,
    pub patch_code: Option<String>,
    pub display_name: Option<String>,
    /// 0, 1642 or 1648, as MsiDetermineApplicablePatches gives them (JSON: `status` and
    /// `status_name`).
    #[serde(flatten)]
    pub status: PatchStatus,
    /// Why, in words.
    pub reason: String,
    /// The position among the applicable patches (0 first), if it applies.
    pub order: Option<usize>,
    pub transforms: Vec<TransformCheck>,
    /// ProductVersion after this patch's transforms (alone) are applied to the package.
    pub product_version_after: Option<String>,
    /// The patch that supersedes this one, when one does.
    pub superseded_by: Option<String>,
}

/// `msikit check ... --msi`.
#[derive(Debug, Clone, Serialize)]
pub struct PackageCheck {
    pub package: String,
    pub product_code: Option<String>,
    pub product_name: Option<String>,
    pub product_version: Option<String>,
    pub patches: Vec<PatchVerdict>,
    pub expected_version: Option<String>,
    /// Whether the applicable patches, in order, give the expected version.
    pub expectation_met: Option<bool>,
    /// ProductVersion after every applicable patch in order.
    pub product_version_after: Option<String>,
    /// Signed patches whose signature is broken (changed after signing, a signature that does
    /// not check or cannot be read), in words; `msikit verify` tells more. Applicability does
    /// not depend on it, as it does not for Windows Installer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signature_warnings: Vec<String>,
}

impl PackageCheck {
    /// True when every patch applies or is superseded by one that does (so installing them
    /// does what they say), and the expected version, if any, is reached.
    pub fn ready(&self) -> bool {
        self.patches
            .iter()
            .all(|p| p.status != PatchStatus::TargetNotFound)
            && self
                .patches
                .iter()
                .any(|p| p.status == PatchStatus::Applicable)
            && self.expectation_met != Some(false)
    }
}

/// The verdict of `info` against `model`, before ordering.
fn verdict(patch: &str, info: &PatchInfo, model: &DatabaseModel) -> PatchVerdict {
    let product_code = model.property("ProductCode").unwrap_or("");
    let mut transforms = Vec::new();
    for t in &info.transforms {
        let failures = match &t.summary {
            Some(s) => validate::failures(model, s),
            None => vec!["the transform has no summary information".into()],
        };
        transforms.push(TransformCheck {
            transform: t.transform.clone(),
            target_version: t.target_version.clone(),
            upgraded_version: t.upgraded_version.clone(),
            failures,
        });
    }
    let targeted = info
        .target_product_codes
        .iter()
        .any(|c| Guid::same_code(c, product_code));
    let (status, reason) = if !targeted {
        (
            PatchStatus::TargetNotFound,
            format!(
                "ProductCode {product_code} is not among the patch's targets ({})",
                info.target_product_codes.join(", ")
            ),
        )
    } else if let Some(t) = transforms.iter().find(|t| t.failures.is_empty()) {
        (
            PatchStatus::Applicable,
            format!("transform {} validates against the package", t.transform),
        )
    } else {
        let why: Vec<String> = transforms
            .iter()
            .map(|t| format!("{}: {}", t.transform, t.failures.join("; ")))
            .collect();
        (
            PatchStatus::TargetNotFound,
            format!("no transform validates ({})", why.join(" | ")),
        )
    };
    PatchVerdict {
        patch: patch.to_string(),
        patch_code: info.patch_code.clone(),
        display_name: info.metadata("DisplayName").map(str::to_string),
        status,
        reason,
        order: None,
        transforms,
        product_version_after: None,
        superseded_by: None,
    }
}

fn load_package(c: &Container) -> Result<DatabaseModel> {
    if c.kind() != PackageKind::Database {
        return Err(Error::refused("is not an installation database (.msi)").in_file(c.name()));
    }
    let db = Database::open(c)?;
    DatabaseModel::load_tables(&db)
}

/// The family sequence key of a patch: its sequence in the first family it shares with another
/// of `infos` (else its first family); None when it has no MsiPatchSequence rows.
fn sequence_key(infos: &[PatchInfo], i: usize) -> Option<(String, Vec<u32>)> {
    let rows = &infos[i].sequence;
    let shared = rows.iter().find(|r| {
        infos
            .iter()
            .enumerate()
            .any(|(j, o)| j != i && o.sequence.iter().any(|s| s.family == r.family))
    });
    shared
        .or(rows.first())
        .map(|r| (r.family.clone(), validate::version_fields(&r.sequence, 4)))
}

/// Checks `patches` against the product package `msi`: each one's status, the order of the
/// applicable ones, and the ProductVersion they give.
///
/// The patches are walked in sequence order (by family sequence, then unsequenced ones as given),
/// each validated against the package as the applicable patches before it leave it, so a patch
/// built against an earlier patch's baseline applies after it. A patch superseded by an
/// applicable patch of its family is then taken out, and the walk repeated without it.
pub fn check_package(
    patches: &[&Path],
    msi: &Path,
    expected_version: Option<&str>,
) -> Result<PackageCheck> {
    let package = Container::open(msi)?;
    let opened = patches
        .iter()
        .map(|p| Container::open(p))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&Container> = opened.iter().collect();
    let mut result = check(&refs, &package, expected_version)?;
    result.signature_warnings = broken_signatures(&refs);
    Ok(result)
}

/// The signed patches among `patches` whose signature is broken, in words.
pub fn broken_signatures(patches: &[&Container]) -> Vec<String> {
    use crate::jobs::verify::{self, Verdict};
    let signed: Vec<&&Container> = patches
        .iter()
        .filter(|c| c.has_raw_stream("", "\u{5}DigitalSignature"))
        .collect();
    if signed.is_empty() {
        return Vec::new();
    }
    let Ok(cx) = verify::Context::new(&verify::Options::default()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in signed {
        let Ok(v) = verify::verify_container(c, &cx) else {
            continue;
        };
        if matches!(
            v.verdict,
            Verdict::Tampered | Verdict::BadSignature | Verdict::Malformed
        ) {
            out.push(format!(
                "{}: signature {}{}",
                c.name(),
                v.verdict.as_str(),
                v.problems
                    .first()
                    .map(|p| format!(": {p}"))
                    .unwrap_or_default()
            ));
        }
    }
    out
}

/// [`check_package`] on packages already opened (from a path or from bytes with
/// [`Container::from_bytes`]).
pub fn check(
    patches: &[&Container],
    msi: &Container,
    expected_version: Option<&str>,
) -> Result<PackageCheck> {
    let model = load_package(msi)?;
    let mut infos = Vec::with_capacity(patches.len());
    for p in patches {
        infos.push(patch::read(p)?);
    }
    let mut walk: Vec<usize> = (0..patches.len()).collect();
    walk.sort_by_key(|&i| match sequence_key(&infos, i) {
        Some((_, k)) => (0, k),
        None => (1, Vec::new()),
    });

    let mut superseded: Vec<Option<usize>> = vec![None; patches.len()];
    loop {
        // Walk: validate each patch against the package as the earlier applicable ones leave it.
        let mut verdicts: Vec<Option<PatchVerdict>> = vec![None; patches.len()];
        let mut applied: Vec<&Container> = Vec::new();
        let mut current = model.clone();
        for &i in &walk {
            if superseded[i].is_some() {
                continue;
            }
            let v = verdict(patches[i].name(), &infos[i], &current);
            if v.status == PatchStatus::Applicable {
                applied.push(patches[i]);
                current = crate::views::transform::apply(msi, &applied, None, None)?.model;
            }
            verdicts[i] = Some(v);
        }
        // Supersedence among the applicable ones.
        let applicable: Vec<usize> = walk
            .iter()
            .copied()
            .filter(|&i| {
                verdicts[i]
                    .as_ref()
                    .is_some_and(|v| v.status == PatchStatus::Applicable)
            })
            .collect();
        let mut changed = false;
        for &i in &applicable {
            for row in infos[i].sequence.iter().filter(|r| r.supersede_earlier) {
                let mine = validate::version_fields(&row.sequence, 4);
                for &j in &applicable {
                    let lower = infos[j].sequence.iter().any(|r| {
                        r.family == row.family && validate::version_fields(&r.sequence, 4) < mine
                    });
                    if i != j && lower && superseded[j].is_none() {
                        superseded[j] = Some(i);
                        changed = true;
                    }
                }
            }
        }
        if changed {
            continue;
        }

        // Done: fill in the superseded ones, the order and the versions.
        let mut out = Vec::with_capacity(patches.len());
        for i in 0..patches.len() {
            let v = match (verdicts[i].take(), superseded[i]) {
                (_, Some(by)) => {
                    let mut v = verdict(patches[i].name(), &infos[i], &model);
                    v.status = PatchStatus::Superseded;
                    v.superseded_by = Some(patches[by].name().to_string());
                    v.reason = format!("superseded by {} (MsiPatchSequence)", patches[by].name());
                    v
                }
                (Some(v), None) => v,
                (None, None) => verdict(patches[i].name(), &infos[i], &model),
            };
            out.push(v);
        }
        for (n, &i) in applicable.iter().enumerate() {
            out[i].order = Some(n);
            let alone = crate::views::transform::apply(msi, &[patches[i]], None, None)?;
            out[i].product_version_after = alone.product_version_after;
        }
        let all_after = current.property("ProductVersion").map(str::to_string);
        let expectation_met = expected_version.map(|e| all_after.as_deref() == Some(e));
        return Ok(PackageCheck {
            package: msi.name().to_string(),
            product_code: model.property("ProductCode").map(str::to_string),
            product_name: model.property("ProductName").map(str::to_string),
            product_version: model.property("ProductVersion").map(str::to_string),
            patches: out,
            expected_version: expected_version.map(str::to_string),
            expectation_met,
            product_version_after: all_after,
            signature_warnings: Vec::new(),
        });
    }
}

/// The decision for one installed target product of a snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct ProductVerdict {
    pub product_code: String,
    pub name: String,
    pub version: String,
    /// 0 applicable, 1642 not applicable, 1648 superseded; an already applied patch is 0 with
    /// state `already-applied` (JSON: `status` and `status_name`).
    #[serde(flatten)]
    pub status: PatchStatus,
    /// `applicable`, `already-applied`, `superseded`, `obsoleted` or `not-applicable`.
    pub state: ProductState,
    pub reason: String,
    pub transforms: Vec<TransformCheck>,
    /// The ProductVersion the product has after the patch (its validating transform's upgraded
    /// version).
    pub version_after: Option<String>,
    /// Where the patch falls among the product's applied patches of its families.
    pub sequence_note: Option<String>,
}

/// `msikit check PATCH.msp --snapshot SERVER.json`.
#[derive(Debug, Clone, Serialize)]
pub struct SnapshotCheck {
    pub patch: String,
    pub patch_code: Option<String>,
    pub display_name: Option<String>,
    pub computer: String,
    pub snapshot: String,
    pub products: Vec<ProductVerdict>,
    /// Which rule file the prerequisites come from.
    pub rules: Option<String>,
    pub prerequisites: Vec<crate::jobs::rules::Finding>,
    pub expected_version: Option<String>,
    pub expectation_met: Option<bool>,
    /// Applicable to some installed product, every prerequisite met, the expected version
    /// reached.
    pub ready: bool,
}

/// The database facts a transform's validation reads, for an installed product.
fn product_model(p: &crate::machine::snapshot::Product) -> DatabaseModel {
    use crate::database::TableData;
    use crate::formats::tables::Value;
    let mut t = TableData::new(crate::formats::tables::standard::property());
    let mut add = |k: &str, v: &str| {
        t.rows
            .push(vec![Value::Str(k.into()), Value::Str(v.into())])
    };
    for (k, v) in &p.properties {
        add(k, v);
    }
    add("ProductCode", &p.product_code);
    add("ProductVersion", &p.version);
    if let Some(u) = &p.upgrade_code {
        add("UpgradeCode", u);
    }
    if let Some(l) = p.language {
        add("ProductLanguage", &l.to_string());
    }
    DatabaseModel {
        codepage: 1252,
        tables: vec![t],
        streams: Default::default(),
        summary: None,
    }
}

/// Checks `patch` against the installed products of `snap` (the MsiDeterminePatchSequence
/// decision for each target installed), and the prerequisites of `rules`.
pub fn check_snapshot(
    patch_path: &Path,
    snap: &crate::machine::snapshot::Snapshot,
    snapshot_name: &str,
    rules: Option<&crate::jobs::rules::RuleFile>,
    expected_version: Option<&str>,
) -> Result<SnapshotCheck> {
    let info = patch::info(patch_path)?;
    Ok(check_snapshot_with(
        patch_path,
        &info,
        snap,
        snapshot_name,
        rules,
        expected_version,
    ))
}

/// [`check_snapshot`] with the patch already read (for checking many servers).
pub(crate) fn check_snapshot_with(
    patch_path: &Path,
    info: &PatchInfo,
    snap: &crate::machine::snapshot::Snapshot,
    snapshot_name: &str,
    rules: Option<&crate::jobs::rules::RuleFile>,
    expected_version: Option<&str>,
) -> SnapshotCheck {
    use crate::machine::snapshot::PatchState;
    let my_code = info.patch_code.clone().unwrap_or_default();
    let mut products = Vec::new();
    for p in &snap.products {
        if !info
            .target_product_codes
            .iter()
            .any(|c| Guid::same_code(c, &p.product_code))
        {
            continue;
        }
        let model = product_model(p);
        let mut v = verdict(&patch_path.display().to_string(), info, &model);
        let mut state = if v.status == PatchStatus::Applicable {
            ProductState::Applicable
        } else {
            ProductState::NotApplicable
        };
        let version_after = v
            .transforms
            .iter()
            .find(|t| t.failures.is_empty())
            .and_then(|t| t.upgraded_version.clone());
        // Already applied?
        if let Some(x) = p.patches.iter().find(|x| {
            Guid::same_code(&x.patch_code, &my_code) && matches!(x.state, PatchState::Applied)
        }) {
            state = ProductState::AlreadyApplied;
            v.status = PatchStatus::Applicable;
            v.reason = format!("the patch is already applied ({})", x.patch_code);
        }
        // Superseded by an applied patch of one of its families?
        let mut notes = Vec::new();
        for mine in &info.sequence {
            let my_seq = validate::version_fields(&mine.sequence, 4);
            for x in p
                .patches
                .iter()
                .filter(|x| matches!(x.state, PatchState::Applied))
            {
                for s in x.sequences.iter().filter(|s| s.family == mine.family) {
                    let theirs = validate::version_fields(&s.sequence, 4);
                    let name = x
                        .display_name
                        .clone()
                        .unwrap_or_else(|| x.patch_code.clone());
                    if s.supersede && theirs > my_seq && state != ProductState::AlreadyApplied {
                        state = ProductState::Superseded;
                        v.status = PatchStatus::Superseded;
                        v.reason = format!(
                            "superseded by the applied {name} (family {} sequence {})",
                            s.family, s.sequence
                        );
                    } else if theirs < my_seq {
                        notes.push(format!("after {name} ({})", s.sequence));
                    } else if theirs > my_seq {
                        notes.push(format!("before {name} ({})", s.sequence));
                    }
                }
            }
        }
        // The machine itself may record the patch as superseded or obsoleted (its own
        // sequencing of the patches it has, with data the snapshot may not carry).
        if matches!(
            state,
            ProductState::Applicable | ProductState::NotApplicable
        ) {
            if let Some(x) = p.patches.iter().find(|x| {
                Guid::same_code(&x.patch_code, &my_code)
                    && matches!(x.state, PatchState::Superseded | PatchState::Obsoleted)
            }) {
                let obsoleted = matches!(x.state, PatchState::Obsoleted);
                state = if obsoleted {
                    ProductState::Obsoleted
                } else {
                    ProductState::Superseded
                };
                v.status = PatchStatus::Superseded;
                v.reason = format!(
                    "the machine records the patch as {} ({})",
                    if obsoleted { "obsoleted" } else { "superseded" },
                    x.patch_code
                );
            }
        }
        if !matches!(
            state,
            ProductState::Applicable | ProductState::NotApplicable
        ) {
            notes.clear();
        }
        products.push(ProductVerdict {
            product_code: p.product_code.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            status: v.status,
            state,
            reason: v.reason,
            transforms: v.transforms,
            version_after: if state == ProductState::Applicable {
                version_after
            } else {
                None
            },
            sequence_note: (!notes.is_empty()).then(|| notes.join("; ")),
        });
    }
    let prerequisites = rules
        .map(|r| crate::jobs::rules::evaluate(r, snap))
        .unwrap_or_default();
    let applicable = products.iter().any(|p| p.state == ProductState::Applicable);
    let expectation_met = expected_version.map(|e| {
        products
            .iter()
            .any(|p| p.state == ProductState::Applicable && p.version_after.as_deref() == Some(e))
    });
    let ready = applicable
        && prerequisites.iter().all(|f| f.result != "failed")
        && expectation_met != Some(false);
    SnapshotCheck {
        patch: patch_path.display().to_string(),
        patch_code: info.patch_code.clone(),
        display_name: info.metadata("DisplayName").map(str::to_string),
        computer: snap.computer_name.clone(),
        snapshot: snapshot_name.to_string(),
        products,
        rules: rules.map(|r| r.source.clone()),
        prerequisites,
        expected_version: expected_version.map(str::to_string),
        expectation_met,
        ready,
    }
}

/// One server of a batch: its check, or why its snapshot could not be read.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum BatchLine {
    Checked(Box<SnapshotCheck>),
    Error { snapshot: String, error: String },
}

/// The snapshots of `--snapshots`: every `*.json` file of a folder (by name), or each non-blank
/// line of a JSON Lines file (named `FILE:LINE`), as (name, bytes) for [`check_many`].
pub fn read_snapshots(many: &Path) -> Result<Vec<(String, Vec<u8>)>> {
    let name = many.display().to_string();
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    if many.is_dir() {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(many)
            .map_err(|e| Error::io(e).in_file(&name))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("json"))
            })
            .collect();
        paths.sort();
        for p in paths {
            let bytes =
                std::fs::read(&p).map_err(|e| Error::io(e).in_file(p.display().to_string()))?;
            inputs.push((p.display().to_string(), bytes));
        }
    } else {
        let text = std::fs::read(many).map_err(|e| Error::io(e).in_file(&name))?;
        for (i, line) in text.split(|&b| b == b'\n').enumerate() {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            inputs.push((format!("{name}:{}", i + 1), line.to_vec()));
        }
    }
    Ok(inputs)
}

/// Checks `patch` against many snapshots, on all cores; results in input order. Each input is
/// (name, bytes of one snapshot). A snapshot that cannot be read gives an error line, not a
/// failed batch.
pub fn check_many(
    patch_path: &Path,
    inputs: &[(String, Vec<u8>)],
    rules: Option<&crate::jobs::rules::RuleFile>,
    expected_version: Option<&str>,
) -> Result<Vec<BatchLine>> {
    let info = patch::info(patch_path)?;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, inputs.len().max(1));
    let chunk = inputs.len().div_ceil(threads).max(1);
    let mut out: Vec<BatchLine> = Vec::with_capacity(inputs.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = inputs
            .chunks(chunk)
            .map(|part| {
                let info = &info;
                s.spawn(move || {
                    part.iter()
                        .map(
                            |(name, bytes)| match crate::machine::snapshot::parse(name, bytes) {
                                Ok(snap) => BatchLine::Checked(Box::new(check_snapshot_with(
                                    patch_path,
                                    info,
                                    &snap,
                                    name,
                                    rules,
                                    expected_version,
                                ))),
                                Err(e) => BatchLine::Error {
                                    snapshot: name.clone(),
                                    error: e.to_string(),
                                },
                            },
                        )
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                // A panic while checking (a bug) goes on in the caller.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    Ok(out)
}
