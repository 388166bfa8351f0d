//! Transport settings over real sockets: the proxy (used for remote hosts, never for loopback)
//! and extra trust roots (a TLS server on loopback with a certificate of a private CA).

use openconnectors::{oc_status, Client, Config, InstanceId, Secret};
use openconnectors_emulator::{Emulator, Options};
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};

/// The results as `Value`s, for indexing in assertions.
trait Doc {
    fn doc(self) -> openconnectors::Result<Value>;
}

impl Doc for openconnectors::Result<openconnectors::Json> {
    fn doc(self) -> openconnectors::Result<Value> {
        self.map(|j| j.value())
    }
}
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn secrets(config: Config) -> Config {
    Config {
        user_secret: Some(Secret::new("transport-user")),
        organization_secret: Some(Secret::new("transport-org")),
        ..config
    }
}

#[test]
fn remote_hosts_go_through_the_configured_proxy() {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = proxy.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut read_head = || {
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    return lines;
                }
                lines.push(line.trim_end().to_owned());
            }
        };
        // ureq tunnels through http proxies with CONNECT, then sends the request inside.
        let connect = read_head();
        writer
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
        let request = read_head();
        let body = r#"{"id": 7, "via": "proxy"}"#;
        write!(
            writer,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        (connect, request)
    });
    let client = Client::new(secrets(Config {
        base_url: "http://api.example.invalid/elements/api-v2".into(),
        allow_insecure_http: true,
        proxy: Some(Secret::new(format!("http://127.0.0.1:{port}"))),
        ..Config::default()
    }))
    .unwrap();
    let answer = client
        .get_instance(InstanceId::new(7).unwrap())
        .doc()
        .expect("answered through the proxy");
    assert_eq!(answer["via"], "proxy");
    let (connect, request) = server.join().unwrap();
    assert_eq!(connect[0], "CONNECT api.example.invalid:80 HTTP/1.1");
    assert_eq!(request[0], "GET /elements/api-v2/instances/7 HTTP/1.1");
}

#[test]
fn loopback_never_goes_through_a_proxy() {
    let emu = Emulator::start(Options {
        user_secret: "transport-user".into(),
        organization_secret: "transport-org".into(),
        ..Options::default()
    })
    .unwrap();
    let client = Client::new(secrets(Config {
        base_url: emu.base_url(),
        proxy: Some(Secret::new("http://127.0.0.1:1")),
        ..Config::default()
    }))
    .unwrap();
    let e = client
        .get_instance(InstanceId::new(1).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(
        (e.status, e.http_status),
        (oc_status::OC_ERR_API, Some(404)),
        "the emulator answered directly"
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed (scripts/setup installs it)");
    assert!(status.success(), "openssl {args:?}");
}

/// A private CA, a certificate for localhost signed by it, and `openssl s_server` serving it.
fn tls_server(dir: &Path) -> (Child, u16) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=openconnectors test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("leaf.ext"),
        "basicConstraints=critical,CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n\
         extendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "leaf.pem",
        ],
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("openssl")
        .args([
            "s_server",
            "-quiet",
            "-www",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            "leaf.pem",
            "-key",
            "leaf.key",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s_server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, port)
}

#[test]
fn extra_trust_roots_are_added_to_the_builtin_ones() {
    let dir = std::env::temp_dir().join(format!("oc-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut server, port) = tls_server(&dir);
    let base_url = format!("https://localhost:{port}/elements/api-v2");

    let untrusting = Client::new(secrets(Config {
        base_url: base_url.clone(),
        ..Config::default()
    }))
    .unwrap();
    let e = untrusting
        .get_instance(InstanceId::new(1).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_TRANSPORT, "{e}");
    assert!(e.message.contains("TLS"), "{e}");

    let trusting = Client::new(secrets(Config {
        base_url,
        ca_certificates_pem_file: Some(dir.join("ca.pem")),
        ..Config::default()
    }))
    .unwrap();
    // s_server -www answers 200 with an HTML page: the handshake worked, the body is not JSON.
    let e = trusting
        .get_instance(InstanceId::new(1).unwrap())
        .doc()
        .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_DECODE, "{e}");

    let e = Client::new(secrets(Config {
        ca_certificates_pem_file: Some(dir.join("leaf.csr")),
        ..Config::default()
    }))
    .unwrap_err();
    assert_eq!(e.invalid[0].pointer, "/caCertificatesPemFile");
    let e = Client::new(secrets(Config {
        ca_certificates_pem_file: Some(dir.join("missing.pem")),
        ..Config::default()
    }))
    .unwrap_err();
    assert_eq!(e.status, oc_status::OC_ERR_VALIDATION);

    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
