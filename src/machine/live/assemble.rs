//! Raw answers of the operating system ([`super::raw`]) → the snapshot model, with a warning for
//! every fact that could not be read. Plain Rust: tested on any system with recorded answers.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use super::raw;
use crate::error::{Error, Result};
use crate::formats::guid::Guid;
use crate::formats::winpath::WinPath;
use crate::machine::snapshot::{
    self, Architecture, Collector, InstallContext, Os, PatchSequence, PatchState, PathFact,
    PathKind, Process, Product, ProductType, Service, ServiceState, Snapshot, StartType,
};

/// Folder properties that particular products leave in the registry (as
/// docs/collect-snapshot.ps1 records them): (product code, property, key under HKLM, value).
/// Exchange Server 2007 writes its install folder to `Exchange\Setup\MsiInstallPath`.
pub const KNOWN_FOLDER_PROPERTIES: &[(&str, &str, &str, &str)] = &[(
    "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}",
    "ExchangeDir",
    r"SOFTWARE\Microsoft\Exchange\Setup",
    "MsiInstallPath",
)];

/// Variables Windows sets for every process rather than in the machine's registry key; kept
/// along with the machine's own. User variables are left out.
pub const SYSTEM_VARIABLE_NAMES: &[&str] = &[
    "ALLUSERSPROFILE",
    "CommonProgramFiles",
    "CommonProgramFiles(x86)",
    "CommonProgramW6432",
    "COMPUTERNAME",
    "ComSpec",
    "NUMBER_OF_PROCESSORS",
    "OS",
    "PROCESSOR_ARCHITECTURE",
    "ProgramData",
    "ProgramFiles",
    "ProgramFiles(x86)",
    "ProgramW6432",
    "PUBLIC",
    "SystemDrive",
    "SystemRoot",
    "windir",
];

/// How many processes a warning names before it says "and N more".
const NAMED_IN_WARNING: usize = 10;

/// Builds the snapshot from what was read. Errors only for a machine the format cannot describe
/// (a processor other than x64 or x86); every missing fact is a warning.
pub fn assemble(m: &raw::Machine) -> Result<Snapshot> {
    let mut warnings: Vec<String> = m.errors.clone();
    if m.elevated == Some(false) {
        warnings.push(
            "not run as an administrator: modules of service processes and some service \
             details are missing"
                .to_string(),
        );
    }
    let os = os(&m.os, &mut warnings)?;
    let environment = environment(m);
    let mut products: Vec<Product> = m
        .products
        .iter()
        .filter_map(|p| product(p, &m.registry, &mut warnings))
        .collect();
    products.sort_by(|a, b| (&a.name, &a.product_code).cmp(&(&b.name, &b.product_code)));
    let services = services(&m.services, &mut warnings);
    let processes = processes(&m.processes, &services, &mut warnings);
    let computer_name = m.computer_name.clone().unwrap_or_else(|| {
        warnings.push("the computer name could not be read".to_string());
        environment
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("COMPUTERNAME"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    });
    Ok(Snapshot {
        snapshot_version: snapshot::SNAPSHOT_VERSION,
        collected_at: rfc3339(m.collected_at_unix),
        collector: Collector {
            name: super::COLLECTOR_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            powershell_version: None,
            elevated: m.elevated,
        },
        computer_name,
        os,
        environment,
        products,
        services,
        processes,
        paths: Vec::new(),
        warnings,
    })
}

fn os(o: &raw::Os, warnings: &mut Vec<String>) -> Result<Os> {
    let architecture = match o.processor_architecture {
        9 => Architecture::X64,
        0 => Architecture::X86,
        other => {
            return Err(Error::unsupported(format!(
                "snapshot version 1 describes x64 and x86 Windows only, not processor \
                 architecture {other}"
            )))
        }
    };
    let product_type = match o.product_type {
        1 => ProductType::Workstation,
        2 => ProductType::DomainController,
        3 => ProductType::Server,
        other => {
            warnings.push(format!(
                "unknown product type {other}; recorded as a workstation"
            ));
            ProductType::Workstation
        }
    };
    if o.installer_version.is_none() {
        warnings.push("the version of msi.dll could not be read".to_string());
    }
    Ok(Os {
        caption: o.caption.clone().filter(|c| !c.is_empty()),
        version: format!("{}.{}.{}", o.major, o.minor, o.build),
        build: o.build,
        service_pack: Some(o.service_pack.trim().to_string()).filter(|s| !s.is_empty()),
        architecture,
        product_type,
        installer_version: o.installer_version.clone(),
    })
}

/// The machine's variables and those Windows sets for every process, once each (names compare
/// without case); the `=C:` entries Windows keeps for drive folders are not variables.
fn environment(m: &raw::Machine) -> BTreeMap<String, String> {
    let wanted: HashSet<String> = SYSTEM_VARIABLE_NAMES
        .iter()
        .map(|s| s.to_string())
        .chain(m.machine_variable_names.iter().cloned())
        .map(|s| s.to_lowercase())
        .collect();
    let mut seen = HashSet::new();
    let mut env = BTreeMap::new();
    for (k, v) in &m.environment {
        if k.is_empty() || k.starts_with('=') || !wanted.contains(&k.to_lowercase()) {
            continue;
        }
        if seen.insert(k.to_lowercase()) {
            env.insert(k.clone(), v.clone());
        }
    }
    env
}

fn text(info: &BTreeMap<String, String>, key: &str) -> Option<String> {
    info.get(key)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// ProductVersion syntax: 1 to 4 numbers up to 65535.
fn is_version(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    (1..=4).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && {
                p.parse::<u32>().is_ok_and(|n| n <= 65535)
            }
        })
}

