/* The kernel symbol table: EXPORT_SYMBOL tables and module dependencies (calls through them: subsys/symbol.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table/table.h"

#define SYMTAB_BUCKETS 128 /* power of two */
#define SYMTAB_NAME_MAX 256

/* One exported symbol, in kernel memory: the name is copied at add time. */
struct symtab_entry {
	struct symtab_entry *next;
	struct modsim_mod *owner;
	void *addr; /* in the owner's memory; only ever called through a guard */
	char name[];
};

/*
 * struct modsim_symtab - every symbol exported by a module that is loaded.
 *
 * lock protects the hash chains (every entry, its fields and its links).
 * Writers (add, remove) also hold k->load_mutex; readers (symbol_get,
 * symbol_put, modsim_symbol_call, dependency recording) take only lock,
 * copy out what they need and drop it before calling strategy or module
 * code.  Lock order: load_mutex, list_lock, then lock.
 */
struct modsim_symtab {
	pthread_mutex_t lock;
	struct symtab_entry *bucket[SYMTAB_BUCKETS];
};

static unsigned int symtab_hash(const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h & (SYMTAB_BUCKETS - 1);
}

static bool mod_gone(struct modsim_mod *m)
{
	return atomic_load_explicit(&m->state, memory_order_acquire) == MODSIM_STATE_GONE;
}

/*
 * The entry exporting @name from a module that is not GONE, or NULL.
 * Exports are added before init runs, so the owner may still be UNFORMED
 * or COMING (or already GOING): whether a caller may use it is the
 * strategy's get to decide, not the table's.
 * @skip: an owner to ignore (the module asking about its own symbols).
 * Must be called with st->lock held.
 */
static struct symtab_entry *symtab_find(struct modsim_symtab *st, const char *name,
					struct modsim_mod *skip)
{
	struct symtab_entry *e;

	for (e = st->bucket[symtab_hash(name)]; e; e = e->next) {
		if (e->owner == skip || mod_gone(e->owner))
			continue;
		if (!strcmp(e->name, name))
			return e;
	}
	return NULL;
}

bool modsim_symtab_lookup(struct modsim_kernel *k, const char *name, struct modsim_mod **owner,
			  void **addr)
{
	struct modsim_symtab *st = k->symtab;
	struct symtab_entry *e;

	pthread_mutex_lock(&st->lock);
	e = symtab_find(st, name, NULL);
	if (e) {
		*owner = e->owner;
		*addr = e->addr;
	}
	pthread_mutex_unlock(&st->lock);
	return e != NULL;
}

int modsim_symtab_init(struct modsim_kernel *k)
{
	struct modsim_symtab *st = calloc(1, sizeof(*st));

	if (!st)
		return modsim_err(-ENOMEM, "kernel: out of memory for the symbol table");
	pthread_mutex_init(&st->lock, NULL);
	k->symtab = st;
	return 0;
}

