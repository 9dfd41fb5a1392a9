//! The Authenticode signature of a PE file (EXE, DLL): where it is, and the digest it signs.
//!
//! The digest covers the whole file except the optional header's CheckSum, the Certificate
//! Table entry of the data directories, and the attribute certificate table itself, which must
//! end the file (as Windows requires since MS12-024, and osslsigncode checks). The table's
//! first WIN_CERTIFICATE of type PKCS_SIGNED_DATA holds the PKCS#7.

use super::crypto::DigestAlg;

/// Where the parts of a PE file that the digest skips are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeLayout {
    /// Offset of the CheckSum field.
    checksum: usize,
    /// Offset of the Certificate Table data-directory entry.
    cert_dir: usize,
    /// The certificate table (offset, length), when the file has one that ends it.
    pub table: Option<(usize, usize)>,
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// Whether `b` starts like a PE file (`MZ`, then `PE\0\0` where the DOS header points).
pub fn looks_like_pe(b: &[u8]) -> bool {
    b.starts_with(b"MZ")
        && u32_at(b, 60)
            .and_then(|o| b.get(o as usize..(o as usize).checked_add(4)?))
            .is_some_and(|s| s == b"PE\0\0")
}

/// Reads the layout of a PE file.
pub fn layout(b: &[u8]) -> Result<PeLayout, String> {
    if !b.starts_with(b"MZ") {
        return Err("not a PE file (no MZ header)".into());
    }
    let pe = u32_at(b, 60).ok_or("the DOS header is truncated")? as usize;
    if b.get(pe..pe.saturating_add(4)) != Some(&b"PE\0\0"[..]) {
        return Err("no PE signature where the DOS header points".into());
    }
    let plus = match u16_at(b, pe + 24) {
        Some(0x10B) => 0,
        Some(0x20B) => 16,
        Some(m) => {
            return Err(format!(
                "optional header magic 0x{m:04X} is not PE32 or PE32+"
            ))
        }
        None => return Err("the optional header is truncated".into()),
    };
    let nrvas = u32_at(b, pe + 116 + plus).ok_or("the optional header is truncated")?;
    if nrvas < 5 {
        return Err("the optional header has no Certificate Table entry".into());
    }
    let cert_dir = pe + 152 + plus;
    let pos = u32_at(b, cert_dir).ok_or("the data directories are truncated")? as usize;
    let len = u32_at(b, cert_dir + 4).ok_or("the data directories are truncated")? as usize;
    if cert_dir + 8 > b.len() {
        return Err("the data directories are truncated".into());
    }
    let table = if pos == 0 && len == 0 {
        None
    } else if pos == 0 || len == 0 || pos.checked_add(len) != Some(b.len()) || pos < cert_dir + 8 {
        return Err(format!(
            "the certificate table (offset {pos}, {len} bytes) does not end the file ({} bytes)",
            b.len()
        ));
    } else {
        Some((pos, len))
    };
    Ok(PeLayout {
        checksum: pe + 88,
        cert_dir,
        table,
    })
}

/// The PKCS#7 of the first PKCS_SIGNED_DATA certificate in the table.
pub fn pkcs7(b: &[u8], l: &PeLayout) -> Result<Option<Vec<u8>>, String> {
    let Some((pos, len)) = l.table else {
        return Ok(None);
    };
    let table = &b[pos..pos + len];
    let mut at = 0usize;
    while at + 8 <= table.len() {
        let dw_len = u32_at(table, at).unwrap_or(0) as usize;
        let kind = u16_at(table, at + 6).unwrap_or(0);
        if dw_len < 8 || at + dw_len > table.len() {
            return Err(format!(
                "a WIN_CERTIFICATE of {dw_len} bytes at {} does not fit the certificate table",
                pos + at
            ));
        }
        if kind == 2 {
            return Ok(Some(table[at + 8..at + dw_len].to_vec()));
        }
        at += dw_len.div_ceil(8) * 8;
    }
    Ok(None)
}

/// The Authenticode digest of a PE file.
pub fn digest(b: &[u8], l: &PeLayout, alg: DigestAlg) -> Vec<u8> {
    let end = l.table.map_or(b.len(), |(p, _)| p);
    let mut h = alg.hasher();
    h.update(&b[..l.checksum]);
    h.update(&b[l.checksum + 4..l.cert_dir]);
    h.update(&b[l.cert_dir + 8..end]);
    h.finish()
}
