//! Outbound HTTPS to the vendors (an OpenAI-compatible model, HubSpot, Meta's Graph API, the
//! completion callback): every `reqwest` client starts from [`client_builder`].

use std::sync::{Arc, LazyLock};

/// rustls on ring, trusting Mozilla's roots compiled in (webpki-roots). Two reasons, both
/// measured on the Lambda binaries (README, "Lambda binaries"): aws-lc, reqwest's default
/// crypto, added more than a megabyte to every function; and the platform verifier read and
/// parsed the system's ~150 roots whenever a client was built, at every cold start.
static TLS: LazyLock<rustls::ClientConfig> = LazyLock::new(|| {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring supports TLS 1.2 and 1.3")
        .with_root_certificates(roots)
        .with_no_client_auth()
});

/// A client builder with the TLS set-up above; add timeouts and build.
pub fn client_builder() -> reqwest::ClientBuilder {
    // Libraries that build a reqwest client of their own (async-openai makes a default one
    // before it takes ours) find ring as the process-wide provider.
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder().tls_backend_preconfigured(TLS.clone())
}

/// A client with no settings beyond the TLS set-up (tools and tests).
pub fn client() -> reqwest::Client {
    client_builder().build().expect("a client on a prepared TLS configuration builds")
}

#[cfg(test)]
mod tests {
    /// reqwest, without a crypto provider of its own, panics when a client is built on its
    /// TLS defaults; after the first of ours, ring is the process-wide provider.
    #[test]
    fn clients_build_and_leave_ring_as_the_default_provider() {
        let _ = super::client_builder().timeout(std::time::Duration::from_secs(1)).build().unwrap();
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        let _ = reqwest::Client::new();
    }
}
