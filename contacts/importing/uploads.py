"""Keep the files uploaded on the import page until a worker has imported them."""

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile


def store(upload: UploadedFile) -> Path:
    """Save the upload under VAR_DIR/imports and return its path."""
    folder = Path(settings.VAR_DIR) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    path = folder / (Path(upload.name).name or "upload")
    try:
        with path.open("wb") as f:
            for chunk in upload.chunks():
                f.write(chunk)
    except BaseException:  # a full disk, a cut connection: nothing half-written stays
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def is_stored(path: Path | str) -> bool:
    """Whether the file is an upload kept here (not a file the command line was given)."""
    return Path(path).resolve().parent.parent == (Path(settings.VAR_DIR) / "imports").resolve()


def discard(path: Path) -> None:
    """Remove a stored upload and its folder (nothing outside VAR_DIR/imports)."""
    if is_stored(path):
        shutil.rmtree(path.resolve().parent, ignore_errors=True)


def discard_all(files: list[list[str]]) -> None:
    """Remove the stored uploads of a job ([[name shown, path], …], ImportJob.files)."""
    for _name, path in files:
        discard(Path(path))
