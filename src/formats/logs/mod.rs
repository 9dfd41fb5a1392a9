//! What Windows Installer leaves behind after an install: verbose logs (`msiexec /l*v`, read a
//! line at a time in any encoding it writes), Application event-log records of the
//! MsiInstaller source (as text, CSV or XML exports), and the documented meaning of its error
//! numbers and exit codes.

pub mod events;
pub mod messages;
pub mod text;
pub mod verbose;
