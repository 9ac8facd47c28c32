//! Scalar types that parse and check themselves: durations, quantities, names, images.
//!
//! Each type owns one regular expression. The same expression goes into the JSON Schema
//! (`pattern`), so editors, `stackgen schema` and the structural check agree with the parser.

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

// regex-lite: these patterns are short and anchored, matched against short strings, and
// a default config alone compiled eight of them; regex-lite builds one in a quarter of
// the instructions. Its `\s` and `\d` are ASCII, as every pattern here means them.
use regex_lite::Regex;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares a string newtype checked by `$pattern`, plus an optional `$extra` check of what
/// a pattern cannot say (ranges, lengths of parts). A type with an extra check names it as
/// its schema `format`, `stackgen:<Type>`, so the structural check runs it too.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $pattern:expr, $max:expr, $what:expr $(, $extra:expr)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            pub const PATTERN: &'static str = $pattern;
            pub const MAX_LEN: usize = $max;
            /// What the value must look like, for error messages.
            pub const EXPECTED: &'static str = $what;

            pub fn as_str(&self) -> &str {
                &self.0
            }

            fn regex() -> &'static Regex {
                static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new($pattern).expect("valid pattern"));
                &RE
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                if s.is_empty() {
                    return Err(format!("an empty string is not {}", Self::EXPECTED));
                }
                if s.len() > Self::MAX_LEN {
                    return Err(format!("`{s}` is longer than {} characters", Self::MAX_LEN));
                }
                if !Self::regex().is_match(s) {
                    return Err(format!("`{s}` is not {}", Self::EXPECTED));
                }
                $( ($extra)(s)?; )?
                Ok(Self(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                #[allow(unused_mut)]
                let mut schema = json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "minLength": 1,
                    "maxLength": $max,
                    "description": $what,
                });
                $(
                    let _ = $extra;
                    schema.insert("format".into(), concat!("stackgen:", stringify!($name)).into());
                )?
                schema
            }
        }
    };
}

checked_string!(
    /// A Prometheus label name.
    LabelName,
    r"^[a-zA-Z_][a-zA-Z0-9_]*$",
    1024,
    "a label name: a letter or `_`, then letters, digits or `_`"
);

checked_string!(
    /// A DNS-1123 label: the shape of Kubernetes object and namespace names.
    Dns1123Label,
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
    63,
    "a DNS-1123 label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most 63 characters"
);

checked_string!(
    /// A DNS subdomain (RFC 1123), such as an ingress domain.
    DnsName,
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
    253,
    "a DNS name: dot-separated lowercase labels of letters, digits and `-`",
    |s: &str| match s.split('.').find(|label| label.len() > 63) {
        Some(label) => Err(format!("`{label}` is longer than 63 characters, the most a DNS label has")),
        None => Ok(()),
    }
);

checked_string!(
    /// A container image pinned by tag and/or digest: `registry/repo:tag[@sha256:…]`.
    ImageRef,
    // The lengths of tag and digest are counted in Rust: bounded repetitions (`{64}`) make
    // this the costliest pattern to compile by far, and it is compiled on every run.
    r"^[a-zA-Z0-9.-]+(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+((:[A-Za-z0-9_][A-Za-z0-9_.-]*)(@sha256:[a-f0-9]+)?|@sha256:[a-f0-9]+)$",
    512,
    "an image reference with a registry and a tag or digest, such as `quay.io/thanos/thanos:v0.39.2`",
    |s: &str| {
        let (name, digest) = s.split_once("@sha256:").unwrap_or((s, ""));
        let tag = ImageRef::tag_of(name).unwrap_or_default();
        if tag.len() > 128 {
            Err(format!("the tag of `{s}` is longer than 128 characters, the most a registry takes"))
        } else if !digest.is_empty() && digest.len() != 64 {
            Err(format!("the sha256 digest of `{s}` has {} hex digits, not 64", digest.len()))
        } else {
            Ok(())
        }
    }
);

