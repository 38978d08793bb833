"""factory_boy factories shared by all tests."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from ostoja.organisations.models import Membership, Organisation

TEST_PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name", locale="pl_PL")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"primary": True, "verified": True}
            )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organizacja testowa {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = Organisation.Kind.NGO
    country = "PL"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.test")
    verified = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "network_member"
