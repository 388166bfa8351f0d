//! The `openconnectors-emulator` program: reads its settings from flags and environment
//! variables (flags win), starts the emulator, prints the one listening line and serves until
//! SIGTERM or SIGINT, then stops cleanly and exits 0. Bad arguments exit with code 2; an
//! address that cannot be bound with code 1. `--health-check URL` instead asks a running
//! emulator whether it is healthy (exit 0) or not (exit 1).

#[cfg(unix)]
mod signals;

use openconnectors_emulator::{
    Emulator, Options, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET, VERSION,
};
use std::io::Write;
use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::time::Duration;

const NAME: &str = "openconnectors-emulator";
/// How long requests in progress may take to finish once a stop signal came.
const GRACE: Duration = Duration::from_secs(2);
/// How long `--health-check` waits for the answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

fn usage() -> String {
    format!(
        "{NAME} {VERSION}: a local emulator of the SAP Open Connectors platform and its OAuth provider.

usage: {NAME} [options]

  --listen ADDR               address to listen on; port 0 picks a free one
                              (env OC_EMULATOR_LISTEN, default 127.0.0.1:0)
  --user-secret S             User secret the platform accepts
                              (env OC_EMULATOR_USER_SECRET, default \"{DEFAULT_USER_SECRET}\")
  --organization-secret S     Organization secret the platform accepts
                              (env OC_EMULATOR_ORGANIZATION_SECRET, default \"{DEFAULT_ORGANIZATION_SECRET}\")
  --seed N                    seed for codes, tokens, ids and request ids, for reproducible runs
                              (env OC_EMULATOR_SEED, default: random)
  --keep-alive-ms N           close kept-alive connections idle this long
                              (env OC_EMULATOR_KEEP_ALIVE_MS, default 60000)
  --code-ttl-ms N             how long OAuth codes stay redeemable
                              (env OC_EMULATOR_CODE_TTL_MS, default 600000)
  --consent-page              the provider's /oauth/authorize shows a consent page (Allow, Deny)
                              instead of approving at once
                              (env OC_EMULATOR_CONSENT_PAGE=true|false, default false)
  --webhook-retry-scale F     multiply the wait before each retry of a failed event delivery
                              (4^x s before the x-th of 9) by F, e.g. 0.001 in tests
                              (env OC_EMULATOR_WEBHOOK_RETRY_SCALE, default 1)
  --allow-remote-webhooks     deliver events to callback URLs that are not loopback ones
                              (env OC_EMULATOR_ALLOW_REMOTE_WEBHOOKS=true|false, default false)
  --health-check URL          ask the emulator at URL (its root, e.g. http://127.0.0.1:8080,
                              or a full URL) whether it is healthy, then exit 0 (healthy) or 1
  --version                   print the version
  -h, --help                  print this help

On start it prints `listening on http://127.0.0.1:PORT/elements/api-v2` to stdout, then logs
`METHOD /path STATUS` to stderr for every request. SIGTERM or SIGINT stop it: no new
connections, requests in progress finish within 2 s, exit status 0.
The provider's authorize page is at /oauth/authorize; test hooks are under /__emulator/
(reset, requests, faults, events, deliveries, health).
"
    )
}

/// What the command line asks for.
enum Action {
    Serve(Options),
    Help,
    Version,
    HealthCheck(String),
}

/// The settings: (flag, environment variable, whether the flag is a switch that takes no
/// value; its variable takes true or false).
const SETTINGS: [(&str, &str, bool); 9] = [
    ("--listen", "OC_EMULATOR_LISTEN", false),
    ("--user-secret", "OC_EMULATOR_USER_SECRET", false),
    (
        "--organization-secret",
        "OC_EMULATOR_ORGANIZATION_SECRET",
        false,
    ),
    ("--seed", "OC_EMULATOR_SEED", false),
    ("--keep-alive-ms", "OC_EMULATOR_KEEP_ALIVE_MS", false),
    ("--code-ttl-ms", "OC_EMULATOR_CODE_TTL_MS", false),
    ("--consent-page", "OC_EMULATOR_CONSENT_PAGE", true),
    (
        "--webhook-retry-scale",
        "OC_EMULATOR_WEBHOOK_RETRY_SCALE",
        false,
    ),
    (
        "--allow-remote-webhooks",
        "OC_EMULATOR_ALLOW_REMOTE_WEBHOOKS",
        true,
    ),
];

/// What to do. Messages never repeat a value, which might be a secret.
fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Action, String> {
    let mut values: Vec<(&str, String)> = Vec::new();
    for (flag, variable, _) in SETTINGS {
        if let Some(value) = env(variable).filter(|v| !v.is_empty()) {
            values.push((flag, value));
        }
    }
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(Action::Help),
            "--version" => return Ok(Action::Version),
            _ => {}
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        if flag == "--health-check" {
            let url = inline.or_else(|| args.next().cloned());
            return url
                .map(Action::HealthCheck)
                .ok_or_else(|| format!("{flag} needs a value"));
        }
        let Some(&(flag, _, switch)) = SETTINGS.iter().find(|(f, _, _)| *f == flag) else {
            return Err(if arg.starts_with('-') {
                format!("unknown option {flag}")
            } else {
                "unexpected argument (options start with --)".to_string()
            });
        };
        let value = match (inline, switch) {
            (Some(value), _) => value,
            (None, true) => "true".into(),
            (None, false) => args
                .next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))?,
        };
        values.push((flag, value));
    }
    let mut options = Options {
        log: true,
        ..Options::default()
    };
    // Environment values come first, so a flag given later overrides them.
    for (flag, value) in values {
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number"))
        };
        let switch = || match value.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(format!("{flag} takes true or false")),
        };
        let scale = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| format!("{flag} takes a number of at least 0"))
        };
        match flag {
            "--listen" => options.listen = value.clone(),
            "--user-secret" => options.user_secret = value.clone(),
            "--organization-secret" => options.organization_secret = value.clone(),
            "--seed" => options.seed = Some(number()?),
            "--keep-alive-ms" => options.keep_alive = Duration::from_millis(number()?),
            "--code-ttl-ms" => options.code_ttl = Duration::from_millis(number()?),
            "--consent-page" => options.consent_page = switch()?,
            "--webhook-retry-scale" => options.webhook_retry_scale = scale()?,
            _ => options.allow_remote_webhooks = switch()?,
        }
    }
    if options.user_secret.is_empty() || options.organization_secret.is_empty() {
        return Err("secrets must not be empty".into());
    }
    if options.listen.to_socket_addrs().is_err() {
        return Err("--listen takes an address such as 127.0.0.1:8080".into());
    }
    Ok(Action::Serve(options))
}

