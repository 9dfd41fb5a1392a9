//! The one error type of the library: what went wrong, in which file, and where in it.
//!
//! Every error names the file and, when known, the place inside it (a stream, a storage, a table,
//! a row, a summary property), so the binary can print it as one line and exit with code 2.

use std::fmt;

/// What kind of thing went wrong.
#[derive(Debug)]
pub enum ErrorKind {
    /// The operating system refused a read or write.
    Io(std::io::Error),
    /// The bytes are not what the format says they must be.
    Malformed(String),
    /// The file is a compound file, or not, but not a Windows Installer one.
    NotInstaller(String),
    /// A stream, storage, table or column that was asked for is not there.
    NotFound(String),
    /// The input is valid but uses something msikit does not handle.
    Unsupported(String),
    /// The request itself is wrong (bad arguments).
    Usage(String),
}

/// An error with its context: the file, then the places inside it, outermost first.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub file: Option<String>,
    pub places: Vec<String>,
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
    pub fn malformed(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Malformed(msg.into()))
    }
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound(msg.into()))
    }
    pub fn unsupported(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported(msg.into()))
    }
    pub fn usage(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage(msg.into()))
    }
    pub fn not_installer(msg: impl Into<String>) -> Self {
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
    /// Adds an outer place ("stream 'File'", "table 'Property'"): places are added from the inside out.
    pub fn at(mut self, place: impl Into<String>) -> Self {
        self.places.insert(0, place.into());
        self
    }
    /// The message without file and places.
    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::Io(e) => e.to_string(),
            ErrorKind::Malformed(m)
            | ErrorKind::NotInstaller(m)
            | ErrorKind::NotFound(m)
            | ErrorKind::Unsupported(m)
            | ErrorKind::Usage(m) => m.clone(),
        }
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
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io(e)
    }
}

/// Adds context to a `Result` in one call.
pub trait Context<T> {
    fn at(self, place: impl FnOnce() -> String) -> Result<T>;
    fn in_file(self, file: &str) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn at(self, place: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| e.into().at(place()))
    }
    fn in_file(self, file: &str) -> Result<T> {
        self.map_err(|e| e.into().in_file(file))
    }
}
