//! The live dry run of msikit.exe under Wine, in a fresh prefix: Wine's msiexec installs
//! testdata/exchange2007/rtm.msi, a small Windows program (tests/oracles/holdmodule.c) loads
//! eseback2.dll from the install folder and sleeps, and `msikit.exe snapshot` must name the
//! product at 8.0.685.24 and that process with that module; `msikit.exe locks ur1.msp` (live)
//! must name the process; after `msiexec /p ur1.msp` the applied patch must be in the snapshot.
//! Every snapshot must load with msikit's own loader here and validate against
//! docs/snapshot.schema.json (python3-jsonschema), and `msikit.exe check ur1.msp` (live)
//! must give what `msikit check ur1.msp --snapshot` gives on Linux with the snapshot taken then.
//!
//! The exe is `$MSIKIT_EXE` (`.ci/run` builds it with `cargo xtask windows` and sets it); without
//! it the test fails and says so: nothing is built here but the small C program.

mod common;
#[path = "common/wine.rs"]
mod wine;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PRODUCT: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";
const UR1: &str = "{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}";

fn set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007")
}

struct Live {
    prefix: PathBuf,
    dir: PathBuf,
    exe: PathBuf,
}

impl Live {
    fn wine(&self, args: &[String]) -> wine::Finished {
        let mut cmd = Command::new("wine");
        wine::wine_env(&mut cmd, &self.prefix);
        cmd.args(args).current_dir(&self.dir);
        wine::run_with_timeout(&mut cmd, wine::CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
    }

    fn msikit(&self, args: &[&str]) -> wine::Finished {
        let mut all = vec![wine::windows_path(&self.exe)];
        all.extend(args.iter().map(|a| a.to_string()));
        self.wine(&all)
    }

    fn msiexec(&self, args: &[&str]) {
        let mut all = vec!["msiexec".to_string()];
        all.extend(args.iter().map(|a| a.to_string()));
        all.push("/qn".into());
        let done = self.wine(&all);
        assert!(
            done.success,
            "msiexec {args:?}: {}\n{}",
            done.status, done.stderr
        );
    }

    /// `msikit.exe snapshot -o NAME`, loaded (and so validated) by msikit's own loader.
    fn snapshot(&self, name: &str) -> (PathBuf, msikit::machine::snapshot::Snapshot) {
        let out = self.dir.join(name);
        let done = self.msikit(&["snapshot", "-o", &wine::windows_path(&out)]);
        assert!(
            done.success,
            "msikit.exe snapshot: {}\n{}{}",
            done.status, done.stdout, done.stderr
        );
        let snap = msikit::machine::snapshot::load(&out)
            .unwrap_or_else(|e| panic!("the live snapshot does not load: {e}"));
        common::assert_snapshot_matches_schema(&out);
        (out, snap)
    }
}

fn msikit_exe() -> PathBuf {
    let exe = std::env::var_os("MSIKIT_EXE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!(
            "MSIKIT_EXE is not set: this test runs msikit.exe under Wine and builds no Windows \
             binary itself. Build it (`cargo xtask windows`, as .ci/run does) and set \
             MSIKIT_EXE to the msikit.exe it wrote"
        )
        });
    assert!(exe.is_file(), "MSIKIT_EXE={} is not a file", exe.display());
    exe
}

