//! Live reload while serving: the server injects a small script into every HTML page it
//! serves (never into the built files). The script polls `/__gradbook/status` every 50 ms (a
//! few bytes from localhost; the page then shows a saved change within 50 ms of
//! its rebuild); a new build version reloads the page, a failed build shows its error over
//! the page.

use std::sync::Mutex;

use crate::locale::{Language, Words};

/// The status URL the injected script polls.
pub const STATUS_PATH: &str = "/__gradbook/status";

/// What the open pages need to know about the last build.
#[derive(Debug, Default)]
pub struct LiveStatus {
    /// Bumped by every successful build.
    pub version: u64,
    /// The diagnostics of the last build if it failed; cleared by the next success.
    pub error: Option<String>,
    /// The language of the last good build, for the server's own words.
    pub language: Language,
}

pub type SharedStatus = Mutex<LiveStatus>;

pub fn status_json(status: &LiveStatus) -> String {
    serde_json::json!({ "version": status.version, "error": status.error }).to_string()
}

const SCRIPT: &str = r#"<script>
/* gradbook serve: reload on rebuild, show build errors. Not part of the built site. */
(function () {
  var version = __VERSION__, box = null;
  function show(error) {
    if (!error) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "gradbook-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:99;margin:0;" +
        "padding:1rem 1.2rem;background:#2b0d0d;color:#ffe3e0;border-top:4px solid #ff6b5e;font:14px/1.5 ui-monospace,monospace;white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = __BUILD_FAILED__ + "\n\n" + error;
  }
  function poll() {
    fetch("__STATUS__", { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (s.version !== version) { location.reload(); return; }
      show(s.error);
      setTimeout(poll, 50);
    }, function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
"#;

/// `html` with the live-reload script before `</body>` (or at the end).
pub fn inject(html: &str, version: u64, words: &Words) -> String {
    let build_failed =
        serde_json::to_string(&words.serve.build_failed).expect("a string serialises");
    let script = SCRIPT
        .replace("__VERSION__", &version.to_string())
        .replace("__STATUS__", STATUS_PATH)
        .replace("__BUILD_FAILED__", &build_failed);
    match html.rfind("</body>") {
        Some(at) => format!("{}{script}{}", &html[..at], &html[at..]),
        None => format!("{html}{script}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injects_before_body_end_with_the_version() {
        let html = inject("<body><p>x</p></body></html>", 7, Language::En.words());
        assert!(html.contains(
            "\"The build failed; this is still the last good version:\" + \"\\n\\n\" + error"
        ));
        assert!(html.contains("var version = 7,"));
        assert!(html.find("<script>").unwrap() < html.find("</body>").unwrap());
        assert!(html.ends_with("</body></html>"));
    }
}
