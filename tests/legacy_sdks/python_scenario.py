"""Drives the unmodified legacy Python Signaling SDK (agora-signaling-sdk 1.0.2) against a
sig2rtm-server started with --legacy-web.

Usage: python_scenario.py WS_PORT LEGACY_PEER_BINARY LEGACY_C_PROGRAM

alice reaches the server through the LBS with only HTTP_PROXY set (as an unmodified script
would); bob and carol use the SDK's own debug hook. LEGACY_PEER_BINARY is the legacy_peer
example (a Rust legacy facade client driven on stdin), run as "rusty"; LEGACY_C_PROGRAM is
capi/tests/programs/legacy_demo.c built against libagorasig, run as the callee "cprog" of a
Python caller. Both reach the server through SIG2RTM_SERVER, set by the caller. Prints one line
per step and exits 0 when every step passed, 1 otherwise.
"""

import os
import subprocess
import sys
import threading
import time

from twisted.internet import reactor
from twisted.internet.defer import Deferred, inlineCallbacks

from agorasigsdk.agora_signal import AgoraSignal
from agorasigsdk.call import Call
from agorasigsdk.channel import Channel
from agorasigsdk.login_session import LoginSession

APP = "0123456789abcdef0123456789abcdef"
PORT = int(sys.argv[1])
PEER_BINARY = sys.argv[2]
C_PROGRAM = sys.argv[3]
BOT = "rusty"
EVENTS = []
FAILED = []


def record(*event):
    EVENTS.append(event)


def wait(pred, what, timeout=15.0):
    """A Deferred that fires with the first recorded event matching pred."""
    d = Deferred()
    start = time.time()

    def check():
        for e in EVENTS:
            if pred(e):
                EVENTS.remove(e)
                d.callback(e)
                return
        if time.time() - start > timeout:
            d.errback(AssertionError("timed out waiting for " + what))
        else:
            reactor.callLater(0.02, check)

    check()
    return d


class Login(LoginSession.LoginCallback):
    def __init__(self, name):
        self.name = name

    def on_login_success(self, session, uid):
        record(self.name, "login", uid)

    def on_logout(self, session, err_code):
        record(self.name, "logout", err_code)

    def on_msg_instant_received(self, session, account, uid, msg):
        record(self.name, "msg", account, msg)

    def on_invite_received(self, session, call):
        call.set_callback(Calls(self.name))
        record(self.name, "invite", call.channel, call.peer, call.extra, call)


class Sent(LoginSession.MessageCallback):
    def __init__(self, name):
        self.name = name

    def on_msg_send_success(self, session):
        record(self.name, "sent")

    def on_msg_send_error(self, session, err_code):
        record(self.name, "send_error", err_code)


class Room(Channel.ChannelCallback):
    def __init__(self, name):
        self.name = name

    def on_channel_joined(self, session, channel):
        record(self.name, "joined")

    def on_channel_user_list(self, session, channel, users, uids):
        record(self.name, "list", sorted(users), all(isinstance(u, int) and u != 0 for u in uids))

    def on_channel_user_joined(self, session, channel, account, uid):
        record(self.name, "user_joined", account)

    def on_channel_user_left(self, session, channel, account, uid):
        record(self.name, "user_left", account)

    def on_channel_attr_updated(self, session, channel, name, value, kind):
        record(self.name, "attr", name, value, kind)

    def on_msg_channel_received(self, session, channel, account, uid, msg):
        record(self.name, "chmsg", account, msg)


class Calls(Call.CallCallback):
    def __init__(self, name):
        self.name = name

    def on_invite_received_by_peer(self, session, call):
        record(self.name, "call_received_by_peer")

    def on_invite_accepted_by_peer(self, session, call, extra):
        record(self.name, "call_accepted", extra)

    def on_invite_refused_by_peer(self, session, call, extra):
        record(self.name, "call_refused", extra)

    def on_invite_failed(self, session, call, err_code):
        record(self.name, "call_failed", err_code)

    def on_invite_end_by_peer(self, session, call, extra):
        record(self.name, "call_end_by_peer")

    def on_invite_end_by_myself(self, session, call, extra):
        record(self.name, "call_end_by_myself")


def pause():
    d = Deferred()
    reactor.callLater(0.05, d.callback, None)
    return d


def step(text):
    print("python: ok   " + text, flush=True)


def login(name, via_lbs=False):
    sig = AgoraSignal(APP)
    if via_lbs:
        return sig.login(name, "_no_need_token", Login(name))
    return sig.login(name, "_no_need_token", Login(name), is_debugging=True,
                     debug_params=[("127.0.0.1", PORT)])


