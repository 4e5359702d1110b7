/* The module list: lsmod (the generations that are not gone, as records and as a table) and modsim_find. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table/table.h"

/* Copy @src into @dst of @len bytes, cut short if it does not fit. */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

MODSIM_API int modsim_lsmod(struct modsim_kernel *k, struct modsim_modinfo *out, size_t max)
{
	const struct modsim_strategy *s;
	struct modsim_mod *m;
	size_t n = 0;

	if (!out && max)
		return -EINVAL;
	pthread_mutex_lock(&k->list_lock);
	s = k->strat;
	for (m = k->mods; m && n < max; m = m->next) {
		enum modsim_state st = modsim_mod_state(m);
		struct modsim_modinfo *i = &out[n];

		if (st == MODSIM_STATE_GONE)
			continue;
		memset(i, 0, sizeof(*i));
		copy_str(i->name, sizeof(i->name), m->name);
		copy_str(i->path, sizeof(i->path), m->path);
		modsim_deps_users(m, i->used_by, sizeof(i->used_by));
		i->state = st;
		i->refcount = s->refcount ? s->refcount(m) : -1;
		i->size = m->size;
		i->generation = m->generation;
		n++;
	}
	pthread_mutex_unlock(&k->list_lock);
	return (int)n;
}

MODSIM_API void modsim_lsmod_print(struct modsim_kernel *k, FILE *f)
{
	struct modsim_modinfo *v = NULL, *bigger;
	size_t cap = 16;
	int n;

	/* Grow until the whole list fits. */
	for (;;) {
		bigger = realloc(v, cap * sizeof(*v));
		if (!bigger) {
			fprintf(f, "lsmod: out of memory\n");
			free(v);
			return;
		}
		v = bigger;
		n = modsim_lsmod(k, v, cap);
		if (n < 0 || (size_t)n < cap)
			break;
		cap *= 2;
	}
	fprintf(f, "%-20s %8s %5s %-8s %4s  %s\n", "Module", "Size", "Used", "State", "Gen", "Used by");
	for (int i = 0; i < n; i++) {
		char used[24];

		if (v[i].refcount < 0)
			snprintf(used, sizeof(used), "-");
		else
			snprintf(used, sizeof(used), "%ld", v[i].refcount);
		fprintf(f, "%-20s %8zu %5s %-8s %4lu  %s\n", v[i].name, v[i].size, used,
			modsim_state_name(v[i].state), v[i].generation, v[i].used_by);
	}
	free(v);
}

MODSIM_API struct modsim_mod *modsim_find(struct modsim_kernel *k, const char *name)
{
	struct modsim_mod *m;

	pthread_mutex_lock(&k->list_lock);
	for (m = k->mods; m; m = m->next)
		if (!strcmp(m->name, name))
			break;
	pthread_mutex_unlock(&k->list_lock);
	return m;
}
