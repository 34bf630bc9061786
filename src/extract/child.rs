//! Both ends of the extraction child process: `run_child` is `gwm-crm extract-text KIND` (the file on
//! stdin, one JSON `Outcome` on stdout), and `Extractor` starts it from the worker with limits.

use super::{ExtractError, Extracted, MAX_PARSED_FILE, extract};
use app::storage::kinds::FileKind;
use serde::{Deserialize, Serialize};
use std::{io::Read, path::PathBuf, process::Stdio, time::Duration};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What the child reports.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Text(Extracted),
    NoText,
    Unreadable(String),
}

/// The child's side: reads the file from stdin and prints its outcome. Exit status 0 whatever the file
/// held; anything else (a panic, a signal) tells the worker the parser itself failed.
pub fn run_child(kind: &str) -> std::process::ExitCode {
    let Some(kind) = FileKind::of_extension(kind) else {
        eprintln!("extract-text: unknown file kind {kind:?}");
        return std::process::ExitCode::from(2);
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().take(MAX_PARSED_FILE + 1).read_to_end(&mut bytes) {
        eprintln!("extract-text: reading stdin failed: {e}");
        return std::process::ExitCode::from(2);
    }
    let outcome = match extract(kind, &bytes) {
        Ok(extracted) => Outcome::Text(extracted),
        Err(ExtractError::NoText) => Outcome::NoText,
        Err(e) => Outcome::Unreadable(e.to_string()),
    };
    match serde_json::to_writer(std::io::stdout().lock(), &outcome) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("extract-text: writing the result failed: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Starts extraction children: this program (or `GWM_EXTRACTOR`) with a deadline and an address-space cap.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub program: PathBuf,
    pub timeout: Duration,
    pub memory_limit_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    #[error("could not start the extractor {program}: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("the extractor took longer than {0:?}")]
    Timeout(Duration),
    #[error("the extractor failed ({0})")]
    Crashed(String),
    #[error("reading the file from storage failed: {0}")]
    Storage(String),
}

impl Extractor {
    /// Runs one child over `bytes` (a stream of the stored file, already cut to what should be read).
    pub async fn run(&self, kind: FileKind, mut bytes: app::storage::ByteStream) -> Result<Outcome, ChildError> {
        use futures::StreamExt;
        let mut command = tokio::process::Command::new(&self.program);
        command
            .arg("extract-text")
            .arg(kind.as_str())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.kill_on_drop(true).env_clear();
        let limit = self.memory_limit_bytes;
        // SAFETY: between fork and exec only setrlimit runs, which is async-signal-safe.
        #[allow(unsafe_code)]
        unsafe {
            command.pre_exec(move || {
                let cap = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                if libc::setrlimit(libc::RLIMIT_AS, &cap) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command
            .spawn()
            .map_err(|source| ChildError::Spawn { program: self.program.display().to_string(), source })?;
        let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(ChildError::Crashed("its pipes could not be opened".into()));
        };
        let work = async {
            let feed = async {
                while let Some(chunk) = bytes.next().await {
                    let chunk = chunk.map_err(|e| ChildError::Storage(e.to_string()))?;
                    // A child that stops reading early (it had enough, or died) is judged by its exit below.
                    if stdin.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
                drop(stdin);
                Ok::<_, ChildError>(())
            };
            let mut output = Vec::new();
            let mut errors = Vec::new();
            let read = async {
                let _ = (&mut stdout).take(4 * super::MAX_TEXT_BYTES as u64).read_to_end(&mut output).await;
                let _ = (&mut stderr).take(4096).read_to_end(&mut errors).await;
            };
            let (fed, ()) = tokio::join!(feed, read);
            fed?;
            let status = child.wait().await.map_err(|e| ChildError::Crashed(e.to_string()))?;
            if !status.success() {
                let said = String::from_utf8_lossy(&errors);
                let said =
                    said.lines().find(|l| l.contains("panicked") || l.contains("extract-text")).unwrap_or("").trim();
                return Err(ChildError::Crashed(format!("{status}{}{said}", if said.is_empty() { "" } else { ": " })));
            }
            serde_json::from_slice(&output).map_err(|e| ChildError::Crashed(format!("unreadable result: {e}")))
        };
        tokio::time::timeout(self.timeout, work).await.map_err(|_| ChildError::Timeout(self.timeout))?
    }
}
