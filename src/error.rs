//! The one error type of the library: what went wrong, in which file, and where in it.
//!
//! Every error names the file and, when known, the place inside it (a stream, a storage, a table,
//! a row, a summary property), so the binary can print it as one line and exit with code 2.
//!
//! # How it is built
//!
//! [`Error`] is a struct: the [`ErrorKind`] (what went wrong), the file it went wrong in, and
//! the [`Place`]s inside that file, outermost first. Code deep in a reader makes the kind with a
//! short constructor ([`Error::malformed`], `Error::not_found`, [`Error::refused`]...) and the
//! layers above add context on the way out ([`Error::at`], [`Error::in_file`], or the [`Context`]
//! trait on a `Result`). Its `Display` is one line, `FILE: PLACE: PLACE: message`, and that text
//! is part of the interface: tests and users read it, so a kind or a place never changes it.
//!
//! The kinds are made for a caller to match on; both [`ErrorKind`] and the enums inside it are
//! `#[non_exhaustive]`, so new cases can come without breaking a caller:
//!
//! - [`ErrorKind::Io`]: the operating system refused a read or write (its
//!   [`source`](std::error::Error::source) is the `io::Error`).
//! - [`ErrorKind::Malformed`]: the bytes break the format. Its [`Defect`] says which of the
//!   frequent cases it is (cut short, a wrong signature, a checksum that does not match, a limit
//!   passed), [`Defect::Other`] for the rest.
//! - [`ErrorKind::NotInstaller`]: a file that is not a Windows Installer package at all.
//! - [`ErrorKind::NotFound`]: a named thing that is not there; [`Missing`] says what kind of thing
//!   and `name` which one.
//! - [`ErrorKind::Unsupported`]: valid input that uses something msikit does not handle.
//! - [`ErrorKind::Invalid`]: a description the caller wrote for the library (a build or patch
//!   manifest, a rule file, an option value) is wrong.
//! - [`ErrorKind::Refused`]: the request is well formed, but the library declines it for this
//!   input (a transform opened as a database, a storage read as a stream, a folder given as a
//!   file, writing through a symbolic link).
//! - [`ErrorKind::Usage`]: a bad command line; only the binary (`src/cli`) makes these.
//!
//! Each kind keeps its whole message as text, so the message reads exactly as it did before the
//! kind was made precise; the structured parts ([`Missing`], the name, the [`Defect`]) sit beside
//! it for a program.

use std::fmt;

/// What kind of thing went wrong. Its `Display` is the message alone, without file and places.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The operating system refused a read or write.
    #[error("{0}")]
    Io(#[source] std::io::Error),
    /// The bytes are not what the format says they must be.
    #[error("{message}")]
    Malformed { defect: Defect, message: String },
    /// The file is a compound file, or not, but not a Windows Installer one.
    #[error("{0}")]
    NotInstaller(String),
    /// A stream, storage, table, column, file... that was asked for is not there.
    #[error("{message}")]
    NotFound {
        what: Missing,
        name: String,
        message: String,
    },
    /// The input is valid but uses something msikit does not handle.
    #[error("{0}")]
    Unsupported(String),
    /// A description the caller gave the library (a manifest, a rule file, an option value) is
    /// wrong.
    #[error("{0}")]
    Invalid(String),
    /// The library declines a well-formed request for this input (e.g. a transform opened as a
    /// database).
    #[error("{0}")]
    Refused(String),
    /// The command line itself is wrong (made by the binary only).
    #[error("{0}")]
    Usage(String),
}

/// What is wrong with malformed bytes, for the cases a caller may want to tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Defect {
    /// The data ends before a structure it announces (a truncated stream, table or cabinet).
    Truncated,
    /// The file does not start with the signature its format requires.
    Signature,
    /// A stored checksum does not match the bytes.
    Checksum,
    /// A count or size passes a limit msikit sets to keep hostile input bounded.
    Limit,
    /// Anything else.
    Other,
}

/// The kind of thing a [`ErrorKind::NotFound`] did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Missing {
    Stream,
    Storage,
    Table,
    Column,
    Row,
    Property,
    File,
    /// A cabinet, or a volume of a cabinet set.
    Cabinet,
    /// A transform, or a transform storage of a patch.
    Transform,
    Product,
}

/// A place inside a file, as an error names it. Its `Display` is the text printed before the
/// message (`stream 'File'`, `table 'Property'`, `row 3, column 'Name'`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// A stream, by its shown name (with its storage path when not at the root).
    Stream(String),
    /// A storage, by its shown name.
    Storage(String),
    /// A table of a database.
    Table(String),
    /// A column of a table.
    Column(String),
    /// A row, numbered from 1 as shown.
    Row(usize),
    /// One cell: a row (numbered from 1) and a column.
    Cell { row: usize, column: String },
    /// A summary-information property, by its id.
    Property(u32),
    /// A cabinet, by its name.
    Cabinet(String),
    /// A transform, by its name.
    Transform(String),
    /// A byte offset.
    Offset(u64),
    /// Any other place, as text.
    Other(String),
}

