//! Checks after parsing: list lengths, then GUID, version and time syntax, names given twice and
//! facts that contradict each other, each error naming its field path.

use std::collections::HashSet;

use super::{Snapshot, MAX_ENTRIES, MAX_FILE_BYTES};
use crate::formats::guid::{Guid, NotAGuid};
use crate::formats::winpath::fold;
use crate::{Error, Result};

/// What one read may hold: the file's size and the entries of any one list.
pub(super) struct Limits {
    pub(super) file_bytes: u64,
    pub(super) entries: usize,
}

impl Limits {
    pub(super) const DEFAULT: Limits = Limits {
        file_bytes: MAX_FILE_BYTES,
        entries: MAX_ENTRIES,
    };
}

// ------------------------------------------------------------------------------------------------
// Checks after parsing
// ------------------------------------------------------------------------------------------------

pub(super) fn validate(s: &Snapshot, limits: &Limits) -> Result<()> {
    let max = limits.entries;
    let count = |list: &str, n: usize| -> Result<()> {
        if n > max {
            return Err(Error::limit(format!(
                "{n} entries, more than the {max} a snapshot may hold"
            ))
            .at(list.to_string()));
        }
        Ok(())
    };
    count("environment", s.environment.len())?;
    count("products", s.products.len())?;
    count("services", s.services.len())?;
    count("processes", s.processes.len())?;
    count("paths", s.paths.len())?;
    count("warnings", s.warnings.len())?;
    let patches: usize = s.products.iter().map(|p| p.patches.len()).sum();
    if patches > max {
        return Err(Error::limit(format!(
            "{patches} patches over all products, more than the {max} a snapshot may hold"
        ))
        .at("products[].patches"));
    }
    let held: usize = s
        .processes
        .iter()
        .map(|p| p.modules.as_ref().map_or(0, Vec::len) + p.open_files.as_ref().map_or(0, Vec::len))
        .sum();
    if held > max {
        return Err(Error::limit(format!(
            "{held} modules and open files over all processes, more than the {max} a snapshot may hold"
        ))
        .at("processes[].modules"));
    }

    let bad = |path: String, msg: String| Err(Error::malformed(msg).at(path));

    if !is_timestamp(&s.collected_at) {
        return bad(
            "collected_at".into(),
            format!(
                "`{}` is not an RFC 3339 time (2007-04-23T08:15:00Z)",
                s.collected_at
            ),
        );
    }
    if s.computer_name.trim().is_empty() {
        return bad("computer_name".into(), "empty".into());
    }
    if !is_version(&s.os.version) {
        return bad(
            "os.version".into(),
            format!("`{}` is not a version (5.2.3790)", s.os.version),
        );
    }

    let mut seen = HashSet::new();
    for name in s.environment.keys() {
        if name.is_empty() {
            return bad("environment".into(), "an empty variable name".into());
        }
        if !seen.insert(fold(name)) {
            return bad(
                format!("environment{}", key_segment(name)),
                "named twice (names differ only in case)".into(),
            );
        }
    }

    for (i, p) in s.products.iter().enumerate() {
        let at = |field: &str| format!("products[{i}].{field}");
        if !is_guid(&p.product_code) {
            return bad(at("product_code"), not_guid(&p.product_code));
        }
        if let Some(u) = &p.upgrade_code {
            if !is_guid(u) {
                return bad(at("upgrade_code"), not_guid(u));
            }
        }
        if !is_version(&p.version) {
            return bad(
                at("version"),
                format!("`{}` is not a version (8.0.685.24)", p.version),
            );
        }
        let mut codes = HashSet::new();
        for (j, patch) in p.patches.iter().enumerate() {
            let at = |field: &str| format!("products[{i}].patches[{j}].{field}");
            if !is_guid(&patch.patch_code) {
                return bad(at("patch_code"), not_guid(&patch.patch_code));
            }
            if !codes.insert(patch.patch_code.to_ascii_uppercase()) {
                return bad(
                    at("patch_code"),
                    format!("{} is listed twice for this product", patch.patch_code),
                );
            }
            for (k, seq) in patch.sequences.iter().enumerate() {
                let at = |field: &str| format!("products[{i}].patches[{j}].sequences[{k}].{field}");
                if seq.family.is_empty() {
                    return bad(at("family"), "empty".into());
                }
                if !is_version(&seq.sequence) {
                    return bad(
                        at("sequence"),
                        format!("`{}` is not in version syntax (8.0.708.3)", seq.sequence),
                    );
                }
                if let Some(code) = &seq.product_code {
                    if !is_guid(code) {
                        return bad(at("product_code"), not_guid(code));
                    }
                }
            }
        }
    }

    let mut names = HashSet::new();
    for (i, svc) in s.services.iter().enumerate() {
        if svc.name.is_empty() {
            return bad(format!("services[{i}].name"), "empty".into());
        }
        if !names.insert(fold(&svc.name)) {
            return bad(
                format!("services[{i}].name"),
                format!("service `{}` is listed twice", svc.name),
            );
        }
    }

    let mut pids = HashSet::new();
    for (i, p) in s.processes.iter().enumerate() {
        if p.name.is_empty() {
            return bad(format!("processes[{i}].name"), "empty".into());
        }
        if !pids.insert(p.pid) {
            return bad(
                format!("processes[{i}].pid"),
                format!("process id {} is listed twice", p.pid),
            );
        }
    }

    for (i, f) in s.paths.iter().enumerate() {
        if f.path.trim().is_empty() {
            return bad(format!("paths[{i}].path"), "empty".into());
        }
        match (f.exists, f.kind) {
            (true, None) => {
                return bad(
                    format!("paths[{i}].kind"),
                    "missing: a path that exists is a `file` or a `dir`".into(),
                )
            }
            (false, Some(_)) => {
                return bad(
                    format!("paths[{i}].kind"),
                    "given for a path that does not exist".into(),
                )
            }
            _ => {}
        }
    }
    Ok(())
}

fn is_guid(s: &str) -> bool {
    Guid::parse(s).is_some()
}

fn not_guid(s: &str) -> String {
    NotAGuid(s.to_string()).to_string()
}

/// Version syntax: one to four dot-separated decimal fields, each at most 65535.
pub(super) fn is_version(s: &str) -> bool {
    let fields: Vec<&str> = s.split('.').collect();
    (1..=4).contains(&fields.len())
        && fields.iter().all(|f| {
            !f.is_empty()
                && f.len() <= 5
                && f.bytes().all(|c| c.is_ascii_digit())
                && f.parse::<u32>().is_ok_and(|v| v <= 65535)
        })
}

/// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or `+HH:MM` / `-HH:MM`.
pub(super) fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20
        || !(digits(0..4)
            && b[4] == b'-'
            && digits(5..7)
            && b[7] == b'-'
            && digits(8..10)
            && (b[10] == b'T' || b[10] == b't')
            && digits(11..13)
            && b[13] == b':'
            && digits(14..16)
            && b[16] == b':'
            && digits(17..19))
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit()),
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------------
// Field paths in errors
// ------------------------------------------------------------------------------------------------

/// `.name` for a plain identifier, `["ProgramFiles(x86)"]` otherwise.
pub(super) fn key_segment(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!(".{key}")
    } else {
        format!("[{key:?}]")
    }
}
