//! The error contract of the binary's I/O: `render -o` never loses a file it did not write
//! and replaces its directory in one step; inputs are bounded; links cannot loop a walk;
//! stdout and stderr failures are never crashes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::support::{Output, Test};

#[allow(dead_code)]
#[path = "../../src/crash.rs"]
mod crash;

/// The file a rendering with four Prometheus replicas has and the default one does not.
const FOURTH: &str = "prometheus/18-service-prometheus-3-service.yaml";

/// `render -o out` with `args`, in the scratch directory of `base` when given.
fn render_out(base: Option<&Output>, args: &[&str]) -> Output {
    let mut test = Test::new()
        .args(["render", "-o", "out"])
        .args(args.iter().copied());
    if let Some(base) = base {
        test = test.current_dir(base.dir());
    }
    test.run()
}

/// A scratch directory whose `out` holds the rendering with four Prometheus replicas.
fn four_replicas() -> Output {
    four_replicas_in("out")
}

/// A scratch directory whose `dir` holds the rendering with four Prometheus replicas.
fn four_replicas_in(dir: &str) -> Output {
    let base = Test::new()
        .args(["render", "-o", dir, "--set", "prometheus.replicas=4"])
        .run();
    base.status(0);
    base
}

/// `render --check dir` with `args`, in the scratch directory of `base`.
fn check(base: &Output, dir: &str, args: &[&str]) -> Output {
    Test::new()
        .args(["render", "--check", dir])
        .args(args.iter().copied())
        .current_dir(base.dir())
        .run()
}

/// The names in `dir` that stackgen's staging folders and temporary files have.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in walkdir(dir) {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains(".stackgen-staging-") || name.contains(".stackgen-tmp-") {
            found.push(entry.display().to_string());
        }
    }
    found
}

/// Every path below `dir`, links not followed.
fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            found.extend(walkdir(&entry.path()));
        }
        found.push(entry.path());
    }
    found
}

