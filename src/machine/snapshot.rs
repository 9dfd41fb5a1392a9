//! Machine snapshots: one Windows server described as JSON, so that a patch can be tried against
//! it on another machine (`check`, `locks`) without touching the server.
//!
//! A snapshot says what the server had at one moment: the operating system, the environment
//! variables, the Windows Installer products with their patches (and each patch's state and
//! MsiPatchSequence rows), the services, the processes with the modules they have loaded and the
//! files they hold open, and plain facts about paths (does `C:\ExchangeSetupLogs` exist?).
//! `docs/snapshot.md` describes the format, `docs/snapshot.schema.json` is its JSON Schema and
//! `docs/collect-snapshot.ps1` writes one on the server.
//!
//! Reading is strict: every object refuses fields it does not know, so a typing error in a
//! hand-edited snapshot is an error and not a silently ignored fact. An error names the file and
//! the field path (`processes[3].modules[0]: invalid type: integer `5`, expected a string`), with
//! the line and column where serde_json stopped. The file size is checked before anything is
//! read into memory, and list lengths are checked after parsing.
//!
//! Windows compares names case-insensitively; so do the look-ups here: product and patch codes
//! (braces optional), environment variables, service names and paths (`/` or `\`, a trailing
//! `\`, `%SystemDrive%`-style variables expanded from the snapshot's own environment).

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The format version this msikit reads and writes (`"snapshot_version": 1`).
pub const SNAPSHOT_VERSION: u32 = 1;

/// The largest snapshot file read, in bytes (256 MiB). Checked before the file is read.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// The most entries any one list may hold; also the most modules and open files over all
/// processes together, and the most patches over all products together.
pub const MAX_ENTRIES: usize = 1_000_000;

// ------------------------------------------------------------------------------------------------
// The format
// ------------------------------------------------------------------------------------------------

/// One server at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a machine snapshot (a JSON object)")]
pub struct Snapshot {
    /// Always [`SNAPSHOT_VERSION`].
    pub snapshot_version: u32,
    /// When the snapshot was taken, RFC 3339 (`2007-04-23T08:15:00Z`).
    pub collected_at: String,
    /// What wrote the snapshot.
    pub collector: Collector,
    /// The NetBIOS name of the computer (`EXCH01`).
    pub computer_name: String,
    pub os: Os,
    /// The system's environment variables, names as Windows spells them (`SystemDrive`,
    /// `ProgramFiles(x86)`). Look-ups through [`Snapshot::env`] ignore case.
    pub environment: BTreeMap<String, String>,
    /// Windows Installer products, per machine and per user.
    pub products: Vec<Product>,
    pub services: Vec<Service>,
    pub processes: Vec<Process>,
    /// Facts about paths: whether each exists, and whether it is a file or a folder.
    pub paths: Vec<PathFact>,
    /// What the collector could not find out, in words (for people; msikit does not read them).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub warnings: Vec<String>,
}

/// The program that wrote a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Collector {
    /// `collect-snapshot.ps1`, or the name of another tool.
    pub name: String,
    /// The collector's own version (`1.0`).
    pub version: String,
    /// The PowerShell that ran it (`5.1.14393.7155`), when it is a script.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub powershell_version: Option<String>,
    /// Whether it ran as an administrator; without it, modules of other users' processes and
    /// some services' details are missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevated: Option<bool>,
}

/// The operating system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Os {
    /// The product name Windows gives itself (`Microsoft(R) Windows(R) Server 2003 Enterprise
    /// x64 Edition`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// `major.minor.build` (`5.2.3790`).
    pub version: String,
    pub build: u32,
    /// `Service Pack 2`, when one is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_pack: Option<String>,
    pub architecture: Architecture,
    pub product_type: ProductType,
    /// The file version of msi.dll (`3.1.4001.5512`): before 4.0 there is no Restart Manager
    /// and files in use are found by the older process-module scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installer_version: Option<String>,
}

/// The processor architecture of the operating system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    X64,
    X86,
}

/// Win32_OperatingSystem.ProductType (MsiNTProductType): 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductType {
    Workstation,
    DomainController,
    Server,
}

/// An installed Windows Installer product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// `{24B2C164-DE66-44FE-B468-A46D9D5E6B31}`: upper case with braces, as Windows registers it.
    pub product_code: String,
    /// ProductName (`Microsoft Exchange Server`).
    pub name: String,
    /// ProductVersion (`8.0.685.24`).
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade_code: Option<String>,
    /// ProductLanguage, a Windows language id (1033).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// The registered InstallLocation (ARPINSTALLLOCATION), when the product sets it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_location: Option<String>,
    pub install_context: InstallContext,
    /// For a per-user product: the user's SID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_sid: Option<String>,
    /// The cached package in `%windir%\Installer` that Windows Installer opens to patch or
    /// repair the product. A missing cached package makes patching fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_package: Option<String>,
    /// Property values the product was installed with, as far as the collector knows them
    /// (folder properties such as `TARGETDIR`, `INSTALLDIR` or a product's own folder id).
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub properties: BTreeMap<String, String>,
    /// Patches registered for this product, in any state.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub patches: Vec<Patch>,
}

/// Per machine (ALLUSERS=1) or for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstallContext {
    Machine,
    User,
}

/// A patch registered for a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    /// `{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}`.
    pub patch_code: String,
    pub state: PatchState,
    /// MsiPatchMetadata DisplayName, as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The Knowledge Base article number (`930809`), from MsiPatchMetadata `KBArticle Number`
    /// or the display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kb_article: Option<String>,
    /// MsiPatchMetadata Classification (`Update Rollup`, `Hotfix`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// The day it was installed, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<String>,
    /// The cached patch in `%windir%\Installer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_package: Option<String>,
    /// The patch's MsiPatchSequence rows, when the collector could read them from the cached
    /// patch; empty when unknown or when the patch has no such table.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub sequences: Vec<PatchSequence>,
}

/// The registered state of a patch (MsiEnumPatchesEx: 1, 2, 4, 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PatchState {
    Applied,
    Superseded,
    Obsoleted,
    Registered,
}

/// One MsiPatchSequence row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchSequence {
    /// PatchFamily (`Exchange2007Rollup`).
    pub family: String,
    /// Sequence, in version syntax (`8.0.708.3`).
    pub sequence: String,
    /// Attributes bit 1, msidbPatchSequenceSupersedeEarlier.
    pub supersede: bool,
    /// ProductCode, when the row is limited to one product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
}

/// A Windows service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// The short name (`MSExchangeIS`); look-ups ignore case.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub state: ServiceState,
    pub start_type: StartType,
    /// The process the service runs in, while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_id: Option<u32>,
    /// The executable, without quotes and arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_path: Option<String>,
    /// The registered command line, as Windows stores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command_line: Option<String>,
    /// The account it runs as (`LocalSystem`, `NT AUTHORITY\NetworkService`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Services this one needs (DependOnService): stopping one of them stops this one too.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub depends_on: Vec<String>,
}

/// Win32_Service.State.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Running,
    Stopped,
    Paused,
    StartPending,
    StopPending,
    ContinuePending,
    PausePending,
    Unknown,
}

