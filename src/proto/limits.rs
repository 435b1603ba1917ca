//! RTM 1.x limits that client and system both enforce (spec/rtm-1x.md §4.2).

/// Most channels one client may be in at once.
pub const MAX_JOINED_CHANNELS: usize = 20;
/// Most peer ids in one `query_peers_online_status` call.
pub const MAX_QUERY_PEERS: usize = 256;
/// Most peers one client may subscribe to, in total and per call.
pub const MAX_SUBSCRIBED_PEERS: usize = 512;
/// Most channel ids in one `get_channel_member_count` call.
pub const MAX_MEMBER_COUNT_CHANNELS: usize = 32;
/// Most bytes of an invitation's content or response.
pub const MAX_INVITATION_TEXT_BYTES: usize = 8 * 1024;