fn read(path: impl AsRef<Path>) -> String {
    fs::read_to_string(path.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

/// Writes a file the user owns into `dir`.
fn hand_written(dir: &Path, name: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, format!("{name}, by hand\n")).unwrap();
}

#[test]
fn a_directory_stackgen_did_not_write_is_refused_and_left_whole() {
    let out = Test::new()
        .args(["render", "-o", "out"])
        .file("out/README.md", "read me\n")
        .file("out/.git/HEAD", "ref: refs/heads/main\n")
        .file("out/hand.yaml", "kind: ConfigMap\n")
        .run();
    out.status(2)
        .stderr_has("stackgen did not write it")
        .stderr_has("in the way: .git/, README.md, hand.yaml")
        .stderr_has("--force");
    assert_eq!(read(out.dir().join("out/README.md")), "read me\n");
    assert_eq!(
        read(out.dir().join("out/.git/HEAD")),
        "ref: refs/heads/main\n"
    );
    assert!(!out.dir().join("out/kustomization.yaml").exists());
    assert_eq!(leftovers(out.dir()), Vec::<String>::new());
}

#[test]
fn rendering_into_the_working_directory_of_a_repository_is_refused() {
    let mut test = Test::new().args(["render", "-o", "."]);
    for i in 0..8 {
        test = test.file(format!("src/file{i}.rs"), "fn main() {}\n");
    }
    let out = test
        .file(".git/HEAD", "ref: refs/heads/main\n")
        .file("README.md", "read me\n")
        .file("a", "")
        .file("b", "")
        .file("c", "")
        .run();
    out.status(2)
        .stderr_has("in the way: .git/, README.md, a, b, c and 1 more");
    assert_eq!(read(out.dir().join("src/file7.rs")), "fn main() {}\n");
    assert!(!out.dir().join(".stackgen").exists());
}

#[test]
fn an_empty_or_missing_directory_is_fine() {
    let base = Test::new().args(["render", "-o", "deep/er/out"]).run();
    base.status(0);
    assert!(base.dir().join("deep/er/out/.stackgen").is_file());
    fs::create_dir(base.dir().join("out")).unwrap();
    render_out(Some(&base), &[]).status(0);
    assert!(base.dir().join("out/kustomization.yaml").is_file());
}

#[test]
fn force_writes_beside_files_stackgen_did_not_write_and_keeps_them() {
    let first = Test::new()
        .args([
            "render",
            "-o",
            "out",
            "--force",
            "--set",
            "prometheus.replicas=4",
        ])
        .file("out/README.md", "read me\n")
        .file("out/.git/HEAD", "ref\n")
        .run();
    first.status(0).stderr_has(
        "note: kept 2 entries in `out`, which stackgen did not write: .git/, README.md",
    );
    let dir = first.dir().join("out");
    assert!(dir.join(FOURTH).is_file());
    assert!(read(dir.join(".stackgen")).contains(&format!("\n- {FOURTH}\n")));
    // Now the directory is stackgen's: the next run needs no --force, removes what stackgen
    // wrote and no longer renders, and keeps the rest.
    render_out(Some(&first), &[])
        .status(0)
        .stderr_has("README.md");
    assert!(!dir.join(FOURTH).exists());
    assert_eq!(read(dir.join("README.md")), "read me\n");
    assert_eq!(read(dir.join(".git/HEAD")), "ref\n");
    assert_eq!(leftovers(first.dir()), Vec::<String>::new());
}

#[test]
fn force_never_overwrites_a_file_stackgen_did_not_write() {
    let out = Test::new()
        .args(["render", "-o", "out", "--force"])
        .file("out/kustomization.yaml", "resources: [mine.yaml]\n")
        .file("out/mine.yaml", "kind: ConfigMap\n")
        .run();
    out.status(2)
        .stderr_has("never replaces those (not even with `--force`): kustomization.yaml");
    assert_eq!(
        read(out.dir().join("out/kustomization.yaml")),
        "resources: [mine.yaml]\n"
    );
    assert!(!out.dir().join("out/.stackgen").exists());
}

#[test]
fn files_added_to_a_generated_directory_are_kept_named_and_not_drift() {
    let base = four_replicas();
    let dir = base.dir().join("out");
    for name in ["README.md", "notes/today.md", "prometheus/notes.md"] {
        hand_written(&dir, name);
    }
    check(&base, "out", &["--set", "prometheus.replicas=4"])
        .status(0)
        .stderr_has("note: 3 entries not written by stackgen, which `render -o` keeps: README.md, notes/, prometheus/notes.md");
    check(&base, "out", &[])
        .status(1)
        .stderr_has(&format!("removed: {FOURTH}"));
    render_out(Some(&base), &[])
        .status(0)
        .stderr_has("kept 3 entries in `out`, which stackgen did not write: README.md, notes/, prometheus/notes.md");
    for name in ["README.md", "notes/today.md", "prometheus/notes.md"] {
        assert_eq!(read(dir.join(name)), format!("{name}, by hand\n"));
    }
    assert!(!dir.join(FOURTH).exists());
}

#[test]
fn a_directory_written_before_the_marker_existed_is_still_stackgens() {
    let base = four_replicas();
    let dir = base.dir().join("out");
    fs::remove_file(dir.join(".stackgen")).unwrap();
    hand_written(&dir, "README.md");
    render_out(Some(&base), &[]).status(0);
    assert!(!dir.join(FOURTH).exists());
    assert!(dir.join(".stackgen").is_file());
    assert_eq!(read(dir.join("README.md")), "README.md, by hand\n");
}

/// Whether `out` is there with its marker and kustomization.yaml: cheap enough to look
/// thousands of times while one rendering replaces another.
fn present(dir: &Path) -> Result<(), String> {
    for path in [
        dir.to_path_buf(),
        dir.join(".stackgen"),
        dir.join("kustomization.yaml"),
    ] {
        fs::symlink_metadata(&path).map_err(|e| format!("`{}` is missing: {e}", path.display()))?;
    }
    Ok(())
}

/// Whether `out` is whole: present, with a marker and a kustomization.yaml of the same
/// rendering and every file the marker lists. `Ok(false)`: it was swapped while looked at.
fn whole(dir: &Path) -> Result<bool, String> {
    use std::os::unix::fs::MetadataExt;
    let inode = || {
        fs::metadata(dir)
            .map(|m| m.ino())
            .map_err(|e| format!("`out` is missing: {e}"))
    };
    let before = inode()?;
    let marker = fs::read_to_string(dir.join(".stackgen"));
    let kustomization = fs::read_to_string(dir.join("kustomization.yaml"));
    let listed: Vec<String> = marker
        .as_deref()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .map(str::to_owned)
        .collect();
    let missing: Vec<&String> = listed.iter().filter(|f| !dir.join(f).is_file()).collect();
    if inode()? != before {
        return Ok(false);
    }
    let marker = marker.map_err(|e| format!("no marker: {e}"))?;
    let kustomization = kustomization.map_err(|e| format!("no kustomization.yaml: {e}"))?;
    let mut resources: Vec<&str> = kustomization
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .chain(["kustomization.yaml"])
        .collect();
    resources.sort_unstable();
    if listed != resources || !marker.contains(&format!("files: {}\n", listed.len())) {
        return Err(format!(
            "marker and kustomization differ:\n{marker}\n{kustomization}"
        ));
    }
    if !missing.is_empty() {
        return Err(format!("listed but missing: {missing:?}"));
    }
    Ok(true)
}

/// Looks at `out` until `stop`: mostly the cheap look, so a gap of microseconds is seen,
/// and every 64th time the whole rendering. Returns the number of looks and the problems.
fn watch(dir: &Path, stop: &AtomicBool) -> (u64, Vec<String>) {
    let (mut looks, mut problems) = (0_u64, Vec::new());
    while !stop.load(Ordering::SeqCst) {
        let look = if looks % 64 == 0 {
            whole(dir).map(|_| ())
        } else {
            present(dir)
        };
        looks += 1;
        if let Err(problem) = look {
            problems.push(problem);
        }
    }
    (looks, problems)
}

#[test]
fn the_directory_is_whole_at_every_instant_while_it_is_replaced() {
    let base = render_out(None, &[]);
    base.status(0);
    let dir = base.dir().join("out");
    let stop = Arc::new(AtomicBool::new(false));
    // Two watchers, so one is looking even while the other waits for a core.
    let watchers: Vec<_> = (0..2)
        .map(|_| {
            let (stop, dir) = (Arc::clone(&stop), dir.clone());
            std::thread::spawn(move || watch(&dir, &stop))
        })
        .collect();
    for replicas in [4, 3, 5, 2, 4, 3] {
        render_out(
            Some(&base),
            &["--set", &format!("prometheus.replicas={replicas}")],
        )
        .status(0);
    }
    stop.store(true, Ordering::SeqCst);
    let (mut looks, mut problems) = (0, Vec::new());
    for watcher in watchers {
        let (n, found) = watcher.join().unwrap();
        looks += n;
        problems.extend(found);
    }
    assert!(
        problems.is_empty(),
        "{} problems, first: {}",
        problems.len(),
        problems[0]
    );
    assert!(looks > 1000, "the watcher looked only {looks} times");
    assert_eq!(leftovers(base.dir()), Vec::<String>::new());
}

#[test]
fn leftovers_of_an_interrupted_run_are_cleaned_up_by_the_next() {
    let base = four_replicas();
    // No process has pid 4194304 (above the largest pid_max Linux allows).
    let dead = base.dir().join(".out.stackgen-staging-4194304");
    let files = [(PathBuf::from(FOURTH), "old\n".to_owned())]
        .into_iter()
        .collect();
    hand_written(&dead, "README.md");
    hand_written(&dead, FOURTH);
    fs::write(dead.join(".stackgen"), stackgen::output::marker(&files)).unwrap();
    let running = base
        .dir()
        .join(format!(".out.stackgen-staging-{}", std::process::id()));
    hand_written(&running, FOURTH);
    let temporary = base
        .dir()
        .join("out/prometheus/.24-statefulset-prometheus.yaml.stackgen-tmp-4194304");
    fs::write(&temporary, "half").unwrap();

    render_out(Some(&base), &[])
        .status(0)
        .stderr_has("kept files that appeared in `out` while stackgen wrote it: README.md");
    assert!(!dead.exists(), "the leftover of a dead run is still there");
    assert!(
        !temporary.exists(),
        "a dead run's temporary file is still there"
    );
    // A file stackgen did not write is never lost: the leftover's README went into `out`.
    assert_eq!(
        read(base.dir().join("out/README.md")),
        "README.md, by hand\n"
    );
    assert!(
        running.join(FOURTH).is_file(),
        "a running run's folder was touched"
    );
}

#[test]
fn a_linked_directory_is_replaced_where_it_points_and_stays_a_link() {
    let base = four_replicas_in("real");
    std::os::unix::fs::symlink("real", base.dir().join("out")).unwrap();
    render_out(Some(&base), &[]).status(0);
    let link = base.dir().join("out");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), Path::new("real"));
    assert!(!base.dir().join("real").join(FOURTH).exists());
    assert!(base.dir().join("real/kustomization.yaml").is_file());
    assert_eq!(leftovers(base.dir()), Vec::<String>::new());
}

