/* The built-in scenarios, as data: modules, worker mix, loader action, default amplification. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <modsim/lab/run.h>

#include "lab/scenario.h"

#include "kernel/units.h"

/* Watchdog and unload-wait bounds of a trial, unless a scenario says otherwise. */
#define SCN_INIT_TIMEOUT_MS 2000
#define SCN_UNLOAD_TIMEOUT_MS 1000
/*
 * init-sleep: short enough to fire inside a 2-second trial, long enough that
 * a worker starved of CPU on a loaded machine does not look like the
 * deadlock (300 ms gave false deadlocks at a CPU pressure of 75%).
 */
#define SCN_SHORT_INIT_TIMEOUT_MS 1000
/* ... and request_firmware() gives up after the unload timeout: it must not
 * answer before the watchdog fires (init would fail instead of hanging). */
#define SCN_FIRMWARE_TIMEOUT_MS 5000

/*
 * struct scn_builtin - one built-in scenario.
 * @modules: "SPEC [param=value...]" entries separated by ';', cycled in
 *           this order
 * @hook..@session_ops: the worker mix (struct modsim_mix)
 * @amplify: the default amplification, an --amplify SPEC
 */
struct scn_builtin {
	const char *name, *hazard, *description;
	const char *modules;
	const char *device; /* the device workers open; NULL: the mix's default */
	unsigned int hook, chrdev, notifier, symbol, session_ops;
	enum scn_action action;
	enum scn_order order;
	unsigned int init_timeout_ms, unload_timeout_ms;
	const char *amplify;
};

/*
 * The default amplification sleeps (it does not spin): two cores carry the
 * workers, the loader, the modprobe and the timer thread, and a spinning
 * worker would hold back the very unload it waits for.  Each scenario widens
 * the windows its hazard lives in (README, "modsim run").
 */
static const struct scn_builtin builtins[] = {
	{
		.name = "unload-race",
		/* calls race the unload (A); chardev sessions also hold files across it (L) */
		.hazard = "A+L",
		.description = "hook and chrdev calls while selfcount, hook and chardev are loaded and unloaded in a loop",
		.modules = "selfcount; hook; chardev",
		.hook = 3, .chrdev = 1, .session_ops = 4,
		.action = SCN_CYCLE, .order = SCN_REVERSE,
		.amplify = "call.after_lookup:0.05:sleep:200,call.after_enter:0.05:sleep:200,"
			   "unload.after_check:0.5:sleep:200",
	},
	{
		.name = "half-init",
		.hazard = "B",
		.description = "halfinit fail_at=2 loaded over and over (a as a hook, then as a device) while "
			       "workers run the hooks and open the device it registers",
		.modules = "halfinit fail_at=2; halfinit fail_at=2 chrdev=1",
		.device = "halfinit",
		.hook = 1, .chrdev = 1, .session_ops = 2,
		.action = SCN_LOAD_FAIL, .order = SCN_REVERSE,
		.amplify = "call.after_lookup:0.2:sleep:300,init.between_regs:1:sleep:200",
	},
	{
		.name = "put-return",
		/*
		 * Every hook call's first step races the unload (A) as well as
		 * the put-then-return (P), in free runs and under a controlled
		 * scheduler alike: a preset unsafe for A (inc) is unsafe here,
		 * even where amplification makes P the likelier find.
		 */
		.hazard = "A+P",
		.description = "selfcount loaded and unloaded while workers run its hook (a put before the return)",
		.modules = "selfcount",
		.hook = 1,
		.action = SCN_CYCLE, .order = SCN_REVERSE,
		.amplify = "self.after_put:0.2:sleep:200",
	},
	{
		.name = "timer",
		.hazard = "T",
		.description = "timer leak=1 cycled: exit forgets its armed timer; the kernel's timer thread fires it",
		.modules = "timer leak=1",
		.hook = 1,
		.action = SCN_CYCLE, .order = SCN_REVERSE,
		.amplify = "unload.after_free:0.5:sleep:2000,timer.after_pick:0.2:sleep:500",
	},
	{
		.name = "long-session",
		/* opens and reads race the unload (A) besides the files held across it (L) */
		.hazard = "A+L",
		.description = "chardev cycled while workers hold open files across the unload attempts",
		.modules = "chardev",
		.chrdev = 1, .session_ops = 32,
		.action = SCN_CYCLE, .order = SCN_REVERSE,
		.amplify = "call.after_lookup:0.1:sleep:300,call.after_enter:0.05:sleep:200",
	},
	{
		.name = "init-sleep",
		.hazard = "S",
		.description = "initsleep loaded while workers run; its init waits for a worker (watchdog 1 s)",
		.modules = "initsleep",
		.hook = 1,
		.action = SCN_CYCLE, .order = SCN_REVERSE,
		.init_timeout_ms = SCN_SHORT_INIT_TIMEOUT_MS,
		.unload_timeout_ms = SCN_FIRMWARE_TIMEOUT_MS,
		.amplify = "",
	},
	{
		.name = "dependency",
		.hazard = "A",
		.description = "exporter and importer cycled, exporter unloaded first (refused while importer uses it); "
			       "workers call importer's hook and exporter_add through symbol_get",
		.modules = "exporter; importer",
		.hook = 1, .symbol = 1,
		.action = SCN_CYCLE, .order = SCN_FORWARD,
		.amplify = "call.after_lookup:0.05:sleep:200,call.after_enter:0.05:sleep:200,"
			   "unload.after_check:0.5:sleep:200",
	},
	{
		.name = "mixed",
		.hazard = "mixed",
		.description = "every example module cycled together (timer leak=1, halfinit fail_at=2) under the full worker mix",
		.modules = "selfcount; hook; chardev; notifier; timer leak=1; halfinit fail_at=2; exporter; importer",
		.hook = 2, .chrdev = 1, .notifier = 1, .symbol = 1, .session_ops = 8,
		.action = SCN_CYCLE, .order = SCN_REVERSE,
		.amplify = "call.after_lookup:0.05:sleep:200,call.after_enter:0.05:sleep:200,"
			   "unload.after_check:0.5:sleep:200,self.after_put:0.1:sleep:200,"
			   "init.between_regs:1:sleep:200,unload.after_free:0.5:sleep:2000,"
			   "timer.after_pick:0.2:sleep:500",
	},
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

/* NULL-terminated names of the built-ins, filled once. */
static const char *builtin_names[NBUILTINS + 1];
static pthread_once_t builtin_names_once = PTHREAD_ONCE_INIT;

static void builtin_names_fill(void)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		builtin_names[i] = builtins[i].name;
}

