//! Wine's msi.dll as an oracle for transforms: `MsiDatabaseApplyTransform` + `MsiDatabaseCommit`
//! through the project's mingw helper `msiapi.exe` (built from `../shared/oracles/msiapi.c`), and
//! a table-by-table comparison of two databases through `msiinfo export`.
//!
//! Include it from an integration test with `#[path = "common/wine.rs"] mod wine;`. It is
//! self-contained (it does not use `common/mod.rs`).
//!
//! Set-up happens once per test process ([`setup`]), under `$CARGO_TARGET_TMPDIR/wine/`:
//! - `prefix/`: a Wine prefix made by `wineboot --init`, reused while it holds the `.msikit-ready`
//!   marker (about 700 MB, 11–14 s to create here). `cargo xtask wine` makes the same one ahead
//!   of time.
//! - `msiapi.exe`: built with `x86_64-w64-mingw32-gcc`, again only when the source is newer.
//! - a wineserver kept alive with `wineserver -p{SERVER_LINGER_SECS}`: calls take 0.05–0.25 s
//!   instead of about 2 s, and the server exits by itself that many seconds after the last call,
//!   so nothing is left running once the tests are over.
//!
//! A missing `wine`, mingw-w64 or `msiinfo` fails the test with a message saying what to
//! install; nothing is skipped.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The root CLSID of a transform (.mst) storage.
pub const TRANSFORM_CLSID: &str = "000C1082-0000-0000-C000-000000000046";

/// How long one `wine msiapi.exe` call may take before it is killed and counted as a failure.
/// A warm call takes about 0.15 s; the first after a Wine upgrade rewrites the prefix (seconds).
pub const CALL_TIMEOUT: Duration = Duration::from_secs(120);

/// Seconds the persistent wineserver stays up after the last Wine process exits.
pub const SERVER_LINGER_SECS: u32 = 15;

const INSTALL_HINT: &str = "run .ci/run, or apt-get install --no-install-recommends \
                            wine wine64 gcc-mingw-w64-x86-64-win32 msitools";

/// What [`setup`] prepared.
#[derive(Debug)]
pub struct Wine {
    /// `$CARGO_TARGET_TMPDIR/wine`
    pub dir: PathBuf,
    pub prefix: PathBuf,
    pub msiapi: PathBuf,
    /// `wine --version`
    pub version: String,
}

static WINE: OnceLock<Wine> = OnceLock::new();
static SCRATCH: AtomicUsize = AtomicUsize::new(0);

/// The Wine working folder: `$CARGO_TARGET_TMPDIR/wine` (`cargo xtask wine` uses the same).
pub fn wine_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine")
}

/// The oracle programs: `MSIKIT_ORACLES`, else `../shared/oracles` beside the repository.
pub fn oracles_dir() -> PathBuf {
    std::env::var_os("MSIKIT_ORACLES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/oracles"))
}

/// Prepares Wine once per process (prefix, msiapi.exe, persistent wineserver) and returns it.
/// Panics with a clear message when a tool is missing or the set-up fails.
pub fn setup() -> &'static Wine {
    WINE.get_or_init(|| {
        let started = Instant::now();
        for tool in [
            "wine",
            "wineboot",
            "wineserver",
            "x86_64-w64-mingw32-gcc",
            "msiinfo",
        ] {
            assert!(
                on_path(tool),
                "oracle `{tool}` is not installed ({INSTALL_HINT})"
            );
        }
        let dir = wine_dir();
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        // Other test processes (or `cargo xtask wine`) may prepare the same folder at once.
        let lock = File::create(dir.join(".lock"))
            .unwrap_or_else(|e| panic!("cannot create {}/.lock: {e}", dir.display()));
        lock.lock()
            .unwrap_or_else(|e| panic!("cannot lock {}/.lock: {e}", dir.display()));

        let msiapi = dir.join("msiapi.exe");
        build_msiapi(&oracles_dir().join("msiapi.c"), &msiapi).unwrap_or_else(|e| panic!("{e}"));
        let prefix = dir.join("prefix");
        ensure_prefix(&prefix).unwrap_or_else(|e| panic!("{e}"));
        start_server(&prefix).unwrap_or_else(|e| panic!("{e}"));
        let version = tool_output(Command::new("wine").arg("--version"));
        drop(lock);
        eprintln!(
            "wine oracle: {version}, prefix {} ready in {:.1} s",
            prefix.display(),
            started.elapsed().as_secs_f64()
        );
        Wine {
            dir,
            prefix,
            msiapi,
            version,
        }
    })
}

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false)
}