checked_string!(
    /// A `host:port` gRPC endpoint of another cluster's Store API.
    Endpoint,
    r"^(dns\+|dnssrv\+)?[a-zA-Z0-9]([-a-zA-Z0-9.]*[a-zA-Z0-9])?(:[0-9]{1,5})$",
    300,
    "a `host:port` endpoint (optionally prefixed `dns+` or `dnssrv+`), such as `thanos-querier.eu1.example.com:10901`",
    |s: &str| match s.rsplit_once(':').and_then(|(_, p)| p.parse::<u32>().ok()) {
        Some(1..=65535) => Ok(()),
        _ => Err(format!("`{s}` has no port between 1 and 65535")),
    }
);

checked_string!(
    /// An IPv4 or IPv6 address block, such as `203.0.113.0/24`, as NetworkPolicies and load
    /// balancers take it.
    Cidr,
    r"^[0-9a-fA-F:.]+/[0-9]{1,3}$",
    64,
    "an address block such as `203.0.113.0/24` or `2001:db8::/32`",
    |s: &str| {
        let (address, prefix) = s.split_once('/').unwrap_or((s, ""));
        let bits = match address.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => 32,
            Ok(std::net::IpAddr::V6(_)) => 128,
            Err(_) => return Err(format!("`{address}` is not an IPv4 or IPv6 address")),
        };
        match prefix.parse::<u32>() {
            Ok(p) if p <= bits => Ok(()),
            _ => Err(format!("`/{prefix}` is not a prefix length of {bits} bits or fewer")),
        }
    }
);

checked_string!(
    /// A size as Thanos reads one (`model.Bytes`, base 2 whatever the spelling): `250MB`,
    /// `1GiB`.
    Bytes,
    r"^[0-9]+(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
    32,
    "a size such as `250MB` or `1GiB`"
);

checked_string!(
    /// A registry host, with a port and a path if any: `mirror.example.com`,
    /// `registry.internal:5000/quay`.
    Registry,
    r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$",
    255,
    "a registry host with an optional port and path, such as `mirror.example.com` or `registry.internal:5000/quay`"
);

checked_string!(
    /// A Prometheus duration such as `30s`, `2h`, `1h30m` or `2y`; `0s` or `0` means off.
    Duration,
    r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
    64,
    "a duration: a number and a unit (`ms`, `s`, `m`, `h`, `d`, `w`, `y`), such as `30s`, `2h` or `1h30m`",
    |s: &str| {
        // Prometheus and Thanos hold durations in Go's time.Duration: at most ~292 years.
        if Duration(s.to_owned()).millis() > Duration::MAX_MILLIS {
            Err(format!("`{s}` is longer than 292 years, the longest duration Prometheus and Thanos can hold"))
        } else {
            Ok(())
        }
    }
);

checked_string!(
    /// A point in time as Thanos Store reads `--min-time` and `--max-time`: RFC3339
    /// (`2025-01-01T00:00:00Z`), or a duration relative to now (`-2w`, `-1d12h`).
    PointInTime,
    r"^(-?(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)|[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))$",
    64,
    "a point in time: RFC3339 such as `2025-01-01T00:00:00Z`, or a duration relative to now such as `-2w` or `-1d12h` (units `ms`, `s`, `m`, `h`, `d`, `w`, `y`)",
    |s: &str| PointInTime(s.to_owned()).checked().map(drop)
);

checked_string!(
    /// A Kubernetes resource quantity such as `500m`, `2Gi` or `1`.
    Quantity,
    r"^[+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?[0-9]+))?$",
    64,
    "a Kubernetes quantity such as `500m`, `2Gi` or `1`"
);

