//! `msikit verify`: is a package, patch, transform or cabinet signed, by whom, and has anything
//! changed since? The file digest is computed again and compared with the one the Authenticode
//! signature holds; the signer's signature, its chain to a trusted certificate and its
//! timestamp are checked. Nothing goes to the network (no revocation lists).

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::formats::authenticode::{self, msi, tlv, Cert, SignerReport};
use crate::formats::container::Container;

/// The answer for one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Signed, unchanged, the signature checks and its chain leads to a trusted certificate.
    Valid,
    /// No signature.
    Unsigned,
    /// The file changed after signing: a digest does not match.
    Tampered,
    /// The signature itself does not check (signer or timestamp).
    BadSignature,
    /// A certificate of the chain was outside its validity at the time checked.
    Expired,
    /// The chain does not lead to a certificate of the trust store.
    Untrusted,
    /// The signature cannot be read (not PKCS#7, truncated, wrong content type...).
    Malformed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Unsigned => "unsigned",
            Verdict::Tampered => "tampered",
            Verdict::BadSignature => "bad signature",
            Verdict::Expired => "expired",
            Verdict::Untrusted => "untrusted",
            Verdict::Malformed => "malformed signature",
        }
    }
}

/// One digest: what the signature (or the MsiDigitalSignatureEx stream) holds and what the file
/// gives now.
#[derive(Debug, Clone, Serialize)]
pub struct DigestCheck {
    /// `DigitalSignature`, `MsiDigitalSignatureEx`, or `message digest` (a cabinet, a PE).
    pub name: &'static str,
    /// Upper-case hex.
    pub signed: String,
    pub computed: String,
    pub matches: bool,
}

/// The verification of one file.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub file: String,
    /// database, patch, transform (as `info` says), cabinet, pe.
    pub kind: String,
    pub verdict: Verdict,
    pub digests: Vec<DigestCheck>,
    /// The signature: signer, chain, timestamp (absent when unsigned or unreadable).
    pub signature: Option<SignerReport>,
    /// Why the verdict is not `valid`, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// What is wrong with a timestamp (it does not change the verdict; the chain is then
    /// checked now).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// With `--payload`: the Authenticode of every PE file the package installs or the patch
    /// delivers whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Payload>,
}

/// One PE file inside a package's cabinets or a patch's payload.
#[derive(Debug, Clone, Serialize)]
pub struct PayloadFile {
    /// The File table key.
    pub file: String,
    /// Where it installs (the path inside the extraction, without the drive).
    pub path: String,
    pub verdict: Verdict,
    /// The signer's subject, when signed.
    pub signer: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.verdict == Verdict::Valid
    }
}

/// What to trust and when to check.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Trusted certificates (PEM bundles or DER files); empty: the system's CA bundle.
    pub trust: Vec<PathBuf>,
    /// The time to check validity at when there is no valid timestamp (seconds since 1970);
    /// `None`: now.
    pub now: Option<i64>,
}

/// The trust store and the time, read once for many files.
pub struct Context {
    pub trust: Vec<Cert>,
    /// Where the trust store came from.
    pub trust_sources: Vec<String>,
    pub now: i64,
}

impl Context {
    pub fn new(o: &Options) -> Result<Context> {
        let (trust, trust_sources) = authenticode::trust_store(&o.trust)?;
        let now = o.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
        Ok(Context {
            trust,
            trust_sources,
            now,
        })
    }
}

/// Verifies one file: a compound file (MSI, MSM, MSP, MST) or a cabinet. The error is for a file that cannot
/// be read; every answer about its signature is a [`Verification`].
pub fn verify(path: &Path, cx: &Context) -> Result<Verification> {
    let name = path.display().to_string();
    let mut head = [0u8; 8];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| Error::io(e).in_file(&name))?;
    if n == 8 && head == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1] {
        let c = Container::open(path)?;
        return verify_container(&c, cx);
    }
    if n >= 4 && &head[..4] == b"MSCF" {
        return verify_cabinet(path, cx);
    }
    if n >= 2 && &head[..2] == b"MZ" {
        let bytes = std::fs::read(path).map_err(|e| Error::io(e).in_file(&name))?;
        return verify_pe(&name, &bytes, cx).map_err(|e| Error::malformed(e).in_file(&name));
    }
    Err(Error::unsupported(
        "not a file msikit can verify (expected a compound file: .msi, .msm, .msp, .mst; a cabinet; a PE file)",
    )
    .in_file(&name))
}

