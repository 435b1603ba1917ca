"""A legacy Python Signaling SDK client (agora-signaling-sdk 1.0.2, unmodified) that other
test drivers talk to: logs in as "pyuser" through the SDK's debug hook, prints "ready", answers
every instant message with "python got: <message>", accepts every invitation, and stops when
"quit" (or the end of input) arrives on stdin.

Usage: python_peer.py WS_PORT
"""

import sys
import threading

from twisted.internet import reactor

from agorasigsdk.agora_signal import AgoraSignal
from agorasigsdk.login_session import LoginSession

APP = "0123456789abcdef0123456789abcdef"


class Peer(LoginSession.LoginCallback):
    def on_login_success(self, session, uid):
        print("ready", flush=True)

    def on_msg_instant_received(self, session, account, uid, msg):
        session.msg_instant_send(account, u"python got: " + msg, LoginSession.MessageCallback())

    def on_invite_received(self, session, call):
        call.accept(u"")


def watch_stdin():
    for line in sys.stdin:
        if line.strip() == "quit":
            break
    reactor.callFromThread(reactor.stop)


if __name__ == "__main__":
    port = int(sys.argv[1])
    AgoraSignal(APP).login("pyuser", "_no_need_token", Peer(), is_debugging=True,
                           debug_params=[("127.0.0.1", port)])
    threading.Thread(target=watch_stdin, daemon=True).start()
    reactor.run()
