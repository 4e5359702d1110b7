/* Scenario files: a scenario written as INI ([scenario] [module] [workers] [loader]), read with libinih; the resolver (a built-in's name or a file). */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/lines.h"
#include "lab/scenario.h"

#include "kernel/units.h"

#ifdef MODSIM_HAVE_INIH
#include <ini.h>

/* The largest scenario file read: a real one is a few hundred bytes. */
#define SCN_FILE_MAX (64 * 1024)
/* Keys a file can set: [scenario] and [loader] once, [workers] once, each [module]'s. */
#define SCN_MAX_KEYS (7 + 4 + 8 + 3 * SCN_MAX_MODULES)

/* A key already set, to refuse a second one: @sec is the [section] header's number for [module]. */
struct scn_key {
	char section[16], key[24];
	unsigned int sec, line;
};

/*
 * struct scn_file - one parse.  The reader counts lines and [section]
 * headers, so that the handler can name the line of an error and tell a
 * new [module] section from the next key of the same one.
 * @msg: the first error, "FILE:LINE: what"
 */
struct scn_file {
	const char *path;
	char dir[PATH_MAX]; /* the file's directory, for relative module paths */
	FILE *f;
	struct modsim_scenario *s;
	unsigned int line;
	unsigned int sections;   /* [section] headers read so far */
	unsigned int module_sec; /* the header number of the current [module] */
	bool in_module;
	bool has_name;
	bool indented;		 /* the line being read starts with a blank */
	unsigned long bytes;	 /* read so far */
	struct scn_key keys[SCN_MAX_KEYS];
	unsigned int nkeys;
	char msg[512];
};

static int scn_fail(struct scn_file *sf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * inih's ini_reader: one line into @str (at most @num - 1 bytes with its
 * newline), counting lines and [section] headers.  A line too long, a NUL
 * byte or a file past SCN_FILE_MAX is an error, not a line cut short.
 */
