const call = session.channelInviteUser2("c", peer, JSON.stringify({ _timeout: 30 }));
call.onInviteAcceptedByPeer = (extra: string): void => {};
// session.channelInviteEnd
