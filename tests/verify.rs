//! `msikit verify` against osslsigncode: the digests of every signed compound file in the
//! corpus, packages signed here by osslsigncode with a test CA made by openssl (keys are
//! generated in the test, never committed), a package changed after signing by msibuild, and
//! malformed signatures. osslsigncode always runs with `-ignore-crl -ignore-cdp`: it never goes
//! to the network.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{copy_compound_file, corpus, require, run_msikit};

fn scratch() -> PathBuf {
    let d = std::env::temp_dir().join(format!("msikit-verify-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("the program runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A test PKI: a root CA, a code-signing certificate and a time-stamping authority under it.
struct Pki {
    ca: PathBuf,
    leaf: PathBuf,
    leaf_key: PathBuf,
    tsa_chain: PathBuf,
    tsa_key: PathBuf,
}

const OPENSSL_CONFIG: &str = "\
[req]
distinguished_name=dn
[dn]
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=codeSigning
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tsa]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=critical,timeStamping
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
";

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        require("openssl");
        let d = scratch().join("pki");
        std::fs::create_dir_all(&d).unwrap();
        let cnf = d.join("openssl.cnf");
        std::fs::write(&cnf, OPENSSL_CONFIG).unwrap();
        let p = |n: &str| d.join(n);
        let openssl = |args: &[&str]| {
            run(Command::new("openssl").args(args).current_dir(&d));
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=msikit Test Root CA",
            "-days",
            "3650",
            "-extensions",
            "ca",
            "-config",
            "openssl.cnf",
            "-set_serial",
            "1",
        ]);
        for (name, subj, serial, ext) in [
            (
                "leaf",
                "/C=US/O=msikit tests/CN=msikit Test Signer",
                "0x1234",
                "leaf",
            ),
            ("tsa", "/CN=msikit Test TSA", "0x5678", "tsa"),
        ] {
            openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                subj,
                "-config",
                "openssl.cnf",
            ]);
            openssl(&[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-set_serial",
                serial,
                "-days",
                "3000",
                "-extfile",
                "openssl.cnf",
                "-extensions",
                ext,
                "-out",
                &format!("{name}.pem"),
            ]);
        }
        let chain = [
            std::fs::read(p("tsa.pem")).unwrap(),
            std::fs::read(p("ca.pem")).unwrap(),
        ]
        .concat();
        std::fs::write(p("tsa-chain.pem"), chain).unwrap();
        Pki {
            ca: p("ca.pem"),
            leaf: p("leaf.pem"),
            leaf_key: p("leaf.key"),
            tsa_chain: p("tsa-chain.pem"),
            tsa_key: p("tsa.key"),
        }
    })
}

/// What `osslsigncode verify` says: exit status, the calculated values, the signer's subject.
struct Ossl {
    ok: bool,
    calculated: Option<String>,
    calculated_ex: Option<String>,
    /// A cabinet's "Calculated message digest".
    calculated_md: Option<String>,
    subject: Option<String>,
    text: String,
}

fn osslsigncode_verify(file: &Path, ca: Option<&Path>) -> Ossl {
    require("osslsigncode");
    let mut cmd = Command::new("osslsigncode");
    cmd.args(["verify", "-ignore-crl", "-ignore-cdp"]);
    if let Some(ca) = ca {
        cmd.arg("-CAfile").arg(ca).arg("-TSA-CAfile").arg(ca);
    }
    let out = cmd
        .arg("-in")
        .arg(file)
        .output()
        .expect("osslsigncode runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let value = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|v| v.split_whitespace().next())
            .map(str::to_string)
    };
    Ossl {
        ok: out.status.success(),
        calculated: value("Calculated DigitalSignature"),
        calculated_ex: value("Calculated MsiDigitalSignatureEx"),
        calculated_md: value("Calculated message digest"),
        subject: text
            .lines()
            .find(|l| l.trim_start().starts_with("Subject:"))
            .map(|l| l.trim_start()["Subject:".len()..].trim().to_string()),
        text,
    }
}

/// `msikit verify --json` on one file: exit code and its object.
fn msikit_verify(file: &Path, trust: Option<&Path>) -> (i32, serde_json::Value) {
    let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), "--json".as_ref()];
    if let Some(t) = trust {
        args.push("--trust".as_ref());
        args.push(t.as_os_str());
    }
    args.push(file.as_os_str());
    let out = run_msikit(&args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: JSON: {e}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v[0].clone())
}

