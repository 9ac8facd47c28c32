//! Pod placement and metadata a platform asks for (node selectors, taints, priority, pull
//! secrets, extra labels): one type, set once under `spec.defaults.pod` and per component.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::types::DnsName;

/// Defaults every component starts from.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Defaults {
    /// Pod settings of every component; a component's own `pod` overrides them field by
    /// field: maps merge key by key (`{}` clears them), lists and `affinity` replace
    /// (`[]` and `{}` clear them).
    #[serde(skip_serializing_if = "PodSettings::is_empty")]
    pub pod: PodSettings,
}

impl Defaults {
    pub fn is_empty(&self) -> bool {
        self.pod.is_empty()
    }
}

/// Where a component's pods may run and what they carry besides stackgen's own settings.
/// Every field is added to what stackgen writes, never in place of it: labels and
/// annotations never enter a selector, spread constraints and affinity come on top of
/// stackgen's replica spread.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodSettings {
    /// Node labels the pods must run on (`nodeSelector`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Taints the pods tolerate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<core::Toleration>>,
    /// Node and pod (anti-)affinity, added to stackgen's topology spread of replicas
    /// (`{}` sets none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<core::Affinity>,
    /// PriorityClass of the pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<DnsName>,
    /// Names of Secrets (in the stack's namespace) to pull images with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pull_secrets: Option<Vec<DnsName>>,
    /// Extra labels on the pods (never in selectors; `app.kubernetes.io/*` are stackgen's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_labels: Option<BTreeMap<String, String>>,
    /// Extra annotations on the pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_annotations: Option<BTreeMap<String, String>>,
    /// Spread constraints appended to stackgen's own (one replica per node or zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topology_spread_constraints: Option<Vec<core::TopologySpreadConstraint>>,
    /// The ids the pods run as, within the restricted profile: every container stays
    /// non-root, with no privilege escalation, no capabilities and a read-only root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurity>,
}

/// The user and groups of a component's pods. Fields merge one by one over the defaults'.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct PodSecurity {
    /// Who picks the uid, gid and fsGroup. `stackgen` (the default): fixed ids, 65534
    /// (nobody) unless set below, so volumes are writable on any cluster. `platform`: none
    /// is written and the platform assigns them, as OpenShift's `restricted-v2`
    /// SecurityContextConstraints require (it refuses ids outside the namespace's range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<IdSource>,
    /// The uid of every container (not 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub run_as_user: Option<u32>,
    /// The primary gid of every container (not 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub run_as_group: Option<u32>,
    /// The group that owns the volumes (not 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub fs_group: Option<u32>,
    /// `OnRootMismatch` skips re-owning a large volume whose root is already right, which
    /// speeds up Prometheus's restarts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fs_group_change_policy: Option<FsGroupChangePolicy>,
    /// More groups of every container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplemental_groups: Option<Vec<u32>>,
    /// SELinux context of the pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se_linux_options: Option<core::SELinuxOptions>,
}

/// Who assigns the pods' ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum IdSource {
    /// stackgen writes them.
    Stackgen,
    /// The platform assigns them (OpenShift's SCCs).
    Platform,
}

/// When the kubelet re-owns a volume for `fsGroup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FsGroupChangePolicy {
    /// Only when the volume's root has another owner or mode.
    OnRootMismatch,
    /// On every mount.
    Always,
}

impl FsGroupChangePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            FsGroupChangePolicy::OnRootMismatch => "OnRootMismatch",
            FsGroupChangePolicy::Always => "Always",
        }
    }
}