/// Verifies a cabinet: the signature in its reserved header area.
pub fn verify_cabinet(path: &Path, cx: &Context) -> Result<Verification> {
    use crate::formats::authenticode::cab::{self, CabSigning};
    use std::io::{Seek, SeekFrom};
    let name = path.display().to_string();
    let io = |e: std::io::Error| Error::io(e).in_file(&name);
    let mut f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let mut head = Vec::new();
    (&mut f).take(60).read_to_end(&mut head).map_err(io)?;
    let malformed = |m: String| Error::malformed(m).in_file(&name);
    let mut v = Verification {
        file: name.clone(),
        kind: "cabinet".into(),
        verdict: Verdict::Unsigned,
        digests: Vec::new(),
        signature: None,
        problems: Vec::new(),
        warnings: Vec::new(),
        payload: None,
    };
    let sig = match cab::signing(&head, len).map_err(malformed)? {
        CabSigning::Unsigned => {
            v.problems
                .push("no signature in the cabinet's reserved header area".into());
            return Ok(v);
        }
        CabSigning::NotSignatureArea(why) => {
            v.problems.push(why);
            return Ok(v);
        }
        CabSigning::Signed(s) => s,
    };
    f.seek(SeekFrom::Start(sig.offset)).map_err(io)?;
    let mut pkcs7 = Vec::new();
    (&mut f).take(sig.len).read_to_end(&mut pkcs7).map_err(io)?;
    let checked = match authenticode::check(&pkcs7, &cx.trust, cx.now) {
        Ok(ch) => ch,
        Err(e) => {
            v.verdict = Verdict::Malformed;
            v.problems.push(format!("signature: {e}"));
            return Ok(v);
        }
    };
    let computed = cab::digest(&mut f, sig, checked.digest_alg).map_err(malformed)?;
    v.digests.push(DigestCheck {
        name: "message digest",
        signed: tlv::hex(&checked.signed_digest),
        computed: tlv::hex(&computed),
        matches: checked.signed_digest == computed,
    });
    conclude(&mut v, checked.report);
    Ok(v)
}

/// Verifies an opened compound file.
pub fn verify_container(c: &Container, cx: &Context) -> Result<Verification> {
    let mut v = Verification {
        file: c.name().to_string(),
        kind: c.kind().as_str().to_string(),
        verdict: Verdict::Unsigned,
        digests: Vec::new(),
        signature: None,
        problems: Vec::new(),
        warnings: Vec::new(),
        payload: None,
    };
    if !c.has_raw_stream("", msi::DIGITAL_SIGNATURE) {
        v.problems
            .push("no [5]DigitalSignature stream: the file is not signed".into());
        return Ok(v);
    }
    let pkcs7 = c.read_raw_stream("", msi::DIGITAL_SIGNATURE)?;
    let ex_stored = if c.has_raw_stream("", msi::DIGITAL_SIGNATURE_EX) {
        Some(c.read_raw_stream("", msi::DIGITAL_SIGNATURE_EX)?)
    } else {
        None
    };
    let checked = match authenticode::check(&pkcs7, &cx.trust, cx.now) {
        Ok(ch) => ch,
        Err(e) => {
            v.verdict = Verdict::Malformed;
            v.problems.push(format!("[5]DigitalSignature: {e}"));
            return Ok(v);
        }
    };
    let d = msi::digests(c, checked.digest_alg, ex_stored.is_some())?;
    if let (Some(stored), Some(pre)) = (&ex_stored, &d.prehash) {
        v.digests.push(DigestCheck {
            name: "MsiDigitalSignatureEx",
            signed: tlv::hex(stored),
            computed: tlv::hex(pre),
            matches: stored == pre,
        });
    }
    v.digests.push(DigestCheck {
        name: "DigitalSignature",
        signed: tlv::hex(&checked.signed_digest),
        computed: tlv::hex(&d.digest),
        matches: checked.signed_digest == d.digest,
    });
    conclude(&mut v, checked.report);
    Ok(v)
}

/// The verdict from the digests and the signer's report. A timestamp that does not check is a
/// warning, not a verdict: the signer's chain is then checked now (Windows and osslsigncode do
/// the same).
fn conclude(v: &mut Verification, r: SignerReport) {
    let mut problems = Vec::new();
    for d in v.digests.iter().filter(|d| !d.matches) {
        problems.push(format!(
            "{} does not match: the signature holds {}, the file gives {} (changed after signing)",
            d.name, d.signed, d.computed
        ));
    }
    let tampered = !problems.is_empty();
    problems.extend(r.problems.iter().cloned());
    if let Some(t) = &r.timestamp {
        let mut w: Vec<String> = t.problems.clone();
        if let Some(ch) = &t.chain {
            w.extend(ch.problems.iter().map(|p| format!("timestamp: {p}")));
            if !ch.trusted && ch.problems.is_empty() {
                w.push("timestamp: its chain is not trusted".into());
            }
        }
        if !t.used {
            w.push("the timestamp is not used: the signer's chain is checked now".into());
        }
        v.warnings = w;
    }
    if let Some(ch) = &r.chain {
        problems.extend(ch.problems.iter().cloned());
    }
    v.verdict = match &r.chain {
        _ if tampered => Verdict::Tampered,
        _ if !r.signature_valid => Verdict::BadSignature,
        None => Verdict::Untrusted,
        Some(c) if !c.in_validity => Verdict::Expired,
        Some(c) if !c.trusted => Verdict::Untrusted,
        Some(_) => Verdict::Valid,
    };
    v.problems = problems;
    v.signature = Some(r);
}