fn digest(v: &serde_json::Value, name: &str) -> Option<String> {
    v["digests"]
        .as_array()?
        .iter()
        .find(|d| d["name"] == name)
        .and_then(|d| d["computed"].as_str())
        .map(str::to_string)
}

fn signed_compound_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for f in common::manifest() {
        if !matches!(f.kind.as_str(), "msi" | "msm" | "msp" | "mst") {
            continue;
        }
        let Ok(c) = msikit::Container::open(&f.path) else {
            continue;
        };
        if c.entries()
            .iter()
            .any(|e| e.raw_path == "\u{5}DigitalSignature")
        {
            out.push(f.path.clone());
        }
    }
    out
}

#[test]
fn corpus_digests_signers_and_verdicts_agree_with_osslsigncode() {
    let files = signed_compound_files();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "minimal-signed-with-signtool.msi",
        "hello_world.msi",
        "IviNetSharedComponents32_Fx20_1.3.0.msi",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} is not among the signed corpus files {names:?}"
        );
    }
    assert!(files.len() >= 7, "{names:?}");
    let _ = corpus();
    let results = common::par_map(&files, |f| {
        (msikit_verify(f, None), osslsigncode_verify(f, None))
    });
    for (f, ((code, v), o)) in files.iter().zip(results) {
        let shown = f.display();
        assert!(o.calculated.is_some(), "{shown}: osslsigncode: {}", o.text);
        assert_eq!(digest(&v, "DigitalSignature"), o.calculated, "{shown}");
        assert_eq!(
            digest(&v, "MsiDigitalSignatureEx"),
            o.calculated_ex,
            "{shown}"
        );
        let subject = v["signature"]["signer"]["subject"]
            .as_str()
            .map(str::to_string);
        match &o.subject {
            Some(_) => assert_eq!(subject, o.subject, "{shown}"),
            // osslsigncode stops before the signer when a digest does not match: then the
            // signer's common name must be among the certificates openssl finds in the
            // extracted signature.
            None => {
                let cn = subject
                    .as_deref()
                    .and_then(|s| s.split("/CN=").nth(1))
                    .unwrap();
                let certs = signature_certificates(f);
                assert!(
                    certs.contains(&format!("CN = {cn}")),
                    "{shown}: {cn} in {certs}"
                );
            }
        }
        assert_eq!(
            code == 0,
            o.ok,
            "{shown}: msikit {v:#}\nosslsigncode {}",
            o.text
        );
        assert_ne!(code, 2, "{shown}");
    }
}

