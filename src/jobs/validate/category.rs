//! The column data types of Windows Installer ("Column Data Types" in the SDK) as the
//! `_Validation.Category` column names them, and the check of one string value against each.
//! Written from the documented rules; where the documentation is silent the check accepts
//! (a validator that cries wolf on packages that installed for years is not used).

/// A `_Validation.Category` value msikit knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Text,
    UpperCase,
    LowerCase,
    Integer,
    DoubleInteger,
    TimeDate,
    Identifier,
    Property,
    Filename,
    WildCardFilename,
    Path,
    Paths,
    AnyPath,
    DefaultDir,
    RegPath,
    Formatted,
    FormattedSddl,
    KeyFormatted,
    Template,
    Condition,
    Guid,
    Version,
    Language,
    Binary,
    CustomSource,
    Cabinet,
    Shortcut,
    Url,
}

impl Category {
    /// The category a `_Validation.Category` string names. Names are compared without case
    /// (the SDK's own tables spell them in mixed case); `FormattedSddl`, which WiX 4 and later
    /// write for `MsiLockPermissionsEx.SDDLText`, is the SDK's `FormattedSDDLText`.
    pub(crate) fn parse(s: &str) -> Option<Category> {
        use Category::*;
        let all = [
            ("Text", Text),
            ("UpperCase", UpperCase),
            ("LowerCase", LowerCase),
            ("Integer", Integer),
            ("DoubleInteger", DoubleInteger),
            ("TimeDate", TimeDate),
            ("Identifier", Identifier),
            ("Property", Property),
            ("Filename", Filename),
            ("WildCardFilename", WildCardFilename),
            ("Path", Path),
            ("Paths", Paths),
            ("AnyPath", AnyPath),
            ("DefaultDir", DefaultDir),
            ("RegPath", RegPath),
            ("Formatted", Formatted),
            ("FormattedSDDLText", FormattedSddl),
            ("FormattedSddl", FormattedSddl),
            ("KeyFormatted", KeyFormatted),
            ("Template", Template),
            ("Condition", Condition),
            ("Guid", Guid),
            ("Version", Version),
            ("Language", Language),
            ("Binary", Binary),
            ("CustomSource", CustomSource),
            ("Cabinet", Cabinet),
            ("Shortcut", Shortcut),
            ("URL", Url),
        ];
        all.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|&(_, c)| c)
    }

    /// Checks one non-NULL string value: `None` when it is valid, else the ICE03 message and
    /// the MSIDBERROR name of the failure.
    pub(crate) fn check(self, v: &str) -> Option<(&'static str, &'static str)> {
        use Category::*;
        let ok = match self {
            Text | Integer | DoubleInteger | TimeDate | Binary | Url => true,
            UpperCase => !v.chars().any(char::is_lowercase),
            LowerCase => !v.chars().any(char::is_uppercase),
            Identifier | CustomSource => is_identifier(v),
            Property => is_identifier(v.strip_prefix('%').unwrap_or(v)),
            Filename => is_filename(v, false),
            WildCardFilename => is_filename(v, true),
            Path => is_path(v),
            Paths => v.split(';').all(is_path),
            AnyPath => is_formatted(v) && !v.chars().any(char::is_control),
            DefaultDir => is_default_dir(v),
            RegPath => is_formatted(v) && !v.starts_with('\\'),
            Formatted | FormattedSddl | KeyFormatted | Template => is_formatted(v),
            Condition => is_condition(v),
            Guid => is_guid(v),
            Version => is_version(v),
            Language => is_language(v),
            Cabinet => is_cabinet(v),
            Shortcut => is_shortcut_target(v),
        };
        if ok {
            None
        } else {
            Some(self.failure())
        }
    }

    /// The ICE03 message and MSIDBERROR name of a value this category refuses.
    fn failure(self) -> (&'static str, &'static str) {
        use Category::*;
        match self {
            UpperCase => ("All UPPER case required", "badcase"),
            LowerCase => ("All lower case required", "badcase"),
            Identifier => ("Invalid identifier", "badidentifier"),
            Property => ("Invalid property string", "badproperty"),
            Filename => ("Invalid Filename", "badfilename"),
            WildCardFilename => ("Invalid file name/usage of wildcards", "badwildcard"),
            Path | Paths | AnyPath => ("Invalid full path", "badpath"),
            DefaultDir => ("Invalid DefaultDir string", "baddefaultdir"),
            RegPath => ("Invalid registry path", "badregpath"),
            Formatted | FormattedSddl | KeyFormatted => ("Invalid format string", "badformatted"),
            Template => ("Invalid template string", "badtemplate"),
            Condition => ("Bad conditional string", "badcondition"),
            Guid => (
                "Invalid GUID string (be sure the GUID is all UPPER case)",
                "badguid",
            ),
            Version => ("Invalid version string", "badversion"),
            Language => ("Invalid Language Id", "badlanguage"),
            CustomSource => ("Bad CustomSource data", "badcustomsource"),
            Cabinet => ("Bad cabinet syntax/name", "badcabinet"),
            Shortcut => ("Invalid shortcut target", "badshortcut"),
            Text | Integer | DoubleInteger | TimeDate | Binary | Url => {
                ("Undefined error", "undefined")
            }
        }
    }
}

