//! Windows paths compared as Windows compares them. [`WinPath`] holds a path's comparison key:
//! case folded (each character's simple lower case, close to what the NTFS upcase table does),
//! `/` read as `\`, quotes around the path dropped, the `\\?\` and `\??\` prefixes dropped
//! (`\\?\UNC\server\share` is `\\server\share`), `.` and `..` resolved, repeated and trailing
//! separators dropped (a drive root keeps its `\`). `%NAME%` variables are expanded first when
//! an environment is given ([`WinPath::with_env`]).
//!
//! The machine snapshot and the jobs (`locks`, `check`) all compare paths with this one key.

use std::fmt;

/// A Windows path as its comparison key; two paths are the same file when their keys are equal.
///
/// ```
/// use msikit::WinPath;
///
/// let a = WinPath::new(r"\\?\C:\Program Files\Exchange Server\Bin\..\Bin\ESEBACK2.DLL");
/// let b = WinPath::new("c:/program files/exchange server/bin/eseback2.dll");
/// assert_eq!(a, b);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WinPath(String);

/// Where `%SystemRoot%`-style variables come from when the environment given does not have them:
/// `SystemDrive` is `C:`, `SystemRoot` and `windir` are each other or `%SystemDrive%\Windows`,
/// `ProgramFiles` is `%SystemDrive%\Program Files` (and `ProgramW6432` the same),
/// `ProgramFiles(x86)` is `%SystemDrive%\Program Files (x86)`, `ProgramData` is
/// `%SystemDrive%\ProgramData`. Other unknown names stay as written, as ExpandEnvironmentStrings
/// leaves them.
pub fn default_env(name: &str, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let drive = || env("SystemDrive").unwrap_or_else(|| "C:".to_string());
    let lower = fold(name);
    Some(match lower.as_str() {
        "systemdrive" => drive(),
        "systemroot" => env("windir").unwrap_or_else(|| format!("{}\\Windows", drive())),
        "windir" => env("SystemRoot").unwrap_or_else(|| format!("{}\\Windows", drive())),
        "programfiles" | "programw6432" => format!("{}\\Program Files", drive()),
        "programfiles(x86)" => format!("{}\\Program Files (x86)", drive()),
        "programdata" => format!("{}\\ProgramData", drive()),
        _ => return None,
    })
}

