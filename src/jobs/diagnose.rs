//! After a failed install or patch: what happened, why, and what to do (`msikit diagnose
//! FILE...`). Each file is recognised by its content: a verbose Windows Installer log (read in
//! one streaming pass, memory bounded whatever its size), or Application event-log records of
//! MsiInstaller as text (as Event Viewer copies them and as Knowledge Base articles quote them),
//! CSV or XML.
//!
//! The root cause is the first action that returned 3 (fatal error) and the messages logged
//! since that action started (formats.md §8): errors with their documented text when the log
//! has only the number and its fields, files in use with their holders, a custom action's
//! error code, the deferred action the script was running. Event Data blobs are decoded to the
//! product code, the patch code and the error code, and named from a package (`--msi`), a patch
//! (`--patch`) or a machine snapshot (`--snapshot`). The exit code is explained, and a KB's known
//! issues (the `[[known_issue]]` entries of its rule file, shared with the dry run) are matched.

use std::collections::{BTreeSet, VecDeque};
use std::io::Read;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::formats::logs::events::{self, Event, EventData};
use crate::formats::logs::messages;
use crate::formats::logs::text::{self, Lines};
use crate::formats::logs::verbose::{self, Record, Side};
use crate::jobs::rules::{self, RuleFile};

/// What `diagnose` is given besides the files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The product package, to name its product code.
    pub msi: Option<PathBuf>,
    /// The patch, to name its patch code.
    pub patch: Option<PathBuf>,
    /// A machine snapshot, to name installed products and patches.
    pub snapshot: Option<PathBuf>,
    /// A KB whose known issues to match (a built-in rule file: `930809`).
    pub kb: Option<String>,
    /// A rule file with known issues (any KB).
    pub rules: Option<PathBuf>,
    /// The ANSI code page of logs that are not UTF-16 or UTF-8 (default 1252).
    pub code_page: Option<u16>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub inputs: Vec<Input>,
    /// What happened, in the order of the files and their lines (bounded: see
    /// `timeline_left_out`).
    pub timeline: Vec<Moment>,
    pub timeline_left_out: u64,
    /// The latest moments, joined to `timeline` at the end.
    #[serde(skip)]
    tail: VecDeque<Moment>,
    pub sessions: Vec<Session>,
    /// Sessions not kept (the first 32 are, and failed ones up to 64).
    pub sessions_left_out: u64,
    pub root_cause: Option<RootCause>,
    pub files_in_use: Vec<FileInUse>,
    pub events: Vec<EventReport>,
    pub exit_code: Option<ExitCode>,
    pub known_issues: Vec<KnownIssueMatch>,
}

impl Diagnosis {
    /// Whether the material shows a failure (an exit code that is not a success, an action
    /// that returned 3, an error event).
    pub fn failed(&self) -> bool {
        self.exit_code
            .as_ref()
            .is_some_and(|e| !messages::is_success(e.code))
            || self.root_cause.is_some()
    }
}

/// One file read.
#[derive(Debug, Clone, Serialize)]
pub struct Input {
    pub file: String,
    /// `verbose-log`, `event-text`, `event-csv` or `event-xml`.
    pub kind: &'static str,
    pub encoding: String,
    pub lines: u64,
    pub records: u64,
    /// What was passed over (cut lines, undecodable bytes, a file cut short).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// One moment of the time line.
#[derive(Debug, Clone, Serialize)]
pub struct Moment {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub what: String,
}

/// One logging session of a verbose log (`=== Verbose logging started`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Session {
    pub file: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calling_process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
    /// The PATCH property: the patches this session applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
    pub actions: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_action: Option<String>,
    /// `Product: … -- Installation failed.` and the like.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<String>,
    /// `MainEngineThread is returning N`, per process (`client`, `server`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub engine_returns: Vec<(String, u32)>,
    /// The patch sequencer's verdicts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<(String, bool)>,
}

/// A message that explains a failure.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub file: String,
    /// The line of a log; none for an event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub number: u32,
    pub text: String,
    /// The text came from msikit's table of documented messages (the log had only the number
    /// and its fields).
    pub documented_text: bool,
}

/// Why it failed.
#[derive(Debug, Clone, Serialize)]
pub struct RootCause {
    pub file: String,
    /// The line of a log; none for an event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// `files-in-use`, `custom-action`, `service`, `file-error`, `patch-not-applicable`,
    /// `another-install`, `patch-apply`, `error`.
    pub kind: &'static str,
    /// In words.
    pub summary: String,
    /// The first action that returned 3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The deferred action the script was running then (InstallFinalize runs the script).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script_action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The messages logged since the action started (the last ones, at most 32).
    pub messages: Vec<Message>,
}

/// A file found in use, and who held it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileInUse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub process: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// What says so: `Error 1306`, `Info 1603`, `Restart Manager`, `Note 2329 (32)`, `event
    /// 11306`...
    pub evidence: String,
    pub file_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// One event, read and explained.
