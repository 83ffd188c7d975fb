#include "store/background_thread.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace tollgate::store {

void become_batch_thread(const char* name) {
  pthread_setname_np(pthread_self(), name);
  sched_param param{};
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
}

void become_background_thread(const char* name) {
  become_batch_thread(name);
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
}

}  // namespace tollgate::store
