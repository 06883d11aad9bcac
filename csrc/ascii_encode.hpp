// Bulk text → word ids for ASCII text, in parallel: the fast path of engine._text.encode.
// The rules are exactly engine._text.tokenize's restricted to ASCII (a token is a maximal run of
// [A-Za-z0-9_] with inner apostrophes kept, lowercased on request) and the output is the same
// CSR bag of words (distinct known ids in order of first appearance, with their counts).
// Texts that are not ASCII are left to the Cython path by the caller.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>
#include "common.hpp"

namespace engine {

// An immutable open-addressing hash table: key bytes → row id.
class AsciiVocab {
public:
    explicit AsciiVocab(const std::vector<std::string>& keys) {
        std::size_t cap = 16;
        while (cap < 2 * keys.size() + 1) cap <<= 1;
        mask_ = cap - 1;
        slots_.assign(cap, -1);
        offsets_.reserve(keys.size() + 1);
        offsets_.push_back(0);
        for (const auto& k : keys) {
            bytes_ += k;
            offsets_.push_back(bytes_.size());
        }
        for (std::size_t i = 0; i < keys.size(); ++i) {
            std::size_t h = hash(keys[i].data(), keys[i].size()) & mask_;
            while (slots_[h] >= 0) {
                if (equal(slots_[h], keys[i].data(), keys[i].size())) break;  // keep the first
                h = (h + 1) & mask_;
            }
            if (slots_[h] < 0) slots_[h] = std::int32_t(i);
        }
    }

    std::int32_t find(const char* s, std::size_t n) const {
        std::size_t h = hash(s, n) & mask_;
        while (true) {
            const std::int32_t id = slots_[h];
            if (id < 0) return -1;
            if (equal(id, s, n)) return id;
            h = (h + 1) & mask_;
        }
    }

    std::size_t size() const { return offsets_.size() - 1; }

private:
    static std::size_t hash(const char* s, std::size_t n) {  // FNV-1a, 64-bit
        std::uint64_t h = 1469598103934665603ull;
        for (std::size_t i = 0; i < n; ++i) h = (h ^ std::uint8_t(s[i])) * 1099511628211ull;
        return std::size_t(h ^ (h >> 29));
    }
    bool equal(std::int32_t id, const char* s, std::size_t n) const {
        const std::size_t a = offsets_[id], b = offsets_[id + 1];
        return b - a == n && std::memcmp(bytes_.data() + a, s, n) == 0;
    }
    std::size_t mask_ = 0;
    std::vector<std::int32_t> slots_;
    std::vector<std::size_t> offsets_;
    std::string bytes_;
};

// One block of documents encoded by one thread.
struct EncodedBlock {
    std::vector<std::int64_t> lengths;  // distinct known ids per document
    std::vector<std::int32_t> ids;
    std::vector<float> counts;
    std::vector<std::int64_t> n_tokens;
};

inline bool ascii_word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Encode documents [begin, end) into `out`. `slot` (size = vocabulary, all -1 on entry and on
// exit) maps an id to its position in the current document's row; `tok` is scratch space.
inline void encode_ascii_block(const AsciiVocab& vocab, const char* const* texts,
                               const std::int64_t* lens, index_t begin, index_t end,
                               bool lowercase, std::vector<std::int32_t>& slot, std::string& tok,
                               EncodedBlock& out) {
    for (index_t doc = begin; doc < end; ++doc) {
        const char* t = texts[doc];
        const std::int64_t n = lens[doc];
        const std::size_t row_start = out.ids.size();
        std::int64_t ntok = 0;
        std::int64_t i = 0;
        while (i < n) {
            if (!ascii_word_char(std::uint8_t(t[i]))) { ++i; continue; }
            const std::int64_t start = i++;
            while (i < n) {
                if (ascii_word_char(std::uint8_t(t[i]))) ++i;
                else if (t[i] == '\'' && i + 1 < n && ascii_word_char(std::uint8_t(t[i + 1]))) i += 2;
                else break;
            }
            ++ntok;
            const char* s = t + start;
            const std::size_t len = std::size_t(i - start);
            if (lowercase) {
                tok.assign(s, len);
                for (auto& c : tok) if (c >= 'A' && c <= 'Z') c = char(c + 32);
                s = tok.data();
            }
            const std::int32_t id = vocab.find(s, len);
            if (id < 0) continue;
            if (slot[id] < 0) {
                slot[id] = std::int32_t(out.ids.size() - row_start);
                out.ids.push_back(id);
                out.counts.push_back(1.0f);
            } else {
                out.counts[row_start + std::size_t(slot[id])] += 1.0f;
            }
        }
        for (std::size_t j = row_start; j < out.ids.size(); ++j) slot[out.ids[j]] = -1;
        out.lengths.push_back(std::int64_t(out.ids.size() - row_start));
        out.n_tokens.push_back(ntok);
    }
}

// Encode all documents in blocks of `block` documents, in parallel; blocks come back in order.
inline std::vector<EncodedBlock> encode_ascii(const AsciiVocab& vocab, const char* const* texts,
                                              const std::int64_t* lens, index_t n, bool lowercase,
                                              index_t block, int n_threads) {
    const index_t n_blocks = (n + block - 1) / block;
    std::vector<EncodedBlock> blocks(std::size_t(n_blocks > 0 ? n_blocks : 0));
#pragma omp parallel num_threads(resolve_threads(n_threads))
    {
        std::vector<std::int32_t> slot(vocab.size(), -1);
        std::string tok;
#pragma omp for schedule(dynamic, 1)
        for (index_t b = 0; b < n_blocks; ++b) {
            const index_t begin = b * block, end = begin + block < n ? begin + block : n;
            EncodedBlock& out = blocks[std::size_t(b)];
            out.lengths.reserve(std::size_t(end - begin));
            out.n_tokens.reserve(std::size_t(end - begin));
            encode_ascii_block(vocab, texts, lens, begin, end, lowercase, slot, tok, out);
        }
    }
    return blocks;
}

}  // namespace engine
