//! Grafana with Thanos Query as its provisioned datasource and the built-in dashboards;
//! no anonymous access, admin credentials read from files.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1 as core;
use minijinja::context;
use minijinja::value::Serde;
use serde_json::{Value as Json, json};

use super::query_frontend;
use crate::config::facts::Ui;
use crate::config::model::{BUILT_IN_FOLDER, DATASOURCE, Dashboard, DashboardFiles};
use crate::render::RenderError;
use crate::render::assets;
use crate::render::embedded::{Checked, checksum, render_checked};
use crate::render::formats::{GrafanaDatasources, GrafanaProviders};
use crate::render::network::anywhere;
use crate::render::part::{Allow, Egress, From, Part, Policy, ScrapeJob, Target};
use crate::render::stack::Stack;
use crate::render::workload::{
    Pod, Port, Workload, claim_spec, claim_volume, config_map_volume, container, empty_dir, env,
    http_probe, mount, read_only, secret_volume,
};

pub const NAME: &str = "grafana";
pub const HTTP: Port = Port::tcp("http", 3000);
const DATA_DIR: &str = "/var/lib/grafana";
const PROVISIONING_DIR: &str = "/etc/grafana/provisioning";
const DASHBOARDS_DIR: &str = "/var/lib/grafana/dashboards";
/// Where the user's dashboards are mounted, a directory per folder: outside
/// `DASHBOARDS_DIR`, which the built-in provider reads whole.
const FOLDERS_DIR: &str = "/var/lib/grafana/folders";
const OAUTH_DIR: &str = "/etc/grafana/oauth";
const ADMIN_DIR: &str = "/etc/grafana/admin";
const DATABASE_DIR: &str = "/etc/grafana/database";
const DATASOURCES: &str = "grafana-datasources";
const PROVIDER: &str = "grafana-dashboard-provider";
const DATASOURCES_FILE: &str = "datasources.yaml";
const PROVIDER_FILE: &str = "provider.yaml";

/// The provisioning files, each rendered and checked.
struct Provisioning {
    datasources: Checked<GrafanaDatasources>,
    provider: Checked<GrafanaProviders>,
    /// ConfigMap name → (file name → JSON).
    dashboards: BTreeMap<String, BTreeMap<String, String>>,
    /// Each dashboard ConfigMap and the directory it is mounted at.
    mounts: Vec<(String, String)>,
}

impl Provisioning {
    /// ConfigMap, file name, text and data of each provisioning file.
    fn config_maps(&self) -> [(&'static str, &'static str, &str, &Json); 2] {
        [
            (
                DATASOURCES,
                DATASOURCES_FILE,
                &self.datasources.text,
                &self.datasources.data,
            ),
            (
                PROVIDER,
                PROVIDER_FILE,
                &self.provider.text,
                &self.provider.data,
            ),
        ]
    }
}

fn provisioning(stack: &Stack) -> Result<Provisioning, RenderError> {
    let mut dashboards = BTreeMap::new();
    let mut mounts = Vec::new();
    for d in wanted_dashboards(stack) {
        let (file, text) = assets::dashboard(d);
        dashboards.insert(
            config_map(d),
            BTreeMap::from([(file.to_owned(), text.to_owned())]),
        );
        mounts.push((config_map(d), format!("{DASHBOARDS_DIR}/{}", slug(d))));
    }
    // One provider per folder title, entries naming the same title sharing it; each
    // dashboard in a ConfigMap of its own, mounted in a directory of the folder's.
    let mut folders: BTreeMap<&str, String> = BTreeMap::new();
    for entry in &stack.spec.grafana.dashboard_files {
        let dir = DashboardFiles::folder_slug(&entry.folder);
        for file in &entry.path.files {
            let name = DashboardFiles::config_map(&entry.folder, &file.name);
            let key = DashboardFiles::file_key(&file.name);
            let stem = key.trim_end_matches(".json");
            mounts.push((name.clone(), format!("{FOLDERS_DIR}/{dir}/{stem}")));
            dashboards.insert(name, BTreeMap::from([(key.clone(), file.text.clone())]));
        }
        folders.insert(&entry.folder, dir);
    }
    let folders: Vec<Json> = folders
        .iter()
        .map(|(title, dir)| {
            json!({"name": format!("folder-{dir}"), "folder": title, "path": format!("{FOLDERS_DIR}/{dir}")})
        })
        .collect();
    let vars = json!({
        "query_url": query_frontend::url(stack),
        "scrape_interval": stack.spec.prometheus.scrape_interval.to_string(),
        "dashboards_dir": DASHBOARDS_DIR,
        "datasource": DATASOURCE,
        "built_in_folder": BUILT_IN_FOLDER,
        "folders": folders,
    });
    let datasources = render_checked(stack.templates, "grafana/datasources.yaml.j2", &vars)?;
    let provider = render_checked(stack.templates, "grafana/dashboard-provider.yaml.j2", &vars)?;
    Ok(Provisioning {
        datasources,
        provider,
        dashboards,
        mounts,
    })
}

