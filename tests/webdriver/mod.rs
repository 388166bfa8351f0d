//! A headless Chromium driven through Debian's `chromedriver` over the W3C WebDriver protocol:
//! just what tests/browser.rs needs, with ureq and serde_json rather than a WebDriver crate.
//!
//! The browser reaches nothing beyond loopback: every host name but `localhost` resolves to
//! nothing, no proxy is used, and the background services that call home are off. Dropping a
//! [`Browser`] ends the session, stops chromedriver, kills whatever is left of this browser's
//! processes and removes its profile, also when a test fails half-way.

use serde_json::{json, Value};
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The W3C identifier of an element reference in a JSON answer.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A free port on 127.0.0.1 (free when this returns; nothing holds it).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Writes a line that `cargo test` shows even for a passing test: the harness captures the
/// print macros, not the standard error stream itself.
pub fn shout(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Why the browser test cannot run here, when Chromium or its driver is not installed.
pub fn missing() -> Option<String> {
    let absent: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    (!absent.is_empty()).then(|| {
        format!(
            "{} not installed (Debian: apt-get install chromium chromium-driver, \
             as scripts/setup test does)",
            absent.join(" and ")
        )
    })
}

/// One chromedriver with one browser session.
pub struct Browser {
    driver: Child,
    /// `http://127.0.0.1:PORT`, chromedriver's address.
    base: String,
    /// The session's id; `None` until it exists.
    session: Option<String>,
    profile: PathBuf,
    agent: ureq::Agent,
    /// The browser's version, from the session's capabilities.
    pub version: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile.
    pub fn start() -> Browser {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let profile = std::env::temp_dir().join(format!(
            "openconnectors-browser-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&profile).expect("a profile directory");
        let port = free_port();
        // The browser inherits these: it writes nothing (crash reports, dconf) outside the
        // profile, and its crash handler, which outlives it, carries the profile's path too.
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .env("HOME", &profile)
            .env("XDG_CONFIG_HOME", profile.join("config"))
            .env("XDG_CACHE_HOME", profile.join("cache"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            session: None,
            profile,
            agent,
            version: String::new(),
        };
        browser.wait_ready();
        browser.new_session();
        browser
    }

    fn wait_ready(&mut self) {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            let ready = self
                .agent
                .get(format!("{}/status", self.base))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                return;
            }
            if let Ok(Some(exit)) = self.driver.try_wait() {
                panic!("chromedriver exited at start: {exit}");
            }
            assert!(
                Instant::now() < until,
                "chromedriver is not ready after 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn new_session(&mut self) {
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--no-first-run".into(),
            "--no-proxy-server".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-default-apps".into(),
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1".into(),
            "--window-size=800,600".into(),
            format!("--user-data-dir={}", self.profile.display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
            "timeouts": {"pageLoad": 15_000, "script": 5_000, "implicit": 0},
        }}});
        let value = self.command("POST", "/session", Some(capabilities));
        self.session = Some(
            value["sessionId"]
                .as_str()
                .expect("a session id")
                .to_owned(),
        );
        self.version = value["capabilities"]["browserVersion"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
    }

    /// Sends a WebDriver command (`path` from the server's root) and returns its `value`.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let answer = match method {
            "POST" => self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self.agent.get(&url).call(),
        };
        let text = answer
            .and_then(|mut r| r.body_mut().with_config().limit(64 << 20).read_to_string())
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("WebDriver {method} {path}: not JSON: {text}"));
        let value = doc["value"].clone();
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            panic!(
                "WebDriver {method} {path}: {error}: {}",
                value["message"].as_str().unwrap_or("")
            );
        }
        value
    }

    /// A command on the session: `path` relative to `/session/{id}`.
    fn session_command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let id = self.session.as_deref().expect("a session");
        self.command(method, &format!("/session/{id}{path}"), body)
    }

    /// Loads `url` and waits for the page.
    pub fn goto(&self, url: &str) {
        self.session_command("POST", "/url", Some(json!({"url": url})));
    }

    pub fn current_url(&self) -> String {
        self.session_command("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn title(&self) -> String {
        self.session_command("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The element `css` selects (the first one); panics when there is none.
    fn find(&self, css: &str) -> String {
        let found = self.session_command(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {found}"))
            .to_owned()
    }

    /// The rendered text of the element `css` selects.
    pub fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.session_command("GET", &format!("/element/{element}/text"), None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Clicks the element `css` selects; a navigation it starts is waited for.
    pub fn click(&self, css: &str) {
        let element = self.find(css);
        self.session_command("POST", &format!("/element/{element}/click"), None);
    }

    /// The page's source as the browser holds it.
    pub fn source(&self) -> String {
        self.session_command("GET", "/source", None)
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The browser's console messages (failed loads among them) since the last call.
    pub fn console(&self) -> Vec<String> {
        let entries = self.session_command("POST", "/se/log", Some(json!({"type": "browser"})));
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Saves a PNG of the viewport to `path`.
    pub fn screenshot(&self, path: &Path) {
        let png = self.session_command("GET", "/screenshot", None);
        let bytes = decode_base64(png.as_str().expect("base64 PNG"));
        assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot's directory");
        }
        std::fs::write(path, bytes).expect("the screenshot is written");
    }

    /// Processes still running with this browser's profile in their command line.
    pub fn processes(&self) -> Vec<u32> {
        let marker = self.profile.to_string_lossy().into_owned();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&marker))
            })
            .collect()
    }

    /// Ends the session, chromedriver and every process of this browser; removes the profile.
    /// Returns how many of the browser's processes were still running 2 s after chromedriver
    /// had stopped, and were killed.
    pub fn quit(&mut self) -> usize {
        if let Some(id) = self.session.take() {
            // Best effort: chromedriver closes the browser when it can.
            let _ = self
                .agent
                .delete(format!("{}/session/{id}", self.base))
                .call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let mut killed = 0;
        if !self.wait_gone(Duration::from_secs(2)) {
            // Only this browser's processes, by id.
            let left = self.processes();
            killed = left.len();
            for pid in left {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status();
            }
            self.wait_gone(Duration::from_secs(3));
        }
        let _ = std::fs::remove_dir_all(&self.profile);
        killed
    }

    /// Whether this browser's processes are gone within `limit`.
    fn wait_gone(&self, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        while !self.processes().is_empty() {
            if Instant::now() > until {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        true
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.quit();
    }
}

/// Standard base64 (the screenshots); panics on anything else.
fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let digit = ALPHABET
            .iter()
            .position(|a| *a == c)
            .expect("a base64 digit");
        bits = (bits << 6 | digit as u32) & 0xffff;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}
