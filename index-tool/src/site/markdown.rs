//! A publisher's readme as HTML that can run nothing (README "A web
//! catalog"): Markdown to HTML with pulldown-cmark, then every tag and
//! attribute outside a small allowlist removed by ammonia. The readme is
//! the publisher's text, so it is treated like any input from them: raw
//! HTML in it is allowed through only as far as the allowlist goes.
//!
//! What the page keeps, and why:
//! - Markdown's own structure: paragraphs, headings (moved two levels
//!   down, under the page's `<h2>Readme</h2>`), lists, quotes, code,
//!   tables, emphasis, rules. No `style`, no `class`, no `id`, no event
//!   attributes, no scripts, frames, forms, objects or embeds.
//! - Links to `http(s)://`, `mailto:` and `#fragment` only, each with
//!   `rel="noopener noreferrer nofollow"`. A readme's other relative links
//!   point into the plugin's repository, which the site does not hold: they
//!   would lead nowhere, so they become plain text.
//! - No images: a remote image is not bound by the signed hash (its host
//!   can change it after publishing) and tells that host who reads the
//!   page. A Markdown image becomes a link to it, its alt text the link
//!   text; an `<img>` tag is dropped.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// Tags a readme may keep (Markdown's output, and a few inline ones
/// publishers write by hand). Headings start at `h3`: see [`shift`].
const TAGS: &[&str] = &[
    "a",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "dl",
    "dt",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Tags removed with everything in them (the rest lose only the tag).
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "template", "iframe", "noscript", "textarea", "select", "object",
];

/// Link relations of every readme link: no access to this page from the
/// one opened, no referrer, and no endorsement for search engines.
pub const LINK_REL: &str = "noopener noreferrer nofollow";

/// `markdown` as sanitized HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = images_as_links(Parser::new_ext(markdown, options).map(shift));
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    sanitizer().clean(&html).to_string()
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.tags(TAGS.iter().copied().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::from(["title"]))
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("ol", HashSet::from(["start"])),
        ]))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        .url_relative(ammonia::UrlRelative::Custom(Box::new(fragment_only)))
        .link_rel(Some(LINK_REL))
        .strip_comments(true);
    b
}

/// A relative URL stays only when it is a fragment of this page: any
/// other (`docs/x.md`, `/x`, `//host/x`) would lead nowhere, or off site
/// unchecked.
fn fragment_only(url: &str) -> Option<Cow<'_, str>> {
    url.starts_with('#').then_some(Cow::Borrowed(url))
}

/// Headings two levels down: the page's own are `h1` (the plugin) and
/// `h2` (its sections), so a readme's `# Title` is an `h3`.
fn shift(event: Event<'_>) -> Event<'_> {
    let down = |level: HeadingLevel| match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    };
    match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: down(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(down(level))),
        other => other,
    }
}