fn wanted_dashboards(stack: &Stack) -> Vec<Dashboard> {
    let mut wanted = stack.spec.grafana.dashboards.clone();
    wanted.sort();
    wanted.dedup();
    wanted
}

fn slug(d: Dashboard) -> &'static str {
    match d {
        Dashboard::Cluster => "cluster",
        Dashboard::Nodes => "nodes",
        Dashboard::Thanos => "thanos",
    }
}

fn config_map(d: Dashboard) -> String {
    format!("grafana-dashboard-{}", slug(d))
}

pub fn part(stack: &Stack) -> Result<Part, RenderError> {
    let files = provisioning(stack)?;
    let w = workload(stack, &files);
    let mut part = Part::new(NAME);
    part.workload("kinds/deployment.yaml.j2", &w);
    part.front(stack, &w, NAME, &[HTTP], false);
    let g = &stack.spec.grafana;
    if g.storage.persistent {
        let spec = claim_spec(
            g.storage.size.as_str(),
            g.storage.storage_class_name.as_ref().map(|c| c.as_str()),
        );
        part.push(
            "kinds/persistentvolumeclaim.yaml.j2",
            context! { metadata => Serde(stack.meta(NAME, &w.labels)), spec => Serde(spec) },
        );
    }
    for (name, key, text, data) in files.config_maps() {
        let files = BTreeMap::from([(key.to_owned(), text.to_owned())]);
        part.config_map(stack, name, &w.labels, &files, vec![data.clone()]);
    }
    for (name, data) in &files.dashboards {
        part.content_map(stack, name, &w.labels, data);
    }
    part.scrape.push(ScrapeJob::new(NAME, NAME, HTTP));
    part.policy = Some(Policy {
        ingress: vec![Allow::new(
            &[HTTP],
            &[From::Scraper, From::Ingress(Ui::Grafana)],
        )],
        egress: egress(stack),
    });
    Ok(part)
}

