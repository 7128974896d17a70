from django.apps import AppConfig


class CrisisConfig(AppConfig):
    name = "crisis"
    label = "crisis"
    verbose_name = "Crisis: check-ins, safety plans and escalation"

    def ready(self):
        from django.urls import path

        from crisis import inbound, panels
        from crisis.consumers import HelpStateConsumer
        from crisis.demo import seed_crisis
        from crisis.selectors import client_reachable_by, on_call_now
        from iop.accounts import demo, on_call
        from iop.notify import prompts, receivers
        from iop.realtime import audience, routing

        # Keyword screen first: a text that is both a mood score and a crisis phrase opens the
        # event before the mood is logged; staff acknowledgements and hotline calls next.
        receivers.register("crisis.keywords", inbound.screen_text_message, priority=10)
        receivers.register("crisis.acknowledge", inbound.acknowledge_by_text, priority=20)
        receivers.register("crisis.mood", inbound.mood_by_text, priority=30)
        receivers.register("crisis.hotline", inbound.hotline_call, priority=10, channels=("voice",))
        # Escalation calls fetch their "press 1 to acknowledge" TwiML from crisis/views/hooks.py.
        prompts.register("crisis.escalation", inbound.escalation_call_prompt_url)
        # The rota answers "who is on call" for the hotline and live events about a client.
        on_call.register(on_call_now)
        # Live events about a client reach only those who may see the client now.
        audience.register(client_reachable_by)
        # The client's help page hears where their request stands.
        routing.register(path("ws/crisis/help/<int:event_id>/", HelpStateConsumer.as_asgi()))
        panels.register()
        demo.register("crisis", seed_crisis, order=20)
