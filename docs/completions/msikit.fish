# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_msikit_global_optspecs
    string join \n color= h/help V/version
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
complete -c msikit -n "__fish_msikit_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msikit -n "__fish_msikit_needs_command" -s V -l version -d 'Print version'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "info" -d 'What kind of file this is, its summary information, and what it holds'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "tables" -d 'Table names with row and column counts'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "table" -d 'The rows of one table (text, JSON, CSV, or IDT as `msiinfo export` writes it)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "streams" -d 'Every storage and stream at any depth, with size, sha256 and what it looks like'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "cat" -d 'Write the raw bytes of one stream to standard output'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "export" -d 'Write every table as IDT files (with _SummaryInformation and binary cells as files)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "man" -d 'Print the man page (roff)'
complete -c msikit -n "__fish_msikit_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msikit -n "__fish_msikit_using_subcommand info" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand info" -l json -d 'Print JSON instead of text'
complete -c msikit -n "__fish_msikit_using_subcommand info" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand tables" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand tables" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand tables" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand table" -l format -d 'Output format' -r -f -a "text\t'Aligned columns for people'
json\t'An object with the schema and the rows (binary cells as {"stream": name})'
csv\t'RFC 4180 CSV with a header line'
idt\t'IDT, byte-identical to `msiinfo export FILE NAME`'"
complete -c msikit -n "__fish_msikit_using_subcommand table" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand table" -l json -d 'Same as --format json'
complete -c msikit -n "__fish_msikit_using_subcommand table" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msikit -n "__fish_msikit_using_subcommand streams" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand streams" -l json -d 'Print JSON instead of a table'
complete -c msikit -n "__fish_msikit_using_subcommand streams" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand cat" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand cat" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand export" -l idt -d 'The folder to write into (created if missing)' -r -F
complete -c msikit -n "__fish_msikit_using_subcommand export" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand export" -l json -d 'Print what was written as JSON'
complete -c msikit -n "__fish_msikit_using_subcommand export" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand completions" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand completions" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand man" -l color -d 'When to use colour in human output (NO_COLOR in the environment means never)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c msikit -n "__fish_msikit_using_subcommand man" -s h -l help -d 'Print help'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "info" -d 'What kind of file this is, its summary information, and what it holds'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "tables" -d 'Table names with row and column counts'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "table" -d 'The rows of one table (text, JSON, CSV, or IDT as `msiinfo export` writes it)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "streams" -d 'Every storage and stream at any depth, with size, sha256 and what it looks like'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "cat" -d 'Write the raw bytes of one stream to standard output'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "export" -d 'Write every table as IDT files (with _SummaryInformation and binary cells as files)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "completions" -d 'Print a shell completion script'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "man" -d 'Print the man page (roff)'
complete -c msikit -n "__fish_msikit_using_subcommand help; and not __fish_seen_subcommand_from info tables table streams cat export completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
