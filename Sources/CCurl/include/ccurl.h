/* Typed wrappers for libcurl's variadic calls, which Swift cannot call. */
#ifndef CCURL_H
#define CCURL_H

#include <curl/curl.h>

#include "creactor.h"

typedef size_t (*ccurl_data_fn)(char *data, size_t size, size_t count,
                                void *userdata);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option,
                              const void *value);
CURLcode ccurl_setopt_offset(CURL *handle, CURLoption option,
                             curl_off_t value);
CURLcode ccurl_setopt_function(CURL *handle, CURLoption option,
                               ccurl_data_fn function);
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *out);
CURLcode ccurl_getinfo_pointer(CURL *handle, CURLINFO info, void **out);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option,
                                  long value);

/* CURLVERSION_NOW is a macro Swift does not import. */
curl_version_info_data *ccurl_version_info(void);

#endif
