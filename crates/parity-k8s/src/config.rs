//! ConfigMaps and Secrets into config sources with per-key values and origins.

use parity_model::{ConfigSource, ConfigSourceKind, Origin, SensitiveText};
use parity_source::yaml::{Node, Value};

use crate::read::Cx;

/// How a value that is not text (ConfigMap `binaryData`, Secret bytes that are not UTF-8) is shown.
pub(crate) const BINARY: &str = "<binary>";

/// A ConfigMap: `data` values as text, `binaryData` keys as `<binary>`.
pub(crate) fn read_config_map(
    cx: &mut Cx<'_>,
    root: &Node,
    name: &str,
    namespace: Option<String>,
    origin: Origin,
) -> ConfigSource {
    // Collected, then sorted once: inserting one by one shifts the tail each time, quadratic
    // for a ConfigMap written in reverse key order.
    let mut entries = Vec::new();
    for entry in cx.map(root.get("data"), "data") {
        let Some(value) = scalar_value(cx, &entry.value, &format!("data.{}", entry.key)) else {
            continue;
        };
        let text = SensitiveText::for_key(&entry.key, cx.shared.get(value));
        entries.push((cx.shared.get(&entry.key), (text, cx.at_entry(entry))));
    }
    for entry in cx.map(root.get("binaryData"), "binaryData") {
        let text = SensitiveText::for_key(&entry.key, BINARY);
        entries.push((cx.shared.get(&entry.key), (text, cx.at_entry(entry))));
    }
    ConfigSource {
        kind: ConfigSourceKind::ConfigMap,
        name: name.into(),
        namespace,
        entries: entries.into_iter().collect(),
        origin,
    }
}

/// A Secret: `data` base64-decoded, `stringData` as written (it wins over `data`, as the API
/// server merges it). Every value is sensitive whatever its key is called.
pub(crate) fn read_secret(
    cx: &mut Cx<'_>,
    root: &Node,
    name: &str,
    namespace: Option<String>,
    origin: Origin,
) -> ConfigSource {
    // Collected, then sorted once: inserting one by one shifts the tail each time, quadratic
    // for a ConfigMap written in reverse key order.
    let mut entries = Vec::new();
    for entry in cx.map(root.get("data"), "data") {
        let path = format!("data.{}", entry.key);
        let Some(encoded) = scalar_value(cx, &entry.value, &path) else {
            continue;
        };
        let value = match decode_base64(encoded) {
            Some(bytes) => String::from_utf8(bytes).unwrap_or_else(|_| BINARY.to_owned()),
            None => {
                let message = format!(
                    "secret {name} key {} is not valid base64; its value is unknown",
                    entry.key
                );
                cx.warning(cx.at(&entry.value), message);
                continue;
            }
        };
        entries.push((
            (&*entry.key).into(),
            (SensitiveText::secret(value), cx.at_entry(entry)),
        ));
    }
    for entry in cx.map(root.get("stringData"), "stringData") {
        let Some(value) = scalar_value(cx, &entry.value, &format!("stringData.{}", entry.key))
        else {
            continue;
        };
        entries.push((
            (&*entry.key).into(),
            (SensitiveText::secret(value), cx.at_entry(entry)),
        ));
    }
    ConfigSource {
        kind: ConfigSourceKind::Secret,
        name: name.into(),
        namespace,
        entries: entries.into_iter().collect(),
        origin,
    }
}

/// The text of a data value; null reads as empty (`key:` with nothing after it), a mapping or
/// sequence is an error.
fn scalar_value<'n>(cx: &mut Cx<'_>, node: &'n Node, path: &str) -> Option<&'n str> {
    match &node.value {
        Value::Scalar(scalar) => Some(&scalar.text),
        Value::Null => Some(""),
        _ => {
            cx.error(
                cx.at(node),
                format!("expected a string for `{path}`, found {}", node.type_name()),
            );
            None
        }
    }
}

/// Decodes standard base64 (RFC 4648 with `+/`), as the API server does for Secret data.
/// Line breaks are skipped (YAML block scalars of long certificates carry them); padding is
/// optional. `None` for any other byte or an impossible length.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(byte: u8) -> Option<u32> {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        Some(u32::from(value))
    }
    let body = text.trim_end_matches(|c: char| c == '=' || c.is_ascii_whitespace());
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut accumulator = 0u32;
    let mut bits = 0u32;
    for byte in body.bytes() {
        if matches!(byte, b'\n' | b'\r' | b' ' | b'\t') {
            continue;
        }
        accumulator = (accumulator << 6) | sextet(byte)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((accumulator >> bits) as u8);
            accumulator &= (1 << bits) - 1;
        }
    }
    // 6 leftover bits cannot come from whole bytes.
    if bits >= 6 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_standard_alphabet_with_or_without_padding() {
        assert_eq!(
            decode_base64("cG9zdGdyZXM=").as_deref(),
            Some(&b"postgres"[..])
        );
        assert_eq!(
            decode_base64("cG9zdGdyZXM").as_deref(),
            Some(&b"postgres"[..])
        );
        assert_eq!(
            decode_base64("aHVudGVyMg==").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(
            decode_base64("aHVu\ndGVy\nMg==\n").as_deref(),
            Some(&b"hunter2"[..])
        );
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("//8=").as_deref(), Some(&[0xff, 0xff][..]));
    }

    #[test]
    fn base64_rejects_other_bytes_and_impossible_lengths() {
        assert_eq!(decode_base64("not base64!"), None);
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("aHVudGVyMg-_"), None);
    }
}
