//! HTTP/2 to Bedrock over TLS: ALPN offers `h2` and `http/1.1`; a server that picks
//! HTTP/1.1 is remembered and served by the HTTP/1.1 client from then on.
//!
//! Streams are multiplexed on a small set of connections per host: a stream goes to the
//! first connection with room under the server's `SETTINGS_MAX_CONCURRENT_STREAMS`, and
//! a new connection is opened only when every one is full (up to [`MAX_CONNECTIONS_PER_HOST`];
//! beyond that the least-loaded connection queues it, as hyper's h2 client does). One
//! socket read then carries frames of many streams. Dropping a response (abort, a
//! `for await` break) resets that one stream (RST_STREAM CANCEL); the connection stays.
//!
//! hyper's HTTP/2 client does not expose the peer's settings, so the first frame the server
//! sends (its SETTINGS, RFC 9113 §3.4) is read on the way through by [`SettingsSniffer`].

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper_rustls::MaybeHttpsStream;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::time::Instant;
use tower_service::Service;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Connections to one host before further streams queue on the least-loaded one. With
/// Bedrock's and hyper's usual 100-200 streams per connection this is thousands of streams.
pub(super) const MAX_CONNECTIONS_PER_HOST: usize = 32;
/// Streams per connection until the server's SETTINGS arrive (RFC 9113 §6.5.2 recommends
/// servers allow at least 100).
const ASSUMED_MAX_STREAMS: usize = 100;
/// Streams per connection when the server sets no limit: more would make one connection's
/// task the bottleneck for every stream on it.
const UNLIMITED_MAX_STREAMS: usize = 1000;
/// A firehose stream must not wait on WINDOW_UPDATEs: the RFC's 64 KiB default window
/// allows ~64 KiB per round trip. 1 MiB per stream, 16 MiB per connection (the data
/// buffered for a stream whose consumer lags is bounded by the stream window).
const STREAM_WINDOW: u32 = 1024 * 1024;
const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;
/// A connection without streams for this long is closed (as the HTTP/1.1 pool's idle timeout).
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What [`Http2Pool::send`] did.
pub(super) enum Sent {
    /// The response, and the stream's slot on its connection (hold it until the body is done).
    Http2(http::Response<Incoming>, StreamSlot),
    /// The server does not speak HTTP/2 (ALPN chose HTTP/1.1): send this over HTTP/1.1.
    Http1(http::Request<Full<Bytes>>),
}

#[derive(Debug)]
pub(super) enum Http2Error {
    /// No connection could be made (TCP, proxy tunnel, TLS handshake, HTTP/2 preface).
    Connect(BoxError),
    /// The request failed on an established connection.
    Request(hyper::Error),
}

impl std::fmt::Display for Http2Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Http2Error::Connect(e) => write!(f, "connect error: {e}"),
            Http2Error::Request(e) => write!(f, "HTTP/2 request failed: {e}"),
        }
    }
}

impl std::error::Error for Http2Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Http2Error::Connect(e) => e.source(),
            Http2Error::Request(e) => e.source(),
        }
    }
}

/// One HTTP/2 connection and the streams open on it.
struct Connection {
    id: u64,
    sender: SendRequest<Full<Bytes>>,
    open_streams: AtomicUsize,
    /// The server's SETTINGS_MAX_CONCURRENT_STREAMS (capped), once seen.
    max_streams: Arc<AtomicUsize>,
    idle_since: Mutex<Option<Instant>>,
}

impl Connection {
    fn has_room(&self) -> bool {
        self.open_streams.load(Ordering::SeqCst) < self.max_streams.load(Ordering::SeqCst)
    }

    fn idle_too_long(&self, now: Instant) -> bool {
        self.open_streams.load(Ordering::SeqCst) == 0
            && lock(&self.idle_since).is_some_and(|since| now.duration_since(since) >= IDLE_TIMEOUT)
    }
}

/// A stream's place on its connection; dropping it frees the place.
pub(super) struct StreamSlot {
    connection: Arc<Connection>,
}

impl StreamSlot {
    fn take(connection: &Arc<Connection>) -> StreamSlot {
        connection.open_streams.fetch_add(1, Ordering::SeqCst);
        *lock(&connection.idle_since) = None;
        StreamSlot { connection: connection.clone() }
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if self.connection.open_streams.fetch_sub(1, Ordering::SeqCst) == 1 {
            *lock(&self.connection.idle_since) = Some(Instant::now());
        }
    }
}

