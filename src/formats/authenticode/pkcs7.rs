//! PKCS#7 SignedData as Authenticode uses it: the SpcIndirectDataContent with the file's
//! digest, the certificates, the signer info with its authenticated attributes, and the
//! timestamps in its unauthenticated attributes (a PKCS#9 countersignature, or an RFC 3161
//! token under Microsoft's OID).
//!
//! The structure is walked with the checked DER reader of `tlv.rs` rather than decoded into
//! `cms` types: a signature covers the exact bytes of the signed attributes and of the content,
//! and `cms` (through `der`'s `SetOfVec`) sorts SET OF elements when it decodes them.

use super::crypto::{self, DigestAlg};
use super::tlv::{self, Tlv};
use super::x509::{self, Cert};

pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_SPC_INDIRECT_DATA: &str = "1.3.6.1.4.1.311.2.1.4";
pub const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
pub const OID_COUNTERSIGNATURE: &str = "1.2.840.113549.1.9.6";
pub const OID_RFC3161: &str = "1.3.6.1.4.1.311.3.3.1";
pub const OID_NESTED: &str = "1.3.6.1.4.1.311.2.4.1";
pub const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";

/// One attribute: its type and the encoded values.
#[derive(Debug, Clone)]
pub struct Attr<'a> {
    pub oid: String,
    pub values: Vec<Tlv<'a>>,
}

/// A SignerInfo, with the exact bytes its signature covers.
#[derive(Debug, Clone)]
pub struct SignerInfo<'a> {
    /// IssuerAndSerialNumber: the issuer name as encoded and the serial's contents.
    pub issuer: Option<(&'a [u8], &'a [u8])>,
    /// SubjectKeyIdentifier, when the signer is named that way.
    pub key_id: Option<&'a [u8]>,
    pub digest_oid: String,
    /// The signed attributes re-tagged as the SET OF that the signature covers, and parsed.
    pub signed_attrs: Option<(Vec<u8>, Vec<Attr<'a>>)>,
    pub sig_oid: String,
    pub signature: &'a [u8],
    pub unsigned_attrs: Vec<Attr<'a>>,
}

/// A SignedData.
#[derive(Debug, Clone)]
pub struct SignedData<'a> {
    /// eContentType.
    pub content_type: String,
    /// The content element (inside `[0] EXPLICIT`), if present.
    pub content: Option<Tlv<'a>>,
    pub certs: Vec<Cert>,
    /// Certificates in the bag that could not be read, with the reason.
    pub bad_certs: Vec<String>,
    pub signers: Vec<SignerInfo<'a>>,
}

fn attrs(value: &[u8]) -> Result<Vec<Attr<'_>>, String> {
    tlv::children(value)?
        .into_iter()
        .map(|a| {
            if a.tag != tlv::SEQUENCE {
                return Err("attribute: not a SEQUENCE".to_string());
            }
            let p = tlv::children(a.value)?;
            let oid = tlv::oid_string(tlv::expect(&p, 0, tlv::OID, "attribute type")?.value);
            let set = tlv::expect(&p, 1, tlv::SET, "attribute values")?;
            Ok(Attr {
                oid,
                values: tlv::children(set.value)?,
            })
        })
        .collect()
}

fn alg_oid(t: &Tlv<'_>, what: &str) -> Result<String, String> {
    if t.tag != tlv::SEQUENCE {
        return Err(format!("{what}: not an AlgorithmIdentifier"));
    }
    let p = tlv::children(t.value)?;
    Ok(tlv::oid_string(tlv::expect(&p, 0, tlv::OID, what)?.value))
}

