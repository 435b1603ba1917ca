- (void)login2:(NSString *)a;
[[AgoraAPI getInstance] login2:app account:name token:@"_no_need_token" uid:0 deviceID:@""];
switch (x) { case login: break; }
