//! What travels on a TCP link: the preamble, length-prefixed frames, and the frame values that
//! wrap the protocol's [`Up`] and [`Down`] messages. See `docs/PROTOCOL.md`.

use crate::proto::link::{Down, Up};
use serde::{Deserialize, Serialize};
use std::fmt;

/// First four bytes each side sends: identifies a sig2rtm link.
pub const MAGIC: [u8; 4] = *b"S2RT";

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 2;

/// Bytes of the preamble: [`MAGIC`] then the version, big-endian `u32`.
pub const PREAMBLE_LEN: usize = 8;

/// Bytes of a frame's length prefix (big-endian `u32`).
pub const LENGTH_PREFIX: usize = 4;

/// Default largest frame payload either side accepts (1 MiB; RTM messages are at most 32 KB).
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;

/// Below this many bytes waiting, a writer lets other tasks add to the batch before writing.
pub(crate) const COALESCE_BELOW: usize = 64 * 1024;

/// A link written to less than this long ago counts as busy: its writer coalesces.
pub(crate) const BUSY_WITHIN: std::time::Duration = std::time::Duration::from_micros(100);

/// The preamble for `version`.
pub fn preamble(version: u32) -> [u8; PREAMBLE_LEN] {
    let mut p = [0; PREAMBLE_LEN];
    p[..4].copy_from_slice(&MAGIC);
    p[4..].copy_from_slice(&version.to_be_bytes());
    p
}

/// The version in a preamble, or `None` when the magic is wrong.
pub fn parse_preamble(bytes: &[u8; PREAMBLE_LEN]) -> Option<u32> {
    (bytes[..4] == MAGIC).then(|| u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]))
}

/// The client's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// Free text naming the client software, for the server's logs.
    pub client: String,
}

/// The server's answer to a [`Hello`] it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Welcome {
    /// Free text naming the server software.
    pub server: String,
    /// Largest frame payload the server accepts, in bytes.
    pub max_frame: u32,
}

/// Client → server frames.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ClientFrame {
    /// Opens the link (first frame, exactly once).
    Hello(Hello),
    /// A protocol message toward the system.
    Up(Up),
    /// The client closes the link on purpose (its session ends as on a closed in-process link).
    Bye,
}

/// Server → client frames.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ServerFrame {
    /// The handshake succeeded.
    Welcome(Welcome),
    /// A protocol message from the system.
    Down(Down),
    /// The server closes the link; the last frame it sends.
    Close(Close),
}

/// Why a server closed a link, with a description a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Close {
    /// The reason, for programs.
    pub reason: CloseReason,
    /// The reason, for people.
    pub detail: String,
}

/// Reasons a server closes a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CloseReason {
    /// The preamble was not a sig2rtm one.
    NotSig2rtm,
    /// The client speaks a protocol version the server does not.
    UnsupportedVersion,
    /// The handshake did not finish in time.
    HandshakeTimeout,
    /// A frame could not be decoded, or came out of order (such as a second Hello).
    Malformed,
    /// A frame was larger than the server accepts.
    FrameTooLarge,
    /// The client did not read what the server sent and its write buffer filled up.
    SlowConsumer,
    /// The server is at its connection limit.
    TooManyConnections,
    /// The system ended the link.
    LinkEnded,
    /// The server is shutting down.
    ServerShutdown,
}

impl CloseReason {
    /// A short stable name, as in logs.
    pub fn name(self) -> &'static str {
        match self {
            CloseReason::NotSig2rtm => "not-sig2rtm",
            CloseReason::UnsupportedVersion => "unsupported-version",
            CloseReason::HandshakeTimeout => "handshake-timeout",
            CloseReason::Malformed => "malformed",
            CloseReason::FrameTooLarge => "frame-too-large",
            CloseReason::SlowConsumer => "slow-consumer",
            CloseReason::TooManyConnections => "too-many-connections",
            CloseReason::LinkEnded => "link-ended",
            CloseReason::ServerShutdown => "server-shutdown",
        }
    }
}

impl fmt::Display for Close {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason.name(), self.detail)
    }
}

/// A frame that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The length prefix is over the limit.
    #[error("frame of {len} bytes is over the limit of {max} bytes")]
    TooLarge {
        /// The announced length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A zero-length frame.
    #[error("empty frame")]
    Empty,
    /// The payload is not a valid frame value.
    #[error("undecodable frame: {0}")]
    Undecodable(String),
}

impl FrameError {
    /// The close reason a server gives for this error.
    pub fn close_reason(&self) -> CloseReason {
        match self {
            FrameError::TooLarge { .. } => CloseReason::FrameTooLarge,
            FrameError::Empty | FrameError::Undecodable(_) => CloseReason::Malformed,
        }
    }
}

/// Empties a buffer, giving back the memory a burst left behind, so that thousands of idle
/// connections hold little.
pub(crate) fn release_burst(buf: &mut Vec<u8>) {
    buf.clear();
    if buf.capacity() > 256 * 1024 {
        buf.shrink_to(16 * 1024);
    }
}

