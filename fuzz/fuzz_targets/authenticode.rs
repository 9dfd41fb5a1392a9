//! Any bytes as an Authenticode signature (PKCS#7 SignedData: certificates, signer, timestamps),
//! as a signed cabinet (header, digest), and as a compound file whose signature streams are
//! checked (`verify_container`: the MSI digest walk).
#![no_main]

use libfuzzer_sys::fuzz_target;
use msikit::formats::authenticode::{self, cab, DigestAlg};
use msikit::formats::container::Container;
use msikit::jobs::verify;

fuzz_target!(|data: &[u8]| {
    let _ = authenticode::check(data, &[], 0);
    let _ = authenticode::x509::Cert::from_der(data);
    if let Ok(cab::CabSigning::Signed(sig)) = cab::signing(data, data.len() as u64) {
        let _ = cab::digest(std::io::Cursor::new(data), sig, DigestAlg::Sha256);
    }
    if let Ok(c) = Container::from_bytes("fuzz", data.to_vec()) {
        let cx = verify::Context {
            trust: Vec::new(),
            trust_sources: Vec::new(),
            now: 0,
        };
        let _ = verify::verify_container(&c, &cx);
    }
});
