#define _GNU_SOURCE
#include "CClang.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

// Just enough of clang-c/Index.h: the layouts of the by-value structs and the enum values used.
typedef struct { const void *data; unsigned private_flags; } CXString;
typedef struct { int kind; int xdata; const void *data[3]; } CXCursor;
typedef struct { const void *ptr_data[2]; unsigned int_data; } CXSourceLocation;
struct CXUnsavedFile { const char *Filename; const char *Contents; unsigned long Length; };
typedef void *CXDiagnostic;
typedef void *CXFile;
typedef void *CXEvalResult;
typedef int (*CXCursorVisitor)(CXCursor cursor, CXCursor parent, void *client_data);

enum { CXCursor_VarDecl = 9 };
enum { CXChildVisit_Continue = 1 };
enum { CXEval_Int = 1 };
enum { CXDiagnostic_Warning = 2 };
enum { CXTranslationUnit_KeepGoing = 0x200, CXTranslationUnit_SkipFunctionBodies = 0x40 };

static struct {
    void *handle;
    void *(*createIndex)(int, int);
    void (*disposeIndex)(void *);
    int (*parseTranslationUnit2)(void *, const char *, const char *const *, int, struct CXUnsavedFile *, unsigned,
                                 unsigned, void **);
    void (*disposeTranslationUnit)(void *);
    unsigned (*getNumDiagnostics)(void *);
    CXDiagnostic (*getDiagnostic)(void *, unsigned);
    void (*disposeDiagnostic)(CXDiagnostic);
    int (*getDiagnosticSeverity)(CXDiagnostic);
    CXSourceLocation (*getDiagnosticLocation)(CXDiagnostic);
    CXString (*formatDiagnostic)(CXDiagnostic, unsigned);
    unsigned (*defaultDiagnosticDisplayOptions)(void);
    void (*getExpansionLocation)(CXSourceLocation, CXFile *, unsigned *, unsigned *, unsigned *);
    int (*locationIsFromMainFile)(CXSourceLocation);
    CXCursor (*getTranslationUnitCursor)(void *);
    unsigned (*visitChildren)(CXCursor, CXCursorVisitor, void *);
    int (*getCursorKind)(CXCursor);
    CXString (*getCursorSpelling)(CXCursor);
    CXEvalResult (*cursorEvaluate)(CXCursor);
    int (*evalResultGetKind)(CXEvalResult);
    unsigned (*evalResultIsUnsignedInt)(CXEvalResult);
    long long (*evalResultGetAsLongLong)(CXEvalResult);
    unsigned long long (*evalResultGetAsUnsigned)(CXEvalResult);
    void (*evalResultDispose)(CXEvalResult);
    const char *(*getCString)(CXString);
    void (*disposeString)(CXString);
    CXString (*getClangVersion)(void);
} api;

static char loaded_path[4096];

#define LOAD(field, symbol)                                                                                   \
    do {                                                                                                      \
        *(void **)(&api.field) = dlsym(handle, symbol);                                                       \
        if (!api.field) {                                                                                     \
            snprintf(error, error_length, "%s: missing symbol %s", path, symbol);                             \
            dlclose(handle);                                                                                  \
            api.handle = NULL;                                                                                \
            return 0;                                                                                         \
        }                                                                                                     \
    } while (0)

int cclang_load(const char *path, char *error, size_t error_length) {
    if (api.handle) return 1;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        snprintf(error, error_length, "%s", dlerror());
        return 0;
    }
    LOAD(createIndex, "clang_createIndex");
    LOAD(disposeIndex, "clang_disposeIndex");
    LOAD(parseTranslationUnit2, "clang_parseTranslationUnit2");
    LOAD(disposeTranslationUnit, "clang_disposeTranslationUnit");
    LOAD(getNumDiagnostics, "clang_getNumDiagnostics");
    LOAD(getDiagnostic, "clang_getDiagnostic");
    LOAD(disposeDiagnostic, "clang_disposeDiagnostic");
    LOAD(getDiagnosticSeverity, "clang_getDiagnosticSeverity");
    LOAD(getDiagnosticLocation, "clang_getDiagnosticLocation");
    LOAD(formatDiagnostic, "clang_formatDiagnostic");
    LOAD(defaultDiagnosticDisplayOptions, "clang_defaultDiagnosticDisplayOptions");
    LOAD(getExpansionLocation, "clang_getExpansionLocation");
    LOAD(locationIsFromMainFile, "clang_Location_isFromMainFile");
    LOAD(getTranslationUnitCursor, "clang_getTranslationUnitCursor");
    LOAD(visitChildren, "clang_visitChildren");
    LOAD(getCursorKind, "clang_getCursorKind");
    LOAD(getCursorSpelling, "clang_getCursorSpelling");
    LOAD(cursorEvaluate, "clang_Cursor_Evaluate");
    LOAD(evalResultGetKind, "clang_EvalResult_getKind");
    LOAD(evalResultIsUnsignedInt, "clang_EvalResult_isUnsignedInt");
    LOAD(evalResultGetAsLongLong, "clang_EvalResult_getAsLongLong");
    LOAD(evalResultGetAsUnsigned, "clang_EvalResult_getAsUnsigned");
    LOAD(evalResultDispose, "clang_EvalResult_dispose");
    LOAD(getCString, "clang_getCString");
    LOAD(disposeString, "clang_disposeString");
    LOAD(getClangVersion, "clang_getClangVersion");
    api.handle = handle;
    Dl_info info;
    if (dladdr(*(void **)(&api.createIndex), &info) && info.dli_fname) {
        snprintf(loaded_path, sizeof loaded_path, "%s", info.dli_fname);
    } else {
        snprintf(loaded_path, sizeof loaded_path, "%s", path);
    }
    return 1;
}

