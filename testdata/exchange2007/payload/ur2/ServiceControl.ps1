# ServiceControl.ps1: part of the Microsoft Exchange Server 2007 look-alike made by msikit's `cargo xtask testdata` (ur2 build 8.0.711.2).
# Not the real file.
