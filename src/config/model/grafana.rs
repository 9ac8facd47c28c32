//! The Grafana section and its built-in dashboards.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Extras, PodSettings};

use super::{Resources, SecretKeyRef, Storage};
use crate::config::files::FileRef;
use crate::config::types::{Dns1123Label, DnsName, GrafanaPlugin, HttpUrl};

/// The uid and name of the datasource stackgen provisions (Thanos Query, or the Query
/// Frontend in front of it); every dashboard must read it.
pub const DATASOURCE: &str = "DS_PROMETHEUS";
/// The folder the built-in dashboards are provisioned into.
pub const BUILT_IN_FOLDER: &str = "Kubernetes";
/// Prefix of the built-in dashboards' uids, kept for them.
pub const BUILT_IN_UID_PREFIX: &str = "stackgen-";

/// Grafana.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Grafana {
    /// Deploy Grafana.
    pub enabled: bool,
    /// Number of replicas. Grafana keeps users, sessions and settings in a database: more
    /// than one replica needs the shared `database`. At most 100.
    #[schemars(range(max = 100))]
    pub replicas: u32,
    /// Built-in dashboards, provisioned into the `Kubernetes` folder.
    pub dashboards: Vec<Dashboard>,
    /// Your own dashboards: JSON files, or directories of them, each entry into a Grafana
    /// folder. Every dashboard is checked (a title, a unique uid, the provisioned datasource,
    /// PromQL that parses) and shipped in a ConfigMap of its own.
    pub dashboard_files: Vec<DashboardFiles>,
    /// Plugins installed from grafana.com before Grafana serves: `id` or `id@version`.
    pub plugins: Vec<GrafanaPlugin>,
    /// A typed subset of `grafana.ini`, written as `GF_*` environment variables.
    #[serde(skip_serializing_if = "GrafanaSettings::is_empty")]
    pub settings: GrafanaSettings,
    /// Secret with keys `admin-user` and `admin-password`; Grafana's own default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_secret: Option<Dns1123Label>,
    /// A shared database (MySQL or PostgreSQL) instead of the SQLite file in each pod.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<GrafanaDatabase>,
    /// Keep the SQLite database on a volume, so users and settings survive a restart (one
    /// replica only: the claim is ReadWriteOnce). Off: an emptyDir.
    pub storage: Storage,
    /// Resources of the grafana container.
    pub resources: Resources,
    /// Placement and metadata of its pods, over `spec.defaults.pod`.
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
    /// Flags, environment, volumes and containers added to what stackgen writes.
    #[serde(skip_serializing_if = "Extras::is_empty")]
    pub extra: Extras,
}

/// Grafana's shared database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GrafanaDatabase {
    /// Secret key holding the URL, such as `postgres://user:password@host:5432/grafana`.
    pub url_secret: SecretKeyRef,
}

impl Default for Grafana {
    fn default() -> Self {
        Self {
            pod: PodSettings::default(),
            extra: Extras::default(),
            enabled: true,
            replicas: 1,
            dashboards: vec![Dashboard::Cluster, Dashboard::Nodes, Dashboard::Thanos],
            dashboard_files: Vec::new(),
            plugins: Vec::new(),
            settings: GrafanaSettings::default(),
            admin_secret: Some(Dns1123Label::lit("grafana-admin")),
            database: None,
            storage: Storage {
                persistent: false,
                ..Storage::sized("1Gi")
            },
            resources: Resources::new("100m", "128Mi", "512Mi"),
        }
    }
}

/// Built-in dashboards.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Dashboard {
    /// Kubernetes cluster overview: capacity, workloads, namespaces.
    Cluster,
    /// Per-node view from node-exporter.
    Nodes,
    /// The Thanos components of this stack: Query, Store gateway, Compactor, sidecar
    /// uploads, Ruler.
    Thanos,
}

/// Dashboards read from a file or a directory, provisioned into one Grafana folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DashboardFiles {
    /// The Grafana folder's title. Entries naming the same folder share it.
    #[schemars(length(min = 1, max = 100))]
    pub folder: String,
    /// A dashboard JSON file, or a directory whose `*.json` files are all read, relative
    /// to the config file.
    pub path: FileRef,
}

/// The `grafana.ini` settings stackgen knows, by section. Anything else goes through
/// `extra.env` as `GF_<SECTION>_<KEY>`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GrafanaSettings {
    /// `[server]`.
    #[serde(skip_serializing_if = "ServerSettings::is_empty")]
    pub server: ServerSettings,
    /// `[auth]`, `[auth.anonymous]` and `[auth.generic_oauth]`.
    #[serde(skip_serializing_if = "AuthSettings::is_empty")]
    pub auth: AuthSettings,
    /// `[users]`.
    #[serde(skip_serializing_if = "UsersSettings::is_empty")]
    pub users: UsersSettings,
}

