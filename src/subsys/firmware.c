/* request_firmware: a per-kernel queue of requests that only worker threads serve. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <modsim/firmware.h>

#include "subsys/subsys.h"

#define FW_NAME_MAX 128

/*
 * struct fw_request - one request, on the requester's stack.  It is on the
 * queue while @queued is set; whoever takes it off (a worker serving it,
 * the requester giving up, kernel destruction) clears @queued and sets
 * @result, all under the queue's lock.
 */
struct fw_request {
	struct fw_request *next;
	char name[FW_NAME_MAX];
	bool queued;
	int result;
};

/*
 * struct modsim_firmware - k->firmware.
 *
 * @lock protects the queue (@head, @tail), the @queued and @result fields
 * of every request on it, @waiters, @shutdown and @served.  The length of
 * the queue is mirrored in k->firmware_pending, changed only under @lock,
 * so that a worker with nothing to serve pays one relaxed load.  @lock is a
 * leaf: nothing else is taken, and no module code runs, while it is held.
 *
 * @cond (CLOCK_MONOTONIC) is broadcast when requests are served, when the
 * kernel shuts the queue down, and when a requester leaves during shutdown.
 */
struct modsim_firmware {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct fw_request *head, **tail;
	unsigned int waiters; /* requesters inside modsim_firmware_request() */
	bool shutdown;
	unsigned long served;
};

