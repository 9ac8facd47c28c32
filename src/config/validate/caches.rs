//! Caches: each is in memory (the default) or in memcached, never both.

use super::Findings;
use crate::config::model::{Cache, Spec};

/// No cache of the stack names two kinds.
pub(super) fn caches_name_one_kind(spec: &Spec, f: &mut Findings) {
    let caches: [(&str, bool, &Cache); 1] = [(
        "spec.thanos.queryFrontend.cache",
        spec.thanos.query_frontend.enabled,
        &spec.thanos.query_frontend.cache,
    )];
    for (path, used, cache) in caches {
        if !used {
            continue;
        }
        if cache.in_memory.is_some() && cache.memcached.is_some() {
            f.error(
                path,
                "sets both `inMemory` and `memcached`".to_owned(),
                "keep one (`inMemory: null` turns off one set by a profile or base file)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{passes, rejects};

    #[test]
    fn a_cache_is_one_kind() {
        rejects(
            "thanos: {queryFrontend: {cache: {inMemory: {maxSize: 1GB}, memcached: {addresses: ['m:11211']}}}}",
            "spec.thanos.queryFrontend.cache",
            "both",
        );
        passes(
            "thanos: {queryFrontend: {cache: {}}}",
            "spec.thanos.queryFrontend.cache",
        );
        passes(
            "thanos: {queryFrontend: {cache: {memcached: {addresses: ['m.example.com:11211']}}}}",
            "spec.thanos.queryFrontend.cache",
        );
    }

    #[test]
    fn sizes_are_checked() {
        rejects(
            "thanos: {queryFrontend: {cache: {inMemory: {maxSize: 1 gig}}}}",
            "spec.thanos.queryFrontend.cache.inMemory.maxSize",
            "`1 gig`",
        );
    }
}
