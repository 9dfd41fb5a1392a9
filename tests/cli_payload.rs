//! `msikit files`, `extract` and `cab list|extract` through the CLI: snapshots on testdata, the
//! corpus cabinets against cabextract, and clean exits on damaged input.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{manifest, require, run_msikit};

fn run_in_root(args: &[&str]) -> std::process::Output {
    common::msikit()
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = run_in_root(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn files_and_extract_on_testdata() {
    insta::assert_snapshot!("files_sample", ok(&["files", "testdata/sample.msi"]));
    insta::assert_snapshot!(
        "files_sample_json",
        ok(&["files", "--json", "testdata/sample.msi"])
    );
    insta::assert_snapshot!(
        "files_sample_property",
        ok(&[
            "files",
            "--csv",
            "--property",
            "INSTALLDIR=D:\\Widget",
            "testdata/sample.msi"
        ])
    );
    let dir = std::env::temp_dir().join(format!("msikit-cli-extract-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let report = ok(&["extract", "--json", "testdata/sample.msi", "-C", d]);
    insta::assert_snapshot!("extract_sample_json", report);
    let mut written: Vec<String> = common::files_below(&dir)
        .into_iter()
        .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
        .collect();
    written.sort();
    insta::assert_snapshot!("extract_sample_tree", written.join("\n"));
    // --flat and --only.
    let flat = dir.join("flat");
    ok(&[
        "extract",
        "testdata/sample.msi",
        "-C",
        flat.to_str().unwrap(),
        "--flat",
        "--only",
        "*.exe",
    ]);
    let names: Vec<String> = std::fs::read_dir(&flat)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["widget.exe"]);
    let _ = std::fs::remove_dir_all(&dir);
}

// cabextract's names are raw bytes (std::os::unix): a Unix-only comparison.
#[cfg(unix)]
#[test]
fn cab_verbs_agree_with_cabextract_and_fail_cleanly() {
    require("cabextract");
    let dir = std::env::temp_dir().join(format!("msikit-cli-cab-{}", std::process::id()));
    // libmspack's huge-lzx15/21 cabinets (2.7 MB each) hold 2 GiB files; tests/cabinet_oracle.rs
    // compares them as they decode, so they are not written to disk again here.
    let cabs: Vec<_> = manifest()
        .into_iter()
        .filter(|f| f.kind == "cab" && !f.local.contains("huge-lzx"))
        .collect();
    // 1 = identical, 2 = refused, 0 = accepted where cabextract refuses (listed in
    // tests/cabinet_oracle.rs with reasons).
    let outcomes: Vec<u8> = common::par_map(&cabs, |f| {
        let d = dir.join(f.local.replace('/', "_"));
        let (theirs, ours) = (d.join("theirs"), d.join("ours"));
        std::fs::create_dir_all(&theirs).unwrap();
        let c = Command::new("cabextract")
            .arg("-q")
            .arg("-d")
            .arg(&theirs)
            .arg(&f.path)
            .output()
            .unwrap();
        // --overwrite: entries that share a path end as cabextract leaves them.
        let o = run_msikit(&[
            "cab".as_ref(),
            "extract".as_ref(),
            "--overwrite".as_ref(),
            f.path.as_os_str(),
            "-C".as_ref(),
            ours.as_os_str(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("panicked") && !err.contains("internal error"),
            "{}: {err}",
            f.local
        );
        let outcome = match o.status.code() {
            Some(0) if c.status.success() => {
                // Names are compared through the documented mapping (cabextract writes raw
                // bytes where msikit writes their Windows-1252 reading, and keeps characters
                // Windows cannot hold, which msikit writes as `_`): tests/common.
                let read = |root: &Path| -> BTreeMap<Vec<u8>, Vec<u8>> {
                    use std::os::unix::ffi::OsStrExt;
                    common::files_below(root)
                        .into_iter()
                        .map(|p| {
                            let rel = p
                                .strip_prefix(root)
                                .unwrap()
                                .as_os_str()
                                .as_bytes()
                                .to_vec();
                            (rel, std::fs::read(&p).unwrap())
                        })
                        .collect()
                };
                let want = common::cabextract_tree_as_msikit(&read(&theirs));
                let got = read(&ours);
                let same = want.len() == got.len()
                    && want.iter().all(|(k, v)| match got.get(k.as_bytes()) {
                        Some(g) => v.as_ref().is_none_or(|w| w == g),
                        None => false,
                    });
                assert!(same, "{}: extracted trees differ", f.local);
                1
            }
            Some(2) => {
                assert_eq!(err.lines().count(), 1, "{}: {err}", f.local);
                assert!(err.contains(&f.path.display().to_string()), "{err}");
                2
            }
            Some(0) => 0,
            other => panic!("{}: exit {other:?}: {err}", f.local),
        };
        let _ = std::fs::remove_dir_all(&d);
        outcome
    });
    let same = outcomes.iter().filter(|&&o| o == 1).count();
    let refused = outcomes.iter().filter(|&&o| o == 2).count();
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{same} cabinets extracted identically, {refused} refused");
    assert!(same > 60 && refused > 40, "{same} same, {refused} refused");
    // cabextract's tests of unsafe and odd names: every entry written inside the folder.
    for name in [
        "dirwalk-vulns.cab",
        "dirwalk@",
        "utf8-stresstest.cab",
        "utf8-tests@",
        "normal_255c_filename.cab",
        "encoding-sjis.cab",
    ] {
        let (f, o) = cabs
            .iter()
            .zip(&outcomes)
            .find(|(f, _)| f.local.contains(name))
            .unwrap_or_else(|| panic!("{name} is in the corpus"));
        assert_eq!(*o, 1, "{}: not extracted as cabextract does", f.local);
    }
}

/// Folders are extracted independently (on several threads): bad data in one folder stops that
/// folder only. libmspack's two-folder cabinet (MSZIP, then LZX) with a byte of the LZX folder's
/// first data block changed: its checksum no longer holds.
#[test]
fn a_bad_folder_leaves_the_other_folders_written() {
    require("cabextract");
    let src = common::corpus()
        .join("kyz__libmspack/libmspack__test__test_files__cabd__normal_2files_2folders.cab");
    let mut bytes = std::fs::read(&src).unwrap();
    // CFFOLDER 1 (after the 36-byte header and CFFOLDER 0): coffCabStart, then its first
    // CFDATA: checksum, cbData, cbUncomp, data.
    let folder1 = u32::from_le_bytes(bytes[44..48].try_into().unwrap()) as usize;
    assert_ne!(
        bytes[folder1..folder1 + 4],
        [0; 4],
        "the block has a checksum"
    );
    bytes[folder1 + 9] ^= 0x55;
    let dir = std::env::temp_dir().join(format!("msikit-bad-folder-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let cab = dir.join("two-folders.cab");
    std::fs::write(&cab, &bytes).unwrap();
    let out = dir.join("out");
    let o = run_msikit(&[
        "cab".as_ref(),
        "extract".as_ref(),
        cab.as_os_str(),
        "-C".as_ref(),
        out.as_os_str(),
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert_eq!(o.status.code(), Some(2), "{stdout}{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&cab.display().to_string()), "{stderr}");
    assert!(stderr.contains("2 files not written"), "{stderr}");
    assert!(stderr.contains("checksum"), "{stderr}");
    assert!(
        stdout.contains("2 files of folder 1 not written"),
        "{stdout}"
    );
    // Folder 0's files are whole; nothing of folder 1, not even a temporary file, is left.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["mszip1.txt", "mszip2.txt"]);
    let theirs = Command::new("cabextract")
        .arg("-p")
        .arg("-F")
        .arg("mszip1.txt")
        .arg(&src)
        .output()
        .unwrap();
    assert_eq!(
        std::fs::read(out.join("mszip1.txt")).unwrap(),
        theirs.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two File rows installing `same.txt` into one folder (the one with the higher sequence listed
/// first in the File table): msiextract leaves the later one in cabinet order there, and so does
/// `msikit extract`, which by default writes the other as `same.txt.duplicate1` (with
/// `--overwrite` it lists it under `shadowed`), exiting 0.
#[test]
fn rows_sharing_a_path_are_all_written() {
    for tool in ["msibuild", "msiextract", "gcab"] {
        require(tool);
    }
    let work = std::env::temp_dir().join(format!("msikit-same-path-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("files")).unwrap();
    std::fs::write(work.join("files/fA"), "first").unwrap();
    std::fs::write(work.join("files/fB"), "second!").unwrap();
    let idts = [
        (
            "Directory.idt",
            "Directory\tDirectory_Parent\tDefaultDir\r\ns72\tS72\tl255\r\nDirectory\tDirectory\r\n\
             TARGETDIR\t\tSourceDir\r\nINSTALLDIR\tTARGETDIR\tApp\r\n",
        ),
        (
            "Component.idt",
            "Component\tComponentId\tDirectory_\tAttributes\tCondition\tKeyPath\r\n\
             s72\tS38\ts72\ti2\tS255\tS72\r\nComponent\tComponent\r\n\
             cA\t{11111111-1111-1111-1111-111111111111}\tINSTALLDIR\t0\t\tfA\r\n\
             cB\t{22222222-2222-2222-2222-222222222222}\tINSTALLDIR\t0\t\tfB\r\n",
        ),
        (
            "File.idt",
            "File\tComponent_\tFileName\tFileSize\tVersion\tLanguage\tAttributes\tSequence\r\n\
             s72\ts72\tl255\ti4\tS72\tS20\tI2\ti4\r\nFile\tFile\r\n\
             fB\tcB\tsame.txt\t7\t\t\t0\t2\r\nfA\tcA\tsame.txt\t5\t\t\t0\t1\r\n",
        ),
        (
            "Media.idt",
            "DiskId\tLastSequence\tDiskPrompt\tCabinet\tVolumeLabel\tSource\r\n\
             i2\ti4\tL64\tS255\tS32\tS72\r\nMedia\tDiskId\r\n1\t2\t\t#data.cab\t\t\r\n",
        ),
    ];
    for (name, text) in idts {
        std::fs::write(work.join(name), text).unwrap();
    }
    let run = |c: &mut Command| {
        let o = c.output().unwrap();
        assert!(
            o.status.success(),
            "{c:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o
    };
    run(Command::new("gcab").current_dir(work.join("files")).args([
        "-c",
        "-n",
        "../data.cab",
        "fA",
        "fB",
    ]));
    let msi = work.join("same.msi");
    run(Command::new("msibuild").arg(&msi).args([
        "-s",
        "same path",
        "msikit",
        "Intel;1033",
        "{7E3D2C1B-0A9F-4E8D-B7C6-A5B4C3D2E1F2}",
    ]));
    run(Command::new("msibuild")
        .current_dir(&work)
        .arg(&msi)
        .arg("-i")
        .args(idts.map(|(n, _)| n)));
    run(Command::new("msibuild")
        .arg(&msi)
        .args(["-a", "data.cab"])
        .arg(work.join("data.cab")));
    run(Command::new("msiextract")
        .arg("-C")
        .arg(work.join("theirs"))
        .arg(&msi));
    let extract = |overwrite: bool, into: &str| {
        let mut args = vec!["extract".as_ref(), "--json".as_ref(), msi.as_os_str()];
        if overwrite {
            args.push("--overwrite".as_ref());
        }
        let dir = work.join(into);
        args.extend(["-C".as_ref(), dir.as_os_str()]);
        let o = run_msikit(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let theirs = std::fs::read_to_string(work.join("theirs/App/same.txt")).unwrap();
    assert_eq!(theirs, "second!");
    // --overwrite: what msiextract leaves, the other row listed under `shadowed`.
    let report = extract(true, "overwritten");
    let ours = std::fs::read_to_string(work.join("overwritten/App/same.txt")).unwrap();
    assert_eq!(ours, theirs);
    assert_eq!(common::files_below(&work.join("overwritten")).len(), 1);
    assert!(
        report.contains(
            "\"fA (sequence 1) goes to App/same.txt as fB (sequence 2) does; fB is written\""
        ),
        "{report}"
    );
    // By default no file is lost: the row with the higher sequence at the path (as msiextract
    // leaves it), the other beside it as lessmsi names it, listed under `renamed`.
    let report = extract(false, "ours");
    let ours = work.join("ours/App");
    assert_eq!(
        std::fs::read_to_string(ours.join("same.txt")).unwrap(),
        theirs
    );
    assert_eq!(
        std::fs::read_to_string(ours.join("same.txt.duplicate1")).unwrap(),
        "first"
    );
    assert_eq!(common::files_below(&work.join("ours")).len(), 2);
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["written"], 2);
    assert!(json.get("shadowed").is_none(), "{report}");
    assert_eq!(
        json["renamed"][0],
        "fA (sequence 1) -> App/same.txt.duplicate1 (App/same.txt is another file's)"
    );
    let files = json["files"].as_array().unwrap();
    let fa = files.iter().find(|f| f["name"] == "fA").unwrap();
    assert_eq!(fa["path"], "App/same.txt.duplicate1");
    assert_eq!(fa["duplicate_of"], "App/same.txt");
    assert_eq!(fa["written"], true);
    let _ = std::fs::remove_dir_all(&work);
}

/// A symbolic link already in the output folder is never written through: the files below it
/// are reported as not written (exit 2) and nothing lands where it points.
// Makes its links with std::os::unix::fs::symlink (Windows needs a privilege for them).
#[cfg(unix)]
#[test]
fn extraction_does_not_follow_symbolic_links_in_the_folder() {
    let work = std::env::temp_dir().join(format!("msikit-symlink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let outside = work.join("outside");
    let dir = work.join("out");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("Program Files")).unwrap();
    let o = run_in_root(&[
        "extract",
        "testdata/sample.msi",
        "-C",
        dir.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a symbolic link; not writing through it"),
        "{err}"
    );
    assert!(common::files_below(&outside).is_empty());
    // The same for a plain cabinet whose entries have folders.
    let cab = common::corpus().join("kyz__libmspack/cabextract__test__cabs__dir.cab");
    let cab_out = work.join("cab");
    std::fs::create_dir_all(&cab_out).unwrap();
    // Its entry `1\2\3\4.c` goes below the folder `1`.
    assert!(ok(&["cab", "list", cab.to_str().unwrap()]).contains("1\\2\\3\\4.c"));
    std::os::unix::fs::symlink(&outside, cab_out.join("1")).unwrap();
    let o = run_in_root(&[
        "cab",
        "extract",
        cab.to_str().unwrap(),
        "-C",
        cab_out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("is a symbolic link"), "{err}");
    assert!(common::files_below(&outside).is_empty());
    let _ = std::fs::remove_dir_all(&work);
}

/// A package built here (`testdata/same-path`: two File rows installing `atl80.dll` into one
/// folder under different conditions, as the Visual C++ 2005 runtime does): `extract` writes
/// both, the one msiextract leaves (the higher sequence) at the path and the other as
/// `atl80.dll.duplicate1`; `--overwrite` writes msiextract's alone.
#[test]
fn a_package_with_two_rows_on_one_path_loses_no_file() {
    require("msiextract");
    let work = std::env::temp_dir().join(format!("msikit-atl80-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let msi = work.join("same-path.msi");
    let msi_s = msi.to_str().unwrap();
    ok(&["build", "testdata/same-path/same-path.toml", "-o", msi_s]);
    let theirs = work.join("theirs");
    let o = Command::new("msiextract")
        .arg("-C")
        .arg(&theirs)
        .arg(&msi)
        .output()
        .unwrap();
    assert!(o.status.success());
    let theirs = std::fs::read(theirs.join("Program Files/Same Path/atl80.dll")).unwrap();
    assert_eq!(theirs, b"atl80 for Windows XP and later\n");

    let ours = work.join("ours");
    let text = ok(&["extract", msi_s, "-C", ours.to_str().unwrap()]);
    assert!(
        text.contains(
            "renamed: atl80_w2k (sequence 1) -> Program Files (x86)/Same Path/atl80.dll.duplicate1"
        ),
        "{text}"
    );
    let app = ours.join("Program Files (x86)/Same Path");
    assert_eq!(std::fs::read(app.join("atl80.dll")).unwrap(), theirs);
    assert_eq!(
        std::fs::read(app.join("atl80.dll.duplicate1")).unwrap(),
        b"atl80 for Windows 2000\n"
    );
    assert_eq!(common::files_below(&ours).len(), 2);

    let over = work.join("over");
    let text = ok(&[
        "extract",
        "--overwrite",
        msi_s,
        "-C",
        over.to_str().unwrap(),
    ]);
    assert!(
        text.contains("same path: atl80_w2k (sequence 1) goes to"),
        "{text}"
    );
    let files = common::files_below(&over);
    assert_eq!(files.len(), 1);
    assert_eq!(std::fs::read(&files[0]).unwrap(), theirs);
    let _ = std::fs::remove_dir_all(&work);
}

/// `extract --layout source` lays the corpus's lessmsi test packages out as lessmsi's own tests
/// expect (activescott/lessmsi, MIT: src/Lessmsi.Tests/TestFiles/ExpectedOutput/
/// *.msi.expected.csv; the paths and sizes below are taken from those files): a `SourceDir` tree
/// of the Directory table's names, standard folders by their DefaultDir (`PFiles`), and a
/// directory with no Directory row (set at install time) as a root named by its key.
#[test]
fn source_layout_matches_lessmsis_expected_output() {
    let work = std::env::temp_dir().join(format!("msikit-source-layout-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let lessmsi = common::corpus().join("activescott__lessmsi");
    let input =
        |name: &str| lessmsi.join(format!("src__Lessmsi.Tests__TestFiles__MsiInput__{name}"));
    let extract = |msi: &Path, out: &str| -> BTreeMap<String, u64> {
        let dir = work.join(out);
        ok(&[
            "extract",
            "--layout",
            "source",
            msi.to_str().unwrap(),
            "-C",
            dir.to_str().unwrap(),
        ]);
        common::files_below(&dir)
            .into_iter()
            .map(|p| {
                let len = std::fs::metadata(&p).unwrap().len();
                (
                    p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned(),
                    len,
                )
            })
            .collect()
    };

    // An external cabinet: the package and its cabinet under their own names.
    let ext = work.join("ext");
    std::fs::create_dir_all(&ext).unwrap();
    for n in ["msi_with_external_cab.msi", "msi_with_external_cab.cab"] {
        std::fs::copy(input(n), ext.join(n)).unwrap();
    }
    let got = extract(&ext.join("msi_with_external_cab.msi"), "out-ext");
    let want: BTreeMap<String, u64> = [(
        "SourceDir/PFiles/~TestMSIWithExternalCab/create_msi_with_external_cab.wxs".to_string(),
        970,
    )]
    .into();
    assert_eq!(got, want);

    let got = extract(&input("ExtractOnlySomeFiles.msi"), "out-nunit");
    for (path, size) in [
        ("SourceDir/PFiles/NUnit 2.5.2/samples/Extensibility/Core/SampleSuiteExtension/Tests/SampleSuiteExtensionTests.cs", 838),
        ("SourceDir/PFiles/NUnit 2.5.2/doc/img/testOutputOptions.jpg", 38632),
        ("SourceDir/PFiles/NUnit 2.5.2/bin/net-2.0/NUnitTests.config", 3386),
    ] {
        assert_eq!(got.get(path), Some(&size), "{path}");
    }

    // 98 files in the global assembly cache folder, 29 below a directory set at install time:
    // lessmsi's 127.
    let got = extract(&input("IviNetSharedComponents32_Fx20_1.3.0.msi"), "out-ivi");
    let gac = "SourceDir/Global Assembly Cache Folder/";
    let root = "IVINETSTANDARDROOTDIR/Framework32/v2.0.50727/IviFoundationSharedComponents 1.3.0/";
    assert_eq!(got.len(), 127);
    assert_eq!(got.keys().filter(|k| k.starts_with(gac)).count(), 98);
    assert_eq!(got.keys().filter(|k| k.starts_with(root)).count(), 29);
    for (path, size) in [
        (format!("{gac}Ivi.Counter.dll"), 28672),
        (format!("{gac}Policy.1.2.Ivi.Upconverter.config"), 517),
        (format!("{root}Ivi.Counter.xml"), 62781),
        (
            format!("{root}IviFoundationSharedComponentsVersion.dll"),
            2048,
        ),
    ] {
        assert_eq!(got.get(&path), Some(&size), "{path}");
    }
    let _ = std::fs::remove_dir_all(&work);
}
