/* The callers' hot path: the built-in presets' enter and exit as inline code, picked by the kernel's caller kind. */
#ifndef MODSIM_CALLER_H
#define MODSIM_CALLER_H

/*
 * Included by internal.h, after the kernel, CPU and module records.
 *
 * Every subsystem call into module code runs the preset's enter and exit,
 * and the preset is chosen at run time.  Through the table
 * (cpu->k->strat->enter) that is two out-of-line indirect calls per call,
 * which cost more than the per-CPU counts they run.  So each built-in
 * preset's caller side is written here once, as inline code, and the
 * kernel keeps a small tag, k->caller, that says which of them its preset
 * uses.  modsim_caller_enter() and modsim_caller_exit() switch on it (a
 * call reads it once, modsim_caller_kind(); MODSIM_CALL does), and so does
 * the call bracket's section test (modsim_section_begin/end).  The preset's
 * table points at the same code (its strategy_*.c takes its enter and exit
 * from here), so both ways run the same instructions.  rcu's read-side
 * section stays two direct calls into strategy_rcu.c: inline here, it would
 * bring liburcu's headers (rcu_* macros, futex()) into every subsystem.
 * Anything the tag does not name (a strategy .so, a preset with a section
 * of its own, a kernel whose tag was never set) goes through the table as
 * before.
 *
 * modsim_caller_of() (caller.c) sets the tag when the preset is installed:
 * a preset gets a kind only when its enter, exit and section operations
 * are exactly those of a built-in preset with that kind, so compositions
 * (which copy their base's caller side) keep the fast path, and a table
 * with any other function does not get it.
 */

/*
 * enum modsim_caller - how callers run the preset's enter and exit.
 * 0 is the table, so that a kernel whose tag was never set is slow but
 * right.  The two kinds with a read-side section come first (one compare
 * finds them), then the cheap kinds, then the shared counts.
 */
enum modsim_caller {
	MODSIM_CALLER_TABLE,    /* cpu->k->strat->enter/exit/section_* */
	MODSIM_CALLER_RCU,      /* rcu: a read-side section around the call, state check inside */
	MODSIM_CALLER_NOTHING,  /* enter true, exit nothing: none, self*, nounload, twoinit, stopworld, quiesce */
	MODSIM_CALLER_PERCPU,   /* linux26: state check, this CPU's own slot */
	MODSIM_CALLER_PCPU_REF, /* percpu-ref: mode check, this CPU's own slot */
	MODSIM_CALLER_INC,      /* inc: one shared count, always */
	MODSIM_CALLER_TRY,      /* try: one shared count, -1 unless LIVE */
	MODSIM_CALLER_DRAIN,    /* try-drain: one shared word with a closed bit */
	MODSIM_CALLER_BIASED,   /* linux319: state check, atomic inc unless zero */
	MODSIM_CALLER_RUNDOWN,  /* rundown: one shared word with an active bit */
	MODSIM_CALLER__COUNT
};

/* modsim_caller_of - the caller kind of preset @s (caller.c). */
enum modsim_caller modsim_caller_of(const struct modsim_strategy *s);
/* modsim_caller_name - "table", "nothing", "per-CPU count", ... */
const char *modsim_caller_name(enum modsim_caller c);

/* ---- per-CPU counts (linux26, percpu-ref; loader side in percpu.h) ---- */

/*
 * struct pcpu_slot - one CPU's share of a count, alone on its cache line.
 *
 * Single writer: the CPU the slot belongs to, with a relaxed load and a
 * relaxed store (no locked instruction).  Another thread writes a slot only
 * when no CPU can be updating it (percpu-ref's fold, after quiescence).  A
 * share may go negative: a reference taken on one CPU may be dropped on
 * another; only the sum over all slots means anything.
 */
struct pcpu_slot {
	_Atomic long v;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* struct pcpu_count - the slots of one module; the pointer is read-only after pcpu_alloc. */
struct pcpu_count {
	struct pcpu_slot *slot;
	unsigned int n;
};

/* Add @d to @cpu's own slot.  Only @cpu's thread may call it. */
static inline void pcpu_add(const struct pcpu_count *c, const struct modsim_cpu *cpu, long d)
{
	_Atomic long *v = &c->slot[cpu->id].v;

	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + d,
			      memory_order_relaxed);
}

