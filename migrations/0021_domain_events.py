from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

async def add_the_counter(apps, schema_editor) -> None:
    counter = apps.get_model("haven.EventCounter")
    await counter.create(id=1, last_position=0, using_db=schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0020_blog_comment_reports')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DomainEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('type', fields.CharField(max_length=40)),
                ('group_id', fields.IntField(null=True)),
                ('application_id', fields.IntField(null=True)),
                ('session_id', fields.IntField(null=True)),
                ('occurred_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('position', fields.IntField(null=True, unique=True)),
            ],
            options={'table': 'domain_events', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'What happened, to which ids, and when, written in the transaction of the change.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='EventCounter',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('last_position', fields.IntField(default=0)),
            ],
            options={'table': 'event_counter', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'The last position given to an event: one row, its id 1, never lowering, so that'},
            bases=['Model'],
        ),
        ops.RunPython(add_the_counter, reverse_code=ops.RunPython.noop),
    ]
