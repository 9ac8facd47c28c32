//! Caches: each is in memory (the default) or in memcached, never both, of a size that
//! fits, at addresses Thanos can dial; and the memcached stackgen renders for them, sized as
//! memcached accepts.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::Findings;
use crate::config::facts::MEMCACHED_MAX_ITEM_BYTES;
use crate::config::model::{Spec, Store};
use crate::config::types::Bytes;

const MIB: u64 = 1 << 20;

/// `[dns+|dnssrv+|dnssrvnoa+]host[:port]`, as Thanos's DNS provider reads a memcached
/// address (`pkg/discovery/dns`).
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(dns\+|dnssrv\+|dnssrvnoa\+)?([A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9])?)(:([0-9]{1,5}))?$")
        .expect("valid")
});

/// Every cache in use is one kind, holds something, and names addresses Thanos can dial.
pub(super) fn caches_are_usable(spec: &Spec, f: &mut Findings) {
    for (path, cache) in spec.caches() {
        match (&cache.in_memory, &cache.memcached) {
            (Some(_), Some(_)) => f.error(
                path,
                "sets both `inMemory` and `memcached`, but a cache lives in one place".to_owned(),
                "keep one (`inMemory: null` turns off one set by a profile or base file)",
            ),
            (Some(m), None) if m.max_size.bytes() == 0 => f.error(
                &format!("{path}.inMemory.maxSize"),
                format!("`{}` holds nothing", m.max_size),
                "give the cache a size such as `250MB`, or leave the cache out",
            ),
            (None, Some(m)) => addresses_are_dialable(
                spec,
                &format!("{path}.memcached.addresses"),
                &m.addresses,
                f,
            ),
            _ => {}
        }
    }
    in_memory_caches_fit(spec, f);
    rendered_memcached_starts(spec, f);
}

/// Each address of the user's memcached: a shape Thanos dials, listed once, and no name
/// of a Service in the stack's namespace, where stackgen renders only its own.
fn addresses_are_dialable(spec: &Spec, path: &str, addresses: &[String], f: &mut Findings) {
    let mut seen = BTreeSet::new();
    for (i, address) in addresses.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if !seen.insert(address.as_str()) {
            f.error(
                &at,
                format!("`{address}` is listed twice"),
                "list each server once",
            );
            continue;
        }
        let Some(m) = ADDRESS.captures(address) else {
            f.error(
                &at,
                format!("`{address}` is no memcached address"),
                "write `host:port`, `dns+host:port`, or a DNS SRV name as `dnssrv+_memcache._tcp.host` or `dnssrvnoa+…`",
            );
            continue;
        };
        let srv = m.get(1).is_some_and(|p| p.as_str().starts_with("dnssrv"));
        match m.get(5).map(|p| p.as_str().parse::<u32>()) {
            Some(Ok(1..=65535)) => {}
            Some(_) => f.error(
                &at,
                format!("`{address}` has no port between 1 and 65535"),
                "memcached listens on 11211 unless told otherwise",
            ),
            None if !srv => f.error(
                &at,
                format!("`{address}` has no port"),
                "write `host:11211`: only `dnssrv+` and `dnssrvnoa+` names take the port from DNS",
            ),
            None => {}
        }
        let host = &m[2];
        let labels: Vec<&str> = host.split('.').collect();
        if let Some(svc) = labels.iter().position(|l| *l == "svc")
            && svc >= 2
            && labels[svc - 1] == spec.namespace.as_str()
        {
            f.error(
                &at,
                format!(
                    "`{address}` names a Service in the stack's namespace `{}`, where stackgen renders only its own",
                    spec.namespace
                ),
                "leave `addresses` empty for the memcached stackgen renders, or run yours in another namespace",
            );
        }
    }
}

/// The in-memory caches of the Store gateway live in its container: more than its memory
/// limit gets it OOM-killed once they fill.
fn in_memory_caches_fit(spec: &Spec, f: &mut Findings) {
    let store = &spec.thanos.store;
    let Some(limit) = &store.resources.limits.memory else {
        return;
    };
    let in_memory: Vec<(&str, u64)> = spec
        .caches()
        .into_iter()
        .filter(|(path, _)| path.starts_with("spec.thanos.store."))
        .filter(|(_, c)| c.memcached.is_none())
        .map(|(path, c)| {
            let size = c.max_size(Store::CACHE_SIZE);
            (path, size.parse::<Bytes>().map_or(0, |b| b.bytes()))
        })
        .collect();
    let total: u64 = in_memory.iter().map(|(_, b)| b).sum();
    if let Some((path, _)) = in_memory.last()
        && total as f64 >= limit.value()
    {
        f.error(
            &format!("{path}.inMemory.maxSize"),
            format!(
                "the Store gateway's in-memory caches hold {} MiB, not less than its memory limit `{limit}`",
                total / MIB
            ),
            "the container is OOM-killed once they fill: raise `thanos.store.resources.limits.memory`, shrink the caches, or move them to memcached",
        );
    }
}

