//! Typed views of a [`SummaryInfo`], one per kind of file (docs/formats.md §2.2, §3.1).
//!
//! Every parser here takes whatever the stream holds: a property that is missing or not in the
//! expected shape gives `None` or an empty list, and the raw text stays available in the
//! `*_raw` fields.

use serde::Serialize;

use super::flags::{ErrorFlags, ValidationFlags};
use super::pid;
use super::propset::SummaryInfo;
use crate::formats::guid::Guid;

/// A `platform;language[,language...]` pair (PID 7 of a database or transform, PID 8 of a
/// transform).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformLanguages {
    /// The platform as written (`Intel`, `x64`, `Arm64`, `Intel64`...), `None` when blank.
    pub platform: Option<String>,
    /// The language ids that parse as numbers (0 = neutral).
    pub languages: Vec<u16>,
}

impl PlatformLanguages {
    /// Parses `platform;languages`. Without a `;`, text made only of digits and commas is taken
    /// as the languages, anything else as the platform.
    pub fn parse(s: &str) -> Self {
        let s = s.trim();
        let (platform, languages) = match s.split_once(';') {
            Some((p, l)) => (p, l),
            None if s
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ') =>
            {
                ("", s)
            }
            None => (s, ""),
        };
        let platform = platform.trim();
        PlatformLanguages {
            platform: (!platform.is_empty()).then(|| platform.to_string()),
            languages: languages
                .split(',')
                .filter_map(|t| t.trim().parse::<u16>().ok())
                .collect(),
        }
    }
}

/// A minimum Windows Installer version: the stored number and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstallerVersion {
    pub value: i32,
    /// "2.0", "4.5"..., "any" for a patch's 1; `None` when the number means nothing known.
    pub version: Option<String>,
}

impl InstallerVersion {
    /// PID 14 of a database or transform: major × 100 + minor (200 = 2.0, 301 = 3.1, 405 = 4.5;
    /// the older 110/120/150 are 1.1/1.2/1.5).
    pub(crate) fn from_page_count(value: i32) -> Self {
        let version = (value >= 0).then(|| {
            let (major, minor) = (value / 100, value % 100);
            let minor = if minor % 10 == 0 { minor / 10 } else { minor };
            format!("{major}.{minor}")
        });
        InstallerVersion { value, version }
    }

    /// PID 15 of a patch: 1 = any, 2 = 1.2, 3 = 2.0, 4 = 3.0, 5 = 3.1.
    pub(crate) fn from_patch_word_count(value: i32) -> Self {
        let version = match value {
            1 => Some("any"),
            2 => Some("1.2"),
            3 => Some("2.0"),
            4 => Some("3.0"),
            5 => Some("3.1"),
            _ => None,
        };
        InstallerVersion {
            value,
            version: version.map(str::to_string),
        }
    }
}

/// PID 15 of a database: the source-type bit field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFlags {
    pub value: i32,
    /// Set bits by name ("short-names", "compressed", "administrative-image",
    /// "no-elevated-privileges"); unknown bits as `0x....`.
    pub names: Vec<String>,
}

impl SourceFlags {
    pub const SHORT_NAMES: i32 = 0x1;
    pub const COMPRESSED: i32 = 0x2;
    pub const ADMINISTRATIVE_IMAGE: i32 = 0x4;
    pub const NO_ELEVATED_PRIVILEGES: i32 = 0x8;

    pub fn new(value: i32) -> Self {
        const NAMES: [(u32, &str); 4] = [
            (0x1, "short-names"),
            (0x2, "compressed"),
            (0x4, "administrative-image"),
            (0x8, "no-elevated-privileges"),
        ];
        let bits = value as u32;
        let names = (0..32)
            .map(|i| 1u32 << i)
            .filter(|b| bits & b != 0)
            .map(|b| match NAMES.iter().find(|n| n.0 == b) {
                Some(n) => n.1.to_string(),
                None => format!("0x{b:X}"),
            })
            .collect();
        SourceFlags { value, names }
    }
}

/// PID 19: document security.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Security {
    pub value: i32,
    /// "none" (0), "read-only recommended" (2), "read-only enforced" (4); `None` otherwise.
    pub name: Option<&'static str>,
}

