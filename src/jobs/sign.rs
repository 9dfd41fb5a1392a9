//! `msikit sign`: Authenticode-sign an installation database, merge module, patch or transform.
//!
//! The package is written anew: the same storages (with their CLSIDs) and streams, an existing
//! signature left out, then `\x05DigitalSignature` with a PKCS#7 over the SHA-256 digest of the
//! compound file (without MsiDigitalSignatureEx). Timestamps of the storages are zero, so the
//! same package, certificate, key and time always give the same bytes.

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::formats::authenticode::{msi, sign, tlv, x509, DigestAlg};
use crate::formats::container::PackageKind;
use crate::formats::container::{
    build_compound_file, Container, NewEntry, CLSID_DATABASE, CLSID_PATCH, CLSID_TRANSFORM,
};

/// What was signed.
#[derive(Debug, Clone, Serialize)]
pub struct Signed {
    pub file: String,
    pub output: String,
    pub digest_algorithm: DigestAlg,
    /// The digest signed (upper-case hex).
    pub digest: String,
    pub signer: x509::CertInfo,
    /// The signing time, `YYYY-MM-DD HH:MM:SS UTC`.
    pub time: String,
    /// Whether the input had a signature, now replaced.
    pub replaced_signature: bool,
    /// The SHA-256 a time-stamping authority must stamp for this signature (upper-case hex):
    /// ask for a token over it, then sign again with the same time and `--timestamp-file`.
    pub timestamp_imprint: String,
    /// The time of the embedded RFC 3161 timestamp, when one was given.
    pub timestamp: Option<String>,
}

/// A storage (no data) or a stream of the package: raw path, bytes, CLSID.
type Copied = (String, Option<Vec<u8>>, uuid::Uuid);

fn entries_without_signature(c: &Container) -> Result<(Vec<Copied>, bool)> {
    let mut out = Vec::new();
    let mut had = false;
    for e in c.entries() {
        if !e.is_storage
            && (e.raw_path == msi::DIGITAL_SIGNATURE || e.raw_path == msi::DIGITAL_SIGNATURE_EX)
        {
            had = true;
            continue;
        }
        if e.is_storage {
            out.push((e.raw_path.clone(), None, e.clsid));
        } else {
            let data =
                c.read_raw_stream(e.parent_raw(), e.raw_path.rsplit('/').next().unwrap_or(""))?;
            out.push((e.raw_path.clone(), Some(data), e.clsid));
        }
    }
    Ok((out, had))
}

fn build(root: uuid::Uuid, entries: &[Copied], signature: Option<&[u8]>) -> Result<Vec<u8>> {
    let mut list: Vec<NewEntry<'_>> = entries
        .iter()
        .map(|(path, data, clsid)| match data {
            None => NewEntry::Storage {
                path: path.clone(),
                clsid: *clsid,
            },
            Some(d) => NewEntry::Stream {
                path: path.clone(),
                data: d,
            },
        })
        .collect();
    if let Some(s) = signature {
        list.push(NewEntry::Stream {
            path: msi::DIGITAL_SIGNATURE.to_string(),
            data: s,
        });
    }
    build_compound_file(root, &list)
}

/// Signs `input` into `output` with the certificates of `cert_pem` (the signer's first) and the
/// RSA key of `key_pem`, at `time` (seconds since 1970), with the RFC 3161 token of
/// `timestamp_file` when given (it must be over this signature).
pub fn sign(
    input: &Path,
    output: &Path,
    cert_pem: &Path,
    key_pem: &Path,
    time: i64,
    timestamp_file: Option<&Path>,
) -> Result<Signed> {
    let cert_name = cert_pem.display().to_string();
    let key_name = key_pem.display().to_string();
    let cert_bytes = std::fs::read(cert_pem).map_err(|e| Error::io(e).in_file(&cert_name))?;
    let (certs, _) = x509::read_bundle(&cert_bytes);
    let Some(leaf) = certs.first() else {
        return Err(
            Error::invalid("no certificate in it (expected PEM or DER)").in_file(&cert_name)
        );
    };
    let key_text = std::fs::read_to_string(key_pem).map_err(|e| Error::io(e).in_file(&key_name))?;
    let key = sign::read_rsa_key(&key_text).map_err(|e| Error::invalid(e).in_file(&key_name))?;
    let c = Container::open(input)?;
    let root = match c.kind() {
        PackageKind::Database => CLSID_DATABASE,
        PackageKind::Patch => CLSID_PATCH,
        PackageKind::Transform => CLSID_TRANSFORM,
    };
    let (entries, had) = entries_without_signature(&c)?;
    let unsigned = build(root, &entries, None)?;
    let digest = msi::digests(
        &Container::from_bytes(c.name(), unsigned)?,
        DigestAlg::Sha256,
        false,
    )?
    .digest;
    let token = match timestamp_file {
        Some(p) => {
            let n = p.display().to_string();
            Some((std::fs::read(p).map_err(|e| Error::io(e).in_file(&n))?, n))
        }
        None => None,
    };
    let pkcs7 = sign::msi_signature(
        &digest,
        &sign::Signer {
            certs: &certs,
            key: &key,
            time,
            timestamp: token.as_ref().map(|(b, _)| b.as_slice()),
        },
    )
    .map_err(|e| Error::invalid(e).in_file(&cert_name))?;
    let imprint = sign::timestamp_imprint(&pkcs7).map_err(Error::invalid)?;
    let mut ts_time = None;
    if let Some((_, name)) = &token {
        // The token must be over this very signature: check it before writing anything.
        let checked = crate::formats::authenticode::check(&pkcs7, &[], time)
            .map_err(|e| Error::invalid(e).in_file(name))?;
        match checked.report.timestamp {
            Some(t) if t.valid => ts_time = t.time,
            Some(t) => {
                return Err(Error::invalid(format!(
                    "the timestamp token is not over this signature ({}); ask for a token over {} and sign again with the same --time",
                    t.problems.join("; "),
                    tlv::hex(&imprint)
                ))
                .in_file(name))
            }
            None => {
                return Err(Error::invalid("not an RFC 3161 timestamp token").in_file(name))
            }
        }
    }
    let signed = build(root, &entries, Some(&pkcs7))?;
    let out_name = output.display().to_string();
    crate::formats::files::write_atomically(output, &signed).map_err(|e| e.in_file(&out_name))?;
    Ok(Signed {
        file: c.name().to_string(),
        output: out_name,
        digest_algorithm: DigestAlg::Sha256,
        digest: tlv::hex(&digest),
        signer: leaf.info(),
        time: x509::format_time(time),
        replaced_signature: had,
        timestamp_imprint: tlv::hex(&imprint),
        timestamp: ts_time,
    })
}