#[test]
fn a_read_only_folder_in_the_old_rendering_does_not_fail_the_run() {
    use std::os::unix::fs::PermissionsExt;
    let base = four_replicas();
    let prometheus = base.dir().join("out/prometheus");
    fs::set_permissions(&prometheus, fs::Permissions::from_mode(0o555)).unwrap();
    let out = Test::new()
        .args(["render", "-o", "out"])
        .current_dir(base.dir())
        .unprivileged()
        .run();
    out.status(0);
    assert!(
        !out.stderr.contains("warning: could not remove"),
        "{}",
        out.stderr
    );
    assert!(!base.dir().join("out").join(FOURTH).exists());
    let mode = fs::metadata(&prometheus).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o555, "the folder keeps its permissions");
    assert_eq!(leftovers(base.dir()), Vec::<String>::new());
}

/// Clears the immutable attribute below a folder when dropped, so it can be removed.
struct Thaw(PathBuf);

impl Drop for Thaw {
    fn drop(&mut self) {
        let _ = Command::new("chattr")
            .arg("-R")
            .arg("-i")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn what_cannot_be_removed_is_named_and_the_new_rendering_stays() {
    let base = four_replicas();
    let _thaw = Thaw(base.dir().to_path_buf());
    let frozen = Command::new("chattr")
        .arg("+i")
        .arg(base.dir().join("out").join(FOURTH))
        .status();
    if !frozen.is_ok_and(|s| s.success()) {
        eprintln!("skipped: chattr +i needs root on a file system that has it");
        return;
    }
    render_out(Some(&base), &[])
        .status(0)
        .stderr_has("warning: could not remove all of `")
        .stderr_has(".out.stackgen-staging-")
        .stderr_has("18-service-prometheus-3-service.yaml");
    check(&base, "out", &[]).status(0);
}

#[test]
fn a_mount_point_is_replaced_file_by_file() {
    let private = Command::new("unshare").args(["-m", "true"]).status();
    if !private.is_ok_and(|s| s.success()) {
        eprintln!("skipped: `unshare -m` (a private mount namespace) needs root");
        return;
    }
    let base = four_replicas_in("real");
    hand_written(&base.dir().join("real"), "README.md");
    fs::create_dir(base.dir().join("out")).unwrap();
    // `out` is a mount point only inside the namespace; what is written lands in `real`.
    let run = Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            r#"mount --bind real out && exec "$0" render -o out"#,
        ])
        .arg(env!("CARGO_BIN_EXE_stackgen"))
        .current_dir(base.dir())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("its files were replaced one by one"),
        "{stderr}"
    );
    let real = base.dir().join("real");
    assert_eq!(read(real.join("README.md")), "README.md, by hand\n");
    assert!(!real.join(FOURTH).exists());
    check(&base, "real", &[]).status(0);
    assert_eq!(leftovers(base.dir()), Vec::<String>::new());
}

