//! The one integration-test binary: every test runs the real `stackgen`.

mod checkers;
mod diff;
mod golden;
mod kustomize;
mod render;
mod support;
mod validate;
