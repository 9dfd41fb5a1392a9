//! Files msikit writes: every finished output goes to a temporary name in its folder and is
//! renamed into place, so a failure never leaves a half-written file under the real name; and
//! the one rule that makes a name taken from a package or a cabinet safe as a file name.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` through a temporary name and a rename, so a failure leaves nothing
/// half-written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.msikit-tmp"));
    let res = fs::write(&tmp, bytes).and_then(|_| fs::rename(&tmp, path));
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(e).in_file(path.display().to_string()));
    }
    Ok(())
}

/// A name from a package or a cabinet (a path component, a table or stream name) made safe as
/// one file name inside the chosen folder, on Linux and on Windows: separators (`/`, `\\`), `:`
/// (an NTFS stream on Windows), NUL and control characters become `_`; `.`, `..`, the empty name
/// and the DOS device names (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`, `LPT1`-`LPT9`, with any
/// extension) get a leading `_`. Every other name is kept as it is.
pub fn safe_file_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '\0') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let upper = cleaned.to_ascii_uppercase();
    let stem = upper.split('.').next().unwrap_or("").trim_end();
    let device = matches!(stem, "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.as_bytes().get(3).is_some_and(u8::is_ascii_digit));
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." || device {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn names_are_kept_inside_the_folder() {
        assert_eq!(safe_file_name(".."), "_..");
        assert_eq!(safe_file_name("."), "_.");
        assert_eq!(safe_file_name(""), "_");
        assert_eq!(safe_file_name("a/b\\c:d"), "a_b_c_d");
        assert_eq!(safe_file_name("tab\there\u{7f}"), "tab_here_");
        assert_eq!(safe_file_name("CON"), "_CON");
        assert_eq!(safe_file_name("com1.txt"), "_com1.txt");
        assert_eq!(safe_file_name("console.log"), "console.log");
        assert_eq!(safe_file_name("Binary.ExchangeIcon"), "Binary.ExchangeIcon");
    }
}
