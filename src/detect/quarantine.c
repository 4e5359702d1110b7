/* Quarantine: module segment ranges for fault attribution, and reserved pages after unload. */
/* Past 600 lines: the range table and the quarantine share the slots and range_lock (quarantine reserves and seals the very slots the fault handler reads). */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "detect/detect.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/*
 * The range table.
 *
 * The fault handler is process-wide, so the table is too: one slot per
 * segment of every generation that is mapped, reserved or pinned, whatever
 * kernel it belongs to.  The handler reads the table with no lock (it may
 * run while this thread or another holds range_lock); writers serialise on
 * range_lock.
 *
 * Each slot is a seqcount: a writer makes @seq odd, changes the record
 * pointer and the bounds, and makes it even again.  A reader takes @seq,
 * skips the slot while it is odd, loads the pointer and the bounds, and
 * keeps what it read only when @seq has not moved.  (Checking the record
 * pointer again instead is not enough: a slot can go from A to B and back
 * to A between two loads, and a reader would pair A's lo with B's hi; the
 * quarantine test "never misattributes a reused slot" caught that under
 * TSan.)  Slots are reused; range_used only grows, so a lookup scans at
 * most the slots ever used.
 */
#define RANGE_SLOTS 4096
#define RANGE_READ_TRIES 1000

enum slot_state {
	SLOT_LIVE,     /* the module's own mapping (loaded, or kept STUCK) */
	SLOT_RESERVED, /* our PROT_NONE anonymous mapping after dlclose */
	SLOT_PINNED,   /* dlclose left the object mapped: quarantined in place */
};

struct range_slot {
	_Atomic unsigned int seq;         /* odd while a writer changes mod, lo and hi */
	_Atomic(struct modsim_mod *) mod; /* NULL: free */
	_Atomic uintptr_t lo, hi;
	_Atomic int state;                /* enum slot_state */
	/* Writers only, under range_lock. */
	int prot;   /* protection at load */
	bool sealed; /* pinned and made PROT_NONE in place */
};

/* range_lock protects every slot's writer-side fields, slot allocation and
 * range_used; it is taken after a kernel's quarantine lock. */
static pthread_mutex_t range_lock = PTHREAD_MUTEX_INITIALIZER;
static struct range_slot range_table[RANGE_SLOTS];
static _Atomic unsigned int range_used;
static pthread_once_t range_atexit_once = PTHREAD_ONCE_INIT;

/*
 * struct modsim_quarantine - one kernel's unloaded generations, oldest
 * first.  @lock protects the list; it is taken before range_lock.
 */
struct qent {
	struct modsim_mod *m;
	int slot[MODSIM_MAX_RANGES]; /* its slots, checked against m before use */
	unsigned int nslots;
	struct qent *next;
};

struct modsim_quarantine {
	pthread_mutex_t lock;
	struct qent *head, *tail;
};

static size_t range_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* ---- lock-free side ---- */

struct modsim_mod *modsim_range_lookup(uintptr_t addr)
{
	unsigned int n = atomic_load_explicit(&range_used, memory_order_acquire);
	struct modsim_mod *fallback = NULL;

	for (unsigned int i = 0; i < n; i++) {
		struct range_slot *s = &range_table[i];
		struct modsim_mod *m = NULL;
		uintptr_t lo = 0, hi = 0;
		int st = 0;

		/* A writer holds the slot odd for a few stores: retry a while,
		 * then pass over it, as over any slot in flux. */
		for (int tries = 0; tries < RANGE_READ_TRIES; tries++) {
			unsigned int seq = atomic_load_explicit(&s->seq, memory_order_acquire);

			if (seq & 1)
				continue;
			m = atomic_load_explicit(&s->mod, memory_order_relaxed);
			lo = atomic_load_explicit(&s->lo, memory_order_relaxed);
			hi = atomic_load_explicit(&s->hi, memory_order_relaxed);
			st = atomic_load_explicit(&s->state, memory_order_relaxed);
			atomic_thread_fence(memory_order_acquire);
			if (atomic_load_explicit(&s->seq, memory_order_relaxed) == seq)
				break;
			m = NULL;
		}
		if (!m)
			continue;
		if (addr < lo || addr >= hi)
			continue;
		/* While a closed generation's range is being given up, a new
		 * object may already be mapped there: the live one wins. */
		if (st == SLOT_LIVE)
			return m;
		if (!fallback)
			fallback = m;
	}
	return fallback;
}

/* ---- slots (range_lock held) ---- */

static struct range_slot *slot_mod(int i, struct modsim_mod *m)
{
	struct range_slot *s = &range_table[i];

