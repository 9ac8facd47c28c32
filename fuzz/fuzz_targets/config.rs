//! Any bytes as a config and `--set` flags: refused with diagnostics, or rendered.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| stackgen::fuzzing::config(data));