checked_string!(
    /// An `http` or `https` URL with a host.
    HttpUrl,
    r"^https?://[^\s/?#@]+([/?#]\S*)?$",
    2048,
    "an `http://` or `https://` URL with a host and no spaces",
    // The pattern's `\s` is ASCII whitespace to regex-lite, Unicode whitespace to the
    // editors' ECMAScript: refuse the rest here.
    |s: &str| match s.chars().find(|c| c.is_whitespace()) {
        Some(c) => Err(format!("`{s}` holds the space character U+{:04X}", u32::from(c))),
        None => Ok(()),
    }
);

checked_string!(
    /// A Grafana plugin id from grafana.com, optionally pinned: `id` or `id@version`.
    GrafanaPlugin,
    r"^[a-z0-9]+(-[a-z0-9]+)*(@[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?)?$",
    200,
    "a Grafana plugin id such as `grafana-clock-panel`, optionally pinned as `grafana-clock-panel@2.1.8`"
);

impl GrafanaPlugin {
    /// The plugin id, without its version.
    pub fn id(&self) -> &str {
        self.0.split_once('@').map_or(self.0.as_str(), |(id, _)| id)
    }

    pub fn is_pinned(&self) -> bool {
        self.0.contains('@')
    }
}

impl HttpUrl {
    /// The host, and the port named or implied by the scheme.
    pub fn host_port(&self) -> (&str, u16) {
        let (scheme, rest) = self.0.split_once("://").unwrap_or(("https", &self.0));
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let implied = if scheme == "http" { 80 } else { 443 };
        match authority.rsplit_once(':') {
            Some((host, port)) => match port.parse() {
                Ok(port) => (host, port),
                Err(_) => (authority, implied),
            },
            None => (authority, implied),
        }
    }
}

/// The compiled expression of the type whose `PATTERN` is `pattern`, so that the structural
/// check shares the one each type compiles once, rather than compiling the schema's copy
/// again on every run.
pub fn compiled(pattern: &str) -> Option<&'static Regex> {
    type Compiled = fn() -> &'static Regex;
    let types: [(&str, Compiled); 13] = [
        (LabelName::PATTERN, LabelName::regex),
        (Dns1123Label::PATTERN, Dns1123Label::regex),
        (DnsName::PATTERN, DnsName::regex),
        (ImageRef::PATTERN, ImageRef::regex),
        (Endpoint::PATTERN, Endpoint::regex),
        (Cidr::PATTERN, Cidr::regex),
        (Bytes::PATTERN, Bytes::regex),
        (Registry::PATTERN, Registry::regex),
        (Duration::PATTERN, Duration::regex),
        (Quantity::PATTERN, Quantity::regex),
        (PointInTime::PATTERN, PointInTime::regex),
        (HttpUrl::PATTERN, HttpUrl::regex),
        (GrafanaPlugin::PATTERN, GrafanaPlugin::regex),
    ];
    types
        .iter()
        .find(|(p, _)| *p == pattern)
        .map(|(_, regex)| regex())
}

/// Checks `s` against the extra rule of the type a schema `format` names, if any.
pub fn check_format(format: &str, s: &str) -> Option<Result<(), String>> {
    let check = |r: Result<(), String>| Some(r);
    match format.strip_prefix("stackgen:")? {
        "DnsName" => check(s.parse::<DnsName>().map(drop)),
        "Endpoint" => check(s.parse::<Endpoint>().map(drop)),
        "Cidr" => check(s.parse::<Cidr>().map(drop)),
        "Duration" => check(s.parse::<Duration>().map(drop)),
        "ImageRef" => check(s.parse::<ImageRef>().map(drop)),
        "PointInTime" => check(s.parse::<PointInTime>().map(drop)),
        "HttpUrl" => check(s.parse::<HttpUrl>().map(drop)),
        _ => None,
    }
}

impl Duration {
    /// Go's `time.Duration` holds at most 2^63-1 nanoseconds.
    pub const MAX_MILLIS: u64 = (i64::MAX as u64) / 1_000_000;

