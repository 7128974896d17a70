"""Every write of the outbox. One package, three rooms:

outbox.py           message_enqueue, message_retry, message_send_test, publishing after commit
dispatch.py         message_dispatch (one send), message_sweep, retries, crisis voice fallback
provider_events.py  receipt_apply, inbound_sms_record, hotline_call_record, opt_out_set
"""

from iop.notify.services.dispatch import fall_back_to_voice, message_dispatch, message_sweep
from iop.notify.services.outbox import message_enqueue, message_retry, message_send_test
from iop.notify.services.provider_events import (
    hotline_call_record,
    inbound_sms_record,
    opt_out_set,
    receipt_apply,
)

__all__ = [
    "fall_back_to_voice",
    "hotline_call_record",
    "inbound_sms_record",
    "message_dispatch",
    "message_enqueue",
    "message_retry",
    "message_send_test",
    "message_sweep",
    "opt_out_set",
    "receipt_apply",
]
