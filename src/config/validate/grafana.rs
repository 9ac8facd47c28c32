//! Grafana: its dashboards (each listed once, each with the exporter it reads) and its
//! state (users, sessions, settings), which lives in a database.

use std::collections::{BTreeMap, BTreeSet};

use super::Findings;
use super::dashboards;
use crate::config::facts::Ui;
use crate::config::model::{
    BUILT_IN_FOLDER, BUILT_IN_UID_PREFIX, Dashboard, DashboardFiles, OrgRole, Spec,
};

/// A ConfigMap holds at most 1 MiB of data; the key and the object's metadata take a little.
const CONFIG_MAP_DATA_LIMIT: usize = (1 << 20) - 4096;
/// `kubectl apply` (client side) copies an object into its `last-applied-configuration`
/// annotation, and annotations hold at most 256 KiB.
const CLIENT_SIDE_APPLY_LIMIT: usize = 256 << 10;

pub(super) fn dashboards_have_data(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    let mut seen = BTreeSet::new();
    for (i, dashboard) in g.dashboards.iter().enumerate() {
        if !seen.insert(dashboard) {
            f.error(
                &format!("spec.grafana.dashboards[{i}]"),
                format!("`{dashboard:?}` is listed twice").to_lowercase(),
                "list each dashboard once",
            );
        }
    }
    if seen.contains(&Dashboard::Nodes) && !spec.node_exporter.enabled {
        f.warn(
            "spec.grafana.dashboards",
            "the `nodes` dashboard reads node-exporter, which is off".to_owned(),
            "turn `nodeExporter.enabled` on, or drop the dashboard",
        );
    }
    if seen.contains(&Dashboard::Cluster) && !spec.kube_state_metrics.enabled {
        f.warn(
            "spec.grafana.dashboards",
            "the `cluster` dashboard reads kube-state-metrics, which is off".to_owned(),
            "turn `kubeStateMetrics.enabled` on, or drop the dashboard",
        );
    }
}

