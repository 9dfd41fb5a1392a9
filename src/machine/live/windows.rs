//! The Windows side of the live snapshot: every call into the operating system, through
//! `windows-sys`. This is the one file of msikit with `unsafe`; each block wraps one call with
//! buffers it owns, and turns the answer into a plain [`raw`] record or an error in words.
//!
//! Wine 8 (where the tests run it): msi.dll answers a SID together with all contexts with 87
//! (ERROR_INVALID_PARAMETER), so the machine context is asked with a NULL SID and the user
//! contexts apart; a patch's DisplayName comes back empty (the cached patch gives it); the
//! Restart Manager is a stub whose RmGetList names no process.

use std::ffi::c_void;
use std::time::{SystemTime, UNIX_EPOCH};

use windows_sys::core::{PCWSTR, PWSTR};
use windows_sys::Wdk::System::SystemServices::RtlGetVersion;
use windows_sys::Win32::Foundation::{
    CloseHandle, GetLastError, ERROR_MORE_DATA, ERROR_NO_MORE_ITEMS, ERROR_SUCCESS, HANDLE,
    HMODULE, INVALID_HANDLE_VALUE,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenElevation, TOKEN_ELEVATION, TOKEN_QUERY,
};
use windows_sys::Win32::Storage::FileSystem::{
    GetFileVersionInfoSizeW, GetFileVersionInfoW, VerQueryValueW, VS_FIXEDFILEINFO,
};
use windows_sys::Win32::System::ApplicationInstallationAndServicing::{
    MsiEnumPatchesExW, MsiEnumProductsExW, MsiGetPatchInfoExW, MsiGetProductInfoExW,
    MSIINSTALLCONTEXT, MSIINSTALLCONTEXT_MACHINE, MSIINSTALLCONTEXT_USERMANAGED,
    MSIINSTALLCONTEXT_USERUNMANAGED,
};
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::ProcessStatus::{
    EnumProcessModulesEx, GetModuleFileNameExW, LIST_MODULES_ALL,
};
use windows_sys::Win32::System::Registry::{
    RegCloseKey, RegEnumValueW, RegGetValueW, RegOpenKeyExW, HKEY, HKEY_LOCAL_MACHINE, KEY_READ,
    RRF_RT_REG_SZ,
};
use windows_sys::Win32::System::RemoteDesktop::ProcessIdToSessionId;
use windows_sys::Win32::System::RestartManager::{
    RmEndSession, RmGetList, RmRegisterResources, RmStartSession, CCH_RM_SESSION_KEY,
    RM_PROCESS_INFO,
};
use windows_sys::Win32::System::Services::{
    CloseServiceHandle, EnumServicesStatusExW, OpenSCManagerW, OpenServiceW, QueryServiceConfigW,
    ENUM_SERVICE_STATUS_PROCESSW, QUERY_SERVICE_CONFIGW, SC_ENUM_PROCESS_INFO, SC_HANDLE,
    SC_MANAGER_CONNECT, SC_MANAGER_ENUMERATE_SERVICE, SERVICE_QUERY_CONFIG, SERVICE_STATE_ALL,
    SERVICE_WIN32,
};
use windows_sys::Win32::System::SystemInformation::{
    ComputerNameNetBIOS, GetComputerNameExW, GetNativeSystemInfo, GetSystemDirectoryW,
    OSVERSIONINFOEXW, OSVERSIONINFOW, SYSTEM_INFO,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, QueryFullProcessImageNameW,
    PROCESS_NAME_WIN32, PROCESS_QUERY_INFORMATION, PROCESS_QUERY_LIMITED_INFORMATION,
    PROCESS_VM_READ,
};

use super::{assemble, raw, Options};
use crate::error::Result;
use crate::machine::snapshot::Snapshot;

/// Reads the machine and assembles its snapshot, checked with msikit's own loader.
pub fn collect(options: &Options) -> Result<Snapshot> {
    let machine = read_machine();
    let mut snap = assemble::assemble(&machine)?;
    let facts = assemble::paths_to_probe(&snap, &options.paths)
        .into_iter()
        .map(|p| {
            let found =
                assemble::probe(&snap.expand_env(&p), |f| file_version(&f.to_string_lossy()));
            (p, found)
        })
        .collect();
    assemble::add_path_facts(&mut snap, facts);
    if !options.files_in_use.is_empty() {
        add_files_in_use(&mut snap, &options.files_in_use);
    }
    assemble::validate(&snap)?;
    Ok(snap)
}

