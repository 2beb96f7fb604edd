"""证照打印与出件: the certificate page (Ctrl+6) and the e-licence lookup at intake."""


def make_certificates_page(mw):
    from ui.certificates.page import CertificatesPage

    return CertificatesPage(mw.store, mw.session)
