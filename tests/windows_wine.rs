//! msikit.exe (the Windows build, `cargo xtask windows`) under Wine against the Linux binary:
//! every verb on testdata and on a slice of the corpus, read and write verbs, errors and exit
//! codes. Standard output, standard error, the exit code and every file written must be the
//! same bytes, apart from the differences docs/windows.md lists and explains ("What differs on
//! Windows"): the OS's error texts (compared through [`OS_ERROR_TEXTS`]) and the paths msikit
//! joins itself (compared with `\` read as `/`, only in the cases marked `joins`).
//!
//! The exe is `$MSIKIT_EXE` (set by .ci/run), else the newest of
//! target/windows/x86_64-win7-windows-gnu/{release,debug}/msikit.exe. Without it the test fails.
//!
//! Both sides run in a folder of their own with the same relative paths (`t` links to testdata,
//! `c` to the corpus, outputs go to `o/`), so what they print is comparable as it is. One Wine
//! prefix (the oracle's, under the target dir) and a persistent wineserver serve every call.

#![cfg(unix)]

#[path = "common/wine.rs"]
mod wine;

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Instant;

/// The OS's error texts: (Windows, Wine, Linux) for the same error, which the comparison treats
/// as equal. Wine's message table words some of them differently from Windows. docs/windows.md
/// lists them.
const OS_ERROR_TEXTS: &[(&str, &str, &str)] = &[
    (
        "The system cannot find the file specified. (os error 2)",
        "File not found. (os error 2)",
        "No such file or directory (os error 2)",
    ),
    (
        "The system cannot find the path specified. (os error 3)",
        "Path not found. (os error 3)",
        "No such file or directory (os error 2)",
    ),
    (
        "Cannot create a file when that file already exists. (os error 183)",
        "File already exists. (os error 183)",
        "File exists (os error 17)",
    ),
];

/// One msikit invocation, run on both sides.
struct Case {
    args: Vec<String>,
    /// A file (relative to the working folder) given as standard input.
    stdin: Option<&'static str>,
    /// Paths msikit joins itself appear in the output: compare with `\` read as `/`
    /// (docs/windows.md, "Paths msikit joins").
    joins: bool,
    /// A cabinet whose file names the Windows file system cannot hold as they are (trailing dots
    /// and spaces, which Win32 strips): only the exit code is compared, and its output folder
    /// is left out (docs/windows.md, "File names Windows cannot hold").
    names: Option<String>,
}

fn case(args: &[&str]) -> Case {
    Case {
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: None,
        joins: false,
        names: None,
    }
}

fn joins(mut c: Case) -> Case {
    c.joins = true;
    c
}

/// What one run gave.
#[derive(Debug)]
struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

fn windows_exe() -> PathBuf {
    if let Some(p) = std::env::var_os("MSIKIT_EXE") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "MSIKIT_EXE={} does not exist (build it with `cargo xtask windows`)",
            p.display()
        );
        return p;
    }
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/windows/x86_64-win7-windows-gnu");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = ["release", "debug"]
        .iter()
        .map(|p| base.join(p).join("msikit.exe"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.modified().ok()?, p)))
        .collect();
    found.sort();
    found.pop().map(|(_, p)| p).unwrap_or_else(|| {
        panic!(
            "msikit.exe is missing: build it with `cargo xtask windows` (or set MSIKIT_EXE); \
             .ci/run does both"
        )
    })
}

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("MSIKIT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "the conformance corpus is missing (looked in {}; set MSIKIT_CORPUS)",
        dir.display()
    );
    dir
}

