//! Authenticode: the PKCS#7 signatures of installer files and cabinets, the digests they sign,
//! certificate chains and timestamps. Pure Rust (RustCrypto); nothing here goes to the network.

pub mod cab;
pub mod crypto;
pub mod msi;
pub mod pe;
pub mod pkcs7;
pub mod sign;
pub mod tlv;
pub mod x509;

use serde::Serialize;

pub use crypto::DigestAlg;
pub use x509::{Cert, CertInfo, Chain};

/// A timestamp as a report shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampInfo {
    /// "countersignature" (PKCS#9, Authenticode's original form) or "rfc3161".
    pub kind: &'static str,
    /// When, `YYYY-MM-DD HH:MM:SS UTC`.
    pub time: Option<String>,
    /// The same as seconds since 1970.
    pub unix_time: Option<i64>,
    /// The time-stamping authority's certificate.
    pub signer: Option<CertInfo>,
    /// Whether the timestamp's signature and its digest of the file's signature check.
    pub valid: bool,
    /// Whether it was used: valid, and its chain trusted and within validity at its time. An
    /// unused timestamp leaves the signer's chain to be checked now.
    pub used: bool,
    /// The time-stamping authority's chain, checked at the timestamp's time.
    pub chain: Option<Chain>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// What a signature's PKCS#7 says and whether its signer checks.
#[derive(Debug, Clone, Serialize)]
pub struct SignerReport {
    /// The digest algorithm of the file digest (SHA1, SHA256...).
    pub digest_algorithm: DigestAlg,
    /// The file digest the signature holds (upper-case hex).
    pub signed_digest: String,
    /// The signer's certificate.
    pub signer: Option<CertInfo>,
    /// Whether the signer's signature over its authenticated attributes checks, and their
    /// message digest is that of the signed content.
    pub signature_valid: bool,
    /// The signer's chain, checked at the timestamp's time when a valid timestamp is there,
    /// else now.
    pub chain: Option<Chain>,
    pub timestamp: Option<TimestampInfo>,
    /// Further signatures nested in this one (Microsoft's nested-signature attribute); not
    /// checked.
    pub nested_signatures: usize,
    /// What is wrong, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// A parsed Authenticode signature: the file digest it signs, and the check of its signer.
#[derive(Debug, Clone)]
pub struct Checked {
    pub digest_alg: DigestAlg,
    pub signed_digest: Vec<u8>,
    pub report: SignerReport,
}

/// Parses an Authenticode PKCS#7 and checks its signer, chain and timestamp against `trust` at
/// `now` (seconds since 1970). The error is for a signature that cannot be read at all.
pub fn check(pkcs7_der: &[u8], trust: &[Cert], now: i64) -> Result<Checked, String> {
    let sd = pkcs7::content_info(pkcs7_der)?;
    let ind = pkcs7::indirect_data(&sd)?;
    let mut problems: Vec<String> = sd
        .bad_certs
        .iter()
        .map(|e| format!("a certificate in the signature cannot be read: {e}"))
        .collect();
    let si = match sd.signers.as_slice() {
        [one] => one,
        [] => return Err("the SignedData has no signer".into()),
        more => {
            return Err(format!(
                "the SignedData has {} signers, not one",
                more.len()
            ))
        }
    };
    let signer = si.find_cert(&sd.certs);
    let content = sd.content.map(|c| c.value).unwrap_or_default();
    let signature_valid = match signer {
        None => {
            problems.push("the signer's certificate is not in the signature".into());
            false
        }
        Some(cert) => match si.verify(cert, content) {
            Ok(()) => true,
            Err(e) => {
                problems.push(format!("signer: {e}"));
                false
            }
        },
    };
    let mut timestamp = None;
    let mut at = now;
    if let Some(ts) = pkcs7::timestamps(si, &sd.certs).into_iter().next() {
        let mut tp = Vec::new();
        let valid = match &ts.check {
            Ok(()) => true,
            Err(e) => {
                tp.push(format!("timestamp: {e}"));
                false
            }
        };
        let when = ts.time.unwrap_or(now);
        let chain = ts.signer.as_ref().map(|c| {
            let mut pool = ts.pool.clone();
            pool.extend(sd.certs.iter().cloned());
            x509::build_chain(c, &pool, trust, when)
        });
        // As Windows and osslsigncode do: the signer's chain is checked at the timestamp's
        // time only when the timestamp checks in full (its signature, and its own chain to a
        // trusted certificate within validity); otherwise the timestamp is ignored and the
        // chain is checked now.
        let ts_ok = valid && chain.as_ref().is_some_and(|c| c.trusted && c.in_validity);
        if ts_ok {
            if let Some(t) = ts.time {
                at = t;
            }
        }
        timestamp = Some(TimestampInfo {
            kind: ts.kind,
            time: ts.time.map(x509::format_time),
            unix_time: ts.time,
            signer: ts.signer.as_ref().map(Cert::info),
            valid,
            used: ts_ok,
            chain,
            problems: tp,
        });
    }
    let chain = signer.map(|c| x509::build_chain(c, &sd.certs, trust, at));
    Ok(Checked {
        digest_alg: ind.digest_alg,
        signed_digest: ind.digest.clone(),
        report: SignerReport {
            digest_algorithm: ind.digest_alg,
            signed_digest: tlv::hex(&ind.digest),
            signer: signer.map(Cert::info),
            signature_valid,
            chain,
            timestamp,
            nested_signatures: pkcs7::nested_count(si),
            problems,
        },
    })
}

/// Reads the trust store: the given files (PEM bundles or DER certificates), or the system's
/// CA bundle when none is given. Returns the certificates and where they came from.
pub fn trust_store(files: &[std::path::PathBuf]) -> crate::error::Result<(Vec<Cert>, Vec<String>)> {
    use crate::error::Error;
    let paths: Vec<std::path::PathBuf> = if files.is_empty() {
        x509::system_bundle_path().into_iter().collect()
    } else {
        files.to_vec()
    };
    let mut out = Vec::new();
    let mut names = Vec::new();
    for p in &paths {
        let name = p.display().to_string();
        let bytes = std::fs::read(p).map_err(|e| Error::io(e).in_file(&name))?;
        let (certs, _bad) = x509::read_bundle(&bytes);
        if certs.is_empty() && !files.is_empty() {
            return Err(
                Error::malformed("no certificate in it (expected PEM or DER)").in_file(&name),
            );
        }
        out.extend(certs);
        names.push(name);
    }
    Ok((out, names))
}