/* ---- inc (strategy_inc.c) ---- */

struct inc_priv {
	_Atomic long count;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline bool modsim_inc_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return true;
	atomic_fetch_add(&((struct inc_priv *)m->priv)->count, 1);
	return true;
}

static inline void modsim_inc_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	atomic_fetch_sub(&((struct inc_priv *)m->priv)->count, 1);
	if (modsim_unlikely(atomic_load(&m->waiting)))
		modsim_mod_wake(m);
}

/* ---- try (strategy_try.c) ---- */

/* -1 while the module is not LIVE, else the references held. */
struct try_priv {
	_Atomic long count;
} __attribute__((aligned(MODSIM_CACHELINE)));

/*
 * modsim_count_get_live - take a reference on @count unless it is negative
 * (the module is not LIVE); acquire on success.  try's short calls and
 * stopworld's long-held references (strategy_stopworld.c) both count so.
 */
static inline bool modsim_count_get_live(_Atomic long *count)
{
	long c = atomic_load_explicit(count, memory_order_relaxed);

	do {
		if (c < 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(count, &c, c + 1, memory_order_acquire,
							memory_order_relaxed));
	return true;
}

static inline bool modsim_try_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return !m || modsim_count_get_live(&((struct try_priv *)m->priv)->count);
}

static inline void modsim_try_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	atomic_fetch_sub(&((struct try_priv *)m->priv)->count, 1);
	if (modsim_unlikely(atomic_load(&m->waiting)))
		modsim_mod_wake(m);
}

/* ---- try-drain (strategy_try_drain.c) ---- */

/* The references held, plus DRAIN_CLOSED while no new one may be taken. */
#define DRAIN_CLOSED (1UL << 62)

struct drain_priv {
	_Atomic unsigned long word;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline bool modsim_drain_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct drain_priv *p;
	unsigned long w;

	if (!m)
		return true;
	p = m->priv;
	w = atomic_load_explicit(&p->word, memory_order_relaxed);
	do {
		if (w & DRAIN_CLOSED)
			return false;
	} while (!atomic_compare_exchange_weak(&p->word, &w, w + 1));
	return true;
}

static inline void modsim_drain_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	/* seq_cst: pairs with modsim_mod_wait() setting m->waiting. */
	atomic_fetch_sub(&((struct drain_priv *)m->priv)->word, 1);
	if (modsim_unlikely(atomic_load(&m->waiting)))
		modsim_mod_wake(m);
}

/* ---- linux26 (strategy_linux26.c) ---- */

struct l26_priv {
	struct pcpu_count pc;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* Slow path of an exit during unload: fence, then wake the unloader. */
void __modsim_l26_wake(struct modsim_mod *m);

static inline bool modsim_l26_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return true;
	/* No quiescent point between this check and the increment. */
	if (modsim_unlikely(atomic_load_explicit(&m->state, memory_order_acquire) !=
			    MODSIM_STATE_LIVE))
		return false;
	pcpu_add(&((struct l26_priv *)m->priv)->pc, cpu, 1);
	return true;
}

static inline void modsim_l26_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	pcpu_add(&((struct l26_priv *)m->priv)->pc, cpu, -1);
	if (modsim_unlikely(atomic_load_explicit(&m->state, memory_order_acquire) !=
			    MODSIM_STATE_LIVE))
		__modsim_l26_wake(m);
}

/* ---- linux319 (strategy_linux319.c) ---- */

/* MODULE_REF_BASE plus the references held while LIVE. */
struct l319_priv {
	_Atomic long refcnt;
} __attribute__((aligned(MODSIM_CACHELINE)));

static inline bool modsim_l319_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct l319_priv *p;
	long c;

	if (!m)
		return true;
	if (modsim_unlikely(atomic_load_explicit(&m->state, memory_order_acquire) !=
			    MODSIM_STATE_LIVE))
		return false;
	/* atomic_inc_not_zero */
	p = m->priv;
	c = atomic_load_explicit(&p->refcnt, memory_order_relaxed);
	do {
		if (modsim_unlikely(c == 0))
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&p->refcnt, &c, c + 1, memory_order_seq_cst,
							memory_order_relaxed));
	return true;
}

