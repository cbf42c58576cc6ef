//! What a download shows: ticking bars on a terminal, plain lines elsewhere.

use std::io;
use std::sync::{Arc, Mutex};

use indicatif::TermLike;

use super::*;

/// A terminal that records what is drawn on it.
#[derive(Debug, Clone, Default)]
struct Screen(Arc<Mutex<String>>);

impl TermLike for Screen {
    fn width(&self) -> u16 {
        120
    }
    fn move_cursor_up(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> io::Result<()> {
        Ok(())
    }
    fn write_line(&self, s: &str) -> io::Result<()> {
        let mut screen = self.0.lock().unwrap();
        screen.push_str(s);
        screen.push('\n');
        Ok(())
    }
    fn write_str(&self, s: &str) -> io::Result<()> {
        self.0.lock().unwrap().push_str(s);
        Ok(())
    }
    fn clear_line(&self) -> io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> io::Result<()> {
        Ok(())
    }
}

/// The total's elapsed time moves while one long download runs (it stood
/// at 0s until an artifact finished), and the artifact's bar ends in an
/// ETA.
#[test]
fn the_elapsed_time_ticks_and_each_bar_shows_an_eta() {
    let screen = Screen::default();
    let bars = Bars::drawn_to(ProgressDrawTarget::term_like(Box::new(screen.clone())), 1);
    let bar = bars.item("big 1.0.0", 1 << 30);
    bar.inc(1 << 20);
    std::thread::sleep(Duration::from_millis(1400));
    let text = screen.0.lock().unwrap().clone();
    assert!(text.contains("0/1 artifacts 1s"), "{text}");
    // The artifact's last frame: `… 1.00 MiB/1.00 GiB 2.34 MiB/s 7m`.
    let last = text.rsplit("big 1.0.0").next().unwrap_or_default();
    let words: Vec<&str> = last.split_whitespace().collect();
    let eta = words
        .iter()
        .position(|w| w.ends_with("/s"))
        .and_then(|i| words.get(i + 1))
        .copied()
        .unwrap_or_default();
    let unit = eta.trim_start_matches(|c: char| c.is_ascii_digit());
    assert!(
        eta.len() > unit.len() && ["s", "m", "h", "d"].contains(&unit),
        "no ETA after the rate in `{last}`"
    );
    bars.done(bar);
    bars.finish();
}

#[test]
fn long_downloads_get_plain_lines_when_there_are_no_bars() {
    let big = artifact(LONG_DOWNLOAD as usize + 1);
    let small = artifact(1000);
    let (b, s) = (big.clone(), small.clone());
    let server = TestServer::start(move |_, path| match path {
        "/big" => Reply::Bytes(200, b.clone()),
        _ => Reply::Bytes(200, s.clone()),
    });
    let (_d, cache) = new_cache();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = lines.clone();
    let sink = move |line: &str| seen.lock().unwrap().push(line.to_owned());
    let mut opts: FetchOptions<'_> = quick_options();
    opts.lines = Some(&sink);
    let items = [
        item("big 1.0.0", ArtifactSource::Url(server.url("big")), &big),
        item(
            "small 1.0.0",
            ArtifactSource::Url(server.url("small")),
            &small,
        ),
    ];
    fetch_all(&items, &cache, &opts).unwrap();
    let lines = lines.lock().unwrap().clone();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0], "Downloading big 1.0.0 (1.00 MiB)");
    assert!(
        lines[1].starts_with("Downloaded big 1.0.0 (1.00 MiB in ") && lines[1].ends_with(" s)"),
        "{lines:?}"
    );
}