#[derive(Debug, Clone, Serialize)]
pub struct EventReport {
    pub file: String,
    #[serde(flatten)]
    pub event: Event,
    /// The Windows Installer error of an event 1NNNN (NNNN + 10000), or the error code of
    /// 1023/1024.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<u32>,
    /// What the error means: an exit code's name and meaning, or the documented text of the
    /// Error-table message with the event's file (when it names one in quotes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<EventData>,
    /// The product code's name, from the package, the snapshot or the event itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// The patch code's name, from the patch or the snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

/// The code msiexec ended with, and what it means.
#[derive(Debug, Clone, Serialize)]
pub struct ExitCode {
    pub code: u32,
    pub name: String,
    pub meaning: String,
    /// Where it was read (`MainEngineThread (client)`, `event 1023`...).
    pub source: String,
}

/// A known issue of a KB that matches.
#[derive(Debug, Clone, Serialize)]
pub struct KnownIssueMatch {
    pub kb: String,
    pub id: String,
    pub title: String,
    /// The symptoms that matched.
    pub matched: Vec<String>,
    pub cause: String,
    pub workaround: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<String>,
}

/// The most moments the time line keeps.
const TIMELINE_MAX: usize = 200;
/// The most sessions kept.
const SESSIONS_MAX: usize = 64;
/// The most distinct message texts kept for matching known issues.
const TEXTS_MAX: usize = 4096;
/// The most messages kept before a failure.
const WINDOW: usize = 32;
/// The most files in use kept.
const IN_USE_MAX: usize = 100;
/// The largest event export read (they are read whole).
const EVENT_EXPORT_MAX: u64 = 256 * 1024 * 1024;

/// Everything gathered, across files.
#[derive(Default)]
struct Facts {
    d: Option<Diagnosis>,
    event_ids: BTreeSet<u32>,
    errors: BTreeSet<u32>,
    exit_codes: BTreeSet<u32>,
    /// Message texts, for known issues' `text` symptoms (distinct ones, at most TEXTS_MAX).
    texts: BTreeSet<String>,
    product_codes: BTreeSet<String>,
    patch_codes: BTreeSet<String>,
}

/// Diagnoses `files` (see the module's documentation).
pub fn diagnose(files: &[PathBuf], opts: &Options) -> Result<Diagnosis> {
    let mut f = Facts {
        d: Some(Diagnosis {
            inputs: Vec::new(),
            timeline: Vec::new(),
            timeline_left_out: 0,
            tail: VecDeque::new(),
            sessions: Vec::new(),
            sessions_left_out: 0,
            root_cause: None,
            files_in_use: Vec::new(),
            events: Vec::new(),
            exit_code: None,
            known_issues: Vec::new(),
        }),
        ..Facts::default()
    };
    let ansi = text::ansi_code_page(opts.code_page.unwrap_or(1252));
    for path in files {
        let name = path.display().to_string();
        let reader: Box<dyn Read> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            if path.is_dir() {
                return Err(Error::refused("is a folder, not a log or event export").in_file(&name));
            }
            Box::new(std::fs::File::open(path).map_err(|e| Error::io(e).in_file(&name))?)
        };
        read_one(&mut f, &name, reader, ansi).map_err(|e| e.in_file(&name))?;
    }
    let names = Names::load(opts)?;
    let mut d = f.d.take().ok_or_else(|| Error::malformed("no report"))?;
    let tail: Vec<Moment> = d.tail.drain(..).collect();
    d.timeline.extend(tail);
    for e in &mut d.events {
        if let Some(data) = &e.data {
            if let Some(p) = &data.product_code {
                e.product = names.product(p).or(e.product.take());
            }
            if let Some(p) = &data.patch_code {
                e.patch = names.patch(p).or(e.patch.take());
            }
        }
    }
    if d.root_cause.is_none() {
        d.root_cause = root_cause_from_events(&d.events);
    }
    // Holders the material does not name, from the snapshot.
    let mut found = Vec::new();
    for u in &d.files_in_use {
        if u.process.is_some() {
            continue;
        }
        if let Some(f) = &u.file {
            for (name, pid, services) in names.holders(f) {
                found.push(FileInUse {
                    file: Some(f.clone()),
                    process: Some(if services.is_empty() {
                        name
                    } else {
                        format!("{name} [{}]", services.join(", "))
                    }),
                    pid: Some(pid),
                    evidence: format!(
                        "holds it in snapshot {}",
                        opts.snapshot
                            .as_ref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default()
                    ),
                    file_name: u.file_name.clone(),
                    line: u.line,
                });
            }
        }
    }
    d.files_in_use.extend(found);
    // Known issues.
    let rule_files = rule_files(opts, &f)?;
    let files_text = if d.files_in_use.iter().any(|x| x.file.is_some()) {
        let mut set: Vec<String> = Vec::new();
        for x in &d.files_in_use {
            let Some(f) = x.file.as_deref() else { continue };
            let holder = match (&x.process, x.pid) {
                (Some(p), Some(i)) => format!(" (held by {p}, process {i})"),
                (Some(p), None) => format!(" (held by {p})"),
                _ => String::new(),
            };
            let item = format!("{f}{holder}");
            if holder.is_empty() && set.iter().any(|s| s.starts_with(f)) {
                continue;
            }
            set.retain(|s| s != f);
            if !set.contains(&item) {
                set.push(item);
            }
        }
        set.join(", ")
    } else {
        "the file named in event 11306 or in the log's Error 1306".to_string()
    };
    let product = d
        .events
        .iter()
        .find_map(|e| e.product.clone())
        .or_else(|| d.sessions.iter().find_map(|s| s.product.clone()))
        .unwrap_or_else(|| "the product".into());
    let patch = d
        .events
        .iter()
        .find_map(|e| e.patch.clone())
        .unwrap_or_else(|| "the update".into());
    for rf in &rule_files {
        for k in &rf.known_issues {
            let mut matched = None;
            for s in &k.when {
                if let Some(why) = symptom_holds(s, &f) {
                    matched = Some(why);
                    break;
                }
            }
            if let Some(why) = matched {
                d.known_issues.push(KnownIssueMatch {
                    kb: rf.kb.clone(),
                    id: k.id.clone(),
                    title: k.title.clone(),
                    matched: why,
                    cause: k.cause.clone(),
                    workaround: k
                        .workaround
                        .iter()
                        .map(|w| {
                            w.replace("{file}", &files_text)
                                .replace("{product}", &product)
                                .replace("{patch}", &patch)
                        })
                        .collect(),
                    dry_run: k.dry_run.clone(),
                });
            }
        }
    }
    Ok(d)
}

fn rule_files(opts: &Options, f: &Facts) -> Result<Vec<RuleFile>> {
    if let Some(p) = &opts.rules {
        return Ok(vec![rules::load(p)?]);
    }
    let all = rules::built_in_files()?;
    if let Some(kb) = &opts.kb {
        let kb = kb.trim().trim_start_matches("KB").trim_start_matches("kb");
        let found: Vec<RuleFile> = all.into_iter().filter(|r| r.kb == kb).collect();
        if found.is_empty() {
            return Err(Error::invalid(format!(
                "--kb {kb}: no built-in rule file for this KB (give one with --rules)"
            )));
        }
        return Ok(found);
    }
    Ok(all
        .into_iter()
        .filter(|r| {
            r.patch_codes
                .iter()
                .any(|c| f.patch_codes.contains(&c.to_ascii_uppercase()))
                || r.product_codes
                    .iter()
                    .any(|c| f.product_codes.contains(&c.to_ascii_uppercase()))
                || f.texts
                    .iter()
                    .any(|t| t.to_ascii_uppercase().contains(&format!("KB{}", r.kb)))
        })
        .collect())
}

