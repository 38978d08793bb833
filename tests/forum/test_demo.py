"""The forum's demo data: idempotent, Polish threads, one restricted category."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ostoja.forum import permissions
from ostoja.forum.models import Category, Thread

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_forum_once():
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    assert Thread.objects.count() == 3
    call_command("seed_demo", "--quiet-logins", stdout=io.StringIO())
    assert Thread.objects.count() == 3
    member = get_user_model().objects.get(email="czlonek@demo.ostoja.invalid")
    coordinator = get_user_model().objects.get(email="koordynator@demo.ostoja.invalid")
    secret = Category.objects.get(slug="superwizja")
    assert permissions.can_use_forum(member)
    assert not permissions.can_see_category(member, secret)
    assert permissions.can_see_category(coordinator, secret)
    assert permissions.is_moderator(coordinator, Category.objects.get(slug="prawo"))