/* Unload never waits on the count, so an exit wakes nobody. */
static inline void modsim_l319_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	atomic_fetch_sub(&((struct l319_priv *)m->priv)->refcnt, 1);
}

/* ---- rcu (strategy_rcu.c) ---- */

/* The read-side section: register the thread with liburcu on its first
 * section, then rcu_read_lock(); and rcu_read_unlock(). */
void __modsim_rcu_section_begin(struct modsim_cpu *cpu);
void __modsim_rcu_section_end(struct modsim_cpu *cpu);

static inline bool modsim_rcu_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return !m || atomic_load_explicit(&m->state, memory_order_acquire) == MODSIM_STATE_LIVE;
}

/* ---- percpu-ref (strategy_percpu_ref.c) ---- */

/*
 * Mode word, read by every enter and exit.  LIVE is 0: they touch only
 * their own CPU's slot.  Killing sets both bits at once: tryget_live fails
 * from then on, and puts go to the shared atomic count instead.
 */
#define PREF_ATOMIC 1u /* puts go to the atomic count */
#define PREF_DEAD 2u   /* killed (or not yet live): gets fail */

struct pref_priv {
	/* Read on every get and put; written only by the loader. */
	_Atomic unsigned int mode;
	struct pcpu_count pc;
	_Atomic bool folded; /* slots folded into @count, bias removed; changed under load_mutex */
	/* Written by puts in atomic mode: a line of its own. */
	_Atomic long count __attribute__((aligned(MODSIM_CACHELINE)));
} __attribute__((aligned(MODSIM_CACHELINE)));

/* A put in atomic mode; wakes the unloader at zero. */
void __modsim_pref_put_atomic(struct modsim_mod *m);

/* percpu_ref_tryget_live */
static inline bool modsim_pref_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct pref_priv *p;

	if (!m)
		return true;
	p = m->priv;
	if (modsim_unlikely(atomic_load_explicit(&p->mode, memory_order_acquire)))
		return false;
	pcpu_add(&p->pc, cpu, 1);
	return true;
}

static inline void modsim_pref_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct pref_priv *p;

	if (!m)
		return;
	p = m->priv;
	if (modsim_likely(!(atomic_load_explicit(&p->mode, memory_order_acquire) & PREF_ATOMIC))) {
		pcpu_add(&p->pc, cpu, -1);
		return;
	}
	__modsim_pref_put_atomic(m);
}

/* ---- rundown (strategy_rundown.c) ---- */

/* The holders times two, and the low bit once rundown began (EX_RUNDOWN_REF). */
#define RD_ACTIVE 1L
#define RD_ONE 2L

struct rd_priv {
	_Atomic long word;
} __attribute__((aligned(MODSIM_CACHELINE)));

/* ExAcquireRundownProtection */
static inline bool modsim_rd_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	struct rd_priv *p;
	long v;

	if (!m)
		return true;
	p = m->priv;
	v = atomic_load_explicit(&p->word, memory_order_relaxed);
	do {
		if (modsim_unlikely(v & RD_ACTIVE))
			return false;
	} while (!atomic_compare_exchange_weak(&p->word, &v, v + RD_ONE));
	return true;
}

/* ExReleaseRundownProtection; seq_cst, then a look at m->waiting (see modsim_mod_wait). */
static inline void modsim_rd_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (!m)
		return;
	if (modsim_unlikely(atomic_fetch_sub(&((struct rd_priv *)m->priv)->word, RD_ONE) - RD_ONE ==
			    RD_ACTIVE))
		modsim_mod_wake(m);
}

/* ---- the dispatch ---- */

/*
 * The order of the tests is the cost.  A preset whose callers do nothing
 * (none, the self presets, nounload, twoinit, stopworld, quiesce) falls
 * straight through: one compare, one branch not taken, the price the post
 * says such callers pay.  Every other kind jumps out of line once and back
 * once per call (a taken branch costs about a cycle in a loop this short),
 * then tests its kind: the per-CPU counts first, then rcu, then the shared
 * counts, whose locked instructions cost ten times more than any of this,
 * in one switch.  With the kind read once per call (modsim_caller_kind),
 * the compiler lays each kind's exit right after its call, untested.
 */
