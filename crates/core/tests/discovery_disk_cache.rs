//! The on-disk discovery cache. Its own test binary (process) because it clears the
//! in-process cache, which would disturb the cache-hit counts of the other discovery
//! tests; `clear_cache()` here stands in for "a new gateway process".

mod common;

use bedrock_core::discovery::{clear_cache, discover_models, DiscoveryOptions};
use bedrock_emulator::{Emulator, EmulatorConfig};
use common::*;
use serde_json::Value;

fn count(emu: &Emulator) -> usize {
    emu.requests().iter().filter(|r| r.operation == "ListFoundationModels").count()
}

#[tokio::test]
async fn disk_cache_warms_a_new_process_honours_ttl_and_replaces_bad_files() {
    let emu = Emulator::start(EmulatorConfig::default()).await.expect("emulator");
    let home = TempDir::new("disk-cache");
    let cache_file = home.path("cache/models.json");
    let opts = || DiscoveryOptions {
        endpoint: Some(emu.url()),
        env: Some(emulator_key_env(&home)),
        cache_file: Some(cache_file.clone()),
        refresh_interval_secs: Some(3600.0),
        ..Default::default()
    };

    let first = discover_models(opts()).await.expect("first");
    assert!(!first.from_cache);
    assert_eq!(count(&emu), 1);
    let text = std::fs::read_to_string(&cache_file).expect("cache file written (directory created)");
    assert!(!text.contains(EMU_KEY) && !text.contains(EMU_SECRET), "no credential in the cache file");
    assert!(!home.path("cache/models.json.lock").exists(), "lock released");

    // "New process": warm from disk, no call.
    clear_cache();
    let warm = discover_models(opts()).await.expect("warm");
    assert!(warm.from_cache);
    assert_eq!(warm.models.len(), first.models.len());
    assert_eq!(count(&emu), 1);

    // Expired on disk (fetched two hours ago): refetched.
    let mut v: Value = serde_json::from_str(&text).expect("json");
    v["fetchedAtMs"] = Value::from(v["fetchedAtMs"].as_u64().expect("number") - 2 * 3600 * 1000);
    std::fs::write(&cache_file, serde_json::to_vec(&v).expect("json")).expect("write");
    clear_cache();
    let refreshed = discover_models(opts()).await.expect("refreshed");
    assert!(!refreshed.from_cache);
    assert_eq!(count(&emu), 2);

    // Another configuration's entry (different key) is not used.
    clear_cache();
    let other = discover_models(DiscoveryOptions { provider_filter: vec!["meta".into()], ..opts() }).await.expect("other key");
    assert!(!other.from_cache);
    assert_eq!(count(&emu), 3);

    // Corrupt: ignored and replaced by a valid file.
    std::fs::write(&cache_file, b"\x00\x01 not json").expect("write");
    clear_cache();
    let after_corrupt = discover_models(opts()).await.expect("after corrupt");
    assert!(!after_corrupt.from_cache);
    assert_eq!(count(&emu), 4);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&cache_file).expect("read")).expect("valid again");
    assert_eq!(v["format"], "bedrock-native/discovery-cache");

    // A stale lock left by a crashed process does not block a refresh for long: the
    // lock wait is bounded by the call timeout, then the process fetches itself.
    std::fs::write(home.path("cache/models.json.lock"), b"").expect("lock");
    std::fs::remove_file(&cache_file).expect("rm");
    clear_cache();
    let with_lock = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        discover_models(DiscoveryOptions { timeout: Some(std::time::Duration::from_millis(300)), ..opts() }),
    )
    .await
    .expect("bounded")
    .expect("fetched despite a foreign lock");
    assert!(!with_lock.from_cache);
    assert_eq!(count(&emu), 5);
    emu.close().await;
}
