//! Look-ups in a snapshot, compared as Windows compares: GUIDs, names and paths without case.

use std::fmt;

use serde::Serialize;

use super::{
    InstallContext, Patch, PatchState, PathFact, PathKind, Process, Product, Service, Snapshot,
};
use crate::formats::guid::Guid;
use crate::formats::winpath::{self, eq_fold, WinPath};

// ------------------------------------------------------------------------------------------------
// Look-ups
// ------------------------------------------------------------------------------------------------

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
            .filter(|p| Guid::same_code(&p.product_code, code));
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
    pub(crate) fn expand_env(&self, text: &str) -> String {
        winpath::expand_env(text, &|name| self.env(name).map(str::to_string))
    }

    /// A path on this machine as a [`WinPath`]: variables expanded from the snapshot's
    /// environment (the well-known folders it lacks from [`winpath::default_env`]).
    pub(crate) fn win_path(&self, path: &str) -> WinPath {
        WinPath::with_env(path, &|name| self.env(name).map(str::to_string))
    }

    /// The comparison key of a path on this machine: `Snapshot::win_path`'s key.
    pub fn path_key(&self, path: &str) -> String {
        self.win_path(path).into_key()
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
    pub(crate) fn path_exists(&self, path: &str) -> Option<bool> {
        let key = self.win_path(path);
        let mut below_exists = false;
        let mut above_missing = false;
        for fact in &self.paths {
            let fkey = self.win_path(&fact.path);
            if fkey == key {
                return Some(fact.exists);
            }
            if fact.exists && fkey.within(&key) {
                below_exists = true;
            } else if key.within(&fkey) && (!fact.exists || fact.kind == Some(PathKind::File)) {
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
        self.patches
            .iter()
            .find(|p| Guid::same_code(&p.patch_code, code))
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
