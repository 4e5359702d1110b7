/* The cycler: a loader thread that loads and unloads one module in a loop. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actors/actors.h"

/*
 * struct modsim_cycler - one cycling thread.  @spec and @params are copies
 * owned by the cycler; @cycles is written by the thread only.
 */
struct modsim_cycler {
	struct modsim_kernel *k;
	pthread_t thread;
	_Atomic int stop;
	_Atomic unsigned long cycles;
	char *spec;
	char **params;
	int nparams;
};

/*
 * cycler_lock protects every kernel's cycler slot (k->cycler):
 * start and stop are rare, so one lock for all kernels is enough.
 */
static pthread_mutex_t cycler_lock = PTHREAD_MUTEX_INITIALIZER;

static bool cycler_stopped(struct modsim_cycler *c)
{
	return atomic_load_explicit(&c->stop, memory_order_acquire);
}

/*
 * Unload @name, retrying a refused unload until it succeeds or the cycler
 * is stopped.  Return: 0 when it is gone, else the last error.
 */
static int cycler_unload(struct modsim_cycler *c, const char *name)
{
	int err;

	for (;;) {
		err = modsim_unload(c->k, name, 0);
		if (err == 0 || err == -ENOENT)
			return 0;
		if (cycler_stopped(c))
			return err;
		sched_yield();
	}
}

static void *cycler_main(void *arg)
{
	struct modsim_cycler *c = arg;
	struct modsim_kernel *k = c->k;
	FILE *log = k->cfg.log ? k->cfg.log : stderr;
	char name[MODSIM_NAME_MAX];
	struct modsim_mod *m;
	int err;

	modsim_fault_thread_init();
	while (!cycler_stopped(c)) {
		/* A failed load is counted by the loader; try again. */
		if (modsim_load(k, c->spec, c->nparams, c->params, &m)) {
			sched_yield();
			continue;
		}
		snprintf(name, sizeof(name), "%s", m->name);
		err = cycler_unload(c, name);
		if (err) {
			fprintf(log, "modsim: cycler: left %s loaded: %s\n", name,
				modsim_last_error());
			break;
		}
		atomic_store_explicit(&c->cycles,
				      atomic_load_explicit(&c->cycles, memory_order_relaxed) + 1,
				      memory_order_relaxed);
	}
	if (modsim_cpu_peek(k))
		modsim_cpu_release_self(k);
	modsim_fault_thread_fini();
	return NULL;
}

static void cycler_free(struct modsim_cycler *c)
{
	int i;

	for (i = 0; i < c->nparams; i++)
		free(c->params[i]);
	free(c->params);
	free(c->spec);
	free(c);
}

int modsim_cycler_start(struct modsim_kernel *k, const char *spec, int nparams,
			char *const params[])
{
	struct modsim_cycler **slot, *c;
	int err;

	if (!spec || !*spec || nparams < 0 || (nparams && !params))
		return modsim_err(-EINVAL, "cycler: no module given");
	c = calloc(1, sizeof(*c));
	if (!c)
		return modsim_err(-ENOMEM, "cycler %s: out of memory", spec);
	c->k = k;
	c->spec = strdup(spec);
	c->params = calloc(nparams ? nparams : 1, sizeof(*c->params));
	if (!c->spec || !c->params)
		goto nomem;
	for (; c->nparams < nparams; c->nparams++) {
		c->params[c->nparams] = strdup(params[c->nparams]);
		if (!c->params[c->nparams])
			goto nomem;
	}

	pthread_mutex_lock(&cycler_lock);
	slot = &k->cycler;
	if (*slot) {
		err = modsim_err(-EBUSY, "cycler %s: a cycler already runs", spec);
		goto unlock;
	}
	if (pthread_create(&c->thread, NULL, cycler_main, c)) {
		err = modsim_err(-EAGAIN, "cycler %s: cannot create its thread", spec);
		goto unlock;
	}
	*slot = c;
	pthread_mutex_unlock(&cycler_lock);
	return 0;

unlock:
	pthread_mutex_unlock(&cycler_lock);
	cycler_free(c);
	return err;
nomem:
	cycler_free(c);
	return modsim_err(-ENOMEM, "cycler %s: out of memory", spec);
}

unsigned long modsim_cycler_stop(struct modsim_kernel *k)
{
	struct modsim_cycler **slot, *c;
	unsigned long cycles;

	pthread_mutex_lock(&cycler_lock);
	slot = &k->cycler;
	c = *slot;
	*slot = NULL;
	pthread_mutex_unlock(&cycler_lock);
	if (!c)
		return 0;
	atomic_store_explicit(&c->stop, 1, memory_order_release);
	pthread_join(c->thread, NULL);
	cycles = atomic_load_explicit(&c->cycles, memory_order_relaxed);
	cycler_free(c);
	return cycles;
}