/// The user's dashboards: each file a dashboard that passes the checks the built-in ones
/// pass, with uids unique across Grafana, titles unique in their folder, and a ConfigMap
/// of its own that fits.
pub(super) fn dashboard_files_are_dashboards(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    let mut uids: BTreeMap<String, String> = BTreeMap::new();
    let mut titles: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut config_maps: BTreeMap<String, String> = BTreeMap::new();
    let mut dirs: BTreeMap<String, &str> = BTreeMap::new();
    for (i, entry) in g.dashboard_files.iter().enumerate() {
        let at = format!("spec.grafana.dashboardFiles[{i}]");
        let path = format!("{at}.path");
        if entry.folder.trim() == BUILT_IN_FOLDER {
            f.error(
                &format!("{at}.folder"),
                format!("`{BUILT_IN_FOLDER}` is the folder of stackgen's built-in dashboards"),
                "name another folder",
            );
        }
        let dir = DashboardFiles::folder_slug(&entry.folder);
        match dirs.get(&dir) {
            Some(other) if *other != entry.folder => f.error(
                &format!("{at}.folder"),
                format!(
                    "`{}` and `{other}` would share the directory and ConfigMap names `{dir}`",
                    entry.folder
                ),
                "name folders apart by more than case and punctuation",
            ),
            _ => {
                dirs.insert(dir, &entry.folder);
            }
        }
        for file in &entry.path.files {
            let name = &file.name;
            let checked = dashboards::check(&file.text);
            for problem in &checked.problems {
                f.error(
                    &path,
                    format!("`{name}` {}", problem_text(problem)),
                    "a dashboard reads the datasource `DS_PROMETHEUS` (Thanos Query) and its queries are PromQL",
                );
            }
            let size = file.text.len();
            if size > CONFIG_MAP_DATA_LIMIT {
                f.error(
                    &path,
                    format!("`{name}` is {size} bytes, more than a ConfigMap holds (1 MiB)"),
                    "split the dashboard in two",
                );
            } else if size > CLIENT_SIDE_APPLY_LIMIT {
                f.warn(
                    &path,
                    format!("`{name}` is {size} bytes: `kubectl apply` without `--server-side` cannot store it in its last-applied annotation (256 KiB)"),
                    "apply with `kubectl apply --server-side`, or with Argo CD or Flux, which do",
                );
            }
            let config_map = DashboardFiles::config_map(&entry.folder, name);
            if let Some(other) = config_maps.insert(config_map.clone(), name.clone()) {
                f.error(
                    &path,
                    format!("`{name}` and `{other}` in folder `{}` would both ship as ConfigMap `{config_map}`", entry.folder),
                    "rename one of the files",
                );
            }
            match &checked.uid {
                Some(uid) => {
                    if !valid_uid(uid) {
                        f.error(
                            &path,
                            format!("`{name}` has uid `{uid}`, but Grafana takes at most 40 letters, digits, `-` and `_`"),
                            "shorten the uid",
                        );
                    } else if uid.starts_with(BUILT_IN_UID_PREFIX) {
                        f.error(
                            &path,
                            format!("`{name}` has uid `{uid}`: uids starting `{BUILT_IN_UID_PREFIX}` are the built-in dashboards'"),
                            "choose another uid",
                        );
                    }
                    if let Some(other) = uids.insert(uid.clone(), name.clone()) {
                        f.error(
                            &path,
                            format!("`{name}` has uid `{uid}`, as `{other}` has: Grafana keeps one dashboard per uid"),
                            "give each dashboard its own uid",
                        );
                    }
                }
                None => f.warn(
                    &path,
                    format!("`{name}` has no `uid`, so Grafana makes one up, and links to the dashboard break whenever its database is new"),
                    "set a `uid` (at most 40 letters, digits, `-` and `_`)",
                ),
            }
            if let Some(title) = &checked.title {
                let key = (entry.folder.clone(), title.clone());
                if let Some(other) = titles.insert(key, name.clone()) {
                    f.error(
                        &path,
                        format!("`{name}` has title `{title}`, as `{other}` in folder `{}` has: Grafana refuses the second", entry.folder),
                        "give dashboards in one folder different titles",
                    );
                }
            }
        }
    }
}

/// A problem as the checker words it, after the file's name.
fn problem_text(problem: &str) -> String {
    if problem.starts_with("is ") || problem.starts_with("has ") {
        problem.to_owned()
    } else {
        format!("at {problem}")
    }
}

fn valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= 40
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Plugins: each once, and pinned, or each restart may install a newer one.
pub(super) fn plugins_are_pinned(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    let mut seen = BTreeSet::new();
    for (i, plugin) in g.plugins.iter().enumerate() {
        let at = format!("spec.grafana.plugins[{i}]");
        if !seen.insert(plugin.id()) {
            f.error(
                &at,
                format!("plugin `{}` is listed twice", plugin.id()),
                "list each plugin once",
            );
        } else if !plugin.is_pinned() {
            f.warn(
                &at,
                format!("`{plugin}` names no version, so each pod start installs the newest one"),
                format!("pin it, as `{plugin}@<version>` (grafana.com lists the versions)"),
            );
        }
    }
}

