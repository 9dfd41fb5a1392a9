//! The lines of a verbose Windows Installer log (`msiexec /l*v`), one at a time, as typed
//! records. Shapes (`../shared/docs/formats.md` §8):
//!
//! - `=== Verbose logging started: 3/2/2007  14:32:10  Build type: SHIP UNICODE 3.01.4000.4042
//!   Calling process: C:\WINDOWS\system32\msiexec.exe ===` and `=== Logging stopped: … ===`;
//! - engine lines `MSI (c) (A4:B8) [14:32:10:123]: text` (client), `MSI (s)` (service),
//!   `MSI (s) (C8!50)` (a custom action's thread), without the time in logs of Windows Installer
//!   2.0;
//! - `Action start 14:32:10: InstallValidate.`, `Action ended 14:32:10: InstallValidate. Return
//!   value 3.`;
//! - `Error 1306. text`, `Product: NAME -- Error 1306. text`, `DEBUG: Error 2835: text`, `Note: 1:
//!   2205 2:  3: Error`, `… The error code is 2203. The arguments are: a, b, c`;
//! - `Info 1603. The file X is being held in use by the following process: Name: n, Id: 1234,
//!   Window Title: 't'.`, `RESTART MANAGER: Detected that application with id 1234, friendly name
//!   'n', of type RmService and status 1 holds file[s] in use.`;
//! - `Property(S): ProductVersion = 8.0.685.24`, `PATCH SEQUENCER: … is applicable.`,
//!   `Executing op: ActionStart(Name=InstallFiles,…)`, `CustomAction X returned actual error code
//!   1603`, `MainEngineThread is returning 1603`, `Product: NAME -- Installation failed.`,
//!   `Windows Installer installed an update. … Installation success or error status: 1603.`

use serde::Serialize;

/// Which process wrote an engine line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// `MSI (c)`: the client (msiexec with the user interface).
    Client,
    /// `MSI (s)`: the Windows Installer service.
    Server,
    /// `MSI (s) (PP!TT)`: a custom action's thread.
    CustomAction,
    /// `MSI (N)`: a nested or embedded install.
    Nested,
}

/// The prefix of an engine line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engine<'a> {
    pub side: Side,
    /// The low bytes of the process and thread ids, as written (`A4`, `B8`).
    pub pid: &'a str,
    pub tid: &'a str,
    /// `hh:mm:ss:mmm`, when the log has it.
    pub time: Option<&'a str>,
}