const char *cclang_loaded_path(void) { return api.handle ? loaded_path : NULL; }

CClangIndex cclang_create_index(void) { return api.createIndex(0, 0); }

void cclang_dispose_index(CClangIndex index) { api.disposeIndex(index); }

int cclang_parse(CClangIndex index, const char *file_name, const char *contents, unsigned long length,
                 const char *const *arguments, int argument_count, CClangTranslationUnit *out) {
    struct CXUnsavedFile file = {file_name, contents, length};
    return api.parseTranslationUnit2(index, file_name, arguments, argument_count, &file, 1,
                                     CXTranslationUnit_KeepGoing | CXTranslationUnit_SkipFunctionBodies, out);
}

void cclang_dispose_translation_unit(CClangTranslationUnit unit) { api.disposeTranslationUnit(unit); }

void cclang_diagnostics(CClangTranslationUnit unit, cclang_diagnostic_callback callback, void *context) {
    unsigned count = api.getNumDiagnostics(unit);
    for (unsigned i = 0; i < count; i++) {
        CXDiagnostic diagnostic = api.getDiagnostic(unit, i);
        int severity = api.getDiagnosticSeverity(diagnostic);
        if (severity >= CXDiagnostic_Warning) {
            CXSourceLocation location = api.getDiagnosticLocation(diagnostic);
            unsigned line = 0;
            api.getExpansionLocation(location, NULL, &line, NULL, NULL);
            CXString text = api.formatDiagnostic(diagnostic, api.defaultDiagnosticDisplayOptions());
            callback(context, severity, api.locationIsFromMainFile(location), line, api.getCString(text));
            api.disposeString(text);
        }
        api.disposeDiagnostic(diagnostic);
    }
}

struct visit_state {
    const char *prefix;
    size_t prefix_length;
    cclang_value_callback callback;
    void *context;
};

static int visit_variable(CXCursor cursor, CXCursor parent, void *client_data) {
    (void)parent;
    struct visit_state *state = client_data;
    if (api.getCursorKind(cursor) != CXCursor_VarDecl) return CXChildVisit_Continue;
    CXString spelling = api.getCursorSpelling(cursor);
    const char *name = api.getCString(spelling);
    if (name && strncmp(name, state->prefix, state->prefix_length) == 0) {
        CXEvalResult result = api.cursorEvaluate(cursor);
        if (result && api.evalResultGetKind(result) == CXEval_Int) {
            int is_unsigned = api.evalResultIsUnsignedInt(result) != 0;
            state->callback(state->context, name, 1, is_unsigned, api.evalResultGetAsLongLong(result),
                            api.evalResultGetAsUnsigned(result));
        } else {
            state->callback(state->context, name, 0, 0, 0, 0);
        }
        if (result) api.evalResultDispose(result);
    }
    api.disposeString(spelling);
    return CXChildVisit_Continue;
}

void cclang_evaluate_variables(CClangTranslationUnit unit, const char *prefix, cclang_value_callback callback,
                               void *context) {
    struct visit_state state = {prefix, strlen(prefix), callback, context};
    api.visitChildren(api.getTranslationUnitCursor(unit), visit_variable, &state);
}

void cclang_version(char *buffer, size_t length) {
    CXString version = api.getClangVersion();
    snprintf(buffer, length, "%s", api.getCString(version));
    api.disposeString(version);
}

int cclang_path_of_loaded(const char *library, const char *symbol, char *buffer, size_t length) {
    void *handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
    if (!handle) return 0;
    void *address = dlsym(handle, symbol);
    Dl_info info;
    int found = address && dladdr(address, &info) && info.dli_fname;
    if (found) snprintf(buffer, length, "%s", info.dli_fname);
    dlclose(handle);
    return found;
}
