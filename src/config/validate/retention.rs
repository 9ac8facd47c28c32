//! Blocks and retention: Prometheus cuts blocks the sidecar can upload and keeps them long
//! enough to, and the compactor keeps every resolution as long as downsampling needs.

use super::Findings;
use crate::config::model::Spec;
use crate::config::types::Duration;

/// Block duration Thanos documents for the sidecar.
const DOCUMENTED_BLOCK_MILLIS: u64 = 2 * 3_600_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 24 * HOUR;

pub(super) fn block_durations_allow_upload(spec: &Spec, f: &mut Findings) {
    let p = &spec.prometheus;
    if p.min_block_duration != p.max_block_duration {
        f.error(
            "spec.prometheus.maxBlockDuration",
            format!(
                "is `{}` but `minBlockDuration` is `{}`; with object storage they must be equal",
                p.max_block_duration, p.min_block_duration
            ),
            "the sidecar uploads only blocks Prometheus never compacts locally: set both to `2h`",
        );
    } else if p.min_block_duration.millis() != DOCUMENTED_BLOCK_MILLIS {
        f.warn(
            "spec.prometheus.minBlockDuration",
            format!(
                "is `{}`; Thanos documents and tests `2h`",
                p.min_block_duration
            ),
            "set `minBlockDuration` and `maxBlockDuration` to `2h` unless you know why not",
        );
    }
    let block = p.max_block_duration.millis();
    if !p.retention.is_zero() && p.retention.millis() < block.saturating_mul(3) {
        f.warn(
            "spec.prometheus.retention",
            format!("`{}` is under 3 times the block duration `{}`", p.retention, p.max_block_duration),
            "a block may be deleted locally before the sidecar uploads it; keep at least 3 blocks (`6h` for 2h blocks)",
        );
    }
    for (path, interval) in [
        ("spec.prometheus.scrapeInterval", &p.scrape_interval),
        ("spec.prometheus.evaluationInterval", &p.evaluation_interval),
    ] {
        if interval.is_zero() {
            f.error(
                path,
                "must not be zero".to_owned(),
                "use a duration such as `30s`",
            );
        }
    }
}