/// What one line of a verbose log says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// `=== Verbose logging started: DATE  TIME  Build type: …  Calling process: P ===`.
    LogStarted {
        date: &'a str,
        time: &'a str,
        build: Option<&'a str>,
        process: Option<&'a str>,
    },
    /// `=== Logging stopped: DATE  TIME ===`.
    LogStopped { date: &'a str, time: &'a str },
    /// `Action start TIME: NAME.`
    ActionStart { time: &'a str, name: &'a str },
    /// `Action ended TIME: NAME. Return value N.`
    ActionEnded {
        time: &'a str,
        name: &'a str,
        value: u32,
    },
    /// `Executing op: ActionStart(Name=NAME,…)`: a deferred action of the script begins.
    ScriptAction { name: &'a str },
    /// `Error NNNN. text` (with `Product: P -- ` before it, or `DEBUG: Error NNNN: text`).
    Error {
        number: u32,
        text: &'a str,
        product: Option<&'a str>,
        debug: bool,
    },
    /// `The error code is NNNN. The arguments are: a, b, c` (a message missing from the Error
    /// table).
    ErrorArgs { number: u32, args: Vec<&'a str> },
    /// `Note: 1: NNNN 2: a 3: b`: an internal error and its fields.
    Note { number: u32, args: Vec<&'a str> },
    /// `Info 1603. The file F is being held in use by the following process: Name: N, Id: I,
    /// Window Title: 'T'.` (or `… is being held in use.` alone).
    InUse {
        file: &'a str,
        process: Option<&'a str>,
        pid: Option<u32>,
    },
    /// `Info NNNN. text` other than 1603 (1903: a file replaced at the next restart).
    Info { number: u32, text: &'a str },
    /// `RESTART MANAGER: Detected that application with id I, friendly name 'N', of type T and
    /// status S holds file[s] in use.`
    RmHolder {
        pid: u32,
        name: &'a str,
        kind: &'a str,
    },
    /// Any other `RESTART MANAGER:` line.
    RestartManager { text: &'a str },
    /// `Property(S): NAME = VALUE` (`C` for the client's dump).
    Property {
        server: bool,
        name: &'a str,
        value: &'a str,
    },
    /// `PATCH SEQUENCER: … patch P is applicable.` / `… is not applicable.`
    PatchVerdict { patch: &'a str, applicable: bool },
    /// `CustomAction NAME returned actual error code N`.
    CustomActionFailed { action: &'a str, code: u32 },
    /// `MainEngineThread is returning N`.
    EngineReturn { code: u32 },
    /// `Product: NAME -- Installation failed.` (and the other outcome messages 1707-1729).
    ProductOutcome {
        product: &'a str,
        text: &'a str,
        success: bool,
    },
    /// `Windows Installer installed … Installation success or error status: N.` (the text of
    /// events 1033-1042).
    InstallerStatus { text: &'a str, status: u32 },
    /// Any other line.
    Other,
}

/// A parsed line: the engine prefix, when it has one, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub engine: Option<Engine<'a>>,
    pub record: Record<'a>,
}

fn number(s: &str) -> Option<u32> {
    let d: &str = {
        let end = s
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(s.len());
        s.get(..end)?
    };
    if d.is_empty() || d.len() > 9 {
        return None;
    }
    d.parse().ok()
}

/// Splits `MSI (c) (A4:B8) [14:32:10:123]: rest`.
fn engine(line: &str) -> Option<(Engine<'_>, &str)> {
    let rest = line.strip_prefix("MSI (")?;
    let close = rest.find(')')?;
    let who = rest.get(..close)?;
    let rest = rest.get(close + 1..)?.strip_prefix(" (")?;
    let close = rest.find(')')?;
    let ids = rest.get(..close)?;
    let (sep, (pid, tid)) = if let Some(p) = ids.split_once(':') {
        (':', p)
    } else {
        ('!', ids.split_once('!')?)
    };
    let mut rest = rest.get(close + 1..)?;
    let mut time = None;
    if let Some(r) = rest.strip_prefix(" [") {
        let close = r.find(']')?;
        time = r.get(..close);
        rest = r.get(close + 1..)?;
    }
    let rest = rest.strip_prefix(':')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let side = match (who, sep) {
        ("s", '!') | ("c", '!') => Side::CustomAction,
        ("s", _) => Side::Server,
        ("c", _) => Side::Client,
        _ => Side::Nested,
    };
    Some((
        Engine {
            side,
            pid,
            tid,
            time,
        },
        rest,
    ))
}

/// Reads one line.
pub fn parse(line: &str) -> Line<'_> {
    let line = line.trim_end_matches(['\r', '\n']);
    let (engine, text) = match line.as_bytes().first() {
        Some(b'M') => match engine(line) {
            Some((e, t)) => (Some(e), t),
            None => (None, line),
        },
        _ => (None, line),
    };
    Line {
        engine,
        record: record(text),
    }
}

fn record(text: &str) -> Record<'_> {
    let first = match text.as_bytes().first() {
        Some(b) => *b,
        None => return Record::Other,
    };
    match first {
        b'=' => log_marker(text),
        b'A' => action(text),
        b'E' => {
            if let Some(r) = text.strip_prefix("Executing op: ActionStart(Name=") {
                let end = r.find([',', ')']).unwrap_or(r.len());
                return Record::ScriptAction {
                    name: r.get(..end).unwrap_or(""),
                };
            }
            error_record(text, None).unwrap_or(Record::Other)
        }
        b'D' => {
            if let Some(r) = text.strip_prefix("DEBUG: Error ") {
                if let Some(n) = number(r) {
                    let t = r.get(n.to_string().len()..).unwrap_or("");
                    let t = t.trim_start_matches(':').trim();
                    return Record::Error {
                        number: n,
                        text: t,
                        product: None,
                        debug: true,
                    };
                }
            }
            Record::Other
        }
        b'N' => note(text).unwrap_or(Record::Other),
        b'I' => info(text).unwrap_or(Record::Other),
        b'R' => restart_manager(text).unwrap_or(Record::Other),
        b'P' => {
            if let Some(r) = text.strip_prefix("Property(") {
                return property(r).unwrap_or(Record::Other);
            }
            if let Some(r) = text.strip_prefix("Product: ") {
                return product(r).unwrap_or(Record::Other);
            }
            if let Some(r) = text.strip_prefix("PATCH SEQUENCER: ") {
                return sequencer(r).unwrap_or(Record::Other);
            }
            Record::Other
        }
        b'C' => {
            if let Some(r) = text.strip_prefix("CustomAction ") {
                if let Some((name, rest)) = r.split_once(" returned actual error code ") {
                    if let Some(code) = number(rest) {
                        return Record::CustomActionFailed { action: name, code };
                    }
                }
            }
            Record::Other
        }
        b'M' => match text.strip_prefix("MainEngineThread is returning ") {
            Some(r) => number(r)
                .map(|code| Record::EngineReturn { code })
                .unwrap_or(Record::Other),
            None => Record::Other,
        },
        b'W' => {
            if text.starts_with("Windows Installer ") {
                if let Some(i) = text.find("success or error status: ") {
                    if let Some(status) = text
                        .get(i + "success or error status: ".len()..)
                        .and_then(number)
                    {
                        return Record::InstallerStatus { text, status };
                    }
                }
            }
            Record::Other
        }
        b'T' => error_args(text).unwrap_or(Record::Other),
        _ => Record::Other,
    }
}

fn log_marker(text: &str) -> Record<'_> {
    let inner = text.trim_start_matches('=').trim_end_matches('=').trim();
    let (started, rest) = if let Some(r) = inner
        .strip_prefix("Verbose logging started: ")
        .or_else(|| inner.strip_prefix("Logging started: "))
    {
        (true, r)
    } else if let Some(r) = inner
        .strip_prefix("Verbose logging stopped: ")
        .or_else(|| inner.strip_prefix("Logging stopped: "))
    {
        (false, r)
    } else {
        return Record::Other;
    };
    let mut words = rest.split_whitespace();
    let date = words.next().unwrap_or("");
    let time = words.next().unwrap_or("");
    if !started {
        return Record::LogStopped { date, time };
    }
    let field = |key: &str, until: Option<&str>| -> Option<&str> {
        let i = rest.find(key)?;
        let v = rest.get(i + key.len()..)?;
        let v = match until.and_then(|u| v.find(u)) {
            Some(j) => v.get(..j)?,
            None => v,
        };
        Some(v.trim())
    };
    Record::LogStarted {
        date,
        time,
        build: field("Build type: ", Some("Calling process:")),
        process: field("Calling process: ", None),
    }
}

fn action(text: &str) -> Record<'_> {
    if let Some(r) = text.strip_prefix("Action start ") {
        if let Some((time, name)) = r.split_once(": ") {
            return Record::ActionStart {
                time,
                name: name.trim_end().trim_end_matches('.'),
            };
        }
    } else if let Some(r) = text.strip_prefix("Action ended ") {
        if let Some((time, rest)) = r.split_once(": ") {
            if let Some((name, v)) = rest.rsplit_once(". Return value ") {
                if let Some(value) = number(v) {
                    return Record::ActionEnded { time, name, value };
                }
            }
        }
    }
    Record::Other
}

/// `Error NNNN. text`, after an optional `Product: P -- `.
fn error_record<'a>(text: &'a str, product: Option<&'a str>) -> Option<Record<'a>> {
    let r = text.strip_prefix("Error ")?;
    let n = number(r)?;
    let after = r.get(n.to_string().len()..)?;
    let after = after
        .strip_prefix('.')
        .or_else(|| after.strip_prefix(':'))?;
    let t = after.trim();
    if let Some(rec) = error_args(t) {
        if let Record::ErrorArgs { number, .. } = &rec {
            if *number == n {
                return Some(rec);
            }
        }
    }
    Some(Record::Error {
        number: n,
        text: t,
        product,
        debug: false,
    })
}

fn error_args(text: &str) -> Option<Record<'_>> {
    let i = text.find("The error code is ")?;
    let r = text.get(i + "The error code is ".len()..)?;
    let n = number(r)?;
    let args = match r.find("The arguments are: ") {
        Some(j) => r
            .get(j + "The arguments are: ".len()..)?
            .split(',')
            .map(str::trim)
            .collect(),
        None => Vec::new(),
    };
    Some(Record::ErrorArgs { number: n, args })
}

/// The field keys of a note, ` 2: ` to ` 16: `.
const NOTE_KEYS: [&str; 15] = [
    " 2: ", " 3: ", " 4: ", " 5: ", " 6: ", " 7: ", " 8: ", " 9: ", " 10: ", " 11: ", " 12: ",
    " 13: ", " 14: ", " 15: ", " 16: ",
];

/// `Note: 1: 2205 2:  3: Error`: field k runs from ` k: ` to ` k+1: ` (a last field with an
/// empty value may have lost its trailing space).
fn note(text: &str) -> Option<Record<'_>> {
    let r = text.strip_prefix("Note: 1: ")?;
    let n = number(r)?;
    let mut rest = r.get(n.to_string().len()..)?;
    let mut args = Vec::new();
    let mut k = 0;
    // Where field k starts.
    let Some(first) = NOTE_KEYS
        .first()
        .and_then(|key| rest.find(key).map(|i| (i, key.len())))
    else {
        return Some(Record::Note { number: n, args });
    };
    rest = rest.get(first.0 + first.1..)?;
    loop {
        let next = NOTE_KEYS.get(k + 1);
        let found = next.and_then(|key| rest.find(key).map(|i| (i, key.len())));
        match found {
            Some((i, len)) => {
                args.push(rest.get(..i)?);
                rest = rest.get(i + len..)?;
                k += 1;
            }
            None => {
                let trimmed = rest.trim_end();
                // `3:` with nothing after it at the end of the line.
                let bare = next.map(|key| key.trim_end());
                match bare.and_then(|b| trimmed.strip_suffix(b)) {
                    Some(before) => {
                        args.push(before);
                        args.push("");
                    }
                    None => args.push(trimmed),
                }
                break;
            }
        }
    }
    Some(Record::Note { number: n, args })
}

