from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    label = "support"
    verbose_name = "Tech support: help centre, tickets, live chat and announcements"

    def ready(self):
        from iop.accounts import demo
        from sessions_app.services import trouble_handler_register
        from support import panels
        from support.demo import seed_help, seed_support_tickets
        from support.services import ticket_open_for_trouble

        panels.register()
        panels.register_help_and_announcements()
        # "I can't connect" on a session page also opens (or joins) a ticket about it.
        trouble_handler_register("support", ticket_open_for_trouble)
        # After sessions and crisis: the checklist's facts come from their demo data.
        demo.register("support.help", seed_help, order=40)
        demo.register("support.tickets", seed_support_tickets, order=41)
