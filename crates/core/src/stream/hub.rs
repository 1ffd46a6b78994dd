//! One delivery path for many streams: the consumer (the JS thread) is woken once for
//! whatever every stream has ready, instead of once per stream per batch.
//!
//! At a model's pace each stream's deltas arrive alone; handing each to its consumer on
//! its own costs a task wake-up, a cross-thread hand-off and a consumer wake-up per
//! event. Here a registered stream needs no task of its own: its channel's waker only
//! marks the stream ready and, if the consumer is not already due to come, asks for one
//! wake-up through `notify`. The consumer then calls [`DeliveryHub::drain`] and gets
//! the ops of every ready stream at once.
//!
//! Wake-ups are bounded in time: after a drain, the next wake-up waits until
//! `min_interval` has passed since it (the ops of every stream that became ready
//! meanwhile travel together), except for a stream's first ops, which wake at once.
//! An idle consumer (last drain longer ago than the interval) is woken at once, and so
//! is one whose stream is backlogged (the network read more than the consumer took: a
//! firehose gains nothing from waiting and would be throttled to the interval).
//! Backpressure is the streams' own: ops wait in each stream's bounded channel (and the
//! process-wide read-ahead budget) until drained, so a consumer that is slow to drain
//! holds the network back as before.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use super::{write_batch_json, ConverseStream};

/// Shortest time between two wake-ups of the consumer while streams keep becoming ready,
/// unless `BEDROCK_NATIVE_DELIVERY_INTERVAL_MS` says otherwise (0 = wake whenever ready).
/// 2 ms keeps a paced delta's extra latency far below a model's ~50 ms between deltas,
/// while 1,000 streams at 20,000 events/s wake the JS thread at most 500 times a second.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_millis(2);

/// The interval from the environment, else [`DEFAULT_MIN_INTERVAL`].
pub fn min_interval_from_env() -> Duration {
    std::env::var("BEDROCK_NATIVE_DELIVERY_INTERVAL_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|ms| *ms <= 1000)
        .map(Duration::from_millis)
        .unwrap_or(DEFAULT_MIN_INTERVAL)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WakeState {
    /// No wake-up asked for since the last drain.
    Idle,
    /// A timer will wake the consumer at the end of the interval.
    TimerPending,
    /// `notify` was called; the consumer has not drained yet.
    Notified,
}

struct ReadyList {
    ids: Vec<u64>,
    state: WakeState,
    last_drain: Option<Instant>,
    /// Tells a stale timer (its wake-up was overtaken by an immediate one) to do nothing.
    timer_generation: u64,
}

struct Registered {
    stream: ConverseStream,
    waker: Arc<StreamWaker>,
}

/// The waker a registered stream's channel calls: marks the stream ready.
struct StreamWaker {
    hub: Weak<DeliveryHub>,
    id: u64,
    /// In the ready list already (one entry per stream however often it is woken).
    queued: AtomicBool,
    /// Some event op was drained: later ones may wait for the interval, the stream's first
    /// event (and the response op before it) may not.
    delivered: AtomicBool,
    /// Until when (ns since the hub's `epoch`) the stream counts as fast: a drain found the
    /// network ahead of the consumer (a firehose, not a model's pace). Its ops wake the
    /// consumer at once meanwhile, so the interval never throttles a stream that has more
    /// to give than one read's worth. Kept for [`FAST_HOLD`] after each such drain: one
    /// read that happens to carry few ops must not put a fast stream back on the timer.
    fast_until: AtomicU64,
}

/// How long a stream stays fast after a drain found it backlogged.
const FAST_HOLD: Duration = Duration::from_millis(100);

impl Wake for StreamWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(hub) = self.hub.upgrade() {
            let urgent = !self.delivered.load(Ordering::Acquire) || hub.since_epoch() < self.fast_until.load(Ordering::Acquire);
            hub.mark_ready(self, urgent);
        }
    }
}

/// Streams delivered to one consumer through one wake-up callback.
pub struct DeliveryHub {
    ready: Mutex<ReadyList>,
    streams: Mutex<HashMap<u64, Registered>>,
    next_id: std::sync::atomic::AtomicU64,
    notify: Box<dyn Fn() + Send + Sync>,
    min_interval: Duration,
    this: Weak<DeliveryHub>,
    epoch: Instant,
}

