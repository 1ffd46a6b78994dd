//! Which certificate authorities HTTPS trusts, for every client of the addon alike: the
//! runtime transport, discovery's `aws-sdk-bedrock` client and `aws-config`'s credential
//! calls (STS, SSO, ECS/container endpoints).
//!
//! Trust = the system store (`rustls-native-certs`), or Mozilla's roots
//! (`webpki-root-certs`) when the system has none (`node:*-slim` images carry no CA
//! certificates; Node itself trusts its bundled Mozilla roots there), plus every
//! certificate in the PEM files named by `NODE_EXTRA_CA_CERTS` (as Node adds them) and
//! `AWS_CA_BUNDLE` (as the AWS CLI and SDKs do; corporate TLS inspection).
//!
//! A named `AWS_CA_BUNDLE` that cannot be read or holds no certificate is an error naming
//! it (nothing is sent with a trust the user did not ask for); an unreadable
//! `NODE_EXTRA_CA_CERTS` is skipped, as Node only warns about it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;

use crate::error::{Error, ErrorCode, Result};
use crate::region::EnvLookup;

/// The variables that add certificates.
pub const EXTRA_CA_VARS: [&str; 2] = ["NODE_EXTRA_CA_CERTS", "AWS_CA_BUNDLE"];

/// The roots one configuration trusts (each one parsed and accepted by rustls).
#[derive(Debug)]
pub struct TrustRoots {
    certs: Vec<CertificateDer<'static>>,
    /// `system` or `mozilla`, plus the variables that added certificates.
    pub sources: Vec<String>,
}

impl TrustRoots {
    pub fn root_store(&self) -> rustls::RootCertStore {
        let mut store = rustls::RootCertStore::empty();
        store.add_parsable_certificates(self.certs.iter().cloned());
        store
    }

    pub fn len(&self) -> usize {
        self.certs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// An HTTP client for AWS SDK clients (discovery, credential providers) that trusts
    /// exactly these roots: the SDK's own default client (rustls + aws-lc, proxy from
    /// `HTTPS_PROXY`/`NO_PROXY`) with the trust store replaced.
    pub fn sdk_http_client(&self) -> SharedHttpClient {
        use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
        let mut store = tls::TrustStore::empty().with_native_roots(false);
        for cert in &self.certs {
            store.add_pem_certificate(pem(cert).into_bytes());
        }
        let context = match tls::TlsContext::builder().with_trust_store(store).build() {
            Ok(context) => context,
            // Only fails on bad extra server names, which are never set here.
            Err(_) => tls::TlsContext::default(),
        };
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut builder = ConnectorBuilder::default()
                .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
                .tls_context(context.clone());
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        })
    }
}

fn pem(cert: &CertificateDer<'_>) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The system's roots, loaded once per process (reading the store can take a while).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static SYSTEM: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    SYSTEM.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

/// Keeps the certificates rustls accepts as trust anchors (others would make the SDK's
/// trust store fail later).
fn accepted(certs: impl IntoIterator<Item = CertificateDer<'static>>) -> Vec<CertificateDer<'static>> {
    certs
        .into_iter()
        .filter(|c| rustls::RootCertStore::empty().add(c.clone()).is_ok())
        .collect()
}

/// Builds the roots from a base set (system, else Mozilla) and the variables in `env`.
pub fn trust_roots_with(system: &[CertificateDer<'static>], env: &dyn EnvLookup) -> Result<TrustRoots> {
    let mut certs = accepted(system.iter().cloned());
    let mut sources = Vec::new();
    if certs.is_empty() {
        certs = accepted(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        sources.push("mozilla".to_string());
    } else {
        sources.push("system".to_string());
    }
    for var in EXTRA_CA_VARS {
        let Some(path) = env.get(var) else { continue };
        let loaded = std::fs::read(&path)
            .map_err(|e| format!("cannot read {path}: {e}"))
            .and_then(|bytes| {
                let found: Vec<CertificateDer<'static>> =
                    CertificateDer::pem_slice_iter(&bytes).filter_map(|c| c.ok()).collect();
                let found = accepted(found);
                if found.is_empty() {
                    Err(format!("{path} holds no PEM certificate usable as a trust anchor"))
                } else {
                    Ok(found)
                }
            });
        match loaded {
            Ok(found) => {
                certs.extend(found);
                sources.push(var.to_string());
            }
            Err(detail) if var == "AWS_CA_BUNDLE" => {
                return Err(Error::new(ErrorCode::ConfigNotFound, format!("AWS_CA_BUNDLE: {detail}")));
            }
            Err(detail) => crate::debug_log!("NODE_EXTRA_CA_CERTS ignored: {detail}"),
        }
    }
    Ok(TrustRoots { certs, sources })
}

/// The roots for `env`, built once per distinct (`NODE_EXTRA_CA_CERTS`, `AWS_CA_BUNDLE`).
pub fn trust_roots(env: &dyn EnvLookup) -> Result<Arc<TrustRoots>> {
    static CACHE: OnceLock<Mutex<HashMap<Vec<Option<String>>, Arc<TrustRoots>>>> = OnceLock::new();
    let key: Vec<Option<String>> = EXTRA_CA_VARS.iter().map(|v| env.get(v)).collect();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(roots) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(roots.clone());
    }
    let roots = Arc::new(trust_roots_with(system_roots(), env)?);
    cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, roots.clone());
    Ok(roots)
}

/// The SDK HTTP client for `env`'s roots, one per distinct roots (clients pool connections).
pub fn sdk_http_client(env: &dyn EnvLookup) -> Result<SharedHttpClient> {
    static CLIENTS: OnceLock<Mutex<HashMap<usize, SharedHttpClient>>> = OnceLock::new();
    let roots = trust_roots(env)?;
    let key = Arc::as_ptr(&roots) as usize;
    let clients = CLIENTS.get_or_init(Default::default);
    let mut clients = clients.lock().unwrap_or_else(|p| p.into_inner());
    Ok(clients.entry(key).or_insert_with(|| roots.sdk_http_client()).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_system_store_falls_back_to_mozilla_roots() {
        let env: HashMap<String, String> = HashMap::new();
        let roots = trust_roots_with(&[], &env).expect("roots");
        assert!(roots.len() > 100, "{}", roots.len());
        assert_eq!(roots.sources, ["mozilla"]);
        assert!(!roots.root_store().is_empty());
    }

    #[test]
    fn a_missing_aws_ca_bundle_is_an_error_naming_it_node_extra_is_skipped() {
        let env: HashMap<String, String> =
            [("AWS_CA_BUNDLE".to_string(), "/nonexistent/ca.pem".to_string())].into_iter().collect();
        let err = trust_roots_with(&[], &env).expect_err("missing bundle");
        assert!(err.message.contains("AWS_CA_BUNDLE") && err.message.contains("/nonexistent/ca.pem"), "{}", err.message);
        let env: HashMap<String, String> =
            [("NODE_EXTRA_CA_CERTS".to_string(), "/nonexistent/ca.pem".to_string())].into_iter().collect();
        assert_eq!(trust_roots_with(&[], &env).expect("skipped").sources, ["mozilla"]);
    }
}
