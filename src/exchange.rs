//! Swapping two directories in one step, so a reader of either name never finds it missing
//! or half-written.

use std::io;
use std::path::Path;

/// Swaps what `a` and `b` name, atomically (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // The system call rather than libc's wrapper, which glibc added only in 2.28.
    // SAFETY: both paths are NUL-terminated strings that outlive the call.
    let result = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if result == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// No atomic exchange on this platform: the caller writes in place instead.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// Whether `error` says the exchange cannot be done here (a mount point, another file
/// system, a file system or kernel without it), as opposed to a refusal such as a missing
/// permission: the first falls back to writing in place, the second is trouble.
pub fn impossible(error: &io::Error) -> bool {
    #[cfg(unix)]
    if let Some(code) = error.raw_os_error() {
        return [
            libc::EXDEV,
            libc::EBUSY,
            libc::EINVAL,
            libc::ENOSYS,
            libc::EOPNOTSUPP,
        ]
        .contains(&code);
    }
    error.kind() == io::ErrorKind::Unsupported
}
