//! What must exist before the stack is applied and what the stack does not create itself:
//! the Secrets and ConfigMaps it references (with the keys it reads), the buckets, the
//! storage and ingress classes, the cert-manager issuer and the ingress controller's
//! namespace. The wiring
//! check holds the rendered stream to this list; `stackgen prerequisites` prints it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use k8s_openapi::api::core::v1 as core;

use crate::config::model::{ConfigMapKeyRef, ExposureKind, Extras, Provider, SecretKeyRef, Spec};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prerequisites {
    /// Secrets in the stack's namespace, by name: the keys read, and why.
    pub secrets: BTreeMap<String, KeysNeeded>,
    /// ConfigMaps in the stack's namespace, by name: the keys read, and why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub config_maps: BTreeMap<String, KeysNeeded>,
    /// Buckets the stack reads and writes, as `provider://bucket`.
    pub buckets: Vec<String>,
    /// StorageClasses the volume claims name; `""` stands for the cluster's default.
    pub storage_classes: BTreeSet<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<String>,
    /// The Gateway the routes attach to, as `namespace/name` (and `/listener`), with the
    /// route kinds its listeners must admit from the stack's namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayNeeded>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<String>,
    /// The namespace NetworkPolicies admit the ingress controller from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress_controller_namespace: Option<String>,
    /// Cloud identities the ServiceAccounts are bound to.
    pub workload_identities: Vec<String>,
}

/// The existing Gateway the routes attach to.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayNeeded {
    pub name: String,
    pub namespace: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
    /// `HTTPRoute`, `GRPCRoute`: the kinds its listeners must admit.
    pub route_kinds: BTreeSet<String>,
    pub https: bool,
}

/// The keys of a Secret or ConfigMap the stack reads, and what for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeysNeeded {
    pub keys: BTreeSet<String>,
    pub used_for: BTreeSet<String>,
}

impl Prerequisites {
    fn secret(&mut self, name: &str, keys: &[&str], used_for: &str) {
        let need = self.secrets.entry(name.to_owned()).or_default();
        need.keys.extend(keys.iter().map(|k| (*k).to_owned()));
        need.used_for.insert(used_for.to_owned());
    }

    fn secret_key(&mut self, r: &SecretKeyRef, used_for: &str) {
        self.secret(r.name.as_str(), &[r.key.as_str()], used_for);
    }

    fn config_map(&mut self, name: &str, keys: &[&str], used_for: &str) {
        let need = self.config_maps.entry(name.to_owned()).or_default();
        need.keys.extend(keys.iter().map(|k| (*k).to_owned()));
        need.used_for.insert(used_for.to_owned());
    }

    fn config_map_key(&mut self, r: &ConfigMapKeyRef, used_for: &str) {
        self.config_map(r.name.as_str(), &[r.key.as_str()], used_for);
    }
}

/// One line per Secret or ConfigMap: its keys, and what reads them.
fn needs(objects: &BTreeMap<String, KeysNeeded>) -> Vec<String> {
    objects
        .iter()
        .map(|(name, need)| {
            let keys: Vec<&str> = need.keys.iter().map(String::as_str).collect();
            let uses: Vec<&str> = need.used_for.iter().map(String::as_str).collect();
            if keys.is_empty() {
                // Mounted or read whole: any keys will do.
                return format!("{name} (for {})", uses.join("; "));
            }
            format!("{name}: keys {} (for {})", keys.join(", "), uses.join("; "))
        })
        .collect()
}