/// `openssl pkcs7 -print_certs` of the signature osslsigncode extracts.
fn signature_certificates(f: &Path) -> String {
    let sig = scratch().join(format!(
        "extracted-{}.p7",
        f.file_name().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_file(&sig);
    run(Command::new("osslsigncode")
        .args(["extract-signature", "-in"])
        .arg(f)
        .arg("-out")
        .arg(&sig));
    let out = run(Command::new("openssl")
        .args(["pkcs7", "-inform", "DER", "-print_certs", "-noout", "-in"])
        .arg(&sig));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_jsign_package_is_unchanged_and_its_chain_is_named() {
    let f = corpus()
        .join("ebourg__jsign/jsign-core__src__test__resources__minimal-signed-with-signtool.msi");
    let (code, v) = msikit_verify(&f, None);
    assert_eq!(code, 1);
    assert_eq!(v["verdict"], "untrusted");
    assert_eq!(v["signature"]["digest_algorithm"], "SHA1");
    assert_eq!(v["signature"]["signature_valid"], true);
    let chain = v["signature"]["chain"]["certificates"].as_array().unwrap();
    assert_eq!(chain[0]["serial"], "FF4E6716A6AE6710");
    assert_eq!(chain[1]["subject"], "/CN=Jsign Code Signing CA");
    assert!(v["problems"][0]
        .as_str()
        .unwrap()
        .contains("/CN=Jsign Root Certificate Authority"));
    assert!(v["digests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["matches"] == true));
}

#[test]
fn the_countersignature_of_an_old_symantec_timestamp_checks() {
    let f = corpus().join("activescott__lessmsi/src__Lessmsi.Tests__TestFiles__MsiInput__IviNetSharedComponents32_Fx20_1.3.0.msi");
    let (_, v) = msikit_verify(&f, None);
    let ts = &v["signature"]["timestamp"];
    assert_eq!(ts["kind"], "countersignature");
    assert_eq!(ts["valid"], true, "{v:#}");
    assert_eq!(ts["time"], "2016-10-19 16:06:51 UTC");
    assert_eq!(
        ts["signer"]["subject"],
        "/C=US/O=Symantec Corporation/CN=Symantec Time Stamping Services Signer - G4"
    );
}

fn sign(input: &Path, out: &Path, extra: &[&str]) {
    let p = pki();
    let _ = std::fs::remove_file(out);
    run(Command::new("osslsigncode")
        .arg("sign")
        .arg("-certs")
        .arg(&p.leaf)
        .arg("-key")
        .arg(&p.leaf_key)
        .args(extra)
        .arg("-in")
        .arg(input)
        .arg("-out")
        .arg(out));
}

fn now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string()
}

#[test]
fn packages_signed_by_osslsigncode_verify_with_the_test_ca() {
    require("osslsigncode");
    let p = pki();
    let dir = scratch();
    let t = now();
    let tsa: Vec<&str> = vec![
        "-TSA-certs",
        p.tsa_chain.to_str().unwrap(),
        "-TSA-key",
        p.tsa_key.to_str().unwrap(),
        "-TSA-time",
        &t,
    ];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("testdata/sample.msi", vec!["-h", "sha256"]),
        ("testdata/sample.msi", vec!["-h", "sha1", "-add-msi-dse"]),
        (
            "testdata/sample.msp",
            [&["-h", "sha384", "-add-msi-dse"][..], &tsa].concat(),
        ),
        (
            "testdata/sample.mst",
            [&["-h", "sha512"][..], &tsa].concat(),
        ),
        (
            "testdata/exchange2007/ur1.msp",
            vec!["-h", "sha256", "-add-msi-dse"],
        ),
    ];
    for (i, (input, extra)) in cases.iter().enumerate() {
        let out = dir.join(format!(
            "signed-{i}-{}",
            Path::new(input).file_name().unwrap().to_string_lossy()
        ));
        sign(Path::new(input), &out, extra);
        let o = osslsigncode_verify(&out, Some(&p.ca));
        assert!(o.ok, "{input} {extra:?}: osslsigncode: {}", o.text);
        let (code, v) = msikit_verify(&out, Some(&p.ca));
        assert_eq!(code, 0, "{input} {extra:?}: {v:#}");
        assert_eq!(v["verdict"], "valid");
        assert_eq!(digest(&v, "DigitalSignature"), o.calculated, "{input}");
        assert_eq!(
            digest(&v, "MsiDigitalSignatureEx"),
            o.calculated_ex,
            "{input}"
        );
        assert_eq!(
            v["signature"]["signer"]["subject"],
            "/C=US/O=msikit tests/CN=msikit Test Signer"
        );
        assert_eq!(v["signature"]["chain"]["trusted"], true);
        if extra.contains(&"-TSA-key") {
            let ts = &v["signature"]["timestamp"];
            assert_eq!(ts["kind"], "rfc3161", "{v:#}");
            assert_eq!(ts["valid"], true, "{v:#}");
            assert_eq!(ts["used"], true, "{v:#}");
            assert_eq!(ts["unix_time"].as_i64().unwrap().to_string(), t);
            assert_eq!(ts["signer"]["subject"], "/CN=msikit Test TSA");
        }
        // Without the test CA both say the chain is not trusted.
        let (code, v) = msikit_verify(&out, None);
        assert_eq!(
            (code, v["verdict"].as_str()),
            (1, Some("untrusted")),
            "{input}"
        );
        assert!(!osslsigncode_verify(&out, None).ok, "{input}");
    }
}

#[test]
fn a_property_rewritten_after_signing_is_tampered_for_both() {
    require("msibuild");
    let p = pki();
    let dir = scratch();
    for (name, extra) in [
        ("plain", vec!["-h", "sha256"]),
        ("ex", vec!["-h", "sha256", "-add-msi-dse"]),
    ] {
        let signed = dir.join(format!("tamper-{name}.msi"));
        sign(Path::new("testdata/sample.msi"), &signed, &extra);
        run(Command::new("msibuild").arg(&signed).args([
            "-q",
            "UPDATE Property SET Value='Not Contoso' WHERE Property='Manufacturer'",
        ]));
        let o = osslsigncode_verify(&signed, Some(&p.ca));
        assert!(!o.ok && o.text.contains("MISMATCH"), "{}", o.text);
        let (code, v) = msikit_verify(&signed, Some(&p.ca));
        assert_eq!(code, 1);
        assert_eq!(v["verdict"], "tampered", "{v:#}");
        assert_eq!(digest(&v, "DigitalSignature"), o.calculated);
        let problem = v["problems"][0].as_str().unwrap();
        assert!(
            problem.starts_with("DigitalSignature does not match")
                || problem.starts_with("MsiDigitalSignatureEx does not match"),
            "{problem}"
        );
        // The signer's own signature is still fine: only the file changed.
        assert_eq!(v["signature"]["signature_valid"], true);
    }
}

#[test]
fn unsigned_unreadable_and_several_files() {
    let out = run_msikit(&[
        "verify".as_ref(),
        "testdata/sample.msi".as_ref(),
        "Cargo.toml".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Verdict:  unsigned"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Cargo.toml"));
    let (code, v) = msikit_verify(Path::new("testdata/sample.msp"), None);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("unsigned")));
}

/// A signed package whose DigitalSignature stream is replaced by `edit` of it.
fn with_signature(name: &str, edit: impl Fn(Vec<u8>) -> Vec<u8>) -> PathBuf {
    let dir = scratch();
    let signed = dir.join(format!("malformed-src-{name}.msi"));
    sign(Path::new("testdata/sample.msi"), &signed, &["-h", "sha256"]);
    let out = dir.join(format!("malformed-{name}.msi"));
    copy_compound_file(
        &signed,
        &out,
        |_| true,
        |e, b| {
            if e.raw_path == "\u{5}DigitalSignature" {
                edit(b)
            } else {
                b
            }
        },
    );
    out
}

/// A change to a signature's bytes.
type Edit = Box<dyn Fn(Vec<u8>) -> Vec<u8>>;

#[test]
fn malformed_signatures_get_a_verdict_never_a_panic() {
    let p = pki();
    let leaf_der = run(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(&p.leaf))
    .stdout;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "truncated",
            Box::new(|b: Vec<u8>| b[..b.len() / 2].to_vec()),
        ),
        ("empty", Box::new(|_| Vec::new())),
        ("garbage", Box::new(|_| vec![0xFF; 300])),
        (
            "not-signed-data",
            Box::new(|mut b: Vec<u8>| {
                // The content type OID 1.2.840.113549.1.7.2 becomes ...7.1 (data).
                let i = b
                    .windows(9)
                    .position(|w| w == [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02])
                    .unwrap();
                b[i + 8] = 0x01;
                b
            }),
        ),
        (
            "bad-certificate",
            Box::new(move |mut b: Vec<u8>| {
                // The signer's certificate: its body's SEQUENCE tag becomes a SET, so it cannot
                // be read and the signer's certificate is missing.
                let i = b.windows(64).position(|w| w == &leaf_der[..64]).unwrap();
                b[i + 4] = 0x31;
                b
            }),
        ),
        (
            "flipped-signature-byte",
            Box::new(|mut b: Vec<u8>| {
                let n = b.len();
                b[n - 10] ^= 0x55;
                b
            }),
        ),
    ];
    for (name, edit) in cases {
        let f = with_signature(name, edit);
        let (code, v) = msikit_verify(&f, Some(&p.ca));
        assert_eq!(code, 1, "{name}: {v:#}");
        let verdict = v["verdict"].as_str().unwrap();
        assert!(
            ["malformed", "bad-signature", "untrusted"].contains(&verdict),
            "{name}: {v:#}"
        );
        assert!(!v["problems"].as_array().unwrap().is_empty(), "{name}");
        assert!(!osslsigncode_verify(&f, Some(&p.ca)).ok, "{name}");
    }
}

