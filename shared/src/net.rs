//! Outbound HTTPS to the vendors (an OpenAI-compatible model, HubSpot, Meta's Graph API, the
//! completion callback): every `reqwest` client starts from [`client_builder`].

use std::sync::{Arc, LazyLock};

/// rustls on ring, trusting Mozilla's roots compiled in (webpki-roots). Two reasons, both
/// measured on the Lambda binaries (README, "Lambda binaries"): aws-lc, reqwest's default
/// crypto, added more than a megabyte to every function; and the platform verifier read and
/// parsed the system's ~150 roots whenever a client was built, at every cold start.
static TLS: LazyLock<rustls::ClientConfig> = LazyLock::new(|| tls_trusting(mozilla_roots()));

/// Mozilla's roots, compiled in.
pub fn mozilla_roots() -> rustls::RootCertStore {
    rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() }
}

fn tls_trusting(roots: rustls::RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A client builder with the TLS set-up above; add timeouts and build.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_ring();
    reqwest::Client::builder().tls_backend_preconfigured(TLS.clone())
}

/// The same, trusting only `roots` (the AWS clients trust Amazon's roots alone).
pub fn client_builder_trusting(roots: rustls::RootCertStore) -> reqwest::ClientBuilder {
    install_ring();
    reqwest::Client::builder().tls_backend_preconfigured(tls_trusting(roots))
}

/// Libraries that build a reqwest client of their own (async-openai makes a default one
/// before it takes ours) find ring as the process-wide provider.
fn install_ring() {
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A client with no settings beyond the TLS set-up (tools and tests).
pub fn client() -> reqwest::Client {
    client_builder().build().expect("a client on a prepared TLS configuration builds")
}

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918, unique-local),
/// link-local (169.254/16 holds the cloud metadata service), shared (100.64/10), multicast,
/// broadcast, documentation or unspecified. IPv4-mapped IPv6 is judged as IPv4.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_public_addresses_are_public() {
        for private in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fd00::1", "fe80::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "224.0.0.1"] {
            assert!(!super::is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:1.1.1.1"] {
            assert!(super::is_public(public.parse().unwrap()), "{public}");
        }
    }

    /// reqwest, without a crypto provider of its own, panics when a client is built on its
    /// TLS defaults; after the first of ours, ring is the process-wide provider.
    #[test]
    fn clients_build_and_leave_ring_as_the_default_provider() {
        let _ = super::client_builder().timeout(std::time::Duration::from_secs(1)).build().unwrap();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        let _ = reqwest::Client::new();
    }
}
