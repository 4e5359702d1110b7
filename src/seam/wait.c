/* Unload waiting: wait until a strategy's condition holds, woken by callers. */
#include <errno.h>
#include <time.h>

#include "seam/seam.h"

/* Longest single sleep: a wake lost by a preset costs latency, never a hang. */
#define WAIT_SLICE_NS 100000000ull

static struct timespec ns_to_ts(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000u),
				  .tv_nsec = (long)(ns % 1000000000u) };
}

/*
 * The waker changes its state (a count) with a seq_cst operation and then
 * reads m->waiting; the waiter sets m->waiting and then, behind a full
 * fence, reads the state.  One of them sees the other, and the wake is
 * broadcast under wait_lock, which the waiter holds from setting
 * m->waiting until it sleeps: no wake is lost.
 */
MODSIM_API int modsim_mod_wait(struct modsim_mod *m, bool (*done)(struct modsim_mod *m))
{
	struct modsim_kernel *k = m->k;
	uint64_t deadline, now;
	int err = 0;

	modsim_point_hit(k, MODSIM_PT_UNLOAD_WAIT, m);
	if (done(m))
		return 0;
	modsim_stat_loader(k, MODSIM_LS_UNLOAD_WAITED);
	if (modsim_sched_controlled(k)) {
		struct modsim_sched_waiter w = { .what = "unload wait" };

		while (!done(m))
			if (modsim_sched_wait(k, &w))
				return -ETIMEDOUT;
		return 0;
	}
	deadline = modsim_now_ns() + (uint64_t)k->cfg.unload_timeout_ms * 1000000u;

	pthread_mutex_lock(&k->wait_lock);
	atomic_store(&m->waiting, 1);
	atomic_thread_fence(memory_order_seq_cst);
	while (!done(m)) {
		now = modsim_now_ns();
		if (now >= deadline) {
			err = -ETIMEDOUT;
			break;
		}
		struct timespec ts = ns_to_ts(deadline - now > WAIT_SLICE_NS ? now + WAIT_SLICE_NS
									   : deadline);
		pthread_cond_timedwait(&k->wait_cond, &k->wait_lock, &ts);
	}
	atomic_store(&m->waiting, 0);
	pthread_mutex_unlock(&k->wait_lock);
	return err;
}

MODSIM_API void modsim_mod_wake(struct modsim_mod *m)
{
	struct modsim_kernel *k = m->k;

	if (!atomic_load(&m->waiting))
		return;
	pthread_mutex_lock(&k->wait_lock);
	pthread_cond_broadcast(&k->wait_cond);
	pthread_mutex_unlock(&k->wait_lock);
}

MODSIM_API bool modsim_mod_waiting(const struct modsim_mod *m)
{
	return atomic_load(&m->waiting);
}
