"""Tech support's data, one family per module (help articles, tickets and SLA clocks, live
chat, announcements)."""