#[test]
fn the_committed_signed_sample_verifies_for_both() {
    let ca = Path::new("testdata/signed/test-ca.pem");
    let f = Path::new("testdata/signed/sample-signed.msi");
    let o = osslsigncode_verify(f, Some(ca));
    assert!(o.ok, "{}", o.text);
    let (code, v) = msikit_verify(f, Some(ca));
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v:#}");
    assert_eq!(digest(&v, "DigitalSignature"), o.calculated);
    assert_eq!(digest(&v, "MsiDigitalSignatureEx"), o.calculated_ex);
    assert_eq!(v["signature"]["timestamp"]["kind"], "rfc3161");
}

/// The cabinets of the corpus whose header reserve holds a signature.
fn signed_cabinets() -> Vec<PathBuf> {
    common::manifest()
        .into_iter()
        .filter(|f| f.kind == "cab")
        .filter(|f| {
            let b = std::fs::read(&f.path).unwrap_or_default();
            b.len() > 52
                && b[30] & 4 != 0
                && b[36..40] == [20, 0, 0, 0]
                && b[44..48] != [0, 0, 0, 0]
        })
        .map(|f| f.path)
        .collect()
}

#[test]
fn corpus_cabinets_agree_with_osslsigncode() {
    let files = signed_cabinets();
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in [
        "cabinet-sample-3-signed@9847b720.cab",
        "test-signed.cab",
        "signed_cab1.cab",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} not in {names:?}"
        );
    }
    for f in &files {
        let shown = f.display();
        let o = osslsigncode_verify(f, None);
        let (code, v) = msikit_verify(f, None);
        assert_eq!(v["kind"], "cabinet");
        if o.calculated_md.is_none() {
            // osslsigncode refuses continuation cabinets (jsign's temp01/disk2, whose
            // signature area is reserved but empty); both fail.
            let named = ["cabinet-sample-3-signed", "test-signed", "signed_cab1"];
            assert!(
                !named.iter().any(|n| shown.to_string().contains(n)),
                "{}",
                o.text
            );
            assert!(!o.ok && code == 1, "{shown}: {v:#}");
            continue;
        }
        assert_eq!(digest(&v, "message digest"), o.calculated_md, "{shown}");
        assert_eq!(
            v["signature"]["signer"]["subject"]
                .as_str()
                .map(str::to_string),
            o.subject,
            "{shown}"
        );
        assert_eq!(code == 0, o.ok, "{shown}: {v:#}\n{}", o.text);
    }
}

