//! Files in use: which running processes of a machine snapshot hold files a patch replaces, and
//! what the install will then do (`msikit locks PATCH.msp --snapshot SERVER.json --msi T.msi`).
//!
//! The target path of every file the patch carries comes from [`crate::views::patch::files`] against
//! the target package (its Directory table, with the snapshot's installed product properties and
//! its `ProgramFiles` folders), compared case-insensitively with each process's image, loaded
//! modules and open files.
//!
//! What Windows Installer does with a file in use, in script order: InstallValidate (sequence
//! 1400) looks for processes holding files it will replace and, in a UI install, shows the
//! FilesInUse dialog; it runs before StopServices (1900), so even a service the package stops is
//! listed there. With `/qn` (and Microsoft Update) no dialog appears. StopServices then stops the
//! services of the package's ServiceControl rows (stop-on-install events), which frees their
//! files. At InstallFiles (4000) a file still held is handled by how it is held: an image or a
//! loaded module can be renamed, so the new file is put in place at the next restart (the install
//! ends with 3010, ERROR_SUCCESS_REBOOT_REQUIRED); a file opened without delete sharing cannot,
//! which is error 1306 ("another application has exclusive access"), and a silent install then
//! fails and rolls back with 1603, leaving the services it stopped stopped (KB930809 known
//! issue 1, events 11306, 1023 and 11729).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::formats::winpath::WinPath;
use crate::machine::snapshot::Snapshot;

/// How a process holds a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hold {
    /// The process's own program.
    Image,
    /// A loaded DLL.
    Module,
    /// An open handle.
    Open,
}

/// What happens to a holder's files at install time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LockOutcome {
    /// The package's StopServices stops the holder before InstallFiles.
    #[serde(rename = "freed-by-stopservices")]
    FreedByStopServices,
    /// Renamed and replaced at the next restart (3010, ERROR_SUCCESS_REBOOT_REQUIRED).
    #[serde(rename = "reboot-3010")]
    Reboot3010,
    /// Open without delete sharing: error 1306, and a silent install fails with 1603.
    #[serde(rename = "error-1306")]
    Error1306,
}

impl LockOutcome {
    /// The word JSON and the human table show (`freed-by-stopservices`...).
    pub fn as_str(self) -> &'static str {
        match self {
            LockOutcome::FreedByStopServices => "freed-by-stopservices",
            LockOutcome::Reboot3010 => "reboot-3010",
            LockOutcome::Error1306 => "error-1306",
        }
    }
}

impl std::fmt::Display for LockOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a silent (`/qn`) install is predicted to end with; JSON and the human output show it as
/// a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilentOutcome {
    /// Error 1306 then 1603, the stopped services left stopped.
    Fails1306,
    /// Success with 3010: a restart completes the replacement.
    Reboot3010,
    /// Success: no file stays in use.
    Succeeds,
}

impl std::fmt::Display for SilentOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SilentOutcome::Fails1306 => {
                "fails: error 1306 (file in use) then 1603; the services StopServices stopped are \
                 left stopped (KB930809 known issue 1; events 11306, 1023, 11729)"
            }
            SilentOutcome::Reboot3010 => {
                "succeeds with 3010: a restart completes the replacement of files in use"
            }
            SilentOutcome::Succeeds => "succeeds: no file the patch replaces stays in use",
        })
    }
}

impl Serialize for SilentOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What an interactive install shows; JSON and the human output show it as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InteractiveOutcome {
    /// No process holds a replaced file.
    NoDialog,
    /// The FilesInUse dialog, listing these processes (`name (pid)`).
    FilesInUse(Vec<String>),
}

impl std::fmt::Display for InteractiveOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InteractiveOutcome::NoDialog => f.write_str("no FilesInUse dialog"),
            InteractiveOutcome::FilesInUse(names) => {
                write!(f, "FilesInUse dialog listing {}", names.join(", "))
            }
        }
    }
}

impl Serialize for InteractiveOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One held file.
#[derive(Debug, Clone, Serialize)]
pub struct HeldFile {
    pub file: String,
    pub path: String,
    pub how: Hold,
}

/// A process that holds files the patch replaces.
#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    pub pid: u32,
    pub process: String,
    pub services: Vec<String>,
    pub files: Vec<HeldFile>,
    /// The services of this process the package stops before InstallFiles.
    pub stopped_by_package: Vec<String>,
    /// What happens to its files: `freed-by-stopservices`, `reboot-3010`, `error-1306`.
    pub outcome: LockOutcome,
    pub explanation: String,
}

