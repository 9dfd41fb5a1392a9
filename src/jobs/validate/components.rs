//! The ICEs about components, their key paths and where they install (the ICE reference's
//! ICE02, ICE07, ICE08, ICE09, ICE18, ICE19, ICE30, ICE38, ICE43, ICE64).

use std::collections::{HashMap, HashSet};

use super::{Finding, Row, Rows, Severity};
use crate::database::DatabaseModel;
use crate::views::paths::Resolver;

/// Component.Attributes: the key path is a Registry row.
const REGISTRY_KEY_PATH: i32 = 0x4;
/// Component.Attributes: the key path is an ODBCDataSource row.
const ODBC_KEY_PATH: i32 = 0x20;
/// Component.Attributes: never removed.
const PERMANENT: i32 = 0x10;

/// The standard folders in a user's profile.
const PROFILE_FOLDERS: &[&str] = &[
    "AdminToolsFolder",
    "AppDataFolder",
    "DesktopFolder",
    "FavoritesFolder",
    "LocalAppDataFolder",
    "MyPicturesFolder",
    "NetHoodFolder",
    "PersonalFolder",
    "PrintHoodFolder",
    "ProgramMenuFolder",
    "RecentFolder",
    "SendToFolder",
    "StartMenuFolder",
    "StartupFolder",
    "TemplateFolder",
];

/// The Directory tree: each key's parent.
struct Tree {
    parent: HashMap<String, Option<String>>,
}

impl Tree {
    fn new(model: &DatabaseModel) -> Tree {
        let mut parent = HashMap::new();
        if let Some(t) = Rows::of(model, "Directory") {
            for r in t.iter() {
                if let Some(k) = r.str("Directory") {
                    let p = r.str("Directory_Parent").filter(|p| *p != k);
                    parent.insert(k.to_string(), p.map(str::to_string));
                }
            }
        }
        Tree { parent }
    }

    /// The first of `roots` found walking up from `dir` (itself included).
    fn under<'a>(&self, dir: &str, roots: &[&'a str]) -> Option<&'a str> {
        let mut cur = Some(dir.to_string());
        for _ in 0..256 {
            let d = cur?;
            if let Some(r) = roots.iter().find(|r| **r == d) {
                return Some(r);
            }
            cur = self.parent.get(&d).cloned().flatten();
        }
        None
    }

    fn in_profile(&self, dir: &str) -> bool {
        self.under(dir, PROFILE_FOLDERS).is_some()
    }
}

struct Component<'m> {
    row: Row<'m>,
    name: &'m str,
    dir: Option<&'m str>,
    attrs: i32,
    key_path: Option<&'m str>,
}

fn components(model: &DatabaseModel) -> Vec<Component<'_>> {
    let Some(t) = Rows::of(model, "Component") else {
        return Vec::new();
    };
    t.iter()
        .filter_map(|row| {
            Some(Component {
                row,
                name: row.str("Component")?,
                dir: row.str("Directory_"),
                attrs: row.int("Attributes").unwrap_or(0),
                key_path: row.str("KeyPath"),
            })
        })
        .collect()
}

/// Owner component of each row of `table` (by its first key), from its `Component_` column.
fn owners<'m>(model: &'m DatabaseModel, table: &str, key: &str) -> HashMap<&'m str, &'m str> {
    let mut out = HashMap::new();
    if let Some(t) = Rows::of(model, table) {
        for r in t.iter() {
            if let (Some(k), Some(c)) = (r.str(key), r.str("Component_")) {
                out.insert(k, c);
            }
        }
    }
    out
}

fn found(ice: &'static str, sev: Severity, rule: &'static str, table: &str) -> Finding {
    Finding::new(ice, sev, rule).table(table)
}

