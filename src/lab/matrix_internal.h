/* Private to the matrix: the trial line's fields, shared by the writer (--jsonl) and the reader (merge). */
#ifndef MODSIM_MATRIX_INTERNAL_H
#define MODSIM_MATRIX_INTERNAL_H

#include <stddef.h>
#include <stdio.h>

#include <modsim/lab/matrix.h>

#define MATRIX_TRIAL_SCHEMA "modsim-matrix-trial/3"
#define MATRIX_SCHEMA "modsim-matrix/2"

/*
 * enum mfield_type - how a trial field is written in a line.
 * @MF_SCHEMA:  the constant MATRIX_TRIAL_SCHEMA (no member)
 * @MF_STR:     a JSON string, a char array member
 * @MF_PREDICT: "safe" | "unsafe" | "unknown", the predict member
 * @MF_NUM:     an unsigned decimal integer, a member of @size 4 or 8 bytes
 */
enum mfield_type { MF_SCHEMA, MF_STR, MF_PREDICT, MF_NUM };

struct matrix_field {
	const char *key;
	enum mfield_type type;
	size_t off, size;
};

/* The fields of a trial line, in the order they are written (matrix_fields.c). */
extern const struct matrix_field modsim_matrix_fields[];
extern const size_t modsim_matrix_nfields;

/* The first trial of cell (@strategy, @scenario) that found a violation, or NULL (matrix_table.c). */
const struct modsim_matrix_trial *modsim_matrix_first_finder(const struct modsim_matrix_result *r,
							     const char *strategy,
							     const char *scenario);

/* The first trial of the cell that found a violation and has a replay token, or NULL (matrix_table.c). */
const struct modsim_matrix_trial *modsim_matrix_token_finder(const struct modsim_matrix_result *r,
							     const char *strategy,
							     const char *scenario);

/* Write @s as a JSON string (quoted, escaped). */
void modsim_matrix_json_str(FILE *f, const char *s);

/*
 * The replay lines under the text table, fitted to @width (0: no limit),
 * whole in @path or a new file when cut (matrix_replays.c; see
 * modsim_matrix_print_fit).  Return: 0 or a negative errno.
 */
int modsim_matrix_print_replays(FILE *f, const struct modsim_matrix_result *r,
				unsigned int width, const char *path);

#endif /* MODSIM_MATRIX_INTERNAL_H */
