#Requires -Version 2.0
<#
.SYNOPSIS
    Writes a msikit machine snapshot of this computer: a JSON file that `msikit check` and
    `msikit locks` read to dry-run a patch against this server on another machine.

.DESCRIPTION
    Records the operating system, the system environment variables, the Windows Installer
    products with their patches, the services, the processes with their loaded modules (and,
    with Sysinternals Handle, the files they hold open) and whether a few paths exist. The
    format is described in docs/snapshot.md and docs/snapshot.schema.json of msikit.

    The script only reads. It changes nothing on the computer, except that Handle, when given,
    records that its licence was accepted (HKCU\Software\Sysinternals\Handle).

    Run it in a 64-bit PowerShell, as an administrator: a 32-bit PowerShell sees the 32-bit
    registry and cannot read the modules of 64-bit processes; without administrator rights the
    modules of services' processes cannot be read. Windows PowerShell 5.1 is the main target;
    PowerShell 2.0 (Windows Server 2003 and 2008, where Exchange Server 2007 runs) works too:
    without Get-CimInstance the script uses Get-WmiObject, and without ConvertTo-Json it writes
    the JSON itself.

.PARAMETER OutFile
    Where to write the snapshot (UTF-8 without a byte-order mark).

.PARAMETER Path
    Paths to record facts about (exists or not, file or folder, size and version of a file).
    %VARIABLES% are expanded. The default is the Exchange setup log folder, which Exchange 2007
    update rollups need (KB930809, known issue 2). Each product's install folder and the cached
    packages of products and patches are always added.

.PARAMETER HandleExe
    The path of Sysinternals Handle (handle.exe or handle64.exe). When given, the files each
    process holds open are recorded; otherwise `open_files` is left out.

.PARAMETER NoModules
    Do not record loaded modules (faster; `msikit locks` then knows less).

.PARAMETER NoPatchTables
    Do not open the cached patches to read their MsiPatchMetadata and MsiPatchSequence tables.

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\collect-snapshot.ps1 -OutFile C:\EXCH01.json

.EXAMPLE
    .\collect-snapshot.ps1 -OutFile .\EXCH01.json -HandleExe C:\Tools\handle64.exe -Path '%SystemDrive%\ExchangeSetupLogs', 'D:\Exchange'
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $OutFile,

    [string[]] $Path = @("$env:SystemDrive\ExchangeSetupLogs"),

    [string] $HandleExe,

    [switch] $NoModules,

    [switch] $NoPatchTables
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$CollectorVersion = '1.0'
$InstallerKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer'
$UninstallKeys = @(
    'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
    # The 32-bit view of the same key, as a 64-bit process sees it.
    'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall'
)

# Folder properties that particular products leave in the registry. msikit resolves a package's
# install paths from its Directory table; when a product went to another folder than the
# default, the folder property tells where. Exchange Server 2007 writes its install folder to
# HKLM\SOFTWARE\Microsoft\Exchange\Setup\MsiInstallPath. In msikit's look-alike package that
# value is formatted from the directory ExchangeDir, so it is recorded under that name; add a
# line here for another product, or change the name if a package calls its folder otherwise.
$KnownFolderProperties = @(
    @{
        ProductCode = '{24B2C164-DE66-44FE-B468-A46D9D5E6B31}'
        Property    = 'ExchangeDir'
        Key         = 'HKLM:\SOFTWARE\Microsoft\Exchange\Setup'
        Value       = 'MsiInstallPath'
    }
)

# System variables that Windows sets for every process rather than in the registry; recorded
# along with the machine's own variables. User variables are left out.
$SystemVariableNames = @(
    'ALLUSERSPROFILE', 'CommonProgramFiles', 'CommonProgramFiles(x86)', 'CommonProgramW6432',
    'COMPUTERNAME', 'ComSpec', 'NUMBER_OF_PROCESSORS', 'OS', 'PROCESSOR_ARCHITECTURE',
    'ProgramData', 'ProgramFiles', 'ProgramFiles(x86)', 'ProgramW6432', 'PUBLIC',
    'SystemDrive', 'SystemRoot', 'windir'
)

$Warnings = New-Object System.Collections.ArrayList

function Add-Warning([string] $Text) {
    [void] $Warnings.Add($Text)
    Write-Warning $Text
}

# An ordered map, so that the JSON lists fields in the documented order. [ordered] needs
# PowerShell 3.0; this works in 2.0 as well.
function New-Map {
    return (New-Object System.Collections.Specialized.OrderedDictionary)
}

