#import <Foundation/Foundation.h>

@class AgoraAPI;

// Our own methods; declarations are not legacy calls.
@interface SignalController : NSObject
@property (nonatomic, strong) AgoraAPI *api;
- (void)login:(NSString *)account;
- (void)logout;
@end
