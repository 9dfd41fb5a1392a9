//! The build manifest of `msikit build`: a TOML file that declares a product (identity,
//! directories, features, components, files, services, registry values, properties). The format is
//! documented for users in `docs/manifest.md`; the structs here are that format, field for field.
//!
//! A manifest may name another with `extends = "base.toml"`: the base is read first (its own
//! `extends` too, to any depth, a cycle being an error), then this manifest's values replace the
//! base's: `[package]` and `[product]` field by field, `[properties]` by name, and directories,
//! features, components, files, services and registry values by `id` (an entry with a new id is
//! added after the base's). A later build of the same product (an update's upgraded image) is then
//! a short manifest of what changed. Relative `source` paths are resolved against the folder of
//! the manifest that declares them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};

/// A whole manifest, with `extends` resolved.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Another manifest this one changes (a path relative to this manifest's folder).
    #[serde(default)]
    pub extends: Option<String>,
    #[serde(default)]
    pub package: Package,
    #[serde(default)]
    pub product: Product,
    /// Property table rows beyond those the product section sets.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    #[serde(default, rename = "directory")]
    pub directories: Vec<Directory>,
    #[serde(default, rename = "feature")]
    pub features: Vec<Feature>,
    #[serde(default, rename = "component")]
    pub components: Vec<Component>,
    #[serde(default, rename = "file")]
    pub files: Vec<File>,
    #[serde(default, rename = "service")]
    pub services: Vec<Service>,
    #[serde(default, rename = "registry")]
    pub registry: Vec<Registry>,
}

/// How the package file itself is written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// The package code (summary PID 9). Default: derived from the package's contents, so it
    /// changes whenever they do and never otherwise.
    pub code: Option<String>,
    /// Every date the package holds (summary create and save times, cabinet file dates), as
    /// seconds since 1970 UTC. Default: `SOURCE_DATE_EPOCH`, else 1980-01-01 00:00:00 UTC.
    pub timestamp: Option<i64>,
    /// The database code page. Default 1252.
    pub codepage: Option<u32>,
    /// Summary comments. Default: "This installer database contains the logic and data required
    /// to install `<product name>`."
    pub comments: Option<String>,
    /// The embedded cabinet's stream name. Default `product.cab`.
    pub cabinet: Option<String>,
    /// The summary's minimum installer version (PID 14), e.g. 200 for 2.0. Default 200, the least
    /// an x64 package may say.
    pub installer_version: Option<i32>,
    /// The cabinet's compression: 0 stores, 1 (fastest) to 10 (smallest) are MSZIP levels.
    /// Default 3.
    pub compression_level: Option<u8>,
}

/// The product's identity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: Option<String>,
    pub manufacturer: Option<String>,
    pub version: Option<String>,
    /// ProductCode, a GUID in braces.
    pub code: Option<String>,
    pub upgrade_code: Option<String>,
    /// ProductLanguage (a Windows LANGID). Default 1033.
    pub language: Option<u16>,
    /// `x64` or `Intel` (the default).
    pub platform: Option<String>,
    /// Per-machine (ALLUSERS=1, the default) or per-user.
    pub per_machine: Option<bool>,
}

/// A row of the Directory table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Directory {
    pub id: String,
    /// The parent directory: another directory's id, or a standard folder
    /// (ProgramFilesFolder, ProgramFiles64Folder, CommonFilesFolder, SystemFolder, ...), or
    /// TARGETDIR. Default TARGETDIR.
    pub parent: Option<String>,
    /// The directory's name (a long name; its short name is made up).
    pub name: String,
}

/// A row of the Feature table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feature {
    pub id: String,
    pub parent: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    /// Install level; 1 (the default) installs it by default, 0 disables it.
    pub level: Option<i16>,
    /// Display order (the Display column). Default: the feature's position, expanded.
    pub display: Option<i16>,
}

