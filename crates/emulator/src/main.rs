//! `bedrock-emulator --port N [--host 127.0.0.1] [--region us-east-1] [--no-auth]
//! [--clock-offset SECONDS] [--config file.json]`: runs the loopback Bedrock emulator until Ctrl-C.

use bedrock_emulator::{Emulator, EmulatorConfig};

fn usage() -> ! {
    eprintln!("usage: bedrock-emulator [--port N] [--host 127.0.0.1] [--region us-east-1] [--no-auth] [--clock-offset SECONDS] [--config options.json]");
    std::process::exit(2)
}

#[tokio::main]
async fn main() {
    let mut cfg = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .unwrap_or_else(|| usage())
        };
        match flag.as_str() {
            "--port" | "-p" => cfg.port = value().parse().unwrap_or_else(|_| usage()),
            "--host" => cfg.host = value(),
            "--region" => cfg.region = value(),
            "--no-auth" => cfg.auth = false,
            "--clock-offset" => cfg.clock_offset_secs = value().parse().unwrap_or_else(|_| usage()),
            "--config" => {
                let path = value();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    eprintln!("cannot read {path}: {e}");
                    std::process::exit(2)
                });
                let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                    eprintln!("{path}: {e}");
                    std::process::exit(2)
                });
                let (host, port) = (cfg.host.clone(), cfg.port);
                cfg = EmulatorConfig::from_json(&v).unwrap_or_else(|e| {
                    eprintln!("{path}: {e}");
                    std::process::exit(2)
                });
                if v.get("host").is_none() {
                    cfg.host = host;
                }
                if v.get("port").is_none() {
                    cfg.port = port;
                }
            }
            "--help" | "-h" => usage(),
            _ => usage(),
        }
    }
    let emu = match Emulator::start(cfg).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("bedrock-emulator: cannot listen: {e}");
            std::process::exit(1)
        }
    };
    let c = emu.config();
    println!("Bedrock emulator listening on {}", emu.url());
    println!("  region            {}", c.region);
    if let Some(cred) = c.credentials.first() {
        println!("  AWS_ACCESS_KEY_ID     {}", cred.access_key_id);
        println!("  AWS_SECRET_ACCESS_KEY {}", cred.secret_access_key);
    }
    if let Some(t) = c.bearer_tokens.first() {
        println!("  AWS_BEARER_TOKEN_BEDROCK {t}");
    }
    println!(
        "  auth              {}",
        if c.auth {
            "SigV4 or bearer, verified"
        } else {
            "off"
        }
    );
    println!("Control: POST {0}/__emulator/script, GET {0}/__emulator/requests, POST {0}/__emulator/reset", emu.url());
    let _ = tokio::signal::ctrl_c().await;
    emu.close().await;
}
