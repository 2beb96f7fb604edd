"""Sending a certificate PDF to a printer at exact scale (1 mm on the PDF is 1 mm on paper).

The notices' preview fits pages to the printable area; a certificate must not be scaled or
moved at all, or the calibrated positions mean nothing: the page is set to the template's size
with no margins and the PDF page is drawn at the printer's resolution from the paper's corner
(ui.print_spooler, `PrintJob.exact_mm`).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtPrintSupport import QPrinterInfo

from ui.print_spooler import PrintJob, PrintResult, spooler

PDF_FILE = "PDF 文件"  # the "printer" that writes a file (archives, tests, no printer installed)


def printer_names() -> list[str]:
    names = [n for n in QPrinterInfo.availablePrinterNames() if n]
    default = QPrinterInfo.defaultPrinterName()
    if default in names:
        names.remove(default)
        names.insert(0, default)
    return names + [PDF_FILE]


def send(pdf: bytes, w_mm: float, h_mm: float, printer_name: str, file_path: str | None,
         title: str, done: Callable[[PrintResult], None]) -> None:
    """Print the first page of `pdf` on `printer_name` (or into `file_path` for PDF_FILE)
    through the print spooler; `done(result)` is called when the printer took it or failed."""
    if printer_name == PDF_FILE and not file_path:
        done(PrintResult(False, "请选择保存 PDF 文件的位置"))
        return
    to_file = printer_name == PDF_FILE
    job = PrintJob(doc_name=title or "证照", printer_name="" if to_file else printer_name,
                   output_file=(file_path or "") if to_file else "", exact_mm=(w_mm, h_mm))
    spooler().submit(job, pdf, done)
