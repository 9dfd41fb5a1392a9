//! Making an Authenticode PKCS#7 SignedData for a compound file (MSI, MSM, MSP, MST): the
//! SpcIndirectDataContent with the MSI SIP's SpcSipInfo and the file digest, the certificates,
//! and one signer (RSA PKCS#1 v1.5, SHA-256) with the authenticated attributes Windows'
//! signtool writes (contentType, signingTime, SpcSpOpusInfo, SpcStatementType, messageDigest).
//! The same inputs and time always give the same bytes (PKCS#1 v1.5 signatures are
//! deterministic).

use super::crypto::DigestAlg;
use super::pkcs7::{
    OID_CONTENT_TYPE, OID_MESSAGE_DIGEST, OID_SIGNED_DATA, OID_SIGNING_TIME, OID_SPC_INDIRECT_DATA,
};
use super::tlv;
use super::x509::Cert;

const OID_SPC_SIPINFO: &str = "1.3.6.1.4.1.311.2.1.30";
const OID_SPC_SP_OPUS_INFO: &str = "1.3.6.1.4.1.311.2.1.12";
const OID_SPC_STATEMENT_TYPE: &str = "1.3.6.1.4.1.311.2.1.11";
const OID_INDIVIDUAL_CODE_SIGNING: &str = "1.3.6.1.4.1.311.2.1.21";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
/// The MSI SIP's GUID {000C10F1-0000-0000-C000-000000000046} as SpcSipInfo stores it.
const MSI_SIP_GUID: [u8; 16] = [
    0xF1, 0x10, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

fn len_bytes(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let b = (n as u64).to_be_bytes();
        let skip = b.iter().take_while(|x| **x == 0).count();
        let mut out = vec![0x80 | (8 - skip) as u8];
        out.extend_from_slice(&b[skip..]);
        out
    }
}

fn tag(t: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![t];
    out.extend(len_bytes(content.len()));
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tag(tlv::SEQUENCE, &parts.concat())
}

/// A DER SET OF: the elements sorted by their encodings.
fn set_of(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    parts.sort();
    tag(tlv::SET, &parts.concat())
}

fn oid(dotted: &str) -> Result<Vec<u8>, String> {
    let o = const_oid::ObjectIdentifier::new(dotted).map_err(|e| format!("OID {dotted}: {e}"))?;
    Ok(tag(tlv::OID, o.as_bytes()))
}

fn small_int(n: u8) -> Vec<u8> {
    tag(tlv::INTEGER, &[n])
}

fn alg(dotted: &str) -> Result<Vec<u8>, String> {
    Ok(seq(&[&oid(dotted)?, &[0x05, 0x00]]))
}

fn attr(dotted: &str, value: &[u8]) -> Result<Vec<u8>, String> {
    Ok(seq(&[&oid(dotted)?, &tag(tlv::SET, value)]))
}

/// UTCTime (years 1950-2049) or GeneralizedTime, as DER wants them.
fn der_time(t: i64) -> Result<Vec<u8>, String> {
    let d = time::OffsetDateTime::from_unix_timestamp(t).map_err(|e| e.to_string())?;
    let rest = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    );
    Ok(if (1950..2050).contains(&d.year()) {
        tag(0x17, format!("{:02}{rest}", d.year() % 100).as_bytes())
    } else {
        tag(0x18, format!("{:04}{rest}", d.year()).as_bytes())
    })
}

/// What a signature is made from.
pub struct Signer<'a> {
    /// The signer's certificate first, then any intermediates to carry.
    pub certs: &'a [Cert],
    pub key: &'a rsa::RsaPrivateKey,
    /// The signing time (seconds since 1970), written as the signingTime attribute.
    pub time: i64,
    /// An RFC 3161 TimeStampToken (a DER ContentInfo) over this signature, carried as an
    /// unauthenticated attribute.
    pub timestamp: Option<&'a [u8]>,
}

/// What a time-stamping authority must stamp for a signature: the SHA-256 of its value.
pub fn timestamp_imprint(pkcs7: &[u8]) -> Result<Vec<u8>, String> {
    let sd = super::pkcs7::content_info(pkcs7)?;
    let si = sd.signers.first().ok_or("no signer")?;
    Ok(DigestAlg::Sha256.digest(si.signature))
}

