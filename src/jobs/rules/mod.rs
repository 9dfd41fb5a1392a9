//! Prerequisite rules per KB article: data files (TOML) that say what must be true of a machine
//! before a patch is applied, evaluated against a machine snapshot by `msikit check --snapshot`.
//!
//! A rule file names the KB (`kb`), the patch codes it is for, and a list of `[[require]]`
//! entries, each of one kind:
//!
//! * `product-installed` (`product_code`): the product is installed;
//! * `no-patch-outside-family` (`product_code`, `family`): every applied patch of the product
//!   belongs to that MsiPatchSequence family (interim updates outside a rollup's family must be
//!   removed first); patches are named;
//! * `path-exists` (`path`, `%VAR%` expanded from the snapshot's environment);
//! * `services-not-disabled` (`services` or `service_prefix`): none of these services has start
//!   type Disabled.
//!
//! Built-in files (this folder) are compiled into the binary and picked by the patch's
//! `KBArticle Number` metadata or its patch code; `--rules FILE` gives any other file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::formats::guid::Guid;
use crate::machine::snapshot::{self, Snapshot};

/// The built-in rule files: (name, text).
const BUILT_IN: &[(&str, &str)] = &[("kb930809.toml", include_str!("kb930809.toml"))];

/// A rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub kb: String,
    pub title: String,
    #[serde(default)]
    pub patch_codes: Vec<String>,
    /// Product codes the KB is about (its known issues are looked for when one of them shows up
    /// in what is diagnosed).
    #[serde(default)]
    pub product_codes: Vec<String>,
    #[serde(default, rename = "require")]
    pub requires: Vec<Require>,
    /// The KB's known issues, as `msikit diagnose` recognises them after the fact.
    #[serde(default, rename = "known_issue")]
    pub known_issues: Vec<KnownIssue>,
    /// Where it was read from (a built-in name or a path).
    #[serde(skip)]
    pub source: String,
}

/// One prerequisite.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Require {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub fix: Option<String>,
    pub product_code: Option<String>,
    pub family: Option<String>,
    pub path: Option<String>,
    #[serde(default)]
    pub services: Vec<String>,
    pub service_prefix: Option<String>,
}

/// A known issue of a KB: how it shows after a failed install (events, errors, exit codes,
/// words), why it happens and what to do.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownIssue {
    pub id: String,
    pub title: String,
    pub cause: String,
    /// The steps, in order. `{file}` stands for the files found in use, `{product}` for the
    /// product and `{patch}` for the update.
    #[serde(default)]
    pub workaround: Vec<String>,
    /// The `[[require]]` rule the dry run (`msikit check --snapshot`) checks for it, if any.
    pub dry_run: Option<String>,
    /// Ways it shows; it matches when every field of one of them holds.
    #[serde(rename = "when")]
    pub when: Vec<Symptom>,
}

/// One way a known issue shows. Every non-empty field must hold: one of `events` was logged,
/// one of `errors` appears (a log's `Error NNNN`, an event NNNN + 10000), the install ended
/// with one of `exit_codes`, one of `text` appears in a message (case-insensitive), none of
/// `without_errors` appears.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Symptom {
    #[serde(default)]
    pub events: Vec<u32>,
    #[serde(default)]
    pub errors: Vec<u32>,
    #[serde(default)]
    pub exit_codes: Vec<u32>,
    #[serde(default)]
    pub text: Vec<String>,
    #[serde(default)]
    pub without_errors: Vec<u32>,
}

impl Symptom {
    fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.errors.is_empty()
            && self.exit_codes.is_empty()
            && self.text.is_empty()
    }
}

/// A prerequisite evaluated against a snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: String,
    pub title: String,
    /// `ok`, `failed`, or `unknown` (the snapshot does not say).
    pub result: &'static str,
    pub detail: String,
    /// What to do, when it failed.
    pub fix: Option<String>,
}

fn parse(name: &str, text: &str) -> Result<RuleFile> {
    let mut f: RuleFile = toml::from_str(text).map_err(|e| {
        Error::invalid(format!(
            "not a rule file: {}",
            crate::jobs::authoring::manifest::toml_error(text, &e)
        ))
        .in_file(name)
    })?;
    f.source = name.to_string();
    for k in &f.known_issues {
        if k.when.is_empty() || k.when.iter().any(Symptom::is_empty) {
            return Err(Error::invalid(format!(
                "known issue {} needs [[known_issue.when]] entries, each with events, errors, \
                 exit_codes or text",
                k.id
            ))
            .in_file(name));
        }
        if let Some(d) = &k.dry_run {
            if !f.requires.iter().any(|r| &r.id == d) {
                return Err(Error::invalid(format!(
                    "known issue {}: dry_run names no [[require]] rule {d}",
                    k.id
                ))
                .in_file(name));
            }
        }
    }
    for r in &f.requires {
        let need = |v: bool, field: &str| {
            if v {
                Ok(())
            } else {
                Err(
                    Error::invalid(format!("rule {} ({}) needs {field}", r.id, r.kind))
                        .in_file(name),
                )
            }
        };
        match r.kind.as_str() {
            "product-installed" => need(r.product_code.is_some(), "product_code")?,
            "no-patch-outside-family" => need(
                r.product_code.is_some() && r.family.is_some(),
                "product_code and family",
            )?,
            "path-exists" => need(r.path.is_some(), "path")?,
            "services-not-disabled" => need(
                !r.services.is_empty() || r.service_prefix.is_some(),
                "services or service_prefix",
            )?,
            other => {
                return Err(Error::invalid(format!(
                    "rule {}: unknown kind {other:?} (product-installed, \
                     no-patch-outside-family, path-exists, services-not-disabled)",
                    r.id
                ))
                .in_file(name))
            }
        }
    }
    Ok(f)
}

