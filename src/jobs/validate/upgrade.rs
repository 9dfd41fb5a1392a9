//! ICE61: the Upgrade table (the ICE reference's "ICE61").

use std::collections::HashMap;

use super::category::is_version;
use super::{Finding, Rows, Severity};
use crate::database::DatabaseModel;
use crate::views::transform::validate::version_fields;

/// Upgrade.Attributes: detect only, never remove.
const ONLY_DETECT: i32 = 0x2;
/// Upgrade.Attributes: VersionMax is included in the range.
const MAX_INCLUSIVE: i32 = 0x200;

fn error(rule: &'static str) -> Finding {
    Finding::new("ICE61", Severity::Error, rule).table("Upgrade")
}

/// ICE61: each ActionProperty is public (no lower case), not in the Property table, in
/// SecureCustomProperties, and used by one row only; VersionMin and VersionMax are versions and
/// in order; a row for this product's own UpgradeCode removes only older versions (a warning).
pub(super) fn ice61(model: &DatabaseModel) -> Vec<Finding> {
    let Some(t) = Rows::of(model, "Upgrade") else {
        return Vec::new();
    };
    let secure: Vec<&str> = model
        .property("SecureCustomProperties")
        .map(|s| s.split(';').map(str::trim).collect())
        .unwrap_or_default();
    let upgrade_code = model.property("UpgradeCode").map(str::to_ascii_uppercase);
    let version = model.property("ProductVersion");
    let mut uses: HashMap<&str, usize> = HashMap::new();
    let mut out = Vec::new();
    for r in t.iter() {
        let key = r.key();
        let Some(prop) = r.str("ActionProperty") else {
            continue;
        };
        let n = uses.entry(prop).or_default();
        *n += 1;
        if *n == 2 {
            out.push(
                error("action-property-shared")
                    .key(key.clone())
                    .column("ActionProperty")
                    .message(format!(
                "Upgrade.ActionProperty {prop} may be used in only one record of the Upgrade table."
            )),
            );
        }
        if prop.chars().any(char::is_lowercase) {
            out.push(
                error("action-property-private")
                    .key(key.clone())
                    .column("ActionProperty")
                    .message(format!(
                        "Upgrade.ActionProperty {prop} must not contain lowercase letters."
                    )),
            );
        }
        if model.property(prop).is_some() {
            out.push(
                error("action-property-authored")
                    .key(key.clone())
                    .column("ActionProperty")
                    .message(format!(
                        "Upgrade.ActionProperty {prop} cannot be authored in the Property table."
                    )),
            );
        }
        if !secure.contains(&prop) {
            out.push(error("action-property-not-secure").key(key.clone()).column("ActionProperty").message(format!(
                "Upgrade.ActionProperty {prop} must be added to the SecureCustomProperties property."
            )));
        }
        let (min, max) = (r.str("VersionMin"), r.str("VersionMax"));
        for (col, v) in [("VersionMin", min), ("VersionMax", max)] {
            if let Some(v) = v.filter(|v| !is_version(v)) {
                out.push(
                    error("bad-version")
                        .key(key.clone())
                        .column(col)
                        .message(format!(
                            "Upgrade.{col} '{v}' is not a valid version string. ({prop})"
                        )),
                );
            }
        }
        if let (Some(a), Some(b)) = (min, max) {
            if is_version(a) && is_version(b) && version_fields(b, 4) < version_fields(a, 4) {
                out.push(
                    error("max-below-min")
                        .key(key.clone())
                        .column("VersionMax")
                        .message(format!(
                            "Upgrade.VersionMax cannot be less than Upgrade.VersionMin. ({prop})"
                        )),
                );
            }
        }
        let attrs = r.int("Attributes").unwrap_or(0);
        let own = r.str("UpgradeCode").map(str::to_ascii_uppercase) == upgrade_code
            && upgrade_code.is_some();
        if !own || attrs & ONLY_DETECT != 0 {
            continue;
        }
        let warn = |m: String| {
            Finding::new("ICE61", Severity::Warning, "removes-same-or-newer")
                .table("Upgrade")
                .key(key.clone())
                .column("VersionMax")
                .message(m)
        };
        match (max, version) {
            (None, _) => out.push(warn(format!(
                "This product should remove only older versions of itself. No Maximum version was detected for the current product. ({prop})"
            ))),
            (Some(m), Some(cur)) if is_version(m) && is_version(cur) => {
                let (mf, cf) = (version_fields(m, 4), version_fields(cur, 4));
                if mf > cf || (mf == cf && attrs & MAX_INCLUSIVE != 0) {
                    out.push(warn(format!(
                        "This product should remove only older versions of itself. The Maximum version is not less than the current product. ({m} {cur})"
                    )));
                }
            }
            _ => {}
        }
    }
    out
}
