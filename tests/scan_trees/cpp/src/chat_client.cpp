#include "IAgoraAPI.h"
#include <cstdio>
#include <string>

// Handler of the legacy SDK; api->channelJoin is called from onLoginSuccess.
class Handler : public agora_sdk_cpp::ICallBack {
public:
    void onLoginSuccess(uint32_t uid, int fd) override { // EXPECT: onLoginSuccess
        std::puts(R"(onLoginSuccess: next api->channelJoin("lobby"))");
    }
    void onChannelJoined(char const *channelID, size_t len) override {} // EXPECT: onChannelJoined
    void onInviteFailed(char const *ch, size_t chLen, char const *account, size_t accLen, uint32_t uid, int ecode, char const *extra, size_t extraLen) override {} // EXPECT: onInviteFailed
};

int main() {
    auto *api = agora_sdk_cpp::getAgoraSDKInstanceCPP();
    Handler handler;
    api->callbackSet(&handler); // EXPECT: callbackSet
    const std::string token = "_no_need_token";
    long big = 1'000'000;
    char c = 'x';
    api->login2("appid", 5, "alice", 5, token.c_str(), token.size(), 0, "", 0, 30, 3); // EXPECT: login2
    api->channelInviteUser2("call", 4, "bob", 3, R"x({"_timeout":30, "note":"api->logout()"})x", 40); // EXPECT: channelInviteUser2
    api->channelInvitePhone("call", 4, "+123", 4, 0); // EXPECT: channelInvitePhone
    api->destroy(); // EXPECT: destroy
    return 0;
}
