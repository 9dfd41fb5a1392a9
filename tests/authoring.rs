//! `msikit build` and `msikit patch create` on the Exchange Server 2007 look-alike set
//! (testdata/exchange2007): the committed packages equal a fresh build from the committed
//! manifests and payload; every package opens in msitools (`msiinfo`, `msidump`, `msiextract`),
//! 7-Zip and Python's olefile; `patch info` and `patch files` list what the manifests asked for;
//! an MSI survives `export --idt` and `build --idt`; bad manifests exit 2 with one line.
//! (Wine's msiexec installing and patching them: tests/authoring_wine.rs.)

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{require, run_msikit};
use sha2::Digest;

fn set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007")
}

fn out_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("authoring")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok(args: &[&std::ffi::OsStr]) -> String {
    let o = run_msikit(args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "msikit {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

const PRODUCTS: [(&str, &str); 2] = [("rtm.msi", "rtm.toml"), ("sp1.msi", "sp1.toml")];
const PATCHES: [(&str, &str); 3] = [
    ("iu.msp", "iu.patch.toml"),
    ("ur1.msp", "ur1.patch.toml"),
    ("ur2.msp", "ur2.patch.toml"),
];

fn all_packages() -> Vec<PathBuf> {
    PRODUCTS
        .iter()
        .chain(PATCHES.iter())
        .map(|(p, _)| set().join(p))
        .collect()
}

/// The committed packages are what the CLI builds from the committed manifests, byte for byte
/// (and so a build does not depend on the clock, the machine or SOURCE_DATE_EPOCH: the manifests
/// carry their dates).
#[test]
fn committed_packages_equal_a_fresh_build() {
    let dir = out_dir("fresh");
    let src = set().join("src");
    for (out, manifest) in PRODUCTS {
        let built = dir.join(out);
        ok(&[
            "build".as_ref(),
            src.join(manifest).as_os_str(),
            "-o".as_ref(),
            built.as_os_str(),
        ]);
        assert!(
            std::fs::read(&built).unwrap() == std::fs::read(set().join(out)).unwrap(),
            "{out} differs from a fresh build: run `cargo xtask testdata`"
        );
    }
    for (out, manifest) in PATCHES {
        let built = dir.join(out);
        ok(&[
            "patch".as_ref(),
            "create".as_ref(),
            "--manifest".as_ref(),
            src.join(manifest).as_os_str(),
            "-o".as_ref(),
            built.as_os_str(),
        ]);
        assert!(
            std::fs::read(&built).unwrap() == std::fs::read(set().join(out)).unwrap(),
            "{out} differs from a fresh build: run `cargo xtask testdata`"
        );
    }
}

/// msiinfo lists the tables msikit wrote and msidump dumps every one of them.
#[test]
fn msitools_read_every_authored_package() {
    require("msiinfo");
    require("msidump");
    for p in all_packages() {
        let o = Command::new("msiinfo")
            .arg("tables")
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success(), "msiinfo tables {}", p.display());
        let mut theirs: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter(|l| !l.starts_with('_'))
            .map(str::to_string)
            .collect();
        theirs.sort();
        let mut ours: Vec<String> = ok(&["tables".as_ref(), p.as_os_str()])
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .filter(|t| !t.starts_with('_'))
            .collect();
        ours.sort();
        assert_eq!(theirs, ours, "{}", p.display());
        let dump = out_dir(&format!(
            "msidump-{}",
            p.file_name().unwrap().to_string_lossy()
        ));
        let o = Command::new("msidump")
            .arg("-t")
            .arg("-d")
            .arg(&dump)
            .arg(&p)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "msidump {}: {}",
            p.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        for t in &theirs {
            assert!(
                dump.join(format!("{t}.idt")).is_file(),
                "msidump wrote no {t}.idt for {}",
                p.display()
            );
        }
    }
    // The File table as msiinfo reads it: versions from the PE resources of the payload.
    let o = Command::new("msiinfo")
        .args(["export"])
        .arg(set().join("rtm.msi"))
        .arg("File")
        .output()
        .unwrap();
    let file = String::from_utf8_lossy(&o.stdout);
    assert_eq!(file.lines().count(), 3 + 26, "{file}");
    assert!(
        file.contains("store.exe\tC_store_exe\tstore.exe\t4608\t8.0.685.24\t1033\t512\t1"),
        "{file}"
    );
    assert!(
        file.contains("web.config\tC_web_config\tWEB~1.CON|web.config\t155\t\t\t512\t23"),
        "{file}"
    );
}

/// msiextract gets every payload file out of the MSIs, byte for byte, at its install path.
#[test]
fn msiextract_gets_the_payload_back() {
    require("msiextract");
    for (msi, release) in [("rtm.msi", "rtm"), ("sp1.msi", "sp1")] {
        let dir = out_dir(&format!("msiextract-{release}"));
        let o = Command::new("msiextract")
            .arg("-C")
            .arg(&dir)
            .arg(set().join(msi))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let files = common::files_below(&dir);
        assert_eq!(files.len(), 26, "{files:?}");
        for f in files {
            let name = f.file_name().unwrap();
            let expected = set().join("payload").join(release).join(name);
            let expected = if expected.is_file() {
                expected
            } else {
                set().join("payload/rtm").join(name)
            };
            assert!(
                std::fs::read(&f).unwrap() == std::fs::read(&expected).unwrap(),
                "{} differs from {}",
                f.display(),
                expected.display()
            );
            let rel = f.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
            assert!(
                rel.contains("Microsoft/Exchange Server/"),
                "installed outside the Exchange folder: {rel}"
            );
        }
    }
}

/// 7-Zip and olefile (two CFB readers no one here wrote) see the same streams and storages as
/// msikit, the CLSIDs of databases, patches and transforms, and a version 3 file.
#[test]
fn seven_zip_and_olefile_read_every_authored_package() {
    require("7zz");
    let python = if Path::new("/usr/bin/python3").is_file() {
        "/usr/bin/python3"
    } else {
        "python3"
    };
    for p in all_packages() {
        let o = Command::new("7zz")
            .args(["l", "-tCompound", "-slt"])
            .arg(&p)
            .output()
            .unwrap();
        assert!(o.status.success(), "7zz {}", p.display());
        let listing = String::from_utf8_lossy(&o.stdout);
        let theirs = listing.lines().filter(|l| l.starts_with("Path = ")).count() - 1;
        let ours = ok(&["streams".as_ref(), p.as_os_str()]).lines().count() - 1;
        assert_eq!(theirs, ours, "entries of {}:\n{listing}", p.display());

        let script = "import sys, olefile\n\
                      o = olefile.OleFileIO(sys.argv[1])\n\
                      print(o.dll_version, o.root.clsid)\n\
                      print(len(o.listdir(streams=True, storages=True)))\n\
                      for e in o.listdir(streams=False, storages=True): print('S', o.getclsid(e))\n";
        let o = Command::new(python)
            .args(["-c", script])
            .arg(&p)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "olefile (apt-get install python3-olefile) on {}: {}",
            p.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        let mut lines = out.lines();
        let head = lines.next().unwrap();
        let patch = p.extension().unwrap() == "msp";
        let clsid = if patch {
            "000C1086-0000-0000-C000-000000000046"
        } else {
            "000C1084-0000-0000-C000-000000000046"
        };
        assert_eq!(head, format!("3 {clsid}"), "{}", p.display());
        let count: usize = lines.next().unwrap().parse().unwrap();
        assert_eq!(count, ours, "{}", p.display());
        for l in lines {
            assert_eq!(
                l,
                "S 000C1082-0000-0000-C000-000000000046",
                "{}",
                p.display()
            );
        }
    }
}

fn json(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// `patch info` and `patch files` on ur1.msp show exactly what ur1.patch.toml and ur1.toml ask
/// for: the real patch code, KB930809's metadata, one target, the three files of the fix.
#[test]
fn patch_info_and_files_show_what_the_manifest_asked() {
    let ur1 = set().join("ur1.msp");
    let rtm = set().join("rtm.msi");
    let info = json(&[
        "patch".as_ref(),
        "info".as_ref(),
        ur1.as_os_str(),
        "--json".as_ref(),
    ]);
    let text = info.to_string();
    for want in [
        "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}",
        "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}",
        "Update Rollup 1 for Exchange Server 2007 (KB930809)",
        "930809",
        "Exchange2007Rollup",
        "8.0.708.3",
        "8.0.685.24",
    ] {
        assert!(text.contains(want), "patch info lacks {want}: {text}");
    }
    let files = json(&[
        "patch".as_ref(),
        "files".as_ref(),
        ur1.as_os_str(),
        "--msi".as_ref(),
        rtm.as_os_str(),
        "--json".as_ref(),
    ]);
    let rows = files["files"].as_array().unwrap();
    let mut names: Vec<String> = rows
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Microsoft.Exchange.InfoWorker.Common.dll",
            "eseback2.dll",
            "store.exe"
        ]
    );
    for r in rows {
        assert_eq!(r["new_version"], "8.0.708.3", "{r}");
        assert_eq!(r["old_version"], "8.0.685.24", "{r}");
        let name = r["file"].as_str().unwrap();
        let payload = std::fs::read(set().join("payload/ur1").join(name)).unwrap();
        assert_eq!(r["new_size"], payload.len(), "{r}");
        assert_eq!(r["delivery"], "whole", "{r}");
        let sha: String = sha2::Sha256::digest(&payload)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(r["entry_sha256"], sha.as_str(), "{r}");
    }
    // UR2: two targets in one patch, the family's supersede flag, an added file.
    let info = json(&[
        "patch".as_ref(),
        "info".as_ref(),
        set().join("ur2.msp").as_os_str(),
        "--json".as_ref(),
    ]);
    let text = info.to_string();
    assert!(text.contains("RTM.1") && text.contains("UR1.1"), "{text}");
    assert!(text.contains("8.0.711.2"), "{text}");
}

