//! The ICEs about the schema, the sequence tables and the Directory keys (the ICE reference's
//! ICE06, ICE82, ICE99).

use std::collections::HashMap;

use super::{Finding, Rows, Severity};
use crate::database::DatabaseModel;

/// ICE06: every column `_Validation` lists for a table of the database is in that table.
pub(super) fn ice06(model: &DatabaseModel) -> Vec<Finding> {
    let Some(v) = Rows::of(model, "_Validation") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in v.iter() {
        let (Some(t), Some(c)) = (r.str("Table"), r.str("Column")) else {
            continue;
        };
        let Some(table) = model.table(t) else {
            continue;
        };
        if table.def.column_index(c).is_none() {
            out.push(
                Finding::new("ICE06", Severity::Error, "missing-column")
                    .table(t)
                    .column(c)
                    .message(format!(
                        "Column: {c} of Table: {t} is not defined in database."
                    )),
            );
        }
    }
    out
}

const SEQUENCE_TABLES: [&str; 5] = [
    "InstallExecuteSequence",
    "InstallUISequence",
    "AdminExecuteSequence",
    "AdminUISequence",
    "AdvtExecuteSequence",
];

const REGISTRATION: [&str; 4] = [
    "RegisterProduct",
    "RegisterUser",
    "PublishProduct",
    "PublishFeatures",
];

/// ICE82: no two actions of a sequence table share a sequence number (a warning); the
/// InstallExecuteSequence has all four registration actions (an error when only some are there,
/// a warning when none is).
pub(super) fn ice82(model: &DatabaseModel) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in SEQUENCE_TABLES {
        let Some(t) = Rows::of(model, table) else {
            continue;
        };
        let mut seen: HashMap<i32, &str> = HashMap::new();
        for r in t.iter() {
            let (Some(action), Some(seq)) = (r.str("Action"), r.int("Sequence")) else {
                continue;
            };
            if let Some(first) = seen.get(&seq) {
                out.push(
                    Finding::new("ICE82", Severity::Warning, "duplicate-sequence")
                        .table(table)
                        .key(r.key())
                        .column("Sequence")
                        .message(format!(
                            "This action {action} has duplicate sequence number {seq} in the table {table} (as {first})"
                        )),
                );
            } else {
                seen.insert(seq, action);
            }
        }
    }
    // A merge module's sequence tables are placeholders; the product that merges it registers.
    let module = model.table("ModuleSignature").is_some();
    if let Some(t) = Rows::of(model, "InstallExecuteSequence").filter(|_| !module) {
        let present: Vec<&str> = REGISTRATION
            .into_iter()
            .filter(|a| t.iter().any(|r| r.str("Action") == Some(*a)))
            .collect();
        let missing: Vec<&str> = REGISTRATION
            .into_iter()
            .filter(|a| !present.contains(a))
            .collect();
        if present.is_empty() {
            out.push(
                Finding::new("ICE82", Severity::Warning, "registration-none")
                    .table("InstallExecuteSequence")
                    .message(format!(
                        "The InstallExecuteSequence table does not contain the set of actions mentioned below: Actions Missing: {}",
                        missing.join(", ")
                    )),
            );
        } else if !missing.is_empty() {
            out.push(
                Finding::new("ICE82", Severity::Error, "registration-partial")
                    .table("InstallExecuteSequence")
                    .message(format!(
                        "The InstallExecuteSequence should either contain all of the actions mentioned below or none of them. Actions Present: {}. Actions Missing: {}",
                        present.join(", "),
                        missing.join(", ")
                    )),
            );
        }
    }
    out
}

