from tortoise import migrations
from tortoise.migrations import operations as ops
from models.sessions import SessionStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0002_applications_inbox_audit')]

    initial = False

    operations = [
        ops.CreateModel(
            name='GroupSession',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('starts_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('duration_minutes', fields.SmallIntField(default=60)),
                ('status', fields.CharEnumField(default=SessionStatus.SCHEDULED, description='SCHEDULED: SCHEDULED\nLIVE: LIVE\nENDED: ENDED\nCANCELLED: CANCELLED', enum_type=SessionStatus, max_length=12)),
                ('one_off', fields.BooleanField(default=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_sequence', fields.IntField(default=0)),
            ],
            options={'table': 'group_sessions', 'app': 'haven', 'unique_together': (('group', 'starts_at'),), 'pk_attr': 'id', 'table_description': 'One meeting of a group: generated from its weekly schedule, or added as a one-off.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SessionMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('haven.GroupSession', source_field='session_id', db_constraint=True, to_field='id', related_name='messages', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='session_messages', on_delete=OnDelete.CASCADE)),
                ('sequence', fields.IntField()),
                ('body', fields.TextField(unique=False)),
                ('sent_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'session_messages', 'app': 'haven', 'unique_together': (('session', 'sequence'),), 'pk_attr': 'id', 'table_description': 'Something said in a session. The messages of an ended session are its transcript.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SessionPresence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('session', fields.ForeignKeyField('haven.GroupSession', source_field='session_id', db_constraint=True, to_field='id', related_name='presence', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('haven.User', source_field='user_id', db_constraint=True, to_field='id', related_name='presence', on_delete=OnDelete.CASCADE)),
                ('seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'session_presence', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A client following a live session: a row per open subscription, in any process.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='research_consent',
            field=fields.BooleanField(default=True),
        ),
    ]
