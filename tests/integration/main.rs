//! The one integration-test binary: every test runs the real `stackgen`.

mod checkers;
mod checkov;
mod diff;
mod fleet;
mod golden;
mod kustomize;
mod output;
mod render;
mod support;
mod validate;
