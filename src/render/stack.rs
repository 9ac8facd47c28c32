//! What every component builder reads: the validated config and the facts derived from it
//! once (namespace, instance, labels, in-cluster addresses). Immutable once built.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::templates::Templates;
use crate::config::model::{MonitoringStack, Spec};
use crate::config::types::ImageRef;

/// Labels of an object: `app.kubernetes.io/*` as Kubernetes recommends.
pub type Labels = BTreeMap<String, String>;

/// The pod label every Store API server carries; Query finds them all through it.
pub const STORE_API_LABEL: (&str, &str) = ("thanos-store-api", "true");

const PART_OF: &str = "monitoring-stack";
const MANAGED_BY: &str = "stackgen";

pub struct Stack<'a> {
    pub spec: &'a Spec,
    pub namespace: &'a str,
    /// `metadata.name` of the config: the `app.kubernetes.io/instance` of every object.
    pub instance: &'a str,
    pub templates: &'a Templates,
    /// The config's own `metadata.labels` and `metadata.annotations` (kustomize's and kpt's
    /// annotations left out), by the metadata field they go in on every object (see [`Stack::stamp`]).
    stamped: [(&'static str, Vec<(&'a str, &'a str)>); 2],
}

impl<'a> Stack<'a> {
    pub fn new(config: &'a MonitoringStack, templates: &'a Templates) -> Self {
        let pairs = |map: &'a BTreeMap<String, String>, keep: fn(&str) -> bool| {
            map.iter()
                .filter(|(key, _)| keep(key))
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect()
        };
        let metadata = &config.metadata;
        Self {
            spec: &config.spec,
            namespace: config.spec.namespace.as_str(),
            instance: metadata.name.as_str(),
            templates,
            stamped: [
                ("labels", pairs(&metadata.labels, |_| true)),
                (
                    "annotations",
                    pairs(&metadata.annotations, |key| !is_tooling_annotation(key)),
                ),
            ],
        }
    }

    /// Adds the config's labels and annotations to a rendered object's metadata, under its
    /// own: validation refuses the keys stackgen sets, so none is replaced. Only the
    /// object's metadata: selectors stay what they were, and pod templates too, so a
    /// label on the config rolls no pod (`defaults.pod.podLabels` is how pods get some).
    pub fn stamp(&self, object: &mut serde_json::Value) {
        let Some(metadata) = object
            .get_mut("metadata")
            .and_then(serde_json::Value::as_object_mut)
        else {
            return;
        };
        for (field, pairs) in &self.stamped {
            if pairs.is_empty() {
                continue;
            }
            let map = metadata
                .entry(*field)
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let Some(map) = map.as_object_mut() {
                for (key, value) in pairs {
                    map.entry(*key)
                        .or_insert_with(|| serde_json::Value::String((*value).to_owned()));
                }
            }
        }
    }

    /// The immutable selector of a component: name and instance, never the version.
    pub fn selector(&self, name: &str) -> Labels {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), name.to_owned()),
            (
                "app.kubernetes.io/instance".to_owned(),
                self.instance.to_owned(),
            ),
        ])
    }

    /// Recommended labels of a component's objects. The version is the image's tag, for
    /// objects that run one.
    pub fn labels(&self, name: &str, component: &str, image: Option<&ImageRef>) -> Labels {
        let mut labels = self.selector(name);
        labels.insert(
            "app.kubernetes.io/component".to_owned(),
            component.to_owned(),
        );
        labels.insert("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned());
        labels.insert(
            "app.kubernetes.io/managed-by".to_owned(),
            MANAGED_BY.to_owned(),
        );
        if let Some(tag) = image.and_then(ImageRef::tag).filter(|t| is_label_value(t)) {
            labels.insert("app.kubernetes.io/version".to_owned(), tag.to_owned());
        }
        labels
    }

    /// Labels of the objects that belong to the stack as a whole (namespace, policies).
    pub fn stack_labels(&self) -> Labels {
        BTreeMap::from([
            (
                "app.kubernetes.io/managed-by".to_owned(),
                MANAGED_BY.to_owned(),
            ),
            ("app.kubernetes.io/part-of".to_owned(), PART_OF.to_owned()),
            (
                "app.kubernetes.io/instance".to_owned(),
                self.instance.to_owned(),
            ),
            (
                "kubernetes.io/metadata.name".to_owned(),
                self.namespace.to_owned(),
            ),
        ])
    }

    /// Every Store API server of this stack: sidecars, Store gateways, Rulers.
    pub fn store_api_selector(&self) -> Labels {
        BTreeMap::from([
            (STORE_API_LABEL.0.to_owned(), STORE_API_LABEL.1.to_owned()),
            (
                "app.kubernetes.io/instance".to_owned(),
                self.instance.to_owned(),
            ),
        ])
    }

    /// Metadata of a namespaced object.
    pub fn meta(&self, name: &str, labels: &Labels) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.to_owned()),
            labels: Some(labels.clone()),
            ..ObjectMeta::default()
        }
    }

    /// Metadata of a cluster-scoped object.
    pub fn cluster_meta(&self, name: &str, labels: &Labels) -> ObjectMeta {
        ObjectMeta {
            namespace: None,
            ..self.meta(name, labels)
        }
    }

    /// The ingress host of a UI: its name under the domain.
    pub fn public_host(&self, name: &str) -> String {
        format!("{name}.{}", self.spec.domain)
    }

    /// The address users open a UI at through the ingress (https with TLS), for the links
    /// a component puts in what it sends (alerts, notifications).
    pub fn public_url(&self, name: &str) -> String {
        let scheme = if self.spec.ingress.https() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.public_host(name))
    }

    /// The cluster's DNS domain, under which Services have their names.
    pub fn cluster_domain(&self) -> &str {
        self.spec.cluster_domain.as_str()
    }

    /// The DNS name of a Service of the stack.
    pub fn service_host(&self, service: &str) -> String {
        format!("{service}.{}.svc.{}", self.namespace, self.cluster_domain())
    }

    /// The DNS SRV name of a named port of a Service of the stack.
    pub fn srv(&self, port: &str, service: &str) -> String {
        format!("_{port}._tcp.{}", self.service_host(service))
    }
}