/// The symptoms that hold, in words, or None when one does not.
fn symptom_holds(s: &rules::Symptom, f: &Facts) -> Option<Vec<String>> {
    let mut why = Vec::new();
    if !s.events.is_empty() {
        let e = s.events.iter().find(|e| f.event_ids.contains(e))?;
        why.push(format!("event {e}"));
    }
    if !s.errors.is_empty() {
        let e = s.errors.iter().find(|e| f.errors.contains(e))?;
        why.push(format!("error {e}"));
    }
    if !s.exit_codes.is_empty() {
        let e = s.exit_codes.iter().find(|e| f.exit_codes.contains(e))?;
        why.push(format!("exit code {e}"));
    }
    if !s.text.is_empty() {
        let t = s.text.iter().find(|t| {
            let t = t.to_lowercase();
            f.texts.iter().any(|x| x.to_lowercase().contains(&t))
        })?;
        why.push(format!("'{t}' in a message"));
    }
    if s.without_errors.iter().any(|e| f.errors.contains(e)) {
        return None;
    }
    for e in &s.without_errors {
        why.push(format!("no error {e}"));
    }
    Some(why)
}

/// Names for product and patch codes, and the snapshot to find holders of files in.
#[derive(Default)]
struct Names {
    products: Vec<(String, String)>,
    patches: Vec<(String, String)>,
    snapshot: Option<crate::machine::snapshot::Snapshot>,
}

impl Names {
    fn load(opts: &Options) -> Result<Names> {
        let mut n = Names::default();
        if let Some(p) = &opts.msi {
            let c = crate::formats::container::Container::open(p)?;
            let db = crate::database::Database::open(&c)?;
            let model = crate::database::DatabaseModel::load_tables(&db)?;
            if let Some(code) = model.property("ProductCode") {
                let name = format!(
                    "{} {} ({})",
                    model.property("ProductName").unwrap_or("?"),
                    model.property("ProductVersion").unwrap_or(""),
                    p.display()
                );
                n.products.push((code.to_ascii_uppercase(), name));
            }
        }
        if let Some(p) = &opts.patch {
            let info = crate::views::patch::info(p)?;
            if let Some(code) = &info.patch_code {
                let name = format!(
                    "{} ({})",
                    info.metadata("DisplayName").unwrap_or("?"),
                    p.display()
                );
                n.patches.push((code.to_ascii_uppercase(), name));
            }
        }
        if let Some(p) = &opts.snapshot {
            let snap = crate::machine::snapshot::load(p)?;
            for prod in &snap.products {
                n.products.push((
                    prod.product_code.to_ascii_uppercase(),
                    format!(
                        "{} {} (installed on {})",
                        prod.name, prod.version, snap.computer_name
                    ),
                ));
                for pa in &prod.patches {
                    if let Some(dn) = &pa.display_name {
                        n.patches.push((
                            pa.patch_code.to_ascii_uppercase(),
                            format!("{dn} ({:?} on {})", pa.state, snap.computer_name),
                        ));
                    }
                }
            }
            n.snapshot = Some(snap);
        }
        Ok(n)
    }

    /// The processes of the snapshot that hold `path`, with their services: those with an open
    /// handle on it (error 1306 is a file open without delete sharing; a loaded image can be
    /// renamed), else those that load it.
    fn holders(&self, path: &str) -> Vec<(String, u32, Vec<String>)> {
        let Some(snap) = &self.snapshot else {
            return Vec::new();
        };
        let key = snap.path_key(path);
        let open = |p: &&crate::machine::snapshot::Process| {
            p.open_files
                .iter()
                .flatten()
                .any(|o| snap.path_key(o) == key)
        };
        let loaded = |p: &&crate::machine::snapshot::Process| {
            p.image_path.iter().any(|i| snap.path_key(i) == key)
                || p.modules.iter().flatten().any(|m| snap.path_key(m) == key)
        };
        let any_open = snap.processes.iter().any(|p| open(&p));
        snap.processes
            .iter()
            .filter(|p| if any_open { open(p) } else { loaded(p) })
            .map(|p| {
                let mut services = p.services.clone();
                for s in &snap.services {
                    if s.process_id == Some(p.pid) && !services.contains(&s.name) {
                        services.push(s.name.clone());
                    }
                }
                (p.name.clone(), p.pid, services)
            })
            .collect()
    }

    fn product(&self, code: &str) -> Option<String> {
        let c = code.to_ascii_uppercase();
        self.products
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.clone())
    }

    fn patch(&self, code: &str) -> Option<String> {
        let c = code.to_ascii_uppercase();
        self.patches
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.clone())
    }
}

fn add_text(texts: &mut BTreeSet<String>, t: String) {
    if texts.len() < TEXTS_MAX {
        texts.insert(t);
    }
}

/// The first half of the time line is kept, then the latest moments (where a failure is).
fn push_moment(d: &mut Diagnosis, m: Moment) {
    if d.timeline.len() < TIMELINE_MAX / 2 {
        d.timeline.push(m);
    } else {
        if d.tail.len() >= TIMELINE_MAX / 2 {
            d.tail.pop_front();
            d.timeline_left_out += 1;
        }
        d.tail.push_back(m);
    }
}

/// The first sessions are kept, and the failed ones up to twice as many; the rest counted.
fn push_session(d: &mut Diagnosis, s: Session) {
    let failed = s.failed_action.is_some()
        || s.engine_returns
            .iter()
            .any(|(_, c)| !messages::is_success(*c));
    if d.sessions.len() < SESSIONS_MAX / 2 || (failed && d.sessions.len() < SESSIONS_MAX) {
        d.sessions.push(s);
    } else {
        d.sessions_left_out += 1;
    }
}

