//! What the operating system answered, as plain records: the input of [`super::assemble`].
//! Numbers are the APIs' own (MSIINSTALLCONTEXT, MSIPATCHSTATE, SERVICE_STATUS, ...), so that
//! recorded answers can be replayed in tests on any system.

use std::collections::BTreeMap;

/// Everything read from the machine, before assembly.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    /// Seconds since 1970 (UTC) when collection started.
    pub collected_at_unix: i64,
    /// GetComputerNameExW(ComputerNameNetBIOS).
    pub computer_name: Option<String>,
    /// Whether the process token is elevated (TokenElevation); `None` when unknown.
    pub elevated: Option<bool>,
    pub os: Os,
    /// The process's environment, as read.
    pub environment: Vec<(String, String)>,
    /// Names of the machine's own variables (the Session Manager\Environment key).
    pub machine_variable_names: Vec<String>,
    pub products: Vec<Product>,
    pub services: Vec<Service>,
    pub processes: Vec<Process>,
    /// Registry values asked for by [`super::assemble::KNOWN_FOLDER_PROPERTIES`]:
    /// (key under HKLM, value name) → the value.
    pub registry: BTreeMap<(String, String), String>,
    /// What could not be read, in words (each becomes a warning).
    pub errors: Vec<String>,
}

/// RtlGetVersion, GetNativeSystemInfo and the registry's ProductName.
#[derive(Debug, Clone, Default)]
pub struct Os {
    pub major: u32,
    pub minor: u32,
    pub build: u32,
    /// szCSDVersion (`Service Pack 2`), empty when none.
    pub service_pack: String,
    /// wProductType: 1 workstation, 2 domain controller, 3 server.
    pub product_type: u8,
    /// wProcessorArchitecture: 9 AMD64, 0 x86, 12 ARM64, ...
    pub processor_architecture: u16,
    /// HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion ProductName.
    pub caption: Option<String>,
    /// The file version of System32\msi.dll.
    pub installer_version: Option<String>,
}

/// A product from MsiEnumProductsExW, with its MsiGetProductInfoExW answers.
#[derive(Debug, Clone, Default)]
pub struct Product {
    pub product_code: String,
    /// MSIINSTALLCONTEXT: 1 user-managed, 2 user-unmanaged, 4 machine.
    pub context: u32,
    /// The user's SID for a per-user product.
    pub user_sid: Option<String>,
    /// INSTALLPROPERTY name (`ProductName`, `VersionString`, `Language`, `Publisher`,
    /// `InstallLocation`, `LocalPackage`) → value, for those that answered.
    pub info: BTreeMap<String, String>,
    pub patches: Vec<Patch>,
}

/// A patch from MsiEnumPatchesExW, with its MsiGetPatchInfoExW answers.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub patch_code: String,
    /// MSIPATCHSTATE: 1 applied, 2 superseded, 4 obsoleted, 8 registered.
    pub state: u32,
    /// INSTALLPROPERTY name (`DisplayName`, `InstallDate`, `LocalPackage`) → value.
    pub info: BTreeMap<String, String>,
}

/// A Win32 service from EnumServicesStatusExW, with QueryServiceConfigW.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub display_name: Option<String>,
    /// SERVICE_STATUS_PROCESS.dwCurrentState (1 stopped ... 7 paused).
    pub state: u32,
    /// dwProcessId; 0 when not running.
    pub process_id: u32,
    /// QueryServiceConfigW, or why it could not be read.
    pub config: Result<ServiceConfig, String>,
}

/// QueryServiceConfigW.
#[derive(Debug, Clone, Default)]
pub struct ServiceConfig {
    /// dwStartType: 0 boot, 1 system, 2 auto, 3 demand, 4 disabled.
    pub start_type: u32,
    /// lpBinaryPathName.
    pub command_line: Option<String>,
    /// lpServiceStartName.
    pub account: Option<String>,
    /// lpDependencies: service names, and groups with a leading `+`.
    pub dependencies: Vec<String>,
}

/// A process from a Toolhelp snapshot.
#[derive(Debug, Clone)]
pub struct Process {
    pub pid: u32,
    pub parent_pid: u32,
    /// szExeFile.
    pub exe_file: String,
    /// QueryFullProcessImageNameW, or why it could not be read.
    pub image_path: Result<String, String>,
    /// ProcessIdToSessionId.
    pub session_id: Option<u32>,
    /// EnumProcessModulesEx + GetModuleFileNameExW, or why they could not be read.
    pub modules: Result<Vec<String>, String>,
}

/// The Restart Manager's answer for one file: the processes that hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    pub file: String,
    pub pids: Vec<u32>,
}

/// One path as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Missing,
    Dir,
    File { size: u64, version: Option<String> },
}
