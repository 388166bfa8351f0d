//! The whole flow with a real browser: a headless Chromium opens the authorization URL, the
//! emulator's provider shows its consent page, a click on Allow (or Deny) sends the browser
//! to the loopback callback URL, where `oc_await_callback` takes the redirect; the code then
//! creates an instance. Also counts what the browser sends the listener, and checks that no
//! secret reaches the library's records or errors.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/setup test installs them); prints
//! SKIPPED and passes without them. Leaves its screenshots and a report in target/browser/.

mod common;
mod webdriver;

use common::{parse_output, take, FfiClient, API_KEY, API_SECRET, ORG, USER};
use openconnectors::ffi::{oc_await_callback, oc_create_instance, oc_oauth_url, oc_set_logger};
use openconnectors::oc_status;
use openconnectors_emulator::{Emulator, Options};
use serde_json::{json, Value};
use std::ffi::{c_char, c_void, CStr, CString};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Instant;
use webdriver::{free_port, shout, Browser};

const SCOPE: &str = "contacts.read orders.read";

/// The log records of this binary's calls, collected by the process-wide logger.
static RECORDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(_: *mut c_void, _level: u32, record: *const c_char) {
    let text = unsafe { CStr::from_ptr(record) }
        .to_string_lossy()
        .into_owned();
    RECORDS.lock().unwrap().push(text);
}

/// Where the screenshots and the report go: target/browser/.
fn out_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(&tmp).join("browser")
}

/// `oc_await_callback` with a request document.
fn await_callback(request: &Value) -> (oc_status, Value) {
    let text = CString::new(request.to_string()).unwrap();
    let mut out = std::ptr::null_mut();
    let status = unsafe { oc_await_callback(text.as_ptr(), &mut out) };
    (status, parse_output(status, unsafe { take(out) }))
}

/// What one walk through the consent left behind.
struct Walk {
    callback_url: String,
    status: oc_status,
    result: Value,
    /// The text of the page the listener answered, as the browser shows it.
    page: String,
    /// The listener's records during the wait.
    records: Vec<Value>,
    /// The browser's console messages about loads from the listener that failed.
    failed_loads: Vec<String>,
}

impl Walk {
    fn connections(&self) -> usize {
        self.count("callback listener accepted a connection")
    }

    fn requests(&self) -> usize {
        self.count("callback listener answered ")
    }

    fn count(&self, prefix: &str) -> usize {
        self.records
            .iter()
            .filter(|r| r["message"].as_str().is_some_and(|m| m.starts_with(prefix)))
            .count()
    }

    /// The requests the listener answered: `GET /auth 200`, `GET (other path) 404`...
    fn answered(&self) -> Vec<String> {
        self.records
            .iter()
            .filter(|r| r.get("status").is_some())
            .map(|r| {
                let text = |name: &str| r[name].as_str().unwrap_or("?").to_owned();
                format!("{} {} {}", text("method"), text("path"), r["status"])
            })
            .collect()
    }
}

/// Steps 1 and 2 in the browser: the authorization URL, the consent page, a click on the
/// button `decision` (`approve` or `deny`), the redirect taken by `oc_await_callback`.
fn walk(browser: &Browser, client: &FfiClient, decision: &str) -> Walk {
    let callback_url = format!("http://127.0.0.1:{}/auth", free_port());
    let (status, step1) = client.call(
        oc_oauth_url,
        &json!({"element": "infusionsoftecommerce", "apiKey": API_KEY, "apiSecret": API_SECRET,
                "callbackUrl": callback_url, "scope": SCOPE}),
    );
    assert_eq!(status, oc_status::OC_OK, "{step1}");
    let request = json!({"callbackUrl": callback_url, "expectedState": step1["state"],
                         "timeoutMs": 20_000});
    let from = RECORDS.lock().unwrap().len();
    let waiting = std::thread::spawn(move || await_callback(&request));

    browser.goto(step1["oauthUrl"].as_str().unwrap());
    assert_eq!(browser.title(), "Authorize access");
    assert_eq!(browser.text("#client-id"), API_KEY);
    assert_eq!(browser.text("#scope"), SCOPE);
    if decision == "approve" {
        browser.screenshot(&out_dir().join("consent.png"));
    }
    browser.click(&format!("#{decision}"));

    let (status, result) = waiting.join().expect("the wait ends");
    let records = RECORDS.lock().unwrap()[from..]
        .iter()
        .map(|r| serde_json::from_str::<Value>(r).expect("records are JSON"))
        .filter(|r| r["target"] == "callback")
        .collect();
    let at = browser.current_url();
    assert!(at.starts_with(&callback_url), "the browser is at {at}");
    browser.screenshot(&out_dir().join(format!("callback-{decision}.png")));
    // What the browser failed to load from the listener (its favicon, once it had stopped).
    let origin = format!("{}/", callback_url.trim_end_matches("/auth"));
    let failed_loads = browser
        .console()
        .into_iter()
        .filter(|m| m.starts_with(&origin))
        .map(|m| m.replacen(&origin, "/", 1))
        .collect();
    Walk {
        callback_url,
        status,
        result,
        page: browser.text("body"),
        records,
        failed_loads,
    }
}