fn push_in_use(d: &mut Diagnosis, u: FileInUse) {
    let full = d.files_in_use.len() >= IN_USE_MAX;
    let same = d.files_in_use.iter_mut().find(|x| {
        x.file.as_deref().map(str::to_ascii_lowercase)
            == u.file.as_deref().map(str::to_ascii_lowercase)
            && (x.process == u.process || u.process.is_none() || x.process.is_none())
            && (x.pid == u.pid || u.pid.is_none() || x.pid.is_none())
    });
    match same {
        Some(x) => {
            if x.process.is_none() {
                x.process = u.process;
            }
            if x.pid.is_none() {
                x.pid = u.pid;
            }
        }
        None if !full => d.files_in_use.push(u),
        None => {}
    }
}

fn read_one(
    f: &mut Facts,
    name: &str,
    reader: Box<dyn Read>,
    ansi: &'static encoding_rs::Encoding,
) -> Result<()> {
    let mut lines = Lines::new(reader, ansi)?;
    // The first lines decide what the file is; they are kept to be read again.
    let mut head: Vec<String> = Vec::new();
    let mut kind = None;
    while head.len() < 64 {
        let Some(l) = lines.next_line()? else { break };
        head.push(l.to_string());
        let trimmed = l.trim_start_matches('\u{FEFF}').trim();
        if trimmed.is_empty() {
            continue;
        }
        if head.iter().filter(|h| !h.trim().is_empty()).count() == 1 {
            if events::looks_like_xml(trimmed) {
                kind = Some("event-xml");
                break;
            }
            if events::looks_like_csv(trimmed) {
                kind = Some("event-csv");
                break;
            }
            if trimmed.starts_with("ElfFile") {
                return Err(Error::unsupported(
                    "a binary .evtx event log: export it as XML (wevtutil qe Application /q:\"*[System[Provider[@Name='MsiInstaller']]]\" /f:xml) or CSV",
                ));
            }
        }
        let p = verbose::parse(trimmed);
        if p.engine.is_some()
            || matches!(
                p.record,
                Record::LogStarted { .. } | Record::ActionStart { .. } | Record::ActionEnded { .. }
            )
        {
            kind = Some("verbose-log");
            break;
        }
    }
    let sk = lines.skipped();
    let kind = match kind {
        Some(k) => k,
        None => {
            let joined = head.join("\n");
            if events::looks_like_text(&joined) {
                "event-text"
            } else {
                let mut rest = String::new();
                // The event text may start after more than 64 lines of other text.
                let mut total = joined.len() as u64;
                while let Some(l) = lines.next_line()? {
                    total += l.len() as u64 + 1;
                    if total > EVENT_EXPORT_MAX {
                        break;
                    }
                    rest.push('\n');
                    rest.push_str(l);
                }
                let all = format!("{joined}{rest}");
                if events::looks_like_text(&all) {
                    return read_events(f, name, "event-text", all, &lines);
                }
                let what = if sk.binary_lines > 0 {
                    "binary data"
                } else {
                    "text"
                };
                return Err(Error::malformed(format!(
                    "not a verbose Windows Installer log or an event-log export ({what} without `MSI (s)` lines, `=== Verbose logging started` or `Event ID:`)"
                )));
            }
        }
    };
    if kind == "verbose-log" {
        return read_log(f, name, head, lines);
    }
    let mut all = head.join("\n");
    while let Some(l) = lines.next_line()? {
        if all.len() as u64 + l.len() as u64 > EVENT_EXPORT_MAX {
            return Err(Error::limit(format!(
                "an event export larger than {} MiB: export fewer events (only MsiInstaller's)",
                EVENT_EXPORT_MAX >> 20
            )));
        }
        all.push('\n');
        all.push_str(l);
    }
    read_events(f, name, kind, all, &lines)
}

fn skipped_words(lines: &Lines) -> Vec<String> {
    let sk = lines.skipped();
    let mut v = Vec::new();
    if sk.long_lines > 0 {
        v.push(format!(
            "{} line(s) longer than {} KiB cut",
            sk.long_lines,
            text::MAX_LINE / 1024
        ));
    }
    if sk.bad_lines > 0 {
        v.push(format!(
            "{} line(s) with bytes not valid in {} (shown as U+FFFD)",
            sk.bad_lines,
            lines.encoding().name()
        ));
    }
    if sk.binary_lines > 0 {
        v.push(format!(
            "{} line(s) with binary data (NUL bytes)",
            sk.binary_lines
        ));
    }
    v
}

