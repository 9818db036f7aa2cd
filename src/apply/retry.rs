//! The one retry layer of fluxdsl's API requests: bounded retries with exponential backoff
//! and jitter, stopped early by a cancellation token (Ctrl-C).
//!
//! kube's own retry layer is turned off when fluxdsl builds its client
//! ([`super::Connection::connect`]), so what is written here is all that happens.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How many times one request is sent at most before its error is reported (the first
/// try and up to four retries).
pub const ATTEMPTS: u32 = 5;
/// The nominal delay before the first retry; it doubles for each further one.
pub const FIRST_DELAY: Duration = Duration::from_millis(200);
/// The longest nominal delay between two tries.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

/// Whether an error is worth another try: throttling (429), a server error (5xx), or the
/// connection itself.
pub(crate) fn retryable(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(status) => status.code == 429 || status.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// The nominal delay before try `attempt + 1` (`attempt` counts from 0): [`FIRST_DELAY`]
/// doubled each time, capped at [`MAX_DELAY`].
fn nominal(attempt: u32) -> Duration {
    FIRST_DELAY
        .saturating_mul(1 << attempt.min(16))
        .min(MAX_DELAY)
}

/// The delay actually slept: the nominal one ±50%, so that parallel requests do not retry
/// in step.
fn backoff(attempt: u32) -> Duration {
    let jitter = 0.5 + (next_random() % 1001) as f64 / 1000.0; // 0.5 ..= 1.5
    nominal(attempt).mul_f64(jitter)
}

/// A small xorshift generator: jitter needs spread, not security.
fn next_random() -> u64 {
    static STATE: AtomicU64 = AtomicU64::new(0);
    let mut x = STATE.load(Ordering::Relaxed);
    if x == 0 {
        x = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64)
            | 1;
    }
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x
}

/// Runs `request` until it succeeds, fails for good, [`ATTEMPTS`] tries are spent, or
/// `stop` is cancelled (then the last error is returned at once, without sleeping on).
pub(crate) async fn with_retries<T, F, Fut>(
    stop: &CancellationToken,
    mut request: F,
) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut attempt = 0;
    loop {
        match request().await {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e) && attempt + 1 < ATTEMPTS && !stop.is_cancelled() => {
                tokio::select! {
                    () = tokio::time::sleep(backoff(attempt)) => {}
                    () = stop.cancelled() => return Err(e),
                }
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_delays() {
        let ms = |a| nominal(a).as_millis();
        assert_eq!(
            (0..7).map(ms).collect::<Vec<_>>(),
            [200, 400, 800, 1600, 3200, 5000, 5000]
        );
        assert_eq!(ms(u32::MAX), 5000);
    }

    #[test]
    fn jitter_spreads_within_half_the_delay() {
        let samples: Vec<Duration> = (0..200).map(|_| backoff(2)).collect();
        let (min, max) = (samples.iter().min().unwrap(), samples.iter().max().unwrap());
        assert!(*min >= Duration::from_millis(400) && *max <= Duration::from_millis(1200));
        assert!(*max - *min > Duration::from_millis(400), "{min:?}..{max:?}");
    }
}
