//! `stackgen validate` (and the commands that feed it: `profiles`, `init`, `schema`) through
//! the real binary: exit codes, what goes to stdout and stderr, and the folder of cases.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::Test;

const PROFILES: [&str; 5] = ["dev", "eks", "gke", "ha", "observer"];

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/validate")
}

/// One case of `tests/cases/validate/`: `NAME.yaml`, `NAME.expected`, and optionally
/// `NAME.args` (one argument per line) and `NAME.status` (default 1).
struct Case {
    name: String,
    args: Vec<String>,
    expected: Vec<String>,
    status: i32,
}

fn read_if_present(path: &Path) -> Option<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn cases() -> Vec<Case> {
    let dir = cases_dir();
    let mut names = BTreeSet::new();
    let mut companions = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("tests/cases/validate exists") {
        let path = entry.expect("directory entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name")
            .to_owned();
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => {
                names.insert(stem);
            }
            Some("expected" | "args" | "status") => {
                companions.insert(stem);
            }
            _ => panic!("unexpected file in the cases folder: {}", path.display()),
        }
    }
    // A misnamed companion file would silently test nothing.
    let orphans: Vec<&String> = companions.difference(&names).collect();
    assert!(
        orphans.is_empty(),
        "case files without a NAME.yaml: {orphans:?}"
    );
    names
        .into_iter()
        .map(|name| {
            let expected = read_if_present(&dir.join(format!("{name}.expected")))
                .unwrap_or_else(|| panic!("case `{name}` has no {name}.expected"));
            let expected: Vec<String> = expected
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect();
            assert!(!expected.is_empty(), "{name}.expected is empty");
            let args = read_if_present(&dir.join(format!("{name}.args")))
                .map(|text| {
                    text.lines()
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let status = read_if_present(&dir.join(format!("{name}.status"))).map_or(1, |text| {
                text.trim()
                    .parse()
                    .unwrap_or_else(|_| panic!("{name}.status is not a number"))
            });
            Case {
                name,
                args,
                expected,
                status,
            }
        })
        .collect()
}

/// Every case in the folder: exit code, nothing on stdout, each expected line on stderr.
#[test]
fn validate_cases() {
    let cases = cases();
    assert!(cases.len() >= 10, "only {} cases found", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let out = Test::new()
            .args(["validate", "-c"])
            .arg(format!("{}.yaml", case.name))
            .args(case.args.iter().cloned())
            .current_dir(cases_dir())
            .run();
        let mut problems = Vec::new();
        if out.status != case.status {
            problems.push(format!(
                "exit status {} (expected {})",
                out.status, case.status
            ));
        }
        if !out.stdout.is_empty() {
            problems.push(format!("stdout is not empty:\n{}", out.stdout));
        }
        for line in &case.expected {
            if !out.stderr.contains(line.as_str()) {
                problems.push(format!("stderr lacks: {line}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "case `{}`:\n  {}\n--- stderr ---\n{}",
                case.name,
                problems.join("\n  "),
                out.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn valid_case_has_nothing_to_warn_about() {
    Test::new()
        .args(["validate", "-c", "valid.yaml", "--strict"])
        .current_dir(cases_dir())
        .run()
        .status(0)
        .stdout_is_empty();
}

#[test]
fn acceptance_both_errors_at_once() {
    // The acceptance case, spelled out: a misspelt key and a second compactor.
    let out = Test::new()
        .args(["validate", "-c", "cfg.yaml"])
        .file(
            "cfg.yaml",
            "apiVersion: stackgen.dev/v1alpha1\n\
             kind: MonitoringStack\n\
             spec:\n\
             \x20 prometheus:\n\
             \x20   replica: 3\n\
             \x20 thanos:\n\
             \x20   compact:\n\
             \x20     replicas: 2\n",
        )
        .run();
    out.status(1)
        .stdout_is_empty()
        .stderr_has("error: `spec.prometheus.replica`: unknown field `replica` in `spec.prometheus`")
        .stderr_has("  --> cfg.yaml:5:5\n")
        .stderr_has("did you mean `replicas`?")
        .stderr_has("error: `spec.thanos.compact.replicas`: is 2, but the compactor must run as exactly 1 replica")
        .stderr_has("  --> cfg.yaml:8:17\n")
        .stderr_has("\n2 errors");
    // Document order: the typo (line 5) comes before the compactor (line 8).
    let typo = out
        .stderr
        .find("spec.prometheus.replica`")
        .expect("typo reported");
    let compactor = out
        .stderr
        .find("spec.thanos.compact.replicas`")
        .expect("compactor reported");
    assert!(typo < compactor, "{}", out.stderr);
}

#[test]
fn validate_without_a_config_accepts_the_defaults() {
    Test::new()
        .arg("validate")
        .run()
        .status(0)
        .stdout_is_empty()
        .stderr_has("config is valid");
}

#[test]
fn strict_refuses_an_ingress_opened_without_authentication() {
    Test::new()
        .args([
            "validate",
            "--strict",
            "--set",
            "ingress.expose.prometheus=true",
        ])
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("warning: `spec.ingress.basicAuthSecret`")
        .stderr_has("refusing the config: --strict turns warnings into errors");
}

/// The built-in defaults and every profile are safe as they are: nothing to warn about.
#[test]
fn strict_accepts_the_defaults_and_every_profile() {
    let mut runs = vec![Vec::new()];
    runs.extend(
        stackgen::config::profiles::all()
            .iter()
            .map(|p| vec!["-p", p.name]),
    );
    for profile in runs {
        Test::new()
            .arg("validate")
            .arg("--strict")
            .args(profile)
            .run()
            .status(0)
            .stderr_has("config is valid");
    }
}

#[test]
fn profiles_lists_every_builtin_profile() {
    let out = Test::new().arg("profiles").run();
    out.status(0);
    let names: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    assert_eq!(names, PROFILES, "{}", out.stdout);
    for line in out.stdout.lines() {
        assert!(
            line.split_whitespace().count() > 1,
            "profile without a summary: {line}"
        );
    }
}

#[test]
fn every_profile_validates() {
    for profile in PROFILES {
        let out = Test::new().args(["validate", "-p", profile]).run();
        assert_eq!(out.status, 0, "profile {profile}:\n{}", out.stderr);
        out.stdout_is_empty().stderr_has("config is valid");
    }
}

#[test]
fn profiles_can_be_stacked() {
    Test::new()
        .args(["validate", "-p", "gke", "-p", "observer"])
        .run()
        .status(0)
        .stdout_is_empty();
}

#[test]
fn unknown_profile_is_refused_with_a_suggestion() {
    Test::new()
        .args(["validate", "-p", "observr"])
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("error: unknown profile `observr`")
        .stderr_has("did you mean `observer`?");
}

#[test]
fn init_starts_with_the_schema_modeline() {
    let out = Test::new().arg("init").run();
    out.status(0);
    let first = out.stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("# yaml-language-server: $schema="),
        "first line: {first}"
    );
}

#[test]
fn init_output_validates() {
    let mut variants: Vec<Vec<&str>> = vec![vec![]];
    variants.extend(PROFILES.iter().map(|p| vec!["-p", *p]));
    for profile_args in variants {
        let init = Test::new()
            .arg("init")
            .args(profile_args.iter().copied())
            .run();
        assert_eq!(init.status, 0, "init {profile_args:?}:\n{}", init.stderr);
        assert!(
            init.stdout.contains("apiVersion: stackgen.dev/v1alpha1"),
            "{}",
            init.stdout
        );
        let out = Test::new()
            .args(["validate", "-c", "stackgen.yaml"])
            .file("stackgen.yaml", init.stdout.as_str())
            .run();
        assert!(
            out.dir().join("stackgen.yaml").is_file(),
            "the file was written to the scratch directory"
        );
        assert_eq!(
            out.status, 0,
            "init {profile_args:?} does not validate:\n{}",
            out.stderr
        );
        out.stdout_is_empty().stderr_has("config is valid");
    }
}

#[test]
fn init_with_an_unknown_profile_fails() {
    Test::new()
        .args(["init", "-p", "nope"])
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("unknown profile `nope`");
}

/// Follows `$ref`s into `$defs`.
fn resolve<'a>(
    root: &'a serde_json::Value,
    mut node: &'a serde_json::Value,
) -> &'a serde_json::Value {
    while let Some(reference) = node.get("$ref").and_then(serde_json::Value::as_str) {
        let name = reference.strip_prefix("#/$defs/").expect("local reference");
        node = &root["$defs"][name];
    }
    node
}

#[test]
fn schema_is_json_with_descriptions() {
    let out = Test::new().arg("schema").run();
    out.status(0);
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).expect("schema is JSON");
    assert!(schema.get("$schema").is_some(), "no `$schema` key");
    let mut node = &schema;
    for key in ["spec", "thanos", "compact", "replicas"] {
        node = resolve(&schema, &resolve(&schema, node)["properties"][key]);
        assert!(!node.is_null(), "no `{key}` in the schema");
    }
    let description = node["description"].as_str().expect("a description");
    assert!(description.contains("singleton"), "{description}");
}

#[test]
fn missing_config_file_is_trouble() {
    Test::new()
        .args(["validate", "-c", "missing.yaml"])
        .run()
        .status(2)
        .stdout_is_empty()
        .stderr_has("error: cannot read config file `missing.yaml`");
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    Test::new()
        .arg("valdiate")
        .run()
        .status(2)
        .stdout_is_empty()
        .stderr_has("unrecognized subcommand");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    Test::new()
        .args(["validate", "--nope"])
        .run()
        .status(2)
        .stdout_is_empty();
}

#[test]
fn dash_reads_the_config_from_stdin() {
    Test::new()
        .args(["validate", "-c", "-"])
        .stdin("spec:\n  thanos:\n    compact:\n      replicas: 2\n")
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("error: `spec.thanos.compact.replicas`: is 2")
        .stderr_has("--> <stdin>:4:17");
    Test::new()
        .args(["validate", "-c", "-"])
        .stdin("spec:\n  cluster: from-stdin\n")
        .run()
        .status(0)
        .stdout_is_empty();
}

#[test]
fn files_are_layered_in_order() {
    Test::new()
        .args(["validate", "-c", "a.yaml", "-c", "b.yaml"])
        .file("a.yaml", "spec:\n  thanos: {compact: {replicas: 2}}\n")
        .file("b.yaml", "spec:\n  thanos: {compact: {replicas: 1}}\n")
        .run()
        .status(0);
    Test::new()
        .args(["validate", "-c", "b.yaml", "-c", "a.yaml"])
        .file("a.yaml", "spec:\n  thanos: {compact: {replicas: 2}}\n")
        .file("b.yaml", "spec:\n  thanos: {compact: {replicas: 1}}\n")
        .run()
        .status(1)
        .stderr_has("--> a.yaml:2:32");
}

#[test]
fn set_overrides_the_files() {
    Test::new()
        .args([
            "validate",
            "-c",
            "cfg.yaml",
            "--set",
            "thanos.compact.replicas=1",
        ])
        .file("cfg.yaml", "spec:\n  thanos: {compact: {replicas: 2}}\n")
        .run()
        .status(0)
        .stdout_is_empty();
}

#[test]
fn set_errors_name_the_flag() {
    Test::new()
        .args(["validate", "--set", "prometheus.replicas=many"])
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("error: `spec.prometheus.replicas`: expected a whole number, found `many`")
        .stderr_has("  --> --set prometheus.replicas=many\n");
}

#[test]
fn set_with_a_bad_path_is_refused() {
    Test::new()
        .args(["validate", "--set", "prometheus..replicas=3"])
        .run()
        .status(1)
        .stdout_is_empty()
        .stderr_has("error: empty key in path `prometheus..replicas`")
        .stderr_has("--> --set prometheus..replicas=3");
    Test::new()
        .args(["validate", "--set", "prometheus.replicas"])
        .run()
        .status(1)
        .stderr_has("`prometheus.replicas` has no `=`");
}