    /// The length in milliseconds; the pattern guarantees the shape, so only overflow saturates.
    pub fn millis(&self) -> u64 {
        const UNITS: [(&str, u64); 7] = [
            ("ms", 1),
            ("y", 365 * 24 * 3_600_000),
            ("w", 7 * 24 * 3_600_000),
            ("d", 24 * 3_600_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1000),
        ];
        let mut total: u64 = 0;
        let mut rest = self.0.as_str();
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            let number: u64 = rest[..digits].parse().unwrap_or(u64::MAX);
            rest = &rest[digits..];
            let Some((unit, factor)) = UNITS.iter().find(|(unit, _)| rest.starts_with(unit)) else {
                break;
            };
            total = total.saturating_add(number.saturating_mul(*factor));
            rest = &rest[unit.len()..];
        }
        total
    }

    pub fn is_zero(&self) -> bool {
        self.millis() == 0
    }

    /// Builds a duration from a literal that is known to be valid (defaults only).
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in duration")
    }
}

impl Quantity {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in quantity")
    }

    /// The amount as a number (bytes, cores), for comparing two quantities.
    pub fn value(&self) -> f64 {
        const SUFFIXES: [(&str, f64); 13] = [
            ("Ki", 1024.0),
            ("Mi", 1_048_576.0),
            ("Gi", 1_073_741_824.0),
            ("Ti", 1_099_511_627_776.0),
            ("Pi", 1_125_899_906_842_624.0),
            ("Ei", 1_152_921_504_606_846_976.0),
            ("n", 1e-9),
            ("u", 1e-6),
            ("m", 1e-3),
            ("k", 1e3),
            ("M", 1e6),
            ("G", 1e9),
            ("T", 1e12),
        ];
        let text = self.0.trim_start_matches('+');
        let (number, factor) = SUFFIXES
            .iter()
            .find_map(|(suffix, factor)| text.strip_suffix(suffix).map(|n| (n, *factor)))
            .or_else(|| text.strip_suffix('P').map(|n| (n, 1e15)))
            .or_else(|| {
                text.strip_suffix('E')
                    .filter(|n| !n.is_empty())
                    .map(|n| (n, 1e18))
            })
            .unwrap_or((text, 1.0));
        number.parse::<f64>().unwrap_or(0.0) * factor
    }
}

impl ImageRef {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in image")
    }

    /// The tag, used as the `app.kubernetes.io/version` label (digest-only images have none).
    pub fn tag(&self) -> Option<&str> {
        Self::tag_of(&self.0)
    }

    fn tag_of(image: &str) -> Option<&str> {
        let without_digest = image.split('@').next().unwrap_or_default();
        let last_slash = without_digest.rfind('/').unwrap_or(0);
        without_digest[last_slash..]
            .split_once(':')
            .map(|(_, tag)| tag)
    }
}

impl LabelName {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in label name")
    }
}

impl Bytes {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in size")
    }

    /// The size in bytes; every unit counts in powers of 1024, as Thanos reads it
    /// (`units.ParseBase2Bytes`). Saturates rather than overflow.
    pub fn bytes(&self) -> u64 {
        let s = self.as_str();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let number: u64 = s[..split].parse().unwrap_or(u64::MAX);
        let factor: u64 = match &s[split..] {
            "B" => 1,
            "KB" | "KiB" => 1 << 10,
            "MB" | "MiB" => 1 << 20,
            "GB" | "GiB" => 1 << 30,
            _ => 1 << 40,
        };
        number.saturating_mul(factor)
    }
}

/// Where a [`PointInTime`] lies, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// From the moment Thanos evaluates it (negative: in the past); it moves with the clock.
    Relative(i64),
    /// Since the Unix epoch.
    Absolute(i64),
}

impl When {
    /// Whether `self` lies before `other`; `None` when one is relative and the other not,
    /// which only the clock can decide.
    pub fn before(self, other: When) -> Option<bool> {
        match (self, other) {
            (When::Relative(a), When::Relative(b)) | (When::Absolute(a), When::Absolute(b)) => {
                Some(a < b)
            }
            _ => None,
        }
    }
}

