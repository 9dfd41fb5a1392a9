//! A minimal walker over DER type-length-value encodings, used where the exact bytes of a part
//! matter (the signed attributes a signature covers, a certificate's to-be-signed part) and the
//! typed decoders of `cms`/`x509-cert` would re-encode them. Definite lengths only; every length
//! is checked against the bytes present before anything is sliced.

/// One encoded element: its tag byte, the whole encoding, and its contents.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub raw: &'a [u8],
    pub value: &'a [u8],
}

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const OID: u8 = 0x06;
pub const OCTET_STRING: u8 = 0x04;
pub const INTEGER: u8 = 0x02;
pub const CONTEXT_0: u8 = 0xA0;
pub const CONTEXT_1: u8 = 0xA1;

/// Reads the element at the start of `input`; returns it and the bytes after it.
pub fn read(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let tag = *input
        .first()
        .ok_or("DER: data ends where an element should start")?;
    if tag & 0x1F == 0x1F {
        return Err(format!("DER: multi-byte tag 0x{tag:02x} is not used here"));
    }
    let first = *input.get(1).ok_or("DER: data ends inside a length")?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else if first == 0x80 {
        return Err("DER: indefinite length (BER) is not DER".into());
    } else {
        let n = usize::from(first & 0x7F);
        if n > 4 {
            return Err(format!("DER: a {n}-byte length field"));
        }
        let bytes = input
            .get(2..2 + n)
            .ok_or("DER: data ends inside a length")?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, 2 + n)
    };
    let end = header
        .checked_add(len)
        .filter(|e| *e <= input.len())
        .ok_or_else(|| {
            format!(
                "DER: an element of {len} bytes where only {} remain (truncated)",
                input.len().saturating_sub(header)
            )
        })?;
    Ok((
        Tlv {
            tag,
            raw: &input[..end],
            value: &input[header..end],
        },
        &input[end..],
    ))
}

/// Reads exactly one element that fills `input`.
pub fn one(input: &[u8]) -> Result<Tlv<'_>, String> {
    let (t, rest) = read(input)?;
    if !rest.is_empty() {
        return Err(format!("DER: {} bytes after the element", rest.len()));
    }
    Ok(t)
}

/// The elements inside a constructed element's contents, in order.
pub fn children(value: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (t, r) = read(rest)?;
        out.push(t);
        rest = r;
    }
    Ok(out)
}

/// The element of `list` at `i` with tag `tag`, or an error naming `what`.
pub fn expect<'a>(list: &[Tlv<'a>], i: usize, tag: u8, what: &str) -> Result<Tlv<'a>, String> {
    match list.get(i) {
        Some(t) if t.tag == tag => Ok(*t),
        Some(t) => Err(format!(
            "{what}: expected tag 0x{tag:02x}, found 0x{:02x}",
            t.tag
        )),
        None => Err(format!("{what}: missing")),
    }
}

/// Dotted form of an encoded OID's contents.
pub fn oid_string(value: &[u8]) -> String {
    match const_oid::ObjectIdentifier::from_bytes(value) {
        Ok(o) => o.to_string(),
        Err(_) => format!("(bad OID {})", hex(value)),
    }
}

/// Upper-case hex, as osslsigncode prints digests and serials.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_checked() {
        assert!(read(&[0x30]).is_err());
        assert!(read(&[0x30, 0x05, 1, 2]).is_err());
        assert!(read(&[0x30, 0x80, 0, 0]).is_err());
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(read(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        let (t, rest) = read(&[0x04, 0x81, 0x01, 0xAA, 0x05]).expect("valid");
        assert_eq!((t.tag, t.value, rest), (0x04, &[0xAA][..], &[0x05][..]));
        assert!(one(&[0x05, 0x00, 0x05, 0x00]).is_err());
    }
}
