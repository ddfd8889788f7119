from tortoise import migrations
from tortoise.migrations import operations as ops
from models.safeguarding import ConcernStatus, Severity
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('haven', '0003_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BreachReport',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='breach_reports', on_delete=OnDelete.CASCADE)),
                ('reporter', fields.ForeignKeyField('haven.User', source_field='reporter_id', db_constraint=True, to_field='id', related_name='breach_reports_made', on_delete=OnDelete.CASCADE)),
                ('about', fields.ForeignKeyField('haven.User', source_field='about_id', null=True, db_constraint=True, to_field='id', related_name='breach_reports_about', on_delete=OnDelete.SET_NULL)),
                ('description', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'breach_reports', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A member's report that something said in a group went outside it."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Conversation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.Group', source_field='group_id', null=True, db_constraint=True, to_field='id', related_name='conversations', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=200)),
                ('started_by', fields.ForeignKeyField('haven.User', source_field='started_by_id', db_constraint=True, to_field='id', related_name='conversations_started', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_post_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'conversations', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A thread in a group's conversations, or in the area all groups share."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Integration',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=80)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('scopes', fields.CharField(max_length=200)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'integrations', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A system allowed to subscribe to events: ids and types, never content.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Post',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('conversation', fields.ForeignKeyField('haven.Conversation', source_field='conversation_id', db_constraint=True, to_field='id', related_name='posts', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('haven.User', source_field='author_id', db_constraint=True, to_field='id', related_name='posts', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('hidden_by', fields.ForeignKeyField('haven.User', source_field='hidden_by_id', null=True, db_constraint=True, to_field='id', related_name='posts_hidden', on_delete=OnDelete.SET_NULL)),
            ],
            options={'table': 'posts', 'app': 'haven', 'pk_attr': 'id', 'table_description': 'A post in a conversation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SafeguardingConcern',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('haven.Group', source_field='group_id', db_constraint=True, to_field='id', related_name='concerns', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('haven.User', source_field='member_id', db_constraint=True, to_field='id', related_name='concerns_about', on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('haven.GroupSession', source_field='session_id', null=True, db_constraint=True, to_field='id', related_name='concerns', on_delete=OnDelete.SET_NULL)),
                ('raised_by', fields.ForeignKeyField('haven.User', source_field='raised_by_id', db_constraint=True, to_field='id', related_name='concerns_raised', on_delete=OnDelete.CASCADE)),
                ('severity', fields.CharEnumField(description='LOW: LOW\nMODERATE: MODERATE\nHIGH: HIGH\nIMMEDIATE: IMMEDIATE', enum_type=Severity, max_length=12)),
                ('summary', fields.TextField(unique=False)),
                ('action_taken', fields.TextField(default='', unique=False)),
                ('discussed_with_member', fields.BooleanField(default=False)),
                ('professional_contacted', fields.BooleanField(default=False)),
                ('status', fields.CharEnumField(default=ConcernStatus.OPEN, description='OPEN: OPEN\nCLOSED: CLOSED', enum_type=ConcernStatus, max_length=8)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'safeguarding_concerns', 'app': 'haven', 'pk_attr': 'id', 'table_description': "A facilitator's record that someone may be at risk of significant harm."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='PersonalMessage',
            name='kind',
            field=fields.CharField(default='MESSAGE', max_length=20),
        ),
        ops.AddField(
            model_name='PersonalMessage',
            name='thread',
            field=fields.ForeignKeyField('haven.PersonalMessage', source_field='thread_id', null=True, db_constraint=True, to_field='id', related_name='replies', on_delete=OnDelete.SET_NULL),
        ),
    ]
