//! The Store gateway's shards: every block served by exactly one shard of each hash, the time
//! partitions covering all of time without gaps or overlaps, and no more shards than a
//! cluster should run.

use super::Findings;
use crate::config::model::Spec;
use crate::config::types::When;

/// At most this many StatefulSets of Store gateways (hash shards times time partitions).
const MAX_SHARDS: u64 = 64;
/// At most this many Store gateway pods, as `thanos.store.replicas` alone allows.
const MAX_PODS: u64 = 1000;

pub(super) fn store_shards_cover_every_block(spec: &Spec, f: &mut Findings) {
    let store = &spec.thanos.store;
    if !store.enabled {
        return;
    }
    let shards = &store.shards;
    if shards.hash == Some(0) {
        f.error(
            "spec.thanos.store.shards.hash",
            "is 0, which leaves every block without a Store gateway".to_owned(),
            "use 2 or more hash shards (at most 64), or leave `hash` out",
        );
    }
    time_partitions_cover_all_time(spec, f);
    let count = shards.count();
    if count > MAX_SHARDS {
        f.error(
            "spec.thanos.store.shards",
            format!(
                "makes {count} shards ({} hash shards in each of {} time partitions), more than the {MAX_SHARDS} allowed",
                shards.hash_count(),
                shards.partition_count()
            ),
            "each shard is a StatefulSet of `replicas` Store gateways, all asked by every query: use fewer hash shards or time partitions",
        );
    } else if count * u64::from(store.replicas) > MAX_PODS {
        f.error(
            "spec.thanos.store.replicas",
            format!(
                "is {} in each of {count} shards: {} Store gateways, more than the {MAX_PODS} allowed",
                store.replicas,
                count * u64::from(store.replicas)
            ),
            "use fewer replicas or shards",
        );
    }
}