/// Appends one frame carrying `value` to `out`. Returns the payload's length.
pub fn encode_frame<T: Serialize>(value: &T, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; LENGTH_PREFIX]);
    // Serialising these plain data types into a Vec cannot fail.
    serde_json::to_writer(&mut *out, value).expect("protocol values always serialise");
    let len = out.len() - start - LENGTH_PREFIX;
    out[start..start + LENGTH_PREFIX].copy_from_slice(&(len as u32).to_be_bytes());
    len
}

/// Reads frames out of a byte buffer as they arrive.
///
/// Bytes are appended with [`FrameReader::buffer`]; [`FrameReader::next_frame`] yields each complete
/// frame. An oversize length is reported as soon as its prefix is in, before its body arrives.
pub struct FrameReader {
    buf: Vec<u8>,
    start: usize,
    max_frame: usize,
}

impl FrameReader {
    /// A reader that refuses frames over `max_frame` bytes.
    pub fn new(max_frame: usize) -> Self {
        FrameReader {
            buf: Vec::new(),
            start: 0,
            max_frame,
        }
    }

    /// The buffer to read more bytes into (append at its end).
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        if self.start > 0 && (self.start == self.buf.len() || self.start > self.buf.len() / 2) {
            self.buf.drain(..self.start);
            self.start = 0;
            if self.buf.is_empty() {
                release_burst(&mut self.buf);
            }
        }
        if self.buf.capacity() - self.buf.len() < 4096 {
            self.buf.reserve(16 * 1024);
        }
        &mut self.buf
    }

    /// Bytes received and not yet taken as frames.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Takes `n` raw bytes (for the preamble), if that many are in.
    pub fn take_raw<const N: usize>(&mut self) -> Option<[u8; N]> {
        let rest = self.buffered();
        if rest.len() < N {
            return None;
        }
        let mut out = [0; N];
        out.copy_from_slice(&rest[..N]);
        self.start += N;
        Some(out)
    }

    /// The next complete frame decoded as `T`; `Ok(None)` when more bytes are needed.
    pub fn next_frame<T: serde::de::DeserializeOwned>(&mut self) -> Result<Option<T>, FrameError> {
        let rest = &self.buf[self.start..];
        if rest.len() < LENGTH_PREFIX {
            return Ok(None);
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len > self.max_frame {
            return Err(FrameError::TooLarge {
                len,
                max: self.max_frame,
            });
        }
        if len == 0 {
            return Err(FrameError::Empty);
        }
        if rest.len() < LENGTH_PREFIX + len {
            return Ok(None);
        }
        let payload = &rest[LENGTH_PREFIX..LENGTH_PREFIX + len];
        let value =
            serde_json::from_slice(payload).map_err(|e| FrameError::Undecodable(e.to_string()))?;
        self.start += LENGTH_PREFIX + len;
        Ok(Some(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::link::{Event, Request};

    #[test]
    fn frames_round_trip_across_split_reads() {
        let mut bytes = Vec::new();
        encode_frame(
            &ClientFrame::Up(Up::Request {
                id: 7,
                body: Request::Join {
                    channel: "lobby".into(),
                },
            }),
            &mut bytes,
        );
        encode_frame(&ClientFrame::Bye, &mut bytes);
        let mut reader = FrameReader::new(DEFAULT_MAX_FRAME);
        let mut got = Vec::new();
        for b in bytes {
            reader.buffer().push(b);
            while let Some(f) = reader.next_frame::<ClientFrame>().unwrap() {
                got.push(f);
            }
        }
        assert!(matches!(
            got.as_slice(),
            [ClientFrame::Up(Up::Request { id: 7, .. }), ClientFrame::Bye]
        ));
    }

    #[test]
    fn oversize_length_is_refused_before_the_body_arrives() {
        let mut reader = FrameReader::new(100);
        reader.buffer().extend_from_slice(&101u32.to_be_bytes());
        assert_eq!(
            reader.next_frame::<ServerFrame>().unwrap_err(),
            FrameError::TooLarge { len: 101, max: 100 }
        );
    }

    #[test]
    fn garbage_and_empty_frames_are_errors() {
        let mut reader = FrameReader::new(100);
        reader
            .buffer()
            .extend_from_slice(&[0, 0, 0, 3, b'x', b'y', b'z']);
        assert!(matches!(
            reader.next_frame::<ServerFrame>(),
            Err(FrameError::Undecodable(_))
        ));
        let mut reader = FrameReader::new(100);
        reader.buffer().extend_from_slice(&[0, 0, 0, 0]);
        assert_eq!(
            reader.next_frame::<ServerFrame>().unwrap_err(),
            FrameError::Empty
        );
    }

    #[test]
    fn preamble_carries_magic_and_version() {
        assert_eq!(parse_preamble(&preamble(1)), Some(1));
        assert_eq!(parse_preamble(&preamble(9)), Some(9));
        assert_eq!(parse_preamble(b"GET / HT"), None);
        let mut out = Vec::new();
        encode_frame(
            &ServerFrame::Down(Down::Event(Event::MemberCount {
                channel: "c".into(),
                count: 2,
            })),
            &mut out,
        );
        assert_eq!(
            &out[4..],
            br#"{"Down":{"Event":{"MemberCount":{"channel":"c","count":2}}}}"#
        );
    }
}
