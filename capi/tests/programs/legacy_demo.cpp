// A legacy-style Signaling program, written against agora_sig.h the way the old Linux
// tutorial programs were: a callback class that prints every callback, then login,
// channelJoin, a channel message (with the echo of our own message filtered by account),
// a peer message, a call (channelInviteUser / channelInviteAccept / channelInviteEnd) and
// logout. It never calls start().
//
//   legacy_demo <appId> <account> <peer> <channel> caller|callee
//       one client in this process (two processes talk through SIG2RTM_SERVER)
//   legacy_demo --both <appId> <account> <peer> <channel>
//       two clients in this process: getAgoraSDKInstanceCPP() calls,
//       createAgoraSDKInstanceCPP() answers
//
// Build: g++ legacy_demo.cpp -I <include> -L <lib> -lagorasig -lpthread -std=c++11

#include "agora_sig.h"

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

using namespace agora_sdk_cpp;

static std::mutex g_print;
static std::thread::id g_main_thread;

static void say(const std::string& who, const std::string& line) {
    std::lock_guard<std::mutex> lock(g_print);
    std::cout << "[" << who << "] " << line << std::endl;
}

class DemoCallBack : public ICallBack {
public:
    DemoCallBack(IAgoraAPI* api, const std::string& me, const std::string& peer)
        : api_(api), me_(me), peer_(peer) {}

    bool wait(const std::string& what, int seconds) {
        std::unique_lock<std::mutex> lock(m_);
        bool ok = cv_.wait_for(lock, std::chrono::seconds(seconds),
                               [&] { return seen_.count(what) > 0; });
        if (!ok) say(me_, "TIMEOUT waiting for " + what);
        return ok;
    }

    void onLoginSuccess(uint32_t uid, int fd) {
        std::ostringstream s;
        s << "onLoginSuccess uid=" << uid << " fd=" << fd;
        say(me_, s.str());
        say(me_, std::this_thread::get_id() != g_main_thread ? "callbacks run on an SDK thread"
                                                               : "callbacks run on main");
        mark("login");
    }
    void onLoginFailed(int ecode) {
        std::ostringstream s;
        s << "onLoginFailed ecode=" << ecode;
        say(me_, s.str());
        mark("login_failed");
    }
    void onLogout(int ecode) {
        std::ostringstream s;
        s << "onLogout ecode=" << ecode;
        say(me_, s.str());
        mark("logout");
    }
    void onChannelJoined(char const* channelID, size_t channelID_size) {
        (void)channelID_size;
        say(me_, std::string("onChannelJoined ") + channelID);
    }
    void onChannelJoinFailed(char const* channelID, size_t, int ecode) {
        std::ostringstream s;
        s << "onChannelJoinFailed " << channelID << " ecode=" << ecode;
        say(me_, s.str());
        mark("join_failed");
    }
    void onChannelUserList(int n, char** accounts, uint32_t* uids) {
        std::ostringstream s;
        s << "onChannelUserList n=" << n << ":";
        bool peer_here = false;
        for (int i = 0; i < n; i++) {
            s << " " << accounts[i] << "(" << (uids[i] != 0 ? "uid" : "zero") << ")";
            if (peer_ == accounts[i]) peer_here = true;
        }
        say(me_, s.str());
        if (peer_here) mark("peer_in_channel");
        mark("joined");
    }
    void onChannelUserJoined(char const* account, size_t account_size, uint32_t uid) {
        std::ostringstream s;
        s << "onChannelUserJoined " << account << " uid " << (uid != 0 ? "set" : "zero");
        say(me_, s.str());
        if (peer_ == std::string(account, account_size)) mark("peer_in_channel");
    }
    void onChannelUserLeaved(char const* account, size_t, uint32_t) {
        say(me_, std::string("onChannelUserLeaved ") + account);
    }
    void onChannelLeaved(char const* channelID, size_t, int ecode) {
        std::ostringstream s;
        s << "onChannelLeaved " << channelID << " ecode=" << ecode;
        say(me_, s.str());
    }
    void onMessageSendSuccess(char const* messageID, size_t messageID_size) {
        say(me_, std::string("onMessageSendSuccess id ") +
                     (messageID_size > 0 ? "generated" : "empty"));
        (void)messageID;
    }
    void onMessageSendError(char const* messageID, size_t, int ecode) {
        std::ostringstream s;
        s << "onMessageSendError " << messageID << " ecode=" << ecode;
        say(me_, s.str());
    }
    void onMessageChannelReceive(char const* channelID, size_t, char const* account,
                                 size_t account_size, uint32_t, char const* msg, size_t) {
        // The tutorials drop the echo of their own channel messages by comparing accounts.
        if (me_ == std::string(account, account_size)) {
            say(me_, "own channel message echoed back (filtered)");
            mark("echo");
            return;
        }
        say(me_, std::string("channel ") + channelID + " <" + account + "> " + msg);
        mark("channel_msg");
    }
    void onMessageInstantReceive(char const* account, size_t, uint32_t uid, char const* msg,
                                 size_t) {
        std::ostringstream s;
        s << "instant <" << account << "> " << msg << " uid=" << uid;
        say(me_, s.str());
        mark("instant_msg");
    }
    void onInviteReceived(char const* channelID, size_t channelID_size, char const* account,
                          size_t account_size, uint32_t, char const* extra, size_t) {
        say(me_, std::string("onInviteReceived ") + channelID + " from " + account +
                     " extra '" + extra + "'");
        // Answer from inside the callback, as the tutorials do.
        api_->channelInviteAccept(channelID, channelID_size, account, account_size, 0, "", 0);
        mark("invited");
    }
    void onInviteReceivedByPeer(char const* channelID, size_t, char const* account, size_t,
                                uint32_t) {
        say(me_, std::string("onInviteReceivedByPeer ") + channelID + " " + account);
    }
    void onInviteAcceptedByPeer(char const* channelID, size_t, char const* account, size_t,
                                uint32_t, char const*, size_t) {
        say(me_, std::string("onInviteAcceptedByPeer ") + channelID + " " + account);
        mark("accepted");
    }
    void onInviteRefusedByPeer(char const* channelID, size_t, char const* account, size_t,
                               uint32_t, char const* extra, size_t) {
        say(me_, std::string("onInviteRefusedByPeer ") + channelID + " " + account + " " + extra);
    }
    void onInviteFailed(char const* channelID, size_t, char const* account, size_t, uint32_t,
                        int ecode, char const* extra, size_t) {
        std::ostringstream s;
        s << "onInviteFailed " << channelID << " " << account << " ecode=" << ecode << " "
          << extra;
        say(me_, s.str());
        mark("invite_failed");
    }
    void onInviteEndByPeer(char const* channelID, size_t, char const* account, size_t, uint32_t,
                           char const*, size_t) {
        say(me_, std::string("onInviteEndByPeer ") + channelID + " " + account);
        mark("ended_by_peer");
    }
    void onInviteEndByMyself(char const* channelID, size_t, char const* account, size_t,
                             uint32_t) {
        say(me_, std::string("onInviteEndByMyself ") + channelID + " " + account);
        mark("ended_by_me");
    }
    void onError(char const* name, size_t, int ecode, char const* desc, size_t) {
        std::ostringstream s;
        s << "onError " << name << " " << ecode << " " << desc;
        say(me_, s.str());
    }

private:
    void mark(const std::string& what) {
        std::lock_guard<std::mutex> lock(m_);
        seen_.insert(what);
        cv_.notify_all();
    }

