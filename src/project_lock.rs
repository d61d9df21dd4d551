//! One writer at a time per project: an OS advisory lock on `.wecare/run.lock`, released by the
//! OS when the process exits or is killed. A second `wecare run` waits, and says why.
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;

use crate::error::Error;
use crate::printer::Printer;

/// Held for the duration of a run.
#[derive(Debug)]
pub struct ProjectLock {
    _file: File,
}

/// Takes the project lock, waiting if another process holds it.
///
/// # Errors
/// When the lock file cannot be created or locked.
pub fn acquire(root: &Path, printer: &Printer) -> Result<ProjectLock, Error> {
    let dir = root.join(".wecare");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(".wecare", &e))?;
    let path = dir.join("run.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(".wecare/run.lock", &e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                String::new()
            } else {
                format!(" (pid {holder})")
            };
            printer.error(&format!(
                "waiting: another wecare run{who} holds the lock on this project (.wecare/run.lock); it is released when that run ends"
            ));
            file.lock().map_err(|e| Error::io(".wecare/run.lock", &e))?;
        }
        Err(TryLockError::Error(e)) => return Err(Error::io(".wecare/run.lock", &e)),
    }
    let _ = file.set_len(0);
    let _ = file.seek(SeekFrom::Start(0));
    let _ = write!(file, "{}", std::process::id());
    let _ = file.flush();
    Ok(ProjectLock { _file: file })
}
