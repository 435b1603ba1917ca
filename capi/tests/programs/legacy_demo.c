/*
 * The legacy-style Signaling program of legacy_demo.cpp, in C through IAgoraAPIC: login,
 * channelJoin with the user list, a channel message (own echo filtered by account), a peer
 * message, a call (channelInviteUser / channelInviteAccept / channelInviteEnd) and logout.
 * It never calls start().
 *
 *   legacy_demo_c <appId> <account> <peer> <channel> caller|callee
 *   legacy_demo_c --both <appId> <account> <peer> <channel>
 *
 * Build: gcc legacy_demo.c -I <include> -L <lib> -lagorasig -lpthread
 */
#include "agora_sig.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    SEEN_LOGIN = 1 << 0,
    SEEN_JOINED = 1 << 1,
    SEEN_PEER_IN_CHANNEL = 1 << 2,
    SEEN_ECHO = 1 << 3,
    SEEN_CHANNEL_MSG = 1 << 4,
    SEEN_INSTANT_MSG = 1 << 5,
    SEEN_INVITED = 1 << 6,
    SEEN_ACCEPTED = 1 << 7,
    SEEN_ENDED_BY_ME = 1 << 8,
    SEEN_ENDED_BY_PEER = 1 << 9,
    SEEN_LOGOUT = 1 << 10
};

static pthread_mutex_t g_print = PTHREAD_MUTEX_INITIALIZER;
static pthread_t g_main_thread;

/* The handler: an ICallBackC first, so that `self` leads back to the client. */
typedef struct Client {
    ICallBackC cb;
    IAgoraAPIC* api;
    const char* app_id;
    const char* me;
    const char* peer;
    const char* channel;
    int caller;
    int result;
    pthread_mutex_t m;
    pthread_cond_t cv;
    unsigned seen;
} Client;

static void say(const Client* c, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(const Client* c, const char* fmt, ...) {
    va_list ap;
    pthread_mutex_lock(&g_print);
    printf("[%s] ", c->me);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    pthread_mutex_unlock(&g_print);
}

static void mark(Client* c, unsigned what) {
    pthread_mutex_lock(&c->m);
    c->seen |= what;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->m);
}

static int wait_for(Client* c, unsigned what, const char* name, int seconds) {
    struct timespec until;
    int ok;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    pthread_mutex_lock(&c->m);
    while ((c->seen & what) != what) {
        if (pthread_cond_timedwait(&c->cv, &c->m, &until) == ETIMEDOUT) break;
    }
    ok = (c->seen & what) == what;
    pthread_mutex_unlock(&c->m);
    if (!ok) say(c, "TIMEOUT waiting for %s", name);
    return ok;
}

static Client* me_of(ICallBackC* self) { return (Client*)self; }

static int same(const char* a, size_t a_size, const char* b) {
    return strlen(b) == a_size && memcmp(a, b, a_size) == 0;
}

static void on_login_success(ICallBackC* self, uint32_t uid, int fd) {
    Client* c = me_of(self);
    say(c, "onLoginSuccess uid %s fd=%d", uid != 0 ? "set" : "zero", fd);
    say(c, pthread_equal(pthread_self(), g_main_thread) ? "callbacks run on main"
                                                         : "callbacks run on an SDK thread");
    mark(c, SEEN_LOGIN);
}

static void on_login_failed(ICallBackC* self, int ecode) {
    say(me_of(self), "onLoginFailed ecode=%d", ecode);
}

static void on_logout(ICallBackC* self, int ecode) {
    say(me_of(self), "onLogout ecode=%d", ecode);
    mark(me_of(self), SEEN_LOGOUT);
}

static void on_channel_joined(ICallBackC* self, char const* channelID, size_t channelID_size) {
    (void)channelID_size;
    say(me_of(self), "onChannelJoined %s", channelID);
}

static void on_channel_user_list(ICallBackC* self, int n, char** accounts, uint32_t* uids) {
    Client* c = me_of(self);
    char line[512];
    size_t used = 0;
    int i, peer_here = 0;
    line[0] = 0;
    for (i = 0; i < n; i++) {
        used += (size_t)snprintf(line + used, used < sizeof line ? sizeof line - used : 0,
                                 " %s(%s)", accounts[i], uids[i] != 0 ? "uid" : "zero");
        if (strcmp(accounts[i], c->peer) == 0) peer_here = 1;
    }
    say(c, "onChannelUserList n=%d:%s", n, line);
    mark(c, SEEN_JOINED | (peer_here ? SEEN_PEER_IN_CHANNEL : 0u));
}

static void on_channel_user_joined(ICallBackC* self, char const* account, size_t account_size,
                                   uint32_t uid) {
    Client* c = me_of(self);
    say(c, "onChannelUserJoined %.*s uid %s", (int)account_size, account, uid ? "set" : "zero");
    if (same(account, account_size, c->peer)) mark(c, SEEN_PEER_IN_CHANNEL);
}

static void on_channel_user_leaved(ICallBackC* self, char const* account, size_t account_size,
                                   uint32_t uid) {
    (void)account_size;
    (void)uid;
    say(me_of(self), "onChannelUserLeaved %s", account);
}

