//! Links between chapters. Authors write `other.md#section` (so links work in any Markdown
//! viewer too); the page gets `other.html#section`. Every link is recorded with its line and
//! column so the render layer can check it against the whole book.

/// A link as written in a chapter, before rewriting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LinkRef {
    pub dest: String,
    /// 1-based line and column (in characters) of the link's `[` in the chapter file.
    pub line: usize,
    pub column: usize,
}

/// `http:`, `mailto:`, `//host/…` and the like point outside the book.
pub fn is_external(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    match dest.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// Split `path#fragment` (the fragment without its `#`).
pub fn split_fragment(dest: &str) -> (&str, Option<&str>) {
    match dest.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (dest, None),
    }
}

/// The destination a page should use: `a/b.md#x` → `a/b.html#x`, and `a/README.md` →
/// `a/index.html` (the page a README chapter becomes, as in mdBook); anything else unchanged.
pub fn rewrite(dest: &str) -> String {
    if is_external(dest) {
        return dest.to_string();
    }
    let (path, fragment) = split_fragment(dest);
    let readme = (path == "README.md" || path.ends_with("/README.md"))
        .then(|| format!("{}index.md", &path[..path.len() - "README.md".len()]));
    let path = readme.as_deref().unwrap_or(path);
    match path.strip_suffix(".md") {
        Some(stem) => match fragment {
            Some(f) => format!("{stem}.html#{f}"),
            None => format!("{stem}.html"),
        },
        None => dest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_chapter_links_only() {
        assert_eq!(rewrite("other.md#why"), "other.html#why");
        assert_eq!(rewrite("../a/b.md"), "../a/b.html");
        assert_eq!(rewrite("../a/README.md#x"), "../a/index.html#x");
        assert_eq!(rewrite("README.md"), "index.html");
        assert_eq!(rewrite("NOTREADME.md"), "NOTREADME.html");
        assert_eq!(rewrite("#local"), "#local");
        assert_eq!(rewrite("figures/x.svg"), "figures/x.svg");
        assert_eq!(rewrite("https://e.org/a.md"), "https://e.org/a.md");
    }

    #[test]
    fn recognises_external_links() {
        for dest in ["https://x.org", "mailto:a@b", "//cdn.org/x"] {
            assert!(is_external(dest), "{dest}");
        }
        for dest in ["a.md", "#x", "a/b.html#c", "中文.md"] {
            assert!(!is_external(dest), "{dest}");
        }
    }
}

/// Decode `%XX` escapes (a link or URL path written percent-encoded). `None` when the result
/// is not UTF-8 or an escape is malformed.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encode what may not appear raw in a URL path (non-ASCII, spaces, quotes…).
pub fn percent_encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod percent_tests {
    use super::*;

    #[test]
    fn decodes_and_encodes_round_trip() {
        assert_eq!(percent_decode("%2e%2E/x").as_deref(), Some("../x"));
        assert_eq!(percent_decode("%E6%A2%AF").as_deref(), Some("梯"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%e6"), None, "not UTF-8");
        assert_eq!(percent_encode_path("a b/梯.html"), "a%20b/%E6%A2%AF.html");
        assert_eq!(
            percent_decode(&percent_encode_path("a b/梯.html")).as_deref(),
            Some("a b/梯.html")
        );
    }
}
