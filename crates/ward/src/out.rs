//! Writing a command's output. A reader that went away (`ward policy explain … | head`) is not
//! an error: the rest of the output is dropped and the command ends with the status it would
//! have had. Rust's `print!` panics there (Ward ignores SIGPIPE, see main.rs), so commands write
//! through here instead.

use std::io::Write;

use anyhow::Context;

/// Write `text` to standard output and flush it. A closed pipe is success; any other failure
/// (a full disk behind a redirection) is an error.
pub fn stdout(text: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_ref()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// A spinner showing `message` on standard error while a command works, when standard error is
/// a terminal; None otherwise, so scripts and logs get no control characters.
pub fn spinner(message: &str) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(std::time::Duration::from_millis(80));
        bar.set_message(message.to_owned());
        bar
    })
}
