from tortoise import migrations
from models.versions import install_version_triggers
from tortoise.migrations import operations as ops
from tortoise import fields

async def add_version_triggers(apps, schema_editor) -> None:
    """Centres are read by answers: writing them moves the data version."""
    await install_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0015_leases')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Centre',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('address', fields.TextField(unique=False)),
                ('phone', fields.CharField(max_length=40)),
                ('opening_hours', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'centres', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A centre people can visit or telephone: public information, kept by the online'},
            bases=['Model'],
        ),
        ops.RunPython(add_version_triggers, reverse_code=ops.RunPython.noop),
    ]
