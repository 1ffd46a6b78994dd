#![deny(clippy::all)]
//! napi binding for bedrock-core: JS-facing types and conversions only, no business logic.
//! JS-facing types carry a `Js` prefix so they never clash with core types.

mod config;
mod converse;
mod discovery;
mod emulator;
mod error;
mod panic_probe;
mod request;