/// Oldest first: the first partition starts at the beginning of time, the last has no end,
/// and each ends where the next starts, so every block is served, and by one partition
/// only (Thanos loads a block that spans a boundary in both, and serves each its samples).
fn time_partitions_cover_all_time(spec: &Spec, f: &mut Findings) {
    let partitions = &spec.thanos.store.shards.time_partitions;
    let Some(last) = partitions.len().checked_sub(1) else {
        return;
    };
    let at =
        |i: usize, field: &str| format!("spec.thanos.store.shards.timePartitions[{i}].{field}");
    for (i, p) in partitions.iter().enumerate() {
        match (&p.min_time, i) {
            (Some(min), 0) => f.error(
                &at(0, "minTime"),
                format!("is `{min}`, so no Store gateway serves the blocks before it"),
                "leave `minTime` out of the first partition: it starts at the beginning of time",
            ),
            (None, i) if i > 0 => f.error(
                &at(i, "minTime"),
                format!(
                    "is unset, so the partition overlaps partition {} before it",
                    i - 1
                ),
                format!("set it to partition {}'s `maxTime`", i - 1),
            ),
            _ => {}
        }
        match (&p.max_time, i == last) {
            (Some(max), true) => f.error(
                &at(i, "maxTime"),
                format!("is `{max}`, so no Store gateway serves the blocks after it"),
                "leave `maxTime` out of the last partition: it has no end",
            ),
            (None, false) => f.error(
                &at(i, "maxTime"),
                format!(
                    "is unset, so the partition overlaps partition {} after it",
                    i + 1
                ),
                format!("set it to partition {}'s `minTime`", i + 1),
            ),
            _ => {}
        }
        if let (Some(min), Some(max)) = (&p.min_time, &p.max_time)
            && min.when().before(max.when()) == Some(false)
        {
            f.error(
                &at(i, "maxTime"),
                format!("`{max}` is not after the partition's `minTime: {min}`"),
                "partitions go oldest first, each from its `minTime` to a later `maxTime` (Thanos refuses a `--min-time` after `--max-time`)",
            );
        }
    }
    for (i, pair) in partitions.windows(2).enumerate() {
        let (Some(end), Some(start)) = (&pair[0].max_time, &pair[1].min_time) else {
            continue;
        };
        let (end_at, start_at) = (end.when(), start.when());
        if end_at == start_at {
            continue;
        }
        let why = match end_at.before(start_at) {
            Some(true) => "leaves a gap after",
            Some(false) => "overlaps",
            None if matches!(end_at, When::Relative(_))
                != matches!(start_at, When::Relative(_)) =>
            {
                "is one kind of time (relative or RFC3339) and the other kind is"
            }
            None => "differs from",
        };
        f.error(
            &at(i + 1, "minTime"),
            format!("`{start}` {why} partition {i}'s `maxTime: {end}`"),
            "make each partition's `minTime` the previous one's `maxTime`, in the same form, so every block is served once",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::model::TimePartition;
    use crate::config::testing::{diagnostics, expect, passes, rejects};
    use crate::diagnostic::Severity;

    #[test]
    fn partitions_covering_all_time_pass() {
        let loaded = passes(
            "
            thanos:
              store:
                shards:
                  hash: 4
                  timePartitions:
                    - {maxTime: -8w}
                    - {minTime: -56d, maxTime: -2w}
                    - {minTime: -2w}
            ",
            "spec.thanos.store.shards",
        );
        let shards = &loaded.config.spec.thanos.store.shards;
        assert_eq!(shards.count(), 12);
        assert_eq!(
            shards.time_partitions[2],
            TimePartition::between(Some("-2w"), None)
        );
        passes(
            "thanos: {store: {shards: {timePartitions: [{maxTime: '2025-01-01T00:00:00Z'}, {minTime: '2025-01-01T01:00:00+01:00'}]}}}",
            "spec.thanos.store.shards.timePartitions[1].minTime",
        );
    }

    #[test]
    fn zero_hash_shards_are_refused() {
        let d = rejects(
            "thanos: {store: {shards: {hash: 0}}}",
            "spec.thanos.store.shards.hash",
            "is 0, which leaves every block without a Store gateway",
        );
        assert!(d.help.unwrap().contains("2 or more"));
    }

    #[test]
    fn too_many_shards_are_refused() {
        rejects(
            "thanos: {store: {shards: {hash: 65}}}",
            "spec.thanos.store.shards.hash",
            "out of range",
        );
        rejects(
            "thanos: {store: {shards: {hash: 32, timePartitions: [{maxTime: -2w}, {minTime: -2w, maxTime: -1w}, {minTime: -1w}]}}}",
            "spec.thanos.store.shards",
            "makes 96 shards (32 hash shards in each of 3 time partitions), more than the 64 allowed",
        );
        rejects(
            "thanos: {store: {replicas: 100, shards: {hash: 16}}}",
            "spec.thanos.store.replicas",
            "1600 Store gateways, more than the 1000 allowed",
        );
    }

    #[test]
    fn the_ends_of_time_must_be_served() {
        let ds = diagnostics(
            "thanos: {store: {shards: {timePartitions: [{minTime: -1y, maxTime: -2w}, {minTime: -2w, maxTime: 1h}]}}}",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.thanos.store.shards.timePartitions[0].minTime",
            "is `-1y`, so no Store gateway serves the blocks before it",
        );
        expect(
            &ds,
            Severity::Error,
            "spec.thanos.store.shards.timePartitions[1].maxTime",
            "is `1h`, so no Store gateway serves the blocks after it",
        );
    }

    #[test]
    fn gaps_and_overlaps_are_refused() {
        let ds = diagnostics(
            "
            thanos:
              store:
                shards:
                  timePartitions:
                    - {maxTime: -8w}
                    - {minTime: -6w, maxTime: -2w}
                    - {minTime: -3w, maxTime: -1w}
                    - {minTime: '2025-01-01T00:00:00Z', maxTime: '2026-01-01T00:00:00Z'}
                    - {}
            ",
        );
        let at = |i: usize, f: &str| format!("spec.thanos.store.shards.timePartitions[{i}].{f}");
        expect(
            &ds,
            Severity::Error,
            &at(1, "minTime"),
            "`-6w` leaves a gap after partition 0's `maxTime: -8w`",
        );
        expect(
            &ds,
            Severity::Error,
            &at(2, "minTime"),
            "`-3w` overlaps partition 1's `maxTime: -2w`",
        );
        expect(
            &ds,
            Severity::Error,
            &at(3, "minTime"),
            "is one kind of time (relative or RFC3339)",
        );
        expect(
            &ds,
            Severity::Error,
            &at(4, "minTime"),
            "is unset, so the partition overlaps partition 3 before it",
        );
    }

    #[test]
    fn a_partition_ending_before_it_starts_is_refused() {
        rejects(
            "thanos: {store: {shards: {timePartitions: [{maxTime: -1w}, {minTime: -1w, maxTime: -2w}, {minTime: -2w}]}}}",
            "spec.thanos.store.shards.timePartitions[1].maxTime",
            "`-2w` is not after the partition's `minTime: -1w`",
        );
    }

    #[test]
    fn shards_of_a_store_gateway_that_does_not_run_pass() {
        passes(
            "thanos: {store: {enabled: false, shards: {hash: 0}}}",
            "spec.thanos.store.shards.hash",
        );
    }
}
