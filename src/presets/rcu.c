/* Preset "rcu": callers in a liburcu read-side section; unload marks GOING, waits a grace period. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

/* The inline read side: without it every read lock is a library call. */
#define _LGPL_SOURCE
#include <urcu/urcu-memb.h>

/*
 * The reader's state lives in liburcu's TLS.  From position-independent
 * code the default model reaches it through a __tls_get_addr() call on
 * every read lock; libmodsim always has liburcu-memb loaded at startup, so
 * the initial-exec model (one %fs-relative access) is valid and is what
 * makes the fast path call-free.
 */
extern __thread struct urcu_reader urcu_memb_reader __attribute__((tls_model("initial-exec")));

#include "presets/presets.h"
#include "presets/rcu.h"

/*
 * The read-side section opens before the lookup and closes after the exit
 * (modsim_cpu_call_begin/end), so a caller that found a registration is
 * inside it when it checks the state.  Unload sets GOING and waits for a
 * grace period: every section that might have seen LIVE has ended, and
 * every later one sees GOING.  Short calls pay two inlined urcu-memb
 * operations and one acquire load.
 *
 * Long-held references (an open file, symbol_get) cannot sit in a
 * read-side section, so they are counted as try counts them: -1 unless
 * LIVE, and unload wins only from 0.
 */
struct rcu_priv {
	_Atomic long count;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline struct rcu_priv *rp(struct modsim_mod *m)
{
	return m->priv;
}

/*
 * Reader threads register with liburcu on their first section and
 * unregister when they end, through this key's destructor.
 */
static pthread_key_t rcu_thread_key;
static pthread_once_t rcu_key_once = PTHREAD_ONCE_INIT;

static void rcu_thread_gone(void *unused)
{
	urcu_memb_unregister_thread();
}

static void rcu_key_init(void)
{
	if (pthread_key_create(&rcu_thread_key, rcu_thread_gone))
		abort();
}

static __attribute__((noinline)) void rcu_register_self(void)
{
	pthread_once(&rcu_key_once, rcu_key_init);
	urcu_memb_register_thread();
	pthread_setspecific(rcu_thread_key, &rcu_thread_key);
}

void __modsim_rcu_section_begin(struct modsim_cpu *cpu)
{
	if (modsim_unlikely(!URCU_TLS(urcu_memb_reader).registered))
		rcu_register_self();
	urcu_memb_read_lock();
}

void __modsim_rcu_section_end(struct modsim_cpu *cpu)
{
	urcu_memb_read_unlock();
}

/* The state check inside the section (rcu.h). */
static bool rcu_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_rcu_enter(m, cpu);
}

static void rcu_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
}

static bool rcu_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct rcu_priv *p;
	long c;

	if (!m)
		return true;
	p = rp(m);
	c = atomic_load_explicit(&p->count, memory_order_relaxed);
	do {
		if (c < 0)
			return false;
	} while (!atomic_compare_exchange_weak(&p->count, &c, c + 1));
	return true;
}

/* Unload never waits on the long-held count (it refuses), so a put wakes nobody. */
static void rcu_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (m)
		atomic_fetch_sub(&rp(m)->count, 1);
}

static long rcu_refcount(struct modsim_mod *m)
{
	return atomic_load_explicit(&rp(m)->count, memory_order_relaxed);
}

/* Inside a section, synchronize_rcu() would wait for this very thread. */
static int rcu_in_section(struct modsim_mod *m, const char *what)
{
	if (!urcu_memb_read_ongoing())
		return 0;
	return modsim_err(-EDEADLK, "%s %s: called inside an RCU read-side section; the grace period would wait for itself",
			  what, m->name);
}

/* Before anything is published: a load that could not wait a grace period never starts. */
static int rcu_setup(struct modsim_mod *m)
{
	atomic_store(&rp(m)->count, -1);
	return rcu_in_section(m, "insmod");
}

