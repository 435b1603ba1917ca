//! Channel fan-out: one channel message to every member, through the RTM core (1,000
//! members) and through the legacy facade (200 members, callbacks on threads or inline).
//! One iteration is one message.
//!
//! `cargo bench --bench fanout`

mod scenarios;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scenarios::*;
use sig2rtm::signaling::CallbackMode;
use std::time::Duration;

const CORE_MEMBERS: usize = 1000;
const FACADE_MEMBERS: usize = 200;

fn fanout(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("fanout");
    group.throughput(Throughput::Elements(CORE_MEMBERS as u64));
    group.bench_function("crossbeam_handoff_baseline_1000", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| baseline_handoff(CORE_MEMBERS as u64))
                .sum()
        })
    });
    let core = CoreFanout::new(&rt, CORE_MEMBERS);
    group.bench_function("core_1000_members", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| core.run(&rt)).sum())
    });
    drop(core);
    group.throughput(Throughput::Elements(FACADE_MEMBERS as u64));
    for (mode, name) in [
        (CallbackMode::Thread, "facade_200_members_callback_threads"),
        (CallbackMode::Inline, "facade_200_members_inline_callbacks"),
    ] {
        let facade = FacadeFanout::new(&rt, FACADE_MEMBERS, mode);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| (0..iters).map(|_| facade.run()).sum())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = fanout
}
criterion_main!(benches);