fn info(text: &str) -> Option<Record<'_>> {
    let r = text.strip_prefix("Info ")?;
    let n = number(r)?;
    let t = r.get(n.to_string().len()..)?.strip_prefix('.')?.trim();
    if n == 1603 {
        if let Some(f) = t.strip_prefix("The file ") {
            if let Some((file, rest)) = f.split_once(" is being held in use") {
                let process = rest
                    .split_once("Name: ")
                    .and_then(|(_, r)| r.split(", Id").next())
                    .map(str::trim);
                let pid = rest
                    .split_once("Id: ")
                    .or_else(|| rest.split_once("Id "))
                    .and_then(|(_, r)| number(r.trim()));
                return Some(Record::InUse {
                    file: file.trim(),
                    process,
                    pid,
                });
            }
        }
    }
    Some(Record::Info { number: n, text: t })
}

fn restart_manager(text: &str) -> Option<Record<'_>> {
    let r = text.strip_prefix("RESTART MANAGER: ")?;
    if let Some(d) = r.strip_prefix("Detected that application with id ") {
        let pid = number(d)?;
        let name = d
            .split_once("friendly name '")
            .and_then(|(_, n)| n.split_once("', of type "));
        if let Some((name, rest)) = name {
            let kind = rest.split(' ').next().unwrap_or("");
            return Some(Record::RmHolder { pid, name, kind });
        }
    }
    Some(Record::RestartManager { text: r })
}