#[derive(Default)]
struct Host {
    /// The server chose HTTP/1.1 in ALPN.
    http1_only: AtomicBool,
    /// Held while choosing or opening a connection, so a burst of streams waits for the
    /// one connection being opened instead of each opening its own.
    connections: tokio::sync::Mutex<Vec<Arc<Connection>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Every HTTP/2 connection of one transport configuration (trust, proxy, connect timeout).
pub(super) struct Http2Pool<C> {
    /// Offers ALPN `h2` and `http/1.1`.
    connector: hyper_rustls::HttpsConnector<C>,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
    next_id: AtomicU64,
}

impl<C> Http2Pool<C>
where
    C: Service<http::Uri, Response = TokioIo<tokio::net::TcpStream>, Error = BoxError> + Clone + Send + Sync + 'static,
    C::Future: Send + 'static,
{
    pub(super) fn new(connector: hyper_rustls::HttpsConnector<C>) -> Self {
        Http2Pool { connector, hosts: Mutex::new(HashMap::new()), next_id: AtomicU64::new(1) }
    }

    /// Sends `request` (an absolute `https://` URI) on an HTTP/2 stream.
    pub(super) async fn send(&self, request: http::Request<Full<Bytes>>) -> Result<Sent, Http2Error> {
        let key = match (request.uri().scheme_str(), request.uri().authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => return Ok(Sent::Http1(request)),
        };
        let host = lock(&self.hosts).entry(key).or_default().clone();
        let mut request = request;
        // A connection that closed between the check and the send (GOAWAY, idle close) hands
        // the request back unsent: one more try on a fresh connection.
        for _ in 0..2 {
            if host.http1_only.load(Ordering::SeqCst) {
                return Ok(Sent::Http1(request));
            }
            let Some(slot) = self.checkout(&host, request.uri()).await? else {
                return Ok(Sent::Http1(request));
            };
            let mut sender = slot.connection.sender.clone();
            match sender.try_send_request(request).await {
                Ok(response) => return Ok(Sent::Http2(response, slot)),
                Err(mut e) => match e.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(Http2Error::Request(e.into_error())),
                },
            }
        }
        // Two fresh connections closed before taking a stream.
        Err(Http2Error::Connect("the HTTP/2 connection closed before the request was sent".into()))
    }

    /// A place for the next stream to this host, on the first connection with room, else a
    /// new one, else (at the connection bound) the least loaded; taken under the host's
    /// lock so concurrent streams see each other. `None`: the server chose HTTP/1.1.
    async fn checkout(&self, host: &Host, uri: &http::Uri) -> Result<Option<StreamSlot>, Http2Error> {
        let mut connections = host.connections.lock().await;
        if host.http1_only.load(Ordering::SeqCst) {
            return Ok(None);
        }
        let now = Instant::now();
        connections.retain(|c| !c.sender.is_closed() && !c.idle_too_long(now));
        if let Some(c) = connections.iter().find(|c| c.has_room()) {
            return Ok(Some(StreamSlot::take(c)));
        }
        if connections.len() >= MAX_CONNECTIONS_PER_HOST {
            let least = connections.iter().min_by_key(|c| c.open_streams.load(Ordering::SeqCst));
            return Ok(least.map(StreamSlot::take));
        }
        let Some(connection) = self.connect(uri).await? else {
            host.http1_only.store(true, Ordering::SeqCst);
            crate::debug_log!("{}: the server chose HTTP/1.1 (ALPN)", uri.authority().map(|a| a.as_str()).unwrap_or(""));
            return Ok(None);
        };
        connections.push(connection.clone());
        Ok(Some(StreamSlot::take(&connection)))
    }

    async fn connect(&self, uri: &http::Uri) -> Result<Option<Arc<Connection>>, Http2Error> {
        let stream = self.connector.clone().call(uri.clone()).await.map_err(Http2Error::Connect)?;
        let negotiated_h2 = match &stream {
            MaybeHttpsStream::Https(tls) => tls.inner().get_ref().1.alpn_protocol() == Some(b"h2"),
            MaybeHttpsStream::Http(_) => false,
        };
        if !negotiated_h2 {
            return Ok(None);
        }
        let max_streams = Arc::new(AtomicUsize::new(ASSUMED_MAX_STREAMS));
        let io = SettingsSniffer::new(stream, max_streams.clone());
        let (sender, connection) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
            .initial_stream_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .handshake(io)
            .await
            .map_err(|e| Http2Error::Connect(Box::new(e)))?;
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        crate::debug_log!("HTTP/2 connection {id} to {}", uri.authority().map(|a| a.as_str()).unwrap_or(""));
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                crate::debug_log!("HTTP/2 connection {id} ended: {e}");
            }
        });
        Ok(Some(Arc::new(Connection {
            id,
            sender,
            open_streams: AtomicUsize::new(0),
            max_streams,
            idle_since: Mutex::new(None),
        })))
    }

    /// (open connections, streams open on them) for every host (tests, diagnostics).
    #[allow(dead_code)]
    pub(super) fn usage(&self) -> Vec<(u64, usize)> {
        let hosts: Vec<Arc<Host>> = lock(&self.hosts).values().cloned().collect();
        let mut out = Vec::new();
        for host in hosts {
            if let Ok(connections) = host.connections.try_lock() {
                out.extend(connections.iter().map(|c| (c.id, c.open_streams.load(Ordering::SeqCst))));
            }
        }
        out
    }
}