/// An Identifier: an ASCII letter or underscore, then letters, digits, underscores and periods.
pub(crate) fn is_identifier(v: &str) -> bool {
    let mut c = v.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '.')
}

/// A GUID in registry form with upper-case hex digits: `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`.
pub(crate) fn is_guid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 38
        && b[0] == b'{'
        && b[37] == b'}'
        && b[1..37].iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'A'..=b'F').contains(&c),
        })
}

/// A version: one to four fields of decimal digits separated by periods, each at most 65535.
pub(crate) fn is_version(v: &str) -> bool {
    let mut n = 0;
    v.split('.').all(|f| {
        n += 1;
        n <= 4
            && !f.is_empty()
            && f.len() <= 5
            && f.bytes().all(|b| b.is_ascii_digit())
            && f.parse::<u32>().is_ok_and(|n| n <= 65535)
    })
}

/// A Language: one or more decimal LANGIDs (0 to 65535) separated by commas.
fn is_language(v: &str) -> bool {
    v.split(',').all(|f| {
        let f = f.trim();
        !f.is_empty()
            && f.len() <= 5
            && f.bytes().all(|b| b.is_ascii_digit())
            && f.parse::<u32>().is_ok_and(|n| n <= 65535)
    })
}

/// Characters no file name may hold.
fn bad_in_long(c: char, wild: bool) -> bool {
    c.is_control()
        || matches!(c, '\\' | '|' | '>' | '<' | ':' | '/' | '"')
        || (!wild && matches!(c, '?' | '*'))
}

/// A long file name: 1 to 255 characters, none of `\ / : * ? " < > |` or a control character.
fn is_long_name(v: &str, wild: bool) -> bool {
    !v.is_empty() && v.chars().count() <= 255 && !v.chars().any(|c| bad_in_long(c, wild))
}

/// A short (8.3) file name: a base of 1 to 8 characters, at most one period and an extension of
/// at most 3 characters; besides the long-name exclusions no space and none of `+ , ; = [ ]`.
fn is_short_name(v: &str, wild: bool) -> bool {
    if v == "." {
        return true;
    }
    if v.chars()
        .any(|c| bad_in_long(c, wild) || matches!(c, ' ' | '+' | ',' | ';' | '=' | '[' | ']'))
    {
        return false;
    }
    let (base, ext) = match v.split_once('.') {
        Some((b, e)) => (b, Some(e)),
        None => (v, None),
    };
    let base_ok = (1..=8).contains(&base.chars().count());
    let ext_ok = ext.is_none_or(|e| e.chars().count() <= 3 && !e.contains('.'));
    base_ok && ext_ok
}

/// A Filename: `short|long`, the short name 8.3, or one name alone. A name alone is held to
/// the long-name rules (decision: Windows Installer 2.0 and later install such names, and
/// WiX writes `SourceDir` alone); `short|long` is held to the short rules on the left.
fn is_filename(v: &str, wild: bool) -> bool {
    match v.split_once('|') {
        Some((short, long)) => is_short_name(short, wild) && is_long_name(long, wild),
        None => is_long_name(v, wild),
    }
}