impl Security {
    pub fn new(value: i32) -> Self {
        let name = match value {
            0 => Some("none"),
            2 => Some("read-only recommended"),
            4 => Some("read-only enforced"),
            _ => None,
        };
        Security { value, name }
    }
}

/// Summary of an installation database or merge module (.msi, .msm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseSummary {
    pub title: Option<String>,
    pub subject: Option<String>,
    pub author: Option<String>,
    pub keywords: Option<String>,
    pub comments: Option<String>,
    /// PID 7 as written (`x64;1033,1031`).
    pub template: Option<String>,
    /// Platform from PID 7; `Intel` when none is written.
    pub platform: String,
    /// Languages from PID 7.
    pub languages: Vec<u16>,
    /// PID 8.
    pub last_saved_by: Option<String>,
    /// PID 9.
    pub package_code: Option<String>,
    /// PID 12, `YYYY/MM/DD hh:mm:ss` UTC.
    pub created: Option<String>,
    /// PID 13, `YYYY/MM/DD hh:mm:ss` UTC.
    pub last_saved: Option<String>,
    /// PID 14.
    pub minimum_installer_version: Option<InstallerVersion>,
    /// PID 15.
    pub source: Option<SourceFlags>,
    /// PID 1.
    pub codepage: Option<u16>,
    /// PID 18.
    pub creating_application: Option<String>,
    /// PID 19.
    pub security: Option<Security>,
}

impl DatabaseSummary {
    pub fn new(si: &SummaryInfo) -> Self {
        let template = text(si, pid::TEMPLATE);
        let pl = PlatformLanguages::parse(template.as_deref().unwrap_or(""));
        DatabaseSummary {
            title: text(si, pid::TITLE),
            subject: text(si, pid::SUBJECT),
            author: text(si, pid::AUTHOR),
            keywords: text(si, pid::KEYWORDS),
            comments: text(si, pid::COMMENTS),
            platform: pl.platform.unwrap_or_else(|| "Intel".to_string()),
            languages: pl.languages,
            template,
            last_saved_by: text(si, pid::LAST_SAVED_BY),
            package_code: text(si, pid::REVISION_NUMBER).map(|s| s.trim().to_string()),
            created: time(si, pid::CREATE_TIME),
            last_saved: time(si, pid::LAST_SAVE_TIME),
            minimum_installer_version: int(si, pid::PAGE_COUNT)
                .map(InstallerVersion::from_page_count),
            source: int(si, pid::WORD_COUNT).map(SourceFlags::new),
            codepage: si.codepage(),
            creating_application: text(si, pid::CREATING_APPLICATION),
            security: int(si, pid::SECURITY).map(Security::new),
        }
    }
}

impl From<&SummaryInfo> for DatabaseSummary {
    fn from(si: &SummaryInfo) -> Self {
        Self::new(si)
    }
}

/// Summary of a patch package (.msp).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatchSummary {
    pub title: Option<String>,
    pub subject: Option<String>,
    pub author: Option<String>,
    /// PID 5: the `;`-separated list of the patch's sources.
    pub keywords: Option<String>,
    pub comments: Option<String>,
    /// PID 7 split on `;`.
    pub target_product_codes: Vec<String>,
    /// PID 8 split on `;`, each without its leading `:`, in application order.
    pub transforms: Vec<String>,
    /// PID 8 as written.
    pub transforms_raw: Option<String>,
    /// The first GUID of PID 9.
    pub patch_code: Option<String>,
    /// The GUIDs that follow it in PID 9.
    pub obsoleted_patch_codes: Vec<String>,
    /// PID 9 as written.
    pub revision_raw: Option<String>,
    pub created: Option<String>,
    pub last_saved: Option<String>,
    /// From PID 15.
    pub minimum_installer_version: Option<InstallerVersion>,
    pub creating_application: Option<String>,
    pub security: Option<Security>,
    pub codepage: Option<u16>,
}

