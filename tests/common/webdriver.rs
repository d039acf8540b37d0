//! Just enough of the W3C WebDriver protocol to drive headless Chromium through chromedriver:
//! open a page, find elements, type, click, run a script, take a screenshot. `Browser::start`
//! returns `None`, printing why, only when chromedriver or Chromium is not installed.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http;

const CHROMEDRIVERS: [&str; 3] = [
    "/usr/bin/chromedriver",
    "/usr/lib/chromium/chromedriver",
    "/usr/local/bin/chromedriver",
];
const CHROMIUMS: [&str; 4] = [
    "/usr/lib/chromium/chromium",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
];

pub struct Browser {
    driver: Child,
    addr: SocketAddr,
    session: String,
    _profile: tempfile::TempDir,
}

fn find(candidates: &[&str], name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| candidates.iter().map(PathBuf::from).find(|p| p.is_file()))
}

/// Where browser tests save their screenshots (`target/tmp/screenshots`), for a reader to look at.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    /// A fresh headless Chromium with its own profile and a `width`×`height` window.
    pub fn start(width: u32, height: u32) -> Option<Browser> {
        let Some(driver_path) = find(&CHROMEDRIVERS, "chromedriver") else {
            eprintln!(
                "SKIPPED: chromedriver not found (apt-get install chromium chromium-driver fonts-noto-cjk)"
            );
            return None;
        };
        let Some(chromium) = CHROMIUMS.iter().map(Path::new).find(|p| p.is_file()) else {
            eprintln!(
                "SKIPPED: chromium not found (apt-get install chromium chromium-driver fonts-noto-cjk)"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let driver = Command::new(driver_path)
            .arg(format!("--port={port}")) // no --allowed-ips: loopback only
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut browser = Browser {
            driver,
            addr,
            session: String::new(),
            _profile: profile,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while http::get(addr, "/status").is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--hide-scrollbars".into(),
            format!("--user-data-dir={}", browser._profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let mut options = json!({"binary": chromium, "args": args});
        if width < 500 {
            // Chromium's windows are at least 500 px wide; a phone-sized viewport needs
            // device emulation.
            options["mobileEmulation"] =
                json!({"deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}});
        }
        let created = browser.call(
            "POST",
            "/session",
            json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": options
            }}}),
        );
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_string();
        Some(browser)
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let body = (method == "POST").then(|| body.to_string());
        let response = http::request(self.addr, method, path, body.as_deref())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let value: Value = serde_json::from_slice(&response.body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}: {}", response.text()));
        assert!(
            response.status == 200,
            "{method} {path}: HTTP {}: {value}",
            response.status
        );
        value["value"].clone()
    }

    fn session_call(&self, method: &str, path: &str, body: Value) -> Value {
        self.call(method, &format!("/session/{}{path}", self.session), body)
    }

    pub fn goto(&self, url: &str) {
        self.session_call("POST", "/url", json!({ "url": url }));
    }

    pub fn refresh(&self) {
        self.session_call("POST", "/refresh", json!({}));
    }

    pub fn url(&self) -> String {
        self.session_call("GET", "/url", Value::Null)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The element matching a CSS selector (panics when there is none).
    pub fn find(&self, css: &str) -> String {
        let found = self.session_call(
            "POST",
            "/element",
            json!({"using": "css selector", "value": css}),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element {css}"))
            .to_string()
    }

    pub fn click(&self, element: &str) {
        self.session_call("POST", &format!("/element/{element}/click"), json!({}));
    }

    /// Type into an element; WebDriver key codes such as "\u{E014}" (→) work too.
    pub fn type_into(&self, element: &str, text: &str) {
        self.session_call(
            "POST",
            &format!("/element/{element}/value"),
            json!({ "text": text }),
        );
    }

    pub fn is_displayed(&self, element: &str) -> bool {
        self.session_call("GET", &format!("/element/{element}/displayed"), Value::Null)
            .as_bool()
            .unwrap_or(false)
    }

    /// Run `script` (a function body; `return` gives the result) in the page.
    pub fn eval(&self, script: &str) -> Value {
        self.session_call(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
    }

    /// Wait up to `timeout` for `script` to return true.
    pub fn wait_for(&self, script: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.eval(script) == Value::Bool(true) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn screenshot(&self, path: &Path) {
        use base64_png::decode;
        let data = self.session_call("GET", "/screenshot", Value::Null);
        std::fs::write(path, decode(data.as_str().unwrap_or_default())).expect("write screenshot");
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = http::request(
                self.addr,
                "DELETE",
                &format!("/session/{}", self.session),
                None,
            );
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Screenshots arrive base64-encoded; a dozen lines beat a dependency.
mod base64_png {
    pub fn decode(text: &str) -> Vec<u8> {
        let value = |c: u8| -> Option<u32> {
            Some(match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                _ => return None,
            } as u32)
        };
        let digits: Vec<u32> = text.bytes().filter_map(value).collect();
        let mut out = Vec::with_capacity(digits.len() * 3 / 4);
        for chunk in digits.chunks(4) {
            let mut n = 0u32;
            for (i, d) in chunk.iter().enumerate() {
                n |= d << (18 - 6 * i);
            }
            for i in 0..chunk.len().saturating_sub(1) {
                out.push((n >> (16 - 8 * i)) as u8);
            }
        }
        out
    }
}
