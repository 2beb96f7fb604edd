"""Sending a certificate PDF to a printer at exact scale (1 mm on the PDF is 1 mm on paper).

The notices' preview fits pages to the printable area; a certificate must not be scaled or
moved at all, or the calibrated positions mean nothing: the page is set to the template's size
with no margins and the PDF page is drawn at the printer's resolution from the paper's corner.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

PDF_FILE = "PDF 文件"  # the "printer" that writes a file (archives, tests, no printer installed)


def printer_names() -> list[str]:
    names = [n for n in QPrinterInfo.availablePrinterNames() if n]
    default = QPrinterInfo.defaultPrinterName()
    if default in names:
        names.remove(default)
        names.insert(0, default)
    return names + [PDF_FILE]


def send(pdf: bytes, w_mm: float, h_mm: float, printer_name: str, file_path: str | None = None, title: str = "") -> None:
    """Print the first page of `pdf` on `printer_name` (or into `file_path` for PDF_FILE).
    Raises RuntimeError (Chinese) when the printer cannot be opened."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    if printer_name == PDF_FILE:
        if not file_path:
            raise RuntimeError("请选择保存 PDF 文件的位置")
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(file_path)
    else:
        printer.setPrinterName(printer_name)
    printer.setResolution(300)
    printer.setDocName(title or "证照")
    printer.setFullPage(True)
    landscape = w_mm > h_mm
    size = QPageSize(QSizeF(min(w_mm, h_mm), max(w_mm, h_mm)), QPageSize.Unit.Millimeter, "证照",
                     QPageSize.SizeMatchPolicy.ExactMatch)
    printer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
                                      QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    doc = QPdfDocument()
    buf = QBuffer()
    buf.setData(QByteArray(pdf))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    doc.load(buf)
    if doc.pageCount() < 1:
        raise RuntimeError("证照文件生成失败，请重试")
    dpi = printer.resolution()
    px = QSize(round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi))
    image = doc.render(0, px)
    painter = QPainter()
    if not painter.begin(printer):
        raise RuntimeError(f"无法打开打印机“{printer_name}”，请检查打印机是否开机、联网")
    try:
        painter.drawImage(0, 0, image)
    finally:
        painter.end()
        doc.close()
