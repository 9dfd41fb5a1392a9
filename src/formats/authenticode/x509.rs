//! Certificates: the parts a chain check needs, names as OpenSSL prints them, trust stores, and
//! chain building from a signer's certificate to a trusted one.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::crypto;
use super::tlv;

/// A certificate with the exact bytes of the parts its checks read.
#[derive(Debug, Clone)]
pub struct Cert {
    pub der: Vec<u8>,
    tbs: Vec<u8>,
    sig_oid: String,
    sig: Vec<u8>,
    /// The serial number's contents octets.
    pub serial: Vec<u8>,
    /// The issuer and subject names as encoded.
    pub issuer_raw: Vec<u8>,
    pub subject_raw: Vec<u8>,
    pub spki: Vec<u8>,
    pub subject: String,
    pub issuer: String,
    /// Validity as seconds since 1970.
    pub not_before: i64,
    pub not_after: i64,
}

/// A certificate as a report shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject in OpenSSL's one-line form (`/C=US/O=.../CN=...`).
    pub subject: String,
    pub issuer: String,
    /// Serial number in upper-case hex.
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// SHA-1 of the DER certificate (the thumbprint Windows shows), upper-case hex.
    pub sha1: String,
}

impl Cert {
    /// Reads a DER certificate.
    pub fn from_der(der: &[u8]) -> Result<Cert, String> {
        let top = tlv::one(der).map_err(|e| format!("certificate: {e}"))?;
        if top.tag != tlv::SEQUENCE {
            return Err("certificate: not a SEQUENCE".into());
        }
        let parts = tlv::children(top.value).map_err(|e| format!("certificate: {e}"))?;
        let tbs = tlv::expect(&parts, 0, tlv::SEQUENCE, "certificate body")?;
        let alg = tlv::expect(&parts, 1, tlv::SEQUENCE, "certificate signature algorithm")?;
        let bits = tlv::expect(&parts, 2, 0x03, "certificate signature")?;
        let sig = bits.value.get(1..).unwrap_or_default().to_vec();
        let alg_parts = tlv::children(alg.value)?;
        let sig_oid = tlv::oid_string(tlv::expect(&alg_parts, 0, tlv::OID, "algorithm")?.value);
        let f = tlv::children(tbs.value).map_err(|e| format!("certificate body: {e}"))?;
        let at = usize::from(f.first().is_some_and(|t| t.tag == tlv::CONTEXT_0));
        let serial = tlv::expect(&f, at, tlv::INTEGER, "certificate serial number")?;
        let issuer = tlv::expect(&f, at + 2, tlv::SEQUENCE, "certificate issuer")?;
        let validity = tlv::expect(&f, at + 3, tlv::SEQUENCE, "certificate validity")?;
        let subject = tlv::expect(&f, at + 4, tlv::SEQUENCE, "certificate subject")?;
        let spki = tlv::expect(&f, at + 5, tlv::SEQUENCE, "certificate public key")?;
        let times = tlv::children(validity.value)?;
        let time = |i: usize| -> Result<i64, String> {
            let t = times
                .get(i)
                .ok_or("certificate validity: a time is missing")?;
            parse_time(t.tag, t.value)
        };
        Ok(Cert {
            der: der.to_vec(),
            tbs: tbs.raw.to_vec(),
            sig_oid,
            sig,
            serial: serial.value.to_vec(),
            issuer_raw: issuer.raw.to_vec(),
            subject_raw: subject.raw.to_vec(),
            spki: spki.raw.to_vec(),
            subject: name_string(subject.raw),
            issuer: name_string(issuer.raw),
            not_before: time(0)?,
            not_after: time(1)?,
        })
    }

    pub fn info(&self) -> CertInfo {
        CertInfo {
            subject: self.subject.clone(),
            issuer: self.issuer.clone(),
            serial: serial_hex(&self.serial),
            not_before: format_time(self.not_before),
            not_after: format_time(self.not_after),
            sha1: tlv::hex(&crypto::DigestAlg::Sha1.digest(&self.der)),
        }
    }

