//! Reading a snapshot: size limit, text encoding, version check, the typed read with field paths
//! in errors, then the checks of [`super::validate`].

use std::io::Read;
use std::path::Path;

use serde::Deserialize;

use super::tree;
use super::validate::{validate, Limits};
use super::{Snapshot, MAX_FILE_BYTES, SNAPSHOT_VERSION};
use crate::{Error, Result};

// ------------------------------------------------------------------------------------------------
// Reading
// ------------------------------------------------------------------------------------------------

/// Reads a snapshot from a file. The size is checked before reading, and reading stops past the
/// limit, so a growing file or a device cannot make it read without end.
pub fn load(path: &Path) -> Result<Snapshot> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(e).in_file(&name))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io(e).in_file(&name))?
        .len();
    if len > MAX_FILE_BYTES {
        return Err(too_big(len, MAX_FILE_BYTES).in_file(&name));
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(e).in_file(&name))?;
    parse(&name, &bytes)
}

/// Reads a snapshot from bytes; `name` names it in errors. UTF-8, with or without a byte-order
/// mark, and UTF-16 with one (what Windows PowerShell 5.1's `>` writes) are accepted.
pub fn parse(name: &str, bytes: &[u8]) -> Result<Snapshot> {
    parse_limited(bytes, &Limits::DEFAULT).map_err(|e| e.in_file(name))
}

fn too_big(len: u64, limit: u64) -> Error {
    Error::limit(format!(
        "{len} bytes, more than the {limit} bytes a snapshot may have"
    ))
}

pub(super) fn parse_limited(bytes: &[u8], limits: &Limits) -> Result<Snapshot> {
    let len = bytes.len() as u64;
    if len > limits.file_bytes {
        return Err(too_big(len, limits.file_bytes));
    }
    let text = decode_text(bytes)?;
    let text = text.as_ref();
    // The document is read into an ordered tree first (serde_json reports bad JSON with its
    // line and column), then the typed structs are read from the tree, which knows at every
    // step where it is; see `tree`.
    let root: tree::Node = serde_json::from_slice(text)
        .map_err(|e| Error::malformed(format!("not valid JSON: {e}")))?;
    check_version(&root)?;
    let snapshot = Snapshot::deserialize(tree::Reader(&root)).map_err(|pe| {
        // serde_json, reading the text straight into the structs, stops at the same place and
        // knows its line and column.
        let message = match serde_json::from_slice::<Snapshot>(text) {
            Err(e) => format!("{} (line {}, column {})", pe.message, e.line(), e.column()),
            Ok(_) => pe.message.clone(),
        };
        let error = Error::malformed(message);
        if pe.path.is_empty() {
            error
        } else {
            error.at(pe.path_string())
        }
    })?;
    drop(root);
    validate(&snapshot, limits)?;
    Ok(snapshot)
}

/// The bytes as UTF-8: a UTF-8 byte-order mark is skipped, UTF-16 with a mark is converted.
fn decode_text(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    use std::borrow::Cow;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(Cow::Borrowed(rest));
    }
    let little = match bytes {
        [0xFF, 0xFE, ..] => true,
        [0xFE, 0xFF, ..] => false,
        [a, 0, ..] if *a != 0 => {
            return Err(Error::malformed(
                "looks like UTF-16 without a byte-order mark; save the snapshot as UTF-8",
            ))
        }
        _ => return Ok(Cow::Borrowed(bytes)),
    };
    let body = &bytes[2..];
    if !body.len().is_multiple_of(2) {
        return Err(Error::malformed("UTF-16 text with an odd number of bytes"));
    }
    let units = body.chunks_exact(2).map(|c| {
        if little {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map_err(|e| Error::malformed(format!("UTF-16 text: {e}")))?;
    Ok(Cow::Owned(text.into_bytes()))
}

/// Checks `snapshot_version` before anything else, so that a snapshot of another version is
/// reported as such and not as a list of unknown fields.
fn check_version(root: &tree::Node) -> Result<()> {
    let tree::Node::Object(members) = root else {
        return Err(Error::malformed(format!(
            "a machine snapshot is a JSON object, not {}",
            root.kind()
        )));
    };
    let version = members
        .iter()
        .find(|(k, _)| k == "snapshot_version")
        .map(|(_, v)| v);
    let at = "snapshot_version";
    match version {
        None => Err(Error::malformed("missing: this is not a msikit machine snapshot").at(at)),
        Some(tree::Node::Unsigned(v)) if *v == u64::from(SNAPSHOT_VERSION) => Ok(()),
        Some(tree::Node::Unsigned(v)) => Err(Error::unsupported(format!(
            "version {v}; this msikit reads version {SNAPSHOT_VERSION}"
        ))
        .at(at)),
        Some(other) => Err(Error::malformed(format!(
            "expected the number {SNAPSHOT_VERSION}, found {}",
            other.kind()
        ))
        .at(at)),
    }
}
