//! The in-process floors the handler's CPU is divided by, measured in the same run on the same
//! stand-ins:
//!
//! - [`RecordFloor`]: what a single-record webhook cannot avoid. It parses the same API Gateway
//!   event and its body (typed, borrowed), makes one Zoho `GET` of the same record with the same
//!   HTTP client configuration, posts the same Moodle form body (the bytes the function itself
//!   sent, so the same size and the same answer), checks both answers are JSON, and serialises a
//!   small response. No routing, authentication, mapping, logging or action trail.
//! - [`ClassFloor`]: what a class of 2,000 enrolments cannot avoid on the CPU: the same 10 COQL
//!   pages (fetched once, before timing) decoded into typed, borrowed rows, and the same 7 form
//!   bodies (≤ 300 items, the 12 plugin fields per item) written into one reused buffer. No HTTP
//!   at all, so it is a strict floor: the function's HTTP work (about 3.5 MB through loopback)
//!   counts against it. [`ClassFloor::run_over_http`] adds those transfers, for information.

use std::borrow::Cow;
use std::fmt::Write as _;

use axum::body::Bytes;
use serde::Deserialize;

/// The plugin's item cap per `local_mzi_update_enrollment` call (`docs/plugin-api.md` §3.5).
const ITEMS_PER_CALL: usize = 300;

/// An access token minted from the simulator with the benchmark's credentials.
pub async fn mint(http: &reqwest::Client, zoho_base: &str) -> String {
    #[derive(Deserialize)]
    struct Token {
        access_token: String,
    }
    let form = [
        ("grant_type", "refresh_token"),
        ("client_id", crate::upstream::ZOHO_CLIENT_ID),
        ("client_secret", crate::upstream::ZOHO_CLIENT_SECRET),
        ("refresh_token", crate::upstream::ZOHO_REFRESH_TOKEN),
    ];
    let answer = http.post(format!("{zoho_base}/oauth/v2/token")).form(&form).send().await.expect("token request");
    answer.json::<Token>().await.expect("a token answer").access_token
}

/// The HTTP client configured as `shared::App` configures its own.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .pool_idle_timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("static client configuration")
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow, default)]
    body: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WebhookBody<'a> {
    #[serde(borrow)]
    zoho_id: Cow<'a, str>,
    #[serde(borrow)]
    module: Cow<'a, str>,
}

pub struct RecordFloor {
    pub http: reqwest::Client,
    pub token: String,
    pub zoho_base: String,
    pub moodle_url: String,
}

impl RecordFloor {
    /// One invocation of the floor: `zoho_get` says whether the endpoint reads its record from
    /// Zoho; `moodle_body` is what it posts (`None`: no Moodle call). Returns the Moodle answer's
    /// length, so nothing is optimised away.
    pub async fn invoke(&self, event: &[u8], zoho_get: bool, moodle_body: Option<&Bytes>) -> usize {
        let event: Event<'_> = serde_json::from_slice(event).expect("event JSON");
        let body = event.body.expect("a body");
        let webhook: WebhookBody<'_> = serde_json::from_str(&body).expect("webhook body");
        let mut seen = 0;
        if zoho_get {
            let answer = self
                .http
                .get(format!("{}/crm/v8/{}/{}", self.zoho_base, webhook.module, webhook.zoho_id))
                .header("authorization", format!("Zoho-oauthtoken {}", self.token))
                .send()
                .await
                .expect("zoho get");
            let bytes = answer.bytes().await.expect("zoho body");
            // A record that is gone (a confirmed delete) is answered 204 without a body.
            if !bytes.is_empty() {
                let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).expect("Zoho answers JSON");
            }
            seen += bytes.len();
        }
        if let Some(form) = moodle_body {
            seen += post_form(&self.http, &self.moodle_url, form.clone()).await;
        }
        let response =
            format!(r#"{{"statusCode":200,"body":"{{\"status\":\"ok\",\"zoho_id\":\"{}\"}}"}}"#, webhook.zoho_id);
        seen + std::hint::black_box(response).len()
    }
}

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow, default)]
    data: Vec<Row<'a>>,
}

#[derive(Deserialize)]
struct LookupRow<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
}

/// The columns of an enrolment the plugin item is made of.
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(rename = "Enrolled_Students", borrow, default)]
    student: Option<LookupRow<'a>>,
    #[serde(rename = "Classes", borrow, default)]
    class: Option<LookupRow<'a>>,
    #[serde(rename = "Start_Date", borrow, default)]
    start_date: Option<Cow<'a, str>>,
    #[serde(rename = "End_Date", borrow, default)]
    end_date: Option<Cow<'a, str>>,
    #[serde(rename = "Enrollment_Type", borrow, default)]
    enrollment_type: Option<Cow<'a, str>>,
    #[serde(rename = "Enrollment_Status", borrow, default)]
    enrollment_status: Option<Cow<'a, str>>,
    #[serde(rename = "Student_Name", borrow, default)]
    student_name: Option<Cow<'a, str>>,
    #[serde(rename = "Class_Name", borrow, default)]
    class_name: Option<Cow<'a, str>>,
    #[serde(rename = "Enrolled_Program", borrow, default)]
    enrolled_program: Option<Cow<'a, str>>,
    #[serde(rename = "Created_Time", borrow, default)]
    created_time: Option<Cow<'a, str>>,
    #[serde(rename = "Modified_Time", borrow, default)]
    modified_time: Option<Cow<'a, str>>,
}

pub struct ClassFloor {
    pages: Vec<Bytes>,
}

