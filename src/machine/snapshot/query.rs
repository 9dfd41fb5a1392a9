//! Look-ups in a snapshot, compared as Windows compares: GUIDs, names and paths without case.

use std::fmt;

use serde::Serialize;

pub use super::validate::is_guid;
use super::{
    InstallContext, Patch, PatchState, PathFact, PathKind, Process, Product, Service, Snapshot,
};

// ------------------------------------------------------------------------------------------------
// Look-ups
// ------------------------------------------------------------------------------------------------

/// Compares two GUIDs as Windows does: case-insensitively, braces optional on either side.
pub fn guid_eq(a: &str, b: &str) -> bool {
    fn bare(s: &str) -> &str {
        let s = s.trim();
        s.strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .unwrap_or(s)
    }
    bare(a).eq_ignore_ascii_case(bare(b))
}

/// The packed form of a GUID that Windows Installer uses in registry key names: the first three
/// groups reversed character by character, each of the last eight bytes with its two hex digits
/// swapped, no braces or hyphens. `{24B2C164-DE66-44FE-B468-A46D9D5E6B31}` packs to
/// `461C2B4266EDEF444B864AD6D9E5B613`. `None` when `guid` is not a GUID.
pub fn pack_guid(guid: &str) -> Option<String> {
    let braced;
    let g = if guid.starts_with('{') {
        guid
    } else {
        braced = format!("{{{guid}}}");
        &braced
    };
    if !is_guid(g) {
        return None;
    }
    let hex: Vec<char> = g.chars().filter(char::is_ascii_hexdigit).collect();
    let mut out = String::with_capacity(32);
    out.extend(hex[0..8].iter().rev());
    out.extend(hex[8..12].iter().rev());
    out.extend(hex[12..16].iter().rev());
    for pair in hex[16..32].chunks_exact(2) {
        out.push(pair[1]);
        out.push(pair[0]);
    }
    Some(out.to_ascii_uppercase())
}

/// The GUID, upper case with braces, from its packed registry form; `None` when `packed` is
/// not 32 hex digits.
pub fn unpack_guid(packed: &str) -> Option<String> {
    if packed.len() != 32 || !packed.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let h: Vec<char> = packed.to_ascii_uppercase().chars().collect();
    let mut out = String::with_capacity(38);
    out.push('{');
    out.extend(h[0..8].iter().rev());
    out.push('-');
    out.extend(h[8..12].iter().rev());
    out.push('-');
    out.extend(h[12..16].iter().rev());
    out.push('-');
    for (n, pair) in h[16..32].chunks_exact(2).enumerate() {
        if n == 2 {
            out.push('-');
        }
        out.push(pair[1]);
        out.push(pair[0]);
    }
    out.push('}');
    Some(out)
}

/// Case folding for names Windows compares without case.
pub(super) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn eq_fold(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

/// A Windows path reduced to a key that compares as Windows compares paths: quotes around it
/// dropped, `/` read as `\`, a `\\?\` prefix dropped, `.` and `..` segments resolved, repeated
/// and trailing separators dropped (a drive root keeps its `\`), lower case. Environment
/// variables are not expanded here; [`Snapshot::path_key`] does that first.
pub fn windows_path_key(path: &str) -> String {
    let p = path.trim();
    let p = p
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(p);
    let p = p.replace('/', "\\");
    let p = if let Some(rest) = p.strip_prefix("\\\\?\\UNC\\") {
        format!("\\\\{rest}")
    } else if let Some(rest) = p.strip_prefix("\\\\?\\") {
        rest.to_string()
    } else {
        p
    };
    // The part that `..` cannot climb out of: `c:`, `\\server\share`, `\` or nothing.
    let (root, rest, sep_after_root) = if let Some(unc) = p.strip_prefix("\\\\") {
        let mut parts = unc.splitn(3, '\\');
        let server = parts.next().unwrap_or("");
        let share = parts.next().unwrap_or("");
        let rest = parts.next().unwrap_or("");
        (format!("\\\\{server}\\{share}"), rest.to_string(), true)
    } else if p.len() >= 2 && p.as_bytes()[1] == b':' && p.is_char_boundary(2) {
        let rest = &p[2..];
        let absolute = rest.starts_with('\\');
        (p[..2].to_string(), rest.to_string(), absolute)
    } else if let Some(rest) = p.strip_prefix('\\') {
        (String::new(), rest.to_string(), true)
    } else {
        (String::new(), p.clone(), false)
    };
    let mut segments: Vec<&str> = Vec::new();
    for seg in rest.split('\\') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut key = root;
    let drive_root = key.len() == 2 && sep_after_root;
    if sep_after_root && (drive_root || key.is_empty() || !segments.is_empty()) {
        key.push('\\');
    }
    key.push_str(&segments.join("\\"));
    fold(&key)
}

/// `child` is `parent` or lies below it; both are keys from [`windows_path_key`].
fn key_within(child: &str, parent: &str) -> bool {
    child == parent
        || (child.starts_with(parent)
            && (parent.ends_with('\\') || child[parent.len()..].starts_with('\\')))
}

/// How a process uses a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FileUse<'a> {
    #[serde(skip)]
    pub process: &'a Process,
    /// The file is the process's executable.
    pub image: bool,
    /// The file is among its loaded modules.
    pub module: bool,
    /// The process holds the file open.
    pub open: bool,
}

