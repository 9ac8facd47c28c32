//! The config's own `metadata.labels` and `metadata.annotations`, which every rendered object
//! carries: well-formed Kubernetes keys and values, and none a key stackgen sets on some
//! object, since the object's own value would win and the user's would silently vanish.

use super::Findings;
use super::pods::keys_and_values;
use crate::config::model::Metadata;

/// Label keys stackgen sets: the recommended labels it selects by, the Store API discovery
/// label, the namespace's name and Pod Security labels, and its own.
const OWNED_LABELS: [&str; 5] = [
    "app.kubernetes.io/",
    "thanos-store-api",
    "kubernetes.io/metadata.name",
    "pod-security.kubernetes.io/",
    "stackgen.dev/",
];
/// Annotation prefixes stackgen writes on some object: the ingress controller's and
/// cert-manager's on the Ingresses, its own on what the KRM function generates.
const OWNED_ANNOTATIONS: [&str; 3] = [
    "nginx.ingress.kubernetes.io/",
    "cert-manager.io/",
    "stackgen.dev/",
];

pub(super) fn metadata_is_well_formed(metadata: &Metadata, f: &mut Findings) {
    for key in metadata.labels.keys() {
        if OWNED_LABELS.iter().any(|owned| key.starts_with(owned)) {
            f.error(
                &format!("metadata.labels.{key}"),
                format!("`{key}` is a label stackgen sets on its objects"),
                "choose a key outside `app.kubernetes.io/*`, `pod-security.kubernetes.io/*`, `stackgen.dev/*`, `thanos-store-api` and `kubernetes.io/metadata.name`, such as `example.com/team`",
            );
        }
    }
    keys_and_values(f, "metadata.labels", &metadata.labels, true);
    for key in metadata.annotations.keys() {
        if OWNED_ANNOTATIONS.iter().any(|owned| key.starts_with(owned)) {
            f.error(
                &format!("metadata.annotations.{key}"),
                format!("`{key}` is an annotation stackgen sets on some of its objects"),
                "an ingress setting belongs under `spec.ingress`; choose another key for an annotation of every object",
            );
        }
    }
    keys_and_values(f, "metadata.annotations", &metadata.annotations, false);
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{expect, load_text};
    use crate::diagnostic::Severity;

    fn config(metadata: &str) -> String {
        format!("apiVersion: stackgen.dev/v1alpha1\nkind: MonitoringStack\nmetadata:\n{metadata}")
    }

    #[test]
    fn owned_and_malformed_keys_are_refused() {
        let text = config(
            "  labels: {app.kubernetes.io/part-of: mine, team: 'a b'}\n  annotations: {nginx.ingress.kubernetes.io/auth-type: basic, 'bad key': x}\n",
        );
        let ds = load_text(&text).unwrap_err().diagnostics;
        expect(
            &ds,
            Severity::Error,
            "metadata.labels.app.kubernetes.io/part-of",
            "a label stackgen sets",
        );
        expect(
            &ds,
            Severity::Error,
            "metadata.labels.team",
            "not a valid label value",
        );
        expect(
            &ds,
            Severity::Error,
            "metadata.annotations.nginx.ingress.kubernetes.io/auth-type",
            "an annotation stackgen sets",
        );
        expect(
            &ds,
            Severity::Error,
            "metadata.annotations.bad key",
            "is not a valid key",
        );
    }

    /// The annotations kustomize and kpt add describe the config file; they are not refused
    /// (a KRM functionConfig carries them) and never reach the objects.
    #[test]
    fn tooling_annotations_are_accepted() {
        let text = config(
            "  labels: {example.com/team: platform}\n  annotations: {config.kubernetes.io/local-config: 'true', example.com/owner: 'Team Platform <platform@example.com>'}\n",
        );
        assert!(load_text(&text).is_ok());
    }
}
