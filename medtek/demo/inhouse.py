"""Demo in-house files: the pressure transducer adapter the MT department combines for the ICU
has a complete file; the neonatal suction coupling has none yet, as the audit found."""

import datetime

from django.utils import timezone

from medtek.core.actors import SYSTEM
from medtek.devices.models import DeviceModel
from medtek.inhouse import services
from medtek.inhouse.models import InhouseDevice
from medtek.organisation.models import Unit


def load(units: dict[str, Unit]) -> int:
    today = timezone.localdate()
    searched = today - datetime.timedelta(days=200)
    adapter = DeviceModel.objects.get(trade_name="Trycksensoradapter IVA")
    services.inhouse_device_create(
        actor=SYSTEM,
        device_model=adapter,
        kind=InhouseDevice.Kind.COMBINED,
        based_on=(
            "CE-märkt engångstrycksensor (Edwards TruWave) och patientmonitorns tryckkabel "
            "(Philips M1567A), kopplade med en adapter som MFT tillverkar."
        ),
        intended_purpose=(
            "Invasiv blodtrycksmätning på IVA när patienten flyttas mellan monitorer av olika "
            "fabrikat, utan att byta trycksensor."
        ),
        manufacturer_unit=units["mft"],
        not_transferred=True,
        qms_reference="Regionens ledningssystem: rutin MFT-R-012 Egentillverkning av MTP.",
        justification=(
            "Ingen CE-märkt adapter finns för kombinationen av sensor och monitor som IVA "
            "använder; byte av sensor vid förflyttning ökar infektionsrisken."
        ),
        market_search=(
            "Sökning i Eudamed och hos tre leverantörer; ingen motsvarande produkt hittades."
        ),
        market_searched_on=searched,
        justification_review_due=searched + datetime.timedelta(days=365),
    )
    return InhouseDevice.objects.count()