fn tool_output(cmd: &mut Command) -> String {
    cmd.output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Builds `exe` from `src` with mingw-w64 unless `exe` is newer than `src`.
pub fn build_msiapi(src: &Path, exe: &Path) -> Result<(), String> {
    let src_time = std::fs::metadata(src)
        .and_then(|m| m.modified())
        .map_err(|e| {
            format!(
                "the Wine oracle's source {} is missing ({e}); set MSIKIT_ORACLES to the folder \
                 holding msiapi.c",
                src.display()
            )
        })?;
    if let Ok(exe_time) = std::fs::metadata(exe).and_then(|m| m.modified()) {
        if exe_time >= src_time {
            return Ok(());
        }
    }
    let tmp = exe.with_extension(format!("tmp{}.exe", std::process::id()));
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-municode", "-O2", "-o"])
        .arg(&tmp)
        .arg(src)
        .arg("-lmsi")
        .output()
        .map_err(|e| format!("cannot run x86_64-w64-mingw32-gcc ({e}; {INSTALL_HINT})"))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!(
            "x86_64-w64-mingw32-gcc failed on {} ({}):\n{}",
            src.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    std::fs::rename(&tmp, exe).map_err(|e| format!("cannot rename to {}: {e}", exe.display()))
}

/// The environment every Wine process runs with: the prefix, no debug output, no Mono or Gecko
/// look-ups, no display (a crash must not open a dialog), and a fixed locale (Wine's ANSI code
/// page comes from it, and it decides how strings outside the database's code page are stored).
pub fn wine_env(cmd: &mut Command, prefix: &Path) {
    cmd.env("WINEPREFIX", prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
}

/// Creates the prefix with `wineboot --init` unless it already holds the ready marker.
pub fn ensure_prefix(prefix: &Path) -> Result<(), String> {
    let marker = prefix.join(".msikit-ready");
    if marker.is_file() {
        return Ok(());
    }
    if prefix.exists() {
        // A half-made prefix from an interrupted run.
        std::fs::remove_dir_all(prefix)
            .map_err(|e| format!("cannot remove the unfinished {}: {e}", prefix.display()))?;
    }
    let started = Instant::now();
    let mut boot = Command::new("wineboot");
    boot.arg("--init");
    wine_env(&mut boot, prefix);
    let out = run_with_timeout(&mut boot, Duration::from_secs(600))?;
    if !out.success {
        return Err(format!(
            "`wineboot --init` failed for {} ({}):\n{}",
            prefix.display(),
            out.status,
            out.stderr
        ));
    }
    let mut wait = Command::new("wineserver");
    wait.arg("-w");
    wine_env(&mut wait, prefix);
    run_with_timeout(&mut wait, Duration::from_secs(300))?;
    std::fs::write(
        &marker,
        b"made by wineboot --init for msikit's Wine oracle\n",
    )
    .map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
    eprintln!(
        "wine oracle: created the prefix {} in {:.1} s",
        prefix.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Starts a wineserver for the prefix that outlives its clients by [`SERVER_LINGER_SECS`]. A
/// server already running for the prefix is left as it is (wineserver then exits with 2).
pub fn start_server(prefix: &Path) -> Result<(), String> {
    let mut cmd = Command::new("wineserver");
    cmd.arg(format!("-p{SERVER_LINGER_SECS}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    wine_env(&mut cmd, prefix);
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run wineserver: {e}"))?;
    if status.success() || status.code() == Some(2) {
        Ok(())
    } else {
        Err(format!(
            "`wineserver -p{SERVER_LINGER_SECS}` failed ({status})"
        ))
    }
}

/// What a process left behind.
#[derive(Debug)]
pub struct Finished {
    pub success: bool,
    /// The exit status, or "killed after N s".
    pub status: String,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` with its output in files (no pipe can fill up), killing it after `timeout`.
pub fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<Finished, String> {
    let dir = scratch_dir();
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let file =
        |p: &Path| File::create(p).map_err(|e| format!("cannot create {}: {e}", p.display()));
    cmd.stdin(Stdio::null())
        .stdout(file(&out_path)?)
        .stderr(file(&err_path)?);
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for {program}: {e}")),
        }
    };
    let read =
        |p: &Path| String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
    let finished = Finished {
        success: status.is_some_and(|s| s.success()),
        status: match status {
            Some(s) => s.to_string(),
            None => format!("killed after {:.1} s", timeout.as_secs_f64()),
        },
        stdout: read(&out_path),
        stderr: read(&err_path),
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(finished)
}

/// A new empty folder under the Wine working folder, for one call.
pub fn scratch_dir() -> PathBuf {
    let n = SCRATCH.fetch_add(1, Ordering::SeqCst);
    let dir = wine_dir()
        .join("scratch")
        .join(format!("{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// `Z:\...` for an absolute Unix path (Wine maps drive Z: to `/`).
pub fn windows_path(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("Z:{}", abs.to_string_lossy().replace('/', "\\"))
}

/// Runs `wine msiapi.exe ARGS...` under [`CALL_TIMEOUT`].
pub fn msiapi(args: &[&str]) -> Result<Finished, String> {
    let w = setup();
    let mut cmd = Command::new("wine");
    cmd.arg(&w.msiapi).args(args);
    wine_env(&mut cmd, &w.prefix);
    run_with_timeout(&mut cmd, CALL_TIMEOUT)
}

/// Applies `mst` to a copy of `base` with Wine's `MsiDatabaseApplyTransform` and commits it into
/// `out`. A failure code, a crash of msi.dll or a timeout is an `Err` with Wine's output.
pub fn apply_transform(base: &Path, mst: &Path, out: &Path) -> Result<(), String> {
    let dir = scratch_dir();
    let result = apply_in(&dir, base, mst, out);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn apply_in(dir: &Path, base: &Path, mst: &Path, out: &Path) -> Result<(), String> {
    // Plain names in a folder of our own: no quoting trouble, and writable copies (the corpus is
    // read-only, and CopyFileW would carry that over to the output).
    let (b, t, o) = (dir.join("base.msi"), dir.join("t.mst"), dir.join("out.msi"));
    copy_writable(base, &b)?;
    copy_writable(mst, &t)?;
    let (bw, tw, ow) = (windows_path(&b), windows_path(&t), windows_path(&o));
    let run = msiapi(&["apply", &bw, &tw, &ow])?;
    let committed = run.stdout.contains("MsiDatabaseCommit -> 0");
    if !run.success || !committed {
        return Err(format!(
            "wine msiapi.exe apply {} {} failed ({}):\n{}",
            base.display(),
            mst.display(),
            run.status,
            wine_failure(&run)
        ));
    }
    if !o.is_file() {
        return Err(format!(
            "wine msiapi.exe apply {} {} reported success but wrote no output:\n{}",
            base.display(),
            mst.display(),
            run.stdout
        ));
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::rename(&o, out)
        .or_else(|_| copy_writable(&o, out))
        .map_err(|e| format!("cannot move Wine's output to {}: {e}", out.display()))
}

/// Applies each transform in turn, each onto the result of the previous one, into `out`.
pub fn apply_transforms(base: &Path, msts: &[&Path], out: &Path) -> Result<(), String> {
    let dir = scratch_dir();
    let mut current = base.to_path_buf();
    let mut result = Ok(());
    for (i, mst) in msts.iter().enumerate() {
        let next = dir.join(format!("step{i}.msi"));
        if let Err(e) = apply_transform(&current, mst, &next) {
            result = Err(e);
            break;
        }
        current = next;
    }
    if result.is_ok() {
        result = copy_writable(&current, out);
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn copy_writable(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::copy(from, to)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
    let mut perms = std::fs::metadata(to)
        .map_err(|e| format!("{}: {e}", to.display()))?
        .permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(to, perms).map_err(|e| format!("{}: {e}", to.display()))
}

/// The telling part of a failed Wine call: msiapi's own lines and, after a crash, winedbg's
/// exception line and the top of its backtrace (not its register, module and thread dumps).
fn wine_failure(run: &Finished) -> String {
    let text = format!("{}\n{}", run.stdout, run.stderr);
    let mut kept = Vec::new();
    let mut frames = 0;
    for line in text.lines().map(str::trim_end) {
        let frame = line.starts_with("=>") || (frames > 0 && line.starts_with("  ") && frames < 8);
        if frame {
            frames += 1;
        }
        if frame
            || line.contains(" -> ")
            || line.contains("failed")
            || line.contains("last error record")
            || line.starts_with("Unhandled exception")
        {
            kept.push(line);
        }
    }
    if kept.is_empty() {
        tail(text.trim(), 2000).to_string()
    } else {
        kept.join("\n")
    }
}

fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Key of the stream list in [`export_tables`]' map.
pub const STREAMS: &str = "_Streams";

/// Every table of `msi` as `msiinfo export` prints it, keyed by table name, plus:
/// - `TABLE/FILE`: the binary cells msiinfo writes into `./TABLE/` (Binary, Icon, …);
/// - `_Streams`: the sorted names from `msiinfo streams`, and `_Streams/NAME` the bytes of each
///   stream except the summary-information streams (compared through `_SummaryInformation`).
///
/// A table msiinfo cannot export maps to a line starting `<msiinfo export failed`. The virtual
/// tables `_SummaryInformation` and `_ForceCodepage` are included as msiinfo lists them.
pub fn export_tables(msi: &Path) -> BTreeMap<String, Vec<u8>> {
    assert!(
        on_path("msiinfo"),
        "oracle `msiinfo` is not installed ({INSTALL_HINT})"
    );
    let msi = std::path::absolute(msi).unwrap_or_else(|_| msi.to_path_buf());
    let dir = scratch_dir();
    let msiinfo = |args: &[&std::ffi::OsStr]| {
        Command::new("msiinfo")
            .args(args)
            .current_dir(&dir)
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap_or_else(|e| panic!("cannot run msiinfo: {e}"))
    };
    let listing = msiinfo(&["tables".as_ref(), msi.as_os_str()]);
    assert!(
        listing.status.success(),
        "msiinfo tables {} failed: {}",
        msi.display(),
        String::from_utf8_lossy(&listing.stderr)
    );
    let mut map = BTreeMap::new();
    for table in String::from_utf8_lossy(&listing.stdout).lines() {
        let table = table.trim();
        if table.is_empty() {
            continue;
        }
        let out = msiinfo(&["export".as_ref(), msi.as_os_str(), table.as_ref()]);
        let text = if out.status.success() {
            out.stdout
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let err = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            format!("<msiinfo export failed: {}>\n", err.trim()).into_bytes()
        };
        map.insert(table.to_string(), text);
        let cells = dir.join(table);
        if cells.is_dir() {
            for entry in read_dir_sorted(&cells) {
                let bytes = std::fs::read(entry.path()).unwrap_or_default();
                let name = entry.file_name().to_string_lossy().into_owned();
                map.insert(format!("{table}/{name}"), bytes);
            }
            let _ = std::fs::remove_dir_all(&cells);
        }
    }
    let streams = msiinfo(&["streams".as_ref(), msi.as_os_str()]);
    let mut names: Vec<String> = String::from_utf8_lossy(&streams.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    names.sort();
    map.insert(STREAMS.to_string(), (names.join("\n") + "\n").into_bytes());
    for name in names {
        if name.ends_with("SummaryInformation") {
            continue;
        }
        let out = msiinfo(&["extract".as_ref(), msi.as_os_str(), name.as_ref()]);
        let bytes = if out.status.success() {
            out.stdout
        } else {
            b"<msiinfo extract failed>".to_vec()
        };
        map.insert(format!("{STREAMS}/{name}"), bytes);
    }
    let _ = std::fs::remove_dir_all(&dir);
    map
}

fn read_dir_sorted(dir: &Path) -> Vec<std::fs::DirEntry> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(Result::ok).collect())
        .unwrap_or_default();
    entries.sort_by_key(|e| e.file_name());
    entries
}

/// A table export split into its three header lines (names, types, table and keys) and its
/// rows sorted (row order is storage order, which writers are free to choose).
pub fn normalized(export: &[u8]) -> (Vec<String>, Vec<String>) {
    let text = String::from_utf8_lossy(export);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r').to_string());
    let header: Vec<String> = lines.by_ref().take(3).collect();
    let mut rows: Vec<String> = lines.filter(|l| !l.is_empty()).collect();
    rows.sort();
    (header, rows)
}

/// Number of rows in a table export (0 for a failed export).
pub fn row_count(export: &[u8]) -> usize {
    if export.starts_with(b"<msiinfo") {
        return 0;
    }
    normalized(export).1.len()
}

/// Rows of a table export (its lines after the header, sorted).
pub fn rows(tables: &BTreeMap<String, Vec<u8>>, table: &str) -> Vec<String> {
    tables
        .get(table)
        .map(|t| normalized(t).1)
        .unwrap_or_default()
}

/// The row of `table` whose first column is `key`, split into its columns.
pub fn row(tables: &BTreeMap<String, Vec<u8>>, table: &str, key: &str) -> Option<Vec<String>> {
    rows(tables, table)
        .into_iter()
        .map(|r| r.split('\t').map(str::to_string).collect::<Vec<_>>())
        .find(|cols| cols.first().map(String::as_str) == Some(key))
}

/// The Property table's value for `name`.
pub fn property(tables: &BTreeMap<String, Vec<u8>>, name: &str) -> Option<String> {
    row(tables, "Property", name).and_then(|cols| cols.get(1).cloned())
}

/// The differences between two [`export_tables`] maps, one line each: a table (or stream)
/// present on one side only, or the first differing line of a table (rows compared sorted).
pub fn diff_tables(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (Some(_), None) => out.push(format!("{key}: only in the first")),
            (None, Some(_)) => out.push(format!("{key}: only in the second")),
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) if key.contains('/') || key == STREAMS => out.push(format!(
                "{key}: contents differ ({} vs {} bytes)",
                x.len(),
                y.len()
            )),
            (Some(x), Some(y)) => {
                let (hx, rx) = normalized(x);
                let (hy, ry) = normalized(y);
                let lx: Vec<&String> = hx.iter().chain(&rx).collect();
                let ly: Vec<&String> = hy.iter().chain(&ry).collect();
                if lx == ly {
                    continue; // same rows in another order
                }
                let i = (0..lx.len().max(ly.len()))
                    .find(|&i| lx.get(i) != ly.get(i))
                    .unwrap_or(0);
                let show = |l: Option<&&String>| match l {
                    Some(s) => format!("{s:?}"),
                    None => "(end)".to_string(),
                };
                out.push(format!(
                    "{key}: {} vs {} rows; first difference at line {} (sorted rows): {} vs {}",
                    rx.len(),
                    ry.len(),
                    i + 1,
                    show(lx.get(i)),
                    show(ly.get(i))
                ));
            }
            (None, None) => unreachable!(),
        }
    }
    out
}

/// What `after` changes relative to `before`, one line per table: added, removed, or changed
/// with its row counts (`Directory: 4 -> 7 rows`).
pub fn changes(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> Vec<String> {
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let mut out = Vec::new();
    for key in keys {
        let unreadable = |t: &Vec<u8>| {
            if t.starts_with(b"<msiinfo") {
                " (msiinfo cannot export it)"
            } else {
                ""
            }
        };
        match (before.get(key), after.get(key)) {
            (None, Some(t)) if key.contains('/') => out.push(format!("+{key} ({} bytes)", t.len())),
            (None, Some(t)) => out.push(format!("+{key} ({} rows){}", row_count(t), unreadable(t))),
            (Some(_), None) => out.push(format!("-{key}")),
            (Some(x), Some(y)) if x == y => {}
            (Some(x), Some(y)) if key.contains('/') || key == STREAMS => {
                out.push(format!("~{key} ({} -> {} bytes)", x.len(), y.len()))
            }
            (Some(x), Some(y)) => {
                if normalized(x) != normalized(y) {
                    out.push(format!(
                        "~{key}: {} -> {} rows{}",
                        row_count(x),
                        row_count(y),
                        unreadable(y)
                    ))
                }
            }
            (None, None) => unreachable!(),
        }
    }
    out
}

/// A documented difference between Wine's msi.dll and Windows, left out of a comparison.
#[derive(Debug, Clone, Copy)]
pub enum Allow<'a> {
    /// The whole table, and its binary cells (`TABLE/...`).
    Table(&'a str),
    /// Rows of a table whose primary key (its first columns, tab-joined) is this.
    Row(&'a str, &'a str),
}

/// What Wine's msi.dll does with psmsi's `Example.mst` that Windows does not (docs/oracles.md,
/// "Verified: Wine applies real patches and real transforms"): the transform's update of the
/// missing Directory row `Modified` becomes an insert, and its delete of the missing table
/// `AppId` creates an empty AppId table that msiinfo cannot export. And the transform's code
/// page (1252) is not taken by the neutral base: Wine never changes a database's code page on
/// apply, where Windows Installer documents that a neutral database takes it.
pub const EXAMPLE_MST_WINE_ONLY: &[Allow] = &[
    Allow::Table("AppId"),
    Allow::Row("Directory", "Modified"),
    Allow::Table("_ForceCodepage"),
];

/// psmsi's `Example.jpn.mst`: as [`EXAMPLE_MST_WINE_ONLY`] (it holds the same records), plus
/// its code-page-932 ProductName, which Wine stores into the code-page-neutral base through its
/// ANSI code page (as `????????` under the pinned `LC_ALL=C.UTF-8`) without changing the
/// database code page. What Windows does there is not verified.
pub const EXAMPLE_JPN_MST_WINE_ONLY: &[Allow] = &[
    Allow::Table("AppId"),
    Allow::Row("Directory", "Modified"),
    Allow::Row("Property", "ProductName"),
    Allow::Table("_ForceCodepage"),
];

/// `tables` without what `allow` lists.
pub fn without(tables: &BTreeMap<String, Vec<u8>>, allow: &[Allow]) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (key, value) in tables {
        let table = key.split('/').next().unwrap_or(key);
        if allow
            .iter()
            .any(|a| matches!(a, Allow::Table(t) if *t == table))
        {
            continue;
        }
        let keys: Vec<&str> = allow
            .iter()
            .filter_map(|a| match a {
                Allow::Row(t, k) if *t == key => Some(*k),
                _ => None,
            })
            .collect();
        if keys.is_empty() {
            out.insert(key.clone(), value.clone());
            continue;
        }
        let (header, rows) = normalized(value);
        let kept: Vec<String> = rows
            .into_iter()
            .filter(|r| {
                !keys
                    .iter()
                    .any(|k| r == k || r.starts_with(&format!("{k}\t")))
            })
            .collect();
        let text = header
            .into_iter()
            .chain(kept)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
        out.insert(key.clone(), text.into_bytes());
    }
    out
}

/// Applies `transforms` in order to `base` with Wine and asserts that `msikit_out` (msikit's
/// result for the same inputs) holds the same tables, streams and summary information, apart
/// from what `allow` lists (the documented Wine differences: see docs/oracles.md, "Wine's
/// transform apply departs from Windows in one place", and the `*_WINE_ONLY` lists here).
///
/// Rows are compared as sets (storage order is free). Wine leaves the base's summary
/// information as it was, so `_SummaryInformation` must match too unless allowed.
pub fn assert_same_as_wine(base: &Path, transforms: &[&Path], msikit_out: &Path, allow: &[Allow]) {
    let dir = scratch_dir();
    let wine_out = dir.join("wine.msi");
    if let Err(e) = apply_transforms(base, transforms, &wine_out) {
        panic!("Wine could not apply the transforms, so there is nothing to compare with: {e}");
    }
    let wine = without(&export_tables(&wine_out), allow);
    let ours = without(&export_tables(msikit_out), allow);
    let _ = std::fs::remove_dir_all(&dir);
    let diff = diff_tables(&wine, &ours);
    let names: Vec<String> = transforms.iter().map(|t| t.display().to_string()).collect();
    assert!(
        diff.is_empty(),
        "msikit's {} differs from Wine's result of applying [{}] to {} (first: Wine, second: \
         msikit; allowed differences {allow:?}):\n  {}",
        msikit_out.display(),
        names.join(", "),
        base.display(),
        diff.join("\n  ")
    );
}

/// Copies the sub-storage `name` of `msp` (or any compound file) into a standalone transform at
/// `out`: a new compound file with the transform CLSID at its root holding copies of the
/// sub-storage's streams (and any storages below it).
pub fn extract_substorage(msp: &Path, name: &str, out: &Path) -> Result<(), String> {
    let err = |what: &str, e: std::io::Error| format!("{what}: {e}");
    let mut src = cfb::open(msp).map_err(|e| err(&format!("cannot open {}", msp.display()), e))?;
    let root = Path::new("/").join(name);
    if !src.is_storage(&root) {
        return Err(format!("{} has no sub-storage {name:?}", msp.display()));
    }
    let mut items: Vec<(PathBuf, bool)> = src
        .walk_storage(&root)
        .map_err(|e| err("walk", e))?
        .filter(|e| e.path() != root)
        .map(|e| (e.path().to_path_buf(), e.is_stream()))
        .collect();
    items.sort();
    let mut dst =
        cfb::create(out).map_err(|e| err(&format!("cannot create {}", out.display()), e))?;
    let clsid = uuid::Uuid::parse_str(TRANSFORM_CLSID).expect("the transform CLSID parses");
    dst.set_storage_clsid("/", clsid)
        .map_err(|e| err("set CLSID", e))?;
    for (path, is_stream) in items {
        let rel = Path::new("/").join(path.strip_prefix(&root).expect("under the root"));
        if is_stream {
            let mut bytes = Vec::new();
            src.open_stream(&path)
                .and_then(|mut s| s.read_to_end(&mut bytes))
                .map_err(|e| err(&format!("read {}", path.display()), e))?;
            dst.create_stream(&rel)
                .and_then(|mut s| s.write_all(&bytes))
                .map_err(|e| err(&format!("write {}", rel.display()), e))?;
        } else {
            dst.create_storage(&rel)
                .map_err(|e| err(&format!("create {}", rel.display()), e))?;
            let clsid = *src.entry(&path).map_err(|e| err("entry", e))?.clsid();
            dst.set_storage_clsid(&rel, clsid)
                .map_err(|e| err("set CLSID", e))?;
        }
    }
    dst.flush().map_err(|e| err("flush", e))
}

/// One line of `msiinfo suminfo FILE` (`Last author`, `Revision number (UUID)`, …), trimmed.
pub fn suminfo_field(file: &Path, label: &str) -> Option<String> {
    let out = Command::new("msiinfo")
        .arg("suminfo")
        .arg(file)
        .output()
        .ok()?;
    let prefix = format!("{label}:");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
}

/// The transform sub-storage names a patch lists in its summary PID 8 (`:rtmA.1;:#rtmA.1`), in
/// that order.
pub fn patch_transform_names(msp: &Path) -> Vec<String> {
    let list = suminfo_field(msp, "Last author")
        .unwrap_or_else(|| panic!("{} has no summary PID 8", msp.display()));
    list.split(';')
        .map(|s| s.trim().trim_start_matches(':').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The `{ProductCode}version` a transform expects of its base: the first field of its summary
/// PID 9, upper-cased.
pub fn transform_base(mst: &Path) -> Option<String> {
    suminfo_field(mst, "Revision number (UUID)")
        .and_then(|r| r.split(';').next().map(|s| s.trim().to_ascii_uppercase()))
}

/// Extracts the transforms of `msp` that apply to `target` into `dir`, in PID 8 order: the first
/// main transform whose base product code and version (summary PID 9) are `target`'s, then its
/// `#` partner. Returns the extracted files (empty when none matches).
pub fn patch_transforms_for(msp: &Path, target: &Path, dir: &Path) -> Vec<PathBuf> {
    let tables = export_tables(target);
    let want = format!(
        "{}{}",
        property(&tables, "ProductCode").unwrap_or_default(),
        property(&tables, "ProductVersion").unwrap_or_default()
    )
    .to_ascii_uppercase();
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let stem = msp
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = |name: &str| dir.join(format!("{stem}-{}.mst", name.replace('#', "_")));
    for name in patch_transform_names(msp) {
        if name.starts_with('#') {
            continue;
        }
        let main = file(&name);
        extract_substorage(msp, &name, &main).unwrap_or_else(|e| panic!("{e}"));
        if transform_base(&main).as_deref() == Some(want.as_str()) {
            let mut out = vec![main];
            let partner = format!("#{name}");
            let second = file(&partner);
            if extract_substorage(msp, &partner, &second).is_ok() {
                out.push(second);
            }
            return out;
        }
    }
    Vec::new()
}
