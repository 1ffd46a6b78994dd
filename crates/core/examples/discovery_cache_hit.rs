//! Cost of a `discover_models` cache hit (the gateway calls it on every model lookup).
//! Benchmark, not a test: `cargo run -p bedrock-core --example discovery_cache_hit`
//! (debug build; a release build is several times faster).

use std::collections::HashMap;
use std::time::Instant;

use bedrock_core::discovery::{discover_models, DiscoveryOptions};
use bedrock_emulator::{Emulator, EmulatorConfig, DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = std::env::temp_dir().join("bn-bench-home");
    let env: HashMap<String, String> = [
        ("HOME", home.to_string_lossy().as_ref()),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let options = DiscoveryOptions { region: Some("us-east-1".into()), endpoint: Some(emu.url()), env: Some(env), ..Default::default() };
    let first = discover_models(options.clone()).await.expect("first call");
    println!("first call: {} models from the emulator", first.models.len());

    let rounds = 20_000u32;
    let mut elapsed = std::time::Duration::ZERO;
    for _ in 0..rounds {
        let o = options.clone(); // the caller builds its options anyway; not timed
        let t = Instant::now();
        let hit = discover_models(o).await.expect("cache hit");
        elapsed += t.elapsed();
        assert!(hit.from_cache);
    }
    println!("cache hit: {:.2} µs per call over {rounds} calls", elapsed.as_secs_f64() * 1e6 / rounds as f64);
    drop(emu);
}
