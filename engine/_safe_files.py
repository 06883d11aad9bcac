"""Files read and written safely: regular files only, bounded reads, atomic replacement.

What every loader and saver of engine shares:

- ``open_regular``: open a file of a store only if it is a regular file inside its directory
  (no symbolic link out of it, no device, FIFO or directory), so ``vocab.txt -> /dev/zero``
  cannot make a load read forever;
- ``read_bounded``: read a whole small file, refusing one larger than a limit;
- ``quote``: the repr of a piece of a file for a message, truncated;
- ``exchange_dir``: put a finished directory in place of an existing one in one atomic step
  (Linux ``renameat2(RENAME_EXCHANGE)``), so a kill at any moment leaves either the old or the
  new version at the path, never neither;
- ``new_temp_dir`` / ``remove_stale``: temporaries named after the target and the writing
  process, so a later save removes what an interrupted one left behind and nothing else;
- ``disk_errors``: an ``OSError`` while writing (disk full, read-only file system, no
  permission) becomes an ``EngineError`` naming the path.
"""

import ctypes
import errno
import os
import shutil
import stat
import tempfile
from contextlib import contextmanager

from .errors import EngineError, FormatError, StorageError

__all__ = [
    "disk_errors",
    "exchange_dir",
    "new_temp_dir",
    "new_temp_file",
    "open_regular",
    "quote",
    "read_bounded",
    "remove_stale",
]

_TEMP_MARK = ".engine-tmp-"
#: The errno values of a write that failed for want of room or rights (not of a missing input).
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def quote(value, limit=60):
    """``repr(value)`` cut to about ``limit`` characters (``...`` marks the cut).

    Examples
    --------
    >>> quote("x" * 100, 10)
    "'xxxxxxxxx...' (100 characters)"
    >>> quote(b"ab")
    "b'ab'"
    """
    if len(value) <= limit:
        return repr(value)
    return f"{value[: max(limit - 1, 1)]!r}"[:-1] + f"...{repr(value)[-1]} ({len(value)} characters)"