static char *scn_reader(char *str, int num, void *stream)
{
	struct scn_file *sf = stream;
	const char *p;
	int n = 0, c = 0;

	if (sf->msg[0] || num < 2)
		return NULL;
	while (n < num - 1 && (c = getc(sf->f)) != EOF) {
		if (++sf->bytes > SCN_FILE_MAX) {
			sf->line++;
			scn_fail(sf, "the file is longer than %d bytes; not a scenario file", SCN_FILE_MAX);
			return NULL;
		}
		if (!c) {
			sf->line++;
			scn_fail(sf, "a NUL byte; not a text file");
			return NULL;
		}
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (!n)
		return NULL;
	str[n] = '\0';
	sf->line++;
	if (c != '\n' && c != EOF && n == num - 1) {
		c = getc(sf->f);
		if (c != EOF && c != '\n') {
			scn_fail(sf, "line longer than %d characters", num - 2);
			return NULL;
		}
	}
	sf->indented = str[0] == ' ' || str[0] == '\t';
	p = str + strspn(str, " \t");
	if (*p == '[')
		sf->sections++;
	return str;
}

/* Record the first error; returns 0, which tells inih the line was bad. */
static int scn_fail(struct scn_file *sf, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	if (sf->msg[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(sf->msg, sizeof(sf->msg), "scenario %s:%u: %s", sf->path, sf->line, what);
	return 0;
}

/* A non-negative decimal up to @max. */
static bool scn_uint(const char *v, unsigned long max, unsigned int *out)
{
	unsigned long n;
	char *end;

	if (*v < '0' || *v > '9')
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n > max)
		return false;
	*out = (unsigned int)n;
	return true;
}

static int scn_text(struct scn_file *sf, char *dst, size_t len, const char *key, const char *v)
{
	if (strlen(v) >= len)
		return scn_fail(sf, "%s: longer than %zu characters", key, len - 1);
	snprintf(dst, len, "%s", v);
	return 1;
}

static int scn_number(struct scn_file *sf, unsigned int *dst, unsigned long max, const char *key,
		      const char *v)
{
	if (!scn_uint(v, max, dst))
		return scn_fail(sf, "%s: '%s' is not a number from 0 to %lu", key, v, max);
	return 1;
}

static int scn_flag(struct scn_file *sf, bool *dst, const char *key, const char *v)
{
	if (!modsim_scenario_bool(v, dst))
		return scn_fail(sf, "%s: '%s' is not yes or no", key, v);
	return 1;
}

static int scn_section_scenario(struct scn_file *sf, const char *key, const char *v)
{
	struct modsim_scenario *s = sf->s;
	struct modsim_amplify a[MODSIM_RUN_MAX_AMPLIFY];

	if (!strcmp(key, "name"))
		return scn_text(sf, s->name, sizeof(s->name), key, v);
	if (!strcmp(key, "hazard"))
		return scn_text(sf, s->hazard, sizeof(s->hazard), key, v);
	if (!strcmp(key, "description"))
		return scn_text(sf, s->description, sizeof(s->description), key, v);
	if (!strcmp(key, "amplify")) {
		if (modsim_amplify_parse(v, a, MODSIM_RUN_MAX_AMPLIFY) < 0)
			return scn_fail(sf, "%s", modsim_last_error());
		return scn_text(sf, s->amplify, sizeof(s->amplify), key, v);
	}
	if (!strcmp(key, "timer_thread"))
		return scn_flag(sf, &s->timer_thread, key, v);
	if (!strcmp(key, "init_timeout_ms"))
		return scn_number(sf, &s->init_timeout_ms, 600000, key, v);
	if (!strcmp(key, "unload_timeout_ms"))
		return scn_number(sf, &s->unload_timeout_ms, 600000, key, v);
	return scn_fail(sf, "[scenario] has no key '%s' (name, hazard, description, amplify, timer_thread, init_timeout_ms, unload_timeout_ms)",
			key);
}

/* The module spec as loaded: a relative path is taken from the file's directory. */
static int scn_module_spec(struct scn_file *sf, struct scn_module *m, const char *v)
{
	int w;

	if (!*v)
		return scn_fail(sf, "name: empty module name");
	if (strchr(v, '/') && v[0] != '/' && sf->dir[0])
		w = snprintf(m->spec, sizeof(m->spec), "%s/%s", sf->dir, v);
	else
		w = snprintf(m->spec, sizeof(m->spec), "%s", v);
	if (w < 0 || (size_t)w >= sizeof(m->spec))
		return scn_fail(sf, "name: '%s' is too long", v);
	return 1;
}

static int scn_section_module(struct scn_file *sf, const char *key, const char *v)
{
	struct modsim_scenario *s = sf->s;
	struct scn_module *m;

	if (!sf->in_module || sf->module_sec != sf->sections) {
		/* The first key of a new [module] section. */
		if (s->nmods == SCN_MAX_MODULES)
			return scn_fail(sf, "more than %d [module] sections", SCN_MAX_MODULES);
		if (sf->in_module && !sf->has_name)
			return scn_fail(sf, "the [module] section before this one has no name=");
		m = &s->mods[s->nmods++];
		memset(m, 0, sizeof(*m));
		m->cycle = true;
		sf->in_module = true;
		sf->has_name = false;
		sf->module_sec = sf->sections;
	}
	m = &s->mods[s->nmods - 1];
	if (!strcmp(key, "name")) {
		sf->has_name = true;
		return scn_module_spec(sf, m, v);
	}
	if (!strcmp(key, "params")) {
		if (modsim_scenario_params(m, v))
			return scn_fail(sf, "params: %s", modsim_last_error());
		return 1;
	}
	if (!strcmp(key, "cycle"))
		return scn_flag(sf, &m->cycle, key, v);
	return scn_fail(sf, "[module] has no key '%s' (name, params, cycle)", key);
}

static int scn_section_workers(struct scn_file *sf, const char *key, const char *v)
{
	struct modsim_mix *mix = &sf->s->mix;

	if (!strcmp(key, "hook"))
		return scn_number(sf, &mix->hook, 1000000, key, v);
	if (!strcmp(key, "chrdev"))
		return scn_number(sf, &mix->chrdev, 1000000, key, v);
	if (!strcmp(key, "notifier"))
		return scn_number(sf, &mix->notifier, 1000000, key, v);
	if (!strcmp(key, "symbol"))
		return scn_number(sf, &mix->symbol, 1000000, key, v);
	if (!strcmp(key, "session_ops"))
		return scn_number(sf, &mix->session_ops, 1000000, key, v);
	if (!strcmp(key, "device"))
		return scn_text(sf, mix->device, sizeof(mix->device), key, v);
	if (!strcmp(key, "chain"))
		return scn_text(sf, mix->chain, sizeof(mix->chain), key, v);
	if (!strcmp(key, "symbol_name"))
		return scn_text(sf, mix->symbol_name, sizeof(mix->symbol_name), key, v);
	return scn_fail(sf, "[workers] has no key '%s' (hook, chrdev, notifier, symbol, session_ops, device, chain, symbol_name)",
			key);
}

static int scn_section_loader(struct scn_file *sf, const char *key, const char *v)
{
	struct modsim_scenario *s = sf->s;

	if (!strcmp(key, "action")) {
		if (!strcmp(v, "cycle"))
			s->action = SCN_CYCLE;
		else if (!strcmp(v, "load-fail"))
			s->action = SCN_LOAD_FAIL;
		else if (!strcmp(v, "hold"))
			s->action = SCN_HOLD;
		else
			return scn_fail(sf, "action: '%s' is not cycle, load-fail or hold", v);
		return 1;
	}
	if (!strcmp(key, "unload_order")) {
		if (!strcmp(v, "reverse"))
			s->unload_order = SCN_REVERSE;
		else if (!strcmp(v, "forward"))
			s->unload_order = SCN_FORWARD;
		else
			return scn_fail(sf, "unload_order: '%s' is not reverse or forward", v);
		return 1;
	}
	if (!strcmp(key, "nowait"))
		return scn_flag(sf, &s->nowait, key, v);
	if (!strcmp(key, "force"))
		return scn_flag(sf, &s->force, key, v);
	return scn_fail(sf, "[loader] has no key '%s' (action, unload_order, nowait, force)", key);
}

/*
 * Refuse a key set twice in one section: a second `name =` (or an indented
 * line, which inih reads as more of the key above) would silently replace
 * the first.  Section names and keys past the sizes here are unknown ones,
 * refused by the section's handler.
 */
static int scn_key_once(struct scn_file *sf, const char *section, const char *key)
{
	unsigned int sec = strcmp(section, "module") ? 0 : sf->sections;
	struct scn_key *k;

	if (strlen(section) >= sizeof(k->section) || strlen(key) >= sizeof(k->key))
		return 1;
	for (unsigned int i = 0; i < sf->nkeys; i++) {
		k = &sf->keys[i];
		if (k->sec != sec || strcmp(k->section, section) || strcmp(k->key, key))
			continue;
		if (sf->indented)
			return scn_fail(sf, "an indented line: continuation lines are not allowed "
					"(it would add to '%s' of line %u)", key, k->line);
		return scn_fail(sf, "'%s' is set twice in [%s] (first on line %u)", key, section,
				k->line);
	}
	if (sf->nkeys == SCN_MAX_KEYS)
		return scn_fail(sf, "too many keys");
	k = &sf->keys[sf->nkeys++];
	snprintf(k->section, sizeof(k->section), "%s", section);
	snprintf(k->key, sizeof(k->key), "%s", key);
	k->sec = sec;
	k->line = sf->line;
	return 1;
}

static int scn_handler(void *user, const char *section, const char *key, const char *value)
{
	struct scn_file *sf = user;

	if (sf->msg[0])
		return 0;
	if (*section && !scn_key_once(sf, section, key))
		return 0;
	if (!strcmp(section, "scenario"))
		return scn_section_scenario(sf, key, value);
	if (!strcmp(section, "module"))
		return scn_section_module(sf, key, value);
	if (!strcmp(section, "workers"))
		return scn_section_workers(sf, key, value);
	if (!strcmp(section, "loader"))
		return scn_section_loader(sf, key, value);
	if (!*section)
		return scn_fail(sf, "'%s' before any [section]", key);
	return scn_fail(sf, "unknown section [%s] (scenario, module, workers, loader)", section);
}

/* The default name: the file's base name without ".ini". */
static void scn_default_name(struct modsim_scenario *s, const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".ini"))
		n -= 4;
	snprintf(s->name, sizeof(s->name), "%.*s", (int)n, base);
}

