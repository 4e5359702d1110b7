/* The command line's library side: the command interpreter and the demo. */
#ifndef MODSIM_SHELL_H
#define MODSIM_SHELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <modsim/compiler.h>

#ifdef __cplusplus
extern "C" {
#endif

struct modsim_kernel;

/**
 * modsim_shell - run commands read from @in against @k until end of input
 * or `quit`.
 * @k:           the kernel
 * @in:          one command per line; `#` starts a comment, blank lines
 *               are skipped
 * @out:         command output (lsmod, stats, run reports), and the prompt
 * @err:         one line per error: "modsim: line N: <what and why>"
 * @interactive: print the prompt "modsim> " before each line; when @in is
 *               stdin and @out stdout, both terminals, read through libedit
 *               (line editing, and history for the session)
 *
 * Commands: `strategy NAME`, `insmod NAME|PATH [param=value...]`,
 * `rmmod NAME [-w|--wait|--nowait] [-f|--force]`, `lsmod`, `modinfo
 * NAME|PATH` (what the module file declares; nothing is loaded), `workers N` (start N
 * background workers with the default mix; 0 stops them), `run SECONDS`
 * (let the workers run, then report the operations done), `stats`, `help`,
 * `quit` / `exit`.  A line `! COMMAND` expects COMMAND to fail: its failure
 * is reported on @out and does not count, its success is an error.  A script
 * goes on after an error, and so does a session at a prompt.  Workers still
 * running at the end are stopped.
 *
 * Example:
 *	FILE *in = fmemopen((void *)"insmod hello\nlsmod\n", 18, "r");
 *	int status = modsim_shell(k, in, stdout, stderr, false);
 *
 * Return: 2 if any line was a usage error (unknown command, bad flag, bad
 * number, missing or extra argument, unknown strategy), else 1 if any
 * command failed, else 0.
 */
MODSIM_API int modsim_shell(struct modsim_kernel *k, FILE *in, FILE *out, FILE *err,
			    bool interactive);

/**
 * modsim_shell_split - split one line of a shell script into words, in
 * place: words are separated by blanks, a word starting with '#' ends the
 * line (a comment).
 * @line: the line (modified)
 * @argv: filled with up to @max words
 * @max:  the room in @argv
 *
 * Return: the number of words, or -1 when there are more than @max.
 */
int modsim_shell_split(char *line, char **argv, int max);

/**
 * modsim_demo - the guided tour: load the example modules (hello, hook,
 * chardev, notifier, timer), run two workers for about a second while
 * trying to unload chardev, unload everything, and print lsmod at each step
 * and the statistics at the end.  It prints what happened, refusals
 * included.
 * @k:   the kernel
 * @out: where the tour is printed
 *
 * Return: 0, or 1 when a step that should work failed (a module did not
 * load, a final unload did not go through).
 */
MODSIM_API int modsim_demo(struct modsim_kernel *k, FILE *out);

/*
 * modsim_shell_complete_begin/end - Tab completion at the prompt, for the
 * session on @k: command @names as the first word, module files after
 * insmod and modinfo, loaded modules and flags after rmmod, presets after
 * strategy (shell_complete.c).
 */
void modsim_shell_complete_begin(struct modsim_kernel *k, const char *const *names, size_t n);
void modsim_shell_complete_end(void);

#ifdef __cplusplus
}
#endif
#endif /* MODSIM_SHELL_H */
