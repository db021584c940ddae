"""Import a generated Google Contacts CSV with Carnet and with django-import-export.

Each tool runs in its own process on a fresh database of the same engine, once on an empty
table and once more on the same file (every row then an update); the peer runs in its
fastest configuration (use_bulk, skip_diff, import_id_fields=("email",)). It prints the
seconds, the peak memory of each tool (with Carnet's reading process added) and the ratios.

    .venv/bin/python bench/import.py [--rows 100000] [--engines sqlite,postgres]
    .venv/bin/python bench/import.py --rows 1000000 --engines postgres --tools carnet
"""

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from children import postgres_database, run_child

HEADER = [
    "First Name",
    "Middle Name",
    "Last Name",
    "Organization Name",
    "Organization Title",
    "Notes",
    "Labels",
    "E-mail 1 - Label",
    "E-mail 1 - Value",
    "Phone 1 - Label",
    "Phone 1 - Value",
    "Address 1 - City",
    "Address 1 - Postal Code",
]


def generate(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow(
                [
                    f"Prénom{i}",
                    "",
                    f"Nom{i}",
                    f"Société {i % 1000}",
                    "Gérant",
                    "",
                    f"* myContacts ::: Clients ::: Groupe {i % 20}",
                    "* Work",
                    f"contact{i}@exemple{i % 50}.fr",
                    "Mobile",
                    f"0{610000000 + i}",
                    "Besançon",
                    "25000",
                ]
            )


def run_carnet(path: Path) -> None:
    from contacts.importing import jobs

    jobs.run_files([path], basis="customer")


def run_peer(path: Path) -> None:
    import tablib
    from import_export import fields, resources

    from contacts.models import Contact

    class ContactResource(resources.ModelResource):
        first_name = fields.Field(attribute="first_name", column_name="First Name")
        last_name = fields.Field(attribute="last_name", column_name="Last Name")
        email = fields.Field(attribute="email", column_name="E-mail 1 - Value")
        phone = fields.Field(attribute="phone", column_name="Phone 1 - Value")
        job_title = fields.Field(attribute="job_title", column_name="Organization Title")
        city = fields.Field(attribute="city", column_name="Address 1 - City")
        postcode = fields.Field(attribute="postcode", column_name="Address 1 - Postal Code")

        class Meta:
            model = Contact
            fields = ("first_name", "last_name", "email", "phone", "job_title", "city", "postcode")
            import_id_fields = ("email",)
            use_bulk = True
            skip_diff = True

    dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv")
    result = ContactResource().import_data(dataset, raise_errors=True)
    assert not result.has_errors()


def child(tool: str, path: Path) -> None:
    """Run one tool twice on a fresh database; print seconds and peak memory as JSON."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run = run_carnet if tool == "carnet" else run_peer
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        run(path)
        seconds.append(time.perf_counter() - start)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Carnet reads large files in a second process: its peak counts too.
    reader_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"fresh": seconds[0], "again": seconds[1], "peak_mb": peak_mb + reader_mb}))


def measure(engine: str, tool: str, path: Path, workdir: Path) -> dict:
    env = {**os.environ, "VAR_DIR": str(workdir / "var"), "IMPORT_MAX_MB": "100000"}
    args = [tool, "--csv", str(path)]
    if engine == "sqlite":
        url = f"sqlite:///{workdir / f'{tool}.sqlite3'}"
        return run_child(__file__, args, {**env, "DATABASE_URL": url})
    with postgres_database(f"carnet_bench_{tool}_{os.getpid()}") as url:
        return run_child(__file__, args, {**env, "DATABASE_URL": url})


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--tools", default="carnet,django-import-export")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv)
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "contacts.csv"
        generate(path, args.rows)
        print(f"{args.rows} rows of Google Contacts CSV ({path.stat().st_size / 1e6:.1f} MB)")
        for engine in args.engines.split(","):
            results = {
                tool: measure(engine, tool, path, workdir) for tool in args.tools.split(",")
            }
            for tool, r in results.items():
                print(
                    _line(engine, tool, r["fresh"], r["again"], "s"),
                    f"   peak {r['peak_mb']:5.0f} MB",
                )
            if len(results) == 2:
                carnet, peer = results["carnet"], results["django-import-export"]
                ratio = {k: peer[k] / carnet[k] for k in ("fresh", "again")}
                print(_line(engine, "ratio (peer / carnet)", ratio["fresh"], ratio["again"], "x"))


def _line(engine: str, label: str, fresh: float, again: float, unit: str) -> str:
    return f"{engine:9} {label:22} fresh {fresh:7.2f} {unit}   again {again:7.2f} {unit}"


if __name__ == "__main__":
    main()
