/* The module search path: where a bare module name is looked for, and resolving it to a file. */
#include <dlfcn.h>
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

/*
 * Append the directory @dir, by its canonical name, when it exists and is
 * not on @path yet.  The directories derived from where the binary and the
 * library are go through here: one that is not there is not searched, and
 * is not listed in a miss's "searched:".
 */
static void path_append_found(char *path, size_t cap, const char *dir)
{
	char real[PATH_MAX];
	const char *p, *colon;
	size_t n;
	struct stat st;

	if (!realpath(dir, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	n = strlen(real);
	for (p = path; *p; p = *colon ? colon + 1 : colon) {
		colon = strchrnul(p, ':');
		if ((size_t)(colon - p) == n && !memcmp(p, real, n))
			return;
	}
	path_append(path, cap, real, n);
}

/* The directory of the file @file ("/a/b/c" gives "/a/b"); false when it has none. */
static bool dir_of(const char *file, char *out, size_t len)
{
	const char *slash = strrchr(file, '/');

	if (!slash || (size_t)(slash - file) >= len)
		return false;
	memcpy(out, file, (size_t)(slash - file));
	out[slash - file] = '\0';
	return true;
}

/* Append "@dir/@rel" when it exists. */
static void path_append_under(char *path, size_t cap, const char *dir, const char *rel)
{
	char sub[PATH_MAX];
	int len = snprintf(sub, sizeof(sub), "%s/%s", dir, rel);

	if (len > 0 && (size_t)len < sizeof(sub))
		path_append_found(path, cap, sub);
}

/*
 * The build tree's module directories, compiled into the build's test
 * programs only (tests/CMakeLists.txt defines it), so that a suite run by
 * hand finds build/modules and build/tests/modules as it does under CTest.
 * An installed library or binary has no such definition: the weak
 * reference is NULL.
 */
extern const char modsim_test_module_path[] __attribute__((weak));

/*
 * The default search path, after $MODSIM_MODULE_PATH: the installed
 * modules folder, found from the running binary (BINDIR/../lib/modsim/
 * modules) and from libmodsim.so itself (LIBDIR/modsim/modules, for a host
 * whose binary lives elsewhere); then the build tree's: the binary's own
 * directory + "/modules" (build/modsim beside build/modules, a suite beside
 * build/tests/modules), and the test programs' compiled-in directories.
 */
static void path_append_defaults(char *path, size_t cap)
{
	char exe[PATH_MAX], exe_dir[PATH_MAX], lib_dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	bool have_exe = false;
	Dl_info info;

	if (n > 0) {
		exe[n] = '\0';
		have_exe = dir_of(exe, exe_dir, sizeof(exe_dir));
	}
	if (have_exe)
		path_append_under(path, cap, exe_dir, MODSIM_BINDIR_TO_PKGLIBDIR "/modules");
	if (dladdr((void *)path_append_defaults, &info) && info.dli_fname &&
	    info.dli_fname[0] == '/' && dir_of(info.dli_fname, lib_dir, sizeof(lib_dir)))
		path_append_under(path, cap, lib_dir, "modsim/modules");
	if (have_exe)
		path_append_under(path, cap, exe_dir, "modules");
	if (modsim_test_module_path) {
		const char *list = modsim_test_module_path, *colon;
		char dir[PATH_MAX];

		for (; *list; list = *colon ? colon + 1 : colon) {
			colon = strchrnul(list, ':');
			if ((size_t)(colon - list) < sizeof(dir)) {
				memcpy(dir, list, (size_t)(colon - list));
				dir[colon - list] = '\0';
				path_append_found(path, cap, dir);
			}
		}
	}
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
	path_append_defaults(k->module_path, sizeof(k->module_path));
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