fn read_events(
    f: &mut Facts,
    name: &str,
    kind: &'static str,
    all: String,
    lines: &Lines,
) -> Result<()> {
    let evs = match kind {
        "event-xml" => events::parse_xml(&all)?,
        "event-csv" => events::parse_csv(&all)?,
        _ => events::parse_text(&all),
    };
    let Some(d) = f.d.as_mut() else {
        return Ok(());
    };
    d.inputs.push(Input {
        file: name.to_string(),
        kind,
        encoding: lines.encoding().name(),
        lines: lines.number(),
        records: evs.len() as u64,
        skipped: skipped_words(lines),
    });
    for ev in evs {
        let data = (!ev.data.is_empty()).then(|| events::decode_data(&ev.data));
        let desc = &ev.description;
        // The Windows Installer error of the event.
        let error = if (11000..12000).contains(&ev.id) {
            Some(ev.id - 10000)
        } else {
            after_word(desc, "Error code ")
                .or_else(|| after_word(desc, "error status: "))
                .or_else(|| data.as_ref().and_then(|x| x.error_code))
        };
        if ev
            .source
            .as_deref()
            .is_none_or(|s| s.eq_ignore_ascii_case("MsiInstaller"))
        {
            f.event_ids.insert(ev.id);
        }
        if let Some(e) = error {
            if (11000..12000).contains(&ev.id) {
                f.errors.insert(e);
            } else if matches!(ev.id, 1023 | 1024 | 1033..=1036) {
                f.exit_codes.insert(e);
                if d.exit_code.is_none() || !messages::is_success(e) {
                    d.exit_code = Some(exit_code(e, format!("event {}", ev.id)));
                }
            }
        }
        if ev.id == 11708 || ev.id == 11729 {
            // Installation operation failed / Configuration failed: msiexec exits 1603.
            f.exit_codes.insert(1603);
            if d.exit_code.is_none() {
                d.exit_code = Some(exit_code(1603, format!("event {}", ev.id)));
            }
        }
        if let Some(x) = &data {
            if let Some(p) = &x.product_code {
                f.product_codes.insert(p.clone());
            }
            if let Some(p) = &x.patch_code {
                f.patch_codes.insert(p.clone());
            }
        }
        for g in events::guids(desc) {
            f.product_codes.insert(g);
        }
        // Files in use: 11306 (error 1306's first field), 1025 (file and process).
        if error == Some(1306) && (11000..12000).contains(&ev.id) {
            push_in_use(
                d,
                FileInUse {
                    file: quoted(desc),
                    process: None,
                    pid: None,
                    evidence: format!("event {}", ev.id),
                    file_name: name.to_string(),
                    line: None,
                },
            );
        }
        if ev.id == 1025 {
            let file = desc
                .split_once("The file ")
                .and_then(|(_, r)| r.split_once(" is being used"))
                .map(|(a, _)| a.trim().to_string());
            let process = desc
                .split_once("Name: ")
                .and_then(|(_, r)| r.split(" ,").next())
                .map(|s| s.trim().trim_end_matches(',').to_string());
            let pid = desc.split_once("Id ").and_then(|(_, r)| number(r));
            push_in_use(
                d,
                FileInUse {
                    file,
                    process,
                    pid,
                    evidence: "event 1025".into(),
                    file_name: name.to_string(),
                    line: None,
                },
            );
        }
        let product = desc
            .strip_prefix("Product: ")
            .and_then(|r| r.split(" -").next())
            .map(|s| s.trim().to_string());
        let patch = desc
            .split_once("Update '")
            .and_then(|(_, r)| r.split_once("' "))
            .map(|(a, _)| a.to_string());
        add_text(&mut f.texts, desc.clone());
        push_moment(
            d,
            Moment {
                time: ev.time.clone(),
                file: name.to_string(),
                line: None,
                what: format!(
                    "event {} ({}{}): {}",
                    ev.id,
                    ev.level.as_deref().unwrap_or("?"),
                    ev.source
                        .as_deref()
                        .map(|s| format!(", {s}"))
                        .unwrap_or_default(),
                    short(desc, 160)
                ),
            },
        );
        let error_text = error.and_then(|n| {
            if (11000..12000).contains(&ev.id) {
                let field = quoted(desc).unwrap_or_default();
                messages::format(n, &[field.as_str()])
            } else {
                messages::exit_code(n).map(|(name, m)| format!("{name}: {m}"))
            }
        });
        d.events.push(EventReport {
            file: name.to_string(),
            event: ev,
            error,
            error_text,
            data,
            product,
            patch,
        });
    }
    Ok(())
}

/// Without a log: the first error event (an Error-table message other than the outcome
/// messages), else the first update or install event with a failing code.
fn root_cause_from_events(evs: &[EventReport]) -> Option<RootCause> {
    let outcome = |n: u32| matches!(n, 1707 | 1708 | 1715..=1717 | 1724..=1729);
    let err = evs
        .iter()
        .find(|e| (11000..12000).contains(&e.event.id) && e.error.is_some_and(|n| !outcome(n)));
    if let Some(e) = err {
        let number = e.error.unwrap_or(0);
        let kind = match number {
            1306 => "files-in-use",
            1920..=1923 | 1939 => "service",
            1304 | 1305 | 1308..=1311 | 1334 | 1335 => "file-error",
            1328 => "patch-apply",
            1720..=1723 => "custom-action",
            _ => "error",
        };
        let text = e
            .event
            .description
            .split_once(" -- ")
            .map(|(_, t)| t.to_string())
            .unwrap_or_else(|| e.event.description.clone());
        return Some(RootCause {
            file: e.file.clone(),
            line: None,
            kind,
            summary: format!("event {}: {text}", e.event.id),
            action: None,
            script_action: None,
            time: e.event.time.clone(),
            messages: vec![Message {
                file: e.file.clone(),
                line: None,
                number,
                text,
                documented_text: false,
            }],
        });
    }
    let failed = evs.iter().find(|e| {
        matches!(e.event.id, 1023 | 1024 | 1033..=1036)
            && e.error.is_some_and(|c| !messages::is_success(c))
    })?;
    let code = failed.error.unwrap_or(0);
    let what = match &failed.patch {
        Some(p) => format!("the update '{p}' could not be installed ({code})"),
        None => format!("the install failed ({code})"),
    };
    let log = if failed.event.id == 1024 {
        "; the install was not logged (msiexec /l*v FILE gives a verbose log)"
    } else {
        "; the verbose log the event names says why"
    };
    Some(RootCause {
        file: failed.file.clone(),
        line: None,
        kind: "error",
        summary: format!("{what}: no event says why{log}"),
        action: None,
        script_action: None,
        time: failed.event.time.clone(),
        messages: Vec::new(),
    })
}

fn exit_code(code: u32, source: String) -> ExitCode {
    let (name, meaning) =
        messages::exit_code(code).unwrap_or(("", "not a documented Windows Installer exit code"));
    ExitCode {
        code,
        name: name.to_string(),
        meaning: meaning.to_string(),
        source,
    }
}

fn after_word(s: &str, word: &str) -> Option<u32> {
    let i = s.find(word)?;
    number(s.get(i + word.len()..)?)
}

fn number(s: &str) -> Option<u32> {
    let d: String = s
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    if d.is_empty() || d.len() > 9 {
        return None;
    }
    d.parse().ok()
}

