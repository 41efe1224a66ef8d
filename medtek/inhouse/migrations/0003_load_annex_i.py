"""Load the Annex I items of the MDR (210) and the IVDR (203) as reference data
(docs/domain/inhouse.md#annex-i-checklist); later versions come with ``medtek gspr_load``."""

from django.db import migrations


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    from medtek.inhouse import gspr

    gspr.load_shipped(apps.get_model("inhouse", "Requirement"), "2017-initial")


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("inhouse", "Requirement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("inhouse", "0002_file_lifecycle_checklist_documents")]
    operations = [migrations.RunPython(forward, backward)]
