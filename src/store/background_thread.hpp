// The threads that work on the database beside the event loops: the usage writer, the key
// cache's refresher and the wallet sync.
#pragma once

namespace tollgate::store {

// Names the calling thread (for top and ps; at most 15 characters) and makes it throughput work:
// SCHED_BATCH at nice 10, so that waking up it never preempts an event loop and its database
// work does not show in request latency. Best effort: a refusal leaves the thread as it was.
void become_background_thread(const char* name);

}  // namespace tollgate::store
