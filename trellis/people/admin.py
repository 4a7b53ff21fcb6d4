from django.contrib import admin

from trellis.people.models import BusinessUnit, Person


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "business_unit", "country", "is_active", "is_programme_staff"]
    list_filter = ["is_active", "is_programme_staff", "business_unit"]
    search_fields = ["name", "email", "employee_id"]
    raw_id_fields = ["manager", "user"]
