//! Cabinets inside other files, as self-extracting setup programs carry them: `cab list`,
//! `cab extract` and `extract` find them (cabextract's search), say at which offset, and write
//! the same files as cabextract. Two programs are built here: a real image of the testdata with
//! a cabinet appended (the overlay of a self-extractor), and a PE32 image holding the cabinet
//! as an RT_RCDATA resource (checked with pelite, a PE reader written by others).

#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{require, run_msikit};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("msikit-embedded-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An MSZIP cabinet of three files (one in a folder), made by gcab.
fn cabinet(work: &Path) -> Vec<u8> {
    let src = work.join("src");
    std::fs::create_dir_all(src.join("sub")).unwrap();
    std::fs::write(src.join("setup.ini"), "[Setup]\nProduct=Widget\n").unwrap();
    std::fs::write(src.join("readme.txt"), "Read me first.\n".repeat(50)).unwrap();
    std::fs::write(
        src.join("sub/data.bin"),
        (0..5000u32).map(|i| (i * 7) as u8).collect::<Vec<u8>>(),
    )
    .unwrap();
    let o = Command::new("gcab")
        .current_dir(&src)
        .args([
            "-c",
            "-z",
            "../payload.cab",
            "setup.ini",
            "readme.txt",
            "sub/data.bin",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(work.join("payload.cab")).unwrap()
}

/// A PE32 image with one `.rsrc` section whose resource tree is RT_RCDATA (10) / 1 / 0x409,
/// the data being `payload`; returns the image and where `payload` starts in it.
fn image_with_resource(payload: &[u8]) -> (Vec<u8>, usize) {
    let rva: u32 = 0x1000;
    let mut rsrc = Vec::new();
    let dir = |out: &mut Vec<u8>, id: u32, target: u32| {
        out.extend_from_slice(&[0u8; 12]);
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&target.to_le_bytes());
    };
    dir(&mut rsrc, 10, 0x8000_0000 | 0x18);
    dir(&mut rsrc, 1, 0x8000_0000 | 0x30);
    dir(&mut rsrc, 0x409, 0x48);
    for v in [rva + 0x58, payload.len() as u32, 0, 0] {
        rsrc.extend_from_slice(&v.to_le_bytes());
    }
    rsrc.extend_from_slice(payload);
    let rsrc_len = rsrc.len() as u32;
    let raw_len = (rsrc_len + 0x1FF) & !0x1FF;
    let mut image = vec![0u8; 0x200];
    image[0..2].copy_from_slice(b"MZ");
    image[0x3C..0x40].copy_from_slice(&0x40u32.to_le_bytes());
    let mut h = Vec::new();
    h.extend_from_slice(b"PE\0\0");
    h.extend_from_slice(&0x14Cu16.to_le_bytes()); // i386
    h.extend_from_slice(&1u16.to_le_bytes()); // one section
    h.extend_from_slice(&[0u8; 12]);
    h.extend_from_slice(&224u16.to_le_bytes()); // PE32 optional header
    h.extend_from_slice(&0x0102u16.to_le_bytes()); // executable, 32-bit
    h.extend_from_slice(&0x10Bu16.to_le_bytes());
    h.extend_from_slice(&[0u8; 2 + 4 * 5]);
    h.extend_from_slice(&[0u8; 4]);
    h.extend_from_slice(&0x40_0000u32.to_le_bytes());
    for v in [0x1000u32, 0x200] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.extend_from_slice(&[0u8; 16]);
    for v in [rva + ((rsrc_len + 0xFFF) & !0xFFF), 0x200, 0] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.extend_from_slice(&2u16.to_le_bytes()); // Windows GUI
    h.extend_from_slice(&0u16.to_le_bytes());
    h.extend_from_slice(&[0u8; 16]);
    h.extend_from_slice(&0u32.to_le_bytes());
    h.extend_from_slice(&16u32.to_le_bytes());
    for i in 0..16 {
        let (a, s) = if i == 2 { (rva, rsrc_len) } else { (0, 0) };
        h.extend_from_slice(&a.to_le_bytes());
        h.extend_from_slice(&s.to_le_bytes());
    }
    h.extend_from_slice(b".rsrc\0\0\0");
    for v in [rsrc_len, rva, raw_len, 0x200, 0, 0] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    h.extend_from_slice(&0x4000_0040u32.to_le_bytes());
    image[0x40..0x40 + h.len()].copy_from_slice(&h);
    image.extend_from_slice(&rsrc);
    image.resize(0x200 + raw_len as usize, 0);
    (image, 0x200 + 0x58)
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    common::files_below(root)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// Lists and extracts `exe` with cabextract and msikit; the cabinet must be found at `offset`.
fn check(work: &Path, exe: &Path, offset: usize) {
    let theirs = work.join("theirs");
    let c = Command::new("cabextract")
        .arg("-q")
        .arg("-d")
        .arg(&theirs)
        .arg(exe)
        .output()
        .unwrap();
    assert!(c.status.success(), "{}", String::from_utf8_lossy(&c.stderr));
    let want = tree(&theirs);
    assert_eq!(want.len(), 3);

    let list = run_msikit(&[
        "cab".as_ref(),
        "list".as_ref(),
        "--json".as_ref(),
        exe.as_os_str(),
    ]);
    assert_eq!(
        list.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let files = json.as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert!(
        files.iter().all(|f| f["cabinet_offset"] == offset as u64),
        "{json}"
    );
    let human = run_msikit(&["cab".as_ref(), "list".as_ref(), exe.as_os_str()]);
    let human = String::from_utf8_lossy(&human.stdout);
    assert!(
        human.starts_with(&format!("Cabinet at offset {offset} (3 files)\n")),
        "{human}"
    );

    for verb in [&["cab", "extract"][..], &["extract"][..]] {
        let ours = work.join(format!("ours-{}", verb.len()));
        let mut args: Vec<&std::ffi::OsStr> = verb.iter().map(|s| s.as_ref()).collect();
        args.extend([exe.as_os_str(), "-C".as_ref(), ours.as_os_str()]);
        let o = run_msikit(&args);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{verb:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            out.contains(&format!("Cabinets found at offsets: {offset}\n")),
            "{out}"
        );
        assert_eq!(tree(&ours), want, "{verb:?}");
    }
}

#[test]
fn a_cabinet_appended_to_a_program_is_found() {
    require("gcab");
    require("cabextract");
    let work = scratch("appended");
    let cab = cabinet(&work);
    let mut exe = std::fs::read("testdata/exchange2007/payload/rtm/mad.exe").unwrap();
    assert_eq!(&exe[..2], b"MZ");
    let offset = exe.len();
    exe.extend_from_slice(&cab);
    let path = work.join("setup.exe");
    std::fs::write(&path, &exe).unwrap();
    check(&work, &path, offset);
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn a_cabinet_in_a_resource_is_found() {
    require("gcab");
    require("cabextract");
    let work = scratch("resource");
    let cab = cabinet(&work);
    let (image, offset) = image_with_resource(&cab);
    // A PE reader written by others finds the cabinet as the image's RCDATA resource.
    use pelite::pe32::Pe;
    let pe = pelite::pe32::PeFile::from_bytes(&image).unwrap();
    let found = pe
        .resources()
        .unwrap()
        .find_resource(&[
            pelite::resources::Name::Id(10),
            pelite::resources::Name::Id(1),
        ])
        .unwrap();
    assert_eq!(found, &cab[..]);
    assert_eq!(&image[offset..offset + cab.len()], &cab[..]);
    let path = work.join("setup.exe");
    std::fs::write(&path, &image).unwrap();
    check(&work, &path, offset);
    let _ = std::fs::remove_dir_all(&work);
}

/// A file with no cabinet in it: a clear error naming the file, exit 2.
#[test]
fn a_file_without_a_cabinet_is_refused() {
    let o = run_msikit(&[
        "cab".as_ref(),
        "list".as_ref(),
        "testdata/exchange2007/payload/rtm/mad.exe".as_ref(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("mad.exe") && err.contains("no cabinet inside it"),
        "{err}"
    );
}