/// The corpus slice: (file under the corpus, kind).
const CORPUS: &[(&str, &str)] = &[
    ("mtrojnar__osslsigncode/tests__files__unsigned.msi", "msi"),
    (
        "wixtoolset__wix3/test__data__Integration__BuildingPackages__CustomTables__CustomTableTests__SimpleCustomTable__expected.msi",
        "msi",
    ),
    (
        "wixtoolset__wix3/test__data__BurnTestPayloads__PerMachineMsisMsps__PatchAv101.msp",
        "msp",
    ),
    (
        "wixtoolset__wix3/test__data__BurnTestPayloads__MSIsandMSPs__Baseliner__rtmldr.msp",
        "msp",
    ),
    ("heaths__psmsi/test__PowerShell.Test__Data__Example.mst", "mst"),
    ("heaths__psmsi/test__PowerShell.Test__Data__Example.jpn.mst", "mst"),
    ("target__strelka/src__python__strelka__tests__fixtures__test_lzx.cab", "cab"),
    ("ebourg__jsign/jsign-core__src__test__resources__mscab__sample3.cab", "cab"),
    ("kyz__libmspack/cabextract__test__cabs__dirwalk-vulns.cab", "cab"),
    ("kyz__libmspack/cabextract__test__cabs__utf8-stresstest.cab", "cab"),
    ("kyz__libmspack/libmspack__test__test_files__cabd__bad_signature.cab", "cab"),
];

/// Corpus cabinets whose names Windows cannot hold as they are (`_..` components, trailing
/// spaces): what lands where is the file system's doing, not msikit's.
const HOSTILE_NAMES: &[&str] = &["dirwalk-vulns.cab", "utf8-stresstest.cab"];