/// The first text in single quotes.
fn quoted(s: &str) -> Option<String> {
    let (_, r) = s.split_once('\'')?;
    let (q, _) = r.split_once('\'')?;
    Some(q.to_string())
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The state of a verbose log read.
#[derive(Default)]
struct LogState {
    session: Option<Session>,
    date: Option<String>,
    /// Actions running (name, line, time), innermost last; bounded.
    actions: Vec<(String, u64, String)>,
    script_action: Option<String>,
    /// Recent messages (line, number, text, documented), bounded.
    recent: VecDeque<Message>,
    root: Option<RootCause>,
    last_return: Option<(u32, String)>,
    not_applicable: Vec<(u64, String)>,
    ca_failure: Option<(String, u32, u64)>,
}

fn read_log(f: &mut Facts, name: &str, head: Vec<String>, mut lines: Lines) -> Result<()> {
    let mut st = LogState::default();
    let Some(mut d) = f.d.take() else {
        return Ok(());
    };
    let mut count: u64 = 0;
    let mut n: u64 = 0;
    let mut handle = |line: &str, n: u64, d: &mut Diagnosis, f: &mut Facts, st: &mut LogState| {
        let p = verbose::parse(line);
        let time = p.engine.as_ref().and_then(|e| e.time);
        if !matches!(p.record, Record::Other) {
            count += 1;
        }
        log_record(
            f,
            d,
            st,
            name,
            n,
            time,
            p.engine.as_ref().map(|e| e.side),
            p.record,
        );
    };
    for l in &head {
        n += 1;
        handle(l, n, &mut d, f, &mut st);
    }
    while let Some(l) = lines.next_line()? {
        n += 1;
        handle(l, n, &mut d, f, &mut st);
    }
    if let Some(s) = st.session.take() {
        push_session(&mut d, s);
    }
    // A failure without an action returning 3 (1642, 1618...).
    if st.root.is_none() {
        if let Some((code, _)) = &st.last_return {
            if !messages::is_success(*code) {
                let (kind, summary) = match code {
                    1642 => (
                        "patch-not-applicable",
                        format!(
                            "the patch does not apply to the installed product (1642){}",
                            st.not_applicable
                                .first()
                                .map(|(_, p)| format!(": {p}"))
                                .unwrap_or_default()
                        ),
                    ),
                    1618 => (
                        "another-install",
                        "another installation was already in progress (1618)".to_string(),
                    ),
                    c => (
                        "error",
                        format!("the install ended with {c} before any action failed"),
                    ),
                };
                st.root = Some(RootCause {
                    file: name.to_string(),
                    line: Some(n),
                    kind,
                    summary,
                    action: None,
                    script_action: None,
                    time: None,
                    messages: st.recent.iter().cloned().collect(),
                });
            }
        }
    }
    if d.root_cause.is_none() {
        d.root_cause = st.root.take();
    }
    let mut skipped = skipped_words(&lines);
    if lines.skipped().unterminated && st.last_return.is_none() {
        skipped.push("the log ends without `MainEngineThread is returning` (cut short, or the install was still running)".into());
    }
    d.inputs.push(Input {
        file: name.to_string(),
        kind: "verbose-log",
        encoding: lines.encoding().name(),
        lines: n,
        records: count,
        skipped,
    });
    f.d = Some(d);
    Ok(())
}

fn side_name(s: Option<Side>) -> &'static str {
    match s {
        Some(Side::Client) => "client",
        Some(Side::Server) => "server",
        Some(Side::CustomAction) => "custom action",
        Some(Side::Nested) => "nested",
        None => "",
    }
}