impl PointInTime {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in point in time")
    }

    /// Where it lies; the parser has checked that it does.
    pub fn when(&self) -> When {
        self.checked().unwrap_or(When::Relative(0))
    }

    /// What the pattern cannot say: a duration after the sign, Go's ~292-year bound, and a
    /// calendar date and clock time that exist (Go's `time.Parse` refuses the others).
    fn checked(&self) -> Result<When, String> {
        let s = self.0.as_str();
        if s.contains('T') {
            return rfc3339_millis(s).map(When::Absolute);
        }
        let (sign, rest) = match s.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, s),
        };
        if rest.is_empty() {
            return Err(format!("`{s}` has no duration after its sign"));
        }
        let millis = Duration(rest.to_owned()).millis();
        if millis > Duration::MAX_MILLIS {
            return Err(format!(
                "`{s}` is further than 292 years from now, the longest duration Thanos can hold"
            ));
        }
        Ok(When::Relative(sign * millis as i64))
    }
}

/// Milliseconds since the epoch of an RFC3339 time whose shape the pattern has checked.
fn rfc3339_millis(s: &str) -> Result<i64, String> {
    let num = |range: std::ops::Range<usize>| -> i64 {
        s.get(range).and_then(|n| n.parse().ok()).unwrap_or(-1)
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return Err(format!("`{s}` has no month {month}")),
    };
    if !(1..=days_in_month).contains(&day) {
        return Err(format!("`{s}` has no day {day} in its month"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("`{s}` is no time of day"));
    }
    let rest = &s[19..];
    let (fraction, zone) = match rest.strip_prefix('.') {
        Some(f) => f.split_at(f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len())),
        None => ("", rest),
    };
    let millis: i64 = format!("{fraction:0<3}")[..3].parse().unwrap_or(0);
    let offset = match zone {
        "Z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (h, m) = (num_of(&zone[1..3]), num_of(&zone[4..6]));
            if h > 23 || m > 59 {
                return Err(format!("`{s}` has no zone offset {zone}"));
            }
            sign * (h * 60 + m)
        }
    };
    // Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60;
    Ok(seconds * 1000 + millis)
}

fn num_of(s: &str) -> i64 {
    s.parse().unwrap_or(-1)
}

impl Dns1123Label {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in name")
    }
}

