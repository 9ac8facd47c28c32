//! stdout and stderr: the one place the binary writes to them. Nothing here panics:
//! `println!` and `eprintln!` panic (exit 101) when the stream cannot be written.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

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

/// Whether stdout was closed when stackgen started (`stackgen render >&-`). Before `main`,
/// the Rust runtime reopens a closed standard descriptor on `/dev/null`, after which a
/// closed stdout cannot be told from `> /dev/null`; so on Linux a constructor looks at
/// descriptor 1 first, as the C runtime runs `.init_array` before the Rust runtime starts.
fn closed_stdout() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

#[cfg(any(target_os = "linux", target_os = "android"))]
#[used]
#[unsafe(link_section = ".init_array")]
static LOOK_AT_STDOUT: extern "C" fn() = look_at_stdout;

#[cfg(any(target_os = "linux", target_os = "android"))]
extern "C" fn look_at_stdout() {
    // SAFETY: F_GETFD only asks whether descriptor 1 is open; it changes nothing.
    let closed = unsafe { libc::fcntl(1, libc::F_GETFD) } == -1;
    STDOUT_CLOSED.store(closed, Ordering::Relaxed);
}
