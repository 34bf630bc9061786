//! Streamed CSV downloads (server only): UTF-8 with a byte-order mark (so Excel reads accents), CRLF lines,
//! every cell defused against formula injection, written 64 KB at a time into a bounded channel that is the
//! response body — memory does not grow with the rows, and a person who goes away stops the producer.
//! Foundation code: it never imports a domain (the exports and the rejected-rows file use it).

use crate::format::{UTF8_BOM, defuse_formula};
use bytes::Bytes;
use futures::Stream;
use tokio::sync::mpsc;

/// Bytes gathered before a chunk is sent.
const CHUNK: usize = 64 * 1024;

/// Why writing stopped early: the person went away (nothing to tell), or the producer failed.
#[derive(Debug)]
pub enum Stopped {
    Gone,
    Failed(String),
}

impl From<sqlx::Error> for Stopped {
    fn from(e: sqlx::Error) -> Stopped {
        Stopped::Failed(e.to_string())
    }
}

/// Where a producer writes its records.
pub struct CsvSink {
    out: csv::Writer<Vec<u8>>,
    sender: mpsc::Sender<Result<Bytes, std::io::Error>>,
}

fn writer(start: Vec<u8>) -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(start)
}

impl CsvSink {
    /// Writes one record (each cell defused), sending a chunk when enough has gathered.
    pub async fn write<I, S>(&mut self, record: I) -> Result<(), Stopped>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.out
            .write_record(record.into_iter().map(|cell| defuse_formula(cell.as_ref()).into_owned()))
            .map_err(|e| Stopped::Failed(e.to_string()))?;
        if self.out.get_ref().len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), Stopped> {
        let full = std::mem::replace(&mut self.out, writer(Vec::with_capacity(CHUNK + 8192)));
        let bytes = full.into_inner().map_err(|e| Stopped::Failed(e.error().to_string()))?;
        self.sender.send(Ok(Bytes::from(bytes))).await.map_err(|_| Stopped::Gone)
    }
}

/// The body of a CSV download: `header`, then what `produce` writes, on a task of its own. `what` names the
/// file in the log if the producer fails (the person's download then ends with an error, never silently short).
pub fn stream<F, Fut>(
    what: &'static str,
    header: Vec<String>,
    produce: F,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static
where
    F: FnOnce(CsvSink) -> Fut + Send + 'static,
    Fut: Future<Output = Result<CsvSink, Stopped>> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        let failed = sender.clone();
        let written = async move {
            let mut sink = CsvSink { out: writer(Vec::from(UTF8_BOM.as_bytes())), sender };
            sink.write(header).await?;
            let mut sink = produce(sink).await?;
            sink.flush().await
        }
        .await;
        if let Err(Stopped::Failed(reason)) = written {
            tracing::error!(%reason, file = what, "a CSV download stopped");
            let _ = failed.send(Err(std::io::Error::other("the file stopped; try again"))).await;
        }
    });
    futures::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    #[tokio::test]
    async fn records_stream_with_a_bom_defused_in_chunks() {
        let body = stream("test", vec!["Name".into(), "Note".into()], |mut sink| async move {
            for i in 0..5_000 {
                sink.write([format!("Person {i}"), "=1+1".to_string()]).await?;
            }
            Ok(sink)
        });
        let chunks: Vec<Bytes> = body.try_collect().await.expect("whole");
        assert!(chunks.len() > 1, "sent in more than one chunk");
        let text = String::from_utf8(chunks.concat()).expect("utf-8");
        assert!(text.starts_with("\u{feff}Name,Note\r\nPerson 0,'=1+1\r\n"), "{}", &text[..40]);
        assert_eq!(text.lines().count(), 5_001);
    }

    #[tokio::test]
    async fn a_failing_producer_ends_the_download_with_an_error() {
        let body = stream("test", vec!["Name".into()], |mut sink| async move {
            sink.write(["one"]).await?;
            Err(Stopped::Failed("the database went away".into()))
        });
        let outcome: Result<Vec<Bytes>, std::io::Error> = body.try_collect().await;
        assert!(outcome.is_err());
    }
}
