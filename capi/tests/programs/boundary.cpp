// Misuse at the C++ boundary of libagorasig: bad string arguments, destroy() inside a
// callback, calls after destroy, delete on an instance, callbackSet racing the callbacks.
// Prints PASS/FAIL lines and exits with the number of failures.
//
//   boundary <appId> <account>

#include "agora_sig.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace agora_sdk_cpp;

static int g_failures = 0;

static void check(bool ok, const std::string& name, const std::string& detail = "") {
    std::printf("%s %s%s%s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.empty() ? "" : ": ",
                detail.c_str());
    std::fflush(stdout);
    if (!ok) g_failures++;
}

class Recorder : public ICallBack {
public:
    explicit Recorder(IAgoraAPI* api) : api_(api), destroy_on_login_(false) {}

    void destroyOnLogin() { destroy_on_login_ = true; }

    std::vector<std::string> events() {
        std::lock_guard<std::mutex> lock(m_);
        return events_;
    }

    bool waitFor(const std::string& prefix, int ms) {
        std::unique_lock<std::mutex> lock(m_);
        return cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] {
            for (size_t i = 0; i < events_.size(); i++)
                if (events_[i].compare(0, prefix.size(), prefix) == 0) return true;
            return false;
        });
    }

    void onLoginSuccess(uint32_t, int) {
        add("onLoginSuccess");
        if (destroy_on_login_) {
            api_->destroy();
            // Calls after destroy, still inside the callback: ignored.
            api_->channelJoin("room", 4);
            add("destroy returned inside the callback");
        }
    }
    void onLogout(int ecode) { add("onLogout " + std::to_string(ecode)); }
    void onChannelJoined(char const* ch, size_t) { add(std::string("onChannelJoined ") + ch); }
    void onError(char const* name, size_t name_size, int ecode, char const* desc,
                 size_t desc_size) {
        // Strings are NUL-terminated and sized.
        bool terminated = std::strlen(name) == name_size && std::strlen(desc) == desc_size;
        add("onError " + std::string(name, name_size) + " " + std::to_string(ecode) + " " +
            std::string(desc, desc_size) + (terminated ? "" : " [NOT NUL-TERMINATED]"));
    }

private:
    void add(const std::string& e) {
        std::lock_guard<std::mutex> lock(m_);
        events_.push_back(e);
        cv_.notify_all();
    }

    IAgoraAPI* api_;
    bool destroy_on_login_;
    std::mutex m_;
    std::condition_variable cv_;
    std::vector<std::string> events_;
};

// Counts the results it hears; each one is deleted as soon as callbackSet has replaced it, so a
// callback that reached a replaced handler would touch freed memory.
static std::atomic<int> g_results(0);

class Counter : public ICallBack {
public:
    Counter() : heard_(0) {}
    void onQueryUserStatusResult(char const*, size_t, char const*, size_t) {
        heard_++;
        g_results++;
    }

private:
    int heard_;
};

