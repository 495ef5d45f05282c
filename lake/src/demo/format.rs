//! Hand-rolled text formatting for the generator's hot loop: `write!` with its formatting
//! machinery would be most of the time spent on 10 million rows.

/// Appends `n` in decimal.
pub(super) fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends an amount given in cents: `0`, `7.05`, `9999.99`.
pub(super) fn push_cents(out: &mut Vec<u8>, cents: u64) {
    push_u64(out, cents / 100);
    let rest = cents % 100;
    if rest != 0 {
        out.extend_from_slice(&[b'.', b'0' + (rest / 10) as u8, b'0' + (rest % 10) as u8]);
    }
}

/// Appends `HH:MM:SS` for a second of the day (`0..86400`).
pub(super) fn push_time_of_day(out: &mut Vec<u8>, second: u64) {
    let (h, m, s) = (second / 3600, second / 60 % 60, second % 60);
    out.extend_from_slice(&[
        b'0' + (h / 10) as u8,
        b'0' + (h % 10) as u8,
        b':',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b':',
        b'0' + (s / 10) as u8,
        b'0' + (s % 10) as u8,
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_format_as_std_does() {
        for n in [0, 7, 10, 99, 12345, u64::MAX] {
            assert_eq!(text(|o| push_u64(o, n)), n.to_string());
        }
        assert_eq!(text(|o| push_cents(o, 0)), "0");
        assert_eq!(text(|o| push_cents(o, 705)), "7.05");
        assert_eq!(text(|o| push_cents(o, 1230)), "12.30");
        assert_eq!(text(|o| push_cents(o, 999_999)), "9999.99");
        assert_eq!(text(|o| push_time_of_day(o, 0)), "00:00:00");
        assert_eq!(text(|o| push_time_of_day(o, 86_399)), "23:59:59");
        assert_eq!(text(|o| push_time_of_day(o, 3_725)), "01:02:05");
    }
}