impl Snapshot {
    /// The installed product with this product code (case-insensitive, braces optional); a
    /// per-machine installation is preferred when the same code is also installed per user.
    pub fn product(&self, code: &str) -> Option<&Product> {
        let mut matching = self
            .products
            .iter()
            .filter(|p| guid_eq(&p.product_code, code));
        let first = matching.next()?;
        if first.install_context == InstallContext::Machine {
            return Some(first);
        }
        Some(
            matching
                .find(|p| p.install_context == InstallContext::Machine)
                .unwrap_or(first),
        )
    }

    /// An environment variable, the name compared without case.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.environment
            .iter()
            .find(|(k, _)| eq_fold(k, name))
            .map(|(_, v)| v.as_str())
    }

    /// Expands `%NAME%` from the snapshot's environment, as ExpandEnvironmentStrings does: in one
    /// pass, an unknown name left as it is.
    pub fn expand_env(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            match after.find('%') {
                Some(j) => {
                    let name = &after[..j];
                    match (!name.is_empty()).then(|| self.env(name)).flatten() {
                        Some(value) => {
                            out.push_str(value);
                            rest = &after[j + 1..];
                        }
                        None => {
                            out.push('%');
                            rest = after;
                        }
                    }
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The comparison key of a path on this machine: variables expanded, then
    /// [`windows_path_key`].
    pub fn path_key(&self, path: &str) -> String {
        windows_path_key(&self.expand_env(path))
    }

    /// Whether two paths name the same file on this machine.
    pub fn same_path(&self, a: &str, b: &str) -> bool {
        self.path_key(a) == self.path_key(b)
    }

    /// The path fact recorded for exactly this path.
    pub fn path_fact(&self, path: &str) -> Option<&PathFact> {
        let key = self.path_key(path);
        self.paths.iter().find(|f| self.path_key(&f.path) == key)
    }

    /// Whether `path` exists, as far as the path facts tell: a fact for the path itself; else
    /// `true` when something below it exists; else `false` when a folder above it is missing or
    /// is a file. `None` when the snapshot does not say.
    pub fn path_exists(&self, path: &str) -> Option<bool> {
        let key = self.path_key(path);
        let mut below_exists = false;
        let mut above_missing = false;
        for fact in &self.paths {
            let fkey = self.path_key(&fact.path);
            if fkey == key {
                return Some(fact.exists);
            }
            if fact.exists && key_within(&fkey, &key) {
                below_exists = true;
            } else if key_within(&key, &fkey) && (!fact.exists || fact.kind == Some(PathKind::File))
            {
                above_missing = true;
            }
        }
        if below_exists {
            Some(true)
        } else if above_missing {
            Some(false)
        } else {
            None
        }
    }

    /// The service with this short name, compared without case.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| eq_fold(&s.name, name))
    }

    /// The process with this id.
    pub fn process(&self, pid: u32) -> Option<&Process> {
        self.processes.iter().find(|p| p.pid == pid)
    }

    /// The process a running service lives in.
    pub fn service_process(&self, name: &str) -> Option<&Process> {
        let pid = self.service(name)?.process_id?;
        self.process(pid)
    }

    /// Every process that has `path` as its executable, among its modules or open, in snapshot
    /// order. Paths are compared with [`Snapshot::path_key`].
    pub fn processes_using(&self, path: &str) -> Vec<FileUse<'_>> {
        let key = self.path_key(path);
        let hit = |list: &Option<Vec<String>>| {
            list.as_ref()
                .is_some_and(|l| l.iter().any(|p| self.path_key(p) == key))
        };
        self.processes
            .iter()
            .filter_map(|p| {
                let image = p
                    .image_path
                    .as_ref()
                    .is_some_and(|i| self.path_key(i) == key);
                let module = hit(&p.modules);
                let open = hit(&p.open_files);
                (image || module || open).then_some(FileUse {
                    process: p,
                    image,
                    module,
                    open,
                })
            })
            .collect()
    }
}

impl Product {
    /// The patch with this patch code (case-insensitive, braces optional).
    pub fn patch(&self, code: &str) -> Option<&Patch> {
        self.patches.iter().find(|p| guid_eq(&p.patch_code, code))
    }

    /// The patches in one state.
    pub fn patches_in(&self, state: PatchState) -> impl Iterator<Item = &Patch> {
        self.patches.iter().filter(move |p| p.state == state)
    }
}

impl fmt::Display for PatchState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatchState::Applied => "applied",
            PatchState::Superseded => "superseded",
            PatchState::Obsoleted => "obsoleted",
            PatchState::Registered => "registered",
        })
    }
}
