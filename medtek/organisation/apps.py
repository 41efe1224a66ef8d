from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationConfig(AppConfig):
    name = "medtek.organisation"
    label = "organisation"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from medtek.core import audit
        from medtek.core.access import register_rule, register_scope

        from .actions import Action

        audit.register_actions(Action)

        from . import access
        from .models import CareProvider, RoleGrant, Unit, User

        register_rule("administrator", access.is_administrator)
        register_rule("dispose", access.may_dispose)
        register_rule("record_disposal_decision", access.is_administrator)
        register_scope(Unit, access.units_visible_to)
        register_scope(CareProvider, access.care_providers_visible_to)
        register_scope(User, access.people_visible_to)
        register_scope(RoleGrant, access.role_grants_visible_to)
