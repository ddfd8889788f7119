from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0014_arranging_calls')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Lease',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=40)),
                ('holder', fields.CharField(max_length=120)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'leases', 'app': 'haven', 'pk_attr': 'name', 'table_description': "``name``'s work belongs to ``holder`` until ``expires_at``, then to whoever takes"},
            bases=['Model'],
        ),
    ]