static struct timespec fw_deadline_after(unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Take @r off the queue (it is on it).  Must be called with fw->lock held. */
static void fw_unlink(struct modsim_kernel *k, struct modsim_firmware *fw, struct fw_request *r)
{
	struct fw_request **pp;

	for (pp = &fw->head; *pp; pp = &(*pp)->next) {
		if (*pp != r)
			continue;
		*pp = r->next;
		if (fw->tail == &r->next)
			fw->tail = pp;
		break;
	}
	r->queued = false;
	atomic_fetch_sub_explicit(&k->firmware_pending, 1, memory_order_relaxed);
}

/* Take every request off the queue with @result.  Must be called with fw->lock held. */
static unsigned int fw_complete_all(struct modsim_kernel *k, struct modsim_firmware *fw, int result)
{
	struct fw_request *r;
	unsigned int n = 0;

	while ((r = fw->head)) {
		fw->head = r->next;
		r->queued = false;
		r->result = result;
		n++;
	}
	fw->tail = &fw->head;
	if (n) {
		atomic_fetch_sub_explicit(&k->firmware_pending, n, memory_order_relaxed);
		pthread_cond_broadcast(&fw->cond);
	}
	return n;
}

int modsim_firmware_request(struct modsim_kernel *k, struct modsim_mod *owner, const char *name)
{
	struct modsim_firmware *fw = k->firmware;
	unsigned int ms = k->cfg.unload_timeout_ms;
	char who[MODSIM_NAME_MAX];
	struct modsim_sched_waiter fww = { .what = "firmware" };
	struct fw_request req;
	struct timespec until;
	int err;

	/* Copied now: the record is not touched once the request waits. */
	snprintf(who, sizeof(who), "%s", owner ? owner->name : "kernel");
	if (!name || !*name)
		return modsim_err(-EINVAL, "request_firmware (%s): no firmware named", who);
	if (strlen(name) >= sizeof(req.name))
		return modsim_err(-EINVAL, "request_firmware %.40s... (%s): name longer than %zu characters",
				  name, who, sizeof(req.name) - 1);
	memset(&req, 0, sizeof(req));
	strcpy(req.name, name);
	until = fw_deadline_after(ms);

	pthread_mutex_lock(&fw->lock);
	if (fw->shutdown) {
		pthread_mutex_unlock(&fw->lock);
		return modsim_err(-ESHUTDOWN, "request_firmware %s (%s): the kernel is shutting down",
				  req.name, who);
	}
	req.queued = true;
	*fw->tail = &req;
	fw->tail = &req.next;
	fw->waiters++;
	atomic_fetch_add_explicit(&k->firmware_pending, 1, memory_order_relaxed);

	while (req.queued && modsim_sched_controlled(k)) {
		pthread_mutex_unlock(&fw->lock);
		if (modsim_sched_wait(k, &fww)) {
			pthread_mutex_lock(&fw->lock);
			if (req.queued) {
				fw_unlink(k, fw, &req);
				req.result = -ETIMEDOUT;
			}
			break;
		}
		pthread_mutex_lock(&fw->lock);
	}
	while (req.queued) {
		if (pthread_cond_clockwait(&fw->cond, &fw->lock, CLOCK_MONOTONIC, &until) ==
			    ETIMEDOUT &&
		    req.queued) {
			fw_unlink(k, fw, &req);
			req.result = -ETIMEDOUT;
		}
	}
	err = req.result;
	fw->waiters--;
	if (fw->shutdown && !fw->waiters)
		pthread_cond_broadcast(&fw->cond);
	pthread_mutex_unlock(&fw->lock);

	if (err == -ETIMEDOUT)
		return modsim_err(err, "request_firmware %s (%s): no worker served it within %u ms (are workers running, and is the world stopped?)",
				  req.name, who, ms);
	if (err == -ESHUTDOWN)
		return modsim_err(err, "request_firmware %s (%s): the kernel shut down before a worker served it",
				  req.name, who);
	return err;
}

int __modsim_firmware_serve(struct modsim_kernel *k)
{
	struct modsim_firmware *fw = k->firmware;
	unsigned int n;

	pthread_mutex_lock(&fw->lock);
	n = fw_complete_all(k, fw, 0);
	fw->served += n;
	pthread_mutex_unlock(&fw->lock);
	return (int)n;
}

MODSIM_API int __request_firmware(struct module *owner, const char *name)
{
	struct modsim_mod *m = modsim_owner(owner);

	if (!m)
		return modsim_err(-EINVAL, "request_firmware %s: the caller is not a loaded module",
				  name ? name : "(null)");
	return modsim_firmware_request(m->k, m, name);
}

MODSIM_API unsigned int modsim_firmware_pending(struct modsim_kernel *k)
{
	return atomic_load_explicit(&k->firmware_pending, memory_order_relaxed);
}

MODSIM_API unsigned long modsim_firmware_served(struct modsim_kernel *k)
{
	struct modsim_firmware *fw = k->firmware;
	unsigned long n;

	pthread_mutex_lock(&fw->lock);
	n = fw->served;
	pthread_mutex_unlock(&fw->lock);
	return n;
}

int modsim_firmware_init(struct modsim_kernel *k)
{
	struct modsim_firmware *fw = calloc(1, sizeof(*fw));
	pthread_condattr_t ca;
	int err;

	if (!fw)
		return modsim_err(-ENOMEM, "kernel: no memory for the firmware queue");
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	err = pthread_cond_init(&fw->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (err) {
		free(fw);
		return modsim_err(-err, "kernel: cannot make the firmware queue's condition variable");
	}
	pthread_mutex_init(&fw->lock, NULL);
	fw->tail = &fw->head;
	atomic_store(&k->firmware_pending, 0);
	k->firmware = fw;
	return 0;
}

void modsim_firmware_fini(struct modsim_kernel *k)
{
	struct modsim_firmware *fw = k->firmware;

	if (!fw)
		return;
	pthread_mutex_lock(&fw->lock);
	fw->shutdown = true;
	fw_complete_all(k, fw, -ESHUTDOWN);
	/* A requester may still be on its way out (a stuck init's thread). */
	while (fw->waiters)
		pthread_cond_wait(&fw->cond, &fw->lock);
	pthread_mutex_unlock(&fw->lock);
	pthread_cond_destroy(&fw->cond);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
	k->firmware = NULL;
}