/// The start type: Win32_Service.StartMode, with `Manual` called `demand` as the Service
/// Control Manager and the ServiceInstall table call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartType {
    Boot,
    System,
    Auto,
    Demand,
    Disabled,
}

/// A running process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Process {
    pub pid: u32,
    /// The image name (`store.exe`).
    pub name: String,
    /// The executable's full path, when readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_path: Option<String>,
    /// The process that started it (w3wp.exe's parent hosts W3SVC or WAS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_pid: Option<u32>,
    /// The Terminal Services session; 0 for services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<u32>,
    /// The main window's title; Windows Installer's older files-in-use check only reports
    /// processes that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_title: Option<String>,
    /// The services running in this process.
    #[serde(
        default,
        deserialize_with = "null_as_empty",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub services: Vec<String>,
    /// Full paths of the loaded modules (the executable, DLLs, mapped .NET assemblies); `None`
    /// when they could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modules: Option<Vec<String>>,
    /// Full paths of the files the process holds open; `None` when unknown (PowerShell alone
    /// cannot list handles; the collector uses Sysinternals Handle when given it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_files: Option<Vec<String>>,
}

/// What the collector found at one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFact {
    /// A full path; `%SystemDrive%`-style variables are expanded from the environment.
    pub path: String,
    pub exists: bool,
    /// Present when, and only when, the path exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<PathKind>,
    /// A file's size in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// A file's version resource (`8.0.685.24`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathKind {
    File,
    Dir,
}

/// A list or map that may also be written as `null` (PowerShell writes `$null` that way).
fn null_as_empty<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ------------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------------

/// Reads a snapshot from a file. The size is checked before reading, and reading stops past the
/// limit, so a growing file or a device cannot make it read without end.
pub fn load(path: &Path) -> Result<Snapshot> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(e).in_file(&name))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(e).in_file(&name))?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(too_big(len, MAX_FILE_BYTES).in_file(&name));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(e).in_file(&name))?;
    parse(&name, &bytes)
}

/// Reads a snapshot from bytes; `name` names it in errors. UTF-8, with or without a byte-order
/// mark, and UTF-16 with one (what Windows PowerShell 5.1's `>` writes) are accepted.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Snapshot> {
    parse_limited(bytes, &Limits::DEFAULT).map_err(|e| e.in_file(name))
}

struct Limits {
    file_bytes: u64,
    entries: usize,
}

impl Limits {
    const DEFAULT: Limits = Limits {
        file_bytes: MAX_FILE_BYTES,
        entries: MAX_ENTRIES,
    };
}

fn too_big(len: u64, limit: u64) -> Error {
    Error::limit(format!(
        "{len} bytes, more than the {limit} bytes a snapshot may have"
    ))
}

fn parse_limited(bytes: &[u8], limits: &Limits) -> Result<Snapshot> {
    let len = bytes.len() as u64;
    if len > limits.file_bytes {
        return Err(too_big(len, limits.file_bytes));
    }
    let text = decode_text(bytes)?;
    let text = text.as_ref();
    // The document is read into an ordered tree first (serde_json reports bad JSON with its
    // line and column), then the typed structs are read from the tree, which knows at every
    // step where it is; see `tree`.
    let root: tree::Node = serde_json::from_slice(text)
        .map_err(|e| Error::malformed(format!("not valid JSON: {e}")))?;
    check_version(&root)?;
    let snapshot = Snapshot::deserialize(tree::Reader(&root)).map_err(|pe| {
        // serde_json, reading the text straight into the structs, stops at the same place and
        // knows its line and column.
        let message = match serde_json::from_slice::<Snapshot>(text) {
            Err(e) => format!("{} (line {}, column {})", pe.message, e.line(), e.column()),
            Ok(_) => pe.message.clone(),
        };
        let error = Error::malformed(message);
        if pe.path.is_empty() {
            error
        } else {
            error.at(pe.path_string())
        }
    })?;
    drop(root);
    validate(&snapshot, limits)?;
    Ok(snapshot)
}

/// The bytes as UTF-8: a UTF-8 byte-order mark is skipped, UTF-16 with a mark is converted.
fn decode_text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(Cow::Borrowed(rest));
    }
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        [a, 0, ..] if *a != 0 => {
            return Err(Error::malformed(
                "looks like UTF-16 without a byte-order mark; save the snapshot as UTF-8",
            ))
        }
        _ => return Ok(Cow::Borrowed(bytes)),
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Err(Error::malformed("UTF-16 text with an odd number of bytes"));
    }
    let units = body.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map_err(|e| Error::malformed(format!("UTF-16 text: {e}")))?;
    Ok(Cow::Owned(text.into_bytes()))
}

/// Checks `snapshot_version` before anything else, so that a snapshot of another version is
/// reported as such and not as a list of unknown fields.
fn check_version(root: &tree::Node) -> Result<()> {
    let tree::Node::Object(members) = root else {
        return Err(Error::malformed(format!(
            "a machine snapshot is a JSON object, not {}",
            root.kind()
        )));
    };
    let version = members
        .iter()
        .find(|(k, _)| k == "snapshot_version")
        .map(|(_, v)| v);
    let at = "snapshot_version";
    match version {
        None => Err(Error::malformed("missing: this is not a msikit machine snapshot").at(at)),
        Some(tree::Node::Unsigned(v)) if *v == u64::from(SNAPSHOT_VERSION) => Ok(()),
        Some(tree::Node::Unsigned(v)) => Err(Error::unsupported(format!(
            "version {v}; this msikit reads version {SNAPSHOT_VERSION}"
        ))
        .at(at)),
        Some(other) => Err(Error::malformed(format!(
            "expected the number {SNAPSHOT_VERSION}, found {}",
            other.kind()
        ))
        .at(at)),
    }
}

// ------------------------------------------------------------------------------------------------
// Checks after parsing
// ------------------------------------------------------------------------------------------------

