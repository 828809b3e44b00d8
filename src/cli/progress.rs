//! What a person sees on stderr while a call waits: an indicatif spinner holding the latest
//! progress message when stderr is a terminal, plain lines otherwise (a log or a pipe gets no
//! escape codes).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The progress of one call, on stderr.
pub struct ProgressLine {
    /// The spinner, when stderr is a terminal.
    spinner: Option<ProgressBar>,
}

impl ProgressLine {
    /// A spinner saying `what` on a terminal; on anything else, `what` as a plain line.
    pub fn start(what: &str) -> Self {
        if !std::io::stderr().is_terminal() {
            eprintln!("{what}");
            return Self { spinner: None };
        }
        let spinner = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {wide_msg}") {
            spinner.set_style(style);
        }
        spinner.set_message(what.to_string());
        spinner.enable_steady_tick(Duration::from_millis(120));
        Self {
            spinner: Some(spinner),
        }
    }

    /// Show a progress message.
    pub fn show(&self, message: &str) {
        match &self.spinner {
            Some(spinner) => spinner.set_message(message.to_string()),
            None => eprintln!("… {message}"),
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