#[allow(clippy::too_many_arguments)]
fn log_record(
    f: &mut Facts,
    d: &mut Diagnosis,
    st: &mut LogState,
    file: &str,
    n: u64,
    time: Option<&str>,
    side: Option<Side>,
    rec: Record<'_>,
) {
    let stamp = |t: Option<String>, st: &LogState| -> Option<String> {
        match (&st.date, t) {
            (Some(d), Some(t)) => Some(format!("{d} {t}")),
            (None, t) => t,
            (Some(_), None) => None,
        }
    };
    let moment = |d: &mut Diagnosis, st: &LogState, t: Option<String>, what: String| {
        push_moment(
            d,
            Moment {
                time: stamp(t, st),
                file: file.to_string(),
                line: Some(n),
                what,
            },
        )
    };
    let remember = |st: &mut LogState, number: u32, text: String, documented: bool| {
        if st.recent.len() >= WINDOW {
            st.recent.pop_front();
        }
        st.recent.push_back(Message {
            file: file.to_string(),
            line: Some(n),
            number,
            text,
            documented_text: documented,
        });
    };
    match rec {
        Record::LogStarted {
            date,
            time: t,
            process,
            ..
        } => {
            if let Some(s) = st.session.take() {
                push_session(d, s);
            }
            st.date = Some(date.to_string());
            st.actions.clear();
            st.script_action = None;
            st.session = Some(Session {
                file: file.to_string(),
                line: n,
                started: Some(format!("{date} {t}")),
                calling_process: process.map(str::to_string),
                ..Session::default()
            });
            moment(
                d,
                st,
                Some(t.to_string()),
                format!(
                    "logging started{}",
                    process.map(|p| format!(" ({p})")).unwrap_or_default()
                ),
            );
        }
        Record::LogStopped { time: t, .. } => {
            moment(d, st, Some(t.to_string()), "logging stopped".into());
        }
        Record::ActionStart { time: t, name } => {
            if st.actions.len() < 64 {
                st.actions.push((name.to_string(), n, t.to_string()));
            }
            let s = session(st, file, n);
            s.actions += 1;
        }
        Record::ActionEnded {
            time: t,
            name,
            value,
        } => {
            let started = match st.actions.iter().rposition(|(a, _, _)| a == name) {
                Some(i) => {
                    let line = st.actions.get(i).map(|a| a.1).unwrap_or(n);
                    st.actions.truncate(i);
                    line
                }
                // Its start is not in the log (an excerpt): every message before counts.
                None => 0,
            };
            if value == 3 || value == 2 {
                moment(
                    d,
                    st,
                    Some(t.to_string()),
                    format!(
                        "action {name} returned {value} ({}){}",
                        if value == 3 {
                            "fatal error"
                        } else {
                            "user cancel"
                        },
                        match (&st.script_action, value) {
                            (Some(a), 3) if a != name => format!(", in the script: {a}"),
                            _ => String::new(),
                        }
                    ),
                );
            }
            if value == 3 {
                let s = session(st, file, n);
                if s.failed_action.is_none() {
                    s.failed_action = Some(name.to_string());
                }
                if st.root.is_none() {
                    let msgs: Vec<Message> = st
                        .recent
                        .iter()
                        .filter(|m| m.line.is_some_and(|l| l >= started))
                        .cloned()
                        .collect();
                    let script = st.script_action.clone().filter(|a| a != name);
                    let (kind, summary) = classify(
                        name,
                        script.as_deref(),
                        &msgs,
                        st.ca_failure.as_ref(),
                        started,
                    );
                    st.root = Some(RootCause {
                        file: file.to_string(),
                        line: Some(n),
                        kind,
                        summary,
                        action: Some(name.to_string()),
                        script_action: script,
                        time: stamp(Some(t.to_string()), st),
                        messages: msgs,
                    });
                }
            }
        }
        Record::ScriptAction { name } => {
            st.script_action = Some(name.to_string());
        }
        Record::Error {
            number,
            text,
            product: _,
            debug,
        } => {
            if debug && messages::is_noise(number) {
                return;
            }
            let (t, documented) = if text.is_empty() {
                (messages::format(number, &[]).unwrap_or_default(), true)
            } else {
                (text.to_string(), false)
            };
            if !debug {
                f.errors.insert(number);
            }
            add_text(&mut f.texts, t.clone());
            file_error_in_use(d, file, n, number, &t, &[]);
            moment(
                d,
                st,
                time.map(str::to_string),
                format!("Error {number}. {}", short(&t, 200)),
            );
            remember(st, number, t, documented);
        }
        Record::ErrorArgs { number, args } => {
            let t = messages::format(number, &args).unwrap_or_else(|| {
                format!(
                    "error {number} (not in msikit's table), fields: {}",
                    args.join(", ")
                )
            });
            f.errors.insert(number);
            add_text(&mut f.texts, t.clone());
            file_error_in_use(d, file, n, number, &t, &args);
            moment(
                d,
                st,
                time.map(str::to_string),
                format!("Error {number}. {}", short(&t, 200)),
            );
            remember(st, number, t, true);
        }
        Record::Note { number, args } => {
            if messages::is_noise(number) || number == 1708 || number == 1707 || number == 1729 {
                return;
            }
            // Error-table messages (below 2000) as notes are errors the user saw.
            let t = messages::format(number, &args)
                .unwrap_or_else(|| format!("internal error {number}, fields: {}", args.join(", ")));
            if number == 2329 && args.first() == Some(&"32") {
                push_in_use(
                    d,
                    FileInUse {
                        file: args.get(1).map(|s| s.to_string()),
                        process: None,
                        pid: None,
                        evidence: "Note 2329 (sharing violation)".into(),
                        file_name: file.to_string(),
                        line: Some(n),
                    },
                );
            }
            if number < 2000 {
                f.errors.insert(number);
                file_error_in_use(d, file, n, number, &t, &args);
            }
            add_text(&mut f.texts, t.clone());
            remember(st, number, t, true);
        }
        Record::InUse {
            file: held,
            process,
            pid,
        } => {
            push_in_use(
                d,
                FileInUse {
                    file: Some(held.to_string()),
                    process: process.map(str::to_string),
                    pid,
                    evidence: "Info 1603 (InstallValidate)".into(),
                    file_name: file.to_string(),
                    line: Some(n),
                },
            );
            let t = format!(
                "{held} is held in use{}",
                process
                    .map(|p| format!(
                        " by {p}{}",
                        pid.map(|i| format!(" ({i})")).unwrap_or_default()
                    ))
                    .unwrap_or_default()
            );
            moment(d, st, time.map(str::to_string), format!("file in use: {t}"));
            remember(st, 1603, t, false);
        }
        Record::Info { number, text } => {
            if number == 1903 || number == 1902 {
                add_text(&mut f.texts, text.to_string());
                remember(st, number, text.to_string(), false);
            }
        }
        Record::RmHolder { pid, name, kind } => {
            push_in_use(
                d,
                FileInUse {
                    file: None,
                    process: Some(name.to_string()),
                    pid: Some(pid),
                    evidence: format!("Restart Manager ({kind})"),
                    file_name: file.to_string(),
                    line: Some(n),
                },
            );
            moment(
                d,
                st,
                time.map(str::to_string),
                format!("Restart Manager: {name} ({pid}, {kind}) holds files in use"),
            );
        }
        Record::RestartManager { .. } => {}
        Record::Property { name, value, .. } => {
            let s = session(st, file, n);
            let v = Some(value.to_string());
            match name {
                "ProductName" => s.product = v,
                "ProductCode" => {
                    f.product_codes.insert(value.to_ascii_uppercase());
                    s.product_code = v;
                }
                "ProductVersion" => s.product_version = v,
                "PATCH" => {
                    for g in events::guids(value) {
                        f.patch_codes.insert(g);
                    }
                    s.patch = v;
                }
                _ => {}
            }
        }
        Record::PatchVerdict { patch, applicable } => {
            let s = session(st, file, n);
            if s.patches.len() < 32 {
                s.patches.push((patch.to_string(), applicable));
            }
            if !applicable {
                st.not_applicable.push((n, patch.to_string()));
                moment(
                    d,
                    st,
                    time.map(str::to_string),
                    format!("patch {patch} is not applicable"),
                );
            }
        }
        Record::CustomActionFailed { action, code } => {
            st.ca_failure = Some((action.to_string(), code, n));
            let t = format!("custom action {action} returned error {code}");
            moment(d, st, time.map(str::to_string), t.clone());
            remember(st, code, t, false);
        }
        Record::EngineReturn { code } => {
            let who = side_name(side);
            let s = session(st, file, n);
            if s.engine_returns.len() < 16 {
                s.engine_returns.push((who.to_string(), code));
            }
            st.last_return = Some((code, who.to_string()));
            f.exit_codes.insert(code);
            d.exit_code = Some(exit_code(
                code,
                format!("MainEngineThread ({who}), {file} line {n}"),
            ));
            moment(
                d,
                st,
                time.map(str::to_string),
                format!("MainEngineThread ({who}) is returning {code}"),
            );
        }
        Record::ProductOutcome {
            product, text: t, ..
        } => {
            let s = session(st, file, n);
            if s.product.is_none() {
                s.product = Some(product.to_string());
            }
            if s.outcomes.len() < 16 {
                s.outcomes.push(t.to_string());
            }
            add_text(&mut f.texts, t.to_string());
            moment(d, st, time.map(str::to_string), format!("{product} -- {t}"));
        }
        Record::InstallerStatus { text: t, status } => {
            f.exit_codes.insert(status);
            moment(d, st, time.map(str::to_string), short(t, 240));
        }
        Record::Other => {}
    }
}

