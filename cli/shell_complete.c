/* Tab completion at the shell's prompt (libedit): commands, module files, loaded modules, presets. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include <modsim/kernel.h>
#include <modsim/strategy.h>

#include "shell.h"

#include "kernel/units.h"

/* The session at the prompt (one at a time: libedit's state is global too). */
static struct modsim_kernel *ck;
static const char *const *cnames;
static size_t ncnames;

/* The candidates for the word being completed. */
static char **cand;
static size_t ncand, capcand;

static void cand_clear(void)
{
	for (size_t i = 0; i < ncand; i++)
		free(cand[i]);
	ncand = 0;
}

static void cand_add(const char *s, size_t len)
{
	char *c;

	if (ncand == capcand) {
		size_t cap = capcand ? 2 * capcand : 64;
		char **bigger = realloc(cand, cap * sizeof(*cand));

		if (!bigger)
			return;
		cand = bigger;
		capcand = cap;
	}
	c = strndup(s, len);
	if (c)
		cand[ncand++] = c;
}

/* NAME for every NAME.so in the module path's directories. */
static void add_module_files(void)
{
	const char *dir = ck->module_path, *colon;

	for (; *dir; dir = *colon ? colon + 1 : colon) {
		char path[4096];
		struct dirent *e;
		DIR *d;

		colon = strchrnul(dir, ':');
		if (colon == dir || (size_t)(colon - dir) >= sizeof(path))
			continue;
		memcpy(path, dir, (size_t)(colon - dir));
		path[colon - dir] = '\0';
		d = opendir(path);
		if (!d)
			continue;
		while ((e = readdir(d))) {
			size_t n = strlen(e->d_name);

			if (n > 3 && !strcmp(e->d_name + n - 3, ".so"))
				cand_add(e->d_name, n - 3);
		}
		closedir(d);
	}
}

static void add_loaded(void)
{
	struct modsim_modinfo info[64];
	int n = modsim_lsmod(ck, info, 64);

	for (int i = 0; i < n; i++)
		cand_add(info[i].name, strlen(info[i].name));
}

static char *next_match(const char *text, int state)
{
	static size_t i, len;

	if (!state) {
		i = 0;
		len = strlen(text);
	}
	while (i < ncand) {
		const char *c = cand[i++];

		if (!strncmp(c, text, len))
			return strdup(c);
	}
	return NULL;
}

static void add_words(const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cand_add(w[i], strlen(w[i]));
}

static char **complete(const char *text, int start, int end)
{
	static const char *const rmmod_flags[] = { "-f", "--force", "-w", "--wait", "--nowait" };
	const char *line = rl_line_buffer, *w;
	size_t wlen;

	(void)end;
	rl_attempted_completion_over = 1; /* no file names unless asked for */
	cand_clear();
	/* The command: the first word, after a '!' that expects failure. */
	w = line + strspn(line, " \t");
	if (*w == '!')
		w += 1 + strspn(w + 1, " \t");
	wlen = strcspn(w, " \t");
	if (w + wlen >= line + start) {
		add_words(cnames, ncnames);
	} else if ((wlen == 6 && !strncmp(w, "insmod", 6)) ||
		   (wlen == 7 && !strncmp(w, "modinfo", 7))) {
		add_module_files();
	} else if (wlen == 5 && !strncmp(w, "rmmod", 5)) {
		add_loaded();
		add_words(rmmod_flags, sizeof(rmmod_flags) / sizeof(rmmod_flags[0]));
	} else if (wlen == 8 && !strncmp(w, "strategy", 8)) {
		size_t n;
		const struct modsim_strategy *const *all = modsim_strategy_all(&n);

		for (size_t i = 0; i < n; i++)
			cand_add(all[i]->name, strlen(all[i]->name));
	}
	return rl_completion_matches(text, next_match);
}

void modsim_shell_complete_begin(struct modsim_kernel *k, const char *const *names, size_t n)
{
	ck = k;
	cnames = names;
	ncnames = n;
	rl_attempted_completion_function = complete;
}

void modsim_shell_complete_end(void)
{
	rl_attempted_completion_function = NULL;
	cand_clear();
	free(cand);
	cand = NULL;
	capcand = 0;
	ck = NULL;
}
