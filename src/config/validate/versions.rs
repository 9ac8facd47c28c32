//! What a Kubernetes version older than the newest APIs stackgen relies on means for the
//! stack.

use super::Findings;
use crate::config::model::{KubernetesVersion, Spec};

/// Before 1.33 the native sidecar (an init container that keeps running), which the Thanos
/// sidecar is, stands behind the `SidecarContainers` feature gate: beta and on by default
/// from 1.29, so it runs unless a cluster switched the gate off.
pub(super) fn sidecars_run_natively(spec: &Spec, f: &mut Findings) {
    if spec.prometheus.enabled && spec.kubernetes_version < KubernetesVersion::V1_33 {
        f.note(
            "spec.kubernetesVersion",
            "is before 1.33, where the Thanos sidecar runs as a native sidecar under the `SidecarContainers` feature gate (beta, on by default since 1.29)".to_owned(),
            "check that your clusters leave the gate on: with it off, the API server drops the sidecar's `restartPolicy` and Prometheus never starts",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, passes};
    use crate::diagnostic::Severity;

    #[test]
    fn older_versions_are_accepted_with_a_note_on_the_sidecar() {
        for version in ["'1.29'", "'1.30'", "'1.31'", "'1.32'"] {
            let ds = diagnostics(&format!("kubernetesVersion: {version}"));
            expect(
                &ds,
                Severity::Note,
                "spec.kubernetesVersion",
                "SidecarContainers",
            );
        }
        passes("kubernetesVersion: '1.33'", "spec.kubernetesVersion");
    }
}