impl Place {
    pub fn stream(name: impl Into<String>) -> Self {
        Place::Stream(name.into())
    }
    pub fn table(name: impl Into<String>) -> Self {
        Place::Table(name.into())
    }
    pub fn column(name: impl Into<String>) -> Self {
        Place::Column(name.into())
    }
    pub fn cabinet(name: impl Into<String>) -> Self {
        Place::Cabinet(name.into())
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Stream(n) => write!(f, "stream '{n}'"),
            Place::Storage(n) => write!(f, "storage '{n}'"),
            Place::Table(n) => write!(f, "table '{n}'"),
            Place::Column(n) => write!(f, "column '{n}'"),
            Place::Row(r) => write!(f, "row {r}"),
            Place::Cell { row, column } => write!(f, "row {row}, column '{column}'"),
            Place::Property(pid) => write!(f, "property {pid}"),
            Place::Cabinet(n) => write!(f, "cabinet '{n}'"),
            Place::Transform(n) => write!(f, "transform '{n}'"),
            Place::Offset(o) => write!(f, "offset {o}"),
            Place::Other(s) => f.write_str(s),
        }
    }
}

impl From<String> for Place {
    fn from(s: String) -> Self {
        Place::Other(s)
    }
}

impl From<&str> for Place {
    fn from(s: &str) -> Self {
        Place::Other(s.to_string())
    }
}

/// An error with its context: the file, then the places inside it, outermost first.
///
/// ```
/// use msikit::error::Missing;
/// use msikit::{Container, ErrorKind};
///
/// let c = Container::open(std::path::Path::new("testdata/exchange2007/rtm.msi"))?;
/// let e = msikit::database::read_table(&c, "NoSuchTable").unwrap_err();
/// assert!(matches!(e.kind(), ErrorKind::NotFound { what: Missing::Table, .. }));
/// assert!(e.to_string().starts_with("testdata/exchange2007/rtm.msi: no table 'NoSuchTable'"));
/// # Ok::<(), msikit::Error>(())
/// ```
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    file: Option<String>,
    places: Vec<Place>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind,
            file: None,
            places: Vec::new(),
        }
    }
    /// Malformed bytes, of no particular [`Defect`].
    pub fn malformed(msg: impl Into<String>) -> Self {
        Self::defect(Defect::Other, msg)
    }
    /// Malformed bytes, with what is wrong with them.
    pub(crate) fn defect(defect: Defect, msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed {
            defect,
            message: msg.into(),
        })
    }
    /// Data that ends before what it announces.
    pub fn truncated(msg: impl Into<String>) -> Self {
        Self::defect(Defect::Truncated, msg)
    }
    /// A file that does not start with its format's signature.
    pub fn signature(msg: impl Into<String>) -> Self {
        Self::defect(Defect::Signature, msg)
    }
    /// A count or size past a limit.
    pub fn limit(msg: impl Into<String>) -> Self {
        Self::defect(Defect::Limit, msg)
    }
    /// `what` called `name` is not there; `msg` is the whole message.
    pub(crate) fn not_found(
        what: Missing,
        name: impl Into<String>,
        msg: impl Into<String>,
    ) -> Self {
        Self::new(ErrorKind::NotFound {
            what,
            name: name.into(),
            message: msg.into(),
        })
    }
    pub(crate) fn unsupported(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported(msg.into()))
    }
    /// A wrong description given to the library (manifest, rule file, option value).
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid(msg.into()))
    }
    /// The library declines a well-formed request for this input.
    pub fn refused(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Refused(msg.into()))
    }
    /// A bad command line (for the binary).
    pub fn usage(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage(msg.into()))
    }
    pub(crate) fn not_installer(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotInstaller(msg.into()))
    }
    pub fn io(e: std::io::Error) -> Self {
        Self::new(ErrorKind::Io(e))
    }
    /// Names the file, unless a file is already named.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.into());
        }
        self
    }
    /// Names the file, replacing any file already named.
    pub(crate) fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
    /// Adds an outer place ([`Place::Stream`], [`Place::Table`]...): places are added from the
    /// inside out.
    pub fn at(mut self, place: impl Into<Place>) -> Self {
        self.places.insert(0, place.into());
        self
    }
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
    /// The file it went wrong in, when known.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }
    /// The places inside the file, outermost first.
    pub fn places(&self) -> &[Place] {
        &self.places
    }
    /// The message without file and places.
    pub fn message(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}: ")?;
        }
        for p in &self.places {
            write!(f, "{p}: ")?;
        }
        fmt::Display::fmt(&self.kind, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.kind)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(e)
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