/// ICE02: a component's key path is a file, registry value or ODBC data source of that
/// component.
pub(super) fn ice02(model: &DatabaseModel) -> Vec<Finding> {
    let files = owners(model, "File", "File");
    let regs = owners(model, "Registry", "Registry");
    let odbc = owners(model, "ODBCDataSource", "DataSource");
    let mut out = Vec::new();
    for c in components(model) {
        let Some(kp) = c.key_path else { continue };
        let (what, owner) = if c.attrs & ODBC_KEY_PATH != 0 {
            ("ODBC data source", odbc.get(kp))
        } else if c.attrs & REGISTRY_KEY_PATH != 0 {
            ("registry key", regs.get(kp))
        } else {
            ("file", files.get(kp))
        };
        if let Some(owner) = owner.filter(|o| **o != c.name) {
            let msg = match what {
                "file" => format!(
                    "File: '{kp}' cannot be the key file for Component: '{}'. The file belongs to Component: '{owner}'",
                    c.name
                ),
                "registry key" => format!(
                    "Registry key: '{kp}' cannot be the key registry key for Component: '{}'. The RegKey belongs to Component: '{owner}'",
                    c.name
                ),
                _ => format!(
                    "ODBC data source: '{kp}' cannot be the key path of Component: '{}'. It belongs to Component: '{owner}'",
                    c.name
                ),
            };
            out.push(
                found("ICE02", Severity::Error, "keypath-owner", "Component")
                    .key(c.row.key())
                    .column("KeyPath")
                    .message(msg),
            );
        }
    }
    out
}

/// ICE07: fonts are installed to FontsFolder.
pub(super) fn ice07(model: &DatabaseModel) -> Vec<Finding> {
    let Some(fonts) = Rows::of(model, "Font") else {
        return Vec::new();
    };
    let files = owners(model, "File", "File");
    let dirs: HashMap<&str, &str> = components(model)
        .iter()
        .filter_map(|c| Some((c.name, c.dir?)))
        .collect();
    let mut out = Vec::new();
    for r in fonts.iter() {
        let Some(f) = r.str("File_") else { continue };
        let Some(dir) = files.get(f).and_then(|c| dirs.get(c)) else {
            continue;
        };
        if *dir != "FontsFolder" {
            out.push(
                found("ICE07", Severity::Error, "font-folder", "Font")
                    .key(r.key())
                    .column("File_")
                    .message(format!(
                        "'{f}' is a Font and must be installed to the FontsFolder. Current Install Directory: '{dir}'"
                    )),
            );
        }
    }
    out
}

/// ICE08: no two components share a ComponentId.
pub(super) fn ice08(model: &DatabaseModel) -> Vec<Finding> {
    let mut seen: HashMap<String, &str> = HashMap::new();
    let mut out = Vec::new();
    for c in components(model) {
        let Some(id) = c.row.str("ComponentId") else {
            continue;
        };
        let norm = id.to_ascii_uppercase();
        if let Some(first) = seen.get(&norm) {
            out.push(
                found("ICE08", Severity::Error, "duplicate-guid", "Component")
                    .key(c.row.key())
                    .column("ComponentId")
                    .message(format!(
                        "Component: {} has a duplicate GUID: {id} (also Component {first})",
                        c.name
                    )),
            );
        } else {
            seen.insert(norm, c.name);
        }
    }
    out
}

/// ICE09: a component installed to the system folder is permanent (a warning).
pub(super) fn ice09(model: &DatabaseModel) -> Vec<Finding> {
    let mut out = Vec::new();
    for c in components(model) {
        let system = matches!(
            c.dir,
            Some("SystemFolder" | "System16Folder" | "System64Folder")
        );
        if system && c.attrs & PERMANENT == 0 {
            out.push(
                found(
                    "ICE09",
                    Severity::Warning,
                    "non-permanent-system",
                    "Component",
                )
                .key(c.row.key())
                .column("Attributes")
                .message(format!(
                    "Component: {} is a non-permanent system component",
                    c.name
                )),
            );
        }
    }
    out
}

