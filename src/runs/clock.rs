//! The clouds' clock times: reading them, and saying them.

/// A time as the clouds write it (RFC 3339, or "naive UTC" without an offset), in UTC.
pub fn parse_time(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&chrono::Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

/// `12:00:03 UTC`, for saying since when runs were looked for.
pub fn clock_time(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_either_form_are_read_and_a_little_clock_slack_is_allowed() {
        let sent = parse_time("2026-03-01T12:00:10Z").unwrap();
        assert_eq!(parse_time("2026-03-01T12:00:10.000+00:00"), Some(sent));
        assert_eq!(parse_time("2026-03-01T12:00:10"), Some(sent));
        assert_eq!(parse_time("2026-03-01 12:00:10.000"), Some(sent));
        assert_eq!(parse_time("yesterday"), None);
        assert!(super::super::lost::started_since(
            Some("2026-03-01T12:00:11.500Z"),
            sent
        ));
        assert!(
            super::super::lost::started_since(Some("2026-03-01T12:00:06Z"), sent),
            "within the slack"
        );
        assert!(
            !super::super::lost::started_since(Some("2026-03-01T12:00:04Z"), sent),
            "before the slack"
        );
        assert!(!super::super::lost::started_since(None, sent));
        assert_eq!(clock_time(sent), "12:00:10 UTC");
    }
}