/// Asks the Restart Manager who holds `files` and records the answers in `snap`.
pub fn add_files_in_use(snap: &mut Snapshot, files: &[String]) {
    let (held, errors) = assemble::find_holders(files, &mut rm_holders);
    assemble::add_holds(snap, &held, errors);
}

fn read_machine() -> raw::Machine {
    let mut errors = Vec::new();
    let collected_at_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let products = products(&mut errors);
    let services = services(&mut errors);
    let processes = processes(&mut errors);
    let mut registry = std::collections::BTreeMap::new();
    for (_, _, key, value) in assemble::KNOWN_FOLDER_PROPERTIES {
        if let Some(v) = registry_string(key, value) {
            registry.insert((key.to_string(), value.to_string()), v);
        }
    }
    raw::Machine {
        collected_at_unix,
        computer_name: computer_name(),
        elevated: elevated(),
        os: os(),
        environment: std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect(),
        machine_variable_names: machine_variable_names(),
        products,
        services,
        processes,
        registry,
        errors,
    }
}

// ------------------------------------------------------------------------------------------------
// Strings and errors
// ------------------------------------------------------------------------------------------------

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// The text of a buffer up to its first NUL.
fn from_wide(buf: &[u16]) -> String {
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf16_lossy(&buf[..end])
}

/// A NUL-terminated string at `p` (null: empty).
fn from_pwstr(p: PWSTR) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: the API that gave `p` promises a NUL-terminated string inside its buffer.
    unsafe {
        let mut n = 0;
        while *p.add(n) != 0 {
            n += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(p, n))
    }
}

/// A double-NUL-terminated list of strings at `p`.
fn multi_sz(p: PWSTR) -> Vec<String> {
    let mut out = Vec::new();
    if p.is_null() {
        return out;
    }
    let mut at = p;
    loop {
        let s = from_pwstr(at);
        if s.is_empty() {
            return out;
        }
        // SAFETY: the next string starts after this one's NUL, inside the same list.
        at = unsafe { at.add(s.encode_utf16().count() + 1) };
        out.push(s);
    }
}

fn win_error(code: u32) -> String {
    format!(
        "{} (error {code})",
        std::io::Error::from_raw_os_error(code as i32)
    )
}

fn last_error() -> String {
    // SAFETY: no arguments.
    win_error(unsafe { GetLastError() })
}

