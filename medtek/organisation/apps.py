from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "medtek.organisation"
    label = "organisation"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from medtek.core.access import register_scope

        from . import access
        from .models import CareProvider, RoleGrant, Unit, User

        register_scope(Unit, access.units_visible_to)
        register_scope(CareProvider, access.care_providers_visible_to)
        register_scope(User, access.people_visible_to)
        register_scope(RoleGrant, access.role_grants_visible_to)