MODSIM_API const char *const *modsim_scenario_names(void)
{
	pthread_once(&builtin_names_once, builtin_names_fill);
	return builtin_names;
}

/* The built-in scenario called @name, or NULL. */
static const struct scn_builtin *builtin_find(const char *name)
{
	for (size_t i = 0; name && i < NBUILTINS; i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

/* One hazard set per scenario, free-running or controlled (kept for its callers). */
MODSIM_API const char *modsim_scenario_hazard_sched(const char *scenario)
{
	return modsim_scenario_hazard(scenario);
}

MODSIM_API const char *modsim_scenario_hazard(const char *scenario)
{
	const struct scn_builtin *b = builtin_find(scenario);

	return b ? b->hazard : NULL;
}

void modsim_scenario_init(struct modsim_scenario *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->hazard, sizeof(s->hazard), "-");
	modsim_mix_default(&s->mix);
	s->mix.hook = s->mix.chrdev = s->mix.notifier = s->mix.symbol = 0;
	s->action = SCN_CYCLE;
	s->unload_order = SCN_REVERSE;
	s->timer_thread = true;
	s->init_timeout_ms = SCN_INIT_TIMEOUT_MS;
	s->unload_timeout_ms = SCN_UNLOAD_TIMEOUT_MS;
}

bool modsim_scenario_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

int modsim_scenario_params(struct scn_module *m, const char *list)
{
	const char *p = list;

	m->nparams = 0;
	while (*p) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (!len)
			break;
		if (m->nparams == SCN_MAX_PARAMS)
			return modsim_err(-EINVAL, "module %s: more than %d parameters", m->spec,
					  SCN_MAX_PARAMS);
		if (len >= SCN_PARAM_MAX)
			return modsim_err(-EINVAL, "module %s: parameter '%.32s...' is too long", m->spec,
					  p);
		if (!memchr(p, '=', len))
			return modsim_err(-EINVAL, "module %s: parameter '%.*s' is not name=value",
					  m->spec, (int)len, p);
		memcpy(m->params[m->nparams], p, len);
		m->params[m->nparams][len] = '\0';
		m->nparams++;
		p += len;
	}
	return 0;
}

/* One "SPEC [param=value...]" entry of a built-in's module list. */
static int builtin_module(struct modsim_scenario *s, const char *entry, size_t len)
{
	struct scn_module *m = &s->mods[s->nmods];
	char buf[512];
	size_t speclen;

	snprintf(buf, sizeof(buf), "%.*s", (int)len, entry);
	entry = buf + strspn(buf, " \t");
	speclen = strcspn(entry, " \t");
	if (!speclen)
		return 0;
	if (s->nmods == SCN_MAX_MODULES)
		return modsim_err(-EINVAL, "scenario %s: more than %d modules", s->name,
				  SCN_MAX_MODULES);
	snprintf(m->spec, sizeof(m->spec), "%.*s", (int)speclen, entry);
	m->cycle = true;
	s->nmods++;
	return modsim_scenario_params(m, entry + speclen);
}

int modsim_scenario_builtin(const char *name, struct modsim_scenario *out)
{
	const struct scn_builtin *b = builtin_find(name);
	const char *p;
	int err;

	if (!b)
		return -ENOENT;

	modsim_scenario_init(out);
	snprintf(out->name, sizeof(out->name), "%s", b->name);
	snprintf(out->hazard, sizeof(out->hazard), "%s", b->hazard);
	snprintf(out->description, sizeof(out->description), "%s", b->description);
	for (p = b->modules; *p;) {
		size_t len = strcspn(p, ";");

		err = builtin_module(out, p, len);
		if (err)
			return err;
		p += len;
		if (*p)
			p++;
	}
	out->mix.hook = b->hook;
	out->mix.chrdev = b->chrdev;
	out->mix.notifier = b->notifier;
	out->mix.symbol = b->symbol;
	if (b->session_ops)
		out->mix.session_ops = b->session_ops;
	if (b->device)
		snprintf(out->mix.device, sizeof(out->mix.device), "%s", b->device);
	out->action = b->action;
	out->unload_order = b->order;
	if (b->init_timeout_ms)
		out->init_timeout_ms = b->init_timeout_ms;
	if (b->unload_timeout_ms)
		out->unload_timeout_ms = b->unload_timeout_ms;
	snprintf(out->amplify, sizeof(out->amplify), "%s", b->amplify);
	return 0;
}
