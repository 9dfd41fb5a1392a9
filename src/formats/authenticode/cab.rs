//! The Authenticode signature of a cabinet: where it is, and the digest it signs.
//!
//! A signed cabinet has the reserve flag set with a 20-byte header reserve (no folder or data
//! reserve) whose first word is 0x00100000, then the signature's offset and size; the PKCS#7
//! fills the file from that offset to its end. The digest covers, as Windows' cabinet SIP and
//! osslsigncode compute it: the signature `MSCF`; `cbCabinet` and the reserved word after it;
//! `coffFiles`; the reserved word, the version; `cFolders`, `cFiles`, `flags`, `setID` (not
//! `iCabinet`, the reserve sizes or the first 16 bytes of the reserve); the reserve's last 4
//! bytes; the next-cabinet names when present; the CFFOLDER entries; then every byte from the
//! first CFFILE entry up to the signature.

use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};

use super::crypto::{DigestAlg, Hasher};

const FLAG_PREV: u16 = 0x0001;
const FLAG_NEXT: u16 = 0x0002;
const FLAG_RESERVE: u16 = 0x0004;

/// Where a cabinet's signature is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CabSignature {
    pub offset: u64,
    pub len: u64,
}

/// What the header says about a signature: none, one, or a reserve that is not a signature area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CabSigning {
    Unsigned,
    Signed(CabSignature),
    /// A reserve area laid out otherwise, or a signature that does not end the file.
    NotSignatureArea(String),
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}
fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Reads the header (`head` holds at least the first 60 bytes when the file has them) of a file
/// `file_len` bytes long.
pub fn signing(head: &[u8], file_len: u64) -> Result<CabSigning, String> {
    if head.len() < 36 || &head[..4] != b"MSCF" {
        return Err("not a cabinet (no MSCF header)".into());
    }
    let flags = u16_at(head, 30);
    if flags & FLAG_RESERVE == 0 {
        return Ok(CabSigning::Unsigned);
    }
    if head.len() < 60 {
        return Err("the cabinet header ends inside its reserve area".into());
    }
    if u32_at(head, 36) != 20 || u32_at(head, 40) != 0x0010_0000 {
        return Ok(CabSigning::NotSignatureArea(format!(
            "the header reserve ({} bytes, folder reserve {}, data reserve {}) is not an Authenticode signature area",
            u16_at(head, 36),
            head[38],
            head[39]
        )));
    }
    if flags & FLAG_PREV != 0 {
        return Ok(CabSigning::NotSignatureArea(
            "a cabinet continuing a previous one cannot carry a signature".into(),
        ));
    }
    let offset = u64::from(u32_at(head, 44));
    let len = u64::from(u32_at(head, 48));
    if offset == 0 && len == 0 {
        return Ok(CabSigning::Unsigned);
    }
    if offset == 0 || len == 0 || offset.checked_add(len) != Some(file_len) {
        return Ok(CabSigning::NotSignatureArea(format!(
            "the signature area (offset {offset}, {len} bytes) does not end the file ({file_len} bytes)"
        )));
    }
    Ok(CabSigning::Signed(CabSignature { offset, len }))
}

/// The digest of a signed cabinet, read from `r` (positioned anywhere).
pub fn digest<R: Read + Seek>(r: R, sig: CabSignature, alg: DigestAlg) -> Result<Vec<u8>, String> {
    let mut r = BufReader::new(r);
    r.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut head = [0u8; 60];
    r.read_exact(&mut head)
        .map_err(|_| "the cabinet header is truncated".to_string())?;
    let mut h: Hasher = alg.hasher();
    h.update(&head[0..4]);
    h.update(&head[8..16]);
    h.update(&head[16..20]);
    h.update(&head[20..26]);
    h.update(&head[26..34]);
    h.update(&head[56..60]);
    let coff_files = u64::from(u32_at(&head, 16));
    let folders = u16_at(&head, 26);
    let flags = u16_at(&head, 30);
    let mut pos: u64 = 60;
    if flags & FLAG_NEXT != 0 {
        for _ in 0..2 {
            // A zero-terminated name, hashed with its zero.
            let mut name = Vec::new();
            let n = r
                .by_ref()
                .take(256)
                .read_until(0, &mut name)
                .map_err(|e| e.to_string())?;
            if name.last() != Some(&0) {
                return Err("a next-cabinet name in the header is not terminated".into());
            }
            h.update(&name);
            pos += n as u64;
        }
    }
    let mut entry = [0u8; 8];
    for _ in 0..folders {
        r.read_exact(&mut entry)
            .map_err(|_| "the CFFOLDER entries are truncated".to_string())?;
        h.update(&entry);
        pos += 8;
    }
    if pos != coff_files {
        return Err(format!(
            "coffFiles is {coff_files}, but the folder entries end at {pos}"
        ));
    }
    if pos > sig.offset {
        return Err("the signature starts inside the cabinet header".into());
    }
    let want = sig.offset - pos;
    let copied = std::io::copy(&mut r.by_ref().take(want), &mut h).map_err(|e| e.to_string())?;
    if copied != want {
        return Err("the cabinet ends before its signature".into());
    }
    Ok(h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(flags: u16, reserve: &[u8]) -> Vec<u8> {
        let mut h = b"MSCF".to_vec();
        h.resize(60, 0);
        h[30..32].copy_from_slice(&flags.to_le_bytes());
        h[36..36 + reserve.len()].copy_from_slice(reserve);
        h
    }

    #[test]
    fn the_header_says_where_the_signature_is() {
        assert_eq!(signing(&header(0, &[]), 60), Ok(CabSigning::Unsigned));
        let mut h = header(4, &[20, 0, 0, 0, 0, 0, 0x10, 0]);
        h[44..48].copy_from_slice(&100u32.to_le_bytes());
        h[48..52].copy_from_slice(&50u32.to_le_bytes());
        assert_eq!(
            signing(&h, 150),
            Ok(CabSigning::Signed(CabSignature {
                offset: 100,
                len: 50
            }))
        );
        assert!(matches!(
            signing(&h, 151),
            Ok(CabSigning::NotSignatureArea(_))
        ));
        let other = header(4, &[0, 0x18, 0, 0]);
        assert!(matches!(
            signing(&other, 9000),
            Ok(CabSigning::NotSignatureArea(_))
        ));
        assert!(signing(b"MSCF", 4).is_err());
        assert!(signing(&header(4, &[])[..40], 40).is_err());
    }
}
