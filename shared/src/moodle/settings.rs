//! What the Moodle client needs to know: where Moodle is and how long a call may take. The
//! client's own settings, read and validated by `config`, which assembles every part's settings.

use std::time::Duration;

use crate::secret::Secret;

#[derive(Debug, Clone)]
pub struct MoodleSettings {
    /// `None`: plan mode. Every webhook is still answered, with the Moodle calls it would have
    /// made instead of making them.
    pub target: Option<MoodleTarget>,
    pub timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct MoodleTarget {
    /// Site root without a trailing slash, e.g. `https://moodle.example.edu`.
    pub base_url: String,
    pub token: Secret,
}