def open_regular(path, what="file"):
    """Open ``path`` for binary reading only if it is a regular file and not a symbolic link.

    Parameters
    ----------
    path : str
        The file.
    what : str
        Used in the message of the error.

    Returns
    -------
    file
        A binary file object, unbuffered.

    Raises
    ------
    FileNotFoundError
        If there is no such file (the caller turns it into its own message).
    FormatError
        If ``path`` is a symbolic link, a directory, a device, a FIFO or a socket.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a")
    >>> _ = open(p, "w").write("x")
    >>> with open_regular(p) as f:
    ...     f.read()
    b'x'
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise
    if stat.S_ISLNK(st.st_mode):
        raise FormatError(f"{path}: a symbolic link; the {what} of a store must be a regular file in it")
    if not stat.S_ISREG(st.st_mode):
        raise FormatError(f"{path}: not a regular file (a directory, device, FIFO or socket)")
    try:
        fd = os.open(path, flags)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise FormatError(
                f"{path}: a symbolic link; the {what} of a store must be a regular file"
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped between the lstat and the open
        os.close(fd)
        raise FormatError(f"{path}: not a regular file")
    return os.fdopen(fd, "rb", buffering=0)


def read_bounded(path, limit, what="file"):
    """The bytes of the regular file ``path``; a FormatError if it holds more than ``limit``.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a")
    >>> _ = open(p, "w").write("abc")
    >>> read_bounded(p, 10)
    b'abc'
    """
    with open_regular(path, what) as f:
        size = os.fstat(f.fileno()).st_size
        if size > limit:
            raise FormatError(f"{path}: {size} bytes; a {what} of at most {limit} bytes was expected")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise FormatError(f"{path}: more than {limit} bytes; a {what} of at most {limit} was expected")
    return data


def _libc_renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_renameat2 = _libc_renameat2()


def exchange_dir(new, path):
    """Put the directory ``new`` at ``path`` in one atomic step; return where the old one went.

    ``path`` missing: one ``rename``; returns None. ``path`` an existing directory: the two are
    swapped by ``renameat2(RENAME_EXCHANGE)`` (Linux 3.15+, ext4, XFS, Btrfs, tmpfs ...), so at
    every instant ``path`` is the whole old or the whole new directory; the old one is then at
    ``new`` and the caller removes it. Where the exchange is not available, the old directory is
    renamed aside first (a short window where ``path`` is missing; the old copy is then at
    ``new + ".old"``).

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> a, b = os.path.join(d, "a"), os.path.join(d, "b")
    >>> os.mkdir(a); os.mkdir(b); open(os.path.join(b, "new"), "w").close()
    >>> exchange_dir(b, a) == b, os.listdir(a)
    (True, ['new'])
    """
    if not os.path.lexists(path):
        os.rename(new, path)
        return None
    if not os.path.isdir(path) or os.path.islink(path):
        raise EngineError(f"save {path}: a file (not an engine directory) is in the way")
    if _renameat2 is not None:
        if _renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(path), _RENAME_EXCHANGE) == 0:
            return new
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise OSError(err, os.strerror(err), path)
    old = new + ".old"
    os.rename(path, old)
    os.rename(new, path)
    return old


def new_temp_dir(path):
    """A new temporary directory beside ``path`` named after it and this process.

    Examples
    --------
    >>> import os, tempfile
    >>> t = new_temp_dir(os.path.join(tempfile.mkdtemp(), "v.engine"))
    >>> os.path.basename(t).startswith(".v.engine.engine-tmp-")
    True
    """
    parent = os.path.dirname(os.path.abspath(path))
    prefix = f".{os.path.basename(os.path.abspath(path))}{_TEMP_MARK}{os.getpid()}-"
    tmp = tempfile.mkdtemp(prefix=prefix, dir=parent)
    os.chmod(tmp, 0o777 & ~_umask())
    return tmp


def temp_file_prefix(path):
    """The prefix of the temporary files written beside ``path`` by this process."""
    return f".{os.path.basename(os.path.abspath(path))}{_TEMP_MARK}{os.getpid()}-"


def new_temp_file(path, suffix=".tmp"):
    """A new empty temporary file beside ``path`` (named as ``remove_stale`` finds it), its mode
    following the umask as ``open`` would (``mkstemp`` alone makes it 0600).

    Examples
    --------
    >>> import os, tempfile
    >>> t = new_temp_file(os.path.join(tempfile.mkdtemp(), "index.faiss"))
    >>> os.path.basename(t).startswith(".index.faiss.engine-tmp-"), os.path.getsize(t)
    (True, 0)
    """
    fd, tmp = tempfile.mkstemp(
        prefix=temp_file_prefix(path), suffix=suffix, dir=os.path.dirname(os.path.abspath(path))
    )
    try:
        os.fchmod(fd, 0o666 & ~_umask())
    finally:
        os.close(fd)
    return tmp


def remove_stale(path):
    """Remove the temporaries of earlier saves of ``path`` whose process is gone.

    A temporary's name holds its writer's process id; one of a live process (another save
    running now) is left alone.

    Examples
    --------
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> os.mkdir(os.path.join(d, ".v.engine-tmp-999999999-x"))
    >>> remove_stale(os.path.join(d, "v"))
    1
    """
    parent = os.path.dirname(os.path.abspath(path))
    head = f".{os.path.basename(os.path.abspath(path))}{_TEMP_MARK}"
    removed = 0
    try:
        names = os.listdir(parent)
    except OSError:
        return 0
    for name in names:
        if not name.startswith(head):
            continue
        pid = name[len(head) :].split("-", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        p = os.path.join(parent, name)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.unlink(p)
            except OSError:
                continue
        removed += 1
    return removed


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def fsync_dir(path):
    """Flush a directory's entries to the disk (after a rename into it); ignored where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def disk_errors(path, action="save", note="the previous version, if any, is unchanged", errnos=None):
    """Turn an ``OSError`` (disk full, read-only, no permission) raised inside into a StorageError.

    ``errnos``: only these ``errno`` values are turned (None: every OSError).
    ``StorageError`` is an ``EngineError`` (the ``engine`` command prints it on one line and exits
    with status 2) and an ``OSError``.

    Examples
    --------
    >>> try:
    ...     with disk_errors("/x/y"):
    ...         raise OSError(28, "No space left on device")
    ... except EngineError as e:
    ...     print(e)
    save /x/y: No space left on device; the previous version, if any, is unchanged
    """
    try:
        yield
    except EngineError:
        raise
    except OSError as e:
        if errnos is not None and e.errno not in errnos:
            raise
        why = e.strerror or str(e)
        err = StorageError(f"{action} {path}: {why}; {note}")
        # the engine command prints an OSError as "filename: strerror": the same words
        err.errno, err.filename, err.strerror = e.errno, os.fspath(path), f"{why}; {note}"
        raise err from None
