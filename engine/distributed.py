"""The former name of :mod:`engine.score.dask` (batch scoring on a Dask cluster), kept so that
``from engine.distributed import score_dask`` keeps working; new code imports ``engine.score``."""

from .score.dask import ClusterError, DaskExecutor, score_chunk, score_dask, worker_vectors

__all__ = ["ClusterError", "DaskExecutor", "score_chunk", "score_dask", "worker_vectors"]