/// The SignedData (in its ContentInfo) over `digest`, the SHA-256 digest of a compound file
/// without MsiDigitalSignatureEx.
pub fn msi_signature(digest: &[u8], s: &Signer<'_>) -> Result<Vec<u8>, String> {
    let alg_id = DigestAlg::Sha256;
    let leaf = s.certs.first().ok_or("no signer certificate")?;
    {
        use rsa::pkcs8::EncodePublicKey;
        let public = s
            .key
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| format!("public key: {e}"))?;
        if public.as_bytes() != leaf.spki.as_slice() {
            return Err(format!(
                "the private key is not the key of the certificate {}",
                leaf.subject
            ));
        }
    }
    let sip_info = seq(&[
        &small_int(1),
        &tag(tlv::OCTET_STRING, &MSI_SIP_GUID),
        &small_int(0),
        &small_int(0),
        &small_int(0),
        &small_int(0),
        &small_int(0),
    ]);
    let indirect = seq(&[
        &seq(&[&oid(OID_SPC_SIPINFO)?, &sip_info]),
        &seq(&[&alg(alg_id.oid())?, &tag(tlv::OCTET_STRING, digest)]),
    ]);
    // The message digest covers the SpcIndirectDataContent's contents, without tag and length.
    let content_value = tlv::one(&indirect)?.value;
    let attrs = vec![
        attr(OID_CONTENT_TYPE, &oid(OID_SPC_INDIRECT_DATA)?)?,
        attr(OID_SIGNING_TIME, &der_time(s.time)?)?,
        attr(OID_SPC_SP_OPUS_INFO, &seq(&[]))?,
        attr(
            OID_SPC_STATEMENT_TYPE,
            &seq(&[&oid(OID_INDIVIDUAL_CODE_SIGNING)?]),
        )?,
        attr(
            OID_MESSAGE_DIGEST,
            &tag(tlv::OCTET_STRING, &alg_id.digest(content_value)),
        )?,
    ];
    let signed_attrs = set_of(attrs);
    let signature = s
        .key
        .sign(
            rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            &alg_id.digest(&signed_attrs),
        )
        .map_err(|e| format!("RSA signing: {e}"))?;
    let mut implicit_attrs = signed_attrs.clone();
    implicit_attrs[0] = tlv::CONTEXT_0;
    let unsigned = match s.timestamp {
        Some(token) => {
            tlv::one(token).map_err(|e| format!("the timestamp token: {e}"))?;
            tag(tlv::CONTEXT_1, &attr(super::pkcs7::OID_RFC3161, token)?)
        }
        None => Vec::new(),
    };
    let signer_info = seq(&[
        &small_int(1),
        &seq(&[&leaf.issuer_raw, &tag(tlv::INTEGER, &leaf.serial)]),
        &alg(alg_id.oid())?,
        &implicit_attrs,
        &alg(OID_RSA_ENCRYPTION)?,
        &tag(tlv::OCTET_STRING, &signature),
        &unsigned,
    ]);
    let certs: Vec<u8> = s.certs.iter().flat_map(|c| c.der.clone()).collect();
    let signed_data = seq(&[
        &small_int(1),
        &set_of(vec![alg(alg_id.oid())?]),
        &seq(&[
            &oid(OID_SPC_INDIRECT_DATA)?,
            &tag(tlv::CONTEXT_0, &indirect),
        ]),
        &tag(tlv::CONTEXT_0, &certs),
        &tag(tlv::SET, &signer_info),
    ]);
    Ok(seq(&[
        &oid(OID_SIGNED_DATA)?,
        &tag(tlv::CONTEXT_0, &signed_data),
    ]))
}

/// Reads an RSA private key: PEM PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`).
pub fn read_rsa_key(pem: &str) -> Result<rsa::RsaPrivateKey, String> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    rsa::RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|e| format!("not an unencrypted RSA private key in PEM (PKCS#8 or PKCS#1): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_pieces() {
        assert_eq!(len_bytes(5), [5]);
        assert_eq!(len_bytes(0x80), [0x81, 0x80]);
        assert_eq!(len_bytes(0x1234), [0x82, 0x12, 0x34]);
        assert_eq!(der_time(0).unwrap(), tag(0x17, b"700101000000Z"));
        assert_eq!(
            der_time(2_556_144_000).unwrap(),
            tag(0x18, b"20510101000000Z")
        );
        assert_eq!(
            set_of(vec![vec![0x05, 0x00], vec![0x02, 0x01, 0x00]]),
            [0x31, 0x05, 0x02, 0x01, 0x00, 0x05, 0x00]
        );
    }
}
