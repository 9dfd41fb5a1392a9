//! Install paths: resolving the Directory table (and File names) to the Windows paths a package
//! installs to.
//!
//! `Directory.DefaultDir` is `target[:source]`, each side `short|long` or a single name; `.`
//! means "the parent's folder". A root row (no parent, or itself as parent) takes the value of
//! its property: TARGETDIR is the root drive. A directory whose key is a property with a value
//! (ProgramFilesFolder, or one the caller sets with `--property`) takes that value, as Windows
//! Installer's CostFinalize does. File paths append the long half of `File.FileName`. A parent
//! that is neither a Directory row nor a known property (set at run time by a custom action or
//! AppSearch) is shown as `[NAME]\` and can be given with `--property NAME=VALUE`.

use std::collections::HashMap;

use crate::database::DatabaseModel;
use crate::formats::tables::Value;

/// The folders a 64-bit Windows gives its standard folder properties, used when nothing else
/// sets them. Keys are property names; values end with a backslash.
pub(crate) fn standard_folders() -> HashMap<String, String> {
    [
        ("TARGETDIR", "C:\\"),
        ("ROOTDRIVE", "C:\\"),
        ("WindowsVolume", "C:\\"),
        ("ProgramFilesFolder", "C:\\Program Files (x86)\\"),
        ("ProgramFiles64Folder", "C:\\Program Files\\"),
        ("ProgramFiles6432Folder", "C:\\Program Files\\"),
        (
            "CommonFilesFolder",
            "C:\\Program Files (x86)\\Common Files\\",
        ),
        ("CommonFiles64Folder", "C:\\Program Files\\Common Files\\"),
        ("WindowsFolder", "C:\\Windows\\"),
        ("SystemFolder", "C:\\Windows\\SysWOW64\\"),
        ("System64Folder", "C:\\Windows\\System32\\"),
        ("System16Folder", "C:\\Windows\\System\\"),
        ("TempFolder", "C:\\Windows\\Temp\\"),
        ("FontsFolder", "C:\\Windows\\Fonts\\"),
        ("AppDataFolder", "C:\\Users\\Default\\AppData\\Roaming\\"),
        ("LocalAppDataFolder", "C:\\Users\\Default\\AppData\\Local\\"),
        ("CommonAppDataFolder", "C:\\ProgramData\\"),
        ("PersonalFolder", "C:\\Users\\Default\\Documents\\"),
        ("DesktopFolder", "C:\\Users\\Public\\Desktop\\"),
        (
            "ProgramMenuFolder",
            "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\",
        ),
        (
            "StartMenuFolder",
            "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\",
        ),
        (
            "StartupFolder",
            "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\",
        ),
        (
            "AdminToolsFolder",
            "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\Administrative Tools\\",
        ),
        ("FavoritesFolder", "C:\\Users\\Default\\Favorites\\"),
        (
            "NetHoodFolder",
            "C:\\Users\\Default\\AppData\\Roaming\\Microsoft\\Windows\\Network Shortcuts\\",
        ),
        (
            "PrintHoodFolder",
            "C:\\Users\\Default\\AppData\\Roaming\\Microsoft\\Windows\\Printer Shortcuts\\",
        ),
        (
            "RecentFolder",
            "C:\\Users\\Default\\AppData\\Roaming\\Microsoft\\Windows\\Recent\\",
        ),
        (
            "SendToFolder",
            "C:\\Users\\Default\\AppData\\Roaming\\Microsoft\\Windows\\SendTo\\",
        ),
        (
            "TemplateFolder",
            "C:\\ProgramData\\Microsoft\\Windows\\Templates\\",
        ),
        ("MyPicturesFolder", "C:\\Users\\Default\\Pictures\\"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The long half of `short|long` (or the name itself).
pub(crate) fn long_name(name: &str) -> &str {
    name.rsplit_once('|').map_or(name, |(_, long)| long)
}

/// The target half of a DefaultDir (`target:source` → `target`), long name.
fn target_dir(default_dir: &str) -> &str {
    let target = default_dir.split_once(':').map_or(default_dir, |(t, _)| t);
    long_name(target)
}

/// The source half of a DefaultDir (`target:source` → `source`, else the one name), long name.
fn source_dir(default_dir: &str) -> &str {
    let source = default_dir.split_once(':').map_or(default_dir, |(_, s)| s);
    long_name(source)
}

/// The folders of the source layout for every Directory key: the names from its root down, as
/// an administrative image lays the files out and lessmsi extracts them. Each folder is named
/// by the source half of its DefaultDir (long name); a `.` adds no folder; a root keeps its own
/// DefaultDir (`SourceDir`); a parent that has no Directory row (a directory set at install
/// time) is a root named by its key. Standard folders keep their DefaultDir (`PFiles`), not the
/// path Windows gives them.
pub(crate) fn source_folders(db: &DatabaseModel) -> HashMap<String, Vec<String>> {
    let mut rows: HashMap<&str, (Option<&str>, &str)> = HashMap::new();
    if let Some(t) = db.table("Directory") {
        for r in &t.rows {
            if let (Some(Value::Str(k)), Some(parent), Some(Value::Str(dd))) =
                (r.first(), r.get(1), r.get(2))
            {
                let parent = match parent {
                    Value::Str(p) if p != k && !p.is_empty() => Some(p.as_str()),
                    _ => None,
                };
                rows.insert(k.as_str(), (parent, dd.as_str()));
            }
        }
    }
    let mut out = HashMap::new();
    for &key in rows.keys() {
        let mut names: Vec<String> = Vec::new();
        let mut cur = key;
        // A loop of parents ends here (the deepest tree Windows Installer allows is far less).
        for _ in 0..256 {
            let Some(&(parent, dd)) = rows.get(cur) else {
                names.push(cur.to_string());
                break;
            };
            let name = source_dir(dd);
            if name != "." && !name.is_empty() {
                names.push(name.to_string());
            }
            match parent {
                Some(p) => cur = p,
                None => break,
            }
        }
        names.reverse();
        out.insert(key.to_string(), names);
    }
    out
}

fn with_backslash(mut s: String) -> String {
    if !s.ends_with('\\') {
        s.push('\\');
    }
    s
}

/// Resolved folders of a database, by Directory key.
pub struct Resolver {
    dirs: HashMap<String, String>,
    /// For each folder: the directory its path hangs from (a root row, or a directory set by a
    /// property such as ProgramFilesFolder) and the path below it, `/`-separated.
    anchors: HashMap<String, (String, String)>,
}

impl Resolver {
    /// Resolves every Directory row. `properties` (e.g. from `--property NAME=VALUE`, or an
    /// installed product's INSTALLLOCATION) override the database's Property table, which
    /// overrides the standard folders.
    pub fn new(db: &DatabaseModel, properties: &HashMap<String, String>) -> Resolver {
        let mut props = standard_folders();
        if let Some(t) = db.table("Property") {
            for r in &t.rows {
                if let (Some(Value::Str(k)), Some(Value::Str(v))) = (r.first(), r.get(1)) {
                    props.insert(k.clone(), v.clone());
                }
            }
        }
        for (k, v) in properties {
            props.insert(k.clone(), v.clone());
        }
        let mut rows: HashMap<String, (Option<String>, String)> = HashMap::new();
        if let Some(t) = db.table("Directory") {
            for r in &t.rows {
                if let (Some(Value::Str(k)), Some(parent), Some(Value::Str(dd))) =
                    (r.first(), r.get(1), r.get(2))
                {
                    let parent = match parent {
                        Value::Str(p) if p != k => Some(p.clone()),
                        _ => None,
                    };
                    rows.insert(k.clone(), (parent, dd.clone()));
                }
            }
        }
        let mut dirs = HashMap::new();
        let mut anchors = HashMap::new();
        let keys: Vec<String> = rows.keys().cloned().collect();
        for k in keys {
            resolve(&k, &rows, &props, &mut dirs, 0);
            anchor(&k, &rows, &props, &mut anchors, 0);
        }
        Resolver { dirs, anchors }
    }

    /// The directory a folder's path hangs from, and the path below it (`/`-separated, empty
    /// for the anchor itself).
    pub fn anchor(&self, key: &str) -> Option<(&str, &str)> {
        self.anchors.get(key).map(|(a, r)| (a.as_str(), r.as_str()))
    }

    /// The folder of a Directory key, ending with a backslash.
    pub fn dir(&self, key: &str) -> Option<&str> {
        self.dirs.get(key).map(String::as_str)
    }

    /// The full path of a file of `component_dir` named `file_name` (`short|long`).
    pub fn file(&self, component_dir: &str, file_name: &str) -> Option<String> {
        self.dir(component_dir)
            .map(|d| format!("{d}{}", long_name(file_name)))
    }
}

fn resolve(
    key: &str,
    rows: &HashMap<String, (Option<String>, String)>,
    props: &HashMap<String, String>,
    out: &mut HashMap<String, String>,
    depth: usize,
) -> Option<String> {
    if let Some(p) = out.get(key) {
        return Some(p.clone());
    }
    // A property of the directory's name wins (standard folders, INSTALLDIR set by the caller).
    if let Some(v) = props.get(key).filter(|v| !v.is_empty()) {
        let p = with_backslash(v.clone());
        out.insert(key.to_string(), p.clone());
        return Some(p);
    }
    let Some((parent, dd)) = rows.get(key) else {
        // A parent that is no Directory row and no known property is set at run time (a
        // custom action, AppSearch): it shows as `[NAME]\`, settable with --property.
        let p = format!("[{key}]\\");
        out.insert(key.to_string(), p.clone());
        return Some(p);
    };
    let name = target_dir(dd);
    // A cycle in the parent chain (a malformed table) ends the resolution of that row.
    let base = match parent {
        Some(p) if depth < 256 => resolve(p, rows, props, out, depth + 1)?,
        Some(_) => return None,
        None => with_backslash(
            props
                .get("ROOTDRIVE")
                .cloned()
                .unwrap_or_else(|| "C:\\".into()),
        ),
    };
    let p = if parent.is_none() || name == "." || name.is_empty() {
        base
    } else {
        with_backslash(format!("{base}{name}"))
    };
    out.insert(key.to_string(), p.clone());
    Some(p)
}

fn anchor(
    key: &str,
    rows: &HashMap<String, (Option<String>, String)>,
    props: &HashMap<String, String>,
    out: &mut HashMap<String, (String, String)>,
    depth: usize,
) -> Option<(String, String)> {
    if let Some(a) = out.get(key) {
        return Some(a.clone());
    }
    let Some((parent, dd)) = rows.get(key) else {
        // A parent that is no Directory row: the path hangs from it.
        let a = (key.to_string(), String::new());
        out.insert(key.to_string(), a.clone());
        return Some(a);
    };
    let a = if props.get(key).is_some_and(|v| !v.is_empty()) || parent.is_none() {
        (key.to_string(), String::new())
    } else if depth >= 256 {
        return None;
    } else {
        let (root, rel) = anchor(parent.as_deref()?, rows, props, out, depth + 1)?;
        let name = target_dir(dd);
        let rel = if name == "." || name.is_empty() {
            rel
        } else if rel.is_empty() {
            name.to_string()
        } else {
            format!("{rel}/{name}")
        };
        (root, rel)
    };
    out.insert(key.to_string(), a.clone());
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::database::TableData;
    use crate::formats::tables::{Column, ColumnType, TableDef};

    fn directory(rows: &[(&str, Option<&str>, &str)]) -> DatabaseModel {
        let mut t = TableData::new(TableDef {
            name: "Directory".into(),
            columns: ["Directory", "Directory_Parent", "DefaultDir"]
                .iter()
                .enumerate()
                .map(|(i, n)| Column {
                    name: n.to_string(),
                    number: i as u16 + 1,
                    ty: ColumnType(0x0D48),
                })
                .collect(),
        });
        for (k, p, d) in rows {
            t.rows.push(vec![
                Value::Str(k.to_string()),
                p.map_or(Value::Null, |p| Value::Str(p.into())),
                Value::Str(d.to_string()),
            ]);
        }
        DatabaseModel {
            tables: vec![t],
            ..Default::default()
        }
    }

    #[test]
    fn exchange_like_tree() {
        let db = directory(&[
            ("TARGETDIR", None, "SourceDir"),
            ("ProgramFiles64Folder", Some("TARGETDIR"), "PFiles"),
            (
                "MICROSOFT",
                Some("ProgramFiles64Folder"),
                "MICROS~1|Microsoft",
            ),
            (
                "INSTALLDIR",
                Some("MICROSOFT"),
                "EXCHAN~1|Exchange Server:Exchange",
            ),
            ("BIN", Some("INSTALLDIR"), "Bin"),
            ("SAME", Some("BIN"), "."),
        ]);
        let r = Resolver::new(&db, &HashMap::new());
        assert_eq!(
            r.dir("BIN"),
            Some("C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\")
        );
        assert_eq!(r.dir("SAME"), r.dir("BIN"));
        assert_eq!(
            r.anchor("BIN"),
            Some(("ProgramFiles64Folder", "Microsoft/Exchange Server/Bin"))
        );
        assert_eq!(r.anchor("SAME"), r.anchor("BIN"));
        assert_eq!(r.anchor("TARGETDIR"), Some(("TARGETDIR", "")));
        assert_eq!(
            r.file("BIN", "STORE~1.EXE|store.exe").as_deref(),
            Some("C:\\Program Files\\Microsoft\\Exchange Server\\Bin\\store.exe")
        );
        let mut props = HashMap::new();
        props.insert("INSTALLDIR".to_string(), "D:\\Exchange".to_string());
        let r = Resolver::new(&db, &props);
        assert_eq!(r.dir("BIN"), Some("D:\\Exchange\\Bin\\"));
        // A parent cycle resolves to nothing instead of looping.
        let db = directory(&[("A", Some("B"), "a"), ("B", Some("A"), "b")]);
        assert_eq!(Resolver::new(&db, &HashMap::new()).dir("A"), None);
    }
}