fn workload(stack: &Stack, files: &Provisioning) -> Workload {
    let spec = stack.spec;
    let g = &spec.grafana;
    let image = &spec.images.grafana;
    let mut pod = Pod::new(NAME, "grafana", image, g.replicas, &g.pod);
    let all: BTreeMap<String, String> = files
        .config_maps()
        .into_iter()
        .map(|(_, key, text, _)| (key.to_owned(), text.to_owned()))
        .collect();
    pod.annotations
        .insert("checksum/provisioning".to_owned(), checksum(&all));
    let data = if g.storage.persistent {
        claim_volume("data", NAME)
    } else {
        empty_dir("data")
    };
    pod.volumes = vec![
        data,
        empty_dir("tmp"),
        config_map_volume("datasources", DATASOURCES),
        config_map_volume("dashboard-provider", PROVIDER),
    ];
    let mut mounts = vec![
        mount("data", DATA_DIR),
        mount("tmp", "/tmp"),
        read_only("datasources", &format!("{PROVISIONING_DIR}/datasources")),
        read_only(
            "dashboard-provider",
            &format!("{PROVISIONING_DIR}/dashboards"),
        ),
    ];
    let mut env_vars = env_vars(stack);
    // Grafana reads `__FILE` variables from files, so the admin credentials and the
    // database URL stay out of the environment (where crash dumps and `/proc` show it).
    if let Some(secret) = &g.admin_secret {
        for (var, key) in [
            ("GF_SECURITY_ADMIN_USER__FILE", "admin-user"),
            ("GF_SECURITY_ADMIN_PASSWORD__FILE", "admin-password"),
        ] {
            env_vars.push(env(var, &format!("{ADMIN_DIR}/{key}")));
        }
        pod.volumes.push(secret_volume("admin", secret.as_str()));
        mounts.push(read_only("admin", ADMIN_DIR));
    }
    // One Secret key each, read through its `__FILE` variable.
    let keyed = [
        (
            "GF_DATABASE_URL__FILE",
            "database",
            DATABASE_DIR,
            g.database.as_ref().map(|db| &db.url_secret),
        ),
        (
            "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET__FILE",
            "oauth",
            OAUTH_DIR,
            g.settings
                .auth
                .generic_oauth
                .as_ref()
                .map(|o| &o.client_secret),
        ),
    ];
    for (var, volume, dir, secret) in keyed {
        let Some(secret) = secret else { continue };
        env_vars.push(env(var, &format!("{dir}/{}", secret.key)));
        pod.volumes
            .push(secret_volume(volume, secret.name.as_str()));
        mounts.push(read_only(volume, dir));
    }
    for (name, dir) in &files.mounts {
        pod.volumes.push(config_map_volume(name, name));
        mounts.push(read_only(name, dir));
    }
    let mut main = container(NAME, image, &[HTTP], &g.resources);
    main.env = Some(env_vars);
    main.volume_mounts = Some(mounts);
    main.liveness_probe = Some(http_probe("/api/health", HTTP, 10, None));
    main.readiness_probe = Some(http_probe("/api/health", HTTP, 5, None));
    pod.containers.push(main);
    pod.extra(NAME, &g.extra, "spec.grafana.extra");
    let mut w = pod.build(stack, None, false);
    w.recreate = g.storage.persistent;
    w
}

/// What Grafana dials: the Query it reads, and outside the cluster grafana.com for the
/// plugins it installs at start and the OAuth provider's token and user info endpoints.
fn egress(stack: &Stack) -> Vec<Egress> {
    let g = &stack.spec.grafana;
    let mut rules = vec![Egress::dial(
        Target::App(query_frontend::reader(stack)),
        &[query_frontend::HTTP],
    )];
    let mut outside = BTreeSet::new();
    if !g.plugins.is_empty() {
        outside.insert(443);
    }
    if let Some(oauth) = &g.settings.auth.generic_oauth {
        for url in std::iter::once(&oauth.token_url).chain(&oauth.api_url) {
            outside.insert(url.host_port().1);
        }
    }
    if !outside.is_empty() {
        rules.push(anywhere(&outside.into_iter().collect::<Vec<_>>()));
    }
    rules
}

/// Where users reach Grafana, for the links and OAuth redirects it builds: as set, or,
/// with OAuth (whose redirect URL Grafana builds from it), the ingress host. Without
/// either, Grafana's own default (links from the request) serves.
fn root_url(stack: &Stack) -> Option<String> {
    let g = &stack.spec.grafana;
    if let Some(url) = &g.settings.server.root_url {
        return Some(url.to_string());
    }
    (g.settings.auth.generic_oauth.is_some() && stack.spec.exposes(Ui::Grafana))
        .then(|| format!("{}/", stack.public_url(NAME)))
}

