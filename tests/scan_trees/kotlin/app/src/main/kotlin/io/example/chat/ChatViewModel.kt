package io.example.chat

/* Block comment /* nested: api.logout() */ still a comment: api.channelJoin("x") */
class ChatViewModel(private val api: AgoraAPIOnlySignal?) {
    init {
        api!!.callbackSet(object : AgoraAPI.CallBack() { // EXPECT: callbackSet
            override fun onChannelJoined(channelID: String) { // EXPECT: onChannelJoined
                log("joined $channelID, next: api.messageChannelSend")
            }

            override fun onChannelUserList(accounts: Array<String>, uids: IntArray) { // EXPECT: onChannelUserList
            }

            override fun onMessageChannelReceive(channelID: String, account: String, uid: Int, msg: String) { // EXPECT: onMessageChannelReceive
                val line = "${account}: ${msg.trim()} of ${api.channelQueryUserNum(channelID)}" // EXPECT: channelQueryUserNum
            }
        })
    }

    fun join(ch: String) = api?.channelJoin(ch) // EXPECT: channelJoin

    fun say(ch: String, text: String) {
        val quote = '"'
        val raw = """
            api.messageChannelSend("$ch", "$text", "")
        """
        val report = "sent: ${api?.messageChannelSend(ch, text, "")}" // EXPECT: messageChannelSend
        api?.`channelLeave`(ch) // EXPECT: channelLeave
        api!!.queryUserStatus("bob") // EXPECT: queryUserStatus
    }
}