/// A DefaultDir: `target[:source]`, each a Filename or `.`.
fn is_default_dir(v: &str) -> bool {
    let mut parts = v.splitn(2, ':');
    parts.all(|p| p == "." || is_filename(p, false))
}

/// A Path: a Formatted string that, when it names no property, is a full path (a drive letter
/// or a UNC name).
fn is_path(v: &str) -> bool {
    if !is_formatted(v) {
        return false;
    }
    if v.contains('[') {
        return true;
    }
    let b = v.as_bytes();
    (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'\\')
        || v.starts_with("\\\\")
}

/// A Cabinet: `#stream` (a stream of the package) or the file name of an external cabinet.
fn is_cabinet(v: &str) -> bool {
    match v.strip_prefix('#') {
        Some(stream) => is_long_name(stream, false),
        None => is_filename(v, false),
    }
}

/// A Shortcut target: a Feature (an Identifier) for an advertised shortcut, or a Formatted
/// string naming what a non-advertised one starts.
fn is_shortcut_target(v: &str) -> bool {
    if v.contains('[') {
        is_formatted(v)
    } else {
        is_identifier(v)
    }
}

/// A Formatted string: every `[` closed by `]` and every `{` by `}`, properly nested; `[\x]`
/// escapes any one character.
pub(crate) fn is_formatted(v: &str) -> bool {
    let chars: Vec<char> = v.chars().collect();
    let mut stack: Vec<char> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                if chars.get(i + 1) == Some(&'\\') {
                    // `[\c]`: one escaped character, then the closing bracket.
                    if chars.get(i + 3) != Some(&']') {
                        return false;
                    }
                    i += 4;
                    continue;
                }
                stack.push('[');
            }
            ']' | '}' => {
                let open = if chars[i] == ']' { '[' } else { '{' };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            '{' => stack.push('{'),
            _ => {}
        }
        i += 1;
    }
    stack.is_empty()
}

/// A conditional expression as "Conditional Statement Syntax" defines it: terms joined by
/// NOT, AND, OR, XOR, EQV, IMP; comparisons `= <> > >= < <= >< << >>`, each optionally `~`
/// (without case); operands property names, `%env`, `$comp`, `?comp`, `&feature`, `!feature`,
/// integers and "strings"; parentheses. An empty string is valid (no condition).
pub(crate) fn is_condition(v: &str) -> bool {
    let Some(tokens) = lex(v) else {
        return false;
    };
    if tokens.is_empty() {
        return true;
    }
    let mut p = CondParser { t: &tokens, i: 0 };
    p.expr() && p.i == tokens.len()
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Value,
    Not,
    Logic,
    Compare,
    Open,
    Close,
}

fn lex(v: &str) -> Option<Vec<Tok>> {
    let c: Vec<char> = v.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if ch == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if ch == '"' {
            let end = c[i + 1..].iter().position(|&x| x == '"')?;
            out.push(Tok::Value);
            i += end + 2;
        } else if ch.is_ascii_digit()
            || (ch == '-' && c.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            i += 1;
            while i < c.len() && c[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Tok::Value);
        } else if matches!(ch, '~' | '=' | '<' | '>') {
            let mut j = i;
            if c[j] == '~' {
                j += 1;
            }
            let op: String = c[j..].iter().take(2).collect();
            let len = if ["<>", ">=", "<=", "><", "<<", ">>"].contains(&op.as_str()) {
                2
            } else if op.starts_with(['=', '<', '>']) {
                1
            } else {
                return None;
            };
            out.push(Tok::Compare);
            i = j + len;
        } else if matches!(ch, '%' | '$' | '?' | '&' | '!') || ch.is_alphabetic() || ch == '_' {
            let start = i;
            i += 1;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            if matches!(ch, '%' | '$' | '?' | '&' | '!') && word.len() == 1 {
                return None;
            }
            match word.to_ascii_uppercase().as_str() {
                "NOT" => out.push(Tok::Not),
                "AND" | "OR" | "XOR" | "EQV" | "IMP" => out.push(Tok::Logic),
                _ => out.push(Tok::Value),
            }
        } else {
            return None;
        }
    }
    Some(out)
}

struct CondParser<'t> {
    t: &'t [Tok],
    i: usize,
}