impl PatchSummary {
    pub fn new(si: &SummaryInfo) -> Self {
        let transforms_raw = text(si, pid::LAST_SAVED_BY);
        let revision_raw = text(si, pid::REVISION_NUMBER);
        let mut guids = guid_run(revision_raw.as_deref().unwrap_or("")).into_iter();
        let patch_code = guids.next();
        PatchSummary {
            title: text(si, pid::TITLE),
            subject: text(si, pid::SUBJECT),
            author: text(si, pid::AUTHOR),
            keywords: text(si, pid::KEYWORDS),
            comments: text(si, pid::COMMENTS),
            target_product_codes: split_list(si.string(pid::TEMPLATE).unwrap_or("")),
            transforms: split_list(transforms_raw.as_deref().unwrap_or(""))
                .into_iter()
                .map(|t| t.strip_prefix(':').map(str::to_string).unwrap_or(t))
                .filter(|t| !t.is_empty())
                .collect(),
            transforms_raw,
            patch_code,
            obsoleted_patch_codes: guids.collect(),
            revision_raw,
            created: time(si, pid::CREATE_TIME),
            last_saved: time(si, pid::LAST_SAVE_TIME),
            minimum_installer_version: int(si, pid::WORD_COUNT)
                .map(InstallerVersion::from_patch_word_count),
            creating_application: text(si, pid::CREATING_APPLICATION),
            security: int(si, pid::SECURITY).map(Security::new),
            codepage: si.codepage(),
        }
    }
}

impl From<&SummaryInfo> for PatchSummary {
    fn from(si: &SummaryInfo) -> Self {
        Self::new(si)
    }
}

/// Summary of a transform (.mst, or a transform storage inside a patch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransformSummary {
    pub title: Option<String>,
    pub subject: Option<String>,
    pub author: Option<String>,
    pub keywords: Option<String>,
    pub comments: Option<String>,
    /// Platform and language the base database must have (PID 7); blank = no restriction.
    pub target: PlatformLanguages,
    pub target_raw: Option<String>,
    /// Platform and language of the database after the transform (PID 8).
    pub result: PlatformLanguages,
    pub result_raw: Option<String>,
    /// From PID 9 `{OrigPC}OrigVer;{NewPC}NewVer;{UpgradeCode}`.
    pub original_product_code: Option<String>,
    pub original_product_version: Option<String>,
    pub new_product_code: Option<String>,
    pub new_product_version: Option<String>,
    pub upgrade_code: Option<String>,
    /// PID 9 as written.
    pub revision_raw: Option<String>,
    pub created: Option<String>,
    pub last_saved: Option<String>,
    /// PID 14.
    pub minimum_installer_version: Option<InstallerVersion>,
    /// PID 16 as stored.
    pub flags_raw: Option<u32>,
    /// High word of PID 16.
    pub validation: ValidationFlags,
    /// Low word of PID 16.
    pub errors: ErrorFlags,
    pub creating_application: Option<String>,
    pub security: Option<Security>,
    pub codepage: Option<u16>,
}

impl TransformSummary {
    pub fn new(si: &SummaryInfo) -> Self {
        let target_raw = text(si, pid::TEMPLATE);
        let result_raw = text(si, pid::LAST_SAVED_BY);
        let revision_raw = text(si, pid::REVISION_NUMBER);
        let mut parts = revision_raw.as_deref().unwrap_or("").split(';');
        let (original_product_code, original_product_version) = code_and_version(parts.next());
        let (new_product_code, new_product_version) = code_and_version(parts.next());
        let upgrade_code = parts
            .next()
            .and_then(|p| take_guid(p.trim()))
            .map(|(g, _)| g.to_string());
        let flags_raw = int(si, pid::CHARACTER_COUNT).map(|v| v as u32);
        TransformSummary {
            title: text(si, pid::TITLE),
            subject: text(si, pid::SUBJECT),
            author: text(si, pid::AUTHOR),
            keywords: text(si, pid::KEYWORDS),
            comments: text(si, pid::COMMENTS),
            target: PlatformLanguages::parse(target_raw.as_deref().unwrap_or("")),
            target_raw,
            result: PlatformLanguages::parse(result_raw.as_deref().unwrap_or("")),
            result_raw,
            original_product_code,
            original_product_version,
            new_product_code,
            new_product_version,
            upgrade_code,
            revision_raw,
            created: time(si, pid::CREATE_TIME),
            last_saved: time(si, pid::LAST_SAVE_TIME),
            minimum_installer_version: int(si, pid::PAGE_COUNT)
                .map(InstallerVersion::from_page_count),
            flags_raw,
            validation: ValidationFlags::from_pid16(flags_raw.unwrap_or(0)),
            errors: ErrorFlags::from_pid16(flags_raw.unwrap_or(0)),
            creating_application: text(si, pid::CREATING_APPLICATION),
            security: int(si, pid::SECURITY).map(Security::new),
            codepage: si.codepage(),
        }
    }

