"""The admin-managed directory of local emergency resources, found by distance."""

from __future__ import annotations

import math

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ResourceKind(models.TextChoices):
    EMERGENCY_DEPARTMENT = "ed", "Emergency department"
    CRISIS_CENTRE = "crisis_centre", "Crisis centre"
    MOBILE_CRISIS = "mobile_crisis", "Mobile crisis team"
    DETOX = "detox", "Detox centre"


class LocalResource(models.Model):
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=16, choices=ResourceKind.choices)
    region = models.CharField(max_length=120, help_text="e.g. county or city")
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=32)
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    open_24_7 = models.BooleanField("open 24/7", default=True)
    notes = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region", "kind", "name"]
        indexes = [models.Index(fields=["is_active", "region"], name="resource_region")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.region})"

    def distance_km(self, latitude: float, longitude: float) -> float:
        """Great-circle distance (haversine) from a point, in kilometres."""
        radius = 6371.0
        phi1, phi2 = math.radians(latitude), math.radians(self.latitude)
        dphi = phi2 - phi1
        dlambda = math.radians(self.longitude - longitude)
        a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
        return 2 * radius * math.asin(math.sqrt(a))
