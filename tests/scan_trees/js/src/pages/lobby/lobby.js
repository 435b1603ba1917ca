// Common words only, and no string that starts with the legacy prefix: left out.
// (a comment that says io.agora.signal.channel_query_num is not a string)
export function enter(room, log) {
  room.login(log);
  log("see the docs of io.agora.signal.user_query_user_status");
  log('io.agora.signalling');
}
