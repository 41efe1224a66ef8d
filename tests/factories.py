"""Test data built through the services (so it is audited like real data)."""

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from medtek.core.actors import SYSTEM
from medtek.demo.region import org_number
from medtek.organisation import services
from medtek.organisation.models import CareProvider, Unit, User
from medtek.organisation.roles import Role

PASSWORD = "correct-horse-battery-staple"

_counter = {"n": 0}


def _next() -> int:
    _counter["n"] += 1
    return _counter["n"]


def provider(*, private: bool = False, name: str | None = None) -> CareProvider:
    n = _next()
    return services.care_provider_create(
        actor=SYSTEM,
        name=name or f"Provider {n}",
        org_number=org_number(f"{(556000000 if private else 232100000) + n:09d}"),
        operator=CareProvider.Operator.PRIVATE if private else CareProvider.Operator.REGION,
        contract_reference="VV-1" if private else "",
    )


def unit(
    *, name: str, parent: Unit | None, provider: CareProvider, kind: str = Unit.Kind.CLINIC
) -> Unit:
    return services.unit_create(
        actor=SYSTEM, name=name, kind=kind, parent=parent, care_provider=provider
    )


def person(username: str, *, role: str | None = None, unit: Unit | None = None) -> User:
    user = services.person_create(
        actor=SYSTEM,
        username=username,
        first_name=username.title(),
        last_name="Testsson",
        email=f"{username}@example.org",
        password=PASSWORD,
    )
    if role and unit:
        services.role_grant(actor=SYSTEM, user=user, unit=unit, role=role)
    return user


def make_org() -> Any:
    from tests.conftest import Org

    rp = provider(name="Region Test")
    pp = provider(private=True, name="Privat Vård AB")
    region = unit(name="Region Test", parent=None, provider=rp, kind=Unit.Kind.REGION)
    hsf = unit(name="HSF", parent=region, provider=rp, kind=Unit.Kind.ADMINISTRATION)
    a = unit(name="Unit A", parent=hsf, provider=rp)
    a1 = unit(name="Unit A1", parent=a, provider=rp, kind=Unit.Kind.DEPARTMENT)
    b = unit(name="Unit B", parent=hsf, provider=rp)
    pcc = unit(name="Privat VC", parent=hsf, provider=pp, kind=Unit.Kind.PRIMARY_CARE_CENTRE)
    return Org(
        region_provider=rp,
        private_provider=pp,
        region=region,
        hsf=hsf,
        unit_a=a,
        unit_a_child=a1,
        unit_b=b,
        private_pcc=pcc,
        owner=person("owner", role=Role.HEAD_OF_UNIT, unit=a),
        colleague=person("colleague", role=Role.UNIT_STAFF, unit=a),
        outsider=person("outsider", role=Role.UNIT_STAFF, unit=b),
        auditor=person("auditor", role=Role.AUDITOR, unit=region),
        admin=person("admin", role=Role.ADMINISTRATOR, unit=region),
        private_staff=person("private", role=Role.UNIT_STAFF, unit=pcc),
    )


class ApiClient(APIClient):
    def as_(self, user: User | None) -> "ApiClient":
        if user is None:
            self.credentials()
        else:
            token, _ = Token.objects.get_or_create(user=user)
            self.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return self
