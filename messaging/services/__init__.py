"""Every write of messaging data."""

# threads.py: thread_start, message_send, thread_read, reply_reminder_tick (care-team threads)
from messaging.services.threads import message_send as message_send  # noqa: E402
from messaging.services.threads import reply_reminder_tick as reply_reminder_tick  # noqa: E402
from messaging.services.threads import thread_read as thread_read  # noqa: E402
from messaging.services.threads import thread_start as thread_start  # noqa: E402