#[test]
fn inputs_over_the_size_limit_are_refused_without_reading_them_whole() {
    let start = Instant::now();
    Test::new()
        .args(["render", "-c", "/dev/zero"])
        .timeout(60)
        .run()
        .status(2)
        .stdout_is_empty()
        .stderr_has("config file `/dev/zero` is larger than 16 MiB");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let base = Test::new().run();
    fs::File::create(base.dir().join("big.yaml"))
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    Test::new()
        .args(["diff", "--against", "big.yaml"])
        .current_dir(base.dir())
        .run()
        .status(2)
        .stderr_has("`big.yaml` is larger than 16 MiB");
    Test::new()
        .args(["validate", "-c", "-"])
        .stdin("#".repeat(17 << 20))
        .run()
        .status(2)
        .stderr_has("the config on stdin is larger than 16 MiB");
}

#[test]
fn link_loops_hang_neither_diff_nor_check() {
    let base = render_out(None, &[]);
    base.status(0);
    let dir = base.dir().join("out");
    std::os::unix::fs::symlink(".", dir.join("loop")).unwrap();
    std::os::unix::fs::symlink("../..", dir.join("prometheus/up")).unwrap();
    std::os::unix::fs::symlink("../prometheus", dir.join("grafana/across")).unwrap();
    Test::new()
        .args(["diff", "--against", "out"])
        .current_dir(base.dir())
        .timeout(60)
        .run()
        .status(0);
    Test::new()
        .args(["render", "--check", "out"])
        .current_dir(base.dir())
        .timeout(60)
        .run()
        .status(0)
        .stderr_has("loop");
}

