"""Render the workbook's values-only copy, page by page, to PNG images: the visual check of the workbook.

    python tools/render_workbook.py [--out DIR] [--dpi N] [--docs]

Builds the values-only copy (``mpp-xl build-workbook --values-only``: the default run's results as plain values,
which LibreOffice can show; the .xlsm's functions it cannot), prints it to PDF with LibreOffice headless using
the workbook's own print settings, and writes one PNG per printed page as ``DIR/<sheet>-<page>.png`` (default
DIR: mpp-xl-render in the temporary folder, so the checkout stays clean). It prints the pages per sheet and checks
the printed product: at most MAX_PAGES pages, every page with its footer, the print date in its header and the
sheet's header line (edition, scenario, variant, status) or its repeated table header, and no page that continues
a table without that table's column headers. Pages of hidden sheets (Rekenblad: the data behind the charts) are
left out, as Excel does not print hidden sheets (LibreOffice does). ``--docs`` also writes the first page of each
main sheet to docs/workbook_<sheet>.png for the README. Look at the images before and after every change to the
builder: what the tests cannot see (overprinting, cut-off charts, unreadable axes) shows here.

Needs LibreOffice (``soffice``) and poppler (``pdftoppm``, ``pdftotext``), e.g. ``apt-get install
libreoffice-calc poppler-utils fonts-crosextra-carlito``; Carlito has Calibri's metrics, so text wraps as in
Excel. A tool, not a test: CI does not need LibreOffice.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mpp_xl.workbook import SHEETS, build_workbook_bytes  # noqa: E402

MAIN_SHEETS = ("Start", *SHEETS)
FOOTER = re.compile(r"(\S+), pagina (\d+) van (\d+)")  # the right part of every page's footer (workbook.footer_text)
MAX_PAGES = 30
HEADER_LINE = re.compile(r"MPP \S+ \| scenario \S+ \| variant .+ \| status: ")  # workbook.header_line_parts
TABLE_HEADERS = {"Aannames": "parameter"}  # sheets whose table header repeats instead


def need(program: str) -> str:
    found = shutil.which(program)
    if not found:
        raise SystemExit(f"{program} is not installed (apt-get install libreoffice-calc poppler-utils)")
    return found


DUTCH_LOCALE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>nl-NL</value></prop></item>
</oor:items>
"""  # print as a Dutch Excel shows the numbers: 47.500, € 721,1 mln, mrt 2022