/// ICE18: a component whose key path is its (empty) directory lists that directory in
/// CreateFolder.
pub(super) fn ice18(model: &DatabaseModel) -> Vec<Finding> {
    let with_files: HashSet<&str> = owners(model, "File", "File").into_values().collect();
    // Components that put files into their own directory through RemoveFile, DuplicateFile or
    // MoveFile.
    let mut into_dir: HashSet<(&str, &str)> = HashSet::new();
    for (table, col) in [
        ("RemoveFile", "DirProperty"),
        ("DuplicateFile", "DestFolder"),
        ("MoveFile", "DestFolder"),
    ] {
        if let Some(t) = Rows::of(model, table) {
            for r in t.iter() {
                if let (Some(c), Some(d)) = (r.str("Component_"), r.str(col)) {
                    into_dir.insert((c, d));
                }
            }
        }
    }
    let mut created: HashSet<(&str, &str)> = HashSet::new();
    if let Some(t) = Rows::of(model, "CreateFolder") {
        for r in t.iter() {
            if let (Some(d), Some(c)) = (r.str("Directory_"), r.str("Component_")) {
                created.insert((c, d));
            }
        }
    }
    let mut out = Vec::new();
    for c in components(model) {
        let Some(dir) = c.dir else { continue };
        if c.key_path.is_some()
            || with_files.contains(c.name)
            || into_dir.contains(&(c.name, dir))
            || created.contains(&(c.name, dir))
        {
            continue;
        }
        out.push(
            found("ICE18", Severity::Error, "keypath-directory", "Component")
                .key(c.row.key())
                .column("KeyPath")
                .message(format!(
                    "KeyPath for Component: '{}' is Directory: '{dir}'. The Directory/Component pair must be listed in the CreateFolders table.",
                    c.name
                )),
        );
    }
    out
}

