//! Files msikit writes: every finished output goes to a temporary name in its folder and is
//! renamed into place, so a failure never leaves a half-written file under the real name; and
//! the one rule that makes a name taken from a package or a cabinet safe as a file name.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};

/// A temporary name in the same folder, short whatever the final name's length (a 255-byte name
/// is legal, and a longer one is not), and unique in the process and across processes.
pub fn temp_path(path: &Path) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".msikit-{}-{n}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` through a temporary name and a rename, so a failure leaves nothing
/// half-written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_path(path);
    let res = fs::write(&tmp, bytes).and_then(|_| fs::rename(&tmp, path));
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(e).in_file(path.display().to_string()));
    }
    Ok(())
}

/// Longest file name, in bytes of UTF-8: Linux's NAME_MAX (Windows allows 255 UTF-16 units,
/// which such a name never exceeds).
pub const NAME_MAX: usize = 255;

/// A name from a package or a cabinet (a path component, a table or stream name) made safe as
/// one file name inside the chosen folder, the same on Linux and on Windows: separators (`/`,
/// `\`), the characters Windows does not allow in a name (`: * ? " < > |`; `:` would name an NTFS
/// stream), NUL and control characters become `_`; so do dots and spaces at the end of the name,
/// which Windows drops (`.` and `..` become `_` and `__`); the empty name and the DOS device
/// names (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`, `LPT1`-`LPT9`, with any extension) get a
/// leading `_`; a name longer than [`NAME_MAX`] bytes is cut to fit (see [`fit_name`]). Every
/// other name is kept as it is.
pub fn safe_file_name(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control() {
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
    // Windows drops dots and spaces at the end of a name ("a." and "a" are one file; "." and
    // ".." are folders): each becomes `_`, so the name is the same on both systems.
    let kept = cleaned.trim_end_matches(['.', ' ']);
    let cleaned = format!("{kept}{}", "_".repeat(cleaned.len() - kept.len()));
    let named = if cleaned.is_empty() || device {
        format!("_{cleaned}")
    } else {
        cleaned
    };
    fit_name(&named, "")
}

/// `name` with `suffix` added, cut to at most [`NAME_MAX`] bytes: when too long, the part
/// before the extension (the last `.` and up to 16 bytes after it) is cut at a character
/// boundary, so the extension and the suffix stay.
pub fn fit_name(name: &str, suffix: &str) -> String {
    if name.len() + suffix.len() <= NAME_MAX {
        return format!("{name}{suffix}");
    }
    let ext_at = name
        .rfind('.')
        .filter(|&i| i > 0 && name.len() - i <= 16)
        .unwrap_or(name.len());
    let (stem, ext) = name.split_at(ext_at);
    let room = NAME_MAX.saturating_sub(ext.len() + suffix.len());
    let mut cut = room.min(stem.len());
    while !stem.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{ext}{suffix}", &stem[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_kept_inside_the_folder() {
        assert_eq!(safe_file_name(".."), "__");
        assert_eq!(safe_file_name("."), "_");
        assert_eq!(safe_file_name("name. . "), "name____");
        assert_eq!(safe_file_name(".hidden"), ".hidden");
        assert_eq!(safe_file_name(""), "_");
        assert_eq!(safe_file_name("a/b\\c:d"), "a_b_c_d");
        assert_eq!(safe_file_name("tab\there\u{7f}"), "tab_here_");
        assert_eq!(safe_file_name("CON"), "_CON");
        assert_eq!(safe_file_name("com1.txt"), "_com1.txt");
        assert_eq!(safe_file_name("console.log"), "console.log");
        assert_eq!(safe_file_name("Binary.ExchangeIcon"), "Binary.ExchangeIcon");
        assert_eq!(safe_file_name("a*b?c\"d<e>f|g"), "a_b_c_d_e_f_g");
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension() {
        let n255 = format!("{}.txt", "a".repeat(251));
        assert_eq!(safe_file_name(&n255), n255);
        let long = format!("{}.txt", "é".repeat(200));
        let cut = safe_file_name(&long);
        assert!(cut.len() <= NAME_MAX && cut.ends_with("é.txt"), "{cut}");
        let dup = fit_name(&n255, ".duplicate1");
        assert_eq!(dup.len(), NAME_MAX);
        assert!(dup.ends_with("a.txt.duplicate1"), "{dup}");
    }
}
