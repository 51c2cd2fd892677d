// The few libclang C functions the probe calls, loaded at run time with dlopen so that the
// package links with no system library and no unsafe flags. Signatures follow clang-c/Index.h.
#ifndef CCLANG_H
#define CCLANG_H

#include <stddef.h>

typedef void *CClangIndex;
typedef void *CClangTranslationUnit;

/// Loads libclang from `path`; on failure writes the reason into `error` and returns 0.
int cclang_load(const char *path, char *error, size_t error_length);

/// The path libclang was loaded from (resolved through dladdr), or NULL.
const char *cclang_loaded_path(void);

CClangIndex cclang_create_index(void);
void cclang_dispose_index(CClangIndex index);

/// Parses one in-memory C file. Returns 0 and sets `*out` on success, else libclang's error code.
int cclang_parse(CClangIndex index, const char *file_name, const char *contents, unsigned long length,
                 const char *const *arguments, int argument_count, CClangTranslationUnit *out);
void cclang_dispose_translation_unit(CClangTranslationUnit unit);

/// Reports each diagnostic of at least warning severity: its severity (2 warning, 3 error,
/// 4 fatal), whether it lies in the main file, its line there, and its formatted text.
typedef void (*cclang_diagnostic_callback)(void *context, int severity, int in_main_file, unsigned line,
                                           const char *text);
void cclang_diagnostics(CClangTranslationUnit unit, cclang_diagnostic_callback callback, void *context);

/// Evaluates every top-level variable whose name starts with `prefix` and reports its name and
/// integer value (`evaluated` is 0 when libclang could not evaluate it as an integer).
typedef void (*cclang_value_callback)(void *context, const char *name, int evaluated, int is_unsigned,
                                      long long value, unsigned long long unsigned_value);
void cclang_evaluate_variables(CClangTranslationUnit unit, const char *prefix, cclang_value_callback callback,
                               void *context);

/// libclang's version string, e.g. "clang version 21.0.0".
void cclang_version(char *buffer, size_t length);



/// The file a loaded shared library's `symbol` comes from (via dladdr), or 0 when `library`
/// is not loaded; written into `buffer`.
int cclang_path_of_loaded(const char *library, const char *symbol, char *buffer, size_t length);
#endif