def is_(name, kind, *rest):
    return lambda e: e[0] == name and e[1] == kind and tuple(e[2:2 + len(rest)]) == rest


def start_rust_peer():
    """The legacy facade client in its own process; its callback lines become events."""
    proc = subprocess.Popen([PEER_BINARY, BOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, encoding="utf-8", bufsize=1)

    def read():
        for line in proc.stdout:
            record(BOT, "line", line.strip())

    threading.Thread(target=read, daemon=True).start()
    return proc


def start_c_program():
    """The legacy C program as the callee "cprog" of "pyc" in channel "cchan"."""
    proc = subprocess.Popen([C_PROGRAM, APP, "cprog", "pyc", "cchan", "callee"],
                            stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)

    def read():
        for line in proc.stdout:
            record("cprog", "line", line.strip())

    threading.Thread(target=read, daemon=True).start()
    return proc


def rust_line(fragment):
    return lambda e: e[0] == BOT and e[1] == "line" and fragment in e[2]


@inlineCallbacks
def scenario():
    alice = login("alice", via_lbs=True)
    yield wait(is_("alice", "login"), "alice's login through HTTP_PROXY and the LBS")
    bob = login("bob")
    yield wait(is_("bob", "login"), "bob's login through the debug hook")
    step("login through the LBS (HTTP_PROXY) and through the debug hook")

    text = u"hi bob, with spaces \u00e9\u4e16"
    alice.msg_instant_send("bob", text, Sent("alice"))
    yield wait(is_("alice", "sent"), "alice's send result")
    yield wait(is_("bob", "msg", "alice", text), "bob's message")
    bob.msg_instant_send("alice", u"back at you", Sent("bob"))
    yield wait(is_("alice", "msg", "bob", u"back at you"), "alice's message")
    step("peer messages both ways with spaces and non-ASCII text")

    alice.msg_instant_send("carol", u"for later", Sent("alice"))
    yield wait(is_("alice", "sent"), "the offline message's send result")
    carol = login("carol")
    yield wait(is_("carol", "login"), "carol's login")
    yield wait(is_("carol", "msg", "alice", u"for later"), "carol's offline message")
    step("an offline message delivered at login")

    statuses = []
    alice.query_user_status("bob", lambda err, status: statuses.append((err, status)))
    alice.query_user_status("nobody", lambda err, status: statuses.append((err, status)))
    deadline = time.time() + 5
    while len(statuses) < 2 and time.time() < deadline:
        yield pause()
    assert statuses == [("", 1), ("", 0)], statuses
    step("query_user_status online and offline")

    ch_a = alice.channel_join("room1", Room("alice"))
    yield wait(is_("alice", "joined"), "alice's join")
    yield wait(is_("alice", "list", ["alice"], True), "alice's user list")
    bob.channel_join("room1", Room("bob"))
    yield wait(is_("bob", "list", ["alice", "bob"], True), "bob's user list")
    yield wait(is_("alice", "user_joined", "bob"), "alice sees bob join")
    step("channel join with the user list and the join event")

    bob.last_channel.msg_channel_send(u"hello room")
    yield wait(is_("alice", "chmsg", "bob", u"hello room"), "alice's channel message")
    yield wait(is_("bob", "chmsg", "bob", u"hello room"), "bob's own echo")
    step("channel messages with the sender's echo")

    ch_a.channel_set_attr("topic", "news")
    yield wait(is_("bob", "attr", "topic", "news", "update"), "bob sees the attribute")
    ch_a.channel_set_attr("keep", "1")
    yield wait(is_("bob", "attr", "keep", "1", "update"), "bob sees the second attribute")
    ch_a.channel_del_attr("topic")
    yield wait(is_("bob", "attr", "topic", "", "del"), "bob sees the deletion")
    ch_a.channel_clear_attr()
    yield wait(is_("bob", "attr", "", "", "clear"), "bob sees the clear")
    step("channel attributes set, del and clear")

    call = alice.channel_invite_user_2("call1", "bob", u'{"hint":1}', Calls("alice"))
    inv = yield wait(is_("bob", "invite", "call1", "alice"), "bob's invitation")
    assert inv[4] == u'{"hint":1}', inv
    yield wait(is_("alice", "call_received_by_peer"), "alice's received-by-peer")
    inv[5].accept(u"yes")
    yield wait(is_("alice", "call_accepted"), "alice's accepted")
    call.end(u"bye")
    yield wait(is_("alice", "call_end_by_myself"), "alice's end by myself")
    yield wait(is_("bob", "call_end_by_peer"), "bob's end by peer")
    step("an invitation received, accepted and ended by the caller")

    alice.channel_invite_user_2("call2", "bob", u"", Calls("alice"))
    inv = yield wait(is_("bob", "invite", "call2", "alice"), "bob's second invitation")
    inv[5].refuse(u"no")
    yield wait(is_("alice", "call_refused"), "alice's refused")
    alice.channel_invite_user_2("call3", "bob", u"", Calls("alice"))
    inv = yield wait(is_("bob", "invite", "call3", "alice"), "bob's third invitation")
    inv[5].accept(u"")
    yield wait(is_("alice", "call_accepted"), "alice's accepted")
    inv[5].end(u"")
    yield wait(is_("alice", "call_end_by_peer"), "alice's end by peer")
    alice.channel_invite_user_2("call4", "nobody", u'{"_require_peer_online":1}', Calls("alice"))
    yield wait(is_("alice", "call_failed"), "the invitation of an offline callee fails")
    step("invitations refused, ended by the callee, failing for an offline callee")

    rust = start_rust_peer()
    rust.stdin.write("login\n")
    yield wait(rust_line("onLoginSuccess"), "the Rust client's login")
    alice.msg_instant_send(BOT, u"ping from python \u00e9", Sent("alice"))
    yield wait(rust_line(u'onMessageInstantReceive("alice", 0, "ping from python \u00e9")'),
               "the Rust client receives")
    rust.stdin.write("send alice pong from rust, with spaces\n")
    yield wait(is_("alice", "msg", BOT, u"pong from rust, with spaces"), "alice hears Rust")
    alice.channel_invite_user_2("botcall", BOT, u"", Calls("alice"))
    yield wait(rust_line('onInviteReceived("botcall", "alice"'), "the Rust client's invitation")
    rust.stdin.write("accept botcall alice\n")
    yield wait(is_("alice", "call_accepted"), "the Rust client accepts")
    rust.stdin.write("quit\n")
    step("peer messages and an invitation with a legacy facade (Rust) client")

    pyc = login("pyc")
    yield wait(is_("pyc", "login"), "pyc's login")
    pyc.channel_join("cchan", Room("pyc"))
    yield wait(is_("pyc", "joined"), "pyc's join")
    cprog = start_c_program()
    yield wait(is_("pyc", "user_joined", "cprog"), "the C program joins", 30)
    yield wait(is_("pyc", "chmsg", "cprog", u"hello from cprog"), "the C program's channel message")
    pyc.last_channel.msg_channel_send(u"hello from pyc")
    yield wait(is_("pyc", "msg", "cprog", u"hi pyc, this is cprog"), "the C program's peer message")
    pyc.msg_instant_send("cprog", u"hi cprog, this is pyc", Sent("pyc"))
    ccall = pyc.channel_invite_user_2("cchan-call", "cprog", u"", Calls("pyc"))
    yield wait(is_("pyc", "call_accepted"), "the C program accepts")
    ccall.end(u"")
    yield wait(is_("pyc", "call_end_by_myself"), "pyc ends the call")
    yield wait(is_("pyc", "user_left", "cprog"), "the C program logs out and leaves", 30)
    code = cprog.wait(timeout=30)
    assert code == 0, "the C program exited with %d" % code
    step("channel, peer messages and an invitation with a legacy C program (libagorasig)")

    bob.last_channel.channel_leave()
    yield wait(is_("alice", "user_left", "bob"), "alice sees bob leave")
    step("channel leave event")

    carol2 = login("carol")
    yield wait(is_("carol", "login"), "carol's second login")
    deadline = time.time() + 5
    while carol.state != 3 and time.time() < deadline:
        yield pause()
    assert carol.state == 3, "the first carol session was closed by the duplicate login"
    step("a duplicate login closes the older session")

    for s, name in ((alice, "alice"), (bob, "bob"), (carol2, "carol"), (pyc, "pyc")):
        s.logout()
        yield wait(is_(name, "logout", 101), name + "'s logout")
    step("logout with 101")


def run():
    d = scenario()

    def done(result):
        reactor.stop()

    def failed(f):
        FAILED.append(f.getErrorMessage())
        print("python: FAIL " + f.getErrorMessage(), flush=True)
        print("python: events not consumed: %r" % (EVENTS,), flush=True)
        reactor.stop()

    d.addCallbacks(done, failed)


if __name__ == "__main__":
    if not os.environ.get("HTTP_PROXY"):
        print("python: FAIL HTTP_PROXY must point at the server's LBS", flush=True)
        sys.exit(1)
    reactor.callWhenRunning(run)
    reactor.callLater(120, lambda: (FAILED.append("overall timeout"), reactor.stop()))
    reactor.run()
    sys.exit(1 if FAILED else 0)
