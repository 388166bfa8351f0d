//! The `openconnectors-emulator` program: its listening line, flags, environment, exit codes
//! and output.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_openconnectors-emulator");

/// A running emulator process, killed on drop.
struct Process {
    child: Child,
    stdout: BufReader<ChildStdout>,
    base: String,
}

impl Process {
    fn spawn(args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut command = Command::new(BIN);
        command.args(args).envs(env.iter().copied());
        Process::start(command)
    }

    /// Starts `command`, which runs the emulator, and reads its listening line.
    fn start(mut command: Command) -> Process {
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        for var in [
            "OC_EMULATOR_LISTEN",
            "OC_EMULATOR_USER_SECRET",
            "OC_EMULATOR_ORGANIZATION_SECRET",
            "OC_EMULATOR_SEED",
            "OC_EMULATOR_KEEP_ALIVE_MS",
            "OC_EMULATOR_CODE_TTL_MS",
            "OC_EMULATOR_CONSENT_PAGE",
            "OC_EMULATOR_WEBHOOK_RETRY_SCALE",
            "OC_EMULATOR_ALLOW_REMOTE_WEBHOOKS",
        ] {
            if !command.get_envs().any(|(name, _)| name == var) {
                command.env_remove(var);
            }
        }
        let mut child = command.spawn().expect("spawn");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("listening line");
        let base = line
            .strip_prefix("listening on ")
            .map(|b| b.trim_end().to_string())
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        assert!(line.ends_with('\n'));
        Process {
            child,
            stdout,
            base,
        }
    }