# ------------------------------------------------------------------------------------------------
# Packed GUIDs
#
# Windows Installer names its registry keys after product, patch and upgrade codes written in a
# "packed" form: the 32 hex digits without braces or hyphens, where the first three groups are
# each written backwards, character by character, and each of the last eight bytes has its two
# hex digits swapped. For example
#
#     {24B2C164-DE66-44FE-B468-A46D9D5E6B31}
#     24B2C164 | DE66 | 44FE | B4 68 | A4 6D 9D 5E 6B 31     the groups and bytes
#     461C2B42 | 66ED | EF44 | 4B 86 | 4A D6 D9 E5 B6 13     reversed, swapped
#     461C2B4266EDEF444B864AD6D9E5B613                       the key name
#
# The same rule turns a packed name back into the GUID.
# ------------------------------------------------------------------------------------------------

function Get-Reversed([string] $Text) {
    $chars = $Text.ToCharArray()
    [Array]::Reverse($chars)
    return (-join $chars)
}

function Get-PairSwapped([string] $Text) {
    $builder = New-Object System.Text.StringBuilder
    for ($i = 0; $i + 1 -lt $Text.Length; $i += 2) {
        [void] $builder.Append($Text[$i + 1])
        [void] $builder.Append($Text[$i])
    }
    return $builder.ToString()
}

function ConvertFrom-PackedGuid([string] $Packed) {
    if ($Packed -notmatch '^[0-9A-Fa-f]{32}$') {
        return $null
    }
    $p = $Packed.ToUpperInvariant()
    return ('{' + (Get-Reversed $p.Substring(0, 8)) + '-' + (Get-Reversed $p.Substring(8, 4)) +
        '-' + (Get-Reversed $p.Substring(12, 4)) + '-' + (Get-PairSwapped $p.Substring(16, 4)) +
        '-' + (Get-PairSwapped $p.Substring(20, 12)) + '}')
}

function ConvertTo-PackedGuid([string] $Guid) {
    $hex = $Guid.Trim('{', '}').Replace('-', '').ToUpperInvariant()
    if ($hex -notmatch '^[0-9A-F]{32}$') {
        return $null
    }
    return ((Get-Reversed $hex.Substring(0, 8)) + (Get-Reversed $hex.Substring(8, 4)) +
        (Get-Reversed $hex.Substring(12, 4)) + (Get-PairSwapped $hex.Substring(16, 16)))
}

# ------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------

# The values of a registry key as a hashtable (name -> data), or $null when there is no key.
function Get-RegistryValues([string] $Key) {
    if (-not (Test-Path -LiteralPath $Key)) {
        return $null
    }
    $item = Get-Item -LiteralPath $Key
    $values = @{}
    foreach ($name in $item.GetValueNames()) {
        $values[$name] = $item.GetValue($name)
    }
    return $values
}

# The first of several values that is set and not empty, as a string; $null if none is.
function Get-FirstText {
    foreach ($candidate in $args) {
        if ($null -ne $candidate -and ([string] $candidate).Length -gt 0) {
            return [string] $candidate
        }
    }
    return $null
}

function Get-WmiInstances([string] $Class) {
    if (Get-Command Get-CimInstance -ErrorAction SilentlyContinue) {
        return Get-CimInstance -ClassName $Class
    }
    return Get-WmiObject -Class $Class
}

