//! How a failure is retried: its classification ([`Retry`]: now, after a fix, never) and the
//! schedule of automatic retries ([`RetrySchedule`]). A leaf: the clients classify their own
//! errors with it, and the failure store and the worker schedule with it, without knowing each
//! other.

/// What a failure means for the caller: retry now, fix something then replay, or give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retry {
    /// A transient fault (network, timeout, 5xx, 429): the same request will probably succeed.
    Now,
    /// The request is fine but a system is misconfigured (token, permissions, plugin not
    /// upgraded): repeating it now changes nothing, but it will succeed once an operator fixes
    /// that, so it is kept for replay rather than retried in a loop.
    AfterFix,
    /// The data itself is unusable: repeating it changes nothing.
    Never,
}

impl Retry {
    /// Whether repeating the same request soon is expected to succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, Retry::Now)
    }

    /// Whether the event must be kept for a later replay (everything except bad data).
    pub fn is_replayable(self) -> bool {
        !matches!(self, Retry::Never)
    }
}

/// How captured failures are retried: `MAX_ATTEMPTS` attempts in all, the n-th retry delayed by
/// `min(900, base · 2^n)` seconds (900 s is SQS's longest `DelaySeconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub max_attempts: u32,
    pub base_delay_seconds: u32,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self { max_attempts: 8, base_delay_seconds: 30 }
    }
}

impl RetrySchedule {
    pub const MAX_DELAY_SECONDS: u32 = 900;

    /// The delay before the next attempt after `attempts` failed ones.
    pub fn delay_after(&self, attempts: u32) -> u32 {
        let factor = 1u64 << attempts.min(20);
        (u64::from(self.base_delay_seconds) * factor).min(u64::from(Self::MAX_DELAY_SECONDS)) as u32
    }
}
