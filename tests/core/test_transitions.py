"""A lifecycle declared as one table: the helper checks a move, makes it, audits it with its
reason, and a refusal names every unmet condition at once (the example app's tasks)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from medtek.core import audit
from medtek.core.actors import SYSTEM
from medtek.core.transitions import Lifecycle, Transition
from medtek.organisation.roles import Role
from tests import factories
from tests.example import services
from tests.example.models import Task

pytestmark = pytest.mark.django_db
S = Task.Status


@pytest.fixture
def head(org):
    return factories.person("head_a", role=Role.HEAD_OF_UNIT, unit=org.unit_a)


@pytest.fixture
def task(org, head) -> Task:
    return services.task_create(actor=head, title="Kontrollera rutinen", unit=org.unit_a)


def test_it_makes_an_allowed_move_and_audits_it_with_the_reason(task, head):
    services.task_move(actor=head, task=task, status=S.IN_PROGRESS)
    Task.objects.filter(pk=task.pk).update(checked=True)

    done = services.task_move(actor=head, task=task, status=S.DONE, reason="Klar enligt plan")

    assert done.status == S.DONE
    [event] = audit.history_for(task).filter(action="example_task.status", after__status="done")
    assert (event.before["status"], event.reason, event.actor) == (
        "in_progress",
        "Klar enligt plan",
        head,
    )


def test_it_names_every_unmet_condition_at_once(task, head):
    services.task_move(actor=head, task=task, status=S.IN_PROGRESS)

    with pytest.raises(ValidationError) as refused:
        services.task_move(actor=head, task=task, status=S.DONE, reason="", late=True)

    assert refused.value.message_dict == {
        "reason": ["Ange ett skäl till ändringen."],
        "status": ["The task has not been checked."],
        "late": ["The deadline has passed."],
    }
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS


def test_it_refuses_a_move_the_table_does_not_have(task, head):
    with pytest.raises(ValidationError) as refused:
        services.task_move(actor=head, task=task, status=S.DONE, reason="Hoppa över")
    assert refused.value.message_dict == {"status": ["Task kan inte gå från Open till Done."]}
    assert services.LIFECYCLE.targets(S.OPEN) == [S.IN_PROGRESS, S.CANCELLED]


def test_a_final_state_has_no_way_out(task, head):
    services.task_move(actor=head, task=task, status=S.CANCELLED, reason="Behövs inte")
    assert services.LIFECYCLE.is_final(S.CANCELLED)
    with pytest.raises(ValidationError):
        services.task_move(actor=head, task=task, status=S.OPEN, reason="Ångrar")


def test_it_refuses_a_person_without_the_right_before_saying_anything_else(org, task):
    services.task_move(actor=SYSTEM, task=task, status=S.IN_PROGRESS)
    for person in (org.outsider, org.auditor, org.colleague):
        with pytest.raises(PermissionDenied, match="Only the unit's registrars"):
            services.task_move(actor=person, task=task, status=S.DONE, reason="")
    task.refresh_from_db()
    assert task.status == S.IN_PROGRESS
    assert not audit.history_for(task).filter(after__status="done").exists()


def test_it_refuses_a_missing_actor(task):
    with pytest.raises(TypeError, match="needs an actor"):
        services.task_move(actor=None, task=task, status=S.IN_PROGRESS)


def test_a_table_with_an_unknown_state_or_a_repeated_move_is_refused():
    def anyone(actor: object, obj: object) -> bool:
        return True

    with pytest.raises(ValueError, match="no states"):
        Lifecycle(Task, "status", "example_task.status", [Transition(("open",), "gone", anyone)])
    with pytest.raises(ValueError, match="declared twice"):
        Lifecycle(
            Task,
            "status",
            "example_task.status",
            [Transition(("open",), "done", anyone), Transition(("open",), "done", anyone)],
        )
