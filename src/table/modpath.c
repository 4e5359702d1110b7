/* The module search path: where a bare module name is looked for, and resolving it to a file. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "table/table.h"

/* Append the directory @dir (@n bytes) to the colon-separated @path, when it fits whole. */
static void path_append(char *path, size_t cap, const char *dir, size_t n)
{
	size_t used = strlen(path), sep = used ? 1 : 0;

	if (n == 0 || used + sep + n + 1 > cap)
		return;
	if (sep)
		path[used++] = ':';
	memcpy(path + used, dir, n);
	path[used + n] = '\0';
}

/* Append every directory of the colon-separated @list. */
static void path_append_list(char *path, size_t cap, const char *list)
{
	const char *colon;

	while (*list) {
		colon = strchrnul(list, ':');
		path_append(path, cap, list, (size_t)(colon - list));
		list = *colon ? colon + 1 : colon;
	}
}

/* Append the executable's directory + "/modules". */
static void path_append_exe_modules(char *path, size_t cap)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;
	int len;

	if (n <= 0)
		return;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = '\0';
	len = snprintf(dir, sizeof(dir), "%s/modules", exe);
	if (len > 0 && (size_t)len < sizeof(dir))
		path_append(path, cap, dir, (size_t)len);
}

void modsim_modpath_init(struct modsim_kernel *k)
{
	const char *env;

	k->module_path[0] = '\0';
	if (k->cfg.module_path) {
		path_append_list(k->module_path, sizeof(k->module_path), k->cfg.module_path);
		return;
	}
	env = getenv("MODSIM_MODULE_PATH");
	if (env)
		path_append_list(k->module_path, sizeof(k->module_path), env);
	path_append_exe_modules(k->module_path, sizeof(k->module_path));
}

static bool is_regular_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ends_with_so(const char *s)
{
	size_t n = strlen(s);

	return n > 3 && !strcmp(s + n - 3, ".so");
}

/* Try "@dir/@spec@suffix"; true (and @out filled) when it is a regular file. */
static bool try_candidate(const char *dir, size_t dlen, const char *spec, const char *suffix,
			  char *out, size_t len)
{
	int n = snprintf(out, len, "%.*s/%s%s", (int)dlen, dir, spec, suffix);

	return n > 0 && (size_t)n < len && is_regular_file(out);
}

int modsim_modpath_resolve(struct modsim_kernel *k, const char *spec, char *out, size_t len)
{
	const char *dir, *colon;
	size_t dlen;

	if (!spec || !*spec)
		return modsim_err(-EINVAL, "insmod: empty module name");
	if (strchr(spec, '/')) {
		/* A path is taken as given; a missing file is reported when
		 * dlopen fails on it (load.c's check_file). */
		if (strlen(spec) >= len)
			return modsim_err(-ENAMETOOLONG, "insmod %s: path too long", spec);
		strcpy(out, spec);
		return 0;
	}
	for (dir = k->module_path; *dir; dir = *colon ? colon + 1 : colon) {
		colon = strchrnul(dir, ':');
		dlen = (size_t)(colon - dir);
		if (dlen == 0)
			continue;
		if (ends_with_so(spec) && try_candidate(dir, dlen, spec, "", out, len))
			return 0;
		if (try_candidate(dir, dlen, spec, ".so", out, len))
			return 0;
	}
	if (len)
		out[0] = '\0';
	return modsim_err(-ENOENT, "insmod %s: no module named %s (searched: %s)", spec, spec,
			  k->module_path[0] ? k->module_path : "no directories");
}
