/*
 * options.c - a JS object of store options into cdyn_store_options.
 *
 * lib/options.js has already mapped connect-dynamodb's option names onto
 * the C fields; here each field is read by name and type from one table, so
 * adding an option is one line. An absent (undefined or null) field keeps
 * what cdyn_store_options_init put there: the library's default. Only what
 * a C field cannot hold is refused here; every rule about a value is the
 * library's, reported by cdyn_store_open.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "napi_call.h"

typedef enum field_type { FIELD_STRING, FIELD_BOOL, FIELD_INT, FIELD_INT64 }
    field_type;

typedef struct field {
    const char *name; /* property of the JS object */
    field_type type;
    size_t offset;    /* in cdyn_store_options */
} field;

#define FIELD(name, type, member) {name, type, offsetof(cdyn_store_options, member)}

static const field fields[] = {
    FIELD("table", FIELD_STRING, table),
    FIELD("hashKey", FIELD_STRING, hash_key),
    FIELD("prefix", FIELD_STRING, prefix),
    FIELD("region", FIELD_STRING, region),
    FIELD("endpoint", FIELD_STRING, endpoint),
    FIELD("accessKeyId", FIELD_STRING, access_key_id),
    FIELD("secretAccessKey", FIELD_STRING, secret_access_key),
    FIELD("sessionToken", FIELD_STRING, session_token),
    FIELD("profile", FIELD_STRING, profile),
    FIELD("caBundle", FIELD_STRING, ca_bundle),
    FIELD("consistentReads", FIELD_BOOL, consistent_reads),
    FIELD("createTable", FIELD_BOOL, create_table),
    FIELD("skipMissingSpecialKeys", FIELD_BOOL, skip_missing_special_keys),
    FIELD("billingMode", FIELD_INT, billing_mode),
    FIELD("maxAttempts", FIELD_INT, max_attempts),
    FIELD("maxConnections", FIELD_INT, max_connections),
    FIELD("logLevel", FIELD_INT, log_level),
    FIELD("defaultTtlSeconds", FIELD_INT64, default_ttl_seconds),
    FIELD("readCapacityUnits", FIELD_INT64, read_capacity_units),
    FIELD("writeCapacityUnits", FIELD_INT64, write_capacity_units),
    FIELD("connectTimeoutMs", FIELD_INT64, connect_timeout_ms),
    FIELD("requestTimeoutMs", FIELD_INT64, request_timeout_ms),
    FIELD("lastWriterWins", FIELD_BOOL, last_writer_wins),
    FIELD("touchAfterSeconds", FIELD_INT64, touch_after_seconds),
    FIELD("maxAgeSeconds", FIELD_INT64, max_age_seconds),
    FIELD("compressThresholdBytes", FIELD_INT64, compress_threshold_bytes),
    FIELD("hashIds", FIELD_BOOL, hash_ids),
    FIELD("readPlainIds", FIELD_BOOL, read_plain_ids),
    FIELD("userField", FIELD_STRING, user_field),
    FIELD("userIndexName", FIELD_STRING, user_index_name),
};

static void *arena_keep(options_arena *arena, void *block)
{
    if (block == NULL)
        return NULL;
    if (arena->count == arena->capacity) {
        size_t capacity = arena->capacity ? arena->capacity * 2 : 16;
        void **blocks = realloc(arena->blocks, capacity * sizeof *blocks);
        if (blocks == NULL) {
            free(block);
            return NULL;
        }
        arena->blocks = blocks;
        arena->capacity = capacity;
    }
    arena->blocks[arena->count++] = block;
    return block;
}

void options_arena_free(options_arena *arena)
{
    for (size_t i = 0; i < arena->count; i++)
        free(arena->blocks[i]);
    free(arena->blocks);
    *arena = (options_arena){0};
}

static bool fail(napi_env env, const char *name, const char *must)
{
    char message[160];
    snprintf(message, sizeof message, "option %s must be %s", name, must);
    throw_invalid(env, message);
    return false;
}