/// Reads one SignerInfo.
pub fn signer_info(raw: &[u8]) -> Result<SignerInfo<'_>, String> {
    let top = tlv::one(raw).map_err(|e| format!("signer info: {e}"))?;
    if top.tag != tlv::SEQUENCE {
        return Err("signer info: not a SEQUENCE".into());
    }
    let p = tlv::children(top.value).map_err(|e| format!("signer info: {e}"))?;
    tlv::expect(&p, 0, tlv::INTEGER, "signer info version")?;
    let sid = p.get(1).ok_or("signer info: no signer identifier")?;
    let (issuer, key_id) = match sid.tag {
        tlv::SEQUENCE => {
            let s = tlv::children(sid.value)?;
            let name = tlv::expect(&s, 0, tlv::SEQUENCE, "signer issuer")?;
            let serial = tlv::expect(&s, 1, tlv::INTEGER, "signer serial number")?;
            (Some((name.raw, serial.value)), None)
        }
        0x80 => (None, Some(sid.value)),
        t => return Err(format!("signer identifier with tag 0x{t:02x}")),
    };
    let digest_oid = alg_oid(
        p.get(2).ok_or("signer info: no digest algorithm")?,
        "signer digest algorithm",
    )?;
    let mut i = 3;
    let mut signed_attrs = None;
    if let Some(t) = p.get(i).filter(|t| t.tag == tlv::CONTEXT_0) {
        let mut retagged = t.raw.to_vec();
        retagged[0] = tlv::SET;
        signed_attrs = Some((retagged, attrs(t.value)?));
        i += 1;
    }
    let sig_oid = alg_oid(
        p.get(i).ok_or("signer info: no signature algorithm")?,
        "signature algorithm",
    )?;
    let signature = tlv::expect(&p, i + 1, tlv::OCTET_STRING, "signature value")?.value;
    let unsigned_attrs = match p.get(i + 2) {
        Some(t) if t.tag == tlv::CONTEXT_1 => attrs(t.value)?,
        _ => Vec::new(),
    };
    Ok(SignerInfo {
        issuer,
        key_id,
        digest_oid,
        signed_attrs,
        sig_oid,
        signature,
        unsigned_attrs,
    })
}

/// Reads a ContentInfo that must hold a SignedData.
pub fn content_info(der: &[u8]) -> Result<SignedData<'_>, String> {
    let top = tlv::read(der)?.0;
    if top.tag != tlv::SEQUENCE {
        return Err("PKCS#7: the ContentInfo is not a SEQUENCE".into());
    }
    let p = tlv::children(top.value)?;
    let oid = tlv::oid_string(tlv::expect(&p, 0, tlv::OID, "PKCS#7 content type")?.value);
    if oid != OID_SIGNED_DATA {
        return Err(format!(
            "PKCS#7: the content type is {oid}, not signedData ({OID_SIGNED_DATA})"
        ));
    }
    let wrapper = tlv::expect(&p, 1, tlv::CONTEXT_0, "PKCS#7 content")?;
    let sd = tlv::one(wrapper.value)?;
    signed_data(sd)
}

fn signed_data(sd: Tlv<'_>) -> Result<SignedData<'_>, String> {
    if sd.tag != tlv::SEQUENCE {
        return Err("SignedData: not a SEQUENCE".into());
    }
    let p = tlv::children(sd.value)?;
    tlv::expect(&p, 0, tlv::INTEGER, "SignedData version")?;
    tlv::expect(&p, 1, tlv::SET, "SignedData digest algorithms")?;
    let eci = tlv::expect(&p, 2, tlv::SEQUENCE, "SignedData content info")?;
    let e = tlv::children(eci.value)?;
    let content_type = tlv::oid_string(tlv::expect(&e, 0, tlv::OID, "content type")?.value);
    let content = match e.get(1) {
        Some(t) if t.tag == tlv::CONTEXT_0 => Some(tlv::one(t.value)?),
        _ => None,
    };
    let mut i = 3;
    let mut certs = Vec::new();
    let mut bad_certs = Vec::new();
    if let Some(t) = p.get(i).filter(|t| t.tag == tlv::CONTEXT_0) {
        for c in tlv::children(t.value)? {
            if c.tag != tlv::SEQUENCE {
                continue; // other certificate formats (attribute certificates): not used
            }
            match Cert::from_der(c.raw) {
                Ok(c) => certs.push(c),
                Err(e) => bad_certs.push(e),
            }
        }
        i += 1;
    }
    if p.get(i).is_some_and(|t| t.tag == tlv::CONTEXT_1) {
        i += 1; // CRLs
    }
    let set = tlv::expect(&p, i, tlv::SET, "SignedData signer infos")?;
    let signers = tlv::children(set.value)?
        .into_iter()
        .map(|t| signer_info(t.raw))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SignedData {
        content_type,
        content,
        certs,
        bad_certs,
        signers,
    })
}