	return atomic_load_explicit(&s->mod, memory_order_relaxed) == m ? s : NULL;
}

/* A writer's side of a slot's seqcount (see "The range table"); range_lock held. */
static void slot_write_begin(struct range_slot *s)
{
	atomic_store_explicit(&s->seq, atomic_load_explicit(&s->seq, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_thread_fence(memory_order_release); /* odd before the fields change */
}

static void slot_write_end(struct range_slot *s)
{
	atomic_store_explicit(&s->seq, atomic_load_explicit(&s->seq, memory_order_relaxed) + 1,
			      memory_order_release); /* the fields before even */
}

static int slot_publish(struct modsim_mod *m, const struct modsim_range *r)
{
	unsigned int used = atomic_load_explicit(&range_used, memory_order_relaxed);
	unsigned int i;
	struct range_slot *s;

	for (i = 0; i < used; i++)
		if (!atomic_load_explicit(&range_table[i].mod, memory_order_relaxed))
			break;
	if (i == RANGE_SLOTS)
		return -ENOSPC;
	s = &range_table[i];
	slot_write_begin(s);
	atomic_store_explicit(&s->lo, r->lo, memory_order_relaxed);
	atomic_store_explicit(&s->hi, r->hi, memory_order_relaxed);
	atomic_store_explicit(&s->state, SLOT_LIVE, memory_order_relaxed);
	s->prot = r->prot;
	s->sealed = false;
	atomic_store_explicit(&s->mod, m, memory_order_relaxed);
	slot_write_end(s);
	if (i == used)
		atomic_store_explicit(&range_used, used + 1, memory_order_release);
	return (int)i;
}

static void slot_unpublish(struct range_slot *s)
{
	slot_write_begin(s);
	atomic_store_explicit(&s->mod, NULL, memory_order_relaxed);
	slot_write_end(s);
	s->sealed = false;
}

/* Give a slot up for good: drop our reservation, or undo our protection of
 * a pinned object so the dynamic linker can still finalise it. */
static void slot_release(struct range_slot *s)
{
	uintptr_t lo = atomic_load_explicit(&s->lo, memory_order_relaxed);
	size_t len = atomic_load_explicit(&s->hi, memory_order_relaxed) - lo;

	switch (atomic_load_explicit(&s->state, memory_order_relaxed)) {
	case SLOT_RESERVED:
		munmap((void *)lo, len);
		break;
	case SLOT_PINNED:
		if (s->sealed)
			mprotect((void *)lo, len, s->prot);
		break;
	default:
		break;
	}
	slot_unpublish(s);
}

/* Does any loaded object still map @addr? */
static int covers_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t addr = *(uintptr_t *)arg;
	uintptr_t pg = range_page_size();

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo, hi;

		if (ph->p_type != PT_LOAD)
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~(pg - 1);
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + pg - 1) & ~(pg - 1);
		if (addr >= lo && addr < hi)
			return 1;
	}
	return 0;
}

static bool object_covers(uintptr_t addr)
{
	return dl_iterate_phdr(covers_cb, &addr) != 0;
}

/* Map [@lo, @lo + @len) PROT_NONE, unless anything is mapped there already. */
static bool span_reserve(uintptr_t lo, size_t len)
{
	void *p = mmap((void *)lo, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == (void *)lo)
		return true;
	if (p != MAP_FAILED) /* a kernel before 4.17 took the address as a hint */
		munmap(p, len);
	return false;
}

static bool slot_reserve(struct range_slot *s)
{
	uintptr_t lo = atomic_load_explicit(&s->lo, memory_order_relaxed);

	if (!span_reserve(lo, atomic_load_explicit(&s->hi, memory_order_relaxed) - lo))
		return false;
	atomic_store_explicit(&s->state, SLOT_RESERVED, memory_order_relaxed);
	return true;
}

/*
 * Sort the @n slots @idx by address; whether each ends where the next
 * begins, and if so the span they tile in @lo and @hi.  A generation's
 * segments usually tile one span (the dynamic linker maps an object as one
 * block), so closing it reserves, and trimming it unmaps, with one system
 * call instead of one per segment.  range_lock held.
 */
static bool slots_tile(int *idx, unsigned int n, uintptr_t *lo, uintptr_t *hi)
{
	if (n == 0)
		return false;
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 &&
		     atomic_load_explicit(&range_table[idx[j]].lo, memory_order_relaxed) <
			     atomic_load_explicit(&range_table[idx[j - 1]].lo, memory_order_relaxed);
		     j--) {
			int t = idx[j];

			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (unsigned int i = 1; i < n; i++)
		if (atomic_load_explicit(&range_table[idx[i - 1]].hi, memory_order_relaxed) !=
		    atomic_load_explicit(&range_table[idx[i]].lo, memory_order_relaxed))
			return false;
	*lo = atomic_load_explicit(&range_table[idx[0]].lo, memory_order_relaxed);
	*hi = atomic_load_explicit(&range_table[idx[n - 1]].hi, memory_order_relaxed);
	return true;
}

