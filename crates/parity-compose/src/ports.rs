//! The short port syntax: `"8080"`, `"8080:80"`, `"127.0.0.1:8080:80"`, `"[::1]:80:80"`,
//! `"8000-8002:8000-8002"`, `"53:53/udp"`.

use parity_model::Protocol;

/// One container port of a short-syntax port spec (ranges give several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortSpec {
    pub(crate) host_ip: Option<String>,
    pub(crate) published: Option<u16>,
    pub(crate) container: u16,
    pub(crate) protocol: Protocol,
}

/// Parses a short-syntax port; the error says what is wrong with it.
pub(crate) fn parse_port_spec(text: &str) -> Result<Vec<PortSpec>, String> {
    let (address, protocol) = match text.rsplit_once('/') {
        Some((address, protocol)) => (
            address,
            Protocol::parse(protocol).ok_or_else(|| format!("unknown protocol {protocol:?}"))?,
        ),
        None => (text, Protocol::Tcp),
    };
    let (host_ip, ports) = if let Some(bracketed) = address.strip_prefix('[') {
        let (ip, rest) = bracketed
            .split_once("]:")
            .ok_or("unclosed `[` around the host IP")?;
        (Some(ip.to_owned()), rest)
    } else {
        match address.matches(':').count() {
            0 | 1 => (None, address),
            2 => {
                let (ip, rest) = address
                    .split_once(':')
                    .ok_or("expected `ip:published:target`")?;
                (Some(ip.to_owned()), rest)
            }
            _ => return Err("too many `:`; write an IPv6 host address in brackets".to_owned()),
        }
    };
    let (published, target) = match ports.rsplit_once(':') {
        Some((published, target)) => (Some(published), target),
        None => (None, ports),
    };
    let targets = parse_range(target)?;
    let published = match published.filter(|p| !p.is_empty()) {
        Some(published) => Some(parse_range(published)?),
        None => None,
    };
    let host_ip = host_ip.filter(|ip| !ip.is_empty());
    let published_for = |index: usize| -> Result<Option<u16>, String> {
        match &published {
            None => Ok(None),
            // A host range for one container port lets the engine pick one; the first is shown.
            Some((start, _)) if targets.0 == targets.1 => Ok(Some(*start)),
            Some((start, end)) => {
                if end - start != targets.1 - targets.0 {
                    return Err("published and target port ranges differ in length".to_owned());
                }
                Ok(Some(start + index as u16))
            }
        }
    };
    (targets.0..=targets.1)
        .enumerate()
        .map(|(index, container)| {
            Ok(PortSpec {
                host_ip: host_ip.clone(),
                published: published_for(index)?,
                container,
                protocol,
            })
        })
        .collect()
}

fn parse_range(text: &str) -> Result<(u16, u16), String> {
    let (start, end) = match text.split_once('-') {
        Some((start, end)) => (parse_port(start)?, parse_port(end)?),
        None => {
            let port = parse_port(text)?;
            (port, port)
        }
    };
    if end < start {
        return Err(format!("port range {text:?} ends before it starts"));
    }
    Ok((start, end))
}

/// A port number 0-65535 (0 only makes sense as "any" for a published port).
pub(crate) fn parse_port(text: &str) -> Result<u16, String> {
    text.trim()
        .parse::<u16>()
        .map_err(|_| format!("{text:?} is not a port number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(
        host_ip: Option<&str>,
        published: Option<u16>,
        container: u16,
        protocol: Protocol,
    ) -> PortSpec {
        PortSpec {
            host_ip: host_ip.map(str::to_owned),
            published,
            container,
            protocol,
        }
    }

    #[test]
    fn short_forms() {
        assert_eq!(
            parse_port_spec("8080"),
            Ok(vec![spec(None, None, 8080, Protocol::Tcp)])
        );
        assert_eq!(
            parse_port_spec("8080:80"),
            Ok(vec![spec(None, Some(8080), 80, Protocol::Tcp)])
        );
        assert_eq!(
            parse_port_spec("53:53/udp"),
            Ok(vec![spec(None, Some(53), 53, Protocol::Udp)])
        );
        assert_eq!(
            parse_port_spec("127.0.0.1:8080:80"),
            Ok(vec![spec(Some("127.0.0.1"), Some(8080), 80, Protocol::Tcp)])
        );
        assert_eq!(
            parse_port_spec("[::1]:80:80"),
            Ok(vec![spec(Some("::1"), Some(80), 80, Protocol::Tcp)])
        );
        assert_eq!(
            parse_port_spec("127.0.0.1::80"),
            Ok(vec![spec(Some("127.0.0.1"), None, 80, Protocol::Tcp)])
        );
    }

    #[test]
    fn ranges_expand() {
        assert_eq!(
            parse_port_spec("8000-8002:9000-9002"),
            Ok(vec![
                spec(None, Some(8000), 9000, Protocol::Tcp),
                spec(None, Some(8001), 9001, Protocol::Tcp),
                spec(None, Some(8002), 9002, Protocol::Tcp),
            ])
        );
        assert_eq!(parse_port_spec("3000-3001").map(|p| p.len()), Ok(2));
    }

    #[test]
    fn bad_specs() {
        assert_eq!(
            parse_port_spec("80:http"),
            Err("\"http\" is not a port number".to_owned())
        );
        assert_eq!(
            parse_port_spec("99999"),
            Err("\"99999\" is not a port number".to_owned())
        );
        assert_eq!(
            parse_port_spec("80/quic"),
            Err("unknown protocol \"quic\"".to_owned())
        );
        assert!(parse_port_spec("::1:80:80").is_err());
        assert!(parse_port_spec("8000-8002:9000-9001").is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[0-9:/\\[\\]a-z.-]{0,24}") {
            if let Ok(specs) = parse_port_spec(&text) {
                proptest::prop_assert!(!specs.is_empty());
            }
        }
    }
}
