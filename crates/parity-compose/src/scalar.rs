//! Plain YAML scalars as `docker compose` turns them into strings.
//!
//! Compose reads YAML with Go's `yaml.v3`, which types an unquoted `010` as the integer 8,
//! `0x1F` as 31, `1.50` as the float 1.5 and `True` as a boolean, and then prints the typed value
//! where a string is needed (`environment` and `labels` mapping values). A container given
//! `PORT: 08080` really sees `PORT=4160`, so parity must see the same.

use std::borrow::Cow;

/// The string compose puts in the container for an unquoted scalar written as `text`.
pub(crate) fn compose_string(text: &str) -> Cow<'_, str> {
    match text {
        "true" | "True" | "TRUE" => return Cow::Borrowed("true"),
        "false" | "False" | "FALSE" => return Cow::Borrowed("false"),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Cow::Borrowed("+Inf"),
        "-.inf" | "-.Inf" | "-.INF" => return Cow::Borrowed("-Inf"),
        ".nan" | ".NaN" | ".NAN" => return Cow::Borrowed("NaN"),
        _ => {}
    }
    // yaml.v3 only tries numbers for scalars that start like one.
    if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        return Cow::Borrowed(text);
    }
    let plain = text.replace('_', "");
    if let Some(int) = parse_go_int(&plain) {
        return Cow::Owned(int.to_string());
    }
    if is_yaml_float(&plain) {
        if let Ok(float) = plain.parse::<f64>() {
            return Cow::Owned(format_go_float(float));
        }
    }
    Cow::Borrowed(text)
}

/// Go's `strconv.ParseInt(text, 0, 64)` (and `ParseUint` for large positives): decimal, `0x`
/// hex, `0o` or leading-`0` octal, `0b` binary.
fn parse_go_int(text: &str) -> Option<i128> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, text.get(1..)?),
        b'+' => (false, text.get(1..)?),
        _ => (false, text),
    };
    let lower = unsigned.to_ascii_lowercase();
    let (digits, radix) = if let Some(hex) = lower.strip_prefix("0x") {
        (hex.to_owned(), 16)
    } else if let Some(octal) = lower.strip_prefix("0o") {
        (octal.to_owned(), 8)
    } else if let Some(binary) = lower.strip_prefix("0b") {
        (binary.to_owned(), 2)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (lower.get(1..)?.to_owned(), 8)
    } else {
        (lower, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let value = i128::from(u64::from_str_radix(&digits, radix).ok()?);
    let value = if negative { -value } else { value };
    // Beyond i64 only non-negative values up to u64::MAX are integers (ParseUint).
    (value >= i128::from(i64::MIN)).then_some(value)
}

/// yaml.v3's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", fraction)) => !fraction.is_empty() && all_digits(fraction),
        Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
        None => !mantissa.is_empty() && all_digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && all_digits(digits)
    });
    mantissa_ok && exponent_ok
}

/// A float as Go's `fmt.Sprint` prints it: shortest round-trip digits, exponent form below 1e-4
/// and from 1e21 (`1e+21`, `1e-05`).
fn format_go_float(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let exponent = value.abs().log10().floor();
    if (-4.0..21.0).contains(&exponent) {
        return format!("{value}");
    }
    let scientific = format!("{value:e}");
    let Some((mantissa, exp)) = scientific.split_once('e') else {
        return scientific;
    };
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(digits) => ('-', digits),
        None => ('+', exp),
    };
    format!("{mantissa}e{sign}{digits:0>2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_booleans_print_like_compose() {
        for (written, printed) in [
            ("010", "8"),
            ("0x1F", "31"),
            ("0o17", "15"),
            ("0b101", "5"),
            ("1_000", "1000"),
            ("-42", "-42"),
            ("+7", "7"),
            ("1.50", "1.5"),
            ("1e3", "1000"),
            (".5", "0.5"),
            ("1.0", "1"),
            ("1e21", "1e+21"),
            ("0.00001", "1e-05"),
            ("True", "true"),
            ("FALSE", "false"),
            ("0", "0"),
            ("09", "9"),
            ("18446744073709551615", "18446744073709551615"),
            ("-0x10", "-16"),
            ("123456789012345678901234", "1.2345678901234569e+23"),
            (".inf", "+Inf"),
        ] {
            assert_eq!(compose_string(written), printed, "{written}");
        }
    }

    #[test]
    fn other_text_is_kept_as_written() {
        for text in [
            "yes", "on", "1.2.3", "8080:80", "v1.0", "-", ".", "1e", "0x", "3 apples", "+",
        ] {
            assert_eq!(compose_string(text), text);
        }
    }
}