    /// Kills the process and answers what it wrote after the listening line.
    fn finish(mut self) -> (String, String) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).expect("stdout");
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut err).expect("stderr");
        }
        (out, err)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn status(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> u16 {
    response.expect("response").status().as_u16()
}

#[test]
fn prints_the_listening_line_and_serves() {
    let process = Process::spawn(&["--listen", "127.0.0.1:0"], &[]);
    let rest = process
        .base
        .strip_prefix("http://127.0.0.1:")
        .expect("loopback URL");
    let port = rest.strip_suffix("/elements/api-v2").expect("base path");
    assert!(port.parse::<u16>().is_ok_and(|p| p > 0), "{port}");
    let answer = agent()
        .get(format!("{}/instances", process.base))
        .header(
            "Authorization",
            "User user-secret, Organization organization-secret",
        )
        .call();
    assert_eq!(status(answer), 200, "default secrets");
}

#[test]
fn help_lists_every_option_and_exits_0() {
    let output = Command::new(BIN).arg("--help").output().expect("run");
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).expect("UTF-8");
    for word in [
        "--listen",
        "--user-secret",
        "--organization-secret",
        "--seed",
        "--keep-alive-ms",
        "--code-ttl-ms",
        "--health-check",
        "--version",
        "--consent-page",
        "--webhook-retry-scale",
        "--allow-remote-webhooks",
        "OC_EMULATOR_CONSENT_PAGE",
        "OC_EMULATOR_WEBHOOK_RETRY_SCALE",
        "OC_EMULATOR_ALLOW_REMOTE_WEBHOOKS",
        "SIGTERM",
        "OC_EMULATOR_LISTEN",
        "OC_EMULATOR_USER_SECRET",
        "OC_EMULATOR_ORGANIZATION_SECRET",
        "OC_EMULATOR_SEED",
        "OC_EMULATOR_KEEP_ALIVE_MS",
        "OC_EMULATOR_CODE_TTL_MS",
        "\"user-secret\"",
        "\"organization-secret\"",
    ] {
        assert!(help.contains(word), "{word} missing from help");
    }
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    for args in [
        &["--bogus"][..],
        &["--seed"],
        &["--seed", "many"],
        &["--keep-alive-ms", "-1"],
        &["--code-ttl-ms=soon"],
        &["--listen", "not an address"],
        &["positional-secret"],
        &["--user-secret="],
    ] {
        let output = Command::new(BIN).args(args).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(
            !err.trim().is_empty() && !err.contains("positional-secret"),
            "{err}"
        );
    }
    let output = Command::new(BIN)
        .env("OC_EMULATOR_SEED", "x")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn environment_sets_options_and_flags_win() {
    let process = Process::spawn(
        &[],
        &[
            ("OC_EMULATOR_USER_SECRET", "env-user"),
            ("OC_EMULATOR_ORGANIZATION_SECRET", "env-org"),
        ],
    );
    let url = format!("{}/instances", process.base);
    assert_eq!(
        status(
            agent()
                .get(&url)
                .header("Authorization", "User env-user, Organization env-org")
                .call()
        ),
        200
    );
    assert_eq!(
        status(
            agent()
                .get(&url)
                .header(
                    "Authorization",
                    "User user-secret, Organization organization-secret"
                )
                .call()
        ),
        401
    );
    drop(process);
    let process = Process::spawn(
        &["--user-secret", "flag-user"],
        &[("OC_EMULATOR_USER_SECRET", "env-user")],
    );
    let url = format!("{}/instances", process.base);
    let auth = "User flag-user, Organization organization-secret";
    assert_eq!(
        status(agent().get(&url).header("Authorization", auth).call()),
        200
    );
}

#[test]
fn the_seed_makes_runs_reproducible() {
    let location = |process: &Process| {
        let root = process.base.trim_end_matches("/elements/api-v2");
        let answer = agent()
            .get(format!(
                "{root}/oauth/authorize?client_id=c&redirect_uri=http%3A%2F%2Fcb"
            ))
            .call();
        answer
            .expect("302")
            .headers()
            .get("Location")
            .and_then(|v| v.to_str().ok())
            .expect("Location")
            .to_string()
    };
    let a = location(&Process::spawn(&["--seed", "42"], &[]));
    let b = location(&Process::spawn(&[], &[("OC_EMULATOR_SEED", "42")]));
    let c = location(&Process::spawn(&["--seed=43"], &[]));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn logs_one_line_per_request_to_stderr_and_never_a_secret() {
    let process = Process::spawn(
        &[
            "--user-secret",
            "USER-S3CRET",
            "--organization-secret",
            "ORG-S3CRET",
            "--code-ttl-ms",
            "60000",
            "--keep-alive-ms",
            "5000",
        ],
        &[],
    );
    let root = process
        .base
        .trim_end_matches("/elements/api-v2")
        .to_string();
    let auth = "User USER-S3CRET, Organization ORG-S3CRET";
    let agent = agent();
    let callback = "http%3A%2F%2Flocalhost%3A9%2Fcb";
    let oauth = agent
        .get(format!("{}/elements/infusionsoftecommerce/oauth/url?apiKey=K&apiSecret=API-S3CRET&callbackUrl={callback}", process.base))
        .header("Authorization", auth)
        .call()
        .expect("oauth url");
    let url: serde_json::Value =
        serde_json::from_str(&oauth.into_body().read_to_string().expect("body")).expect("JSON");
    let location = agent
        .get(url["oauthUrl"].as_str().expect("url"))
        .call()
        .expect("authorize");
    let location = location
        .headers()
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_string();
    let code = location
        .split("code=")
        .nth(1)
        .and_then(|r| r.split('&').next())
        .expect("code");
    let body = serde_json::json!({
        "element": {"key": "infusionsoftecommerce"},
        "providerData": {"code": code},
        "configuration": {"oauth.api.key": "K", "oauth.api.secret": "API-S3CRET", "oauth.callback.url": "http://localhost:9/cb"},
    });
    let created = agent
        .post(format!("{}/instances", process.base))
        .header("Authorization", auth)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .expect("create");
    assert_eq!(created.status().as_u16(), 200);
    let doc: serde_json::Value =
        serde_json::from_str(&created.into_body().read_to_string().expect("body")).expect("JSON");
    let token = doc["token"].as_str().expect("token").to_string();
    let hub = agent
        .get(format!("{}/hubs/ecommerce/orders?pageSize=1", process.base))
        .header("Authorization", &format!("{auth}, Element {token}"))
        .call();
    assert_eq!(status(hub), 200);
    let fault = agent
        .post(format!("{root}/__emulator/faults"))
        .send(r#"{"drop": "before_response"}"#);
    assert_eq!(status(fault), 200);
    assert!(agent
        .get(format!("{}/instances", process.base))
        .header("Authorization", auth)
        .call()
        .is_err());
    std::thread::sleep(Duration::from_millis(100));
    let (out, err) = process.finish();
    assert_eq!(out, "", "stdout holds only the listening line");
    for secret in [
        "USER-S3CRET",
        "ORG-S3CRET",
        "API-S3CRET",
        code,
        token.as_str(),
    ] {
        assert!(!err.contains(secret), "{secret} leaked into stderr:\n{err}");
    }
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "GET /elements/api-v2/elements/infusionsoftecommerce/oauth/url 200",
            "GET /oauth/authorize 302",
            "POST /elements/api-v2/instances 200",
            "GET /elements/api-v2/hubs/ecommerce/orders 200",
            "POST /__emulator/faults 200",
            "GET /elements/api-v2/instances dropped",
        ]
    );
}

#[test]
fn version_prints_the_name_and_version() {
    let output = Command::new(BIN).arg("--version").output().expect("run");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!(
            "openconnectors-emulator {}\n",
            openconnectors_emulator::VERSION
        )
    );
}

/// Runs `--health-check url`; answers the exit code and stderr.
fn health_check(url: &str) -> (Option<i32>, String) {
    let output = Command::new(BIN)
        .args(["--health-check", url])
        .output()
        .expect("run");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn health_check_exits_0_when_healthy_and_1_otherwise() {
    let process = Process::spawn(&[], &[]);
    let root = process
        .base
        .trim_end_matches("/elements/api-v2")
        .to_string();
    assert_eq!(health_check(&root).0, Some(0), "the root URL");
    assert_eq!(health_check(&format!("{root}/")).0, Some(0));
    assert_eq!(
        health_check(&format!("{root}/__emulator/health")).0,
        Some(0)
    );
    // Anything but a healthy answer is a failure: another answer, another scheme, no server.
    let (code, err) = health_check(&format!("{}/ping", process.base));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("401"), "{err}");
    let (code, err) = health_check(&root.replace("http:", "https:"));
    assert_eq!(code, Some(1), "{err}");
    drop(process);
    let (code, err) = health_check(&root);
    assert_eq!(code, Some(1), "{err}");
    assert!(!err.trim().is_empty());
    let output = Command::new(BIN)
        .arg("--health-check")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

/// Waits for the process to exit, for at most `limit`.
fn exit_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -{name} {pid}");
}

