import { Session } from "./types";

/* session.channelInviteUser2(...) is documented here */
export function ring(session: Session, peer: string): void {
  const call = session.channelInviteUser2("call-1", peer, JSON.stringify({ _timeout: 30 })); // EXPECT: channelInviteUser2
  call.onInviteAcceptedByPeer = (extra: string): void => { // EXPECT: onInviteAcceptedByPeer
    console.log(`accepted: ${extra} // not a comment session.logout()`);
  };
  call.onInviteEndByPeer = (): void => {}; // EXPECT: onInviteEndByPeer
  const s = 'it\'s session.channelInviteEnd(...)';
  session.invoke("io.agora.signal.channel_query_num", "{}", (err: string, res: string) => {}); // EXPECT: invoke
}
