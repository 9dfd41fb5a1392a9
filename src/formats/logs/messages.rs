//! What Windows Installer's numbers mean: the messages of its Error table (1101-1960, shown to
//! the user) and internal errors (2101-2950, in `Note: 1: NNNN` lines), as Microsoft documents
//! them ("Windows Installer Error Messages"), and the codes msiexec exits with ("Error Codes":
//! ERROR_INSTALL_FAILURE 1603, ERROR_SUCCESS_REBOOT_REQUIRED 3010...).
//!
//! A log often carries only the number and its fields (`Note: 1: 1306 2: C:\x.dll`, or `The
//! error code is 1306. The arguments are: …` when the package's Error table lacks the row);
//! [`format()`] puts the fields into the documented text. Only the numbers listed here are known;
//! others are reported as numbers.

/// The documented text of a Windows Installer message (`[2]`, `[3]`… stand for the fields).
pub fn message(number: u32) -> Option<&'static str> {
    MESSAGES
        .binary_search_by_key(&number, |(n, _)| *n)
        .ok()
        .and_then(|i| MESSAGES.get(i))
        .map(|(_, t)| *t)
}

/// The text of `number` with `args` (field 2 first) in place of `[2]`, `[3]`…; a `{…}` part
/// whose fields are all empty is left out, as Windows Installer leaves it out.
pub fn format(number: u32, args: &[&str]) -> Option<String> {
    let template = message(number)?.replace("{{", "{").replace("}}", "}");
    let mut out = String::new();
    let mut group = String::new();
    let mut in_group = false;
    let mut group_has_value = false;
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' => {
                in_group = true;
                group.clear();
                group_has_value = false;
            }
            '}' if in_group => {
                in_group = false;
                if group_has_value {
                    out.push_str(&group);
                }
            }
            '[' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if chars.peek() == Some(&']') && !digits.is_empty() {
                    chars.next();
                    let k: usize = digits.parse().unwrap_or(0);
                    let v = k.checked_sub(2).and_then(|i| args.get(i)).copied();
                    let v = v.unwrap_or("");
                    if !v.is_empty() {
                        group_has_value = true;
                    }
                    if in_group {
                        group.push_str(v);
                    } else {
                        out.push_str(v);
                    }
                } else {
                    let s = format!("[{digits}");
                    if in_group {
                        group.push_str(&s);
                    } else {
                        out.push_str(&s);
                    }
                }
            }
            c => {
                if in_group {
                    group.push(c);
                } else {
                    out.push(c);
                }
            }
        }
    }
    Some(out)
}

/// The name and meaning of a code msiexec exits with (or an event's error code), for the codes
/// Windows Installer documents.
pub fn exit_code(code: u32) -> Option<(&'static str, &'static str)> {
    EXIT_CODES
        .iter()
        .find(|(n, _, _)| *n == code)
        .map(|(_, name, text)| (*name, *text))
}

/// Whether an exit code is a success (0, 1641, 3010, 3011).
pub fn is_success(code: u32) -> bool {
    matches!(code, 0 | 1641 | 3010 | 3011)
}

/// Internal errors a log writes in every install, harmless unless next to a failure: a table
/// the package does not have (2205, 2228), a stream that is not there (2262), dialog layout
/// (2826, 2835, 2898).
pub fn is_noise(number: u32) -> bool {
    matches!(number, 2205 | 2228 | 2262 | 2826 | 2835 | 2898)
}

