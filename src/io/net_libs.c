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

int net_libs_open(struct net_libs *l, const char *curl_soname, const char *archive_soname,
                  struct rm_status *st)
{
    memset(l, 0, sizeof *l);
    void *curl = open_library(curl_soname, "libcurl4", st);
    if (!curl)
        return -1;
    FIND(curl, curl_soname, curl_global_init);
    FIND(curl, curl_soname, curl_global_cleanup);
    FIND(curl, curl_soname, curl_easy_init);
    FIND(curl, curl_soname, curl_easy_setopt);
    FIND(curl, curl_soname, curl_easy_perform);
    FIND(curl, curl_soname, curl_easy_cleanup);
    FIND(curl, curl_soname, curl_easy_strerror);
    void *archive = open_library(archive_soname, "libarchive13", st);
    if (!archive)
        return -1;
    FIND(archive, archive_soname, archive_read_new);
    FIND(archive, archive_soname, archive_read_support_filter_gzip);
    FIND(archive, archive_soname, archive_read_support_format_tar);
    FIND(archive, archive_soname, archive_read_open_memory);
    FIND(archive, archive_soname, archive_read_next_header);
    FIND(archive, archive_soname, archive_read_data);
    FIND(archive, archive_soname, archive_read_free);
    FIND(archive, archive_soname, archive_error_string);
    FIND(archive, archive_soname, archive_entry_pathname);
    FIND(archive, archive_soname, archive_entry_filetype);
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
