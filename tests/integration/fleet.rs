//! `render --fleet`, `render --check --fleet` and `diff --fleet` through the real binary:
//! one config per cluster in a folder, rendered into one directory of clusters.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{Output, Test};

/// A member's config: `name`, `cluster` and buckets of its own, then `spec` lines
/// (two-space indented) if any.
fn member(name: &str, cluster: &str, spec: &str) -> String {
    format!(
        "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nmetadata:\n  name: {name}\n\
         spec:\n  cluster: {cluster}\n  \
         objectStorage: {{bucket: {cluster}-metrics, rulerBucket: {cluster}-ruler}}\n{spec}"
    )
}

/// Three members that each render differently, so a member rendered with another's config
/// cannot pass for itself.
fn three() -> Test {
    Test::new()
        .file("clusters/a.yaml", member("a", "eu-1", ""))
        .file(
            "clusters/b.yaml",
            member("b", "eu-2", "  namespace: monitoring-b\n"),
        )
        .file(
            "clusters/c.yaml",
            member("c", "us-1", "  grafana:\n    enabled: false\n"),
        )
}

/// A scratch directory whose `out` holds the rendering of `three()`.
fn rendered() -> Output {
    let out = three()
        .args(["render", "--fleet", "clusters", "-o", "out"])
        .run();
    out.status(0);
    out
}

/// A run of stackgen with `args` in the scratch directory of `base`.
fn run_in(base: &Output, args: &[&str]) -> Output {
    Test::new()
        .args(args.iter().copied())
        .current_dir(base.dir())
        .run()
}