/// The memcached stackgen renders, where a cache asks for it: some servers, with memory
/// memcached accepts and a container that holds it.
fn rendered_memcached_starts(spec: &Spec, f: &mut Findings) {
    let Some((user, _)) = spec
        .caches()
        .into_iter()
        .find(|(_, c)| c.in_rendered_memcached())
    else {
        return;
    };
    let m = &spec.memcached;
    if m.replicas == 0 {
        f.error(
            "spec.memcached.replicas",
            format!("is 0, but `{user}` caches in the memcached stackgen renders"),
            "Thanos's memcached client refuses to start with no server: use 1 or more (3 spreads the cache over nodes)",
        );
    }
    let bytes = m.max_memory.bytes();
    if !bytes.is_multiple_of(MIB) {
        f.error(
            "spec.memcached.maxMemory",
            format!("`{}` is not a whole number of MiB", m.max_memory),
            "memcached counts its memory in MiB (`--memory-limit`): use a size such as `1GiB` or `512MiB`",
        );
    } else if bytes < 2 * MEMCACHED_MAX_ITEM_BYTES {
        f.error(
            "spec.memcached.maxMemory",
            format!(
                "`{}` is less than twice the 1MiB largest item, and memcached refuses to start so",
                m.max_memory
            ),
            "use at least `2MiB`; `1GiB` is the default",
        );
    }
    if let Some(limit) = &m.resources.limits.memory
        && limit.value() < bytes as f64
    {
        f.error(
            "spec.memcached.resources.limits.memory",
            format!("`{limit}` is less than `maxMemory: {}`", m.max_memory),
            "memcached is OOM-killed once its cache fills: allow about 1.5 times `maxMemory`, or lower `maxMemory`",
        );
    }
}

/// A cache in the memcached stackgen renders, for tests.
#[cfg(test)]
pub(super) fn rendered() -> crate::config::model::Cache {
    crate::config::model::Cache {
        in_memory: None,
        memcached: Some(crate::config::model::MemcachedCache::default()),
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{diagnostics, expect, passes, rejects};
    use crate::diagnostic::Severity;

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
        let loaded = passes(
            "thanos: {store: {indexCache: {memcached: {}}, bucketCache: {}}}",
            "spec.thanos.store.indexCache",
        );
        assert_eq!(
            loaded.config.spec.thanos.store.index_cache,
            super::rendered()
        );
        rejects(
            "thanos: {store: {bucketCache: {inMemory: {maxSize: 1GB}, memcached: {}}}}",
            "spec.thanos.store.bucketCache",
            "sets both `inMemory` and `memcached`",
        );
    }

    #[test]
    fn sizes_are_checked() {
        rejects(
            "thanos: {queryFrontend: {cache: {inMemory: {maxSize: 1 gig}}}}",
            "spec.thanos.queryFrontend.cache.inMemory.maxSize",
            "`1 gig`",
        );
        rejects(
            "thanos: {store: {indexCache: {inMemory: {maxSize: 0MB}}}}",
            "spec.thanos.store.indexCache.inMemory.maxSize",
            "`0MB` holds nothing",
        );
    }

    #[test]
    fn memcached_addresses_must_be_dialable() {
        let ds = diagnostics(
            "
            thanos:
              store:
                indexCache:
                  memcached:
                    addresses:
                      - cache.example.com
                      - 'cache-1.example.com:99999'
                      - 'http://cache.example.com:11211'
                      - 'memcached.monitoring.svc.cluster.local:11211'
                      - 'dnssrvnoa+_memcache._tcp.memcached.cache.svc.cluster.local'
                      - 'dnssrvnoa+_memcache._tcp.memcached.cache.svc.cluster.local'
            ",
        );
        let at = |i: usize| format!("spec.thanos.store.indexCache.memcached.addresses[{i}]");
        expect(&ds, Severity::Error, &at(0), "has no port");
        expect(&ds, Severity::Error, &at(1), "no port between 1 and 65535");
        expect(&ds, Severity::Error, &at(2), "is no memcached address");
        expect(
            &ds,
            Severity::Error,
            &at(3),
            "names a Service in the stack's namespace `monitoring`",
        );
        expect(&ds, Severity::Error, &at(5), "is listed twice");
        assert!(
            ds.iter().all(|d| d.path.as_deref() != Some(&at(4))),
            "{ds:#?}"
        );
    }

    #[test]
    fn in_memory_caches_must_fit_the_store_gateway() {
        // The index cache in memory by default: 250MB of the 600Mi limit.
        rejects(
            "thanos: {store: {resources: {requests: {memory: 200Mi}, limits: {memory: 600Mi}}, bucketCache: {inMemory: {maxSize: 350MB}}}}",
            "spec.thanos.store.bucketCache.inMemory.maxSize",
            "hold 600 MiB, not less than its memory limit `600Mi`",
        );
        rejects(
            "thanos: {store: {indexCache: {inMemory: {maxSize: 1GB}}, bucketCache: {inMemory: {maxSize: 1GB}}}}",
            "spec.thanos.store.bucketCache.inMemory.maxSize",
            "hold 2048 MiB, not less than its memory limit `2Gi`",
        );
    }

    #[test]
    fn the_rendered_memcached_must_be_able_to_start() {
        let ds = diagnostics(
            "
            thanos: {store: {bucketCache: {memcached: {}}}}
            memcached: {replicas: 0, maxMemory: 1500KB}
            ",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.memcached.replicas",
            "is 0, but `spec.thanos.store.bucketCache`",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.memcached.maxMemory",
            "is not a whole number of MiB",
        );
        rejects(
            "{thanos: {store: {bucketCache: {memcached: {}}}}, memcached: {maxMemory: 1MiB}}",
            "spec.memcached.maxMemory",
            "less than twice the 1MiB largest item",
        );
        rejects(
            "{thanos: {store: {bucketCache: {memcached: {}}}}, memcached: {maxMemory: 2GiB}}",
            "spec.memcached.resources.limits.memory",
            "`1536Mi` is less than `maxMemory: 2GiB`",
        );
    }

    #[test]
    fn memcached_settings_matter_only_when_it_runs() {
        passes(
            "memcached: {replicas: 0, maxMemory: 1MiB}",
            "spec.memcached",
        );
        passes(
            "thanos: {store: {indexCache: {memcached: {addresses: ['cache.example.com:11211']}}}}\nmemcached: {replicas: 0}",
            "spec.memcached.replicas",
        );
    }
}