/// Fails when `text` holds a secret (all of them are plain URL-safe text, so one form each).
fn assert_clean(text: &str, secrets: &[&str], what: &str) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} holds {secret:?}: {text}");
    }
}

#[test]
fn a_real_browser_walks_the_consent_to_the_loopback_listener() {
    if let Some(why) = webdriver::missing() {
        shout(&format!("SKIPPED: the browser test: {why}"));
        return;
    }
    let started = Instant::now();
    let emu = Emulator::start(Options {
        user_secret: USER.into(),
        organization_secret: ORG.into(),
        consent_page: true,
        ..Options::default()
    })
    .expect("the emulator starts");
    let client = FfiClient::for_emulator(&emu, json!({}));
    let mut browser = Browser::start();
    unsafe { oc_set_logger(Some(collect), std::ptr::null_mut(), 4) };

    let allowed = walk(&browser, &client, "approve");
    assert_eq!(allowed.status, oc_status::OC_OK, "{}", allowed.result);
    let code = allowed.result["code"].as_str().expect("a code").to_owned();
    assert!(
        allowed.page.starts_with("Authorization complete."),
        "{}",
        allowed.page
    );
    assert!(
        !browser.source().contains(&code),
        "the listener's page shows the code"
    );

    let (status, instance) = client.call(
        oc_create_instance,
        &json!({"element": {"key": "infusionsoftecommerce"}, "name": "from the browser",
                "providerData": {"code": code},
                "configuration": {"oauth.callback.url": allowed.callback_url,
                                  "oauth.api.key": API_KEY, "oauth.api.secret": API_SECRET}}),
    );
    assert_eq!(status, oc_status::OC_OK, "{instance}");
    assert!(instance["id"].as_u64().is_some(), "{instance}");
    assert_eq!(instance["element"]["key"], "infusionsoftecommerce");
    assert_eq!(instance["name"], "from the browser");
    assert_eq!(instance["configuration"]["oauth.api.secret"], "********");
    let token = instance["token"].as_str().expect("a token").to_owned();

    let denied = walk(&browser, &client, "deny");
    assert_eq!(
        denied.status,
        oc_status::OC_ERR_OAUTH_DENIED,
        "{}",
        denied.result
    );
    assert!(
        denied.page.starts_with("Access was not granted."),
        "{}",
        denied.page
    );
    unsafe { oc_set_logger(None, std::ptr::null_mut(), 0) };

    for w in [&allowed, &denied] {
        assert!(w.connections() >= 1, "{:?}", w.records);
        assert!(
            w.answered().iter().any(|a| a == "GET /auth 200"),
            "{:?}",
            w.answered()
        );
    }
    // Every record of the test: the exchanges that carried the secrets, and the listener's.
    let secrets = [USER, ORG, API_SECRET, code.as_str(), token.as_str()];
    let records = std::mem::take(&mut *RECORDS.lock().unwrap());
    assert!(records.iter().any(|r| r.contains(r#""target":"http""#)));
    for record in &records {
        assert_clean(record, &secrets, "a record");
    }
    assert_clean(&denied.result.to_string(), &secrets, "the denial's error");

    let version = browser.version.clone();
    let killed = browser.quit();
    assert!(
        browser.processes().is_empty(),
        "the browser's processes are gone"
    );
    let mut report = format!(
        "browser test: Chromium {version}, {} ms; browser processes killed after \
         chromedriver stopped: {killed}\n",
        started.elapsed().as_millis()
    );
    for (name, w) in [("allow", &allowed), ("deny", &denied)] {
        report += &format!(
            "{name}: listener accepted {} connection(s), answered {} request(s): {}; \
             page: {:?}; browser's failed loads from the listener: {:?}\n",
            w.connections(),
            w.requests(),
            w.answered().join(", "),
            w.page,
            w.failed_loads,
        );
    }
    report += &format!(
        "screenshots: {}/consent.png, callback-approve.png, callback-deny.png\n",
        out_dir().display()
    );
    std::fs::write(out_dir().join("report.txt"), &report).expect("the report is written");
    shout(&report);
}