/// Every file below `dir`, relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(dir.join(&folder)).unwrap() {
            let entry = entry.unwrap();
            let path = folder.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                files.insert(path, fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

/// How many objects a `render -o` run says it wrote.
fn wrote(run: &Output) -> usize {
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("wrote "))
        .unwrap();
    line.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The entries directly in `dir`, by name.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn each_member_renders_into_its_folder_as_render_o_renders_it_alone() {
    let fleet = rendered();
    fleet.stdout_is_empty();
    let out = fleet.dir().join("out");
    assert_eq!(entries(&out), [".stackgen", "a", "b", "c"]);
    let whole = tree(&out);
    let mut objects = 0;
    for name in ["a", "b", "c"] {
        let single = format!("single-{name}");
        let config = format!("clusters/{name}.yaml");
        let alone = run_in(&fleet, &["render", "-c", &config, "-o", &single]);
        alone.status(0);
        objects += wrote(&alone);
        let mut alone = tree(&fleet.dir().join(&single));
        assert!(alone.remove(Path::new(".stackgen")).is_some());
        let in_fleet: BTreeMap<PathBuf, Vec<u8>> = whole
            .iter()
            .filter_map(|(p, bytes)| Some((p.strip_prefix(name).ok()?.into(), bytes.clone())))
            .collect();
        assert_eq!(in_fleet.len(), alone.len(), "{name}");
        assert!(
            in_fleet == alone,
            "`{name}/` differs from `render -o` of it alone"
        );
    }
    fleet.stderr_has(&format!("wrote {objects} objects for 3 clusters to out\n"));
    // One marker, at the top, listing every file of every member.
    let marker = String::from_utf8(whole[Path::new(".stackgen")].clone()).unwrap();
    assert!(
        marker.contains(&format!("\nfiles: {}\n", whole.len() - 1)),
        "{marker}"
    );
    assert!(marker.contains("\n- b/kustomization.yaml\n"), "{marker}");
    assert!(!marker.contains("- c/grafana/"), "{marker}");
}

#[test]
fn a_fleet_renders_the_same_bytes_every_time() {
    let first = rendered();
    run_in(&first, &["render", "--fleet", "clusters", "-o", "again"]).status(0);
    let (one, two) = (
        tree(&first.dir().join("out")),
        tree(&first.dir().join("again")),
    );
    assert!(one.len() > 100);
    assert!(one == two, "two renderings of one fleet differ");
    // Rendering over itself changes nothing either.
    run_in(&first, &["render", "--fleet", "clusters", "-o", "out"]).status(0);
    assert!(tree(&first.dir().join("out")) == one);
}

#[test]
fn shared_layers_lie_under_each_member_and_set_over_it() {
    let base = "spec:\n  domain: base.example.org\n  prometheus:\n    replicas: 2\n";
    let fleet = three()
        .file("base.yaml", base)
        .file(
            "clusters/d.yaml",
            member("d", "ap-1", "  domain: d.example.org\n"),
        )
        .args([
            "render",
            "-c",
            "base.yaml",
            "--fleet",
            "clusters",
            "--set",
            "prometheus.replicas=4",
            "-o",
            "out",
        ])
        .run();
    fleet.status(0);
    let out = fleet.dir().join("out");
    for name in ["a", "b", "c", "d"] {
        // --set over the base's 2 replicas: a fourth per-replica Service.
        assert!(
            out.join(name)
                .join("prometheus/18-service-prometheus-3-service.yaml")
                .is_file(),
            "{name}"
        );
        // Each member is exactly `render -c base -c member --set …` of it alone.
        let single = format!("single-{name}");
        let config = format!("clusters/{name}.yaml");
        run_in(
            &fleet,
            &[
                "render",
                "-c",
                "base.yaml",
                "-c",
                &config,
                "--set",
                "prometheus.replicas=4",
                "-o",
                &single,
            ],
        )
        .status(0);
        let mut alone = tree(&fleet.dir().join(&single));
        alone.remove(Path::new(".stackgen"));
        assert!(tree(&out.join(name)) == alone, "{name}");
    }
    let ingress = |name: &str| {
        fs::read_to_string(
            out.join(name)
                .join("monitoring-ingress/28-ingress-monitoring-ingress.yaml"),
        )
        .unwrap()
    };
    // The member's file over the base.
    assert!(ingress("a").contains("grafana.base.example.org"));
    assert!(ingress("d").contains("grafana.d.example.org"));
}

#[test]
fn one_invalid_member_refuses_the_fleet_and_leaves_the_directory_as_it_was() {
    let fleet = rendered();
    let before = tree(&fleet.dir().join("out"));
    fs::write(
        fleet.dir().join("clusters/b.yaml"),
        member("b", "eu-2", "  thanos:\n    compact:\n      replicas: 2\n"),
    )
    .unwrap();
    // Another change that would show if anything were written.
    fs::write(
        fleet.dir().join("clusters/a.yaml"),
        member("a", "eu-1", "  namespace: changed\n"),
    )
    .unwrap();
    let refused = run_in(&fleet, &["render", "--fleet", "clusters", "-o", "out"]);
    refused
        .status(1)
        .stdout_is_empty()
        .stderr_has("`spec.thanos.compact.replicas`")
        .stderr_has("--> clusters/b.yaml:10:17")
        .stderr_has("refusing the fleet: 1 of 3 configs is refused (`clusters/b.yaml`)");
    assert!(tree(&fleet.dir().join("out")) == before, "`out` changed");
    assert_eq!(entries(fleet.dir()), ["clusters", "out"]);
}

#[test]
fn two_members_with_one_name_are_refused_naming_both_files() {
    let out = Test::new()
        .file("clusters/a.yaml", member("same", "eu-1", ""))
        .file("clusters/b.yaml", member("other", "eu-2", ""))
        .file("clusters/c.yaml", member("same", "us-1", ""))
        .args(["render", "--fleet", "clusters", "-o", "out"])
        .run();
    out.status(1)
        .stdout_is_empty()
        .stderr_has(
            "error: `metadata.name`: `same` is also the name of `clusters/a.yaml` \
             (clusters/a.yaml:4:9)",
        )
        .stderr_has("--> clusters/c.yaml:4:9")
        .stderr_has("(`clusters/c.yaml`), so nothing was written");
    assert!(!out.dir().join("out").exists());
}

#[test]
fn two_members_with_one_cluster_label_are_refused_naming_both_files() {
    let out = Test::new()
        .file("base.yaml", "spec:\n  cluster: everywhere\n")
        .file(
            "clusters/a.yaml",
            "apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nmetadata:\n  name: a\n",
        )
        .file("clusters/b.yaml", member("b", "everywhere", ""))
        .args([
            "render",
            "-c",
            "base.yaml",
            "--fleet",
            "clusters",
            "--check",
            "out",
        ])
        .run();
    // Under --check a refused fleet is trouble, as an invalid config is.
    out.status(2)
        .stdout_is_empty()
        .stderr_has(
            "error: `spec.cluster`: `everywhere` is also the `cluster` label of \
             `clusters/a.yaml` (base.yaml:2:12)",
        )
        .stderr_has("--> clusters/b.yaml:6:12")
        .stderr_has("so nothing was compared");
}

#[test]
fn warnings_every_member_shares_are_said_once() {
    let out = rendered();
    // The note on the defaults' ingress names the namespace, which only `b` changes.
    let note = "`spec.ingress.expose`: Thanos Query, Alertmanager";
    assert_eq!(out.stderr.matches(note).count(), 2, "{}", out.stderr);
    out.stderr_has(
        "kubectl -n monitoring port-forward svc/thanos-querier 9090`\n  \
         = note: in 2 fleet members: `clusters/a.yaml`, `clusters/c.yaml`\n",
    )
    .stderr_has(
        "kubectl -n monitoring-b port-forward svc/thanos-querier 9090`\n  \
         = note: in fleet member `clusters/b.yaml`\n",
    );
}

#[test]
fn strict_applies_to_every_member() {
    let out = three()
        .file(
            "clusters/d.yaml",
            member("d", "ap-1", "  prometheus:\n    replicas: 1\n"),
        )
        .args(["render", "--fleet", "clusters", "-o", "out", "--strict"])
        .run();
    out.status(1)
        .stdout_is_empty()
        .stderr_has("--> clusters/d.yaml:9:15")
        .stderr_has("--strict turns warnings into errors")
        .stderr_has("1 of 4 configs is refused (`clusters/d.yaml`)");
}

#[test]
fn render_check_guards_a_committed_fleet() {
    let fleet = rendered();
    run_in(&fleet, &["render", "--fleet", "clusters", "--check", "out"])
        .status(0)
        .stdout_is_empty()
        .stderr_has("out is up to date");

    fs::write(
        fleet.dir().join("clusters/b.yaml"),
        member(
            "b",
            "eu-2",
            "  namespace: monitoring-b\n  prometheus:\n    replicas: 4\n",
        ),
    )
    .unwrap();
    fs::remove_file(fleet.dir().join("clusters/c.yaml")).unwrap();
    let stale = run_in(&fleet, &["render", "--fleet", "clusters", "--check", "out"]);
    stale.status(1).stdout_is_empty();
    for line in [
        "differs: b/prometheus/24-statefulset-prometheus.yaml",
        "missing: b/prometheus/18-service-prometheus-3-service.yaml",
        "differs: .stackgen",
        // A cluster no config names any more is removed with all its files.
        "removed: c/kustomization.yaml",
        "out is not what `stackgen render --fleet clusters -o out` writes",
    ] {
        stale.stderr_has(line);
    }
    assert!(
        !stale.stderr.lines().any(|l| l.contains(": a/")),
        "`a` has not changed:\n{}",
        stale.stderr
    );

    fs::write(
        fleet.dir().join("clusters/a.yaml"),
        member("a", "eu-1", "  thanos:\n    compact:\n      replicas: 2\n"),
    )
    .unwrap();
    run_in(&fleet, &["render", "--fleet", "clusters", "--check", "out"])
        .status(2)
        .stdout_is_empty()
        .stderr_has("--> clusters/a.yaml:10:17");
}

#[test]
fn diff_compares_each_member_with_its_folder() {
    let fleet = rendered();
    let same = run_in(&fleet, &["diff", "--fleet", "clusters", "--against", "out"]);
    same.status(0);
    assert_eq!(
        same.stdout,
        "0 of 3 clusters differ: 0 added, 0 removed, 0 changed\n"
    );

    let changed = run_in(
        &fleet,
        &[
            "diff",
            "--fleet",
            "clusters",
            "--against",
            "out",
            "--set",
            "thanos.query.replicas=3",
        ],
    );
    changed
        .status(1)
        .stdout_has("=== a (clusters/a.yaml)\n~ changed: Deployment monitoring/thanos-querier")
        .stdout_has("=== b (clusters/b.yaml)\n~ changed: Deployment monitoring-b/thanos-querier")
        .stdout_has("\n3 of 3 clusters differ: 0 added, 0 removed, 3 changed\n");

    fs::write(
        fleet.dir().join("clusters/b.yaml"),
        member(
            "b",
            "eu-2",
            "  namespace: monitoring-b\n  alertmanager:\n    replicas: 5\n",
        ),
    )
    .unwrap();
    let one = run_in(&fleet, &["diff", "--fleet", "clusters", "--against", "out"]);
    one.status(1)
        .stdout_has("=== b (clusters/b.yaml)\n~ changed: StatefulSet monitoring-b/alertmanager")
        .stdout_has("\n1 of 3 clusters differ");
    assert!(!one.stdout.contains("=== a") && !one.stdout.contains("=== c"));
    run_in(
        &fleet,
        &[
            "diff",
            "--fleet",
            "clusters",
            "--against",
            "out",
            "--exit-zero",
        ],
    )
    .status(0)
    .stdout_has("=== b ");
}

#[test]
fn diff_reports_clusters_added_to_and_removed_from_the_fleet() {
    let fleet = rendered();
    fs::remove_file(fleet.dir().join("clusters/c.yaml")).unwrap();
    fs::write(fleet.dir().join("clusters/d.yaml"), member("d", "ap-1", "")).unwrap();
    // Every object of `d` is new; every object `c` had goes.
    let added = wrote(&run_in(
        &fleet,
        &["render", "-c", "clusters/d.yaml", "-o", "d"],
    ));
    let removed = tree(&fleet.dir().join("out/c")).len() - 1;
    let out = run_in(&fleet, &["diff", "--fleet", "clusters", "--against", "out"]);
    out.status(1)
        .stdout_has("=== d (clusters/d.yaml)\n+ added: ")
        .stdout_has("=== c (no config in the fleet: every object removed)\n- removed: ")
        .stdout_has(&format!(
            "\n2 of 4 clusters differ (1 not in the fleet): {added} added, {removed} removed, \
             0 changed\n"
        ));
    assert!(
        out.stdout.find("=== d").unwrap() < out.stdout.find("=== c").unwrap(),
        "members come first, in the fleet's order"
    );

    let json = run_in(
        &fleet,
        &[
            "diff",
            "--fleet",
            "clusters",
            "--against",
            "out",
            "--format",
            "json",
        ],
    );
    json.status(1);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let clusters = report["clusters"].as_object().unwrap();
    assert_eq!(clusters.keys().collect::<Vec<_>>(), ["d", "c"]);
    assert_eq!(report.as_object().unwrap().len(), 1);
    assert_eq!(
        clusters["c"]["summary"],
        serde_json::json!({"added": 0, "removed": removed, "changed": 0})
    );
    assert_eq!(clusters["d"]["added"].as_array().unwrap().len(), added);
}

#[test]
fn diff_of_a_fleet_needs_a_fleet_rendering_and_a_valid_fleet() {
    let fleet = rendered();
    fs::write(fleet.dir().join("stack.yaml"), "").unwrap();
    for against in ["stack.yaml", "-", "missing"] {
        run_in(
            &fleet,
            &["diff", "--fleet", "clusters", "--against", against],
        )
        .status(2)
        .stdout_is_empty()
        .stderr_has("`--against` names a directory");
    }
    run_in(
        &fleet,
        &[
            "diff",
            "--fleet",
            "clusters",
            "--against",
            "out",
            "--set",
            "thanos.compact.replicas=2",
        ],
    )
    .status(2)
    .stdout_is_empty()
    .stderr_has("3 of 3 configs are refused");
}

#[test]
fn a_fleet_without_configs_is_a_usage_error() {
    let out = Test::new()
        .file("clusters/.hidden.yaml", member("h", "h", ""))
        .file("clusters/notes.md", "not a config\n")
        .file("clusters/folder.yaml/a.yaml", member("f", "f", ""))
        .args(["render", "--fleet", "clusters", "-o", "out"])
        .run();
    out.status(2)
        .stdout_is_empty()
        .stderr_has("the fleet `clusters` holds no config");
    assert!(!out.dir().join("out").exists());
    run_in(&out, &["render", "--fleet", "nowhere", "-o", "out"])
        .status(2)
        .stderr_has("cannot read the fleet `nowhere`");
}

#[test]
fn a_fleet_renders_into_a_directory_only() {
    let fleet = rendered();
    run_in(&fleet, &["render", "--fleet", "clusters"])
        .status(2)
        .stdout_is_empty()
        .stderr_has("--output-dir");
    run_in(
        &fleet,
        &[
            "render", "--fleet", "clusters", "-o", "json", "--format", "json",
        ],
    )
    .status(2)
    .stdout_is_empty()
    .stderr_has("cannot be used with");
}

#[test]
fn a_fleet_directory_keeps_the_rules_of_render_o() {
    let fleet = three()
        .file("out/README.md", "read me\n")
        .args(["render", "--fleet", "clusters", "-o", "out"])
        .run();
    fleet.status(2).stderr_has("in the way: README.md");
    assert_eq!(entries(&fleet.dir().join("out")), ["README.md"]);

    run_in(
        &fleet,
        &["render", "--fleet", "clusters", "-o", "out", "--force"],
    )
    .status(0)
    .stderr_has("kept 1 entry in `out`, which stackgen did not write: README.md");
    fs::write(fleet.dir().join("out/b/notes.md"), "mine\n").unwrap();
    fs::remove_file(fleet.dir().join("clusters/c.yaml")).unwrap();
    run_in(&fleet, &["render", "--fleet", "clusters", "-o", "out"]).status(0);
    // The cluster no config names is gone; what stackgen did not write stays.
    assert_eq!(
        entries(&fleet.dir().join("out")),
        [".stackgen", "README.md", "a", "b"]
    );
    assert_eq!(
        fs::read_to_string(fleet.dir().join("out/b/notes.md")).unwrap(),
        "mine\n"
    );
    // A file where a member's folder goes is never replaced.
    fs::write(fleet.dir().join("clusters/d.yaml"), member("d", "ap-1", "")).unwrap();
    fs::write(fleet.dir().join("out/d"), "mine\n").unwrap();
    run_in(&fleet, &["render", "--fleet", "clusters", "-o", "out"])
        .status(2)
        .stderr_has("(not even with `--force`): d\n");
    assert_eq!(
        fs::read_to_string(fleet.dir().join("out/d")).unwrap(),
        "mine\n"
    );
    assert!(!fleet.dir().join("out/d/kustomization.yaml").exists());
    assert_eq!(
        entries(fleet.dir()),
        ["clusters", "out"],
        "a staging folder was left"
    );
}

#[test]
fn an_interrupted_fleet_run_leaves_nothing_the_next_takes_for_the_users() {
    let fleet = rendered();
    // What a run killed while it staged members leaves: no marker yet, a journal listing
    // what it wrote (the last line cut off by the kill), and one file of the user's that
    // appeared meanwhile. No process has pid 4194304 (above Linux's largest pid_max).
    let dead = fleet.dir().join(".out.stackgen-staging-4194304");
    for (path, text) in [
        ("a/prometheus/99-configmap-half.yaml", "staged\n"),
        ("z/kustomization.yaml", "staged\n"),
        ("a/user.md", "the user's\n"),
        (
            ".stackgen-journal.stackgen-tmp-4194304",
            "a/prometheus/99-configmap-half.yaml\nz/kustomization.yaml\nz/cut-off",
        ),
    ] {
        fs::create_dir_all(dead.join(path).parent().unwrap()).unwrap();
        fs::write(dead.join(path), text).unwrap();
    }
    run_in(&fleet, &["render", "--fleet", "clusters", "-o", "out"]).status(0);
    assert!(!dead.exists(), "the leftover of a dead run is still there");
    let out = fleet.dir().join("out");
    assert!(!out.join("a/prometheus/99-configmap-half.yaml").exists());
    assert!(
        !out.join("z").exists(),
        "a staged file was taken for the user's"
    );
    assert_eq!(
        fs::read_to_string(out.join("a/user.md")).unwrap(),
        "the user's\n"
    );
}

#[test]
fn a_mount_point_gets_the_fleet_file_by_file() {
    use std::process::Command;
    let private = Command::new("unshare").args(["-m", "true"]).status();
    if !private.is_ok_and(|s| s.success()) {
        eprintln!("skipped: `unshare -m` (a private mount namespace) needs root");
        return;
    }
    let fleet = three()
        .args(["render", "--fleet", "clusters", "-o", "real"])
        .run();
    fleet.status(0);
    let dir = fleet.dir();
    fs::write(dir.join("real/README.md"), "mine\n").unwrap();
    fs::write(
        dir.join("clusters/b.yaml"),
        member(
            "b",
            "eu-2",
            "  namespace: monitoring-b\n  prometheus:\n    replicas: 4\n",
        ),
    )
    .unwrap();
    fs::remove_file(dir.join("clusters/c.yaml")).unwrap();
    fs::create_dir(dir.join("out")).unwrap();
    // `out` is a mount point only inside the namespace: no swap is possible there, so each
    // file is read back from the staging folder and written in place; it lands in `real`.
    let run = Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            r#"mount --bind real out && exec "$0" render --fleet clusters -o out"#,
        ])
        .arg(env!("CARGO_BIN_EXE_stackgen"))
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("its files were replaced one by one"),
        "{stderr}"
    );
    let real = dir.join("real");
    assert_eq!(entries(&real), [".stackgen", "README.md", "a", "b"]);
    assert!(
        real.join("b/prometheus/18-service-prometheus-3-service.yaml")
            .is_file()
    );
    run_in(
        &fleet,
        &["render", "--fleet", "clusters", "--check", "real"],
    )
    .status(0)
    .stderr_has("real is up to date");
    assert_eq!(
        entries(dir),
        ["clusters", "out", "real"],
        "a staging folder was left"
    );
}