fn product(
    p: &raw::Product,
    registry: &BTreeMap<(String, String), String>,
    warnings: &mut Vec<String>,
) -> Option<Product> {
    let code = p.product_code.trim().to_uppercase();
    if Guid::parse(&code).is_none() {
        warnings.push(format!(
            "product {:?}: not a product code; left out",
            p.product_code
        ));
        return None;
    }
    let version = match text(&p.info, "VersionString") {
        Some(v) if is_version(&v) => v,
        Some(v) => {
            warnings.push(format!(
                "product {code}: version {v:?} is not a ProductVersion; left out"
            ));
            return None;
        }
        None => {
            warnings.push(format!(
                "product {code}: no version could be read; left out"
            ));
            return None;
        }
    };
    let name = text(&p.info, "ProductName").unwrap_or_else(|| {
        warnings.push(format!("product {code}: no name could be read"));
        String::new()
    });
    let (install_context, user_sid) = if p.context == 4 {
        (InstallContext::Machine, None)
    } else {
        (InstallContext::User, p.user_sid.clone())
    };
    let mut properties = BTreeMap::new();
    for (product, property, key, value) in KNOWN_FOLDER_PROPERTIES {
        if Guid::same_code(product, &code) {
            if let Some(v) = registry.get(&(key.to_string(), value.to_string())) {
                if !v.trim().is_empty() {
                    properties.insert(property.to_string(), v.clone());
                }
            }
        }
    }
    let mut patches: Vec<snapshot::Patch> = Vec::new();
    for raw_patch in &p.patches {
        let Some(patch) = patch(&code, raw_patch, warnings) else {
            continue;
        };
        if patches
            .iter()
            .any(|q| Guid::same_code(&q.patch_code, &patch.patch_code))
        {
            warnings.push(format!(
                "product {code}: patch {} listed twice; the first kept",
                patch.patch_code
            ));
            continue;
        }
        patches.push(patch);
    }
    Some(Product {
        product_code: code,
        name,
        version,
        upgrade_code: None,
        language: text(&p.info, "Language").and_then(|l| l.parse().ok()),
        manufacturer: text(&p.info, "Publisher"),
        install_location: text(&p.info, "InstallLocation"),
        install_context,
        user_sid,
        local_package: text(&p.info, "LocalPackage"),
        properties,
        patches,
    })
}

