#ifndef PERFOPS_SYM_DEMANGLE_H
#define PERFOPS_SYM_DEMANGLE_H

/*
 * The readable name of a C++ (Itanium ABI) or Rust (legacy or v0)
 * symbol as perf prints it, without parameters, return type or clone
 * suffix: "_ZN3geo5Shape4spinEi" gives "geo::Shape::spin" (c++filt's
 * "geo::Shape::spin(int)" less its parameters).  A suffix after
 * '@' ("@plt", "@@GLIBCXX_3.4") is kept.  Returns a string the caller
 * frees, or NULL when the name is not mangled (a C name) or invalid.
 */
char *sym_demangle(const char *name);

#endif
