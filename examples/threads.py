#!/usr/bin/env python3
"""Three worker threads print their names; the main thread joins them at the end.

Threads share one process, so both `default` and `strict` (which allows clone with CLONE_THREAD only)
run this."""
import threading


def work(results, index):
    results[index] = threading.current_thread().name
    print(f"worker {threading.current_thread().name} running", flush=True)


results = [None] * 3
threads = [threading.Thread(target=work, args=(results, i), name=f"worker-{i}") for i in range(3)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("joined " + ", ".join(results), flush=True)
