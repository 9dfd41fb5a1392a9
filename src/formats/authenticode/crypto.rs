//! Digests and signature checks: RustCrypto's sha1/sha2, rsa (PKCS#1 v1.5) and p256/p384 (ECDSA).

use sha2::digest::DynDigest;

/// A message-digest algorithm Authenticode uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DigestAlg {
    #[serde(rename = "SHA1")]
    Sha1,
    #[serde(rename = "SHA256")]
    Sha256,
    #[serde(rename = "SHA384")]
    Sha384,
    #[serde(rename = "SHA512")]
    Sha512,
}

impl DigestAlg {
    /// From a dotted OID (the hash OIDs, and the hash inside a signature-algorithm OID).
    pub fn from_oid(oid: &str) -> Option<DigestAlg> {
        Some(match oid {
            "1.3.14.3.2.26" | "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.3.14.3.2.29" => {
                DigestAlg::Sha1
            }
            "2.16.840.1.101.3.4.2.1" | "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => {
                DigestAlg::Sha256
            }
            "2.16.840.1.101.3.4.2.2" | "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => {
                DigestAlg::Sha384
            }
            "2.16.840.1.101.3.4.2.3" | "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => {
                DigestAlg::Sha512
            }
            _ => return None,
        })
    }
    pub fn oid(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "1.3.14.3.2.26",
            DigestAlg::Sha256 => "2.16.840.1.101.3.4.2.1",
            DigestAlg::Sha384 => "2.16.840.1.101.3.4.2.2",
            DigestAlg::Sha512 => "2.16.840.1.101.3.4.2.3",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            DigestAlg::Sha1 => "SHA1",
            DigestAlg::Sha256 => "SHA256",
            DigestAlg::Sha384 => "SHA384",
            DigestAlg::Sha512 => "SHA512",
        }
    }
    pub fn hasher(self) -> Hasher {
        Hasher(match self {
            DigestAlg::Sha1 => Box::new(sha1::Sha1::default()),
            DigestAlg::Sha256 => Box::new(sha2::Sha256::default()),
            DigestAlg::Sha384 => Box::new(sha2::Sha384::default()),
            DigestAlg::Sha512 => Box::new(sha2::Sha512::default()),
        })
    }
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        let mut h = self.hasher();
        h.update(data);
        h.finish()
    }
}

/// A running digest that can also be written to.
pub struct Hasher(Box<dyn DynDigest>);

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    pub fn finish(self) -> Vec<u8> {
        self.0.finalize().into_vec()
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Checks `signature` over `message` with the public key `spki` (a DER SubjectPublicKeyInfo).
/// `sig_oid` is the signature algorithm; when it names only the key type (rsaEncryption,
/// id-ecPublicKey, as signer infos do), `digest` says the hash.
pub fn verify(
    spki: &[u8],
    sig_oid: &str,
    digest: Option<DigestAlg>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let alg = DigestAlg::from_oid(sig_oid)
        .or(digest)
        .ok_or_else(|| format!("signature algorithm {sig_oid} is not supported"))?;
    let hash = alg.digest(message);
    let key_oid = spki_algorithm(spki)?;
    match key_oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            use rsa::pkcs8::DecodePublicKey;
            let key = rsa::RsaPublicKey::from_public_key_der(spki)
                .map_err(|e| format!("RSA public key: {e}"))?;
            let scheme = match alg {
                DigestAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                DigestAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                DigestAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                DigestAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(scheme, &hash, signature)
                .or_else(|_| {
                    // Old time-stamping services (Symantec's SHA-1 countersigners) signed the
                    // bare SHA-1 digest without its DigestInfo; Windows and OpenSSL accept it.
                    if alg == DigestAlg::Sha1 {
                        key.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &hash, signature)
                    } else {
                        Err(rsa::Error::Verification)
                    }
                })
                .map_err(|_| "the RSA signature does not verify".to_string())
        }
        "1.2.840.10045.2.1" => {
            use p256::ecdsa::signature::hazmat::PrehashVerifier;
            use p256::pkcs8::DecodePublicKey;
            let curve = spki_parameter_oid(spki).unwrap_or_default();
            match curve.as_str() {
                "1.2.840.10045.3.1.7" => {
                    let key = p256::ecdsa::VerifyingKey::from_public_key_der(spki)
                        .map_err(|e| format!("P-256 public key: {e}"))?;
                    let sig = p256::ecdsa::Signature::from_der(signature)
                        .map_err(|e| format!("ECDSA signature encoding: {e}"))?;
                    key.verify_prehash(&hash, &sig)
                        .map_err(|_| "the ECDSA signature does not verify".to_string())
                }
                "1.3.132.0.34" => {
                    let key = p384::ecdsa::VerifyingKey::from_public_key_der(spki)
                        .map_err(|e| format!("P-384 public key: {e}"))?;
                    let sig = p384::ecdsa::Signature::from_der(signature)
                        .map_err(|e| format!("ECDSA signature encoding: {e}"))?;
                    key.verify_prehash(&hash, &sig)
                        .map_err(|_| "the ECDSA signature does not verify".to_string())
                }
                other => Err(format!("elliptic curve {other} is not supported")),
            }
        }
        other => Err(format!("public-key algorithm {other} is not supported")),
    }
}

/// The algorithm OID of a SubjectPublicKeyInfo.
fn spki_algorithm(spki: &[u8]) -> Result<String, String> {
    use super::tlv;
    let top = tlv::one(spki)?;
    let parts = tlv::children(top.value)?;
    let alg = tlv::expect(&parts, 0, tlv::SEQUENCE, "public key algorithm")?;
    let inner = tlv::children(alg.value)?;
    let oid = tlv::expect(&inner, 0, tlv::OID, "public key algorithm")?;
    Ok(tlv::oid_string(oid.value))
}

/// The OID parameter of a SubjectPublicKeyInfo's algorithm (the curve of an EC key).
fn spki_parameter_oid(spki: &[u8]) -> Option<String> {
    use super::tlv;
    let top = tlv::one(spki).ok()?;
    let parts = tlv::children(top.value).ok()?;
    let inner = tlv::children(parts.first()?.value).ok()?;
    let p = inner.get(1).filter(|t| t.tag == tlv::OID)?;
    Some(tlv::oid_string(p.value))
}