/// Grafana's settings, as `GF_<SECTION>_<KEY>` variables, which override `grafana.ini`:
/// no anonymous access or sign-up unless asked, no phoning home, paths on volumes.
fn env_vars(stack: &Stack) -> Vec<core::EnvVar> {
    let spec = stack.spec;
    let settings = &spec.grafana.settings;
    let anonymous = &settings.auth.anonymous;
    let bool_str = |b: bool| if b { "true" } else { "false" };
    let mut vars: Vec<core::EnvVar> = [
        ("GF_AUTH_ANONYMOUS_ENABLED", bool_str(anonymous.enabled)),
        (
            "GF_USERS_ALLOW_SIGN_UP",
            bool_str(settings.users.allow_sign_up),
        ),
        ("GF_ANALYTICS_REPORTING_ENABLED", "false"),
        ("GF_ANALYTICS_CHECK_FOR_UPDATES", "false"),
        ("GF_PATHS_DATA", DATA_DIR),
        ("GF_PATHS_LOGS", "/var/lib/grafana/log"),
        ("GF_PATHS_PROVISIONING", PROVISIONING_DIR),
    ]
    .iter()
    .map(|(k, v)| env(k, v))
    .collect();
    // Behind the ingress's basic auth, nginx forwards the `Authorization` header, which
    // Grafana's own basic auth would reject with 401 (grafana/grafana#7090): let Grafana
    // ignore it and keep its login form.
    if spec.exposes(Ui::Grafana) && spec.ingress.basic_auth_secret.is_some() {
        vars.push(env("GF_AUTH_BASIC_ENABLED", "false"));
    }
    if anonymous.enabled {
        vars.push(env(
            "GF_AUTH_ANONYMOUS_ORG_ROLE",
            anonymous.org_role.as_str(),
        ));
    }
    if settings.auth.disable_login_form {
        vars.push(env("GF_AUTH_DISABLE_LOGIN_FORM", "true"));
    }
    if let Some(role) = settings.users.auto_assign_org_role {
        vars.push(env("GF_USERS_AUTO_ASSIGN_ORG_ROLE", role.as_str()));
    }
    if let Some(url) = root_url(stack) {
        let host = url
            .split_once("://")
            .map_or(url.as_str(), |(_, rest)| rest)
            .split(['/', ':', '?', '#'])
            .next()
            .unwrap_or_default()
            .to_owned();
        vars.push(env("GF_SERVER_ROOT_URL", &url));
        let domain = settings
            .server
            .domain
            .as_ref()
            .map_or(host, ToString::to_string);
        vars.push(env("GF_SERVER_DOMAIN", &domain));
    } else if let Some(domain) = &settings.server.domain {
        vars.push(env("GF_SERVER_DOMAIN", domain.as_str()));
    }
    if let Some(o) = &settings.auth.generic_oauth {
        let mut oauth = vec![
            ("ENABLED", "true".to_owned()),
            ("NAME", o.name.clone()),
            ("CLIENT_ID", o.client_id.clone()),
            ("SCOPES", o.scopes.join(" ")),
            ("AUTH_URL", o.auth_url.to_string()),
            ("TOKEN_URL", o.token_url.to_string()),
            ("ALLOW_SIGN_UP", bool_str(o.allow_sign_up).to_owned()),
            ("USE_PKCE", bool_str(o.use_pkce).to_owned()),
        ];
        if let Some(url) = &o.api_url {
            oauth.push(("API_URL", url.to_string()));
        }
        if let Some(path) = &o.role_attribute_path {
            oauth.push(("ROLE_ATTRIBUTE_PATH", path.clone()));
        }
        for (key, value) in oauth {
            vars.push(env(&format!("GF_AUTH_GENERIC_OAUTH_{key}"), &value));
        }
    }
    // Installed before Grafana serves (`preinstall_sync`, Grafana 12.1), so a provisioned
    // dashboard never meets a panel type still downloading; `GF_INSTALL_PLUGINS` is
    // deprecated and only migrated into this list.
    let plugins = &spec.grafana.plugins;
    if !plugins.is_empty() {
        let list: Vec<&str> = plugins.iter().map(|p| p.as_str()).collect();
        vars.push(env("GF_PLUGINS_PREINSTALL_SYNC", &list.join(",")));
    }
    vars
}

#[cfg(test)]
mod tests {
    use serde_json::Value as Json;

    use crate::config::files::{FileRef, FileText};
    use crate::config::model::{DashboardFiles, GenericOauth, MonitoringStack, SecretKeyRef};
    use crate::render::testing::find;

    const BOARD: &str = r#"{"title": "Requests", "uid": "team-a-requests", "panels": []}"#;

    fn rendered(config: &MonitoringStack) -> Vec<crate::render::Object> {
        crate::render::render(config).expect("renders and passes the wiring check")
    }

