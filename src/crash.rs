//! A panic is a bug in stackgen: say so in one `error:` line and exit 2 (trouble), never
//! with Rust's own panic text and exit code 101. Self-contained (the integration tests
//! compile it in to check the message).

use std::io::Write as _;
use std::panic::PanicHookInfo;

/// Replaces the panic message with [`message`]; `main` turns the unwound panic into exit 2.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let text = message(&payload(info), info.location().map(ToString::to_string));
        let _ = std::io::stderr().write_all(text.as_bytes());
    }));
}

/// What a panic says, e.g. `error: internal error: index out of bounds at src/x.rs:3:5 (this
/// is a bug in stackgen; please report it with the command you ran)`.
pub fn message(what: &str, location: Option<String>) -> String {
    let at = location.map(|l| format!(" at {l}")).unwrap_or_default();
    let report = match option_env!("CARGO_PKG_REPOSITORY").filter(|r| !r.is_empty()) {
        Some(repository) => {
            format!("please report it at {repository}/issues with the command you ran")
        }
        None => "please report it with the command you ran".to_owned(),
    };
    format!("error: internal error: {what}{at} (this is a bug in stackgen; {report})\n")
}

fn payload(info: &PanicHookInfo<'_>) -> String {
    let payload = info.payload();
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
