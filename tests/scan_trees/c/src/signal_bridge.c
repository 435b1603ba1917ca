#include <stdio.h>
#include "agora_sig_c.h"

/* api->messageInstantSend(api, ...) was the old way */
static const char *HELP = "call api->logout(api) to quit";

static void on_login_success(uint32_t uid, int fd) { printf("ok %u\n", uid); }

void bridge_start(struct agora_api *api, const char *app_id) {
    char quote = '\'';
    char dquote = '"';
    api->callbacks.onLoginSuccess = on_login_success; // EXPECT: onLoginSuccess
    api->login2(api, app_id, "alice", "_no_need_token", 0, "", 30, 3); // EXPECT: login2
#if 0
    api->channelJoin(api, "lobby");
#endif
    api->messageInstantSend(api, "bob", 0, "hi // not a comment", ""); // EXPECT: messageInstantSend
    api->queryUserStatus(api, "bob"); /* api->logout(api); */ // EXPECT: queryUserStatus
}