impl Prerequisites {
    /// One line per thing to create or check, grouped, for people.
    pub fn to_text(&self, namespace: &str) -> String {
        let mut out = String::from("Before `kubectl apply`, these must exist:\n");
        let mut section = |title: String, lines: Vec<String>| {
            if !lines.is_empty() {
                out.push_str(&format!("\n{title}\n"));
                for line in lines {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        };
        section(
            format!("Secrets in namespace `{namespace}`:"),
            needs(&self.secrets),
        );
        section(
            format!("ConfigMaps in namespace `{namespace}`:"),
            needs(&self.config_maps),
        );
        section("Buckets:".to_owned(), self.buckets.clone());
        section(
            "Cloud identities, bound to the ServiceAccounts that use the bucket:".to_owned(),
            self.workload_identities.clone(),
        );
        section(
            "StorageClasses:".to_owned(),
            self.storage_classes
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        "the cluster's default StorageClass".to_owned()
                    } else {
                        c.clone()
                    }
                })
                .collect(),
        );
        let mut ingress = Vec::new();
        if let Some(class) = &self.ingress_class {
            ingress.push(format!("IngressClass `{class}` and its controller"));
        }
        if let Some(g) = &self.gateway {
            let listener = g
                .section_name
                .as_ref()
                .map_or(String::new(), |l| format!(", listener `{l}`"));
            let kinds: Vec<&str> = g.route_kinds.iter().map(String::as_str).collect();
            let tls = if g.https {
                "; TLS terminates there, with the certificate for every host"
            } else {
                ""
            };
            ingress.push(format!(
                "Gateway `{}/{}`{listener}, admitting {} from namespace `{namespace}`{tls}",
                g.namespace,
                g.name,
                kinds.join(" and ")
            ));
        }
        if let Some(ns) = &self.ingress_controller_namespace {
            let who = if self.gateway.is_some() {
                "the Gateway's proxy pods"
            } else {
                "the ingress controller"
            };
            ingress.push(format!(
                "{who} in namespace `{ns}` (NetworkPolicies admit it from there)"
            ));
        }
        if let Some(issuer) = &self.cluster_issuer {
            ingress.push(format!("cert-manager and its ClusterIssuer `{issuer}`"));
        }
        section("Ingress:".to_owned(), ingress);
        out
    }
}

/// Everything a config's rendering references but does not create.
pub fn of(spec: &Spec) -> Prerequisites {
    let mut p = Prerequisites::default();
    object_storage(spec, &mut p);
    if spec.alertmanager.enabled {
        for r in &spec.alertmanager.receivers {
            let what = format!("Alertmanager receiver `{}`", r.name);
            for (_, secret) in r.secrets() {
                p.secret_key(secret, &what);
            }
        }
    }
    if spec.grafana.enabled {
        let g = &spec.grafana;
        if let Some(admin) = &g.admin_secret {
            let keys = ["admin-user", "admin-password"];
            p.secret(admin.as_str(), &keys, "Grafana's admin login");
        }
        if let Some(db) = &g.database {
            p.secret_key(&db.url_secret, "Grafana's database URL");
        }
        if let Some(oauth) = &g.settings.auth.generic_oauth {
            p.secret_key(&oauth.client_secret, "Grafana's OAuth client secret");
        }
    }
    if !spec.exposed_uis().is_empty() {
        let i = &spec.ingress;
        exposed_through(spec, "HTTPRoute", &mut p);
        if let Some(auth) = &i.basic_auth_secret {
            p.secret(
                auth.as_str(),
                &["auth"],
                "the ingress's basic auth, in htpasswd lines",
            );
        }
        if let Some(tls) = &i.tls {
            match &tls.cluster_issuer {
                // cert-manager creates the Secret from the issuer.
                Some(issuer) => p.cluster_issuer = Some(issuer.to_string()),
                None => p.secret(
                    tls.secret_name.as_str(),
                    &["tls.crt", "tls.key"],
                    "the ingress's TLS certificate",
                ),
            }
        }
        if spec.network_policies.enabled {
            p.ingress_controller_namespace = Some(
                spec.network_policies
                    .ingress_controller_namespace
                    .to_string(),
            );
        }
    }
    store_api(spec, &mut p);
    storage_classes(spec, &mut p);
    extras(spec, &mut p);
    p
}

/// The Secrets and ConfigMaps the user's extras mount or read variables from.
fn extras(spec: &Spec, p: &mut Prerequisites) {
    for (path, extras) in spec.extras() {
        let used_for = format!("`{path}`");
        let (secrets, config_maps) = references(extras);
        for (name, keys) in secrets {
            p.secret(name, &keys, &used_for);
        }
        for (name, keys) in config_maps {
            p.config_map(name, &keys, &used_for);
        }
    }
}

