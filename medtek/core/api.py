"""API plumbing shared by every app: JSON errors with field messages, related ids through the
caller's scope, and the base viewset every endpoint is written with."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .access import one_or_404
from .changes import Updated


def _django_validation_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [
                str(m) for e in errs for m in e.messages
            ]
            for field, errs in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Errors as ``{"detail": "...", "errors": {"field": ["message", ...]}}``.

    Validation raised by a service (Django's ValidationError) becomes a 400 like a serializer's.
    """
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = response.data
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"detail": "Invalid input.", "errors": errors}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": response.data["detail"], "errors": {}}
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.data["detail"] = "Authentication credentials were not provided or are invalid."
    return response


# One way to write an endpoint ------------------------------------------------------------------


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A related id in API input, looked up **through the caller's scope**.

    ``scope(user)`` is the app's ``*_visible_to``: an id the caller may not see answers exactly
    like an id that does not exist ("Invalid pk … object does not exist."), so ids cannot be
    probed. Output is the id, as for any primary-key field.
    """

    def __init__(
        self, model: type[Any], *, scope: Callable[[Any], QuerySet[Any]], **kwargs: Any
    ) -> None:
        self.scope = scope
        if not kwargs.get("read_only"):
            # Nothing until a request scopes it (the schema reads the model from it).
            kwargs.setdefault("queryset", model._default_manager.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return super().get_queryset().none()
        return self.scope(user)


class ScopedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """An endpoint whose reads go through the app's scoping and whose writes go through its
    services, with the rights checked before the body is read.

    A subclass gives:

    - ``visible(user)``: the scoped queryset (the app's ``*_visible_to``, with its joins);
    - ``for_user(user, pk, write=True)``: the app's ``*_for_user`` (404 when invisible, 403 when
      the caller may not write it), used before an update (reads use ``visible``);
    - ``may_create(user)``: whether the caller may create at all. Checked **before** the body is
      validated, so that a refused caller learns nothing from a validation message (that a user
      name or an organisation number is taken, say);
    - ``create_record(user, data)`` and ``update_record(user, obj, changes)``: the service calls.

    PUT and DELETE are not offered: changes are partial and through the services, and records
    are never deleted.
    """

    http_method_names = ["get", "post", "patch", "head", "options"]
    #: The serializer that renders a written record (default: the endpoint's own).
    output_serializer_class: Any = None

    def visible(self, user: Any) -> QuerySet[Any]:
        raise NotImplementedError

    def for_user(self, user: Any, pk: Any, *, write: bool = False) -> Any:
        raise NotImplementedError

    def may_create(self, user: Any) -> bool:
        return False

    def create_record(self, user: Any, data: dict[str, Any]) -> Any:
        raise exceptions.MethodNotAllowed("POST")

    def update_record(self, user: Any, obj: Any, changes: dict[str, Any]) -> Any:
        raise exceptions.MethodNotAllowed("PATCH")

    def get_queryset(self) -> QuerySet[Any]:
        return self.visible(self.request.user)

    def get_object(self) -> Any:
        """A read of one record: from the list's own queryset (with its joins and annotations),
        404 when the caller may not see it."""
        obj = one_or_404(self.get_queryset(), self.kwargs[self.lookup_field])
        self.check_object_permissions(self.request, obj)
        return obj

    def render(self, obj: Any, status_code: int = 200) -> Response:
        serializer_class = self.output_serializer_class or self.get_serializer_class()
        return Response(
            serializer_class(obj, context=self.get_serializer_context()).data, status=status_code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.may_create(request.user):
            raise exceptions.PermissionDenied()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_record(request.user, dict(serializer.validated_data))
        return self.render(obj, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.for_user(request.user, kwargs[self.lookup_field], write=True)
        serializer = self.get_serializer(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        result = self.update_record(request.user, obj, dict(serializer.validated_data))
        return self.render(result.obj if isinstance(result, Updated) else result)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)