/// Groups of cases: groups run in parallel, the cases of a group in order (a later one may read
/// what an earlier one wrote).
fn cases() -> Vec<Vec<Case>> {
    let ex = "t/exchange2007";
    let snaps = [
        "rtm-clean",
        "rtm-files-in-use",
        "rtm-interim-update",
        "rtm-no-setup-logs",
        "rtm-services-disabled",
        "sp1",
        "ur2-installed",
    ];
    let mut read = vec![
        case(&[]),
        case(&["--help"]),
        case(&["--version"]),
        case(&["nonsense"]),
        case(&["info", "--help"]),
        case(&["patch", "--help"]),
        case(&["info"]),
        case(&["completions", "bash"]),
        case(&["completions", "powershell"]),
        case(&["man"]),
        case(&["info", "t/does-not-exist.msi"]),
        case(&["info", "t/truncated.msi"]),
        case(&["info", "t/not-an-installer.bin"]),
        case(&["tables", "t/not-an-installer.bin"]),
        case(&["info", "t/nowhere/x.msi"]),
        case(&["table", "t/sample.msi", "Property"]),
        case(&["table", "t/sample.msi", "Nope"]),
        case(&["table", "--json", "t/sample.msi", "Binary"]),
        case(&["cat", "t/sample.msi", "File"]),
        case(&["cat", "t/sample.msi", "\\005SummaryInformation"]),
        case(&["cat", "t/sample.msi", "Nope"]),
        case(&["streams", "t/sample.msi"]),
        case(&["streams", "--json", "t/sample.msp"]),
        case(&["files", "t/sample.msi"]),
        case(&["files", "--json", "t/sample.msi"]),
        case(&["diff", "t/sample.msi", "t/sample.msi"]),
        case(&["diff", &format!("{ex}/rtm.msi"), &format!("{ex}/sp1.msi")]),
        case(&["transform", "show", "t/sample.msi", "t/sample.mst"]),
        case(&[
            "transform",
            "show",
            &format!("{ex}/rtm.msi"),
            &format!("{ex}/ur1.msp"),
        ]),
        case(&[
            "patch",
            "view",
            &format!("{ex}/rtm.msi"),
            &format!("{ex}/ur1.msp"),
            &format!("{ex}/ur2.msp"),
        ]),
        case(&[
            "check",
            &format!("{ex}/ur1.msp"),
            "--msi",
            &format!("{ex}/rtm.msi"),
        ]),
        case(&[
            "check",
            &format!("{ex}/ur2.msp"),
            &format!("{ex}/ur1.msp"),
            "--msi",
            &format!("{ex}/rtm.msi"),
        ]),
        case(&[
            "check",
            &format!("{ex}/ur1.msp"),
            "--snapshot",
            "t/does-not-exist.json",
        ]),
        joins(case(&[
            "check",
            &format!("{ex}/ur1.msp"),
            "--snapshots",
            &format!("{ex}/snapshots"),
        ])),
        joins(case(&[
            "check",
            "--json",
            &format!("{ex}/ur2.msp"),
            "--snapshots",
            &format!("{ex}/snapshots"),
        ])),
        case(&[
            "locks",
            &format!("{ex}/ur1.msp"),
            "--msi",
            &format!("{ex}/rtm.msi"),
            "--snapshot",
            &format!("{ex}/snapshots/rtm-files-in-use.json"),
        ]),
        case(&[
            "locks",
            "--json",
            &format!("{ex}/ur1.msp"),
            "--msi",
            &format!("{ex}/rtm.msi"),
            "--snapshot",
            &format!("{ex}/snapshots/rtm-files-in-use.json"),
        ]),
    ];
    read.push(Case {
        stdin: Some("t/sample.msi"),
        ..case(&["tables", "-"])
    });
    for f in ["sample.msi", "sample.msm", "sample.msp", "sample.mst"] {
        let p = format!("t/{f}");
        read.push(case(&["info", &p]));
        read.push(case(&["info", "--json", &p]));
        read.push(case(&["tables", &p]));
    }
    for f in ["rtm.msi", "sp1.msi", "ur1.msp", "ur2.msp", "iu.msp"] {
        read.push(case(&["info", &format!("{ex}/{f}")]));
    }
    for table in ["File", "Property", "_Validation"] {
        read.push(case(&["table", "--format", "idt", "t/sample.msi", table]));
    }
    for format in ["json", "csv"] {
        read.push(case(&["table", "--format", format, "t/sample.msi", "File"]));
    }
    for f in ["ur1.msp", "ur2.msp", "iu.msp"] {
        let p = format!("{ex}/{f}");
        read.push(case(&["patch", "info", &p]));
        read.push(case(&["patch", "info", "--json", &p]));
        read.push(case(&["patch", "xml", &p]));
        read.push(case(&[
            "patch",
            "files",
            &p,
            "--msi",
            &format!("{ex}/rtm.msi"),
        ]));
    }
    for s in snaps {
        let snap = format!("{ex}/snapshots/{s}.json");
        read.push(case(&[
            "check",
            &format!("{ex}/ur1.msp"),
            "--snapshot",
            &snap,
        ]));
        read.push(case(&[
            "check",
            "--json",
            &format!("{ex}/ur2.msp"),
            "--snapshot",
            &snap,
        ]));
    }
    for (file, kind) in CORPUS {
        let p = format!("c/{file}");
        match *kind {
            "cab" => {
                read.push(case(&["cab", "list", &p]));
                read.push(case(&["cab", "list", "--json", &p]));
            }
            "msp" => {
                read.push(case(&["info", &p]));
                read.push(case(&["patch", "info", &p]));
                read.push(case(&["patch", "files", &p]));
                read.push(case(&["streams", &p]));
            }
            _ => {
                read.push(case(&["info", &p]));
                read.push(case(&["tables", &p]));
                read.push(case(&["streams", "--json", &p]));
                if *kind == "msi" {
                    read.push(case(&["files", &p]));
                    read.push(case(&["table", "--format", "idt", &p, "Property"]));
                }
            }
        }
    }

    let mut groups: Vec<Vec<Case>> = read.into_iter().map(|c| vec![c]).collect();
    // Write verbs: each writes under o/, compared file by file afterwards.
    groups.push(vec![
        case(&["export", "t/sample.msi", "--idt", "o/export-sample"]),
        case(&["build", "--idt", "o/export-sample", "-o", "o/rebuilt.msi"]),
        case(&["export", &format!("{ex}/rtm.msi"), "--idt", "o/export-rtm"]),
        case(&["export", "t/does-not-exist.msi", "--idt", "o/export-none"]),
    ]);
    groups.push(vec![
        case(&["extract", "t/sample.msi", "-C", "o/extract-sample"]),
        case(&[
            "extract",
            "--json",
            &format!("{ex}/rtm.msi"),
            "-C",
            "o/extract-rtm",
        ]),
        case(&["extract", "t/sample.msi", "-C", "t/sample.msi"]),
    ]);
    groups.push(vec![
        case(&["build", &format!("{ex}/src/rtm.toml"), "-o", "o/rtm.msi"]),
        case(&["build", &format!("{ex}/src/ur1.toml"), "-o", "o/ur1.msi"]),
        case(&[
            "patch",
            "create",
            "--manifest",
            &format!("{ex}/src/ur1.patch.toml"),
            "--target",
            "o/rtm.msi",
            "--upgraded",
            "o/ur1.msi",
            "-o",
            "o/ur1.msp",
        ]),
        case(&["build", "t/does-not-exist.toml", "-o", "o/none.msi"]),
    ]);
    groups.push(vec![
        case(&[
            "transform",
            "apply",
            "t/sample.msi",
            "t/sample.mst",
            "-o",
            "o/applied.msi",
        ]),
        case(&[
            "transform",
            "apply",
            &format!("{ex}/rtm.msi"),
            &format!("{ex}/ur1.msp"),
            "-o",
            "o/rtm-ur1.msi",
        ]),
        case(&[
            "transform",
            "create",
            &format!("{ex}/rtm.msi"),
            &format!("{ex}/sp1.msi"),
            "-o",
            "o/rtm-sp1.mst",
        ]),
        case(&[
            "patch",
            "view",
            &format!("{ex}/rtm.msi"),
            &format!("{ex}/ur1.msp"),
            "-o",
            "o/view.msi",
        ]),
    ]);
    groups.push(vec![
        case(&[
            "patch",
            "extract",
            &format!("{ex}/ur1.msp"),
            "-C",
            "o/patch-ur1",
        ]),
        joins(case(&[
            "patch",
            "extract",
            &format!("{ex}/ur2.msp"),
            "--msi",
            &format!("{ex}/rtm.msi"),
            "-C",
            "o/patch-ur2-rtm",
        ])),
    ]);
    let mut cabs = Vec::new();
    for (i, (file, kind)) in CORPUS.iter().enumerate() {
        if *kind == "cab" {
            let out = format!("o/cab-{i}");
            let mut c = case(&["cab", "extract", &format!("c/{file}"), "-C", &out]);
            if HOSTILE_NAMES.iter().any(|h| file.ends_with(h)) {
                c.names = Some(out);
            }
            cabs.push(c);
        }
        if *kind == "msi" {
            cabs.push(case(&[
                "extract",
                &format!("c/{file}"),
                "-C",
                &format!("o/msi-{i}"),
            ]));
            cabs.push(case(&[
                "export",
                &format!("c/{file}"),
                "--idt",
                &format!("o/idt-{i}"),
            ]));
        }
    }
    groups.push(cabs);
    groups
}