/// A row of the Component table and its FeatureComponents rows.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub id: String,
    /// The component GUID in braces, or `*` for one derived from the upgrade code and the
    /// component's key path (stable across builds, as WiX derives them).
    pub guid: String,
    pub directory: String,
    /// The features it belongs to. Default: the first feature.
    #[serde(default)]
    pub features: Vec<String>,
    /// The key path: the id of one of its files or registry values. Default: its first file.
    pub key_path: Option<String>,
    /// A 64-bit component. Default: true in an x64 package.
    pub win64: Option<bool>,
    /// A condition (the Condition column).
    pub condition: Option<String>,
    /// Never removed on uninstall (msidbComponentAttributesPermanent).
    #[serde(default)]
    pub permanent: bool,
}

/// A row of the File table; the file goes into the embedded cabinet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    pub id: String,
    pub component: String,
    /// Where the bytes come from (relative to the manifest's folder).
    pub source: String,
    /// The installed name. Default: the source's file name.
    pub name: Option<String>,
    /// The File table version. Default: the file's PE version resource, if it has one.
    pub version: Option<String>,
    /// The File table language. Default: the version resource's first translation.
    pub language: Option<String>,
    /// Vital (msidbFileAttributesVital): a failure to install it fails the install. Default true.
    pub vital: Option<bool>,
    /// The folder the manifest that declared `source` lies in (filled in when read).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// A service: a ServiceInstall row (unless `install = false`, for a service the product only
/// controls) and a ServiceControl row.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub id: String,
    pub component: String,
    /// The service name (the key of HKLM\SYSTEM\CurrentControlSet\Services).
    pub name: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Write a ServiceInstall row for it (the component's key file is its program). Default true.
    pub install: Option<bool>,
    /// `auto`, `demand` (the default) or `disabled`.
    pub start_type: Option<String>,
    /// `ignore`, `normal` (the default) or `critical`.
    pub error_control: Option<String>,
    /// The account it runs as (StartName). Default LocalSystem.
    pub account: Option<String>,
    /// Services it depends on.
    #[serde(default)]
    pub dependencies: Vec<String>,
    pub arguments: Option<String>,
    /// When the installer stops it: `install`, `uninstall`, `both` (the default) or `none`.
    pub stop: Option<String>,
    /// When the installer starts it: `install`, `uninstall`, `both` or `none` (the default).
    pub start: Option<String>,
    /// When the installer deletes it: `install`, `uninstall` (the default), `both` or `none`.
    pub remove: Option<String>,
    /// Wait for the service to reach the state asked (the Wait column). Default true.
    pub wait: Option<bool>,
}

/// A row of the Registry table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registry {
    pub id: String,
    pub component: String,
    /// `HKCR`, `HKCU`, `HKLM`, `HKU`, or `HKMU` (HKLM per-machine, HKCU per-user).
    pub root: String,
    pub key: String,
    /// The value name; none for the key's default value.
    pub name: Option<String>,
    pub value: Option<RegistryValue>,
}

/// A registry value: a string (written as is, so `[PROPERTY]` is formatted at install time) or
/// an integer (written as a REG_DWORD).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum RegistryValue {
    Int(i64),
    Str(String),
}

/// A TOML error on one line: where (line and column) and what.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

/// Reads a manifest and everything it extends.
pub fn read(path: &Path) -> Result<Manifest> {
    read_chain(path, &mut Vec::new())
}

fn read_chain(path: &Path, seen: &mut Vec<PathBuf>) -> Result<Manifest> {
    let name = path.display().to_string();
    let canon = std::fs::canonicalize(path).map_err(|e| Error::io(e).in_file(&name))?;
    if seen.contains(&canon) {
        return Err(Error::invalid("`extends` goes round in a circle").in_file(&name));
    }
    seen.push(canon);
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(e).in_file(&name))?;
    let mut m: Manifest = toml::from_str(&text).map_err(|e| {
        Error::invalid(format!("not a build manifest: {}", toml_error(&text, &e))).in_file(&name)
    })?;
    let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
    for f in &mut m.files {
        f.base_dir = dir.clone();
    }
    match m.extends.take() {
        Some(base) => {
            let mut b = read_chain(&dir.join(&base), seen)?;
            b.overlay(m);
            Ok(b)
        }
        None => Ok(m),
    }
}