/// ICE19: advertised components (Class, Extension, PublishComponent, TypeLib, advertised
/// Shortcuts) have a ComponentId and a file as key path.
pub(super) fn ice19(model: &DatabaseModel) -> Vec<Finding> {
    let comps: HashMap<&str, Component<'_>> =
        components(model).into_iter().map(|c| (c.name, c)).collect();
    let features: HashSet<&str> = Rows::of(model, "Feature")
        .map(|t| t.iter().filter_map(|r| r.str("Feature")).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for table in [
        "Class",
        "Extension",
        "PublishComponent",
        "TypeLib",
        "Shortcut",
    ] {
        let Some(t) = Rows::of(model, table) else {
            continue;
        };
        for r in t.iter() {
            if table == "Shortcut" {
                // Advertised: the target is a Feature.
                if !r.str("Target").is_some_and(|f| features.contains(f)) {
                    continue;
                }
            }
            let Some(cname) = r.str("Component_") else {
                continue;
            };
            let Some(c) = comps.get(cname) else { continue };
            let why = if c.row.str("ComponentId").is_none() {
                Some("it has no ComponentId")
            } else if c.key_path.is_none() || c.attrs & (REGISTRY_KEY_PATH | ODBC_KEY_PATH) != 0 {
                Some("the KeyPath type disallows it (it must be a file)")
            } else {
                None
            };
            if let Some(why) = why {
                out.push(
                    found("ICE19", Severity::Error, "advertised-component", table)
                        .key(r.key())
                        .column("Component_")
                        .message(format!(
                            "{table}: '{}' advertises component: '{cname}'. This component cannot be advertised because {why}.",
                            r.key().join(".")
                        )),
                );
            }
        }
    }
    out
}

/// ICE30: no two components install a file to the same path (long names, compared without
/// case).
pub(super) fn ice30(model: &DatabaseModel) -> Vec<Finding> {
    let Some(files) = Rows::of(model, "File") else {
        return Vec::new();
    };
    let dirs: HashMap<&str, &str> = components(model)
        .iter()
        .filter_map(|c| Some((c.name, c.dir?)))
        .collect();
    let resolver = Resolver::new(model, &HashMap::new());
    let mut seen: HashMap<String, (&str, &str)> = HashMap::new();
    let mut out = Vec::new();
    for r in files.iter() {
        let (Some(comp), Some(name)) = (r.str("Component_"), r.str("FileName")) else {
            continue;
        };
        let Some(path) = dirs.get(comp).and_then(|d| resolver.file(d, name)) else {
            continue;
        };
        let norm = path.to_lowercase();
        match seen.get(&norm) {
            Some((other, _)) if *other != comp => {
                let (dir, file) = path.rsplit_once('\\').unwrap_or(("", path.as_str()));
                out.push(
                    found("ICE30", Severity::Error, "same-target-file", "File")
                        .key(r.key())
                        .column("FileName")
                        .message(format!(
                            "The target file '{file}' is installed in '{dir}\\' by two different components on an LFN system: '{other}' and '{comp}'. This breaks component reference counting."
                        )),
                );
            }
            Some(_) => {}
            None => {
                seen.insert(norm, (comp, name));
            }
        }
    }
    out
}

/// Why a component's key path is not an HKCU registry value, if it is not.
fn not_hkcu(model: &DatabaseModel, c: &Component<'_>) -> Option<&'static str> {
    if c.attrs & REGISTRY_KEY_PATH == 0 {
        return Some("It must use a registry key under HKCU as its KeyPath, not a file.");
    }
    let Some(kp) = c.key_path else {
        return Some(
            "It must use a registry key under HKCU as its KeyPath. The KeyPath is currently NULL.",
        );
    };
    let root = Rows::of(model, "Registry").and_then(|t| {
        t.iter()
            .find(|r| r.str("Registry") == Some(kp))
            .and_then(|r| r.int("Root"))
    });
    // HKCU is 1; HKMU (-1) is HKCU in a per-user installation.
    match root {
        Some(1) => None,
        _ => Some("Its KeyPath registry key must fall under HKCU."),
    }
}

/// ICE38: a component installed in the user profile has an HKCU registry key path.
pub(super) fn ice38(model: &DatabaseModel) -> Vec<Finding> {
    let tree = Tree::new(model);
    let mut out = Vec::new();
    for c in components(model) {
        if !c.dir.is_some_and(|d| tree.in_profile(d)) {
            continue;
        }
        if let Some(why) = not_hkcu(model, &c) {
            out.push(
                found("ICE38", Severity::Error, "profile-keypath", "Component")
                    .key(c.row.key())
                    .column("KeyPath")
                    .message(format!(
                        "Component {} installs to user profile. {why}",
                        c.name
                    )),
            );
        }
    }
    out
}

/// ICE43: a component with non-advertised shortcuts into the user profile has an HKCU
/// registry key path.
pub(super) fn ice43(model: &DatabaseModel) -> Vec<Finding> {
    let Some(shortcuts) = Rows::of(model, "Shortcut") else {
        return Vec::new();
    };
    let features: HashSet<&str> = Rows::of(model, "Feature")
        .map(|t| t.iter().filter_map(|r| r.str("Feature")).collect())
        .unwrap_or_default();
    let tree = Tree::new(model);
    let with_shortcuts: HashSet<&str> = shortcuts
        .iter()
        .filter(|r| !r.str("Target").is_some_and(|t| features.contains(t)))
        .filter(|r| r.str("Directory_").is_some_and(|d| tree.in_profile(d)))
        .filter_map(|r| r.str("Component_"))
        .collect();
    let mut out = Vec::new();
    for c in components(model) {
        if !with_shortcuts.contains(c.name) {
            continue;
        }
        if let Some(why) = not_hkcu(model, &c) {
            out.push(
                found("ICE43", Severity::Error, "shortcut-keypath", "Component")
                    .key(c.row.key())
                    .column("KeyPath")
                    .message(format!(
                        "Component {} has non-advertised shortcuts. {why}",
                        c.name
                    )),
            );
        }
    }
    out
}

/// ICE64: a directory created in the user profile is removed by the RemoveFile table.
pub(super) fn ice64(model: &DatabaseModel) -> Vec<Finding> {
    let Some(dirs) = Rows::of(model, "Directory") else {
        return Vec::new();
    };
    let tree = Tree::new(model);
    let removed: HashSet<&str> = Rows::of(model, "RemoveFile")
        .map(|t| t.iter().filter_map(|r| r.str("DirProperty")).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for r in dirs.iter() {
        let Some(d) = r.str("Directory") else {
            continue;
        };
        if PROFILE_FOLDERS.contains(&d) || !tree.in_profile(d) || removed.contains(d) {
            continue;
        }
        out.push(
            found("ICE64", Severity::Error, "profile-directory", "Directory")
                .key(r.key())
                .column("Directory")
                .message(format!(
                    "The directory {d} is in the user profile but is not listed in the RemoveFile table."
                )),
        );
    }
    out
}

/// The references a formatted string makes: `[$component]` and `[#file]`/`[!file]`.
fn references(s: &str) -> Vec<(char, &str)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('[') {
        rest = &rest[i + 1..];
        let Some(end) = rest.find(']') else { break };
        let inner = &rest[..end];
        let mut chars = inner.chars();
        if let Some(c @ ('$' | '#' | '!')) = chars.next() {
            let name = chars.as_str();
            if !name.is_empty() && !name.contains('[') {
                out.push((c, name));
            }
        }
    }
    out
}

/// ICE69: a formatted string of a row that belongs to a component refers to another
/// component, or to a file of another component: a warning when both components are in a
/// common feature, an error otherwise.
pub(super) fn ice69(model: &DatabaseModel) -> Vec<Finding> {
    let file_owner = owners(model, "File", "File");
    let mut features: HashMap<&str, HashSet<&str>> = HashMap::new();
    if let Some(t) = Rows::of(model, "FeatureComponents") {
        for r in t.iter() {
            if let (Some(f), Some(c)) = (r.str("Feature_"), r.str("Component_")) {
                features.entry(c).or_default().insert(f);
            }
        }
    }
    let components: HashSet<&str> = components(model).iter().map(|c| c.name).collect();
    let mut out = Vec::new();
    for t in &model.tables {
        let name = t.def.name.as_str();
        if name.starts_with('_') || name == "FeatureComponents" || name == "File" {
            continue;
        }
        let Some(ci) = t.def.column_index("Component_") else {
            continue;
        };
        for row in &t.rows {
            let Some(crate::formats::tables::Value::Str(own)) = row.get(ci) else {
                continue;
            };
            for (col, v) in t.def.columns.iter().zip(row) {
                let crate::formats::tables::Value::Str(s) = v else {
                    continue;
                };
                if !s.contains('[') {
                    continue;
                }
                for (kind, target) in references(s) {
                    let (what, other) = if kind == '$' {
                        if !components.contains(target) {
                            continue;
                        }
                        (format!("component '{target}'"), target)
                    } else {
                        let Some(owner) = file_owner.get(target) else {
                            continue;
                        };
                        (
                            format!("file '{target}' which belongs to component '{owner}'"),
                            *owner,
                        )
                    };
                    if other == own.as_str() {
                        continue;
                    }
                    let same = match (features.get(own.as_str()), features.get(other)) {
                        (Some(a), Some(b)) => !a.is_disjoint(b),
                        _ => false,
                    };
                    let key: Vec<String> = t
                        .def
                        .key_indexes()
                        .into_iter()
                        .map(|k| super::text(&row[k]))
                        .collect();
                    out.push(
                        found(
                            "ICE69",
                            if same { Severity::Warning } else { Severity::Error },
                            "cross-component-reference",
                            name,
                        )
                        .key(key.clone())
                        .column(&col.name)
                        .message(format!(
                            "Mismatched component reference. Entry '{}' of the {name} table belongs to component '{own}'. However, the formatted string in column '{}' references {what}. Components are {}in the same feature.",
                            key.join("."),
                            col.name,
                            if same { "" } else { "not " }
                        )),
                    );
                }
            }
        }
    }
    out
}
