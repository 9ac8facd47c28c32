//! stdout and stderr: the one place the binary writes to them. Nothing here panics:
//! `println!` and `eprintln!` panic (exit 101) when the stream cannot be written.

use std::io::{self, Write};

use anyhow::{Result, bail};

/// Writes `text` and a newline to stderr. An unwritable stderr (a full disk, a closed pipe)
/// loses the message, never the run: there is nowhere left to say anything.
pub fn say(text: &str) {
    say_raw(&format!("{text}\n"));
}

/// Writes `text` to stderr as it is; as [`say`].
pub fn say_raw(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = stderr
        .write_all(text.as_bytes())
        .and_then(|()| stderr.flush());
}

/// Writes all of `bytes` to stdout. A reader that went away (`stackgen render | head`) is
/// not an error; a closed or unwritable stdout is, and says nothing was written.
pub fn emit(bytes: &[u8]) -> Result<()> {
    if closed_stdout() {
        bail!("stdout is closed, so nothing was written");
    }
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => bail!("cannot write to stdout, so the output is incomplete: {e}"),
    }
}

/// Whether stdout was closed when stackgen started (`stackgen render >&-`). The Rust runtime
/// reopens a closed standard descriptor on `/dev/null`, read-write, before `main`, so that
/// is what a closed stdout looks like here; a shell's `> /dev/null` opens it write-only.
#[cfg(unix)]
fn closed_stdout() -> bool {
    use std::os::fd::{AsFd, AsRawFd};
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    let Ok(fd) = io::stdout().as_fd().try_clone_to_owned() else {
        return true;
    };
    let stdout = std::fs::File::from(fd);
    let (Ok(ours), Ok(null)) = (stdout.metadata(), std::fs::metadata("/dev/null")) else {
        return false;
    };
    if !ours.file_type().is_char_device() || ours.rdev() != null.rdev() {
        return false;
    }
    // SAFETY: F_GETFL reads the flags of a descriptor this function owns.
    let flags = unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_GETFL) };
    flags >= 0 && flags & libc::O_ACCMODE == libc::O_RDWR
}

#[cfg(not(unix))]
fn closed_stdout() -> bool {
    false
}
