"""XLSX workbooks written by hand, for the hostile-register tests and bench/workbook.py: a spreadsheet program writes a
<dimension> that matches the cells, so a lying one, a missing one or an oversized part has to be written directly.

The parts are the fewest openpyxl (and Excel) open: content types, the package's and the workbook's relationships,
the workbook and one sheet, whose cells are inline strings or numbers.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
SHEET = "xl/worksheets/sheet1.xml"
PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>",
    "_rels/.rels": f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
    '<sheets><sheet name="Register" sheetId="1" r:id="rId1"/></sheets></workbook>',
}
REGISTER_HEADER = {"A1": "payroll_number", "B1": "name", "C1": "date_delivered", "D1": "delivered_by"}
#: The far corner of a sheet: Excel's last column and last row.
FAR_CELL = "XFD1048576"


def write_workbook(path: Path, cells: Mapping[str, str | int], *, dimension: str | None) -> Path:
    """A workbook whose one sheet holds `cells` ({"A1": "payroll_number", ...}) and claims the extent `dimension`
    ("A1:D3"; None: no <dimension> at all)."""
    rows: dict[int, list[str]] = {}
    for reference, value in cells.items():
        row = int(re.sub(r"^[A-Z]+", "", reference))
        if isinstance(value, int):
            rows.setdefault(row, []).append(f'<c r="{reference}"><v>{value}</v></c>')
        else:
            rows.setdefault(row, []).append(f'<c r="{reference}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
    data = "".join(f'<row r="{row}">{"".join(rows[row])}</row>' for row in sorted(rows))
    claimed = "" if dimension is None else f'<dimension ref="{dimension}"/>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr(SHEET, f'<worksheet xmlns="{MAIN}">{claimed}<sheetData>{data}</sheetData></worksheet>')
    return path


def register_rows(count: int) -> dict[str, str | int]:
    """A register's header and `count` good rows, from row 2 on."""
    cells: dict[str, str | int] = dict(REGISTER_HEADER)
    for row in range(2, count + 2):
        cells |= {f"A{row}": f"P{row:05d}", f"B{row}": f"Person {row}", f"C{row}": "2026-01-14", f"D{row}": "M"}
    return cells


def add_part(path: Path, name: str, size: int) -> Path:
    """Adds to the workbook a part that unpacks to `size` bytes (one shared string of that length, which deflate
    packs a thousandfold): a zip bomb. Written a megabyte at a time, so the test never holds it whole."""
    head, tail = f'<sst xmlns="{MAIN}"><si><t>'.encode(), b"</t></si></sst>"
    chunk = b"A" * 1_000_000
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, archive.open(name, "w", force_zip64=True) as out:
        out.write(head)
        left = size - len(head) - len(tail)
        while left > 0:
            out.write(chunk[:left])
            left -= len(chunk)
        out.write(tail)
    return path