#[test]
fn the_example_fleets_pass_the_fleet_checks() {
    for fleet in crate::golden::FLEETS {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join(fleet);
        let out = Test::new()
            .args(["render", "--fleet", &example.to_string_lossy(), "-o", "out"])
            .run();
        out.status(0).stdout_is_empty();
        for cluster in ["eu1", "observer", "us1"] {
            assert!(
                out.dir()
                    .join("out")
                    .join(cluster)
                    .join("kustomization.yaml")
                    .is_file(),
                "{fleet}: no rendering of {cluster}"
            );
        }
    }
}

#[test]
fn a_shared_bucket_left_without_its_compactor_is_refused() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::golden::FLEETS[1]);
    let mut test = Test::new();
    for name in ["eu1", "us1", "observer"] {
        let text = fs::read_to_string(example.join(format!("{name}.yaml"))).unwrap();
        // The observer hands compaction over too: nobody compacts the shared bucket.
        let text = if name == "observer" {
            text.replace(
                "  thanos:\n",
                "  thanos:\n    compact:\n      enabled: false\n",
            )
        } else {
            text
        };
        test = test.file(format!("clusters/{name}.yaml"), text);
    }
    let out = test
        .args(["render", "--fleet", "clusters", "-o", "out"])
        .run();
    out.status(1).stdout_is_empty().stderr_has(
        "`gs://acme-metrics`, written by `clusters/eu1.yaml`, `clusters/us1.yaml`, is \
             compacted by no member",
    );
    assert!(!out.dir().join("out").exists());
}

#[test]
fn an_observer_dialling_a_cluster_the_fleet_does_not_offer_is_refused() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::golden::FLEETS[0]);
    let mut test = Test::new();
    for name in ["eu1", "us1", "observer"] {
        let text = fs::read_to_string(example.join(format!("{name}.yaml"))).unwrap();
        // us1 offered through its ingress instead: the observer still dials its load balancer.
        let text = text.replace("expose: loadBalancer", "expose: ingress");
        test = test.file(format!("clusters/{name}.yaml"), text);
    }
    let out = test
        .args(["render", "--fleet", "clusters", "-o", "out"])
        .run();
    out.status(1)
        .stdout_is_empty()
        .stderr_has("`thanos-grpc.us1.example.com:10901` is not the Store API of any member")
        .stderr_has("`thanos-grpc.us1.example.com:443` (clusters/us1.yaml)")
        .stderr_has("--> clusters/observer.yaml:");
    assert!(!out.dir().join("out").exists());
}
