/* Compiler helpers shared by the public headers: export macro, branch hints. */
#ifndef MODSIM_COMPILER_H
#define MODSIM_COMPILER_H

/* Marks the functions the host exports to modules and to programs; the
 * library is built with hidden visibility, so nothing else leaks out. */
#define MODSIM_API __attribute__((visibility("default")))

#define modsim_likely(x) __builtin_expect(!!(x), 1)
#define modsim_unlikely(x) __builtin_expect(!!(x), 0)

#endif /* MODSIM_COMPILER_H */
