auto s = R"x(api->logout())x";
void C::onChannelJoined(char const* c, size_t n) { api_->channelLeave(c, n); }
char q = '\'';
