"""The outbox: every text, call, email and live-feed message Harbor sends leaves through here.

How a message travels:

1. Domain code calls `services.message_enqueue(...)` inside its own transaction. The row is
   written with a unique idempotency key (the same key again returns the same row) and a
   claim: a token plus a lease (`next_attempt_at`).
2. After commit, `message_dispatch_task(id, claim)` is published to the `crisis` or `notify`
   queue. Publishing never raises and gives up within about a second when Redis is down; the
   row is then handed straight to the sweep.
3. The task claims the row (`SELECT ... FOR UPDATE SKIP LOCKED`), applies the rules (expiry,
   STOP, SMS consent, quiet hours, rate limit), marks it `sending` with a fresh token and a
   send lease, calls the provider outside any transaction, and records the outcome only if
   the row still carries its token. A duplicate or late task finds the token spent and stops.
4. Transient failures are retried with exponential backoff and jitter until a deadline that
   depends on the purpose; permanent ones stop at once. A crisis text that cannot be
   delivered becomes a voice call (`<key>:voice-fallback`), and staff are told on the feed.
5. `message_sweep_task` (beat, every 5 s) hands on rows whose lease ran out: never published,
   held until now, or stuck in `sending` because a worker died. It reads the partial index
   `notify_outbox_due`, which holds only pending rows.
6. Twilio's status callbacks move a message forward only (`delivered` stays delivered).

Delivery is at least once, not exactly once. Twilio's APIs take no idempotency key, so if a
worker dies after Twilio accepted a text and before the row says so, the sweep sends it again
after the send lease (NOTIFY_SEND_LEASE_SECONDS). Two things narrow that window: the status
callback names the outbox row (`?m=<id>`), so a receipt that arrives first marks the row
sent; and each request carries an `Idempotency-Key` header that providers (and the test
suite's Twilio server) honouring it use to return the first message instead of a copy.
"""
