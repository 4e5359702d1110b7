/*
 * mine.so: an example strategy for researchers, loaded at run time with
 *
 *	modsim --strategy build/strategies/mine.so shell
 *	modsim hazards --strategies build/strategies/mine.so
 *
 * Preset "spinlock": the post's option 1 (try_inc_mod_count) built on a
 * per-module spinlock instead of a lock-free count.  A caller takes the
 * module's lock, checks that the module is open for business, counts
 * itself in, and drops the lock; unload takes the same lock, and closes
 * the module only when nobody is counted.  Because the check and the
 * count change together under the lock, there is no window between them:
 * no caller can count itself into a module that unload already closed.
 * What it costs: every call takes and drops a lock word that all CPUs
 * share (one cache line bouncing between them), twice.
 *
 * A strategy .so defines one `const struct modsim_strategy modsim_strategy`
 * (MODSIM_STRATEGY_SYMBOL) and may call only what <modsim/strategy.h>
 * exports (MODSIM_API): it is built against the headers alone and its
 * undefined symbols bind to the modsim that loads it.  Build it in tree
 * (examples/strategy/CMakeLists.txt), or out of tree with find_package(modsim)
 * and `add_library(mine MODULE mine.c)` linked to modsim::headers.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <modsim/strategy.h>

/*
 * Per-module state (modsim_mod_priv(): priv_size bytes, zeroed, cache-line
 * aligned, one per load generation).  @lock protects @count and @open.
 * Zeroed means: unlocked, nobody counted, closed (init has not succeeded).
 */
struct spin_priv {
	_Atomic int lock;
	long count;
	bool open;
};

static struct spin_priv *sp(struct modsim_mod *m)
{
	return modsim_mod_priv(m);
}

static void spin_lock(struct spin_priv *p)
{
	int unlocked = 0;

	while (!atomic_compare_exchange_weak_explicit(&p->lock, &unlocked, 1, memory_order_acquire,
						      memory_order_relaxed)) {
		unlocked = 0;
		while (atomic_load_explicit(&p->lock, memory_order_relaxed))
			; /* spin on a read: the line stays shared until the holder lets go */
	}
}

static void spin_unlock(struct spin_priv *p)
{
	atomic_store_explicit(&p->lock, 0, memory_order_release);
}

/*
 * Caller side: subsystems call @enter/@exit around every short call into
 * module code and @get/@put around long-held references (an open file).
 * Here both are the same count.  @m is NULL for built-in code: let it in.
 */
static bool spin_get(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct spin_priv *p;
	bool ok;

	if (!m)
		return true;
	p = sp(m);
	spin_lock(p);
	ok = p->open;
	if (ok)
		p->count++;
	spin_unlock(p);
	return ok; /* false: the subsystem counts a failed get and skips the call */
}

static void spin_put(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct spin_priv *p;

	if (!m)
		return;
	p = sp(m);
	spin_lock(p);
	p->count--;
	spin_unlock(p);
}

/* What lsmod shows in its "Used" column. */
static long spin_refcount(struct modsim_mod *m)
{
	struct spin_priv *p = sp(m);
	long c;

	spin_lock(p);
	c = p->count;
	spin_unlock(p);
	return c;
}

/*
 * Loader side, called with the kernel's load mutex held.  Load runs init;
 * the module stays closed while init runs, so a caller that finds what
 * init registered first (the post's half-init) fails its get, and a failed
 * init can be freed at once.
 */
static int spin_load(struct modsim_mod *m)
{
	int err = modsim_default_load(m);

	if (!err) {
		spin_lock(sp(m));
		sp(m)->open = true;
		spin_unlock(sp(m));
	}
	return err;
}

/*
 * Unload: close the module if nobody is counted, else refuse (-EBUSY; the
 * core writes the message).  It never waits, so NOWAIT changes nothing.
 * The race points let tests and the race lab reach the windows: after the
 * decision (there is no window inside it: it is made under the lock), and
 * after the module is GOING, before its exit runs.
 */
static int spin_unload(struct modsim_mod *m, unsigned int flags)
{
	struct modsim_kernel *k = modsim_mod_kernel(m);
	struct spin_priv *p = sp(m);
	bool busy;
	int err;

	spin_lock(p);
	busy = p->count != 0;
	if (!busy)
		p->open = false;
	spin_unlock(p);
	modsim_point(k, MODSIM_PT_UNLOAD_AFTER_CHECK, m);
	if (busy)
		return -EBUSY;
	modsim_mod_set_state(m, MODSIM_STATE_GOING);
	modsim_point(k, MODSIM_PT_UNLOAD_AFTER_GOING, m);
	err = modsim_mod_run_exit(m);
	/* A crashed exit still ends the module; only a hung one keeps it. */
	return err == -ETIMEDOUT ? err : 0;
}

const struct modsim_strategy modsim_strategy = {
	.name = "spinlock",
	.post = "1",
	.caller = "a per-module spinlock around check-open-and-count, every call",
	.unloader = "under the lock: nobody counted -> close, exit and free; else EBUSY; never waits",
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
		[MODSIM_HZ_A] = "a caller is counted across the call; unload closes only at count 0, under the lock",
		[MODSIM_HZ_B] = "the module is closed while init runs: a caller that finds a fails its get",
		[MODSIM_HZ_P] = "the subsystem's own count covers the call, so a self-put never drops the last one",
		[MODSIM_HZ_T] = "timer callbacks go through enter, which fails once unload closed the module",
		[MODSIM_HZ_L] = "unload is refused (EBUSY) while a file is counted",
		[MODSIM_HZ_S] = "nothing stops the world, so nothing can deadlock on it",
	},
	.priv_size = sizeof(struct spin_priv),
	.enter = spin_get,
	.exit = spin_put,
	.get = spin_get,
	.put = spin_put,
	.refcount = spin_refcount,
	.load = spin_load,
	.unload = spin_unload,
};
