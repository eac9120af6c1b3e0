//! `template.yaml`, `events/` and the `cargo lambda watch` router agree with the endpoint table
//! in `shared::webhook::endpoint`: every endpoint has exactly one route, to the function that
//! owns it, and a sample event that the webhook edge accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use lambda_http::http::header::CONTENT_TYPE;
use lambda_http::{Body, Request, RequestExt};
use serde_yaml::Value;
use shared::webhook::body::{self, WebhookPayload};
use shared::webhook::{Endpoint, Function, HEALTH, PATH_PREFIX};

const SAMPLE_SECRET: &str = "local-dev-secret-0123456789";
const MAX_TIMEOUT_SECONDS: i64 = 28; // API Gateway gives up at 29 s.

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("shared/ sits in the workspace root").to_path_buf()
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

// ---------------------------------------------------------------- template model

fn template() -> Value {
    serde_yaml::from_str(&read("template.yaml")).expect("template.yaml is YAML")
}

/// `!Ref X` / `!Sub "..."` etc. as (tag without `!`, inner value).
fn tagged(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(t) => Some((t.tag.to_string().trim_start_matches('!').to_owned(), &t.value)),
        _ => None,
    }
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(*key)?;
    }
    v.as_str()
}

fn resources(t: &Value) -> Vec<(String, &Value)> {
    t["Resources"]
        .as_mapping()
        .expect("Resources is a mapping")
        .iter()
        .map(|(k, v)| (k.as_str().expect("logical id").to_owned(), v))
        .collect()
}

fn resources_of_type<'a>(t: &'a Value, ty: &str) -> Vec<(String, &'a Value)> {
    resources(t).into_iter().filter(|(_, r)| r["Type"].as_str() == Some(ty)).collect()
}

struct SamFunction<'a> {
    logical_id: String,
    binary: String,
    resource: &'a Value,
}

