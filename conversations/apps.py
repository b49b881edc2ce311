from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "conversations"
    verbose_name = "Conversations"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from chatsy.db import connections_close_after_request
        from conversations import receivers  # noqa: F401 - connects the model signals

        request_finished.connect(
            connections_close_after_request, dispatch_uid="chatsy.db.close_after_request"
        )
