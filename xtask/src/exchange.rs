//! `cargo xtask testdata` (part 2): the Exchange Server 2007 look-alike set in
//! testdata/exchange2007/, built from the manifests in testdata/exchange2007/src/ with the msikit
//! library, as `msikit build` and `msikit patch create` build them:
//!
//! - `payload/<release>/<name>`: every source file the product manifests name, generated here. A
//!   `.exe` or `.dll` is a small PE32+ image ([`crate::pe`]) whose version resource carries the
//!   release's build number (the folder decides: `rtm` 8.0.685.24, `iu` 8.0.685.26, `ur1`
//!   8.0.708.3, `ur2` 8.0.711.2, `sp1` 8.1.240.6), so `msikit build` reads the File versions from
//!   the files themselves; any other file is a short text.
//! - `rtm.msi`, `sp1.msi` from `src/rtm.toml`, `src/sp1.toml`;
//! - `ur1.msp`, `ur2.msp`, `iu.msp` from `src/*.patch.toml`, whose targets are the image
//!   manifests (`ur1.toml` is RTM with Update Rollup 1, ...), built in memory.
//!
//! Everything is deterministic (fixed dates in the manifests, no random GUIDs), and the test
//! `tests/authoring.rs` rebuilds the packages from the committed manifests and payload and
//! compares the bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use msikit::formats::container::PackageKind;
use msikit::jobs::authoring::{build, manifest, patch};
use sha2::{Digest, Sha256};

use crate::pe::{build_pe, Machine, PeSpec};
use crate::{write_atomic, Result};

/// The file version of each release folder of the payload.
const RELEASES: [(&str, [u16; 4]); 5] = [
    ("rtm", [8, 0, 685, 24]),
    ("iu", [8, 0, 685, 26]),
    ("ur1", [8, 0, 708, 3]),
    ("ur2", [8, 0, 711, 2]),
    ("sp1", [8, 1, 240, 6]),
];

/// The products and patches, with the manifest each comes from.
const PRODUCTS: [(&str, &str); 2] = [("rtm.msi", "rtm.toml"), ("sp1.msi", "sp1.toml")];
const PATCHES: [(&str, &str); 3] = [
    ("iu.msp", "iu.patch.toml"),
    ("ur1.msp", "ur1.patch.toml"),
    ("ur2.msp", "ur2.patch.toml"),
];

/// The set's folder in the workspace.
pub fn set_dir(root: &Path) -> PathBuf {
    root.join("testdata").join("exchange2007")
}

/// Every payload file the product manifests name: path relative to the set's folder, bytes.
pub fn payload(set: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let src = set.join("src");
    let mut out = BTreeMap::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&src)
        .map_err(|e| format!("{}: {e}", src.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && !p.to_string_lossy().ends_with(".patch.toml")
        })
        .collect();
    names.sort();
    for path in names {
        let m = manifest::read(&path)?;
        for f in &m.files {
            let rel = normalize(&Path::new("src").join(&f.source))?;
            if out.contains_key(&rel) {
                continue;
            }
            let mut parts = rel.split('/');
            let (Some("payload"), Some(release), Some(name), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(format!(
                    "{}: file {} comes from {rel}, not payload/<release>/<name>",
                    path.display(),
                    f.id
                )
                .into());
            };
            out.insert(rel.clone(), payload_file(release, name)?);
        }
    }
    Ok(out)
}

/// `src/../payload/x` as `payload/x`.
fn normalize(p: &Path) -> Result<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop().ok_or("a source path leaves the set's folder")?;
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => return Err(format!("{} is not a relative path", p.display()).into()),
        }
    }
    Ok(parts.join("/"))
}

/// Deterministic filler: `len` bytes from SHA-256 of the seed, in part repetitive text (so the
/// cabinet's MSZIP has something to do) and in part noise.
fn filler(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    let mut block = Sha256::digest(seed.as_bytes());
    while out.len() < len {
        out.extend_from_slice(format!("{seed} look-alike data; ").as_bytes());
        out.extend_from_slice(&block);
        block = Sha256::digest(block);
    }
    out.truncate(len);
    out
}

