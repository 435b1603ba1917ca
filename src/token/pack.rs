//! Little-endian packing and unpacking for the AccessToken "006" binary layout.
//!
//! The layout uses three primitives: `u16` and `u32` stored little-endian, and byte strings
//! stored as a `u16` length followed by the bytes. A privilege map is a `u16` entry count
//! followed by `(u16 key, u32 value)` pairs in ascending key order.

use std::collections::BTreeMap;

/// A byte string or map was too long for its `u16` length or count prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLong {
    /// The length (or entry count) that did not fit.
    pub len: usize,
}

/// The input ended before a complete value could be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnexpectedEnd;

/// Appends `value` as two little-endian bytes.
pub(crate) fn put_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends `value` as four little-endian bytes.
pub(crate) fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a `u16` length prefix and then `bytes`.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Result<(), TooLong> {
    let len = u16::try_from(bytes.len()).map_err(|_| TooLong { len: bytes.len() })?;
    put_u16(out, len);
    out.extend_from_slice(bytes);
    Ok(())
}

/// Appends a `u16` entry count and then every `(key, value)` pair, keys ascending
/// (a `BTreeMap` iterates in that order already).
pub(crate) fn put_u32_map(out: &mut Vec<u8>, map: &BTreeMap<u16, u32>) -> Result<(), TooLong> {
    let count = u16::try_from(map.len()).map_err(|_| TooLong { len: map.len() })?;
    put_u16(out, count);
    for (&key, &value) in map {
        put_u16(out, key);
        put_u32(out, value);
    }
    Ok(())
}

/// Reads packed values from the front of a byte slice. Never panics: every read checks the
/// remaining length first.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader positioned at the start of `input`.
    pub(crate) fn new(input: &'a [u8]) -> Self {
        Reader { rest: input }
    }

    /// How many bytes have not been read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], UnexpectedEnd> {
        if self.rest.len() < n {
            return Err(UnexpectedEnd);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Reads a little-endian `u16`.
    pub(crate) fn u16(&mut self) -> Result<u16, UnexpectedEnd> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// Reads a little-endian `u32`.
    pub(crate) fn u32(&mut self) -> Result<u32, UnexpectedEnd> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a `u16`-length-prefixed byte string.
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], UnexpectedEnd> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    /// Reads a `u16`-counted map of `u16 → u32`. A key that appears twice keeps its last value,
    /// as Agora's own parsers do.
    pub(crate) fn u32_map(&mut self) -> Result<BTreeMap<u16, u32>, UnexpectedEnd> {
        let count = self.u16()?;
        let mut map = BTreeMap::new();
        for _ in 0..count {
            let key = self.u16()?;
            let value = self.u32()?;
            map.insert(key, value);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_little_endian() {
        let mut out = Vec::new();
        put_u16(&mut out, 0x0102);
        put_u32(&mut out, 0x0304_0506);
        assert_eq!(out, [0x02, 0x01, 0x06, 0x05, 0x04, 0x03]);
    }

    #[test]
    fn byte_strings_carry_a_u16_length() {
        let mut out = Vec::new();
        put_bytes(&mut out, b"abc").unwrap();
        assert_eq!(out, [3, 0, b'a', b'b', b'c']);
        let mut r = Reader::new(&out);
        assert_eq!(r.bytes().unwrap(), b"abc");
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn overlong_byte_string_is_refused() {
        let big = vec![0u8; usize::from(u16::MAX) + 1];
        let mut out = Vec::new();
        assert_eq!(put_bytes(&mut out, &big), Err(TooLong { len: big.len() }));
        assert!(out.is_empty());
        assert!(put_bytes(&mut out, &big[1..]).is_ok());
    }

    #[test]
    fn map_is_counted_and_sorted() {
        let mut map = BTreeMap::new();
        map.insert(1000u16, 7u32);
        map.insert(1u16, 9u32);
        let mut out = Vec::new();
        put_u32_map(&mut out, &map).unwrap();
        assert_eq!(out, [2, 0, 1, 0, 9, 0, 0, 0, 0xe8, 0x03, 7, 0, 0, 0]);
        assert_eq!(Reader::new(&out).u32_map().unwrap(), map);
    }

    #[test]
    fn duplicate_map_keys_keep_the_last_value() {
        let input = [2, 0, 5, 0, 1, 0, 0, 0, 5, 0, 2, 0, 0, 0];
        let map = Reader::new(&input).u32_map().unwrap();
        assert_eq!(map.len(), 1);
        assert_eq!(map[&5], 2);
    }

    #[test]
    fn short_input_is_an_error_not_a_panic() {
        assert_eq!(Reader::new(&[1]).u16(), Err(UnexpectedEnd));
        assert_eq!(Reader::new(&[1, 2, 3]).u32(), Err(UnexpectedEnd));
        assert_eq!(Reader::new(&[5, 0, b'a']).bytes(), Err(UnexpectedEnd));
        assert_eq!(Reader::new(&[1, 0, 1, 0]).u32_map(), Err(UnexpectedEnd));
        assert_eq!(Reader::new(&[0xff, 0xff]).u32_map(), Err(UnexpectedEnd));
    }
}
