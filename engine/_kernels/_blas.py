"""scipy's BLAS as the top-k kernel uses it: the address of its ``sgemm``, and a context in
which its own thread pool is held to one thread."""

import threading

_SGEMM = None


def sgemm_address():
    """Address of scipy's BLAS ``sgemm`` (Fortran interface), from its Cython capsule.

    Returns
    -------
    int
        A function pointer, looked up once per process.
    """
    global _SGEMM  # a constant of the process, looked up once
    if _SGEMM is None:
        import ctypes

        from scipy.linalg import cython_blas

        capsule = cython_blas.__pyx_capi__["sgemm"]
        api = ctypes.pythonapi
        api.PyCapsule_GetName.restype = ctypes.c_char_p
        api.PyCapsule_GetName.argtypes = [ctypes.py_object]
        api.PyCapsule_GetPointer.restype = ctypes.c_void_p
        api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
        _SGEMM = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    return _SGEMM


class _SingleThreadedBlas:
    """A context in which scipy's OpenBLAS runs on the calling thread only.

    Each of our OpenMP threads calls sgemm on its own tiles; OpenBLAS's own pool on top would
    put two threads on every core (measured: several times slower). The limit is process-wide,
    so concurrent searches share it: the first to enter sets it, the last to leave restores it.
    Enter it after `sgemm_address`, so that the limiter sees scipy's BLAS loaded.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._limiter = None
        self._controller = None

    def __enter__(self):
        with self._lock:
            if self._users == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._users += 1
        return self

    def __exit__(self, *exc):
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._limiter.restore_original_limits()
                self._limiter = None
        return False


single_threaded_blas = _SingleThreadedBlas()