impl GrafanaSettings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `[server]`: where users reach Grafana, for the links and OAuth redirects it builds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ServerSettings {
    /// `root_url`. With `auth.genericOauth` and Grafana exposed, defaults to
    /// `https://grafana.<domain>/` (`http` without TLS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_url: Option<HttpUrl>,
    /// `domain`. Defaults to the host of `rootUrl` when that is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<DnsName>,
}

impl ServerSettings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `[auth]` and its providers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AuthSettings {
    /// `disable_login_form`: hide the user/password form, leaving single sign-on.
    pub disable_login_form: bool,
    /// `[auth.anonymous]`.
    #[serde(skip_serializing_if = "AnonymousAuth::is_empty")]
    pub anonymous: AnonymousAuth,
    /// `[auth.generic_oauth]`: single sign-on through an OAuth 2 / OpenID Connect provider.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generic_oauth: Option<GenericOauth>,
}

impl AuthSettings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `[auth.anonymous]`: dashboards without a login.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct AnonymousAuth {
    /// `enabled`.
    pub enabled: bool,
    /// `org_role` of anonymous visitors.
    pub org_role: OrgRole,
}

impl AnonymousAuth {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// `[auth.generic_oauth]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenericOauth {
    /// `name`: the label of the login button.
    #[serde(default = "GenericOauth::default_name")]
    #[schemars(length(min = 1, max = 100))]
    pub name: String,
    /// `client_id`.
    #[schemars(length(min = 1, max = 500))]
    pub client_id: String,
    /// The Secret key holding `client_secret`; read from a file, never written into the
    /// Deployment.
    pub client_secret: SecretKeyRef,
    /// `scopes`.
    #[serde(default = "GenericOauth::default_scopes")]
    pub scopes: Vec<String>,
    /// `auth_url`: where browsers are sent to log in.
    pub auth_url: HttpUrl,
    /// `token_url`: where Grafana swaps the code for a token.
    pub token_url: HttpUrl,
    /// `api_url`: the user info endpoint; without it Grafana reads the ID token only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<HttpUrl>,
    /// `role_attribute_path`: a JMESPath expression giving `Admin`, `Editor` or `Viewer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 2000))]
    pub role_attribute_path: Option<String>,
    /// `allow_sign_up`: create users on their first login.
    #[serde(default = "GenericOauth::yes")]
    pub allow_sign_up: bool,
    /// `use_pkce`: protect the code exchange with PKCE (RFC 7636).
    #[serde(default = "GenericOauth::yes")]
    pub use_pkce: bool,
}

impl GenericOauth {
    fn default_name() -> String {
        "OAuth".to_owned()
    }
    fn default_scopes() -> Vec<String> {
        ["openid", "email", "profile"].map(str::to_owned).to_vec()
    }
    fn yes() -> bool {
        true
    }
}

/// `[users]`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct UsersSettings {
    /// `allow_sign_up`: let visitors create their own accounts on the login form.
    pub allow_sign_up: bool,
    /// `auto_assign_org_role`: the role new users get; Grafana's default, `Viewer`, when
    /// unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_assign_org_role: Option<OrgRole>,
}

impl UsersSettings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A role in a Grafana organisation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum OrgRole {
    #[default]
    Viewer,
    Editor,
    Admin,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Viewer => "Viewer",
            OrgRole::Editor => "Editor",
            OrgRole::Admin => "Admin",
        }
    }
}

/// A DNS-label fragment of `text` of at most `max` characters (`fallback` when nothing is
/// left): what a folder's or a file's name contributes to object names and paths.
fn slug(text: &str, max: usize, fallback: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.truncate(max);
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        fallback.to_owned()
    } else {
        out.to_owned()
    }
}

impl DashboardFiles {
    /// The directory a folder's dashboards are mounted in, and its provider's name.
    pub fn folder_slug(folder: &str) -> String {
        slug(folder, 16, "folder")
    }

    /// The ConfigMap key of a dashboard file (ConfigMap keys allow no spaces).
    pub fn file_key(file: &str) -> String {
        let stem = file.strip_suffix(".json").unwrap_or(file);
        format!("{}.json", slug(stem, 26, "dashboard"))
    }

    /// The ConfigMap (and volume) a dashboard ships in: one per dashboard, so no folder
    /// meets the 1 MiB limit of a ConfigMap, and a label's 63 characters at most.
    pub fn config_map(folder: &str, file: &str) -> String {
        let key = Self::file_key(file);
        let stem = key.strip_suffix(".json").unwrap_or(&key);
        format!("grafana-dashboard-{}-{stem}", Self::folder_slug(folder))
    }
}
