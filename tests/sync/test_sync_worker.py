"""The background worker: on demand and on a timer, off the caller's thread, backing off."""

from __future__ import annotations

import random
import threading

from sync.drill import queue_cases
from sync.worker import SyncWorker, backoff_delay


def test_backoff_grows_is_capped_and_jittered():
    rng = random.Random(1)
    delays = [backoff_delay(n, base=2, cap=60, rng=rng) for n in range(1, 12)]
    assert 1 <= delays[0] <= 2 and 2 <= delays[1] <= 4 and 4 <= delays[2] <= 8
    assert all(30 <= d <= 60 for d in delays[6:])
    assert len({round(backoff_delay(5, rng=rng), 6) for _ in range(20)}) > 15  # spread out


def test_worker_syncs_on_demand_and_on_timer_off_the_calling_thread(ctx, sqlite_server, sx):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    queue_cases(store, 3)
    seen, threads = [], set()
    done = threading.Event()
    w = SyncWorker(store, interval_s=0.2)

    def listener(st):
        seen.append(st)
        threads.add(threading.current_thread().name)
        if len([s for s in seen if not s.running and s.online]) >= 3:
            done.set()

    w.add_listener(listener)
    w.start()
    w.sync_now()
    assert done.wait(20), seen[-3:]  # the first cycle plus timer cycles
    w.close()
    assert threads == {"sync-worker"}
    assert seen[-1].pending == 0 and seen[-1].configured and seen[-1].last_success is not None
    assert len(sx.server_records(sqlite_server.db)) == 3


def test_worker_goes_offline_backs_off_and_recovers(ctx, sqlite_server, proxy_factory, sx):
    token = sx.new_device(sqlite_server.db)
    store = sx.registered_store(ctx, sqlite_server.url, token)
    proxy = proxy_factory(sqlite_server)
    from sync.engine import register

    register(store, proxy.url, token)
    queue_cases(store, 2)
    proxy.default = "error500"
    statuses = []
    offline, online = threading.Event(), threading.Event()

    def listener(st):
        statuses.append(st)
        if st.online is False:
            offline.set()
        if st.online and st.pending == 0:
            online.set()

    w = SyncWorker(store, interval_s=0.2)
    w.add_listener(listener)
    w.start()
    assert offline.wait(20)
    bad = next(s for s in statuses if s.online is False)
    assert "HTTP 500" in bad.last_error and bad.next_attempt_in_s > 0 and bad.pending == 2
    proxy.default = "pass"
    w.sync_now()
    assert online.wait(20)
    w.close()
    assert len(sx.server_records(sqlite_server.db)) == 2


def test_worker_without_configuration_does_nothing_harmful(ctx):
    seen = []
    w = SyncWorker(ctx.store, interval_s=0.1)
    w.add_listener(seen.append)
    w.start()
    w.sync_now()
    import time

    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    w.close()
    assert seen and not seen[-1].configured and seen[-1].online is None
