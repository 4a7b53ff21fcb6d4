from django.contrib import admin

from trellis.communities.models import (
    CharterVersion,
    Community,
    Membership,
    Objective,
    SpaceLink,
    StageChange,
    Tag,
)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ["stage", "on", "note", "by", "created_at"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "stage", "launched", "closed"]
    list_filter = ["stage"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["tags", "business_units"]
    inlines = [StageChangeInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["person", "community", "role", "joined", "left"]
    list_filter = ["role"]
    search_fields = ["person__name", "person__email", "community__slug"]
    raw_id_fields = ["person", "community"]


@admin.register(CharterVersion)
class CharterVersionAdmin(admin.ModelAdmin):
    list_display = ["community", "year", "version", "approved_on"]
    raw_id_fields = ["community", "approved_by"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "year", "status"]
    list_filter = ["year", "status"]
    raw_id_fields = ["community"]


@admin.register(SpaceLink)
class SpaceLinkAdmin(admin.ModelAdmin):
    list_display = ["source", "space", "community"]
    list_filter = ["source"]
    raw_id_fields = ["community"]
