//! The round-trip check: every rendered document goes through its k8s-openapi type and back.
//!
//! k8s-openapi ignores unknown fields when deserialising, so a misspelt field would simply
//! vanish. Comparing every non-null path of what the template wrote with what the typed
//! object gives back turns such a slip into an error naming the template and the field.

use k8s_openapi::api::{apps, core, networking, policy, rbac};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value as Json;

use super::gateway_api;

/// The typed, canonical form of `doc`, or why it is not a valid object of its kind.
pub fn round_trip(doc: &Json) -> Result<Json, String> {
    let api_version = doc
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let kind = doc.get("kind").and_then(Json::as_str).unwrap_or_default();
    let typed = match (api_version, kind) {
        ("v1", "Namespace") => through::<core::v1::Namespace>(doc),
        ("v1", "ServiceAccount") => through::<core::v1::ServiceAccount>(doc),
        ("v1", "ConfigMap") => through::<core::v1::ConfigMap>(doc),
        ("v1", "Secret") => through::<core::v1::Secret>(doc),
        ("v1", "Service") => through::<core::v1::Service>(doc),
        ("v1", "PersistentVolumeClaim") => through::<core::v1::PersistentVolumeClaim>(doc),
        ("apps/v1", "StatefulSet") => through::<apps::v1::StatefulSet>(doc),
        ("apps/v1", "Deployment") => through::<apps::v1::Deployment>(doc),
        ("apps/v1", "DaemonSet") => through::<apps::v1::DaemonSet>(doc),
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => through::<rbac::v1::ClusterRole>(doc),
        ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") => {
            through::<rbac::v1::ClusterRoleBinding>(doc)
        }
        ("rbac.authorization.k8s.io/v1", "Role") => through::<rbac::v1::Role>(doc),
        ("rbac.authorization.k8s.io/v1", "RoleBinding") => through::<rbac::v1::RoleBinding>(doc),
        ("policy/v1", "PodDisruptionBudget") => through::<policy::v1::PodDisruptionBudget>(doc),
        ("networking.k8s.io/v1", "Ingress") => through::<networking::v1::Ingress>(doc),
        ("networking.k8s.io/v1", "NetworkPolicy") => through::<networking::v1::NetworkPolicy>(doc),
        // Gateway API is not in k8s-openapi: its routes go through stackgen's own types,
        // which refuse any field they do not know (`render/gateway_api.rs`).
        (gateway_api::API_VERSION, "HTTPRoute") => through::<gateway_api::HttpRoute>(doc),
        (gateway_api::API_VERSION, "GRPCRoute") => through::<gateway_api::GrpcRoute>(doc),
        _ => {
            return Err(format!(
                "no Kubernetes type for apiVersion `{api_version}`, kind `{kind}`"
            ));
        }
    }?;
    match first_loss(doc, &typed) {
        Some(loss) => Err(loss),
        None => Ok(typed),
    }
}

fn through<T: DeserializeOwned + Serialize>(doc: &Json) -> Result<Json, String> {
    // Tracking the path costs on every field; only a failure needs it, so it is read again.
    let typed: T = T::deserialize(doc).or_else(|_| {
        serde_path_to_error::deserialize(doc)
            .map_err(|e| format!("field `{}`: {}", e.path(), e.inner()))
    })?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

/// The first non-null path of `written` that `typed` lost or changed.
fn first_loss(written: &Json, typed: &Json) -> Option<String> {
    let (mut segments, why) = loss(written, typed)?;
    segments.reverse();
    let mut at = String::new();
    for segment in segments {
        match segment {
            Segment::Key(key) if at.is_empty() => at.push_str(key),
            Segment::Key(key) => {
                at.push('.');
                at.push_str(key);
            }
            Segment::Index(i) => at.push_str(&format!("[{i}]")),
        }
    }
    Some(match why {
        Why::Unknown => {
            format!("field `{at}` is not part of the Kubernetes type (misspelt or misplaced?)")
        }
        Why::Length => format!("list `{at}` changed length in the round-trip"),
        Why::Changed(scalar, typed) => {
            format!("field `{at}`: wrote {scalar}, the Kubernetes type reads {typed}")
        }
    })
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

enum Why<'a> {
    Unknown,
    Length,
    Changed(&'a Json, &'a Json),
}

/// `value[key]`. A Kubernetes object's maps mostly hold a handful of fields, and comparing
/// a few short keys costs less than hashing one with serde_json's SipHash, which was most
/// of this check.
fn field<'a>(value: &'a Json, key: &str) -> Option<&'a Json> {
    match value {
        Json::Object(map) if map.len() <= 12 => {
            map.iter().find_map(|(k, v)| (k == key).then_some(v))
        }
        Json::Object(map) => map.get(key),
        _ => None,
    }
}

/// Where `written` and `typed` first part, innermost segment first; the path is only
/// built for a loss, as nearly every object has none.
fn loss<'a>(written: &'a Json, typed: &'a Json) -> Option<(Vec<Segment<'a>>, Why<'a>)> {
    match written {
        Json::Null => None,
        Json::Object(map) => map.iter().find_map(|(key, value)| {
            let (mut segments, why) = match field(typed, key) {
                Some(t) => loss(value, t)?,
                None if value.is_null() => return None,
                None => (Vec::new(), Why::Unknown),
            };
            segments.push(Segment::Key(key));
            Some((segments, why))
        }),
        Json::Array(items) => {
            let Some(typed_items) = typed.as_array().filter(|t| t.len() == items.len()) else {
                return Some((Vec::new(), Why::Length));
            };
            items
                .iter()
                .zip(typed_items)
                .enumerate()
                .find_map(|(i, (w, t))| {
                    let (mut segments, why) = loss(w, t)?;
                    segments.push(Segment::Index(i));
                    Some((segments, why))
                })
        }
        scalar if scalar == typed => None,
        scalar => Some((Vec::new(), Why::Changed(scalar, typed))),
    }
}

#[cfg(test)]
mod tests {
    use super::round_trip;
    use serde_json::json;

    #[test]
    fn a_misspelt_field_fails_the_round_trip() {
        let doc = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "x"},
            "spec": {"replicsa": 3, "selector": {"matchLabels": {"a": "b"}},
                     "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
        });
        let err = round_trip(&doc).unwrap_err();
        assert!(err.contains("`spec.replicsa`"), "{err}");
    }

    #[test]
    fn a_value_of_the_wrong_type_fails_the_round_trip() {
        let doc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                         "spec": {"ports": [{"port": "http"}]}});
        assert!(round_trip(&doc).unwrap_err().contains("spec.ports[0].port"));
        let doc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                         "spec": {"ports": [{"port": 80, "protocl": "TCP"}]}});
        let err = round_trip(&doc).unwrap_err();
        assert!(
            err.contains("field `spec.ports[0].protocl` is not part"),
            "{err}"
        );
    }

    #[test]
    fn a_well_formed_object_round_trips() {
        let doc = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"on": "yes"}});
        assert_eq!(round_trip(&doc).unwrap()["data"]["on"], "yes");
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        let doc = json!({"apiVersion": "v9", "kind": "Thing", "metadata": {"name": "x"}});
        assert!(round_trip(&doc).is_err());
    }
}