/// Adds context to a `Result` in one call.
pub trait Context<T> {
    fn at<P: Into<Place>>(self, place: impl FnOnce() -> P) -> Result<T>;
    fn in_file(self, file: &str) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn at<P: Into<Place>>(self, place: impl FnOnce() -> P) -> Result<T> {
        self.map_err(|e| e.into().at(place()))
    }
    fn in_file(self, file: &str) -> Result<T> {
        self.map_err(|e| e.into().in_file(file))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_file_then_places_then_message() {
        let e = Error::malformed("bad")
            .at(Place::Cell {
                row: 3,
                column: "Name".into(),
            })
            .at(Place::table("Property"))
            .in_file("a.msi");
        assert_eq!(
            e.to_string(),
            "a.msi: table 'Property': row 3, column 'Name': bad"
        );
        assert_eq!(e.message(), "bad");
        assert_eq!(e.file(), Some("a.msi"));
        assert_eq!(e.places()[0], Place::Table("Property".into()));
    }

    #[test]
    fn places_print_as_the_text_call_sites_wrote() {
        let shapes = [
            (
                Place::stream("[5]SummaryInformation"),
                "stream '[5]SummaryInformation'",
            ),
            (Place::Storage("#MSP".into()), "storage '#MSP'"),
            (Place::table("_Columns"), "table '_Columns'"),
            (Place::column("Value"), "column 'Value'"),
            (Place::Row(7), "row 7"),
            (Place::Property(14), "property 14"),
            (Place::cabinet("a.cab"), "cabinet 'a.cab'"),
            (Place::Transform("#T1".into()), "transform '#T1'"),
            (Place::Offset(512), "offset 512"),
            (Place::from("products[].patches"), "products[].patches"),
            (Place::from(String::from("service S")), "service S"),
        ];
        for (place, text) in shapes {
            assert_eq!(place.to_string(), text);
        }
    }

    #[test]
    fn in_file_keeps_the_first_file_and_with_file_replaces_it() {
        let e = Error::unsupported("x").in_file("inner").in_file("outer");
        assert_eq!(e.to_string(), "inner: x");
        assert_eq!(e.with_file("package.msi").to_string(), "package.msi: x");
    }

    #[test]
    fn a_caller_matches_on_what_is_missing() {
        let e = Error::not_found(
            Missing::Table,
            "Foo",
            "no table 'Foo' (tables: File, Property)",
        )
        .in_file("a.msi");
        assert_eq!(
            e.to_string(),
            "a.msi: no table 'Foo' (tables: File, Property)"
        );
        match e.kind() {
            ErrorKind::NotFound {
                what: Missing::Table,
                name,
                ..
            } => assert_eq!(name, "Foo"),
            other => panic!("not a missing table: {other:?}"),
        }
    }

    #[test]
    fn malformed_keeps_its_defect_beside_the_message() {
        let e = Error::truncated("the stream is 3 bytes").at(Place::stream("x"));
        assert!(matches!(
            e.kind(),
            ErrorKind::Malformed {
                defect: Defect::Truncated,
                ..
            }
        ));
        assert_eq!(e.to_string(), "stream 'x': the stream is 3 bytes");
        assert!(matches!(
            Error::malformed("m").kind(),
            ErrorKind::Malformed {
                defect: Defect::Other,
                ..
            }
        ));
    }

    #[test]
    fn io_errors_keep_their_source_and_text() {
        use std::error::Error as _;
        let e = Error::io(std::io::Error::new(
            std::io::ErrorKind::BrokenPipe,
            "pipe gone",
        ));
        assert_eq!(e.to_string(), "pipe gone");
        let source = e.source().expect("an io source");
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert!(Error::refused("no").source().is_none());
    }

    #[test]
    fn the_context_trait_adds_places_and_files() {
        let r: std::result::Result<(), std::io::Error> =
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "gone"));
        let e = r.at(|| Place::stream("File")).in_file("a.msi").unwrap_err();
        assert_eq!(e.to_string(), "a.msi: stream 'File': gone");
        let r: Result<()> = Err(Error::invalid("bad manifest"));
        let e = r.at(|| format!("service {}", "S")).unwrap_err();
        assert_eq!(e.to_string(), "service S: bad manifest");
        assert!(matches!(e.kind(), ErrorKind::Invalid(_)));
    }
}
