//! Logins to one embedded system: one iteration is one client built and logged in (a fresh
//! system per sample, a thousand logins in flight at a time).
//!
//! `cargo bench --bench logins`

mod scenarios;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scenarios::*;
use std::time::{Duration, Instant};

fn logins(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("logins");
    group.throughput(Throughput::Elements(1));
    group.bench_function("core_login", |b| {
        b.iter_custom(|iters| {
            let system = system();
            let names: Vec<String> = (0..iters).map(|i| format!("u{i}")).collect();
            let start = Instant::now();
            let clients = on_rt(&rt, async move { login_many(&system, names, false).await });
            let took = start.elapsed();
            on_rt(&rt, async move { drop(clients) });
            took
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
    targets = logins
}
criterion_main!(benches);