/// Export to IDT and build back: the same database (diff exits 0).
#[test]
fn idt_round_trip_of_a_built_msi() {
    let dir = out_dir("idt");
    let idt = dir.join("idt");
    let rtm = set().join("rtm.msi");
    ok(&[
        "export".as_ref(),
        rtm.as_os_str(),
        "--idt".as_ref(),
        idt.as_os_str(),
    ]);
    let back = dir.join("back.msi");
    ok(&[
        "build".as_ref(),
        "--idt".as_ref(),
        idt.as_os_str(),
        "-o".as_ref(),
        back.as_os_str(),
    ]);
    let o = run_msikit(&["diff".as_ref(), rtm.as_os_str(), back.as_os_str()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// A manifest with a mistake: exit 2, one line naming the manifest and the mistake, no output.
#[test]
fn bad_manifests_are_refused_with_one_line() {
    let dir = out_dir("bad");
    let cases = [
        ("[product]\nname = \"x\"\n", "manufacturer"),
        (
            "[product]\nname = \"x\"\nmanufacturer = \"m\"\nversion = \"1.0\"\ncode = \"{nope}\"\n",
            "not a GUID",
        ),
        ("[product]\nnmae = \"x\"\n", "nmae"),
        ("this is not toml", "not a build manifest"),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let m = dir.join(format!("bad{i}.toml"));
        std::fs::write(&m, text).unwrap();
        let out = dir.join(format!("bad{i}.msi"));
        let o = run_msikit(&[
            "build".as_ref(),
            m.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains(want) && err.contains(&format!("bad{i}.toml")),
            "{err}"
        );
        assert!(!out.exists());
    }
}

/// The cabinets msikit writes (its own MSZIP writer, src/cabinet/write.rs) pass cabextract's and
/// gcab's checks: every file listed, every checksum and block right.
#[test]
fn cabextract_and_gcab_accept_the_written_cabinets() {
    require("cabextract");
    require("gcab");
    let dir = out_dir("cabinets");
    for (package, stream, files) in [
        ("rtm.msi", "product.cab", 26),
        ("ur1.msp", "UR1.cab", 3),
        ("ur2.msp", "UR2.cab", 6),
    ] {
        let o = run_msikit(&[
            "cat".as_ref(),
            set().join(package).as_os_str(),
            stream.as_ref(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let cab = dir.join(stream);
        std::fs::write(&cab, &o.stdout).unwrap();
        let t = Command::new("cabextract")
            .arg("-t")
            .arg(&cab)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&t.stdout);
        assert!(t.status.success(), "cabextract -t {stream}: {text}");
        assert_eq!(text.matches("  OK  ").count(), files, "{text}");
        let l = Command::new("gcab").arg("-l").arg(&cab).output().unwrap();
        assert!(l.status.success(), "gcab -l {stream}");
        assert_eq!(String::from_utf8_lossy(&l.stdout).lines().count(), files);
    }
}

/// The LZX cabinets msikit writes (src/cabinet/lzx/encode.rs; the `cab` crate writes no LZX)
/// extract byte for byte with cabextract, 7-Zip and gcab, for the smallest, a middle and the
/// largest window, with files of text, noise, runs and nothing, in one folder and in several.
#[test]
fn lzx_cabinets_extract_identically_with_cabextract_7zip_and_gcab() {
    use msikit::formats::cabinet::write::{write_cabinet_in_folders, Compression, NewFile};
    require("cabextract");
    require("7zz");
    require("gcab");
    let dir = out_dir("lzx");
    // The payload of the look-alike Exchange packages, plus made-up files.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for p in all_packages() {
        files.push((
            p.file_name().unwrap().to_string_lossy().into_owned(),
            std::fs::read(&p).unwrap(),
        ));
    }
    let mut x = 0x1234_5678u32;
    let noise: Vec<u8> = (0..150_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    files.push(("noise.bin".into(), noise));
    files.push(("empty.txt".into(), Vec::new()));
    files.push(("zeros.bin".into(), vec![0; 300_001]));
    let text: Vec<u8> = (0..40_000)
        .flat_map(|i| format!("line {i} of a log that repeats itself\n").into_bytes())
        .collect();
    files.push(("dir\\log.txt".into(), text));
    let new: Vec<NewFile<'_>> = files
        .iter()
        .map(|(n, d)| NewFile { name: n, data: d })
        .collect();
    let total: usize = files.iter().map(|(_, d)| d.len()).sum();
    for (bits, folder_bytes) in [(15u8, u64::MAX), (18, 1 << 20), (21, u64::MAX)] {
        let cab = write_cabinet_in_folders(
            &new,
            1_700_000_000,
            Compression::Lzx { window_bits: bits },
            folder_bytes,
        )
        .unwrap();
        assert!(cab.len() < total / 2, "window {bits}: {} bytes", cab.len());
        let path = dir.join(format!("lzx{bits}.cab"));
        std::fs::write(&path, &cab).unwrap();
        let runs: [(&str, Vec<std::ffi::OsString>); 3] = [
            ("cabextract", vec!["-q".into(), "-d".into()]),
            ("7zz", vec!["x".into(), "-y".into(), "-bd".into()]),
            ("gcab", vec!["-x".into(), "-C".into()]),
        ];
        for (tool, args) in runs {
            let out = dir.join(format!("{tool}-{bits}"));
            std::fs::create_dir_all(&out).unwrap();
            let mut c = Command::new(tool);
            c.args(&args);
            if tool == "7zz" {
                c.arg(format!("-o{}", out.display())).arg(&path);
            } else {
                c.arg(&out).arg(&path);
            }
            let o = c.output().unwrap();
            assert!(
                o.status.success(),
                "{tool} on lzx{bits}.cab: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            for (name, data) in &files {
                let rel = name.replace('\\', "/");
                let got = std::fs::read(out.join(&rel))
                    .unwrap_or_else(|e| panic!("{tool} window {bits}: {rel}: {e}"));
                assert!(&got == data, "{tool} window {bits}: {rel} differs");
            }
        }
    }
}
