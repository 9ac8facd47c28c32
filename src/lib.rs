//! stackgen: one typed, validated config in; the manifests of an HA Prometheus + Thanos
//! monitoring stack out.
//!
//! The pipeline is load → merge → validate (`config`) → render → check (`render`) → emit
//! (`output`), and `pipeline::run` is all of it up to the checked objects in one call;
//! `fleet` runs it for many configs at once, one per cluster, on every core.
//! Everything here is pure: the binary does the I/O.

pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod fleet;
#[doc(hidden)]
pub mod fuzzing;
pub mod krm;
pub mod output;
pub mod parallel;
pub mod pipeline;
pub mod render;
pub mod source;
pub mod yaml;
