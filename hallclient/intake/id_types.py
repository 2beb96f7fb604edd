"""Chinese names of the stored ID-type codes (Applicant.id_type).

A module of its own, free of the ORM, so printing/ can translate a code without importing
the models.
"""

ID_TYPE_LABELS = {
    "resident": "居民身份证",
    "gat_permit": "港澳台居民居住证",
    "foreign_old": "外国人永久居留证",
    "foreign_2023": "外国人永久居留身份证",
    "passport": "护照",
    "uscc": "统一社会信用代码",
}
