//! The signals that would stop `steps exec`, caught so that the token
//! is deleted, and passed on to the command.
//!
//! Ctrl-C and Ctrl-\ reach the whole foreground process group, the
//! command included: passing them on would interrupt the command's own
//! clean-up. A SIGINT or SIGQUIT is therefore kept from the command
//! only when it came from the terminal: `si_code` says so (SI_KERNEL;
//! kill(2) and sigqueue(3) give SI_USER and SI_QUEUE), read by
//! signal-hook (tokio's signals do not give it, and the workspace
//! denies unsafe code), and `steps` is in its terminal's foreground
//! group. Where the system gives no `si_code` (not Linux), it is only
//! the latter, as before: a kill(2) SIGINT to a `steps` in the
//! foreground is then not passed on.

use std::io::IsTerminal;
use std::os::fd::AsFd;

use rustix::process::{kill_process, Pid, Signal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::{Cause, Sent};
use tokio::sync::mpsc;

use crate::error::CliError;

/// A signal caught, and whether it may have come from the terminal.
#[derive(Clone, Copy)]
pub(super) struct Caught {
    pub(super) signal: Signal,
    from_terminal: bool,
}

/// SIGINT, SIGTERM, SIGHUP and SIGQUIT, caught from [`Signals::install`]
/// on (by a thread of their own, which lives as long as `steps`).
pub(super) struct Signals {
    caught: mpsc::UnboundedReceiver<Caught>,
}

impl Signals {
    /// Catches the signals: from now on they no longer stop `steps`.
    pub(super) fn install() -> Result<Signals, CliError> {
        let mut signals = SignalsInfo::<WithOrigin>::new([SIGINT, SIGTERM, SIGHUP, SIGQUIT])
            .map_err(|e| CliError::local(format!("cannot handle signals: {e}")))?;
        let (sender, caught) = mpsc::unbounded_channel();
        std::thread::Builder::new()
            .name("steps-signals".to_owned())
            .spawn(move || {
                for origin in signals.forever() {
                    let from_terminal =
                        !matches!(origin.cause, Cause::Sent(Sent::User | Sent::Queue | Sent::TKill));
                    let signal = Signal::from_named_raw(origin.signal).unwrap_or(Signal::TERM);
                    let _ = sender.send(Caught {
                        signal,
                        from_terminal,
                    });
                }
            })
            .map_err(|e| CliError::local(format!("cannot handle signals: {e}")))?;
        Ok(Signals { caught })
    }

    /// The next signal caught.
    pub(super) async fn recv(&mut self) -> Caught {
        match self.caught.recv().await {
            Some(caught) => caught,
            // The thread never ends while it can catch a signal.
            None => std::future::pending().await,
        }
    }

    /// A signal caught and not yet received, if any.
    pub(super) fn pending(&mut self) -> Option<Caught> {
        self.caught.try_recv().ok()
    }
}

/// The signal's number.
pub(super) fn number(caught: Caught) -> u8 {
    u8::try_from(caught.signal.as_raw()).unwrap_or(0)
}

/// Passes the signal on to the command, unless the terminal has
/// already sent it there (see the module's docs).
pub(super) fn forward(child: &tokio::process::Child, caught: Caught) {
    if matches!(caught.signal, Signal::INT | Signal::QUIT)
        && caught.from_terminal
        && terminal_sends_to_our_group()
    {
        return;
    }
    // None once the command has been reaped: its id may be reused.
    let Some(pid) = child.id().and_then(|id| Pid::from_raw(id as i32)) else {
        return;
    };
    let _ = kill_process(pid, caught.signal);
}

/// Whether `steps` (and so the command, which shares its process
/// group) is in the foreground of a terminal on stdin, stdout or
/// stderr, where the terminal's own signals reach both.
fn terminal_sends_to_our_group() -> bool {
    let ours = rustix::process::getpgrp();
    let foreground =
        |fd: std::os::fd::BorrowedFd<'_>| rustix::termios::tcgetpgrp(fd).is_ok_and(|group| group == ours);
    (std::io::stdin().is_terminal() && foreground(std::io::stdin().as_fd()))
        || (std::io::stderr().is_terminal() && foreground(std::io::stderr().as_fd()))
        || (std::io::stdout().is_terminal() && foreground(std::io::stdout().as_fd()))
}
