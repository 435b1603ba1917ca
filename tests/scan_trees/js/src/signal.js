// Legacy Signaling web SDK: var session = signal.login(account, token);
const signal = Signal(APP_ID);
const session = signal.login(account, "_no_need_token"); // EXPECT: login
session.onLoginSuccess = function (uid) { // EXPECT: onLoginSuccess
  const channel = session.channelJoin("lobby"); // EXPECT: channelJoin
  channel.onChannelJoined = () => { // EXPECT: onChannelJoined
    channel.messageChannelSend(`hello from ${account}`); // EXPECT: messageChannelSend
  };
  channel.onMessageChannelReceive = (account, uid, msg) => { // EXPECT: onMessageChannelReceive
    log('got ' + msg + ' (reply with session.messageInstantSend)');
  };
};
const pattern = /onLoginFailed|messageInstantSend("x")/g;
const ratio = total / count / 2;
const text = `${session.messageInstantSend("bob", "hi")} sent`; // EXPECT: messageInstantSend
session.onLogout = function (ecode) {}; // EXPECT: onLogout