/// Starts a request that a fault holds up for a second, and waits until the emulator has it.
fn request_in_progress(base: &str) -> std::thread::JoinHandle<(u16, String)> {
    let root = base.trim_end_matches("/elements/api-v2").to_string();
    let armed = agent()
        .post(format!("{root}/__emulator/faults"))
        .send(r#"{"pathPrefix": "/elements/api-v2/ping", "delayMs": 1000}"#);
    assert_eq!(status(armed), 200);
    let url = format!("{base}/ping");
    let slow = std::thread::spawn(move || {
        let answer = agent()
            .get(url)
            .call()
            .expect("the request in progress is answered");
        let status = answer.status().as_u16();
        (status, answer.into_body().read_to_string().expect("body"))
    });
    // The journal records a request before its fault delays it.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let journal = agent()
            .get(format!("{root}/__emulator/requests"))
            .call()
            .expect("journal")
            .into_body()
            .read_to_string()
            .expect("body");
        if journal.contains("/elements/api-v2/ping") {
            return slow;
        }
        assert!(Instant::now() < deadline, "the request never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Checks what a stop signal must do: the request in progress is answered in full, new
/// connections are refused at once, and the process exits 0 within the grace time.
fn assert_stops_cleanly(process: &mut Process, pid: u32, signal_name: &str) {
    let addr = process
        .base
        .trim_start_matches("http://")
        .trim_end_matches("/elements/api-v2")
        .to_string();
    let slow = request_in_progress(&process.base);
    let sent = Instant::now();
    signal(pid, signal_name);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        std::net::TcpStream::connect(addr.as_str()).is_err(),
        "a new connection was accepted after {signal_name}"
    );
    let (status, body) = slow.join().expect("the slow request");
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("requestId"), "a whole answer: {body}");
    let exit = exit_within(&mut process.child, Duration::from_secs(5))
        .unwrap_or_else(|| panic!("still running 5 s after {signal_name}"));
    assert!(
        sent.elapsed() < Duration::from_secs(4),
        "{:?}",
        sent.elapsed()
    );
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}

#[test]
fn sigterm_and_sigint_stop_it_cleanly() {
    for name in ["TERM", "INT"] {
        let mut process = Process::spawn(&[], &[]);
        let pid = process.child.id();
        assert_stops_cleanly(&mut process, pid, name);
        let (_, err) = process.finish();
        assert!(err.contains(&format!("SIG{name}: stopping")), "{err}");
    }
}

#[test]
fn sigterm_stops_it_as_process_1() {
    // A new PID namespace makes the emulator its process 1, as in a container; creating one
    // needs privileges some machines refuse.
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "SKIPPED sigterm_stops_it_as_process_1: `unshare --pid --fork --mount-proc` is not \
             allowed here ({})",
            probe.map_or_else(
                |e| e.to_string(),
                |o| String::from_utf8_lossy(&o.stderr).trim().to_string()
            )
        );
        return;
    }
    let mut command = Command::new("unshare");
    command.args(["--pid", "--fork", "--mount-proc", BIN]);
    let mut process = Process::start(command);
    // unshare forks the emulator; its pid here is unshare's only child.
    let unshare = process.child.id();
    let children = std::fs::read_to_string(format!("/proc/{unshare}/task/{unshare}/children"))
        .expect("children of unshare");
    let pid: u32 = children.trim().parse().expect("one child");
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let nspid = status
        .lines()
        .find(|l| l.starts_with("NSpid:"))
        .expect("NSpid");
    assert!(
        nspid.ends_with("\t1"),
        "not process 1 in its namespace: {nspid}"
    );
    // unshare exits with the emulator's status.
    assert_stops_cleanly(&mut process, pid, "TERM");
}

#[test]
fn the_consent_page_is_switched_on_by_flag_or_environment() {
    let authorize = |process: &Process| {
        let root = process.base.trim_end_matches("/elements/api-v2");
        let url = format!("{root}/oauth/authorize?client_id=c&redirect_uri=http%3A%2F%2Fcb");
        status(agent().get(url).call())
    };
    assert_eq!(authorize(&Process::spawn(&["--consent-page"], &[])), 200);
    let from_env = Process::spawn(&[], &[("OC_EMULATOR_CONSENT_PAGE", "true")]);
    assert_eq!(authorize(&from_env), 200);
    assert_eq!(authorize(&Process::spawn(&[], &[])), 302);
}
