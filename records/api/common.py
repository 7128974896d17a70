"""What the records API's viewsets share (the visible-client field and the client parameter
are the API core's: iop.api.serializers, iop.api.params)."""
