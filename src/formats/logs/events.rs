//! Application event-log records as people hand them over: the text Event Viewer copies (and
//! Knowledge Base articles quote, `Type: … Source: … Event ID: … Description: … Data: 0000: 7b
//! 32 …` with its lines wrapped anywhere), the CSV of Event Viewer's "Save as", `Get-WinEvent |
//! Export-Csv` and `Get-EventLog | Export-Csv`, and the XML of `wevtutil qe /f:xml` (or
//! `/f:RenderedXml`, or Event Viewer's XML view).
//!
//! The binary Data of an MsiInstaller event is not documented; as seen in the field it is text
//! (ANSI, or UTF-16 LE) holding the product code, then for update events the patch code and the
//! error code (`{24B2C164-…} {DCF5AFE2-…} 1603`). [`decode_data`] reads it that way and keeps the
//! raw bytes for anything else.

use serde::Serialize;

use crate::error::{Error, Result};

/// One event record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Event ID (the low 16 bits of a classic event's instance id).
    pub id: u32,
    /// Provider or source (`MsiInstaller`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Error, Warning, Information…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// When it was logged, as the export writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computer: Option<String>,
    /// The message text (with Event Viewer's "For more information, see Help and Support
    /// Center…" sentence left out).
    pub description: String,
    /// The insertion strings, where the export has them (XML).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub strings: Vec<String>,
    /// The binary Data.
    #[serde(skip)]
    pub data: Vec<u8>,
}

/// What an event's binary Data holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EventData {
    /// The bytes as hex.
    pub hex: String,
    /// The bytes as text (ANSI, or UTF-16 LE when every second byte is zero).
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
}

/// Reads the binary Data of an MsiInstaller event: the first GUID is the product code, the
/// second the patch code, a decimal number after them the error code.
pub fn decode_data(bytes: &[u8]) -> EventData {
    let hex = bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ");
    let utf16 = bytes.len() >= 4
        && bytes.len().is_multiple_of(2)
        && bytes.chunks_exact(2).all(|p| p[1] == 0 && p[0] != 0);
    let text: String = if utf16 {
        bytes.chunks_exact(2).map(|p| char::from(p[0])).collect()
    } else {
        bytes
            .iter()
            .map(|&b| if b == 0 { ' ' } else { char::from(b) })
            .collect()
    };
    let text = text.trim().to_string();
    let guids = guids(&text);
    let after = match text.rfind('}') {
        Some(i) => text.get(i + 1..).unwrap_or(""),
        None => &text,
    };
    let error_code = after
        .split_whitespace()
        .rev()
        .find_map(|w| w.parse::<u32>().ok());
    EventData {
        hex,
        product_code: guids.first().cloned(),
        patch_code: guids.get(1).cloned(),
        error_code: if guids.is_empty() { None } else { error_code },
        text,
    }
}

