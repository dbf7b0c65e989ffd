"""Write data/conversion_jobs.csv: 400 realistic, deterministic conversion jobs.

Run once by the maintainers (the CSV is committed); the fixed seed makes it reproducible:
    python -m tools.make_sample_data
"""
import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

ROWS = 400
OUTPUT = Path(__file__).resolve().parent.parent / "data" / "conversion_jobs.csv"
COLUMNS = ["id", "filename", "source_format", "target_format", "status",
           "size_bytes", "created_at", "finished_at"]
DOCUMENTS = ["contrat", "facture", "devis", "rapport-annuel", "avenant", "bulletin-salaire",
             "attestation", "releve-compte", "proposition", "compte-rendu", "cahier-des-charges",
             "note-interne", "bilan", "procuration", "police-assurance"]
CONVERSIONS = [("pdf", "docx"), ("docx", "pdf"), ("odt", "pdf"), ("pdf", "txt"),
               ("html", "pdf"), ("pdf", "png"), ("docx", "odt")]
STATUSES = ["done"] * 70 + ["failed"] * 8 + ["running"] * 7 + ["pending"] * 15


def make_rows(rng):
    created = datetime(2025, 1, 6, 8, 0, 0)
    for job_id in range(1, ROWS + 1):
        created += timedelta(minutes=rng.randint(5, 900), seconds=rng.randint(0, 59))
        source, target = rng.choice(CONVERSIONS)
        status = rng.choice(STATUSES)
        finished = ""
        if status in ("done", "failed"):
            finished = (created + timedelta(seconds=rng.randint(2, 600))).isoformat(sep=" ")
        name = f"{rng.choice(DOCUMENTS)}-{created:%Y%m}-{rng.randint(1, 9999):04d}.{source}"
        yield [job_id, name, source, target, status, rng.randint(20_000, 25_000_000),
               created.isoformat(sep=" "), finished]


def main():
    OUTPUT.parent.mkdir(exist_ok=True)
    with OUTPUT.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(make_rows(random.Random(2025)))
    print(f"wrote {ROWS} rows to {OUTPUT.name}")


if __name__ == "__main__":
    main()
