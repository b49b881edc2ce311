"""Identification races: several devices identifying the same new user at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.utils import timezone

from conversations import services
from conversations.identity import identity_verify
from conversations.models import Conversation, Customer
from tests.integration.test_identified_customers import claims


@pytest.mark.django_db(transaction=True)
def test_devices_identifying_the_same_new_user_at_once_make_one_customer(site):
    """Four devices, each with an anonymous chat, identify the same (new) user at the same
    moment: one Customer, holding all four chats. (On PostgreSQL the losers of the race hit the
    unique (site, external_id) and retry as a merge; SQLite serialises the writers.)"""
    devices = [Customer.objects.create(site=site) for _ in range(4)]
    for device in devices:
        Conversation.objects.create(site=site, customer=device)
    identity = identity_verify(claims=claims(site), secret=site.identity_secret, now=timezone.now())
    barrier, errors = threading.Barrier(len(devices)), []

    def identify(device: Customer) -> None:
        barrier.wait()
        try:
            services.customer_identify(site=site, identity=identity, device=device)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()  # this thread's: persistent ones outlive it

    threads = [threading.Thread(target=identify, args=(device,)) for device in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    customer = Customer.objects.get(external_id="u-42")
    assert customer.conversations.count() == 4
    assert Customer.objects.count() == 1
