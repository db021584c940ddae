"""atheris: a workbook (XLSX), its bytes or one of its parts mutated (see harness.py)."""

import io
import zipfile

import atheris
from harness import read_file, run

SEED = None


def seed() -> dict[str, bytes]:
    """The parts of a small workbook: a header and two contacts."""
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["Prénom", "Courriel", "Téléphone"], ["Anne", "anne@exemple.fr", "0612345678"],
                ["Luc", "luc@exemple.fr", 33612345678]):  # fmt: skip
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test(data: bytes) -> None:
    global SEED
    SEED = SEED or seed()
    given = atheris.FuzzedDataProvider(data)
    names = sorted(SEED)
    mutated = names[given.ConsumeIntInRange(0, len(names) - 1)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, given.ConsumeBytes(4096) if name == mutated else SEED[name])
    read_file(buffer.getvalue(), "classeur.xlsx", "auto")


if __name__ == "__main__":
    run(test)
