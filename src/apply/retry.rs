//! Bounded retries with exponential backoff and jitter for API requests, and a stop flag
//! set by Ctrl-C that is checked between requests.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// How many times one request is tried before its error is reported.
pub(crate) const ATTEMPTS: u32 = 5;
const BASE: Duration = Duration::from_millis(200);
const CAP: Duration = Duration::from_secs(5);

/// Set when the user pressed Ctrl-C: no new request starts after that.
pub(crate) static STOP: AtomicBool = AtomicBool::new(false);

pub(crate) fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Whether an error is worth another try: throttling (429), a server error (5xx), or the
/// connection itself.
pub(crate) fn retryable(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(status) => status.code == 429 || status.code >= 500,
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// The delay before try `attempt + 1`: 200 ms doubled each time, capped at 5 s, with ±50%
/// jitter so that parallel requests do not retry in step.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let exp = BASE.saturating_mul(1 << attempt.min(8)).min(CAP);
    let jitter = 0.5 + (next_random() % 1000) as f64 / 1000.0; // 0.5 ..= 1.5
    exp.mul_f64(jitter)
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

/// Runs `request` until it succeeds, fails for good, or [`ATTEMPTS`] tries are spent.
pub(crate) async fn with_retries<T, F, Fut>(mut request: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, kube::Error>>,
{
    let mut attempt = 0;
    loop {
        match request().await {
            Ok(v) => return Ok(v),
            Err(e) if retryable(&e) && attempt + 1 < ATTEMPTS && !stopped() => {
                tokio::time::sleep(backoff(attempt)).await;
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
    fn backoff_grows_and_is_capped() {
        for attempt in 0..12 {
            let d = backoff(attempt);
            let nominal = BASE.saturating_mul(1 << attempt.min(8)).min(CAP);
            assert!(
                d >= nominal.mul_f64(0.5) && d <= nominal.mul_f64(1.5),
                "{attempt}: {d:?}"
            );
        }
        assert!(backoff(20) <= CAP.mul_f64(1.5));
    }
}