#[test]
fn a_cabinet_signed_by_osslsigncode_verifies_and_a_changed_byte_is_tampered() {
    require("gcab");
    let p = pki();
    let dir = scratch().join("cab");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("a.txt"),
        "hello from a signed cabinet\n".repeat(50),
    )
    .unwrap();
    std::fs::write(dir.join("b.txt"), "second file\n").unwrap();
    let cab = dir.join("plain.cab");
    let _ = std::fs::remove_file(&cab);
    run(Command::new("gcab")
        .current_dir(&dir)
        .args(["-c", "-z", "plain.cab", "a.txt", "b.txt"]));
    let (code, v) = msikit_verify(&cab, Some(&p.ca));
    assert_eq!((code, v["verdict"].as_str()), (1, Some("unsigned")));
    for alg in ["sha1", "sha256", "sha512"] {
        let signed = dir.join(format!("signed-{alg}.cab"));
        sign(&cab, &signed, &["-h", alg]);
        let o = osslsigncode_verify(&signed, Some(&p.ca));
        assert!(o.ok, "{}", o.text);
        let (code, v) = msikit_verify(&signed, Some(&p.ca));
        assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v:#}");
        assert_eq!(digest(&v, "message digest"), o.calculated_md);
        // One byte of the compressed data changed: the digest no longer matches for either.
        let mut bytes = std::fs::read(&signed).unwrap();
        let at = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize + 40;
        bytes[at] ^= 0x20;
        let changed = dir.join(format!("changed-{alg}.cab"));
        std::fs::write(&changed, bytes).unwrap();
        let o = osslsigncode_verify(&changed, Some(&p.ca));
        assert!(!o.ok && o.text.contains("MISMATCH"), "{}", o.text);
        let (code, v) = msikit_verify(&changed, Some(&p.ca));
        assert_eq!(
            (code, v["verdict"].as_str()),
            (1, Some("tampered")),
            "{v:#}"
        );
        assert_eq!(digest(&v, "message digest"), o.calculated_md);
    }
}