/// `msikit locks`.
#[derive(Debug, Clone, Serialize)]
pub struct LocksReport {
    pub patch: String,
    pub computer: String,
    /// Files the patch replaces, with their target paths.
    pub files: Vec<(String, String)>,
    pub holders: Vec<Holder>,
    /// The services the package's ServiceControl table stops on install.
    pub services_stopped_by_package: Vec<String>,
    /// What a silent (`/qn`) install is predicted to end with.
    pub silent_outcome: SilentOutcome,
    /// What an interactive install shows.
    pub interactive_outcome: InteractiveOutcome,
    /// What to do before installing, in order.
    pub actions: Vec<String>,
}

/// A Windows path for comparison, without a snapshot's environment: [`WinPath`]'s key (the
/// same key as [`Snapshot::path_key`] for a path without `%NAME%` variables).
pub fn path_key(p: &str) -> String {
    WinPath::new(p).into_key()
}

/// Properties for path resolution from the snapshot: the product's own (INSTALLDIR, ...) and
/// the 64- and 32-bit program folders from its environment.
fn properties(snap: &Snapshot, product_code: Option<&str>) -> HashMap<String, String> {
    let mut props = HashMap::new();
    let dir = |v: &str| format!("{}\\", v.trim_end_matches('\\'));
    if let Some(pf) = snap.env("ProgramFiles") {
        props.insert("ProgramFiles64Folder".to_string(), dir(pf));
    }
    if let Some(pf) = snap.env("ProgramFiles(x86)") {
        props.insert("ProgramFilesFolder".to_string(), dir(pf));
    }
    if let Some(w) = snap.env("windir") {
        props.insert("WindowsFolder".to_string(), dir(w));
    }
    if let Some(p) = product_code.and_then(|c| snap.product(c)) {
        for (k, v) in &p.properties {
            props.insert(k.clone(), v.clone());
        }
    }
    props
}

/// Predicts the files in use for `patch` on the machine of `snap`, with `msi` the target package.
pub fn predict(patch: &Path, msi: &Path, snap: &Snapshot) -> Result<LocksReport> {
    let targets = replaced_files(patch, msi, snap)?;

    // Services the package stops on install (ServiceControl, event bit 0x02), after patching.
    let applied = crate::views::transform::apply_files(msi, &[patch], None, None)?;
    let mut stops: BTreeSet<String> = BTreeSet::new();
    if let Some(t) = applied.model.table("ServiceControl") {
        let (name, event) = (t.def.column_index("Name"), t.def.column_index("Event"));
        if let (Some(n), Some(e)) = (name, event) {
            for r in &t.rows {
                if let (
                    crate::formats::tables::Value::Str(s),
                    crate::formats::tables::Value::Int(ev),
                ) = (&r[n], &r[e])
                {
                    if ev & 0x02 != 0 {
                        stops.insert(s.clone());
                    }
                }
            }
        }
    }
    let holders = match_holders(&targets, &stops, snap);
    let any = |o: LockOutcome| holders.iter().any(|h| h.outcome == o);
    let silent_outcome = if any(LockOutcome::Error1306) {
        SilentOutcome::Fails1306
    } else if any(LockOutcome::Reboot3010) {
        SilentOutcome::Reboot3010
    } else {
        SilentOutcome::Succeeds
    };
    let interactive_outcome = if holders.is_empty() {
        InteractiveOutcome::NoDialog
    } else {
        InteractiveOutcome::FilesInUse(
            holders
                .iter()
                .map(|h| format!("{} ({})", h.process, h.pid))
                .collect(),
        )
    };
    let mut actions = Vec::new();
    for h in holders
        .iter()
        .filter(|h| h.outcome != LockOutcome::FreedByStopServices)
    {
        if h.services.is_empty() {
            actions.push(format!("stop process {} (pid {})", h.process, h.pid));
        } else {
            actions.push(format!(
                "stop service {} (process {}, pid {})",
                h.services.join(", "),
                h.process,
                h.pid
            ));
        }
    }
    if actions.is_empty() && !holders.is_empty() {
        actions.push(
            "nothing to stop by hand: the package stops every holder; install interactively \
             or accept the FilesInUse check"
                .to_string(),
        );
    }
    Ok(LocksReport {
        patch: patch.display().to_string(),
        computer: snap.computer_name.clone(),
        files: targets.into_values().collect(),
        holders,
        services_stopped_by_package: stops.into_iter().collect(),
        silent_outcome,
        interactive_outcome,
        actions,
    })
}