impl ClassFloor {
    /// Fetches every COQL page of the class's enrolments, as the function queries them.
    pub async fn prepare(http: &reqwest::Client, zoho_base: &str, token: &str, query: &str) -> Self {
        Self { pages: fetch_pages(http, zoho_base, token, query).await }
    }

    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// Decodes every page into typed rows and writes the form bodies; returns (rows, bodies,
    /// bytes written).
    pub fn run(&self, token: &str, body: &mut String) -> (usize, usize, usize) {
        let pages: Vec<Page<'_>> =
            self.pages.iter().map(|p| serde_json::from_slice(p).expect("a typed COQL page")).collect();
        let rows: Vec<&Row<'_>> = pages.iter().flat_map(|p| p.data.iter()).collect();
        let (mut bodies, mut written) = (0, 0);
        for chunk in rows.chunks(ITEMS_PER_CALL) {
            write_body(token, chunk, body);
            bodies += 1;
            written += std::hint::black_box(body.len());
        }
        (rows.len(), bodies, written)
    }

    /// For information, not a budget: [`Self::run`] with the same HTTP transfers as the
    /// function. The pages are fetched again over HTTP (one after another, as their offsets
    /// require), each form body is posted to the stand-in Moodle, and each answer (the 2,000
    /// results) is read and checked to be JSON. No routing, mapping, result handling, trail or
    /// log: it separates what moving about 3.5 MB through loopback costs from the function's
    /// own work. Returns the bytes received.
    pub async fn run_over_http(
        http: &reqwest::Client,
        zoho_base: &str,
        zoho_token: &str,
        query: &str,
        moodle_url: &str,
        moodle_token: &str,
        body: &mut String,
    ) -> usize {
        let pages = fetch_pages(http, zoho_base, zoho_token, query).await;
        let mut received: usize = pages.iter().map(Bytes::len).sum();
        let decoded: Vec<Page<'_>> =
            pages.iter().map(|p| serde_json::from_slice(p).expect("a typed COQL page")).collect();
        let rows: Vec<&Row<'_>> = decoded.iter().flat_map(|p| p.data.iter()).collect();
        for chunk in rows.chunks(ITEMS_PER_CALL) {
            write_body(moodle_token, chunk, body);
            // The body is handed over as the function hands over its own (moved, not copied);
            // the next one grows a new buffer, as the function's does.
            received += post_form(http, moodle_url, std::mem::take(body)).await;
        }
        received
    }
}

/// What paging needs from a COQL answer: how many rows, and whether there are more.
#[derive(Deserialize)]
struct PageInfo {
    #[serde(default)]
    data: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    info: Option<MoreRecords>,
}

#[derive(Deserialize)]
struct MoreRecords {
    #[serde(default)]
    more_records: bool,
}

/// Posts a Moodle form body, reads the answer and checks it is JSON; returns its length.
async fn post_form(http: &reqwest::Client, moodle_url: &str, form: impl Into<reqwest::Body>) -> usize {
    let answer = http
        .post(moodle_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(form)
        .send()
        .await
        .expect("moodle post");
    let bytes = answer.bytes().await.expect("moodle body");
    let _: serde::de::IgnoredAny = serde_json::from_slice(&bytes).expect("Moodle answers JSON");
    bytes.len()
}

/// Every COQL page of `query` (200 rows each), as the function requests them.
async fn fetch_pages(http: &reqwest::Client, zoho_base: &str, token: &str, query: &str) -> Vec<Bytes> {
    let mut pages = Vec::new();
    let mut offset = 0;
    loop {
        let body = serde_json::json!({"select_query": format!("{query} limit {offset}, 200")});
        let answer = http
            .post(format!("{zoho_base}/crm/v8/coql"))
            .header("authorization", format!("Zoho-oauthtoken {token}"))
            .json(&body)
            .send()
            .await
            .expect("coql");
        let bytes = answer.bytes().await.expect("coql body");
        let page: PageInfo = serde_json::from_slice(&bytes).expect("COQL JSON");
        let count = page.data.len();
        let more = page.info.is_some_and(|i| i.more_records);
        pages.push(bytes);
        if !more || count == 0 {
            return pages;
        }
        offset += count;
    }
}

/// One `local_mzi_update_enrollment` form body for `chunk`, written into `body`.
fn write_body(token: &str, chunk: &[&Row<'_>], body: &mut String) {
    body.clear();
    body.push_str("wstoken=");
    body.extend(form_urlencoded::byte_serialize(token.as_bytes()));
    body.push_str("&wsfunction=local_mzi_update_enrollment&moodlewsrestformat=json");
    for (index, row) in chunk.iter().enumerate() {
        let mut field = |name: &str, value: Option<&str>| {
            if let Some(value) = value {
                let _ = write!(body, "&enrollments%5B{index}%5D%5B{name}%5D=");
                body.extend(form_urlencoded::byte_serialize(value.as_bytes()));
            }
        };
        field("zoho_enrollment_id", Some(&row.id));
        field("zoho_modified_time", row.modified_time.as_deref());
        field("zoho_student_id", row.student.as_ref().map(|l| l.id.as_ref()));
        field("zoho_class_id", row.class.as_ref().map(|l| l.id.as_ref()));
        field("zoho_created_time", row.created_time.as_deref());
        field("enrollment_status", row.enrollment_status.as_deref());
        field("enrollment_date", row.start_date.as_deref());
        field("end_date", row.end_date.as_deref());
        field("enrollment_type", row.enrollment_type.as_deref());
        field("student_name", row.student_name.as_deref());
        field("class_name", row.class_name.as_deref());
        field("enrolled_program", row.enrolled_program.as_deref());
    }
}
