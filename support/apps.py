from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    label = "support"
    verbose_name = "Tech support: help centre, tickets, live chat and announcements"

    def ready(self):
        from iop.accounts import demo
        from support.demo import seed_help
        from support.panels import register_help_and_announcements

        register_help_and_announcements()
        # After sessions and crisis: the checklist's facts come from their demo data.
        demo.register("support.help", seed_help, order=40)
