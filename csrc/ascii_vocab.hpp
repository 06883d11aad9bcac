// The vocabulary of the ASCII tokenizer (csrc/ascii_encode.hpp): an immutable hash table from a
// word's bytes to its row. Built once per Vectors and shared by every dispatch path, so it is
// compiled for the baseline (its lookups inline into each path's tokenizer loop).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

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

}  // namespace engine
