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
#include "ascii_vocab.hpp"
#include "common.hpp"
#include "types.hpp"

namespace engine {

ENGINE_ISA_BEGIN

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

ENGINE_ISA_END
}  // namespace engine