/// The fuzz target's entry points (fuzz/fuzz_targets/authenticode.rs) on deterministic mutations
/// of real signatures: signtool's, Symantec's countersigned one, an RFC 3161 timestamped one, and
/// the signed cabinet around one. None may panic; whatever they return is fine.
#[test]
fn mutated_signatures_never_panic() {
    use msikit::formats::authenticode::{self, cab, DigestAlg};
    let seeds_msi = [
        corpus().join("ebourg__jsign/jsign-core__src__test__resources__minimal-signed-with-signtool.msi"),
        corpus().join("activescott__lessmsi/src__Lessmsi.Tests__TestFiles__MsiInput__IviNetSharedComponents32_Fx20_1.3.0.msi"),
        PathBuf::from("testdata/signed/sample-signed.msi"),
    ];
    let mut seeds: Vec<Vec<u8>> = seeds_msi
        .iter()
        .map(|p| {
            msikit::Container::open(p)
                .unwrap()
                .read_raw_stream("", "\u{5}DigitalSignature")
                .unwrap()
        })
        .collect();
    let cabinet = std::fs::read(corpus().join(
        "ebourg__jsign/jsign-core__src__test__resources__cabinet-sample-3-signed@9847b720.cab",
    ))
    .unwrap();
    seeds.push(cabinet.clone());
    let (trust, _) =
        msikit::formats::authenticode::trust_store(&[PathBuf::from("testdata/signed/test-ca.pem")])
            .unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    let mut runs = 0;
    for seed in &seeds {
        for _ in 0..1500 {
            let mut b = seed.clone();
            match next(5) {
                0 => {
                    let i = next(b.len());
                    b[i] ^= 1 << next(8);
                }
                1 => b.truncate(next(b.len())),
                2 => {
                    let i = next(b.len());
                    b[i] = [0x00, 0x80, 0x84, 0xFF, 0x30, 0xA0][next(6)];
                }
                3 => {
                    let i = next(b.len());
                    let j = (i + next(64)).min(b.len());
                    b.drain(i..j);
                }
                _ => {
                    let i = next(b.len());
                    let chunk = b[i..(i + next(32)).min(b.len())].to_vec();
                    let k = next(b.len());
                    b.splice(k..k, chunk);
                }
            }
            let _ = authenticode::check(&b, &trust, 1_800_000_000);
            if let Ok(cab::CabSigning::Signed(sig)) = cab::signing(&b, b.len() as u64) {
                let _ = cab::digest(std::io::Cursor::new(&b), sig, DigestAlg::Sha1);
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 6000);
}

/// The manifest of a package with two PE files and a text file.
const PAYLOAD_MANIFEST: &str = r#"
[package]
timestamp = 1700000000

[product]
name = "Payload Test"
manufacturer = "Contoso Ltd."
version = "1.0.0"
code = "{11111111-2222-4333-8444-555555555555}"
upgrade_code = "{11111111-2222-4333-8444-666666666666}"
language = 1033
platform = "x64"

[[directory]]
id = "AppDir"
parent = "ProgramFiles64Folder"
name = "Payload Test"

[[feature]]
id = "Main"
title = "Main"

[[component]]
id = "C_store"
guid = "*"
directory = "AppDir"

[[component]]
id = "C_ese"
guid = "*"
directory = "AppDir"

[[component]]
id = "C_readme"
guid = "*"
directory = "AppDir"

[[file]]
id = "store.exe"
component = "C_store"
source = "store.exe"

[[file]]
id = "ese.dll"
component = "C_ese"
source = "ese.dll"

[[file]]
id = "readme.txt"
component = "C_readme"
source = "readme.txt"
"#;

#[test]
fn payload_names_exactly_the_unsigned_pe() {
    let p = pki();
    let dir = scratch().join("payload");
    std::fs::create_dir_all(&dir).unwrap();
    // store.exe signed by osslsigncode; ese.dll left unsigned.
    sign(
        Path::new("testdata/exchange2007/payload/rtm/store.exe"),
        &dir.join("store.exe"),
        &["-h", "sha256"],
    );
    std::fs::copy(
        "testdata/exchange2007/payload/rtm/ese.dll",
        dir.join("ese.dll"),
    )
    .unwrap();
    std::fs::write(dir.join("readme.txt"), "not a PE file\n").unwrap();
    std::fs::write(dir.join("pkg.toml"), PAYLOAD_MANIFEST).unwrap();
    let out = run_msikit(&[
        "build".as_ref(),
        dir.join("pkg.toml").as_os_str(),
        "-o".as_ref(),
        dir.join("pkg.msi").as_os_str(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signed = dir.join("pkg-signed.msi");
    sign(&dir.join("pkg.msi"), &signed, &["-h", "sha256"]);

    // The PE signed alone: both tools agree on its digest and verdict.
    let o = osslsigncode_verify(&dir.join("store.exe"), Some(&p.ca));
    let (code, v) = msikit_verify(&dir.join("store.exe"), Some(&p.ca));
    assert!(o.ok, "{}", o.text);
    assert_eq!((code, v["kind"].as_str()), (0, Some("pe")), "{v:#}");
    assert_eq!(digest(&v, "message digest"), o.calculated_md);

    let out = run_msikit(&[
        "verify".as_ref(),
        "--payload".as_ref(),
        "--json".as_ref(),
        "--trust".as_ref(),
        p.ca.as_os_str(),
        signed.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "an unsigned PE fails the check");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["verdict"], "valid", "the package itself is fine");
    let payload = v[0]["payload"]["files"].as_array().unwrap();
    let verdicts: Vec<(&str, &str)> = payload
        .iter()
        .map(|x| (x["file"].as_str().unwrap(), x["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(verdicts, [("ese.dll", "unsigned"), ("store.exe", "valid")]);
    assert_eq!(
        payload[1]["signer"],
        "/C=US/O=msikit tests/CN=msikit Test Signer"
    );

    // With both PEs signed the same command passes.
    sign(
        Path::new("testdata/exchange2007/payload/rtm/ese.dll"),
        &dir.join("ese.dll"),
        &["-h", "sha1"],
    );
    let out = run_msikit(&[
        "build".as_ref(),
        dir.join("pkg.toml").as_os_str(),
        "-o".as_ref(),
        dir.join("pkg2.msi").as_os_str(),
    ]);
    assert!(out.status.success());
    let signed2 = dir.join("pkg2-signed.msi");
    sign(&dir.join("pkg2.msi"), &signed2, &["-h", "sha256"]);
    let out = run_msikit(&[
        "verify".as_ref(),
        "--payload".as_ref(),
        "--trust".as_ref(),
        p.ca.as_os_str(),
        signed2.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ese.dll") && !text.contains("unsigned"),
        "{text}"
    );
}

fn msikit_sign(input: &Path, out: &Path, time: &str) -> std::process::Output {
    let p = pki();
    let _ = std::fs::remove_file(out);
    run_msikit(&[
        "sign".as_ref(),
        input.as_os_str(),
        "--cert".as_ref(),
        p.leaf.as_os_str(),
        "--key".as_ref(),
        p.leaf_key.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--time".as_ref(),
        time.as_ref(),
    ])
}

#[test]
fn packages_msikit_signs_verify_with_osslsigncode_and_msikit() {
    let p = pki();
    let dir = scratch().join("sign");
    std::fs::create_dir_all(&dir).unwrap();
    let t = now();
    for input in [
        "testdata/sample.msi",
        "testdata/sample.msm",
        "testdata/sample.msp",
        "testdata/sample.mst",
        "testdata/exchange2007/ur1.msp",
        // Already signed: the signature is replaced.
        "testdata/signed/sample-signed.msi",
    ] {
        let name = Path::new(input).file_name().unwrap().to_string_lossy();
        let out = dir.join(format!("msikit-{name}"));
        let o = msikit_sign(Path::new(input), &out, &t);
        assert!(
            o.status.success(),
            "{input}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let oss = osslsigncode_verify(&out, Some(&p.ca));
        assert!(oss.ok, "{input}: {}", oss.text);
        let (code, v) = msikit_verify(&out, Some(&p.ca));
        assert_eq!(
            (code, v["verdict"].as_str()),
            (0, Some("valid")),
            "{input}: {v:#}"
        );
        assert_eq!(digest(&v, "DigitalSignature"), oss.calculated, "{input}");
        // The same input, certificate, key and time give the same bytes.
        let again = dir.join(format!("again-{name}"));
        assert!(msikit_sign(Path::new(input), &again, &t).status.success());
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&again).unwrap(),
            "{input}"
        );
        // The package reads as before.
        let before = run_msikit(&["tables".as_ref(), input.as_ref()]);
        let after = run_msikit(&["tables".as_ref(), out.as_os_str()]);
        assert_eq!(before.stdout, after.stdout, "{input}");
    }
    // A key that is not the certificate's is refused, nothing written.
    let out = dir.join("wrong-key.msi");
    let _ = std::fs::remove_file(&out);
    let o = run_msikit(&[
        "sign".as_ref(),
        "testdata/sample.msi".as_ref(),
        "--cert".as_ref(),
        p.leaf.as_os_str(),
        "--key".as_ref(),
        p.tsa_key.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not the key of the certificate"));
    assert!(!out.exists());
}

#[test]
fn check_flags_a_patch_changed_after_signing() {
    let dir = scratch().join("check");
    std::fs::create_dir_all(&dir).unwrap();
    let signed = dir.join("ur1-signed.msp");
    sign(
        Path::new("testdata/exchange2007/ur1.msp"),
        &signed,
        &["-h", "sha256"],
    );
    let mut bytes = std::fs::read(&signed).unwrap();
    let cab = bytes.windows(4).position(|w| w == b"MSCF").unwrap();
    bytes[cab + 200] ^= 0x40;
    let changed = dir.join("ur1-changed.msp");
    std::fs::write(&changed, bytes).unwrap();
    let check = |patch: &Path| {
        let out = run_msikit(&[
            "check".as_ref(),
            "--json".as_ref(),
            patch.as_os_str(),
            "--msi".as_ref(),
            "testdata/exchange2007/rtm.msi".as_ref(),
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), v)
    };
    let (code, v) = check(&signed);
    assert_eq!(code, Some(0));
    assert!(v.get("signature_warnings").is_none(), "{v:#}");
    let (code, v) = check(&changed);
    assert_eq!(
        code,
        Some(0),
        "applicability does not depend on the signature"
    );
    let w = v["signature_warnings"][0].as_str().unwrap();
    assert!(
        w.contains("signature tampered") && w.contains("DigitalSignature"),
        "{w}"
    );
    let o = osslsigncode_verify(&changed, Some(&pki().ca));
    assert!(!o.ok && o.text.contains("MISMATCH"), "{}", o.text);
}

#[test]
fn a_timestamp_token_from_openssl_ts_is_embedded_when_it_is_over_the_signature() {
    let p = pki();
    let dir = scratch().join("tsfile");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("ts.cnf"),
        "[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = ./tsaserial\nsigner_digest = sha256\n\
         default_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\n\
         ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
    )
    .unwrap();
    std::fs::write(dir.join("tsaserial"), "01\n").unwrap();
    let t = now();
    // Step 1: sign, and read the imprint the time-stamping authority must stamp.
    let first = dir.join("first.msi");
    let o = msikit_sign(Path::new("testdata/sample.msi"), &first, &t);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let imprint = text
        .split("a token over SHA256 ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .to_string();
    // Step 2: a token from openssl ts, as a TSA would give it.
    let openssl = |args: &[&str]| {
        run(Command::new("openssl").args(args).current_dir(&dir));
    };
    openssl(&[
        "ts",
        "-query",
        "-digest",
        &imprint,
        "-sha256",
        "-cert",
        "-no_nonce",
        "-out",
        "req.tsq",
    ]);
    let (tsa_key, tsa_chain) = (p.tsa_key.to_str().unwrap(), p.tsa_chain.to_str().unwrap());
    let tsa_pem = p.tsa_chain.with_file_name("tsa.pem");
    openssl(&[
        "ts",
        "-reply",
        "-config",
        "ts.cnf",
        "-queryfile",
        "req.tsq",
        "-inkey",
        tsa_key,
        "-signer",
        tsa_pem.to_str().unwrap(),
        "-chain",
        tsa_chain,
        "-token_out",
        "-out",
        "token.der",
    ]);
    // Step 3: sign again at the same time with the token: the same signature, now stamped.
    let stamped = dir.join("stamped.msi");
    let _ = std::fs::remove_file(&stamped);
    let o = run_msikit(&[
        "sign".as_ref(),
        "testdata/sample.msi".as_ref(),
        "--cert".as_ref(),
        p.leaf.as_os_str(),
        "--key".as_ref(),
        p.leaf_key.as_os_str(),
        "-o".as_ref(),
        stamped.as_os_str(),
        "--time".as_ref(),
        t.as_ref(),
        "--timestamp-file".as_ref(),
        dir.join("token.der").as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let oss = osslsigncode_verify(&stamped, Some(&p.ca));
    assert!(
        oss.ok
            && oss
                .text
                .contains("Timestamp Server Signature verification: ok"),
        "{}",
        oss.text
    );
    let (code, v) = msikit_verify(&stamped, Some(&p.ca));
    assert_eq!(code, 0, "{v:#}");
    let ts = &v["signature"]["timestamp"];
    assert_eq!(
        (ts["kind"].as_str(), ts["valid"].as_bool()),
        (Some("rfc3161"), Some(true))
    );
    assert_eq!(ts["unix_time"].as_i64().unwrap().to_string(), t);
    // The same token with another signing time (another signature) is refused, nothing written.
    let other = dir.join("other.msi");
    let _ = std::fs::remove_file(&other);
    let later = (t.parse::<i64>().unwrap() + 60).to_string();
    let o = run_msikit(&[
        "sign".as_ref(),
        "testdata/sample.msi".as_ref(),
        "--cert".as_ref(),
        p.leaf.as_os_str(),
        "--key".as_ref(),
        p.leaf_key.as_os_str(),
        "-o".as_ref(),
        other.as_os_str(),
        "--time".as_ref(),
        later.as_ref(),
        "--timestamp-file".as_ref(),
        dir.join("token.der").as_os_str(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not over this signature"));
    assert!(!other.exists());
}
