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

uint64_t ember_profiler_overhead(const ember_profiler* p)
{
    /* Called through a pointer, as the execute loop calls its hook. */
    void (*volatile event)(void*, uint32_t, ember_event_phase, ember_status) = ember_profiler_event;
    uint64_t best = UINT64_MAX;
    for (int k = 0; k < 100; k++) {
        ember_profile_counter c = {0, 0};
        ember_profiler q = {p->clock, p->clock_user, &c, 1, 0};
        event(&q, 0, EMBER_EVENT_BEGIN, EMBER_OK);
        event(&q, 0, EMBER_EVENT_END, EMBER_OK);
        best = c.ticks < best ? c.ticks : best;
    }
    return best;
}
