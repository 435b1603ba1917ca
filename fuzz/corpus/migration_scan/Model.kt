val s = "${api.channelJoin("x")} and ${ "nested ${api.logout()}" }"
api?.messageChannelSend(ch, `in`, "")
