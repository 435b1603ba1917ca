//! Peer messages: the crossbeam hand-off baseline, the RTM core (1 → 1 and 100 pairs), the
//! legacy facade, and the unloaded legacy → legacy latency. One iteration is a batch of
//! [`BATCH`] messages (latency: one message).
//!
//! `cargo bench --bench peer_messages`

mod scenarios;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scenarios::*;
use std::time::Duration;

const BATCH: u64 = 1000;

fn peer_messages(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("peer_messages");
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("crossbeam_handoff_baseline", |b| {
        b.iter_custom(|iters| baseline_handoff(iters * BATCH))
    });
    let one = CorePeers::new(&rt, 1);
    group.bench_function("core_1_to_1", |b| {
        b.iter_custom(|iters| one.run(&rt, iters * BATCH).0)
    });
    drop(one);
    let pairs = CorePeers::new(&rt, 100);
    group.bench_function("core_100_pairs", |b| {
        b.iter_custom(|iters| pairs.run(&rt, iters * BATCH).0)
    });
    drop(pairs);
    let facade = FacadePeers::new(&rt);
    group.bench_function("facade_1_to_1", |b| {
        b.iter_custom(|iters| facade.run(iters * BATCH))
    });
    group.finish();

    let mut group = c.benchmark_group("latency_unloaded");
    group.bench_function("crossbeam_wake_baseline", |b| {
        b.iter_custom(|iters| {
            baseline_latency(iters as usize, Duration::from_micros(200))
                .into_iter()
                .sum()
        })
    });
    group.bench_function("legacy_to_legacy", |b| {
        b.iter_custom(|iters| {
            facade
                .latency(iters as usize, Duration::from_micros(200))
                .into_iter()
                .sum()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = peer_messages
}
criterion_main!(benches);