/// What one [`DeliveryHub::drain`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Drained {
    /// Streams with ops in the output.
    pub streams: usize,
    /// Of those, streams that ended (their last op is `Done`/`Error`); they are gone.
    pub ended: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl DeliveryHub {
    /// A hub that calls `notify` (from any thread) when the consumer should drain.
    pub fn new(min_interval: Duration, notify: impl Fn() + Send + Sync + 'static) -> Arc<DeliveryHub> {
        Arc::new_cyclic(|this| DeliveryHub {
            ready: Mutex::new(ReadyList { ids: Vec::new(), state: WakeState::Idle, last_drain: None, timer_generation: 0 }),
            streams: Mutex::new(HashMap::new()),
            next_id: std::sync::atomic::AtomicU64::new(1),
            notify: Box::new(notify),
            min_interval,
            this: this.clone(),
            epoch: Instant::now(),
        })
    }

    /// Takes over `stream`; its ops now come out of [`drain`](Self::drain) under the
    /// returned id. The consumer is woken at once for it (its first ops are polled, and
    /// its waker registered, by that drain).
    pub fn register(&self, stream: ConverseStream) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let waker = Arc::new(StreamWaker {
            hub: self.this.clone(),
            id,
            queued: AtomicBool::new(false),
            delivered: AtomicBool::new(false),
            fast_until: AtomicU64::new(0),
        });
        lock(&self.streams).insert(id, Registered { stream, waker: waker.clone() });
        self.mark_ready(&waker, true);
        id
    }

    /// Wakes the consumer for stream `id` now (after an abort: its `aborted` op is ready).
    pub fn wake_now(&self, id: u64) {
        let waker = lock(&self.streams).get(&id).map(|r| r.waker.clone());
        if let Some(waker) = waker {
            self.mark_ready(&waker, true);
        }
    }

    fn since_epoch(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    /// Streams registered and not yet ended.
    pub fn open_streams(&self) -> usize {
        lock(&self.streams).len()
    }

    fn mark_ready(&self, waker: &Arc<StreamWaker>, urgent: bool) {
        if waker.queued.swap(true, Ordering::AcqRel) {
            // Already listed; an urgent wake still must not wait for a pending timer.
            if !urgent {
                return;
            }
            let ready = lock(&self.ready);
            return self.schedule(ready, urgent);
        }
        let mut ready = lock(&self.ready);
        ready.ids.push(waker.id);
        self.schedule(ready, urgent);
    }

    /// Asks for a wake-up of the consumer: now if `urgent` or the consumer is idle,
    /// else at the end of the interval since the last drain.
    fn schedule(&self, mut ready: MutexGuard<'_, ReadyList>, urgent: bool) {
        match ready.state {
            WakeState::Notified => return,
            WakeState::TimerPending if !urgent => return,
            _ => {}
        }
        let due = ready.last_drain.map(|t| t + self.min_interval);
        let runtime = tokio::runtime::Handle::try_current().ok();
        let now = Instant::now();
        match (due, runtime) {
            (Some(due), Some(runtime)) if !urgent && due > now => {
                ready.state = WakeState::TimerPending;
                ready.timer_generation += 1;
                let generation = ready.timer_generation;
                drop(ready);
                let hub = self.this.clone();
                runtime.spawn(async move {
                    tokio::time::sleep_until(due.into()).await;
                    if let Some(hub) = hub.upgrade() {
                        hub.timer_fired(generation);
                    }
                });
            }
            _ => {
                ready.state = WakeState::Notified;
                drop(ready);
                (self.notify)();
            }
        }
    }

    fn timer_fired(&self, generation: u64) {
        let mut ready = lock(&self.ready);
        if ready.state == WakeState::TimerPending && ready.timer_generation == generation {
            ready.state = WakeState::Notified;
            drop(ready);
            (self.notify)();
        }
    }

    /// Writes the ops of every ready stream (at most `max_per_stream` each) to `out` as
    /// one JSON array `[id, [op, ...], id, [op, ...], ...]` (ops as [`write_batch_json`]).
    /// A stream's last ops end with `Done`/`Error`; it is then forgotten.
    pub fn drain(&self, max_per_stream: usize, out: &mut String) -> Drained {
        use std::fmt::Write;
        let ids = {
            let mut ready = lock(&self.ready);
            ready.state = WakeState::Idle;
            ready.last_drain = Some(Instant::now());
            std::mem::take(&mut ready.ids)
        };
        let mut drained = Drained::default();
        let mut more = Vec::new();
        out.push('[');
        {
            let mut streams = lock(&self.streams);
            for id in ids {
                let Some(registered) = streams.get_mut(&id) else { continue };
                registered.waker.queued.store(false, Ordering::Release);
                let waker = Waker::from(registered.waker.clone());
                let ops = match registered.stream.poll_batch(&mut Context::from_waker(&waker), max_per_stream) {
                    Poll::Pending => continue,
                    Poll::Ready(ops) => ops,
                };
                let backlogged = registered.stream.was_backlogged();
                if backlogged {
                    let until = self.since_epoch() + FAST_HOLD.as_nanos() as u64;
                    registered.waker.fast_until.store(until, Ordering::Release);
                }
                if backlogged && registered.waker.queued.load(Ordering::Acquire) {
                    // Its waker fired while it was being polled, before it was known to be
                    // backlogged, so it may be waiting for the timer: it must not.
                    more.push(registered.waker.clone());
                }
                if !ops.is_empty() {
                    // The response's status and headers come first and alone; the stream's
                    // first event, right behind them, must not wait for the interval either.
                    if ops.iter().any(|op| !matches!(op, super::Op::Response { .. })) {
                        registered.waker.delivered.store(true, Ordering::Release);
                    }
                    if drained.streams > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{id},");
                    write_batch_json(&ops, out);
                    drained.streams += 1;
                }
                if registered.stream.is_finished() {
                    streams.remove(&id);
                    drained.ended += 1;
                } else if ops.len() >= max_per_stream && !more.last().is_some_and(|w| Arc::ptr_eq(w, &registered.waker)) {
                    // More may be queued already (the batch was cut at the cap).
                    more.push(registered.waker.clone());
                }
            }
        }
        out.push(']');
        for waker in more {
            self.mark_ready(&waker, true);
        }
        drained
    }
}

impl Drop for DeliveryHub {
    fn drop(&mut self) {
        // Dropping the streams aborts them (ConverseStream's drop): nobody can read them.
        lock(&self.streams).clear();
    }
}
