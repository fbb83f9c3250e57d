"""Load China's public holidays and adjusted workdays from the chinesecalendar package."""

from django.db import migrations


def load_calendar(apps, schema_editor):
    from matters.calendar import package_calendar

    CalendarDay = apps.get_model("matters", "CalendarDay")
    CalendarYear = apps.get_model("matters", "CalendarYear")
    days, years = package_calendar()
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, kind=kind, name=name)
        for day, (kind, name) in sorted(days.items())
        if day not in existing
    )
    for year in years:
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "chinesecalendar"})


class Migration(migrations.Migration):
    dependencies = [("matters", "0001_initial")]

    operations = [migrations.RunPython(load_calendar, migrations.RunPython.noop)]