static bool contains(const std::vector<std::string>& events, const std::string& part) {
    for (size_t i = 0; i < events.size(); i++)
        if (events[i].find(part) != std::string::npos) return true;
    return false;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s <appId> <account>\n", argv[0]);
        return 2;
    }
    std::string app = argv[1], account = argv[2];

    check(getAgoraSDKInstanceCPP() == getAgoraSDKInstanceCPP(), "singleton is stable");
    check(getAgoraSDKInstanceC()->api == static_cast<void*>(getAgoraSDKInstanceCPP()),
          "C view names the same instance");

    IAgoraAPI* api = createAgoraSDKInstanceCPP();
    Recorder* rec = new Recorder(api);
    api->callbackSet(rec);

    // Bad string arguments: refused, reported through onError with a description.
    api->channelJoin(NULL, 5);
    check(rec->waitFor("onError channel_join 1004 channelJoin: channelID is NULL but "
                       "channelID_size is 5",
                       5000),
          "NULL with a size");
    api->messageInstantSend("bob", 100, 0, "hi", 2, "", 0);
    check(rec->waitFor("onError message_instant_send 1004 messageInstantSend: account_size is "
                       "100 but account ends with a NUL byte at offset 3",
                       5000),
          "size past the terminator");
    api->channelJoin("ro\xffom", 5);
    check(rec->waitFor("onError channel_join 1004 channelJoin: channelID is not valid UTF-8",
                       5000),
          "invalid UTF-8");
    api->channelJoin("ro\0om", 5);
    check(rec->waitFor("onError channel_join 1004 channelJoin: channelID_size is 5 but "
                       "channelID ends with a NUL byte at offset 2",
                       5000),
          "embedded NUL");
    api->channelLeave(NULL, 0);  // NULL with size 0 is "": not a boundary error
    check(!contains(rec->events(), "NOT NUL-TERMINATED"), "callback strings NUL-terminated");

    // destroy() inside a callback.
    rec->destroyOnLogin();
    api->login(app.c_str(), app.size(), account.c_str(), account.size(), "_no_need_token", 14,
               0, NULL, 0);
    check(rec->waitFor("destroy returned inside the callback", 10000),
          "destroy inside a callback returns");
    size_t after_destroy = rec->events().size();

    // Calls after destroy: ignored, no callback, no crash.
    api->callbackSet(rec);
    api->login(app.c_str(), app.size(), account.c_str(), account.size(), "", 0, 0, NULL, 0);
    api->channelJoin(NULL, 7);
    api->messageChannelSend("room", 4, "x", 1, "", 0);
    api->channelInviteUser("room", 4, "bob", 3);
    api->invoke("io.agora.signal.user_query_user_status", 38, "{}", 2, "1", 1);
    api->logout();
    api->destroy();
    check(api->getStatus() == 0 && !api->isOnline(), "status after destroy");
    check(api->getSdkVersion() > 1000000000, "version after destroy");
    check(api->callbackGet() == rec, "callbackGet after destroy");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    check(rec->events().size() == after_destroy, "no callback after destroy");
    delete rec;  // the program owns its handler

    // delete on a created instance: destroys and frees it; its handler hears nothing more.
    IAgoraAPI* other = createAgoraSDKInstanceCPP();
    Recorder* rec2 = new Recorder(other);
    other->callbackSet(rec2);
    other->login(app.c_str(), app.size(), "other", 5, "", 0, 0, NULL, 0);
    check(rec2->waitFor("onLoginSuccess", 10000), "second instance logs in");
    delete other;
    size_t after_delete = rec2->events().size();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    check(rec2->events().size() == after_delete, "no callback after delete");
    delete rec2;

    // callbackSet racing the callbacks: one thread keeps queries coming while this one swaps
    // handlers, deleting each replaced handler at once.
    IAgoraAPI* racer = createAgoraSDKInstanceCPP();
    Recorder* rec3 = new Recorder(racer);
    racer->callbackSet(rec3);
    racer->login(app.c_str(), app.size(), "racer", 5, "", 0, 0, NULL, 0);
    check(rec3->waitFor("onLoginSuccess", 10000), "racing instance logs in");
    std::atomic<bool> stop(false);
    std::thread asker([&] {
        while (!stop) {
            racer->queryUserStatus("racer", 5);
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
    });
    Counter* current = new Counter();
    racer->callbackSet(current);
    delete rec3;
    int swaps = 0, start = g_results;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((swaps < 200 || g_results - start < 200) && std::chrono::steady_clock::now() < deadline) {
        Counter* next = new Counter();
        racer->callbackSet(next);
        delete current;
        current = next;
        swaps++;
        std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    stop = true;
    asker.join();
    racer->callbackSet(NULL);
    delete current;
    check(swaps >= 200 && g_results - start >= 200, "callbackSet racing callbacks",
          std::to_string(swaps) + " swaps, " + std::to_string(g_results - start) + " results");
    delete racer;

    std::printf("%d failures\n", g_failures);
    return g_failures;
}