    IAgoraAPI* api_;
    std::string me_, peer_;
    std::mutex m_;
    std::condition_variable cv_;
    std::set<std::string> seen_;
};

static int run_client(IAgoraAPI* api, std::string appId, std::string me, std::string peer,
                      std::string channel, bool caller) {
    DemoCallBack* cb = new DemoCallBack(api, me, peer);
    api->callbackSet(cb);
    if (api->callbackGet() != cb) say(me, "callbackGet returned another handler");

    std::string token = "_no_need_token";
    api->login(appId.c_str(), appId.size(), me.c_str(), me.size(), token.c_str(), token.size(),
               0, "", 0);
    if (!cb->wait("login", 20)) return 1;
    std::ostringstream st;
    st << "getStatus=" << api->getStatus() << " isOnline=" << api->isOnline();
    say(me, st.str());

    api->channelJoin(channel.c_str(), channel.size());
    if (!cb->wait("joined", 20) || !cb->wait("peer_in_channel", 30)) return 1;

    std::string text = "hello from " + me;
    api->messageChannelSend(channel.c_str(), channel.size(), text.c_str(), text.size(), "", 0);
    if (!cb->wait("echo", 20) || !cb->wait("channel_msg", 20)) return 1;

    std::string hi = "hi " + peer + ", this is " + me;
    api->messageInstantSend(peer.c_str(), peer.size(), 0, hi.c_str(), hi.size(), "", 0);
    if (!cb->wait("instant_msg", 20)) return 1;

    std::string call = channel + "-call";
    if (caller) {
        api->channelInviteUser(call.c_str(), call.size(), peer.c_str(), peer.size());
        if (!cb->wait("accepted", 30)) return 1;
        api->channelInviteEnd(call.c_str(), call.size(), peer.c_str(), peer.size(), 0);
        if (!cb->wait("ended_by_me", 20)) return 1;
    } else {
        if (!cb->wait("invited", 30) || !cb->wait("ended_by_peer", 30)) return 1;
    }

    api->logout();
    if (!cb->wait("logout", 20)) return 1;
    api->destroy();
    // After destroy no callback runs any more, so the program can free its handler.
    delete cb;
    say(me, "done");
    return 0;
}

int main(int argc, char** argv) {
    g_main_thread = std::this_thread::get_id();
    if (argc == 6 && std::strcmp(argv[1], "--both") == 0) {
        IAgoraAPI* a = getAgoraSDKInstanceCPP();
        IAgoraAPI* b = createAgoraSDKInstanceCPP();
        say("main", std::string("getAgoraSDKInstanceCPP same each call: ") +
                        (a == getAgoraSDKInstanceCPP() ? "yes" : "no"));
        say("main", std::string("createAgoraSDKInstanceCPP gives another: ") +
                        (a != b ? "yes" : "no"));
        int ra = 1, rb = 1;
        std::thread tb([&] { rb = run_client(b, argv[2], argv[4], argv[3], argv[5], false); });
        std::thread ta([&] { ra = run_client(a, argv[2], argv[3], argv[4], argv[5], true); });
        ta.join();
        tb.join();
        return ra == 0 && rb == 0 ? 0 : 1;
    }
    if (argc == 6) {
        IAgoraAPI* api = getAgoraSDKInstanceCPP();
        return run_client(api, argv[1], argv[2], argv[3], argv[4],
                          std::strcmp(argv[5], "caller") == 0);
    }
    std::fprintf(stderr,
                 "usage: %s <appId> <account> <peer> <channel> caller|callee\n"
                 "       %s --both <appId> <account> <peer> <channel>\n",
                 argv[0], argv[0]);
    return 2;
}