fn patch(product: &str, p: &raw::Patch, warnings: &mut Vec<String>) -> Option<snapshot::Patch> {
    let code = p.patch_code.trim().to_uppercase();
    if Guid::parse(&code).is_none() {
        warnings.push(format!(
            "product {product}: {:?} is not a patch code; left out",
            p.patch_code
        ));
        return None;
    }
    let state = match p.state {
        1 => PatchState::Applied,
        2 => PatchState::Superseded,
        4 => PatchState::Obsoleted,
        8 => PatchState::Registered,
        other => {
            warnings.push(format!(
                "patch {code} of {product}: unknown state {other}; left out"
            ));
            return None;
        }
    };
    let local_package = text(&p.info, "LocalPackage");
    let mut out = snapshot::Patch {
        patch_code: code.clone(),
        state,
        display_name: text(&p.info, "DisplayName"),
        kb_article: None,
        classification: None,
        installed: text(&p.info, "InstallDate").and_then(|d| install_date(&d)),
        local_package: local_package.clone(),
        sequences: Vec::new(),
    };
    // The cached patch gives MsiPatchMetadata (Wine answers DisplayName empty) and
    // MsiPatchSequence; msikit's own reader opens it.
    match &local_package {
        None => warnings.push(format!(
            "patch {code} of {product}: no cached patch is registered; its metadata and \
             sequences are unknown"
        )),
        Some(path) => match crate::views::patch::info(Path::new(path)) {
            Ok(info) => {
                let meta = |k: &str| {
                    info.metadata(k)
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                };
                if out.display_name.is_none() {
                    out.display_name = meta("DisplayName");
                }
                out.kb_article = meta("KBArticle Number").map(|k| {
                    let k = k
                        .trim_start_matches(['K', 'k'])
                        .trim_start_matches(['B', 'b']);
                    k.to_string()
                });
                out.classification = meta("Classification");
                out.sequences = info
                    .sequence
                    .iter()
                    .map(|s| PatchSequence {
                        family: s.family.clone(),
                        sequence: s.sequence.clone(),
                        supersede: s.supersede_earlier,
                        product_code: s.product_code.clone(),
                    })
                    .collect();
            }
            Err(e) => warnings.push(format!(
                "patch {code} of {product}: the cached patch could not be read ({e}); its \
                 metadata and sequences are unknown"
            )),
        },
    }
    Some(out)
}

/// MsiGetPatchInfoEx's InstallDate, `YYYYMMDD`, as `YYYY-MM-DD`.
fn install_date(d: &str) -> Option<String> {
    (d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()))
        .then(|| format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..]))
}

fn services(list: &[raw::Service], warnings: &mut Vec<String>) -> Vec<Service> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for s in list {
        if !seen.insert(s.name.to_lowercase()) {
            warnings.push(format!("service {} listed twice; the first kept", s.name));
            continue;
        }
        let config = match &s.config {
            Ok(c) => c,
            Err(e) => {
                warnings.push(format!(
                    "service {}: its configuration could not be read ({e}); left out",
                    s.name
                ));
                continue;
            }
        };
        let start_type = match config.start_type {
            0 => StartType::Boot,
            1 => StartType::System,
            2 => StartType::Auto,
            3 => StartType::Demand,
            4 => StartType::Disabled,
            other => {
                warnings.push(format!(
                    "service {}: unknown start type {other}; left out",
                    s.name
                ));
                continue;
            }
        };
        let state = match s.state {
            1 => ServiceState::Stopped,
            2 => ServiceState::StartPending,
            3 => ServiceState::StopPending,
            4 => ServiceState::Running,
            5 => ServiceState::ContinuePending,
            6 => ServiceState::PausePending,
            7 => ServiceState::Paused,
            _ => ServiceState::Unknown,
        };
        let command_line = config.command_line.clone().filter(|c| !c.trim().is_empty());
        out.push(Service {
            name: s.name.clone(),
            display_name: s.display_name.clone().filter(|d| !d.is_empty()),
            state,
            start_type,
            process_id: (s.process_id != 0).then_some(s.process_id),
            image_path: command_line.as_deref().and_then(image_of_command_line),
            command_line,
            account: config.account.clone().filter(|a| !a.is_empty()),
            depends_on: config
                .dependencies
                .iter()
                .filter(|d| !d.is_empty() && !d.starts_with('+'))
                .cloned()
                .collect(),
        });
    }
    out
}

