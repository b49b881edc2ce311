"""Test data factories (factory_boy): the one place tests make rows."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from conversations.models import Article, Conversation, Customer, Site


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"site-{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    allowed_origins = "https://shop.example.com"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    site = factory.SubFactory(SiteFactory)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer = factory.SubFactory(CustomerFactory)
    site = factory.SelfAttribute("customer.site")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    body = "Body text."


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Sarah"
    is_staff = True
    password = factory.django.Password("pw-for-tests")
