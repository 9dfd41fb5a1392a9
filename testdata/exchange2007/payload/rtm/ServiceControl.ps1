# ServiceControl.ps1: part of the Microsoft Exchange Server 2007 look-alike made by msikit's `cargo xtask testdata` (rtm build 8.0.685.24).
# Not the real file.
