//! A real install engine installs and patches what msikit authors: Wine's `msiexec` installs
//! testdata/exchange2007/rtm.msi, applies ur1.msp, then ur2.msp. After each step the verbose log's
//! property dump shows the product version the manifests promise, the files on disk equal the
//! payload of that step (replaced files from the patch, the others untouched), and the product's
//! uninstall entry is in the registry with the new DisplayVersion. Wine returns 0 even when it
//! ignores a patch, so only effects are checked, never the exit code.

#[path = "common/wine.rs"]
mod wine;

use std::path::{Path, PathBuf};
use std::process::Command;

const PRODUCT: &str = "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}";

fn set() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/exchange2007")
}

struct Engine {
    prefix: PathBuf,
    dir: PathBuf,
}

impl Engine {
    fn wine(&self, args: &[String]) -> wine::Finished {
        let mut cmd = Command::new("wine");
        wine::wine_env(&mut cmd, &self.prefix);
        cmd.args(args);
        wine::run_with_timeout(&mut cmd, wine::CALL_TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `msiexec ARGS /qn /l*v LOG`, and the log as text.
    fn msiexec(&self, args: &[&str], log: &str) -> String {
        let log = self.dir.join(log);
        let mut all: Vec<String> = vec!["msiexec".into()];
        all.extend(args.iter().map(|a| a.to_string()));
        all.extend(["/qn".into(), "/l*v".into(), wine::windows_path(&log)]);
        let done = self.wine(&all);
        let bytes = std::fs::read(&log)
            .unwrap_or_else(|e| panic!("no msiexec log {} ({e}): {}", log.display(), done.stderr));
        if bytes.starts_with(&[0xFF, 0xFE]) {
            let units: Vec<u16> = bytes[2..]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        } else {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&bytes)
                .0
                .into_owned()
        }
    }

    fn installed(&self, rel: &str) -> PathBuf {
        self.prefix
            .join("drive_c/Program Files/Microsoft/Exchange Server")
            .join(rel)
    }

    /// `reg query` of the product's uninstall key.
    fn uninstall_entry(&self) -> String {
        self.wine(&[
            "reg".into(),
            "query".into(),
            format!(r"HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\{PRODUCT}"),
        ])
        .stdout
    }
}

/// `msikit diagnose LOG --json` on a log Wine's msiexec wrote for a step that succeeded: read as
/// a verbose log, no failure, no root cause, the product named from its property dump.
fn assert_diagnosed_ok(dir: &Path, log: &str, version: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_msikit"))
        .args(["diagnose", "--json"])
        .arg(dir.join(log))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{log}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(0), "{log}: {v}");
    assert_eq!(v["inputs"][0]["kind"], "verbose-log", "{log}");
    assert!(v["root_cause"].is_null(), "{log}: {}", v["root_cause"]);
    let sessions = v["sessions"].as_array().unwrap();
    assert!(
        sessions
            .iter()
            .any(|s| s["product_version"] == version && s["product"] == "Microsoft Exchange Server"),
        "{log}: {sessions:?}"
    );
    if !v["exit_code"].is_null() {
        assert_eq!(v["exit_code"]["code"], 0, "{log}");
    }
}

/// The last value of a property in the log's property dump.
fn property(log: &str, name: &str) -> Option<String> {
    let prefix = format!("Property(S): {name} = ");
    log.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .next_back()
        .map(|v| v.trim().to_string())
}

fn assert_file(e: &Engine, rel: &str, release: &str) {
    let name = Path::new(rel).file_name().unwrap();
    let on_disk = std::fs::read(e.installed(rel))
        .unwrap_or_else(|err| panic!("{rel} is not installed: {err}"));
    let payload = std::fs::read(set().join("payload").join(release).join(name)).unwrap();
    assert!(
        on_disk == payload,
        "{rel} on disk is not payload/{release}/{}",
        name.to_string_lossy()
    );
}

#[test]
fn msiexec_installs_rtm_and_applies_ur1_then_ur2() {
    let w = wine::setup();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("authoring-wine");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["rtm.msi", "ur1.msp", "ur2.msp"] {
        std::fs::copy(set().join(f), dir.join(f)).unwrap();
    }
    let e = Engine {
        prefix: w.prefix.clone(),
        dir: dir.clone(),
    };
    // A run that stopped half-way may have left the product installed.
    e.msiexec(&["/x", PRODUCT], "cleanup.log");

    let log = e.msiexec(
        &["/i", &wine::windows_path(&dir.join("rtm.msi"))],
        "rtm.log",
    );
    assert_eq!(
        property(&log, "ProductVersion").as_deref(),
        Some("8.0.685.24"),
        "install did not run:\n{}",
        &log[..log.len().min(3000)]
    );
    assert_file(&e, "Bin/store.exe", "rtm");
    assert_file(&e, "Setup/ServerRoles/Common/ServiceControl.ps1", "rtm");
    assert_diagnosed_ok(&dir, "rtm.log", "8.0.685.24");
    let arp = e.uninstall_entry();
    assert!(arp.contains("Microsoft Exchange Server"), "{arp}");
    assert!(arp.contains("8.0.685.24"), "{arp}");

    let log = e.msiexec(
        &["/p", &wine::windows_path(&dir.join("ur1.msp"))],
        "ur1.log",
    );
    assert_eq!(
        property(&log, "ProductVersion").as_deref(),
        Some("8.0.708.3"),
        "UR1 was not applied:\n{}",
        &log[..log.len().min(3000)]
    );
    assert_eq!(
        property(&log, "UR1.PatchCode").as_deref(),
        Some("{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}")
    );
    for f in [
        "Bin/store.exe",
        "Bin/eseback2.dll",
        "Bin/Microsoft.Exchange.InfoWorker.Common.dll",
    ] {
        assert_file(&e, f, "ur1");
    }
    for f in ["Bin/mad.exe", "Bin/Microsoft.Exchange.Data.Storage.dll"] {
        assert_file(&e, f, "rtm");
    }
    assert_diagnosed_ok(&dir, "ur1.log", "8.0.708.3");
    let arp = e.uninstall_entry();
    assert!(arp.contains("8.0.708.3"), "{arp}");

    let log = e.msiexec(
        &["/p", &wine::windows_path(&dir.join("ur2.msp"))],
        "ur2.log",
    );
    assert_eq!(
        property(&log, "ProductVersion").as_deref(),
        Some("8.0.711.2"),
        "UR2 was not applied:\n{}",
        &log[..log.len().min(3000)]
    );
    for f in [
        "Bin/store.exe",
        "Bin/eseback2.dll",
        "Bin/Microsoft.Exchange.InfoWorker.Common.dll",
        "Bin/Microsoft.Exchange.Data.Storage.dll",
        "Bin/Microsoft.Exchange.Transport.Logging.dll",
        "Setup/ServerRoles/Common/ServiceControl.ps1",
    ] {
        assert_file(&e, f, "ur2");
    }
    assert_file(&e, "Bin/mad.exe", "rtm");
    let arp = e.uninstall_entry();
    assert!(arp.contains("8.0.711.2"), "{arp}");

    e.msiexec(&["/x", PRODUCT], "uninstall.log");
    assert!(
        !e.installed("Bin/store.exe").exists(),
        "uninstall left store.exe behind"
    );
}