fn functions(t: &Value) -> Vec<SamFunction<'_>> {
    resources_of_type(t, "AWS::Serverless::Function")
        .into_iter()
        .map(|(logical_id, resource)| {
            let binary = str_at(resource, &["Metadata", "BuildProperties", "Binary"])
                .unwrap_or_else(|| panic!("{logical_id}: Metadata.BuildProperties.Binary"))
                .to_owned();
            SamFunction { logical_id, binary, resource }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: String,
    path: String,
    binary: String,
}

fn routes(t: &Value) -> Vec<Route> {
    let apis: BTreeSet<String> =
        resources_of_type(t, "AWS::Serverless::HttpApi").into_iter().map(|(id, _)| id).collect();
    assert_eq!(apis.len(), 1, "exactly one HTTP API: {apis:?}");
    let mut out = Vec::new();
    for f in functions(t) {
        let Some(events) = f.resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for (name, event) in events {
            let name = name.as_str().unwrap_or_default();
            // Queue or schedule events (a worker function) are not webhook routes.
            if event["Type"].as_str() != Some("HttpApi") {
                continue;
            }
            let props = &event["Properties"];
            let api = tagged(&props["ApiId"])
                .filter(|(tag, _)| tag == "Ref")
                .and_then(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("{}.{name}: ApiId: !Ref <HttpApi>", f.logical_id));
            assert!(apis.contains(api), "{}.{name}: unknown API {api}", f.logical_id);
            out.push(Route {
                method: props["Method"].as_str().expect("Method").to_ascii_uppercase(),
                path: props["Path"].as_str().expect("Path").to_owned(),
                binary: f.binary.clone(),
            });
        }
    }
    out
}

fn health_path() -> String {
    format!("{PATH_PREFIX}{HEALTH}")
}

// ---------------------------------------------------------------- routes

#[test]
fn every_endpoint_has_exactly_one_route_to_its_owner() {
    let routes = routes(&template());
    for endpoint in Endpoint::ALL {
        let matching: Vec<&Route> = routes.iter().filter(|r| r.path == endpoint.path()).collect();
        assert_eq!(matching.len(), 1, "{endpoint}: routes {matching:?}");
        assert_eq!(matching[0].method, "POST", "{endpoint}");
        assert_eq!(matching[0].binary, endpoint.function().name(), "{endpoint} must go to the function that owns it");
    }
}

#[test]
fn no_route_for_an_unknown_endpoint_and_health_exists() {
    let routes = routes(&template());
    let health: Vec<&Route> = routes.iter().filter(|r| r.path == health_path()).collect();
    assert_eq!(health.len(), 1, "health routes {health:?}");
    assert_eq!(health[0].method, "GET");
    assert_eq!(health[0].binary, Function::DashboardSync.name());

    for route in &routes {
        let name = route.path.strip_prefix(PATH_PREFIX).unwrap_or_else(|| panic!("{route:?}: outside {PATH_PREFIX}"));
        assert!(
            name == HEALTH || Endpoint::from_name(name).is_some(),
            "{route:?}: not an endpoint of the specification"
        );
        assert!(!name.contains(['{', '}', '*']), "{route:?}: no catch-all routes");
    }
    let unique: BTreeSet<_> = routes.iter().map(|r| (&r.method, &r.path)).collect();
    assert_eq!(unique.len(), routes.len(), "duplicate routes");
    assert_eq!(routes.len(), Endpoint::ALL.len() + 1);
}

#[test]
fn the_four_functions_are_built_from_their_crates() {
    let t = template();
    let fns = functions(&t);
    // The four webhook functions; other functions (e.g. a queue worker) may join them.
    let binaries: BTreeSet<&str> = fns.iter().map(|f| f.binary.as_str()).collect();
    for function in Function::ALL {
        assert!(binaries.contains(function.name()), "no function builds {}", function.name());
    }
    assert_eq!(binaries.len(), fns.len(), "two functions build the same binary");
    for f in &fns {
        assert_eq!(str_at(f.resource, &["Metadata", "BuildMethod"]), Some("rust-cargolambda"), "{}", f.logical_id);
        let code_uri = str_at(f.resource, &["Properties", "CodeUri"]).expect("CodeUri");
        let manifest = read(&format!("{}/Cargo.toml", code_uri.trim_start_matches("./")));
        assert!(
            manifest.contains(&format!("name = \"{}\"", f.binary)),
            "{}: {code_uri}/Cargo.toml builds {}",
            f.logical_id,
            f.binary
        );
    }
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(str_at(globals, &["LoggingConfig", "LogFormat"]), Some("JSON"));
    assert_eq!(globals["Tracing"].as_str(), Some("Active"));
    let arch = globals["Architectures"].as_sequence().expect("Architectures");
    assert_eq!(
        arch.iter().filter_map(tagged).map(|(tag, v)| (tag, v.as_str())).collect::<Vec<_>>(),
        vec![("Ref".to_owned(), Some("Architecture"))]
    );
    assert_eq!(str_at(&t, &["Parameters", "Architecture", "Default"]), Some("arm64"));
}

#[test]
fn timeouts_stay_below_api_gateway_and_every_function_has_a_retained_log_group() {
    let t = template();
    let global_timeout = t["Globals"]["Function"]["Timeout"].as_i64();
    let log_groups = resources_of_type(&t, "AWS::Logs::LogGroup");
    for f in functions(&t) {
        let timeout = f.resource["Properties"]["Timeout"]
            .as_i64()
            .or(global_timeout)
            .unwrap_or_else(|| panic!("{}: no Timeout", f.logical_id));
        assert!((1..=MAX_TIMEOUT_SECONDS).contains(&timeout), "{}: Timeout {timeout} must be < 29", f.logical_id);
        assert!(
            f.resource["Properties"]["ReservedConcurrentExecutions"] != Value::Null,
            "{}: reserved concurrency",
            f.logical_id
        );

        let wanted = format!("/aws/lambda/${{{}}}", f.logical_id);
        let group = log_groups.iter().find(|(_, g)| {
            tagged(&g["Properties"]["LogGroupName"])
                .is_some_and(|(tag, v)| tag == "Sub" && v.as_str() == Some(wanted.as_str()))
        });
        let (id, group) = group.unwrap_or_else(|| panic!("{}: no log group {wanted}", f.logical_id));
        assert!(group["Properties"]["RetentionInDays"] != Value::Null, "{id}: RetentionInDays");
    }
}

// ---------------------------------------------------------------- queue settings

/// AWS's smallest `ScalingConfig.MaximumConcurrency` (valid range 2–1000):
/// https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html
const MIN_MAXIMUM_CONCURRENCY: i64 = 2;
/// "set the source queue's visibility timeout to at least six times the configuration timeout on
/// your function", plus the batching window the poller may wait before invoking:
/// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
const VISIBILITY_TIMEOUT_FACTOR: i64 = 6;
/// AWS recommends a source queue's `maxReceiveCount` of at least 5, so that throttled or failed
/// receives do not send a message to the dead-letter queue unattempted:
/// https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
const MIN_MAX_RECEIVE_COUNT: i64 = 5;

/// A number, or `!Ref` to a parameter: then the smallest value a deployment may give it
/// (`MinValue`) and its `Default`, both of which must pass.
fn number_bounds(t: &Value, value: &Value, what: &str) -> Vec<i64> {
    if let Some(n) = value.as_i64() {
        return vec![n];
    }
    let (tag, inner) = tagged(value).unwrap_or_else(|| panic!("{what}: a number or !Ref, not {value:?}"));
    assert_eq!(tag, "Ref", "{what}");
    let name = inner.as_str().unwrap();
    let parameter = &t["Parameters"][name];
    let min = parameter["MinValue"].as_i64().unwrap_or_else(|| panic!("{what}: parameter {name} needs a MinValue"));
    let default = parameter["Default"].as_i64().unwrap_or_else(|| panic!("{what}: parameter {name} needs a Default"));
    vec![min, default]
}

#[test]
fn sqs_event_sources_cannot_send_messages_to_the_dlq_unattempted() {
    let t = template();
    let global_timeout = t["Globals"]["Function"]["Timeout"].as_i64();
    let mut checked = 0;
    for f in functions(&t) {
        let Some(events) = f.resource["Properties"]["Events"].as_mapping() else { continue };
        for (name, event) in events {
            if event["Type"].as_str() != Some("SQS") {
                continue;
            }
            let what = format!("{}.{}", f.logical_id, name.as_str().unwrap_or_default());
            let properties = &event["Properties"];
            let (tag, queue_attr) =
                tagged(&properties["Queue"]).unwrap_or_else(|| panic!("{what}: Queue must be !GetAtt <Queue>.Arn"));
            assert_eq!(tag, "GetAtt", "{what}: Queue must be !GetAtt <Queue>.Arn");
            let queue_id = queue_attr.as_str().and_then(|a| a.strip_suffix(".Arn")).expect("!GetAtt X.Arn");
            let queue = &t["Resources"][queue_id]["Properties"];

            // 1. The poller never invokes more at once than the reserved concurrency allows, and
            //    leaves room for the function's other event sources (the schedule).
            let maximum = properties["ScalingConfig"]["MaximumConcurrency"]
                .as_i64()
                .unwrap_or_else(|| panic!("{what}: ScalingConfig.MaximumConcurrency is required"));
            assert!((MIN_MAXIMUM_CONCURRENCY..=1000).contains(&maximum), "{what}: MaximumConcurrency {maximum}");
            let others = events.len() - 1;
            for reserved in number_bounds(&t, &f.resource["Properties"]["ReservedConcurrentExecutions"], &what) {
                assert!(
                    maximum + others as i64 <= reserved,
                    "{what}: MaximumConcurrency {maximum} plus {others} other event source(s) exceeds the reserved concurrency {reserved}"
                );
            }

            // 2. A message stays hidden while Lambda retries a throttled batch.
            let timeout = f.resource["Properties"]["Timeout"].as_i64().or(global_timeout).expect("a Timeout");
            let window = properties["MaximumBatchingWindowInSeconds"].as_i64().unwrap_or(0);
            let visibility = queue["VisibilityTimeout"].as_i64().unwrap_or(30);
            assert!(
                visibility >= VISIBILITY_TIMEOUT_FACTOR * timeout + window,
                "{what}: VisibilityTimeout {visibility} < 6 × {timeout} + {window}"
            );

            // 3. A few throttles or failures do not dead-letter a message.
            let receives = queue["RedrivePolicy"]["maxReceiveCount"]
                .as_i64()
                .unwrap_or_else(|| panic!("{queue_id}: RedrivePolicy.maxReceiveCount"));
            assert!(receives >= MIN_MAX_RECEIVE_COUNT, "{queue_id}: maxReceiveCount {receives} < 5");
            checked += 1;
        }
    }
    assert_eq!(checked, 1, "the worker's retry queue is the one SQS event source");
}

// ---------------------------------------------------------------- secrets

#[test]
fn the_template_names_secrets_but_never_holds_one() {
    let text = read("template.yaml");
    let t = template();

    // The configuration contract: every secret reaches the functions as `X_PARAM`, never as `X`.
    let env = t["Globals"]["Function"]["Environment"]["Variables"]
        .as_mapping()
        .expect("Globals.Function.Environment.Variables");
    let env_names: BTreeSet<&str> = env.keys().filter_map(Value::as_str).collect();
    for secret in shared::config::SECRET_NAMES {
        assert!(!env_names.contains(secret), "{secret} must not be set directly");
        assert!(env_names.contains(format!("{secret}_PARAM").as_str()), "{secret}_PARAM missing");
    }
    for name in ["MOODLE_URL", "ZOHO_ACCOUNTS_URL", "ZOHO_API_DOMAIN", "ZOHO_TOKEN_CACHE_PARAM"] {
        assert!(env_names.contains(name), "{name} missing");
    }

    // Parameters: secret-ish ones hold SSM parameter names (or nothing), never values.
    let params = t["Parameters"].as_mapping().expect("Parameters");
    for (name, param) in params {
        let name = name.as_str().unwrap_or_default();
        let lower = name.to_ascii_lowercase();
        // `SecretsRevision` is a counter that forces fresh containers, not a secret.
        let secretish = ["secret", "token", "password", "clientid", "key"].iter().any(|w| lower.contains(w))
            && !name.ends_with("Revision");
        let default = param.get("Default").map(|d| match d {
            Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other).unwrap_or_default(),
        });
        if secretish {
            let default = default.unwrap_or_default();
            let ok = default.is_empty()
                || (name.ends_with("Param") && default.starts_with('/'))
                || (name.ends_with("Arn") && default.starts_with("arn:"));
            assert!(ok, "parameter {name}: default {default:?} is not an SSM parameter name");
        }
    }

    // Nothing in the file looks like a credential.
    assert!(!text.contains(SAMPLE_SECRET), "the local sample secret leaked into the template");
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "._-+=".contains(c))) {
        let alnum = word.chars().filter(char::is_ascii_alphanumeric).count();
        let looks_random = alnum >= 24
            && word.chars().any(|c| c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_alphabetic())
            && !word.contains("amazonaws");
        assert!(!looks_random, "secret-looking value in template.yaml: {word}");
        assert!(!(word.starts_with("1000.") && word.len() > 12), "Zoho token-looking value in template.yaml: {word}");
    }
}