#[test]
fn an_unwritable_stderr_is_never_a_crash() {
    Test::new()
        .arg("validate")
        .stderr_to("/dev/full")
        .run()
        .status(0);
    Test::new()
        .args(["validate", "--set", "thanos.compact.replicas=2"])
        .stderr_to("/dev/full")
        .run()
        .status(1);
    let out = Test::new()
        .args(["render", "-o", "out"])
        .stderr_to("/dev/full")
        .run();
    out.status(0);
    assert!(out.dir().join("out/.stackgen").is_file());
    Test::new()
        .args(["diff", "--against", "nope.yaml"])
        .stderr_to("/dev/full")
        .run()
        .status(2);
}

#[test]
fn a_closed_stdout_is_trouble_and_nothing_is_claimed_written() {
    let base = Test::new().run();
    let run = |redirect: &str| {
        Command::new("sh")
            .args(["-c", &format!(r#"exec "$0" {redirect}"#)])
            .arg(env!("CARGO_BIN_EXE_stackgen"))
            .current_dir(base.dir())
            .output()
            .unwrap()
    };
    let closed = run("render >&-");
    let stderr = String::from_utf8_lossy(&closed.stderr);
    assert_eq!(closed.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: stdout is closed, so nothing was written"),
        "{stderr}"
    );
    // Nothing is written to stdout with -o, and /dev/null is a place to write to, however
    // it was opened (Python's subprocess.DEVNULL and Node's "ignore" open it read-write).
    assert_eq!(run("render -o out >&-").status.code(), Some(0));
    assert_eq!(run("render > /dev/null").status.code(), Some(0));
    assert_eq!(run("render 1<> /dev/null").status.code(), Some(0));
}

#[test]
fn a_panic_is_reported_as_a_bug_in_stackgen() {
    assert_eq!(
        crash::message("boom", Some("src/x.rs:1:2".to_owned())),
        "error: internal error: boom at src/x.rs:1:2 (this is a bug in stackgen; please \
         report it with the command you ran)\n"
    );
}
