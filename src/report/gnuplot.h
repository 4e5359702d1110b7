/* Drawing with gnuplot safely: user strings travel as data, never as script text; failures are one line. */
#ifndef MODSIM_REPORT_GNUPLOT_H
#define MODSIM_REPORT_GNUPLOT_H

#include <stddef.h>
#include <stdio.h>

#include <modsim/compiler.h>

/**
 * modsim_gnuplot_output - write "set output '@png'" to the script @f.
 * @png is checked first by modsim_gnuplot_check_output(); inside gnuplot's
 * single quotes nothing is expanded and '' is a quote.
 */
MODSIM_API void modsim_gnuplot_output(FILE *f, const char *png);

/**
 * modsim_gnuplot_check_output - can @png be named in a gnuplot script?
 * Return: 0, or -EINVAL (an empty name, or a control character: a newline
 * would end the command and start another).
 */
MODSIM_API int modsim_gnuplot_check_output(const char *png);

/**
 * modsim_gnuplot_field - @s as one field of a tab-separated datablock line
 * (set datafile separator "\t"): control characters (tab and newline
 * among them) escaped as modsim_text_escape() does, '"' (which gnuplot
 * reads as a quote in data) as \x22, every backslash doubled (gnuplot
 * reads escapes in these strings), and "" as "-".  A datablock line is
 * data: gnuplot runs nothing in it; every line must start with a number
 * of ours so that none is "EOD".
 */
MODSIM_API void modsim_gnuplot_field(FILE *f, const char *s);

/**
 * modsim_gnuplot_run - run gnuplot on @script (@len bytes), which draws
 * into @png.  Its standard output is thrown away (gnuplot writes the
 * picture there when it cannot open @png); what it says on standard error
 * is kept, and on failure the first error becomes part of one message.
 * @who: what draws, for the message ("plot", "--plot")
 *
 * Return: 0 when gnuplot exited 0 and @png is not empty; -ENOENT when
 * gnuplot is not installed, -EIO when it failed (modsim_last_error() names
 * what failed and gnuplot's reason), -EINVAL for a bad @png.
 */
MODSIM_API int modsim_gnuplot_run(const char *script, size_t len, const char *png);

#endif /* MODSIM_REPORT_GNUPLOT_H */