/// Calls `f(buffer, &mut len)` with a growing buffer until it stops answering ERROR_MORE_DATA.
fn grow(mut f: impl FnMut(PWSTR, &mut u32) -> u32) -> std::result::Result<String, u32> {
    let mut cap = 260u32;
    loop {
        let mut buf = vec![0u16; cap as usize + 1];
        let mut len = cap;
        match f(buf.as_mut_ptr(), &mut len) {
            ERROR_SUCCESS => return Ok(from_wide(&buf)),
            ERROR_MORE_DATA if len >= cap && len < 1 << 20 => cap = len + 1,
            ERROR_MORE_DATA if cap < 1 << 20 => cap *= 2,
            code => return Err(code),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Windows Installer
// ------------------------------------------------------------------------------------------------

const PRODUCT_PROPERTIES: &[&str] = &[
    "ProductName",
    "VersionString",
    "Language",
    "Publisher",
    "InstallLocation",
    "LocalPackage",
];
const PATCH_PROPERTIES: &[&str] = &["DisplayName", "InstallDate", "LocalPackage"];

/// "S-1-1-0" (Everyone): every user's products, when allowed; else only this user's (NULL).
const ALL_USERS: &str = "S-1-1-0";

fn products(errors: &mut Vec<String>) -> Vec<raw::Product> {
    let mut out = enum_products(None, MSIINSTALLCONTEXT_MACHINE).unwrap_or_else(|code| {
        errors.push(format!(
            "per-machine products could not be listed: {}",
            win_error(code)
        ));
        Vec::new()
    });
    let user = MSIINSTALLCONTEXT_USERMANAGED | MSIINSTALLCONTEXT_USERUNMANAGED;
    match enum_products(Some(ALL_USERS), user).or_else(|_| enum_products(None, user)) {
        Ok(list) => out.extend(list),
        Err(code) => errors.push(format!(
            "per-user products could not be listed: {}",
            win_error(code)
        )),
    }
    for p in &mut out {
        let sid = p.user_sid.clone();
        let ctx = p.context as MSIINSTALLCONTEXT;
        for prop in PRODUCT_PROPERTIES {
            let (code, sidw, propw) = (wide(&p.product_code), sid.as_deref().map(wide), wide(prop));
            let got = grow(|buf, len| {
                // SAFETY: NUL-terminated inputs; `buf` holds `*len` + 1 characters.
                unsafe {
                    MsiGetProductInfoExW(
                        code.as_ptr(),
                        sidw.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                        ctx,
                        propw.as_ptr(),
                        buf,
                        len,
                    )
                }
            });
            if let Ok(v) = got {
                p.info.insert(prop.to_string(), v);
            }
        }
        for state in [1u32, 2, 4, 8] {
            match enum_patches(&p.product_code, sid.as_deref(), ctx, state) {
                Ok(codes) => {
                    for code in codes {
                        let mut patch = raw::Patch {
                            patch_code: code,
                            state,
                            info: Default::default(),
                        };
                        for prop in PATCH_PROPERTIES {
                            let (pc, prc) = (wide(&patch.patch_code), wide(&p.product_code));
                            let (sidw, propw) = (sid.as_deref().map(wide), wide(prop));
                            let got = grow(|buf, len| {
                                // SAFETY: as above.
                                unsafe {
                                    MsiGetPatchInfoExW(
                                        pc.as_ptr(),
                                        prc.as_ptr(),
                                        sidw.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                                        ctx,
                                        propw.as_ptr(),
                                        buf,
                                        len,
                                    )
                                }
                            });
                            if let Ok(v) = got {
                                patch.info.insert(prop.to_string(), v);
                            }
                        }
                        p.patches.push(patch);
                    }
                }
                Err(code) => errors.push(format!(
                    "patches of {} (state {state}) could not be listed: {}",
                    p.product_code,
                    win_error(code)
                )),
            }
        }
    }
    out
}

fn enum_products(
    sid: Option<&str>,
    context: MSIINSTALLCONTEXT,
) -> std::result::Result<Vec<raw::Product>, u32> {
    let sidw = sid.map(wide);
    let mut out = Vec::new();
    for index in 0.. {
        let mut code = [0u16; 39];
        let mut got_ctx: MSIINSTALLCONTEXT = 0;
        let mut user_sid = [0u16; 256];
        let mut sid_len = 255u32;
        // SAFETY: `code` holds 39 characters as the API requires; `user_sid` holds `sid_len` + 1.
        let r = unsafe {
            MsiEnumProductsExW(
                std::ptr::null(),
                sidw.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                context as u32,
                index,
                code.as_mut_ptr(),
                &mut got_ctx,
                user_sid.as_mut_ptr(),
                &mut sid_len,
            )
        };
        match r {
            ERROR_SUCCESS => {
                let sid = from_wide(&user_sid);
                out.push(raw::Product {
                    product_code: from_wide(&code),
                    context: got_ctx as u32,
                    user_sid: Some(sid).filter(|s| !s.is_empty()),
                    ..Default::default()
                });
            }
            ERROR_NO_MORE_ITEMS => break,
            code => return Err(code),
        }
    }
    Ok(out)
}

fn enum_patches(
    product: &str,
    sid: Option<&str>,
    context: MSIINSTALLCONTEXT,
    state: u32,
) -> std::result::Result<Vec<String>, u32> {
    let (productw, sidw) = (wide(product), sid.map(wide));
    let mut out = Vec::new();
    for index in 0.. {
        let mut patch = [0u16; 39];
        let mut target = [0u16; 39];
        let mut target_ctx: MSIINSTALLCONTEXT = 0;
        let mut target_sid = [0u16; 256];
        let mut sid_len = 255u32;
        // SAFETY: buffers of the sizes the API requires, `target_sid` of `sid_len` + 1.
        let r = unsafe {
            MsiEnumPatchesExW(
                productw.as_ptr(),
                sidw.as_ref().map_or(std::ptr::null(), |s| s.as_ptr()),
                context as u32,
                state,
                index,
                patch.as_mut_ptr(),
                target.as_mut_ptr(),
                &mut target_ctx,
                target_sid.as_mut_ptr(),
                &mut sid_len,
            )
        };
        match r {
            ERROR_SUCCESS => out.push(from_wide(&patch)),
            ERROR_NO_MORE_ITEMS => break,
            code => return Err(code),
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------------
// Services
// ------------------------------------------------------------------------------------------------

struct ScHandle(SC_HANDLE);
impl Drop for ScHandle {
    fn drop(&mut self) {
        // SAFETY: a handle this module opened and closes once.
        unsafe { CloseServiceHandle(self.0) };
    }
}

fn services(errors: &mut Vec<String>) -> Vec<raw::Service> {
    // SAFETY: NULL machine and database name: the local active database.
    let scm = unsafe {
        OpenSCManagerW(
            std::ptr::null(),
            std::ptr::null(),
            SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE,
        )
    };
    if scm.is_null() {
        errors.push(format!(
            "the Service Control Manager could not be opened: {}",
            last_error()
        ));
        return Vec::new();
    }
    let scm = ScHandle(scm);
    let mut out = Vec::new();
    let mut resume = 0u32;
    let mut buf: Vec<u64> = vec![0; 8192];
    loop {
        let (mut needed, mut count) = (0u32, 0u32);
        // SAFETY: `buf` is 8-aligned and its size in bytes is passed.
        let ok = unsafe {
            EnumServicesStatusExW(
                scm.0,
                SC_ENUM_PROCESS_INFO,
                SERVICE_WIN32,
                SERVICE_STATE_ALL,
                buf.as_mut_ptr().cast(),
                (buf.len() * 8) as u32,
                &mut needed,
                &mut count,
                &mut resume,
                std::ptr::null(),
            )
        };
        // SAFETY: no arguments.
        let more = ok == 0 && unsafe { GetLastError() } == ERROR_MORE_DATA;
        if ok == 0 && !more {
            errors.push(format!("services could not be listed: {}", last_error()));
            break;
        }
        let entries = buf.as_ptr().cast::<ENUM_SERVICE_STATUS_PROCESSW>();
        for i in 0..count as usize {
            // SAFETY: the API wrote `count` entries at the start of `buf`.
            let e = unsafe { &*entries.add(i) };
            let name = from_pwstr(e.lpServiceName);
            out.push(raw::Service {
                config: service_config(&scm, &name),
                display_name: Some(from_pwstr(e.lpDisplayName)),
                state: e.ServiceStatusProcess.dwCurrentState,
                process_id: e.ServiceStatusProcess.dwProcessId,
                name,
            });
        }
        if !more {
            break;
        }
        if count == 0 {
            buf = vec![0; (needed as usize).div_ceil(8) + 1];
        }
    }
    out
}

fn service_config(scm: &ScHandle, name: &str) -> std::result::Result<raw::ServiceConfig, String> {
    let namew = wide(name);
    // SAFETY: a NUL-terminated name and an open manager handle.
    let h = unsafe { OpenServiceW(scm.0, namew.as_ptr(), SERVICE_QUERY_CONFIG) };
    if h.is_null() {
        return Err(last_error());
    }
    let h = ScHandle(h);
    let mut buf: Vec<u64> = vec![0; 1024];
    loop {
        let mut needed = 0u32;
        // SAFETY: `buf` is 8-aligned and its size in bytes is passed.
        let ok = unsafe {
            QueryServiceConfigW(
                h.0,
                buf.as_mut_ptr().cast(),
                (buf.len() * 8) as u32,
                &mut needed,
            )
        };
        if ok != 0 {
            break;
        }
        if needed as usize > buf.len() * 8 && needed < 1 << 24 {
            buf = vec![0; (needed as usize).div_ceil(8) + 1];
            continue;
        }
        return Err(last_error());
    }
    // SAFETY: the API filled `buf` with the structure and the strings it points to.
    let c = unsafe { &*buf.as_ptr().cast::<QUERY_SERVICE_CONFIGW>() };
    let text = |p: PWSTR| Some(from_pwstr(p)).filter(|s| !s.is_empty());
    Ok(raw::ServiceConfig {
        start_type: c.dwStartType,
        command_line: text(c.lpBinaryPathName),
        account: text(c.lpServiceStartName),
        dependencies: multi_sz(c.lpDependencies),
    })
}

// ------------------------------------------------------------------------------------------------
// Processes
// ------------------------------------------------------------------------------------------------

struct Handle(HANDLE);
impl Drop for Handle {
    fn drop(&mut self) {
        // SAFETY: a handle this module opened and closes once.
        unsafe { CloseHandle(self.0) };
    }
}

fn open_process(access: u32, pid: u32) -> std::result::Result<Handle, String> {
    // SAFETY: plain arguments; a null result is checked.
    let h = unsafe { OpenProcess(access, 0, pid) };
    if h.is_null() {
        Err(last_error())
    } else {
        Ok(Handle(h))
    }
}

fn processes(errors: &mut Vec<String>) -> Vec<raw::Process> {
    // SAFETY: plain arguments; an invalid handle is checked.
    let snap = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
    if snap == INVALID_HANDLE_VALUE || snap.is_null() {
        errors.push(format!("processes could not be listed: {}", last_error()));
        return Vec::new();
    }
    let snap = Handle(snap);
    let mut out = Vec::new();
    let mut e = PROCESSENTRY32W {
        dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
        ..Default::default()
    };
    // SAFETY: `e` is a PROCESSENTRY32W with dwSize set.
    let mut ok = unsafe { Process32FirstW(snap.0, &mut e) };
    while ok != 0 {
        let pid = e.th32ProcessID;
        let mut session = 0u32;
        // SAFETY: plain arguments.
        let session_id =
            (unsafe { ProcessIdToSessionId(pid, &mut session) } != 0).then_some(session);
        let modules = modules(pid);
        let image_path = image_path(pid).or_else(|e| match &modules {
            Ok(m) if !m.is_empty() => Ok(m[0].clone()),
            _ => Err(e),
        });
        out.push(raw::Process {
            pid,
            parent_pid: e.th32ParentProcessID,
            exe_file: from_wide(&e.szExeFile),
            image_path,
            session_id,
            modules,
        });
        // SAFETY: as for Process32FirstW.
        ok = unsafe { Process32NextW(snap.0, &mut e) };
    }
    out
}

fn image_path(pid: u32) -> std::result::Result<String, String> {
    let h = open_process(PROCESS_QUERY_LIMITED_INFORMATION, pid)?;
    let mut buf = vec![0u16; 32768];
    let mut len = buf.len() as u32;
    // SAFETY: `buf` holds `len` characters.
    let ok =
        unsafe { QueryFullProcessImageNameW(h.0, PROCESS_NAME_WIN32, buf.as_mut_ptr(), &mut len) };
    if ok == 0 {
        return Err(last_error());
    }
    Ok(String::from_utf16_lossy(&buf[..len as usize]))
}

fn modules(pid: u32) -> std::result::Result<Vec<String>, String> {
    let h = open_process(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, pid)?;
    let mut list: Vec<HMODULE> = vec![std::ptr::null_mut(); 1024];
    loop {
        let mut needed = 0u32;
        let bytes = (list.len() * std::mem::size_of::<HMODULE>()) as u32;
        // SAFETY: `list` holds `bytes` bytes of module handles.
        let ok = unsafe {
            EnumProcessModulesEx(h.0, list.as_mut_ptr(), bytes, &mut needed, LIST_MODULES_ALL)
        };
        if ok == 0 {
            return Err(last_error());
        }
        let n = needed as usize / std::mem::size_of::<HMODULE>();
        if n > list.len() {
            list = vec![std::ptr::null_mut(); n + 64];
            continue;
        }
        list.truncate(n);
        break;
    }
    let mut out = Vec::with_capacity(list.len());
    let mut buf = vec![0u16; 32768];
    for m in list {
        // SAFETY: `buf` holds its length in characters.
        let n = unsafe { GetModuleFileNameExW(h.0, m, buf.as_mut_ptr(), buf.len() as u32) };
        if n > 0 {
            out.push(String::from_utf16_lossy(&buf[..n as usize]));
        }
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------------
// The Restart Manager
// ------------------------------------------------------------------------------------------------

/// One session over `files`: the processes holding any of them.
fn rm_holders(files: &[String]) -> std::result::Result<Vec<u32>, String> {
    let mut session = 0u32;
    let mut key = [0u16; CCH_RM_SESSION_KEY as usize + 1];
    // SAFETY: `key` holds CCH_RM_SESSION_KEY + 1 characters.
    let r = unsafe { RmStartSession(&mut session, 0, key.as_mut_ptr()) };
    if r != ERROR_SUCCESS {
        return Err(format!("RmStartSession: {}", win_error(r)));
    }
    struct Session(u32);
    impl Drop for Session {
        fn drop(&mut self) {
            // SAFETY: a session this function started.
            unsafe { RmEndSession(self.0) };
        }
    }
    let session = Session(session);
    let names: Vec<Vec<u16>> = files.iter().map(|f| wide(f)).collect();
    let ptrs: Vec<PCWSTR> = names.iter().map(|n| n.as_ptr()).collect();
    // SAFETY: `ptrs` points at NUL-terminated names that outlive the call.
    let r = unsafe {
        RmRegisterResources(
            session.0,
            ptrs.len() as u32,
            ptrs.as_ptr(),
            0,
            std::ptr::null(),
            0,
            std::ptr::null(),
        )
    };
    if r != ERROR_SUCCESS {
        return Err(format!("RmRegisterResources: {}", win_error(r)));
    }
    let mut infos: Vec<RM_PROCESS_INFO> = Vec::new();
    for _ in 0..8 {
        let (mut needed, mut count, mut reasons) = (0u32, infos.len() as u32, 0u32);
        // SAFETY: `infos` holds `count` entries (none at first: the call then says how many).
        let r = unsafe {
            RmGetList(
                session.0,
                &mut needed,
                &mut count,
                if infos.is_empty() {
                    std::ptr::null_mut()
                } else {
                    infos.as_mut_ptr()
                },
                &mut reasons,
            )
        };
        match r {
            ERROR_SUCCESS => {
                infos.truncate(count as usize);
                return Ok(infos.iter().map(|i| i.Process.dwProcessId).collect());
            }
            ERROR_MORE_DATA => {
                // SAFETY: RM_PROCESS_INFO is plain data; all zeroes is a valid value.
                infos = (0..needed + 4)
                    .map(|_| unsafe { std::mem::zeroed() })
                    .collect();
            }
            code => return Err(format!("RmGetList: {}", win_error(code))),
        }
    }
    Err("RmGetList: the list kept growing".to_string())
}

// ------------------------------------------------------------------------------------------------
// The system
// ------------------------------------------------------------------------------------------------

fn os() -> raw::Os {
    // SAFETY: OSVERSIONINFOEXW is plain data; dwOSVersionInfoSize says which form is passed.
    let mut v: OSVERSIONINFOEXW = unsafe { std::mem::zeroed() };
    v.dwOSVersionInfoSize = std::mem::size_of::<OSVERSIONINFOEXW>() as u32;
    // SAFETY: RtlGetVersion fills the EX form when its size is given.
    unsafe { RtlGetVersion((&mut v as *mut OSVERSIONINFOEXW).cast::<OSVERSIONINFOW>()) };
    // SAFETY: SYSTEM_INFO is plain data, filled by the call.
    let mut si: SYSTEM_INFO = unsafe { std::mem::zeroed() };
    unsafe { GetNativeSystemInfo(&mut si) };
    // SAFETY: the union's structure form is the one GetNativeSystemInfo writes.
    let arch = unsafe { si.Anonymous.Anonymous.wProcessorArchitecture };
    let mut dir = [0u16; 260];
    // SAFETY: `dir` holds 260 characters.
    let n = unsafe { GetSystemDirectoryW(dir.as_mut_ptr(), dir.len() as u32) } as usize;
    let installer_version = (n > 0 && n < dir.len())
        .then(|| format!("{}\\msi.dll", String::from_utf16_lossy(&dir[..n])))
        .and_then(|p| file_version(&p));
    raw::Os {
        major: v.dwMajorVersion,
        minor: v.dwMinorVersion,
        build: v.dwBuildNumber,
        service_pack: from_wide(&v.szCSDVersion),
        product_type: v.wProductType,
        processor_architecture: arch,
        caption: registry_string(
            r"SOFTWARE\Microsoft\Windows NT\CurrentVersion",
            "ProductName",
        ),
        installer_version,
    }
}

/// The version resource of a file (`8.0.685.24`), when it has one.
fn file_version(path: &str) -> Option<String> {
    let pathw = wide(path);
    let mut ignored = 0u32;
    // SAFETY: a NUL-terminated path.
    let size = unsafe { GetFileVersionInfoSizeW(pathw.as_ptr(), &mut ignored) };
    if size == 0 {
        return None;
    }
    let mut block: Vec<u64> = vec![0; (size as usize).div_ceil(8)];
    // SAFETY: `block` holds `size` bytes.
    if unsafe { GetFileVersionInfoW(pathw.as_ptr(), 0, size, block.as_mut_ptr().cast()) } == 0 {
        return None;
    }
    let root = wide("\\");
    let mut info: *mut c_void = std::ptr::null_mut();
    let mut len = 0u32;
    // SAFETY: `block` is the version resource just read; the answer points into it.
    let ok = unsafe { VerQueryValueW(block.as_ptr().cast(), root.as_ptr(), &mut info, &mut len) };
    if ok == 0 || info.is_null() || (len as usize) < std::mem::size_of::<VS_FIXEDFILEINFO>() {
        return None;
    }
    // SAFETY: VerQueryValueW points at a VS_FIXEDFILEINFO inside `block`.
    let f = unsafe { std::ptr::read_unaligned(info.cast::<VS_FIXEDFILEINFO>()) };
    Some(format!(
        "{}.{}.{}.{}",
        f.dwFileVersionMS >> 16,
        f.dwFileVersionMS & 0xFFFF,
        f.dwFileVersionLS >> 16,
        f.dwFileVersionLS & 0xFFFF
    ))
}

/// A string value under HKLM (REG_EXPAND_SZ comes back expanded, as REG_SZ).
fn registry_string(key: &str, value: &str) -> Option<String> {
    let (keyw, valuew) = (wide(key), wide(value));
    let mut buf = vec![0u16; 1024];
    let mut bytes = (buf.len() * 2) as u32;
    // SAFETY: `buf` holds `bytes` bytes; the strings are NUL-terminated.
    let r = unsafe {
        RegGetValueW(
            HKEY_LOCAL_MACHINE,
            keyw.as_ptr(),
            valuew.as_ptr(),
            RRF_RT_REG_SZ,
            std::ptr::null_mut(),
            buf.as_mut_ptr().cast(),
            &mut bytes,
        )
    };
    (r == ERROR_SUCCESS).then(|| from_wide(&buf))
}

/// The names of the machine's environment variables.
fn machine_variable_names() -> Vec<String> {
    let key = wide(r"SYSTEM\CurrentControlSet\Control\Session Manager\Environment");
    let mut h: HKEY = std::ptr::null_mut();
    // SAFETY: a NUL-terminated key name; `h` receives the key.
    if unsafe { RegOpenKeyExW(HKEY_LOCAL_MACHINE, key.as_ptr(), 0, KEY_READ, &mut h) }
        != ERROR_SUCCESS
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    for index in 0.. {
        let mut name = [0u16; 16384];
        let mut len = name.len() as u32;
        // SAFETY: `name` holds `len` characters; no data is asked for.
        let r = unsafe {
            RegEnumValueW(
                h,
                index,
                name.as_mut_ptr(),
                &mut len,
                std::ptr::null(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if r != ERROR_SUCCESS {
            break;
        }
        out.push(String::from_utf16_lossy(&name[..len as usize]));
    }
    // SAFETY: the key opened above.
    unsafe { RegCloseKey(h) };
    out
}

fn computer_name() -> Option<String> {
    grow(|buf, len| {
        // SAFETY: `buf` holds `*len` + 1 characters.
        if unsafe { GetComputerNameExW(ComputerNameNetBIOS, buf, len) } != 0 {
            ERROR_SUCCESS
        } else {
            // SAFETY: no arguments.
            unsafe { GetLastError() }
        }
    })
    .ok()
}

fn elevated() -> Option<bool> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: the pseudo handle of this process; `token` receives a handle.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return None;
    }
    let token = Handle(token);
    let mut e = TOKEN_ELEVATION { TokenIsElevated: 0 };
    let mut len = 0u32;
    // SAFETY: `e` is the structure TokenElevation asks for, its size given.
    let ok = unsafe {
        GetTokenInformation(
            token.0,
            TokenElevation,
            (&mut e as *mut TOKEN_ELEVATION).cast(),
            std::mem::size_of::<TOKEN_ELEVATION>() as u32,
            &mut len,
        )
    };
    (ok != 0).then_some(e.TokenIsElevated != 0)
}