    /// Whether `issuer`'s key signed this certificate.
    pub fn signed_by(&self, issuer: &Cert) -> bool {
        self.issuer_raw == issuer.subject_raw
            && crypto::verify(&issuer.spki, &self.sig_oid, None, &self.tbs, &self.sig).is_ok()
    }

    fn same_as(&self, other: &Cert) -> bool {
        self.der == other.der || (self.subject_raw == other.subject_raw && self.spki == other.spki)
    }
}

/// A serial number as OpenSSL prints it: hex without the sign byte.
pub fn serial_hex(v: &[u8]) -> String {
    let trimmed = match v {
        [0, rest @ ..] if !rest.is_empty() => rest,
        _ => v,
    };
    tlv::hex(trimmed)
}

/// UTCTime (tag 0x17) or GeneralizedTime (0x18, fractions allowed) to seconds since 1970.
pub fn parse_time(tag: u8, value: &[u8]) -> Result<i64, String> {
    let s = std::str::from_utf8(value).map_err(|_| "a time that is not text".to_string())?;
    let bad = || format!("time '{s}' is not in the form DER requires");
    let s = s.strip_suffix('Z').ok_or_else(bad)?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i32 = s.get(..2).ok_or_else(bad)?.parse().map_err(|_| bad())?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &s[2..])
        }
        0x18 => (
            s.get(..4).ok_or_else(bad)?.parse().map_err(|_| bad())?,
            s.get(4..).ok_or_else(bad)?,
        ),
        _ => return Err(format!("a time with tag 0x{tag:02x}")),
    };
    let rest = rest.split('.').next().unwrap_or(rest);
    if rest.len() != 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n = |i: usize| -> u8 { rest[i..i + 2].parse().unwrap_or(99) };
    let month = time::Month::try_from(n(0)).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, n(2)).map_err(|_| bad())?;
    let t = time::Time::from_hms(n(4), n(6), n(8)).map_err(|_| bad())?;
    Ok(time::PrimitiveDateTime::new(date, t)
        .assume_utc()
        .unix_timestamp())
}

/// `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_time(t: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(d) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            d.year(),
            u8::from(d.month()),
            d.day(),
            d.hour(),
            d.minute(),
            d.second()
        ),
        Err(_) => format!("@{t}"),
    }
}

/// A DER Name in OpenSSL's one-line form: `/C=US/O=Org/CN=Name`, outermost RDN first.
pub fn name_string(raw: &[u8]) -> String {
    use der::{Decode, Tagged};
    let Ok(name) = x509_cert::name::Name::from_der(raw) else {
        return format!("(undecodable name {})", tlv::hex(raw));
    };
    let mut out = String::new();
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            let oid = atv.oid.to_string();
            out.push('/');
            out.push_str(short_name(&oid).unwrap_or(&oid));
            out.push('=');
            out.push_str(&string_value(atv.value.tag().octet(), atv.value.value()));
        }
    }
    out
}

fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.15" => "businessCategory",
        "2.5.4.17" => "postalCode",
        "2.5.4.42" => "GN",
        "2.5.4.97" => "organizationIdentifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        _ => return None,
    })
}

/// A directory string's text: UTF-8, printable, IA5, BMP (UTF-16BE), Latin-1 for the rest.
fn string_value(tag: u8, v: &[u8]) -> String {
    match tag {
        0x0C | 0x13 | 0x16 | 0x1A => String::from_utf8_lossy(v).into_owned(),
        0x1E => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => v.iter().map(|b| char::from(*b)).collect(),
    }
}