/// A working folder for one side: `t` → testdata, `c` → the corpus, `o/` for outputs.
fn side(dir: &Path, corpus: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("o")).unwrap();
    std::os::unix::fs::symlink(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata"),
        dir.join("t"),
    )
    .unwrap();
    std::os::unix::fs::symlink(corpus, dir.join("c")).unwrap();
    dir.to_path_buf()
}

fn run(mut cmd: Command, cwd: &Path, c: &Case) -> Outcome {
    cmd.args(&c.args).current_dir(cwd).env("NO_COLOR", "1");
    match c.stdin {
        Some(f) => cmd.stdin(File::open(cwd.join(f)).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    Outcome {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// The documented equivalences: the OS's error texts, and in `joins` cases `\` as `/` (JSON
/// writes it `\\`).
fn normalise(bytes: &[u8], joins: bool) -> String {
    let mut s = String::from_utf8_lossy(bytes).into_owned();
    for (windows, wine, linux) in OS_ERROR_TEXTS {
        s = s.replace(windows, linux).replace(wine, linux);
    }
    if joins {
        s = s.replace("\\\\", "/").replace('\\', "/");
    }
    s
}

/// Every file under `dir`, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn windows_exe_under_wine_matches_the_linux_binary() {
    let started = Instant::now();
    let exe = windows_exe();
    let linux = PathBuf::from(env!("CARGO_BIN_EXE_msikit"));
    let corpus = corpus_dir();

    // The oracle's prefix and a persistent wineserver, as tests/common/wine.rs makes them.
    let wdir = wine::wine_dir();
    std::fs::create_dir_all(&wdir).unwrap();
    let lock = File::create(wdir.join(".lock")).unwrap();
    lock.lock().unwrap();
    let prefix = wdir.join("prefix");
    wine::ensure_prefix(&prefix).unwrap_or_else(|e| panic!("{e}"));
    wine::start_server(&prefix).unwrap_or_else(|e| panic!("{e}"));
    drop(lock);

    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("windows_wine");
    let _ = std::fs::remove_dir_all(&work);
    let lin_dir = side(&work.join("linux"), &corpus);
    let win_dir = side(&work.join("windows"), &corpus);

    let groups = cases();
    let skipped: Vec<String> = groups
        .iter()
        .flatten()
        .filter_map(|c| c.names.as_ref())
        .map(|o| format!("{}/", o.trim_start_matches("o/")))
        .collect();
    let total: usize = groups.iter().map(Vec::len).sum();
    let queue = Mutex::new(groups.into_iter().enumerate().collect::<Vec<_>>());
    let failures = Mutex::new(Vec::<String>::new());
    std::thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let Some((_, group)) = queue.lock().unwrap().pop() else {
                    break;
                };
                for c in &group {
                    let l = run(Command::new(&linux), &lin_dir, c);
                    let mut wcmd = Command::new("wine");
                    wcmd.arg(&exe);
                    wine::wine_env(&mut wcmd, &prefix);
                    let w = run(wcmd, &win_dir, c);
                    let mut diffs = Vec::new();
                    if l.code != w.code {
                        diffs.push(format!("exit code {:?} vs {:?}", l.code, w.code));
                    }
                    if c.names.is_some() {
                        if !diffs.is_empty() {
                            failures.lock().unwrap().push(format!(
                                "msikit {}:\n    {}",
                                c.args.join(" "),
                                diffs.join("\n    ")
                            ));
                        }
                        continue;
                    }
                    for (what, a, b) in [("stdout", &l.stdout, &w.stdout), ("stderr", &l.stderr, &w.stderr)] {
                        let (na, nb) = (normalise(a, c.joins), normalise(b, c.joins));
                        if na != nb {
                            let line = na
                                .lines()
                                .zip(nb.lines())
                                .find(|(x, y)| x != y)
                                .map(|(x, y)| format!("first differing line:\n      linux:   {x:?}\n      windows: {y:?}"))
                                .unwrap_or_else(|| format!("{} vs {} bytes", na.len(), nb.len()));
                            diffs.push(format!("{what}: {line}"));
                        }
                    }
                    if !diffs.is_empty() {
                        failures.lock().unwrap().push(format!(
                            "msikit {}:\n    {}",
                            c.args.join(" "),
                            diffs.join("\n    ")
                        ));
                    }
                }
            });
        }
    });

    // Every file the write verbs wrote, byte for byte.
    let (lt, wt) = (tree(&lin_dir.join("o")), tree(&win_dir.join("o")));
    let mut failures = failures.into_inner().unwrap();
    for key in lt
        .keys()
        .chain(wt.keys())
        .filter(|k| !skipped.iter().any(|s| k.starts_with(s.as_str())))
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (lt.get(key), wt.get(key)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(a), Some(b)) => failures.push(format!(
                "o/{key}: {} vs {} bytes, contents differ",
                a.len(),
                b.len()
            )),
            (Some(_), None) => failures.push(format!("o/{key}: written on Linux only")),
            (None, Some(_)) => failures.push(format!("o/{key}: written on Windows only")),
            (None, None) => unreachable!(),
        }
    }
    let files = lt.keys().filter(|k| !k.ends_with('/')).count();
    eprintln!(
        "windows_wine: {total} invocations, {files} files written, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(files > 50, "the write verbs wrote only {files} files");
    assert!(
        failures.is_empty(),
        "msikit.exe under Wine ({}) differs from the Linux binary in {} of {total} invocations \
         or files (first: Linux, second: Windows; documented differences are already \
         normalised, docs/windows.md):\n  {}",
        exe.display(),
        failures.len(),
        failures.join("\n  ")
    );
}
