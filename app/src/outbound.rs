//! Requests the server makes to addresses a tenant admin typed (IdP metadata, external data sources): the
//! host is resolved once, refused if it is internal (SSRF: loopback, private, link-local cloud metadata …)
//! unless private fetches are allowed (local runs and tests), and the connection goes to the address that
//! was checked, never to a second lookup's answer. No redirects follow.

use std::{net::SocketAddr, time::Duration};

/// Why a request was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the address must start with https://")]
    Scheme,
    #[error("the address has no host")]
    NoHost,
    #[error("the host name does not resolve")]
    Unresolved,
    #[error("the address points to an internal network address, which is not allowed")]
    Internal,
    #[error("the request could not be prepared")]
    Client,
}

/// A client for `url` with `timeout`, connecting only to the checked address.
pub async fn client_for(
    url: &reqwest::Url,
    allow_private: bool,
    timeout: Duration,
) -> Result<reqwest::Client, Refused> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(Refused::Scheme),
    }
    let host = url.host_str().ok_or(Refused::NoHost)?.to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    // An IPv6 literal comes bracketed in a URL; the resolver wants it bare.
    let lookup = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> =
        tokio::net::lookup_host((lookup, port)).await.map_err(|_| Refused::Unresolved)?.collect();
    let addr = *addrs.first().ok_or(Refused::Unresolved)?;
    if !allow_private && addrs.iter().any(|a| internal_address(a.ip())) {
        return Err(Refused::Internal);
    }
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::none())
        .resolve(&host, addr)
        .build()
        .map_err(|_| Refused::Client)
}

/// Whether an address is one a tenant admin must not make the server reach (SSRF): loopback, private,
/// link-local (cloud metadata), unspecified, multicast, documentation and CGNAT ranges.
pub fn internal_address(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || o[0] == 0
        }
        std::net::IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded_v4 = |hi: u16, lo: u16| {
                internal_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(
                    (hi >> 8) as u8,
                    hi as u8,
                    (lo >> 8) as u8,
                    lo as u8,
                )))
            };
            v6.is_loopback() || v6.is_unspecified() || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed by some)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation 2001:db8::/32
                || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard 100::/64
                || (s[0] == 0x2001 && s[1] == 0) // Teredo 2001::/32 tunnels to an IPv4 address
                || (s[0] == 0x2002 && embedded_v4(s[1], s[2])) // 6to4 2002::/16 embeds an IPv4 address
                || (s[0] == 0x0064 && s[1] == 0xff9b && embedded_v4(s[6], s[7])) // NAT64 64:ff9b::/96
                || (s[0..6] == [0, 0, 0, 0, 0, 0] && embedded_v4(s[6], s[7])) // IPv4-compatible ::a.b.c.d
                || v6.to_ipv4_mapped().is_some_and(|v4| internal_address(std::net::IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::internal_address;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "fec0::1",
            "2001:db8::1",
            "100::1",
            "2001:0:4136:e378::1",
            "2002:a9fe:a9fe::1",
            "64:ff9b::a9fe:a9fe",
            "::127.0.0.1",
        ] {
            assert!(internal_address(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["8.8.8.8", "52.1.2.3", "2606:4700::1111", "2002:808:808::1", "64:ff9b::808:808"] {
            assert!(!internal_address(ip.parse().expect("ip")), "{ip}");
        }
    }
}
