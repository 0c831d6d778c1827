//! The client's address behind a reverse proxy. Only when the TCP peer is
//! one of `--trusted-proxies` is `X-Forwarded-For` read, and then from the
//! right: the first address that is not a trusted proxy is the client (the
//! entries to its left were written by whoever sent the request, and can say
//! anything). Without trusted proxies the header is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// One `address/prefix` block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(text: &str) -> Result<Self, String> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let net: IpAddr = addr.trim().parse().map_err(|_| format!("{text:?} is not an address or CIDR block"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => {
                p.trim().parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(|| format!("bad prefix in {text:?}"))?
            }
            None => max,
        };
        Ok(Cidr { net, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// `--trusted-proxies`: empty by default.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// A comma-separated list of addresses and CIDR blocks.
    pub fn parse(list: &str) -> Result<Self, String> {
        let blocks = list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Cidr::parse);
        Ok(TrustedProxies(blocks.collect::<Result<_, _>>().map_err(|e| format!("--trusted-proxies: {e}"))?))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }

    /// The client's address for a request from `peer` with these headers.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break; // garbage: stop at the last address we could read
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// The client's address, worked out once per request.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

/// Puts `ClientIp` in the request's extensions.
pub async fn resolve_client(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .or_else(|| req.extensions().get::<MockConnectInfo<SocketAddr>>().map(|MockConnectInfo(addr)| addr.ip()));
    if let Some(peer) = peer {
        let ip = state.config.trusted_proxies.client_ip(peer, req.headers());
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_read_only_from_trusted_proxies_and_from_the_right() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5").unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "198.51.100.7".parse().unwrap();
        // Not from a proxy: the header is ignored.
        assert_eq!(proxies.client_ip(stranger, &headers("1.2.3.4")), stranger);
        // From a proxy: the rightmost address that is not a proxy.
        assert_eq!(
            proxies.client_ip(proxy, &headers("6.6.6.6, 203.0.113.9, 10.9.9.9")),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(proxies.client_ip(proxy, &headers("203.0.113.9")), "203.0.113.9".parse::<IpAddr>().unwrap());
        // No header, or garbage in it: the proxy itself.
        assert_eq!(proxies.client_ip(proxy, &HeaderMap::new()), proxy);
        assert_eq!(proxies.client_ip(proxy, &headers("not-an-ip")), proxy);
        // Nothing trusted by default.
        assert_eq!(TrustedProxies::default().client_ip(proxy, &headers("1.2.3.4")), proxy);
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("::1, fd00::/8").unwrap().trusts("fd12::1".parse().unwrap()));
    }
}