/// The Secrets and the ConfigMaps `extras` need, each with the keys read: none when mounted
/// or read whole. Optional ones aside: the pods start without them.
type References<'a> = Vec<(&'a str, Vec<&'a str>)>;
fn references(extras: &Extras) -> (References<'_>, References<'_>) {
    let required = |optional: Option<bool>| optional != Some(true);
    fn keys(items: &Option<Vec<core::KeyToPath>>) -> Vec<&str> {
        items.iter().flatten().map(|i| i.key.as_str()).collect()
    }
    let (mut secrets, mut config_maps) = (Vec::new(), Vec::new());
    for v in &extras.volumes {
        if let Some(s) = &v.secret
            && required(s.optional)
        {
            secrets.push((s.secret_name.as_deref().unwrap_or_default(), keys(&s.items)));
        }
        if let Some(c) = &v.config_map
            && required(c.optional)
        {
            config_maps.push((c.name.as_str(), keys(&c.items)));
        }
    }
    let containers = &extras.containers;
    let env = containers.iter().flat_map(|c| c.env.iter().flatten());
    for from in extras
        .env
        .iter()
        .chain(env)
        .filter_map(|e| e.value_from.as_ref())
    {
        if let Some(r) = &from.secret_key_ref
            && required(r.optional)
        {
            secrets.push((r.name.as_str(), vec![r.key.as_str()]));
        }
        if let Some(r) = &from.config_map_key_ref
            && required(r.optional)
        {
            config_maps.push((r.name.as_str(), vec![r.key.as_str()]));
        }
    }
    for source in containers.iter().flat_map(|c| c.env_from.iter().flatten()) {
        if let Some(r) = &source.secret_ref
            && required(r.optional)
        {
            secrets.push((r.name.as_str(), Vec::new()));
        }
        if let Some(r) = &source.config_map_ref
            && required(r.optional)
        {
            config_maps.push((r.name.as_str(), Vec::new()));
        }
    }
    (secrets, config_maps)
}

/// The IngressClass, or the Gateway with the route kind `kind` that attaches to it.
fn exposed_through(spec: &Spec, kind: &str, p: &mut Prerequisites) {
    let i = &spec.ingress;
    match (i.kind, &i.gateway) {
        (ExposureKind::GatewayApi, Some(g)) => {
            let need = p.gateway.get_or_insert_with(|| GatewayNeeded {
                name: g.name.to_string(),
                namespace: g
                    .namespace
                    .as_ref()
                    .map_or_else(|| spec.namespace.to_string(), ToString::to_string),
                section_name: g.section_name.as_ref().map(ToString::to_string),
                route_kinds: BTreeSet::new(),
                https: g.https,
            });
            need.route_kinds.insert(kind.to_owned());
        }
        // Validation refuses gatewayAPI without a Gateway.
        (ExposureKind::GatewayApi, None) => {}
        (ExposureKind::Ingress, _) => p.ingress_class = Some(i.class_name.to_string()),
    }
}

/// The certificates of gRPC between clusters: the Store API's server certificate, with
/// the CA its clients are checked against (by Query, or by the ingress controller), and
/// the global Query's client certificate, with the CA the remote servers are checked
/// against.
fn store_api(spec: &Spec, p: &mut Prerequisites) {
    use crate::config::model::StoreApiExpose;
    if spec.store_api.expose == StoreApiExpose::Ingress {
        exposed_through(spec, "GRPCRoute", p);
        if spec.network_policies.enabled {
            p.ingress_controller_namespace = Some(
                spec.network_policies
                    .ingress_controller_namespace
                    .to_string(),
            );
        }
    }
    if spec.query_serves_tls() {
        let checked_by_ingress = spec.store_api.expose == StoreApiExpose::Ingress;
        let keys: &[&str] = if spec.query_checks_clients() || checked_by_ingress {
            &["tls.crt", "tls.key", "ca.crt"]
        } else {
            &["tls.crt", "tls.key"]
        };
        p.secret(
            spec.store_api.tls.secret_name.as_str(),
            keys,
            "the Store API's server certificate and the CA of its clients",
        );
    }
    if spec.global_query() {
        p.secret(
            spec.thanos.query.remote_tls.secret_name.as_str(),
            &["tls.crt", "tls.key", "ca.crt"],
            "the global Query's client certificate and the CA of the remote Store APIs",
        );
    }
}

