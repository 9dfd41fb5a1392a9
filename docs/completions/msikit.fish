# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_msikit_global_optspecs
    string join \n color= width= h/help V/version
end

function __fish_msikit_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_msikit_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_msikit_using_subcommand
    set -l cmd (__fish_msikit_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c msikit -n "__fish_msikit_needs_command" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_needs_command" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msikit -n "__fish_msikit_needs_command" -s V -l version -d 'Print version'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "info" -d 'What kind of file this is, its summary information, and what it holds'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "tables" -d 'Table names with row and column counts'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "table" -d 'The rows of one table (text, JSON, CSV, or IDT as `msiinfo export` writes it)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "streams" -d 'Every storage and stream at any depth, with size, sha256 and what it looks like'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "cat" -d 'Write the raw bytes of one stream to standard output'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "export" -d 'Write every table as IDT files (with _SummaryInformation and binary cells as files)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "files" -d 'Every file a package installs, with its install path, cabinet and sequence'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "extract" -d 'Write a package\'s files into a folder (each cabinet folder decompressed once)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "build" -d 'Build a database from a manifest (TOML) or an IDT folder (`--idt DIR`)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "check" -d 'Whether patches apply to a product package, in which order, and the version they give'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "locks" -d 'Which running processes of a machine snapshot hold files a patch replaces, and the outcome'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "diagnose" -d 'After a failed install: the time line, root cause, files in use, decoded event data, exit code and the KB\'s known issue, from verbose logs and event-log exports'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "snapshot" -d 'Write the machine snapshot of this Windows computer (JSON, docs/snapshot.md)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "cab" -d 'List or extract a plain cabinet (.cab)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "patch" -d 'Inspect patches (.msp): targets, transforms, metadata, applicability XML, changes'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "diff" -d 'Row-level differences between two databases (exit 0 same, 1 different, 2 error)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "transform" -d 'Decode and apply transforms (.mst, or a patch\'s transform storages)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "validate" -d 'ICE validation without Windows: each cell against _Validation (ICE03) and more ICEs (exit 0 passed, 1 errors found, 2 unreadable)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "verify" -d 'Check Authenticode signatures: digest, signer, chain, timestamp (exit 0 valid and trusted, 1 not, 2 unreadable)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "sign" -d 'Authenticode-sign a package, merge module, patch or transform (RSA, SHA-256)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand info" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand info" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand info" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand info" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand tables" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand tables" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand tables" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand tables" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand table" -l format -d 'Output format' -r -f -a "text\t'Aligned columns for people'
json\t'An object with the schema and the rows (binary cells as {"stream": name})'
csv\t'RFC 4180 CSV with a header line'
idt\t'IDT, byte-identical to `msiinfo export FILE NAME`'"
complete -c msikit -n "__fish_msikit_using_subcommand table" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand table" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand table" -l json -d 'Same as --format json'
complete -c msikit -n "__fish_msikit_using_subcommand table" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msikit -n "__fish_msikit_using_subcommand streams" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand streams" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand streams" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand streams" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand cat" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand cat" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand cat" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand export" -l idt -d 'The folder to write into (created if missing)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand export" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand export" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand export" -l ansi -d 'Write table files as MsiDatabaseExport (Orca, MsiDb) does: in the database\'s code page, with the code page first on the third line of a table that has non-ASCII text. Without it, UTF-8 as `msiinfo export` writes it. `build --idt` reads both'
complete -c msikit -n "__fish_msikit_using_subcommand export" -l json -d 'Print what was written as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand export" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand files" -l property -d 'Set a property for path resolution (e.g. INSTALLDIR=D:\\\\Apps\\\\Widget)' -r
complete -c msikit -n "__fish_msikit_using_subcommand files" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand files" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand files" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand files" -l csv -d 'Print CSV instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand files" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand extract" -s C -d 'The folder to write into (created if missing)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l layout -d 'Where files go: `install` (by install path: Program Files (x86)/App/x.dll), `source` (by source folder names: SourceDir/PFiles/App/x.dll, an administrative image\'s tree, as lessmsi extracts), or `flat` (all directly into DIR, by long name)' -r -f -a "install\t''
source\t''
flat\t''"
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l only -d 'Only files whose relative path or name matches (`*` and `?`, case-insensitive)' -r
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l max-output -d 'The most bytes to write (0: no cap). Default: 4 GiB, or 1,024 times the compressed input when that is more; a cabinet whose files claim more stops before writing anything' -r
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l property -d 'Set a property for path resolution' -r
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l flat -d 'Write every file directly into DIR, by its long name (the same as --layout flat)'
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l overwrite -d 'When files go to one path, write only the last by sequence (as msiextract leaves it) instead of writing the others as NAME.duplicateN'
complete -c msikit -n "__fish_msikit_using_subcommand extract" -l json -d 'Print what was written as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand extract" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand build" -l idt -d 'An IDT folder as `msikit export --idt` writes it' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand build" -s o -l output -d 'The database to write' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand build" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand build" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand build" -l json -d 'Print what was built as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand build" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand check" -l msi -d 'The product package (.msi) the patches are for' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand check" -l snapshot -d 'A machine snapshot (JSON, docs/snapshot.md): check against what is installed there, with the KB\'s prerequisites' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand check" -l snapshots -d 'Many snapshots: a folder of *.json files, or a JSON Lines file (one snapshot a line); checked on all cores, one JSON line per server (implies --jsonl)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand check" -l rules -d 'Prerequisite rules (TOML) instead of the built-in file for the patch\'s KB' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand check" -l expect-version -d 'Also check that the applicable patches, in order, give this ProductVersion' -r
complete -c msikit -n "__fish_msikit_using_subcommand check" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand check" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand check" -l jsonl -d 'One JSON line per server (with --snapshots)'
complete -c msikit -n "__fish_msikit_using_subcommand check" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand check" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand locks" -l snapshot -d 'The machine snapshot (JSON, docs/snapshot.md)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand locks" -l msi -d 'The target package (.msi), for the Directory table and ServiceControl rows' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand locks" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand locks" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand locks" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand locks" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l msi -d 'The product package, to name the product code of events' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l patch -d 'The patch, to name the patch code of events' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l snapshot -d 'A machine snapshot, to name installed products and patches' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l kb -d 'Match the known issues of this KB\'s built-in rule file (930809); by default every built-in file whose product or patch shows up' -r
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l rules -d 'A rule file with [[known_issue]] entries (any KB)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l code-page -d 'The ANSI code page of logs that are neither UTF-16 nor UTF-8' -r
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand diagnose" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand snapshot" -s o -l output -d 'Where to write the snapshot (written whole or not at all); standard output without it' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand snapshot" -l path -d 'A path to record facts about (`%VARIABLES%` allowed); repeatable. Always recorded: %SystemDrive%\\ExchangeSetupLogs, each product\'s install folder and cached packages' -r
complete -c msikit -n "__fish_msikit_using_subcommand snapshot" -l files-of -d 'Ask the Restart Manager which processes hold the files this patch replaces, and record the paths its prerequisite rules name' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand snapshot" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand snapshot" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand snapshot" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and not __fish_seen_subcommand_from list extract help" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand cab; and not __fish_seen_subcommand_from list extract help" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand cab; and not __fish_seen_subcommand_from list extract help" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and not __fish_seen_subcommand_from list extract help" -f -a "list" -d 'The files of a cabinet: name, size, folder, compression, date'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and not __fish_seen_subcommand_from list extract help" -f -a "extract" -d 'Write a cabinet\'s files into a folder (each folder decompressed once)'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and not __fish_seen_subcommand_from list extract help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from list" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from list" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from list" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -s C -d 'The folder to write into (created if missing)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -l max-output -d 'The most bytes to write (0: no cap). Default: 4 GiB, or 1,024 times the compressed input when that is more; a cabinet whose files claim more stops before writing anything' -r
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -l overwrite -d 'When entries go to one path, write only the last (as cabextract leaves it) instead of writing the others as NAME.duplicateN'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -l json -d 'Print what was written as JSON (each entry\'s name and the path it went to)'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from extract" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from help" -f -a "list" -d 'The files of a cabinet: name, size, folder, compression, date'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from help" -f -a "extract" -d 'Write a cabinet\'s files into a folder (each folder decompressed once)'
complete -c msikit -n "__fish_msikit_using_subcommand cab; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "info" -d 'Patch code, targets, transform pairs and their validation, metadata, sequencing, cabinets'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "xml" -d 'The patch applicability XML (as MsiExtractPatchXMLData returns it)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "files" -d 'Every file the patch adds or changes: version, size, whole file or delta, hashes'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "extract" -d 'Write the patch\'s payload files into a folder (by install path with --msi, else by File key)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "create" -d 'Build a patch: a transform pair per target, the changed files whole in a cabinet, MsiPatchMetadata and MsiPatchSequence (see docs/verbs/patch-create.md)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "view" -d 'Apply the patches\' applicable transforms to a target in sequence order and show the changes'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and not __fish_seen_subcommand_from info xml files extract create view help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from info" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from info" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from info" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from xml" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from xml" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from xml" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -l msi -d 'The target database: adds old version and size and the install path' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -l property -d 'Set a property for path resolution (e.g. INSTALLDIR=D:\\\\Exchange)' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -l csv -d 'Print CSV instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from files" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -s C -d 'The folder to write into' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -l msi -d 'The target database, to name files by install path' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -l property -d 'Set a property for path resolution' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -l json -d 'Print what was written as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from extract" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -l manifest -d 'The patch manifest (TOML: [patch], [metadata], [[target]])' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -l target -d 'A target image (.msi); pair each with --upgraded, in order' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -l upgraded -d 'The upgraded image of the --target at the same position' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -s o -l output -d 'The patch to write' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -l json -d 'Print what was built as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from view" -s o -l output -d 'Write the patched database' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from view" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from view" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from view" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from view" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "info" -d 'Patch code, targets, transform pairs and their validation, metadata, sequencing, cabinets'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "xml" -d 'The patch applicability XML (as MsiExtractPatchXMLData returns it)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "files" -d 'Every file the patch adds or changes: version, size, whole file or delta, hashes'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "extract" -d 'Write the patch\'s payload files into a folder (by install path with --msi, else by File key)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "create" -d 'Build a patch: a transform pair per target, the changed files whole in a cabinet, MsiPatchMetadata and MsiPatchSequence (see docs/verbs/patch-create.md)'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "view" -d 'Apply the patches\' applicable transforms to a target in sequence order and show the changes'
complete -c msikit -n "__fish_msikit_using_subcommand patch; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand diff" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand diff" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand diff" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand diff" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -f -a "show" -d 'Apply transforms to a base in memory and list every change, table by table'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -f -a "apply" -d 'Apply transforms to a base and write the resulting database'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -f -a "create" -d 'Generate the transform from a base to a target database (MsiTran -g) and write it'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and not __fish_seen_subcommand_from show apply create help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from show" -l storage -d 'With a patch: only this transform storage (e.g. `RTM.1` or `#RTM.1`)' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from show" -l suppress -d 'Error conditions to suppress, in MsiTran\'s letters (a-f), instead of the transform\'s own' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from show" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from show" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from show" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -s o -l output -d 'The database to write' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -l suppress -d 'Error conditions to suppress, in MsiTran\'s letters (a-f), instead of each transform\'s own' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -s v -l verbose -d 'List every change (as `transform show` does) instead of counts per table and change kind'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -l json -d 'Print the report as JSON (every change)'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from apply" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -s o -l output -d 'The transform to write' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -l validate -d 'Validation conditions, in MsiTran\'s letters: g upgrade code, l language, p platform, r product, s/t/u major/minor/build version, v/w/x/y/z installed < <= = >= > base' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -l suppress -d 'Error conditions the transform suppresses, in MsiTran\'s letters: a add existing row, b delete missing row, c add existing table, d delete missing table, e update missing row, f change code page' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -l json -d 'Print the report as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from help" -f -a "show" -d 'Apply transforms to a base in memory and list every change, table by table'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Apply transforms to a base and write the resulting database'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from help" -f -a "create" -d 'Generate the transform from a base to a target database (MsiTran -g) and write it'
complete -c msikit -n "__fish_msikit_using_subcommand transform; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand validate" -l msi -d 'Validate the patches against this product package: the rules of small updates and minor upgrades on the patched database' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand validate" -l ice -d 'Run only these ICEs (comma-separated: ICE03,ICE06)' -r
complete -c msikit -n "__fish_msikit_using_subcommand validate" -l suppress -d 'Do not run these ICEs (comma-separated), as WiX\'s -sice' -r
complete -c msikit -n "__fish_msikit_using_subcommand validate" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand validate" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand validate" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand validate" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand verify" -l trust -d 'Trust these certificates (PEM bundle or DER) instead of the system\'s CA bundle' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand verify" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand verify" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand verify" -l payload -d 'Also verify every PE file (EXE, DLL...) in the package\'s cabinets or the patch\'s payload; exit 0 only when the package and every one of them are valid'
complete -c msikit -n "__fish_msikit_using_subcommand verify" -l json -d 'Print JSON (an array, one object per file) instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand verify" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l cert -d 'The signer\'s certificate first, then intermediates to carry (PEM or DER)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l key -d 'The signer\'s RSA private key (unencrypted PEM, PKCS#8 or PKCS#1)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand sign" -s o -l output -d 'Where to write the signed file (written under a temporary name, then renamed)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l time -d 'The signing time, seconds since 1970 (default: now); the same time gives the same bytes' -r
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l timestamp-file -d 'An RFC 3161 timestamp token (DER) over this signature, to embed: sign once, ask the time-stamping authority for a token over the printed imprint, sign again with the same --time and this option' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand sign" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand sign" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand completions" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand completions" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand completions" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand man" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand man" -l width -d 'Fit human tables to this many columns (0: no limit). Default: the terminal\'s width (COLUMNS, if set) when stdout is a terminal, no limit otherwise. --json and --csv keep every full value' -r
complete -c msikit -n "__fish_msikit_using_subcommand man" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "info" -d 'What kind of file this is, its summary information, and what it holds'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "tables" -d 'Table names with row and column counts'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "table" -d 'The rows of one table (text, JSON, CSV, or IDT as `msiinfo export` writes it)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "streams" -d 'Every storage and stream at any depth, with size, sha256 and what it looks like'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "cat" -d 'Write the raw bytes of one stream to standard output'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "export" -d 'Write every table as IDT files (with _SummaryInformation and binary cells as files)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "files" -d 'Every file a package installs, with its install path, cabinet and sequence'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "extract" -d 'Write a package\'s files into a folder (each cabinet folder decompressed once)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "build" -d 'Build a database from a manifest (TOML) or an IDT folder (`--idt DIR`)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "check" -d 'Whether patches apply to a product package, in which order, and the version they give'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "locks" -d 'Which running processes of a machine snapshot hold files a patch replaces, and the outcome'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "diagnose" -d 'After a failed install: the time line, root cause, files in use, decoded event data, exit code and the KB\'s known issue, from verbose logs and event-log exports'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "snapshot" -d 'Write the machine snapshot of this Windows computer (JSON, docs/snapshot.md)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "cab" -d 'List or extract a plain cabinet (.cab)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "patch" -d 'Inspect patches (.msp): targets, transforms, metadata, applicability XML, changes'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "diff" -d 'Row-level differences between two databases (exit 0 same, 1 different, 2 error)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "transform" -d 'Decode and apply transforms (.mst, or a patch\'s transform storages)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "validate" -d 'ICE validation without Windows: each cell against _Validation (ICE03) and more ICEs (exit 0 passed, 1 errors found, 2 unreadable)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "verify" -d 'Check Authenticode signatures: digest, signer, chain, timestamp (exit 0 valid and trusted, 1 not, 2 unreadable)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "sign" -d 'Authenticode-sign a package, merge module, patch or transform (RSA, SHA-256)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export files extract build check locks diagnose snapshot cab patch diff transform validate verify sign completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from cab" -f -a "list" -d 'The files of a cabinet: name, size, folder, compression, date'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from cab" -f -a "extract" -d 'Write a cabinet\'s files into a folder (each folder decompressed once)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from patch" -f -a "info" -d 'Patch code, targets, transform pairs and their validation, metadata, sequencing, cabinets'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from patch" -f -a "xml" -d 'The patch applicability XML (as MsiExtractPatchXMLData returns it)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from patch" -f -a "files" -d 'Every file the patch adds or changes: version, size, whole file or delta, hashes'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from patch" -f -a "extract" -d 'Write the patch\'s payload files into a folder (by install path with --msi, else by File key)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from patch" -f -a "create" -d 'Build a patch: a transform pair per target, the changed files whole in a cabinet, MsiPatchMetadata and MsiPatchSequence (see docs/verbs/patch-create.md)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from patch" -f -a "view" -d 'Apply the patches\' applicable transforms to a target in sequence order and show the changes'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from transform" -f -a "show" -d 'Apply transforms to a base in memory and list every change, table by table'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from transform" -f -a "apply" -d 'Apply transforms to a base and write the resulting database'
complete -c msikit -n "__fish_msikit_using_subcommand help; and __fish_seen_subcommand_from transform" -f -a "create" -d 'Generate the transform from a base to a target database (MsiTran -g) and write it'
