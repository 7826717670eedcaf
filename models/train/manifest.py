"""models/manifest.json upkeep shared by the training scripts: each model owns one key; the engine checks the
sha256 recorded here when it loads the file."""
import hashlib
import json
import os


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def update_manifest_entry(onnx_path, key, entry):
    """Sets manifest[key] = {file, sha256, **entry}, keeping the other keys; written atomically, so a
    concurrent reader (or another training writing its own key) never sees half a file."""
    man_path = os.path.join(os.path.dirname(os.path.abspath(onnx_path)), "manifest.json")
    man = {}
    if os.path.exists(man_path):
        with open(man_path) as f:
            man = json.load(f)
    man[key] = {"file": os.path.basename(onnx_path), "sha256": file_sha256(onnx_path), **entry}
    tmp = f"{man_path}.tmp-{key}"
    with open(tmp, "w") as f:
        json.dump(man, f, indent=2)
        f.write("\n")
    os.replace(tmp, man_path)
    return man[key]["sha256"]