/* The property, or NULL when it is undefined or null. */
static bool get_field(napi_env env, napi_value obj, const char *name,
                      napi_value *out, napi_valuetype *type)
{
    NODE_API_CALL_RETURN_FALSE(env, napi_get_named_property(env, obj, name, out));
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, *out, type));
    if (*type == napi_undefined || *type == napi_null)
        *out = NULL;
    return true;
}

static bool read_string(napi_env env, napi_value value, const char *name,
                        options_arena *arena, const char **out)
{
    char *s = js_string_dup(env, value, name, NULL);
    if (s == NULL)
        return false;
    if (arena_keep(arena, s) == NULL) {
        throw_nomem(env);
        return false;
    }
    *out = s;
    return true;
}

/* A whole number that fits the field (|d| <= max); its sign and size are
 * the library's to judge. */
static bool read_integer(napi_env env, napi_value value, napi_valuetype type,
                         const char *name, double max, int64_t *out)
{
    double d;
    if (type != napi_number)
        return fail(env, name, "a number");
    NODE_API_CALL_RETURN_FALSE(env, napi_get_value_double(env, value, &d));
    if (!isfinite(d) || d != floor(d) || d < -max || d > max)
        return fail(env, name, "a whole number");
    *out = (int64_t)d;
    return true;
}

static bool read_field(napi_env env, napi_value obj, const field *f,
                       cdyn_store_options *opts, options_arena *arena)
{
    napi_value value;
    napi_valuetype type;
    char *member = (char *)opts + f->offset;
    int64_t n;
    bool b;
    if (!get_field(env, obj, f->name, &value, &type))
        return false;
    if (value == NULL)
        return true;
    switch (f->type) {
    case FIELD_STRING:
        return read_string(env, value, f->name, arena, (const char **)member);
    case FIELD_BOOL:
        if (type != napi_boolean)
            return fail(env, f->name, "a boolean");
        NODE_API_CALL_RETURN_FALSE(env, napi_get_value_bool(env, value, &b));
        *(int *)member = b;
        return true;
    case FIELD_INT:
        if (!read_integer(env, value, type, f->name, 2147483647.0, &n))
            return false;
        *(int *)member = (int)n;
        return true;
    case FIELD_INT64:
        if (!read_integer(env, value, type, f->name, 9.0e15, &n))
            return false;
        *(int64_t *)member = n;
        return true;
    }
    return true;
}

static bool read_special_keys(napi_env env, napi_value obj,
                              cdyn_store_options *opts, options_arena *arena)
{
    napi_value list;
    napi_valuetype type;
    bool is_array;
    uint32_t count;
    if (!get_field(env, obj, "specialKeys", &list, &type))
        return false;
    if (list == NULL)
        return true;
    NODE_API_CALL_RETURN_FALSE(env, napi_is_array(env, list, &is_array));
    if (!is_array)
        return fail(env, "specialKeys", "an array of {name, type}");
    NODE_API_CALL_RETURN_FALSE(env, napi_get_array_length(env, list, &count));
    if (count == 0)
        return true;
    cdyn_special_key *keys = arena_keep(arena, calloc(count, sizeof *keys));
    if (keys == NULL) {
        throw_nomem(env);
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        napi_value item, name, key_type;
        napi_valuetype item_type;
        NODE_API_CALL_RETURN_FALSE(env, napi_get_element(env, list, i, &item));
        NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, item, &item_type));
        if (item_type != napi_object)
            return fail(env, "specialKeys", "an array of {name, type}");
        if (!get_field(env, item, "name", &name, &item_type) ||
            !get_field(env, item, "type", &key_type, &item_type))
            return false;
        /* A missing name or type stays NULL: the library says what it needs. */
        if ((name != NULL &&
             !read_string(env, name, "specialKeys[].name", arena, &keys[i].name)) ||
            (key_type != NULL &&
             !read_string(env, key_type, "specialKeys[].type", arena, &keys[i].type)))
            return false;
    }
    opts->special_keys = keys;
    opts->special_key_count = count;
    return true;
}