fn session<'a>(st: &'a mut LogState, file: &str, n: u64) -> &'a mut Session {
    st.session.get_or_insert_with(|| Session {
        file: file.to_string(),
        line: n,
        ..Session::default()
    })
}

/// Files in use named by an error: 1306 (field 2), 1603 info.
fn file_error_in_use(
    d: &mut Diagnosis,
    file: &str,
    n: u64,
    number: u32,
    text: &str,
    args: &[&str],
) {
    if number != 1306 {
        return;
    }
    let held = args
        .first()
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| quoted(text));
    push_in_use(
        d,
        FileInUse {
            file: held,
            process: None,
            pid: None,
            evidence: "Error 1306".into(),
            file_name: file.to_string(),
            line: Some(n),
        },
    );
}

/// What kind of failure, in words.
fn classify(
    action: &str,
    script: Option<&str>,
    msgs: &[Message],
    ca: Option<&(String, u32, u64)>,
    started: u64,
) -> (&'static str, String) {
    let has = |ns: &[u32]| msgs.iter().rev().find(|m| ns.contains(&m.number));
    let during = match script {
        Some(s) => format!("{action} (running {s})"),
        None => action.to_string(),
    };
    if let Some(m) = has(&[1306]) {
        return (
            "files-in-use",
            format!("a file was in use during {during}: {}", m.text),
        );
    }
    if let Some(m) = has(&[1920, 1921, 1922, 1923, 1939]) {
        return (
            "service",
            format!(
                "a service could not be controlled during {during}: {}",
                m.text
            ),
        );
    }
    if let Some(m) = has(&[1308, 1309, 1310, 1311, 1334, 1335, 1304, 1305]) {
        return (
            "file-error",
            format!(
                "a file could not be read or written during {during}: {}",
                m.text
            ),
        );
    }
    if let Some(m) = has(&[1328]) {
        return (
            "patch-apply",
            format!(
                "the patch could not be applied to a file during {during}: {}",
                m.text
            ),
        );
    }
    if let Some((name, code, line)) = ca.filter(|c| c.2 >= started) {
        let _ = line;
        return (
            "custom-action",
            format!("custom action {name} failed with {code} during {during}"),
        );
    }
    if let Some(m) = has(&[1720, 1721, 1722, 1723]) {
        return (
            "custom-action",
            format!("a custom action failed during {during}: {}", m.text),
        );
    }
    if action.contains('.') || script.is_none() && !is_standard_action(action) {
        return ("custom-action", format!("custom action {action} failed"));
    }
    match msgs
        .iter()
        .rev()
        .find(|m| m.number >= 1000 && m.number < 2000 && m.number != 1603)
    {
        Some(m) => (
            "error",
            format!("{during} failed after error {}: {}", m.number, m.text),
        ),
        None => ("error", format!("{during} failed")),
    }
}

/// The standard actions of the sequence tables (a failing action that is not one of them is a
/// custom action).
fn is_standard_action(a: &str) -> bool {
    const STANDARD: &[&str] = &[
        "INSTALL",
        "ADMIN",
        "ADVERTISE",
        "AppSearch",
        "LaunchConditions",
        "FindRelatedProducts",
        "CCPSearch",
        "RMCCPSearch",
        "ValidateProductID",
        "CostInitialize",
        "FileCost",
        "IsolateComponents",
        "CostFinalize",
        "MigrateFeatureStates",
        "InstallValidate",
        "InstallInitialize",
        "AllocateRegistrySpace",
        "ProcessComponents",
        "UnpublishComponents",
        "UnpublishFeatures",
        "StopServices",
        "DeleteServices",
        "UnregisterComPlus",
        "SelfUnregModules",
        "UnregisterTypeLibraries",
        "RemoveODBC",
        "UnregisterFonts",
        "RemoveRegistryValues",
        "UnregisterClassInfo",
        "UnregisterExtensionInfo",
        "UnregisterProgIdInfo",
        "UnregisterMIMEInfo",
        "RemoveIniValues",
        "RemoveShortcuts",
        "RemoveEnvironmentStrings",
        "RemoveDuplicateFiles",
        "RemoveFiles",
        "RemoveFolders",
        "CreateFolders",
        "MoveFiles",
        "InstallFiles",
        "PatchFiles",
        "DuplicateFiles",
        "BindImage",
        "CreateShortcuts",
        "RegisterClassInfo",
        "RegisterExtensionInfo",
        "RegisterProgIdInfo",
        "RegisterMIMEInfo",
        "WriteRegistryValues",
        "WriteIniValues",
        "WriteEnvironmentStrings",
        "RegisterFonts",
        "InstallODBC",
        "RegisterTypeLibraries",
        "SelfRegModules",
        "RegisterComPlus",
        "InstallServices",
        "StartServices",
        "RegisterUser",
        "RegisterProduct",
        "PublishComponents",
        "PublishFeatures",
        "PublishProduct",
        "InstallFinalize",
        "InstallExecute",
        "InstallExecuteAgain",
        "RemoveExistingProducts",
        "ExecuteAction",
        "InstallAdminPackage",
        "CreateShortcuts",
        "MsiPublishAssemblies",
        "MsiUnpublishAssemblies",
        "ScheduleReboot",
        "ForceReboot",
        "ResolveSource",
        "SetODBCFolders",
        "MsiInstallDrivers",
        "MsiConfigureServices",
        "SxsInstallCA",
        "InstallSFPCatalogFile",
        "DisableRollback",
        "PatchFiles",
        "RemoveRegistryValues",
        "WelcomeDlg",
        "SetupInitialization",
        "ExecuteAction",
    ];
    STANDARD.contains(&a) || a.ends_with("Dlg") || a.ends_with("Dialog")
}