// ---------------------------------------------------------------- events

fn event(relative: &str) -> (serde_json::Value, Request) {
    let text = read(relative);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"));
    let request =
        lambda_http::request::from_str(&text).unwrap_or_else(|e| panic!("{relative}: not an API Gateway event: {e}"));
    (json, request)
}

fn body_bytes(request: &Request) -> &[u8] {
    match request.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// What the webhook edge would read out of this request (secret, body, query).
fn payload(request: &Request) -> WebhookPayload {
    let secret = request.headers().get("x-webhook-secret").and_then(|v| v.to_str().ok());
    assert_eq!(secret, Some(SAMPLE_SECRET), "sample events carry the local secret");
    let content_type = request.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let query: Vec<(String, String)> = request
        .query_string_parameters_ref()
        .map(|q| q.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        .unwrap_or_default();
    body::parse(content_type, body_bytes(request), &query)
        .unwrap_or_else(|e| panic!("{}: body refused: {e:?}", request.raw_http_path()))
}

#[test]
fn every_route_has_a_sample_event_that_the_edge_accepts() {
    let routes = routes(&template());
    for route in &routes {
        let name = route.path.strip_prefix(PATH_PREFIX).expect("prefix");
        let file = format!("events/{name}.json");
        let (json, request) = event(&file);
        let route_key = format!("{} {}", route.method, route.path);
        assert_eq!(json["version"], "2.0", "{file}");
        assert_eq!(json["routeKey"], route_key.as_str(), "{file}");
        assert_eq!(json["rawPath"], route.path.as_str(), "{file}");
        assert_eq!(json["requestContext"]["routeKey"], route_key.as_str(), "{file}");
        assert_eq!(json["requestContext"]["http"]["path"], route.path.as_str(), "{file}");
        assert_eq!(json["requestContext"]["stage"], "$default", "{file}");
        assert_eq!(request.raw_http_path(), route.path, "{file}");
        assert_eq!(request.method().as_str(), route.method, "{file}");

        let Some(endpoint) = Endpoint::from_name(name) else {
            assert_eq!(name, HEALTH);
            continue;
        };
        assert_eq!(json["isBase64Encoded"], false, "{file}");
        let parsed = payload(&request);
        assert_eq!(parsed.module, endpoint.module(), "{file}");
        assert!(parsed.zoho_id.as_str().starts_with("53988300001"), "{file}: seed record id");
    }
    // And no stray sample for a route that does not exist.
    let names: BTreeSet<String> =
        routes.iter().map(|r| format!("{}.json", r.path.strip_prefix(PATH_PREFIX).unwrap_or_default())).collect();
    for entry in std::fs::read_dir(root().join("events")).expect("events/") {
        let entry = entry.expect("dir entry");
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let file = entry.file_name().to_string_lossy().into_owned();
            assert!(names.contains(&file), "events/{file} matches no route");
        }
    }
}

#[test]
fn variant_events_exercise_the_edge() {
    let routes = routes(&template());
    let owner = |path: &str| {
        routes
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.binary.clone())
            .unwrap_or_else(|| panic!("no route for {path}"))
    };

    // Form body, base64-encoded by API Gateway: lambda_http decodes it before the edge sees it.
    let (json, request) = event("events/variants/form_body.json");
    assert_eq!(json["isBase64Encoded"], true);
    assert!(matches!(request.body(), Body::Binary(_)));
    let p = payload(&request);
    assert_eq!(p.zoho_id.as_str(), "5398830000100000401");
    assert_eq!(p.module, Endpoint::ClassUpdated.module());
    assert_eq!(owner(request.raw_http_path()), Endpoint::ClassUpdated.function().name());

    // REST API (payload 1.0) with stage "Prod": the raw path has no stage prefix.
    let (json, request) = event("events/variants/rest_v1_stage_prefix.json");
    assert_eq!(json["requestContext"]["stage"], "Prod");
    assert_eq!(request.raw_http_path(), Endpoint::EnrollmentUpdated.path());
    let p = payload(&request);
    assert_eq!(p.zoho_id.as_str(), "5398830000100000701");
    assert_eq!(p.module, Endpoint::EnrollmentUpdated.module());
    assert_eq!(owner(request.raw_http_path()), Endpoint::EnrollmentUpdated.function().name());

    // The id as a query parameter and an empty body: not the shape Zoho's rules send, so the
    // strict contract refuses it, naming the parameter.
    let (json, request) = event("events/variants/query_id.json");
    assert_eq!(json["body"], "");
    assert!(body_bytes(&request).is_empty());
    let query: Vec<(String, String)> = request
        .query_string_parameters_ref()
        .map(|q| q.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
        .unwrap_or_default();
    let refused = body::parse(None, body_bytes(&request), &query).unwrap_err();
    assert_eq!((refused.status, refused.code, refused.field.as_deref()), (400, "unexpected_query", Some("zoho_id")));
    assert_eq!(owner(request.raw_http_path()), Endpoint::BtecDefinitionUpdated.function().name());
}

// ---------------------------------------------------------------- cargo lambda watch router

#[test]
fn the_watch_router_matches_the_template() {
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml is TOML");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("[workspace.metadata.lambda.watch.router]");
    let router: BTreeMap<&str, Vec<&str>> = router
        .iter()
        .map(|(path, target)| {
            let functions = match target {
                toml::Value::String(f) => vec![f.as_str()],
                toml::Value::Array(entries) => {
                    entries.iter().filter_map(|e| e.get("function").and_then(toml::Value::as_str)).collect()
                }
                other => panic!("router {path}: unexpected {other:?}"),
            };
            (path.as_str(), functions)
        })
        .collect();

    let routes = routes(&template());
    for route in &routes {
        assert_eq!(
            router.get(route.path.as_str()),
            Some(&vec![route.binary.as_str()]),
            "router entry for {}",
            route.path
        );
    }
    let template_paths: BTreeSet<&str> = routes.iter().map(|r| r.path.as_str()).collect();
    for path in router.keys() {
        assert!(template_paths.contains(path), "router path {path} has no route in template.yaml");
    }
}

// ---------------------------------------------------------------- IAM

/// The `!Sub` ARNs (as written) a policy statement grants `action` on.
fn granted(t: &Value, action: &str) -> BTreeSet<String> {
    let (_, policy) = resources_of_type(t, "AWS::IAM::ManagedPolicy")
        .into_iter()
        .find(|(id, _)| id == "SecretsAccessPolicy")
        .expect("SecretsAccessPolicy");
    let mut out = BTreeSet::new();
    let statements = policy["Properties"]["PolicyDocument"]["Statement"].as_sequence().expect("Statement list");
    for statement in statements {
        let actions: Vec<&str> = match &statement["Action"] {
            Value::String(a) => vec![a.as_str()],
            Value::Sequence(list) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !actions.contains(&action) {
            continue;
        }
        for resource in statement["Resource"].as_sequence().into_iter().flatten() {
            if let Some(("Sub", Value::String(arn))) = tagged(resource).as_ref().map(|(t, v)| (t.as_str(), *v)) {
                out.insert(arn.rsplit("parameter").next().unwrap_or_default().to_owned());
            }
            // `!If [HasPreviousWebhookSecret, !Sub ..., !Ref AWS::NoValue]`
            if let Some(("If", Value::Sequence(branches))) = tagged(resource).as_ref().map(|(t, v)| (t.as_str(), *v)) {
                for branch in branches {
                    if let Some(("Sub", Value::String(arn))) = tagged(branch).as_ref().map(|(t, v)| (t.as_str(), *v)) {
                        out.insert(arn.rsplit("parameter").next().unwrap_or_default().to_owned());
                    }
                }
            }
        }
    }
    out
}

#[test]
fn functions_read_their_secrets_and_write_only_the_token_cache() {
    let t = template();
    let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        granted(&t, "ssm:GetParameters"),
        set(&[
            "${MoodleTokenParam}",
            "${WebhookSecretParam}",
            "${WebhookSecretPreviousParam}",
            "${ZohoClientIdParam}",
            "${ZohoClientSecretParam}",
            "${ZohoRefreshTokenParam}",
        ])
    );
    assert_eq!(granted(&t, "ssm:PutParameter"), set(&["${ZohoTokenCacheParam}", "${ZohoTokenCacheParam}-lock"]));
    assert_eq!(granted(&t, "ssm:DeleteParameter"), set(&["${ZohoTokenCacheParam}-lock"]));
    let webhook_functions = functions(&t).into_iter().filter(|f| Function::ALL.iter().any(|w| w.name() == f.binary));
    for f in webhook_functions {
        let policies = f.resource["Properties"]["Policies"].as_sequence().expect("Policies");
        assert_eq!(policies.len(), 1, "{}: only SecretsAccessPolicy", f.logical_id);
        assert_eq!(
            tagged(&policies[0]).map(|(tag, v)| (tag, v.as_str().map(str::to_owned))),
            Some(("Ref".to_owned(), Some("SecretsAccessPolicy".to_owned()))),
            "{}",
            f.logical_id
        );
    }
}
