//! The `openconnectors-emulator` program: reads its settings from flags and environment
//! variables (flags win), starts the emulator, prints the one listening line and serves until
//! killed. Bad arguments exit with code 2; an address that cannot be bound with code 1.

use openconnectors_emulator::{
    Emulator, Options, DEFAULT_ORGANIZATION_SECRET, DEFAULT_USER_SECRET,
};
use std::io::Write;
use std::net::ToSocketAddrs;
use std::process::ExitCode;
use std::time::Duration;

const NAME: &str = "openconnectors-emulator";

fn usage() -> String {
    format!(
        "{NAME} {version}: a local emulator of the SAP Open Connectors platform and its OAuth provider.

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
  -h, --help                  print this help

On start it prints `listening on http://127.0.0.1:PORT/elements/api-v2` to stdout, then logs
`METHOD /path STATUS` to stderr for every request, and serves until killed.
The provider's authorize page is at /oauth/authorize; test hooks are under /__emulator/.
",
        version = openconnectors_emulator::VERSION
    )
}

/// The settings: (flag, environment variable).
const SETTINGS: [(&str, &str); 6] = [
    ("--listen", "OC_EMULATOR_LISTEN"),
    ("--user-secret", "OC_EMULATOR_USER_SECRET"),
    ("--organization-secret", "OC_EMULATOR_ORGANIZATION_SECRET"),
    ("--seed", "OC_EMULATOR_SEED"),
    ("--keep-alive-ms", "OC_EMULATOR_KEEP_ALIVE_MS"),
    ("--code-ttl-ms", "OC_EMULATOR_CODE_TTL_MS"),
];

/// The options to run with, or `None` for `--help`. Messages never repeat a value, which might
/// be a secret.
fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Option<Options>, String> {
    let mut values: Vec<(&str, String)> = Vec::new();
    for (flag, variable) in SETTINGS {
        if let Some(value) = env(variable).filter(|v| !v.is_empty()) {
            values.push((flag, value));
        }
    }
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "--help" || arg == "-h" {
            return Ok(None);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_string())),
            None => (arg.as_str(), None),
        };
        let Some((flag, _)) = SETTINGS.iter().find(|(f, _)| *f == flag) else {
            return Err(if arg.starts_with('-') {
                format!("unknown option {flag}")
            } else {
                "unexpected argument (options start with --)".to_string()
            });
        };
        let value = inline
            .or_else(|| args.next().cloned())
            .ok_or_else(|| format!("{flag} needs a value"))?;
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
        match flag {
            "--listen" => options.listen = value.clone(),
            "--user-secret" => options.user_secret = value.clone(),
            "--organization-secret" => options.organization_secret = value.clone(),
            "--seed" => options.seed = Some(number()?),
            "--keep-alive-ms" => options.keep_alive = Duration::from_millis(number()?),
            _ => options.code_ttl = Duration::from_millis(number()?),
        }
    }
    if options.user_secret.is_empty() || options.organization_secret.is_empty() {
        return Err("secrets must not be empty".into());
    }
    if options.listen.to_socket_addrs().is_err() {
        return Err("--listen takes an address such as 127.0.0.1:8080".into());
    }
    Ok(Some(options))
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
    let options = match parsed {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{NAME}: {message}\nTry `{NAME} --help`.");
            return ExitCode::from(2);
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
    loop {
        std::thread::park();
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

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
        let options = parse(&args(&["--seed=9", "--keep-alive-ms", "250"]), env)
            .ok()
            .flatten()
            .expect("valid arguments");
        assert_eq!(options.seed, Some(9));
        assert_eq!(options.user_secret, "from-env");
        assert_eq!(options.keep_alive.as_millis(), 250);
        assert!(options.log);
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
        ] {
            let message = parse(&args(bad), none).expect_err("refused");
            assert!(
                !message.contains("s3cr3t") && !message.contains("nowhere"),
                "{message}"
            );
        }
        assert!(matches!(parse(&args(&["--help"]), none), Ok(None)));
    }
}
