/* libcurl and libarchive loaded on demand (net_libs.h). */
#include "resnet_mnist/io/net_libs.h"

#include <dlfcn.h>
#include <string.h>

#ifndef RM_CURL_SONAME
#define RM_CURL_SONAME "libcurl.so.4"
#endif
#ifndef RM_ARCHIVE_SONAME
#define RM_ARCHIVE_SONAME "libarchive.so.13"
#endif

/* Opens a library; NULL with st saying which and why. The handle is never closed: curl keeps
 * global state, and a process fetches at most once. */
static void *open_library(const char *soname, const char *package, struct rm_status *st)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        rm_fail(st, "cannot load %s, which fetching needs (Debian package %s): %s", soname, package,
                why ? why : "unknown error");
    }
    return h;
}

/* dlsym into a function pointer: POSIX guarantees the conversion (dlsym's own rationale). */
#define FIND(handle, soname, field)                                                                \
    do {                                                                                           \
        void *sym = dlsym(handle, #field);                                                         \
        if (!sym)                                                                                  \
            return rm_fail(st, "%s has no %s: not the library this program was built for", soname, \
                           #field);                                                                \
        memcpy(&l->field, &sym, sizeof sym);                                                       \
    } while (0)

/* The functions looked up, by library: the fields of struct net_libs. */
// clang-format off
#define CURL_FUNCTIONS(X) \
    X(curl_global_init) X(curl_global_cleanup) X(curl_easy_init) X(curl_easy_setopt) \
    X(curl_easy_perform) X(curl_easy_cleanup) X(curl_easy_strerror)
#define ARCHIVE_FUNCTIONS(X) \
    X(archive_read_new) X(archive_read_support_filter_gzip) X(archive_read_support_format_tar) \
    X(archive_read_open_memory) X(archive_read_next_header) X(archive_read_data) \
    X(archive_read_free) X(archive_error_string) X(archive_entry_pathname) \
    X(archive_entry_filetype)
// clang-format on

int net_libs_open(struct net_libs *l, const char *curl_soname, const char *archive_soname,
                  struct rm_status *st)
{
    memset(l, 0, sizeof *l);
    void *curl = open_library(curl_soname, "libcurl4", st);
    if (!curl)
        return -1;
#define FIND_CURL(field) FIND(curl, curl_soname, field);
    CURL_FUNCTIONS(FIND_CURL)
    void *archive = open_library(archive_soname, "libarchive13", st);
    if (!archive)
        return -1;
#define FIND_ARCHIVE(field) FIND(archive, archive_soname, field);
    ARCHIVE_FUNCTIONS(FIND_ARCHIVE)
    return 0;
}

const struct net_libs *net_libs_load(struct rm_status *st)
{
    static struct net_libs libs;
    static int loaded;
    if (!loaded) {
        if (net_libs_open(&libs, RM_CURL_SONAME, RM_ARCHIVE_SONAME, st) != 0)
            return NULL;
        loaded = 1;
    }
    return &libs;
}