/// Properties Windows Installer sets or reads itself ("Property Reference"), other than the
/// folder properties a Directory row is meant to name.
const RESERVED_PROPERTIES: &[&str] = &[
    "ACTION",
    "ADDDEFAULT",
    "ADDLOCAL",
    "ADDSOURCE",
    "ADVERTISE",
    "AFTERREBOOT",
    "ALLUSERS",
    "ARPAUTHORIZEDCDFPREFIX",
    "ARPCOMMENTS",
    "ARPCONTACT",
    "ARPHELPLINK",
    "ARPHELPTELEPHONE",
    "ARPINSTALLLOCATION",
    "ARPNOMODIFY",
    "ARPNOREMOVE",
    "ARPNOREPAIR",
    "ARPPRODUCTICON",
    "ARPREADME",
    "ARPSIZE",
    "ARPSYSTEMCOMPONENT",
    "ARPURLINFOABOUT",
    "ARPURLUPDATEINFO",
    "AdminUser",
    "Alpha",
    "BorderSide",
    "BorderTop",
    "CCP_DRIVE",
    "CaptionHeight",
    "ColorBits",
    "COMPADDDEFAULT",
    "COMPADDLOCAL",
    "COMPADDSOURCE",
    "COMPANYNAME",
    "ComputerName",
    "CostingComplete",
    "CustomActionData",
    "Date",
    "DefaultUIFont",
    "DISABLEADVTSHORTCUTS",
    "DISABLEMEDIA",
    "DISABLEROLLBACK",
    "EXECUTEACTION",
    "EXECUTEMODE",
    "FASTOEM",
    "FILEADDDEFAULT",
    "FILEADDLOCAL",
    "FILEADDSOURCE",
    "INSTALLLEVEL",
    "Installed",
    "Intel",
    "Intel64",
    "IsAdminPackage",
    "LeftUnit",
    "LIMITUI",
    "LOGACTION",
    "LogonUser",
    "Manufacturer",
    "MEDIAPACKAGEPATH",
    "MSIDISABLERMRESTART",
    "MSIFASTINSTALL",
    "MSIINSTANCEGUID",
    "MSINEWINSTANCE",
    "MSIPATCHREMOVE",
    "MSIRESTARTMANAGERCONTROL",
    "MSIRMSHUTDOWN",
    "MSIUSEREALADMINDETECTION",
    "MsiAMD64",
    "MsiHiddenProperties",
    "MsiLogFileLocation",
    "MsiLogging",
    "MsiNTProductType",
    "MsiNTSuiteBackOffice",
    "MsiNTSuiteDataCenter",
    "MsiNTSuiteEnterprise",
    "MsiNTSuitePersonal",
    "MsiNTSuiteSmallBusiness",
    "MsiNTSuiteSmallBusinessRestricted",
    "MsiNTSuiteWebServer",
    "MsiNetAssemblySupport",
    "MsiRunningElevated",
    "MsiSystemRebootPending",
    "MsiTabletPC",
    "MsiUIHideCancel",
    "MsiUIProgressOnly",
    "MsiUISourceResOnly",
    "MsiWin32AssemblySupport",
    "Msix64",
    "NOCOMPANYNAME",
    "NOUSERNAME",
    "OLEAdvtSupport",
    "OriginalDatabase",
    "OutOfDiskSpace",
    "OutOfNoRbDiskSpace",
    "PATCH",
    "PIDKEY",
    "PIDTemplate",
    "PhysicalMemory",
    "Preselected",
    "PRIMARYFOLDER",
    "Privileged",
    "ProductCode",
    "ProductID",
    "ProductLanguage",
    "ProductName",
    "ProductState",
    "ProductVersion",
    "PROMPTROLLBACKCOST",
    "REBOOT",
    "REBOOTPROMPT",
    "REINSTALL",
    "REINSTALLMODE",
    "REMOVE",
    "RESUME",
    "RedirectedDllSupport",
    "RemoteAdminTS",
    "ReplacedInUseFiles",
    "RollbackDisabled",
    "SEQUENCE",
    "ScreenX",
    "ScreenY",
    "SecureCustomProperties",
    "ServicePackLevel",
    "ServicePackLevelMinor",
    "SharedWindows",
    "ShellAdvtSupport",
    "SHORTFILENAMES",
    "SOURCELIST",
    "SystemLanguageID",
    "TRANSFORMS",
    "TRANSFORMSATSOURCE",
    "TRANSFORMSSECURE",
    "TTCSupport",
    "TerminalServer",
    "TextHeight",
    "Time",
    "UILevel",
    "UPGRADINGPRODUCTCODE",
    "USERNAME",
    "UpdateStarted",
    "UpgradeCode",
    "UserLanguageID",
    "UserSID",
    "Version9X",
    "VersionDatabase",
    "VersionMsi",
    "VersionNT",
    "VersionNT64",
    "VirtualMemory",
    "WindowsBuild",
];

/// ICE99: no Directory key is a property Windows Installer reserves.
pub(super) fn ice99(model: &DatabaseModel) -> Vec<Finding> {
    let Some(t) = Rows::of(model, "Directory") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in t.iter() {
        let Some(d) = r.str("Directory") else {
            continue;
        };
        if RESERVED_PROPERTIES.contains(&d) {
            out.push(
                Finding::new("ICE99", Severity::Error, "reserved-property")
                    .table("Directory")
                    .key(r.key())
                    .column("Directory")
                    .message(format!(
                        "The directory name: {d} is the same as one of the MSI Public Properties and can cause unforeseen side effects."
                    )),
            );
        }
    }
    out
}