const EXIT_CODES: &[(u32, &str, &str)] = &[
    (0, "ERROR_SUCCESS", "The action completed successfully."),
    (13, "ERROR_INVALID_DATA", "The data is invalid."),
    (87, "ERROR_INVALID_PARAMETER", "One of the parameters was invalid."),
    (120, "ERROR_CALL_NOT_IMPLEMENTED", "This value is returned when a custom action attempts to call a function that can't be called from custom actions."),
    (1259, "ERROR_APPHELP_BLOCK", "This error code only occurs when using Windows Installer version 2.0 and Windows XP or later: the installation was blocked by application compatibility."),
    (1601, "ERROR_INSTALL_SERVICE_FAILURE", "The Windows Installer service could not be accessed."),
    (1602, "ERROR_INSTALL_USEREXIT", "The user canceled the installation."),
    (1603, "ERROR_INSTALL_FAILURE", "A fatal error occurred during installation."),
    (1604, "ERROR_INSTALL_SUSPEND", "Installation suspended, incomplete."),
    (1605, "ERROR_UNKNOWN_PRODUCT", "This action is only valid for products that are currently installed."),
    (1606, "ERROR_UNKNOWN_FEATURE", "The feature identifier is not registered."),
    (1607, "ERROR_UNKNOWN_COMPONENT", "The component identifier is not registered."),
    (1608, "ERROR_UNKNOWN_PROPERTY", "This is an unknown property."),
    (1609, "ERROR_INVALID_HANDLE_STATE", "The handle is in an invalid state."),
    (1610, "ERROR_BAD_CONFIGURATION", "The configuration data for this product is corrupt."),
    (1611, "ERROR_INDEX_ABSENT", "The component qualifier not present."),
    (1612, "ERROR_INSTALL_SOURCE_ABSENT", "The installation source for this product is not available."),
    (1613, "ERROR_INSTALL_PACKAGE_VERSION", "This installation package cannot be installed by the Windows Installer service: a newer version of the Windows Installer service is needed."),
    (1614, "ERROR_PRODUCT_UNINSTALLED", "The product is uninstalled."),
    (1615, "ERROR_BAD_QUERY_SYNTAX", "The SQL query syntax is invalid or unsupported."),
    (1616, "ERROR_INVALID_FIELD", "The record field does not exist."),
    (1618, "ERROR_INSTALL_ALREADY_RUNNING", "Another installation is already in progress. Complete that installation before proceeding with this install."),
    (1619, "ERROR_INSTALL_PACKAGE_OPEN_FAILED", "This installation package could not be opened. Verify that the package exists and is accessible, or contact the application vendor to verify that this is a valid Windows Installer package."),
    (1620, "ERROR_INSTALL_PACKAGE_INVALID", "This installation package could not be opened. Contact the application vendor to verify that this is a valid Windows Installer package."),
    (1621, "ERROR_INSTALL_UI_FAILURE", "There was an error starting the Windows Installer service user interface."),
    (1622, "ERROR_INSTALL_LOG_FAILURE", "There was an error opening installation log file. Verify that the specified log file location exists and is writable."),
    (1623, "ERROR_INSTALL_LANGUAGE_UNSUPPORTED", "This language of this installation package is not supported by your system."),
    (1624, "ERROR_INSTALL_TRANSFORM_FAILURE", "There was an error applying transforms. Verify that the specified transform paths are valid."),
    (1625, "ERROR_INSTALL_PACKAGE_REJECTED", "This installation is forbidden by system policy."),
    (1626, "ERROR_FUNCTION_NOT_CALLED", "The function could not be executed."),
    (1627, "ERROR_FUNCTION_FAILED", "The function failed during execution."),
    (1628, "ERROR_INVALID_TABLE", "An invalid or unknown table was specified."),
    (1629, "ERROR_DATATYPE_MISMATCH", "The data supplied is the wrong type."),
    (1630, "ERROR_UNSUPPORTED_TYPE", "Data of this type is not supported."),
    (1631, "ERROR_CREATE_FAILED", "The Windows Installer service failed to start."),
    (1632, "ERROR_INSTALL_TEMP_UNWRITABLE", "The Temp folder is either full or inaccessible."),
    (1633, "ERROR_INSTALL_PLATFORM_UNSUPPORTED", "This installation package is not supported on this platform."),
    (1634, "ERROR_INSTALL_NOTUSED", "Component is not used on this machine."),
    (1635, "ERROR_PATCH_PACKAGE_OPEN_FAILED", "This patch package could not be opened. Verify that the patch package exists and is accessible, or contact the application vendor to verify that this is a valid Windows Installer patch package."),
    (1636, "ERROR_PATCH_PACKAGE_INVALID", "This patch package could not be opened. Contact the application vendor to verify that this is a valid Windows Installer patch package."),
    (1637, "ERROR_PATCH_PACKAGE_UNSUPPORTED", "This patch package cannot be processed by the Windows Installer service: a newer version of the Windows Installer service is needed."),
    (1638, "ERROR_PRODUCT_VERSION", "Another version of this product is already installed. Installation of this version cannot continue. To configure or remove the existing version of this product, use Add/Remove Programs in Control Panel."),
    (1639, "ERROR_INVALID_COMMAND_LINE", "Invalid command line argument."),
    (1640, "ERROR_INSTALL_REMOTE_DISALLOWED", "The current user is not permitted to perform installations from a client session of a server running the Terminal Server role service."),
    (1641, "ERROR_SUCCESS_REBOOT_INITIATED", "The installer has initiated a restart."),
    (1642, "ERROR_PATCH_TARGET_NOT_FOUND", "The installer cannot install the upgrade patch because the program being upgraded may be missing or the upgrade patch updates a different version of the program."),
    (1643, "ERROR_PATCH_PACKAGE_REJECTED", "The patch package is not permitted by system policy."),
    (1644, "ERROR_INSTALL_TRANSFORM_REJECTED", "One or more customizations are not permitted by system policy."),
    (1645, "ERROR_INSTALL_REMOTE_PROHIBITED", "Windows Installer does not permit installation from a Remote Desktop Connection."),
    (1646, "ERROR_PATCH_REMOVAL_UNSUPPORTED", "The patch package is not a removable patch package."),
    (1647, "ERROR_UNKNOWN_PATCH", "The patch is not applied to this product."),
    (1648, "ERROR_PATCH_NO_SEQUENCE", "No valid sequence could be found for the set of patches."),
    (1649, "ERROR_PATCH_REMOVAL_DISALLOWED", "Patch removal was disallowed by policy."),
    (1650, "ERROR_INVALID_PATCH_XML", "The XML patch data is invalid."),
    (1651, "ERROR_PATCH_MANAGED_ADVERTISED_PRODUCT", "Administrative user failed to apply patch for a per-user managed or a per-machine application that is in advertise state."),
    (1652, "ERROR_INSTALL_SERVICE_SAFEBOOT", "Windows Installer is not accessible when the computer is in Safe Mode."),
    (1653, "ERROR_ROLLBACK_DISABLED", "Could not perform a multiple-package transaction because rollback has been disabled."),
    (1654, "ERROR_INSTALL_REJECTED", "The app that you are trying to run is not supported on this version of Windows."),
    (3010, "ERROR_SUCCESS_REBOOT_REQUIRED", "A restart is required to complete the install. This does not include installs where the ForceReboot action is run."),
];