pub(super) fn retention_survives_downsampling(spec: &Spec, f: &mut Findings) {
    let c = &spec.thanos.compact;
    let r = &c.retention;
    if c.downsampling {
        let checks = [
            ("raw", &r.raw, 40 * HOUR, "40h"),
            ("fiveMinutes", &r.five_minutes, 10 * DAY, "10d"),
            ("oneHour", &r.one_hour, 10 * DAY, "10d"),
        ];
        for (field, value, min, min_text) in checks {
            if !value.is_zero() && value.millis() < min {
                f.error(
                    &format!("spec.thanos.compact.retention.{field}"),
                    format!("`{value}` is shorter than {min_text}, the least the compactor accepts while downsampling"),
                    format!("set it to `{min_text}` or more, `0d` to keep data forever, or turn `downsampling` off"),
                );
            }
        }
    }
    // Zero keeps data forever, so it is the longest retention of all.
    let forever = |d: &Duration| if d.is_zero() { u64::MAX } else { d.millis() };
    if c.downsampling
        && (forever(&r.five_minutes) < forever(&r.raw) || forever(&r.one_hour) < forever(&r.raw))
    {
        f.warn(
            "spec.thanos.compact.retention",
            format!(
                "downsampled data is deleted before raw data (raw `{}`, 5m `{}`, 1h `{}`)",
                r.raw, r.five_minutes, r.one_hour
            ),
            "downsampled resolutions exist to outlive raw data: keep `fiveMinutes` and `oneHour` at least as long as `raw`",
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{all, at, help_of, load_spec, passes, position, rejects, warns};
    use crate::diagnostic::Diagnostic;

    // -----------------------------------------------------------------------------------------
    // block_durations_allow_upload
    // -----------------------------------------------------------------------------------------

    #[test]
    fn block_durations_must_be_equal() {
        let d = rejects(
            "prometheus: {minBlockDuration: 2h, maxBlockDuration: 6h, retention: 48h}",
            "spec.prometheus.maxBlockDuration",
            "is `6h` but `minBlockDuration` is `2h`",
        );
        assert!(help_of(&d).contains("`2h`"));
    }

    #[test]
    fn equal_two_hour_blocks_pass() {
        let ds = all(&load_spec(
            "prometheus: {minBlockDuration: 2h, maxBlockDuration: 2h}",
        ));
        assert!(
            at(&ds, "spec.prometheus.maxBlockDuration").is_empty(),
            "{ds:#?}"
        );
        assert!(
            at(&ds, "spec.prometheus.minBlockDuration").is_empty(),
            "{ds:#?}"
        );
    }

    #[test]
    fn equal_blocks_other_than_two_hours_are_warned_about() {
        warns(
            "prometheus: {minBlockDuration: 1h, maxBlockDuration: 1h}",
            "spec.prometheus.minBlockDuration",
            "is `1h`; Thanos documents and tests `2h`",
        );
    }

    #[test]
    fn retention_under_three_blocks_is_warned_about() {
        warns(
            "prometheus: {retention: 5h}",
            "spec.prometheus.retention",
            "`5h` is under 3 times the block duration `2h`",
        );
    }

    #[test]
    fn retention_of_three_blocks_passes() {
        passes("prometheus: {retention: 6h}", "spec.prometheus.retention");
    }

    #[test]
    fn zero_retention_is_not_measured_against_blocks() {
        passes("prometheus: {retention: 0s}", "spec.prometheus.retention");
    }

    #[test]
    fn zero_scrape_interval_is_refused() {
        let d = rejects(
            "prometheus: {scrapeInterval: 0s}",
            "spec.prometheus.scrapeInterval",
            "must not be zero",
        );
        assert_eq!(position(&d), (4, 32));
    }

    #[test]
    fn zero_evaluation_interval_is_refused() {
        rejects(
            "prometheus: {evaluationInterval: '0'}",
            "spec.prometheus.evaluationInterval",
            "must not be zero",
        );
    }

    #[test]
    fn non_zero_intervals_pass() {
        passes(
            "prometheus: {scrapeInterval: 15s, evaluationInterval: 1m}",
            "spec.prometheus.scrapeInterval",
        );
    }

    // -----------------------------------------------------------------------------------------
    // retention_survives_downsampling
    // -----------------------------------------------------------------------------------------

    #[test]
    fn raw_retention_under_40h_is_refused_while_downsampling() {
        let d = rejects(
            "thanos: {compact: {retention: {raw: 39h}}}",
            "spec.thanos.compact.retention.raw",
            "`39h` is shorter than 40h",
        );
        assert!(help_of(&d).contains("`0d` to keep data forever"));
    }

    #[test]
    fn raw_retention_of_40h_passes() {
        passes(
            "thanos: {compact: {retention: {raw: 40h}}}",
            "spec.thanos.compact.retention.raw",
        );
    }

    #[test]
    fn five_minute_retention_under_10d_is_refused_while_downsampling() {
        rejects(
            "thanos: {compact: {retention: {raw: 2d, fiveMinutes: 9d}}}",
            "spec.thanos.compact.retention.fiveMinutes",
            "`9d` is shorter than 10d",
        );
    }

    #[test]
    fn one_hour_retention_under_10d_is_refused_while_downsampling() {
        rejects(
            "thanos: {compact: {retention: {raw: 2d, oneHour: 1w}}}",
            "spec.thanos.compact.retention.oneHour",
            "`1w` is shorter than 10d",
        );
    }

    #[test]
    fn downsampled_retentions_of_10d_pass() {
        let ds = all(&load_spec(
            "thanos: {compact: {retention: {raw: 2d, fiveMinutes: 10d, oneHour: 240h}}}",
        ));
        assert!(!ds.iter().any(Diagnostic::is_error), "{ds:#?}");
        assert!(at(&ds, "spec.thanos.compact.retention.fiveMinutes").is_empty());
        assert!(at(&ds, "spec.thanos.compact.retention.oneHour").is_empty());
    }

    #[test]
    fn zero_retention_keeps_data_forever_and_passes() {
        let ds = all(&load_spec(
            "thanos: {compact: {retention: {raw: 0d, fiveMinutes: 0d, oneHour: 0d}}}",
        ));
        assert!(!ds.iter().any(Diagnostic::is_error), "{ds:#?}");
        assert!(
            ds.iter().all(|d| !d
                .path
                .as_deref()
                .unwrap_or_default()
                .starts_with("spec.thanos.compact.retention")),
            "{ds:#?}"
        );
    }

    #[test]
    fn short_retention_passes_without_downsampling() {
        passes(
            "thanos: {compact: {downsampling: false, retention: {raw: 1d, fiveMinutes: 1d, oneHour: 1d}}}",
            "spec.thanos.compact.retention.raw",
        );
    }

    #[test]
    fn downsampled_data_shorter_than_raw_is_warned_about() {
        warns(
            "thanos: {compact: {retention: {raw: 90d, fiveMinutes: 30d, oneHour: 1y}}}",
            "spec.thanos.compact.retention",
            "downsampled data is deleted before raw data (raw `90d`, 5m `30d`, 1h `1y`)",
        );
    }

    #[test]
    fn hourly_data_shorter_than_raw_is_warned_about() {
        warns(
            "thanos: {compact: {retention: {raw: 90d, fiveMinutes: 1y, oneHour: 30d}}}",
            "spec.thanos.compact.retention",
            "downsampled data is deleted before raw data (raw `90d`, 5m `1y`, 1h `30d`)",
        );
    }

    #[test]
    fn raw_data_kept_forever_outlives_finite_downsampled_data() {
        warns(
            "thanos: {compact: {retention: {raw: 0d, fiveMinutes: 30d, oneHour: 0d}}}",
            "spec.thanos.compact.retention",
            "downsampled data is deleted before raw data",
        );
    }

    #[test]
    fn downsampled_data_kept_forever_passes() {
        passes(
            "thanos: {compact: {retention: {raw: 30d, fiveMinutes: 0d, oneHour: 0d}}}",
            "spec.thanos.compact.retention",
        );
    }
}