fn payload_file(release: &str, name: &str) -> Result<Vec<u8>> {
    let version = RELEASES
        .iter()
        .find(|(r, _)| *r == release)
        .map(|(_, v)| *v)
        .ok_or_else(|| format!("payload/{release}: not a release folder"))?;
    let lower = name.to_ascii_lowercase();
    if !(lower.ends_with(".exe") || lower.ends_with(".dll")) {
        return Ok(format!(
            "# {name}: part of the Microsoft Exchange Server 2007 look-alike made by msikit's \
             `cargo xtask testdata` ({release} build {}.{}.{}.{}).\r\n\
             # Not the real file.\r\n",
            version[0], version[1], version[2], version[3]
        )
        .into_bytes());
    }
    let v = format!(
        "{:02}.{:02}.{:04}.{:03}",
        version[0], version[1], version[2], version[3]
    );
    let description = format!("{name} (Microsoft Exchange Server 2007 look-alike)");
    let strings = [
        ("CompanyName", "Microsoft Corporation"),
        ("FileDescription", description.as_str()),
        ("FileVersion", v.as_str()),
        ("InternalName", name),
        (
            "LegalCopyright",
            "Not Microsoft's: a test file made by msikit",
        ),
        ("OriginalFilename", name),
        ("ProductName", "Microsoft Exchange"),
        ("ProductVersion", v.as_str()),
    ];
    let seed = format!("{release}/{name}");
    let size = 1024 + (Sha256::digest(seed.as_bytes())[0] as usize) * 24;
    let fill = filler(&seed, size);
    Ok(build_pe(&PeSpec {
        machine: Machine::X64,
        dll: lower.ends_with(".dll"),
        file_version: version,
        product_version: version,
        language: 1033,
        codepage: 1200,
        strings: &strings,
        filler: &fill,
    }))
}

/// The packages, by file name, built from the manifests and the payload on disk.
pub fn packages(set: &Path) -> Result<Vec<(&'static str, Vec<u8>)>> {
    let src = set.join("src");
    let mut out = Vec::new();
    for (name, m) in PRODUCTS {
        let built = build::build(&manifest::read(&src.join(m))?)?;
        out.push((
            name,
            msikit::database::write::write_database(&built.model, PackageKind::Database)?,
        ));
    }
    for (name, m) in PATCHES {
        let (bytes, _) = patch::create(&patch::read_manifest(&src.join(m))?)?;
        out.push((name, bytes));
    }
    Ok(out)
}

/// Writes the payload and the packages, each built twice to show the build is deterministic.
pub fn run(root: &Path) -> Result<()> {
    let set = set_dir(root);
    println!("== writing {}", set.display());
    let files = payload(&set)?;
    if files != payload(&set)? {
        return Err("the look-alike payload differs between two builds".into());
    }
    for (rel, bytes) in &files {
        write_atomic(&set.join(rel), bytes)?;
    }
    println!("{:>8} payload files under payload/", files.len());
    let first = packages(&set)?;
    let second = packages(&set)?;
    for ((name, a), (_, b)) in first.iter().zip(&second) {
        if a != b {
            return Err(format!("{name} differs between two builds in one run").into());
        }
        write_atomic(&set.join(name), a)?;
        let hex: String = Sha256::digest(a)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        println!("{:>8} bytes  sha256 {hex}  exchange2007/{name}", a.len());
    }
    println!("(two builds in this run gave identical bytes)");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed payload is what this module generates.
    #[test]
    fn committed_payload_equals_a_fresh_generation() {
        let set = set_dir(&crate::workspace_root());
        let files = payload(&set).unwrap();
        assert!(files.len() > 30, "{} files", files.len());
        for (rel, bytes) in &files {
            let on_disk = std::fs::read(set.join(rel))
                .unwrap_or_else(|e| panic!("{rel}: {e} (run `cargo xtask testdata`)"));
            assert!(
                on_disk == *bytes,
                "{rel} differs from a fresh generation: run `cargo xtask testdata`"
            );
        }
    }
}