fn main() -> ExitCode {
    let args: Option<Vec<String>> = std::env::args_os()
        .skip(1)
        .map(|a| a.into_string().ok())
        .collect();
    let env = |name: &str| std::env::var(name).ok();
    let parsed = match args {
        Some(args) => parse(&args, env),
        None => Err("arguments must be UTF-8".into()),
    };
    match parsed {
        Ok(Action::Serve(options)) => serve(options),
        Ok(Action::Help) => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        Ok(Action::Version) => {
            println!("{NAME} {VERSION}");
            ExitCode::SUCCESS
        }
        Ok(Action::HealthCheck(url)) => {
            match openconnectors_emulator::check_health(&url, HEALTH_TIMEOUT) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("{NAME}: {message}");
                    ExitCode::from(1)
                }
            }
        }
        Err(message) => {
            eprintln!("{NAME}: {message}\nTry `{NAME} --help`.");
            ExitCode::from(2)
        }
    }
}

/// Serves until a stop signal, then stops cleanly.
fn serve(options: Options) -> ExitCode {
    // Before any thread starts, so that every thread inherits the blocked signals.
    #[cfg(unix)]
    let stop = match signals::StopSignals::block() {
        Ok(stop) => stop,
        Err(error) => {
            eprintln!("{NAME}: cannot block the stop signals: {error}");
            return ExitCode::from(1);
        }
    };
    let emulator = match Emulator::start(options) {
        Ok(emulator) => emulator,
        Err(error) => {
            eprintln!("{NAME}: cannot start: {error}");
            return ExitCode::from(1);
        }
    };
    // Tests wait for this line, so it goes out at once. If nobody reads stdout, the server
    // still serves.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "listening on {}", emulator.base_url());
    let _ = stdout.flush();
    drop(stdout);
    #[cfg(unix)]
    {
        let signal = stop.wait();
        eprintln!("{NAME}: {signal}: stopping");
        emulator.stop(GRACE);
        ExitCode::SUCCESS
    }
    #[cfg(not(unix))]
    loop {
        let _ = &emulator;
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Action};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_override_environment() {
        let env = |name: &str| match name {
            "OC_EMULATOR_SEED" => Some("5".to_string()),
            "OC_EMULATOR_USER_SECRET" => Some("from-env".to_string()),
            _ => None,
        };
        let Ok(Action::Serve(options)) = parse(&args(&["--seed=9", "--keep-alive-ms", "250"]), env)
        else {
            panic!("valid arguments");
        };
        assert_eq!(options.seed, Some(9));
        assert_eq!(options.user_secret, "from-env");
        assert_eq!(options.keep_alive.as_millis(), 250);
        assert!(options.log);
        assert!(!options.consent_page && !options.allow_remote_webhooks);
        assert_eq!(options.webhook_retry_scale, 1.0);
        let env = |name: &str| match name {
            "OC_EMULATOR_CONSENT_PAGE" => Some("TRUE".to_string()),
            "OC_EMULATOR_ALLOW_REMOTE_WEBHOOKS" => Some("yes".to_string()),
            "OC_EMULATOR_WEBHOOK_RETRY_SCALE" => Some("0.5".to_string()),
            _ => None,
        };
        let given = args(&[
            "--webhook-retry-scale",
            "0.001",
            "--allow-remote-webhooks=false",
        ]);
        let Ok(Action::Serve(options)) = parse(&given, env) else {
            panic!("valid arguments");
        };
        assert!(options.consent_page && !options.allow_remote_webhooks);
        assert_eq!(options.webhook_retry_scale, 0.001);
        let Ok(Action::Serve(options)) = parse(&args(&["--consent-page"]), |_: &str| None) else {
            panic!("valid arguments");
        };
        assert!(options.consent_page);
    }

    #[test]
    fn bad_arguments_are_refused_without_echoing_values() {
        let none = |_: &str| None;
        for bad in [
            &["--seed", "x"][..],
            &["--user-secret"],
            &["--nope"],
            &["s3cr3t"],
            &["--listen", "nowhere"],
            &["--health-check"],
            &["--consent-page=maybe"],
            &["--webhook-retry-scale", "-1"],
            &["--webhook-retry-scale", "NaN"],
        ] {
            let Err(message) = parse(&args(bad), none) else {
                panic!("{bad:?} accepted");
            };
            assert!(
                !message.contains("s3cr3t") && !message.contains("nowhere"),
                "{message}"
            );
        }
        assert!(matches!(parse(&args(&["--help"]), none), Ok(Action::Help)));
        assert!(matches!(
            parse(&args(&["--seed", "1", "--version"]), none),
            Ok(Action::Version)
        ));
        assert!(matches!(
            parse(&args(&["--health-check=http://h:1"]), none),
            Ok(Action::HealthCheck(url)) if url == "http://h:1"
        ));
    }
}