/// The executable of a service's command line, without quotes and arguments: the quoted part,
/// else up to the first `.exe` (case aside) followed by a space or the end, else up to the
/// first space.
pub fn image_of_command_line(cmd: &str) -> Option<String> {
    let cmd = cmd.trim();
    if let Some(rest) = cmd.strip_prefix('"') {
        let end = rest.find('"').unwrap_or(rest.len());
        return Some(rest[..end].to_string()).filter(|s| !s.is_empty());
    }
    let lower = cmd.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(".exe") {
        let end = from + i + 4;
        if end == cmd.len() || cmd[end..].starts_with(' ') {
            return Some(cmd[..end].to_string());
        }
        from = end;
    }
    cmd.split(' ')
        .next()
        .map(str::to_string)
        .filter(|s| !s.is_empty())
}

fn processes(
    list: &[raw::Process],
    services: &[Service],
    warnings: &mut Vec<String>,
) -> Vec<Process> {
    let mut seen = HashSet::new();
    let mut no_modules: Vec<String> = Vec::new();
    let mut no_image: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for p in list {
        if !seen.insert(p.pid) {
            continue;
        }
        let who = format!("{} ({})", p.exe_file, p.pid);
        // The idle and System processes have neither an image file nor modules to read.
        let pseudo = p.pid == 0 || p.pid == 4;
        let image_path = match &p.image_path {
            Ok(i) if !i.is_empty() => Some(i.clone()),
            Ok(_) => None,
            Err(e) => {
                if !pseudo {
                    no_image.push(format!("{who}: {e}"));
                }
                None
            }
        };
        let modules = match &p.modules {
            Ok(m) => Some(m.clone()),
            Err(e) => {
                if !pseudo {
                    no_modules.push(format!("{who}: {e}"));
                }
                None
            }
        };
        let mut hosted: Vec<String> = services
            .iter()
            .filter(|s| s.process_id == Some(p.pid))
            .map(|s| s.name.clone())
            .collect();
        hosted.sort_by_key(|s| s.to_lowercase());
        out.push(Process {
            pid: p.pid,
            name: p.exe_file.clone(),
            image_path,
            parent_pid: (p.pid != 0).then_some(p.parent_pid),
            session_id: p.session_id,
            window_title: None,
            services: hosted,
            modules,
            open_files: None,
        });
    }
    for (what, list) in [
        ("modules could not be read", no_modules),
        ("the image path could not be read", no_image),
    ] {
        if !list.is_empty() {
            warnings.push(format!(
                "{what} for {} processes: {}",
                list.len(),
                named(&list)
            ));
        }
    }
    out
}

/// The first few of a list, then "and N more".
fn named(list: &[String]) -> String {
    let mut s = list
        .iter()
        .take(NAMED_IN_WARNING)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if list.len() > NAMED_IN_WARNING {
        s.push_str(&format!("; and {} more", list.len() - NAMED_IN_WARNING));
    }
    s
}

/// The paths to record facts about: those asked for, then each product's install folder and
/// cached packages, once each (as Windows compares paths).
pub fn paths_to_probe(snap: &Snapshot, asked: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    let from_products = snap.products.iter().flat_map(|p| {
        p.install_location
            .iter()
            .chain(p.local_package.iter())
            .chain(p.patches.iter().flat_map(|q| q.local_package.iter()))
    });
    for path in asked.iter().chain(from_products) {
        if path.trim().is_empty() {
            continue;
        }
        if seen.insert(snap.path_key(path)) {
            out.push(path.clone());
        }
    }
    out
}

