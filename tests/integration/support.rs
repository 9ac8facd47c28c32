//! A fluent builder that runs the real binary in a scratch directory, in the style of
//! casey/just's tests: `Test::new().args([...]).file(name, text).stdin(text).run()`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// One run of `stackgen`: its arguments, the files it finds in its working directory, stdin.
#[must_use]
pub struct Test {
    args: Vec<String>,
    files: Vec<(String, String)>,
    stdin: Option<String>,
    current_dir: Option<PathBuf>,
    close_stdout: bool,
    stderr: Option<PathBuf>,
    timeout: Option<Duration>,
    unprivileged: bool,
}

/// What a run produced. Keeps the scratch directory alive (and readable through `dir`) until
/// dropped.
#[derive(Debug)]
pub struct Output {
    /// Exit code; -1 when killed by a signal.
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    /// The arguments, for failure messages.
    args: Vec<String>,
    scratch: Scratch,
}

impl Test {
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            files: Vec::new(),
            stdin: None,
            current_dir: None,
            close_stdout: false,
            stderr: None,
            timeout: None,
            unprivileged: false,
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Writes `text` to `name` (relative, parent directories created) before the run.
    pub fn file(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.files.push((name.into(), text.into()));
        self
    }

    pub fn stdin(mut self, text: impl Into<String>) -> Self {
        self.stdin = Some(text.into());
        self
    }

    /// Runs in `dir` instead of the scratch directory (files still go to the scratch one).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// Closes the read end of stdout as soon as the child starts, as `stackgen … | head -0`
    /// would: the child's writes then fail with a broken pipe, and `stdout` stays empty.
    pub fn close_stdout(mut self) -> Self {
        self.close_stdout = true;
        self
    }

    /// Sends stderr to the file at `path` (`/dev/full`: every write fails); `stderr` stays
    /// empty.
    pub fn stderr_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.stderr = Some(path.into());
        self
    }

    /// Kills the run after `seconds` (its status is then -1), so a hang fails the test.
    pub fn timeout(mut self, seconds: u64) -> Self {
        self.timeout = Some(Duration::from_secs(seconds));
        self
    }

    /// Runs as user and group 65534 (nobody) when the tests run as root, so permissions
    /// hold: the working directory is handed to that user and the binary copied into it.
    /// Does nothing for any other user, for whom permissions hold already.
    pub fn unprivileged(mut self) -> Self {
        self.unprivileged = true;
        self
    }

    pub fn run(self) -> Output {
        let scratch = Scratch::new();
        for (name, text) in &self.files {
            let path = scratch.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("create parent directory");
            }
            std::fs::write(&path, text).expect("write test file");
        }
        let dir = self.current_dir.as_deref().unwrap_or(scratch.path());
        let mut command = Command::new(env!("CARGO_BIN_EXE_stackgen"));
        if self.unprivileged && running_as_root() {
            command = nobody(dir, scratch.path());
        }
        let stderr = match &self.stderr {
            Some(path) => Stdio::from(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .expect("open the stderr file"),
            ),
            None => Stdio::piped(),
        };
        let mut child = command
            .args(&self.args)
            .current_dir(dir)
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("spawn stackgen");
        if self.close_stdout {
            drop(child.stdout.take());
        }
        let finished = Arc::new(AtomicBool::new(false));
        if let Some(timeout) = self.timeout {
            watchdog(child.id(), timeout, Arc::clone(&finished));
        }
        if let Some(text) = self.stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            // A thread, so a child that writes a lot before reading cannot deadlock us.
            std::thread::spawn(move || {
                let _ = pipe.write_all(text.as_bytes());
            });
        }
        let out = child.wait_with_output().expect("wait for stackgen");
        finished.store(true, Ordering::SeqCst);
        Output {
            status: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
            args: self.args,
            scratch,
        }
    }
}

impl Output {
    /// The scratch directory the run's files were written to.
    pub fn dir(&self) -> &Path {
        self.scratch.path()
    }

    #[track_caller]
    pub fn status(&self, expected: i32) -> &Self {
        assert_eq!(
            self.status,
            expected,
            "exit status of `stackgen {}`\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_is_empty(&self) -> &Self {
        assert!(
            self.stdout.is_empty(),
            "stdout should be empty, got:\n{}",
            self.stdout
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert_has("stdout", &self.stdout, needle);
        self
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert_has("stderr", &self.stderr, needle);
        self
    }
}

/// Kills `pid` unless `finished` is set within `timeout`.
fn watchdog(pid: u32, timeout: Duration, finished: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if finished.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !finished.load(Ordering::SeqCst) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
    });
}

/// Whether this process runs as root, for whom permission bits do not hold.
pub fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// A command running a copy of the binary as 65534:65534, with `dir` (where it runs) and
/// `scratch` (where the copy goes) handed to that user.
fn nobody(dir: &Path, scratch: &Path) -> Command {
    use std::os::unix::process::CommandExt;
    let binary = scratch.join("stackgen-unprivileged");
    std::fs::copy(env!("CARGO_BIN_EXE_stackgen"), &binary).expect("copy the binary");
    for root in [scratch, dir] {
        hand_over(root);
    }
    let mut command = Command::new(binary);
    command.uid(65534).gid(65534);
    command
}

/// Gives `path` and everything below it to 65534:65534.
fn hand_over(path: &Path) {
    std::os::unix::fs::lchown(path, Some(65534), Some(65534)).expect("chown");
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path).expect("read a scratch folder") {
            hand_over(&entry.expect("read a scratch folder").path());
        }
    }
}

#[track_caller]
fn assert_has(stream: &str, text: &str, needle: &str) {
    assert!(text.contains(needle), "{stream} lacks {needle:?}:\n{text}");
}

/// A fresh directory under the system temp dir, removed when dropped.
#[derive(Debug)]
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Self {
        Self(
            tempfile::Builder::new()
                .prefix("stackgen-test-")
                .tempdir()
                .expect("create scratch directory"),
        )
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}

/// A scratch folder under `target/tmp/<suite>/<pid>/<test>`, for tests whose inputs are
/// worth a look when they fail: removed when the test passes, kept (and named on stderr)
/// when it panics. The pid keeps concurrent runs in one work tree apart.
pub struct KeptDir(PathBuf);

impl KeptDir {
    pub fn new(suite: &str, test: &str) -> Self {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(suite)
            .join(std::process::id().to_string())
            .join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch directory");
        Self(dir)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent directory");
        }
        std::fs::write(&path, text).expect("write scratch file");
        path
    }
}

impl std::ops::Deref for KeptDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for KeptDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("test inputs kept in {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
            // Gone once the process's last scratch folder is.
            let _ = std::fs::remove_dir(self.0.parent().expect("pid folder"));
        }
    }
}