/// Every image as a link to it, its alt text the link's text (`image`
/// when it has none).
fn images_as_links<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut out: Vec<Event<'a>> = Vec::new();
    for event in events {
        match event {
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => out.push(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })),
            Event::End(TagEnd::Image) => {
                if matches!(out.last(), Some(Event::Start(Tag::Link { .. }))) {
                    out.push(Event::Text(CowStr::Borrowed("image")));
                }
                out.push(Event::End(TagEnd::Link));
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tags of `html` (`<...>`), text left out: a publisher's text may
    /// say `onerror` or `javascript:`, escaped, as long as no tag does.
    fn tags(html: &str) -> Vec<&str> {
        html.split('<')
            .skip(1)
            .map(|t| &t[..t.find('>').expect("a closed tag")])
            .collect()
    }

    /// The HTML of `markdown`, asserted free of anything that runs.
    fn inert(markdown: &str) -> String {
        let html = to_safe_html(markdown);
        for tag in tags(&html) {
            let lower = tag.to_ascii_lowercase();
            for bad in [
                "script",
                "javascript:",
                "iframe",
                "img",
                "form",
                "input",
                "style",
                " on",
                "object",
                "embed",
                "srcdoc",
                "data:",
                "button",
            ] {
                assert!(!lower.contains(bad), "`{bad}` survived in <{tag}>:\n{html}");
            }
        }
        html
    }

    #[test]
    fn markdown_structure_renders() {
        let html = inert(
            "# Hello\n\nSome *text* and `code`.\n\n## Use\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert_eq!(
            html,
            "<h3>Hello</h3>\n<p>Some <em>text</em> and <code>code</code>.</p>\n<h4>Use</h4>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<pre><code>fn main() {}\n</code></pre>\n<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td>2</td></tr>\n</tbody></table>\n"
        );
    }

    #[test]
    fn scripts_are_removed_with_their_content() {
        let html = inert("Hi <script>alert(1)</script> there\n\n<script>\nalert(2)\n</script>\n");
        assert!(!html.contains("alert"), "{html}");
        assert!(html.contains("Hi  there"), "{html}");
    }

    #[test]
    fn event_attributes_and_images_are_dropped() {
        let html = inert(
            "<img src=x onerror=alert(1)>\n\n<p onmouseover=\"alert(1)\" style=\"color:red\">text</p>\n",
        );
        assert!(html.contains("<p>text</p>"), "{html}");
    }

    #[test]
    fn javascript_links_lose_their_href_whatever_their_case_or_encoding() {
        for md in [
            "[x](javascript:alert(1))",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\"java\tscript:alert(1)\">x</a>",
            "[x](data:text/html,<script>alert(1)</script>)",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
        ] {
            let html = inert(md);
            assert!(!html.contains("href"), "{md} → {html}");
            assert!(html.contains('x'), "the text stays: {html}");
        }
    }

    #[test]
    fn attribute_injection_stays_text() {
        let html = inert(concat!(
            "[x](<https://example.com/\" onmouseover=\"alert(1)>)\n\n",
            "[y](https://example.com/\" onmouseover=\"alert(1))\n\n",
            "<a href='https://a.example/' \" onmouseover=\"alert(1)\">z</a>\n",
        ));
        let links: Vec<&str> = tags(&html)
            .into_iter()
            .filter(|t| t.starts_with("a "))
            .collect();
        assert_eq!(
            links,
            [
                "a href=\"https://example.com/%22%20onmouseover=%22alert(1)\" rel=\"noopener noreferrer nofollow\"",
            ],
            "{html}"
        );
    }

    #[test]
    fn frames_forms_and_styles_go() {
        let html = inert(
            "<iframe src=\"https://evil.example\">fallback</iframe>\n\n<form action=\"https://evil.example\"><input name=a><button>Go</button></form>\n\n<style>body{display:none}</style>\n\n<object data=\"x.swf\"></object><embed src=\"x.swf\">\n",
        );
        assert!(!html.contains("fallback"), "{html}");
        assert!(!html.contains("display"), "{html}");
    }

    #[test]
    fn links_keep_http_mailto_and_fragments_with_a_safe_rel() {
        let html = inert(
            "[site](https://example.com/a?b=1) [mail](mailto:a@example.com) [top](#usage) [doc](docs/guide.md) [root](/x) [proto](//evil.example/x)\n",
        );
        assert_eq!(
            html,
            "<p><a href=\"https://example.com/a?b=1\" rel=\"noopener noreferrer nofollow\">site</a> <a href=\"mailto:a@example.com\" rel=\"noopener noreferrer nofollow\">mail</a> <a href=\"#usage\" rel=\"noopener noreferrer nofollow\">top</a> <a rel=\"noopener noreferrer nofollow\">doc</a> <a rel=\"noopener noreferrer nofollow\">root</a> <a rel=\"noopener noreferrer nofollow\">proto</a></p>\n"
        );
    }

    #[test]
    fn a_markdown_image_becomes_a_link_to_it() {
        let html =
            inert("![a diagram](https://example.com/d.png) ![](https://example.com/e.png)\n");
        assert_eq!(
            html,
            "<p><a href=\"https://example.com/d.png\" rel=\"noopener noreferrer nofollow\">a diagram</a> <a href=\"https://example.com/e.png\" rel=\"noopener noreferrer nofollow\">image</a></p>\n"
        );
    }

    #[test]
    fn raw_headings_cannot_outrank_the_page() {
        let html = inert("<h1>Big</h1>\n\n# Title\n");
        assert!(!html.contains("<h1"), "{html}");
        assert!(html.contains("<h3>Title</h3>"), "{html}");
    }

    #[test]
    fn the_same_readme_gives_the_same_bytes() {
        let md = "# T\n\n[a](https://a.example \"t\") <b title=x onclick=y>b</b>\n";
        assert_eq!(to_safe_html(md), to_safe_html(md));
    }
}
