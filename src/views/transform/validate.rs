//! Transform validation: whether a transform's summary conditions (PID 16 high word, against
//! PID 9's original product code and version and PID 7's language) hold for a database.
//!
//! Windows Installer compares only major.minor.build of ProductVersion; a fourth field is
//! ignored. With a version field selected but no comparison bit, "equal" is assumed. Platform
//! is not checked (Windows does not validate it either, per Wine's notes); it is reported only.

use crate::database::DatabaseModel;
use crate::formats::summary::{TransformSummary, ValidationFlags as V};

/// Parses up to the first `fields` numeric parts of a version ("8.0.685.24" → [8, 0, 685]).
pub(crate) fn version_fields(v: &str, fields: usize) -> Vec<u32> {
    let mut parts: Vec<u32> = v
        .trim()
        .split('.')
        .take(fields)
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect();
    parts.resize(fields, 0);
    parts
}

fn eq_ci(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The conditions that fail, in words; empty when the transform may apply.
pub(crate) fn failures(db: &DatabaseModel, s: &TransformSummary) -> Vec<String> {
    let f = s.validation;
    let mut out = Vec::new();
    let prop = |n: &str| db.property(n).unwrap_or("").to_string();
    if f.contains(V::PRODUCT) {
        let want = s.original_product_code.clone().unwrap_or_default();
        let have = prop("ProductCode");
        if !eq_ci(&want, &have) {
            out.push(format!(
                "product code is {have}, the transform wants {want}"
            ));
        }
    }
    if f.contains(V::UPGRADE_CODE) {
        let want = s.upgrade_code.clone().unwrap_or_default();
        let have = prop("UpgradeCode");
        if !eq_ci(&want, &have) {
            out.push(format!(
                "upgrade code is {have}, the transform wants {want}"
            ));
        }
    }
    if f.contains(V::LANGUAGE) {
        if let Some(&lang) = s.target.languages.first() {
            let have = prop("ProductLanguage");
            if lang != 0 && have.trim().parse::<u16>().ok() != Some(lang) {
                out.push(format!(
                    "ProductLanguage is {have}, the transform wants {lang}"
                ));
            }
        }
    }
    let fields = if f.contains(V::MAJOR_VERSION) {
        1
    } else if f.contains(V::MINOR_VERSION) {
        2
    } else if f.contains(V::UPDATE_VERSION) {
        3
    } else {
        0
    };
    if fields > 0 {
        let base_text = s.original_product_version.clone().unwrap_or_default();
        let have_text = prop("ProductVersion");
        let base = version_fields(&base_text, fields);
        let have = version_fields(&have_text, fields);
        let (ok, words) = if f.contains(V::NEW_LESS_BASE_VERSION) {
            (have < base, "below")
        } else if f.contains(V::NEW_LESS_EQUAL_BASE_VERSION) {
            (have <= base, "at most")
        } else if f.contains(V::NEW_GREATER_EQUAL_BASE_VERSION) {
            (have >= base, "at least")
        } else if f.contains(V::NEW_GREATER_BASE_VERSION) {
            (have > base, "above")
        } else {
            (have == base, "equal to")
        };
        if !ok {
            let show = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
            out.push(format!(
                "ProductVersion {have_text} ({}) is not {words} {}",
                show(&have),
                show(&base)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_fields_count() {
        assert_eq!(version_fields("8.0.685.24", 3), vec![8, 0, 685]);
        assert_eq!(version_fields("8.0", 3), vec![8, 0, 0]);
        assert_eq!(
            version_fields("8.0.685.24", 3),
            version_fields("8.0.685.99", 3)
        );
    }
}