fn object_storage(spec: &Spec, p: &mut Prerequisites) {
    let os = &spec.object_storage;
    let scheme = match os.provider {
        Provider::Gcs => "gs",
        Provider::S3 => "s3",
        Provider::Azure => "azure",
        Provider::Filesystem => "file",
    };
    p.buckets.push(format!("{scheme}://{}", os.bucket));
    if spec.thanos.ruler.enabled && os.ruler_bucket != os.bucket {
        p.buckets.push(format!("{scheme}://{}", os.ruler_bucket));
    }
    match (os.provider, &os.credentials_secret) {
        (Provider::Gcs, Some(creds)) => p.secret_key(creds, "object storage credentials"),
        (Provider::S3, Some(creds)) => p.secret(
            creds.name.as_str(),
            &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            "object storage credentials",
        ),
        _ => {}
    }
    if let Some(ca) = &os.ca_bundle {
        const CA: &str = "the object store's CA bundle";
        if let Some(secret) = &ca.secret {
            p.secret_key(secret, CA);
        }
        if let Some(map) = &ca.config_map {
            p.config_map_key(map, CA);
        }
    }
    if let Some(wi) = &os.workload_identity {
        let identities = [
            wi.gcp_service_account
                .as_ref()
                .map(|s| format!("GCP service account {s}")),
            wi.aws_role_arn.as_ref().map(|s| format!("IAM role {s}")),
            wi.azure_client_id
                .as_ref()
                .map(|s| format!("Azure managed identity {s}")),
        ];
        p.workload_identities
            .extend(identities.into_iter().flatten());
    }
}

fn storage_classes(spec: &Spec, p: &mut Prerequisites) {
    let t = &spec.thanos;
    let mut storages = Vec::new();
    for (runs, storage) in [
        (spec.prometheus.enabled, &spec.prometheus.storage),
        (t.store.enabled, &t.store.storage),
        (t.compact.enabled, &t.compact.storage),
    ] {
        if runs {
            storages.push(storage);
        }
    }
    if spec.thanos.ruler.enabled {
        storages.push(&spec.thanos.ruler.storage);
    }
    if spec.alertmanager.enabled {
        storages.push(&spec.alertmanager.storage);
    }
    if spec.grafana.enabled {
        storages.push(&spec.grafana.storage);
    }
    for s in storages.into_iter().filter(|s| s.persistent) {
        p.storage_classes.insert(
            s.storage_class_name
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
    }
    if spec.object_storage.provider == Provider::Filesystem {
        p.storage_classes.insert(String::new());
    }
}

#[cfg(test)]
mod tests {
    use super::of;
    use crate::config::model::{CaBundle, ConfigMapKeyRef, MonitoringStack, SecretKeyRef};

    fn with_ca(ca: CaBundle) -> MonitoringStack {
        let mut config = MonitoringStack::default();
        config.spec.object_storage.ca_bundle = Some(ca);
        config
    }

    #[test]
    fn a_ca_bundle_config_map_is_listed_with_its_key() {
        let config = with_ca(CaBundle {
            secret: None,
            config_map: Some(ConfigMapKeyRef {
                name: "minio-ca".parse().unwrap(),
                key: "ca.crt".to_owned(),
            }),
        });
        let p = of(&config.spec);
        let need = &p.config_maps["minio-ca"];
        assert_eq!(need.keys.iter().collect::<Vec<_>>(), ["ca.crt"]);
        assert!(!p.secrets.contains_key("minio-ca"));
        let text = p.to_text("monitoring");
        assert!(
            text.contains(
                "ConfigMaps in namespace `monitoring`:\n  minio-ca: keys ca.crt (for the object store's CA bundle)\n"
            ),
            "{text}"
        );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["configMaps"]["minio-ca"]["keys"][0], "ca.crt");
    }

    #[test]
    fn a_ca_bundle_secret_is_listed_among_the_secrets() {
        let config = with_ca(CaBundle {
            secret: Some(SecretKeyRef {
                name: "proxy-ca".parse().unwrap(),
                key: "ca.pem".to_owned(),
            }),
            config_map: None,
        });
        let p = of(&config.spec);
        assert!(p.secrets["proxy-ca"].keys.contains("ca.pem"));
        assert!(p.config_maps.is_empty());
    }

    #[test]
    fn without_config_maps_there_is_no_config_map_section() {
        let p = of(&MonitoringStack::default().spec);
        assert!(!p.to_text("monitoring").contains("ConfigMaps"));
        // The JSON form keeps the shape it had before ConfigMaps could be needed.
        assert!(
            serde_json::to_value(&p)
                .unwrap()
                .get("configMaps")
                .is_none()
        );
    }
}
