#ifndef RESNET_MNIST_NET_LIBS_H
#define RESNET_MNIST_NET_LIBS_H

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>

#include "resnet_mnist/io/status.h"

/* libcurl and libarchive, loaded (dlopen) only when `fetch` needs them. Linked in, they and the
 * ~35 libraries they pull in (TLS, Kerberos, LDAP, XML, ICU...) were mapped and relocated at
 * every start of every command: 25 ms of a 40 ms start on the 2-vCPU VM of the README, and
 * ~5 MB of a training run's memory. systemd loads its optional libraries the same way. The
 * functions keep their own names and types, from the libraries' own headers. */
struct net_libs {
    __typeof__(curl_global_init) *curl_global_init;
    __typeof__(curl_global_cleanup) *curl_global_cleanup;
    __typeof__(curl_easy_init) *curl_easy_init;
    __typeof__(curl_easy_setopt) *curl_easy_setopt;
    __typeof__(curl_easy_perform) *curl_easy_perform;
    __typeof__(curl_easy_cleanup) *curl_easy_cleanup;
    __typeof__(curl_easy_strerror) *curl_easy_strerror;
    __typeof__(archive_read_new) *archive_read_new;
    __typeof__(archive_read_support_filter_gzip) *archive_read_support_filter_gzip;
    __typeof__(archive_read_support_format_tar) *archive_read_support_format_tar;
    __typeof__(archive_read_open_memory) *archive_read_open_memory;
    __typeof__(archive_read_next_header) *archive_read_next_header;
    __typeof__(archive_read_data) *archive_read_data;
    __typeof__(archive_read_free) *archive_read_free;
    __typeof__(archive_error_string) *archive_error_string;
    __typeof__(archive_entry_pathname) *archive_entry_pathname;
    __typeof__(archive_entry_filetype) *archive_entry_filetype;
};

/* The libraries this build was compiled against, by their sonames (from CMake). Returns the
 * table, loaded on the first call, or NULL with st naming the library that could not be loaded
 * (or the function missing from it). */
const struct net_libs *net_libs_load(struct rm_status *st);

/* Fills l from the libraries of these names; 0, or -1 with st set. For the tests. */
int net_libs_open(struct net_libs *l, const char *curl_soname, const char *archive_soname,
                  struct rm_status *st);

#endif
