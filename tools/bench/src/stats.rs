//! Percentiles and the handler thread's CPU clock.

use std::time::Duration;

/// Median, p95, p99 and max of a sample (nearest rank).
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub median: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Summary {
    pub fn of(mut sample: Vec<Duration>) -> Self {
        sample.sort();
        let rank = |p: f64| {
            if sample.is_empty() {
                return Duration::ZERO;
            }
            let index = ((p * sample.len() as f64).ceil() as usize).clamp(1, sample.len()) - 1;
            sample[index]
        };
        Summary { median: rank(0.50), p95: rank(0.95), p99: rank(0.99), max: rank(1.0) }
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// CPU time consumed by the calling thread so far (user + system): what the handler costs,
/// without the time it sleeps in `epoll_wait` for Zoho's and Moodle's answers.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID exists on Linux.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