/// Verifies a PE file held in memory (`name` for messages). The error is for bytes that are not
/// a PE file msikit can read.
pub fn verify_pe(
    name: &str,
    bytes: &[u8],
    cx: &Context,
) -> std::result::Result<Verification, String> {
    use crate::formats::authenticode::pe;
    let mut v = Verification {
        file: name.to_string(),
        kind: "pe".into(),
        verdict: Verdict::Unsigned,
        digests: Vec::new(),
        signature: None,
        problems: Vec::new(),
        warnings: Vec::new(),
        payload: None,
    };
    let layout = pe::layout(bytes)?;
    let pkcs7 = match pe::pkcs7(bytes, &layout) {
        Ok(Some(p)) => p,
        Ok(None) => {
            v.problems
                .push("no Authenticode signature (no certificate table)".into());
            return Ok(v);
        }
        Err(e) => {
            v.verdict = Verdict::Malformed;
            v.problems.push(e);
            return Ok(v);
        }
    };
    let checked = match authenticode::check(&pkcs7, &cx.trust, cx.now) {
        Ok(ch) => ch,
        Err(e) => {
            v.verdict = Verdict::Malformed;
            v.problems.push(format!("signature: {e}"));
            return Ok(v);
        }
    };
    let computed = pe::digest(bytes, &layout, checked.digest_alg);
    v.digests.push(DigestCheck {
        name: "message digest",
        signed: tlv::hex(&checked.signed_digest),
        computed: tlv::hex(&computed),
        matches: checked.signed_digest == computed,
    });
    conclude(&mut v, checked.report);
    Ok(v)
}

/// A temporary folder removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> Result<TempDir> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "msikit-payload-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&d).map_err(|e| Error::io(e).in_file(d.display().to_string()))?;
    Ok(TempDir(d))
}

/// The Authenticode of every PE file a package (.msi, .msm) installs or a patch (.msp)
/// delivers whole: the files are extracted into a temporary folder (removed afterwards), each
/// that is a PE file is verified. Files that are not PE files are left out; a patch's binary
/// deltas cannot be checked without their target and are left out too.
pub fn verify_payload(path: &Path, cx: &Context) -> Result<Payload> {
    use crate::formats::authenticode::pe;
    use crate::views::{patch, payload};
    let c = Container::open(path)?;
    let tmp = temp_dir()?;
    let props = std::collections::HashMap::new();
    // (File key, relative path) of every file written.
    let mut missing = Vec::new();
    let written: Vec<(String, PathBuf)> = match c.kind() {
        crate::formats::container::PackageKind::Patch => {
            patch::files::extract(path, &tmp.0, None, &props)?
                .into_iter()
                .filter(|x| x.delivery == patch::files::Delivery::Whole)
                .map(|x| (x.file, PathBuf::from(x.path)))
                .collect()
        }
        crate::formats::container::PackageKind::Database => {
            // Every File row is written (a second row on one path as NAME.duplicateN), and
            // each is checked where the report says it went.
            let report = payload::extract(
                path,
                &tmp.0,
                payload::ExtractOptions::default(),
                &props,
                &payload::no_progress,
            )?;
            missing = report.problems;
            report
                .files
                .iter()
                .map(|f| (f.name.clone(), PathBuf::from(&f.path)))
                .collect()
        }
        crate::formats::container::PackageKind::Transform => {
            return Err(Error::refused(
                "a transform carries no files (--payload is for packages and patches)",
            )
            .in_file(c.name()));
        }
    };
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (file, rel) in written {
        if !seen.insert(rel.clone()) {
            continue; // a row shadowed by a later one at the same path
        }
        let full = tmp.0.join(&rel);
        let Ok(bytes) = std::fs::read(&full) else {
            continue;
        };
        if !pe::looks_like_pe(&bytes) {
            continue;
        }
        let shown = rel.display().to_string();
        let (verdict, signer, problems) = match verify_pe(&shown, &bytes, cx) {
            Ok(v) => (
                v.verdict,
                v.signature
                    .as_ref()
                    .and_then(|s| s.signer.as_ref())
                    .map(|c| c.subject.clone()),
                v.problems,
            ),
            Err(e) => (Verdict::Malformed, None, vec![e]),
        };
        out.push(PayloadFile {
            file,
            path: shown,
            verdict,
            signer,
            problems,
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Payload {
        files: out,
        not_checked: missing,
    })
}

/// The PE files of a payload, and the files that could not be extracted to be checked.
#[derive(Debug, Clone, Serialize)]
pub struct Payload {
    pub files: Vec<PayloadFile>,
    /// Files that could not be read out of the package (a missing external cabinet...): they
    /// were not checked, and the check does not pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_checked: Vec<String>,
}

impl Payload {
    /// Every PE valid and nothing left unchecked.
    pub fn ok(&self) -> bool {
        self.not_checked.is_empty() && self.files.iter().all(|x| x.verdict == Verdict::Valid)
    }
}
