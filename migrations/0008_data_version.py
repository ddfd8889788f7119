"""The data version, and the triggers by which every write to every table moves it
(``models.versions``)."""

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

from models.versions import install_version_triggers, remove_version_triggers


async def add_version_triggers(apps, schema_editor) -> None:
    await install_version_triggers(schema_editor.client)


async def drop_version_triggers(apps, schema_editor) -> None:
    await remove_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [("haven", "0007_profile_name_keys")]

    initial = False

    operations = [
        # Undone in reverse order: the triggers go before the table they write.
        ops.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("n", fields.BigIntField(default=0)),
            ],
            options={
                "table": "data_version",
                "app": "haven",
                "pk_attr": "id",
                "table_description": "The single row whose ``n`` every committed write to a versioned table increases.",
            },
            bases=["Model"],
        ),
        ops.RunPython(add_version_triggers, reverse_code=drop_version_triggers),
    ]