int modsim_scenario_load_file(const char *path, struct modsim_scenario *out)
{
	struct scn_file sf = { .path = path, .s = out };
	struct stat st;
	const char *slash = strrchr(path, '/');
	int r, e;

	modsim_scenario_init(out);
	scn_default_name(out, path);
	if (slash)
		snprintf(sf.dir, sizeof(sf.dir), "%.*s", (int)(slash - path), path);
	if (slash == path)
		snprintf(sf.dir, sizeof(sf.dir), "/");

	sf.f = modsim_fopen_regular(path, &e);
	if (e == -EINVAL)
		return modsim_err(-EINVAL, "scenario %s: not a regular file", path);
	if (!sf.f)
		return modsim_err(e, "scenario %s: cannot open: %s", path, strerror(-e));
	if (fstat(fileno(sf.f), &st)) {
		e = -errno;
		fclose(sf.f);
		return modsim_err(e, "scenario %s: %s", path, strerror(-e));
	}
	if (st.st_size > SCN_FILE_MAX) {
		fclose(sf.f);
		return modsim_err(-EFBIG, "scenario %s: %lld bytes; a scenario file is at most %d",
				  path, (long long)st.st_size, SCN_FILE_MAX);
	}
	r = ini_parse_stream(scn_reader, &sf, scn_handler, &sf);
	if (!sf.msg[0] && ferror(sf.f))
		snprintf(sf.msg, sizeof(sf.msg), "scenario %s: read error after line %u", path, sf.line);
	fclose(sf.f);
	if (sf.msg[0])
		return modsim_err(-EINVAL, "%s", sf.msg);
	if (r == -2)
		return modsim_err(-ENOMEM, "scenario %s: out of memory", path);
	if (r > 0)
		return modsim_err(-EINVAL, "scenario %s:%d: not an INI line (want [section] or key = value)",
				  path, r);
	if (r < 0)
		return modsim_err(-EIO, "scenario %s: cannot read it", path);
	if (sf.in_module && !sf.has_name)
		return modsim_err(-EINVAL, "scenario %s: the last [module] section has no name=", path);
	if (!out->nmods)
		return modsim_err(-EINVAL, "scenario %s: no [module] section: nothing to load", path);
	return 0;
}