void modsim_symtab_fini(struct modsim_kernel *k)
{
	struct modsim_symtab *st = k->symtab;
	struct symtab_entry *e, *next;
	unsigned int i;

	if (!st)
		return;
	for (i = 0; i < SYMTAB_BUCKETS; i++) {
		for (e = st->bucket[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	}
	pthread_mutex_destroy(&st->lock);
	free(st);
	k->symtab = NULL;
}

/* Unlink and free @m's entries.  Must be called with st->lock held. */
static void symtab_drop_locked(struct modsim_symtab *st, struct modsim_mod *m)
{
	struct symtab_entry **pp, *e;
	unsigned int i;

	for (i = 0; i < SYMTAB_BUCKETS; i++) {
		pp = &st->bucket[i];
		while ((e = *pp)) {
			if (e->owner == m) {
				*pp = e->next;
				free(e);
			} else {
				pp = &e->next;
			}
		}
	}
}

/* Must be called with k->load_mutex held. */
int modsim_symtab_add(struct modsim_mod *m)
{
	struct modsim_symtab *st = m->k->symtab;
	const struct modsim_ksym *ks;
	struct symtab_entry *e, *clash;
	unsigned int h;
	size_t len;
	int err = 0;

	if (!m->desc->ksyms_start || !m->desc->ksyms_end)
		return 0;
	pthread_mutex_lock(&st->lock);
	for (ks = m->desc->ksyms_start; ks < m->desc->ksyms_end; ks++) {
		if (!ks->name)
			continue; /* the section sentinel */
		len = strnlen(ks->name, SYMTAB_NAME_MAX);
		if (len == 0 || len == SYMTAB_NAME_MAX) {
			err = modsim_err(-EINVAL, "insmod %s: exported symbol with a bad name",
					 m->name);
			goto drop_added;
		}
		clash = symtab_find(st, ks->name, m);
		if (clash) {
			err = modsim_err(-EEXIST, "insmod %s: symbol %s already exported by %s",
					 m->name, ks->name, clash->owner->name);
			goto drop_added;
		}
		e = malloc(sizeof(*e) + len + 1);
		if (!e) {
			err = modsim_err(-ENOMEM, "insmod %s: out of memory for symbol %s",
					 m->name, ks->name);
			goto drop_added;
		}
		memcpy(e->name, ks->name, len + 1);
		e->owner = m;
		e->addr = ks->addr;
		h = symtab_hash(e->name);
		e->next = st->bucket[h];
		st->bucket[h] = e;
	}
	pthread_mutex_unlock(&st->lock);
	return 0;

drop_added:
	symtab_drop_locked(st, m);
	pthread_mutex_unlock(&st->lock);
	return err;
}

/* Must be called with k->load_mutex held. */
void modsim_symtab_remove(struct modsim_mod *m)
{
	struct modsim_symtab *st = m->k->symtab;

	if (!st)
		return;
	pthread_mutex_lock(&st->lock);
	symtab_drop_locked(st, m);
	pthread_mutex_unlock(&st->lock);
}

/* ---- dependencies: the modules whose exports a module binds to ---- */

/* modsim_elf_undefined() callback: add the exporter of @sym, if a module, to @arg's uses. */
static int deps_add_one(const char *sym, void *arg)
{
	struct modsim_mod *m = arg, *owner = NULL;
	struct modsim_symtab *st = m->k->symtab;
	struct symtab_entry *e;
	unsigned int i;

	pthread_mutex_lock(&st->lock);
	e = symtab_find(st, sym, m);
	if (e)
		owner = e->owner;
	pthread_mutex_unlock(&st->lock);
	if (!owner)
		return 0; /* bound to the host, libc, or nothing we know */
	for (i = 0; i < m->nuses; i++)
		if (m->uses[i] == owner)
			return 0;
	if (m->nuses == MODSIM_MAX_DEPS)
		return modsim_err(-E2BIG, "insmod %s: uses more than %d modules (%s from %s)",
				  m->name, MODSIM_MAX_DEPS, sym, owner->name);
	m->uses[m->nuses++] = owner;
	return 0;
}

/*
 * Must be called with k->load_mutex held, before @m is on the list of
 * generations (lsmod reads uses[] under list_lock alone).
 */
int modsim_deps_record(struct modsim_mod *m)
{
	int err;

	if (!m->handle)
		return 0;
	err = modsim_elf_undefined(m->handle, deps_add_one, m);
	if (err && err != -E2BIG)
		return modsim_err(err, "insmod %s: cannot read its dynamic symbols: %s", m->name,
				  modsim_errname(err));
	return err;
}

/*
 * Must be called with k->load_mutex held, and not list_lock: the uses are
 * cleared under list_lock too, because lsmod reads them holding list_lock
 * alone.  (deps_record writes them before the record is on the list.)
 */
void modsim_deps_forget(struct modsim_mod *m)
{
	pthread_mutex_lock(&m->k->list_lock);
	memset(m->uses, 0, sizeof(m->uses));
	m->nuses = 0;
	pthread_mutex_unlock(&m->k->list_lock);
}

/*
 * Must be called with k->load_mutex or k->list_lock held: either keeps the
 * list and every listed record's uses from changing.
 */
int modsim_deps_users(struct modsim_mod *m, char *buf, size_t len)
{
	struct modsim_mod *u;
	size_t used = 0, n;
	unsigned int i;
	int count = 0;

	if (buf && len)
		buf[0] = '\0';
	for (u = m->k->mods; u; u = u->next) {
		if (u == m || mod_gone(u))
			continue;
		for (i = 0; i < u->nuses; i++)
			if (u->uses[i] == m)
				break;
		if (i == u->nuses)
			continue;
		if (buf && len) {
			n = strlen(u->name) + (count ? 1 : 0);
			if (used + n < len) {
				if (count)
					buf[used++] = ',';
				strcpy(buf + used, u->name);
				used += strlen(u->name);
			}
		}
		count++;
	}
	return count;
}
