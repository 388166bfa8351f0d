//! The whole flow, step by step: authorization URL, consent, callback, instance provisioning,
//! a call through the instance, an event notification it causes (received on a loopback
//! receiver of the demo's own and verified by the library), and the instance's deletion.
//!
//! With no configuration it runs against the emulator, embedded in this process, with a
//! stand-in browser that follows the consent page. Against a real platform, set:
//! `OC_BASE_URL`, `OC_USER_SECRET`, `OC_ORGANIZATION_SECRET`, `OC_API_KEY`, `OC_API_SECRET`,
//! `OC_CALLBACK_URL` (a loopback URL registered with the provider app, e.g.
//! `http://127.0.0.1:8765/auth`) and optionally `OC_ELEMENT` (default `infusionsoftecommerce`);
//! then open the printed URL in a browser. Secrets are never printed.
//!
//! `OC_LOG=info` (or `error`, `warn`, `debug`, `trace`) also prints the library's log record
//! of every HTTP exchange, retry, connection and callback-listener request.

use openconnectors::{
    await_callback, verify_webhook, ApiRequest, AwaitCallbackRequest, Client, Config, InstanceId,
    Level, Method, NewInstance, OAuthUrlRequest, Secret, VerifyWebhookRequest,
};
use openconnectors_emulator::{Emulator, Options, WebhookReceiver};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::time::Duration;

struct Setup {
    base_url: String,
    user_secret: String,
    organization_secret: String,
    api_key: String,
    api_secret: String,
    callback_url: String,
    element: String,
    /// The embedded emulator, when no platform is configured.
    emulator: Option<Emulator>,
}

fn setup() -> Result<Setup, String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let element = var("OC_ELEMENT").unwrap_or_else(|| "infusionsoftecommerce".into());
    if let Some(base_url) = var("OC_BASE_URL") {
        let need = |name: &str| var(name).ok_or(format!("{name} is not set"));
        return Ok(Setup {
            base_url,
            user_secret: need("OC_USER_SECRET")?,
            organization_secret: need("OC_ORGANIZATION_SECRET")?,
            api_key: need("OC_API_KEY")?,
            api_secret: need("OC_API_SECRET")?,
            callback_url: need("OC_CALLBACK_URL")?,
            element,
            emulator: None,
        });
    }
    let user_secret = openconnectors::generate_state().map_err(|e| e.to_string())?;
    let organization_secret = openconnectors::generate_state().map_err(|e| e.to_string())?;
    let emulator = Emulator::start(Options {
        user_secret: user_secret.clone(),
        organization_secret: organization_secret.clone(),
        ..Options::default()
    })
    .map_err(|e| format!("the emulator did not start: {e}"))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port for the callback: {e}"))?
        .port();
    println!("[emulator] listening on {}", emulator.base_url());
    Ok(Setup {
        base_url: emulator.base_url(),
        user_secret,
        organization_secret,
        api_key: "demo-app-client-id".into(),
        api_secret: "demo-app-client-secret".into(),
        callback_url: format!("http://127.0.0.1:{port}/auth"),
        element,
        emulator: Some(emulator),
    })
}

/// Hides the values of `code` parameters in a URL before it is printed.
fn redact_code(url: &str) -> String {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let parts: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some(("code", _)) => "code=[redacted]".to_owned(),
            _ => p.to_owned(),
        })
        .collect();
    if query.is_empty() {
        head.to_owned()
    } else {
        format!("{head}?{}", parts.join("&"))
    }
}

/// The stand-in browser: opens the consent page and follows the provider's redirect.
fn browse(oauth_url: String) {
    let agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .new_agent();
    std::thread::sleep(Duration::from_millis(100));
    let consent = agent.get(&oauth_url).call();
    let location = consent.ok().and_then(|r| {
        r.headers()
            .get("location")?
            .to_str()
            .ok()
            .map(str::to_owned)
    });
    match location {
        Some(location) => {
            println!(
                "        browser: the provider redirects to {}",
                redact_code(&location)
            );
            let _ = agent.get(&location).call();
        }
        None => println!("        browser: the provider did not redirect"),
    }
}

