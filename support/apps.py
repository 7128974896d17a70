from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    label = "support"
    verbose_name = "Tech support: help centre, tickets, live chat and announcements"

    def ready(self):
        from django.urls import path

        from iop.accounts import demo
        from iop.realtime import routing
        from sessions_app.services import trouble_handler_register
        from support import panels
        from support.consumers import ChatClientConsumer, ChatDeskConsumer
        from support.demo import seed_help, seed_support_tickets
        from support.services import ticket_open_for_trouble
        from support.services.trouble import chat_offer_for_trouble

        routing.register(path("ws/support/chat/", ChatClientConsumer.as_asgi()))
        routing.register(path("ws/support/desk/", ChatDeskConsumer.as_asgi()))
        panels.register()
        panels.register_help_and_announcements()
        # "I can't connect" on a session page also opens (or joins) a ticket about it.
        trouble_handler_register("support", ticket_open_for_trouble)
        # ... and offers live chat with tech support beside the facilitator's text chat.
        trouble_handler_register("support_chat", chat_offer_for_trouble)
        # After sessions and crisis: the checklist's facts come from their demo data.
        demo.register("support.help", seed_help, order=40)
        demo.register("support.tickets", seed_support_tickets, order=41)
