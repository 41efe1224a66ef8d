"""Who acts: a person, or the system itself — never "nobody".

Every service takes an explicit ``actor`` (design.md, Where rules live). A change that no person
makes (the demo loader, a scheduled job, a data fix run from the command line) is made by
:data:`SYSTEM`, which the audit trail names as such. ``None`` is refused everywhere: before this
module it meant "the system" and silently skipped every permission check, so a view that forgot
to pass the user would have written with every right.

:func:`require` is the one permission check of the services: a rule (a predicate on the actor and
its arguments, owned by the app whose records it guards) and a message saying who may.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext as _


class SystemActor:
    """The system as the actor of a change. Not a user: it cannot log in, holds no role and
    appears in no list of people; code must name it on purpose (``actor=SYSTEM``).

    It passes :func:`require`, since only code (never a request) can hold it.
    """

    pk = None
    id = None
    is_system = True
    is_active = True
    is_authenticated = False
    is_anonymous = False
    is_superuser = False
    username = "system"

    def get_username(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return "medtek (system)"

    def __str__(self) -> str:
        return self.get_full_name()

    def __repr__(self) -> str:
        return "SYSTEM"

    def __reduce__(self) -> str:
        return "SYSTEM"  # pickles (e.g. into a cache) as the one instance


#: The one system actor.
SYSTEM = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM


def check_actor(actor: Any) -> None:
    """Refuse a missing actor: a programming error, not a permission question."""
    if actor is None:
        raise TypeError(
            "A service needs an actor: the person making the change, or medtek.core.actors.SYSTEM "
            "for a change the system makes itself."
        )


def require(
    actor: Any,
    rule: Callable[..., bool],
    *args: Any,
    message: str | Promise | None = None,
) -> None:
    """Raise ``PermissionDenied(message)`` unless ``rule(actor, *args)`` holds.

    :data:`SYSTEM` passes; ``None`` is a ``TypeError``; an inactive or anonymous user is asked
    the rule like anyone (the rules answer no for them).
    """
    check_actor(actor)
    if is_system(actor):
        return
    if not rule(actor, *args):
        raise PermissionDenied(str(message) if message else _("You may not do this."))


def user_or_none(actor: Any) -> Any:
    """The actor as a value for a foreign key to a user: the user, or ``None`` for the system."""
    check_actor(actor)
    return None if is_system(actor) else actor
