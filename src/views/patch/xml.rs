//! The patch applicability XML that MsiExtractPatchXMLData returns (MSIPatchApplicability.xsd,
//! namespace `http://www.microsoft.com/msi/patch_applicability.xsd`, schema 1.0.0.0), so the
//! output feeds MsiDetermineApplicablePatches, MsiDeterminePatchSequence and psmsi on Windows.

use crate::formats::summary::ValidationFlags as V;

use super::PatchInfo;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn bool_attr(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// The XML document for a patch.
pub fn applicability_xml(p: &PatchInfo) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let min = p
        .summary
        .minimum_installer_version
        .as_ref()
        .map(|v| v.value)
        .unwrap_or(0);
    x.push_str(&format!(
        "<MsiPatch xmlns=\"http://www.microsoft.com/msi/patch_applicability.xsd\" SchemaVersion=\"1.0.0.0\" PatchGUID=\"{}\" MinMsiVersion=\"{min}\">\n",
        esc(p.patch_code.as_deref().unwrap_or(""))
    ));
    for t in &p.transforms {
        let Some(s) = &t.summary else { continue };
        let f = s.validation;
        let page = s
            .minimum_installer_version
            .as_ref()
            .map(|v| v.value)
            .unwrap_or(0);
        x.push_str(&format!("  <TargetProduct MinMsiVersion=\"{page}\">\n"));
        let pc = s.original_product_code.as_deref().unwrap_or("");
        x.push_str(&format!(
            "    <TargetProductCode Validate=\"{}\">{}</TargetProductCode>\n",
            bool_attr(f.contains(V::PRODUCT)),
            esc(pc)
        ));
        if let Some(new) = s
            .new_product_code
            .as_deref()
            .filter(|n| !n.eq_ignore_ascii_case(pc))
        {
            x.push_str(&format!(
                "    <UpdatedProductCode>{}</UpdatedProductCode>\n",
                esc(new)
            ));
        }
        let filter = if f.contains(V::MAJOR_VERSION) {
            "Major"
        } else if f.contains(V::MINOR_VERSION) {
            "MajorMinor"
        } else if f.contains(V::UPDATE_VERSION) {
            "MajorMinorUpdate"
        } else {
            "None"
        };
        let comparison = if filter == "None" {
            "None"
        } else if f.contains(V::NEW_LESS_BASE_VERSION) {
            "LessThan"
        } else if f.contains(V::NEW_LESS_EQUAL_BASE_VERSION) {
            "LessThanOrEqual"
        } else if f.contains(V::NEW_GREATER_EQUAL_BASE_VERSION) {
            "GreaterThanOrEqual"
        } else if f.contains(V::NEW_GREATER_BASE_VERSION) {
            "GreaterThan"
        } else {
            "Equal"
        };
        let from = s.original_product_version.as_deref().unwrap_or("");
        x.push_str(&format!(
            "    <TargetVersion Validate=\"{}\" ComparisonType=\"{comparison}\" ComparisonFilter=\"{filter}\">{}</TargetVersion>\n",
            bool_attr(filter != "None"),
            esc(from)
        ));
        if let Some(to) = s.new_product_version.as_deref().filter(|v| *v != from) {
            x.push_str(&format!(
                "    <UpdatedVersion>{}</UpdatedVersion>\n",
                esc(to)
            ));
        }
        let lang = s.target.languages.first().copied().unwrap_or(0);
        x.push_str(&format!(
            "    <TargetLanguage Validate=\"{}\">{lang}</TargetLanguage>\n",
            bool_attr(f.contains(V::LANGUAGE))
        ));
        if !s.result.languages.is_empty() {
            let langs: Vec<String> = s.result.languages.iter().map(u16::to_string).collect();
            x.push_str(&format!(
                "    <UpdatedLanguages>{}</UpdatedLanguages>\n",
                langs.join(" ")
            ));
        }
        x.push_str(&format!(
            "    <UpgradeCode Validate=\"{}\">{}</UpgradeCode>\n",
            bool_attr(f.contains(V::UPGRADE_CODE)),
            esc(s.upgrade_code.as_deref().unwrap_or(""))
        ));
        x.push_str("  </TargetProduct>\n");
    }
    for pc in &p.target_product_codes {
        x.push_str(&format!(
            "  <TargetProductCode>{}</TargetProductCode>\n",
            esc(pc)
        ));
    }
    for o in &p.obsoleted_patch_codes {
        x.push_str(&format!("  <ObsoletedPatch>{}</ObsoletedPatch>\n", esc(o)));
    }
    for s in &p.sequence {
        x.push_str("  <SequenceData>\n");
        x.push_str(&format!(
            "    <PatchFamily>{}</PatchFamily>\n",
            esc(&s.family)
        ));
        if let Some(pc) = &s.product_code {
            x.push_str(&format!("    <ProductCode>{}</ProductCode>\n", esc(pc)));
        }
        x.push_str(&format!("    <Sequence>{}</Sequence>\n", esc(&s.sequence)));
        x.push_str(&format!("    <Attributes>{}</Attributes>\n", s.attributes));
        x.push_str("  </SequenceData>\n");
    }
    x.push_str("</MsiPatch>\n");
    x
}