static void on_message_send_success(ICallBackC* self, char const* messageID,
                                    size_t messageID_size) {
    (void)messageID;
    say(me_of(self), "onMessageSendSuccess id %s", messageID_size ? "generated" : "empty");
}

static void on_message_send_error(ICallBackC* self, char const* messageID, size_t messageID_size,
                                  int ecode) {
    (void)messageID_size;
    say(me_of(self), "onMessageSendError %s ecode=%d", messageID, ecode);
}

static void on_message_channel_receive(ICallBackC* self, char const* channelID,
                                       size_t channelID_size, char const* account,
                                       size_t account_size, uint32_t uid, char const* msg,
                                       size_t msg_size) {
    Client* c = me_of(self);
    (void)channelID_size;
    (void)uid;
    (void)msg_size;
    if (same(account, account_size, c->me)) {
        say(c, "own channel message echoed back (filtered)");
        mark(c, SEEN_ECHO);
        return;
    }
    say(c, "channel %s <%s> %s", channelID, account, msg);
    mark(c, SEEN_CHANNEL_MSG);
}

static void on_message_instant_receive(ICallBackC* self, char const* account,
                                       size_t account_size, uint32_t uid, char const* msg,
                                       size_t msg_size) {
    (void)account_size;
    (void)msg_size;
    say(me_of(self), "instant <%s> %s uid=%u", account, msg, (unsigned)uid);
    mark(me_of(self), SEEN_INSTANT_MSG);
}

static void on_invite_received(ICallBackC* self, char const* channelID, size_t channelID_size,
                               char const* account, size_t account_size, uint32_t uid,
                               char const* extra, size_t extra_size) {
    Client* c = me_of(self);
    (void)uid;
    (void)extra_size;
    say(c, "onInviteReceived %s from %s extra '%s'", channelID, account, extra);
    /* Answer from inside the callback. */
    c->api->channelInviteAccept(c->api, channelID, channelID_size, account, account_size, 0, "",
                                0);
    mark(c, SEEN_INVITED);
}

static void on_invite_received_by_peer(ICallBackC* self, char const* channelID,
                                       size_t channelID_size, char const* account,
                                       size_t account_size, uint32_t uid) {
    (void)channelID_size;
    (void)account_size;
    (void)uid;
    say(me_of(self), "onInviteReceivedByPeer %s %s", channelID, account);
}

static void on_invite_accepted_by_peer(ICallBackC* self, char const* channelID,
                                       size_t channelID_size, char const* account,
                                       size_t account_size, uint32_t uid, char const* extra,
                                       size_t extra_size) {
    (void)channelID_size;
    (void)account_size;
    (void)uid;
    (void)extra;
    (void)extra_size;
    say(me_of(self), "onInviteAcceptedByPeer %s %s", channelID, account);
    mark(me_of(self), SEEN_ACCEPTED);
}

static void on_invite_failed(ICallBackC* self, char const* channelID, size_t channelID_size,
                             char const* account, size_t account_size, uint32_t uid, int ecode,
                             char const* extra, size_t extra_size) {
    (void)channelID_size;
    (void)account_size;
    (void)uid;
    (void)extra_size;
    say(me_of(self), "onInviteFailed %s %s ecode=%d %s", channelID, account, ecode, extra);
}

static void on_invite_end_by_peer(ICallBackC* self, char const* channelID, size_t channelID_size,
                                  char const* account, size_t account_size, uint32_t uid,
                                  char const* extra, size_t extra_size) {
    (void)channelID_size;
    (void)account_size;
    (void)uid;
    (void)extra;
    (void)extra_size;
    say(me_of(self), "onInviteEndByPeer %s %s", channelID, account);
    mark(me_of(self), SEEN_ENDED_BY_PEER);
}

static void on_invite_end_by_myself(ICallBackC* self, char const* channelID,
                                    size_t channelID_size, char const* account,
                                    size_t account_size, uint32_t uid) {
    (void)channelID_size;
    (void)account_size;
    (void)uid;
    say(me_of(self), "onInviteEndByMyself %s %s", channelID, account);
    mark(me_of(self), SEEN_ENDED_BY_ME);
}

static void on_error(ICallBackC* self, char const* name, size_t name_size, int ecode,
                     char const* desc, size_t desc_size) {
    (void)name_size;
    (void)desc_size;
    say(me_of(self), "onError %s %d %s", name, ecode, desc);
}

