//! The one integration-test binary: every test runs the real `stackgen`.

mod golden;
mod render;
