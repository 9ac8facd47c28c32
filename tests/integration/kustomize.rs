//! stackgen inside kustomize, kpt and Argo CD, through the real tools and the real binary:
//! the exec plugin under `kubectl kustomize` (examples/kustomize), `stackgen plugin install`,
//! the KRM function under `kpt fn eval`, the ResourceList fixtures of tests/krm, and the
//! Argo CD plugin of examples/argocd.
//!
//! Needs `kubectl` (which bundles kustomize) and `kpt` on PATH; a missing one fails the test
//! that needs it, saying what to install.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{Value as Json, json};

/// An object's identity: (apiVersion, kind, namespace, name).
use stackgen::diff::Key;

/// The label and the Prometheus claim size that examples/kustomize/overlays/production sets.
const OVERLAY_LABEL: (&str, &str) = ("team", "platform");
const BASE_STORAGE: &str = "20Gi";
const OVERLAY_STORAGE: &str = "100Gi";

/// Annotations stackgen's KRM function puts on what it generates.
const GENERATED_BY: &str = "stackgen.dev/generated-by";
const PATH_ANNOTATION: &str = "internal.config.kubernetes.io/path";

fn stackgen_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_stackgen"))
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

/// stdout of a command that must succeed.
fn success(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(tool))
            .find(|p| p.is_file())
    })
}

fn kubectl() -> PathBuf {
    which("kubectl").unwrap_or_else(|| {
        panic!(
            "`kubectl` is not on PATH: these tests run its built-in kustomize \
             (`kubectl kustomize`); install kubectl 1.27 or newer (Debian package `kubectl` \
             from the Google Cloud CLI apt repository, or any kubectl release)"
        )
    })
}

fn kpt() -> PathBuf {
    which("kpt").unwrap_or_else(|| {
        panic!(
            "`kpt` is not on PATH: these tests run stackgen's KRM function under \
             `kpt fn eval`; install the Debian package `google-cloud-cli-kpt` \
             (`apt-get install google-cloud-cli-kpt`, from the Google Cloud CLI apt repository)"
        )
    })
}

fn stackgen(args: &[&str]) -> Output {
    run(Command::new(stackgen_bin()).args(args))
}

/// `stackgen render -c CONFIG`, stdout.
fn render(config: &Path) -> String {
    success(
        &stackgen(&["render", "-c", config.to_str().unwrap()]),
        "stackgen render",
    )
}

/// Every document of a YAML stream (empty ones dropped).
fn documents(yaml: &str, what: &str) -> Vec<Json> {
    serde_saphyr::from_multiple::<Json>(yaml)
        .unwrap_or_else(|e| panic!("{what} is not YAML: {e}"))
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

/// Objects by identity; two objects with one identity fail the test.
fn keyed(objects: Vec<Json>, what: &str) -> BTreeMap<Key, Json> {
    let mut map = BTreeMap::new();
    for object in objects {
        let k = Key::of(&object);
        assert!(
            map.insert(k.clone(), object).is_none(),
            "{what}: {k:?} twice"
        );
    }
    map
}

/// Where two values first differ, as a JSON pointer with both sides.
fn first_difference(actual: &Json, expected: &Json, at: &str) -> Option<String> {
    match (actual, expected) {
        (Json::Object(a), Json::Object(e)) => {
            let mut keys: Vec<&String> = a.keys().chain(e.keys()).collect();
            keys.sort();
            keys.dedup();
            keys.into_iter().find_map(|k| {
                let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                match (a.get(k), e.get(k)) {
                    (Some(x), Some(y)) => first_difference(x, y, &here),
                    (x, y) => Some(format!("{here}: got {x:?}, expected {y:?}")),
                }
            })
        }
        (Json::Array(a), Json::Array(e)) if a.len() == e.len() => a
            .iter()
            .zip(e)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(x, y, &format!("{at}/{i}"))),
        _ if actual == expected => None,
        _ => {
            let show = |v: &Json| {
                let s = v.to_string();
                if s.len() > 300 {
                    format!("{}…", &s[..300])
                } else {
                    s
                }
            };
            Some(format!(
                "{at}: got {}, expected {}",
                show(actual),
                show(expected)
            ))
        }
    }
}

/// The same identities, and each object equal; the failure names the first difference.
fn assert_same_objects(actual: &BTreeMap<Key, Json>, expected: &BTreeMap<Key, Json>, what: &str) {
    let missing: Vec<&Key> = expected
        .keys()
        .filter(|k| !actual.contains_key(*k))
        .collect();
    let unexpected: Vec<&Key> = actual
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "{what}: missing {missing:?}, unexpected {unexpected:?}"
    );
    for (k, e) in expected {
        if let Some(d) = first_difference(&actual[k], e, "") {
            panic!("{what}: {k:?} differs at {d}");
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `root`, by path relative to it, with its bytes.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, files);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy();
                files.insert(rel.replace('\\', "/"), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(root, root, &mut files);
    files
}

fn the_example() -> PathBuf {
    repo().join("examples/kustomize")
}

/// A copy of examples/kustomize in `dir`.
fn example_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("kustomize-example");
    copy_tree(&the_example(), &copy);
    copy
}