/// Passes a connection's bytes through and reads SETTINGS_MAX_CONCURRENT_STREAMS from the
/// server's first frame (its SETTINGS); after that frame it only forwards.
struct SettingsSniffer<T> {
    inner: T,
    /// The first frame's bytes so far; `None` once it was read (or was not SETTINGS).
    first_frame: Option<Vec<u8>>,
    max_streams: Arc<AtomicUsize>,
}

impl<T> SettingsSniffer<T> {
    fn new(inner: T, max_streams: Arc<AtomicUsize>) -> Self {
        SettingsSniffer { inner, first_frame: Some(Vec::with_capacity(64)), max_streams }
    }

    /// Takes the bytes read; stops looking once the first frame is complete.
    fn observe(&mut self, bytes: &[u8]) {
        let Some(frame) = self.first_frame.as_mut() else { return };
        frame.extend_from_slice(bytes);
        if frame.len() < 9 {
            return;
        }
        const SETTINGS: u8 = 0x4;
        const MAX_CONCURRENT_STREAMS: u16 = 0x3;
        let length = u32::from_be_bytes([0, frame[0], frame[1], frame[2]]) as usize;
        // Not SETTINGS (a protocol error hyper reports) or absurdly long: stop looking.
        if frame[3] != SETTINGS || length > 16 * 1024 {
            self.first_frame = None;
            return;
        }
        if frame.len() < 9 + length {
            return;
        }
        let mut limit = UNLIMITED_MAX_STREAMS;
        for entry in frame[9..9 + length].chunks_exact(6) {
            if u16::from_be_bytes([entry[0], entry[1]]) == MAX_CONCURRENT_STREAMS {
                let value = u32::from_be_bytes([entry[2], entry[3], entry[4], entry[5]]) as usize;
                limit = value.min(UNLIMITED_MAX_STREAMS);
            }
        }
        // A server that allows 0 streams for now still gets one attempt (hyper queues it).
        self.max_streams.store(limit.max(1), Ordering::SeqCst);
        self.first_frame = None;
    }
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for SettingsSniffer<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.first_frame.is_none() {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        // Until the first frame is read: read into a small buffer of our own to see the bytes.
        let mut scratch = [0u8; 1024];
        let n = buf.remaining().min(scratch.len());
        let mut read = hyper::rt::ReadBuf::new(&mut scratch[..n]);
        match Pin::new(&mut this.inner).poll_read(cx, read.unfilled()) {
            Poll::Ready(Ok(())) => {
                let filled = read.filled();
                let len = filled.len();
                this.observe(&scratch[..len]);
                buf.put_slice(&scratch[..len]);
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for SettingsSniffer<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_max_concurrent_streams_is_read_from_its_first_settings_frame() {
        let limit = Arc::new(AtomicUsize::new(ASSUMED_MAX_STREAMS));
        let mut sniffer = SettingsSniffer::new((), limit.clone());
        // SETTINGS, 12 bytes: INITIAL_WINDOW_SIZE = 65535, MAX_CONCURRENT_STREAMS = 7;
        // fed in pieces as a socket may deliver them.
        let frame = [0, 0, 12, 4, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0xff, 0xff, 0, 3, 0, 0, 0, 7];
        sniffer.observe(&frame[..5]);
        sniffer.observe(&frame[5..15]);
        assert_eq!(limit.load(Ordering::SeqCst), ASSUMED_MAX_STREAMS);
        sniffer.observe(&frame[15..]);
        assert_eq!(limit.load(Ordering::SeqCst), 7);
        assert!(sniffer.first_frame.is_none());

        // No limit in SETTINGS: the cap for unlimited servers.
        let limit = Arc::new(AtomicUsize::new(ASSUMED_MAX_STREAMS));
        let mut sniffer = SettingsSniffer::new((), limit.clone());
        sniffer.observe(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
        assert_eq!(limit.load(Ordering::SeqCst), UNLIMITED_MAX_STREAMS);
    }
}