/*
 * Pinned objects are still in the dynamic linker's lists (and in the
 * global scope): it reads their symbol tables (first, read-only segment)
 * and dynamic section (data segment) on every later lookup, and runs their
 * destructors when the last object that binds to them is closed, or at
 * exit.  So only their executable segments are sealed, and every dlclose is
 * bracketed by pinned_unseal_all() and pinned_reseal_all(): while a dlclose
 * runs, a stale call into pinned code runs instead of trapping.
 */
static void pinned_unseal_all(void)
{
	unsigned int n = atomic_load_explicit(&range_used, memory_order_relaxed);

	for (unsigned int i = 0; i < n; i++) {
		struct range_slot *s = &range_table[i];
		uintptr_t lo = atomic_load_explicit(&s->lo, memory_order_relaxed);

		if (!atomic_load_explicit(&s->mod, memory_order_relaxed) || !s->sealed)
			continue;
		mprotect((void *)lo, atomic_load_explicit(&s->hi, memory_order_relaxed) - lo, s->prot);
		s->sealed = false;
	}
}

/*
 * Seal every pinned slot that is still mapped; a pinned object that glibc
 * finally unmapped becomes an ordinary reservation, or is given up when
 * something else took its place (counted against @k when it is @k's).
 */
static void pinned_reseal_all(struct modsim_kernel *k)
{
	unsigned int n = atomic_load_explicit(&range_used, memory_order_relaxed);

	for (unsigned int i = 0; i < n; i++) {
		struct range_slot *s = &range_table[i];
		struct modsim_mod *m = atomic_load_explicit(&s->mod, memory_order_relaxed);
		uintptr_t lo = atomic_load_explicit(&s->lo, memory_order_relaxed);
		size_t len = atomic_load_explicit(&s->hi, memory_order_relaxed) - lo;

		if (!m || atomic_load_explicit(&s->state, memory_order_relaxed) != SLOT_PINNED)
			continue;
		if (object_covers(lo)) {
			if ((s->prot & PROT_EXEC) && !s->sealed &&
			    mprotect((void *)lo, len, PROT_NONE) == 0)
				s->sealed = true;
		} else if (!slot_reserve(s)) {
			slot_unpublish(s);
			if (m->k == k)
				modsim_stat_loader(k, MODSIM_LS_LEAKED_GENERATIONS);
		}
	}
}

static void range_atexit(void)
{
	/* A program that exits with kernels alive: let _dl_fini run the
	 * destructors of pinned objects instead of faulting in them.  Never
	 * wait at exit for a thread that may be stuck holding the lock. */
	if (pthread_mutex_trylock(&range_lock) != 0)
		return;
	pinned_unseal_all();
	pthread_mutex_unlock(&range_lock);
}

static void range_atexit_register(void)
{
	atexit(range_atexit);
}

/* ---- segments ---- */

struct seg_find {
	uintptr_t base;
	const char *name;
	struct modsim_mod *m;
	int err;
};

static int seg_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct seg_find *f = arg;
	uintptr_t pg = range_page_size();
	struct modsim_mod *m = f->m;

	if (info->dlpi_addr != f->base || strcmp(info->dlpi_name ? info->dlpi_name : "", f->name))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		struct modsim_range *r;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (m->nranges == MODSIM_MAX_RANGES) {
			f->err = -E2BIG;
			return 1;
		}
		r = &m->ranges[m->nranges++];
		r->lo = (info->dlpi_addr + ph->p_vaddr) & ~(pg - 1);
		r->hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + pg - 1) & ~(pg - 1);
		r->prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) |
			  ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
			  ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
		m->size += r->hi - r->lo;
	}
	return 1;
}

