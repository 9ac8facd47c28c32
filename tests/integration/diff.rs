//! `stackgen diff` and `render --check` through the real binary.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn stackgen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A scratch dir holding `stack.yaml`, the default rendering.
fn committed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = stackgen(&["render"], dir.path());
    std::fs::write(dir.path().join("stack.yaml"), &out.stdout).unwrap();
    dir
}

#[test]
fn no_difference_exits_zero_with_a_summary() {
    let dir = committed();
    let out = stackgen(&["diff", "--against", "stack.yaml"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "0 added, 0 removed, 0 changed\n");
}

#[test]
fn key_order_document_order_comments_and_layout_are_not_differences() {
    let dir = committed();
    // Reverse the documents, rewrite each as JSON (keys in another order, flow style), and
    // sprinkle comments and empty documents: the same objects, written differently.
    let stream = std::fs::read_to_string(dir.path().join("stack.yaml")).unwrap();
    let mut docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&stream).unwrap();
    docs.reverse();
    let mut rewritten = String::from("# committed by CI\n---\n");
    for doc in &docs {
        let reversed: serde_json::Map<String, serde_json::Value> = doc
            .as_object()
            .unwrap()
            .iter()
            .rev()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        rewritten.push_str(&format!(
            "# an object\n{}\n---\n",
            serde_json::to_string(&reversed).unwrap()
        ));
    }
    std::fs::write(dir.path().join("reordered.yaml"), rewritten).unwrap();
    let out = stackgen(&["diff", "--against", "reordered.yaml"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn changes_are_listed_with_unified_diffs_and_exit_one() {
    let dir = committed();
    let out = stackgen(
        &[
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "prometheus.replicas=4",
            "--set",
            "grafana.enabled=false",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out.stdout);
    assert!(
        report.contains("+ added: Service monitoring/prometheus-3-service (v1)"),
        "{report}"
    );
    assert!(
        report.contains("- removed: Deployment monitoring/grafana (apps/v1)"),
        "{report}"
    );
    assert!(
        report.contains("~ changed: StatefulSet monitoring/prometheus (apps/v1)"),
        "{report}"
    );
    assert!(
        report.contains("-  replicas: 3\n+  replicas: 4\n"),
        "{report}"
    );
    let summary = report.lines().last().unwrap();
    assert!(
        summary.starts_with("1 added, ") && summary.ends_with(" changed"),
        "{summary}"
    );
}

#[test]
fn exit_zero_reports_but_succeeds() {
    let dir = committed();
    let out = stackgen(
        &[
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "prometheus.replicas=4",
            "--exit-zero",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("1 added"));
}

#[test]
fn changes_the_api_server_refuses_are_called_out() {
    let dir = committed();
    let out = stackgen(
        &[
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "prometheus.storage.size=100Gi",
            "--set",
            "metadata.name=other",
        ],
        dir.path(),
    );
    let report = text(&out.stdout);
    assert!(
        report.contains("! `spec.volumeClaimTemplates` cannot be changed in place"),
        "{report}"
    );
    assert!(
        report.contains("! `spec.selector` cannot be changed in place"),
        "{report}"
    );
}

#[test]
fn json_format_gives_field_paths() {
    let dir = committed();
    let out = stackgen(
        &[
            "diff",
            "--against",
            "stack.yaml",
            "--format",
            "json",
            "--set",
            "thanos.query.replicas=3",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["summary"],
        serde_json::json!({"added": 0, "removed": 0, "changed": 1})
    );
    let changed = &report["changed"][0];
    assert_eq!(changed["kind"], "Deployment");
    assert_eq!(changed["name"], "thanos-querier");
    assert_eq!(
        changed["fields"][0],
        serde_json::json!({"path": "spec.replicas", "before": 2, "after": 3})
    );
}

#[test]
fn a_render_directory_is_a_valid_against() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        stackgen(&["render", "-o", "out"], dir.path()).status.code(),
        Some(0)
    );
    let same = stackgen(&["diff", "--against", "out"], dir.path());
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}{}",
        text(&same.stdout),
        text(&same.stderr)
    );
    let changed = stackgen(
        &[
            "diff",
            "--against",
            "out",
            "--set",
            "alertmanager.replicas=5",
        ],
        dir.path(),
    );
    assert_eq!(changed.status.code(), Some(1));
    assert!(text(&changed.stdout).contains("~ changed: StatefulSet monitoring/alertmanager"));
}

#[test]
fn stdin_is_a_valid_against() {
    let dir = committed();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(["diff", "--against", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(dir.path().join("stack.yaml")).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let dir = committed();
    let args = [
        "diff",
        "--against",
        "stack.yaml",
        "--set",
        "prometheus.replicas=4",
    ];
    let piped = stackgen(&args, dir.path());
    assert!(
        !text(&piped.stdout).contains('\x1b'),
        "auto must not colour a pipe"
    );
    let always = stackgen(&[&args[..], &["--color", "always"]].concat(), dir.path());
    assert!(
        text(&always.stdout).contains("\x1b[32m+  replicas: 4"),
        "{}",
        text(&always.stdout)
    );
    let never = stackgen(&[&args[..], &["--color", "never"]].concat(), dir.path());
    assert!(!text(&never.stdout).contains('\x1b'));
}

#[test]
fn errors_exit_two_with_empty_stdout() {
    let dir = committed();
    let missing = stackgen(&["diff", "--against", "nope.yaml"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    std::fs::write(dir.path().join("broken.yaml"), "a: [\n").unwrap();
    let broken = stackgen(&["diff", "--against", "broken.yaml"], dir.path());
    assert_eq!(broken.status.code(), Some(2));
    assert!(text(&broken.stderr).contains("broken.yaml"));
    let usage = stackgen(&["diff"], dir.path());
    assert_eq!(usage.status.code(), Some(2));
    let invalid = stackgen(
        &[
            "diff",
            "--against",
            "stack.yaml",
            "--set",
            "thanos.compact.replicas=2",
        ],
        dir.path(),
    );
    assert_eq!(invalid.status.code(), Some(1));
    assert!(invalid.stdout.is_empty());
}

#[test]
fn render_check_guards_a_committed_directory() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        stackgen(&["render", "-o", "out"], dir.path()).status.code(),
        Some(0)
    );
    let clean = stackgen(&["render", "--check", "out"], dir.path());
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stderr));
    assert!(clean.stdout.is_empty());

    std::fs::write(dir.path().join("out/extra.yaml"), "x: 1\n").unwrap();
    std::fs::remove_file(dir.path().join("out/grafana/22-deployment-grafana.yaml")).unwrap();
    let stale = stackgen(
        &["render", "--check", "out", "--set", "prometheus.replicas=5"],
        dir.path(),
    );
    assert_eq!(stale.status.code(), Some(1));
    assert!(stale.stdout.is_empty());
    let said = text(&stale.stderr);
    for line in [
        "differs: prometheus/24-statefulset-prometheus.yaml",
        "missing: grafana/22-deployment-grafana.yaml",
        "not rendered: extra.yaml",
        "missing: prometheus/18-service-prometheus-4-service.yaml",
    ] {
        assert!(said.contains(line), "{line} not in:\n{said}");
    }
}