/// (number, documented text), sorted by number.
const MESSAGES: &[(u32, &str)] = &[
    (1101, "Could not open file stream: [2]. System error: [3]"),
    (1301, "Cannot create the file '[2]'. A directory with this name already exists. Cancel the installation and try installing to a different location."),
    (1303, "The installer has insufficient privileges to access this directory: [2]. The installation cannot continue. Log on as an administrator or contact your system administrator."),
    (1304, "Error writing to file [2]. Verify that you have access to that directory."),
    (1305, "Error reading from file [2]. Verify that the file exists and that you can access it."),
    (1306, "The file '[2]' is in use. If you can, please close the application that is using the file, then click Retry."),
    (1307, "There is not enough disk space remaining to install this file: [2]. If you can, free up some disk space, and click Retry, or click Cancel to exit."),
    (1308, "Source file not found: [2]. Verify that the file exists and that you can access it."),
    (1309, "Error reading from file: [3]. System error code: [2]. Verify that the file exists and that you can access it."),
    (1310, "Error writing to file: [3]. System error code: [2]. Verify that you have access to that directory."),
    (1311, "Source file not found (cabinet): [2]. Verify that the file exists and that you can access it."),
    (1312, "Cannot create the directory '[2]'. A file with this name already exists. Please rename or remove the file and click Retry, or click Cancel to exit."),
    (1313, "The volume [2] is currently unavailable. Please select another."),
    (1314, "The specified path '[2]' is unavailable."),
    (1315, "Unable to write to the specified folder: [2]."),
    (1316, "A network error occurred while attempting to read from the file: [2]"),
    (1317, "An error occurred while attempting to create the directory: [2]"),
    (1318, "A network error occurred while attempting to create the directory: [2]"),
    (1319, "A network error occurred while attempting to open the source file cabinet: [2]."),
    (1320, "The specified path is too long: '[2]'"),
    (1321, "The Installer has insufficient privileges to modify this file: [2]."),
    (1322, "A portion of the path '[2]' exceeds the length allowed by the system."),
    (1323, "The path '[2]' contains words that are not valid in folders."),
    (1324, "The path '[2]' contains an invalid character."),
    (1325, "'[2]' is not a valid short file name."),
    (1326, "Error getting file security: [3] GetLastError: [2]"),
    (1327, "Invalid Drive: [2]"),
    (1328, "Error applying patch to file [2]. It has probably been updated by other means, and can no longer be modified by this patch. For more information contact your patch vendor. {{System Error: [3]}}"),
    (1329, "A file that is required cannot be installed because the cabinet file [2] is not digitally signed. This may indicate that the cabinet file is corrupt."),
    (1330, "A file that is required cannot be installed because the cabinet file [2] has an invalid digital signature. This may indicate that the cabinet file is corrupt.{ Error [3] was returned by WinVerifyTrust.}"),
    (1331, "Failed to correctly copy [2] file: CRC error."),
    (1332, "Failed to correctly move [2] file: CRC error."),
    (1333, "Failed to correctly patch [2] file: CRC error."),
    (1334, "The file '[2]' cannot be installed because the file cannot be found in cabinet file '[3]'. This could indicate a network error, an error reading from the CD-ROM, or a problem with this package."),
    (1335, "The cabinet file '[2]' required for this installation is corrupt and cannot be used. This could indicate a network error, an error reading from the CD-ROM, or a problem with this package."),
    (1336, "There was an error creating a temporary file that is needed to complete this installation. Folder: [3]. System error code: [2]"),
    (1401, "Could not create key [2]. System error [3]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1402, "Could not open key: [2]. System error [3]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1403, "Could not delete value [2] from key [3]. System error [4]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1404, "Could not delete key [2]. System error [3]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1405, "Could not read value [2] from key [3]. System error [4]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1406, "Could not write value [2] to key [3]. System error [4]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1407, "Could not get value names for key [2]. System error [3]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1408, "Could not get sub key names for key [2]. System error [3]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1409, "Could not read security information for key [2]. System error [3]. Verify that you have sufficient access to that key, or contact your support personnel."),
    (1410, "Could not increase the available registry space. [2] KB of free registry space is required for the installation of this application."),
    (1500, "Another installation is in progress. You must complete that installation before continuing this one."),
    (1501, "Error accessing secured data. Please make sure the Windows Installer is configured properly and try the install again."),
    (1502, "User '[2]' has previously initiated an install for product '[3]'. That user will need to run that install again before they can use that product. Your current install will now continue."),
    (1503, "User '[2]' has previously initiated an install for product '[3]'. That user will need to run that install again before they can use that product."),
    (1601, "Out of disk space -- Volume: '[2]'; required space: [3] KB; available space: [4] KB. Free some disk space and retry."),
    (1602, "Are you sure you want to cancel?"),
    (1603, "The file [2][3] is being held in use{ by the following process: Name: [4], Id: [5], Window Title: '[6]'}. Close that application and retry."),
    (1604, "The product '[2]' is already installed, preventing the installation of this product. The two products are incompatible."),
    (1605, "There is not enough disk space on the volume '[2]' to continue the install with recovery enabled. [3] KB are required, but only [4] KB are available. Click Ignore to continue the install without saving recovery information, click Retry to check for available space again, or click Cancel to quit the installation."),
    (1606, "Could not access network location [2]."),
    (1607, "The following applications should be closed before continuing the install:"),
    (1608, "Could not find any previously installed compliant products on the machine for installing this product."),
    (1609, "An error occurred while applying security settings. [2] is not a valid user or group. This could be a problem with the package, or a problem connecting to a domain controller on the network. Check your network connection and click Retry, or Cancel to end the install. {{Unable to locate the user's SID, system error [3]}}"),
    (1610, "The setup must update files or services that cannot be updated while the system is running. If you choose to continue, a reboot will be required to complete the setup."),
    (1611, "The setup was unable to automatically close all requested applications. Please ensure that the applications holding files in use are closed before continuing with the installation."),
    (1701, "[2] is not a valid entry for a product ID."),
    (1702, "Configuring [2] cannot be completed until you restart your system. To restart now and resume configuration click Yes, or click No to stop this configuration."),
    (1703, "For the configuration changes made to [2] to take effect you must restart your system. To restart now click Yes, or click No if you plan to manually restart at a later time."),
    (1704, "An install for [2] is currently suspended. You must undo the changes made by that install to continue. Do you want to undo those changes?"),
    (1705, "A previous install for this product is in progress. You must undo the changes made by that install to continue. Do you want to undo those changes?"),
    (1706, "No valid source could be found for product [2]. The Windows Installer cannot continue."),
    (1707, "Installation operation completed successfully."),
    (1708, "Installation operation failed."),
    (1709, "Product: [2] -- [3]"),
    (1710, "You may either restore your computer to its previous state or continue the install later. Would you like to restore?"),
    (1711, "An error occurred while writing installation information to disk. Check to make sure enough disk space is available, and click Retry, or Cancel to end the install."),
    (1712, "One or more of the files required to restore your computer to its previous state could not be found. Restoration will not be possible."),
    (1713, "[2] cannot install one of its required products. Contact your technical support group. {{System Error: [3].}}"),
    (1714, "The older version of [2] cannot be removed. Contact your technical support group. {{System Error [3].}}"),
    (1715, "Installed [2]."),
    (1716, "Configured [2]."),
    (1717, "Removed [2]."),
    (1718, "File [2] was rejected by digital signature policy."),
    (1719, "The Windows Installer Service could not be accessed. This can occur if you are running Windows in safe mode, or if the Windows Installer is not correctly installed. Contact your support personnel for assistance."),
    (1720, "There is a problem with this Windows Installer package. A script required for this install to complete could not be run. Contact your support personnel or package vendor. {Custom action [2] script error [3], [4]: [5] Line [6], Column [7], [8] }"),
    (1721, "There is a problem with this Windows Installer package. A program required for this install to complete could not be run. Contact your support personnel or package vendor. {Action: [2], location: [3], command: [4] }"),
    (1722, "There is a problem with this Windows Installer package. A program run as part of the setup did not finish as expected. Contact your support personnel or package vendor. {Action [2], location: [3], command: [4] }"),
    (1723, "There is a problem with this Windows Installer package. A DLL required for this install to complete could not be run. Contact your support personnel or package vendor. {Action [2], entry: [3], library: [4] }"),
    (1724, "Removal completed successfully."),
    (1725, "Removal failed."),
    (1726, "Advertisement completed successfully."),
    (1727, "Advertisement failed."),
    (1728, "Configuration completed successfully."),
    (1729, "Configuration failed."),
    (1730, "You must be an Administrator to remove this application. To remove this application, you can log on as an administrator, or contact your technical support group for assistance."),
    (1731, "The source installation package for the product [2] is out of sync with the client package. Try the installation again using a valid copy of the installation package '[3]'."),
    (1732, "In order to complete the installation of [2], you must restart the computer. Other users are currently logged on to this computer, and restarting may cause them to lose their work. Do you want to restart now?"),
    (1801, "The path [2] is not valid. Please specify a valid path."),
    (1802, "Out of memory. Shut down other applications before retrying."),
    (1803, "There is no disk in drive [2]. Please insert one and click Retry, or click Cancel to go back to the previously selected volume."),
    (1804, "There is no disk in drive [2]. Please insert one and click Retry, or click Cancel to return to the browse dialog and select a different volume."),
    (1805, "The folder [2] does not exist. Please enter a path to an existing folder."),
    (1806, "You have insufficient privileges to read this folder."),
    (1807, "A valid destination folder for the install could not be determined."),
    (1901, "Error attempting to read from the source install database: [2]."),
    (1902, "Scheduling reboot operation: Renaming file [2] to [3]. Must reboot to complete operation."),
    (1903, "Scheduling reboot operation: Deleting file [2]. Must reboot to complete operation."),
    (1904, "Module [2] failed to register. HRESULT [3]. Contact your support personnel."),
    (1905, "Module [2] failed to unregister. HRESULT [3]. Contact your support personnel."),
    (1906, "Failed to cache package [2]. Error: [3]. Contact your support personnel."),
    (1907, "Could not register font [2]. Verify that you have sufficient permissions to install fonts, and that the system supports this font."),
    (1908, "Could not unregister font [2]. Verify that you have sufficient permissions to remove fonts."),
    (1909, "Could not create shortcut [2]. Verify that the destination folder exists and that you can access it."),
    (1910, "Could not remove shortcut [2]. Verify that the shortcut file exists and that you can access it."),
    (1911, "Could not register type library for file [2]. Contact your support personnel."),
    (1912, "Could not unregister type library for file [2]. Contact your support personnel."),
    (1913, "Could not update the .ini file [2][3]. Verify that the file exists and that you can access it."),
    (1914, "Could not schedule file [2] to replace file [3] on reboot. Verify that you have write permissions to file [3]."),
    (1919, "Error configuring ODBC data source: [4], ODBC error [2]: [3]. Verify that the file [4] exists and that you can access it."),
    (1920, "Service '[2]' ([3]) failed to start. Verify that you have sufficient privileges to start system services."),
    (1921, "Service '[2]' ([3]) could not be stopped. Verify that you have sufficient privileges to stop system services."),
    (1922, "Service '[2]' ([3]) could not be deleted. Verify that you have sufficient privileges to remove system services."),
    (1923, "Service '[2]' ([3]) could not be installed. Verify that you have sufficient privileges to install system services."),
    (1924, "Could not update environment variable '[2]'. Verify that you have sufficient privileges to modify environment variables."),
    (1925, "You do not have sufficient privileges to complete this installation for all users of the machine. Log on as administrator and then retry this installation."),
    (1926, "Could not set file security for file '[3]'. Error: [2]. Verify that you have sufficient privileges to modify the security permissions for this file."),
    (1927, "The installation requires COM+ Services to be installed."),
    (1928, "The installation failed to install the COM+ Application."),
    (1929, "The installation failed to remove the COM+ Application."),
    (1930, "The description for service '[2]' ([3]) could not be changed."),
    (1931, "The Windows Installer service cannot update the system file [2] because the file is protected by Windows. You may need to update your operating system for this program to work correctly. {{Package version: [3], OS Protected version: [4]}}"),
    (1932, "The Windows Installer service cannot update the protected Windows file [2]. {{Package version: [3], OS Protected version: [4], SFP Error: [5]}}"),
    (1935, "An error occurred during the installation of assembly component [2]. HRESULT: [3]. {{assembly interface: [4], function: [5], assembly name: [6]}}"),
    (1939, "Service '[2]' ([3]) could not be configured. This could be a problem with the package or your permissions. Verify that you have sufficient privileges to configure system services."),
    (2103, "Could not resolve path for shell folder [2]."),
    (2203, "Database: [2]. Cannot open database file. System error [3]."),
    (2205, "Database: [2]. Table(s) Update failed"),
    (2228, "Database: [2]. Unknown table '[3]' in SQL query: [4]."),
    (2262, "Stream does not exist: [2]. System error: [3]."),
    (2329, "Error deleting file: [3]. GetLastError: [2]."),
    (2350, "FDI server error"),
    (2732, "Directory Manager not initialized."),
    (2738, "Could not access VBScript run time for custom action [2]."),
    (2739, "Could not access JavaScript run time for custom action [2]."),
    (2755, "Server returned unexpected error [2] attempting to install package [3]."),
    (2762, "Cannot write script record. Transaction not started."),
    (2769, "Custom Action [2] did not close [3] MSIHANDLEs."),
    (2826, "Control [3] on dialog [2] extends beyond the boundaries of the dialog to the right by [4] pixels."),
    (2835, "The control [3] was not found on dialog [2]."),
    (2896, "Executing action [2] failed."),
    (2898, "For [2] textstyle, the system created a '[3]' font, in [4] character set."),
    (2908, "Could not register component [2]."),
    (2911, "Could not remove the folder [2]."),
    (2920, "Source directory not specified for file [2]."),
    (2932, "Could not create file [2] from script data. System error: [3]."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_fields_fill_in() {
        assert!(MESSAGES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(
            format(1920, &["Exchange Transport", "MSExchangeTransport"]).unwrap(),
            "Service 'Exchange Transport' (MSExchangeTransport) failed to start. Verify that you have sufficient privileges to start system services."
        );
        assert_eq!(
            format(1603, &["C:\\x.dll", ""]).unwrap(),
            "The file C:\\x.dll is being held in use. Close that application and retry."
        );
        assert_eq!(
            format(1603, &["C:\\x.dll", "", "store", "42", "t"]).unwrap(),
            "The file C:\\x.dll is being held in use by the following process: Name: store, Id: 42, Window Title: 't'. Close that application and retry."
        );
        assert_eq!(format(1, &[]), None);
        assert_eq!(exit_code(1642).unwrap().0, "ERROR_PATCH_TARGET_NOT_FOUND");
        assert!(is_success(3010) && !is_success(1603));
    }
}
