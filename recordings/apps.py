from django.apps import AppConfig


class RecordingsConfig(AppConfig):
    name = "recordings"
    label = "recordings"
    verbose_name = "Recordings: consent-gated, encrypted session recordings"

    def ready(self):
        from iop.accounts import demo
        from iop.consents import receivers
        from recordings import panels
        from recordings.demo import seed_recordings
        from recordings.services import consent_changed, presence_changed
        from recordings.services.catch_up import attendance_settled
        from sessions_app.services import attendance_listener_register, room_listener_register

        panels.register()
        # Joins through Harbor (before the room's address is given) and the session page's joins
        # and leaves: a recording someone present has not agreed to pauses at once.
        room_listener_register("recordings", presence_changed)
        # A withdrawal pauses the recordings of rooms the client is in; a grant may resume one.
        receivers.register("recordings", consent_changed)
        # A client who missed a session with a technical issue is offered its catch-up recording.
        attendance_listener_register("recordings", attendance_settled)
        demo.register("recordings", seed_recordings, order=30)