impl CondParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }
    fn expr(&mut self) -> bool {
        if !self.term() {
            return false;
        }
        while self.peek() == Some(&Tok::Logic) {
            self.i += 1;
            if !self.term() {
                return false;
            }
        }
        true
    }
    fn term(&mut self) -> bool {
        match self.peek() {
            Some(Tok::Not) => {
                self.i += 1;
                self.term()
            }
            Some(Tok::Open) => {
                self.i += 1;
                if !self.expr() || self.peek() != Some(&Tok::Close) {
                    return false;
                }
                self.i += 1;
                true
            }
            Some(Tok::Value) => {
                self.i += 1;
                if self.peek() == Some(&Tok::Compare) {
                    self.i += 1;
                    if self.peek() != Some(&Tok::Value) {
                        return false;
                    }
                    self.i += 1;
                }
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_properties() {
        assert!(is_identifier("Product.exe_1"));
        assert!(is_identifier("_x"));
        assert!(!is_identifier("1abc"));
        assert!(!is_identifier("a-b"));
        assert!(Category::Property.check("%PATH").is_none());
        assert!(Category::Property.check("%").is_some());
    }

    #[test]
    fn guids_need_upper_case() {
        assert!(is_guid("{24B2C164-DE66-44FE-B468-A46D9D5E6B31}"));
        assert!(!is_guid("{24b2c164-de66-44fe-b468-a46d9d5e6b31}"));
        assert!(!is_guid("24B2C164-DE66-44FE-B468-A46D9D5E6B31"));
    }

    #[test]
    fn versions_and_languages() {
        assert!(is_version("8.0.685.24"));
        assert!(is_version("1"));
        assert!(!is_version("1.2.3.4.5"));
        assert!(!is_version("1.65536"));
        assert!(!is_version("1..2"));
        assert!(is_language("1033"));
        assert!(is_language("1033,1031"));
        assert!(!is_language("en-US"));
        assert!(!is_language("70000"));
    }

    #[test]
    fn file_names() {
        assert!(is_filename("store.exe", false));
        assert!(is_filename("STORE~1.EXE|Store Program.exe", false));
        assert!(!is_filename("long name.exe|Store Program.exe", false));
        assert!(!is_filename("a|b:c", false));
        assert!(!is_filename("*.txt", false));
        assert!(is_filename("*.txt", true));
        assert!(is_default_dir("SourceDir"));
        assert!(is_default_dir("."));
        assert!(is_default_dir("EXCHAN~1|Exchange Server:."));
        assert!(!is_default_dir("a/b"));
    }

    #[test]
    fn formatted_strings() {
        assert!(is_formatted("[ProgramFilesFolder]Acme\\[ProductName]"));
        assert!(is_formatted("[[NESTED]]{[A]}[\\[]"));
        assert!(is_formatted("#[#file.exe]"));
        assert!(!is_formatted("[ProductName"));
        assert!(!is_formatted("ProductName]"));
        assert!(!is_formatted("{[A}]"));
        assert!(Category::RegPath.check("\\Software").is_some());
        assert!(Category::RegPath
            .check("Software\\[Manufacturer]")
            .is_none());
    }

    #[test]
    fn conditions() {
        for ok in [
            "",
            "NOT Installed",
            "VersionNT >= 600 AND (MsiNTProductType = 1 OR ALLUSERS)",
            "$C_store_exe=3",
            "?Comp = 2 And &Feat=3",
            "%PROCESSOR_ARCHITECTURE~=\"amd64\"",
            "REMOVE~=\"ALL\"",
            "Installed OR NOT REMOVE><\"x\"",
            "-1 < X",
            "Version9X",
        ] {
            assert!(is_condition(ok), "{ok}");
        }
        for bad in [
            "(Installed",
            "Installed)",
            "A = ",
            "A AND",
            "\"unterminated",
            "A == B",
            "A # B",
            "NOT",
            "A B",
        ] {
            assert!(!is_condition(bad), "{bad}");
        }
    }

    #[test]
    fn categories_by_name() {
        assert_eq!(Category::parse("guid"), Some(Category::Guid));
        assert_eq!(
            Category::parse("FormattedSddl"),
            Some(Category::FormattedSddl)
        );
        assert_eq!(Category::parse("Whatever"), None);
    }
}
