"""The agent console's pages. Thin: one selector, one template."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from conversations import selectors


@staff_member_required(login_url="console:login")
def conversation_list(request: HttpRequest) -> HttpResponse:
    conversations = selectors.conversations_for_console()
    template = "console/_conversation_list.html" if request.htmx else "console/conversations.html"
    return render(request, template, {"conversations": conversations})