/// `stackgen plugin install --dir DIR/kustomize/plugin`, so that `XDG_CONFIG_HOME=DIR` finds it.
fn install_plugin(xdg_config_home: &Path) -> PathBuf {
    let root = xdg_config_home.join("kustomize/plugin");
    let out = stackgen(&["plugin", "install", "--dir", root.to_str().unwrap()]);
    PathBuf::from(success(&out, "stackgen plugin install").trim_end())
}

/// `kubectl kustomize --enable-alpha-plugins DIR` with plugins from `XDG_CONFIG_HOME`.
fn kustomize_build(dir: &Path, xdg_config_home: &Path) -> Output {
    run(Command::new(kubectl())
        .args(["kustomize", "--enable-alpha-plugins"])
        .arg(dir)
        .env("XDG_CONFIG_HOME", xdg_config_home)
        .env_remove("KUSTOMIZE_PLUGIN_HOME"))
}

fn set_label(metadata: &mut Json, (name, value): (&str, &str)) {
    let labels = metadata
        .as_object_mut()
        .expect("metadata is a mapping")
        .entry("labels")
        .or_insert_with(|| json!({}));
    labels[name] = json!(value);
}

#[test]
fn exec_plugin_base_renders_exactly_what_render_prints() {
    let dir = scratch();
    let example = example_copy(dir.path());
    let xdg = dir.path().join("xdg");
    install_plugin(&xdg);

    let built = success(
        &kustomize_build(&example.join("base"), &xdg),
        "kubectl kustomize base",
    );
    let rendered = render(&example.join("base/monitoring-stack.yaml"));
    let built = keyed(documents(&built, "kustomize output"), "kustomize output");
    let rendered = keyed(documents(&rendered, "render output"), "render output");
    assert!(rendered.len() > 40, "only {} objects", rendered.len());
    assert_same_objects(
        &built,
        &rendered,
        "kubectl kustomize base vs stackgen render",
    );
}

#[test]
fn exec_plugin_production_overlay_changes_only_the_label_and_the_storage() {
    let dir = scratch();
    let example = example_copy(dir.path());
    let xdg = dir.path().join("xdg");
    install_plugin(&xdg);

    let built = success(
        &kustomize_build(&example.join("overlays/production"), &xdg),
        "kubectl kustomize overlays/production",
    );
    let built = keyed(documents(&built, "kustomize output"), "kustomize output");

    // What the overlay says it does, applied to render's objects by hand.
    let rendered = render(&example.join("base/monitoring-stack.yaml"));
    let mut expected = keyed(documents(&rendered, "render output"), "render output");
    for object in expected.values_mut() {
        set_label(&mut object["metadata"], OVERLAY_LABEL);
        let kind = object["kind"].as_str().unwrap_or_default().to_owned();
        // `labels` with includeTemplates: pod templates and StatefulSet claim templates too;
        // with includeSelectors: false, never selectors.
        if matches!(
            kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job"
        ) {
            set_label(&mut object["spec"]["template"]["metadata"], OVERLAY_LABEL);
        }
        if kind == "StatefulSet"
            && let Some(Json::Array(claims)) = object.pointer_mut("/spec/volumeClaimTemplates")
        {
            for claim in claims {
                set_label(&mut claim["metadata"], OVERLAY_LABEL);
            }
        }
    }
    let prometheus = expected
        .values_mut()
        .find(|o| o["kind"] == "StatefulSet" && o["metadata"]["name"] == "prometheus")
        .expect("render has the prometheus StatefulSet");
    assert_eq!(
        prometheus["spec"]["volumeClaimTemplates"][0]["metadata"]["name"],
        "data"
    );
    let storage = prometheus
        .pointer_mut("/spec/volumeClaimTemplates/0/spec/resources/requests/storage")
        .expect("the claim template requests storage");
    assert_eq!(*storage, json!(BASE_STORAGE), "the base's claim size");
    *storage = json!(OVERLAY_STORAGE);

    assert_same_objects(
        &built,
        &expected,
        "kubectl kustomize overlays/production vs stackgen render + the overlay's changes",
    );
}

/// The overlay's check config is the base's config: the check holds the built stack to the
/// config it was rendered from.
#[test]
fn the_overlays_check_config_is_the_bases() {
    let read = |path: &str| {
        let text = std::fs::read_to_string(the_example().join(path)).unwrap();
        documents(&text, path)
    };
    assert_eq!(
        read("overlays/production/stackgen-check.yaml"),
        read("base/monitoring-stack.yaml")
    );
}

