//! What a person sees on stderr while a call waits: an indicatif spinner holding the latest
//! progress message when stderr is a terminal, plain lines otherwise (a log or a pipe gets no
//! escape codes). A live-view link is printed whole on a line of its own when it first shows
//! (a spinner's line is cut at the terminal's width).

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use console::Term;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// The progress of one call, on stderr.
pub struct ProgressLine {
    /// The spinner, when stderr is a terminal.
    spinner: Option<ProgressBar>,
    /// The live-view links printed so far.
    links: Mutex<Vec<String>>,
}

/// What precedes a live-view link in a progress message.
const LIVE: &str = "watch live: ";

impl ProgressLine {
    /// A spinner saying `what` on a terminal; on anything else, `what` as a plain line.
    pub fn start(what: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            eprintln!("{what}");
            return Self {
                spinner: None,
                links: Mutex::default(),
            };
        }
        let target = ProgressDrawTarget::term_like(Box::new(Margined(Term::stderr())));
        let spinner = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {wide_msg}") {
            spinner.set_style(style);
        }
        spinner.set_message(what.to_string());
        spinner.enable_steady_tick(Duration::from_millis(120));
        Self {
            spinner: Some(spinner),
            links: Mutex::default(),
        }
    }

    /// Show a progress message (and a live-view link in it, whole, the first time).
    pub fn show(&self, message: &str) {
        if let Some(link) = live_link(message) {
            let mut links = self.links.lock().unwrap_or_else(|e| e.into_inner());
            if !links.iter().any(|l| l == link) {
                links.push(link.to_string());
                self.println(&format!("live view: {link}"));
            }
        }
        match &self.spinner {
            Some(spinner) => spinner.set_message(message.to_string()),
            None => eprintln!("… {message}"),
        }
    }

    /// A line of its own, above the spinner.
    fn println(&self, line: &str) {
        match &self.spinner {
            Some(spinner) => spinner.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// Take the spinner off the screen (the result follows).
    pub fn finish(&self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The live-view link a progress message gives (`…; watch live: https://…)`), if any.
fn live_link(message: &str) -> Option<&str> {
    let at = message.find(LIVE)? + LIVE.len();
    let rest = &message[at..];
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | ',' | ';'))
        .unwrap_or(rest.len());
    let link = &rest[..end];
    link.starts_with("http").then_some(link)
}

/// The terminal, said to be a few columns narrower than it is. indicatif pads its line to the
/// full width, leaving the cursor in the last column; the `^C` a terminal echoes on Ctrl-C
/// would then wrap to a new line, and the spinner could no longer clear itself.
#[derive(Debug)]
struct Margined(Term);

impl TermLike for Margined {
    fn width(&self) -> u16 {
        self.0.size().1.saturating_sub(3).max(1)
    }

    fn height(&self) -> u16 {
        self.0.size().0
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_up(n)
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_down(n)
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_right(n)
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        self.0.move_cursor_left(n)
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        self.0.write_line(s)
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.0.write_str(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        self.0.clear_line()
    }

    fn flush(&self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_live_link_is_found_whole() {
        assert_eq!(
            live_link(
                "agent task 7: started (step 2: Open it; watch live: https://live.example/s-1), \
                 3 s elapsed"
            ),
            Some("https://live.example/s-1")
        );
        assert_eq!(
            live_link("run 1: running; watch live: https://live.example/a?b=c"),
            Some("https://live.example/a?b=c")
        );
        assert_eq!(live_link("run 1: running, 3 s elapsed"), None);
        assert_eq!(live_link("watch live: soon"), None);
    }
}