impl DnsName {
    pub(crate) fn lit(s: &str) -> Self {
        s.parse().expect("valid built-in domain")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pattern of the schema is a type's, compiled once per process: no run compiles
    /// one only to check a config.
    #[test]
    fn every_schema_pattern_is_a_types_own() {
        fn patterns(value: &serde_json::Value, out: &mut Vec<String>) {
            match value {
                serde_json::Value::Object(map) => {
                    for (key, child) in map {
                        match (key.as_str(), child) {
                            ("pattern", serde_json::Value::String(p)) => out.push(p.clone()),
                            ("patternProperties", serde_json::Value::Object(keys)) => {
                                out.extend(keys.keys().cloned())
                            }
                            _ => {}
                        }
                        patterns(child, out);
                    }
                }
                serde_json::Value::Array(items) => items.iter().for_each(|i| patterns(i, out)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        let schema = crate::config::schema();
        patterns(schema.root(), &mut found);
        schema.definitions().for_each(|d| patterns(d, &mut found));
        assert!(found.len() > 10);
        for pattern in found {
            assert!(compiled(&pattern).is_some(), "`{pattern}` is no type's");
        }
    }

    /// regex-lite's `\s` is ASCII whitespace only; the URL type refuses any other.
    #[test]
    fn urls_refuse_every_kind_of_space() {
        assert!("https://hooks.example.com/a?b=c".parse::<HttpUrl>().is_ok());
        for bad in [
            "https://hooks.example.com/a b",
            "https://hooks.example.com/a\u{a0}b",
            "https://hooks\u{2003}example.com",
        ] {
            assert!(bad.parse::<HttpUrl>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_parse_and_measure() {
        assert_eq!(Duration::lit("2h").millis(), 7_200_000);
        assert_eq!(Duration::lit("1h30m").millis(), 5_400_000);
        assert_eq!(Duration::lit("40h").millis(), 40 * 3_600_000);
        assert_eq!(Duration::lit("500ms").millis(), 500);
        assert!(Duration::lit("0").is_zero());
        assert!(Duration::lit("0s").is_zero());
        assert!("2x".parse::<Duration>().is_err());
        assert!("h".parse::<Duration>().is_err());
        assert!("".parse::<Duration>().is_err());
    }

    #[test]
    fn quantities_follow_kubernetes() {
        for ok in ["500m", "2Gi", "1", "0.5", "1e3", "20G"] {
            assert!(ok.parse::<Quantity>().is_ok(), "{ok}");
        }
        for bad in ["2 Gi", "Gi", "-1", "2gb", ""] {
            assert!(bad.parse::<Quantity>().is_err(), "{bad}");
        }
    }

    #[test]
    fn quantities_compare_by_value() {
        assert_eq!(Quantity::lit("2Gi").value(), 2.0 * 1_073_741_824.0);
        assert_eq!(Quantity::lit("500m").value(), 0.5);
        assert_eq!(Quantity::lit("1e3").value(), 1000.0);
        assert!(Quantity::lit("1Gi").value() > Quantity::lit("1G").value());
        assert_eq!(Quantity::lit("0").value(), 0.0);
    }

    #[test]
    fn names_are_dns_1123_labels() {
        assert!("monitoring".parse::<Dns1123Label>().is_ok());
        assert!("Monitoring".parse::<Dns1123Label>().is_err());
        assert!("-x".parse::<Dns1123Label>().is_err());
        assert!("a".repeat(64).parse::<Dns1123Label>().is_err());
        assert!("example.com".parse::<DnsName>().is_ok());
        assert!("example..com".parse::<DnsName>().is_err());
        assert!("exa mple.com".parse::<DnsName>().is_err());
    }

    #[test]
    fn label_names_follow_prometheus() {
        assert!("replica".parse::<LabelName>().is_ok());
        assert!("_x9".parse::<LabelName>().is_ok());
        assert!("9x".parse::<LabelName>().is_err());
        assert!("a-b".parse::<LabelName>().is_err());
    }

    #[test]
    fn images_need_a_tag_or_digest() {
        let digest = format!("quay.io/thanos/thanos:v0.39.2@sha256:{}", "a".repeat(64));
        assert!(digest.parse::<ImageRef>().is_ok());
        assert!("quay.io/thanos/thanos:v0.39.2".parse::<ImageRef>().is_ok());
        assert!("localhost:5000/thanos:dev".parse::<ImageRef>().is_ok());
        assert!("quay.io/thanos/thanos".parse::<ImageRef>().is_err());
        assert!("thanos:v1".parse::<ImageRef>().is_err());
        assert_eq!(
            ImageRef::lit("localhost:5000/x/thanos:dev").tag(),
            Some("dev")
        );
        assert_eq!(ImageRef::lit(&digest).tag(), Some("v0.39.2"));
        let short = format!("quay.io/thanos/thanos@sha256:{}", "a".repeat(63));
        let err = short.parse::<ImageRef>().unwrap_err();
        assert!(err.contains("63 hex digits, not 64"), "{err}");
        let long_tag = format!("quay.io/thanos/thanos:{}", "v".repeat(129));
        let err = long_tag.parse::<ImageRef>().unwrap_err();
        assert!(err.contains("longer than 128"), "{err}");
        assert!(
            format!("quay.io/t/t:{}", "v".repeat(128))
                .parse::<ImageRef>()
                .is_ok()
        );
    }

    #[test]
    fn values_past_what_the_components_hold_are_refused() {
        assert!("292y".parse::<Duration>().is_ok());
        assert!(
            "293y"
                .parse::<Duration>()
                .unwrap_err()
                .contains("292 years")
        );
        assert!("99999999999999999999y".parse::<Duration>().is_err());
        assert!("a.example.com:0".parse::<Endpoint>().is_err());
        assert!("a.example.com:65536".parse::<Endpoint>().is_err());
        assert!("a.example.com:65535".parse::<Endpoint>().is_ok());
        let long_label = format!("{}.example.com", "a".repeat(64));
        assert!(
            long_label
                .parse::<DnsName>()
                .unwrap_err()
                .contains("63 characters")
        );
    }

    #[test]
    fn endpoints_need_a_port() {
        assert!("thanos.eu1.example.com:10901".parse::<Endpoint>().is_ok());
        assert!("dnssrv+_grpc._tcp.x:10901".parse::<Endpoint>().is_err());
        assert!("thanos.eu1.example.com".parse::<Endpoint>().is_err());
    }

    #[test]
    fn points_in_time_are_relative_or_rfc3339() {
        assert_eq!(
            PointInTime::lit("-2w").when(),
            When::Relative(-14 * 86_400_000)
        );
        assert_eq!(PointInTime::lit("1h").when(), When::Relative(3_600_000));
        assert_eq!(PointInTime::lit("0").when(), When::Relative(0));
        assert_eq!(
            PointInTime::lit("1970-01-02T00:00:00Z").when(),
            When::Absolute(86_400_000)
        );
        assert_eq!(
            PointInTime::lit("2025-03-01T01:00:00.5+01:00").when(),
            PointInTime::lit("2025-03-01T00:00:00.500Z").when()
        );
        assert_eq!(
            PointInTime::lit("2024-02-29T00:00:00Z").when(),
            When::Absolute(1_709_164_800_000)
        );
        for bad in [
            "-",
            "2w-",
            "--2w",
            "2025-02-29T00:00:00Z",
            "2025-13-01T00:00:00Z",
            "2025-01-01T24:00:00Z",
            "2025-01-01 00:00:00Z",
            "2025-01-01T00:00:00",
            "-293y",
        ] {
            assert!(bad.parse::<PointInTime>().is_err(), "{bad}");
        }
        let when = |s: &str| PointInTime::lit(s).when();
        assert_eq!(when("-8w").before(when("-2w")), Some(true));
        assert_eq!(when("-2w").before(when("-8w")), Some(false));
        assert_eq!(when("-2w").before(when("2025-01-01T00:00:00Z")), None);
    }

    #[test]
    fn sizes_count_in_powers_of_two() {
        assert_eq!(Bytes::lit("250MB").bytes(), 250 << 20);
        assert_eq!(Bytes::lit("1GiB").bytes(), 1 << 30);
        assert_eq!(Bytes::lit("1GB").bytes(), 1 << 30);
        assert_eq!(Bytes::lit("512B").bytes(), 512);
        assert_eq!(Bytes::lit("99999999999999999999TB").bytes(), u64::MAX);
    }

    #[test]
    fn address_blocks_are_checked_by_family() {
        assert!("203.0.113.0/24".parse::<Cidr>().is_ok());
        assert!("2001:db8::/32".parse::<Cidr>().is_ok());
        assert!("0.0.0.0/0".parse::<Cidr>().is_ok());
        let e = "10.0.0.0/33".parse::<Cidr>().unwrap_err();
        assert!(e.contains("32 bits"), "{e}");
        assert!("2001:db8::/129".parse::<Cidr>().is_err());
        let e = "300.0.0.0/8".parse::<Cidr>().unwrap_err();
        assert!(e.contains("not an IPv4 or IPv6 address"), "{e}");
        assert!("10.0.0.0".parse::<Cidr>().is_err());
    }
}