/// Reads a rule file.
pub fn load(path: &Path) -> Result<RuleFile> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(e).in_file(&name))?;
    parse(&name, &text)
}

/// The built-in rule file for a patch, by its KB article number or patch code.
pub(crate) fn built_in(kb: Option<&str>, patch_code: Option<&str>) -> Result<Option<RuleFile>> {
    for (name, text) in BUILT_IN {
        let f = parse(name, text)?;
        let by_kb = kb.is_some_and(|k| k.trim().trim_start_matches("KB") == f.kb);
        let by_code =
            patch_code.is_some_and(|c| f.patch_codes.iter().any(|p| Guid::same_code(p, c)));
        if by_kb || by_code {
            return Ok(Some(f));
        }
    }
    Ok(None)
}

/// Every built-in rule file.
pub fn built_in_files() -> Result<Vec<RuleFile>> {
    BUILT_IN.iter().map(|(n, t)| parse(n, t)).collect()
}

/// The rules for checking `patch`: the file `given` (`--rules`), else the built-in file for the
/// patch's KB article (MsiPatchMetadata "KBArticle Number") or patch code, if there is one.
pub fn for_patch(given: Option<&Path>, patch: &Path) -> Result<Option<RuleFile>> {
    match given {
        Some(r) => load(r).map(Some),
        None => {
            let info = crate::views::patch::info(patch)?;
            built_in(
                info.metadata("KBArticle Number"),
                info.patch_code.as_deref(),
            )
        }
    }
}

/// Evaluates every prerequisite of `rules` against `snap`.
pub(crate) fn evaluate(rules: &RuleFile, snap: &Snapshot) -> Vec<Finding> {
    rules
        .requires
        .iter()
        .map(|r| evaluate_one(r, snap))
        .collect()
}

fn evaluate_one(r: &Require, snap: &Snapshot) -> Finding {
    let (result, detail) = match r.kind.as_str() {
        "product-installed" => {
            let code = r.product_code.as_deref().unwrap_or("");
            match snap.product(code) {
                Some(p) => ("ok", format!("{} {} is installed", p.name, p.version)),
                None => ("failed", format!("product {code} is not installed")),
            }
        }
        "no-patch-outside-family" => {
            let code = r.product_code.as_deref().unwrap_or("");
            let family = r.family.as_deref().unwrap_or("");
            match snap.product(code) {
                None => ("ok", format!("product {code} is not installed")),
                Some(p) => {
                    let outside: Vec<String> = p
                        .patches
                        .iter()
                        .filter(|x| matches!(x.state, snapshot::PatchState::Applied))
                        .filter(|x| !x.sequences.iter().any(|s| s.family == family))
                        .map(|x| match &x.display_name {
                            Some(n) => format!("{n} {}", x.patch_code),
                            None => x.patch_code.clone(),
                        })
                        .collect();
                    if outside.is_empty() {
                        (
                            "ok",
                            format!("no applied patch outside the family {family}"),
                        )
                    } else {
                        (
                            "failed",
                            format!(
                                "applied outside the family {family}: {}",
                                outside.join("; ")
                            ),
                        )
                    }
                }
            }
        }
        "path-exists" => {
            let path = r.path.as_deref().unwrap_or("");
            let expanded = snap.expand_env(path);
            match snap.path_exists(path) {
                Some(true) => ("ok", format!("{expanded} exists")),
                Some(false) => ("failed", format!("{expanded} does not exist")),
                None => (
                    "unknown",
                    format!("the snapshot does not say whether {expanded} exists"),
                ),
            }
        }
        "services-not-disabled" => {
            let disabled: Vec<String> = snap
                .services
                .iter()
                .filter(|s| {
                    r.services.iter().any(|n| n.eq_ignore_ascii_case(&s.name))
                        || r.service_prefix.as_deref().is_some_and(|p| {
                            s.name
                                .to_ascii_lowercase()
                                .starts_with(&p.to_ascii_lowercase())
                        })
                })
                .filter(|s| matches!(s.start_type, snapshot::StartType::Disabled))
                .map(|s| s.name.clone())
                .collect();
            if disabled.is_empty() {
                ("ok", "none is disabled".to_string())
            } else {
                ("failed", format!("disabled: {}", disabled.join(", ")))
            }
        }
        other => ("unknown", format!("unknown rule kind {other}")),
    };
    Finding {
        id: r.id.clone(),
        title: r.title.clone(),
        result,
        detail,
        fix: (result == "failed").then(|| r.fix.clone()).flatten(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_file_parses_and_is_found_by_kb_and_code() {
        let f = built_in(Some("930809"), None).unwrap().unwrap();
        assert_eq!(f.requires.len(), 4);
        assert!(built_in(Some("KB930809"), None).unwrap().is_some());
        assert!(
            built_in(None, Some("{dcf5afe2-e80a-42fb-a60d-a3b75e8ec394}"))
                .unwrap()
                .is_some()
        );
        assert!(built_in(Some("1"), None).unwrap().is_none());
    }

    #[test]
    fn bad_rule_files_name_the_rule() {
        let e = parse(
            "r.toml",
            "kb='1'\ntitle='t'\n[[require]]\nid='x'\nkind='path-exists'\ntitle='t'\n",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("rule x (path-exists) needs path"),
            "{e}"
        );
        let e = parse(
            "r.toml",
            "kb='1'\ntitle='t'\n[[require]]\nid='y'\nkind='nope'\ntitle='t'\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("unknown kind"), "{e}");
    }
}
