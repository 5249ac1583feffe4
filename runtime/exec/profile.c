/* profile.c — ember_profiler_event, the ready-made event hook: per-instruction call counts and
 * clock ticks in the caller's counters. It reads the caller's clock and allocates nothing. */
#include "ember/ember.h"

void ember_profiler_event(void* user, uint32_t instruction, ember_event_phase phase, ember_status status)
{
    ember_profiler* p = user;
    (void)status;
    if (phase == EMBER_EVENT_BEGIN) {
        p->started = p->clock(p->clock_user);
        return;
    }
    uint64_t now = p->clock(p->clock_user); /* first: the bookkeeping below is not timed */
    if (instruction >= p->num_counters) return;
    p->counters[instruction].calls++;
    p->counters[instruction].ticks += now - p->started;
}