/// Builds tests/oracles/holdmodule.c into `dir`.
fn holdmodule(dir: &Path) -> PathBuf {
    let exe = dir.join("holdmodule.exe");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/holdmodule.c");
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-municode", "-O2", "-o"])
        .arg(&exe)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("x86_64-w64-mingw32-gcc: {e} (install gcc-mingw-w64-x86-64)"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// The check report as JSON without what names the inputs (paths differ between the systems).
fn verdict(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("not JSON ({e}): {json}"));
    let o = v.as_object_mut().unwrap();
    o.remove("patch");
    o.remove("snapshot");
    v
}

fn linux_check(patch: &Path, snap: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_msikit"))
        .arg("check")
        .arg(patch)
        .arg("--snapshot")
        .arg(snap)
        .arg("--json")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn exit_code(f: &wine::Finished) -> Option<i32> {
    f.status
        .rsplit(": ")
        .next()
        .and_then(|s| s.trim().parse().ok())
}

#[test]
fn msikit_exe_reads_the_live_machine() {
    let exe = msikit_exe();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live-wine");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let prefix = dir.join("prefix");
    wine::ensure_prefix(&prefix).unwrap_or_else(|e| panic!("{e}"));
    wine::start_server(&prefix).unwrap_or_else(|e| panic!("{e}"));
    for f in ["rtm.msi", "ur1.msp"] {
        std::fs::copy(set().join(f), dir.join(f)).unwrap();
    }
    let holder_exe = holdmodule(&dir);
    let live = Live {
        prefix: prefix.clone(),
        dir: dir.clone(),
        exe,
    };
    let ur1 = wine::windows_path(&dir.join("ur1.msp"));

    live.msiexec(&["/i", &wine::windows_path(&dir.join("rtm.msi"))]);
    let bin = prefix.join("drive_c/Program Files/Microsoft/Exchange Server/Bin");
    let dll = std::fs::read_dir(&bin)
        .unwrap_or_else(|e| panic!("rtm.msi did not install {}: {e}", bin.display()))
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().eq_ignore_ascii_case("eseback2.dll"))
        .unwrap_or_else(|| panic!("no eseback2.dll in {}", bin.display()));
    let dll_win = format!(
        r"C:\Program Files\Microsoft\Exchange Server\Bin\{}",
        dll.file_name().to_string_lossy()
    );

    // The holder, in the background until it is killed (it ends by itself after 120 s).
    let out_file = dir.join("holder.out");
    let mut cmd = Command::new("wine");
    wine::wine_env(&mut cmd, &prefix);
    let mut holder = cmd
        .arg(wine::windows_path(&holder_exe))
        .arg(&dll_win)
        .arg("120")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_file).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !std::fs::read_to_string(&out_file)
        .unwrap_or_default()
        .starts_with("ready")
    {
        if let Ok(Some(s)) = holder.try_wait() {
            panic!("holdmodule.exe ended ({s}) before loading {dll_win}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "holdmodule.exe did not load {dll_win} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (rtm_path, snap) = live.snapshot("rtm.json");
        let p = snap
            .product(PRODUCT)
            .unwrap_or_else(|| panic!("{PRODUCT} is not in the snapshot"));
        assert_eq!(p.version, "8.0.685.24");
        assert_eq!(snap.collector.name, "msikit");
        let holders = snap.processes_using(&dll_win);
        assert!(
            holders
                .iter()
                .any(|u| u.process.name.eq_ignore_ascii_case("holdmodule.exe")),
            "no holdmodule.exe with {dll_win} among {:?}",
            snap.processes.iter().map(|p| &p.name).collect::<Vec<_>>()
        );

        // Live check = the Linux check on the snapshot taken just before.
        let live_check = live.msikit(&["check", &ur1, "--json"]);
        let (code, linux) = linux_check(&dir.join("ur1.msp"), &rtm_path);
        assert_eq!(
            exit_code(&live_check),
            code,
            "exit codes: live {}, Linux {code:?}\n{}",
            live_check.status,
            live_check.stderr
        );
        assert_eq!(verdict(&live_check.stdout), verdict(&linux));

        // Live locks: the holder has a file ur1 replaces loaded.
        let locks = live.msikit(&["locks", &ur1]);
        assert!(
            locks.stdout.contains("holdmodule.exe"),
            "live locks does not name holdmodule.exe ({}):\n{}{}",
            locks.status,
            locks.stdout,
            locks.stderr
        );
    }));
    let _ = holder.kill();
    let _ = holder.wait();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }

    live.msiexec(&["/p", &ur1]);
    let (_, snap) = live.snapshot("ur1.json");
    let p = snap.product(PRODUCT).unwrap();
    let patch = p
        .patch(UR1)
        .unwrap_or_else(|| panic!("{UR1} is not in the snapshot: {:?}", p.patches));
    assert_eq!(patch.state, msikit::machine::snapshot::PatchState::Applied);
    assert!(
        !patch.sequences.is_empty(),
        "the cached patch's MsiPatchSequence was not read: {:?}",
        snap.warnings
    );
}
