/* A module's way out of the process: exit() called from module code, and a dynamic linker a hung constructor holds. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "detect/detect.h"

/*
 * Why an on_exit() handler, and not an `exit` of our own.
 *
 * A module that calls exit() (in a constructor, in init, in any call into
 * it) would end modsim with the module's status, 0 as often as not, and
 * the rest of a script never runs.  Two ways to see it:
 *  - interpose `exit` (define it in libmodsim, so that a module's call
 *    binds to ours) and jump back to the guard.  That catches only calls
 *    that bind through the global scope: not a module linked -Bsymbolic,
 *    not a library the module calls that exits for it (err(3), a failed
 *    assert's abort is no exit anyway), and it changes `exit` for every
 *    program that links libmodsim.
 *  - an on_exit() handler, which libc runs on the thread that called
 *    exit(), whoever called it and however.  It knows that thread's
 *    innermost guard (the module code it is in) and whether it is inside
 *    dlopen (a constructor).  It cannot return into the process: exit()
 *    is under way and libc has begun to run handlers.  So it reports one
 *    line and ends the process with status 1, after flushing what was
 *    printed so far.
 * The second is the robust one: every exit() from module code is seen.
 * What it misses: _exit(), exit_group() (no handler runs), and exit()
 * from a thread the module started itself (no guard on it).
 *
 * The same handler covers a dynamic linker left locked by a constructor
 * that never returned (modsim_linker_wedge): libc's last handler,
 * _dl_fini, takes that lock and would wait forever, so the process leaves
 * with its status without running it.
 */
static pthread_once_t exitwatch_once = PTHREAD_ONCE_INIT;
static char wedge_path[PATH_MAX];
static _Atomic int wedged;

static void exitwatch_handler(int status, void *arg)
{
	const struct modsim_guard *g = modsim_guard_top();
	const char *loading = modsim_fault_loading_path();

	(void)arg;
	if (loading) {
		fflush(NULL);
		fprintf(stderr, "modsim: insmod %s: a constructor of the module called exit(%d); modsim stops (status 1)\n",
			loading, status);
		fflush(stderr);
		_exit(1);
	}
	if (g && g->owner) {
		fflush(NULL);
		fprintf(stderr, "modsim: module %s called exit(%d) in %s; modsim stops (status 1)\n",
			g->owner->name, status, g->op ? g->op : "a call into it");
		fflush(stderr);
		_exit(1);
	}
	if (atomic_load_explicit(&wedged, memory_order_acquire)) {
		fflush(NULL);
		_exit(status);
	}
}

static void exitwatch_register(void)
{
	on_exit(exitwatch_handler, NULL);
}

void modsim_exitwatch_init(void)
{
	pthread_once(&exitwatch_once, exitwatch_register);
}

void modsim_linker_wedge(const char *path)
{
	static pthread_mutex_t wedge_lock = PTHREAD_MUTEX_INITIALIZER;

	/* The first one is kept; the path is written before the flag. */
	pthread_mutex_lock(&wedge_lock);
	if (!atomic_load_explicit(&wedged, memory_order_relaxed)) {
		snprintf(wedge_path, sizeof(wedge_path), "%s", path);
		atomic_store_explicit(&wedged, 1, memory_order_release);
	}
	pthread_mutex_unlock(&wedge_lock);
}

const char *modsim_linker_wedged(void)
{
	return atomic_load_explicit(&wedged, memory_order_acquire) ? wedge_path : NULL;
}