/// Certificates from a PEM bundle (any number of `CERTIFICATE` blocks) or one DER certificate.
/// Blocks that do not decode are counted, not fatal: a system bundle may hold one msikit cannot
/// read, and it must not hide the others.
pub fn read_bundle(bytes: &[u8]) -> (Vec<Cert>, usize) {
    if bytes.first() == Some(&tlv::SEQUENCE) {
        return match Cert::from_der(bytes) {
            Ok(c) => (vec![c], 0),
            Err(_) => (Vec::new(), 1),
        };
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut bad = 0;
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut rest: &str = &text;
    while let Some(i) = rest.find(BEGIN) {
        let after = &rest[i..];
        let Some(j) = after.find(END) else { break };
        let block = &after[..j + END.len()];
        match der::pem::decode_vec(block.as_bytes()) {
            Ok((_, der)) => match Cert::from_der(&der) {
                Ok(c) => out.push(c),
                Err(_) => bad += 1,
            },
            Err(_) => bad += 1,
        }
        rest = &after[j + END.len()..];
    }
    (out, bad)
}

/// Where the system's CA bundle is: `SSL_CERT_FILE` if set, else the first of the usual Linux
/// and BSD paths that exists.
pub fn system_bundle_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SSL_CERT_FILE") {
        return Some(PathBuf::from(p));
    }
    [
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
        "/etc/ssl/ca-bundle.pem",
    ]
    .iter()
    .map(Path::new)
    .find(|p| p.is_file())
    .map(Path::to_path_buf)
}

/// The outcome of building a chain.
#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    /// From the signer's certificate up, the trusted certificate last when one was reached.
    pub certificates: Vec<CertInfo>,
    /// Whether the chain ends in a certificate of the trust store.
    pub trusted: bool,
    /// What stopped the chain or made a certificate unusable, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Whether every certificate was within its validity at the time checked.
    pub in_validity: bool,
}

/// Builds the chain from `leaf` through `pool` (the certificates a signature carries) to one of
/// `anchors`, each link checked by its signature; validity is checked at `at`.
pub fn build_chain(leaf: &Cert, pool: &[Cert], anchors: &[Cert], at: i64) -> Chain {
    let mut chain = vec![leaf.clone()];
    let mut problems = Vec::new();
    let mut trusted = false;
    for _ in 0..16 {
        let Some(cur) = chain.last().cloned() else {
            break;
        };
        if anchors.iter().any(|a| a.same_as(&cur)) {
            trusted = true;
            break;
        }
        if let Some(a) = anchors.iter().find(|a| cur.signed_by(a)) {
            chain.push(a.clone());
            trusted = true;
            break;
        }
        match pool.iter().find(|c| !c.same_as(&cur) && cur.signed_by(c)) {
            Some(c) if !chain.iter().any(|x| x.same_as(c)) => chain.push(c.clone()),
            _ => {
                if cur.signed_by(&cur) {
                    problems.push(format!(
                        "self-signed certificate {} is not in the trust store",
                        cur.subject
                    ));
                } else {
                    problems.push(format!(
                        "unable to get the issuer certificate {} (not in the signature nor in the trust store)",
                        cur.issuer
                    ));
                }
                break;
            }
        }
    }
    let mut in_validity = true;
    for c in &chain {
        if at < c.not_before {
            in_validity = false;
            problems.push(format!(
                "certificate {} is not valid before {} (checked at {})",
                c.subject,
                format_time(c.not_before),
                format_time(at)
            ));
        } else if at > c.not_after {
            in_validity = false;
            problems.push(format!(
                "certificate {} expired on {} (checked at {})",
                c.subject,
                format_time(c.not_after),
                format_time(at)
            ));
        }
    }
    Chain {
        certificates: chain.iter().map(Cert::info).collect(),
        trusted,
        problems,
        in_validity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time(0x17, b"700101000000Z"), Ok(0));
        assert_eq!(parse_time(0x18, b"19700101000001.123Z"), Ok(1));
        assert_eq!(parse_time(0x17, b"491231235959Z"), Ok(2_524_607_999));
        assert!(parse_time(0x17, b"701301000000Z").is_err());
        assert!(parse_time(0x17, b"7001010000Z").is_err());
        assert!(parse_time(0x18, b"\xFF").is_err());
        assert_eq!(format_time(0), "1970-01-01 00:00:00 UTC");
    }

    #[test]
    fn serials_drop_the_sign_byte() {
        assert_eq!(serial_hex(&[0x00, 0xFF, 0x4E]), "FF4E");
        assert_eq!(serial_hex(&[0x00]), "00");
        assert_eq!(serial_hex(&[0x1A, 0x20]), "1A20");
    }
}
