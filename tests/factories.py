"""factory_boy factories for every core model (STYLE R18)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from parts.models import Location, Part, StockLevel
from repairs.models import ServiceCenter, Technician
from tickets.models import Customer, Device, FaultCategory, ProductModel, Ticket
from tickets.validators import imei_check_digit


def make_imei(n: int) -> str:
    body = f"86{n:012d}"[:14]
    return body + str(imei_check_digit(body))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "demo-pass-2026")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"客户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    city = "上海市"
    district = "浦东新区"
    address = "世纪大道 100 号"
    latitude = Decimal("31.230416")
    longitude = Decimal("121.473701")


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel
        django_get_or_create = ("code",)

    brand = "华为"
    name = factory.Sequence(lambda n: f"Mate {n}")
    code = factory.Sequence(lambda n: f"PM-{n:04d}")
    category = "phone"
    uses_imei = True
    list_price = Decimal("4999.00")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    product_model = factory.SubFactory(ProductModelFactory)
    owner = factory.SubFactory(CustomerFactory)
    serial_number = factory.Sequence(make_imei)
    purchase_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=60))
    invoice_date = factory.LazyAttribute(lambda o: o.purchase_date)


class FaultCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"fault-{n}")
    name = factory.Sequence(lambda n: f"故障{n}")
    department = "hardware"
    required_skill = "screen"
    keywords = ["屏幕", "碎"]


class TicketFactory(factory.django.DjangoModelFactory):
    """Creates tickets through the service so numbers and events are real."""

    class Meta:
        model = Ticket

    customer = factory.SubFactory(CustomerFactory)
    description = "屏幕摔碎了，触摸失灵"
    channel = "phone"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from tickets.services import ticket_create

        # Tests triage explicitly (ticket_triage) unless they ask for the intake's classification.
        kwargs.setdefault("classify", False)
        return ticket_create(**kwargs)


class ServiceCenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceCenter
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"SC{n:03d}")
    name = factory.Sequence(lambda n: f"上海服务中心{n}")
    region = "east"
    province = "上海市"
    city = "上海市"
    district = "浦东新区"
    address = "张杨路 500 号"
    latitude = Decimal("31.228000")
    longitude = Decimal("121.520000")
    service_modes = ["walk_in", "on_site", "mail_in"]


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Technician

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"tech-f{n}"), is_staff=False)
    center = factory.SubFactory(ServiceCenterFactory)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"工程师{n}")
    skills = ["screen", "battery"]
    product_categories = ["phone"]


class PartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Part
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"屏幕总成{n}")
    category = "screen"
    cost_price = Decimal("300.00")
    retail_price = Decimal("699.00")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LOC-{n:03d}")
    name = factory.Sequence(lambda n: f"仓库{n}")
    kind = "center"


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel

    part = factory.SubFactory(PartFactory)
    location = factory.SubFactory(LocationFactory)
    on_hand = 10
