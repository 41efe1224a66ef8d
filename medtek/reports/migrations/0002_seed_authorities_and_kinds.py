"""The authorities and the kinds of report of docs/domain/reporting.md#routing, as data an
administrator keeps from now on (each kind with its legal anchor, recipient, who drafts and who
approves, and its internal deadlines). Rows already there are left as they are."""

from django.db import migrations

DRAFTERS = ["mt_engineer", "quality_lead", "patient_safety_officer"]
DEVICE_APPROVERS = ["quality_lead", "head_of_unit", "patient_safety_officer", "mt_engineer"]

AUTHORITIES = [
    {
        "code": "ivo",
        "name": "Inspektionen för vård och omsorg",
        "short_name": "IVO",
        "address": "Box 45184\n104 30 Stockholm",
        "e_service": "https://www.ivo.se/",
    },
    {
        "code": "lv",
        "name": "Läkemedelsverket",
        "short_name": "Läkemedelsverket",
        "address": "Box 26\n751 03 Uppsala",
        "e_service": "https://www.lakemedelsverket.se/",
    },
]

KINDS = [
    {
        "code": "in_house_information",
        "name": "Information om egentillverkad medicinteknisk produkt",
        "legal_anchor": "MDR art. 5.5 d; HSLF-FS 2021:32 4 kap. 2 §",
        "authority": None,
        "in_house_supervision": True,
        "informs_manufacturer": False,
        "needs_device": True,
        "drafter_roles": DRAFTERS,
        "approver_roles": ["quality_lead", "head_of_unit", "patient_safety_officer"],
        "deadline_basis": "before_use",
        "no_email": False,
    },
    {
        "code": "device_incident",
        "name": "Rapport om negativ händelse eller tillbud med medicinteknisk produkt",
        "legal_anchor": "HSLF-FS 2021:52 5 kap. 5 §",
        "authority": "lv",
        "in_house_supervision": False,
        "informs_manufacturer": True,
        "needs_device": True,
        "drafter_roles": DRAFTERS,
        "approver_roles": DEVICE_APPROVERS,
        "deadline_basis": "awareness",
        "no_email": False,
    },
    {
        "code": "in_house_incident",
        "name": "Rapport om negativ händelse eller tillbud med egentillverkad produkt",
        "legal_anchor": "HSLF-FS 2021:52 5 kap.",
        "authority": None,
        "in_house_supervision": True,
        "informs_manufacturer": False,
        "needs_device": True,
        "drafter_roles": DRAFTERS,
        "approver_roles": DEVICE_APPROVERS,
        "deadline_basis": "awareness",
        "no_email": False,
    },
    {
        "code": "lex_maria",
        "name": "Anmälan enligt lex Maria",
        "legal_anchor": "Patientsäkerhetslagen (2010:659) 3 kap. 5 §; HSLF-FS 2017:41",
        "authority": "ivo",
        "in_house_supervision": False,
        "informs_manufacturer": False,
        "needs_device": False,
        "drafter_roles": ["patient_safety_officer", "quality_lead", "head_of_unit"],
        "approver_roles": ["patient_safety_officer"],
        "deadline_basis": "awareness",
        "no_email": True,
    },
]


def seed(apps, schema_editor=None):
    Authority = apps.get_model("reports", "Authority")
    ReportKind = apps.get_model("reports", "ReportKind")
    for row in AUTHORITIES:
        Authority.objects.get_or_create(code=row["code"], defaults=row)
    for row in KINDS:
        values = dict(row)
        code = values.pop("authority")
        values["authority"] = Authority.objects.get(code=code) if code else None
        ReportKind.objects.get_or_create(code=values["code"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop, elidable=False)]
