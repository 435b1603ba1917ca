import AgoraSigKit

/* Top comment /* nested: api.logout() */ still a comment: api.channelLeave("x") */
final class SignalService {
    let api = AgoraAPI.getInstanceWithoutMedia(appId)

    func start() {
        api.onLoginSuccess = { [weak self] uid, fd in // EXPECT: onLoginSuccess
            print("logged in as \(uid); call api.channelJoin next")
            self?.api.channelJoin("lobby") // EXPECT: channelJoin
        }
        api.onChannelAttrUpdated = { channel, name, value, type in // EXPECT: onChannelAttrUpdated
            print("\(name) = \(value) [\(self.api.getStatus())]") // EXPECT: getStatus
        }
        api.login2(appId, account: "alice", token: "_no_need_token", uid: 0, deviceID: "", retry_time_in_s: 30, retry_count: 3) // EXPECT: login2
    }

    func setTopic(_ topic: String) {
        let help = #"use api.channelSetAttr("ch", "topic", "\(topic)")"#
        let multi = """
            api.channelDelAttr("ch", "topic") "quoted"
            """
        api.channelSetAttr("lobby", name: "topic", value: topic) // EXPECT: channelSetAttr
        api.`channelClearAttr`("lobby") // EXPECT: channelClearAttr
    }
}