# A path as Windows' own tools write it: without the \??\ or \\?\ prefix, \SystemRoot\ spelled out.
function ConvertTo-Win32Path([string] $Text) {
    if ([string]::IsNullOrEmpty($Text)) {
        return $null
    }
    if ($Text.StartsWith('\??\') -or $Text.StartsWith('\\?\')) {
        $Text = $Text.Substring(4)
    }
    if ($Text -match '^\\SystemRoot\\') {
        $Text = $env:SystemRoot + $Text.Substring(11)
    }
    elseif ($Text -match '^(?i:system32)\\') {
        $Text = $env:SystemRoot + '\' + $Text
    }
    return $Text
}

# The executable of a service's command line: the quoted part, or up to ".exe", or up to the
# first space.
function Get-ImagePath([string] $CommandLine) {
    if ([string]::IsNullOrEmpty($CommandLine)) {
        return $null
    }
    $line = $CommandLine.Trim()
    if ($line.StartsWith('"')) {
        $close = $line.IndexOf('"', 1)
        if ($close -gt 1) {
            return (ConvertTo-Win32Path $line.Substring(1, $close - 1))
        }
        return (ConvertTo-Win32Path $line.Trim('"'))
    }
    $exe = $line.ToLowerInvariant().IndexOf('.exe')
    if ($exe -gt 0) {
        return (ConvertTo-Win32Path $line.Substring(0, $exe + 4))
    }
    $space = $line.IndexOf(' ')
    if ($space -gt 0) {
        return (ConvertTo-Win32Path $line.Substring(0, $space))
    }
    return (ConvertTo-Win32Path $line)
}

# Whether a text is in version syntax: one to four dot-separated numbers up to 65535.
function Test-VersionText([string] $Text) {
    if ($Text -notmatch '^\d{1,5}(\.\d{1,5}){0,3}$') {
        return $false
    }
    foreach ($field in $Text.Split('.')) {
        if ([int] $field -gt 65535) {
            return $false
        }
    }
    return $true
}

# A file's version resource as "a.b.c.d", or $null.
function Get-FileVersionText($Item) {
    $info = $Item.VersionInfo
    if ($null -eq $info -or [string]::IsNullOrEmpty($info.FileVersion)) {
        return $null
    }
    return ('{0}.{1}.{2}.{3}' -f $info.FileMajorPart, $info.FileMinorPart, $info.FileBuildPart,
        $info.FilePrivatePart)
}

# Calls a method or reads a property of a COM object through IDispatch. The Windows Installer
# object model offers no type information to PowerShell, so its members are reached this way.
function Invoke-ComMember($Object, [string] $Name, [string] $Kind, [object[]] $Arguments) {
    $flags = [System.Reflection.BindingFlags] $Kind
    return $Object.GetType().InvokeMember($Name, $flags, $null, $Object, $Arguments)
}

function Release-ComObject($Object) {
    if ($null -ne $Object) {
        [void] [System.Runtime.InteropServices.Marshal]::ReleaseComObject($Object)
    }
}

# The rows of one query on an open database, each an array of strings; an empty list when the
# table does not exist.
function Get-QueryRows($Database, [string] $Query, [int] $Columns) {
    $rows = New-Object System.Collections.ArrayList
    $view = $null
    try {
        $view = Invoke-ComMember $Database 'OpenView' 'InvokeMethod' @($Query)
        [void] (Invoke-ComMember $view 'Execute' 'InvokeMethod' @())
        while ($true) {
            $record = Invoke-ComMember $view 'Fetch' 'InvokeMethod' @()
            if ($null -eq $record) {
                break
            }
            $row = New-Object 'string[]' $Columns
            for ($i = 1; $i -le $Columns; $i++) {
                $row[$i - 1] = [string] (Invoke-ComMember $record 'StringData' 'GetProperty' @($i))
            }
            [void] $rows.Add($row)
            Release-ComObject $record
        }
    }
    catch {
        # No such table in this patch.
    }
    finally {
        if ($null -ne $view) {
            try { [void] (Invoke-ComMember $view 'Close' 'InvokeMethod' @()) } catch { }
            Release-ComObject $view
        }
    }
    return , $rows
}

# MsiPatchMetadata (as a hashtable) and MsiPatchSequence rows of a cached patch, or $null.
function Read-PatchTables([string] $PatchFile) {
    if ($NoPatchTables -or [string]::IsNullOrEmpty($PatchFile) -or
        -not (Test-Path -LiteralPath $PatchFile)) {
        return $null
    }
    $installer = $null
    $database = $null
    try {
        $installer = New-Object -ComObject WindowsInstaller.Installer
        # 32 = msiOpenDatabaseModePatchFile, read-only.
        $database = Invoke-ComMember $installer 'OpenDatabase' 'InvokeMethod' @($PatchFile, 32)
        $metadata = @{}
        $query = 'SELECT `Company`, `Property`, `Value` FROM `MsiPatchMetadata`'
        foreach ($row in (Get-QueryRows $database $query 3)) {
            if ($row[0] -eq '') {
                $metadata[$row[1]] = $row[2]
            }
        }
        $sequences = New-Object System.Collections.ArrayList
        $query = 'SELECT `PatchFamily`, `ProductCode`, `Sequence`, `Attributes` FROM `MsiPatchSequence`'
        foreach ($row in (Get-QueryRows $database $query 4)) {
            $entry = New-Map
            $entry['family'] = $row[0]
            $entry['sequence'] = $row[2]
            $attributes = 0
            [void] [int]::TryParse($row[3], [ref] $attributes)
            # Bit 1: msidbPatchSequenceSupersedeEarlier.
            $entry['supersede'] = (($attributes -band 1) -ne 0)
            if ($row[1] -ne '') {
                $entry['product_code'] = $row[1]
            }
            [void] $sequences.Add($entry)
        }
        return @{ Metadata = $metadata; Sequences = $sequences }
    }
    catch {
        Add-Warning ('could not read the tables of {0}: {1}' -f $PatchFile, $_.Exception.Message)
        return $null
    }
    finally {
        Release-ComObject $database
        Release-ComObject $installer
    }
}

# ------------------------------------------------------------------------------------------------
# The parts of the snapshot
# ------------------------------------------------------------------------------------------------

function Get-OsPart([bool] $Is64) {
    $os = @(Get-WmiInstances 'Win32_OperatingSystem')[0]
    $part = New-Map
    $part['caption'] = Get-FirstText $os.Caption
    $part['version'] = [string] $os.Version
    $part['build'] = [uint32] $os.BuildNumber
    $part['service_pack'] = Get-FirstText $os.CSDVersion
    if ($Is64) { $part['architecture'] = 'x64' } else { $part['architecture'] = 'x86' }
    switch ([int] $os.ProductType) {
        1 { $part['product_type'] = 'workstation' }
        2 { $part['product_type'] = 'domain_controller' }
        default { $part['product_type'] = 'server' }
    }
    $msi = Get-Item -LiteralPath "$env:SystemRoot\System32\msi.dll" -ErrorAction SilentlyContinue
    if ($null -ne $msi) {
        $part['installer_version'] = Get-FileVersionText $msi
    }
    return $part
}

function Get-EnvironmentPart {
    # A hashtable compares names without case, as Windows does.
    $values = @{}
    $machine = [Environment]::GetEnvironmentVariables([EnvironmentVariableTarget]::Machine)
    foreach ($entry in $machine.GetEnumerator()) {
        $values[[string] $entry.Key] = [string] $entry.Value
    }
    foreach ($name in $SystemVariableNames) {
        $value = [Environment]::GetEnvironmentVariable($name, [EnvironmentVariableTarget]::Process)
        if ($null -ne $value) {
            $values[$name] = $value
        }
    }
    $part = New-Map
    foreach ($name in @($values.Keys | Sort-Object)) {
        $part[$name] = $values[$name]
    }
    return $part
}

function Get-UninstallValues([string] $ProductCode) {
    foreach ($key in $UninstallKeys) {
        $values = Get-RegistryValues "$key\$ProductCode"
        if ($null -ne $values) {
            return $values
        }
    }
    return $null
}

# Packed product code -> upgrade code, from the per-machine registration.
function Get-UpgradeCodes {
    $map = @{}
    $key = 'HKLM:\SOFTWARE\Classes\Installer\UpgradeCodes'
    if (-not (Test-Path -LiteralPath $key)) {
        return $map
    }
    foreach ($upgradeKey in @(Get-ChildItem -LiteralPath $key)) {
        $upgradeCode = ConvertFrom-PackedGuid $upgradeKey.PSChildName
        if ($null -eq $upgradeCode) {
            continue
        }
        foreach ($packedProduct in $upgradeKey.GetValueNames()) {
            if ($packedProduct -ne '') {
                $map[$packedProduct.ToUpperInvariant()] = $upgradeCode
            }
        }
    }
    return $map
}

function Get-PatchEntries([string] $UserDataSid, [string] $PackedProduct) {
    $patches = New-Object System.Collections.ArrayList
    $key = "$InstallerKey\UserData\$UserDataSid\Products\$PackedProduct\Patches"
    if (-not (Test-Path -LiteralPath $key)) {
        return , $patches
    }
    foreach ($patchKey in @(Get-ChildItem -LiteralPath $key)) {
        $packedPatch = $patchKey.PSChildName
        $patchCode = ConvertFrom-PackedGuid $packedPatch
        if ($null -eq $patchCode) {
            continue
        }
        $values = Get-RegistryValues $patchKey.PSPath
        $registration = Get-RegistryValues "$InstallerKey\UserData\$UserDataSid\Patches\$packedPatch"
        $entry = New-Map
        $entry['patch_code'] = $patchCode
        # The registered State: 1 applied, 2 superseded, 4 obsoleted (MsiEnumPatchesEx). A patch
        # listed for the product with any other state is registered but not applied.
        switch ([int] $values['State']) {
            1 { $entry['state'] = 'applied' }
            2 { $entry['state'] = 'superseded' }
            4 { $entry['state'] = 'obsoleted' }
            default { $entry['state'] = 'registered' }
        }
        $displayName = Get-FirstText $values['DisplayName']
        $localPackage = $null
        if ($null -ne $registration) {
            $localPackage = Get-FirstText $registration['LocalPackage']
        }
        $tables = Read-PatchTables $localPackage
        $kb = $null
        $classification = $null
        if ($null -ne $tables) {
            $kb = Get-FirstText $tables.Metadata['KBArticle Number']
            $classification = Get-FirstText $tables.Metadata['Classification']
            if ($null -eq $displayName) {
                $displayName = Get-FirstText $tables.Metadata['DisplayName']
            }
        }
        if ($null -eq $kb -and $null -ne $displayName -and $displayName -match 'KB\s*(\d{6,7})') {
            $kb = $Matches[1]
        }
        $entry['display_name'] = $displayName
        $entry['kb_article'] = $kb
        $entry['classification'] = $classification
        $installed = Get-FirstText $values['Installed']
        if ($null -ne $installed -and $installed -match '^(\d{4})(\d{2})(\d{2})$') {
            $entry['installed'] = '{0}-{1}-{2}' -f $Matches[1], $Matches[2], $Matches[3]
        }
        $entry['local_package'] = $localPackage
        if ($null -ne $tables) {
            $entry['sequences'] = $tables.Sequences.ToArray()
        }
        [void] $patches.Add($entry)
    }
    return , $patches
}

function Get-ProductsPart {
    $products = New-Object System.Collections.ArrayList
    $userData = "$InstallerKey\UserData"
    if (-not (Test-Path -LiteralPath $userData)) {
        Add-Warning 'no Windows Installer registration found (UserData key missing)'
        return , $products
    }
    $upgradeCodes = Get-UpgradeCodes
    # Each SID under UserData holds the products installed in that context: S-1-5-18 (the
    # local system) per machine, any other SID for that user alone.
    foreach ($sidKey in @(Get-ChildItem -LiteralPath $userData)) {
        $sid = $sidKey.PSChildName
        $productsKey = "$userData\$sid\Products"
        if (-not (Test-Path -LiteralPath $productsKey)) {
            continue
        }
        foreach ($productKey in @(Get-ChildItem -LiteralPath $productsKey)) {
            $packed = $productKey.PSChildName
            $code = ConvertFrom-PackedGuid $packed
            if ($null -eq $code) {
                continue
            }
            $props = Get-RegistryValues "$productsKey\$packed\InstallProperties"
            if ($null -eq $props) {
                continue
            }
            $arp = Get-UninstallValues $code
            if ($null -eq $arp) {
                $arp = @{}
            }
            $product = New-Map
            $product['product_code'] = $code
            $product['name'] = Get-FirstText $props['DisplayName'] $arp['DisplayName'] $code
            $version = Get-FirstText $props['DisplayVersion'] $arp['DisplayVersion']
            if (-not (Test-VersionText $version) -and $null -ne $props['Version']) {
                # The DWORD form: major in the top byte, minor in the next, build in the low word.
                # REG_DWORD comes back as a signed Int32.
                $v = [double] [int64] $props['Version']
                if ($v -lt 0) {
                    $v += 4294967296
                }
                $version = '{0}.{1}.{2}' -f [math]::Floor($v / 16777216),
                    ([math]::Floor($v / 65536) % 256), ($v % 65536)
            }
            if (-not (Test-VersionText $version)) {
                Add-Warning "no usable version registered for $code ($version)"
                $version = $null
            }
            if ($null -eq $version) {
                $version = '0'
            }
            $product['version'] = $version
            $product['upgrade_code'] = $upgradeCodes[$packed.ToUpperInvariant()]
            $language = Get-FirstText $props['Language'] $arp['Language']
            if ($null -ne $language) {
                $product['language'] = [uint32] $language
            }
            $product['manufacturer'] = Get-FirstText $props['Publisher'] $arp['Publisher']
            $product['install_location'] = Get-FirstText $props['InstallLocation'] $arp['InstallLocation']
            if ($sid -eq 'S-1-5-18') {
                $product['install_context'] = 'machine'
            }
            else {
                $product['install_context'] = 'user'
                $product['user_sid'] = $sid
            }
            $product['local_package'] = Get-FirstText $props['LocalPackage']
            $properties = New-Map
            foreach ($known in $KnownFolderProperties) {
                if ($known.ProductCode -eq $code) {
                    $values = Get-RegistryValues $known.Key
                    if ($null -ne $values) {
                        $value = Get-FirstText $values[$known.Value]
                        if ($null -ne $value) {
                            $properties[$known.Property] = $value
                        }
                    }
                }
            }
            $product['properties'] = $properties
            $product['patches'] = (Get-PatchEntries $sid $packed).ToArray()
            [void] $products.Add($product)
        }
    }
    return , $products
}

function Get-ServicesPart($WmiServices) {
    $services = New-Object System.Collections.ArrayList
    foreach ($s in @($WmiServices | Sort-Object Name)) {
        $entry = New-Map
        $entry['name'] = [string] $s.Name
        $entry['display_name'] = Get-FirstText $s.DisplayName
        switch ([string] $s.State) {
            'Running' { $entry['state'] = 'running' }
            'Stopped' { $entry['state'] = 'stopped' }
            'Paused' { $entry['state'] = 'paused' }
            'Start Pending' { $entry['state'] = 'start_pending' }
            'Stop Pending' { $entry['state'] = 'stop_pending' }
            'Continue Pending' { $entry['state'] = 'continue_pending' }
            'Pause Pending' { $entry['state'] = 'pause_pending' }
            default { $entry['state'] = 'unknown' }
        }
        $registry = Get-RegistryValues "HKLM:\SYSTEM\CurrentControlSet\Services\$($s.Name)"
        if ($null -eq $registry) {
            $registry = @{}
        }
        switch ([string] $s.StartMode) {
            'Boot' { $entry['start_type'] = 'boot' }
            'System' { $entry['start_type'] = 'system' }
            'Auto' { $entry['start_type'] = 'auto' }
            'Manual' { $entry['start_type'] = 'demand' }
            'Disabled' { $entry['start_type'] = 'disabled' }
            default {
                # The Start value itself: 0 boot, 1 system, 2 auto, 3 demand, 4 disabled.
                switch ([int] $registry['Start']) {
                    0 { $entry['start_type'] = 'boot' }
                    1 { $entry['start_type'] = 'system' }
                    2 { $entry['start_type'] = 'auto' }
                    4 { $entry['start_type'] = 'disabled' }
                    default { $entry['start_type'] = 'demand' }
                }
            }
        }
        if ($null -ne $s.ProcessId -and [uint32] $s.ProcessId -ne 0) {
            $entry['process_id'] = [uint32] $s.ProcessId
        }
        $entry['image_path'] = Get-ImagePath ([string] $s.PathName)
        $entry['command_line'] = Get-FirstText $s.PathName
        $entry['account'] = Get-FirstText $s.StartName
        $entry['depends_on'] = @($registry['DependOnService'] | Where-Object { $_ })
        [void] $services.Add($entry)
    }
    return , $services
}

# pid -> list of open file paths, from Sysinternals Handle. A process Handle could not open is
# not in the map (its open files stay unknown).
function Get-OpenFiles {
    $map = @{}
    if ([string]::IsNullOrEmpty($HandleExe)) {
        Add-Warning 'open files were not collected: Sysinternals Handle was not given (-HandleExe)'
        return $map
    }
    if (-not (Test-Path -LiteralPath $HandleExe)) {
        throw "Handle not found: $HandleExe"
    }
    # Without arguments Handle lists the file handles of every process it can open:
    #   ------------------------------------------------------------------------------
    #   store.exe pid: 2544 NT AUTHORITY\SYSTEM
    #      1A4: File  (RW-)   C:\Program Files\Microsoft\Exchange Server\Mailbox\...\E00.log
    # A process it cannot open is shown as "name pid: N \<unable to open process>".
    # Windows PowerShell turns a native program's error output into error records, which stop
    # the script under $ErrorActionPreference = 'Stop'; Handle's are not worth stopping for.
    $saved = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    try {
        $output = & $HandleExe -accepteula 2>$null
    }
    finally {
        $ErrorActionPreference = $saved
    }
    $current = $null
    foreach ($line in @($output)) {
        $text = [string] $line
        if ($text -match '^(\S.*?) pid: (\d+)\s*(.*)$') {
            $current = $null
            if ($Matches[3] -notmatch 'unable to open process') {
                $current = [uint32] $Matches[2]
                if (-not $map.ContainsKey($current)) {
                    $map[$current] = @{}
                }
            }
        }
        elseif ($null -ne $current -and
            $text -match '^\s*[0-9A-Fa-f]+:\s+File\s+(\([^)]*\)\s+)?(.+?)\s*$') {
            $file = $Matches[2]
            # Drive and UNC paths only: pipes, devices and the like cannot be patched.
            if ($file -match '^[A-Za-z]:\\' -or $file.StartsWith('\\')) {
                # Keyed without case: one entry per file.
                $map[$current][$file] = $true
            }
        }
    }
    if ($map.Count -eq 0) {
        Add-Warning 'Sysinternals Handle listed no process; open files are unknown'
    }
    return $map
}

function Get-ProcessesPart($WmiServices) {
    $servicesByPid = @{}
    foreach ($s in @($WmiServices)) {
        if ($null -ne $s.ProcessId -and [uint32] $s.ProcessId -ne 0) {
            $id = [uint32] $s.ProcessId
            if (-not $servicesByPid.ContainsKey($id)) {
                $servicesByPid[$id] = New-Object System.Collections.ArrayList
            }
            [void] $servicesByPid[$id].Add([string] $s.Name)
        }
    }
    $running = @{}
    foreach ($p in @(Get-Process)) {
        $running[[uint32] $p.Id] = $p
    }
    $openFiles = Get-OpenFiles
    $unreadable = New-Object System.Collections.ArrayList
    $processes = New-Object System.Collections.ArrayList
    foreach ($wp in @(Get-WmiInstances 'Win32_Process' | Sort-Object ProcessId)) {
        $id = [uint32] $wp.ProcessId
        $p = $running[$id]
        $entry = New-Map
        $entry['pid'] = $id
        $entry['name'] = [string] $wp.Name
        $image = ConvertTo-Win32Path (Get-FirstText $wp.ExecutablePath)
        if ($null -eq $image -and $null -ne $p) {
            try { $image = ConvertTo-Win32Path (Get-FirstText $p.Path) } catch { }
        }
        $entry['image_path'] = $image
        if ($id -ne 0 -and $null -ne $wp.ParentProcessId) {
            $entry['parent_pid'] = [uint32] $wp.ParentProcessId
        }
        if ($null -ne $wp.SessionId) {
            $entry['session_id'] = [uint32] $wp.SessionId
        }
        if ($null -ne $p) {
            try {
                $entry['window_title'] = Get-FirstText $p.MainWindowTitle
            }
            catch { }
        }
        if ($servicesByPid.ContainsKey($id)) {
            $entry['services'] = @($servicesByPid[$id] | Sort-Object)
        }
        if (-not $NoModules) {
            $modules = $null
            if ($null -ne $p) {
                try {
                    $list = New-Object System.Collections.ArrayList
                    foreach ($m in $p.Modules) {
                        $file = ConvertTo-Win32Path ([string] $m.FileName)
                        if ($null -ne $file) {
                            [void] $list.Add($file)
                        }
                    }
                    if ($list.Count -gt 0) {
                        $modules = $list.ToArray()
                    }
                }
                catch {
                    # Access denied, or a protected process.
                }
            }
            if ($null -eq $modules) {
                [void] $unreadable.Add([string] $wp.Name)
            }
            $entry['modules'] = $modules
        }
        if ($openFiles.ContainsKey($id)) {
            $entry['open_files'] = @($openFiles[$id].Keys | Sort-Object)
        }
        [void] $processes.Add($entry)
    }
    if ($unreadable.Count -gt 0) {
        Add-Warning ('modules could not be read for {0} processes ({1})' -f $unreadable.Count,
            ($unreadable -join ', '))
    }
    return , $processes
}

function Get-PathFact([string] $Target) {
    $problems = $null
    $item = Get-Item -LiteralPath $Target -Force -ErrorAction SilentlyContinue -ErrorVariable problems
    $fact = New-Map
    $fact['path'] = $Target
    if ($null -eq $item) {
        $other = @($problems | Where-Object { $_.CategoryInfo.Category -ne 'ObjectNotFound' })
        if ($other.Count -gt 0) {
            Add-Warning ('could not examine {0}: {1}' -f $Target, $other[0].Exception.Message)
            return $null
        }
        $fact['exists'] = $false
        return $fact
    }
    $fact['exists'] = $true
    if ($item.PSIsContainer) {
        $fact['kind'] = 'dir'
    }
    else {
        $fact['kind'] = 'file'
        $fact['size'] = [uint64] $item.Length
        $fact['version'] = Get-FileVersionText $item
    }
    return $fact
}

function Get-PathsPart($Products) {
    $targets = New-Object System.Collections.ArrayList
    $seen = @{}
    $candidates = New-Object System.Collections.ArrayList
    foreach ($p in $Path) {
        [void] $candidates.Add([Environment]::ExpandEnvironmentVariables($p))
    }
    foreach ($product in $Products) {
        [void] $candidates.Add($product['install_location'])
        [void] $candidates.Add($product['local_package'])
        foreach ($patch in $product['patches']) {
            [void] $candidates.Add($patch['local_package'])
        }
    }
    foreach ($candidate in $candidates) {
        if ([string]::IsNullOrEmpty($candidate)) {
            continue
        }
        $target = [string] $candidate
        if ($target.Length -gt 3) {
            $target = $target.TrimEnd('\')
        }
        # A hashtable ignores case, as Windows does.
        if (-not $seen.ContainsKey($target)) {
            $seen[$target] = $true
            [void] $targets.Add($target)
        }
    }
    $facts = New-Object System.Collections.ArrayList
    foreach ($target in $targets) {
        $fact = Get-PathFact $target
        if ($null -ne $fact) {
            [void] $facts.Add($fact)
        }
    }
    return , $facts
}

# ------------------------------------------------------------------------------------------------
# JSON for PowerShell 2.0, which has no ConvertTo-Json
# ------------------------------------------------------------------------------------------------

function ConvertTo-JsonString([string] $Text) {
    $builder = New-Object System.Text.StringBuilder
    [void] $builder.Append('"')
    foreach ($c in $Text.ToCharArray()) {
        $code = [int] $c
        if ($code -eq 0x22) {
            [void] $builder.Append('\"')
        }
        elseif ($code -eq 0x5C) {
            [void] $builder.Append('\\')
        }
        elseif ($code -lt 0x20) {
            [void] $builder.Append(('\u{0:x4}' -f $code))
        }
        else {
            [void] $builder.Append($c)
        }
    }
    [void] $builder.Append('"')
    return $builder.ToString()
}

function ConvertTo-JsonText($Value, [int] $Level) {
    $inner = '  ' * ($Level + 1)
    $outer = '  ' * $Level
    if ($null -eq $Value) {
        return 'null'
    }
    if ($Value -is [bool]) {
        if ($Value) { return 'true' } else { return 'false' }
    }
    if ($Value -is [string] -or $Value -is [char]) {
        return (ConvertTo-JsonString ([string] $Value))
    }
    if ($Value -is [byte] -or $Value -is [int16] -or $Value -is [uint16] -or $Value -is [int] -or
        $Value -is [uint32] -or $Value -is [long] -or $Value -is [uint64]) {
        return $Value.ToString([System.Globalization.CultureInfo]::InvariantCulture)
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $parts = @(foreach ($key in $Value.Keys) {
                $inner + (ConvertTo-JsonString ([string] $key)) + ': ' +
                (ConvertTo-JsonText $Value[$key] ($Level + 1))
            })
        if ($parts.Count -eq 0) {
            return '{}'
        }
        return ("{`n" + ($parts -join ",`n") + "`n" + $outer + '}')
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $parts = @(foreach ($item in $Value) { $inner + (ConvertTo-JsonText $item ($Level + 1)) })
        if ($parts.Count -eq 0) {
            return '[]'
        }
        return ("[`n" + ($parts -join ",`n") + "`n" + $outer + ']')
    }
    return (ConvertTo-JsonString ([string] $Value))
}

# ------------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------------

$is64Process = [IntPtr]::Size -eq 8
$is64Os = $is64Process -or -not [string]::IsNullOrEmpty($env:PROCESSOR_ARCHITEW6432)
if ($is64Os -and -not $is64Process) {
    $message = ('Run this script in 64-bit PowerShell ({0}\sysnative\WindowsPowerShell\v1.0\powershell.exe): ' +
        'a 32-bit PowerShell sees the 32-bit registry and Program Files (x86), and cannot read ' +
        'the modules of 64-bit processes.') -f $env:SystemRoot
    throw $message
}
if ($is64Process -and $env:PROCESSOR_ARCHITECTURE -ne 'AMD64') {
    throw "Snapshot version 1 describes x64 and x86 Windows only, not $env:PROCESSOR_ARCHITECTURE."
}

$principal = New-Object Security.Principal.WindowsPrincipal ([Security.Principal.WindowsIdentity]::GetCurrent())
$elevated = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
if (-not $elevated) {
    Add-Warning 'not run as an administrator: modules of service processes and some service details are missing'
}

if (-not [System.IO.Path]::IsPathRooted($OutFile)) {
    # .NET resolves relative paths against the process's folder, not PowerShell's location.
    $OutFile = Join-Path (Get-Location).ProviderPath $OutFile
}

Write-Verbose 'Reading the operating system and environment'
$collectedAt = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'",
    [System.Globalization.CultureInfo]::InvariantCulture)
$osPart = Get-OsPart $is64Os
$environmentPart = Get-EnvironmentPart

Write-Verbose 'Reading the Windows Installer products and patches'
$productList = Get-ProductsPart
$products = @($productList | Sort-Object { $_['name'] }, { $_['product_code'] })

Write-Verbose 'Reading services and processes'
$wmiServices = @(Get-WmiInstances 'Win32_Service')
$servicesPart = (Get-ServicesPart $wmiServices).ToArray()
$processesPart = (Get-ProcessesPart $wmiServices).ToArray()

Write-Verbose 'Examining paths'
$pathsPart = (Get-PathsPart $products).ToArray()

$collector = New-Map
$collector['name'] = 'collect-snapshot.ps1'
$collector['version'] = $CollectorVersion
$collector['powershell_version'] = $PSVersionTable.PSVersion.ToString()
$collector['elevated'] = [bool] $elevated

$snapshot = New-Map
$snapshot['snapshot_version'] = 1
$snapshot['collected_at'] = $collectedAt
$snapshot['collector'] = $collector
$snapshot['computer_name'] = [string] $env:COMPUTERNAME
$snapshot['os'] = $osPart
$snapshot['environment'] = $environmentPart
$snapshot['products'] = $products
$snapshot['services'] = $servicesPart
$snapshot['processes'] = $processesPart
$snapshot['paths'] = $pathsPart
$snapshot['warnings'] = $Warnings.ToArray()

if (Get-Command ConvertTo-Json -ErrorAction SilentlyContinue) {
    # Windows PowerShell 3.0 to 5.1 can carry type data that makes arrays come out as
    # {"value": [...], "Count": n}; without it they are plain arrays. (This session only.)
    if ($PSVersionTable.PSVersion.Major -lt 6) {
        Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
    }
    # The deepest value is a patch's sequence row: snapshot > products > product > patches >
    # patch > sequences > row, seven levels; past -Depth ConvertTo-Json writes a type name
    # instead of the value, so the depth is set with room to spare and the output checked.
    $json = ConvertTo-Json -InputObject $snapshot -Depth 10
    if ($json -match '"System\.(Collections|Object)') {
        throw 'ConvertTo-Json cut the snapshot short; please report this with your PowerShell version'
    }
}
else {
    $json = ConvertTo-JsonText $snapshot 0
}

[System.IO.File]::WriteAllText($OutFile, $json + "`n", (New-Object System.Text.UTF8Encoding $false))
Write-Host ('Wrote {0}: {1} products, {2} services, {3} processes, {4} paths, {5} warnings' -f
    $OutFile, $products.Count, $servicesPart.Count, $processesPart.Count, $pathsPart.Count,
    $Warnings.Count)
