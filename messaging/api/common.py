"""What the messaging API's viewsets share."""

from rest_framework import serializers  # noqa: E402

from iop.accounts.models import ClientProfile  # noqa: E402
from iop.accounts.selectors import clients_visible_to  # noqa: E402


def visible_client_field(*, required: bool = True) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=ClientProfile.objects.none(),
        required=required,
        error_messages={
            "does_not_exist": "No client with id {pk_value} is visible to you.",
            "incorrect_type": "Give the client's id, a whole number.",
        },
    )


class ScopedClientMixin:
    """A serializer whose `client` field finds only clients the caller may see."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["client"].queryset = clients_visible_to(request.user)
