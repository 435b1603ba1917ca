// A meeting page of the legacy web SDK: no callback is named here, the page only logs in and
// asks the server questions through invoke('io.agora.signal.…').
import { APP_ID } from "../../config";

export class MeetingPage {
  constructor(account) {
    this.account = account;
    this.signal = Signal(APP_ID);
    this.session = null;
  }

  enter(onReady) {
    const session = this.signal.login(this.account, "_no_need_token"); // EXPECT: login
    this.session = session;
    onReady(session);
  }

  whoIsOnline(peers, render) {
    const session = this.session;
    for (const peer of peers) {
      session.invoke('io.agora.signal.user_query_user_status', { account: peer }, (err, val) => { // EXPECT: invoke
        render(peer, !err && val.status === 1);
      });
    }
  }

  headcount(client, room, show) {
    client.invoke('io.agora.signal.channel_query_num', { name: room }, function (err, val) { // EXPECT: invoke
      show(err ? "?" : String(val.num));
    });
  }

  leave() {
    // session.logout() is not called here on purpose: the page is kept for the next meeting.
    this.session = null;
  }
}
