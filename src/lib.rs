//! sig2rtm: legacy Agora Signaling on an RTM 1.x core.
#![forbid(unsafe_code)]