/// What an Authenticode signature says the file's digest is.
#[derive(Debug, Clone)]
pub struct IndirectData {
    /// The SpcAttributeTypeAndOptionalValue type (SIP info for MSI, PE image data for PE...).
    pub data_type: String,
    pub digest_alg: DigestAlg,
    pub digest: Vec<u8>,
}

/// The SpcIndirectDataContent of an Authenticode SignedData.
pub fn indirect_data(sd: &SignedData<'_>) -> Result<IndirectData, String> {
    if sd.content_type != OID_SPC_INDIRECT_DATA {
        return Err(format!(
            "the signed content is {}, not SpcIndirectDataContent ({OID_SPC_INDIRECT_DATA})",
            sd.content_type
        ));
    }
    let c = sd.content.ok_or("the signed content is missing")?;
    let p = tlv::children(c.value)?;
    let data = tlv::expect(&p, 0, tlv::SEQUENCE, "SpcIndirectDataContent data")?;
    let d = tlv::children(data.value)?;
    let data_type = tlv::oid_string(tlv::expect(&d, 0, tlv::OID, "SPC data type")?.value);
    let di = tlv::expect(&p, 1, tlv::SEQUENCE, "SpcIndirectDataContent digest")?;
    let dp = tlv::children(di.value)?;
    let alg = alg_oid(
        dp.first().ok_or("digest algorithm missing")?,
        "digest algorithm",
    )?;
    let digest_alg = DigestAlg::from_oid(&alg)
        .ok_or_else(|| format!("digest algorithm {alg} is not supported"))?;
    let digest = tlv::expect(&dp, 1, tlv::OCTET_STRING, "file digest")?.value;
    Ok(IndirectData {
        data_type,
        digest_alg,
        digest: digest.to_vec(),
    })
}

impl SignerInfo<'_> {
    /// The certificate of `pool` this signer names.
    pub fn find_cert<'c>(&self, pool: &'c [Cert]) -> Option<&'c Cert> {
        pool.iter().find(|c| match (self.issuer, self.key_id) {
            (Some((name, serial)), _) => c.issuer_raw == name && c.serial == serial,
            (None, Some(_)) => false,
            _ => false,
        })
    }

    fn attr(&self, oid: &str) -> Option<&Tlv<'_>> {
        self.signed_attrs
            .as_ref()?
            .1
            .iter()
            .find(|a| a.oid == oid)?
            .values
            .first()
    }

    /// Checks this signer over `content` (the bytes the message digest covers): the
    /// messageDigest attribute and the signature with `cert`'s key.
    pub fn verify(&self, cert: &Cert, content: &[u8]) -> Result<(), String> {
        let alg = DigestAlg::from_oid(&self.digest_oid)
            .ok_or_else(|| format!("digest algorithm {} is not supported", self.digest_oid))?;
        match &self.signed_attrs {
            Some((raw, _)) => {
                let md = self
                    .attr(OID_MESSAGE_DIGEST)
                    .filter(|t| t.tag == tlv::OCTET_STRING)
                    .ok_or("the signed attributes have no messageDigest")?;
                let computed = alg.digest(content);
                if md.value != computed.as_slice() {
                    return Err(format!(
                        "the signed attributes' message digest {} is not the digest of the signed content {}",
                        tlv::hex(md.value),
                        tlv::hex(&computed)
                    ));
                }
                crypto::verify(&cert.spki, &self.sig_oid, Some(alg), raw, self.signature)
            }
            None => crypto::verify(
                &cert.spki,
                &self.sig_oid,
                Some(alg),
                content,
                self.signature,
            ),
        }
    }

    /// The digest the signer's messageDigest attribute holds.
    pub fn message_digest(&self) -> Option<Vec<u8>> {
        self.attr(OID_MESSAGE_DIGEST).map(|t| t.value.to_vec())
    }

    /// The signingTime attribute, if any.
    pub fn signing_time(&self) -> Option<i64> {
        let t = self.attr(OID_SIGNING_TIME)?;
        x509::parse_time(t.tag, t.value).ok()
    }
}

