//! Build script: generates the callback glue of the C ABI (`ICallBackC` and the bridge) from
//! the `[[callback]]` rows of `../mapping/events.toml`, through the table compiler.

fn main() {
    sig2rtm_tables::build_script("..", sig2rtm_tables::compile_capi);
}