/// Every `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}` in `text`, upper case.
pub fn guids(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 38 <= b.len() {
        if b.get(i) == Some(&b'{') && b.get(i + 37) == Some(&b'}') {
            let inner = b.get(i + 1..i + 37).unwrap_or(&[]);
            let ok = inner.iter().enumerate().all(|(k, c)| {
                if matches!(k, 8 | 13 | 18 | 23) {
                    *c == b'-'
                } else {
                    c.is_ascii_hexdigit()
                }
            });
            if ok {
                if let Some(g) = text.get(i..i + 38) {
                    out.push(g.to_ascii_uppercase());
                }
                i += 38;
                continue;
            }
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Text (Event Viewer's copy, as a KB article quotes it)

/// The field names of an event as text, longest first where one ends another.
const KEYS: &[&str] = &[
    "Event Type:",
    "Event Source:",
    "Event Category:",
    "Event ID:",
    "Task Category:",
    "Log Name:",
    "Description:",
    "Event Xml:",
    "Type:",
    "Source:",
    "Category:",
    "Level:",
    "Keywords:",
    "Date:",
    "Time:",
    "User:",
    "Computer:",
    "Data:",
];

const STARTS: &[&str] = &["Type:", "Event Type:", "Log Name:"];

const TRAILER: &str = "For more information, see Help and Support Center at";

/// Whether the text looks like events copied as text: an `Event ID:` and a `Source:` or
/// `Description:`.
pub fn looks_like_text(text: &str) -> bool {
    let flat = flatten(text);
    flat.contains("Event ID:") && (flat.contains("Source:") || flat.contains("Description:"))
}

/// The text with every run of white space (line breaks too) made one space.
fn flatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for w in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// Reads every event in text copied from Event Viewer or quoted in an article. Words around the
/// events (the article's own text) are passed over.
pub fn parse_text(text: &str) -> Vec<Event> {
    let flat = flatten(text);
    // (position, key) of every key at the start of a word.
    let mut keys: Vec<(usize, &str)> = Vec::new();
    let bytes = flat.as_bytes();
    let mut i = 0;
    while i < flat.len() {
        let at_word = i == 0 || matches!(bytes.get(i - 1), Some(b' ' | b'|'));
        if at_word {
            if let Some(rest) = flat.get(i..) {
                if let Some(k) = KEYS.iter().find(|k| rest.starts_with(**k)) {
                    keys.push((i, k));
                    i += k.len();
                    continue;
                }
            }
        }
        i += 1;
    }
    let mut events = Vec::new();
    let mut fields: Vec<(&str, String)> = Vec::new();
    let mut in_description = false;
    let mut n = 0;
    while n < keys.len() {
        let Some(&(pos, key)) = keys.get(n) else {
            break;
        };
        let ends_description =
            matches!(key, "Data:" | "Event Xml:") || STARTS.contains(&key) || key == "Event ID:";
        if in_description && !ends_description {
            n += 1;
            continue;
        }
        let starts_record = STARTS.contains(&key) || key == "Event ID:";
        let has = |f: &[(&str, String)], k: &str| f.iter().any(|(x, _)| *x == k);
        if starts_record
            && (has(&fields, "Event ID:") || (key != "Event ID:" && fields_start(&fields)))
        {
            if let Some(e) = event_from_fields(&fields) {
                events.push(e);
            }
            fields.clear();
        }
        in_description = key == "Description:";
        // The value runs to the next key that counts.
        let mut end = flat.len();
        let mut m = n + 1;
        while let Some(&(p, k)) = keys.get(m) {
            let counts = if in_description {
                matches!(k, "Data:" | "Event Xml:") || STARTS.contains(&k) || k == "Event ID:"
            } else {
                true
            };
            if counts {
                end = p;
                break;
            }
            m += 1;
        }
        let value = flat.get(pos + key.len()..end).unwrap_or("").trim();
        fields.push((key, value.to_string()));
        n = m;
        in_description = false;
    }
    if let Some(e) = event_from_fields(&fields) {
        events.push(e);
    }
    events
}

fn fields_start(fields: &[(&str, String)]) -> bool {
    fields.iter().any(|(k, _)| STARTS.contains(k))
}

/// A value of a quoted field ends at an article's table border (` | `).
fn clean(v: &str) -> String {
    let v = v.trim().trim_start_matches('|').trim();
    let v = match v.find(" |") {
        Some(i) => v.get(..i).unwrap_or(v),
        None => v,
    };
    v.trim().to_string()
}

fn event_from_fields(fields: &[(&str, String)]) -> Option<Event> {
    let get = |names: &[&str]| {
        fields
            .iter()
            .find(|(k, _)| names.contains(k))
            .map(|(_, v)| clean(v))
            .filter(|v| !v.is_empty())
    };
    let id_text = get(&["Event ID:"])?;
    let id: u32 = id_text.split_whitespace().next()?.parse().ok()?;
    let mut description = fields
        .iter()
        .find(|(k, _)| *k == "Description:")
        .map(|(_, v)| clean(v))
        .unwrap_or_default();
    if let Some(i) = description.find(TRAILER) {
        description = description.get(..i).unwrap_or("").trim().to_string();
    }
    // The dump of older viewers (`Data:`), or the `<Binary>` of the event's XML that newer ones
    // append (`Event Xml:`).
    let mut data = fields
        .iter()
        .find(|(k, _)| *k == "Data:")
        .map(|(_, v)| parse_dump(v))
        .unwrap_or_default();
    if data.is_empty() {
        if let Some((_, xml)) = fields.iter().find(|(k, _)| *k == "Event Xml:") {
            if let Some((_, rest)) = xml.split_once("<Binary>") {
                if let Some((hex, _)) = rest.split_once("</Binary>") {
                    data = hex_bytes(hex);
                }
            }
        }
    }
    let time = match (get(&["Date:"]), get(&["Time:"])) {
        (Some(d), Some(t)) => Some(format!("{d} {t}")),
        (d, t) => d.or(t),
    };
    Some(Event {
        id,
        source: get(&["Source:", "Event Source:"]),
        level: get(&["Type:", "Event Type:", "Level:"]),
        time,
        computer: get(&["Computer:"]),
        description,
        strings: Vec::new(),
        data,
    })
}

/// Reads Event Viewer's hex dump (`0000: 7b 32 34 42 32 43 31 36 {24B2C16 0008: …`), whose
/// lines may have been joined or wrapped anywhere a space was. On each line the bytes are
/// followed by their characters, which can look like bytes themselves (`0050: 30 33 03`: the
/// bytes 30 33 and their characters `03`); the count of bytes is the one whose characters
/// follow them. Reading stops where the dump does.
pub fn parse_dump(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut s = s.trim_start();
    // Each line: the offset, then the bytes.
    while let Some((off, rest)) = s.split_once(": ") {
        if !(4..=8).contains(&off.len()) || !off.bytes().all(|c| c.is_ascii_hexdigit()) {
            break;
        }
        let Ok(offset) = usize::from_str_radix(off, 16) else {
            break;
        };
        if offset != out.len() {
            break;
        }
        // Up to 8 two-digit tokens, with where each ends.
        let mut cands: Vec<(u8, usize)> = Vec::new();
        let mut pos = 0;
        while cands.len() < 8 {
            let t = rest.get(pos..).unwrap_or("");
            let tok = t.get(..2).unwrap_or("");
            let after = t.as_bytes().get(2);
            if tok.len() == 2
                && tok.bytes().all(|c| c.is_ascii_hexdigit())
                && matches!(after, None | Some(b' '))
            {
                let Ok(b) = u8::from_str_radix(tok, 16) else {
                    break;
                };
                pos += 2;
                cands.push((b, pos));
                if after.is_some() {
                    pos += 1;
                }
            } else {
                break;
            }
        }
        if cands.is_empty() {
            break;
        }
        // The most bytes whose characters follow them.
        let mut chosen = None;
        for k in (1..=cands.len()).rev() {
            let Some(&(_, end)) = cands.get(k - 1) else {
                continue;
            };
            let chars: String = cands
                .iter()
                .take(k)
                .map(|(b, _)| {
                    if (0x20..0x7f).contains(b) {
                        char::from(*b)
                    } else {
                        '.'
                    }
                })
                .collect();
            let after = rest.get(end..).unwrap_or("");
            let after = after.strip_prefix(' ').unwrap_or(after);
            if let Some(tail) = after.strip_prefix(chars.as_str()) {
                if tail.is_empty() || tail.starts_with(' ') {
                    chosen = Some((k, tail));
                    break;
                }
            }
        }
        let (k, tail) = match chosen {
            Some(c) => c,
            // No character column: all the tokens are bytes.
            None => {
                let end = cands.last().map(|c| c.1).unwrap_or(0);
                (cands.len(), rest.get(end..).unwrap_or(""))
            }
        };
        out.extend(cands.iter().take(k).map(|c| c.0));
        s = tail.trim_start();
        if k < 8 {
            break;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// CSV

/// Whether the first line is the header of an event CSV export.
pub fn looks_like_csv(first_line: &str) -> bool {
    let l = first_line.trim_start_matches('\u{FEFF}');
    if l.starts_with("#TYPE ") {
        return true;
    }
    let lower = l.to_ascii_lowercase();
    lower.contains(',')
        && (lower.contains("\"id\"")
            || lower.contains("eventid")
            || lower.contains("event id")
            || lower.contains("instanceid"))
}

/// Reads an event CSV export: Event Viewer's "Save as" (Level, Date and Time, Source, Event ID,
/// Task Category, then the message in a column with no name), `Get-WinEvent | Export-Csv`
/// (Message, Id, ProviderName, TimeCreated, LevelDisplayName, MachineName…) or `Get-EventLog |
/// Export-Csv` (EventID, Source, Message, EntryType, TimeGenerated, MachineName…). Neither
/// PowerShell export carries the binary Data (`System.Byte[]`).
pub fn parse_csv(text: &str) -> Result<Vec<Event>> {
    let text = text.trim_start_matches('\u{FEFF}');
    let body = match text.strip_prefix("#TYPE ") {
        Some(r) => r.split_once('\n').map(|x| x.1).unwrap_or(""),
        None => text,
    };
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(body.as_bytes());
    let headers: Vec<String> = rd
        .headers()
        .map_err(|e| Error::malformed(format!("CSV header: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let id = col(&["id", "eventid", "event id"]);
    let instance = col(&["instanceid"]);
    let source = col(&["providername", "source"]);
    let message = col(&["message"]).or_else(|| {
        // Event Viewer's "Save as": the message is the column after the named ones.
        (headers.len() >= 5 && headers.contains(&"event id".to_string())).then_some(headers.len())
    });
    let level = col(&["leveldisplayname", "entrytype", "level"]);
    let time = col(&["timecreated", "timegenerated", "date and time"]);
    let computer = col(&["machinename"]);
    if id.is_none() && instance.is_none() {
        return Err(Error::malformed(
            "CSV export without an Id, EventID or Event ID column",
        ));
    }
    let mut events = Vec::new();
    for (n, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| Error::malformed(format!("CSV record {}: {e}", n + 1)))?;
        let field = |c: Option<usize>| {
            c.and_then(|i| rec.get(i))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let idv = field(id).and_then(|s| s.parse::<u32>().ok()).or_else(|| {
            field(instance)
                .and_then(|s| s.parse::<u64>().ok())
                .map(|v| (v & 0xFFFF) as u32)
        });
        let Some(idv) = idv else { continue };
        let mut description = match message {
            // The unnamed message column and any after it (commas in the message).
            Some(i) if i == headers.len() => rec
                .iter()
                .skip(i)
                .collect::<Vec<_>>()
                .join(",")
                .trim()
                .to_string(),
            m => field(m).unwrap_or_default(),
        };
        if let Some(i) = description.find(TRAILER) {
            description = description.get(..i).unwrap_or("").trim().to_string();
        }
        events.push(Event {
            id: idv,
            source: field(source),
            level: field(level),
            time: field(time),
            computer: field(computer),
            description: flatten(&description),
            strings: Vec::new(),
            data: Vec::new(),
        });
    }
    Ok(events)
}

// ---------------------------------------------------------------------------------------------
// XML

/// Whether the text starts like an XML event export.
pub fn looks_like_xml(first_line: &str) -> bool {
    let l = first_line.trim_start_matches('\u{FEFF}').trim_start();
    l.starts_with("<?xml") || l.starts_with("<Event") || l.starts_with("<Events")
}

/// Reads `<Event>` elements (wevtutil's `/f:xml` writes them one after another with no root):
/// `System/Provider/@Name`, `EventID`, `Level`, `TimeCreated/@SystemTime`, `Computer`, the
/// `EventData/Data` strings and `EventData/Binary` hex, and `RenderingInfo/Message` when
/// rendered. Without a rendered message the description is made from the insertion strings
/// with the documented text of MsiInstaller's events.
pub fn parse_xml(text: &str) -> Result<Vec<Event>> {
    use quick_xml::events::Event as X;
    let mut rd = quick_xml::Reader::from_str(text);
    let mut events = Vec::new();
    let mut cur: Option<Event> = None;
    let mut path: Vec<String> = Vec::new();
    let mut buf = String::new();
    let mut message: Option<String> = None;
    let mut binary = String::new();
    loop {
        let ev = rd
            .read_event()
            .map_err(|e| Error::malformed(format!("XML at byte {}: {e}", rd.error_position())))?;
        match ev {
            X::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if name == "Event" {
                    cur = Some(Event::default());
                    message = None;
                    binary.clear();
                }
                attributes(&e, &name, cur.as_mut());
                path.push(name);
                buf.clear();
            }
            X::Empty(e) => {
                let name = e.local_name().as_ref().to_string();
                attributes(&e, &name, cur.as_mut());
                if name == "Data" {
                    if let Some(c) = cur.as_mut() {
                        c.strings.push(String::new());
                    }
                }
            }
            X::Text(t) => buf.push_str(&t.xml10_content()),
            X::CData(t) => buf.push_str(t.as_ref()),
            X::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => buf.push(c),
                _ => buf.push_str(match &*r.xml10_content() {
                    "lt" => "<",
                    "gt" => ">",
                    "amp" => "&",
                    "apos" => "'",
                    "quot" => "\"",
                    _ => "",
                }),
            },
            X::End(e) => {
                let name = e.local_name().as_ref().to_string();
                let parent = path.len().checked_sub(2).and_then(|i| path.get(i)).cloned();
                if let Some(c) = cur.as_mut() {
                    let v = buf.trim().to_string();
                    match (name.as_str(), parent.as_deref()) {
                        ("EventID", _) => c.id = v.parse::<u32>().unwrap_or(0) & 0xFFFF,
                        ("Level", Some("System")) => c.level = Some(level_name(&v)),
                        ("Level", Some("RenderingInfo")) => c.level = Some(v),
                        ("Computer", _) => c.computer = Some(v),
                        ("Data", Some("EventData")) => c.strings.push(v),
                        ("Binary", _) => binary.push_str(&v),
                        ("Message", _) => message = Some(v),
                        _ => {}
                    }
                }
                path.pop();
                buf.clear();
                if name == "Event" {
                    if let Some(mut c) = cur.take() {
                        c.data = hex_bytes(&binary);
                        c.description = match message.take() {
                            Some(m) => flatten(&m),
                            None => render(c.id, &c.strings),
                        };
                        if let Some(i) = c.description.find(TRAILER) {
                            c.description = c.description.get(..i).unwrap_or("").trim().to_string();
                        }
                        events.push(c);
                    }
                }
            }
            X::Eof => break,
            _ => {}
        }
    }
    Ok(events)
}

fn attributes(e: &quick_xml::events::BytesStart<'_>, name: &str, cur: Option<&mut Event>) {
    let Some(c) = cur else { return };
    let want = match name {
        "Provider" => "Name",
        "TimeCreated" => "SystemTime",
        _ => return,
    };
    for a in e.attributes().flatten() {
        if a.key.local_name().as_ref() == want {
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.to_string())
                .unwrap_or_default();
            match name {
                "Provider" => c.source = Some(v),
                _ => c.time = Some(v),
            }
        }
    }
}

fn level_name(v: &str) -> String {
    match v {
        "1" => "Critical".into(),
        "2" => "Error".into(),
        "3" => "Warning".into(),
        "0" | "4" => "Information".into(),
        "5" => "Verbose".into(),
        other => other.to_string(),
    }
}

fn hex_bytes(s: &str) -> Vec<u8> {
    let clean: Vec<u8> = s.bytes().filter(|c| c.is_ascii_hexdigit()).collect();
    clean
        .chunks_exact(2)
        .filter_map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect()
}

/// The documented message of an MsiInstaller event with its insertion strings (`%1`…), for
/// exports that carry the strings alone. Events 1xxxx (an Error-table message + 10000) carry
/// the whole message as their first string.
pub fn render(id: u32, strings: &[String]) -> String {
    let template = match id {
        1022 => "Product: %1 - Update '%2' installed successfully.",
        1023 => "Product: %1 - Update '%2' could not be installed. Error code %3. Additional information is available in the log file %4.",
        1024 => "Product: %1 - Update '%2' could not be installed. Error code %3.",
        1025 => "Product: %1. The file %2 is being used by the following process: Name: %3 , Id %4.",
        1033 => "Windows Installer installed the product. Product Name: %1. Product Version: %2. Product Language: %3. Manufacturer: %4. Installation success or error status: %5.",
        1034 => "Windows Installer removed the product. Product Name: %1. Product Version: %2. Product Language: %3. Manufacturer: %4. Removal success or error status: %5.",
        1035 => "Windows Installer reconfigured the product. Product Name: %1. Product Version: %2. Product Language: %3. Manufacturer: %4. Reconfiguration success or error status: %5.",
        1036 => "Windows Installer installed an update. Product Name: %1. Product Version: %2. Product Language: %3. Manufacturer: %4. Update Name: %5. Installation success or error status: %6.",
        _ => {
            return strings
                .iter()
                .filter(|s| !s.is_empty() && *s != "(NULL)")
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
        }
    };
    let mut out = template.to_string();
    for (i, s) in strings.iter().enumerate().rev() {
        out = out.replace(&format!("%{}", i + 1), s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KB_11306: &str = "Type:\nError\nSource: MsiInstaller\nCategory: None\nEvent ID:\n11306\nDescription:\nProduct: Microsoft Exchange Server -- Error 1306.\nAnother application has exclusive access to the file\n'PathOfFile'. Please shut down all other\napplications, then click Retry.\nFor more information, see Help and\nSupport Center at http://go.microsoft.com/fwlink/events.asp.\nData:\n0000: 7b 32 34 42 32 43 31 36 {24B2C16 0008: 34 2d 44 45 36 36 2d 34 4-DE66-4\n0010: 34 46 45 2d 42 34 36 38 4FE-B468 0018: 2d 41 34 36 44 39 44 35 -A46D9D5\n0020: 45 36 42 33 31 7d E6B31}\n";

    #[test]
    fn kb_text_with_its_dump() {
        let ev = parse_text(KB_11306);
        assert_eq!(ev.len(), 1);
        let e = &ev[0];
        assert_eq!(e.id, 11306);
        assert_eq!(e.source.as_deref(), Some("MsiInstaller"));
        assert_eq!(e.level.as_deref(), Some("Error"));
        assert_eq!(e.description, "Product: Microsoft Exchange Server -- Error 1306. Another application has exclusive access to the file 'PathOfFile'. Please shut down all other applications, then click Retry.");
        let d = decode_data(&e.data);
        assert_eq!(d.text, "{24B2C164-DE66-44FE-B468-A46D9D5E6B31}");
        assert_eq!(
            d.product_code.as_deref(),
            Some("{24B2C164-DE66-44FE-B468-A46D9D5E6B31}")
        );
        assert_eq!(d.error_code, None);
    }

    /// Event Viewer's "Copy details as text" (Windows Vista and later): the fields, then the
    /// event's XML with the Data as `<Binary>` hex.
    #[test]
    fn copied_details_with_event_xml() {
        let t = "Log Name:      Application\r\nSource:        MsiInstaller\r\nDate:          3/2/2010 2:32:20 PM\r\nEvent ID:      1023\r\nTask Category: None\r\nLevel:         Error\r\nKeywords:      Classic\r\nUser:          SYSTEM\r\nComputer:      EXCH01\r\nDescription:\r\nProduct: Microsoft Exchange Server - Update 'U' could not be installed. Error code 1603. Additional information is available in the log file C:\\x.log.\r\nEvent Xml:\r\n<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\r\n  <System>\r\n    <Provider Name=\"MsiInstaller\" />\r\n    <EventID Qualifiers=\"0\">1023</EventID>\r\n  </System>\r\n  <EventData>\r\n    <Data>Microsoft Exchange Server</Data>\r\n    <Binary>7B41424344303030302D303030302D303030302D303030302D3030303030303030303030307D2031363033</Binary>\r\n  </EventData>\r\n</Event>\r\n";
        assert!(looks_like_text(t));
        let ev = parse_text(t);
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].id, 1023);
        assert_eq!(ev[0].level.as_deref(), Some("Error"));
        assert_eq!(ev[0].computer.as_deref(), Some("EXCH01"));
        assert!(
            ev[0].description.ends_with("log file C:\\x.log."),
            "{}",
            ev[0].description
        );
        let d = decode_data(&ev[0].data);
        assert_eq!(
            d.product_code.as_deref(),
            Some("{ABCD0000-0000-0000-0000-000000000000}")
        );
        assert_eq!(d.error_code, Some(1603));
    }

    #[test]
    fn a_last_line_whose_characters_look_like_bytes() {
        let b = parse_dump("0000: 7b 41 7d 20 31 36 30 33 {A} 1603 0008: 30 33 03");
        assert_eq!(b, b"{A} 160303");
        let b = parse_dump("0000: 7d 20 7b 41 } {A Additionally, the");
        assert_eq!(b, b"} {A");
        assert_eq!(parse_dump("nothing here"), b"");
        assert_eq!(parse_dump("0008: 41 A"), b"");
    }

    /// The "In Bytes" dump of a real event 11310 as Event Viewer's details view shows it
    /// (upper-case hex, three spaces before the characters), posted in wixtoolset/issues#5180.
    #[test]
    fn event_viewers_in_bytes_dump() {
        let dump = "0000: 7B 39 34 38 37 46 41 37   {9487FA7\n0008: 35 2D 31 41 46 45 2D 34   5-1AFE-4\n0010: 41 35 44 2D 39 46 43 36   A5D-9FC6\n0018: 2D 32 34 43 43 46 43 43   -24CCFCC\n0020: 32 41 34 31 33 7D         2A413}\n";
        let d = decode_data(&parse_dump(&flatten(dump)));
        assert_eq!(
            d.product_code.as_deref(),
            Some("{9487FA75-1AFE-4A5D-9FC6-24CCFCC2A413}")
        );
        // The same bytes as the XML's EventData hex.
        assert_eq!(
            decode_data(&hex_bytes(
                "7B39343837464137352D314146452D344135442D394643362D3234434346434332413431337D"
            ))
            .product_code,
            d.product_code
        );
    }

    #[test]
    fn data_in_utf16_and_with_the_patch_and_error() {
        let s =
            "{24B2C164-DE66-44FE-B468-A46D9D5E6B31} {DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394} 1603";
        let utf16: Vec<u8> = s.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        for bytes in [s.as_bytes().to_vec(), utf16] {
            let d = decode_data(&bytes);
            assert_eq!(
                d.patch_code.as_deref(),
                Some("{DCF5AFE2-E80A-42FB-A60D-A3B75E8EC394}")
            );
            assert_eq!(d.error_code, Some(1603));
        }
    }

    #[test]
    fn xml_from_wevtutil() {
        let x = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='MsiInstaller'/><EventID Qualifiers='0'>1023</EventID><Level>2</Level><TimeCreated SystemTime='2007-03-02T14:32:20.000Z'/><Computer>EXCH01</Computer></System><EventData><Data>Microsoft Exchange Server</Data><Data>Update Rollup 1 &amp; more</Data><Data>1603</Data><Data>C:\\x.log</Data><Binary>7B41424344303030302D303030302D303030302D303030302D3030303030303030303030307D</Binary></EventData></Event>\n<Event><System><Provider Name='MsiInstaller'/><EventID>11729</EventID></System><EventData><Data>Product: X -- Configuration failed.</Data><Data>(NULL)</Data></EventData></Event>";
        let ev = parse_xml(x).unwrap();
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].id, 1023);
        assert_eq!(ev[0].level.as_deref(), Some("Error"));
        assert_eq!(ev[0].description, "Product: Microsoft Exchange Server - Update 'Update Rollup 1 & more' could not be installed. Error code 1603. Additional information is available in the log file C:\\x.log.");
        assert_eq!(
            decode_data(&ev[0].data).product_code.as_deref(),
            Some("{ABCD0000-0000-0000-0000-000000000000}")
        );
        assert_eq!(ev[1].description, "Product: X -- Configuration failed.");
        assert!(
            parse_xml("<Event><System>").is_err()
                || parse_xml("<Event><System>").unwrap().is_empty()
        );
    }

    #[test]
    fn csv_exports() {
        let ps = "#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\n\"Message\",\"Id\",\"ProviderName\",\"TimeCreated\",\"LevelDisplayName\"\n\"Product: X -- Error 1306. The file 'C:\\a.dll' is in use.\",\"11306\",\"MsiInstaller\",\"3/2/2007 2:32:20 PM\",\"Error\"\n";
        assert!(looks_like_csv(ps.lines().next().unwrap()));
        let ev = parse_csv(ps).unwrap();
        assert_eq!(ev[0].id, 11306);
        assert_eq!(ev[0].source.as_deref(), Some("MsiInstaller"));
        let viewer = "Level,Date and Time,Source,Event ID,Task Category\nError,3/2/2007 2:32:20 PM,MsiInstaller,1023,None,\"Product: X - Update 'U' could not be installed. Error code 1603.\"\n";
        let ev = parse_csv(viewer).unwrap();
        assert_eq!(ev[0].id, 1023);
        assert!(ev[0].description.contains("Error code 1603"));
    }
}
