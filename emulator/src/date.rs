//! UTC timestamps in RFC 3339, without a date crate: instances' `createdDate`, events'
//! `eventDate` and the time of each delivery attempt.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2024-05-01T12:34:56Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let (date, _) = civil(time);
    format!("{date}Z")
}

/// `2024-05-01T12:34:56.789Z`, for times that order events less than a second apart.
pub fn rfc3339_millis(time: SystemTime) -> String {
    let (date, millis) = civil(time);
    format!("{date}.{millis:03}Z")
}

/// `2024-05-01T12:34:56` and the milliseconds.
fn civil(time: SystemTime) -> (String, u32) {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil-from-days, after Howard Hinnant's algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let date = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    );
    (date, since.subsec_millis())
}

#[cfg(test)]
mod tests {
    use super::{rfc3339, rfc3339_millis};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_are_rfc3339_utc() {
        let t = UNIX_EPOCH + Duration::from_millis(1_709_210_096_042);
        assert_eq!(rfc3339(t), "2024-02-29T12:34:56Z");
        assert_eq!(rfc3339_millis(t), "2024-02-29T12:34:56.042Z");
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }
}
