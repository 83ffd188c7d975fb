// The threads that work on the database beside the event loops: the usage writer (and its
// catch-up thread), the key cache's refresher and the wallet sync.
#pragma once

namespace tollgate::store {

// Names the calling thread (for top and ps; at most 15 characters) and makes it throughput work:
// SCHED_BATCH at nice 10, so that waking up it never preempts an event loop and its database
// work does not show in request latency. Best effort: a refusal leaves the thread as it was.
void become_background_thread(const char* name);

// Names the calling thread and makes it SCHED_BATCH at the default nice: waking up it does not
// preempt an event loop either, but it gets a fair share of the cores beside them (the usage
// writer's catch-up thread, for work that cannot wait for idle time).
void become_batch_thread(const char* name);

}  // namespace tollgate::store
