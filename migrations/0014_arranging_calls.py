from tortoise import migrations
from models.versions import install_version_triggers
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

async def add_version_triggers(apps, schema_editor) -> None:
    """The tables answers read since 0008 (mail_preferences, proposed_calls) move the
    data version too (``models.versions``)."""
    await install_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0013_reminders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ProposedCall',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('haven.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='proposed_calls', on_delete=OnDelete.CASCADE)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('proposed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'proposed_calls', 'app': 'haven', 'unique_together': (('application', 'at'),), 'pk_attr': 'id', 'table_description': 'A time the facilitator offered for the screening call, for the applicant to take'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Application',
            name='phone',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Application',
            name='suitable_times',
            field=fields.TextField(default='', unique=False),
        ),
        ops.RunPython(add_version_triggers, reverse_code=ops.RunPython.noop),
    ]
