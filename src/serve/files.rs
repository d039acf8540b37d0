//! Which file a request may read: only files under the site directory. The URL path is
//! percent-decoded once, and any `..` segment, backslash or NUL refuses the request outright
//! (so `/../Cargo.toml` and `/%2e%2e/Cargo.toml` are both 404); symlinks that lead out of the
//! site are refused too.

use std::path::{Path, PathBuf};

use crate::markdown::percent_decode;

/// The file `url` names under `site` (`dir/` → `dir/index.html`), or `None`.
pub fn resolve(site: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path)?;
    if decoded.contains(['\\', '\0']) {
        return None;
    }
    let mut file = site.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            // A drive prefix or similar would replace the whole path when joined.
            s if Path::new(s).has_root() || s.contains(':') => return None,
            s => file.push(s),
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let site = site.canonicalize().ok()?;
    let file = file.canonicalize().ok()?;
    (file.starts_with(&site) && file.is_file()).then_some(file)
}

/// The `Content-Type` of a site file.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "csv" => "text/csv; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml",
        "txt" | "md" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_only_files_inside_the_site() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("book");
        std::fs::create_dir_all(site.join("part")).unwrap();
        std::fs::write(site.join("index.html"), "i").unwrap();
        std::fs::write(site.join("part/中文.html"), "c").unwrap();
        std::fs::write(tmp.path().join("secret.toml"), "s").unwrap();

        let ok = |url: &str| {
            resolve(&site, url).map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        };
        assert_eq!(ok("/").as_deref(), Some("index.html"));
        assert_eq!(ok("/index.html?x=1#top").as_deref(), Some("index.html"));
        assert_eq!(
            ok("/part/%E4%B8%AD%E6%96%87.html").as_deref(),
            Some("中文.html")
        );
        for bad in [
            "/../secret.toml",
            "/%2e%2e/secret.toml",
            "/%2E%2E%2Fsecret.toml",
            "/part/../../secret.toml",
            "/..%5csecret.toml",
            "/%00",
            "/missing.html",
            "/%zz",
        ] {
            assert_eq!(ok(bad), None, "{bad}");
        }
    }
}
