//! Debug logging to stderr, off unless asked for: `DEBUG=bedrock-native` (also
//! `bedrock-native:*` or `*`, comma/space separated as the `debug` npm package reads it)
//! or `BEDROCK_NATIVE_LOG=debug`. Same switch and line format as `js/log.js`, so the
//! Rust and JS lines of one process interleave readably:
//!
//! ```text
//! bedrock-native 23:02:58.561 stream attempt=2 status=200 requestId=... ms=14
//! ```
//!
//! For what the JS side cannot see: HTTP attempts and retries, request ids of successful
//! responses, per-attempt timings. Callers pass names, ids, codes and numbers only —
//! never a credential, header value or message content (`crate::credentials` types
//! redact themselves in `Debug`, but do not format them here at all).

use std::fmt;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

pub const PREFIX: &str = "bedrock-native";

/// Whether these `DEBUG` / `BEDROCK_NATIVE_LOG` values turn logging on.
pub fn enabled_by(debug: Option<&str>, level: Option<&str>) -> bool {
    if let Some(level) = level {
        let level = level.trim().to_ascii_lowercase();
        if level == "debug" || level == "trace" {
            return true;
        }
    }
    let names: Vec<&str> = debug
        .unwrap_or("")
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|n| !n.is_empty())
        .collect();
    let excluded = format!("-{PREFIX}");
    let excluded_all = format!("-{PREFIX}:*");
    if names.iter().any(|n| *n == excluded || *n == excluded_all) {
        return false;
    }
    let all = format!("{PREFIX}:*");
    names.iter().any(|n| *n == "*" || *n == PREFIX || *n == all)
}

static ENABLED: OnceLock<bool> = OnceLock::new();

/// Read once from the process environment.
pub fn enabled() -> bool {
    *ENABLED.get_or_init(|| {
        enabled_by(std::env::var("DEBUG").ok().as_deref(), std::env::var("BEDROCK_NATIVE_LOG").ok().as_deref())
    })
}

/// `bedrock-native HH:MM:SS.mmm <message>` (UTC), as `js/log.js` writes it.
pub fn format_line(at: SystemTime, message: fmt::Arguments<'_>) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs_of_day = since.as_secs() % 86_400;
    format!(
        "{PREFIX} {:02}:{:02}:{:02}.{:03} {message}",
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60,
        since.subsec_millis()
    )
}

/// Writes one line to stderr when logging is on. Use [`debug_log!`](crate::debug_log).
pub fn write(message: fmt::Arguments<'_>) {
    if enabled() {
        eprintln!("{}", format_line(SystemTime::now(), message));
    }
}

/// `debug_log!("stream attempt={} status={}", n, status)`: formats nothing unless logging is on.
#[macro_export]
macro_rules! debug_log {
    ($($arg:tt)*) => {
        if $crate::log::enabled() {
            $crate::log::write(format_args!($($arg)*))
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn off_unless_asked_for() {
        assert!(!enabled_by(None, None));
        assert!(!enabled_by(Some(""), Some("")));
        assert!(!enabled_by(Some("express,http"), None));
        assert!(!enabled_by(Some("bedrock-native-other"), None));
        assert!(!enabled_by(None, Some("info")));
    }

    #[test]
    fn debug_names_and_level_turn_it_on() {
        assert!(enabled_by(Some("bedrock-native"), None));
        assert!(enabled_by(Some("express, bedrock-native"), None));
        assert!(enabled_by(Some("bedrock-native:*"), None));
        assert!(enabled_by(Some("*"), None));
        assert!(enabled_by(None, Some("debug")));
        assert!(enabled_by(None, Some(" DEBUG ")));
        assert!(enabled_by(None, Some("trace")));
    }

    #[test]
    fn an_exclusion_wins_over_a_wildcard() {
        assert!(!enabled_by(Some("*,-bedrock-native"), None));
        assert!(!enabled_by(Some("* -bedrock-native:*"), None));
    }

    #[test]
    fn lines_carry_prefix_and_utc_time_of_day() {
        // 2026-11-22T23:02:58.561Z
        let at = UNIX_EPOCH + Duration::from_millis(1_795_388_578_561);
        let line = format_line(at, format_args!("stream attempt={} status={}", 2, 200));
        assert_eq!(line, "bedrock-native 23:02:58.561 stream attempt=2 status=200");
    }
}