def to_pdf(xlsx: Path, folder: Path) -> Path:
    """Print the workbook to PDF with LibreOffice headless (a profile of its own, so a running office is left be)."""
    profile = folder / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(DUTCH_LOCALE, encoding="utf-8")
    subprocess.run([need("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(xlsx)], check=True, capture_output=True, timeout=300)
    pdf = folder / (xlsx.stem + ".pdf")
    if not pdf.exists():
        raise SystemExit(f"LibreOffice wrote no PDF for {xlsx}")
    return pdf


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run([need("pdftotext"), "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def hidden_sheets(xlsx: Path) -> set[str]:
    import zipfile
    with zipfile.ZipFile(xlsx) as archive:
        book = archive.read("xl/workbook.xml").decode()
    return {re.search(r'name="([^"]+)"', tag).group(1) for tag in re.findall(r"<sheet [^>]*>", book)
            if 'state="hidden"' in tag or 'state="veryHidden"' in tag}


def continuation_problems(sheet: str, page: str, number: int) -> list[str]:
    """What is missing on a printed page: the print date, the header line (or the repeated table header), and,
    on a page after the first, the column headers of a table the page starts in the middle of: its first line
    below the repeated rows must not be a table's body row (a date, a year or a label followed by numbers)."""
    problems = []
    if "Afgedrukt op" not in page:
        problems.append("no print date in the page header")
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    if sheet in TABLE_HEADERS:
        if not any(line.startswith(TABLE_HEADERS[sheet]) for line in lines[:4]):
            problems.append("the table header does not repeat")
        return problems
    at = next((i for i, line in enumerate(lines) if HEADER_LINE.search(line)), None)
    if at is None:
        return problems + ["no header line (edition, scenario, variant, status)"]
    if number > 1 and at + 1 < len(lines):
        first = lines[at + 1]
        if sheet == "Realisaties" and first.startswith(("maand", "vanaf")):
            return problems
        body = re.fullmatch(r"(\S+( \d{4})?)(\s{2,}(€ )?-?[\d.,]+( mln)?( %)?)+", first)
        if body:
            problems.append(f"continues a table without its header: '{first[:60]}'")
    return problems


def page_sheets(pdf: Path) -> list[str]:
    """The sheet of every page, read from the page's footer."""
    sheets = []
    for page in page_texts(pdf):
        found = FOOTER.findall(page)
        if found:
            sheets.append(found[-1][0])
        elif page.strip():
            sheets.append("zonder-voettekst")
    return sheets


def render(out: Path, dpi: int, docs: bool, problems: list | None = None) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="mpp-render-") as temp:
        folder = Path(temp)
        xlsx = folder / "mpp_model_waarden.xlsx"
        xlsx.write_bytes(build_workbook_bytes(values_only=True))
        pdf = to_pdf(xlsx, folder)
        subprocess.run([need("pdftoppm"), "-r", str(dpi), "-png", str(pdf), str(folder / "page")], check=True)
        pages = sorted(folder.glob("page-*.png"), key=lambda p: int(p.stem.split("-")[1]))
        sheets = page_sheets(pdf)
        texts = page_texts(pdf)
        if len(sheets) != len(pages):
            raise SystemExit(f"{len(pages)} pages but {len(sheets)} footers: cannot tell the sheets apart")
        hidden = hidden_sheets(xlsx)
        counts: dict[str, int] = defaultdict(int)
        for page, sheet, text in zip(pages, sheets, texts):
            if sheet in hidden:  # Excel does not print a hidden sheet
                continue
            counts[sheet] += 1
            if problems is not None:
                problems += [f"{sheet} page {counts[sheet]}: {p}" for p in continuation_problems(sheet, text,
                                                                                               counts[sheet])]
            target = out / f"{sheet}-{counts[sheet]}.png"
            shutil.copyfile(page, target)
            if docs and counts[sheet] == 1 and sheet in MAIN_SHEETS:
                save_for_docs(page, ROOT / "docs" / f"workbook_{sheet.lower()}.png")
        shutil.copyfile(pdf, out / "mpp_model_waarden.pdf")
    return dict(counts)


def save_for_docs(page: Path, target: Path) -> None:
    """A page for the README: cropped to its content and stored with a small palette (a few tens of KB)."""
    from PIL import Image, ImageChops
    image = Image.open(page).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box:
        margin = 12
        image = image.crop((max(box[0] - margin, 0), max(box[1] - margin, 0), min(box[2] + margin, image.width),
                            min(box[3] + margin, image.height)))
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(tempfile.gettempdir()) / "mpp-xl-render"
    parser.add_argument("--out", default=str(default), help=f"folder for the page images (default {default})")
    parser.add_argument("--dpi", type=int, default=70, help="resolution of the images (default 70)")
    parser.add_argument("--docs", action="store_true", help="also write the first page of each main sheet to docs/")
    args = parser.parse_args(argv)
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if "Carlito" not in fonts:
        print("warning: the Carlito font is missing; text is set in a wider font than Excel's Calibri",
              file=sys.stderr)
    problems: list[str] = []
    counts = render(Path(args.out), args.dpi, args.docs, problems)
    for sheet, pages in counts.items():
        print(f"{sheet:14s} {pages:3d} page(s)")
    total = sum(counts.values())
    print(f"{total} pages in {args.out}")
    if total > MAX_PAGES:
        problems.append(f"{total} printed pages: at most {MAX_PAGES}")
    for problem in problems:
        print(f"check: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