/// Parses a manifest from text (no `extends`; sources relative to `dir`).
pub fn parse(text: &str, dir: &Path) -> Result<Manifest> {
    let mut m: Manifest = toml::from_str(text)
        .map_err(|e| Error::invalid(format!("not a build manifest: {}", toml_error(text, &e))))?;
    if m.extends.is_some() {
        return Err(Error::invalid(
            "`extends` needs a manifest read from a file",
        ));
    }
    for f in &mut m.files {
        f.base_dir = dir.to_path_buf();
    }
    Ok(m)
}

macro_rules! take_some {
    ($dst:expr, $src:expr, $($f:ident),*) => {
        $( if $src.$f.is_some() { $dst.$f = $src.$f; } )*
    };
}

trait Keyed {
    fn id(&self) -> &str;
}
macro_rules! keyed {
    ($($t:ty),*) => { $( impl Keyed for $t { fn id(&self) -> &str { &self.id } } )* };
}
keyed!(Directory, Feature, Component, File, Service, Registry);

/// Replaces entries of `base` by id with those of `over`, appending the new ones.
fn merge<T: Keyed>(base: &mut Vec<T>, over: Vec<T>) {
    for o in over {
        match base.iter_mut().find(|b| b.id() == o.id()) {
            Some(b) => *b = o,
            None => base.push(o),
        }
    }
}

impl Manifest {
    /// This manifest changed by `over` (see the module documentation).
    fn overlay(&mut self, over: Manifest) {
        let (p, o) = (&mut self.package, over.package);
        take_some!(
            p,
            o,
            code,
            timestamp,
            codepage,
            comments,
            cabinet,
            installer_version
        );
        let (p, o) = (&mut self.product, over.product);
        take_some!(
            p,
            o,
            name,
            manufacturer,
            version,
            code,
            upgrade_code,
            language,
            platform,
            per_machine
        );
        self.properties.extend(over.properties);
        merge(&mut self.directories, over.directories);
        merge(&mut self.features, over.features);
        merge(&mut self.components, over.components);
        merge(&mut self.files, over.files);
        merge(&mut self.services, over.services);
        merge(&mut self.registry, over.registry);
    }

    /// Where a file's bytes are read from.
    pub(crate) fn source_path(f: &File) -> PathBuf {
        f.base_dir.join(&f.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_replaces_by_id_and_appends() {
        let dir = std::env::temp_dir().join(format!("msikit-manifest-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(
            dir.join("base.toml"),
            r#"
[product]
name = "P"
version = "1.0.0.0"
[properties]
A = "1"
[[file]]
id = "f1"
component = "c"
source = "one.txt"
[[file]]
id = "f2"
component = "c"
source = "two.txt"
"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("sub/next.toml"),
            r#"
extends = "../base.toml"
[product]
version = "1.1.0.0"
[properties]
B = "2"
[[file]]
id = "f2"
component = "c"
source = "two-new.txt"
[[file]]
id = "f3"
component = "c"
source = "three.txt"
"#,
        )
        .unwrap();
        let m = read(&dir.join("sub/next.toml")).unwrap();
        assert_eq!(m.product.name.as_deref(), Some("P"));
        assert_eq!(m.product.version.as_deref(), Some("1.1.0.0"));
        assert_eq!(m.properties.len(), 2);
        let ids: Vec<&str> = m.files.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["f1", "f2", "f3"]);
        assert_eq!(
            Manifest::source_path(&m.files[0]),
            dir.join("sub").join("..").join("one.txt")
        );
        assert_eq!(
            Manifest::source_path(&m.files[1]),
            dir.join("sub").join("two-new.txt")
        );
        std::fs::write(dir.join("loop.toml"), "extends = \"loop.toml\"\n").unwrap();
        let e = read(&dir.join("loop.toml")).unwrap_err();
        assert!(e.to_string().contains("circle"), "{e}");
        std::fs::write(dir.join("bad.toml"), "[product]\nnmae = \"x\"\n").unwrap();
        let e = read(&dir.join("bad.toml")).unwrap_err();
        assert!(e.to_string().contains("nmae"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
