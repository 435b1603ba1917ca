let s = "joined \(api.channelJoin(room))"
api.onLogout = { code in }
let r = #"api.logout()"#