/// Prints the library's records at the level `OC_LOG` names, if any.
fn install_logger() -> Result<(), String> {
    let Ok(name) = std::env::var("OC_LOG") else {
        return Ok(());
    };
    let level = match name.as_str() {
        "error" => Level::Error,
        "warn" => Level::Warn,
        "info" => Level::Info,
        "debug" => Level::Debug,
        "trace" => Level::Trace,
        _ => return Err("OC_LOG takes error, warn, info, debug or trace".into()),
    };
    let print = |level: Level, record: &str| {
        let message = serde_json::from_str::<Value>(record)
            .ok()
            .and_then(|r| r["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        println!("        [{}] {message}", level.name());
    };
    openconnectors::set_logger(Some(Box::new(print)), level as u32);
    Ok(())
}

fn run() -> Result<(), String> {
    install_logger()?;
    let s = setup()?;
    let fail = |step: &str, e: openconnectors::Error| format!("{step} failed: {}", e.to_json());
    let client = Client::new(Config {
        base_url: s.base_url.clone(),
        user_secret: Some(Secret::new(&*s.user_secret)),
        organization_secret: Some(Secret::new(&*s.organization_secret)),
        ..Config::default()
    })
    .map_err(|e| fail("the configuration", e))?;
    println!(
        "openconnectors {}: client for {}",
        openconnectors::VERSION,
        s.base_url
    );

    println!(
        "Step 1: ask the platform for {}'s authorization URL",
        s.element
    );
    let step1 = client
        .oauth_url(&OAuthUrlRequest {
            element: s.element.clone(),
            api_key: s.api_key.clone(),
            api_secret: Secret::new(&*s.api_secret),
            callback_url: s.callback_url.clone(),
            ..OAuthUrlRequest::default()
        })
        .map_err(|e| fail("step 1", e))?
        .value();
    let oauth_url = step1["oauthUrl"].as_str().unwrap_or_default().to_owned();
    let state = step1["state"].as_str().unwrap_or_default().to_owned();
    println!("        oauthUrl: {oauth_url}");
    println!("        state:    {state} (256 random bits)");

    println!(
        "Step 2: consent, then the redirect back to {}",
        s.callback_url
    );
    let browser = if s.emulator.is_some() {
        Some(std::thread::spawn(move || browse(oauth_url)))
    } else {
        println!("        open the oauthUrl above in a browser; waiting up to 5 minutes");
        None
    };
    let callback = await_callback(&AwaitCallbackRequest {
        callback_url: s.callback_url.clone(),
        expected_state: state,
        timeout: Duration::from_secs(300),
    })
    .map_err(|e| fail("step 2", e))?;
    if let Some(b) = browser {
        let _ = b.join();
    }
    println!("        callback parsed: code [redacted], state matches");

    println!("Step 3: provision the instance");
    let mut document = json!({
        "element": {"key": s.element},
        "providerData": {"code": callback.code.expose()},
        "configuration": {
            "oauth.callback.url": s.callback_url,
            "oauth.api.key": s.api_key,
            "oauth.api.secret": s.api_secret,
        },
        "tags": ["openconnectors-demo"],
        "name": "openconnectors demo",
    });
    // Events go to a receiver on this machine: only the embedded emulator can reach it.
    let signature_key = openconnectors::generate_state().map_err(|e| fail("a key", e))?;
    let events = match s.emulator {
        Some(_) => {
            let receiver = WebhookReceiver::start().map_err(|e| format!("no receiver: {e}"))?;
            let url = receiver.url().to_owned();
            document["configuration"]["event.notification.enabled"] = json!(true);
            document["configuration"]["event.vendor.type"] = json!("webhook");
            document["configuration"]["event.notification.type"] = json!("webhook");
            document["configuration"]["event.notification.callback.url"] = json!(url);
            document["configuration"]["event.notification.signature.key"] = json!(signature_key);
            println!("        events: on, to {url}, signed with a key of 256 random bits");
            Some(receiver)
        }
        None => None,
    };
    let Value::Object(document) = document else {
        unreachable!("json! of an object")
    };
    let instance = client
        .create_instance(&NewInstance(document))
        .map_err(|e| fail("step 3", e))?
        .value();
    let id = instance["id"].as_u64().unwrap_or_default();
    let token = instance["token"].as_str().unwrap_or_default().to_owned();
    println!(
        "        instance {id} \"{}\" of {}, token [redacted]",
        instance["name"].as_str().unwrap_or_default(),
        instance["element"]["key"].as_str().unwrap_or_default()
    );

    let hub = openconnectors::element_profile(&s.element).map_or("ecommerce", |p| p.hub);
    let resource = match hub {
        "crm" => "contacts",
        "marketing" => "campaigns",
        _ => "orders",
    };
    let path = format!("/hubs/{hub}/{resource}");
    println!("Call:   GET {path} through the instance");
    let answer = client
        .request(&ApiRequest {
            method: Method::Get,
            path: path.clone(),
            query: vec![("pageSize".into(), "3".into())],
            body: None,
            element_token: Some(Secret::new(&*token)),
            headers: vec![],
        })
        .map_err(|e| fail("the call", e))?
        .value();
    let items = answer["body"].as_array().map_or(0, Vec::len);
    println!("        {} with {items} {resource}", answer["status"]);
    if let Some(first) = answer["body"].get(0) {
        println!("        first: {first}");
    }

    match events {
        Some(receiver) => {
            println!("Write:  POST {path} through the instance");
            let created = client
                .request(&ApiRequest {
                    method: Method::Post,
                    path: path.clone(),
                    query: vec![],
                    body: Some(json!({"status": "new", "total": "42.00", "currency": "USD"})),
                    element_token: Some(Secret::new(&*token)),
                    headers: vec![],
                })
                .map_err(|e| fail("the write", e))?
                .value();
            println!(
                "        {} with id {}",
                created["status"], created["body"]["id"]
            );
            let notification = receiver
                .next(Duration::from_secs(10))
                .ok_or("no event notification arrived within 10 s")?;
            let event = verify_webhook(&VerifyWebhookRequest {
                signature_key: Secret::new(&*signature_key),
                headers: notification.headers,
                body: notification.body,
            })
            .map_err(|e| fail("the event's verification", e))?
            .value();
            let first = &event["events"][0];
            println!(
                "Event:  {} {} {} of instance {}, id {} (signature verified)",
                first["eventType"].as_str().unwrap_or_default(),
                first["objectType"].as_str().unwrap_or_default(),
                first["objectId"].as_str().unwrap_or_default(),
                event["event"]["message"]["instanceId"],
                event["webhookId"].as_str().unwrap_or_default(),
            );
        }
        None => {
            println!("Event:  skipped (a platform cannot reach this machine's loopback receiver)")
        }
    }

    println!("Delete: instance {id}");
    let deleted = client
        .delete_instance(InstanceId::new(id).expect("platform ids are positive"))
        .map_err(|e| fail("the deletion", e))?;
    println!("        {}", deleted.as_str());
    println!("Done: the whole flow worked.");
    drop(s.emulator);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("demo: {message}");
            ExitCode::FAILURE
        }
    }
}
