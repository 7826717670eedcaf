"""Where the training scripts read their data and fonts: ../shared/datasets and Debian's fonts by default,
or a training pack (gpu_pack.py) named by PLATEWISE_DATASETS and PLATEWISE_FONTS, as on the GPU machine, to
which ../shared does not travel. Relative paths are taken from the repository root.

Caches of decoded data carry `cache_tag()` in their names, so data read from a pack (re-encoded images)
never mixes with data read from the datasets themselves.
"""
import hashlib
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_DATASETS = os.path.abspath(os.path.join(ROOT, "..", "shared", "datasets"))


def _from_env(name, default):
    value = os.environ.get(name)
    return os.path.abspath(os.path.join(ROOT, value)) if value else default


DATASETS = _from_env("PLATEWISE_DATASETS", DEFAULT_DATASETS)
FONT_DIR = _from_env("PLATEWISE_FONTS", "/usr/share/fonts")


def cache_tag():
    """'' for the datasets themselves, '_' + a short hash of the data root otherwise."""
    if DATASETS == DEFAULT_DATASETS:
        return ""
    return "_" + hashlib.md5(DATASETS.encode()).hexdigest()[:8]
