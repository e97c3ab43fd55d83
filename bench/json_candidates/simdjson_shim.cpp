// simdjson_shim.cpp — simdjson's On Demand API behind a C interface, for json_candidates only.
// One parser is reused for every record (no allocation once it has grown to the record size);
// each record is copied into a reused buffer with SIMDJSON_PADDING bytes after it, as a Kafka
// message payload would have to be.
#include <simdjson.h>

#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "candidates.h"

struct cand_simdjson {
    simdjson::ondemand::parser parser;
    std::vector<char> buf;
    const cand_fields_t *fields;
};

extern "C" cand_simdjson_t *cand_simdjson_new(const cand_fields_t *fields) {
    cand_simdjson_t *s = new (std::nothrow) cand_simdjson;
    if (s == nullptr)
        return nullptr;
    s->buf.resize(1 << 16);
    s->fields = fields;
    return s;
}

extern "C" void cand_simdjson_free(cand_simdjson_t *s) {
    delete s;
}

extern "C" const char *cand_simdjson_version(void) {
    static const std::string version = std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." +
                                       std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
                                       std::to_string(simdjson::SIMDJSON_VERSION_REVISION);
    return version.c_str();
}

extern "C" const char *cand_simdjson_implementation(void) {
    static std::string name;
    name = simdjson::get_active_implementation()->name();
    return name.c_str();
}

extern "C" int cand_simdjson_decode(cand_simdjson_t *s, const char *rec, size_t len,
                                    dd_column_batch_t *b) {
    using namespace simdjson;
    if (len + SIMDJSON_PADDING > s->buf.size())
        return -1;
    std::memcpy(s->buf.data(), rec, len);
    const size_t row = b->rows;
    cand_row_nulls(b, row);
    ondemand::document doc;
    if (s->parser.iterate(s->buf.data(), len, s->buf.size()).get(doc) != SUCCESS)
        return -1;
    ondemand::object obj;
    if (doc.get_object().get(obj) != SUCCESS)
        return -1;
    for (auto field : obj) {
        std::string_view key;
        if (field.unescaped_key().get(key) != SUCCESS)
            return -1;
        const int c = cand_field_index(s->fields, key.data(), key.size());
        if (c < 0)
            continue; // On Demand skips the value when the field is left
        dd_batch_column_t *col = &b->columns[c];
        ondemand::value v = field.value();
        ondemand::json_type t;
        if (v.type().get(t) != SUCCESS)
            return -1;
        if (t == ondemand::json_type::null) {
            continue;
        } else if (col->kind == DD_COLUMN_NUMERIC && t == ondemand::json_type::number) {
            double d;
            if (v.get_double().get(d) != SUCCESS)
                return -1;
            dd_batch_set_number(col, row, d);
        } else if (col->kind == DD_COLUMN_CATEGORICAL && t == ondemand::json_type::string) {
            std::string_view sv;
            if (v.get_string().get(sv) != SUCCESS)
                return -1;
            dd_batch_set_hash(col, row, dd_codec_hash(sv.data(), sv.size()));
        } else {
            col->type_errors++;
        }
    }
    // simdjson 3.0.1's On Demand document has no at_end(): bytes after the object go unnoticed.
    b->rows = row + 1;
    return 0;
}
