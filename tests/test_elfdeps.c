/* modsim_elf_undefined: the undefined dynamic symbols of a loaded module, without a kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/units.h"

#define MODDIR MODSIM_BUILD_DIR "/tests/modules/"

struct fixture {
	void *exp_a, *imp_b;
};

/* Symbols reported by one walk. */
struct seen {
	char names[64][128];
	int n;
	int stop_after; /* return -E2BIG after this many calls; 0: never */
};

static int collect(const char *sym, void *arg)
{
	struct seen *s = arg;

	if (s->n < 64)
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", sym);
	s->n++;
	if (s->stop_after && s->n == s->stop_after)
		return -E2BIG;
	return 0;
}

static bool seen_has(const struct seen *s, const char *name)
{
	for (int i = 0; i < s->n && i < 64; i++)
		if (!strcmp(s->names[i], name))
			return true;
	return false;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	/* imp_b binds exp_a_add at dlopen, so exp_a goes first, in the global scope. */
	f->exp_a = dlopen(MODDIR "exp_a.so", RTLD_NOW | RTLD_GLOBAL);
	assert_non_null(f->exp_a);
	f->imp_b = dlopen(MODDIR "imp_b.so", RTLD_NOW | RTLD_GLOBAL);
	assert_non_null(f->imp_b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	dlclose(f->imp_b);
	dlclose(f->exp_a);
	free(f);
	return 0;
}

static void test_modsim_elf_undefined_lists_import(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };

	assert_int_equal(modsim_elf_undefined(f->imp_b, collect, &s), 0);
	assert_true(seen_has(&s, "exp_a_add"));
	/* Its own definitions are not undefined. */
	assert_false(seen_has(&s, "imp_b_add2"));
	assert_false(seen_has(&s, "__this_module"));
}

static void test_modsim_elf_undefined_skips_defined(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };

	assert_int_equal(modsim_elf_undefined(f->exp_a, collect, &s), 0);
	assert_false(seen_has(&s, "exp_a_add"));
	assert_false(seen_has(&s, "exp_a_calls"));
}

/*
 * The oracle: the file's .dynsym read from disk through its section
 * headers, which the loader never looks at.  Collects the names whose
 * binding is @bind and that are undefined.
 */
static void undefined_on_disk(const char *path, unsigned char bind, struct seen *out)
{
	const ElfW(Ehdr) *eh;
	const ElfW(Shdr) *sh;
	const ElfW(Sym) *sym;
	const char *str;
	struct stat st;
	size_t n;
	void *map;
	int fd;

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	assert_true(map != MAP_FAILED);
	eh = map;
	sh = (const ElfW(Shdr) *)((const char *)map + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		sym = (const ElfW(Sym) *)((const char *)map + sh[i].sh_offset);
		str = (const char *)map + sh[sh[i].sh_link].sh_offset;
		n = sh[i].sh_size / sh[i].sh_entsize;
		for (size_t j = 1; j < n; j++)
			if (sym[j].st_shndx == SHN_UNDEF && ELF64_ST_BIND(sym[j].st_info) == bind &&
			    sym[j].st_name && str[sym[j].st_name])
				collect(str + sym[j].st_name, out);
	}
	munmap(map, (size_t)st.st_size);
	close(fd);
}

/* gcc's crt files leave __cxa_finalize weak undefined in every shared object. */
static void test_modsim_elf_undefined_skips_weak(void **state)
{
	struct fixture *f = *state;
	struct seen weak = { 0 }, s = { 0 };

	undefined_on_disk(MODDIR "imp_b.so", STB_WEAK, &weak);
	assert_true(seen_has(&weak, "__cxa_finalize"));
	assert_int_equal(modsim_elf_undefined(f->imp_b, collect, &s), 0);
	for (int i = 0; i < weak.n && i < 64; i++)
		if (seen_has(&s, weak.names[i]))
			fail_msg("weak %s was reported", weak.names[i]);
}

/* What the loaded object reports is exactly what its file says, module by module. */
static void test_modsim_elf_undefined_matches_file(void **state)
{
	static const char *const mods[] = { "exp_a", "imp_b", "imp_missing", "params",
					    "symbols_getter" };
	char path[512];
	void *h;

	(void)state;
	for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		struct seen mem = { 0 }, disk = { 0 };

		snprintf(path, sizeof(path), MODDIR "%s.so", mods[i]);
		/* Lazy and local: imp_missing's import is never bound. */
		h = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
		assert_non_null(h);
		assert_int_equal(modsim_elf_undefined(h, collect, &mem), 0);
		dlclose(h);
		undefined_on_disk(path, STB_GLOBAL, &disk);
		if (mem.n != disk.n)
			fail_msg("%s: %d undefined in memory, %d in the file", mods[i], mem.n,
				 disk.n);
		for (int j = 0; j < disk.n && j < 64; j++)
			if (!seen_has(&mem, disk.names[j]))
				fail_msg("%s: %s is missing", mods[i], disk.names[j]);
	}
}

/*
 * The global undefined symbols, even ones nothing defines (lazy binding).
 * Sanitizer builds add their own (__asan_*), so the counts are lower bounds.
 */
static void test_modsim_elf_undefined_host_and_unbound(void **state)
{
	struct seen getter = { 0 }, missing = { 0 };
	void *h;

	(void)state;
	h = dlopen(MODDIR "symbols_getter.so", RTLD_LAZY | RTLD_LOCAL);
	assert_non_null(h);
	assert_int_equal(modsim_elf_undefined(h, collect, &getter), 0);
	dlclose(h);
	assert_true(getter.n >= 2);
	assert_true(seen_has(&getter, "__symbol_get"));
	assert_true(seen_has(&getter, "__symbol_put"));

	h = dlopen(MODDIR "imp_missing.so", RTLD_LAZY | RTLD_LOCAL);
	assert_non_null(h);
	assert_int_equal(modsim_elf_undefined(h, collect, &missing), 0);
	dlclose(h);
	assert_true(missing.n >= 1);
	assert_true(seen_has(&missing, "nobody_exports_this"));
}

static void test_modsim_elf_undefined_stops_on_error(void **state)
{
	struct seen s = { .stop_after = 1 };
	void *h;

	(void)state;
	h = dlopen(MODDIR "symbols_getter.so", RTLD_LAZY | RTLD_LOCAL);
	assert_non_null(h);
	assert_int_equal(modsim_elf_undefined(h, collect, &s), -E2BIG);
	dlclose(h);
	assert_int_equal(s.n, 1); /* it has two; the walk stopped at the first */
}

static void test_modsim_elf_undefined_bad_args(void **state)
{
	struct fixture *f = *state;
	struct seen s = { 0 };

	assert_int_equal(modsim_elf_undefined(NULL, collect, &s), -EINVAL);
	assert_int_equal(modsim_elf_undefined(f->imp_b, NULL, &s), -EINVAL);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_lists_import, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_skips_defined, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_skips_weak, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_host_and_unbound, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_stops_on_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_bad_args, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_modsim_elf_undefined_matches_file, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
