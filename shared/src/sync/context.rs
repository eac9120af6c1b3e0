//! What the sync works with: both clients and the one setting the domain needs. `App` (the
//! function's cold-start wiring) holds one and dereferences to it, so every function passes its
//! `App` where a `&Context` is asked for, while the sync never sees the webhook settings or the
//! failure store.

use crate::moodle::MoodleClient;
use crate::zoho::ZohoClient;

#[derive(Debug)]
pub struct Context {
    pub moodle: MoodleClient,
    pub zoho: ZohoClient,
    /// The college's offset from UTC, used to turn Zoho dates (local calendar days) into Moodle
    /// timestamps.
    pub college_utc_offset_minutes: i32,
}