#else /* !MODSIM_HAVE_INIH */

int modsim_scenario_load_file(const char *path, struct modsim_scenario *out)
{
	modsim_scenario_init(out);
	return modsim_err(-ENOTSUP, "scenario %s: scenario files need libinih (modsim was built without it)",
			  path);
}

#endif /* MODSIM_HAVE_INIH */

/*
 * Is @name a scenario file rather than a built-in's name?  Only by its
 * spelling: a path (it holds a '/') or a name ending in ".ini".  A file in
 * the current directory never stands in for a built-in of the same name.
 */
bool modsim_scenario_is_file(const char *name)
{
	size_t n = strlen(name);

	return strchr(name, '/') || (n > 4 && !strcmp(name + n - 4, ".ini"));
}

MODSIM_API int modsim_scenario_resolve(const char *name, struct modsim_scenario *out)
{
	const char *const *names = modsim_scenario_names();
	char known[256];
	size_t used = 0;
	struct stat st;
	int err;

	if (!name || !*name)
		return modsim_err(-EINVAL, "scenario: no name given");
	err = modsim_scenario_builtin(name, out);
	if (err != -ENOENT)
		return err;
	if (modsim_scenario_is_file(name))
		return modsim_scenario_load_file(name, out);
	known[0] = '\0';
	for (size_t i = 0; names[i] && used < sizeof(known); i++) {
		int w = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
				 names[i]);

		if (w > 0)
			used += (size_t)w;
	}
	if (!stat(name, &st))
		return modsim_err(-ENOENT, "scenario %s: unknown (built in: %s); a file of that name is "
				  "here: a scenario file is named by a path or NAME.ini, so give ./%s",
				  name, known, name);
	return modsim_err(-ENOENT, "scenario %s: unknown (built in: %s; or a path to a .ini file)",
			  name, known);
}
