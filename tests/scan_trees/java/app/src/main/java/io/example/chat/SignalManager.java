package io.example.chat;

import io.agora.AgoraAPI;
import io.agora.AgoraAPIOnlySignal;

/**
 * Wraps the legacy API. Calls such as api.login2(...) and api.logout() in this comment
 * must not be reported, and neither must messageInstantSend.
 */
public class SignalManager {
    private static final String TAG = "SignalManager";
    private final AgoraAPIOnlySignal api;

    public SignalManager(android.content.Context ctx, String appId) {
        api = AgoraAPIOnlySignal.getInstance(ctx, appId);
        api.callbackSet(new AgoraAPI.CallBack() { // EXPECT: callbackSet
            @Override
            public void onLoginSuccess(int uid, int fd) { // EXPECT: onLoginSuccess
                Log.i(TAG, "onLoginSuccess uid=" + uid);
            }

            @Override
            public void onLoginFailed(int ecode) { // EXPECT: onLoginFailed
                Log.w(TAG, "login failed: " + ecode + " (see api.login2 docs)");
            }

            @Override
            public void onMessageInstantReceive(String account, int uid, String msg) { // EXPECT: onMessageInstantReceive
                // api.messageInstantSend(account, 0, "echo", "") would loop
                handler.post(() -> show(account, msg));
            }

            @Override
            public void onError(String name, int ecode, String desc) { // EXPECT: onError
                Log.e(TAG, name + ": " + desc);
            }
        });
    }

    /* Our own wrapper named like a legacy method: its definition is not a legacy call. */
    public void login(String appId, String account) {
        api.login2(appId, account, "_no_need_token", 0, "", 30, 3); // EXPECT: login2
    }

    public void send(String peer, String text) {
        String note = "api.messageInstantSend(peer, 0, text, id)";
        char quote = '"';
        api.messageInstantSend(peer, 0, text, ""); // EXPECT: messageInstantSend
        String block = """
            api.channelJoin("lobby");
            """;
    }

    public void leave() {
        api.channelLeave("lobby"); // EXPECT: channelLeave
        api
            .logout(); // EXPECT: logout
        api.setBackground(1); // EXPECT: setBackground
    }
}
