from tortoise import migrations
from models.versions import install_version_triggers
from tortoise.migrations import operations as ops
from models.specialists import Visibility
from tortoise.fields.base import OnDelete
from tortoise import fields

async def add_version_triggers(apps, schema_editor) -> None:
    """Specialist groups, questions and answers are read by answers: their writes move
    the data version."""
    await install_version_triggers(schema_editor.client)


class Migration(migrations.Migration):
    dependencies = [('haven', '0016_centres')]

    initial = False

    operations = [
        ops.CreateModel(
            name='SpecialistGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=120)),
                ('description', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'specialist_groups', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A subject (benefits and money, nutrition, side effects) and its specialists.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpecialistQuestion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.SpecialistGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.CASCADE)),
                ('asker', fields.ForeignKeyField('haven.User', source_field='asker_id', db_constraint=True, to_field='id', related_name='specialist_questions', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('visibility', fields.CharEnumField(description='PUBLIC: PUBLIC\nPRIVATE: PRIVATE', enum_type=Visibility, max_length=10)),
                ('asked_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('answer_by', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('overdue_told_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'specialist_questions', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A question to a group's specialists, to be answered by ``answer_by`` (two working"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpecialistAnswer',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('question', fields.ForeignKeyField('haven.SpecialistQuestion', source_field='question_id', db_constraint=True, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('specialist', fields.ForeignKeyField('haven.User', source_field='specialist_id', db_constraint=True, to_field='id', related_name='specialist_answers', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('answered_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'specialist_answers', 'app': 'haven', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SpecialistSeat',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.SpecialistGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='seats', on_delete=OnDelete.CASCADE)),
                ('specialist', fields.ForeignKeyField('haven.User', source_field='specialist_id', db_constraint=True, to_field='id', related_name='specialist_seats', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'specialist_seats', 'app': 'haven', 'unique_together': (('group', 'specialist'),), 'pk_attr': 'id', 'table_description': 'A specialist answering in a group.'},
            bases=['Model'],
        ),
        ops.RunPython(add_version_triggers, reverse_code=ops.RunPython.noop),
    ]