    fn env(objects: &[crate::render::Object]) -> Vec<(String, Json)> {
        let deployment = find(objects, "Deployment", "grafana");
        deployment["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["name"].as_str().unwrap().to_owned(), e.clone()))
            .collect()
    }

    fn with_dashboards() -> MonitoringStack {
        let mut config = MonitoringStack::default();
        config.spec.grafana.dashboard_files = vec![DashboardFiles {
            folder: "Team A: Payments".to_owned(),
            path: FileRef {
                path: "boards".to_owned(),
                files: vec![
                    FileText {
                        name: "Requests Overview.json".to_owned(),
                        text: BOARD.to_owned(),
                    },
                    FileText {
                        name: "latency.json".to_owned(),
                        text: BOARD.replace("team-a-requests", "team-a-latency"),
                    },
                ],
            },
        }];
        config
    }

    #[test]
    fn each_user_dashboard_ships_in_its_own_config_map_under_its_folders_provider() {
        let objects = rendered(&with_dashboards());
        let first = find(
            &objects,
            "ConfigMap",
            "grafana-dashboard-team-a-payments-requests-overview",
        );
        assert_eq!(first["data"]["requests-overview.json"], BOARD);
        find(
            &objects,
            "ConfigMap",
            "grafana-dashboard-team-a-payments-latency",
        );
        find(&objects, "ConfigMap", "grafana-dashboard-thanos");
        let provider = find(&objects, "ConfigMap", "grafana-dashboard-provider");
        let text = provider["data"]["provider.yaml"].as_str().unwrap();
        assert!(
            text.contains("folder: 'Team A: Payments'")
                || text.contains("folder: \"Team A: Payments\""),
            "{text}"
        );
        assert!(
            text.contains("path: /var/lib/grafana/folders/team-a-payments"),
            "{text}"
        );
        let deployment = find(&objects, "Deployment", "grafana");
        let mounts =
            deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"].to_string();
        assert!(
            mounts.contains("/var/lib/grafana/folders/team-a-payments/latency"),
            "{mounts}"
        );
    }

    #[test]
    fn single_sign_on_and_plugins_become_gf_variables_with_their_egress() {
        let mut config = MonitoringStack::default();
        config.spec.network_policies.enabled = true;
        let g = &mut config.spec.grafana;
        g.plugins = vec!["grafana-clock-panel@2.1.8".parse().unwrap()];
        g.settings.auth.disable_login_form = true;
        g.settings.auth.generic_oauth = Some(GenericOauth {
            name: "SSO".to_owned(),
            client_id: "grafana".to_owned(),
            client_secret: SecretKeyRef {
                name: "grafana-oauth".parse().unwrap(),
                key: "client-secret".to_owned(),
            },
            scopes: vec!["openid".to_owned(), "groups".to_owned()],
            auth_url: "https://sso.example.com/authorize".parse().unwrap(),
            token_url: "https://sso.example.com:8443/token".parse().unwrap(),
            api_url: None,
            role_attribute_path: Some(
                "contains(groups[*], 'admins') && 'Admin' || 'Viewer'".to_owned(),
            ),
            allow_sign_up: true,
            use_pkce: true,
        });
        let objects = rendered(&config);
        let env = env(&objects);
        let value = |name: &str| {
            env.iter()
                .find(|(n, _)| n == name)
                .map(|(_, e)| e["value"].clone())
                .unwrap_or_else(|| panic!("no {name}"))
        };
        assert_eq!(
            value("GF_PLUGINS_PREINSTALL_SYNC"),
            "grafana-clock-panel@2.1.8"
        );
        assert_eq!(value("GF_AUTH_DISABLE_LOGIN_FORM"), "true");
        assert_eq!(value("GF_AUTH_GENERIC_OAUTH_SCOPES"), "openid groups");
        assert_eq!(value("GF_SERVER_ROOT_URL"), "http://grafana.example.com/");
        assert_eq!(value("GF_SERVER_DOMAIN"), "grafana.example.com");
        assert_eq!(
            value("GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET__FILE"),
            "/etc/grafana/oauth/client-secret"
        );
        assert!(
            env.iter()
                .all(|(n, _)| n != "GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET")
        );
        let policy = find(&objects, "NetworkPolicy", "grafana");
        let egress = policy["spec"]["egress"].to_string();
        assert!(
            egress.contains("443") && egress.contains("8443"),
            "{egress}"
        );
    }

    #[test]
    fn without_settings_grafana_gets_what_it_always_got() {
        let objects = rendered(&MonitoringStack::default());
        let names: Vec<String> = env(&objects).into_iter().map(|(n, _)| n).collect();
        assert!(
            !names
                .iter()
                .any(|n| n.starts_with("GF_SERVER_") || n.starts_with("GF_PLUGINS_")),
            "{names:?}"
        );
    }
}
