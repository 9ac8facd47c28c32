//! Grafana with Thanos Query as its provisioned datasource and the built-in dashboards;
//! no anonymous access, admin credentials read from files.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use minijinja::context;
use minijinja::value::Serde;
use serde_json::{Value as Json, json};

use super::query_frontend;
use crate::config::facts::Ui;
use crate::config::model::Dashboard;
use crate::render::RenderError;
use crate::render::assets;
use crate::render::embedded::{Checked, checksum, render_checked};
use crate::render::formats::{GrafanaDatasources, GrafanaProviders};
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
    let vars = json!({
        "query_url": query_frontend::url(stack),
        "scrape_interval": stack.spec.prometheus.scrape_interval.to_string(),
        "dashboards_dir": DASHBOARDS_DIR,
    });
    let datasources = render_checked(stack.templates, "grafana/datasources.yaml.j2", &vars)?;
    let provider = render_checked(stack.templates, "grafana/dashboard-provider.yaml.j2", &vars)?;
    let mut dashboards = BTreeMap::new();
    for d in wanted_dashboards(stack) {
        let (file, text) = assets::dashboard(d);
        dashboards.insert(
            config_map(d),
            BTreeMap::from([(file.to_owned(), text.to_owned())]),
        );
    }
    Ok(Provisioning {
        datasources,
        provider,
        dashboards,
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
        egress: vec![Egress::dial(
            Target::App(query_frontend::reader(stack)),
            &[query_frontend::HTTP],
        )],
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
    if let Some(db) = &g.database {
        let secret = &db.url_secret;
        env_vars.push(env(
            "GF_DATABASE_URL__FILE",
            &format!("{DATABASE_DIR}/{}", secret.key),
        ));
        pod.volumes
            .push(secret_volume("database", secret.name.as_str()));
        mounts.push(read_only("database", DATABASE_DIR));
    }
    for d in wanted_dashboards(stack) {
        let name = config_map(d);
        pod.volumes.push(config_map_volume(&name, &name));
        mounts.push(read_only(&name, &format!("{DASHBOARDS_DIR}/{}", slug(d))));
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

/// Grafana's settings: no anonymous access or sign-up, no phoning home, paths on volumes.
fn env_vars(stack: &Stack) -> Vec<core::EnvVar> {
    let spec = stack.spec;
    let mut vars: Vec<core::EnvVar> = [
        ("GF_AUTH_ANONYMOUS_ENABLED", "false"),
        ("GF_USERS_ALLOW_SIGN_UP", "false"),
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
    vars
}
