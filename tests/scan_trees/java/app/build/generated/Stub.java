class Stub { void f(AgoraAPI api) { api.messageInstantSend("a", 0, "b", "c"); } }
