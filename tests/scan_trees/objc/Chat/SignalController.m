#import "SignalController.h"
#import <AgoraSigKit/AgoraSigKit.h>

// [self.api login2:...] in a comment
static NSString *const kHelp = @"call [api logout] to quit";

@implementation SignalController

- (void)setUp {
    self.api = [AgoraAPI getInstanceWithoutMedia:kAppId];
    __weak typeof(self) weakSelf = self;
    self.api.onLoginSuccess = ^(uint32_t uid, int fd) { // EXPECT: onLoginSuccess
        NSLog(@"onLoginSuccess %u, now [api channelJoin:]", uid);
        [weakSelf.api channelJoin:@"lobby"]; // EXPECT: channelJoin
    };
    self.api.onInviteReceived = ^(NSString *channelID, NSString *account, uint32_t uid, NSString *extra) { // EXPECT: onInviteReceived
        [weakSelf.api channelInviteAccept:channelID account:account uid:uid extra:@""]; // EXPECT: channelInviteAccept
    };
}

- (void)login:(NSString *)account {
    [self.api login2:kAppId account:account token:@"_no_need_token" uid:0 deviceID:@"" retry_time_in_s:30 retry_count:3]; // EXPECT: login2
}

- (void)hangUp:(NSString *)channel peer:(NSString *)peer {
    [[self api] channelInviteEnd:channel account:peer uid:0]; // EXPECT: channelInviteEnd
    [self.api logout]; // EXPECT: logout
}

#if 0
- (void)old { [self.api messageInstantSend:@"bob" uid:0 msg:@"hi" msgID:@""]; }
#endif

- (NSString *)label {
    switch (self.state) {
        case login: return @"logging in";
        default: return @"";
    }
}

@end