static void* run_client(void* arg) {
    Client* c = (Client*)arg;
    IAgoraAPIC* api = c->api;
    const char* token = "_no_need_token";
    char text[256], call[256];

    memset(&c->cb, 0, sizeof c->cb);
    c->cb.onLoginSuccess = on_login_success;
    c->cb.onLoginFailed = on_login_failed;
    c->cb.onLogout = on_logout;
    c->cb.onChannelJoined = on_channel_joined;
    c->cb.onChannelUserList = on_channel_user_list;
    c->cb.onChannelUserJoined = on_channel_user_joined;
    c->cb.onChannelUserLeaved = on_channel_user_leaved;
    c->cb.onMessageSendSuccess = on_message_send_success;
    c->cb.onMessageSendError = on_message_send_error;
    c->cb.onMessageChannelReceive = on_message_channel_receive;
    c->cb.onMessageInstantReceive = on_message_instant_receive;
    c->cb.onInviteReceived = on_invite_received;
    c->cb.onInviteReceivedByPeer = on_invite_received_by_peer;
    c->cb.onInviteAcceptedByPeer = on_invite_accepted_by_peer;
    c->cb.onInviteFailed = on_invite_failed;
    c->cb.onInviteEndByPeer = on_invite_end_by_peer;
    c->cb.onInviteEndByMyself = on_invite_end_by_myself;
    c->cb.onError = on_error;
    api->callbackSet(api, &c->cb);
    if (api->callbackGet(api) != &c->cb || api->cb != (void*)&c->cb)
        say(c, "callbackGet returned another handler");

    c->result = 1;
    api->login(api, c->app_id, strlen(c->app_id), c->me, strlen(c->me), token, strlen(token), 0,
               NULL, 0);
    if (!wait_for(c, SEEN_LOGIN, "login", 20)) return NULL;
    say(c, "getStatus=%d isOnline=%d", api->getStatus(api), (int)api->isOnline(api));

    api->channelJoin(api, c->channel, strlen(c->channel));
    if (!wait_for(c, SEEN_JOINED, "joined", 20)) return NULL;
    if (!wait_for(c, SEEN_PEER_IN_CHANNEL, "peer_in_channel", 30)) return NULL;

    snprintf(text, sizeof text, "hello from %s", c->me);
    api->messageChannelSend(api, c->channel, strlen(c->channel), text, strlen(text), "", 0);
    if (!wait_for(c, SEEN_ECHO | SEEN_CHANNEL_MSG, "channel messages", 20)) return NULL;

    snprintf(text, sizeof text, "hi %s, this is %s", c->peer, c->me);
    api->messageInstantSend(api, c->peer, strlen(c->peer), 0, text, strlen(text), "", 0);
    if (!wait_for(c, SEEN_INSTANT_MSG, "instant_msg", 20)) return NULL;

    snprintf(call, sizeof call, "%s-call", c->channel);
    if (c->caller) {
        api->channelInviteUser(api, call, strlen(call), c->peer, strlen(c->peer), 0);
        if (!wait_for(c, SEEN_ACCEPTED, "accepted", 30)) return NULL;
        api->channelInviteEnd(api, call, strlen(call), c->peer, strlen(c->peer), 0);
        if (!wait_for(c, SEEN_ENDED_BY_ME, "ended_by_me", 20)) return NULL;
    } else {
        if (!wait_for(c, SEEN_INVITED | SEEN_ENDED_BY_PEER, "invited and ended", 30))
            return NULL;
    }

    api->logout(api);
    if (!wait_for(c, SEEN_LOGOUT, "logout", 20)) return NULL;
    api->release(api);
    say(c, "done");
    c->result = 0;
    return NULL;
}

static void init_client(Client* c, IAgoraAPIC* api, const char* app_id, const char* me,
                        const char* peer, const char* channel, int caller) {
    memset(c, 0, sizeof *c);
    c->api = api;
    c->app_id = app_id;
    c->me = me;
    c->peer = peer;
    c->channel = channel;
    c->caller = caller;
    pthread_mutex_init(&c->m, NULL);
    pthread_cond_init(&c->cv, NULL);
}

int main(int argc, char** argv) {
    g_main_thread = pthread_self();
    if (argc == 6 && strcmp(argv[1], "--both") == 0) {
        Client* a = malloc(sizeof *a);
        Client* b = malloc(sizeof *b);
        pthread_t ta, tb;
        int rc;
        IAgoraAPIC* first = getAgoraSDKInstanceC();
        IAgoraAPIC* second = createAgoraSDKInstanceC();
        printf("[main] getAgoraSDKInstanceC same each call: %s\n",
               first == getAgoraSDKInstanceC() ? "yes" : "no");
        printf("[main] createAgoraSDKInstanceC gives another: %s\n", first != second ? "yes" : "no");
        init_client(a, first, argv[2], argv[3], argv[4], argv[5], 1);
        init_client(b, second, argv[2], argv[4], argv[3], argv[5], 0);
        pthread_create(&tb, NULL, run_client, b);
        pthread_create(&ta, NULL, run_client, a);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        rc = a->result == 0 && b->result == 0 ? 0 : 1;
        free(a);
        free(b);
        return rc;
    }
    if (argc == 6) {
        Client c;
        init_client(&c, getAgoraSDKInstanceC(), argv[1], argv[2], argv[3], argv[4],
                    strcmp(argv[5], "caller") == 0);
        run_client(&c);
        return c.result;
    }
    fprintf(stderr,
            "usage: %s <appId> <account> <peer> <channel> caller|callee\n"
            "       %s --both <appId> <account> <peer> <channel>\n",
            argv[0], argv[0]);
    return 2;
}