    /// The validation conditions in words, against this transform's original version.
    pub fn conditions(&self) -> Vec<String> {
        self.validation
            .describe(self.original_product_version.as_deref().unwrap_or(""))
    }
}

impl From<&SummaryInfo> for TransformSummary {
    fn from(si: &SummaryInfo) -> Self {
        Self::new(si)
    }
}

fn text(si: &SummaryInfo, pid: u32) -> Option<String> {
    si.string(pid).map(str::to_string)
}

/// A number property; a string holding a number is accepted too (as libmsi does).
fn int(si: &SummaryInfo, pid: u32) -> Option<i32> {
    si.int(pid)
        .or_else(|| si.string(pid).and_then(|s| s.trim().parse().ok()))
}

/// A date property as text; a string is passed through.
fn time(si: &SummaryInfo, pid: u32) -> Option<String> {
    si.filetime_text(pid).or_else(|| text(si, pid))
}

/// Splits a `;` list, trimming entries and dropping empty ones.
fn split_list(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `{GUID}` at the very start of `s`: the GUID as written and the rest.
fn take_guid(s: &str) -> Option<(&str, &str)> {
    Guid::take_prefix(s).map(|(_, text, rest)| (text, rest))
}

/// The GUIDs written one after the other from the start of `s` (separators and spaces between
/// them tolerated); stops at the first thing that is not a GUID.
fn guid_run(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ';' || c == ',');
        match take_guid(rest) {
            Some((g, r)) => {
                out.push(g.to_string());
                rest = r;
            }
            None => break,
        }
    }
    out
}