static inline bool modsim_enter_shared(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	switch ((enum modsim_caller)c) {
	case MODSIM_CALLER_INC:
		return modsim_inc_enter(m, cpu);
	case MODSIM_CALLER_TRY:
		return modsim_try_enter(m, cpu);
	case MODSIM_CALLER_DRAIN:
		return modsim_drain_enter(m, cpu);
	case MODSIM_CALLER_BIASED:
		return modsim_l319_enter(m, cpu);
	case MODSIM_CALLER_RUNDOWN:
		return modsim_rd_enter(m, cpu);
	default:
		return cpu->k->strat->enter(m, cpu);
	}
}

static inline void modsim_exit_shared(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	switch ((enum modsim_caller)c) {
	case MODSIM_CALLER_INC:
		modsim_inc_exit(m, cpu);
		return;
	case MODSIM_CALLER_TRY:
		modsim_try_exit(m, cpu);
		return;
	case MODSIM_CALLER_DRAIN:
		modsim_drain_exit(m, cpu);
		return;
	case MODSIM_CALLER_BIASED:
		modsim_l319_exit(m, cpu);
		return;
	case MODSIM_CALLER_RUNDOWN:
		modsim_rd_exit(m, cpu);
		return;
	default:
		cpu->k->strat->exit(m, cpu);
		return;
	}
}

/*
 * modsim_caller_kind - the kernel's caller kind, for one call.  Read it
 * once and give it to both modsim_caller_enter() and modsim_caller_exit():
 * the preset changes only while no module is loaded (modsim_set_strategy),
 * and with one value the compiler knows at the exit which way the entry
 * went, so that neither pays a test the other already made.
 */
static inline unsigned int modsim_caller_kind(const struct modsim_cpu *cpu)
{
	return cpu->k->caller;
}

/* The preset's entry for a short call into @m (NULL: built-in code); false refuses. */
static inline bool modsim_caller_enter(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (modsim_likely(c == MODSIM_CALLER_NOTHING))
		return true;
	if (c == MODSIM_CALLER_PERCPU)
		return modsim_l26_enter(m, cpu);
	if (c == MODSIM_CALLER_PCPU_REF)
		return modsim_pref_enter(m, cpu);
	if (c == MODSIM_CALLER_RCU)
		return modsim_rcu_enter(m, cpu);
	return modsim_enter_shared(c, m, cpu);
}

/* The preset's exit after that call. */
static inline void modsim_caller_exit(unsigned int c, struct modsim_mod *m, struct modsim_cpu *cpu)
{
	if (modsim_likely(c == MODSIM_CALLER_NOTHING))
		return;
	if (c == MODSIM_CALLER_PERCPU)
		modsim_l26_exit(m, cpu);
	else if (c == MODSIM_CALLER_PCPU_REF)
		modsim_pref_exit(m, cpu);
	else if (c != MODSIM_CALLER_RCU)
		modsim_exit_shared(c, m, cpu);
}

/* The same, reading the kind for each. */
static inline bool modsim_enter(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	return modsim_caller_enter(modsim_caller_kind(cpu), m, cpu);
}

static inline void modsim_exit(struct modsim_mod *m, struct modsim_cpu *cpu)
{
	modsim_caller_exit(modsim_caller_kind(cpu), m, cpu);
}

/* The preset's read-side section around a whole call, lookup included (rcu). */
static inline void modsim_section_begin(struct modsim_cpu *cpu)
{
	const struct modsim_kernel *k = cpu->k;

	if (modsim_likely(k->caller > MODSIM_CALLER_RCU))
		return;
	if (k->caller == MODSIM_CALLER_RCU)
		__modsim_rcu_section_begin(cpu);
	else if (k->strat->section_begin)
		k->strat->section_begin(cpu);
}

static inline void modsim_section_end(struct modsim_cpu *cpu)
{
	const struct modsim_kernel *k = cpu->k;

	if (modsim_likely(k->caller > MODSIM_CALLER_RCU))
		return;
	if (k->caller == MODSIM_CALLER_RCU)
		__modsim_rcu_section_end(cpu);
	else if (k->strat->section_end)
		k->strat->section_end(cpu);
}

#endif /* MODSIM_CALLER_H */
