from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0009_indexes_for_growth')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ClientWrite',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='client_writes', on_delete=OnDelete.CASCADE)),
                ('client_id', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=40)),
                ('digest', fields.CharField(max_length=64)),
                ('object_id', fields.IntField()),
                ('written_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'client_writes', 'app': 'haven', 'unique_together': (('author', 'client_id'),), 'pk_attr': 'id', 'table_description': "A message written under an author's ``clientMessageId``: what it made, and a digest"},
            bases=['Model'],
        ),
    ]