/// Logins: someone can always log in, OAuth redirects come back to where Grafana is
/// reached, and anonymous visitors see without changing anything.
pub(super) fn grafana_logins_work(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    let s = &g.settings;
    let base = "spec.grafana.settings";
    if s.auth.disable_login_form && s.auth.generic_oauth.is_none() {
        f.error(
            &format!("{base}.auth.disableLoginForm"),
            "hides the login form, but no single sign-on is configured, so nobody can log in"
                .to_owned(),
            "configure `auth.genericOauth`, or leave the form on",
        );
    }
    let anonymous = &s.auth.anonymous;
    if anonymous.enabled {
        if anonymous.org_role != OrgRole::Viewer {
            f.error(
                &format!("{base}.auth.anonymous.orgRole"),
                format!(
                    "gives every anonymous visitor the role `{}`",
                    anonymous.org_role.as_str()
                ),
                "anonymous visitors may only view: set `orgRole: Viewer`",
            );
        } else {
            let reach = if spec.exposes(Ui::Grafana) {
                format!(" at grafana.{}", spec.domain)
            } else {
                String::new()
            };
            f.warn(
                &format!("{base}.auth.anonymous.enabled"),
                format!("lets anyone who reaches Grafana{reach} see every dashboard without logging in"),
                "leave anonymous access off unless the network in front of Grafana decides who reaches it",
            );
        }
    }
    if s.users.allow_sign_up {
        f.warn(
            &format!("{base}.users.allowSignUp"),
            "lets anyone who reaches Grafana create an account".to_owned(),
            "invite users instead, or let `auth.genericOauth.allowSignUp` create them on first login",
        );
    }
    let Some(oauth) = &s.auth.generic_oauth else {
        return;
    };
    let at = format!("{base}.auth.genericOauth");
    if s.server.root_url.is_none() && !spec.exposes(Ui::Grafana) {
        f.error(
            &at,
            "needs the address users reach Grafana at, for the redirect back from the provider, but Grafana is not exposed".to_owned(),
            "set `settings.server.rootUrl`, or expose Grafana (`ingress.expose.grafana`)",
        );
    }
    for (i, scope) in oauth.scopes.iter().enumerate() {
        if scope.is_empty() || scope.contains(|c: char| c.is_whitespace() || c == ',') {
            f.error(
                &format!("{at}.scopes[{i}]"),
                format!("`{scope}` is not one scope"),
                "list each scope on its own, without spaces or commas",
            );
        }
    }
    for (key, url) in [
        ("authUrl", Some(&oauth.auth_url)),
        ("tokenUrl", Some(&oauth.token_url)),
        ("apiUrl", oauth.api_url.as_ref()),
    ] {
        if let Some(url) = url
            && url.as_str().starts_with("http://")
        {
            f.warn(
                &format!("{at}.{key}"),
                format!("`{url}` is plain HTTP: codes and tokens cross the network readable"),
                "use the provider's `https://` endpoint",
            );
        }
    }
}