/// What is at `path` (already expanded): missing, a folder, or a file with its size and
/// version resource (`version` reads it; only Windows can).
pub fn probe(path: &str, version: impl Fn(&Path) -> Option<String>) -> Result<raw::Found, String> {
    let p = Path::new(path);
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => Ok(raw::Found::Dir),
        Ok(m) => Ok(raw::Found::File {
            size: m.len(),
            version: version(p),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(raw::Found::Missing),
        Err(e) => Err(e.to_string()),
    }
}

/// Records path facts (paths as asked, `%VARIABLES%` kept); a path that could not be examined
/// is a warning and no fact.
pub fn add_path_facts(snap: &mut Snapshot, facts: Vec<(String, Result<raw::Found, String>)>) {
    for (path, found) in facts {
        let fact = match found {
            Ok(raw::Found::Missing) => PathFact {
                path,
                exists: false,
                kind: None,
                size: None,
                version: None,
            },
            Ok(raw::Found::Dir) => PathFact {
                path,
                exists: true,
                kind: Some(PathKind::Dir),
                size: None,
                version: None,
            },
            Ok(raw::Found::File { size, version }) => PathFact {
                path,
                exists: true,
                kind: Some(PathKind::File),
                size: Some(size),
                version,
            },
            Err(e) => {
                snap.warnings.push(format!("could not examine {path}: {e}"));
                continue;
            }
        };
        snap.paths.push(fact);
    }
}

/// One Restart Manager session over a set of files: the ids of the processes holding any.
pub type HolderQuery<'a> = dyn FnMut(&[String]) -> std::result::Result<Vec<u32>, String> + 'a;

/// The most files registered with one Restart Manager session.
pub const FILES_PER_SESSION: usize = 1000;

/// Which processes hold each of `files`, with `query` answering for a set of files at once (one
/// Restart Manager session: RmRegisterResources + RmGetList). A set nobody holds is settled by
/// one query; a held set is halved until each holder is tied to its files, so a patch of
/// thousands of files with few in use costs few sessions. Errors are returned in words.
pub fn find_holders(
    files: &[String],
    query: &mut HolderQuery<'_>,
) -> (Vec<raw::Held>, Vec<String>) {
    let mut held = Vec::new();
    let mut errors = Vec::new();
    for chunk in files.chunks(FILES_PER_SESSION) {
        split(chunk, query, &mut held, &mut errors);
    }
    (held, errors)
}

fn split(
    files: &[String],
    query: &mut HolderQuery<'_>,
    held: &mut Vec<raw::Held>,
    errors: &mut Vec<String>,
) {
    if files.is_empty() {
        return;
    }
    let mut pids = match query(files) {
        Ok(p) => p,
        Err(e) => {
            errors.push(format!(
                "the Restart Manager could not say who holds {} files ({}{}): {e}",
                files.len(),
                files[0],
                if files.len() > 1 { ", ..." } else { "" }
            ));
            return;
        }
    };
    if pids.is_empty() {
        return;
    }
    if files.len() == 1 {
        pids.sort_unstable();
        pids.dedup();
        held.push(raw::Held {
            file: files[0].clone(),
            pids,
        });
        return;
    }
    let (a, b) = files.split_at(files.len() / 2);
    split(a, query, held, errors);
    split(b, query, held, errors);
}

/// Records the Restart Manager's answers: a held file the process's image or modules do not
/// already name becomes one of its open files. A holder that is gone is a warning; a holder
/// whose modules could not be read is recorded as holding the file open, with a warning (the
/// Restart Manager does not say how a file is held).
pub fn add_holds(snap: &mut Snapshot, held: &[raw::Held], errors: Vec<String>) {
    snap.warnings.extend(errors);
    for h in held {
        let key = WinPath::new(&h.file).into_key();
        for &pid in &h.pids {
            let Some(p) = snap.processes.iter_mut().find(|p| p.pid == pid) else {
                snap.warnings.push(format!(
                    "the Restart Manager names process {pid} as holding {}, but it is not in \
                     the process list (it ended meanwhile)",
                    h.file
                ));
                continue;
            };
            let is_key = |s: &String| WinPath::new(s).into_key() == key;
            if p.image_path.iter().any(is_key) || p.modules.iter().flatten().any(is_key) {
                continue;
            }
            if p.modules.is_none() {
                snap.warnings.push(format!(
                    "{} ({pid}) holds {} (Restart Manager); its modules could not be read, so \
                     it is recorded as an open file",
                    p.name, h.file
                ));
            }
            let open = p.open_files.get_or_insert_with(Vec::new);
            if !open.iter().any(is_key) {
                open.push(h.file.clone());
            }
        }
    }
}

/// Checks a collected snapshot with msikit's own loader (the rules `--snapshot` applies).
pub fn validate(snap: &Snapshot) -> Result<()> {
    let json = serde_json::to_vec(snap).map_err(|e| Error::malformed(e.to_string()))?;
    snapshot::parse("the collected snapshot", &json).map(|_| ())
}

/// Seconds since 1970 as RFC 3339 in UTC (`2010-03-08T09:41:27Z`).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests;