/// Expands `%NAME%` as ExpandEnvironmentStrings does: in one pass, an unknown name left as it is.
pub fn expand_env(text: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('%') {
            Some(j) => {
                let name = &after[..j];
                match (!name.is_empty()).then(|| env(name)).flatten() {
                    Some(value) => {
                        out.push_str(&value);
                        rest = &after[j + 1..];
                    }
                    None => {
                        out.push('%');
                        rest = after;
                    }
                }
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Case folding as Windows compares names: each character's simple lower case (a character whose
/// lower case is more than one character stays as it is).
pub fn fold(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Whether two names are equal without case, as [`fold`] compares them.
pub fn eq_fold(a: &str, b: &str) -> bool {
    a.chars().map(fold_char).eq(b.chars().map(fold_char))
}

impl WinPath {
    /// The key of `path` as written (no variables expanded).
    pub fn new(path: &str) -> WinPath {
        WinPath(key(path))
    }

    /// The key of `path` with `%NAME%` expanded from `env`, or from [`default_env`] for the
    /// well-known folders `env` lacks.
    pub fn with_env(path: &str, env: &dyn Fn(&str) -> Option<String>) -> WinPath {
        if !path.contains('%') {
            return WinPath::new(path);
        }
        let lookup = |name: &str| env(name).or_else(|| default_env(name, env));
        WinPath::new(&expand_env(path, &lookup))
    }

    /// The comparison key.
    pub fn key(&self) -> &str {
        &self.0
    }

    pub fn into_key(self) -> String {
        self.0
    }

    /// `self` is `parent` or lies below it.
    pub fn within(&self, parent: &WinPath) -> bool {
        let (child, parent) = (&self.0, &parent.0);
        child == parent
            || (child.starts_with(parent.as_str())
                && (parent.ends_with('\\') || child[parent.len()..].starts_with('\\')))
    }
}

impl fmt::Display for WinPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn key(path: &str) -> String {
    let p = path.trim();
    let p = p
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(p);
    if let Some(k) = plain_key(p) {
        // Most paths (every module a process loads) need nothing but separators and case.
        return k;
    }
    let p = p.replace('/', "\\");
    let p = if let Some(rest) = unc_prefix(&p) {
        format!("\\\\{rest}")
    } else if let Some(rest) = p
        .strip_prefix("\\\\?\\")
        .or_else(|| p.strip_prefix("\\??\\"))
    {
        rest.to_string()
    } else {
        p
    };
    // The part that `..` cannot climb out of: `c:`, `\\server\share`, `\` or nothing.
    let (root, rest, sep_after_root) = if let Some(unc) = p.strip_prefix("\\\\") {
        let mut parts = unc.splitn(3, '\\');
        let server = parts.next().unwrap_or("");
        let share = parts.next().unwrap_or("");
        let rest = parts.next().unwrap_or("");
        (format!("\\\\{server}\\{share}"), rest.to_string(), true)
    } else if p.len() >= 2 && p.as_bytes()[1] == b':' && p.is_char_boundary(2) {
        let rest = &p[2..];
        let absolute = rest.starts_with('\\');
        (p[..2].to_string(), rest.to_string(), absolute)
    } else if let Some(rest) = p.strip_prefix('\\') {
        (String::new(), rest.to_string(), true)
    } else {
        (String::new(), p.clone(), false)
    };
    let mut segments: Vec<&str> = Vec::new();
    for seg in rest.split('\\') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut key = root;
    let drive_root = key.len() == 2 && sep_after_root;
    if sep_after_root && (drive_root || key.is_empty() || !segments.is_empty()) {
        key.push('\\');
    }
    key.push_str(&segments.join("\\"));
    fold(&key)
}

/// The key of an ASCII path `X:\...` (`/` or `\` between parts) with no empty, `.` or `..`
/// part (nor any part that starts with a dot) and no trailing separator: separators as `\`, case
/// folded, which is what the general rule in [`key`] makes of it. None for any other path.
fn plain_key(p: &str) -> Option<String> {
    let b = p.as_bytes();
    let sep = |c: u8| c == b'\\' || c == b'/';
    if b.len() < 3 || !b[0].is_ascii_alphabetic() || b[1] != b':' || !sep(b[2]) || !b.is_ascii() {
        return None;
    }
    for i in memchr::memchr2_iter(b'\\', b'/', b) {
        match b.get(i + 1) {
            Some(&c) if !sep(c) && c != b'.' => {}
            // A trailing separator, an empty part, or a part starting with a dot.
            _ => return None,
        }
    }
    let key = p.to_ascii_lowercase();
    Some(if memchr::memchr(b'/', b).is_some() {
        key.replace('/', "\\")
    } else {
        key
    })
}

/// `\\?\unc\` or `\??\Unc\` in any case: what follows it.
fn unc_prefix(p: &str) -> Option<&str> {
    let head = p.get(..8)?;
    let upper = head.to_ascii_uppercase();
    (upper == "\\\\?\\UNC\\" || upper == "\\??\\UNC\\").then(|| &p[8..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(p: &str) -> String {
        WinPath::new(p).into_key()
    }

    #[test]
    fn the_plain_fast_path_gives_the_general_key() {
        for p in [
            r"C:\Program Files\Exchange Server\Bin\ESEBACK2.DLL",
            r"c:\a",
            r"D:\x y\Z.txt",
            "C:/Program Files/X/a.DLL",
        ] {
            assert!(plain_key(p).is_some(), "{p}");
            // The same path through the general rule: a `.` segment added and taken away.
            let general = k(&format!("{}\\.\\{}", &p[..2], &p[3..]));
            assert_eq!(k(p), general, "{p}");
        }
        for p in [
            r"C:\a\..\b",
            r"C:\a\.git",
            r"C:\a\\b",
            r"C:/a//b",
            r"C:\a\",
            r"\\?\C:\a",
            "C:\\é",
        ] {
            assert!(plain_key(p).is_none(), "{p}");
        }
    }

    fn env(name: &str) -> Option<String> {
        match fold(name).as_str() {
            "systemdrive" => Some("C:".into()),
            "windir" => Some(r"C:\WINDOWS".into()),
            _ => None,
        }
    }

    #[test]
    fn keys() {
        assert_eq!(k(r"C:\Program Files\X\"), r"c:\program files\x");
        assert_eq!(k("c:/program files//x"), r"c:\program files\x");
        assert_eq!(k(r"C:\"), r"c:\");
        assert_eq!(k("C:"), "c:");
        assert_eq!(k(r"C:\a\.\b\..\c"), r"c:\a\c");
        assert_eq!(k(r"C:\..\a"), r"c:\a");
        assert_eq!(k(r#""C:\a b\c.exe""#), r"c:\a b\c.exe");
        assert_eq!(k(r"\\?\C:\a"), r"c:\a");
        assert_eq!(k(r"\??\C:\a"), r"c:\a");
        assert_eq!(k(r"\\Server\Share\Dir\"), r"\\server\share\dir");
        assert_eq!(k(r"\\?\UNC\server\share\x"), r"\\server\share\x");
        assert_eq!(k(r"\??\unc\server\share\x"), r"\\server\share\x");
        assert_eq!(k(r"\\server\share"), r"\\server\share");
        assert_eq!(k(r"\a\b"), r"\a\b");
        assert_eq!(k("rel/x"), r"rel\x");
        assert_eq!(k("C:\\ÄÖ\\Σ.DLL"), "c:\\äö\\σ.dll");
    }

    #[test]
    fn same_files() {
        let same = |a: &str, b: &str| WinPath::with_env(a, &env) == WinPath::with_env(b, &env);
        assert!(same(
            r"\\?\C:\Program Files\X\a.dll",
            "c:/program files/x/a.dll"
        ));
        assert!(same(
            r"C:\a\..\Program Files\X\A.DLL",
            r"c:\program files\x\a.dll"
        ));
        assert!(same(
            r"%SystemRoot%\system32\x.dll",
            r"C:\Windows\System32\X.dll"
        ));
        assert!(same(r"%WINDIR%\x.dll", r"c:\windows\X.DLL"));
        assert!(same(r"%ProgramFiles%\X", r"C:\Program Files\x\"));
        assert!(!same(r"C:\a", r"C:\ab"));
        assert!(!same(r"%nope%\a", r"\a"));
        assert!(WinPath::new(r"C:\a\b").within(&WinPath::new(r"c:\A")));
        assert!(WinPath::new(r"C:\a").within(&WinPath::new(r"c:\")));
        assert!(!WinPath::new(r"C:\ab").within(&WinPath::new(r"c:\a")));
    }

    #[test]
    fn expansion_is_one_pass() {
        assert_eq!(expand_env(r"%SystemDrive%\x", &env), r"C:\x");
        assert_eq!(expand_env("%nope%x%systemdrive%", &env), "%nope%xC:");
        assert_eq!(expand_env("100%", &env), "100%");
        assert_eq!(expand_env("%%", &env), "%%");
        assert_eq!(expand_env("a%b", &env), "a%b");
    }
}