fn validate(s: &Snapshot, limits: &Limits) -> Result<()> {
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

fn not_guid(s: &str) -> String {
    format!("`{s}` is not a GUID in braces ({{24B2C164-DE66-44FE-B468-A46D9D5E6B31}})")
}

/// `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, hex digits in either case.
pub fn is_guid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 38
        && b[0] == b'{'
        && b[37] == b'}'
        && b[1..37].iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Version syntax: one to four dot-separated decimal fields, each at most 65535.
fn is_version(s: &str) -> bool {
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
fn is_timestamp(s: &str) -> bool {
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
fn fold(s: &str) -> String {
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

// ------------------------------------------------------------------------------------------------
// Field paths in errors
// ------------------------------------------------------------------------------------------------

/// `.name` for a plain identifier, `["ProgramFiles(x86)"]` otherwise.
fn key_segment(key: &str) -> String {
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

/// A JSON document as an ordered tree, and a serde deserializer over it that records where an
/// error happened: each level adds its key or array index to the error as it passes through.
/// The tree keeps the document's member order and repeated members (serde_json's own `Value`
/// sorts members and keeps the last of repeated ones), so a repeated member is an error and the
/// first error found is the first in the text. Unlike serde's derived code reading JSON
/// directly, a struct is only read from an object, never from an array of its fields.
mod tree {
    use std::collections::HashSet;
    use std::fmt;

    use serde::de::{
        self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor,
    };
    use serde::Deserialize;

    use super::key_segment;

    pub(super) enum Node {
        Null,
        Bool(bool),
        Unsigned(u64),
        Signed(i64),
        Float(f64),
        Str(String),
        Array(Vec<Node>),
        Object(Vec<(String, Node)>),
    }

    impl Node {
        /// What the node is, in words, for messages.
        pub fn kind(&self) -> &'static str {
            match self {
                Node::Null => "null",
                Node::Bool(_) => "a boolean",
                Node::Unsigned(_) | Node::Signed(_) | Node::Float(_) => "a number",
                Node::Str(_) => "a string",
                Node::Array(_) => "an array",
                Node::Object(_) => "an object",
            }
        }

        fn unexpected(&self) -> Unexpected<'_> {
            match self {
                Node::Null => Unexpected::Other("null"),
                Node::Bool(b) => Unexpected::Bool(*b),
                Node::Unsigned(n) => Unexpected::Unsigned(*n),
                Node::Signed(n) => Unexpected::Signed(*n),
                Node::Float(n) => Unexpected::Float(*n),
                Node::Str(s) => Unexpected::Str(s),
                Node::Array(_) => Unexpected::Seq,
                Node::Object(_) => Unexpected::Map,
            }
        }
    }

    impl<'de> Deserialize<'de> for Node {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Node;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                fn visit_unit<E>(self) -> Result<Node, E> {
                    Ok(Node::Null)
                }
                fn visit_none<E>(self) -> Result<Node, E> {
                    Ok(Node::Null)
                }
                fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                    Node::deserialize(d)
                }
                fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                    Ok(Node::Bool(v))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                    Ok(Node::Unsigned(v))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                    Ok(Node::Signed(v))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                    Ok(Node::Float(v))
                }
                fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                    Ok(Node::Str(v.to_string()))
                }
                fn visit_string<E>(self, v: String) -> Result<Node, E> {
                    Ok(Node::Str(v))
                }
                // No size hint is used: lists grow by the elements actually present.
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                    let mut items = Vec::new();
                    while let Some(item) = a.next_element()? {
                        items.push(item);
                    }
                    Ok(Node::Array(items))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                    let mut members = Vec::new();
                    while let Some(member) = a.next_entry::<String, Node>()? {
                        members.push(member);
                    }
                    Ok(Node::Object(members))
                }
            }
            d.deserialize_any(V)
        }
    }

    #[derive(Debug)]
    pub(super) enum Segment {
        Key(String),
        Index(usize),
    }

    /// An error and where it happened, innermost segment first.
    #[derive(Debug)]
    pub(super) struct PathError {
        pub message: String,
        pub path: Vec<Segment>,
    }

    impl PathError {
        fn within(mut self, segment: Segment) -> Self {
            self.path.push(segment);
            self
        }

        /// `processes[3].modules[0]`.
        pub fn path_string(&self) -> String {
            let mut s = String::new();
            for seg in self.path.iter().rev() {
                match seg {
                    Segment::Index(i) => s.push_str(&format!("[{i}]")),
                    Segment::Key(k) => s.push_str(&key_segment(k)),
                }
            }
            s.strip_prefix('.').map(str::to_string).unwrap_or(s)
        }
    }

    impl fmt::Display for PathError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.message)
        }
    }

    impl std::error::Error for PathError {}

    impl de::Error for PathError {
        fn custom<T: fmt::Display>(msg: T) -> Self {
            PathError {
                message: msg.to_string(),
                path: Vec::new(),
            }
        }
    }

    /// Deserializes from one node of the tree.
    pub(super) struct Reader<'a>(pub &'a Node);

    impl Reader<'_> {
        fn wrong<'de, V: Visitor<'de>, T>(&self, v: &V) -> Result<T, PathError> {
            Err(de::Error::invalid_type(self.0.unexpected(), v))
        }
    }

    /// Methods that take anything but null, read as `deserialize_any` reads it.
    macro_rules! not_null {
        ($($method:ident)*) => {$(
            fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, PathError> {
                match self.0 {
                    Node::Null => self.wrong(&v),
                    _ => self.deserialize_any(v),
                }
            }
        )*};
    }

    impl<'de> de::Deserializer<'de> for Reader<'_> {
        type Error = PathError;

        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, PathError> {
            match self.0 {
                Node::Null => v.visit_unit(),
                Node::Bool(b) => v.visit_bool(*b),
                Node::Unsigned(n) => v.visit_u64(*n),
                Node::Signed(n) => v.visit_i64(*n),
                Node::Float(n) => v.visit_f64(*n),
                Node::Str(s) => v.visit_str(s),
                Node::Array(items) => v.visit_seq(Items {
                    items: items.iter().enumerate(),
                }),
                Node::Object(members) => v.visit_map(Members {
                    members: members.iter(),
                    value: None,
                    seen: HashSet::new(),
                }),
            }
        }

        not_null! {
            deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
            deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
            deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
            deserialize_string deserialize_bytes deserialize_byte_buf deserialize_seq
            deserialize_map deserialize_identifier
        }

        fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, PathError> {
            match self.0 {
                Node::Null => v.visit_none(),
                _ => v.visit_some(self),
            }
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, PathError> {
            match self.0 {
                Node::Object(_) => self.deserialize_any(v),
                _ => self.wrong(&v),
            }
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            v: V,
        ) -> Result<V::Value, PathError> {
            match self.0 {
                Node::Str(s) => v.visit_enum(s.as_str().into_deserializer()),
                _ => self.wrong(&v),
            }
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            v: V,
        ) -> Result<V::Value, PathError> {
            v.visit_newtype_struct(self)
        }

        serde::forward_to_deserialize_any! {
            unit unit_struct tuple tuple_struct ignored_any
        }
    }

    struct Items<'a> {
        items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    }

    impl<'de> SeqAccess<'de> for Items<'_> {
        type Error = PathError;

        fn next_element_seed<T: DeserializeSeed<'de>>(
            &mut self,
            seed: T,
        ) -> Result<Option<T::Value>, PathError> {
            match self.items.next() {
                None => Ok(None),
                Some((i, node)) => seed
                    .deserialize(Reader(node))
                    .map(Some)
                    .map_err(|e| e.within(Segment::Index(i))),
            }
        }
    }

    struct Members<'a> {
        members: std::slice::Iter<'a, (String, Node)>,
        value: Option<(&'a str, &'a Node)>,
        seen: HashSet<&'a str>,
    }

    impl<'de> MapAccess<'de> for Members<'_> {
        type Error = PathError;

        fn next_key_seed<K: DeserializeSeed<'de>>(
            &mut self,
            seed: K,
        ) -> Result<Option<K::Value>, PathError> {
            let Some((key, node)) = self.members.next() else {
                return Ok(None);
            };
            let within = |e: PathError| e.within(Segment::Key(key.clone()));
            if !self.seen.insert(key) {
                return Err(within(de::Error::custom(format_args!(
                    "`{key}` appears twice in one object"
                ))));
            }
            self.value = Some((key, node));
            let name: de::value::StrDeserializer<'_, PathError> = key.as_str().into_deserializer();
            seed.deserialize(name).map(Some).map_err(within)
        }

        fn next_value_seed<V: DeserializeSeed<'de>>(
            &mut self,
            seed: V,
        ) -> Result<V::Value, PathError> {
            let Some((key, node)) = self.value.take() else {
                return Err(de::Error::custom("a value asked for before its key"));
            };
            seed.deserialize(Reader(node))
                .map_err(|e| e.within(Segment::Key(key.to_string())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXCHANGE: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
    const UR1: &str = "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}";
    const BIN: &str = r"C:\Program Files\Microsoft\Exchange Server\Bin\";

    fn samples_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007/snapshots")
    }

    fn sample(name: &str) -> Snapshot {
        load(&samples_dir().join(name)).unwrap()
    }

    /// A small valid snapshot as JSON, for tests to break.
    fn minimal() -> serde_json::Value {
        serde_json::json!({
            "snapshot_version": 1,
            "collected_at": "2010-03-08T09:41:27Z",
            "collector": {"name": "test", "version": "0"},
            "computer_name": "EXCH01",
            "os": {"version": "5.2.3790", "build": 3790, "architecture": "x64",
                   "product_type": "server"},
            "environment": {"SystemDrive": "C:", "ProgramFiles(x86)": r"C:\Program Files (x86)",
                            "windir": r"C:\WINDOWS"},
            "products": [{
                "product_code": EXCHANGE, "name": "Microsoft Exchange Server",
                "version": "8.0.685.24", "install_context": "machine",
                "patches": [{"patch_code": UR1, "state": "superseded"}]
            }],
            "services": [{"name": "MSExchangeIS", "state": "running", "start_type": "auto",
                          "process_id": 2544}],
            "processes": [
                {"pid": 4, "name": "System"},
                {"pid": 10, "name": "a.exe", "modules": []},
                {"pid": 11, "name": "b.exe", "modules": []},
                {"pid": 2544, "name": "store.exe", "image_path": format!("{BIN}store.exe"),
                 "services": ["MSExchangeIS"],
                 "modules": [format!("{BIN}store.exe"), format!("{BIN}eseback2.dll")]}
            ],
            "paths": [
                {"path": r"%SystemDrive%\ExchangeSetupLogs", "exists": true, "kind": "dir"},
                {"path": r"C:\Gone", "exists": false},
                {"path": r"C:\boot.ini", "exists": true, "kind": "file"}
            ]
        })
    }

    fn parse_value(v: &serde_json::Value) -> Result<Snapshot> {
        parse(
            "snap.json",
            serde_json::to_string_pretty(v).unwrap().as_bytes(),
        )
    }

    fn error_of(v: &serde_json::Value) -> String {
        parse_value(v).unwrap_err().to_string()
    }

    #[test]
    fn minimal_parses() {
        let s = parse_value(&minimal()).unwrap();
        assert_eq!(s.computer_name, "EXCH01");
        assert_eq!(s.os.architecture, Architecture::X64);
        assert_eq!(s.products[0].patches[0].state, PatchState::Superseded);
        assert_eq!(s.processes[0].modules, None);
        assert_eq!(s.processes[1].modules, Some(vec![]));
    }

    #[test]
    fn null_means_left_out() {
        let mut v = minimal();
        v["warnings"] = serde_json::Value::Null;
        v["products"][0]["patches"] = serde_json::Value::Null;
        v["products"][0]["properties"] = serde_json::Value::Null;
        v["products"][0]["upgrade_code"] = serde_json::Value::Null;
        v["processes"][3]["open_files"] = serde_json::Value::Null;
        v["processes"][3]["services"] = serde_json::Value::Null;
        v["paths"][1]["kind"] = serde_json::Value::Null;
        let s = parse_value(&v).unwrap();
        assert!(s.warnings.is_empty() && s.products[0].patches.is_empty());
        assert_eq!(s.processes[3].open_files, None);
        assert!(s.processes[3].services.is_empty());
        assert_eq!(s.paths[1].kind, None);
    }

    #[test]
    fn docs_example_parses() {
        let doc =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.md"))
                .unwrap();
        let start = doc.find("```json\n").unwrap() + "```json\n".len();
        let end = start + doc[start..].find("```").unwrap();
        let s = parse("docs/snapshot.md", &doc.as_bytes()[start..end]).unwrap();
        assert_eq!(
            s.path_exists(r"%SystemDrive%\ExchangeSetupLogs"),
            Some(false)
        );
        assert_eq!(
            s.processes_using(&format!("{BIN}eseback2.dll"))[0]
                .process
                .name,
            "store.exe"
        );
    }

    #[test]
    fn every_sample_loads() {
        let mut names: Vec<_> = std::fs::read_dir(samples_dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        assert!(names.len() >= 7, "{names:?}");
        for path in names {
            let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
            let ex = s
                .product(EXCHANGE)
                .unwrap_or_else(|| panic!("{}", path.display()));
            assert_eq!(ex.name, "Microsoft Exchange Server");
            // The same content written back reads as the same snapshot.
            let again = parse("again", &serde_json::to_vec(&s).unwrap()).unwrap();
            assert_eq!(again, s, "{}", path.display());
        }
    }

    #[test]
    fn samples_say_what_their_names_say() {
        let clean = sample("rtm-clean.json");
        let ex = clean.product(EXCHANGE).unwrap();
        assert_eq!(ex.version, "8.0.685.24");
        assert!(ex.patches.is_empty());
        assert_eq!(
            clean.path_exists(r"%SystemDrive%\ExchangeSetupLogs"),
            Some(true)
        );
        let store = clean.service_process("msexchangeis").unwrap();
        assert_eq!(store.name, "store.exe");
        let users = clean.processes_using(&format!("{BIN}store.exe"));
        assert_eq!(users.len(), 1);
        assert!(users[0].image && users[0].module && !users[0].open);

        let busy = sample("rtm-files-in-use.json");
        let holders: Vec<&str> = busy
            .processes_using(&format!("{BIN}eseback2.dll"))
            .iter()
            .map(|u| u.process.name.as_str())
            .collect();
        assert_eq!(holders, ["store.exe", "beremote.exe"]);
        let holders: Vec<&str> = busy
            .processes_using(&format!("{BIN}Microsoft.Exchange.InfoWorker.Common.dll"))
            .iter()
            .map(|u| u.process.name.as_str())
            .collect();
        assert_eq!(holders, ["MSExchangeMailboxAssistants.exe", "w3wp.exe"]);
        assert!(busy
            .processes
            .iter()
            .all(|p| p.modules.is_none() || p.open_files.is_some()));

        let iu = sample("rtm-interim-update.json");
        let patch = &iu.product(EXCHANGE).unwrap().patches[0];
        assert_eq!(patch.state, PatchState::Applied);
        assert_eq!(patch.sequences[0].family, "Exchange2007IU.KB934321");

        let nologs = sample("rtm-no-setup-logs.json");
        assert_eq!(nologs.path_exists(r"C:\ExchangeSetupLogs\"), Some(false));

        let disabled = sample("rtm-services-disabled.json");
        for name in ["MSExchangeIS", "MSExchangeSA", "MSExchangeTransport"] {
            let s = disabled.service(name).unwrap();
            assert_eq!(
                (s.state, s.start_type),
                (ServiceState::Stopped, StartType::Disabled)
            );
        }

        let ur2 = sample("ur2-installed.json");
        let ex = ur2.product(EXCHANGE).unwrap();
        assert_eq!(ex.version, "8.0.711.2");
        assert_eq!(ex.patch(UR1).unwrap().state, PatchState::Superseded);
        assert_eq!(ex.patches_in(PatchState::Applied).count(), 1);

        let sp1 = sample("sp1.json");
        assert_eq!(sp1.product(EXCHANGE).unwrap().version, "8.1.240.6");
    }

    #[test]
    fn sample_paths_are_the_packages_paths() {
        // Every Exchange path in the samples is one `msikit files rtm.msi` (or UR2's new file)
        // prints, or a folder or data file below the install folder that no package installs.
        let installed: HashSet<String> = [
            "store.exe",
            "mad.exe",
            "MSExchangeTransport.exe",
            "EdgeTransport.exe",
            "MSExchangeADTopologyService.exe",
            "Microsoft.Exchange.Search.ExSearch.exe",
            "MSExchangeMailboxAssistants.exe",
            "Microsoft.Exchange.ServiceHost.exe",
            "ese.dll",
            "eseback2.dll",
            "exsmime.dll",
            "Microsoft.Exchange.Common.dll",
            "Microsoft.Exchange.Data.dll",
            "Microsoft.Exchange.Data.Directory.dll",
            "Microsoft.Exchange.Data.Storage.dll",
            "Microsoft.Exchange.Diagnostics.dll",
            "Microsoft.Exchange.InfoWorker.Common.dll",
            "Microsoft.Exchange.Management.dll",
            "Microsoft.Exchange.Transport.Logging.dll",
        ]
        .iter()
        .map(|f| format!("{BIN}{f}"))
        .chain(
            [
                r"ClientAccess\Owa\bin\Microsoft.Exchange.Clients.Owa.dll",
                r"ClientAccess\Owa\auth\owaauth.dll",
                r"ClientAccess\Owa\web.config",
                r"TransportRoles\agents\Hygiene\Microsoft.Exchange.Transport.Agent.Hygiene.dll",
                r"TransportRoles\agents\agents.config",
            ]
            .iter()
            .map(|f| format!(r"C:\Program Files\Microsoft\Exchange Server\{f}")),
        )
        .collect();
        for entry in std::fs::read_dir(samples_dir()).unwrap() {
            let s = load(&entry.unwrap().path()).unwrap();
            let mut paths: Vec<&String> = Vec::new();
            for p in &s.processes {
                paths.extend(p.image_path.iter());
                paths.extend(p.modules.iter().flatten());
            }
            paths.extend(s.services.iter().filter_map(|v| v.image_path.as_ref()));
            for p in paths {
                if p.starts_with(r"C:\Program Files\Microsoft\Exchange Server\") {
                    assert!(installed.contains(p), "{p}");
                }
            }
        }
    }

    #[test]
    fn wrong_type_names_the_field_path() {
        let mut v = minimal();
        v["processes"][3]["modules"][0] = serde_json::json!(5);
        let e = error_of(&v);
        assert!(
            e.starts_with(
                "snap.json: processes[3].modules[0]: invalid type: integer `5`, expected a string (line "
            ),
            "{e}"
        );
        assert!(e.contains("column"), "{e}");
        assert!(!e.contains('\n'));
    }

    #[test]
    fn unknown_field_names_the_field_path() {
        let mut v = minimal();
        v["products"][0]["patches"][0]["colour"] = serde_json::json!("blue");
        let e = error_of(&v);
        assert!(
            e.starts_with("snap.json: products[0].patches[0].colour: unknown field `colour`"),
            "{e}"
        );
        v = minimal();
        v["extra"] = serde_json::json!(1);
        assert!(error_of(&v).starts_with("snap.json: extra: unknown field `extra`"));
    }

    #[test]
    fn missing_field_names_its_object() {
        let mut v = minimal();
        v["services"][0]
            .as_object_mut()
            .unwrap()
            .remove("start_type");
        let e = error_of(&v);
        assert!(
            e.starts_with("snap.json: services[0]: missing field `start_type`"),
            "{e}"
        );
        let mut v = minimal();
        v.as_object_mut().unwrap().remove("os");
        assert!(error_of(&v).starts_with("snap.json: missing field `os`"));
    }

    #[test]
    fn bad_enum_and_number_name_the_field_path() {
        let mut v = minimal();
        v["services"][0]["state"] = serde_json::json!("Running");
        let e = error_of(&v);
        assert!(
            e.starts_with("snap.json: services[0].state: unknown variant `Running`"),
            "{e}"
        );
        let mut v = minimal();
        v["processes"][1]["pid"] = serde_json::json!(-1);
        let e = error_of(&v);
        assert!(e.starts_with("snap.json: processes[1].pid: invalid value: integer `-1`"));
        let mut v = minimal();
        v["environment"]["ProgramFiles(x86)"] = serde_json::json!(null);
        let e = error_of(&v);
        assert!(
            e.starts_with(r#"snap.json: environment["ProgramFiles(x86)"]: invalid type: null"#),
            "{e}"
        );
    }

    #[test]
    fn repeated_member_is_an_error() {
        let text = serde_json::to_string(&minimal()).unwrap().replacen(
            r#""computer_name":"EXCH01""#,
            r#""computer_name":"EXCH01","computer_name":"EXCH02""#,
            1,
        );
        let e = parse("snap.json", text.as_bytes()).unwrap_err().to_string();
        assert!(
            e.starts_with("snap.json: computer_name: `computer_name` appears twice in one object"),
            "{e}"
        );
        let text = serde_json::to_string(&minimal()).unwrap().replacen(
            r#""SystemDrive":"C:""#,
            r#""SystemDrive":"C:","SystemDrive":"D:""#,
            1,
        );
        let e = parse("snap.json", text.as_bytes()).unwrap_err().to_string();
        assert!(
            e.starts_with("snap.json: environment.SystemDrive: `SystemDrive` appears twice"),
            "{e}"
        );
    }

    #[test]
    fn struct_written_as_array_is_an_error() {
        let mut v = minimal();
        v["collector"] = serde_json::json!(["test", "0"]);
        let e = error_of(&v);
        assert!(
            e.starts_with(
                "snap.json: collector: invalid type: sequence, expected struct Collector"
            ),
            "{e}"
        );
    }

    #[test]
    fn bad_json_gives_line_and_column() {
        let e = parse("snap.json", b"{\n  \"snapshot_version\": 1,\n  oops\n}")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("snap.json: not valid JSON: "), "{e}");
        assert!(e.contains("line 3 column 3"), "{e}");
        let e = parse("snap.json", b"[1, 2]").unwrap_err().to_string();
        assert_eq!(
            e,
            "snap.json: a machine snapshot is a JSON object, not an array"
        );
        let e = parse("snap.json", b"").unwrap_err().to_string();
        assert!(e.starts_with("snap.json: not valid JSON"), "{e}");
    }

    #[test]
    fn version_is_checked_first() {
        let mut v = minimal();
        v["snapshot_version"] = serde_json::json!(2);
        v["new_in_version_2"] = serde_json::json!(true);
        let e = parse_value(&v).unwrap_err();
        assert!(matches!(e.kind(), crate::ErrorKind::Unsupported(_)));
        assert_eq!(
            e.to_string(),
            "snap.json: snapshot_version: version 2; this msikit reads version 1"
        );
        let e = parse("x.json", br#"{"hello": 1}"#).unwrap_err().to_string();
        assert_eq!(
            e,
            "x.json: snapshot_version: missing: this is not a msikit machine snapshot"
        );
        let e = parse("x.json", br#"{"snapshot_version": "1"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "x.json: snapshot_version: expected the number 1, found a string"
        );
    }

    #[test]
    fn checks_after_parsing_name_the_field_path() {
        let cases: Vec<(&str, serde_json::Value, &str)> = vec![
            (
                "/products/0/product_code",
                "24B2C164-DE66-44FE-B468-A46D9D5E6B31".into(),
                "snap.json: products[0].product_code: `24B2C164",
            ),
            (
                "/products/0/patches/0/patch_code",
                "{DCF5AFE2}".into(),
                "snap.json: products[0].patches[0].patch_code: `{DCF5AFE2}` is not a GUID",
            ),
            (
                "/products/0/version",
                "8.0.685.24a".into(),
                "snap.json: products[0].version: `8.0.685.24a` is not a version",
            ),
            (
                "/collected_at",
                "yesterday".into(),
                "snap.json: collected_at: `yesterday`",
            ),
            (
                "/paths/1/kind",
                "dir".into(),
                "snap.json: paths[1].kind: given for a path that does not exist",
            ),
            (
                "/processes/2/pid",
                10.into(),
                "snap.json: processes[2].pid: process id 10 is listed twice",
            ),
            (
                "/services/0/name",
                "".into(),
                "snap.json: services[0].name: empty",
            ),
        ];
        for (pointer, value, expected) in cases {
            let mut v = minimal();
            let (parent, key) = pointer.rsplit_once('/').unwrap();
            v.pointer_mut(parent).unwrap()[key] = value;
            let e = error_of(&v);
            assert!(e.starts_with(expected), "{pointer}: {e}");
        }
        let mut v = minimal();
        v["environment"]["SYSTEMDRIVE"] = "D:".into();
        let e = error_of(&v);
        assert!(
            e.starts_with("snap.json: environment.SystemDrive: named twice"),
            "{e}"
        );
        let mut v = minimal();
        v["paths"][0].as_object_mut().unwrap().remove("kind");
        assert!(error_of(&v).starts_with("snap.json: paths[0].kind: missing"));
    }

    #[test]
    fn limits_name_the_list() {
        let text = serde_json::to_vec(&minimal()).unwrap();
        let small = Limits {
            file_bytes: MAX_FILE_BYTES,
            entries: 3,
        };
        let e = parse_limited(&text, &small).unwrap_err().to_string();
        assert_eq!(
            e,
            "processes: 4 entries, more than the 3 a snapshot may hold"
        );
        let mut v = minimal();
        v["processes"].as_array_mut().unwrap().truncate(3);
        v["processes"][1]["open_files"] = serde_json::json!(["a", "b"]);
        v["processes"][2]["modules"] = serde_json::json!(["c", "d"]);
        let e = parse_limited(&serde_json::to_vec(&v).unwrap(), &small)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("processes[].modules: 4 modules and open files"),
            "{e}"
        );
        let tiny = Limits {
            file_bytes: 10,
            entries: MAX_ENTRIES,
        };
        let e = parse_limited(&text, &tiny).unwrap_err().to_string();
        assert!(
            e.ends_with("more than the 10 bytes a snapshot may have"),
            "{e}"
        );
    }

    #[test]
    fn load_names_the_file_and_refuses_nothing_there() {
        let e = load(Path::new("/nonexistent/snap.json")).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/snap.json: "));
        assert!(matches!(e.kind(), crate::ErrorKind::Io(_)));
    }

    #[test]
    fn byte_order_marks_and_utf16() {
        let text = serde_json::to_string(&minimal()).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        assert!(parse("x", &bom).is_ok());
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(
            parse("x", &le).unwrap(),
            parse("x", text.as_bytes()).unwrap()
        );
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert!(parse("x", &be).is_ok());
        let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let e = parse("x", &bare).unwrap_err().to_string();
        assert!(e.contains("UTF-16 without a byte-order mark"), "{e}");
        let e = parse("x", &le[..le.len() - 1]).unwrap_err().to_string();
        assert!(e.contains("odd number of bytes"), "{e}");
    }

    #[test]
    fn product_lookup_ignores_case_and_braces() {
        let s = parse_value(&minimal()).unwrap();
        assert!(s.product(EXCHANGE).is_some());
        assert!(s
            .product("{24b2c164-de66-44fe-b468-a46d9d5e6b31}")
            .is_some());
        assert!(s.product("24B2C164-DE66-44FE-B468-A46D9D5E6B31").is_some());
        assert!(s
            .product(" 24b2c164-de66-44fe-b468-a46d9d5e6b31 ")
            .is_some());
        assert!(s.product(UR1).is_none());
        let ex = s.product(EXCHANGE).unwrap();
        assert!(ex.patch("dcf5afe2-e80a-42fb-a60d-a3b75e8ec394").is_some());
        assert!(ex.patch(EXCHANGE).is_none());
    }

    #[test]
    fn product_prefers_the_machine_installation() {
        let mut v = minimal();
        let mut per_user = v["products"][0].clone();
        per_user["install_context"] = "user".into();
        per_user["user_sid"] = "S-1-5-21-1-2-3-1001".into();
        per_user["version"] = "1.0".into();
        v["products"].as_array_mut().unwrap().insert(0, per_user);
        let s = parse_value(&v).unwrap();
        assert_eq!(s.product(EXCHANGE).unwrap().version, "8.0.685.24");
    }

    #[test]
    fn guid_helpers() {
        assert!(guid_eq(EXCHANGE, "{24b2c164-de66-44fe-b468-a46d9d5e6b31}"));
        assert!(!guid_eq(EXCHANGE, UR1));
        assert!(is_guid(EXCHANGE));
        assert!(!is_guid("{24B2C164-DE66-44FE-B468-A46D9D5E6B3}"));
        assert!(!is_guid("{24B2C164+DE66-44FE-B468-A46D9D5E6B31}"));
        assert_eq!(
            pack_guid(EXCHANGE).as_deref(),
            Some("461C2B4266EDEF444B864AD6D9E5B613")
        );
        assert_eq!(
            pack_guid("dcf5afe2-e80a-42fb-a60d-a3b75e8ec394").as_deref(),
            Some("2EFA5FCDA08EBF246AD03A7BE5E83C49")
        );
        assert_eq!(
            unpack_guid("461c2b4266edef444b864ad6d9e5b613").as_deref(),
            Some(EXCHANGE)
        );
        assert_eq!(unpack_guid(&pack_guid(UR1).unwrap()).as_deref(), Some(UR1));
        assert_eq!(pack_guid("nope"), None);
        assert_eq!(unpack_guid("461C2B42"), None);
    }

    #[test]
    fn env_ignores_case_and_expands() {
        let s = parse_value(&minimal()).unwrap();
        assert_eq!(s.env("systemdrive"), Some("C:"));
        assert_eq!(s.env("PROGRAMFILES(X86)"), Some(r"C:\Program Files (x86)"));
        assert_eq!(s.env("ProgramW6432"), None);
        assert_eq!(s.expand_env(r"%SystemDrive%\x"), r"C:\x");
        assert_eq!(s.expand_env(r"%WINDIR%\Installer"), r"C:\WINDOWS\Installer");
        assert_eq!(s.expand_env("%nope%x%systemdrive%"), "%nope%xC:");
        assert_eq!(s.expand_env("100%"), "100%");
        assert_eq!(s.expand_env("%%"), "%%");
        assert_eq!(s.expand_env("a%b"), "a%b");
    }

    #[test]
    fn path_keys() {
        assert_eq!(
            windows_path_key(r"C:\Program Files\X\"),
            r"c:\program files\x"
        );
        assert_eq!(
            windows_path_key("c:/program files//x"),
            r"c:\program files\x"
        );
        assert_eq!(windows_path_key(r"C:\"), r"c:\");
        assert_eq!(windows_path_key("C:"), "c:");
        assert_eq!(windows_path_key(r"C:\a\.\b\..\c"), r"c:\a\c");
        assert_eq!(windows_path_key(r"C:\..\a"), r"c:\a");
        assert_eq!(windows_path_key(r#""C:\a b\c.exe""#), r"c:\a b\c.exe");
        assert_eq!(windows_path_key(r"\\?\C:\a"), r"c:\a");
        assert_eq!(
            windows_path_key(r"\\Server\Share\Dir\"),
            r"\\server\share\dir"
        );
        assert_eq!(
            windows_path_key(r"\\?\UNC\server\share\x"),
            r"\\server\share\x"
        );
        assert_eq!(windows_path_key(r"\\server\share"), r"\\server\share");
        assert_eq!(windows_path_key(r"\a\b"), r"\a\b");
        assert_eq!(windows_path_key("rel/x"), r"rel\x");
        let s = parse_value(&minimal()).unwrap();
        assert!(s.same_path(
            r"%SystemDrive%\Program Files\Microsoft\Exchange Server\bin\STORE.EXE",
            &format!("{BIN}store.exe")
        ));
        assert!(!s.same_path(r"C:\a", r"C:\ab"));
    }

    #[test]
    fn path_exists_reads_facts_and_their_consequences() {
        let s = parse_value(&minimal()).unwrap();
        assert_eq!(s.path_exists(r"C:\ExchangeSetupLogs"), Some(true));
        assert_eq!(s.path_exists(r"c:/exchangesetuplogs/"), Some(true));
        assert_eq!(
            s.path_exists(r"%SYSTEMDRIVE%\ExchangeSetupLogs"),
            Some(true)
        );
        assert_eq!(s.path_exists(r"C:\Gone"), Some(false));
        // Below a missing folder or a file nothing exists; above an existing path, all does.
        assert_eq!(s.path_exists(r"C:\Gone\x.log"), Some(false));
        assert_eq!(s.path_exists(r"C:\boot.ini\x"), Some(false));
        assert_eq!(s.path_exists(r"C:\"), Some(true));
        assert_eq!(
            s.path_exists(r"C:\ExchangeSetupLogs\ExchangeSetup.log"),
            None
        );
        assert_eq!(s.path_exists(r"C:\Gon"), None);
        assert_eq!(s.path_exists(r"D:\"), None);
        assert_eq!(
            s.path_fact(r"c:\boot.ini").map(|f| f.kind),
            Some(Some(PathKind::File))
        );
    }

    #[test]
    fn service_lookup_ignores_case() {
        let s = parse_value(&minimal()).unwrap();
        assert_eq!(s.service("msexchangeis").unwrap().name, "MSExchangeIS");
        assert!(s.service("MSExchangeSA").is_none());
        assert_eq!(s.service_process("MSEXCHANGEIS").unwrap().pid, 2544);
        assert_eq!(s.process(4).unwrap().name, "System");
    }

    #[test]
    fn processes_using_compares_paths_as_windows_does() {
        let s = parse_value(&minimal()).unwrap();
        let users =
            s.processes_using(r"c:/program files/microsoft/exchange server/bin/ESEBACK2.DLL");
        assert_eq!(users.len(), 1);
        assert_eq!(users[0].process.pid, 2544);
        assert!(users[0].module && !users[0].image && !users[0].open);
        assert!(s.processes_using(r"C:\nothing.dll").is_empty());
    }

    #[test]
    fn timestamps_and_versions() {
        for ok in [
            "2010-03-08T09:41:27Z",
            "2010-03-08T09:41:27.1234567Z",
            "2010-03-11T16:30:55+01:00",
        ] {
            assert!(is_timestamp(ok), "{ok}");
        }
        for bad in [
            "2010-03-08 09:41:27Z",
            "2010-03-08T09:41:27",
            "2010-03-08T09:41:27.Z",
            "",
        ] {
            assert!(!is_timestamp(bad), "{bad}");
        }
        assert!(is_version("8.0.685.24") && is_version("5") && is_version("65535.0"));
        assert!(!is_version("8.0.685.24.1") && !is_version("65536") && !is_version("8..1"));
        assert!(!is_version("+1") && !is_version(""));
    }

    /// Every object in docs/snapshot.schema.json lists the fields the structs have, and
    /// requires the ones that are not optional.
    #[test]
    fn schema_matches_structs() {
        let schema: serde_json::Value = serde_json::from_slice(
            &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/snapshot.schema.json"))
                .unwrap(),
        )
        .unwrap();
        let full = serde_json::to_value(full_snapshot()).unwrap();
        let bare = serde_json::to_value(bare_snapshot()).unwrap();
        let objects = [
            ("", "/"),
            ("collector", "/collector"),
            ("os", "/os"),
            ("product", "/products/0"),
            ("patch", "/products/0/patches/0"),
            ("patch_sequence", "/products/0/patches/0/sequences/0"),
            ("service", "/services/0"),
            ("process", "/processes/0"),
            ("path_fact", "/paths/0"),
        ];
        for (def, pointer) in objects {
            let node = if def.is_empty() {
                &schema
            } else {
                &schema["$defs"][def]
            };
            assert_eq!(node["additionalProperties"], false, "{def}");
            let pointer = if pointer == "/" { "" } else { pointer };
            let mut want: Vec<&String> = full
                .pointer(pointer)
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .collect();
            let mut have: Vec<&String> = node["properties"].as_object().unwrap().keys().collect();
            want.sort();
            have.sort();
            assert_eq!(have, want, "properties of {def:?}");
            let mut required: Vec<&str> = node["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap())
                .collect();
            // The bare snapshot keeps one patch and one sequence row to reach them; both lists
            // are optional all the same.
            let mut present: Vec<&str> = bare
                .pointer(pointer)
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .filter(|k| !matches!((def, *k), ("product", "patches") | ("patch", "sequences")))
                .collect();
            required.sort();
            present.sort();
            assert_eq!(required, present, "required of {def:?}");
        }
        let enum_of = |def: &str| -> Vec<String> {
            schema["$defs"][def]["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        let names = |values: &[serde_json::Value]| -> Vec<String> {
            values
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        };
        use serde_json::to_value as tv;
        assert_eq!(
            enum_of("architecture"),
            names(&[
                tv(Architecture::X64).unwrap(),
                tv(Architecture::X86).unwrap()
            ])
        );
        assert_eq!(
            enum_of("product_type"),
            names(
                &[
                    ProductType::Workstation,
                    ProductType::DomainController,
                    ProductType::Server
                ]
                .map(|v| tv(v).unwrap())
            )
        );
        assert_eq!(
            enum_of("install_context"),
            names(&[InstallContext::Machine, InstallContext::User].map(|v| tv(v).unwrap()))
        );
        assert_eq!(
            enum_of("patch_state"),
            names(
                &[
                    PatchState::Applied,
                    PatchState::Superseded,
                    PatchState::Obsoleted,
                    PatchState::Registered
                ]
                .map(|v| tv(v).unwrap())
            )
        );
        assert_eq!(
            enum_of("service_state"),
            names(
                &[
                    ServiceState::Running,
                    ServiceState::Stopped,
                    ServiceState::Paused,
                    ServiceState::StartPending,
                    ServiceState::StopPending,
                    ServiceState::ContinuePending,
                    ServiceState::PausePending,
                    ServiceState::Unknown
                ]
                .map(|v| tv(v).unwrap())
            )
        );
        assert_eq!(
            enum_of("start_type"),
            names(
                &[
                    StartType::Boot,
                    StartType::System,
                    StartType::Auto,
                    StartType::Demand,
                    StartType::Disabled
                ]
                .map(|v| tv(v).unwrap())
            )
        );
        assert_eq!(
            enum_of("path_kind"),
            names(&[PathKind::File, PathKind::Dir].map(|v| tv(v).unwrap()))
        );
        assert_eq!(
            schema["properties"]["snapshot_version"]["const"],
            SNAPSHOT_VERSION
        );
    }

    /// Every optional field set, every list with one entry.
    fn full_snapshot() -> Snapshot {
        let s = |v: &str| Some(v.to_string());
        Snapshot {
            snapshot_version: 1,
            collected_at: "2010-03-08T09:41:27Z".into(),
            collector: Collector {
                name: "collect-snapshot.ps1".into(),
                version: "1.0".into(),
                powershell_version: s("5.1"),
                elevated: Some(true),
            },
            computer_name: "EXCH01".into(),
            os: Os {
                caption: s("Windows"),
                version: "5.2.3790".into(),
                build: 3790,
                service_pack: s("Service Pack 2"),
                architecture: Architecture::X64,
                product_type: ProductType::Server,
                installer_version: s("3.1.4001.5512"),
            },
            environment: [("SystemDrive".to_string(), "C:".to_string())].into(),
            products: vec![Product {
                product_code: EXCHANGE.into(),
                name: "Microsoft Exchange Server".into(),
                version: "8.0.685.24".into(),
                upgrade_code: s(EXCHANGE),
                language: Some(1033),
                manufacturer: s("Microsoft Corporation"),
                install_location: s(r"C:\"),
                install_context: InstallContext::User,
                user_sid: s("S-1-5-21-1-2-3-1001"),
                local_package: s(r"C:\WINDOWS\Installer\1.msi"),
                properties: [("TARGETDIR".to_string(), r"C:\".to_string())].into(),
                patches: vec![Patch {
                    patch_code: UR1.into(),
                    state: PatchState::Applied,
                    display_name: s("UR1"),
                    kb_article: s("930809"),
                    classification: s("Update Rollup"),
                    installed: s("2009-11-03"),
                    local_package: s(r"C:\WINDOWS\Installer\2.msp"),
                    sequences: vec![PatchSequence {
                        family: "Exchange2007Rollup".into(),
                        sequence: "8.0.708.3".into(),
                        supersede: false,
                        product_code: s(EXCHANGE),
                    }],
                }],
            }],
            services: vec![Service {
                name: "MSExchangeIS".into(),
                display_name: s("Microsoft Exchange Information Store"),
                state: ServiceState::Running,
                start_type: StartType::Auto,
                process_id: Some(2544),
                image_path: s(r"C:\store.exe"),
                command_line: s(r#""C:\store.exe""#),
                account: s("LocalSystem"),
                depends_on: vec!["MSExchangeSA".into()],
            }],
            processes: vec![Process {
                pid: 2544,
                name: "store.exe".into(),
                image_path: s(r"C:\store.exe"),
                parent_pid: Some(604),
                session_id: Some(0),
                window_title: s("t"),
                services: vec!["MSExchangeIS".into()],
                modules: Some(vec![r"C:\store.exe".into()]),
                open_files: Some(vec![r"C:\x.edb".into()]),
            }],
            paths: vec![PathFact {
                path: r"C:\store.exe".into(),
                exists: true,
                kind: Some(PathKind::File),
                size: Some(4608),
                version: s("8.0.685.24"),
            }],
            warnings: vec!["w".into()],
        }
    }

    /// Every optional field left out, every list with one entry of its own.
    fn bare_snapshot() -> Snapshot {
        let mut s = full_snapshot();
        s.warnings.clear();
        s.collector.powershell_version = None;
        s.collector.elevated = None;
        s.os.caption = None;
        s.os.service_pack = None;
        s.os.installer_version = None;
        let p = &mut s.products[0];
        p.upgrade_code = None;
        p.language = None;
        p.manufacturer = None;
        p.install_location = None;
        p.user_sid = None;
        p.local_package = None;
        p.properties.clear();
        let patch = &mut p.patches[0];
        patch.display_name = None;
        patch.kb_article = None;
        patch.classification = None;
        patch.installed = None;
        patch.local_package = None;
        patch.sequences[0].product_code = None;
        let v = &mut s.services[0];
        v.display_name = None;
        v.process_id = None;
        v.image_path = None;
        v.command_line = None;
        v.account = None;
        v.depends_on.clear();
        let pr = &mut s.processes[0];
        pr.image_path = None;
        pr.parent_pid = None;
        pr.session_id = None;
        pr.window_title = None;
        pr.services.clear();
        pr.modules = None;
        pr.open_files = None;
        let f = &mut s.paths[0];
        f.kind = None;
        f.size = None;
        f.version = None;
        s
    }
}
