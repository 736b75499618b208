"""Fake `xbmcvfs`: special:// paths map into the per-test Kodi home (kodi.home)."""
import os as _os
import shutil as _shutil

from . import _current

__fake_kodi__ = True


def translatePath(path):
    return _current.get().translate_path(path)


def _real(path):
    return translatePath(path)


def exists(path):
    return _os.path.exists(_real(path))


def mkdir(path):
    try:
        _os.mkdir(_real(path))
        return True
    except OSError:
        return False


def mkdirs(path):
    try:
        _os.makedirs(_real(path), exist_ok=True)
        return True
    except OSError:
        return False


def rmdir(path, force=False):
    try:
        if force:
            _shutil.rmtree(_real(path))
        else:
            _os.rmdir(_real(path))
        return True
    except OSError:
        return False


def delete(file):
    try:
        _os.remove(_real(file))
        return True
    except OSError:
        return False


def copy(strSource, strDestination):
    try:
        _shutil.copyfile(_real(strSource), _real(strDestination))
        return True
    except OSError:
        return False


def rename(file, newFile):
    try:
        _os.rename(_real(file), _real(newFile))
        return True
    except OSError:
        return False


def listdir(path):
    real = _real(path)
    names = sorted(_os.listdir(real))
    dirs = [n for n in names if _os.path.isdir(_os.path.join(real, n))]
    files = [n for n in names if not _os.path.isdir(_os.path.join(real, n))]
    return dirs, files


def makeLegalFilename(filename):
    return "".join(c for c in filename if c not in '<>:"|?*')


def validatePath(path):
    return path


class File:
    def __init__(self, filepath, mode=None):
        real = _real(filepath)
        m = {None: "rb", "r": "rb", "w": "wb", "a": "ab"}.get(mode, "rb")
        try:
            self._f = open(real, m)  # noqa: SIM115
        except OSError:
            self._f = None

    def read(self, numBytes=0):
        if self._f is None:
            return ""
        data = self._f.read(numBytes) if numBytes else self._f.read()
        return data.decode("utf-8", "replace")

    def readBytes(self, numBytes=0):
        if self._f is None:
            return bytearray()
        return bytearray(self._f.read(numBytes) if numBytes else self._f.read())

    def write(self, buffer):
        if self._f is None:
            return False
        self._f.write(buffer.encode("utf-8") if isinstance(buffer, str) else bytes(buffer))
        return True

    def size(self):
        if self._f is None:
            return 0
        return _os.fstat(self._f.fileno()).st_size

    def seek(self, seekBytes, iWhence=0):
        return self._f.seek(seekBytes, iWhence) if self._f else -1

    def tell(self):
        return self._f.tell() if self._f else -1

    def close(self):
        if self._f is not None:
            self._f.close()
            self._f = None