/* Every reader that may have seen the module LIVE has left its section. */
static void rcu_grace_period(struct modsim_mod *m)
{
	/*
	 * Controlled: a reader parked inside its section cannot leave it
	 * without the baton, and synchronize_rcu() would sleep holding it.  So
	 * let the others run until none stands inside a call bracket (its
	 * section); synchronize_rcu() then finds no reader to wait for.
	 */
	struct modsim_sched_waiter w = { .what = "grace period" };

	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_WAIT, m);
	while (modsim_sched_controlled(m->k) && !modsim_sched_others_outside_calls(m->k))
		if (modsim_sched_wait(m->k, &w))
			break;
	urcu_memb_synchronize_rcu();
}

/* Must be called with k->load_mutex held. */
static int rcu_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	if (!err) {
		atomic_store(&rp(m)->count, 0);
		return 0;
	}
	/* A hung init (the watchdog marked it STUCK) still runs: leave it be. */
	if (modsim_mod_state(m) == MODSIM_STATE_STUCK)
		return err;
	/* Nobody entered (not LIVE); a reader may still hold what init registered. */
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	rcu_grace_period(m);
	return err;
}

/* Must be called with k->load_mutex held. */
static int rcu_unload(struct modsim_mod *m, unsigned int flags)
{
	long c = 0;
	int err;

	err = rcu_in_section(m, "rmmod");
	if (err)
		return err;
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (!atomic_compare_exchange_strong(&rp(m)->count, &c, -1))
		return modsim_err(-EBUSY, "rmmod %s: in use (count %ld)", m->name, c);
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	rcu_grace_period(m);
	modsim_point_hit(m->k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_preset_rcu = {
	.name = "rcu",
	.post = "history",
	.caller = "an RCU read-side section around lookup and call (liburcu, inlined), a state check inside",
	.unloader = "long-held count 0 -> GOING, wait a grace period (synchronize_rcu), exit; else EBUSY",
	.author = "nothing; but every subsystem takes an owner and may fail a call",
	.predict = {
		[MODSIM_HZ_A] = MODSIM_SAFE,
		[MODSIM_HZ_B] = MODSIM_SAFE,
		[MODSIM_HZ_P] = MODSIM_SAFE,
		[MODSIM_HZ_T] = MODSIM_SAFE,
		[MODSIM_HZ_L] = MODSIM_SAFE,
		[MODSIM_HZ_S] = MODSIM_SAFE,
	},
	.why = {
		[MODSIM_HZ_A] = "a caller that saw LIVE is still in its read-side section, and exit waits for a grace period",
		[MODSIM_HZ_B] = "entry fails unless LIVE, and a failed init waits a grace period before the free",
		[MODSIM_HZ_P] = "the call's read-side section lasts until the module code returned, self-put or not",
		[MODSIM_HZ_T] = "timer callbacks go through enter, which fails once the module is GOING",
		[MODSIM_HZ_L] = "an open file holds a long-held count: unload is refused (EBUSY) until it is closed",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.sources = "callers: rcu_read_lock()/rcu_read_unlock() around the lookup and the call; unload: "
		   "synchronize_rcu() waits for every read-side section that began before it (include/linux/rcupdate.h, "
		   "6.1; liburcu's urcu.h is the implementation modsim runs)\n"
		   "Linux's own unload rule is weaker: a failed init and delete_module call synchronize_rcu() "
		   "(kernel/module/main.c do_init_module, 6.1) but wait for no read-side section a caller enters "
		   "module code from; modsim's rcu puts every call in one (owner-ref every call)",
	.priv_size = sizeof(struct rcu_priv),
	.enter = rcu_enter,
	.exit = rcu_exit,
	.get = rcu_get,
	.put = rcu_put,
	.refcount = rcu_refcount,
	.section_begin = __modsim_rcu_section_begin,
	.section_end = __modsim_rcu_section_end,
	.mod_setup = rcu_setup,
	.load = rcu_load,
	.unload = rcu_unload,
};

const struct modsim_preset modsim_preset_rcu_entry = {
	.ops = &modsim_preset_rcu,
	.caller = MODSIM_CALLER_RCU,
	.axis = { "direct", "read-side section", "grace period" },
};