impl PodSecurity {
    /// `self` (the defaults') with each field `component` sets replacing it.
    fn overridden_by(&self, component: &Self) -> Self {
        fn pick<T: Clone>(base: &Option<T>, over: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        Self {
            ids: pick(&self.ids, &component.ids),
            run_as_user: pick(&self.run_as_user, &component.run_as_user),
            run_as_group: pick(&self.run_as_group, &component.run_as_group),
            fs_group: pick(&self.fs_group, &component.fs_group),
            fs_group_change_policy: pick(
                &self.fs_group_change_policy,
                &component.fs_group_change_policy,
            ),
            supplemental_groups: pick(&self.supplemental_groups, &component.supplemental_groups),
            se_linux_options: pick(&self.se_linux_options, &component.se_linux_options),
        }
    }

    /// The platform assigns the ids.
    pub fn platform_ids(&self) -> bool {
        self.ids == Some(IdSource::Platform)
    }
}

impl PodSettings {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `self` (the defaults) overridden by `component`, field by field. Maps merge key by key,
    /// the component's value winning, so a platform-wide label survives a component adding
    /// its own; an empty map (`nodeSelector: {}`) clears the defaults'. Lists replace, so a component can drop a default toleration or pull secret
    /// (`tolerations: []`), which it could not if lists were appended. `affinity` replaces
    /// as a whole (`affinity: {}` clears it): its terms are ANDed or ORed by position, and
    /// merging them would change what either side meant.
    pub fn overridden_by(&self, component: &Self) -> Self {
        fn map(
            base: &Option<BTreeMap<String, String>>,
            over: &Option<BTreeMap<String, String>>,
        ) -> Option<BTreeMap<String, String>> {
            match (base, over) {
                // An empty map is how a component opts out of the defaults' entries.
                (Some(b), Some(o)) if !o.is_empty() => {
                    let mut m = b.clone();
                    m.extend(o.clone());
                    Some(m)
                }
                (b, None) => b.clone(),
                (_, o) => o.clone(),
            }
        }
        fn pick<T: Clone>(base: &Option<T>, over: &Option<T>) -> Option<T> {
            over.clone().or_else(|| base.clone())
        }
        Self {
            node_selector: map(&self.node_selector, &component.node_selector),
            tolerations: pick(&self.tolerations, &component.tolerations),
            affinity: pick(&self.affinity, &component.affinity),
            priority_class_name: pick(&self.priority_class_name, &component.priority_class_name),
            image_pull_secrets: pick(&self.image_pull_secrets, &component.image_pull_secrets),
            pod_labels: map(&self.pod_labels, &component.pod_labels),
            pod_annotations: map(&self.pod_annotations, &component.pod_annotations),
            topology_spread_constraints: pick(
                &self.topology_spread_constraints,
                &component.topology_spread_constraints,
            ),
            security_context: match (&self.security_context, &component.security_context) {
                (Some(base), Some(over)) => Some(base.overridden_by(over)),
                (base, over) => pick(base, over),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    fn toleration(key: &str) -> core::Toleration {
        core::Toleration {
            key: Some(key.to_owned()),
            operator: Some("Exists".to_owned()),
            ..core::Toleration::default()
        }
    }

    #[test]
    fn component_maps_merge_over_the_defaults_key_by_key() {
        let defaults = PodSettings {
            node_selector: labels(&[("pool", "infra"), ("os", "linux")]),
            pod_labels: labels(&[("team", "platform")]),
            ..PodSettings::default()
        };
        let component = PodSettings {
            node_selector: labels(&[("pool", "monitoring")]),
            pod_annotations: labels(&[("a", "b")]),
            ..PodSettings::default()
        };
        let merged = defaults.overridden_by(&component);
        assert_eq!(
            merged.node_selector,
            labels(&[("os", "linux"), ("pool", "monitoring")])
        );
        assert_eq!(merged.pod_labels, labels(&[("team", "platform")]));
        assert_eq!(merged.pod_annotations, labels(&[("a", "b")]));
        let cleared = defaults.overridden_by(&PodSettings {
            node_selector: Some(BTreeMap::new()),
            ..PodSettings::default()
        });
        assert_eq!(cleared.node_selector, Some(BTreeMap::new()));
    }

    #[test]
    fn component_lists_replace_the_defaults_and_an_empty_list_clears_them() {
        let defaults = PodSettings {
            tolerations: Some(vec![toleration("infra")]),
            image_pull_secrets: Some(vec![DnsName::lit("mirror")]),
            priority_class_name: Some(DnsName::lit("low")),
            ..PodSettings::default()
        };
        let component = PodSettings {
            tolerations: Some(vec![toleration("gpu")]),
            image_pull_secrets: Some(Vec::new()),
            ..PodSettings::default()
        };
        let merged = defaults.overridden_by(&component);
        assert_eq!(merged.tolerations, Some(vec![toleration("gpu")]));
        assert_eq!(merged.image_pull_secrets, Some(Vec::new()));
        assert_eq!(merged.priority_class_name, Some(DnsName::lit("low")));
        assert_eq!(PodSettings::default().overridden_by(&defaults), defaults);
    }
}