/// The files `patch` replaces on the machine of `snap`, with `msi` the target package: by
/// [`Snapshot::path_key`] of the target path, the File key and the target path.
pub fn replaced_files(
    patch: &Path,
    msi: &Path,
    snap: &Snapshot,
) -> Result<BTreeMap<String, (String, String)>> {
    let info = crate::views::patch::info(patch)?;
    let product = info
        .target_product_codes
        .iter()
        .find(|c| snap.product(c).is_some())
        .cloned();
    let props = properties(snap, product.as_deref());
    let pf = crate::views::patch::files::files(patch, Some(msi), &props)?;
    let mut targets: BTreeMap<String, (String, String)> = BTreeMap::new();
    for f in &pf.files {
        if let Some(p) = &f.target_path {
            targets.insert(snap.path_key(p), (f.file.clone(), p.clone()));
        }
    }
    Ok(targets)
}

/// The processes of `snap` that hold a file of `targets` (by [`Snapshot::path_key`]: File key and target
/// path), with the predicted outcome for each; `stops` are the services the package stops on
/// install. One hash look-up per image, module and open file.
pub fn match_holders(
    targets: &BTreeMap<String, (String, String)>,
    stops: &BTreeSet<String>,
    snap: &Snapshot,
) -> Vec<Holder> {
    let stops_lower: HashSet<String> = stops.iter().map(|s| s.to_lowercase()).collect();
    let stops_ci = |s: &str| stops_lower.contains(&s.to_lowercase());
    let targets: HashMap<&str, &(String, String)> =
        targets.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut holders = Vec::new();
    for p in &snap.processes {
        let mut held: Vec<HeldFile> = Vec::new();
        let mut look = |path: &str, how: Hold| {
            if let Some((file, target)) = targets.get(snap.path_key(path).as_str()).copied() {
                if !held.iter().any(|h| h.file == *file) {
                    held.push(HeldFile {
                        file: file.clone(),
                        path: target.clone(),
                        how,
                    });
                }
            }
        };
        if let Some(img) = &p.image_path {
            look(img, Hold::Image);
        }
        for m in p.modules.iter().flatten() {
            look(m, Hold::Module);
        }
        for o in p.open_files.iter().flatten() {
            look(o, Hold::Open);
        }
        if held.is_empty() {
            continue;
        }
        // A service's process is the one the snapshot's service entry names, or that lists it.
        let mut services: Vec<String> = p.services.clone();
        for s in &snap.services {
            if s.process_id == Some(p.pid)
                && !services.iter().any(|x| x.eq_ignore_ascii_case(&s.name))
            {
                services.push(s.name.clone());
            }
        }
        let mut stopped: Vec<String> = services.iter().filter(|s| stops_ci(s)).cloned().collect();
        // A worker started by a service's process (w3wp.exe under W3SVC's svchost) ends with it.
        let mut via_parent = None;
        if stopped.is_empty() {
            if let Some(parent) = p.parent_pid.and_then(|pp| snap.process(pp)) {
                let theirs: Vec<String> = snap
                    .services
                    .iter()
                    .filter(|s| s.process_id == Some(parent.pid))
                    .map(|s| s.name.clone())
                    .chain(parent.services.iter().cloned())
                    .filter(|s| stops_ci(s))
                    .collect();
                if let Some(first) = theirs.first() {
                    via_parent = Some(format!("{} ({})", parent.name, parent.pid));
                    stopped.push(first.clone());
                }
            }
        }
        let exclusive = held.iter().any(|h| h.how == Hold::Open);
        let (outcome, explanation) = if !stopped.is_empty() {
            (
                LockOutcome::FreedByStopServices,
                format!(
                    "StopServices stops {}{} before InstallFiles; InstallValidate still lists the \
                     process (it runs first), so an interactive install shows FilesInUse",
                    stopped.join(", "),
                    via_parent
                        .map(|p| format!(", whose process {p} started this one,"))
                        .unwrap_or_default()
                ),
            )
        } else if exclusive {
            (
                LockOutcome::Error1306,
                "open without delete sharing and not stopped by the package: InstallFiles meets \
                 error 1306; a silent install fails with 1603 and leaves the stopped services \
                 stopped"
                    .to_string(),
            )
        } else {
            (
                LockOutcome::Reboot3010,
                "loaded and not stopped by the package: the file is renamed and replaced at the \
                 next restart (3010, reboot required)"
                    .to_string(),
            )
        };
        held.sort_by(|a, b| a.file.cmp(&b.file));
        holders.push(Holder {
            pid: p.pid,
            process: p.name.clone(),
            services,
            files: held,
            stopped_by_package: stopped,
            outcome,
            explanation,
        });
    }

    holders
}
