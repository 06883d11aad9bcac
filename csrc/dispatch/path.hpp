// The body of every path file (csrc/dispatch/<path>.cpp): the kernel headers, compiled in the
// path's namespace engine::...::ENGINE_ISA with whatever target options the path file set, and
// the path's table, engine::dispatch::<ENGINE_ISA>_table. The path file defines ENGINE_ISA (its
// name) and ENGINE_PATH_REQUIRES / ENGINE_PATH_OS_STATE (what the CPU and the OS must provide)
// and includes prelude.hpp, all before its target options.
#if !defined(ENGINE_ISA) || !defined(ENGINE_PATH_REQUIRES) || !defined(ENGINE_PATH_OS_STATE)
#error "csrc/dispatch/path.hpp is included by a path file, which names its path first"
#endif

#include "../ascii_encode.hpp"
#include "../docvec.hpp"
#include "../emd.hpp"
#include "../hnsw.hpp"
#include "../lda.hpp"
#include "../meta.hpp"
#include "../normalize.hpp"
#include "../scan_lowp.hpp"
#include "../topic_measures.hpp"
#include "../topk.hpp"
#include "../wmd.hpp"
#include "../wmd_rows.hpp"

namespace engine::dispatch {
namespace ENGINE_ISA {  // named, not anonymous: tests/test_dispatch.py tells the paths' code apart

// The kernels that keep a workspace, for one call.
double emd_cost(const double* a, int m, const double* b, int n, const double* M, int* status) {
    EmdSolver solver;
    return solver.solve(a, m, b, n, M, n, nullptr, nullptr, status);
}

double wmd_single(const double* Xa, const std::int64_t* gid_a, const double* wa, int m,
                  const double* Xb, const std::int64_t* gid_b, const double* wb, int n,
                  std::int64_t dim, int method, const SinkhornParams& sp, int* status) {
    PairWorkspace ws;
    return engine::wmd_single(ws, Xa, gid_a, wa, m, Xb, gid_b, wb, n, dim, method, sp, status);
}

double wmd_single_ids(const float* unit, const float* norms, std::int64_t dim,
                      const std::int32_t* ids, const float* counts, int nnz, int split,
                      int method, const SinkhornParams& sp, int* status) {
    if (method == WMD_EMD) {  // float32 costs, the plan priced in float64 (csrc/wmd_rows.hpp)
        RowsWorkspace ws;
        return engine::wmd_single_ids32(ws, unit, norms, dim, ids, counts, nnz, split, status);
    }
    PairWorkspace ws;
    return engine::wmd_single_ids(ws, unit, norms, dim, ids, counts, nnz, split, method, sp,
                                  status);
}

}  // namespace ENGINE_ISA

const KernelTable ENGINE_CAT(ENGINE_ISA, _table) = {
    ENGINE_XSTRINGIFY(ENGINE_ISA),
    ENGINE_PATH_REQUIRES,
    ENGINE_PATH_OS_STATE,
    &engine::normalize_rows,
    &engine::search::topk,
    &engine::lowp::compress,
    &engine::lowp::topk,
    &engine::lowp::rerank,
    &ENGINE_ISA::emd_cost,
    &ENGINE_ISA::wmd_single,
    &ENGINE_ISA::wmd_single_ids,
    &engine::pair_costs,
    &engine::wmd_pairs,
    &engine::wmd_zip,
    &engine::all_bounds,
    &engine::wmd_knn,
    &engine::build_meta,
    &engine::doc_vectors,
    &engine::doc_scores,
    &engine::lda::infer<float>,
    &engine::lda::infer<double>,
    &engine::topics::pairwise,
    &engine::topics::pairs,
    &engine::topics::knn,
    &engine::hnsw::search,
    &engine::encode_ascii,
};

}  // namespace engine::dispatch
