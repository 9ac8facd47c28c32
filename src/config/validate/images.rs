//! Images: the Thanos release knows the flags stackgen writes.

use super::Findings;
use crate::config::model::Spec;

/// The oldest Thanos release whose flags stackgen writes: Query's `--endpoint` (which
/// replaced `--store`, removed in 0.38) and the current sidecar reloader flags.
const OLDEST_THANOS: (u64, u64) = (0, 32);

pub(super) fn thanos_flags_match_the_image(spec: &Spec, f: &mut Findings) {
    let Some(tag) = spec.images.thanos.tag() else {
        return;
    };
    let mut numbers = tag
        .trim_start_matches('v')
        .split(['.', '-'])
        .map(str::parse::<u64>);
    let (Some(Ok(major)), Some(Ok(minor))) = (numbers.next(), numbers.next()) else {
        return; // not a release tag (`main-2025…`): nothing to compare
    };
    if (major, minor) < OLDEST_THANOS {
        f.warn(
            "spec.images.thanos",
            format!(
                "`{tag}` is older than Thanos v{}.{}, whose flags stackgen writes",
                OLDEST_THANOS.0, OLDEST_THANOS.1
            ),
            "Query uses `--endpoint`, which older releases may not know; pin v0.32 or newer",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, warns};

    #[test]
    fn old_thanos_images_are_warned_about() {
        warns(
            "images: {thanos: \"quay.io/thanos/thanos:v0.31.0\"}",
            "spec.images.thanos",
            "older than Thanos v0.32",
        );
    }

    #[test]
    fn current_and_untagged_thanos_images_pass() {
        passes(
            "images: {thanos: \"quay.io/thanos/thanos:v0.39.2\"}",
            "spec.images.thanos",
        );
        passes(
            "images: {thanos: \"quay.io/thanos/thanos:main-2025-01-01-abc\"}",
            "spec.images.thanos",
        );
    }
}

#[cfg(test)]
mod registry_tests {
    use crate::config::testing::{passes, rejects};

    #[test]
    fn a_mirror_is_a_host_with_an_optional_port_and_path() {
        passes(
            "images: {registry: 'registry.internal:5000/quay', pullPolicy: IfNotPresent}",
            "spec.images.registry",
        );
        rejects(
            "images: {registry: 'https://mirror.example.com'}",
            "spec.images.registry",
            "`https://mirror.example.com` is malformed",
        );
        rejects(
            "images: {pullPolicy: Sometimes}",
            "spec.images.pullPolicy",
            "Sometimes",
        );
    }
}