/* idHashSecret: a Buffer (lib/options.js turns base64 text into one),
 * copied into the arena; its length is the library's to judge. */
static bool read_secret(napi_env env, napi_value obj, cdyn_store_options *opts,
                        options_arena *arena)
{
    napi_value value;
    napi_valuetype type;
    bool is_buffer;
    void *bytes;
    size_t len;
    if (!get_field(env, obj, "idHashSecret", &value, &type))
        return false;
    if (value == NULL)
        return true;
    NODE_API_CALL_RETURN_FALSE(env, napi_is_buffer(env, value, &is_buffer));
    if (!is_buffer)
        return fail(env, "idHashSecret", "a Buffer");
    NODE_API_CALL_RETURN_FALSE(env, napi_get_buffer_info(env, value, &bytes, &len));
    unsigned char *copy = arena_keep(arena, malloc(len ? len : 1));
    if (copy == NULL) {
        throw_nomem(env);
        return false;
    }
    if (len)
        memcpy(copy, bytes, len);
    opts->id_hash_secret = copy;
    opts->id_hash_secret_len = len;
    return true;
}

/* encryptionKeys: an array of {id: string, key: Buffer} (lib/options.js
 * has turned base64 text, Maps and objects into that). The key bytes are
 * copied into the arena; their length is the library's to judge. */
static bool read_encryption_keys(napi_env env, napi_value obj,
                                 cdyn_store_options *opts, options_arena *arena)
{
    napi_value list;
    napi_valuetype type;
    bool is_array;
    uint32_t count;
    if (!get_field(env, obj, "encryptionKeys", &list, &type))
        return false;
    if (list == NULL)
        return true;
    NODE_API_CALL_RETURN_FALSE(env, napi_is_array(env, list, &is_array));
    if (!is_array)
        return fail(env, "encryptionKeys", "an array of {id, key}");
    NODE_API_CALL_RETURN_FALSE(env, napi_get_array_length(env, list, &count));
    if (count == 0)
        return true;
    cdyn_key *keys = arena_keep(arena, calloc(count, sizeof *keys));
    if (keys == NULL) {
        throw_nomem(env);
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        napi_value item, id, key;
        napi_valuetype item_type;
        bool is_buffer = false;
        void *data = NULL;
        size_t len = 0;
        NODE_API_CALL_RETURN_FALSE(env, napi_get_element(env, list, i, &item));
        NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, item, &item_type));
        if (item_type != napi_object)
            return fail(env, "encryptionKeys", "an array of {id, key}");
        if (!get_field(env, item, "id", &id, &item_type) ||
            !get_field(env, item, "key", &key, &item_type))
            return false;
        if (key != NULL)
            NODE_API_CALL_RETURN_FALSE(env, napi_is_buffer(env, key, &is_buffer));
        if (id == NULL || !is_buffer)
            return fail(env, "encryptionKeys", "an array of {id, key: Buffer}");
        if (!read_string(env, id, "encryptionKeys[].id", arena, &keys[i].id))
            return false;
        NODE_API_CALL_RETURN_FALSE(env, napi_get_buffer_info(env, key, &data, &len));
        unsigned char *copy = arena_keep(arena, malloc(len ? len : 1));
        if (copy == NULL) {
            throw_nomem(env);
            return false;
        }
        if (len)
            memcpy(copy, data, len);
        keys[i].bytes = copy;
        keys[i].len = len;
    }
    opts->encryption_keys = keys;
    opts->encryption_key_count = count;
    return true;
}

bool options_from_js(napi_env env, napi_value js, cdyn_store_options *opts,
                     options_arena *arena)
{
    napi_valuetype type;
    NODE_API_CALL_RETURN_FALSE(env, napi_typeof(env, js, &type));
    if (type == napi_undefined || type == napi_null)
        return true;
    if (type != napi_object)
        return fail(env, "object", "an object");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!read_field(env, js, &fields[i], opts, arena))
            return false;
    return read_special_keys(env, js, opts, arena) && read_secret(env, js, opts, arena) &&
           read_encryption_keys(env, js, opts, arena);
}
