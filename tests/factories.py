"""factory_boy factories. Pairings that need a lifecycle are built through services."""

import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from schools.models import Programme, Region, School
from twinning.models import Role, RoleAssignment

_codes = itertools.count(1000000001)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.django.Password("pass-12345")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"区县{n}")
    code = factory.Sequence(lambda n: f"{510100 + n}")
    level = Region.Level.COUNTY
    parent = None


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"第{n}小学")
    code = factory.LazyFunction(lambda: str(next(_codes)))
    region = factory.SubFactory(RegionFactory)
    stage = School.Stage.PRIMARY
    location = School.Location.URBAN
    enrolment = 800
    staff_count = 60


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    name = factory.Sequence(lambda n: f"结对帮扶项目{n}")
    region = factory.SubFactory(RegionFactory)
    start_year = 2026
    years = 3
    pairing_kind = Programme.PairingKind.ONE_TO_ONE
    reach = Programme.Reach.CROSS_COUNTY
    max_assisted_schools = 1
    funding_per_pair = Decimal("300000.00")
    tranche_count = 3
    pass_mark = Decimal("75.00")


def assign(user, role, *, region=None, school=None):
    RoleAssignment.objects.create(user=user, role=role, region=region, school=school)
    return user


__all__ = ["Role", "assign"]