int modsim_segments_record(struct modsim_mod *m)
{
	struct link_map *lm = NULL;
	struct seg_find f = { .m = m };
	int err = 0;

	if (!m->handle)
		return modsim_err(-EINVAL, "insmod %s: no open handle to find segments of", m->name);
	if (dlinfo(m->handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm) {
		const char *e = dlerror();

		return modsim_err(-ENOEXEC, "insmod %s: dlinfo: %s", m->name, e ? e : "no link map");
	}
	modsim_ranges_forget(m);
	m->nranges = 0;
	m->size = 0;
	f.base = lm->l_addr;
	f.name = lm->l_name ? lm->l_name : "";
	if (!dl_iterate_phdr(seg_cb, &f))
		return modsim_err(-ENOEXEC, "insmod %s: %s is not among the loaded objects",
				  m->name, f.name);
	if (f.err)
		err = modsim_err(f.err, "insmod %s: more than %d loadable segments", m->name,
				 MODSIM_MAX_RANGES);
	if (!err && m->nranges == 0)
		err = modsim_err(-ENOEXEC, "insmod %s: no loadable segment", m->name);
	if (err) {
		m->nranges = 0;
		m->size = 0;
		return err;
	}

	pthread_mutex_lock(&range_lock);
	for (unsigned int i = 0; i < m->nranges && !err; i++)
		if (slot_publish(m, &m->ranges[i]) < 0)
			err = -ENOSPC;
	pthread_mutex_unlock(&range_lock);
	if (err) {
		modsim_ranges_forget(m);
		return modsim_err(err, "insmod %s: range table full (%d segments mapped, reserved "
				  "or pinned); lower quarantine_max", m->name, RANGE_SLOTS);
	}
	return 0;
}

void modsim_ranges_forget(struct modsim_mod *m)
{
	unsigned int n;

	pthread_mutex_lock(&range_lock);
	n = atomic_load_explicit(&range_used, memory_order_relaxed);
	for (unsigned int i = 0; i < n; i++) {
		struct range_slot *s = slot_mod((int)i, m);

		if (s)
			slot_release(s);
	}
	pthread_mutex_unlock(&range_lock);
}

/* ---- quarantine ---- */

int modsim_quarantine_init(struct modsim_kernel *k)
{
	struct modsim_quarantine *q = calloc(1, sizeof(*q));

	if (!q)
		return modsim_err(-ENOMEM, "kernel: no memory for the quarantine");
	pthread_mutex_init(&q->lock, NULL);
	pthread_once(&range_atexit_once, range_atexit_register);
	k->q = q;
	return 0;
}

/* Give up @e's reservations; its generation's quarantine is over (its
 * record may be reclaimed: release.c).  With q->lock and range_lock held. */
static void qent_release(struct qent *e)
{
	int idx[MODSIM_MAX_RANGES];
	unsigned int n = 0;
	uintptr_t lo, hi;

	e->m->quarantine_over = true;
	for (unsigned int i = 0; i < e->nslots; i++) {
		struct range_slot *s = slot_mod(e->slot[i], e->m);

		if (!s || atomic_load_explicit(&s->state, memory_order_relaxed) != SLOT_RESERVED)
			break;
		idx[n++] = e->slot[i];
	}
	if (n == e->nslots && slots_tile(idx, n, &lo, &hi)) {
		munmap((void *)lo, hi - lo);
		for (unsigned int i = 0; i < n; i++)
			slot_unpublish(&range_table[idx[i]]);
		return;
	}
	for (unsigned int i = 0; i < e->nslots; i++) {
		struct range_slot *s = slot_mod(e->slot[i], e->m);

		if (s)
			slot_release(s);
	}
}

/* Whether some slot of @e is still pinned (cannot be given back yet). */
static bool qent_pinned(struct qent *e)
{
	for (unsigned int i = 0; i < e->nslots; i++) {
		struct range_slot *s = slot_mod(e->slot[i], e->m);

		if (s && atomic_load_explicit(&s->state, memory_order_relaxed) == SLOT_PINNED)
			return true;
	}
	return false;
}

/* Release the oldest releasable generations beyond @max.  With q->lock and
 * range_lock held. */
static void quarantine_trim(struct modsim_quarantine *q, unsigned int max)
{
	unsigned int releasable = 0;
	struct qent **pp;

	for (struct qent *e = q->head; e; e = e->next)
		releasable += !qent_pinned(e);
	for (pp = &q->head; *pp && releasable > max;) {
		struct qent *e = *pp;

		if (qent_pinned(e)) {
			pp = &e->next;
			continue;
		}
		qent_release(e);
		*pp = e->next;
		free(e);
		releasable--;
	}
	q->tail = NULL;
	for (struct qent *e = q->head; e; e = e->next)
		q->tail = e;
}

/*
 * The C library's own dlclose.
 *
 * Between the moment dlclose unmaps a module and the moment the quarantine
 * maps its reservation there, the range is a hole that any mmap may fill;
 * a stale caller then reads someone else's memory instead of trapping.
 * ThreadSanitizer's dlclose interceptor fills it every time: after the real
 * dlclose it rebuilds its module list in 4 KiB buffers of its own, which the
 * kernel places in the hole just freed, and a stale hook call then jumps to
 * a zero it read there.  So the quarantine calls libc's dlclose directly,
 * found by handle (RTLD_NEXT would find the interceptor again from a
 * statically linked test); the interceptor only refreshes a list that the
 * next intercepted dlopen rebuilds anyway.  Without an interceptor this is
 * the same function as dlclose.
 */
static int (*libc_dlclose)(void *);
static pthread_once_t libc_dlclose_once = PTHREAD_ONCE_INIT;

static void libc_dlclose_find(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	if (libc) {
		*(void **)&libc_dlclose = dlsym(libc, "dlclose");
		dlclose(libc); /* drops the reference RTLD_NOLOAD took */
	}
	if (!libc_dlclose)
		libc_dlclose = dlclose;
}

int modsim_quarantine_close(struct modsim_mod *m)
{
	struct modsim_kernel *k = m->k;
	struct modsim_quarantine *q = k->q;
	struct qent *e = calloc(1, sizeof(*e));
	int live[MODSIM_MAX_RANGES];
	unsigned int n, nlive = 0;
	uintptr_t span_lo = 0, span_hi = 0;
	bool leaked = false, whole;
	const char *dlerr = NULL;
	int err = 0;

	pthread_once(&libc_dlclose_once, libc_dlclose_find);
	pthread_mutex_lock(&q->lock);
	pthread_mutex_lock(&range_lock);

	pinned_unseal_all();
	/* With the dynamic linker wedged, dlclose would wait forever: the
	 * object stays mapped, and is quarantined in place (pinned). */
	if (m->handle && !modsim_linker_wedged()) {
		dlerror();
		if (libc_dlclose(m->handle) != 0)
			dlerr = dlerror();
		m->handle = NULL;
	}

	n = atomic_load_explicit(&range_used, memory_order_relaxed);
	for (unsigned int i = 0; i < n && nlive < MODSIM_MAX_RANGES; i++) {
		struct range_slot *s = slot_mod((int)i, m);

		if (s && atomic_load_explicit(&s->state, memory_order_relaxed) == SLOT_LIVE)
			live[nlive++] = (int)i;
	}
	whole = slots_tile(live, nlive, &span_lo, &span_hi) &&
		span_reserve(span_lo, span_hi - span_lo);
	for (unsigned int i = 0; i < nlive; i++) {
		struct range_slot *s = &range_table[live[i]];
		uintptr_t lo = atomic_load_explicit(&s->lo, memory_order_relaxed);

		if (whole) {
			atomic_store_explicit(&s->state, SLOT_RESERVED, memory_order_relaxed);
		} else if (slot_reserve(s)) {
			/* reserved */
		} else if (object_covers(lo)) {
			/* NODELETE, or another object bound to its symbols */
			atomic_store_explicit(&s->state, SLOT_PINNED, memory_order_relaxed);
			m->pinned = true;
		} else {
			slot_unpublish(s); /* someone else mapped it already */
			leaked = true;
			continue;
		}
		if (e && e->nslots < MODSIM_MAX_RANGES)
			e->slot[e->nslots++] = live[i];
	}
	if (leaked)
		modsim_stat_loader(k, MODSIM_LS_LEAKED_GENERATIONS);
	pinned_reseal_all(k);

	if (e) {
		e->m = m;
		if (q->tail)
			q->tail->next = e;
		else
			q->head = e;
		q->tail = e;
		quarantine_trim(q, k->cfg.quarantine_max);
	}
	pthread_mutex_unlock(&range_lock);
	pthread_mutex_unlock(&q->lock);

	if (!e)
		err = modsim_err(-ENOMEM, "rmmod %s: no memory to track its quarantine; its pages "
				 "stay reserved until the kernel is destroyed", m->name);
	if (dlerr)
		err = modsim_err(-EIO, "rmmod %s: dlclose: %s", m->name, dlerr);
	return err;
}

void modsim_quarantine_fini(struct modsim_kernel *k)
{
	struct modsim_quarantine *q = k->q;

	if (!q)
		return;
	pthread_mutex_lock(&q->lock);
	pthread_mutex_lock(&range_lock);
	while (q->head) {
		struct qent *e = q->head;

		q->head = e->next;
		qent_release(e);
		free(e);
	}
	q->tail = NULL;
	pthread_mutex_unlock(&range_lock);
	pthread_mutex_unlock(&q->lock);
	pthread_mutex_destroy(&q->lock);
	free(q);
	k->q = NULL;
}
