#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sig2rtm_fuzz::invite_extra(data));
