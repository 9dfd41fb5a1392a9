//! Files msikit writes: every finished output goes to a temporary name in its folder and is
//! renamed into place, so a failure never leaves a half-written file under the real name.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes `bytes` to `path` through a temporary name and a rename, so a failure leaves nothing
/// half-written.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.msikit-tmp"));
    let res = fs::write(&tmp, bytes).and_then(|_| fs::rename(&tmp, path));
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(Error::io(e).in_file(path.display().to_string()));
    }
    Ok(())
}