/// kustomize's `namespace:` over the stack moves its objects but not the addresses inside
/// them. The check at the end of the overlay fails the build, saying to set
/// `spec.namespace`; `stackgen check` says the same of the built stream; and the config
/// with `spec.namespace` set, the fix it names, passes both.
#[test]
fn an_overlay_that_moves_the_namespace_fails_with_the_fix() {
    let dir = scratch();
    let example = example_copy(dir.path());
    let xdg = dir.path().join("xdg");
    install_plugin(&xdg);
    let overlay = example.join("overlays/production");
    let kustomization = overlay.join("kustomization.yaml");
    let original = std::fs::read_to_string(&kustomization).unwrap();
    std::fs::write(&kustomization, format!("namespace: obs\n{original}")).unwrap();

    let out = kustomize_build(&overlay, &xdg);
    assert!(!out.status.success(), "the build must fail");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let fix = "Set `spec.namespace: obs` in the MonitoringStack instead";
    assert!(text(&out.stderr).contains(fix), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr)
            .contains("rendered for namespace `monitoring`, but its objects were moved to `obs`"),
        "{}",
        text(&out.stderr)
    );

    // Without the check in the overlay, the build succeeds; `stackgen check` on its output
    // is the same wiring check.
    let unchecked = original.replace("transformers:\n  - stackgen-check.yaml\n", "");
    assert_ne!(unchecked, original);
    std::fs::write(&kustomization, format!("namespace: obs\n{unchecked}")).unwrap();
    let built = success(&kustomize_build(&overlay, &xdg), "the unchecked overlay");
    let moved = dir.path().join("moved.yaml");
    std::fs::write(&moved, &built).unwrap();
    let config = overlay.join("stackgen-check.yaml");
    let out = stackgen(&[
        "check",
        "-c",
        config.to_str().unwrap(),
        moved.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains(fix), "{}", text(&out.stderr));

    // The fix: the namespace in the config, no `namespace:` in the overlay.
    let fixed = std::fs::read_to_string(&config)
        .unwrap()
        .replace("namespace: monitoring", "namespace: obs");
    std::fs::write(&config, &fixed).unwrap();
    std::fs::write(
        example.join("base/monitoring-stack.yaml"),
        std::fs::read_to_string(example.join("base/monitoring-stack.yaml"))
            .unwrap()
            .replace("namespace: monitoring", "namespace: obs"),
    )
    .unwrap();
    std::fs::write(&kustomization, &original).unwrap();
    let built = success(
        &kustomize_build(&overlay, &xdg),
        "the overlay over spec.namespace: obs",
    );
    let objects = documents(&built, "the fixed overlay");
    assert!(objects.iter().all(|o| o["kind"] == "Namespace"
        || o["metadata"].get("namespace").is_none()
        || o["metadata"]["namespace"] == "obs"));
    let fixed_stream = dir.path().join("fixed.yaml");
    std::fs::write(&fixed_stream, &built).unwrap();
    let out = stackgen(&[
        "check",
        "-c",
        config.to_str().unwrap(),
        fixed_stream.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn exec_plugin_invalid_config_fails_the_kustomize_build() {
    let dir = scratch();
    let example = example_copy(dir.path());
    let xdg = dir.path().join("xdg");
    install_plugin(&xdg);
    let config = example.join("base/monitoring-stack.yaml");
    let mut text_of_config = std::fs::read_to_string(&config).unwrap();
    text_of_config.push_str("  thanos:\n    compact:\n      replicas: 2\n");
    std::fs::write(&config, text_of_config).unwrap();

    let out = kustomize_build(&example.join("overlays/production"), &xdg);
    assert!(
        !out.status.success(),
        "kustomize accepted an invalid config"
    );
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("spec.thanos.compact.replicas"),
        "the error does not name the field:\n{stderr}"
    );
}

#[test]
fn plugin_install_links_the_binary_and_replaces_the_link() {
    let dir = scratch();
    let root = dir.path().join("plugins");
    let link = root.join("stackgen.dev/v1alpha1/monitoringstack/MonitoringStack");
    let binary = std::fs::canonicalize(stackgen_bin()).unwrap();
    let install = |command: &mut Command| {
        let out = run(command);
        let path = success(&out, "stackgen plugin install");
        assert!(
            path.ends_with('\n') && path.lines().count() == 1,
            "{path:?}"
        );
        PathBuf::from(path.trim_end())
    };
    let with_dir = || {
        let mut c = Command::new(stackgen_bin());
        c.args(["plugin", "install", "--dir"]).arg(&root);
        c
    };
    let points_at_the_binary = |link: &Path| {
        assert!(
            link.symlink_metadata().unwrap().file_type().is_symlink(),
            "{} is not a symlink",
            link.display()
        );
        assert_eq!(std::fs::read_link(link).unwrap(), binary);
    };

    assert_eq!(install(&mut with_dir()), link);
    points_at_the_binary(&link);
    // Again: the same link, no error.
    assert_eq!(install(&mut with_dir()), link);
    points_at_the_binary(&link);
    // A stale link (say, to an uninstalled build) and a plain file are replaced.
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone/stackgen"), &link).unwrap();
    assert_eq!(install(&mut with_dir()), link);
    points_at_the_binary(&link);
    std::fs::remove_file(&link).unwrap();
    std::fs::write(&link, "not a plugin").unwrap();
    assert_eq!(install(&mut with_dir()), link);
    points_at_the_binary(&link);

    // Without --dir: $XDG_CONFIG_HOME/kustomize/plugin, else ~/.config/kustomize/plugin.
    let xdg = dir.path().join("xdg");
    let home = dir.path().join("home");
    let plugin_path = "kustomize/plugin/stackgen.dev/v1alpha1/monitoringstack/MonitoringStack";
    let mut default = Command::new(stackgen_bin());
    default
        .args(["plugin", "install"])
        .env("XDG_CONFIG_HOME", &xdg)
        .env("HOME", &home);
    assert_eq!(install(&mut default), xdg.join(plugin_path));
    points_at_the_binary(&xdg.join(plugin_path));
    for xdg_value in [None, Some("")] {
        let mut fallback = Command::new(stackgen_bin());
        fallback.args(["plugin", "install"]).env("HOME", &home);
        match xdg_value {
            None => fallback.env_remove("XDG_CONFIG_HOME"),
            Some(v) => fallback.env("XDG_CONFIG_HOME", v),
        };
        let expected = home.join(".config").join(plugin_path);
        assert_eq!(install(&mut fallback), expected);
        points_at_the_binary(&expected);
    }
}

#[test]
fn plugin_invocation_exit_codes() {
    let dir = scratch();
    let plugin = install_plugin(&dir.path().join("xdg"));
    let good = the_example().join("base/monitoring-stack.yaml");
    let bad = dir.path().join("bad.yaml");
    let mut bad_text = std::fs::read_to_string(&good).unwrap();
    bad_text.push_str("  thanos:\n    compact:\n      replicas: 2\n");
    std::fs::write(&bad, bad_text).unwrap();
    let invoke = |args: &[&Path]| run(Command::new(&plugin).args(args));

    // A good config: exactly what render prints.
    let out = invoke(&[&good]);
    assert_eq!(success(&out, "the plugin"), render(&good));

    // An invalid config: exit 1, the diagnostics on stderr, nothing on stdout.
    let out = invoke(&[&bad]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("spec.thanos.compact.replicas"),
        "{}",
        text(&out.stderr)
    );

    // No argument, two arguments, an unreadable file: exit 2, nothing on stdout.
    let missing = dir.path().join("missing.yaml");
    for (args, needle) in [
        (vec![], "usage"),
        (vec![good.as_path(), good.as_path()], "usage"),
        (vec![missing.as_path()], "missing.yaml"),
    ] {
        let out = invoke(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(
            text(&out.stderr).contains(needle),
            "{args:?}: stderr does not mention {needle:?}:\n{}",
            text(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// kpt

/// `kpt fn eval PKG --exec "<stackgen> krm" --fn-config CONFIG`.
fn kpt_fn_eval(package: &Path, config: &Path) -> Output {
    let exec = format!("{} krm", stackgen_bin().display());
    assert!(
        !stackgen_bin().to_string_lossy().contains(' '),
        "kpt splits --exec on spaces; the test binary's path has one"
    );
    run(Command::new(kpt())
        .args(["fn", "eval"])
        .arg(package)
        .args(["--exec", &exec, "--fn-config"])
        .arg(config))
}

/// Removes stackgen's marker and the annotations kpt and kustomize manage; drops an
/// annotation map left empty.
fn without_tooling_annotations(mut object: Json) -> Json {
    if let Some(Json::Object(metadata)) = object.get_mut("metadata")
        && let Some(Json::Object(annotations)) = metadata.get_mut("annotations")
    {
        annotations.retain(|k, _| {
            k != GENERATED_BY
                && !k.starts_with("config.kubernetes.io/")
                && !k.starts_with("internal.config.kubernetes.io/")
                && !k.starts_with("config.k8s.io/")
        });
        if annotations.is_empty() {
            metadata.remove("annotations");
        }
    }
    object
}

/// Files of a package's own, which `kpt fn eval` must leave as they are. kpt writes back every
/// file it reads, in its own YAML style, and stackgen's function re-emits the items it keeps:
/// this one, written in the style both keep, must come back byte for byte.
const OWN_RBAC: &str = "\
# Read access for the team.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: readers
  namespace: monitoring
rules:
  - apiGroups:
      - \"\"
    resources:
      - configmaps
    verbs:
      - get
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: monitoring
";
/// … and this one, in another style (flow mapping, single quotes), must keep its objects and
/// its comments.
const OWN_DASHBOARDS: &str = "\
# The team's own dashboards, next to the stack.
apiVersion: v1
kind: ConfigMap
metadata:
  name: team-dashboards
  namespace: monitoring
  labels: {team: platform}
data:
  team.json: '{\"title\": \"Team\"}'
";
/// The files of `package_with_own_files` that must come back byte for byte.
const BYTE_EXACT: &[&str] = &["team/rbac.yaml"];

/// The package's own files after a kpt run: the same objects and comments, and the same bytes
/// for those written in the style kpt and stackgen both keep.
fn assert_own_files_kept(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    byte_exact: &[&str],
) {
    for (path, bytes) in before {
        let now = after.get(path).unwrap_or_else(|| panic!("{path} is gone"));
        let (old_text, new_text) = (text(bytes), text(now));
        assert_eq!(
            documents(&new_text, path),
            documents(&old_text, path),
            "{path}: its objects changed:\n{new_text}"
        );
        for comment in old_text
            .lines()
            .filter_map(|l| l.find('#').map(|i| &l[i..]))
        {
            assert!(
                new_text.contains(comment),
                "{path}: comment {comment:?} lost:\n{new_text}"
            );
        }
        if byte_exact.contains(&path.as_str()) {
            assert!(*now == *bytes, "{path} was rewritten:\n{new_text}");
        }
    }
}

/// A package with files of its own; returns their snapshot.
fn package_with_own_files(package: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::create_dir_all(package.join("team")).unwrap();
    std::fs::write(package.join("dashboards.yaml"), OWN_DASHBOARDS).unwrap();
    std::fs::write(package.join("team/rbac.yaml"), OWN_RBAC).unwrap();
    snapshot(package)
}

/// The objects kpt wrote under PKG/stackgen/, each file checked for its name and marker.
fn generated_files(package: &Path, stack: &str) -> BTreeMap<Key, Json> {
    let mut objects = Vec::new();
    for (path, bytes) in snapshot(package) {
        let Some(rel) = path.strip_prefix("stackgen/") else {
            continue;
        };
        let docs = documents(&text(&bytes), &path);
        assert_eq!(docs.len(), 1, "{path}: one object per file");
        let object = docs.into_iter().next().unwrap();
        let file_name = format!(
            "{}-{}.yaml",
            object["kind"].as_str().unwrap().to_lowercase(),
            object["metadata"]["name"].as_str().unwrap()
        );
        assert_eq!(
            rel.split('/').count(),
            2,
            "{path}: stackgen/<component>/<file>"
        );
        assert!(
            rel.ends_with(&format!("/{file_name}")),
            "{path}: not named {file_name}"
        );
        assert_eq!(
            object["metadata"]["annotations"][GENERATED_BY], stack,
            "{path}: the generated-by marker"
        );
        objects.push(without_tooling_annotations(object));
    }
    keyed(objects, "kpt's generated files")
}

fn render_keyed(config: &Path) -> BTreeMap<Key, Json> {
    keyed(documents(&render(config), "render output"), "render output")
}

#[test]
fn kpt_fn_eval_writes_the_stack_and_keeps_the_package() {
    let dir = scratch();
    let config = dir.path().join("monitoring-stack.yaml");
    std::fs::copy(the_example().join("base/monitoring-stack.yaml"), &config).unwrap();
    let package = dir.path().join("hydrated");
    let own = package_with_own_files(&package);

    success(&kpt_fn_eval(&package, &config), "kpt fn eval");
    let first = snapshot(&package);
    assert_own_files_kept(&own, &first, BYTE_EXACT);
    let strays: Vec<&String> = first
        .keys()
        .filter(|p| !own.contains_key(*p) && !p.starts_with("stackgen/"))
        .collect();
    assert!(strays.is_empty(), "files outside stackgen/: {strays:?}");
    assert_same_objects(
        &generated_files(&package, "prod-eu1"),
        &render_keyed(&config),
        "kpt's files vs stackgen render",
    );

    // Again: the previous run's objects are replaced by the same, byte for byte.
    success(&kpt_fn_eval(&package, &config), "kpt fn eval (again)");
    let second = snapshot(&package);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(second[path] == *bytes, "{path} differs after a second run");
    }
}

#[test]
fn kpt_fn_eval_after_a_config_change_leaves_only_the_new_stack() {
    let dir = scratch();
    let config = dir.path().join("monitoring-stack.yaml");
    let base = std::fs::read_to_string(the_example().join("base/monitoring-stack.yaml")).unwrap();
    std::fs::write(&config, &base).unwrap();
    let package = dir.path().join("hydrated");
    let own = package_with_own_files(&package);
    success(&kpt_fn_eval(&package, &config), "kpt fn eval");
    let before = generated_files(&package, "prod-eu1");
    assert!(before.keys().any(|k| k.name == "grafana"));

    // Grafana off: its objects (and their files) go, the rest is the new render.
    let changed = base.replacen("spec:\n", "spec:\n  grafana:\n    enabled: false\n", 1);
    assert_ne!(changed, base);
    std::fs::write(&config, changed).unwrap();
    success(&kpt_fn_eval(&package, &config), "kpt fn eval (grafana off)");
    let after = generated_files(&package, "prod-eu1");
    assert!(after.len() < before.len(), "nothing was removed");
    assert_same_objects(
        &after,
        &render_keyed(&config),
        "kpt's files vs the new render",
    );
    assert_own_files_kept(&own, &snapshot(&package), BYTE_EXACT);
}

#[test]
fn kpt_fn_eval_with_the_config_inside_the_package_keeps_it() {
    let dir = scratch();
    let package = dir.path().join("pkg");
    package_with_own_files(&package);
    let config = package.join("monitoring-stack.yaml");
    std::fs::copy(the_example().join("base/monitoring-stack.yaml"), &config).unwrap();
    let own = snapshot(&package);

    success(&kpt_fn_eval(&package, &config), "kpt fn eval");
    let mut byte_exact = BYTE_EXACT.to_vec();
    byte_exact.push("monitoring-stack.yaml");
    assert_own_files_kept(&own, &snapshot(&package), &byte_exact);
    assert_same_objects(
        &generated_files(&package, "prod-eu1"),
        &render_keyed(&config),
        "kpt's files vs stackgen render",
    );
}

#[test]
fn kpt_fn_eval_refuses_an_invalid_config_and_writes_nothing() {
    let dir = scratch();
    let good = dir.path().join("good.yaml");
    std::fs::copy(the_example().join("base/monitoring-stack.yaml"), &good).unwrap();
    let bad = dir.path().join("bad.yaml");
    let mut bad_text = std::fs::read_to_string(&good).unwrap();
    bad_text.push_str("  thanos:\n    compact:\n      replicas: 2\n");
    std::fs::write(&bad, bad_text).unwrap();

    // A fresh package: nothing generated, its own files untouched.
    let fresh = dir.path().join("fresh");
    let own = package_with_own_files(&fresh);
    let out = kpt_fn_eval(&fresh, &bad);
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !out.status.success(),
        "kpt accepted an invalid config:\n{said}"
    );
    assert!(
        said.contains("spec.thanos.compact.replicas"),
        "kpt's output does not name the field:\n{said}"
    );
    assert!(snapshot(&fresh) == own, "a failed run changed the package");

    // A package generated earlier keeps what it had.
    let hydrated = dir.path().join("hydrated");
    package_with_own_files(&hydrated);
    success(&kpt_fn_eval(&hydrated, &good), "kpt fn eval (good config)");
    let before = snapshot(&hydrated);
    let out = kpt_fn_eval(&hydrated, &bad);
    assert!(!out.status.success());
    assert!(
        snapshot(&hydrated) == before,
        "a failed run changed the package"
    );
}

// ---------------------------------------------------------------------------------------------
// ResourceList fixtures

/// Runs one fixture; `Err` says what is wrong.
fn check_fixture(name: &str, dir: &Path, scratch: &Path) -> Result<(), String> {
    macro_rules! ensure {
        ($cond:expr, $($fmt:tt)+) => {
            if !$cond {
                return Err(format!($($fmt)+));
            }
        };
    }
    let input_text = std::fs::read_to_string(dir.join(format!("{name}.input.yaml")))
        .map_err(|e| e.to_string())?;
    let expected_text = std::fs::read_to_string(dir.join(format!("{name}.expected.yaml")))
        .map_err(|e| format!("no {name}.expected.yaml: {e}"))?;
    let input: Json = serde_saphyr::from_str(&input_text).map_err(|e| e.to_string())?;
    let expected: Json = serde_saphyr::from_str(&expected_text).map_err(|e| e.to_string())?;
    let input_items = input["items"].as_array().cloned().unwrap_or_default();

    let mut child = Command::new(stackgen_bin())
        .arg("krm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input_text.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = text(&out.stdout);
    let stderr = text(&out.stderr);

    let code = expected["exitCode"].as_i64().ok_or("expected.exitCode")?;
    ensure!(
        out.status.code() == Some(code as i32),
        "exit {:?}, expected {code}; stderr:\n{stderr}",
        out.status.code()
    );

    // stdout: one document, the ResourceList, and nothing else.
    let docs = serde_saphyr::from_multiple::<Json>(&stdout)
        .map_err(|e| format!("stdout is not YAML: {e}\n{stdout}"))?;
    ensure!(docs.len() == 1, "stdout holds {} documents", docs.len());
    let list = &docs[0];
    ensure!(
        list["apiVersion"] == "config.kubernetes.io/v1" && list["kind"] == "ResourceList",
        "stdout is not a config.kubernetes.io/v1 ResourceList"
    );
    let items = list["items"]
        .as_array()
        .ok_or("the output has no items list")?;

    // Results: exactly the expected ones, in order, each also on stderr.
    let results = list["results"].as_array().cloned().unwrap_or_default();
    let wanted = expected["results"].as_array().cloned().unwrap_or_default();
    ensure!(
        results.len() == wanted.len(),
        "{} results, expected {}: {}",
        results.len(),
        wanted.len(),
        Json::Array(results.clone())
    );
    for (i, (got, want)) in results.iter().zip(&wanted).enumerate() {
        ensure!(
            got["severity"] == want["severity"],
            "result {i}: severity {}, expected {}",
            got["severity"],
            want["severity"]
        );
        ensure!(
            got.pointer("/field/path") == want.get("field"),
            "result {i}: field.path {:?}, expected {:?}",
            got.pointer("/field/path"),
            want.get("field")
        );
        let message = got["message"].as_str().unwrap_or_default();
        let needle = want["message"]
            .as_str()
            .ok_or("expected result without message")?;
        ensure!(
            message.contains(needle),
            "result {i}: message {message:?} lacks {needle:?}"
        );
        let line = format!(
            "{}: {message}",
            got["severity"].as_str().unwrap_or_default()
        );
        ensure!(stderr.contains(&line), "stderr lacks {line:?}:\n{stderr}");
    }

    // Kept items first, unchanged, in order.
    let kept: Vec<usize> = expected["keptItems"]
        .as_array()
        .ok_or("expected.keptItems")?
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect();
    ensure!(items.len() >= kept.len(), "only {} items", items.len());
    for (position, &index) in kept.iter().enumerate() {
        let original = input_items.get(index).ok_or(format!(
            "keptItems names input item {index}, which does not exist"
        ))?;
        if let Some(d) = first_difference(&items[position], original, "") {
            return Err(format!(
                "output item {position} is not input item {index} unchanged: {d}"
            ));
        }
    }
    let generated = &items[kept.len()..];

    let Some(stack) = expected["generatedBy"].as_str() else {
        ensure!(
            generated.is_empty(),
            "{} items beyond the kept ones, expected none",
            generated.len()
        );
        return Ok(());
    };

    // Generated items: marked, and without their marks exactly what render prints.
    let config = scratch.join(format!("{name}.config.json"));
    std::fs::write(&config, input["functionConfig"].to_string()).map_err(|e| e.to_string())?;
    let rendered = documents(&render(&config), "render output");
    ensure!(
        generated.len() == rendered.len(),
        "{} generated items, render prints {}",
        generated.len(),
        rendered.len()
    );
    for (i, (item, want)) in generated.iter().zip(&rendered).enumerate() {
        let annotations = &item["metadata"]["annotations"];
        ensure!(
            annotations[GENERATED_BY] == stack,
            "generated item {i}: {GENERATED_BY} is {}",
            annotations[GENERATED_BY]
        );
        let path = annotations[PATH_ANNOTATION].as_str().unwrap_or_default();
        let file = format!(
            "{}-{}.yaml",
            item["kind"].as_str().unwrap_or_default().to_lowercase(),
            item["metadata"]["name"].as_str().unwrap_or_default()
        );
        let parts: Vec<&str> = path.split('/').collect();
        ensure!(
            parts.len() == 3 && parts[0] == "stackgen" && !parts[1].is_empty() && parts[2] == file,
            "generated item {i}: path annotation {path:?}, expected stackgen/<component>/{file}"
        );
        let mut bare = item.clone();
        let annotations = bare["metadata"]["annotations"].as_object_mut().unwrap();
        annotations.remove(GENERATED_BY);
        annotations.remove(PATH_ANNOTATION);
        if annotations.is_empty() {
            bare["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("annotations");
        }
        if let Some(d) = first_difference(&bare, want, "") {
            return Err(format!("generated item {i} differs from render's: {d}"));
        }
    }
    // Every identity once: earlier generated objects were replaced, not duplicated.
    let mut seen = std::collections::BTreeSet::new();
    for item in items {
        ensure!(
            seen.insert(Key::of(item)),
            "{:?} twice in the output",
            Key::of(item)
        );
    }
    Ok(())
}

#[test]
fn krm_fixtures() {
    let dir = repo().join("tests/krm");
    let work = scratch();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".input.yaml").map(str::to_owned)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 9, "only {} fixtures: {names:?}", names.len());
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| {
            check_fixture(name, &dir, work.path())
                .err()
                .map(|e| format!("tests/krm/{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------------------------------------
// Argo CD

fn yaml_file(path: &Path) -> Json {
    let docs = documents(
        &std::fs::read_to_string(path).unwrap(),
        &path.display().to_string(),
    );
    assert_eq!(docs.len(), 1, "{}: one document", path.display());
    docs.into_iter().next().unwrap()
}

#[test]
fn argocd_example_parses_and_its_generate_command_renders_the_stack() {
    let example = repo().join("examples/argocd");
    // Every YAML file parses.
    for (path, bytes) in snapshot(&example) {
        if path.ends_with(".yaml") {
            assert!(
                !documents(&text(&bytes), &path).is_empty(),
                "{path} is empty"
            );
        }
    }
    let plugin = yaml_file(&example.join("plugin.yaml"));
    assert_eq!(plugin["apiVersion"], "argoproj.io/v1alpha1");
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    let config_name = plugin["spec"]["discover"]["fileName"].as_str().unwrap();
    assert!(
        !config_name.contains(['*', '?', '[']),
        "this test reads discover.fileName as a plain name"
    );

    // The ApplicationSet: its git files generator finds the example's config, and each
    // Application it makes renders that config's directory with the plugin, on the cluster
    // named after the stack.
    let set = yaml_file(&example.join("applicationset.yaml"));
    assert_eq!(set["kind"], "ApplicationSet");
    assert_eq!(set["spec"]["goTemplate"], true);
    let pattern = set["spec"]["generators"][0]["git"]["files"][0]["path"]
        .as_str()
        .unwrap();
    let (dir_glob, file) = pattern.rsplit_once('/').unwrap();
    assert_eq!(
        file, config_name,
        "the generator finds the configs the plugin renders"
    );
    let (parent, star) = dir_glob.rsplit_once('/').unwrap();
    assert_eq!(star, "*");
    let found: Vec<_> = std::fs::read_dir(example.join(parent))
        .unwrap()
        .map(|e| e.unwrap().path().join(file))
        .filter(|p| p.is_file())
        .collect();
    assert!(
        !found.is_empty(),
        "{pattern} finds no config in the example"
    );
    let template = &set["spec"]["template"];
    assert_eq!(
        template["spec"]["source"]["plugin"]["name"],
        plugin["metadata"]["name"]
    );
    assert_eq!(template["spec"]["source"]["path"], "{{ .path.path }}");
    for config in &found {
        // The parameters the generator reads from the file exist in it.
        let stack = yaml_file(config);
        assert!(
            stack["metadata"]["name"].is_string(),
            "{}",
            config.display()
        );
        assert_eq!(
            template["spec"]["destination"]["name"],
            "{{ .metadata.name }}"
        );
    }

    let app = yaml_file(&example.join("application.yaml"));
    assert_eq!(app["kind"], "Application");
    let plugin_name = match plugin["spec"]["version"].as_str() {
        Some(version) => format!("{}-{version}", plugin["metadata"]["name"].as_str().unwrap()),
        None => plugin["metadata"]["name"].as_str().unwrap().to_owned(),
    };
    assert_eq!(app["spec"]["source"]["plugin"]["name"], json!(plugin_name));
    let source = example.join(app["spec"]["source"]["path"].as_str().unwrap());
    let config = source.join(config_name);
    assert!(config.is_file(), "{} is missing", config.display());

    // The generate command, run as the CMP server does: in a copy of the source directory,
    // with `stackgen` found on PATH.
    let dir = scratch();
    let work = dir.path().join("src");
    copy_tree(&source, &work);
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(stackgen_bin(), bin.join("stackgen")).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let argv: Vec<String> = plugin["spec"]["generate"]["command"]
        .as_array()
        .unwrap()
        .iter()
        .chain(
            plugin["spec"]["generate"]["args"]
                .as_array()
                .into_iter()
                .flatten(),
        )
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    let out = run(Command::new(&argv[0])
        .args(&argv[1..])
        .current_dir(&work)
        .env("PATH", path));
    assert_eq!(
        success(&out, "the plugin's generate command"),
        render(&config)
    );
}

/// Argo CD's install manifests are remote: a stand-in repo server with the volumes the real
/// one has (`var-files`, `plugins`, its own `tmp`).
const REPO_SERVER_STAND_IN: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: argocd-repo-server
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: argocd-repo-server}
  template:
    metadata:
      labels: {app.kubernetes.io/name: argocd-repo-server}
    spec:
      containers:
        - name: argocd-repo-server
          image: argocd
          volumeMounts:
            - {name: var-files, mountPath: /var/run/argocd}
            - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
            - {name: tmp, mountPath: /tmp}
      volumes:
        - {name: var-files, emptyDir: {}}
        - {name: plugins, emptyDir: {}}
        - {name: tmp, emptyDir: {}}
";

#[test]
fn argocd_example_kustomization_adds_the_sidecar_and_its_config() {
    let dir = scratch();
    let copy = dir.path().join("argocd");
    copy_tree(&repo().join("examples/argocd"), &copy);
    std::fs::write(copy.join("install-stand-in.yaml"), REPO_SERVER_STAND_IN).unwrap();
    let mut kustomization = yaml_file(&copy.join("kustomization.yaml"));
    let resources = kustomization["resources"].as_array().unwrap();
    assert!(
        resources.len() == 1
            && resources[0]
                .as_str()
                .unwrap()
                .ends_with("/manifests/install.yaml"),
        "expected Argo CD's install.yaml as the only resource: {resources:?}"
    );
    kustomization["resources"] = json!(["install-stand-in.yaml"]);
    std::fs::write(copy.join("kustomization.yaml"), kustomization.to_string()).unwrap();

    let built = success(
        &run(Command::new(kubectl()).arg("kustomize").arg(&copy)),
        "kubectl kustomize examples/argocd",
    );
    let objects = documents(&built, "kustomize output");
    let config_map = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("the plugin's ConfigMap");
    assert_eq!(
        config_map["data"]["plugin.yaml"],
        json!(std::fs::read_to_string(copy.join("plugin.yaml")).unwrap()),
        "the ConfigMap holds plugin.yaml as it is"
    );
    let deployment = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("argocd-repo-server");
    assert_eq!(deployment["metadata"]["namespace"], "argocd");
    assert_eq!(config_map["metadata"]["namespace"], "argocd");
    let pod = &deployment["spec"]["template"]["spec"];
    let containers = pod["containers"].as_array().unwrap();
    assert!(containers.iter().any(|c| c["name"] == "argocd-repo-server"));
    let sidecar = containers
        .iter()
        .find(|c| c["name"] != "argocd-repo-server")
        .expect("the sidecar");
    assert_eq!(
        sidecar["command"],
        json!(["/var/run/argocd/argocd-cmp-server"])
    );
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    let volumes = pod["volumes"].as_array().unwrap();
    let volume = |name: &Json| {
        volumes
            .iter()
            .find(|v| v["name"] == *name)
            .unwrap_or_else(|| panic!("no volume {name}"))
    };
    let mount = |path: &str| {
        sidecar["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mountPath"] == path)
            .unwrap_or_else(|| panic!("the sidecar does not mount {path}"))
    };
    let config = mount("/home/argocd/cmp-server/config/plugin.yaml");
    assert_eq!(config["subPath"], "plugin.yaml");
    assert_eq!(
        volume(&config["name"])["configMap"]["name"],
        config_map["metadata"]["name"],
        "the sidecar mounts the generated ConfigMap"
    );
    assert_eq!(mount("/var/run/argocd")["name"], "var-files");
    assert_eq!(mount("/home/argocd/cmp-server/plugins")["name"], "plugins");
    let tmp = mount("/tmp");
    assert_ne!(
        tmp["name"], "tmp",
        "the sidecar must not share the repo server's /tmp"
    );
    assert!(volume(&tmp["name"]).get("emptyDir").is_some());
}