/// Annotations kustomize and kpt put on the config they pass a function: they describe the
/// config file (its path, index, that it is local), not the objects rendered from it, and
/// `config.kubernetes.io/local-config` on every object would make kustomize drop them all.
pub fn is_tooling_annotation(key: &str) -> bool {
    [
        "config.kubernetes.io/",
        "internal.config.kubernetes.io/",
        "config.k8s.io/",
        "kustomize.config.k8s.io/",
    ]
    .iter()
    .any(|prefix| key.starts_with(prefix))
}

fn is_label_value(s: &str) -> bool {
    s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use crate::config::model::MonitoringStack;

    #[test]
    fn the_configs_metadata_goes_on_every_object_and_nowhere_else() {
        let mut config = MonitoringStack::default();
        config.spec.ingress.basic_auth_secret = Some("auth".parse().unwrap());
        let metadata = &mut config.metadata;
        metadata
            .labels
            .insert("example.com/team".into(), "platform".into());
        metadata
            .annotations
            .insert("example.com/owner".into(), "platform@example.com".into());
        metadata
            .annotations
            .insert("config.kubernetes.io/local-config".into(), "true".into());
        let objects = crate::render::render(&config).expect("renders");
        for o in &objects {
            let meta = &o.value["metadata"];
            assert_eq!(
                meta["labels"]["example.com/team"],
                "platform",
                "{}",
                o.name()
            );
            assert_eq!(
                meta["annotations"]["example.com/owner"],
                "platform@example.com",
                "{}",
                o.name()
            );
            assert!(
                meta["annotations"]
                    .get("config.kubernetes.io/local-config")
                    .is_none()
            );
            let text = o.value["spec"].to_string();
            assert!(!text.contains("example.com/team"), "{}: {text}", o.name());
        }
        // The ingress keeps its own annotations beside the user's.
        let ingress = crate::render::testing::find(&objects, "Ingress", "monitoring-ingress");
        assert_eq!(
            ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/auth-type"],
            "basic"
        );
    }
}