/// Each replica keeps its own SQLite database unless a shared one is configured, so
/// sessions flap between pods; and without an admin Secret Grafana starts as admin/admin.
pub(super) fn grafana_keeps_its_state(spec: &Spec, f: &mut Findings) {
    let g = &spec.grafana;
    if !g.enabled {
        return;
    }
    if g.replicas > 1 && g.database.is_none() {
        f.error(
            "spec.grafana.replicas",
            format!("is {}, but each replica would keep its own SQLite database", g.replicas),
            "logins and settings would differ from pod to pod: set `grafana.database.urlSecret` to a shared MySQL or PostgreSQL, or run 1 replica",
        );
    }
    if g.replicas > 1 && g.storage.persistent {
        f.error(
            "spec.grafana.storage.persistent",
            format!(
                "cannot serve {} replicas: the claim is ReadWriteOnce",
                g.replicas
            ),
            "with a shared `database` no volume is needed: set `persistent: false`",
        );
    }
    if g.admin_secret.is_none() {
        let lost = if g.database.is_none() && !g.storage.persistent {
            "; a password changed in the UI is forgotten on restart"
        } else {
            ""
        };
        f.warn(
            "spec.grafana.adminSecret",
            format!("is unset, so Grafana starts with the login admin/admin{lost}"),
            "create a Secret with keys `admin-user` and `admin-password` and name it here",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{all, diagnostics, doc, expect, passes, rejects, warns};
    use crate::config::{Document, Inputs, Loaded, Rejected};
    use crate::diagnostic::Severity;

    const BOARD: &str = r#"{"title": "Team A / Requests", "uid": "team-a-requests", "panels": [
        {"title": "Rate", "datasource": {"type": "prometheus", "uid": "DS_PROMETHEUS"},
         "targets": [{"expr": "sum by (job) (rate(http_requests_total{job=~\"$job\"}[$__rate_interval]))"}]}]}"#;

    /// Loads a config whose `spec` is `body`, its files read from a folder holding `files`.
    fn with_files(body: &str, files: &[(&str, &str)]) -> Result<Loaded, Rejected> {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        crate::config::load(&Inputs {
            documents: vec![Document {
                name: "t.yaml".into(),
                text: doc(body),
            }],
            file_root: Some(dir.path().to_path_buf()),
            ..Inputs::default()
        })
    }

    #[test]
    fn dashboards_are_read_from_a_directory_into_their_folder() {
        let loaded = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: boards}]}",
            &[
                ("boards/requests.json", BOARD),
                ("boards/notes.md", "not a dashboard"),
            ],
        )
        .expect("loads");
        let entry = &loaded.config.spec.grafana.dashboard_files[0];
        assert_eq!(entry.path.files.len(), 1);
        assert_eq!(entry.path.files[0].name, "requests.json");
    }

    #[test]
    fn a_dashboard_reading_another_datasource_is_refused_naming_file_and_panel() {
        let other = BOARD.replace(
            "\"uid\": \"DS_PROMETHEUS\"",
            "\"uid\": \"P1809F7CD0C75ACF3\"",
        );
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: boards}]}",
            &[("boards/requests.json", &other)],
        );
        let d = expect(
            &all(&result),
            Severity::Error,
            "spec.grafana.dashboardFiles[0].path",
            "`requests.json` at panel `Rate`: datasource `P1809F7CD0C75ACF3` is not the provisioned one",
        );
        assert!(d.message.contains("DS_PROMETHEUS"), "{}", d.message);
    }

    #[test]
    fn a_dashboard_query_that_does_not_parse_is_refused() {
        let broken = BOARD.replace("[$__rate_interval]))", "[$__rate_interval])");
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: one.json}]}",
            &[("one.json", &broken)],
        );
        expect(
            &all(&result),
            Severity::Error,
            "spec.grafana.dashboardFiles[0].path",
            "at panel `Rate`: query `sum by (job)",
        );
    }

    #[test]
    fn dashboards_need_json_a_title_and_unique_uids_and_titles() {
        let second = BOARD.replace("team-a-requests\"", "team-a-other\"");
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: a}, {folder: Team B, path: b}]}",
            &[
                ("a/one.json", BOARD),
                ("a/two.json", &second),
                ("b/one.json", BOARD),
                ("b/broken.json", "{\"title\": "),
                ("b/untitled.json", "{\"uid\": \"x\"}"),
            ],
        );
        let ds = all(&result);
        let at = |i: usize| -> Vec<String> {
            ds.iter()
                .filter(|d| {
                    d.path.as_deref() == Some(&format!("spec.grafana.dashboardFiles[{i}].path"))
                })
                .map(|d| d.message.clone())
                .collect()
        };
        let a = at(0);
        assert_eq!(a.len(), 1, "{a:?}");
        assert!(
            a[0].contains(
                "`two.json` has title `Team A / Requests`, as `one.json` in folder `Team A` has"
            ),
            "{a:?}"
        );
        let b = at(1);
        assert!(
            b.iter()
                .any(|m| m.contains("`broken.json` is not valid JSON")),
            "{b:?}"
        );
        assert!(
            b.iter()
                .any(|m| m.contains("`untitled.json` has no `title`")),
            "{b:?}"
        );
        assert!(
            b.iter()
                .any(|m| m.contains("`one.json` has uid `team-a-requests`, as `one.json` has")),
            "{b:?}"
        );
    }

    #[test]
    fn a_dashboard_without_a_uid_is_warned_about() {
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: one.json}]}",
            &[(
                "one.json",
                &BOARD.replace("\"uid\": \"team-a-requests\", ", ""),
            )],
        );
        assert!(result.is_ok());
        expect(
            &all(&result),
            Severity::Warning,
            "spec.grafana.dashboardFiles[0].path",
            "has no `uid`",
        );
    }

    #[test]
    fn built_in_uids_and_folder_are_stackgens() {
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Kubernetes, path: one.json}]}",
            &[(
                "one.json",
                &BOARD.replace("team-a-requests", "stackgen-k8s-cluster"),
            )],
        );
        let ds = all(&result);
        expect(
            &ds,
            Severity::Error,
            "spec.grafana.dashboardFiles[0].folder",
            "the folder of stackgen's built-in dashboards",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.grafana.dashboardFiles[0].path",
            "uids starting `stackgen-` are the built-in dashboards'",
        );
    }

    #[test]
    fn folders_that_would_share_a_directory_are_refused() {
        let second = BOARD.replace("team-a-requests", "team-a-2");
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: one.json}, {folder: team-a, path: two.json}]}",
            &[("one.json", BOARD), ("two.json", &second)],
        );
        expect(
            &all(&result),
            Severity::Error,
            "spec.grafana.dashboardFiles[1].folder",
            "would share the directory",
        );
    }

    #[test]
    fn a_missing_dashboard_directory_is_refused_at_its_reference() {
        let result = with_files(
            "grafana: {dashboardFiles: [{folder: Team A, path: nowhere}]}",
            &[],
        );
        expect(
            &all(&result),
            Severity::Error,
            "spec.grafana.dashboardFiles[0].path",
            "cannot read `nowhere`",
        );
    }

    #[test]
    fn plugins_are_checked_and_pinning_is_asked_for() {
        rejects(
            "grafana: {plugins: [grafana-clock-panel@2.1.8, grafana-clock-panel]}",
            "spec.grafana.plugins[1]",
            "plugin `grafana-clock-panel` is listed twice",
        );
        warns(
            "grafana: {plugins: [grafana-clock-panel]}",
            "spec.grafana.plugins[0]",
            "names no version",
        );
        passes(
            "grafana: {plugins: [grafana-clock-panel@2.1.8]}",
            "spec.grafana.plugins[0]",
        );
        let ds = diagnostics("grafana: {plugins: ['Clock Panel', 'x@latest']}");
        expect(
            &ds,
            Severity::Error,
            "spec.grafana.plugins[0]",
            "`Clock Panel` is malformed",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.grafana.plugins[1]",
            "`x@latest` is malformed",
        );
    }

    #[test]
    fn unknown_grafana_settings_are_refused() {
        rejects(
            "grafana: {settings: {auth: {disable_login_form: true}}}",
            "spec.grafana.settings.auth.disable_login_form",
            "unknown field",
        );
        rejects(
            "grafana: {settings: {security: {admin_password: x}}}",
            "spec.grafana.settings.security",
            "unknown field",
        );
    }

    const OAUTH: &str = "genericOauth: {clientId: grafana, clientSecret: {name: grafana-oauth, key: client-secret}, authUrl: 'https://sso.example.com/authorize', tokenUrl: 'https://sso.example.com/token'}";

    #[test]
    fn a_hidden_login_form_needs_single_sign_on() {
        rejects(
            "grafana: {settings: {auth: {disableLoginForm: true}}}",
            "spec.grafana.settings.auth.disableLoginForm",
            "nobody can log in",
        );
        passes(
            &format!("grafana: {{settings: {{auth: {{disableLoginForm: true, {OAUTH}}}}}}}"),
            "spec.grafana.settings.auth.disableLoginForm",
        );
    }

    #[test]
    fn oauth_needs_the_address_users_reach_grafana_at() {
        rejects(
            &format!(
                "{{grafana: {{settings: {{auth: {{{OAUTH}}}}}}}, ingress: {{expose: {{grafana: false}}}}}}"
            ),
            "spec.grafana.settings.auth.genericOauth",
            "Grafana is not exposed",
        );
        passes(
            &format!(
                "{{grafana: {{settings: {{server: {{rootUrl: 'https://grafana.internal/'}}, auth: {{{OAUTH}}}}}}}, ingress: {{expose: {{grafana: false}}}}}}"
            ),
            "spec.grafana.settings.auth.genericOauth",
        );
    }

    #[test]
    fn anonymous_visitors_may_only_view() {
        rejects(
            "grafana: {settings: {auth: {anonymous: {enabled: true, orgRole: Admin}}}}",
            "spec.grafana.settings.auth.anonymous.orgRole",
            "gives every anonymous visitor the role `Admin`",
        );
        warns(
            "grafana: {settings: {auth: {anonymous: {enabled: true}}}}",
            "spec.grafana.settings.auth.anonymous.enabled",
            "see every dashboard without logging in",
        );
    }

    #[test]
    fn several_grafana_replicas_need_a_shared_database() {
        rejects(
            "grafana: {replicas: 2, adminSecret: admin}",
            "spec.grafana.replicas",
            "each replica would keep its own SQLite database",
        );
        passes(
            "grafana: {replicas: 2, adminSecret: admin, database: {urlSecret: {name: grafana-db, key: url}}}",
            "spec.grafana.replicas",
        );
    }

    #[test]
    fn a_grafana_volume_serves_one_replica() {
        rejects(
            "grafana: {replicas: 2, adminSecret: admin, storage: {persistent: true}, database: {urlSecret: {name: db, key: url}}}",
            "spec.grafana.storage.persistent",
            "the claim is ReadWriteOnce",
        );
    }

    #[test]
    fn grafana_without_an_admin_secret_is_warned_about() {
        warns(
            "grafana: {adminSecret: null}",
            "spec.grafana.adminSecret",
            "starts with the login admin/admin; a password changed in the UI is forgotten",
        );
        warns(
            "grafana: {adminSecret: null, storage: {persistent: true}}",
            "spec.grafana.adminSecret",
            "starts with the login admin/admin",
        );
    }

    #[test]
    fn dashboards_must_be_unique() {
        rejects(
            "grafana: {dashboards: [cluster, nodes, cluster]}",
            "spec.grafana.dashboards[2]",
            "`cluster` is listed twice",
        );
    }

    #[test]
    fn nodes_dashboard_without_node_exporter_is_warned_about() {
        warns(
            "{grafana: {dashboards: [nodes]}, nodeExporter: {enabled: false}}",
            "spec.grafana.dashboards",
            "the `nodes` dashboard reads node-exporter, which is off",
        );
    }

    #[test]
    fn cluster_dashboard_without_kube_state_metrics_is_warned_about() {
        warns(
            "{grafana: {dashboards: [cluster]}, kubeStateMetrics: {enabled: false}}",
            "spec.grafana.dashboards",
            "the `cluster` dashboard reads kube-state-metrics, which is off",
        );
    }

    #[test]
    fn dashboards_with_their_exporters_pass() {
        passes(
            "grafana: {dashboards: [cluster, nodes]}",
            "spec.grafana.dashboards",
        );
    }

    #[test]
    fn dashboards_without_exporters_pass_when_not_listed() {
        passes(
            "{grafana: {dashboards: [cluster]}, nodeExporter: {enabled: false}}",
            "spec.grafana.dashboards",
        );
    }

    #[test]
    fn dashboards_of_a_disabled_grafana_are_not_checked() {
        passes(
            "{grafana: {enabled: false, dashboards: [nodes, nodes]}, nodeExporter: {enabled: false}}",
            "spec.grafana.dashboards[1]",
        );
    }
}