/// A timestamp found in a signer's unauthenticated attributes.
#[derive(Debug, Clone)]
pub struct FoundTimestamp {
    /// "countersignature" (PKCS#9) or "rfc3161".
    pub kind: &'static str,
    pub time: Option<i64>,
    pub signer: Option<Cert>,
    /// The certificates to build the time-stamping authority's chain from.
    pub pool: Vec<Cert>,
    /// Whether the timestamp's own signature, and its digest of the signer's signature, check.
    pub check: Result<(), String>,
}

/// The timestamps over `si`'s signature; `outer` is the certificate bag of the signature that
/// holds it (a countersignature's certificate is there).
pub fn timestamps(si: &SignerInfo<'_>, outer: &[Cert]) -> Vec<FoundTimestamp> {
    let mut out = Vec::new();
    for a in &si.unsigned_attrs {
        for v in &a.values {
            if a.oid == OID_COUNTERSIGNATURE {
                out.push(countersignature(si, v.raw, outer));
            } else if a.oid == OID_RFC3161 {
                out.push(rfc3161(si, v.raw));
            }
        }
    }
    out
}

fn countersignature(si: &SignerInfo<'_>, raw: &[u8], outer: &[Cert]) -> FoundTimestamp {
    let mut ts = FoundTimestamp {
        kind: "countersignature",
        time: None,
        signer: None,
        pool: outer.to_vec(),
        check: Err(String::new()),
    };
    let cs = match signer_info(raw) {
        Ok(cs) => cs,
        Err(e) => {
            ts.check = Err(format!("countersignature: {e}"));
            return ts;
        }
    };
    ts.time = cs.signing_time();
    ts.signer = cs.find_cert(outer).cloned();
    ts.check = match &ts.signer {
        None => Err("the countersigner's certificate is not in the signature".into()),
        Some(c) => cs.verify(c, si.signature),
    };
    ts
}

fn rfc3161(si: &SignerInfo<'_>, raw: &[u8]) -> FoundTimestamp {
    let mut ts = FoundTimestamp {
        kind: "rfc3161",
        time: None,
        signer: None,
        pool: Vec::new(),
        check: Err(String::new()),
    };
    let r = (|| -> Result<(), String> {
        let sd = content_info(raw)?;
        ts.pool = sd.certs.clone();
        if sd.content_type != OID_TST_INFO {
            return Err(format!(
                "timestamp token content is {}, not TSTInfo",
                sd.content_type
            ));
        }
        let octets = sd.content.ok_or("timestamp token: no TSTInfo")?;
        if octets.tag != tlv::OCTET_STRING {
            return Err("timestamp token: TSTInfo is not in an OCTET STRING".into());
        }
        let tst = tlv::one(octets.value)?;
        let f = tlv::children(tst.value)?;
        let imprint = tlv::expect(&f, 2, tlv::SEQUENCE, "TSTInfo message imprint")?;
        let gen = f.get(4).ok_or("TSTInfo: no genTime")?;
        ts.time = Some(x509::parse_time(gen.tag, gen.value)?);
        let ip = tlv::children(imprint.value)?;
        let alg = alg_oid(ip.first().ok_or("imprint algorithm missing")?, "imprint")?;
        let alg = DigestAlg::from_oid(&alg)
            .ok_or_else(|| format!("imprint algorithm {alg} is not supported"))?;
        let hashed = tlv::expect(&ip, 1, tlv::OCTET_STRING, "imprint digest")?.value;
        if hashed != alg.digest(si.signature).as_slice() {
            return Err(
                "the timestamp's message imprint is not the digest of the signature".into(),
            );
        }
        let tsa = sd.signers.first().ok_or("timestamp token: no signer")?;
        let cert = tsa
            .find_cert(&sd.certs)
            .ok_or("the time-stamping authority's certificate is not in the token")?;
        ts.signer = Some(cert.clone());
        tsa.verify(cert, octets.value)
    })();
    ts.check = r;
    ts
}

/// Nested signatures (Microsoft's OID) in a signer's unauthenticated attributes.
pub fn nested_count(si: &SignerInfo<'_>) -> usize {
    si.unsigned_attrs
        .iter()
        .filter(|a| a.oid == OID_NESTED)
        .map(|a| a.values.len())
        .sum()
}