fn property(r: &str) -> Option<Record<'_>> {
    let (who, rest) = r.split_once("): ")?;
    let (name, value) = rest.split_once(" = ")?;
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    Some(Record::Property {
        server: who.eq_ignore_ascii_case("S"),
        name,
        value,
    })
}

fn product(r: &str) -> Option<Record<'_>> {
    let (name, rest) = r.split_once(" -- ")?;
    let rest = rest.trim();
    if rest.starts_with("Error ") {
        return error_record(rest, Some(name));
    }
    let lower = rest.to_ascii_lowercase();
    let success = lower.contains("completed successfully");
    if success || lower.contains("failed") {
        return Some(Record::ProductOutcome {
            product: name,
            text: rest,
            success,
        });
    }
    None
}

fn sequencer(r: &str) -> Option<Record<'_>> {
    let r = r.trim_end().trim_end_matches('.');
    let (applicable, head) = if let Some(h) = r.strip_suffix(" is not applicable") {
        (false, h)
    } else if let Some(h) = r.strip_suffix(" is applicable") {
        (true, h)
    } else {
        return None;
    };
    let patch = head.rsplit_once(" patch ").map(|(_, p)| p).unwrap_or(head);
    Some(Record::PatchVerdict {
        patch: patch.trim(),
        applicable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_prefixes() {
        let l = parse("MSI (s) (C8!50) [14:32:10:123]: Note: 1: 2205 2:  3: Error");
        let e = l.engine.unwrap();
        assert_eq!(e.side, Side::CustomAction);
        assert_eq!((e.pid, e.tid, e.time), ("C8", "50", Some("14:32:10:123")));
        assert_eq!(
            l.record,
            Record::Note {
                number: 2205,
                args: vec!["", "Error"]
            }
        );
        let l = parse("MSI (c) (A4:B8): MainEngineThread is returning 1603");
        assert_eq!(l.engine.unwrap().time, None);
        assert_eq!(l.record, Record::EngineReturn { code: 1603 });
    }

    #[test]
    fn actions_errors_notes() {
        assert_eq!(
            parse("Action ended 14:32:10: InstallFinalize. Return value 3.").record,
            Record::ActionEnded {
                time: "14:32:10",
                name: "InstallFinalize",
                value: 3
            }
        );
        assert_eq!(
            parse("Action start 9:05:01: InstallValidate.").record,
            Record::ActionStart {
                time: "9:05:01",
                name: "InstallValidate"
            }
        );
        assert_eq!(
            parse("MSI (s) (2C:68) [14:32:10:123]: Product: Microsoft Exchange Server -- Error 1306. Another application has exclusive access to the file 'C:\\x.dll'.").record,
            Record::Error {
                number: 1306,
                text: "Another application has exclusive access to the file 'C:\\x.dll'.",
                product: Some("Microsoft Exchange Server"),
                debug: false
            }
        );
        assert_eq!(
            parse("Error 1920. Service 'Foo' (Foo) failed to start.").record,
            Record::Error {
                number: 1920,
                text: "Service 'Foo' (Foo) failed to start.",
                product: None,
                debug: false
            }
        );
        assert_eq!(
            parse("MSI (s) (2C:68) [14:32:10:123]: Note: 1: 2329 2: 32 3: C:\\x\\cef.pak").record,
            Record::Note {
                number: 2329,
                args: vec!["32", "C:\\x\\cef.pak"]
            }
        );
        assert_eq!(
            parse("Error 1311. The installer has encountered an unexpected error installing this package. This may indicate a problem with this package. The error code is 1311. The arguments are: Data1.cab, , ").record,
            Record::ErrorArgs {
                number: 1311,
                args: vec!["Data1.cab", "", ""]
            }
        );
        assert_eq!(
            parse("MSI (s) (2C:68) [14:32:10:123]: Note: 1: 1708 ").record,
            Record::Note {
                number: 1708,
                args: vec![]
            }
        );
    }

    #[test]
    fn in_use_rm_property_outcome() {
        assert_eq!(
            parse("Info 1603. The file C:\\P\\x.dll is being held in use by the following process: Name: store, Id: 4242, Window Title: '(not determined yet)'. Close that application and retry.").record,
            Record::InUse {
                file: "C:\\P\\x.dll",
                process: Some("store"),
                pid: Some(4242)
            }
        );
        assert_eq!(
            parse("MSI (s) (2C:68) [14:32:10:123]: RESTART MANAGER: Detected that application with id 7036, friendly name 'Microsoft Exchange Information Store', of type RmService and status 1 holds file[s] in use.").record,
            Record::RmHolder {
                pid: 7036,
                name: "Microsoft Exchange Information Store",
                kind: "RmService"
            }
        );
        assert_eq!(
            parse("Property(S): ProductVersion = 8.0.685.24").record,
            Record::Property {
                server: true,
                name: "ProductVersion",
                value: "8.0.685.24"
            }
        );
        assert_eq!(
            parse("MSI (s) (2C:68) [14:32:20:000]: Product: Microsoft Exchange Server -- Configuration failed.").record,
            Record::ProductOutcome {
                product: "Microsoft Exchange Server",
                text: "Configuration failed.",
                success: false
            }
        );
        assert_eq!(
            parse("=== Verbose logging started: 3/2/2007  14:32:10  Build type: SHIP UNICODE 3.01.4000.4042  Calling process: C:\\WINDOWS\\system32\\msiexec.exe ===").record,
            Record::LogStarted {
                date: "3/2/2007",
                time: "14:32:10",
                build: Some("SHIP UNICODE 3.01.4000.4042"),
                process: Some("C:\\WINDOWS\\system32\\msiexec.exe")
            }
        );
        assert_eq!(
            parse("MSI (c) (10:14) [09:00:00:000]: PATCH SEQUENCER: minor upgrade patch C:\\ur1.msp is not applicable.").record,
            Record::PatchVerdict {
                patch: "C:\\ur1.msp",
                applicable: false
            }
        );
    }

    #[test]
    fn odd_lines_are_other() {
        for l in [
            "",
            "MSI (",
            "MSI (s) (",
            "Error",
            "Error x.",
            "Note: 1: ",
            "Info 99999999999999.",
            "Action ended : . Return value .",
            "Property(S",
            "=== ===",
            "\u{FFFD}\u{FFFD}",
        ] {
            let _ = parse(l);
        }
        assert_eq!(parse("Product: X -- hello").record, Record::Other);
    }
}
