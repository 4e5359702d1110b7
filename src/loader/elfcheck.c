/* Before dlopen: is the file a regular, whole ELF object, so that mapping it cannot hang or fault? */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loader/loader.h"

#define ELFCHECK_MAX_PHDRS 256

/*
 * Why look before dlopen.
 *
 * dlopen opens the file and blocks there if it is a FIFO (until a writer
 * comes: forever, in a script).  It maps each loadable segment for the
 * size the program header claims, whatever the file's size: a page of a
 * mapping wholly past the end of the file raises SIGBUS when the dynamic
 * linker relocates it, inside dlopen, where nothing can be recovered (it
 * holds its lock).  Both are refused here, with the file named: open
 * without blocking, a regular file only, and every PT_LOAD's file bytes
 * inside the file.  The file may still change between this check and
 * dlopen; modsim does not defend against a file rewritten under it.
 */
static int refuse(const char *spec, const char *path, const char *why)
{
	return modsim_err(-ENOEXEC, "insmod %s: %s %s", spec, path, why);
}

static int check_phdrs(const char *spec, const char *path, int fd, const ElfW(Ehdr) *eh,
		       off_t size)
{
	ElfW(Phdr) ph[ELFCHECK_MAX_PHDRS];
	size_t len;

	if (eh->e_phentsize != sizeof(ElfW(Phdr)) || eh->e_phnum == 0)
		return 0; /* dlopen says what is wrong with these */
	if (eh->e_phnum > ELFCHECK_MAX_PHDRS)
		return refuse(spec, path, "has too many program headers");
	len = (size_t)eh->e_phnum * sizeof(ElfW(Phdr));
	if (eh->e_phoff > (uint64_t)size || len > (uint64_t)size - eh->e_phoff ||
	    pread(fd, ph, len, (off_t)eh->e_phoff) != (ssize_t)len)
		return refuse(spec, path, "is truncated (its program headers end past the end of the file)");
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_offset > (uint64_t)size || ph[i].p_filesz > (uint64_t)size - ph[i].p_offset)
			return modsim_err(-ENOEXEC, "insmod %s: %s is truncated: loadable segment %u needs bytes up to %llu, the file has %lld",
					  spec, path, i,
					  (unsigned long long)ph[i].p_offset + ph[i].p_filesz,
					  (long long)size);
	}
	return 0;
}

int modsim_elf_precheck(const char *spec, const char *path)
{
	static const unsigned char magic[SELFMAG] = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3 };
	ElfW(Ehdr) eh;
	struct stat st;
	ssize_t n;
	int fd, e, err;

	/* O_NONBLOCK: opening a FIFO must not wait for its writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		if (e == ENOENT || e == ENOTDIR)
			return modsim_err(-ENOENT, "insmod %s: %s: no such file", spec, path);
		return modsim_err(-e, "insmod %s: cannot open %s: %s", spec, path, strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		e = errno;
		close(fd);
		return modsim_err(-e, "insmod %s: cannot stat %s: %s", spec, path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return refuse(spec, path, "is not a regular file, not a shared object");
	}
	memset(&eh, 0, sizeof(eh));
	n = pread(fd, &eh, sizeof(eh), 0);
	if (n < SELFMAG || memcmp(eh.e_ident, magic, SELFMAG)) {
		close(fd);
		return refuse(spec, path, "is not a shared object (no ELF header)");
	}
	err = 0;
	/* Another class or a short header: dlopen refuses it in its words. */
	if (n == (ssize_t)sizeof(eh) && eh.e_ident[EI_CLASS] == (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32))
		err = check_phdrs(spec, path, fd, &eh, st.st_size);
	close(fd);
	return err;
}
