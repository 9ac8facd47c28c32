//! Built-in profiles: named config layers embedded in the binary from `profiles/*.yaml`.

/// One built-in profile.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    pub name: &'static str,
    pub summary: &'static str,
    pub text: &'static str,
}

impl Profile {
    /// The name diagnostics show for this layer.
    pub fn file_name(&self) -> String {
        format!("profiles/{}.yaml", self.name)
    }
}

macro_rules! profile {
    ($name:literal, $summary:literal) => {
        Profile {
            name: $name,
            summary: $summary,
            text: include_str!(concat!("../../profiles/", $name, ".yaml")),
        }
    };
}

static PROFILES: [Profile; 5] = [
    profile!(
        "dev",
        "single replicas, filesystem object storage, no ingress: a laptop or CI cluster"
    ),
    profile!(
        "eks",
        "Amazon EKS: S3 buckets reached through IRSA, gp3 volumes, spread over zones"
    ),
    profile!(
        "gke",
        "Google GKE: GCS buckets reached through Workload Identity, spread over zones"
    ),
    profile!(
        "ha",
        "the article's HA stack (the default): 3 Prometheus replicas, GCS, nginx ingress"
    ),
    profile!(
        "observer",
        "a global querier: Query federates other clusters' Store APIs, Grafana and Ruler on top"
    ),
];

pub fn all() -> &'static [Profile] {
    &PROFILES
}

pub fn find(name: &str) -> Option<Profile> {
    PROFILES.iter().copied().find(|p| p.name == name)
}