/// `{GUID}version` -> (GUID, version); either may be missing.
fn code_and_version(part: Option<&str>) -> (Option<String>, Option<String>) {
    let Some(part) = part.map(str::trim) else {
        return (None, None);
    };
    match take_guid(part) {
        Some((g, v)) => {
            let v = v.trim();
            (Some(g.to_string()), (!v.is_empty()).then(|| v.to_string()))
        }
        None => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::super::propset::parse;
    use super::super::testutil::{Builder, V};
    use super::*;

    const PC: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
    const UC: &str = "{A2E3D643-4E2C-477F-A309-F76F552D5F43}";

    #[test]
    fn database() {
        let si = parse(
            &Builder::new()
                .prop(1, V::I2(1252))
                .prop(2, V::Str("Installation Database"))
                .prop(7, V::Str("x64;1033,1031"))
                .prop(9, V::Str("{C5BBD75C-7E7F-4222-834C-EA0C4A13F48F}"))
                .prop(12, V::FileTime(0x01C7_DB30_71F2_D000))
                .prop(14, V::I4(200))
                .prop(15, V::I4(2 | 8 | 0x40))
                .prop(18, V::Str("Windows Installer XML"))
                .prop(19, V::I4(2))
                .build(),
        )
        .unwrap();
        let d = DatabaseSummary::new(&si);
        assert_eq!(d.title.as_deref(), Some("Installation Database"));
        assert_eq!(d.platform, "x64");
        assert_eq!(d.languages, [1033, 1031]);
        assert_eq!(
            d.package_code.as_deref(),
            Some("{C5BBD75C-7E7F-4222-834C-EA0C4A13F48F}")
        );
        assert_eq!(d.created.as_deref(), Some("2007/08/10 09:25:52"));
        assert_eq!(d.last_saved, None);
        let v = d.minimum_installer_version.unwrap();
        assert_eq!((v.value, v.version.as_deref()), (200, Some("2.0")));
        let s = d.source.unwrap();
        assert_eq!(s.value, 0x4A);
        assert_eq!(s.names, ["compressed", "no-elevated-privileges", "0x40"]);
        assert_eq!(d.security.unwrap().name, Some("read-only recommended"));
        assert_eq!(d.codepage, Some(1252));

        // Missing platform means Intel.
        let si = parse(&Builder::new().prop(7, V::Str(";1033")).build()).unwrap();
        let d = DatabaseSummary::new(&si);
        assert_eq!(
            (d.platform.as_str(), d.languages.as_slice()),
            ("Intel", &[1033u16][..])
        );
        let d = DatabaseSummary::new(&parse(&Builder::new().build()).unwrap());
        assert_eq!(d.platform, "Intel");
        assert!(d.languages.is_empty());
    }

    #[test]
    fn installer_versions() {
        let t = |v| InstallerVersion::from_page_count(v).version;
        assert_eq!(t(200).as_deref(), Some("2.0"));
        assert_eq!(t(301).as_deref(), Some("3.1"));
        assert_eq!(t(405).as_deref(), Some("4.5"));
        assert_eq!(t(500).as_deref(), Some("5.0"));
        assert_eq!(t(110).as_deref(), Some("1.1"));
        assert_eq!(t(-1), None);
        let p = |v| InstallerVersion::from_patch_word_count(v).version;
        assert_eq!(p(1).as_deref(), Some("any"));
        assert_eq!(p(3).as_deref(), Some("2.0"));
        assert_eq!(p(5).as_deref(), Some("3.1"));
        assert_eq!(p(9), None);
    }

    #[test]
    fn patch_with_two_obsoleted_codes() {
        let rev = "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}{11111111-2222-3333-4444-555555555555}{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}";
        let si = parse(
            &Builder::new()
                .prop(1, V::I2(0))
                .prop(5, V::Str("PatchSourceList"))
                .prop(7, V::Str("{24B2C164-DE66-44FE-B468-A46D9D5E6B31};{FB94421B-7FA3-4495-A9D7-212099C19147}"))
                .prop(8, V::Str(":RTM.1;:#RTM.1"))
                .prop(9, V::Str(rev))
                .prop(15, V::I4(4))
                .prop(19, V::I4(4))
                .build(),
        )
        .unwrap();
        let p = PatchSummary::new(&si);
        assert_eq!(
            p.patch_code.as_deref(),
            Some("{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}")
        );
        assert_eq!(
            p.obsoleted_patch_codes,
            [
                "{11111111-2222-3333-4444-555555555555}",
                "{aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}"
            ]
        );
        assert_eq!(p.revision_raw.as_deref(), Some(rev));
        assert_eq!(p.transforms, ["RTM.1", "#RTM.1"]);
        assert_eq!(p.transforms_raw.as_deref(), Some(":RTM.1;:#RTM.1"));
        assert_eq!(
            p.target_product_codes,
            [PC, "{FB94421B-7FA3-4495-A9D7-212099C19147}"]
        );
        assert_eq!(p.keywords.as_deref(), Some("PatchSourceList"));
        let v = p.minimum_installer_version.unwrap();
        assert_eq!((v.value, v.version.as_deref()), (4, Some("3.0")));
        assert_eq!(p.security.unwrap().name, Some("read-only enforced"));
    }

    #[test]
    fn patch_garbage_revision() {
        for garbage in [
            "not a guid",
            "{DCF5AFE2-E80A-42FB-A60D}",
            "",
            "{ÄCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}",
        ] {
            let si = parse(&Builder::new().prop(9, V::Str(garbage)).build()).unwrap();
            let p = PatchSummary::new(&si);
            assert_eq!(p.patch_code, None, "{garbage}");
            assert!(p.obsoleted_patch_codes.is_empty());
            assert_eq!(p.revision_raw.as_deref(), Some(garbage));
        }
        // a good GUID followed by garbage keeps the GUID
        let si = parse(
            &Builder::new()
                .prop(9, V::Str("{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}junk{11111111-2222-3333-4444-555555555555}"))
                .build(),
        )
        .unwrap();
        let p = PatchSummary::new(&si);
        assert_eq!(
            p.patch_code.as_deref(),
            Some("{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}")
        );
        assert!(p.obsoleted_patch_codes.is_empty());
        // nothing at all
        let p = PatchSummary::new(&parse(&Builder::new().build()).unwrap());
        assert!(p.transforms.is_empty() && p.target_product_codes.is_empty());
    }

    #[test]
    fn transform() {
        let rev = format!("{PC}8.0.685.24;{PC}8.0.708.3;{UC}");
        let rev: &'static str = Box::leak(rev.into_boxed_str());
        let si = parse(
            &Builder::new()
                .prop(1, V::I2(1252))
                .prop(7, V::Str(";1033"))
                .prop(8, V::Str("x64;1033"))
                .prop(9, V::Str(rev))
                .prop(14, V::I4(200))
                .prop(16, V::I4(0x0922_001F))
                .build(),
        )
        .unwrap();
        let t = TransformSummary::new(&si);
        assert_eq!(
            t.target,
            PlatformLanguages {
                platform: None,
                languages: vec![1033]
            }
        );
        assert_eq!(
            t.result,
            PlatformLanguages {
                platform: Some("x64".into()),
                languages: vec![1033]
            }
        );
        assert_eq!(t.original_product_code.as_deref(), Some(PC));
        assert_eq!(t.original_product_version.as_deref(), Some("8.0.685.24"));
        assert_eq!(t.new_product_code.as_deref(), Some(PC));
        assert_eq!(t.new_product_version.as_deref(), Some("8.0.708.3"));
        assert_eq!(t.upgrade_code.as_deref(), Some(UC));
        assert_eq!(t.flags_raw, Some(0x0922_001F));
        assert_eq!(
            t.validation.names(),
            [
                "product",
                "update-version",
                "new-equal-base-version",
                "upgrade-code"
            ]
        );
        assert_eq!(t.errors.letters(), "abcde");
        assert_eq!(t.errors.value(), 0x1F);
        assert_eq!(
            t.conditions()[0],
            "installed ProductVersion must equal 8.0.685 (major.minor.build)"
        );
        assert_eq!(
            t.minimum_installer_version
                .as_ref()
                .unwrap()
                .version
                .as_deref(),
            Some("2.0")
        );

        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(json["validation"]["value"], 2338);
        assert_eq!(json["validation"]["letters"], "grux");
        assert_eq!(json["errors"]["names"][4], "update-missing-row");
    }

    #[test]
    fn transform_garbage() {
        for rev in [
            "",
            "garbage",
            ";;;",
            "{24B2C164-DE66-44FE-B468-A46D9D5E6B31",
            "é;é;é",
        ] {
            let si = parse(
                &Builder::new()
                    .prop(9, V::Str(rev))
                    .prop(16, V::Str("x"))
                    .build(),
            )
            .unwrap();
            let t = TransformSummary::new(&si);
            assert_eq!(t.original_product_code, None, "{rev}");
            assert_eq!(t.new_product_version, None);
            assert_eq!(t.upgrade_code, None);
            assert_eq!(t.flags_raw, None);
            assert_eq!(t.validation.value(), 0);
            assert_eq!(t.revision_raw.as_deref(), Some(rev));
        }
        // A GUID with no version.
        let si = parse(
            &Builder::new()
                .prop(9, V::Str("{24B2C164-DE66-44FE-B468-A46D9D5E6B31};x"))
                .build(),
        )
        .unwrap();
        let t = TransformSummary::new(&si);
        assert_eq!(t.original_product_code.as_deref(), Some(PC));
        assert_eq!(t.original_product_version, None);
        assert_eq!(t.new_product_code, None);
    }

    #[test]
    fn platform_languages() {
        let p = PlatformLanguages::parse;
        assert_eq!(p("Intel;1033").platform.as_deref(), Some("Intel"));
        assert_eq!(p("1033,1031").languages, [1033, 1031]);
        assert_eq!(p("1033,1031").platform, None);
        assert_eq!(p("Arm64").platform.as_deref(), Some("Arm64"));
        assert_eq!(p("x64;0").languages, [0]);
        assert_eq!(p(";").platform, None);
        assert_eq!(p("x64;abc,1033").languages, [1033]);
    }
}
