//! Install order: Helm's kind order (namespaces and RBAC before workloads), then namespace,
//! then name, so output is byte-identical on every run and applies cleanly in one pass.

/// Helm's kind order, then the Gateway API routes: Helm does not know them and installs them
/// last, with the unknown kinds, which is where they belong (after the Services they route
/// to); naming them keeps HTTPRoutes before the GRPCRoute on purpose.
const KIND_ORDER: [&str; 33] = [
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
    "MutatingWebhookConfiguration",
    "HTTPRoute",
    "GRPCRoute",
];

/// Position of `kind` in the install order; unknown kinds go last.
pub fn rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KIND_ORDER.len())
}
