/* nodesc: a shared object with no module descriptor; the loader refuses it (-ENOEXEC). */
int nodesc_answer(void);

int nodesc_answer(void)
{
	return 42;
}
