//! The snapshot format: the structs a snapshot file is read into.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

// ------------------------------------------------------------------------------------------------
// The format
// ------------------------------------------------------------------------------------------------

/// One server at one moment.
///
/// ```
/// let snap = msikit::machine::snapshot::load(std::path::Path::new(
///     "testdata/exchange2007/snapshots/rtm-clean.json",
/// ))?;
/// let exchange = snap
///     .product("{24b2c164-de66-44fe-b468-a46d9d5e6b31}")
///     .expect("Exchange is installed");
/// assert_eq!(exchange.version, "8.0.685.24");
/// # Ok::<(), msikit::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a machine snapshot (a JSON object)")]
pub struct Snapshot {
    /// Always `SNAPSHOT_VERSION`.
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
