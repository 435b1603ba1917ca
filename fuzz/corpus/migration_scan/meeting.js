const session = signal.login(account, "_no_need_token");
session.invoke('io.agora.signal.channel_query_num', { name }, (err, v) => {});
const re = /api.logout()/g, t = `a ${session.channelJoin(`b ${x}`)} c`;
