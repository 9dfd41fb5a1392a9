//! The Authenticode digest of a compound file (MSI, MSM, MSP, MST).
//!
//! What is hashed, as Windows' MSI SIP and osslsigncode compute it:
//! - Content: in each storage, starting at the root, the entries are taken in the order of
//!   their stored UTF-16 names compared as little-endian bytes (`memcmp` over the shorter name
//!   including its terminating zero; on a tie the longer name comes first). A stream adds its
//!   bytes, a storage recurses; after its entries a storage adds its own 16-byte CLSID. At the
//!   root, `\x05DigitalSignature` and `\x05MsiDigitalSignatureEx` are left out.
//! - Metadata (the pre-hash stored in `\x05MsiDigitalSignatureEx`): the same walk, adding for
//!   the root its CLSID and state bits; for a storage its name (without the zero), CLSID, state
//!   bits, creation and modification times, then its entries; for a stream its name, its length
//!   (low 32 bits), state bits and the two times.
//! - When the package has `MsiDigitalSignatureEx`, the signed digest is H(pre-hash || content);
//!   otherwise H(content).

use std::cmp::Ordering;

use super::crypto::{DigestAlg, Hasher};
use crate::error::Result;
use crate::formats::container::{Container, DirNode};

pub const DIGITAL_SIGNATURE: &str = "\u{5}DigitalSignature";
pub const DIGITAL_SIGNATURE_EX: &str = "\u{5}MsiDigitalSignatureEx";

/// The digests of a compound file for one algorithm.
#[derive(Debug, Clone)]
pub struct MsiDigests {
    /// The digest a `DigitalSignature` signs: with the pre-hash when `ex` was asked for.
    pub digest: Vec<u8>,
    /// The metadata pre-hash (what `MsiDigitalSignatureEx` holds), when asked for.
    pub prehash: Option<Vec<u8>>,
}

/// The name bytes the order compares: UTF-16LE with the terminating zero.
fn key(n: &DirNode) -> Vec<u8> {
    n.name
        .iter()
        .chain(std::iter::once(&0u16))
        .flat_map(|u| u.to_le_bytes())
        .collect()
}

fn order(a: &DirNode, b: &DirNode) -> Ordering {
    let (ka, kb) = (key(a), key(b));
    let n = ka.len().min(kb.len());
    match ka[..n].cmp(&kb[..n]) {
        Ordering::Equal => kb.len().cmp(&ka.len()),
        o => o,
    }
}

fn is_signature(n: &DirNode) -> bool {
    let name = String::from_utf16_lossy(&n.name);
    name == DIGITAL_SIGNATURE || name == DIGITAL_SIGNATURE_EX
}

fn sorted(children: &[DirNode], root: bool) -> Vec<&DirNode> {
    let mut v: Vec<&DirNode> = children
        .iter()
        .filter(|c| !(root && is_signature(c)))
        .collect();
    v.sort_by(|a, b| order(a, b));
    v
}

fn name_bytes(n: &DirNode) -> Vec<u8> {
    n.name.iter().flat_map(|u| u.to_le_bytes()).collect()
}

fn prehash(node: &DirNode, root: bool, h: &mut Hasher) {
    if !root {
        h.update(&name_bytes(node));
    }
    h.update(&node.clsid);
    h.update(&node.state_bits.to_le_bytes());
    if !root {
        h.update(&node.created.to_le_bytes());
        h.update(&node.modified.to_le_bytes());
    }
    for c in sorted(&node.children, root) {
        if c.is_storage {
            prehash(c, false, h);
        } else {
            h.update(&name_bytes(c));
            h.update(&(c.len as u32).to_le_bytes());
            h.update(&c.state_bits.to_le_bytes());
            h.update(&c.created.to_le_bytes());
            h.update(&c.modified.to_le_bytes());
        }
    }
}

fn content(c: &Container, node: &DirNode, root: bool, h: &mut Hasher) -> Result<()> {
    for child in sorted(&node.children, root) {
        if child.is_storage {
            content(c, child, false, h)?;
        } else if child.len > 0 {
            c.copy_stream_at(&child.raw_path, h)?;
        }
    }
    h.update(&node.clsid);
    Ok(())
}

/// The digests of `c` with `alg`; `ex` adds the metadata pre-hash (for a package signed with
/// `MsiDigitalSignatureEx`).
pub fn digests(c: &Container, alg: DigestAlg, ex: bool) -> Result<MsiDigests> {
    let tree = c.directory_tree()?;
    let mut h = alg.hasher();
    let prehash_value = if ex {
        let mut p = alg.hasher();
        prehash(&tree, true, &mut p);
        let v = p.finish();
        h.update(&v);
        Some(v)
    } else {
        None
    };
    content(c, &tree, true, &mut h)?;
    Ok(MsiDigests {
        digest: h.finish(),
        prehash: prehash_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &[u16]) -> DirNode {
        DirNode {
            name: name.to_vec(),
            raw_path: String::new(),
            is_storage: false,
            len: 0,
            clsid: [0; 16],
            state_bits: 0,
            created: 0,
            modified: 0,
            children: Vec::new(),
        }
    }

    #[test]
    fn names_compare_as_little_endian_bytes() {
        // U+0100 is 00 01 and U+00FF is FF 00: the low byte decides first.
        assert_eq!(order(&node(&[0x100]), &node(&[0xFF])), Ordering::Less);
        // A prefix comes first: its terminating zero is below any character.
        assert_eq!(order(&node(&[0x61]), &node(&[0x61, 0x62])), Ordering::Less);
        assert_eq!(order(&node(&[0x61]), &node(&[0x61])), Ordering::Equal);
    }

    #[test]
    fn the_signature_streams_are_left_out_at_the_root_only() {
        let sig = node(&DIGITAL_SIGNATURE.encode_utf16().collect::<Vec<_>>());
        let ex = node(&DIGITAL_SIGNATURE_EX.encode_utf16().collect::<Vec<_>>());
        let other = node(&[0x41]);
        let list = vec![sig, other, ex];
        assert_eq!(sorted(&list, true).len(), 1);
        assert_eq!(sorted(&list, false).len(), 3);
    }
}
