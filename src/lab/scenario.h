/* Private to the race lab: scenarios as data, the amplifier spec, and the loader loop's knobs. */
#ifndef MODSIM_SCENARIO_H
#define MODSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include <modsim/kernel.h>
#include <modsim/lab/run.h>
#include <modsim/workers.h>

#define SCN_NAME_MAX 64
#define SCN_MAX_MODULES 16
#define SCN_MAX_PARAMS 8
#define SCN_PARAM_MAX 128
#define SCN_AMPLIFY_MAX 256

/*
 * enum scn_action - what the loader thread does in one cycle.
 * @SCN_CYCLE:     load every cycled module (in order), then unload them all
 *                 (in @unload_order), retrying refused unloads
 * @SCN_LOAD_FAIL: load every cycled module expecting init to fail; one that
 *                 loads anyway is unloaded again as in SCN_CYCLE
 * @SCN_HOLD:      nothing: the modules stay loaded for the whole trial (the
 *                 workers' cost alone); one cycle per pass of the loop
 */
enum scn_action { SCN_CYCLE, SCN_LOAD_FAIL, SCN_HOLD };

/* The order in which one cycle unloads its modules. */
enum scn_order { SCN_REVERSE, SCN_FORWARD };

/*
 * struct scn_module - one module of a scenario.
 * @spec:   bare name (found on the module path) or a path
 * @params: "name=value" strings passed to insmod
 * @cycle:  loaded and unloaded every cycle; false: loaded once before the
 *          workers start and unloaded after they stop
 */
struct scn_module {
	char spec[256];
	char params[SCN_MAX_PARAMS][SCN_PARAM_MAX];
	int nparams;
	bool cycle;
};

/*
 * struct modsim_scenario - a scenario, built in or read from a file.
 * @hazard:       "A".."S", "mixed", or what a file says ("-" when it says nothing)
 * @amplify:      the default amplification (a SPEC as --amplify takes it; "" none)
 * @mix:          what each worker does per step
 * @timer_thread: start the kernel's timer thread
 * @init_timeout_ms/@unload_timeout_ms: the kernel's watchdog and unload wait bound
 * @nowait/@force: the unload flags the loader uses
 */
struct modsim_scenario {
	char name[SCN_NAME_MAX];
	char hazard[16];
	char description[160];
	struct scn_module mods[SCN_MAX_MODULES];
	unsigned int nmods;
	struct modsim_mix mix;
	enum scn_action action;
	enum scn_order unload_order;
	bool nowait, force;
	bool timer_thread;
	unsigned int init_timeout_ms, unload_timeout_ms;
	char amplify[SCN_AMPLIFY_MAX];
};

/* The defaults every scenario starts from (a file changes what it names). */
void modsim_scenario_init(struct modsim_scenario *s);

/* A built-in scenario by name.  Return: 0, or -ENOENT. */
int modsim_scenario_builtin(const char *name, struct modsim_scenario *out);

/**
 * modsim_scenario_is_file - does @name name a scenario file?  Yes when it
 * holds a '/' or ends in ".ini"; never because a file of that name exists.
 */
bool modsim_scenario_is_file(const char *name);

/*
 * modsim_scenario_load_file - read a scenario file (INI, see README).
 * Return: 0, -ENOENT (no such file), -EINVAL (a bad line: the message names
 * the file and line), -ENOTSUP (built without libinih).
 */
int modsim_scenario_load_file(const char *path, struct modsim_scenario *out);

/*
 * modsim_scenario_resolve - @name is a built-in scenario, or a file (it has
 * a '/', ends in ".ini", or names an existing file).
 * Return: 0, or a negative errno with a one-line message.
 */
MODSIM_API int modsim_scenario_resolve(const char *name, struct modsim_scenario *out);

/* Set @m's parameters from a blank-separated "name=value" list.  Return: 0 or -EINVAL. */
int modsim_scenario_params(struct scn_module *m, const char *list);

/* Parse "yes/no/true/false/on/off/1/0". */
bool modsim_scenario_bool(const char *v, bool *out);

/*
 * modsim_amplify_parse - parse an amplifier SPEC: items POINT:PROB[:HOW[:US]]
 * separated by ',' or ';'.  POINT is a race point name or "all"; PROB in
 * [0, 1]; HOW spin|yield|sleep (default sleep); US microseconds (default 100).
 * Return: the number of items (0 for an empty spec), or -EINVAL with a
 * message naming the bad item.
 */
MODSIM_API int modsim_amplify_parse(const char *spec, struct modsim_amplify *out, unsigned int max);

/* modsim_amplify_format - the canonical SPEC of @n items into @buf. */
void modsim_amplify_format(const struct modsim_amplify *a, unsigned int n, char *buf, size_t len);

/*
 * modsim_amplify_apply - set the amplifier of @k from @spec (items applied
 * in order, so a later item overrides an earlier "all").
 * Return: 0, or -EINVAL.
 */
int modsim_amplify_apply(struct modsim_kernel *k, const char *spec);

/* modsim_delay_name - "spin", "yield", "sleep". */
const char *modsim_delay_name(enum modsim_delay how);

/*
 * modsim_run_amplify_spec - the amplification a trial of @cfg under @s uses,
 * as a SPEC ("" for none): --no-amplify, the items given, or the scenario's
 * default.
 */
void modsim_run_amplify_spec(const struct modsim_run_config *cfg, const struct modsim_scenario *s,
			     char *buf, size_t len);

/*
 * Test seam: when set, modsim_run() calls it with the trial's kernel once
 * the workers and the loader have stopped, before the kernel is destroyed
 * (a test reads the workers' seeded choices there).  NULL in the library.
 */
extern void (*modsim_run_observe)(struct modsim_kernel *k, void *arg);
extern void *modsim_run_observe_arg;

#endif /* MODSIM_SCENARIO_H */
