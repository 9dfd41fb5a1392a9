//! `msikit sign FILE --cert C.pem --key K.pem -o OUT`: Authenticode-sign a compound file.

use std::io::Write;
use std::path::PathBuf;

use super::render::{self, Style};

#[derive(clap::Args)]
pub struct Args {
    /// The package, merge module, patch or transform to sign
    file: PathBuf,
    /// The signer's certificate first, then intermediates to carry (PEM or DER)
    #[arg(long, value_name = "C.pem")]
    cert: PathBuf,
    /// The signer's RSA private key (unencrypted PEM, PKCS#8 or PKCS#1)
    #[arg(long, value_name = "K.pem")]
    key: PathBuf,
    /// Where to write the signed file (written under a temporary name, then renamed)
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: PathBuf,
    /// The signing time, seconds since 1970 (default: now); the same time gives the same bytes
    #[arg(long, value_name = "UNIX")]
    time: Option<i64>,
    /// An RFC 3161 timestamp token (DER) over this signature, to embed: sign once, ask the
    /// time-stamping authority for a token over the printed imprint, sign again with the same
    /// --time and this option
    #[arg(long, value_name = "T.der")]
    timestamp_file: Option<PathBuf>,
    /// Print JSON instead of text
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args, out: &mut dyn Write, style: &Style) -> msikit::Result<i32> {
    let time = a.time.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    });
    let s = msikit::jobs::sign::sign(
        &a.file,
        &a.output,
        &a.cert,
        &a.key,
        time,
        a.timestamp_file.as_deref(),
    )?;
    render::show(out, a.json, &s, |out| {
        let mut f = vec![
            ("Signed".to_string(), s.output.clone()),
            ("From".to_string(), s.file.clone()),
            (
                "Digest".to_string(),
                format!("{} {}", s.digest_algorithm.name(), s.digest),
            ),
            ("Signer".to_string(), s.signer.subject.clone()),
            ("Serial".to_string(), s.signer.serial.clone()),
            ("Signing time".to_string(), s.time.clone()),
            (
                "Replaced".to_string(),
                if s.replaced_signature {
                    "the existing signature".into()
                } else {
                    "nothing (the input was not signed)".into()
                },
            ),
        ];
        f.push((
            "Timestamp".to_string(),
            match &s.timestamp {
                Some(t) => format!("{t} (RFC 3161)"),
                None => format!(
                    "none (a token over SHA256 {} can be added)",
                    s.timestamp_imprint
                ),
            },
        ));
        render::fields(out, style, &f)?;
        Ok(())
    })?;
    Ok(0)
}
