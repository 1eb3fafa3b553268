//! The content-hash name suffix kustomize gives generated ConfigMaps and Secrets.
//!
//! kustomize encodes the object as Go's `encoding/json` would marshal a map (keys sorted,
//! `<`, `>`, `&`, U+2028 and U+2029 escaped): for a ConfigMap `{"data":..,"kind":"ConfigMap",
//! "name":""}` (plus `binaryData` when set), for a Secret `{"data":..,"kind":"Secret","name":"",
//! "type":..}` (plus `stringData`); `immutable` does not count; a missing `data` is the
//! empty string. The name is always empty: kustomize v5 looks it up with a path its lookup does
//! not split, so the same data gives the same suffix whatever the object is called (checked
//! against `kubectl kustomize`). It takes the SHA-256 of that text in hex, keeps the first ten characters and
//! swaps `0 1 3 a e` for `g h k m t` so the suffix never spells words or looks like a number.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use parity_source::yaml::{Node, Value};

/// The suffix for a ConfigMap or Secret object, or `None` for other kinds.
pub(crate) fn name_suffix(object: &Node) -> Option<String> {
    let kind = object.get("kind").and_then(Node::as_str)?;
    let mut fields: BTreeMap<&str, String> = BTreeMap::new();
    fields.insert("kind", go_json_string(kind));
    fields.insert("name", go_json_string(""));
    let map_keys: &[&str] = match kind {
        "ConfigMap" => &["data", "binaryData"],
        "Secret" => &["data", "stringData"],
        _ => return None,
    };
    for key in map_keys {
        match object.get(key) {
            Some(node) if node.as_map().is_some() => {
                fields.insert(key, string_map_json(node));
            }
            // kustomize always encodes `data`, as "" when absent; the others only when set.
            _ if *key == "data" => {
                fields.insert("data", "\"\"".to_owned());
            }
            _ => {}
        }
    }
    if kind == "Secret" {
        let secret_type = object.get("type").and_then(Node::as_str).unwrap_or("");
        fields.insert("type", go_json_string(secret_type));
    }
    let mut json = String::from("{");
    for (index, (key, value)) in fields.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        json.push_str(&go_json_string(key));
        json.push(':');
        json.push_str(value);
    }
    json.push('}');
    Some(encode_hex_prefix(&hex(&sha256(json.as_bytes()))))
}

fn string_map_json(node: &Node) -> String {
    let mut sorted: BTreeMap<&str, &str> = BTreeMap::new();
    for entry in node.as_map().unwrap_or(&[]) {
        let value = match &entry.value.value {
            Value::Scalar(scalar) => &*scalar.text,
            _ => "",
        };
        sorted.insert(&entry.key, value);
    }
    let mut json = String::from("{");
    for (index, (key, value)) in sorted.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        json.push_str(&go_json_string(key));
        json.push(':');
        json.push_str(&go_json_string(value));
    }
    json.push('}');
    json
}

/// A JSON string as Go's `json.Marshal` writes it (HTML-safe escaping).
fn go_json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch if u32::from(ch) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(ch));
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
    out
}

fn encode_hex_prefix(hex: &str) -> String {
    hex.chars()
        .take(10)
        .map(|ch| match ch {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Standard base64 with padding, as Secret `data` holds values.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (index, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if index <= chunk.len() {
                let sextet = ((n >> shift) & 63) as usize;
                out.push(char::from(ALPHABET.get(sextet).copied().unwrap_or(b'A')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// SHA-256 (FIPS 180-4). Written out here because it is the only hash parity needs.
fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    let bit_length = (message.len() as u64).wrapping_mul(8);
    padded.extend_from_slice(&bit_length.to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let choose = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(choose)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let majority = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(majority);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, value) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *slot = slot.wrapping_add(value);
        }
    }
    let mut digest = [0u8; 32];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_source::yaml::{Limits, parse_document};

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            hex(&sha256(long)),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
    }

    #[test]
    fn base64_pads_like_the_standard_encoding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"s3cr3t!"), "czNjcjN0IQ==");
    }

    #[test]
    fn go_escapes_html_characters() {
        assert_eq!(go_json_string("a<b>&\"\n"), r#""a\u003cb\u003e\u0026\"\n""#);
    }

    fn suffix(yaml: &str) -> Option<String> {
        name_suffix(&parse_document(yaml, Limits::default()).unwrap())
    }

    #[test]
    fn config_map_suffix_matches_kustomize() {
        // Suffixes printed by `kubectl kustomize` (kustomize v5.5) for these objects.
        assert_eq!(
            suffix(
                "kind: ConfigMap\nmetadata: {name: p-cfg}\ndata: {X: \"1\", Y: quoted, Z: dq}\n"
            )
            .as_deref(),
            Some("d8f8f6d6gc")
        );
        // The name does not count; the type does.
        let secret = "kind: Secret\ntype: Opaque\nmetadata: {name: NAME}\ndata: {DB_PASSWORD: bG9jYWwtb25seQ==}\n";
        assert_eq!(
            suffix(&secret.replace("NAME", "a")).as_deref(),
            Some("gk265d824f")
        );
        assert_eq!(
            suffix(&secret.replace("NAME", "prod-a-v2")).as_deref(),
            Some("gk265d824f")
        );
        assert_eq!(suffix("kind: Deployment\nmetadata: {name: x}\n"), None);
    }
}
