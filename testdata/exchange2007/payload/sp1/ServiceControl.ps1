# ServiceControl.ps1: part of the Microsoft Exchange Server 2007 look-alike made by msikit's `cargo xtask testdata` (sp1 build 8.1.240.6).
# Not the real file.
