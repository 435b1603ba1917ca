//! Strings at the boundary: reading `(pointer, size)` arguments safely, and handing
//! NUL-terminated, sized strings to callbacks.

use std::ffi::c_char;

/// Why a string argument was refused; the text becomes the `desc` of `onError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadArg(pub String);

/// Reads the string argument `name` given as `(ptr, size)`.
///
/// NULL with size 0 is `""`. NULL with a non-zero size, a NUL byte within `size` (the scan
/// stops there, so a size larger than a NUL-terminated string never reads past its
/// terminator) and bytes that are not UTF-8 are refused with a description that names the
/// parameter.
///
/// # Safety
///
/// Unless `ptr` is NULL, it must be readable up to `size` bytes or up to and including its
/// first NUL byte, whichever comes first, and stay unchanged for `'a`.
pub(crate) unsafe fn arg<'a>(
    name: &str,
    ptr: *const c_char,
    size: usize,
) -> Result<&'a str, BadArg> {
    if ptr.is_null() {
        if size == 0 {
            return Ok("");
        }
        return Err(BadArg(format!(
            "{name} is NULL but {name}_size is {size}; pass NULL only with size 0"
        )));
    }
    let bytes = ptr.cast::<u8>();
    let mut len = 0usize;
    while len < size {
        // SAFETY: `len < size` and no NUL was seen before `len`, so by the caller's contract
        // the byte at `len` is readable.
        if unsafe { *bytes.add(len) } == 0 {
            return Err(BadArg(format!(
                "{name}_size is {size} but {name} ends with a NUL byte at offset {len}; \
                 pass the length of the string without its terminator"
            )));
        }
        len += 1;
    }
    // SAFETY: the `len` bytes at `bytes` were just read one by one (all readable, none NUL),
    // and the caller keeps them unchanged for `'a`.
    let slice = unsafe { std::slice::from_raw_parts(bytes, len) };
    std::str::from_utf8(slice).map_err(|e| {
        let at = e.valid_up_to();
        BadArg(format!(
            "{name} is not valid UTF-8 (byte 0x{:02x} at offset {at}); strings must be UTF-8",
            slice[at]
        ))
    })
}

/// A string handed to a callback: the bytes of a `&str` followed by a NUL, so legacy programs
/// can print it directly as well as use its size.
pub(crate) struct CText(Vec<u8>);

impl CText {
    pub fn new(s: &str) -> CText {
        let mut v = Vec::with_capacity(s.len() + 1);
        v.extend_from_slice(s.as_bytes());
        v.push(0);
        CText(v)
    }

    /// The NUL-terminated bytes, valid while `self` lives.
    pub fn ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }

    /// The string's size in bytes, without the NUL.
    pub fn len(&self) -> usize {
        self.0.len() - 1
    }

    /// Mutable pointer for `char**` arrays (the legacy `onChannelUserList` signature).
    pub fn ptr_mut(&mut self) -> *mut c_char {
        self.0.as_mut_ptr().cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(p: *const c_char, n: usize) -> Result<&'static str, BadArg> {
        // SAFETY: the tests pass static NUL-terminated data or NULL.
        unsafe { arg("channelID", p, n) }
    }

    #[test]
    fn null_with_zero_size_is_empty() {
        assert_eq!(read(std::ptr::null(), 0), Ok(""));
    }

    #[test]
    fn null_with_a_size_is_refused() {
        let e = read(std::ptr::null(), 4).unwrap_err();
        assert!(
            e.0.contains("channelID is NULL but channelID_size is 4"),
            "{}",
            e.0
        );
    }

    #[test]
    fn sizes_shorter_than_the_string_take_a_prefix() {
        assert_eq!(read(c"lobby".as_ptr(), 3), Ok("lob"));
    }

    #[test]
    fn sizes_past_the_terminator_stop_at_the_nul() {
        let e = read(c"lobby".as_ptr(), 1000).unwrap_err();
        assert!(e.0.contains("NUL byte at offset 5"), "{}", e.0);
    }

    #[test]
    fn invalid_utf8_is_refused() {
        let e = read(c"ab\xffcd".as_ptr(), 5).unwrap_err();
        assert!(
            e.0.contains("not valid UTF-8 (byte 0xff at offset 2)"),
            "{}",
            e.0
        );
    }

    #[test]
    fn ctext_is_nul_terminated_and_sized() {
        let t = CText::new("héllo");
        assert_eq!(t.len(), 6);
        // SAFETY: `ptr` points at `len + 1` bytes owned by `t`.
        let bytes = unsafe { std::slice::from_raw_parts(t.ptr().cast::<u8>(), t.len() + 1) };
        assert_eq!(bytes, b"h\xc3\xa9llo\0");
    }
}
