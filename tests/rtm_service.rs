//! Process-wide service settings: setRtmServiceContext (geofencing) and setParameters.
//! One test function: the context is process-wide, so nothing else may create clients here.

mod common;

use sig2rtm::rtm::{
    rtm_service_context, set_rtm_service_context, AreaCode, InitErrCode, RtmServiceContext,
    SetRtmServiceContextErrCode,
};

#[tokio::test(start_paused = true)]
async fn service_context_changes_only_while_no_client_exists_and_parameters_take_json_objects() {
    assert_eq!(rtm_service_context().area_code, AreaCode::GLOB);
    let europe = RtmServiceContext {
        area_code: AreaCode::EU | AreaCode::NA,
    };
    set_rtm_service_context(europe).unwrap();
    assert_eq!(rtm_service_context(), europe);

    let system = common::system();
    let client = common::client(&system);
    let err = set_rtm_service_context(RtmServiceContext::default()).unwrap_err();
    assert_eq!(err.kind(), SetRtmServiceContextErrCode::Failure);
    assert_eq!(err.code(), 1);
    assert_eq!(
        rtm_service_context(),
        europe,
        "a refused change keeps the old context"
    );

    client.set_parameters(r#"{"rtm.log_filter": 15}"#).unwrap();
    client.set_parameters("{}").unwrap();
    for bad in ["", "[1,2]", "not json", "42"] {
        let err = client.set_parameters(bad).unwrap_err();
        assert_eq!(err.kind(), InitErrCode::InvalidArgument, "{bad:?}");
    }

    // Released, the client no longer holds the context.
    client.release();
    set_rtm_service_context(RtmServiceContext::default()).unwrap();
    assert_eq!(rtm_service_context().area_code, AreaCode::GLOB);
}
