/* The command lines modsim prints for copy and paste (repeat:, replay:), every word shell-quoted. */
#ifndef MODSIM_REPORT_CMDLINE_H
#define MODSIM_REPORT_CMDLINE_H

#include <stdio.h>

#include <modsim/compiler.h>

/**
 * modsim_fput_command - "PROGRAM COMMAND", the start of every command line
 * modsim prints for copy and paste: PROGRAM is modsim_progname() (the
 * binary as invoked, quoted for a shell by whoever set it).
 */
MODSIM_API void modsim_fput_command(FILE *f, const char *command);

/**
 * modsim_fput_opt - " OPT VALUE" with @value quoted for a shell
 * (modsim_shell_quote()): a name from a file or token cannot break the
 * line or become a command.
 * @f:     where
 * @opt:   the option, e.g. "--scenario" (modsim's own text, not quoted)
 * @value: its value
 */
MODSIM_API void modsim_fput_opt(FILE *f, const char *opt, const char *value);

/**
 * modsim_fput_replay_cmd - "modsim run --replay TOKEN", and the
 * "--strategy PATH" / "--scenario PATH" that a token naming a strategy .so
 * or a scenario file needs to run (modsim_schedule_check_code()).
 * @f:        where (no newline is written)
 * @token:    the token
 * @strategy: the token's strategy
 * @scenario: the token's scenario
 *
 * Example:
 *	fputs("replay: ", f);
 *	modsim_fput_replay_cmd(f, tok, cfg->strategy, cfg->scenario);
 *	fputc('\n', f);
 */
MODSIM_API void modsim_fput_replay_cmd(FILE *f, const char *token, const char *strategy,
				       const char *scenario);

#endif /* MODSIM_REPORT_CMDLINE_H */
