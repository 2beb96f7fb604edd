"""Certificates (证照) and hand-over (出件): Qt-free core.

- `identifier`: the 电子证照 identifier (证照标识) and its ISO 7064 MOD 37,36 check character;
- `templates`: certificate templates as data (JSON), validated;
- `models`: the local tables (templates, certificates, blank stock, calibration);
- `issue`: an approval result becomes a certificate record;
- `stock`: blank-stock control (空白证书管理): ranges, prints, spoils, reprints, the report;
- `calibration`: per workstation and printer x/y offsets;
- `handover`: 出件 to the applicant, the legal representative or an authorised agent, or mail;
- `elicence`: e-licences (电子证照) from the central library make materials 免于提交.
"""
